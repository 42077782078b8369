//! The parameters pane: the form, fields that do not apply greyed, the error at its field.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::model::{FIELDS, FieldKind, Focus, Model};

pub(super) fn params_pane(m: &Model, f: &mut Frame, area: Rect) {
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
            (Some(buf), true) => crate::tui::text::with_caret(buf, m.caret),
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
    // A short pane (80x24) scrolls to the selected field, and to the error under the fields
    // when the selected field has it.
    let height = usize::from(inner.height).max(1);
    let keep = match &m.field_error {
        Some((i, _)) if focused && *i == m.field => FIELDS.len() + 2,
        _ => m.field + 1,
    };
    let top = keep.saturating_sub(height).min(m.field);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0)),
        inner,
    );
}
