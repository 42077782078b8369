//! Asking for replays and taking their results: the rows (or, first, the fitted targets of
//! a large one), then a large one's group cv; stale ones dropped by generation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::model::{FIELDS, Model, ReplayView, TargetRows, field_of_error, parse_fields};
use super::worker::Cmd;

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

/// The fitted targets of the replay in flight: shown until its samples come.
pub(super) fn targets(m: &mut Model, generation: u64, rows: TargetRows) {
    if m.pending == Some(generation) {
        m.targets = Some((generation, rows));
    }
}

/// The group's cv of the replay on screen (`None`: skipped for a newer replay).
pub(super) fn group_cv(m: &mut Model, generation: u64, cv: Option<f64>) {
    if m.result_generation == generation
        && let Some(view) = &mut m.result
        && let Some(cv) = cv
    {
        view.set_group_cv(cv);
    }
}

/// A finished replay (or its error), unless a newer one was asked for since. After an error,
/// asks for the group's cv of the rows that stay on screen if it was skipped for this replay.
pub(super) fn replayed(
    m: &mut Model,
    generation: u64,
    result: Result<ReplayView, (Option<usize>, String)>,
) -> Vec<Cmd> {
    if m.pending != Some(generation) {
        return Vec::new(); // stale
    }
    m.pending = None;
    m.targets = None;
    match result {
        Ok(mut view) => {
            if let Some(old) = &m.result {
                view.keep_minutes_of(old);
            }
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
            if let Some(old) = m.result.replace(view) {
                drop_elsewhere(old);
            }
            m.result_generation = generation;
            m.field_error = None;
        }
        Err((field, e)) => {
            m.field_error = field.map(|f| (f, e.clone()));
            m.status = format!("error: {e} (the last good result stays on screen)");
            // The worker answers replays in order: a cv still pending now was skipped.
            if let Some(view) = m.result.as_ref().filter(|v| v.group_cv_pending) {
                return vec![Cmd::GroupCv {
                    generation: m.result_generation,
                    replay: Arc::clone(&view.replay),
                }];
            }
        }
    }
    Vec::new()
}

/// Arrivals above which a replay is dropped on a thread of its own.
const DROP_ELSEWHERE: usize = 1_000_000;

/// Drops the replay that left the screen off the event loop when it is large: returning its
/// memory to the system would hold up the next screen.
fn drop_elsewhere(old: ReplayView) {
    if old.group.arrivals < DROP_ELSEWHERE {
        return;
    }
    // Dropped here anyway if no thread can be made.
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(old));
}
