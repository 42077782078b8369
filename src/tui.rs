//! The interactive explorer: an Elm-style loop (model / update / view) with all heavy work on
//! worker threads, one channel of messages, and a terminal that is restored on every exit path.

pub mod action;
pub mod complete;
mod detail;
mod export;
pub mod form;
pub mod model;
mod replays;
pub mod results;
pub mod text;
mod traces;
pub mod update;
pub mod view;
pub mod worker;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use crossterm::event::{self, Event, KeyEventKind};

use crate::assets;
use crate::ingest::LoadOptions;
use crate::replay::ReplayParams;
use model::Model;
pub use update::refresh_detail;
use update::{Cmd, Msg, update};
use worker::WorkerGuard;
pub use worker::{Kept, ReplayWorker, dispatch, execute, execute_with, spawn};

/// Turns bracketed paste off (the shell after us may not expect it).
fn disable_paste() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
}

/// Restores the terminal when dropped (error returns); the panic hook covers panics.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            disable_paste();
            ratatui::restore();
        }
    }
}

/// The signals whose default action ends the process and which a program can catch: each
/// stops the explorer through its terminal guard and an export with its temporary file
/// removed (killed by the default action, both were left behind). SIGPIPE stays ignored, as
/// Rust sets it, so that a closed pipe is a write error. SIGXFSZ is not here: it is
/// ignored ([`ignore_file_size_signal`]), so that a write past a file-size limit fails as a
/// write error and is cleaned up as one.
#[cfg(unix)]
pub(crate) const STOP_SIGNALS: [(i32, &str); 10] = {
    use signal_hook::consts::*;
    [
        (SIGINT, "SIGINT"),
        (SIGTERM, "SIGTERM"),
        (SIGHUP, "SIGHUP"),
        (SIGQUIT, "SIGQUIT"),
        (SIGUSR1, "SIGUSR1"),
        (SIGUSR2, "SIGUSR2"),
        (SIGALRM, "SIGALRM"),
        (SIGXCPU, "SIGXCPU"),
        (SIGVTALRM, "SIGVTALRM"),
        (SIGPROF, "SIGPROF"),
    ]
};

/// The name of one of [`STOP_SIGNALS`].
#[cfg(unix)]
pub(crate) fn signal_name(sig: i32) -> &'static str {
    STOP_SIGNALS
        .iter()
        .find(|(s, _)| *s == sig)
        .map_or("a signal", |(_, n)| n)
}

/// A write past a file-size limit (`ulimit -f`) then fails with "File too large" instead of
/// the process being killed with its temporary file left behind.
#[cfg(unix)]
pub(crate) fn ignore_file_size_signal() {
    // A handler that only sets a flag nobody reads: the signal no longer kills.
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag);
}

/// Sends the signals that ask the process to stop to the event loop, which quits through the
/// terminal guard (killed, the explorer left the terminal on its alternate screen).
#[cfg(unix)]
fn forward_signals(tx: Sender<Msg>) -> Result<()> {
    ignore_file_size_signal();
    let mut signals = signal_hook::iterator::Signals::new(STOP_SIGNALS.map(|(s, _)| s))
        .context("cannot listen for termination signals")?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if tx.send(Msg::Signal(signal_name(sig))).is_err() {
                return;
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
fn forward_signals(_: Sender<Msg>) -> Result<()> {
    Ok(())
}

/// Opens the explorer on `traces` (the embedded sample when empty) with initial `params`.
pub fn run(traces: Vec<PathBuf>, params: ReplayParams, load: LoadOptions) -> Result<()> {
    let mut m = Model::new(params);
    m.load_options = load.clone();
    m.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (tx, rx) = channel();
    // Before raw mode: the terminal as it is now is what a bus error restores.
    crate::trace::report_bus_errors(true);
    let mut terminal = ratatui::try_init()
        .context("cannot open the terminal (is this an interactive terminal?)")?;
    let _guard = TerminalGuard;
    // Pasted text arrives whole (one message, not one key per character), so a paste cannot
    // type commands; the panic hook turns it off again, before ratatui's restores the rest.
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    let restore_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        disable_paste();
        restore_hook(info);
    }));
    forward_signals(tx.clone())?;
    let input_tx = tx.clone();
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let msg = match ev {
                Event::Key(k) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Event::Paste(text) => Msg::Paste(text),
                Event::Resize(..) => Msg::Resize,
                _ => continue,
            };
            if input_tx.send(msg).is_err() {
                return;
            }
        }
    });
    if traces.is_empty() {
        m.requested.push(assets::SAMPLE_NAME.to_string());
        spawn(Cmd::Load(None, load.clone()), tx.clone());
    }
    for t in traces {
        m.requested.push(t.display().to_string());
        spawn(Cmd::Load(Some(t), load.clone()), tx.clone());
    }
    m.loading = Some("loading…".into());
    terminal.draw(|f| view::view(&m, f))?;
    let result = event_loop(&mut m, &mut terminal, &tx, &rx);
    // Quit anyway, a signal or an error: an export still running leaves no partial file.
    crate::workload::remove_partial_files();
    result
}

fn event_loop(
    m: &mut Model,
    terminal: &mut ratatui::DefaultTerminal,
    tx: &Sender<Msg>,
    rx: &Receiver<Msg>,
) -> Result<()> {
    let replays = ReplayWorker::start(tx.clone());
    // Fault injection for the terminal-restore tests (tests/terminal.rs); never set otherwise.
    match std::env::var("TRACEREPLAY_FAULT").as_deref() {
        Ok("ui-error") => return Err(anyhow!("injected UI error (TRACEREPLAY_FAULT)")),
        Ok("ui-panic") => panic!("injected UI panic (TRACEREPLAY_FAULT)"),
        // What a failed allocation does: print its size and abort.
        Ok("ui-oom") => std::alloc::handle_alloc_error(std::alloc::Layout::new::<[u8; 1 << 20]>()),
        Ok("worker-panic") => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _guard = WorkerGuard(tx);
                panic!("injected worker panic (TRACEREPLAY_FAULT)");
            });
        }
        _ => {}
    }
    let mut pacer = Pacer::new(Instant::now());
    loop {
        // A frame owed: wait for messages until it is due. Idle: block. Busy: wake for the
        // spinner.
        let busy = m.pending.is_some() || m.loading.is_some();
        let wait = match pacer.due {
            Some(due) => Some(due.saturating_duration_since(Instant::now())),
            None => busy.then_some(SPINNER),
        };
        let first = match wait {
            None => Some(rx.recv().context("event channel closed")?),
            Some(wait) => match rx.recv_timeout(wait) {
                Ok(msg) => Some(msg),
                Err(RecvTimeoutError::Timeout) => None,
                Err(e) => return Err(anyhow!("event channel closed: {e}")),
            },
        };
        let msgs = match first {
            Some(first) => std::iter::once(first).chain(rx.try_iter()).collect(),
            // The spinner's turn, unless the wait was for a frame already owed.
            None if pacer.due.is_none() => vec![Msg::Tick],
            None => Vec::new(),
        };
        if !msgs.is_empty() {
            let pending = m.pending;
            let news = msgs.iter().any(Msg::is_result);
            handle(m, msgs, terminal, tx, &replays)?;
            if m.quit {
                return Ok(());
            }
            let requested = m.pending.is_some() && m.pending != pending;
            pacer.owe(Instant::now(), news, requested);
        }
        if pacer.take_due(Instant::now()) {
            terminal.draw(|f| view::view(m, f))?;
            pacer.drawn(Instant::now());
        }
    }
}

/// Ends the loop on a signal or a crashed worker; otherwise updates the model with `msgs` and
/// starts the commands they ask for.
fn handle(
    m: &mut Model,
    msgs: Vec<Msg>,
    terminal: &ratatui::DefaultTerminal,
    tx: &Sender<Msg>,
    replays: &ReplayWorker,
) -> Result<()> {
    if let Some(name) = msgs.iter().find_map(|m| match m {
        Msg::Signal(name) => Some(*name),
        _ => None,
    }) {
        return Err(anyhow!("stopped by {name}"));
    }
    if msgs.iter().any(|m| matches!(m, Msg::WorkerDied)) {
        // The panic hook has already restored the terminal: do not draw on it again.
        return Err(anyhow!(
            "a background worker crashed; please report this with the trace and options used"
        ));
    }
    // Before the messages: `update` bins the detail chart for this width.
    m.detail_width = view::detail_width(terminal.size()?.width);
    for msg in msgs {
        for cmd in update(m, msg) {
            dispatch(cmd, tx, replays);
        }
    }
    Ok(())
}

/// The spinner's pace while work is pending.
const SPINNER: Duration = Duration::from_millis(120);

/// Frames come at most this often: a burst of messages (keys, progress) is one frame.
const FRAME: Duration = Duration::from_millis(16);

/// When the next frame is drawn. Messages are taken as they come (a key's replay starts at
/// once, not after a frame); the frame that shows them follows at most one a [`FRAME`],
/// except that a result is drawn at once, and the frame of a key that asks for a replay waits
/// up to a [`FRAME`] for its result: a replay done by then is shown without a `replaying…`
/// frame first, whose [`FRAME`] would hold it back.
#[derive(Debug)]
struct Pacer {
    last_draw: Instant,
    /// When the frame owed is to be drawn; `None` when the screen is up to date.
    due: Option<Instant>,
}

impl Pacer {
    fn new(now: Instant) -> Self {
        Pacer {
            last_draw: now,
            due: None,
        }
    }

    /// Messages were handled at `now`: `news` when among them was a result, `requested` when
    /// they asked for a replay.
    fn owe(&mut self, now: Instant, news: bool, requested: bool) {
        let at = if news {
            now
        } else if requested {
            (self.last_draw + FRAME).max(now + FRAME)
        } else {
            self.last_draw + FRAME
        };
        self.due = Some(self.due.map_or(at, |due| due.min(at)));
    }

    /// Whether a frame is due at `now` (then it is no longer owed).
    fn take_due(&mut self, now: Instant) -> bool {
        let due = self.due.is_some_and(|due| due <= now);
        if due {
            self.due = None;
        }
        due
    }

    fn drawn(&mut self, now: Instant) {
        self.last_draw = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn frames_are_paced_but_results_are_drawn_at_once() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0);
        // Input right after a frame waits for the frame's turn; more input joins that frame.
        p.owe(t0 + ms(2), false, false);
        assert!(!p.take_due(t0 + ms(10)));
        p.owe(t0 + ms(10), false, false);
        assert!(p.take_due(t0 + FRAME));
        p.drawn(t0 + FRAME);
        assert!(!p.take_due(t0 + ms(100)), "nothing owed, nothing drawn");
        // A result is drawn at once, however recent the last frame.
        let t1 = t0 + FRAME + ms(1);
        p.owe(t1, true, false);
        assert!(p.take_due(t1));
        p.drawn(t1);
        // Input long after the last frame is drawn at once.
        let t2 = t1 + ms(500);
        p.owe(t2, false, false);
        assert!(p.take_due(t2));
        p.drawn(t2);
    }

    #[test]
    fn a_key_that_asks_for_a_replay_waits_a_frame_for_its_result() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0);
        let key = t0 + ms(500);
        p.owe(key, false, true);
        assert!(!p.take_due(key), "the key's frame waits for the result");
        // The result comes: drawn at once, with no `replaying…` frame before it.
        p.owe(key + ms(3), true, false);
        assert!(p.take_due(key + ms(3)));
        p.drawn(key + ms(3));
        // A slow replay: the key's frame is drawn a frame after the key.
        let key = key + ms(500);
        p.owe(key, false, true);
        assert!(!p.take_due(key + FRAME - ms(1)));
        assert!(p.take_due(key + FRAME));
        p.drawn(key + FRAME);
        // Other input while a key's frame waits is not held back past its own turn.
        let key = key + ms(500);
        p.owe(key, false, true);
        p.owe(key + ms(1), false, false);
        assert!(p.take_due(key + ms(1)));
    }
}
