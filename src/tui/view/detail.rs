//! The detail pane: the selected model's arrivals per bin above the trace's, and the fit of the
//! interval under the centre.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::{Paragraph, Sparkline, Wrap};

use super::{block, rebin, seconds};
use crate::time::fmt_point;
use crate::tui::model::{Focus, Model};

pub(super) fn detail_pane(m: &Model, f: &mut Frame, area: Rect) {
    let focused = m.focus == Focus::Detail;
    let (Some(r), Some(k), Some((lo, hi))) = (&m.result, m.selected_row(), m.detail_range()) else {
        f.render_widget(block(" Detail ".into(), focused), area);
        return;
    };
    let title = format!(
        " Detail: {} · {} → {} ({}) ",
        r.rows[k].model,
        fmt_point(lo as u64),
        fmt_point(hi as u64),
        // The table shows the new parameters' targets; this is still the last replay.
        if m.shown_targets().is_some() {
            "previous replay"
        } else {
            "←/→ pan, ↑/↓ zoom"
        }
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
