//! Drawing: reads the model, never the raw arrivals; a frame costs O(screen width).

use crate::quote::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Sparkline, Table, Wrap};

use super::model::{EXPORT_FORMATS, ExportDialog, FIELDS, FieldKind, Focus, Model};
use crate::time::fmt_point;

/// Smallest usable terminal.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Width of the left column.
const LEFT: u16 = 38;

/// Columns of the detail chart for a terminal `width` wide.
pub fn detail_width(width: u16) -> usize {
    usize::from(width.saturating_sub(LEFT + 2))
}

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// Sums `data` into `width` buckets (or pads when there is less data than width).
pub fn rebin(data: &[u64], width: usize) -> Vec<u64> {
    if width == 0 || data.is_empty() {
        return Vec::new();
    }
    if data.len() <= width {
        return data.to_vec();
    }
    (0..width)
        .map(|i| {
            let (a, b) = (i * data.len() / width, (i + 1) * data.len() / width);
            data[a..b.max(a + 1)].iter().sum()
        })
        .collect()
}

fn block(title: String, focused: bool) -> Block<'static> {
    let b = Block::default().borders(Borders::ALL).title(title);
    if focused {
        b.border_style(Style::default().add_modifier(Modifier::BOLD).cyan())
    } else {
        b
    }
}

/// Draws the whole screen.
pub fn view(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "tracereplay-tui needs at least {}×{} characters; this terminal is {}×{}. Enlarge it, or press q to quit.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let busy = m.pending.is_some() || m.loading.is_some();
    let spin = if busy { SPINNER[m.tick % 4] } else { " " };
    // Errors quote file content, which must not reach the terminal as escape sequences.
    let text = printable(m.loading.as_deref().unwrap_or(&m.status)).into_owned();
    let status_text = format!("{spin} {text}  ·  ? help  q quit");
    // A long message (an error's useful part comes last) wraps onto up to three lines.
    let status_lines = (status_text.chars().count() as u16)
        .div_ceil(area.width.max(1))
        .clamp(1, 3);
    let [main, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(status_lines)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Length(LEFT), Constraint::Min(0)]).areas(main);
    let [trace_area, params_area] =
        Layout::vertical([Constraint::Length(11), Constraint::Min(0)]).areas(left);
    let rows = m.result.as_ref().map_or(1, |r| r.rows.len() + 1) as u16;
    let [models_area, detail_area] = Layout::vertical([
        Constraint::Length((rows + 3).min(main.height / 2)),
        Constraint::Min(0),
    ])
    .areas(right);
    trace_pane(m, f, trace_area);
    params_pane(m, f, params_area);
    models_pane(m, f, models_area);
    detail_pane(m, f, detail_area);
    f.render_widget(
        Paragraph::new(status_text)
            .wrap(Wrap { trim: false })
            .style(Style::default().reversed()),
        status,
    );
    if m.export.is_some() {
        export_dialog(m, f, area);
    }
    if m.open.is_some() {
        open_prompt(m, f, area);
    }
    if m.help {
        help(f, area);
    }
    if m.confirm_quit {
        confirm_quit(f, area);
    }
    if m.no_color {
        for cell in f.buffer_mut().content.iter_mut() {
            cell.set_fg(ratatui::style::Color::Reset);
            cell.set_bg(ratatui::style::Color::Reset);
        }
    }
}

fn trace_pane(m: &Model, f: &mut Frame, area: Rect) {
    let b = block(
        format!(
            " Trace {}/{} (t next, o open) ",
            m.trace + 1,
            m.traces.len().max(1)
        ),
        false,
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(t) = m.current() else {
        f.render_widget(
            Paragraph::new(m.loading.clone().unwrap_or_else(|| "no trace".into())),
            inner,
        );
        return;
    };
    let s = &t.summary;
    let mut lines = vec![
        // The file's name: a long absolute path would be cut before it.
        Line::from(printable(&file_name(&t.name)).into_owned()).bold(),
        Line::from(format!(
            "{}, {}, {} functions",
            s.kind,
            s.span
                .map_or_else(|| plural(u64::from(s.days), "day"), crate::time::fmt_span),
            s.functions
        )),
        Line::from(format!("{} invocations", s.invocations)),
        Line::from("busiest:"),
    ];
    // A coarse trace's warning takes the second busiest function's line.
    let coarse = t.coarse.filter(|c| c.is_coarse());
    for (name, n) in s.busiest.iter().take(if coarse.is_some() { 1 } else { 2 }) {
        let short: String = printable(name).chars().take(16).collect();
        lines.push(Line::from(format!(" {n:>8} {short}…")));
    }
    if let Some(c) = coarse {
        lines.push(
            Line::from(format!(
                "⚠ coarse times: {:.0} % share one",
                100.0 * c.shared_fraction
            ))
            .yellow(),
        );
    }
    let [text, spark, marks] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines), text);
    let width = spark.width as usize;
    f.render_widget(Sparkline::default().data(rebin(&t.hourly, width)), spark);
    if let Some(r) = &m.result {
        let total = (t.trace.end_seconds() as f64).max(1.0);
        let a = (r.replay.window.start as f64 / total * width as f64) as usize;
        let b = ((r.replay.window.end as f64 / total * width as f64).ceil() as usize)
            .clamp(a + 1, width.max(1));
        let bar: String = (0..width)
            .map(|i| if i >= a && i < b { '▔' } else { ' ' })
            .collect();
        f.render_widget(Paragraph::new(bar).cyan(), marks);
    }
}

fn params_pane(m: &Model, f: &mut Frame, area: Rect) {
    let focused = m.focus == Focus::Params;
    let b = block(" Parameters (Enter edit, ←/→ choose) ".into(), focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let dist = m.distribution();
    let kind = m.current().map(|t| t.summary.kind);
    let mut lines = Vec::new();
    for (i, kind_f) in FIELDS.iter().enumerate() {
        let selected = focused && i == m.field;
        let value = match (&m.editing, selected) {
            (Some(buf), true) => super::text::with_caret(buf, m.caret),
            _ if *kind_f == FieldKind::Triggers && m.fields[i].is_empty() => "all".into(),
            _ => m.fields[i].clone(),
        };
        let no_triggers =
            *kind_f == FieldKind::Triggers && m.current().is_some_and(|t| !t.has_triggers);
        let value = if kind_f.inapplicable(dist, kind) || no_triggers {
            Span::from(format!("{value} (n/a)")).dark_gray()
        } else if kind_f.label() == "end" && value.is_empty() {
            Span::from("trace end").italic()
        } else {
            Span::from(value)
        };
        let error = m.field_error.as_ref().is_some_and(|(f, _)| *f == i);
        let mut label = Span::from(format!("{:<13}", kind_f.label()));
        if selected {
            label = label.reversed();
        }
        let mut spans = vec![label, Span::from(" "), value];
        if error {
            spans.push(Span::from(" ✗").red().bold());
        }
        lines.push(Line::from(spans));
    }
    if let Some((_, e)) = &m.field_error {
        lines.push(Line::from(""));
        lines.push(Line::from(e.clone()).red());
    }
    if let Some(r) = &m.result {
        lines.push(Line::from(""));
        lines.push(Line::from(r.replay.window.to_string()).dark_gray());
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn models_pane(m: &Model, f: &mut Frame, area: Rect) {
    let focused = m.focus == Focus::Models;
    let cols = ["model", "fns", "arrivals", "rate/s", "cv", "peak/s"];
    let title = format!(
        " Models (sort 1-6: {} {}) ",
        cols[m.sort.0.min(5)],
        if m.sort.1 { "↓" } else { "↑" }
    );
    let b = block(title, focused);
    let Some(r) = &m.result else {
        f.render_widget(Paragraph::new("no replay yet").block(b), area);
        return;
    };
    // Narrow terminals get narrow columns, and numbers are rounded (or get k/M suffixes) to
    // fit them: never cut, which turned 15424 into 1542.
    let w: [u16; 6] = if area.width >= 72 {
        [12, 5, 10, 9, 7, 8]
    } else {
        [6, 4, 6, 6, 5, 5]
    };
    // What the columns, their gaps and the borders leave, less a margin.
    // Token counts (LLM traces): the median input/output lengths in a column of their own.
    let tokens_w: u16 = if r.rows.iter().any(|x| x.tokens.is_some()) {
        12
    } else {
        0
    };
    let used: u16 = w.iter().sum::<u16>() + 6 + 2 + 2 + if tokens_w > 0 { tokens_w + 1 } else { 0 };
    let spark_w = area.width.saturating_sub(used).max(3) as usize;
    let spark = |bins: &[u64]| -> String {
        let data = rebin(bins, spark_w);
        let max = data.iter().copied().max().unwrap_or(0).max(1);
        data.iter()
            .map(|&v| ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'][(v * 7 / max) as usize])
            .collect()
    };
    let row = |x: &super::model::ModelRow| {
        let mut cells = vec![
            Cell::from(x.model.clone()),
            Cell::from(fit_number(x.functions as f64, w[1].into(), 0)),
            Cell::from(fit_number(x.arrivals as f64, w[2].into(), 0)),
            Cell::from(fit_number(x.rate, w[3].into(), 4)),
            Cell::from(fit_number(x.cv, w[4].into(), 3)),
            Cell::from(fit_number(x.peak, w[5].into(), 3)),
        ];
        if tokens_w > 0 {
            cells.push(Cell::from(x.tokens.map_or(String::new(), |(i, o)| {
                format!(
                    "{}/{}",
                    fit_number(f64::from(i[0]), 5, 0),
                    fit_number(f64::from(o[0]), 5, 0)
                )
            })));
        }
        cells.push(Cell::from(spark(&x.bins)));
        Row::new(cells)
    };
    let order = m.sorted_rows();
    let mut rows: Vec<Row> = order
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let rw = row(&r.rows[k]);
            if focused && i == m.row {
                rw.reversed()
            } else {
                rw
            }
        })
        .collect();
    rows.push(row(&r.group).bold());
    let mut widths = vec![
        Constraint::Length(w[0]),
        Constraint::Length(w[1]),
        Constraint::Length(w[2]),
        Constraint::Length(w[3]),
        Constraint::Length(w[4]),
        Constraint::Length(w[5]),
    ];
    if tokens_w > 0 {
        widths.push(Constraint::Length(tokens_w));
    }
    widths.push(Constraint::Min(3));
    let names = if w[0] >= 12 {
        cols
    } else {
        ["model", "fns", "arriv.", "rate/s", "cv", "peak"]
    };
    let header = Row::new(
        names
            .iter()
            .map(|c| Cell::from(*c))
            .chain((tokens_w > 0).then(|| Cell::from("tok in/out")))
            .chain([Cell::from("rate over the window")]),
    )
    .underlined();
    f.render_widget(Table::new(rows, widths).header(header).block(b), area);
}

fn detail_pane(m: &Model, f: &mut Frame, area: Rect) {
    let focused = m.focus == Focus::Detail;
    let (Some(r), Some(k), Some((lo, hi))) = (&m.result, m.selected_row(), m.detail_range()) else {
        f.render_widget(block(" Detail ".into(), focused), area);
        return;
    };
    let title = format!(
        " Detail: {} · {} → {} (←/→ pan, ↑/↓ zoom) ",
        r.rows[k].model,
        fmt_point(lo as u64),
        fmt_point(hi as u64)
    );
    let b = block(title, focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    // Bins are one per column already (refresh_detail); rebin only guards a stale width.
    let data = rebin(&m.detail, inner.width as usize);
    let real = rebin(&m.detail_trace, inner.width as usize);
    let bin_s = (hi - lo) / data.len().max(1) as f64;
    let max = data.iter().copied().max().unwrap_or(0);
    let real_max = real.iter().copied().max().unwrap_or(0);
    // One scale for both, so heights compare; unless one is so much smaller that it would
    // draw as nothing (a replay at rate scale 0.002 under its trace): then each its own.
    let (hi_max, lo_max) = (max.max(real_max), max.min(real_max));
    let own = hi_max > 4 * lo_max.max(1);
    let (top_scale, bottom_scale) = if own {
        (max.max(1), real_max.max(1))
    } else {
        (hi_max.max(1), hi_max.max(1))
    };
    let per_s = |n: u64| n as f64 / bin_s.max(1e-9);
    let caption = format!(
        "top: replayed max {max} ({:.3}/s) · bottom: trace max {real_max} ({:.3}/s) · {} s bins{}",
        per_s(max),
        per_s(real_max),
        seconds(bin_s),
        if own { " · each on its own scale" } else { "" },
    );
    let caption_lines = (caption.chars().count() as u16)
        .div_ceil(inner.width.max(1))
        .clamp(1, 2);
    let [chart, axis, info] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(caption_lines),
        Constraint::Length(3),
    ])
    .areas(inner);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(chart);
    f.render_widget(Sparkline::default().data(data).max(top_scale).cyan(), top);
    f.render_widget(
        Sparkline::default().data(real).max(bottom_scale).yellow(),
        bottom,
    );
    f.render_widget(
        Paragraph::new(caption)
            .wrap(Wrap { trim: true })
            .dark_gray(),
        axis,
    );
    let model = &r.replay.models[k];
    let mid = 0.5 * (lo + hi);
    let text = match model
        .intervals
        .iter()
        .find(|i| i.start <= mid && mid < i.end)
    {
        Some(iv) => {
            let trace_rate = iv.trace_count as f64 / (iv.end - iv.start);
            let fitted = match iv.process {
                None => "silent".to_string(),
                Some(p) => format!(
                    "{} rate {} cv {}",
                    p.name(),
                    p.rate().map_or("∞ gap".into(), |x| format!("{x:.4}/s")),
                    p.cv().map_or("∞".into(), |x| format!("{x:.3}"))
                ),
            };
            let verdict = match &m.detail_quality {
                Some((_, q)) => {
                    let mut c = q.candidates.clone();
                    c.sort_by(|a, b| a.aic.total_cmp(&b.aic));
                    let margin = c.get(1).map_or(String::new(), |n| {
                        format!(", ΔAIC {:.1} over {}", n.aic - c[0].aic, n.name)
                    });
                    format!(" · best fit {} (KS {:.3}{margin})", c[0].name, c[0].ks)
                }
                None => String::new(),
            };
            format!(
                "interval {} → {}: fitted {fitted} · realized {:.4}/s cv {:.3} · trace {trace_rate:.4}/s{verdict}",
                fmt_point(iv.start as u64),
                fmt_point(iv.end as u64),
                iv.realized_rate(),
                iv.realized_cv,
            )
        }
        None => format!(
            "vanilla: {} arrivals, {} trace invocations in the window",
            model.arrivals.len(),
            model.trace_count
        ),
    };
    let text = match r.rows[k].tokens {
        Some((i, o)) => format!(
            "{text} · tokens in p50/p90/p99 {}/{}/{}, out {}/{}/{}",
            i[0], i[1], i[2], o[0], o[1], o[2]
        ),
        None => text,
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), info);
}

/// Seconds with the precision that matters at that size.
fn seconds(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0}")
    } else if s >= 1.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.3}")
    }
}

/// `v` in at most `width` characters: with up to `decimals` decimals, fewer when they do not
/// fit, then with a k/M/G/T suffix; rounded, never cut.
pub fn fit_number(v: f64, width: usize, decimals: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "n/a".into()
        } else {
            "inf".into()
        };
    }
    for d in (0..=decimals).rev() {
        let s = format!("{v:.d$}");
        if s.chars().count() <= width {
            return s;
        }
    }
    for (div, suffix) in [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")] {
        for d in (0..=2).rev() {
            let s = format!("{:.d$}{suffix}", v / div);
            if s.chars().count() <= width {
                return s;
            }
        }
    }
    format!("{v:.0e}")
}

/// `n thing` or `n things`.
fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The last part of a path, for a pane too narrow for the whole.
fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn export_dialog(m: &Model, f: &mut Frame, area: Rect) {
    let Some(d) = &m.export else { return };
    let r = centered(area, 64, 10);
    f.render_widget(Clear, r);
    let mark = |i: usize| if d.cursor == i { "▶ " } else { "  " };
    let shown = |i: usize, text: &str| {
        let text = printable(text);
        if d.cursor == i {
            super::text::with_caret(&text, m.caret)
        } else {
            text.into_owned()
        }
    };
    let lines = vec![
        Line::from(format!("{}path    {}", mark(0), shown(0, &d.path))),
        Line::from(format!("{}slo s   {}", mark(1), shown(1, &d.slo))),
        Line::from(format!("{}models  {}", mark(2), shown(2, &d.models))),
        Line::from(format!(
            "{}format  ◀ {} ▶",
            mark(ExportDialog::FORMAT),
            match EXPORT_FORMATS[d.format] {
                "jsonl" => "jsonl (Mooncake: AIPerf, SGLang, vLLM)",
                f => f,
            }
        )),
        Line::from(""),
        Line::from(match d.chosen_models() {
            None => "all models, merged by arrival time".to_string(),
            Some(v) => format!("{} model(s), merged by arrival time", v.len()),
        }),
        Line::from(if d.confirm_overwrite {
            "file exists: Enter overwrites, Esc cancels"
        } else {
            "Enter export · Tab next field · Esc cancel"
        }),
    ];
    f.render_widget(
        Paragraph::new(lines).block(block(" Export workload ".into(), true)),
        r,
    );
}

fn open_prompt(m: &Model, f: &mut Frame, area: Rect) {
    let Some(p) = &m.open else { return };
    let r = centered(area, 72, 8);
    f.render_widget(Clear, r);
    let shown: Vec<std::borrow::Cow<'_, str>> =
        p.candidates.iter().take(20).map(|c| printable(c)).collect();
    let more = p.candidates.len().saturating_sub(shown.len());
    let mut cands = shown.join("  ");
    if more > 0 {
        cands.push_str(&format!("  … {more} more"));
    }
    let lines = vec![
        Line::from(format!(
            "path  {}",
            super::text::with_caret(&printable(&p.path), m.caret)
        )),
        Line::from(""),
        Line::from(cands).dark_gray(),
        Line::from(""),
        Line::from("Tab complete · Enter open · Esc cancel"),
    ];
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(
            " Open a trace (pickle, Azure CSV, 2019 day directory, cache) ".into(),
            true,
        )),
        r,
    );
}

fn confirm_quit(f: &mut Frame, area: Rect) {
    let r = centered(area, 60, 8);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::from("An export is still being written."),
        Line::from(""),
        Line::from(vec![
            Span::from("w").bold(),
            Span::from("  wait for it, then quit"),
        ]),
        Line::from(vec![
            Span::from("c").bold(),
            Span::from("  cancel it (its partial file is removed)"),
        ]),
        Line::from(vec![
            Span::from("q").bold(),
            Span::from("  quit anyway (the partial file is removed)"),
        ]),
        Line::from(vec![
            Span::from("Esc").bold(),
            Span::from(" back to the explorer"),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).block(block(" Quit? ".into(), true)),
        r,
    );
}

/// Every key, for the help overlay.
pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("↑↓ / j k", "move in the form or the table"),
    ("Enter", "edit the selected parameter (Enter again applies)"),
    ("← → / h l", "cycle a choice field; pan the detail chart"),
    ("Esc", "cancel an edit or close a dialog"),
    ("in a text field", "←→ Home End, Ctrl-A/E/U/W/K; paste"),
    ("↑↓ in detail, + -", "zoom the detail chart in / out"),
    ("1-6 in models", "sort by column (again: reverse)"),
    ("t", "switch to the next loaded trace"),
    ("o", "open another trace (Tab completes the path)"),
    ("e", "export the workload"),
    ("p", "write the detail view as an SVG figure"),
    ("?", "this help"),
    ("q / Ctrl-C", "quit"),
];

fn help(f: &mut Frame, area: Rect) {
    let r = centered(area, 76, HELP.len() as u16 + 4);
    f.render_widget(Clear, r);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, v)| Line::from(vec![Span::from(format!("{k:<20}")).bold(), Span::from(*v)]))
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(" Keys (any key closes) ".into(), true)),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fit_without_losing_digits() {
        assert_eq!(fit_number(15424.0, 6, 0), "15424");
        assert_eq!(fit_number(15424.0, 4, 0), "15k");
        assert_eq!(fit_number(154_240.0, 6, 0), "154240");
        assert_eq!(fit_number(1_542_400.0, 6, 0), "1542k");
        assert_eq!(fit_number(1_542_400.0, 4, 0), "1.5M");
        assert_eq!(fit_number(0.0595, 6, 4), "0.0595");
        assert_eq!(fit_number(0.0595, 4, 4), "0.06");
        assert_eq!(fit_number(1.253, 5, 3), "1.253");
        assert_eq!(fit_number(1.253, 4, 3), "1.25");
        assert_eq!(fit_number(f64::INFINITY, 4, 3), "inf");
        for (v, w) in [(123_456_789.0, 5), (9.99e15, 5), (0.5, 1)] {
            assert!(fit_number(v, w, 3).chars().count() <= w.max(5), "{v} {w}");
        }
        assert_eq!(plural(1, "day"), "1 day");
        assert_eq!(plural(3, "day"), "3 days");
        assert_eq!(file_name("/a/very/long/path/azure_v2.pkl"), "azure_v2.pkl");
    }

    #[test]
    fn rebin_sums_or_keeps() {
        assert_eq!(rebin(&[1, 2, 3, 4], 2), vec![3, 7]);
        assert_eq!(rebin(&[1, 2], 5), vec![1, 2]);
        assert!(rebin(&[1], 0).is_empty());
    }
}
