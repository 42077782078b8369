//! The command line, end to end: exit codes, output, errors a user can cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use predicates::prelude::*;
use serde_json::Value as Json;

fn bin() -> Command {
    Command::cargo_bin("tracereplay-tui").unwrap()
}

fn fixture(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
        .display()
        .to_string()
}

const REPLAY: &str = "pickle/v2_replay__np1.26.4__p4.pkl";

#[test]
fn seed_examples_run_as_commands() {
    // The AlpaServe README's examples, on the embedded sample (3 days; the 14-day windows are
    // cut to the sample's length).
    let cases: [&[&str]; 4] = [
        &[
            "--distribution",
            "vanilla",
            "--start",
            "0.0.0",
            "--end",
            "1.0.0",
        ],
        &[
            "--distribution",
            "gamma",
            "--start",
            "0.0.0",
            "--end",
            "2.23.60",
            "--interval",
            "3600",
        ],
        &[
            "--distribution",
            "vanilla",
            "--start",
            "0.0.0",
            "--end",
            "2.23.60",
            "--time-scale",
            "2.0",
        ],
        &[
            "--distribution",
            "gamma",
            "--end",
            "1.0.0",
            "--rate-scale",
            "8.0",
            "--cv-scale",
            "8.0",
        ],
    ];
    for args in cases {
        let out = bin()
            .arg("stats")
            .arg("sample")
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Json = serde_json::from_slice(&out.stdout).unwrap();
        let models = v["models"].as_array().unwrap();
        assert_eq!(models.len(), 5);
        assert_eq!(models[0]["model"], "gpt0");
        assert!(v["group"]["arrivals"].as_u64().unwrap() > 1000, "{args:?}");
        assert!(models.iter().all(|m| m["rate"].as_f64().unwrap() > 0.0));
    }
}

#[test]
fn stats_json_has_the_documented_shape() {
    let out = bin()
        .args([
            "stats",
            &fixture(REPLAY),
            "--model-names",
            "m0,m1,m2",
            "--end",
            "1.0.0",
        ])
        .args(["--distribution", "gamma", "--interval", "3600", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["trace"]["kind"], "v2");
    assert_eq!(v["trace"]["days"], 2);
    assert_eq!(v["trace"]["functions"], 9);
    assert_eq!(v["window"]["start"], 0);
    assert_eq!(v["window"]["end"], 86400);
    assert_eq!(v["mapping"][0][1], "m0");
    assert_eq!(v["mapping"].as_array().unwrap().len(), 7);
    let m2 = &v["models"][2];
    let intervals = m2["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 24);
    // The timer function: deterministic instead of silent (a documented deviation).
    assert!(
        intervals
            .iter()
            .any(|i| i["process"] == "deterministic" && i["cv"] == 0.0)
    );
    for key in ["start", "end", "process", "rate", "cv"] {
        assert!(intervals[0].get(key).is_some(), "{key}");
    }
    assert!(v["group"]["cv"].as_f64().is_some());
}

#[test]
fn stats_text_has_the_original_report_lines() {
    bin()
        .args(["stats", &fixture(REPLAY), "--model-names", "m0,m1,m2", "--end", "1.0.0"])
        .args(["--distribution", "vanilla"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Trace for m0, duration: (1, 0, 0, 0), 86400 (s), #arrivals: 1761, arrival distribution: vanilla",
        ))
        .stdout(predicate::str::contains("Trace for a group of 3 models"))
        .stdout(predicate::str::contains("window   day 0 00:00 → day 1 00:00, 86400 s"));
}

#[test]
fn inspect_summarises() {
    let out = bin()
        .args(["inspect", &fixture(REPLAY), "--json", "--top", "3"])
        .output()
        .unwrap();
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["functions"], 9);
    assert_eq!(v["busiest"].as_array().unwrap().len(), 3);
    assert_eq!(v["busiest"][0]["invocations"], 1734);
    bin()
        .assert()
        .success()
        .stdout(predicate::str::contains("embedded synthetic sample"));
}

#[test]
fn user_errors_are_one_clear_line() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["stats", "/nonexistent/azure_v2.pkl"],
            "cannot read trace /nonexistent/azure_v2.pkl",
        ),
        (
            &["stats", "sample", "--start", "0.24.0"],
            "hour 24 must be below 24",
        ),
        (&["stats", "sample", "--models", "1000"], "use at most"),
        (
            &["stats", "sample", "--cv-scale", "2"],
            "only gamma processes have a cv",
        ),
        (
            &["stats", "sample", "--distribution", "weibull"],
            "invalid value 'weibull'",
        ),
        (
            &["inspect", &fixture("pickle/bad/exec_os_system_p4.pkl")],
            "posix.system",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.msgpack").display().to_string();
    let inside_a_file = Path::new(&fixture(REPLAY))
        .join("w.msgpack")
        .display()
        .to_string();
    let missing = "/nonexistent/azure_v2.pkl";
    let svg = dir.path().join("f.svg").display().to_string();
    // Options wrong in themselves, and outputs that cannot be written, are reported before
    // the trace is read (here: instead of its absence).
    let early: [(&[&str], &str); 10] = [
        (
            &["replay", missing, "-o", &out, "--rate-scale", "-2"],
            "-2 must be a positive, finite number",
        ),
        (
            &["replay", missing, "-o", &out, "--slo", "0"],
            "0 must be a positive number of seconds",
        ),
        (
            &["replay", missing, "-o", &out, "--end", "3.1"],
            "end time \"3.1\"",
        ),
        (
            &["stats", missing, "--interval", "-60"],
            "-60 must be a positive",
        ),
        (
            &["replay", missing, "-o", &inside_a_file],
            "it is not a directory",
        ),
        (
            &["replay", missing, "-o", "/nonexistent/dir/w.msgpack"],
            "the directory does not exist",
        ),
        (&["convert", missing, "-o", "-"], "give it a path"),
        (
            &["replay", missing, "-o", &out, "--only", "gpt1,gpt9"],
            "\"gpt9\" is not a model of this replay; the models are gpt0, gpt1",
        ),
        (
            &["plot", missing, "-o", &svg, "--only", "x"],
            "\"x\" is not a model",
        ),
        // It allocated the bins: 24 GB and the OOM killer for 100,000,000.
        (
            &["plot", missing, "-o", &svg, "--bins", "100000000"],
            "use 1 to 10000",
        ),
    ];
    for (args, msg) in cases.into_iter().chain(early) {
        let out = bin().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(if msg.starts_with("invalid value") {
                2
            } else {
                1
            }),
            "{args:?}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
    }
}

#[test]
fn replay_writes_to_standard_output_with_dash() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["replay", "sample", "--end", "1.0.0", "--slo", "0.5"];
    let file = dir.path().join("w.msgpack");
    let to_file = bin().args(args).arg("-o").arg(&file).output().unwrap();
    assert!(to_file.status.success());
    // Piped: the same bytes as the file, the summary on stderr, no file named "-".
    let piped = bin()
        .args(args)
        .args(["-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(piped.stdout, std::fs::read(&file).unwrap());
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(err.contains("to standard output (Msgpack"), "{err}");
    assert!(!dir.path().join("-").exists());
    let csv = bin()
        .args(args)
        .args(["-o", "-", "--format", "csv"])
        .output()
        .unwrap();
    assert!(csv.stdout.starts_with(b"# tracereplay-workload"));
    // A reader that stops early (`| head`) ends the command quietly, successfully.
    reader_stops_early(&["replay", "sample", "-o", "-", "--format", "csv"]);
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    // `stats … --json | head`: 2 MB of JSON.
    reader_stops_early(&["stats", "sample", "--json"]);
}

/// Runs the command into a pipe closed after its first 100 bytes: it must end successfully
/// and say nothing.
fn reader_stops_early(args: &[&str]) {
    let mut child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
}

#[test]
fn replay_exports_and_refuses_to_clobber() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.msgpack");
    let run = |extra: &[&str]| {
        bin()
            .args(["replay", "sample", "--end", "0.6.0", "--slo", "0.5", "-o"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("wrote "));
    let before = std::fs::read(&out).unwrap();
    let again = run(&["--seed", "1"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the existing file is untouched"
    );
    assert!(run(&["--seed", "1", "--force"]).status.success());
    assert_ne!(std::fs::read(&out).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary files left"
    );
    let missing = bin()
        .args(["replay", "sample", "-o", "/nonexistent-dir/w.msgpack"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
}

#[test]
fn raw_traces_work_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let v2019 = fixture("realdata/azure-functions-2019-invitro-100");
    // A directory is the 2019 layout; --trigger filters in stats.
    let out = bin()
        .args([
            "stats",
            &v2019,
            "--trigger",
            "http",
            "--trigger",
            "queue",
            "--models",
            "2",
            "--json",
        ])
        .args(["--start", "0.8.0", "--end", "0.16.0"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    let fns: u64 = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["functions"].as_u64().unwrap())
        .sum();
    assert_eq!(fns, 36 + 13);
    // convert to native, then replay the cache; the cache refuses to be overwritten.
    let cache = dir.path().join("llm.trace");
    let cache_s = cache.display().to_string();
    bin()
        .args([
            "convert",
            &fixture("realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
            "-o",
            &cache_s,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "19366 invocations, tracereplay native",
        ));
    bin()
        .args([
            "convert",
            &fixture("realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
            "-o",
            &cache_s,
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists; pass --force"));
    let w = dir.path().join("w.json");
    bin()
        .args([
            "replay",
            &cache_s,
            "--models",
            "1",
            "--distribution",
            "vanilla",
            "-o",
        ])
        .arg(&w)
        .assert()
        .success();
    let v: Json = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    assert_eq!(v["input_tokens"].as_array().unwrap().len(), 19_366);
    // Errors a user can cause: a trigger on a trace without triggers, an unknown input format.
    bin()
        .args(["stats", &cache_s, "--trigger", "http"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("this trace has no triggers"));
    bin()
        .args(["inspect", &cache_s, "--input-format", "parquet"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not an input format"));
    // A generic CSV needs --time-column; with it, it works.
    let log = dir.path().join("log.csv");
    std::fs::write(&log, "t,who\n0.5,a\n1.5,b\n").unwrap();
    bin()
        .arg("inspect")
        .arg(&log)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--time-column"));
    bin()
        .arg("inspect")
        .arg(&log)
        .args(["--time-column", "t", "--key-column", "who"])
        .assert()
        .success()
        .stdout(predicate::str::contains("functions    2"));
}

#[test]
fn size_limits_fail_early_with_an_override_named() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--models", "2000000000"],
            "more than the limit of 1000000",
        ),
        (&["--interval", "0.001"], "fits, more than"),
        (
            &["--rate-scale", "10000000"],
            "more than the limit of 1000000000",
        ),
        (
            &[
                "--rate-scale",
                "1000000",
                "--max-arrivals",
                "100000000000000",
            ],
            "of memory is available",
        ),
    ];
    for (args, want) in cases {
        bin()
            .args(["stats", "sample"])
            .args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(want).and(predicate::str::contains("--allow-huge")));
    }
}

/// Exports never leave a partial target: a process killed mid-write leaves the previous file
/// intact; a write that fails (file size limit standing in for a full disk), an unwritable or a
/// missing directory give a clear error and leave no temporary file.
#[test]
fn exports_are_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("w.msgpack");
    std::fs::write(&target, b"previous complete file").unwrap();
    let big = [
        "--rate-scale",
        "150",
        "--distribution",
        "exponential",
        "--force",
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args(["replay", "sample", "-o"])
        .arg(&target)
        .args(big)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once its temporary file is being written.
    let partial = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .and_then(|e| e.metadata().ok())
            .is_some_and(|m| m.len() > 1 << 20)
    };
    let start = std::time::Instant::now();
    while !partial() {
        assert!(start.elapsed().as_secs() < 60, "no partial file appeared");
        if child.try_wait().unwrap().is_some() {
            panic!("the export finished before it could be killed; make it bigger");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"previous complete file");

    // A file size limit makes the write fail (EFBIG): clear error, no temporary file.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("w.msgpack");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; trap '' XFSZ; exec {} replay sample --rate-scale 4 -o {}",
            env!("CARGO_BIN_EXE_tracereplay-tui"),
            target.display()
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot export the workload") && err.contains("too large"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "left files behind"
    );

    // A directory that cannot be written, and one that does not exist.
    bin()
        .args(["replay", "sample", "-o", "/proc/tracereplay-test.msgpack"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot create a temporary file in /proc",
        ));
    bin()
        .args(["replay", "sample", "-o", "/nonexistent-dir/w.msgpack"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("/nonexistent-dir")
                .and(predicate::str::contains("does not exist")),
        );
}
