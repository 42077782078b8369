//! The explorer's workers: replays on one long-lived thread fed by a one-slot queue, other
//! commands on a thread each; every result comes back as a message.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::model::{LoadedTrace, ReplayView};
use super::update::Msg;
use super::{complete, model};
use crate::assets;
use crate::replay::{FitCache, ReplayParams};
use crate::trace::Trace;

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
    /// Compute the group's cv of the replay of this generation (on screen, its cv skipped).
    GroupCv {
        /// Its generation.
        generation: u64,
        /// The replay.
        replay: Arc<crate::replay::Replay>,
    },
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
        /// The trace it replays (InVitro's run times).
        trace: Arc<crate::trace::Trace>,
        /// Target.
        path: PathBuf,
        /// What the export adds to the replay: format, SLO, models, tokens.
        spec: crate::workload::ExportSpec,
        /// Replace an existing file.
        overwrite: bool,
        /// Set to stop the export (its partial file is removed).
        cancel: Arc<AtomicBool>,
        /// For formats that cannot hold our parameters: the `replay` command that makes the
        /// same file, written with them into `FILE.params.json`.
        command: Option<Vec<String>>,
    },
}

/// Runs a command: a replay goes to `replays`' one-slot queue, anything else to a thread of
/// its own; the result comes back as a message.
pub fn dispatch(cmd: Cmd, tx: &Sender<Msg>, replays: &ReplayWorker) {
    match cmd {
        Cmd::Replay { .. } => replays.request(cmd),
        other => spawn(other, tx.clone()),
    }
}

/// Runs one command on a thread of its own; its result comes back as a message.
pub fn spawn(cmd: Cmd, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        // A panicking worker must not leave the loop waiting forever.
        let guard = WorkerGuard(tx.clone());
        let msg = execute(cmd, &tx);
        let _ = tx.send(msg);
        std::mem::forget(guard);
    });
}

/// The replay worker: one long-lived thread and a one-slot queue that each new request
/// overwrites, so that of a burst of edits (a key held down, ←/→ cycling) the worker runs the
/// one in hand and then the last. A request starts at once (with the fits kept, most take
/// tens of milliseconds; waiting for more keys would add to every one); the one running is
/// stopped by its cancel flag, which `update` sets when it asks for the next.
pub struct ReplayWorker {
    slot: Arc<Slot>,
}

#[derive(Default)]
struct Slot {
    next: Mutex<Option<Cmd>>,
    changed: Condvar,
    closed: AtomicBool,
}

impl ReplayWorker {
    /// Starts the thread; results go to `tx`.
    pub fn start(tx: Sender<Msg>) -> Self {
        let slot = Arc::new(Slot::default());
        let mine = Arc::clone(&slot);
        std::thread::spawn(move || {
            let guard = WorkerGuard(tx.clone());
            // The fits of recent windows: tuning the distribution, scales or seed only samples.
            let kept = Kept::default();
            while let Some(cmd) = mine.take_settled() {
                if tx.send(execute_with(cmd, &tx, Some(&kept))).is_err() {
                    break;
                }
            }
            std::mem::forget(guard);
        });
        ReplayWorker { slot }
    }

    /// Puts `cmd` in the slot, in place of any request still waiting there.
    pub fn request(&self, cmd: Cmd) {
        *self.slot.lock() = Some(cmd);
        self.slot.changed.notify_one();
    }
}

impl Drop for ReplayWorker {
    fn drop(&mut self) {
        self.slot.closed.store(true, Ordering::Relaxed);
        self.slot.changed.notify_one();
    }
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cmd>> {
        // A panic elsewhere cannot leave the slot half-written: it holds a whole request.
        self.next.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The request in the slot, waiting for one; `None` when closed.
    fn take_settled(&self) -> Option<Cmd> {
        let mut next = self.lock();
        loop {
            if self.closed.load(Ordering::Relaxed) {
                return None;
            }
            match next.take() {
                // Superseded before it started.
                Some(Cmd::Replay { cancel, .. }) if cancel.load(Ordering::Relaxed) => {}
                Some(cmd) => return Some(cmd),
                None => {
                    next = self
                        .changed
                        .wait(next)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }
}

pub(super) struct WorkerGuard(pub(super) Sender<Msg>);

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let _ = self.0.send(Msg::WorkerDied);
    }
}

/// Does a command's work synchronously (tests call this directly).
pub fn execute(cmd: Cmd, tx: &Sender<Msg>) -> Msg {
    execute_with(cmd, tx, None)
}

/// What the replay worker keeps between replays, and how it hands large ones over.
pub struct Kept {
    /// The fits of recent windows.
    pub fits: FitCache,
    /// From this many arrivals, a replay is shown in two steps: its view, then its group's cv
    /// (which merges every arrival, the longest step of a large view; docs/performance.md).
    pub two_steps_from: usize,
    /// From this many arrivals expected, a fitted replay's targets are shown before it
    /// samples: such a replay takes long enough to notice (docs/performance.md).
    pub targets_from: f64,
}

impl Default for Kept {
    fn default() -> Self {
        Kept {
            fits: FitCache::default(),
            two_steps_from: 4_000_000,
            targets_from: 6e6,
        }
    }
}

/// [`execute`], replays keeping their fits in `kept` and, when large, shown in two steps: the
/// view, sent on `tx` as soon as it is ready, then (returned) the group's cv.
pub fn execute_with(cmd: Cmd, tx: &Sender<Msg>, kept: Option<&Kept>) -> Msg {
    match cmd {
        Cmd::Load(path, opts) => {
            let loaded = match &path {
                None => crate::ingest::sample(&opts).map(|t| (assets::SAMPLE_NAME.to_string(), t)),
                Some(p) => {
                    let mut progress = |done: u64, total: u64| {
                        // A pipe or device has no size.
                        let of = if total > 0 {
                            format!(" / {:.1}", total as f64 / 1e6)
                        } else {
                            String::new()
                        };
                        let _ = tx.send(Msg::Progress(format!(
                            "reading {}: {:.1}{of} MB",
                            p.display(),
                            done as f64 / 1e6,
                        )));
                    };
                    crate::ingest::load(p, &opts, &mut progress).map(|mut t| {
                        t.copy_into_memory();
                        (p.display().to_string(), t)
                    })
                }
            };
            let shown = path.as_ref().map_or_else(
                || assets::SAMPLE_NAME.to_string(),
                |p| p.display().to_string(),
            );
            Msg::Loaded(
                loaded
                    .and_then(|(name, t)| LoadedTrace::new(name, t))
                    .map_err(|e| format!("cannot load {shown}: {e}")),
            )
        }
        Cmd::Replay {
            generation,
            trace,
            params,
            cancel,
        } => {
            let mut show = |t: &crate::replay::Targets| {
                if kept.is_some_and(|k| t.expected >= k.targets_from) {
                    let rows = super::model::TargetRows::new(t, &params);
                    let _ = tx.send(Msg::Targets { generation, rows });
                }
            };
            let r = match kept {
                Some(k) => crate::replay::replay_cached_with_targets(
                    &trace, &params, &cancel, &k.fits, &mut show,
                ),
                None => crate::replay::replay_with_cancel(&trace, &params, &cancel),
            };
            let two_steps = |r: &crate::replay::Replay| {
                kept.is_some_and(|k| r.group_counts().arrivals as usize >= k.two_steps_from)
            };
            match r {
                Ok(r) if !two_steps(&r) => Msg::Replayed {
                    generation,
                    result: Ok(ReplayView::new(r, trace)),
                },
                // The rows go out first; the group's cv, which merges every arrival, follows.
                Ok(r) => {
                    let view = ReplayView::without_group_cv(r, trace);
                    let replay = Arc::clone(&view.replay);
                    let result = Ok(view);
                    let _ = tx.send(Msg::Replayed { generation, result });
                    // A newer replay waits for none of it.
                    let cv = replay.group_cv_unless(&cancel);
                    Msg::GroupCv { generation, cv }
                }
                Err(e) => {
                    let result = Err((model::field_of_error(&e), e.to_string()));
                    Msg::Replayed { generation, result }
                }
            }
        }
        Cmd::GroupCv { generation, replay } => Msg::GroupCv {
            generation,
            cv: Some(replay.group().cv),
        },
        Cmd::Plot {
            replay,
            trace,
            model,
            range,
            dir,
        } => Msg::Plotted(write_figure(&replay, &trace, model, range, &dir)),
        Cmd::Complete(asked) => {
            let (text, candidates) = complete::complete_path(&asked);
            Msg::Completed {
                asked,
                text,
                candidates,
            }
        }
        Cmd::Export {
            replay,
            trace,
            path,
            spec,
            overwrite,
            cancel,
            command,
        } => {
            // Tokens drawn from another trace, as `--tokens-from` draws them (seeded by the
            // replay's seed, so the params file makes the same pairs).
            let replay = match &spec.tokens_from {
                None => Ok(replay),
                Some(path) => crate::tokens::TokenSource::read(path).map(|source| {
                    let mut r = (*replay).clone();
                    let seed = r.params.seed;
                    crate::tokens::assign(&mut r, &source, false, seed);
                    Arc::new(r)
                }),
            };
            let format = spec.format;
            let r = replay
                .and_then(|replay| spec.workload(&replay, Some(&trace)))
                .and_then(|built| {
                    let w = built.workload;
                    let bytes = w.write_cancellable(&path, format, overwrite, &cancel)?;
                    let mut done = format!(
                        "wrote {} to {} ({format}, {bytes} bytes)",
                        crate::format::plural(w.len() as u64, "request"),
                        crate::quote::printable(&path.display().to_string())
                    );
                    if let Some(command) = command {
                        let beside =
                            crate::cli::write_params(&path, overwrite, &w, &spec, &command)?;
                        done.push_str(&format!(" and {}", beside.display()));
                    }
                    Ok(done)
                });
            Msg::Exported(r.map_err(|e| e.to_string()))
        }
    }
}

/// Writes the detail view as `tracereplay-MODEL-N.svg` in `dir`, N the first free number.
fn write_figure(
    replay: &crate::replay::Replay,
    trace: &crate::trace::Trace,
    model: String,
    range: (f64, f64),
    dir: &std::path::Path,
) -> Result<String, String> {
    let opts = crate::plot::PlotOptions {
        bins: 100,
        models: Some(vec![model.clone()]),
        range: Some(range),
        ..Default::default()
    };
    let svg = crate::plot::svg(replay, trace, &opts).map_err(|e| e.to_string())?;
    let safe: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    for n in 1..1000 {
        let path = dir.join(format!("tracereplay-{safe}-{n}.svg"));
        match crate::workload::write_atomic(&path, false, None, |w| {
            std::io::Write::write_all(w, svg.as_bytes())
                .map_err(|e| crate::Error::Encode(e.to_string()))
        }) {
            Ok(bytes) => return Ok(format!("wrote figure {} ({bytes} bytes)", path.display())),
            Err(crate::Error::Exists(_)) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("1000 figures of this model already exist here; move some away".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_overwritten_or_cancelled_before_it_starts_never_runs() {
        let slot = Arc::new(Slot::default());
        *slot.lock() = Some(Cmd::Complete("first".into()));
        *slot.lock() = Some(Cmd::Complete("second".into()));
        assert!(matches!(slot.take_settled(), Some(Cmd::Complete(p)) if p == "second"));
        // A replay superseded (its cancel flag set) while in the slot is dropped; the worker
        // waits for the next request.
        let trace = crate::trace::Trace::new(
            "t",
            crate::trace::TraceKind::V2,
            vec![crate::trace::Function::new(
                "f",
                crate::trace::Series::Times(vec![1.0].into()),
            )],
            vec![],
        )
        .expect("a valid trace");
        *slot.lock() = Some(Cmd::Replay {
            generation: 1,
            trace: Arc::new(trace),
            params: ReplayParams::default(),
            cancel: Arc::new(AtomicBool::new(true)),
        });
        let other = Arc::clone(&slot);
        let newer = std::thread::spawn(move || {
            while other.lock().is_some() {
                std::thread::yield_now();
            }
            *other.lock() = Some(Cmd::Complete("third".into()));
            other.changed.notify_one();
        });
        let ran = slot.take_settled();
        newer.join().expect("the requesting thread");
        assert!(matches!(ran, Some(Cmd::Complete(p)) if p == "third"));
        // Closing wakes the worker and ends it.
        slot.closed.store(true, Ordering::Relaxed);
        slot.changed.notify_one();
        assert!(slot.take_settled().is_none());
    }
}
