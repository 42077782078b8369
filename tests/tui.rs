//! The explorer without a terminal: keys through `keymap`/`update`, jobs run inline through the
//! same executor the runtime uses, frames drawn on a `TestBackend`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc::channel;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tracereplay_tui::replay::ReplayParams;
use tracereplay_tui::tui::model::{FIELDS, Focus, Model};
use tracereplay_tui::tui::update::{Action, Cmd, Msg, keymap, update};
use tracereplay_tui::tui::{execute, refresh_detail, view};

/// Applies messages, running every command inline until none is left.
fn step(m: &mut Model, msgs: Vec<Msg>) -> Vec<Cmd> {
    let (tx, _rx) = channel();
    let mut exports = Vec::new();
    let mut queue: Vec<Msg> = msgs;
    while let Some(msg) = queue.pop() {
        for cmd in update(m, msg) {
            match cmd {
                Cmd::Export { .. } => exports.push(cmd),
                other => queue.push(execute(other, &tx)),
            }
        }
    }
    m.detail_width = view::detail_width(120);
    refresh_detail(m);
    exports
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(s: &str) -> Vec<Msg> {
    s.chars().map(|c| key(KeyCode::Char(c))).collect()
}

fn screen(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 36)).unwrap();
    t.draw(|f| view::view(m, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

fn started() -> Model {
    let mut m = Model::new(ReplayParams::default());
    let (tx, _rx) = channel();
    let loaded = execute(Cmd::Load(None), &tx);
    step(&mut m, vec![loaded]);
    m
}

#[test]
fn opens_on_the_embedded_sample_and_shows_every_pane() {
    let m = started();
    assert!(m.result.is_some());
    let s = screen(&m);
    for text in [
        "Trace 1/1",
        "sample_azure_v2.pkl",
        "Parameters",
        "Models",
        "gpt4",
        "group",
        "Detail: gpt0",
    ] {
        assert!(s.contains(text), "{text} missing:\n{s}");
    }
    assert!(s.contains("day 0 00:00 → day 3 00:00, 259200 s"), "{s}");
    // Fields that do not apply to the exponential default are marked.
    assert!(s.contains("cv scale      1.0 (n/a)"), "{s}");
}

#[test]
fn keymap_table() {
    let m = started();
    let k = |c| keymap(&m, KeyEvent::new(c, KeyModifiers::NONE));
    assert_eq!(k(KeyCode::Char('q')), Some(Action::Quit));
    assert_eq!(k(KeyCode::Tab), Some(Action::FocusNext));
    assert_eq!(k(KeyCode::BackTab), Some(Action::FocusPrev));
    assert_eq!(k(KeyCode::Char('j')), Some(Action::Down));
    assert_eq!(k(KeyCode::Char('k')), Some(Action::Up));
    assert_eq!(k(KeyCode::Char('?')), Some(Action::Help));
    assert_eq!(k(KeyCode::Char('e')), Some(Action::OpenExport));
    assert_eq!(
        k(KeyCode::Char('1')),
        None,
        "sorting keys only in the models pane"
    );
    let mut editing = m.clone();
    editing.editing = Some(String::new());
    assert_eq!(
        keymap(
            &editing,
            KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)
        ),
        Some(Action::Type('q'))
    );
}

#[test]
fn editing_a_field_reruns_and_an_invalid_value_is_marked_at_the_field() {
    let mut m = started();
    let before = m.result.as_ref().unwrap().group.arrivals;
    // end := 1.0.0
    let end = FIELDS.iter().position(|f| f.label() == "end").unwrap();
    let mut msgs: Vec<Msg> = (0..end).map(|_| key(KeyCode::Down)).collect();
    msgs.push(key(KeyCode::Enter));
    msgs.extend(typed("1.0.0"));
    msgs.push(key(KeyCode::Enter));
    msgs.reverse(); // step pops from the back
    step(&mut m, msgs);
    let r = m.result.as_ref().unwrap();
    assert_eq!(r.replay.window.end, 86_400);
    assert!(r.group.arrivals < before);
    // start := 0.24.0 is invalid: marked, and the last good result stays.
    let mut msgs = vec![key(KeyCode::Up)]; // from end to start
    msgs.push(key(KeyCode::Enter));
    msgs.extend((0..5).map(|_| key(KeyCode::Backspace)));
    msgs.extend(typed("0.24.0"));
    msgs.push(key(KeyCode::Enter));
    msgs.reverse();
    step(&mut m, msgs);
    assert_eq!(m.field_error.as_ref().map(|e| e.0), Some(2));
    assert_eq!(m.result.as_ref().unwrap().replay.window.end, 86_400);
    let s = screen(&m);
    assert!(
        s.contains("0.24.0 ✗") && s.contains("hour 24 must be"),
        "{s}"
    );
}

#[test]
fn stale_replays_are_dropped() {
    let mut m = started();
    let current = m.result.as_ref().unwrap().group.arrivals;
    m.pending = Some(99);
    let stale = Msg::Replayed {
        generation: 98,
        result: Err((None, "old".into())),
    };
    step(&mut m, vec![stale]);
    assert_eq!(m.pending, Some(99));
    assert_eq!(m.result.as_ref().unwrap().group.arrivals, current);
}

#[test]
fn choice_fields_cycle_and_sorting_flips() {
    let mut m = started();
    let dist = FIELDS
        .iter()
        .position(|f| f.label() == "distribution")
        .unwrap();
    let mut msgs: Vec<Msg> = (0..dist).map(|_| key(KeyCode::Down)).collect();
    msgs.push(key(KeyCode::Right));
    msgs.reverse();
    step(&mut m, msgs);
    assert_eq!(m.fields[dist], "gamma");
    assert!(
        m.result.as_ref().unwrap().replay.models[0]
            .intervals
            .iter()
            .any(|i| i.process.is_some())
    );
    step(&mut m, vec![key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Models);
    step(&mut m, vec![key(KeyCode::Char('3'))]);
    let order = m.sorted_rows();
    let r = m.result.as_ref().unwrap();
    assert!(
        order
            .windows(2)
            .all(|w| r.rows[w[0]].arrivals >= r.rows[w[1]].arrivals)
    );
}

#[test]
fn detail_zoom_narrows_the_bins() {
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Detail);
    let total: u64 = m.detail.iter().sum();
    for _ in 0..6 {
        step(&mut m, vec![key(KeyCode::Up)]);
    }
    let zoomed: u64 = m.detail.iter().sum();
    assert!(m.zoom.1 - m.zoom.0 < 0.02 && zoomed < total);
    assert!(screen(&m).contains("bin "));
}

#[test]
fn export_dialog_writes_and_confirms_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export.as_mut().unwrap().path = path.display().to_string();
    m.export.as_mut().unwrap().format = 1;
    let (tx, _rx) = channel();
    let cmds = step(&mut m, vec![key(KeyCode::Enter)]);
    assert_eq!(cmds.len(), 1);
    let done = execute(cmds.into_iter().next().unwrap(), &tx);
    step(&mut m, vec![done]);
    assert!(m.status.starts_with("wrote "), "{}", m.status);
    let w = tracereplay_tui::workload::Workload::read(&path).unwrap();
    assert_eq!(w.len(), m.result.as_ref().unwrap().group.arrivals);
    // Exporting again asks first.
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export.as_mut().unwrap().path = path.display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(m.export.as_ref().unwrap().confirm_overwrite);
    assert_eq!(step(&mut m, vec![key(KeyCode::Enter)]).len(), 1);
}

#[test]
fn too_small_terminal_says_what_it_needs() {
    let m = started();
    let mut t = Terminal::new(TestBackend::new(60, 10)).unwrap();
    t.draw(|f| view::view(&m, f)).unwrap();
    let buf = t.backend().buffer();
    let text: String = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .map(|p| buf[p].symbol().to_string())
        .collect();
    assert!(text.contains("needs at least 80×24"), "{text}");
}

#[test]
fn quit_key_quits() {
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('q'))]);
    assert!(m.quit);
}

#[test]
fn no_color_draws_without_colours() {
    use ratatui::style::Color;
    let colours = |m: &Model| {
        let mut t = Terminal::new(TestBackend::new(120, 36)).unwrap();
        t.draw(|f| view::view(m, f)).unwrap();
        t.backend()
            .buffer()
            .content
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count()
    };
    let mut m = started();
    assert!(colours(&m) > 0, "the default screen uses colour");
    m.no_color = true;
    assert_eq!(colours(&m), 0);
}

#[test]
fn loading_a_file_reports_progress_and_errors() {
    let (tx, rx) = channel();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample_azure_v2.pkl");
    let Msg::Loaded(Ok(t)) = execute(Cmd::Load(Some(path)), &tx) else {
        panic!("load failed")
    };
    assert_eq!(t.summary.functions, 200);
    let progress: Vec<String> = rx
        .try_iter()
        .filter_map(|m| {
            if let Msg::Progress(p) = m {
                Some(p)
            } else {
                None
            }
        })
        .collect();
    assert!(
        progress.iter().any(|p| p.contains("0.5 / 0.5 MB")),
        "{progress:?}"
    );
    let Msg::Loaded(Err(e)) = execute(Cmd::Load(Some("/nonexistent.pkl".into())), &tx) else {
        panic!()
    };
    assert!(e.contains("cannot read /nonexistent.pkl"), "{e}");
}
