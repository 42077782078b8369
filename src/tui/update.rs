//! Keys to actions, and messages to state changes plus commands for the workers. No I/O.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crossterm::event::KeyEvent;

pub use super::action::{Action, keymap};
pub use super::detail::refresh_detail;
use super::detail::{pan, zoom};
use super::export::act_export;
use super::model::ReplayView;
use super::model::{
    ExportDialog, ExportField, FIELDS, Focus, LoadedTrace, Model, OpenPrompt, Overlay,
};
use super::replays;
pub use super::replays::request_replay;
use super::traces::{add_trace, select_trace};
pub use super::worker::Cmd;

/// Everything the event loop receives.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// Spinner tick while work is pending.
    Tick,
    /// Loading progress text.
    Progress(String),
    /// A trace finished loading.
    Loaded(Result<LoadedTrace, String>),
    /// A replay finished.
    Replayed {
        /// Its generation.
        generation: u64,
        /// The result, or the error text with the field it concerns.
        result: Result<ReplayView, (Option<usize>, String)>,
    },
    /// The fitted targets of the replay of this generation, before it samples.
    Targets {
        /// Its generation.
        generation: u64,
        /// The table's rows from them.
        rows: crate::tui::model::TargetRows,
    },
    /// The group's cv of the replay of this generation, computed after its rows were shown.
    GroupCv {
        /// Its generation.
        generation: u64,
        /// The cv; `None` when a newer replay was asked for first (it is computed after all
        /// if that one fails and these rows stay on screen).
        cv: Option<f64>,
    },
    /// A workload export finished: the status text.
    Exported(Result<String, String>),
    /// A figure was written: the status text.
    Plotted(Result<String, String>),
    /// Tab completion of the open prompt: the text it was asked for, the completed text and
    /// the candidates.
    Completed {
        /// Prompt text when the completion was asked for (dropped if the user typed since).
        asked: String,
        /// Completed text.
        text: String,
        /// Matching names.
        candidates: Vec<String>,
    },
    /// A worker thread panicked.
    WorkerDied,
    /// The process was asked to stop (SIGTERM, SIGHUP, or SIGINT sent from outside: in the
    /// explorer Ctrl-C is a key). Its name.
    Signal(&'static str),
}

impl Msg {
    /// Whether this is the outcome of work someone waits for (drawn at once; see
    /// `tui::Pacer`), not input or progress.
    pub fn is_result(&self) -> bool {
        matches!(
            self,
            Msg::Loaded(_)
                | Msg::Replayed { .. }
                | Msg::Targets { .. }
                | Msg::GroupCv { .. }
                | Msg::Exported(_)
                | Msg::Plotted(_)
                | Msg::Completed { .. }
        )
    }
}

/// The text field being typed into, if any: the open prompt, a form value being edited, or
/// the export dialog's current text field.
fn active_text(m: &mut Model) -> Option<&mut String> {
    match &mut m.overlay {
        Overlay::Open(p) => Some(&mut p.path),
        Overlay::Export(d) => match d.cursor {
            ExportField::Path => Some(&mut d.path),
            ExportField::Slo => Some(&mut d.slo),
            ExportField::Models => Some(&mut d.models),
            ExportField::Tokens => Some(&mut d.tokens),
            ExportField::Block => Some(&mut d.block),
            ExportField::Duration => Some(&mut d.duration),
            ExportField::Format => None,
        },
        _ => m.editing.as_mut(),
    }
}

/// Applies a typing action to the active text field; `true` when it was one.
pub(super) fn edit_text(m: &mut Model, a: Action) -> bool {
    let req = match a {
        Action::Type(c) => tui_input::InputRequest::InsertChar(c),
        Action::Backspace => tui_input::InputRequest::DeletePrevChar,
        Action::Edit(r) => r,
        _ => return false,
    };
    let mut caret = m.caret;
    let Some(text) = active_text(m) else {
        return false;
    };
    let fits = super::text::apply(text, &mut caret, req);
    m.caret = caret;
    if !fits {
        m.status = format!(
            "a field holds at most {} characters",
            super::text::MAX_FIELD
        );
    }
    true
}

/// Applies a message; returns the work to start.
pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let cmds = apply(m, msg);
    refresh_detail(m);
    cmds
}

fn apply(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => match keymap(m, key) {
            Some(a) => act(m, a),
            None => Vec::new(),
        },
        Msg::Resize => Vec::new(),
        Msg::Paste(text) => {
            let mut caret = m.caret;
            if let Some(field) = active_text(m) {
                let whole = super::text::paste(field, &mut caret, &text);
                m.caret = caret;
                if !whole {
                    m.status = format!(
                        "pasted text cut: a field holds at most {} characters",
                        super::text::MAX_FIELD
                    );
                }
                if let Overlay::Open(p) = &mut m.overlay {
                    p.candidates.clear();
                }
                if let Overlay::Export(d) = &mut m.overlay {
                    d.confirm_overwrite = false;
                }
            }
            Vec::new()
        }
        Msg::Tick => {
            m.tick = m.tick.wrapping_add(1);
            Vec::new()
        }
        Msg::Progress(p) => {
            m.loading = Some(p);
            Vec::new()
        }
        Msg::Loaded(Ok(t)) => {
            m.loading = None;
            let warn = t
                .trace
                .warnings
                .first()
                .map(|w| format!(" (warning: {w})"))
                .unwrap_or_default();
            m.status = format!("loaded {}{warn}", t.name);
            add_trace(m, t)
        }
        Msg::Loaded(Err(e)) => {
            m.loading = None;
            m.status = format!("error: {e}");
            Vec::new()
        }
        Msg::Targets { generation, rows } => {
            replays::targets(m, generation, rows);
            Vec::new()
        }
        Msg::GroupCv { generation, cv } => {
            replays::group_cv(m, generation, cv);
            Vec::new()
        }
        Msg::Replayed { generation, result } => replays::replayed(m, generation, result),
        Msg::WorkerDied => {
            m.quit = true;
            m.status = "a background worker crashed".into();
            Vec::new()
        }
        Msg::Signal(name) => {
            m.quit = true;
            m.status = format!("stopped by {name}");
            Vec::new()
        }
        Msg::Completed {
            asked,
            text,
            candidates,
        } => {
            if let Overlay::Open(p) = &mut m.overlay
                && p.path == asked
            {
                p.path = text;
                m.caret = None;
                p.candidates = candidates;
            }
            Vec::new()
        }
        Msg::Exported(r) => {
            m.exporting = None;
            m.status = match r {
                Ok(s) => s,
                Err(e) if e == crate::Error::Cancelled.to_string() => {
                    "export cancelled; nothing was written".into()
                }
                Err(e) => format!("export failed: {e}"),
            };
            if m.quit_after_export {
                m.quit = true;
            }
            Vec::new()
        }
        Msg::Plotted(r) => {
            m.status = match r {
                Ok(s) => s,
                Err(e) => format!("cannot write the figure: {e}"),
            };
            Vec::new()
        }
    }
}

fn act(m: &mut Model, a: Action) -> Vec<Cmd> {
    if m.overlay == Overlay::ConfirmQuit {
        m.overlay = Overlay::None;
        match a {
            Action::QuitNow => m.quit = true,
            Action::CancelExport => {
                if let Some(cancel) = &m.exporting {
                    cancel.store(true, Ordering::Relaxed);
                    m.status = "cancelling the export…".into();
                }
            }
            Action::QuitAfterExport => {
                m.quit_after_export = true;
                m.status = "quitting when the export has finished…".into();
            }
            _ => {}
        }
        return Vec::new();
    }
    if matches!(m.overlay, Overlay::Export(_)) {
        return act_export(m, a);
    }
    if matches!(a, Action::Type(_) | Action::Backspace | Action::Edit(_))
        && (matches!(m.overlay, Overlay::Open(_)) || m.editing.is_some())
    {
        edit_text(m, a);
        if let Overlay::Open(p) = &mut m.overlay {
            p.candidates.clear();
        }
        return Vec::new();
    }
    if let Overlay::Open(p) = &mut m.overlay {
        match a {
            Action::Cancel => m.overlay = Overlay::None,
            Action::Complete => return vec![Cmd::Complete(p.path.clone())],
            Action::Enter => {
                let text = p.path.trim().to_string();
                if text.is_empty() {
                    return Vec::new();
                }
                m.overlay = Overlay::None;
                m.loading = Some(format!("opening {text}…"));
                let opts = m.load_options.clone();
                let path = super::complete::expand_home(&text);
                let name = path.display().to_string();
                m.requested.push(name.clone());
                m.show_on_load = Some(name);
                m.trace_chosen = true;
                return vec![Cmd::Load(Some(path), opts)];
            }
            _ => {}
        }
        return Vec::new();
    }
    if m.editing.is_some() {
        match a {
            Action::Cancel => m.editing = None,
            Action::Enter => {
                if let Some(text) = m.editing.take() {
                    m.fields[m.field] = text;
                    return request_replay(m);
                }
            }
            _ => {}
        }
        return Vec::new();
    }
    match a {
        Action::Quit if m.exporting.is_some() => m.overlay = Overlay::ConfirmQuit,
        Action::Quit => m.quit = true,
        Action::Help => {
            m.overlay = match m.overlay {
                Overlay::Help => Overlay::None,
                _ => Overlay::Help,
            }
        }
        Action::FocusNext => m.focus = m.focus.next(),
        Action::FocusPrev => m.focus = m.focus.prev(),
        Action::NextTrace if !m.traces.is_empty() => {
            m.trace_chosen = true;
            select_trace(m, (m.trace + 1) % m.traces.len());
            return request_replay(m);
        }
        Action::OpenTrace => {
            m.overlay = Overlay::Open(OpenPrompt::default());
            m.caret = None;
        }
        Action::Plot => {
            let (Some(r), Some(k), Some(range)) = (&m.result, m.selected_row(), m.detail_range())
            else {
                m.status = "nothing to draw yet".into();
                return Vec::new();
            };
            m.status = "writing the figure…".into();
            return vec![Cmd::Plot {
                replay: Arc::clone(&r.replay),
                trace: Arc::clone(&r.trace),
                model: r.replay.models[k].model.clone(),
                range,
                dir: m.figure_dir.clone(),
            }];
        }
        Action::OpenExport => {
            if m.result.is_some() {
                m.overlay = Overlay::Export(ExportDialog::new());
                m.caret = None;
            } else {
                m.status = "nothing to export yet".into();
            }
        }
        Action::ZoomIn => zoom(m, 0.5),
        Action::ZoomOut => zoom(m, 2.0),
        Action::Sort(col) => {
            m.sort = if m.sort.0 == col {
                (col, !m.sort.1)
            } else {
                (col, true)
            };
        }
        _ => return act_pane(m, a),
    }
    Vec::new()
}

fn act_pane(m: &mut Model, a: Action) -> Vec<Cmd> {
    match (m.focus, a) {
        (Focus::Params, Action::Up) => m.field = m.field.saturating_sub(1),
        (Focus::Params, Action::Down) => m.field = (m.field + 1).min(FIELDS.len() - 1),
        // A choice field cycles (free text there could only be an error to correct).
        (Focus::Params, Action::Enter)
            if !FIELDS[m.field]
                .choices(m.current().map(|t| t.summary.kind))
                .is_empty() =>
        {
            return act_pane(m, Action::Right);
        }
        (Focus::Params, Action::Enter) => {
            m.editing = Some(m.fields[m.field].clone());
            m.caret = None;
        }
        (Focus::Params, Action::Left | Action::Right) => {
            let choices = FIELDS[m.field].choices(m.current().map(|t| t.summary.kind));
            if !choices.is_empty() {
                let at = choices
                    .iter()
                    .position(|c| *c == m.fields[m.field])
                    .unwrap_or(0);
                let n = choices.len();
                let next = if a == Action::Right {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                m.fields[m.field] = choices[next].to_string();
                return request_replay(m);
            }
        }
        (Focus::Models, Action::Up) => m.row = m.row.saturating_sub(1),
        (Focus::Models, Action::Down) => {
            let n = m.result.as_ref().map_or(0, |r| r.rows.len());
            m.row = (m.row + 1).min(n.saturating_sub(1));
        }
        (Focus::Detail, Action::Left) => pan(m, -0.25),
        (Focus::Detail, Action::Right) => pan(m, 0.25),
        (Focus::Detail, Action::Up) => zoom(m, 0.5),
        (Focus::Detail, Action::Down) => zoom(m, 2.0),
        (_, Action::Cancel) if m.overlay == Overlay::Help => m.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}
