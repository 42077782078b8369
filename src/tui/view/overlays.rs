//! What is drawn over the panes: the export dialog, the open prompt, the quit question, help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::quote::printable;
use crate::tui::model::{EXPORT_FORMATS, ExportDialog, ExportField, Model, OpenPrompt};

pub(super) fn export_dialog(m: &Model, d: &ExportDialog, f: &mut Frame, area: Rect) {
    let r = centered(area, 64, 13);
    f.render_widget(Clear, r);
    let mark = |i: ExportField| if d.cursor == i { "▶ " } else { "  " };
    let shown = |i: ExportField, text: &str| {
        let text = printable(text);
        if d.cursor == i {
            crate::tui::text::with_caret(&text, m.caret)
        } else {
            text.into_owned()
        }
    };
    let typed = [
        ("path  ", ExportField::Path, &d.path),
        ("slo s ", ExportField::Slo, &d.slo),
        ("models", ExportField::Models, &d.models),
        ("tokens", ExportField::Tokens, &d.tokens),
        ("block ", ExportField::Block, &d.block),
        ("run s ", ExportField::Duration, &d.duration),
    ];
    let mut lines: Vec<Line> = typed
        .into_iter()
        .map(|(label, field, text)| {
            Line::from(format!("{}{label}  {}", mark(field), shown(field, text)))
        })
        .collect();
    lines.extend([
        Line::from(format!(
            "{}format  ◀ {} ▶",
            mark(ExportDialog::FORMAT),
            EXPORT_FORMATS[d.format].label
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
    ]);
    f.render_widget(
        Paragraph::new(lines).block(block(" Export workload ".into(), true)),
        r,
    );
}

pub(super) fn open_prompt(m: &Model, p: &OpenPrompt, f: &mut Frame, area: Rect) {
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
            crate::tui::text::with_caret(&printable(&p.path), m.caret)
        )),
        Line::from(""),
        Line::from(cands).dark_gray(),
        Line::from(""),
        Line::from("Tab complete · Enter open · Esc cancel"),
    ];
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(
            " Open a trace (pickle, Azure/LLM/BurstGPT CSV, Mooncake JSONL, 2019 dir/tar, cache; .gz .zst .xz) ".into(),
            true,
        )),
        r,
    );
}

pub(super) fn confirm_quit(f: &mut Frame, area: Rect) {
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

pub(super) fn help(f: &mut Frame, area: Rect) {
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
