//! Keys to actions, and messages to state changes plus commands for the workers. No I/O.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::ReplayView;
use super::model::{EXPORT_FORMATS, ExportDialog, FIELDS, Focus, LoadedTrace, Model, OpenPrompt};
use super::model::{field_of_error, parse_fields};
use crate::replay::ReplayParams;
use crate::trace::Trace;
use crate::workload::Format;

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

/// What the runtime should do.
#[derive(Debug)]
pub enum Cmd {
    /// Load a trace file or directory (`None`: the embedded sample), read as the options say.
    Load(Option<PathBuf>, crate::ingest::LoadOptions),
    /// Run a replay in the background.
    Replay {
        /// Generation id (stale results are dropped).
        generation: u64,
        /// The trace.
        trace: Arc<Trace>,
        /// Parameters.
        params: ReplayParams,
        /// Set when a newer replay supersedes this one.
        cancel: Arc<AtomicBool>,
    },
    /// Complete a path typed into the open prompt.
    Complete(String),
    /// Write the detail view as an SVG figure into `dir`.
    Plot {
        /// The replay.
        replay: Arc<crate::replay::Replay>,
        /// Its trace.
        trace: Arc<Trace>,
        /// The model shown.
        model: String,
        /// The time range shown.
        range: (f64, f64),
        /// Where to write.
        dir: PathBuf,
    },
    /// Write a workload.
    Export {
        /// The replay to export.
        replay: Arc<crate::replay::Replay>,
        /// Target.
        path: PathBuf,
        /// Format.
        format: Format,
        /// SLO seconds.
        slo: f64,
        /// Replace an existing file.
        overwrite: bool,
        /// Only these models (`None`: all).
        only: Option<Vec<String>>,
        /// Set to stop the export (its partial file is removed).
        cancel: Arc<AtomicBool>,
        /// For formats that cannot hold our parameters: the `replay` command that makes the
        /// same file, written with them into `FILE.params.json`.
        provenance: Option<(crate::cli::ExportSpec, Vec<String>)>,
    },
}

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
    if m.confirm_quit {
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
    if m.open.is_some() {
        return match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Tab => Some(Action::Complete),
            _ => editing_key(key),
        };
    }
    let typing = m.editing.is_some()
        || m.export
            .as_ref()
            .is_some_and(|e| e.cursor != ExportDialog::FORMAT);
    if typing {
        return match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Tab | KeyCode::Down if m.export.is_some() => Some(Action::Down),
            KeyCode::BackTab | KeyCode::Up if m.export.is_some() => Some(Action::Up),
            _ => editing_key(key),
        };
    }
    if m.help {
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
fn editing_key(key: KeyEvent) -> Option<Action> {
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    match key.code {
        KeyCode::Char(c) if plain => Some(Action::Type(c)),
        KeyCode::Backspace if key.modifiers.is_empty() => Some(Action::Backspace),
        _ => tui_input::backend::crossterm::to_input_request(&crossterm::event::Event::Key(key))
            .map(Action::Edit),
    }
}

/// The text field being typed into, if any: the open prompt, a form value being edited, or
/// the export dialog's current text field.
fn active_text(m: &mut Model) -> Option<&mut String> {
    if let Some(p) = &mut m.open {
        return Some(&mut p.path);
    }
    if let Some(d) = &mut m.export {
        return match d.cursor {
            0 => Some(&mut d.path),
            1 => Some(&mut d.slo),
            2 => Some(&mut d.models),
            _ => None,
        };
    }
    m.editing.as_mut()
}

/// Applies a typing action to the active text field; `true` when it was one.
fn edit_text(m: &mut Model, a: Action) -> bool {
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
                if let Some(p) = &mut m.open {
                    p.candidates.clear();
                }
                if let Some(d) = &mut m.export {
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
        Msg::Replayed { generation, result } => {
            if m.pending != Some(generation) {
                return Vec::new(); // stale
            }
            m.pending = None;
            match result {
                Ok(view) => {
                    m.status = format!(
                        "replayed {}: {} arrivals",
                        view.replay.window, view.group.arrivals
                    );
                    if let Some((lost, total)) = crate::report::sparse_share(&view.replay) {
                        m.status = format!(
                            "{}; {lost} of {total} trace invocations ({:.1} %) fell in \
                             intervals too sparse to fit (silent: try a longer interval)",
                            m.status,
                            100.0 * lost as f64 / total.max(1) as f64
                        );
                    }
                    if let Some(note) = m.note.take() {
                        m.status = format!("{}; {note}", m.status);
                    }
                    m.row = m.row.min(view.rows.len().saturating_sub(1));
                    m.result = Some(view);
                    m.result_generation = generation;
                    m.field_error = None;
                }
                Err((field, e)) => {
                    m.field_error = field.map(|f| (f, e.clone()));
                    m.status = format!("error: {e} (the last good result stays on screen)");
                }
            }
            Vec::new()
        }
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
            if let Some(p) = m.open.as_mut().filter(|p| p.path == asked) {
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

/// Puts a loaded trace in its place (the order it was asked for, whichever loads first). It
/// is shown when it is the first asked for (until the user picks a trace), or was just opened
/// with `o`; otherwise the one shown stays.
fn add_trace(m: &mut Model, mut t: LoadedTrace) -> Vec<Cmd> {
    let slot = m.requested.iter().position(|r| *r == t.name);
    t.order = slot.unwrap_or(m.requested.len());
    if let Some(i) = slot {
        // Claimed: a second trace of the same name takes a later place.
        m.requested[i].clear();
    }
    let opened = m.show_on_load.as_deref() == Some(t.name.as_str());
    let at = m.traces.partition_point(|x| x.order <= t.order);
    let first = m.traces.is_empty();
    if !first && at <= m.trace {
        m.trace += 1;
    }
    m.traces.insert(at, t);
    if !(first || opened || !m.trace_chosen && at == 0) {
        return Vec::new();
    }
    if opened {
        m.show_on_load = None;
    }
    select_trace(m, at);
    request_replay(m)
}

/// Shows trace `index` with its own form (the shown one keeps its form for later): a trace
/// shown for the first time starts from the command line's options, its rate scale lowered
/// when they would make too many arrivals. Results of the previous trace are cleared, so its
/// models and chart never stand under the new name.
fn select_trace(m: &mut Model, index: usize) {
    if index != m.trace
        && let Some(shown) = m.traces.get_mut(m.trace)
        && !shown.form.is_empty()
    {
        shown.form = m.fields.clone();
    }
    m.trace = index;
    let Some(t) = m.traces.get(index) else {
        return;
    };
    if t.form.is_empty() {
        m.fields = super::model::field_texts(&m.base);
        m.note = fit_rate_scale(m);
        let form = m.fields.clone();
        if let Some(t) = m.traces.get_mut(index) {
            t.form = form;
        }
    } else {
        m.fields = t.form.clone();
    }
    m.result = None;
    m.field_error = None;
    m.editing = None;
    m.detail.clear();
    m.detail_trace.clear();
    m.detail_key = None;
}

/// Arrivals a replay may make and still answer a parameter change at once (≈ 0.1 s).
const INTERACTIVE_ARRIVALS: f64 = 1e7;

/// A whole azure_v1 trace has billions of invocations: at rate scale 1 its first replay would
/// only be refused as too large. When the form's fitted replay of the selected trace would go
/// over the arrivals limit, the rate scale is lowered to a round value (1, 2 or 5 × 10^k) that
/// keeps it interactive; returns what was done, for the status line.
fn fit_rate_scale(m: &mut Model) -> Option<String> {
    let t = m.current()?;
    let p = parse_fields(&m.fields, &m.base).ok()?;
    if p.allow_huge || p.distribution == crate::replay::Distribution::Vanilla {
        return None;
    }
    let w = t.trace.window(&p.start, p.end.as_deref()).ok()?;
    let expected = t.invocations_between(w.start, w.end) * p.rate_scale;
    if expected.is_nan() || expected <= p.max_arrivals as f64 {
        return None;
    }
    let budget = INTERACTIVE_ARRIVALS.min(p.max_arrivals as f64);
    let scale = round_down_125(p.rate_scale * budget / expected)?;
    let field = super::model::field_index(super::model::FieldKind::RateScale)?;
    m.fields[field] = crate::stats::py_float(scale);
    Some(format!(
        "rate scale set to {}: {} would make {expected:.2e} arrivals (limit {:e})",
        m.fields[field],
        crate::stats::py_float(p.rate_scale),
        p.max_arrivals as f64
    ))
}

/// The largest of 1, 2, 5 × 10^k not above `x` (`None` unless `x` is positive and finite).
fn round_down_125(x: f64) -> Option<f64> {
    if !(x > 0.0 && x.is_finite()) {
        return None;
    }
    let k = x.log10().floor() as i32;
    let step = [5, 2, 1]
        .into_iter()
        .find(|&s| f64::from(s) * 10f64.powi(k) <= x * (1.0 + 1e-12))
        .unwrap_or(1);
    // Parsed from decimal text, so the field shows 0.002 rather than 0.0020000000000000005.
    format!("{step}e{k}").parse().ok()
}

/// Parses the form and, when valid, asks for a replay with a new generation.
pub fn request_replay(m: &mut Model) -> Vec<Cmd> {
    let Some(trace) = m.current().map(|t| Arc::clone(&t.trace)) else {
        return Vec::new();
    };
    let params = match parse_fields(&m.fields, &m.base) {
        Ok(p) => p,
        Err((i, e)) => {
            m.status = format!("{}: {e}", FIELDS[i].label());
            m.field_error = Some((i, e));
            return Vec::new();
        }
    };
    if let Err(e) = params.validate(&trace) {
        m.field_error = field_of_error(&e).map(|f| (f, e.to_string()));
        m.status = format!("error: {e} (the last good result stays on screen)");
        return Vec::new();
    }
    m.field_error = None;
    m.generation += 1;
    m.pending = Some(m.generation);
    m.status = "replaying…".into();
    // The superseded replay stops at its next check instead of finishing for nothing.
    if let Some(old) = m.cancel.take() {
        old.store(true, Ordering::Relaxed);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    m.cancel = Some(Arc::clone(&cancel));
    vec![Cmd::Replay {
        generation: m.generation,
        trace,
        params,
        cancel,
    }]
}

fn act(m: &mut Model, a: Action) -> Vec<Cmd> {
    if m.confirm_quit {
        m.confirm_quit = false;
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
    if m.export.is_some() {
        return act_export(m, a);
    }
    if matches!(a, Action::Type(_) | Action::Backspace | Action::Edit(_))
        && (m.open.is_some() || m.editing.is_some())
    {
        edit_text(m, a);
        if let Some(p) = &mut m.open {
            p.candidates.clear();
        }
        return Vec::new();
    }
    if let Some(p) = &mut m.open {
        match a {
            Action::Cancel => m.open = None,
            Action::Complete => return vec![Cmd::Complete(p.path.clone())],
            Action::Enter => {
                let text = p.path.trim().to_string();
                if text.is_empty() {
                    return Vec::new();
                }
                m.open = None;
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
        Action::Quit if m.exporting.is_some() => m.confirm_quit = true,
        Action::Quit => m.quit = true,
        Action::Help => m.help = !m.help,
        Action::FocusNext => m.focus = m.focus.next(),
        Action::FocusPrev => m.focus = m.focus.prev(),
        Action::NextTrace if !m.traces.is_empty() => {
            m.trace_chosen = true;
            select_trace(m, (m.trace + 1) % m.traces.len());
            return request_replay(m);
        }
        Action::OpenTrace => {
            m.open = Some(OpenPrompt::default());
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
                m.export = Some(ExportDialog::new());
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
        (_, Action::Cancel) => m.help = false,
        _ => {}
    }
    Vec::new()
}

/// Smallest zoom: about one second of a 14-day window.
const MIN_SPAN: f64 = 1e-6;

fn zoom(m: &mut Model, factor: f64) {
    let (lo, hi) = m.zoom;
    let mid = 0.5 * (lo + hi);
    let half = (0.5 * (hi - lo) * factor).clamp(MIN_SPAN / 2.0, 0.5);
    let lo = (mid - half).clamp(0.0, 1.0 - 2.0 * half);
    m.zoom = (lo, lo + 2.0 * half);
}

fn pan(m: &mut Model, by: f64) {
    let (lo, hi) = m.zoom;
    let span = hi - lo;
    let lo = (lo + by * span).clamp(0.0, 1.0 - span);
    m.zoom = (lo, lo + span);
}

fn act_export(m: &mut Model, a: Action) -> Vec<Cmd> {
    let Some(d) = m.export.as_mut() else {
        return Vec::new();
    };
    let n = ExportDialog::FIELDS;
    match a {
        Action::Cancel | Action::Quit => m.export = None,
        Action::Up => {
            d.cursor = (d.cursor + n - 1) % n;
            m.caret = None;
        }
        Action::Down | Action::FocusNext => {
            d.cursor = (d.cursor + 1) % n;
            m.caret = None;
        }
        Action::Left | Action::Right if d.cursor == ExportDialog::FORMAT => {
            let n = EXPORT_FORMATS.len();
            d.format = (d.format + if a == Action::Right { 1 } else { n - 1 }) % n;
            let stem = d
                .path
                .rsplit_once('.')
                .map_or(d.path.as_str(), |(s, _)| s)
                .to_string();
            d.path = format!("{stem}.{}", EXPORT_FORMATS[d.format]);
        }
        Action::Type(_) | Action::Backspace | Action::Edit(_)
            if d.cursor != ExportDialog::FORMAT =>
        {
            if d.cursor == 0 {
                d.confirm_overwrite = false;
            }
            edit_text(m, a);
        }
        Action::Enter => return submit_export(m),
        _ => {}
    }
    Vec::new()
}

fn submit_export(m: &mut Model) -> Vec<Cmd> {
    let (Some(d), Some(r)) = (m.export.as_mut(), m.result.as_ref()) else {
        return Vec::new();
    };
    let Ok(slo) = d.slo.trim().parse::<f64>() else {
        m.status = format!("SLO {:?} is not a number of seconds", d.slo);
        return Vec::new();
    };
    let only = d.chosen_models();
    if let Some(bad) = only
        .iter()
        .flatten()
        .find(|name| !r.replay.params.models.contains(name))
    {
        m.status = format!(
            "no model named {bad:?}; the models are {}",
            r.replay.params.models.join(", ")
        );
        return Vec::new();
    }
    let path = super::complete::expand_home(d.path.trim());
    let target = if path.as_os_str().is_empty() {
        Err("give the workload a file path".to_string())
    } else if path.as_os_str() == "-" {
        Err(
            "the explorer writes files: give a path (`tracereplay-tui replay … -o -` writes to \
             standard output)"
                .to_string(),
        )
    } else {
        crate::workload::Target::resolve(&path).map_err(|e| e.to_string())
    };
    let target = match target {
        Ok(t) => t,
        Err(why) => {
            m.status = why;
            return Vec::new();
        }
    };
    if target.replaces_a_file() && !d.confirm_overwrite {
        d.confirm_overwrite = true;
        m.status = format!(
            "{} exists: press Enter again to overwrite, Esc to cancel",
            path.display()
        );
        return Vec::new();
    }
    let format = match d.format {
        1 => Format::Json,
        2 => Format::Csv,
        3 => Format::Mooncake {
            block_size: crate::workload::mooncake::DEFAULT_BLOCK_SIZE,
        },
        _ => Format::Msgpack,
    };
    if matches!(format, Format::Mooncake { .. })
        && r.replay.models.iter().any(|m| m.tokens.is_none())
    {
        m.status = "Mooncake JSONL needs token counts, and this trace has none: export it from \
                    the command line with --tokens-from LLM_TRACE or --input-length N \
                    --output-length N"
            .into();
        return Vec::new();
    }
    let overwrite = d.confirm_overwrite;
    let replay = Arc::clone(&r.replay);
    m.export = None;
    m.status = format!("exporting to {}…", path.display());
    let cancel = Arc::new(AtomicBool::new(false));
    m.exporting = Some(Arc::clone(&cancel));
    let to_file = matches!(target, crate::workload::Target::File(_));
    let provenance = (to_file && format.needs_provenance()).then(|| {
        let spec = crate::cli::ExportSpec {
            format,
            slo,
            only: only.clone(),
            input_length: None,
            output_length: None,
            tokens_from: None,
            tokens_by_hour: false,
        };
        let trace = m.current().map_or("sample", |t| t.name.as_str());
        let command = crate::cli::replay_command(trace, &m.load_options, &replay.params, &spec);
        (spec, command)
    });
    vec![Cmd::Export {
        replay,
        path,
        format,
        slo,
        overwrite,
        only,
        cancel,
        provenance,
    }]
}

#[cfg(test)]
mod tests {
    use super::round_down_125;

    #[test]
    fn rate_scales_round_down_to_1_2_5() {
        for (x, want) in [
            (0.0033, 0.002),
            (0.005, 0.005),
            (0.0049, 0.002),
            (7.3, 5.0),
            (1.0, 1.0),
            (19.9, 10.0),
            (3.3e-7, 2e-7),
        ] {
            assert_eq!(round_down_125(x), Some(want), "{x}");
        }
        for x in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(round_down_125(x), None, "{x}");
        }
    }
}
