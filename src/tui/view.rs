//! Drawing: reads the model, never the raw arrivals; a frame costs O(screen width).

use crate::quote::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::model::{Model, Overlay};

mod detail;
mod models;
mod overlays;
mod params;
mod trace;

use detail::detail_pane;
use models::models_pane;
pub use overlays::HELP;
use overlays::{confirm_quit, export_dialog, help, open_prompt};
use params::params_pane;
use trace::trace_pane;

/// Smallest usable terminal.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Width of the left column (trace and parameters) in a terminal `width` wide: 38 up to
/// 127 columns, then growing with the terminal to 64, so that a wide terminal shows whole names
/// and warnings.
fn left_width(width: u16) -> u16 {
    (width.saturating_mul(3) / 10).clamp(38, 64)
}

/// Columns of the detail chart for a terminal `width` wide.
pub fn detail_width(width: u16) -> usize {
    usize::from(width.saturating_sub(left_width(width) + 2))
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
    let [left, right] = Layout::horizontal([
        Constraint::Length(left_width(area.width)),
        Constraint::Min(0),
    ])
    .areas(main);
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
    match &m.overlay {
        Overlay::None => {}
        Overlay::Help => help(f, area),
        Overlay::Export(d) => export_dialog(m, d, f, area),
        Overlay::Open(p) => open_prompt(m, p, f, area),
        Overlay::ConfirmQuit => confirm_quit(f, area),
    }
    if m.no_color {
        for cell in f.buffer_mut().content.iter_mut() {
            cell.set_fg(ratatui::style::Color::Reset);
            cell.set_bg(ratatui::style::Color::Reset);
        }
    }
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
        assert_eq!(crate::format::plural(1, "day"), "1 day");
        assert_eq!(crate::format::plural(3, "day"), "3 days");
        assert_eq!(file_name("/a/very/long/path/azure_v2.pkl"), "azure_v2.pkl");
    }

    #[test]
    fn rebin_sums_or_keeps() {
        assert_eq!(rebin(&[1, 2, 3, 4], 2), vec![3, 7]);
        assert_eq!(rebin(&[1, 2], 5), vec![1, 2]);
        assert!(rebin(&[1], 0).is_empty());
    }
}
