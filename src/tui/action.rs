//! Keys to actions: what a key means depends on what is on screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::{ExportDialog, Focus, Model, Overlay};

/// What a key means, given the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave (asks first while an export runs).
    Quit,
    /// Leave now, removing the partial file of a running export.
    QuitNow,
    /// Stop the running export and remove its partial file.
    CancelExport,
    /// Leave once the running export has finished.
    QuitAfterExport,
    /// Toggle the help overlay.
    Help,
    /// Tab.
    FocusNext,
    /// Shift-Tab.
    FocusPrev,
    /// Up / k.
    Up,
    /// Down / j.
    Down,
    /// Left / h.
    Left,
    /// Right / l.
    Right,
    /// Enter.
    Enter,
    /// Esc.
    Cancel,
    /// A character typed into an edit.
    Type(char),
    /// Backspace in an edit.
    Backspace,
    /// Any other editing key in a text field (cursor keys, Home/End, Ctrl-U/W/A/E/K).
    Edit(tui_input::InputRequest),
    /// Open the export dialog.
    OpenExport,
    /// Next trace.
    NextTrace,
    /// Sort the models table by this column (pressing again flips the order).
    Sort(usize),
    /// Zoom the detail chart in.
    ZoomIn,
    /// Zoom out.
    ZoomOut,
    /// Open the "add a trace" prompt.
    OpenTrace,
    /// Tab in the open prompt.
    Complete,
    /// Write the detail view as a figure.
    Plot,
}

/// Maps a key to an action for the current state.
pub fn keymap(m: &Model, key: KeyEvent) -> Option<Action> {
    let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
    if m.overlay == Overlay::ConfirmQuit {
        return match key.code {
            _ if ctrl_c => Some(Action::QuitNow),
            KeyCode::Char('q') => Some(Action::QuitNow),
            KeyCode::Char('c') => Some(Action::CancelExport),
            KeyCode::Char('w') => Some(Action::QuitAfterExport),
            KeyCode::Esc => Some(Action::Cancel),
            _ => None,
        };
    }
    if ctrl_c {
        return Some(Action::Quit);
    }
    if matches!(m.overlay, Overlay::Open(_)) {
        return match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Tab => Some(Action::Complete),
            _ => editing_key(key),
        };
    }
    let export = m.export();
    let typing = m.editing.is_some() || export.is_some_and(|e| e.cursor != ExportDialog::FORMAT);
    if typing {
        return match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Tab | KeyCode::Down if export.is_some() => Some(Action::Down),
            KeyCode::BackTab | KeyCode::Up if export.is_some() => Some(Action::Up),
            _ => editing_key(key),
        };
    }
    if m.overlay == Overlay::Help {
        return Some(Action::Help);
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::Enter => Action::Enter,
        KeyCode::Esc => Action::Cancel,
        KeyCode::Char('e') => Action::OpenExport,
        KeyCode::Char('t') => Action::NextTrace,
        KeyCode::Char('o') => Action::OpenTrace,
        KeyCode::Char('p') => Action::Plot,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::ZoomIn,
        KeyCode::Char('-') => Action::ZoomOut,
        KeyCode::Char(c @ '1'..='6') if m.focus == Focus::Models => {
            Action::Sort(c as usize - '1' as usize)
        }
        _ => return None,
    })
}

/// A key in a text field: typing, Backspace, or tui-input's editing keys.
pub(super) fn editing_key(key: KeyEvent) -> Option<Action> {
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    match key.code {
        KeyCode::Char(c) if plain => Some(Action::Type(c)),
        KeyCode::Backspace if key.modifiers.is_empty() => Some(Action::Backspace),
        _ => tui_input::backend::crossterm::to_input_request(&crossterm::event::Event::Key(key))
            .map(Action::Edit),
    }
}
