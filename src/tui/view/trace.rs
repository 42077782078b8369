//! The trace pane: what the trace holds, its busiest functions, its hourly overview with the
//! window marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Sparkline};

use super::{block, file_name, rebin};
use crate::format::plural;
use crate::quote::printable;
use crate::tui::model::Model;

pub(super) fn trace_pane(m: &Model, f: &mut Frame, area: Rect) {
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
            "{}, {}, {}",
            s.kind,
            s.span
                .map_or_else(|| plural(u64::from(s.days), "day"), crate::time::fmt_span),
            plural(s.functions as u64, "function")
        )),
        Line::from(plural(s.invocations, "invocation")),
        Line::from("busiest:"),
    ];
    // A coarse trace's warning takes the second busiest function's line.
    let coarse = t.coarse.filter(|c| c.is_coarse());
    // Names as long as the pane allows: whole in a wide terminal.
    let room = usize::from(inner.width).saturating_sub(11).max(4);
    for (name, n) in s.busiest.iter().take(if coarse.is_some() { 1 } else { 2 }) {
        let name = printable(name);
        let shown = if name.chars().count() > room {
            name.chars().take(room - 1).collect::<String>() + "…"
        } else {
            name.into_owned()
        };
        lines.push(Line::from(format!(" {n:>8} {shown}")));
    }
    if let Some(c) = coarse {
        lines.push(
            Line::from(format!(
                "⚠ coarse times: {:.0} %; spread",
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
    // Stretched over the width when there are fewer bins than columns (a one-day trace has
    // 24), so that the activity and the window's marker share one time axis.
    let bins = if !t.hourly.is_empty() && t.hourly.len() < width {
        (0..width)
            .map(|i| t.hourly[i * t.hourly.len() / width])
            .collect()
    } else {
        rebin(&t.hourly, width)
    };
    f.render_widget(Sparkline::default().data(bins), spark);
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
