//! The models pane: per model its functions, arrivals, rate, cv, peak and a sparkline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{block, fit_number, rebin};
use crate::tui::model::{Focus, Model};

pub(super) fn models_pane(m: &Model, f: &mut Frame, area: Rect) {
    let focused = m.focus == Focus::Models;
    let cols = ["model", "fns", "arrivals", "rate/s", "cv", "peak/s"];
    let targets = m.shown_targets();
    let title = match targets {
        // Expected figures of the new parameters until the samples come.
        Some(_) => " Models: fitted targets (expected), sampling… ".to_string(),
        None => format!(
            " Models (sort 1-6: {} {}) ",
            cols[m.sort.0.min(5)],
            if m.sort.1 { "↓" } else { "↑" }
        ),
    };
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
    // The replay's volume against the trace window's, where the terminal has room.
    let vs_w: u16 = if area.width >= 80 { 8 } else { 0 };
    // What the columns, their gaps and the borders leave, less a margin.
    // Token counts (LLM traces): the median input/output lengths in a column of their own.
    let tokens_w: u16 = if r.rows.iter().any(|x| x.tokens.is_some()) {
        12
    } else {
        0
    };
    let used: u16 = w.iter().sum::<u16>()
        + 6
        + 2
        + 2
        + if tokens_w > 0 { tokens_w + 1 } else { 0 }
        + if vs_w > 0 { vs_w + 1 } else { 0 };
    let spark_w = area.width.saturating_sub(used).max(3) as usize;
    let spark = |bins: &[u64]| -> String {
        let data = rebin(bins, spark_w);
        let max = data.iter().copied().max().unwrap_or(0).max(1);
        data.iter()
            .map(|&v| ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'][(v * 7 / max) as usize])
            .collect()
    };
    // `cv_pending`: the group's cv comes after the rows (see ReplayView::group_cv_pending).
    let row = |x: &crate::tui::model::ModelRow, cv_pending: bool| {
        let mut cells = vec![
            Cell::from(x.model.clone()),
            Cell::from(fit_number(x.functions as f64, w[1].into(), 0)),
            Cell::from(fit_number(x.arrivals as f64, w[2].into(), 0)),
        ];
        if vs_w > 0 {
            cells.push(Cell::from(match x.trace_count {
                Some(t) if t > 0 => {
                    format!("{:+.1}%", (x.arrivals as f64 / t as f64 - 1.0) * 100.0)
                }
                _ => String::new(),
            }));
        }
        cells.extend([
            Cell::from(fit_number(x.rate, w[3].into(), 4)),
            Cell::from(if cv_pending {
                "…".to_string()
            } else {
                fit_number(x.cv, w[4].into(), 3)
            }),
            Cell::from(fit_number(x.peak, w[5].into(), 3)),
        ]);
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
    let (shown, group, cv_pending, order) = match targets {
        Some(t) => (&t.rows, &t.group, false, (0..t.rows.len()).collect()),
        None => (&r.rows, &r.group, r.group_cv_pending, m.sorted_rows()),
    };
    let mut rows: Vec<Row> = order
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let rw = row(&shown[k], false);
            if focused && i == m.row {
                rw.reversed()
            } else {
                rw
            }
        })
        .collect();
    rows.push(row(group, cv_pending).bold());
    let mut widths = vec![
        Constraint::Length(w[0]),
        Constraint::Length(w[1]),
        Constraint::Length(w[2]),
    ];
    if vs_w > 0 {
        widths.push(Constraint::Length(vs_w));
    }
    widths.extend([
        Constraint::Length(w[3]),
        Constraint::Length(w[4]),
        Constraint::Length(w[5]),
    ]);
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
        names[..3]
            .iter()
            .map(|c| Cell::from(*c))
            .chain((vs_w > 0).then(|| Cell::from("vs trace")))
            .chain(names[3..].iter().map(|c| Cell::from(*c)))
            .chain((tokens_w > 0).then(|| Cell::from("tok in/out")))
            .chain([Cell::from("rate over the window")]),
    )
    .underlined();
    f.render_widget(Table::new(rows, widths).header(header).block(b), area);
}
