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
use tracereplay_tui::tui::{Kept, execute, execute_with, refresh_detail, view};

/// Fits kept as the replay worker keeps them (shared by the tests: kept per trace); every
/// replay shown in two steps, as the worker shows large ones.
static KEPT: std::sync::LazyLock<Kept> = std::sync::LazyLock::new(|| Kept {
    two_steps_from: 0,
    ..Kept::default()
});

/// Applies messages, running every command inline until none is left.
fn step(m: &mut Model, msgs: Vec<Msg>) -> Vec<Cmd> {
    let (tx, rx) = channel();
    let mut exports = Vec::new();
    let mut queue: Vec<Msg> = msgs;
    while let Some(msg) = queue.pop() {
        for cmd in update(m, msg) {
            match cmd {
                Cmd::Export { .. } => exports.push(cmd),
                other => {
                    // What the command sent on its way (a replay's rows before its group cv)
                    // is handled before what it returned.
                    let last = execute_with(other, &tx, Some(&KEPT));
                    let mut sent: Vec<Msg> = rx.try_iter().collect();
                    queue.push(last);
                    while let Some(msg) = sent.pop() {
                        queue.push(msg);
                    }
                }
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
    let loaded = execute(Cmd::Load(None, Default::default()), &tx);
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
    assert!(screen(&m).contains(" s bin"));
}

#[test]
fn export_dialog_writes_and_confirms_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().path = path.display().to_string();
    m.export_mut().unwrap().format = 1;
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
    m.export_mut().unwrap().path = path.display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(m.export().unwrap().confirm_overwrite);
    assert_eq!(step(&mut m, vec![key(KeyCode::Enter)]).len(), 1);
}

#[test]
fn export_dialog_refuses_paths_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    for (path, why) in [
        ("", "give the workload a file path"),
        ("  ", "give the workload a file path"),
        ("-", "the explorer writes files"),
        (&dir.path().display().to_string(), "is a directory"),
    ] {
        step(&mut m, vec![key(KeyCode::Char('e'))]);
        m.export_mut().unwrap().path = path.to_string();
        assert!(
            step(&mut m, vec![key(KeyCode::Enter)]).is_empty(),
            "{path:?}"
        );
        assert!(m.status.contains(why), "{path:?}: {}", m.status);
        // The dialog stays open to correct the path.
        assert!(m.export().is_some());
        step(&mut m, vec![key(KeyCode::Esc)]);
    }
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

/// The explorer keeps no v2 file mapped: rewriting a trace in place while it is shown must
/// not end the session (a truncated mapping raises SIGBUS when read).
#[test]
fn the_explorer_copies_a_large_v2_trace_into_memory() {
    use tracereplay_tui::trace::Series;
    let trace = tracereplay_tui::synth::v2(&tracereplay_tui::synth::V2Options {
        functions: 30,
        total: 200_000,
        days: 2,
        seed: 3,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.pkl");
    tracereplay_tui::workload::write_atomic(&path, true, None, |w| {
        tracereplay_tui::ingest::pickle::write::write(&trace, w)
    })
    .unwrap();
    assert!(
        std::fs::metadata(&path).unwrap().len() > 1 << 20,
        "large enough to be mapped"
    );
    let (tx, _rx) = channel();
    let Msg::Loaded(Ok(t)) = execute(Cmd::Load(Some(path.clone()), Default::default()), &tx) else {
        panic!("load failed")
    };
    let mapped = |f: &tracereplay_tui::trace::Function| matches!(&f.series, Series::Times(t) if t.is_mapped());
    assert!(!t.trace.functions.iter().any(mapped));
    assert_eq!(t.trace.functions, trace.functions);
    // The file truncated under the loaded trace: every timestamp still reads.
    std::fs::write(&path, b"").unwrap();
    assert_eq!(t.trace.functions, trace.functions);
}

/// The same for a cache of ours, whose timestamps and token counts would be read in place.
#[test]
fn the_explorer_copies_a_large_cache_with_tokens_into_memory() {
    use tracereplay_tui::trace::{Function, Series, Tokens, Trace, TraceKind};
    let n = 200_000u32;
    let times: Vec<f64> = (0..n).map(|i| f64::from(i) * 0.3).collect();
    let mut f = Function::new("llm", Series::Times(times.into()));
    f.tokens = Some(Tokens::counts(
        (0..n).map(|i| 100 + i % 900).collect(),
        (0..n).map(|i| 1 + i % 300).collect(),
    ));
    let trace = Trace::new("llm", TraceKind::V2, vec![f], Vec::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.trace");
    tracereplay_tui::workload::write_atomic(&path, true, None, |w| {
        tracereplay_tui::ingest::native::encode(&trace, w)
    })
    .unwrap();
    // Opened as the command line opens it, the columns are read in place.
    let mapped = tracereplay_tui::ingest::load(&path, &Default::default(), &mut |_, _| {}).unwrap();
    let k = mapped.functions[0].tokens.as_ref().unwrap();
    assert!(k.input.is_mapped() && k.output.is_mapped());
    let (tx, _rx) = channel();
    let Msg::Loaded(Ok(t)) = execute(Cmd::Load(Some(path.clone()), Default::default()), &tx) else {
        panic!("load failed")
    };
    let f = &t.trace.functions[0];
    let k = f.tokens.as_ref().unwrap();
    assert!(!k.input.is_mapped() && !k.output.is_mapped());
    assert!(matches!(&f.series, Series::Times(t) if !t.is_mapped()));
    std::fs::write(&path, b"").unwrap();
    assert_eq!(t.trace.functions, trace.functions);
}

#[test]
fn loading_a_file_reports_progress_and_errors() {
    let (tx, rx) = channel();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample_azure_v2.pkl");
    let Msg::Loaded(Ok(t)) = execute(Cmd::Load(Some(path), Default::default()), &tx) else {
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
    let Msg::Loaded(Err(e)) = execute(
        Cmd::Load(Some("/nonexistent.pkl".into()), Default::default()),
        &tx,
    ) else {
        panic!()
    };
    assert!(
        e.contains("cannot load /nonexistent.pkl") && e.contains("No such file"),
        "{e}"
    );
}

/// Runs `keys` (in order) through `step`.
fn press(m: &mut Model, keys: Vec<Msg>) -> Vec<Cmd> {
    let mut keys = keys;
    keys.reverse(); // step pops from the back
    step(m, keys)
}

fn down(n: usize) -> Vec<Msg> {
    (0..n).map(|_| key(KeyCode::Down)).collect()
}

fn field(label: &str) -> usize {
    FIELDS.iter().position(|f| f.label() == label).unwrap()
}

#[test]
fn screens() {
    let mut m = started();
    insta::assert_snapshot!("startup_params_focused", screen(&m));
    press(&mut m, vec![key(KeyCode::Tab)]);
    insta::assert_snapshot!("models_focused", screen(&m));
    press(
        &mut m,
        vec![key(KeyCode::Tab), key(KeyCode::Up), key(KeyCode::Up)],
    );
    insta::assert_snapshot!("detail_focused_zoomed", screen(&m));
    press(&mut m, vec![key(KeyCode::Char('?'))]);
    insta::assert_snapshot!("help_overlay", screen(&m));
    press(&mut m, vec![key(KeyCode::Esc), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Params);
    let mut keys = down(field("rate scale"));
    keys.push(key(KeyCode::Enter));
    keys.extend((0..3).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("-2"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    insta::assert_snapshot!("invalid_field", screen(&m));
    press(&mut m, vec![key(KeyCode::Char('e'))]);
    insta::assert_snapshot!("export_dialog", screen(&m));
    press(&mut m, vec![key(KeyCode::Esc), key(KeyCode::Char('o'))]);
    insta::assert_snapshot!("open_prompt", screen(&m));
    let mut t = Terminal::new(TestBackend::new(70, 20)).unwrap();
    t.draw(|f| view::view(&m, f)).unwrap();
    insta::assert_snapshot!("too_small", t.backend().to_string());
}

#[test]
fn a_session_changes_the_distribution_and_exports_two_models() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.json");
    let mut m = started();
    let before = screen(&m);
    let rows_before = m.result.as_ref().unwrap().rows.clone();
    // distribution: exponential → gamma
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Right));
    press(&mut m, keys);
    assert_eq!(m.fields[field("distribution")], "gamma");
    let after = screen(&m);
    let r = m.result.as_ref().unwrap();
    assert_eq!(r.replay.params.distribution.to_string(), "gamma");
    assert_ne!(
        r.rows, rows_before,
        "the models table follows the new replay"
    );
    assert_ne!(before, after);
    // Export gpt1 and gpt3 only, as JSON.
    let mut keys = vec![key(KeyCode::Char('e'))];
    keys.extend((0..16).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed(&path.display().to_string()));
    keys.extend(down(2)); // to models
    keys.extend((0..3).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("gpt1, gpt3"));
    keys.push(key(KeyCode::Down)); // to format
    keys.push(key(KeyCode::Right)); // json
    keys.push(key(KeyCode::Enter));
    let cmds = press(&mut m, keys);
    assert_eq!(cmds.len(), 1, "{}", m.status);
    let (tx, _rx) = channel();
    let done = execute(cmds.into_iter().next().unwrap(), &tx);
    press(&mut m, vec![done]);
    assert!(m.status.starts_with("wrote "), "{}", m.status);
    let w = tracereplay_tui::workload::Workload::read(&path).unwrap();
    let r = m.result.as_ref().unwrap();
    assert_eq!(w.models, vec!["gpt1".to_string(), "gpt3".to_string()]);
    assert_eq!(w.len(), r.rows[1].arrivals + r.rows[3].arrivals);
    assert!(w.arrival.windows(2).all(|p| p[0] <= p[1]));
    assert_eq!(w.params.replay.distribution.to_string(), "gamma");
    // A name that is not a model is refused at the dialog.
    let mut keys = vec![key(KeyCode::Char('e'))];
    keys.extend(down(2));
    keys.extend((0..3).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("nope"));
    keys.push(key(KeyCode::Enter));
    assert!(press(&mut m, keys).is_empty());
    assert!(m.status.contains("no model named \"nope\""), "{}", m.status);
}

#[test]
fn a_newer_replay_cancels_the_one_in_flight() {
    let mut m = started();
    m.focus = Focus::Params;
    m.field = field("distribution");
    let first = tracereplay_tui::tui::update::update(&mut m, key(KeyCode::Right));
    let second = tracereplay_tui::tui::update::update(&mut m, key(KeyCode::Right));
    let flag = |c: &[Cmd]| match &c[0] {
        Cmd::Replay { cancel, .. } => cancel.load(std::sync::atomic::Ordering::Relaxed),
        _ => panic!("not a replay"),
    };
    assert!(flag(&first), "the superseded replay is cancelled");
    assert!(!flag(&second));
    // The cancelled one ends without a result; the newer one lands.
    let (tx, _rx) = channel();
    let gone = execute(first.into_iter().next().unwrap(), &tx);
    assert!(matches!(&gone, Msg::Replayed { result: Err(_), .. }));
    press(&mut m, vec![gone]);
    assert!(m.pending.is_some());
    let landed = execute(second.into_iter().next().unwrap(), &tx);
    press(&mut m, vec![landed]);
    assert!(m.pending.is_none());
    assert_eq!(
        m.result
            .as_ref()
            .unwrap()
            .replay
            .params
            .distribution
            .to_string(),
        "weibull"
    );
}

#[test]
fn opening_a_trace_with_tab_completion() {
    let dir = tempfile::tempdir().unwrap();
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample_azure_v2.pkl");
    std::fs::copy(&sample, dir.path().join("second_trace.pkl")).unwrap();
    let mut m = started();
    let mut keys = vec![key(KeyCode::Char('o'))];
    keys.extend(typed(&format!("{}/sec", dir.path().display())));
    keys.push(key(KeyCode::Tab));
    press(&mut m, keys);
    let p = m.open_prompt().unwrap();
    assert_eq!(p.path, format!("{}/second_trace.pkl", dir.path().display()));
    assert_eq!(p.candidates, vec!["second_trace.pkl".to_string()]);
    press(&mut m, vec![key(KeyCode::Enter)]);
    assert!(m.open_prompt().is_none());
    assert_eq!(m.traces.len(), 2);
    assert_eq!(m.trace, 1);
    assert!(screen(&m).contains("Trace 2/2"));
    // A file that is not a trace: the error is shown, the traces stay.
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "hello").unwrap();
    let mut keys = vec![key(KeyCode::Char('o'))];
    keys.extend(typed(&bad.display().to_string()));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    assert_eq!(m.traces.len(), 2);
    assert!(m.status.contains("error"), "{}", m.status);
}

#[test]
fn the_detail_shows_the_real_trace_beside_the_replay() {
    let mut m = started();
    // Vanilla replays the trace verbatim: the two series are the same.
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Left));
    press(&mut m, keys);
    assert_eq!(m.fields[field("distribution")], "vanilla");
    assert!(m.detail.iter().sum::<u64>() > 0);
    assert_eq!(m.detail, m.detail_trace);
    // Rate scale 4 under exponential: the replay has about 4x the trace's arrivals.
    let mut keys = vec![key(KeyCode::Right)];
    keys.extend(down(field("rate scale") - field("distribution")));
    keys.push(key(KeyCode::Enter));
    keys.extend((0..3).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("4"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    let (replayed, real) = (
        m.detail.iter().sum::<u64>() as f64,
        m.detail_trace.iter().sum::<u64>() as f64,
    );
    assert!((replayed / real - 4.0).abs() < 0.2, "{replayed} vs {real}");
}

#[test]
fn raw_csv_traces_open_like_pickles() {
    let mut m = started();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/realdata");
    for (path, kind) in [
        (
            "azure-functions-2019-invitro-100",
            "v1, 1 day, 100 functions",
        ),
        (
            "azure-llm-2023/AzureLLMInferenceTrace_conv.csv",
            "v2, 58 min 22 s, 1 function",
        ),
    ] {
        let mut keys = vec![key(KeyCode::Char('o'))];
        keys.extend(typed(&dir.join(path).display().to_string()));
        keys.push(key(KeyCode::Enter));
        press(&mut m, keys);
        assert!(screen(&m).contains(kind), "{}", screen(&m));
    }
    // The trigger field filters the 2019 trace.
    press(&mut m, vec![key(KeyCode::Char('t'))]);
    assert_eq!(m.trace, 0);
    press(&mut m, vec![key(KeyCode::Char('t'))]);
    assert_eq!(m.current().unwrap().summary.kind.to_string(), "v1");
    let mut keys = down(field("triggers"));
    keys.push(key(KeyCode::Enter));
    keys.extend(typed("timer"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    let r = m.result.as_ref().unwrap();
    assert_eq!(r.replay.params.triggers, vec!["timer".to_string()]);
    assert_eq!(r.rows.iter().map(|x| x.functions).sum::<usize>(), 44);
}

#[test]
fn p_writes_the_detail_view_as_a_figure() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    m.figure_dir = dir.path().to_path_buf();
    press(
        &mut m,
        vec![key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Up)],
    );
    press(&mut m, vec![key(KeyCode::Char('p'))]);
    assert!(m.status.starts_with("wrote figure"), "{}", m.status);
    let doc = std::fs::read_to_string(dir.path().join("tracereplay-gpt0-1.svg")).unwrap();
    assert!(doc.contains(r#"data-model="gpt0""#));
    assert_eq!(doc.matches(r#"class="bar""#).count(), 100);
    // Again: a new file, not an overwrite.
    press(&mut m, vec![key(KeyCode::Char('p'))]);
    assert!(
        dir.path().join("tracereplay-gpt0-2.svg").exists(),
        "{}",
        m.status
    );
}

#[test]
fn a_trace_too_big_for_the_form_gets_a_rate_scale_that_fits() {
    // A whole azure_v1 trace is billions of arrivals at rate scale 1; the same situation with
    // the embedded sample and a limit of 2,000 arrivals.
    let limit = 2_000;
    let mut m = Model::new(ReplayParams {
        max_arrivals: limit,
        ..ReplayParams::default()
    });
    let (tx, _rx) = channel();
    let loaded = execute(Cmd::Load(None, Default::default()), &tx);
    step(&mut m, vec![loaded]);
    let scale: f64 = m.fields[field("rate scale")].parse().unwrap();
    assert!(scale < 1.0, "rate scale {scale}");
    let r = m.result.as_ref().expect("the first replay is not refused");
    assert!(
        r.group.arrivals as u64 <= limit,
        "{} arrivals",
        r.group.arrivals
    );
    assert!(r.group.arrivals > 0);
    assert!(m.status.contains("rate scale set to"), "{}", m.status);
    // Said once: the next replay's status is its own.
    assert!(m.note.is_none());
}

/// Opens the export dialog, types `path` and presses Enter: the export command to run.
fn start_export(m: &mut Model, path: &std::path::Path) -> Cmd {
    step(m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().path = path.display().to_string();
    step(m, vec![key(KeyCode::Enter)]).pop().unwrap()
}

#[test]
fn quitting_during_an_export_asks_and_cancelling_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    let mut m = started();
    let export = start_export(&mut m, &path);
    // The export is running: q asks instead of quitting.
    step(&mut m, vec![key(KeyCode::Char('q'))]);
    assert!(!m.quit && m.overlay == tracereplay_tui::tui::model::Overlay::ConfirmQuit);
    let shown = screen(&m);
    assert!(
        shown.contains("An export is still being written"),
        "{shown}"
    );
    assert!(shown.contains("cancel it"), "{shown}");
    // Esc goes back; Ctrl-C asks too.
    step(&mut m, vec![key(KeyCode::Esc)]);
    assert!(!m.quit && m.overlay != tracereplay_tui::tui::model::Overlay::ConfirmQuit);
    step(
        &mut m,
        vec![Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))],
    );
    assert!(m.overlay == tracereplay_tui::tui::model::Overlay::ConfirmQuit && !m.quit);
    // c cancels: the export stops and leaves no file, not even a hidden partial one.
    step(&mut m, vec![key(KeyCode::Char('c'))]);
    assert!(!m.quit);
    let (tx, _rx) = channel();
    let done = execute(export, &tx);
    step(&mut m, vec![done]);
    assert!(m.status.contains("cancelled"), "{}", m.status);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(m.exporting.is_none());
    // No export running: q quits at once.
    step(&mut m, vec![key(KeyCode::Char('q'))]);
    assert!(m.quit);
}

#[test]
fn waiting_for_an_export_quits_when_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.msgpack");
    let mut m = started();
    let export = start_export(&mut m, &path);
    step(&mut m, vec![key(KeyCode::Char('q'))]);
    step(&mut m, vec![key(KeyCode::Char('w'))]);
    assert!(!m.quit, "quit before the export finished");
    let (tx, _rx) = channel();
    let done = execute(export, &tx);
    step(&mut m, vec![done]);
    assert!(m.quit);
    assert!(m.status.starts_with("wrote "), "{}", m.status);
    assert!(tracereplay_tui::workload::Workload::read(&path).is_ok());
}

#[cfg(unix)]
#[test]
fn export_dialog_writes_through_a_symlink_and_expands_home() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().path = link.display().to_string();
    m.export_mut().unwrap().format = 1;
    // The file behind the link exists: asked first, then replaced; the link stays a link.
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    let export = step(&mut m, vec![key(KeyCode::Enter)]).pop().unwrap();
    let (tx, _rx) = channel();
    step(&mut m, vec![execute(export, &tx)]);
    assert!(m.status.starts_with("wrote "), "{}", m.status);
    assert!(link.is_symlink());
    assert!(tracereplay_tui::workload::Workload::read(&real).is_ok());

    // `~/…` is the home directory, as in the open prompt.
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    if let Some(home) = home.filter(|h| h.is_dir()) {
        let name = format!(".tracereplay-test-{}.json", std::process::id());
        step(&mut m, vec![key(KeyCode::Char('e'))]);
        m.export_mut().unwrap().path = format!("~/{name}");
        m.export_mut().unwrap().format = 1;
        let export = step(&mut m, vec![key(KeyCode::Enter)]).pop().unwrap();
        step(&mut m, vec![execute(export, &tx)]);
        let written = home.join(&name);
        assert!(written.is_file(), "{}", m.status);
        std::fs::remove_file(written).unwrap();
    }
}

/// A function name with escape sequences is drawn escaped: the cells hold no control
/// characters for the terminal to obey.
#[test]
fn names_from_files_are_drawn_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil\x1b[2J.csv");
    let mut text = String::from("app,func,end_timestamp,duration\n");
    for i in 0..50 {
        text.push_str(&format!(
            "\"\x1b]2;PWNED\x07\",f,{},1\nb{i},g,{},1\n",
            10 + i,
            20 + i
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let mut m = Model::new(ReplayParams::default());
    let (tx, _rx) = channel();
    let loaded = execute(Cmd::Load(Some(csv), Default::default()), &tx);
    step(&mut m, vec![loaded]);
    let shown = screen(&m);
    assert!(shown.contains("PWNED"), "{shown}");
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n'),
        "{shown}"
    );
}

/// The explorer says when sparse intervals lost trace invocations (it replayed them silently).
#[test]
fn the_status_line_reports_invocations_lost_to_sparse_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let csv = super::util::sparse_csv(dir.path());
    let opts = tracereplay_tui::ingest::LoadOptions {
        time_column: Some("t".into()),
        key_column: Some("fn".into()),
        ..Default::default()
    };
    let mut m = Model::new(ReplayParams::default());
    let (tx, _rx) = channel();
    let loaded = execute(Cmd::Load(Some(csv), opts), &tx);
    step(&mut m, vec![loaded]);
    assert!(
        m.status
            .contains("4 of 7 trace invocations (57.1 %) fell in intervals too sparse"),
        "{}",
        m.status
    );
}

/// Traces keep the order they were asked for, whichever loads first; each has its own form
/// (a rate scale lowered for a big trace stays with it); a trace whose replay fails is shown
/// with its error, not under the previous trace's results.
#[test]
fn traces_keep_their_order_their_forms_and_their_own_results() {
    use tracereplay_tui::tui::model::{FieldKind, LoadedTrace, field_index};
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("one.csv");
    std::fs::write(&small, "t\n1\n2\n3\n").unwrap();
    // A limit the sample's 60,000 invocations go over: its rate scale is lowered on opening.
    // An end past the small trace's: its replay fails.
    let mut m = Model::new(ReplayParams {
        max_arrivals: 1000,
        end: Some("1.0.0".into()),
        ..ReplayParams::default()
    });
    let sample = tracereplay_tui::assets::SAMPLE_NAME.to_string();
    m.requested = vec![sample.clone(), small.display().to_string()];
    let load = |path: Option<std::path::PathBuf>| {
        let opts = tracereplay_tui::ingest::LoadOptions {
            time_column: path.is_some().then(|| "t".into()),
            ..Default::default()
        };
        let (tx, _rx) = channel();
        execute(Cmd::Load(path, opts), &tx)
    };
    // The second loads first; then the first: the first asked for is shown, first.
    step(&mut m, vec![load(Some(small.clone()))]);
    step(&mut m, vec![load(None)]);
    let names: Vec<&str> = m
        .traces
        .iter()
        .map(|t: &LoadedTrace| t.name.as_str())
        .collect();
    assert_eq!(names, vec![sample.as_str(), &small.display().to_string()]);
    assert_eq!(m.trace, 0);
    let rate = field_index(FieldKind::RateScale).unwrap();
    assert_ne!(
        m.fields[rate], "1.0",
        "the sample's rate scale was not lowered"
    );
    let lowered = m.fields[rate].clone();
    // t: the one-function trace has its own form (one model: it has one function); its
    // window ends past its end, and the error shows under its name with no models table left
    // from the sample.
    step(&mut m, vec![key(KeyCode::Char('t'))]);
    assert_eq!(m.trace, 1);
    assert_eq!(m.fields[rate], "1.0");
    assert_eq!(m.fields[field_index(FieldKind::Models).unwrap()], "1");
    assert!(m.result.is_none(), "the sample's results stayed on screen");
    assert!(m.status.starts_with("error:"), "{}", m.status);
    assert!(m.status.contains("end"), "{}", m.status);
    let shown = screen(&m);
    assert!(shown.contains("one.csv"), "{shown}");
    assert!(!shown.contains("gpt4 "), "{shown}");
    // Back: the sample's form as it was left.
    step(&mut m, vec![key(KeyCode::Char('t'))]);
    assert_eq!(m.fields[rate], lowered);
    assert!(m.result.is_some());
}

/// An LLM trace is one function: opened with the default five models it replays with one,
/// and says so, rather than failing; names given for the models keep the first.
#[test]
fn a_trace_of_fewer_functions_than_models_opens_with_one_model_each() {
    use tracereplay_tui::tui::model::{FieldKind, field_index};
    let path = super::util::real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let models = field_index(FieldKind::Models).unwrap();
    for (asked, want) in [
        (ReplayParams::default().models, "1"),
        (vec!["llama".to_string(), "mistral".to_string()], "llama"),
    ] {
        let mut m = Model::new(ReplayParams {
            models: asked,
            ..ReplayParams::default()
        });
        let (tx, _rx) = channel();
        let loaded = execute(Cmd::Load(Some(path.clone()), Default::default()), &tx);
        step(&mut m, vec![loaded]);
        assert_eq!(m.fields[models], want);
        let view = m.result.as_ref().expect("a replay, not an error");
        assert_eq!(view.rows.len(), 1);
        assert_eq!(view.group.arrivals, view.rows[0].arrivals);
        assert!(
            m.status
                .contains("models set to 1: the trace has 1 function,"),
            "{}",
            m.status
        );
    }
}

/// A replay far smaller than its trace gets its own scale in the detail chart (it drew as
/// nothing under the trace's), and the caption says so.
#[test]
fn a_small_replay_gets_its_own_scale() {
    use tracereplay_tui::tui::model::{FieldKind, field_index};
    let mut m = started();
    assert!(!screen(&m).contains("each on its own scale"));
    let rate = field_index(FieldKind::RateScale).unwrap();
    m.focus = Focus::Params;
    m.field = rate;
    // Edit the rate scale to 0.01: Enter, erase "1.0", type, Enter.
    let mut keys = vec![key(KeyCode::Enter)];
    keys.extend((0..3).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("0.01"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    assert_eq!(m.fields[rate], "0.01");
    let shown = screen(&m);
    assert!(shown.contains("each on its own scale"), "{shown}");
}

/// A v1 trace offers only the distributions it can replay, and its triggers field is n/a
/// when the file has no triggers (a pickle).
#[test]
fn a_v1_pickle_offers_only_what_applies() {
    use tracereplay_tui::tui::model::{FieldKind, field_index};
    // The fixture has two functions.
    let mut m = Model::new(ReplayParams {
        models: vec!["a".into(), "b".into()],
        ..ReplayParams::default()
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pickle/v1_full14d__np1.26.4__p4.pkl");
    let (tx, _rx) = channel();
    let loaded = execute(Cmd::Load(Some(path), Default::default()), &tx);
    step(&mut m, vec![loaded]);
    let dist = field_index(FieldKind::Distribution).unwrap();
    m.focus = Focus::Params;
    m.field = dist;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..6 {
        press(&mut m, vec![key(KeyCode::Right)]);
        seen.insert(m.fields[dist].clone());
        assert!(!m.status.starts_with("error"), "{}", m.status);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["exponential".to_string(), "gamma".to_string()]
    );
    assert!(
        screen(&m).contains("triggers      all (n/a)"),
        "{}",
        screen(&m)
    );
}

/// Text fields edit like a shell line (tui-input): cursor keys, Home/End, Ctrl-A/E/U/W; a
/// paste arrives whole and is capped (a 200,000-character paste filled the form; Ctrl-U
/// typed a literal u).
#[test]
fn text_fields_have_a_cursor_and_a_bounded_length() {
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    let d = |m: &Model| m.export().unwrap().path.clone();
    // The path field starts with a default name; Ctrl-U clears it.
    press(&mut m, vec![ctrl('u')]);
    assert_eq!(d(&m), "");
    press(&mut m, typed("w.csv"));
    press(&mut m, vec![key(KeyCode::Home)]);
    press(&mut m, typed("out/"));
    assert_eq!(d(&m), "out/w.csv");
    press(
        &mut m,
        vec![ctrl('e'), key(KeyCode::Left), key(KeyCode::Left)],
    );
    press(&mut m, typed("v"));
    assert_eq!(d(&m), "out/w.cvsv");
    press(&mut m, vec![ctrl('w')]);
    assert_eq!(d(&m), "out/sv", "{}", d(&m));
    assert!(screen(&m).contains("out/▏sv"));
    // A paste: one message, newlines dropped, capped.
    press(&mut m, vec![Msg::Paste("a\nb".into())]);
    assert_eq!(d(&m), "out/absv");
    press(&mut m, vec![Msg::Paste("x".repeat(200_000))]);
    assert_eq!(d(&m).chars().count(), tracereplay_tui::tui::text::MAX_FIELD);
    assert!(m.status.contains("at most 4096 characters"), "{}", m.status);
    // The form's fields too: edit the seed with the cursor in the middle.
    step(&mut m, vec![key(KeyCode::Esc)]);
    m.focus = Focus::Params;
    m.field = field("seed");
    press(&mut m, vec![key(KeyCode::Enter)]);
    press(&mut m, typed("12"));
    press(&mut m, vec![key(KeyCode::Left)]);
    press(&mut m, typed("3"));
    press(&mut m, vec![key(KeyCode::Enter)]);
    assert_eq!(m.fields[field("seed")], "0132");
}

/// Random keys, pastes and terminal sizes through the real keymap, update, workers (run
/// inline) and view: nothing panics, and the state stays drawable. Exports are not run (they
/// would write into the working directory); figures go to a temporary one.
#[test]
fn random_keys_never_break_the_explorer() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    m.figure_dir = dir.path().to_path_buf();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let codes = [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Backspace,
        KeyCode::Delete,
    ];
    let chars = "qeotp?+-123456hjklxcw0.9,/~ ";
    let (tx, _rx) = channel();
    // More for a soak: TRACEREPLAY_RANDOM_KEYS=30000 cargo test --test integration random_keys
    let n: usize = std::env::var("TRACEREPLAY_RANDOM_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    for i in 0..n {
        let r = next();
        let msg = match r % 10 {
            0..=3 => Msg::Key(KeyEvent::new(
                codes[(r >> 8) as usize % codes.len()],
                KeyModifiers::NONE,
            )),
            4..=7 => {
                let c = chars.chars().nth((r >> 8) as usize % chars.len()).unwrap();
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
            }
            8 => Msg::Key(KeyEvent::new(
                KeyCode::Char(['u', 'w', 'a', 'e', 'k', 'c'][(r >> 8) as usize % 6]),
                KeyModifiers::CONTROL,
            )),
            _ => Msg::Paste("x".repeat((r >> 8) as usize % 300)),
        };
        let mut queue = vec![msg];
        while let Some(msg) = queue.pop() {
            for cmd in update(&mut m, msg) {
                match cmd {
                    // Loads of random paths are errors or directories; exports write files.
                    Cmd::Export { .. } => {}
                    other => queue.push(execute(other, &tx)),
                }
            }
        }
        m.quit = false;
        if i % 25 == 0 {
            let (w, h) = [(120, 36), (80, 24), (60, 10), (200, 50)][(r >> 20) as usize % 4];
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            m.detail_width = view::detail_width(w);
            refresh_detail(&mut m);
            t.draw(|f| view::view(&m, f)).unwrap();
        }
    }
}

/// The export dialog offers Mooncake JSONL: written for a trace with token counts (the Azure
/// LLM sample), refused with what to do for one without.
#[test]
fn the_export_dialog_writes_mooncake_jsonl_when_there_are_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().cursor = tracereplay_tui::tui::model::ExportDialog::FORMAT;
    press(&mut m, (0..3).map(|_| key(KeyCode::Right)).collect());
    assert!(m.export().unwrap().path.ends_with(".jsonl"));
    assert!(screen(&m).contains("Mooncake JSONL (AIPerf"));
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(
        m.status.contains("needs each request's tokens"),
        "{}",
        m.status
    );
    // An LLM trace has them.
    let llm = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let mut m = Model::new(ReplayParams {
        models: vec!["llm".into()],
        distribution: tracereplay_tui::replay::Distribution::Vanilla,
        ..ReplayParams::default()
    });
    let (tx, _rx) = channel();
    step(
        &mut m,
        vec![execute(Cmd::Load(Some(llm), Default::default()), &tx)],
    );
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    let d = m.export_mut().unwrap();
    d.format = 3;
    d.path = dir.path().join("w.jsonl").display().to_string();
    let export = step(&mut m, vec![key(KeyCode::Enter)]).pop().unwrap();
    step(&mut m, vec![execute(export, &tx)]);
    assert!(m.status.starts_with("wrote 19366 requests"), "{}", m.status);
    let first = std::fs::read_to_string(dir.path().join("w.jsonl")).unwrap();
    assert!(
        first.starts_with(r#"{"timestamp": 0, "input_length": 374, "output_length": 44"#),
        "{}",
        &first[..100]
    );
    // Its parameters beside it: the command line makes the same file again.
    let params = dir.path().join("w.jsonl.params.json");
    assert!(params.exists(), "{}", m.status);
    let again = dir.path().join("again.jsonl");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args(["replay", "--params"])
        .arg(&params)
        .arg("-o")
        .arg(&again)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), first);
}

/// A trace whose requests mostly share timestamps gets a warning line in the trace pane.
#[test]
fn coarse_traces_are_flagged_in_the_trace_pane() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("coarse.jsonl");
    let mut text = String::new();
    for g in 0..50u64 {
        for _ in 0..3 {
            text.push_str(&format!(
                "{{\"timestamp\": {}, \"input_length\": 10, \"output_length\": 2}}\n",
                g * 3000
            ));
        }
    }
    std::fs::write(&p, text).unwrap();
    let mut m = Model::new(ReplayParams {
        models: vec!["m".into()],
        ..ReplayParams::default()
    });
    let (tx, _rx) = channel();
    step(
        &mut m,
        vec![execute(Cmd::Load(Some(p), Default::default()), &tx)],
    );
    let shown = screen(&m);
    assert!(shown.contains("⚠ coarse times: 100 %; spread"), "{shown}");
    // The fix is in reach: the form's spread field, applied to a vanilla replay.
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Left));
    press(&mut m, keys);
    let mut keys: Vec<Msg> = (0..FIELDS.len()).map(|_| key(KeyCode::Up)).collect();
    keys.extend(down(field("spread")));
    keys.push(key(KeyCode::Right));
    press(&mut m, keys);
    assert_eq!(m.fields[field("spread")], "uniform");
    let r = &m.result.as_ref().unwrap().replay;
    assert_eq!(
        r.params.spread,
        tracereplay_tui::replay::params::Spread::Uniform
    );
    let a = &r.models[0].arrivals;
    assert!(a.windows(2).all(|w| w[0] < w[1]), "spread: no shared times");
    // The sample is not coarse.
    assert!(!screen(&started()).contains("coarse times"));
}

#[test]
fn the_explorers_replays_equal_the_clis_as_fits_are_reused() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    let set = |m: &mut Model, label: &str, value: &str| {
        let mut keys: Vec<Msg> = (0..FIELDS.len()).map(|_| key(KeyCode::Up)).collect();
        keys.extend(down(field(label)));
        keys.push(key(KeyCode::Enter));
        keys.extend((0..8).map(|_| key(KeyCode::Backspace)));
        keys.extend(typed(value));
        keys.push(key(KeyCode::Enter));
        press(m, keys);
    };
    let next_distribution = |m: &mut Model| {
        let mut keys: Vec<Msg> = (0..FIELDS.len()).map(|_| key(KeyCode::Up)).collect();
        keys.extend(down(field("distribution")));
        keys.push(key(KeyCode::Right));
        press(m, keys);
    };
    type Change = Box<dyn Fn(&mut Model)>;
    let changes: Vec<(&str, Change)> = vec![
        ("gamma", Box::new(next_distribution)),
        ("weibull", Box::new(next_distribution)),
        ("pareto", Box::new(next_distribution)),
        ("auto", Box::new(next_distribution)),
        ("rate scale", Box::new(move |m| set(m, "rate scale", "1.7"))),
        ("seed", Box::new(move |m| set(m, "seed", "3"))),
        ("cv scale", Box::new(move |m| set(m, "cv scale", "2.5"))),
    ];
    for (i, (what, change)) in changes.iter().enumerate() {
        change(&mut m);
        let view = m.result.as_ref().unwrap();
        let p = &view.replay.params;
        assert!(m.field_error.is_none(), "{what}: {}", m.status);
        let out = dir.path().join(format!("{i}.json"));
        super::util::succeeded(
            super::util::bin()
                .args(["replay", "sample", "--distribution"])
                .arg(p.distribution.to_string())
                .args(["--rate-scale", &p.rate_scale.to_string()])
                .args(["--cv-scale", &p.cv_scale.to_string()])
                .args(["--seed", &p.seed.to_string()])
                .arg("-o")
                .arg(&out)
                .output()
                .unwrap(),
        );
        let cli = tracereplay_tui::workload::Workload::read(&out).unwrap();
        let ours =
            tracereplay_tui::workload::Workload::from_replay(&view.replay, 1.0, None).unwrap();
        assert_eq!(cli.params.replay, *p, "{what}");
        assert!(cli.len() > 1000, "{what}");
        assert_eq!(cli.models, ours.models, "{what}");
        let first_difference = |a: &[f64], b: &[f64]| a.iter().zip(b).position(|(x, y)| x != y);
        assert!(
            cli.arrival == ours.arrival,
            "{what}: {} vs {} arrivals, first different at {:?}",
            cli.len(),
            ours.len(),
            first_difference(&cli.arrival, &ours.arrival)
        );
        assert!(cli.model == ours.model, "{what}: the models differ");
    }
    let p = &m.result.as_ref().unwrap().replay.params;
    assert_eq!(
        (p.distribution.to_string(), p.rate_scale, p.seed, p.cv_scale),
        ("auto".to_string(), 1.7, 3, 2.5)
    );
}

#[test]
fn a_group_cv_skipped_for_a_newer_replay_is_computed_if_that_one_fails() {
    let mut m = started();
    m.focus = Focus::Params;
    m.field = field("distribution");
    let cmds = update(&mut m, key(KeyCode::Right));
    let (tx, rx) = channel();
    let _ = execute_with(cmds.into_iter().next().unwrap(), &tx, Some(&KEPT));
    press(&mut m, vec![rx.try_recv().unwrap()]);
    let shown = m.result_generation;
    // A newer replay was asked for while the cv merged: the worker skipped it.
    let newer = update(&mut m, key(KeyCode::Right));
    assert_eq!(newer.len(), 1);
    assert!(
        update(
            &mut m,
            Msg::GroupCv {
                generation: shown,
                cv: None
            }
        )
        .is_empty()
    );
    assert!(m.result.as_ref().unwrap().group_cv_pending);
    // The newer replay fails: its rows never come, these stay, and their cv is asked for.
    let failed = Msg::Replayed {
        generation: m.pending.unwrap(),
        result: Err((None, "sampling made more than the limit".into())),
    };
    let mut cmds = update(&mut m, failed);
    assert_eq!(m.result_generation, shown);
    assert_eq!(cmds.len(), 1, "the skipped cv is asked for");
    let done = execute(cmds.remove(0), &tx);
    assert!(matches!(done, Msg::GroupCv { generation, cv: Some(_) } if generation == shown));
    press(&mut m, vec![done]);
    let view = m.result.as_ref().unwrap();
    assert!(!view.group_cv_pending);
    assert_eq!(view.group.cv, view.replay.group().cv);
    // An error with nothing pending on screen asks for nothing.
    let _ = update(&mut m, key(KeyCode::Right));
    let failed = Msg::Replayed {
        generation: m.pending.unwrap(),
        result: Err((None, "no".into())),
    };
    assert!(update(&mut m, failed).is_empty());
}

#[test]
fn the_group_cv_follows_the_rows_of_its_own_replay() {
    let mut m = started();
    let cv = m.result.as_ref().unwrap().group.cv;
    m.focus = Focus::Params;
    m.field = field("distribution");
    let cmds = update(&mut m, key(KeyCode::Right));
    let (tx, rx) = channel();
    let last = execute_with(cmds.into_iter().next().unwrap(), &tx, Some(&KEPT));
    let rows = rx.try_recv().unwrap();
    let Msg::GroupCv {
        generation,
        cv: Some(new_cv),
    } = last
    else {
        panic!("the group's cv comes last")
    };
    press(&mut m, vec![rows]);
    let group_line = |m: &Model| {
        screen(m)
            .lines()
            .find(|l| l.contains("│group"))
            .unwrap()
            .to_string()
    };
    let pending = group_line(&m);
    assert!(pending.contains('…'), "{pending}");
    // The cv of another replay is not taken.
    press(
        &mut m,
        vec![Msg::GroupCv {
            generation: generation + 1,
            cv: Some(123.0),
        }],
    );
    assert!(m.result.as_ref().unwrap().group_cv_pending);
    press(
        &mut m,
        vec![Msg::GroupCv {
            generation,
            cv: Some(new_cv),
        }],
    );
    let view = m.result.as_ref().unwrap();
    assert!(!view.group_cv_pending);
    assert_eq!(view.group.cv, view.replay.group().cv);
    assert_ne!(view.group.cv, cv, "gamma's group cv is not exponential's");
    let shown = group_line(&m);
    assert!(
        !shown.contains('…') && shown.contains(&format!("{:.3}", view.group.cv)),
        "{shown}"
    );
    // A small replay (the sample's 69,000 arrivals) comes whole, in one message.
    let cmds = update(&mut m, key(KeyCode::Right));
    let whole = execute_with(
        cmds.into_iter().next().unwrap(),
        &tx,
        Some(&Kept::default()),
    );
    assert!(rx.try_recv().is_err());
    let Msg::Replayed {
        result: Ok(view), ..
    } = whole
    else {
        panic!("a replay")
    };
    assert!(!view.group_cv_pending && view.group.cv == view.replay.group().cv);
}

#[test]
fn a_large_replay_shows_its_fitted_targets_while_it_samples() {
    let mut m = started();
    m.focus = Focus::Params;
    m.field = field("distribution");
    let cmds = update(&mut m, key(KeyCode::Right)); // gamma
    let (tx, rx) = channel();
    let every = Kept {
        targets_from: 0.0,
        ..Kept::default()
    };
    let last = execute_with(cmds.into_iter().next().unwrap(), &tx, Some(&every));
    let Msg::Targets { generation, rows } = rx.try_recv().unwrap() else {
        panic!("the targets come first")
    };
    // Another replay's targets are not shown.
    press(
        &mut m,
        vec![Msg::Targets {
            generation: generation + 1,
            rows: rows.clone(),
        }],
    );
    assert!(m.shown_targets().is_none());
    press(
        &mut m,
        vec![Msg::Targets {
            generation,
            rows: rows.clone(),
        }],
    );
    let s = screen(&m);
    assert!(
        s.contains("fitted targets") && s.contains("previous replay"),
        "{s}"
    );
    let expected = rows.group.arrivals;
    assert!(s.contains(&format!(" {expected} ")), "{s}");
    assert!(
        rows.rows
            .iter()
            .map(|r| r.arrivals)
            .sum::<usize>()
            .abs_diff(expected)
            <= 5
    );
    // Then the samples: their count is near what was expected, and the table is theirs.
    press(&mut m, vec![last]);
    let view = m.result.as_ref().unwrap();
    assert_eq!(view.replay.params.distribution.to_string(), "gamma");
    let made = view.group.arrivals as f64;
    assert!(
        (made - expected as f64).abs() < 0.05 * made,
        "{made} vs {expected}"
    );
    for (t, r) in rows.rows.iter().zip(&view.rows) {
        assert_eq!((&t.model, t.functions), (&r.model, r.functions));
        assert!(
            (t.rate - r.rate).abs() < 0.1 * r.rate,
            "{} vs {}",
            t.rate,
            r.rate
        );
    }
    let s = screen(&m);
    assert!(
        !s.contains("fitted targets") && s.contains("Models (sort"),
        "{s}"
    );
}

/// The screens in the README and docs/explorer.md are what the explorer draws on the embedded
/// sample at 120×36 (they went stale by hand). `TRACEREPLAY_UPDATE_SCREENS=1 cargo test
/// doc_screens` writes them anew.
#[test]
fn doc_screens_are_what_the_explorer_draws() {
    let drawn: String = screen(&started())
        .lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect();
    let update = std::env::var_os("TRACEREPLAY_UPDATE_SCREENS").is_some();
    for doc in ["README.md", "docs/explorer.md"] {
        let path = super::util::repo(doc);
        let text = std::fs::read_to_string(&path).unwrap();
        let marker = text
            .find("120×36")
            .expect("the screen's caption names its size");
        let start = marker + text[marker..].find("```text\n").unwrap() + "```text\n".len();
        let end = start + text[start..].find("```").unwrap();
        let shown: String = text[start..end]
            .lines()
            .map(|l| l.trim_end().to_string() + "\n")
            .collect();
        if shown == drawn {
            continue;
        }
        if update {
            std::fs::write(&path, format!("{}{drawn}{}", &text[..start], &text[end..])).unwrap();
        } else {
            panic!(
                "{doc}'s screen is not what the explorer draws; run \
                 TRACEREPLAY_UPDATE_SCREENS=1 cargo test doc_screens and commit it"
            );
        }
    }
}

/// Issue 28: the dialog's format follows the typed extension (t1.csv with msgpack chosen wrote
/// msgpack into it), an extension that names no format is refused, every CLI format is offered
/// with constant token counts for a trace that has none, an invalid form field refuses the
/// export, and a parameters file in the way is asked about before anything is written.
#[test]
fn the_export_dialog_follows_the_extension_and_offers_every_format() {
    use tracereplay_tui::tui::model::EXPORT_FORMATS;
    use tracereplay_tui::workload::Format;
    let dir = tempfile::tempdir().unwrap();
    let mut m = started();
    let format_of = |cmd: &Cmd| match cmd {
        Cmd::Export { spec, .. } => (spec.format, spec.input_length.zip(spec.output_length)),
        _ => panic!("not an export"),
    };
    // msgpack chosen, t1.csv typed: CSV.
    let cmd = start_export(&mut m, &dir.path().join("t1.csv"));
    assert_eq!(format_of(&cmd), (Format::Csv, None));
    // An unknown extension: refused, saying why.
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().path = dir.path().join("t1.txt").display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(
        m.status.contains("names no workload format"),
        "{}",
        m.status
    );
    // Every format of the command line, each with constant tokens on this tokenless trace.
    let names: Vec<&str> = EXPORT_FORMATS.iter().map(|f| f.name).collect();
    for want in [
        "mooncake",
        "azure-llm",
        "vidur",
        "vidur-lengths",
        "splitwise",
        "invitro",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
        m.overlay = tracereplay_tui::tui::model::Overlay::None;
        step(&mut m, vec![key(KeyCode::Char('e'))]);
        let i = names.iter().position(|n| *n == want).unwrap();
        let d = m.export_mut().unwrap();
        d.format = i;
        d.tokens = "512/64".into();
        d.path = dir
            .path()
            .join(format!("w-{want}.{}", EXPORT_FORMATS[i].ext))
            .display()
            .to_string();
        let cmds = step(&mut m, vec![key(KeyCode::Enter)]);
        assert_eq!(cmds.len(), 1, "{want}: {}", m.status);
        let (format, lengths) = format_of(&cmds[0]);
        assert_eq!(format, want.parse::<Format>().unwrap(), "{want}");
        assert_eq!(lengths, Some((512, 64)));
    }
    // Tokens that do not parse.
    m.overlay = tracereplay_tui::tui::model::Overlay::None;
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().tokens = "lots".into();
    m.export_mut().unwrap().path = dir.path().join("x.json").display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(m.status.contains("IN/OUT"), "{}", m.status);
    // A params file already beside the target: asked about before anything is written.
    let target = dir.path().join("p.jsonl");
    std::fs::write(dir.path().join("p.jsonl.params.json"), "{}").unwrap();
    m.overlay = tracereplay_tui::tui::model::Overlay::None;
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    let d = m.export_mut().unwrap();
    d.format = names.iter().position(|n| *n == "mooncake").unwrap();
    d.tokens = "8/2".into();
    d.path = target.display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(
        m.status.contains("p.jsonl.params.json exists"),
        "{}",
        m.status
    );
    assert!(!target.exists());
    // A form field marked invalid refuses the export.
    m.overlay = tracereplay_tui::tui::model::Overlay::None;
    m.field_error = Some((0, "bad".into()));
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    m.export_mut().unwrap().path = dir.path().join("y.json").display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(m.status.contains("a parameter is invalid"), "{}", m.status);
}

/// Issue 28: Enter on a choice field cycles it (it opened free text), and an empty start is the
/// trace's start (it was an error).
#[test]
fn enter_cycles_a_choice_and_an_empty_start_is_the_traces() {
    let mut m = started();
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    assert!(m.editing.is_none());
    assert_eq!(m.fields[field("distribution")], "gamma");
    let mut keys: Vec<Msg> = (0..FIELDS.len()).map(|_| key(KeyCode::Up)).collect();
    keys.extend(down(field("start")));
    keys.push(key(KeyCode::Enter));
    keys.extend((0..8).map(|_| key(KeyCode::Backspace)));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    assert!(m.field_error.is_none(), "{}", m.status);
    assert_eq!(m.result.as_ref().unwrap().replay.window.start, 0);
}

/// Issue 26, item 6: editing the interval that the form marks "(n/a)" for a vanilla replay to a
/// millisecond made a boundary per millisecond of the window (2 GB) and aborted the explorer;
/// the replay now ignores it.
#[test]
fn a_tiny_interval_under_vanilla_replays() {
    let mut m = started();
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Left));
    press(&mut m, keys);
    let mut keys: Vec<Msg> = (0..FIELDS.len()).map(|_| key(KeyCode::Up)).collect();
    keys.extend(down(field("interval s")));
    keys.push(key(KeyCode::Enter));
    keys.extend((0..8).map(|_| key(KeyCode::Backspace)));
    keys.extend(typed("0.001"));
    keys.push(key(KeyCode::Enter));
    press(&mut m, keys);
    assert!(m.field_error.is_none(), "{}", m.status);
    let r = &m.result.as_ref().unwrap().replay;
    assert_eq!(r.params.interval_seconds, 0.001);
    assert_eq!(
        r.models.iter().map(|m| m.arrivals.len()).sum::<usize>(),
        60_000
    );
}

/// An InVitro export from the explorer gives each request of a vanilla replay the run time of
/// the invocation it replays, as the command line does: its params file makes the same bytes.
#[test]
fn an_invitro_export_from_the_explorer_carries_the_traces_run_times() {
    let dir = tempfile::tempdir().unwrap();
    let azure = super::util::real("azure-functions-2021-head/Azure2021_200.csv");
    let mut m = Model::new(ReplayParams::default());
    let (tx, _rx) = channel();
    step(
        &mut m,
        vec![execute(Cmd::Load(Some(azure), Default::default()), &tx)],
    );
    let mut keys = down(field("distribution"));
    keys.push(key(KeyCode::Left));
    press(&mut m, keys);
    let r = &m.result.as_ref().unwrap().replay;
    assert_eq!(r.params.distribution.to_string(), "vanilla");
    assert!(r.source.contains("Azure2021"), "{}", r.source);
    let out = dir.path().join("w.csv");
    export_from_dialog(&mut m, "invitro", &out, |_| {});
    let rows = std::fs::read_to_string(&out).unwrap();
    let durations: std::collections::BTreeSet<&str> = rows
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next())
        .collect();
    assert!(
        durations.len() > 10,
        "run times, not one constant: {durations:?}"
    );
    let again = dir.path().join("again.csv");
    export_again(&dir.path().join("w.csv.params.json"), &again);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), rows);
}

/// Exports the replay on screen through the dialog as `format` to `path`, the dialog's other
/// fields set by `set`, and checks that it was written.
fn export_from_dialog(
    m: &mut Model,
    format: &str,
    path: &std::path::Path,
    set: impl FnOnce(&mut tracereplay_tui::tui::model::ExportDialog),
) {
    use tracereplay_tui::tui::model::EXPORT_FORMATS;
    step(m, vec![key(KeyCode::Char('e'))]);
    let d = m.export_mut().unwrap();
    d.format = EXPORT_FORMATS
        .iter()
        .position(|f| f.name == format)
        .unwrap();
    d.path = path.display().to_string();
    set(d);
    let cmd = step(m, vec![key(KeyCode::Enter)]).pop().expect(&m.status);
    let (tx, _rx) = channel();
    step(m, vec![execute(cmd, &tx)]);
    assert!(m.status.starts_with("wrote "), "{}", m.status);
}

/// `replay --params PARAMS -o OUT` from the command line.
fn export_again(params: &std::path::Path, out: &std::path::Path) {
    super::util::succeeded(
        super::util::bin()
            .args(["replay", "--params"])
            .arg(params)
            .arg("-o")
            .arg(out)
            .output()
            .unwrap(),
    );
}

/// Issue 28: the export dialog draws tokens from another trace (the tokens field takes its
/// path, as `--tokens-from`), and sets Mooncake's block size and InVitro's run time; the
/// params file beside it makes the same bytes from the command line.
#[test]
fn the_export_dialog_draws_tokens_from_a_trace_and_sets_format_options() {
    use tracereplay_tui::tui::model::EXPORT_FORMATS;
    let dir = tempfile::tempdir().unwrap();
    let llm = super::util::real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let mut m = started();
    let names: Vec<&str> = EXPORT_FORMATS.iter().map(|f| f.name).collect();
    let out = dir.path().join("w.jsonl");
    export_from_dialog(&mut m, "mooncake", &out, |d| {
        d.tokens = llm.display().to_string();
        d.block = "16".into();
    });
    let text = std::fs::read_to_string(&out).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let input = first["input_length"].as_u64().unwrap();
    assert_eq!(
        first["hash_ids"].as_array().unwrap().len() as u64,
        input.div_ceil(16),
        "{first}"
    );
    let again = dir.path().join("again.jsonl");
    export_again(&dir.path().join("w.jsonl.params.json"), &again);
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());
    // InVitro: every request runs the given time.
    let inv = dir.path().join("w.csv");
    export_from_dialog(&mut m, "invitro", &inv, |d| {
        d.tokens = "trace".into();
        d.duration = "0.25".into();
    });
    let rows = std::fs::read_to_string(&inv).unwrap();
    assert!(
        rows.lines().nth(1).unwrap().ends_with(",0.250000"),
        "{rows:.200}"
    );
    // A block size that is no number is refused before anything is written.
    step(&mut m, vec![key(KeyCode::Char('e'))]);
    let d = m.export_mut().unwrap();
    d.format = names.iter().position(|n| *n == "mooncake").unwrap();
    d.tokens = "8/2".into();
    d.block = "0".into();
    d.path = dir.path().join("z.jsonl").display().to_string();
    assert!(step(&mut m, vec![key(KeyCode::Enter)]).is_empty());
    assert!(m.status.contains("tokens per hash id"), "{}", m.status);
}
