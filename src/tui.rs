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
use std::sync::mpsc::{Receiver, Sender, channel};
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

/// Sends the signals that ask the process to stop to the event loop, which quits through the
/// terminal guard (killed, the explorer left the terminal on its alternate screen).
#[cfg(unix)]
fn forward_signals(tx: Sender<Msg>) -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])
        .context("cannot listen for termination signals")?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            let name = match sig {
                SIGTERM => "SIGTERM",
                SIGHUP => "SIGHUP",
                _ => "SIGINT",
            };
            if tx.send(Msg::Signal(name)).is_err() {
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
    let mut last_draw = Instant::now();
    let replays = ReplayWorker::start(tx.clone());
    // Fault injection for the terminal-restore tests (tests/terminal.rs); never set otherwise.
    match std::env::var("TRACEREPLAY_FAULT").as_deref() {
        Ok("ui-error") => return Err(anyhow!("injected UI error (TRACEREPLAY_FAULT)")),
        Ok("ui-panic") => panic!("injected UI panic (TRACEREPLAY_FAULT)"),
        Ok("worker-panic") => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _guard = WorkerGuard(tx);
                panic!("injected worker panic (TRACEREPLAY_FAULT)");
            });
        }
        _ => {}
    }
    loop {
        // Idle: block. Busy: wake for the spinner.
        let busy = m.pending.is_some() || m.loading.is_some();
        let first = if busy {
            match rx.recv_timeout(Duration::from_millis(120)) {
                Ok(msg) => msg,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Msg::Tick,
                Err(e) => return Err(anyhow!("event channel closed: {e}")),
            }
        } else {
            rx.recv().context("event channel closed")?
        };
        let mut msgs = vec![first];
        msgs.extend(rx.try_iter());
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
                dispatch(cmd, tx, &replays);
            }
        }
        if m.quit {
            return Ok(());
        }
        // Coalesce bursts of messages into at most ~60 frames a second.
        let since = last_draw.elapsed();
        if since < Duration::from_millis(16) {
            std::thread::sleep(Duration::from_millis(16) - since);
        }
        terminal.draw(|f| view::view(m, f))?;
        last_draw = Instant::now();
    }
}
