//! The Python loader snippet of docs/formats.md, run against a real export when python3 has msgpack and
//! numpy (CI installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use tracereplay_tui::replay::{ReplayParams, replay};
use tracereplay_tui::trace::Trace;
use tracereplay_tui::workload::{Format, Workload};

/// Held by every test here, so the AIPerf run, which checks send times, has the cores to itself
/// (tests of one binary run in parallel).
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn readme_snippet() -> String {
    let readme = include_str!("../../docs/formats.md");
    let start = readme
        .find("<!-- python-snippet -->")
        .expect("snippet marker");
    let block = &readme[start..];
    let code = block.split("```python\n").nth(1).expect("python block");
    code.split("```").next().unwrap().to_string()
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import msgpack, numpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `true` (after saying so) when python3 with msgpack and numpy is missing: then the test
/// skips, except under CI, which must have them.
fn skip_without_python(what: &str) -> bool {
    if python_ready() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install msgpack and numpy for python3"
    );
    eprintln!("python3 with msgpack and numpy not found: skipping {what}");
    true
}

#[test]
fn readme_python_snippet_loads_the_export() {
    let _alone = alone();
    if skip_without_python("the snippet check") {
        return;
    }
    let trace = Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap();
    let r = replay(
        &trace,
        &ReplayParams {
            end: Some("0.12.0".into()),
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let w = Workload::from_replay(&r, 0.25, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    w.write(&dir.path().join("workload.msgpack"), Format::Msgpack, false)
        .unwrap();
    let script = format!(
        "{}\nimport json\nprint(json.dumps({{'counts': {{k: len(v) for k, v in per_model.items()}}, \
         'first': float(arrival[0]), 'slo': float(slo[0]), 'seed': w['params']['seed'], \
         'sorted': bool(np.all(np.diff(arrival) >= 0))}}))",
        readme_snippet()
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let out = super::util::succeeded(out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for m in &r.models {
        assert_eq!(
            v["counts"][&m.model].as_u64().unwrap() as usize,
            m.arrivals.len()
        );
    }
    assert_eq!(
        v["first"].as_f64().unwrap().to_bits(),
        w.arrival[0].to_bits()
    );
    assert_eq!(v["slo"], 0.25);
    assert_eq!(v["seed"], 0);
    assert_eq!(v["sorted"], true);
}

/// `convert -o x.pkl` writes a pickle CPython + numpy load as AlpaServe does (`pickle.load`),
/// with `numpy.core` deprecation warnings turned into errors (numpy 2 must not complain).
#[test]
fn converted_pickles_load_in_cpython_with_numpy() {
    let _alone = alone();
    if skip_without_python("the pickle check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fixtures = super::util::repo("tests/fixtures/realdata");
    for (input, kind) in [
        ("azure-functions-2019-invitro-100/invocations.csv", "int32"),
        ("azure-functions-2021-head/Azure2021_200.csv", "float64"),
    ] {
        let trace = tracereplay_tui::ingest::load(
            &fixtures.join(input),
            &Default::default(),
            &mut |_, _| {},
        )
        .unwrap();
        let out = dir.path().join("t.pkl");
        let status = Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
            .args(["convert", "--force", "-o"])
            .arg(&out)
            .arg(fixtures.join(input))
            .output()
            .unwrap();
        super::util::succeeded(status);
        let script = "import pickle, json, sys, collections, warnings\n\
            warnings.simplefilter('error', DeprecationWarning)\n\
            import numpy as np\n\
            with open(sys.argv[1], 'rb') as f: d = pickle.load(f)\n\
            print(json.dumps({'ordered': isinstance(d, collections.OrderedDict), 'names': list(d), \
            'dtypes': sorted({str(v.dtype) for v in d.values()}), \
            'totals': [float(v.sum()) if v.dtype.kind == 'i' else len(v) for v in d.values()], \
            'last': [float(v[-1]) for v in d.values()]}))";
        let run = Command::new("python3")
            .args(["-c", script])
            .arg(&out)
            .output()
            .unwrap();
        let run = super::util::succeeded(run);
        let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(v["ordered"], true);
        assert_eq!(v["dtypes"], serde_json::json!([kind]));
        let names: Vec<&str> = v["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            trace
                .functions
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
        );
        for (i, f) in trace.functions.iter().enumerate() {
            assert_eq!(
                v["totals"][i].as_f64().unwrap() as u64,
                f.series.invocations()
            );
            let last = match &f.series {
                tracereplay_tui::trace::Series::Times(t) => t.last().expect("a timestamp"),
                tracereplay_tui::trace::Series::Counts(c) => f64::from(c.get(c.len() - 1)),
            };
            assert_eq!(v["last"][i].as_f64().unwrap().to_bits(), last.to_bits());
        }
    }
}

/// Every script under `tools/` explains itself with `--help` (one crashed with an IndexError),
/// before importing numpy or scipy, so it works on a bare python3: run with `-S`, which leaves
/// out the installed packages even where CI has them.
#[test]
fn every_tool_script_has_help() {
    let _alone = alone();
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not found: skipping the tools' --help check");
        return;
    }
    let tools = super::util::repo("tools");
    let mut seen = 0;
    for entry in std::fs::read_dir(tools).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let out = Command::new("python3")
            .arg("-S")
            .arg(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", path.display());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("usage:"),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 4);
}

/// Whether python3 can import AIPerf (CI installs it).
fn aiperf_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import aiperf.dataset.loader.models, msgpack"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every line of a Mooncake JSONL export passes AIPerf's own `MooncakeTrace` validation, and
/// the lines are the msgpack export's requests: times to 1 µs in ms since the window start,
/// models in `extra`, token counts, fresh hash ids of ceil(input / block) each.
/// As [`skip_without_python`], for AIPerf (and msgpack).
fn skip_without_aiperf(what: &str) -> bool {
    if aiperf_ready() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install aiperf and msgpack for python3"
    );
    eprintln!("python3 with aiperf not found: skipping {what}");
    true
}

#[test]
fn mooncake_export_validates_in_aiperfs_loader() {
    let _alone = alone();
    if skip_without_aiperf("the Mooncake validation") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracereplay-tui");
    let script = super::util::repo("tests/consumers/validate.py");
    for (extra, block) in [
        (
            &[
                "--models",
                "3",
                "--input-length",
                "100",
                "--output-length",
                "10",
            ][..],
            "512",
        ),
        (
            &[
                "--distribution",
                "gamma",
                "--start",
                "1.0.0",
                "--end",
                "1.2.0",
                "--input-length",
                "1300",
                "--output-length",
                "7",
                "--block-size",
                "256",
            ][..],
            "256",
        ),
    ] {
        let jsonl = dir.path().join("w.jsonl");
        let mp = dir.path().join("w.msgpack");
        for (out, fmt) in [(&jsonl, "mooncake"), (&mp, "msgpack")] {
            let run = Command::new(bin)
                .args(["replay", "sample", "--format", fmt, "--force", "-o"])
                .arg(out)
                .args(extra)
                .output()
                .unwrap();
            assert!(run.status.success(), "{run:?}");
        }
        let check = Command::new("python3")
            .arg(&script)
            .arg(&jsonl)
            .arg(&mp)
            .arg(block)
            .output()
            .unwrap();
        let check = super::util::succeeded(check);
        assert!(String::from_utf8_lossy(&check.stdout).contains("lines valid"));
    }
}

/// Kills the stub server when the test ends, passed or not.
struct Stub(std::process::Child);

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tests/consumers/stub.py` logging to `log`: the server and its URL on 127.0.0.1.
fn start_stub(log: &std::path::Path) -> (Stub, String) {
    use std::io::BufRead;
    let mut stub = Stub(
        Command::new("python3")
            .arg(super::util::repo("tests/consumers/stub.py"))
            .arg(log)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut port = String::new();
    std::io::BufReader::new(stub.0.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}", port.trim());
    (stub, url)
}

/// The requests the stub logged, in the order they arrived.
fn received(log: &std::path::Path) -> Vec<serde_json::Value> {
    let mut got: Vec<serde_json::Value> = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    got.sort_by(|a, b| {
        a["t"]
            .as_f64()
            .unwrap()
            .total_cmp(&b["t"].as_f64().unwrap())
    });
    got
}

/// Waits for `run` at most `limit`, killing it past that; its output, after asserting that it
/// succeeded.
fn finish_within(
    mut run: std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::Output {
    let start = std::time::Instant::now();
    while run.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = run.kill();
            panic!("{what} did not finish in {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let out = run.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// AIPerf itself replays a Mooncake export with `--fixed-schedule` against a local
/// OpenAI-compatible stub (127.0.0.1 only): every request arrives at its timestamp (to
/// 100 ms, from the first), for its model (`extra.model` in the body), with `max_tokens` =
/// `output_length`. AIPerf's tokenizer is a tiny one made by `tests/consumers/mktok.py` in a
/// Hugging Face cache, read with HF_HUB_OFFLINE=1.
#[test]
fn aiperf_sends_each_request_at_its_time_to_its_model() {
    let _alone = alone();
    if skip_without_aiperf("the fixed-schedule run") {
        return;
    }
    let here = super::util::repo("tests/consumers");
    let dir = tempfile::tempdir().unwrap();
    let hf = dir.path().join("hf");
    let made = Command::new("python3")
        .arg(here.join("mktok.py"))
        .arg(&hf)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    // Two models, requests at least 150 ms apart over 4 s.
    let csv = dir.path().join("t.csv");
    let times = [0.0, 0.3, 0.5, 1.0, 1.2, 1.5, 1.9, 2.5, 2.7, 3.1, 3.4, 3.9];
    let mut text = String::from("t,fn\n");
    for (i, t) in times.iter().enumerate() {
        text.push_str(&format!("{t},{}\n", ["a", "b", "c"][i % 3]));
    }
    std::fs::write(&csv, text).unwrap();
    let jsonl = dir.path().join("w.jsonl");
    let export = Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .arg("replay")
        .arg(&csv)
        .args(["--time-column", "t", "--key-column", "fn", "--models", "2"])
        .args([
            "--distribution",
            "vanilla",
            "--input-length",
            "40",
            "--output-length",
        ])
        .args(["5", "--block-size", "16", "-o"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert!(export.status.success(), "{export:?}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), times.len());

    let log = dir.path().join("requests.log");
    let (stub, url) = start_stub(&log);
    let run = Command::new("aiperf")
        .args([
            "profile",
            "--model",
            "gpt0",
            "--url",
            &url,
            "--endpoint-type",
            "chat",
        ])
        .arg("--input-file")
        .arg(&jsonl)
        .args([
            "--custom-dataset-type",
            "mooncake_trace",
            "--fixed-schedule",
        ])
        .args([
            "--tokenizer",
            "local/tiny",
            "--isl-block-size",
            "16",
            "--ui-type",
            "none",
        ])
        .arg("--artifact-dir")
        .arg(dir.path().join("artifacts"))
        .env("HF_HOME", &hf)
        .env("HF_HUB_OFFLINE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: AIPerf takes ~15 s here; give up after 5 minutes.
    finish_within(run, std::time::Duration::from_secs(300), "aiperf");
    drop(stub);
    let got = received(&log);
    assert_eq!(got.len(), lines.len(), "requests received: {got:?}");
    let t0 = got[0]["t"].as_f64().unwrap();
    let ms0 = lines[0]["timestamp"].as_f64().unwrap();
    for (want, seen) in lines.iter().zip(&got) {
        let due = (want["timestamp"].as_f64().unwrap() - ms0) / 1000.0;
        let at = seen["t"].as_f64().unwrap() - t0;
        assert!(
            (at - due).abs() < 0.1,
            "sent at {at:.3} s, due at {due:.3} s"
        );
        assert_eq!(seen["model"], want["extra"]["model"], "{seen}");
        assert_eq!(seen["max_tokens"], want["output_length"], "{seen}");
        assert_eq!(seen["path"], "/v1/chat/completions");
    }
}

/// InVitro, Vidur (lengths) and Splitwise exports read with Python's csv module reproduce the msgpack
/// export's arrivals to 1 µs, models and token counts (`tests/consumers/simulators.py`).
#[test]
fn simulator_csvs_agree_with_the_msgpack_export() {
    let _alone = alone();
    if skip_without_python("the simulator CSV check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_tracereplay-tui");
    let common = [
        "--start",
        "1.0.0",
        "--end",
        "1.6.0",
        "--distribution",
        "gamma",
        "--input-length",
        "300",
        "--output-length",
        "20",
    ];
    let mut paths = Vec::new();
    for fmt in ["msgpack", "invitro", "vidur-lengths", "splitwise"] {
        let out = dir.path().join(format!("w.{fmt}"));
        let run = Command::new(bin)
            .args([
                "replay",
                "sample",
                "--format",
                fmt,
                "--duration",
                "0.25",
                "-o",
            ])
            .arg(&out)
            .args(common)
            .output()
            .unwrap();
        assert!(run.status.success(), "{fmt}: {run:?}");
        paths.push(out);
    }
    let script = super::util::repo("tests/consumers/simulators.py");
    let check = Command::new("python3")
        .arg(script)
        .args(&paths)
        .arg("0.25")
        .output()
        .unwrap();
    let check = super::util::succeeded(check);
    assert!(String::from_utf8_lossy(&check.stdout).contains("requests agree"));
}

/// The AIPerf recipe of docs/consumers.md, run as written: its shell block, with `URL` at a stub
/// server on 127.0.0.1, `TOKENIZER` a tiny tokenizer made in a temporary Hugging Face cache and
/// `TRACE` the real Azure LLM sample. Every request of the exported minute reaches the server at
/// its time (to 100 ms, from the first), for the recipe's model, with `max_tokens` its
/// `output_length`.
#[test]
fn the_aiperf_recipe_runs_as_written() {
    let _alone = alone();
    if skip_without_aiperf("the AIPerf recipe") {
        return;
    }
    let doc = include_str!("../../docs/consumers.md");
    let block = doc
        .split("<!-- recipe:aiperf -->")
        .nth(1)
        .and_then(|b| b.split("```sh\n").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("the AIPerf recipe in docs/consumers.md");
    let here = super::util::repo("tests/consumers");
    let dir = tempfile::tempdir().unwrap();
    let hf = dir.path().join("hf");
    super::util::succeeded(
        Command::new("python3")
            .arg(here.join("mktok.py"))
            .arg(&hf)
            .output()
            .unwrap(),
    );
    let log = dir.path().join("requests.log");
    let (stub, url) = start_stub(&log);
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", block])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("URL", url)
        .env("TOKENIZER", "local/tiny")
        .env("HF_HOME", &hf)
        .env(
            "TRACE",
            super::util::real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    finish_within(run, std::time::Duration::from_secs(420), "the recipe");
    drop(stub);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("workload.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.len() > 100,
        "{} requests in the first minute",
        lines.len()
    );
    let got = received(&log);
    assert_eq!(got.len(), lines.len(), "requests received");
    let t0 = got[0]["t"].as_f64().unwrap();
    let ms0 = lines[0]["timestamp"].as_f64().unwrap();
    let mut late = 0.0f64;
    for (want, seen) in lines.iter().zip(&got) {
        let due = (want["timestamp"].as_f64().unwrap() - ms0) / 1000.0;
        let at = seen["t"].as_f64().unwrap() - t0;
        late = late.max((at - due).abs());
        assert_eq!(seen["model"], "Qwen2.5-0.5B-Instruct", "{seen}");
        assert_eq!(seen["model"], want["extra"]["model"], "{seen}");
    }
    eprintln!("the latest request was {late:.3} s off its time");
    assert!(late < 0.1, "a request was {late:.3} s off its time");
    // Requests of one time arrive in any order: compare the output lengths as multisets.
    let mut want: Vec<u64> = lines
        .iter()
        .map(|l| l["output_length"].as_u64().unwrap())
        .collect();
    let mut seen: Vec<u64> = got
        .iter()
        .map(|g| g["max_tokens"].as_u64().unwrap())
        .collect();
    want.sort_unstable();
    seen.sort_unstable();
    assert_eq!(seen, want);
}
