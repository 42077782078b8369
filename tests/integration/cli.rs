//! The command line, end to end: exit codes, output, errors a user can cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use predicates::prelude::*;
use serde_json::Value as Json;

use super::util::{bin, fixture, sparse_csv};

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
    // Without a terminal: the summary, and a line on stderr saying why it is not the explorer.
    bin()
        .assert()
        .success()
        .stdout(predicate::str::contains("embedded synthetic sample"))
        .stderr(predicate::str::contains("the explorer needs a terminal"));
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
            "only gamma and weibull processes have a cv",
        ),
        (
            &["stats", "sample", "--distribution", "lognormal"],
            "invalid value 'lognormal'",
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
    let early: [(&[&str], &str); 14] = [
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
        // Each request was exported twice.
        (
            &["replay", missing, "-o", &out, "--only", "gpt0,gpt1,gpt0"],
            "\"gpt0\" is named twice",
        ),
        (
            &["plot", missing, "-o", &svg, "--models", "2000"],
            "at most 64 panels",
        ),
        // Options the figure does not use were silently ignored.
        (
            &[
                "plot", missing, "-o", &svg, "--figure", "rate", "--bins", "50",
            ],
            "--bins is for --figure histogram",
        ),
        (
            &["plot", missing, "-o", &svg, "--at", "0.1.0"],
            "--at chooses the interval of --figure gaps",
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
    let piped = super::util::succeeded(piped);
    assert_eq!(piped.stdout, std::fs::read(&file).unwrap());
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(err.contains("to standard output (msgpack"), "{err}");
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
    let first = super::util::succeeded(first);
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
    let out = super::util::succeeded(out);
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

    // A file size limit makes the write fail (EFBIG): clear error, no temporary file. SIGXFSZ
    // is left at its default here, which killed the process and left the file (issue 26,
    // item 11): the tool ignores it itself.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("w.msgpack");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; exec {} replay sample --rate-scale 4 -o {}",
            env!("CARGO_BIN_EXE_tracereplay-tui"),
            target.display()
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot write") && err.contains("w.msgpack") && err.contains("too large"),
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

/// Makes a device node in `dir` (root only); `None`, with the reason printed, where this
/// process may not.
#[cfg(unix)]
fn mknod(dir: &Path, name: &str, kind: &str, major: &str, minor: &str) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args([kind, major, minor])
        .output()
        .ok()?;
    if made.status.success() {
        Some(path)
    } else {
        eprintln!(
            "skipped a device-node check: mknod failed: {}",
            String::from_utf8_lossy(&made.stderr).trim()
        );
        None
    }
}

#[cfg(unix)]
fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    path
}

#[cfg(unix)]
fn is_char_device(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device())
}

/// `-o` on something that is not a regular file: devices and FIFOs are written to, never
/// replaced; a symlink's file is replaced and the link stays; a block device is refused.
/// Every node is made here, in a temporary directory: the system's are never touched.
#[cfg(unix)]
#[test]
fn outputs_that_are_not_regular_files_are_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let replay = |out: &Path, extra: &[&str]| {
        bin()
            .args([
                "replay", "sample", "--end", "0.6.0", "--format", "csv", "-o",
            ])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let reference = dir.path().join("reference.csv");
    assert!(replay(&reference, &[]).status.success());
    let expected = std::fs::read(&reference).unwrap();

    // A null device (major 1, minor 3, as /dev/null), with and without --force.
    if let Some(null) = mknod(dir.path(), "null", "c", "1", "3") {
        for extra in [&[][..], &["--force"][..]] {
            let out = replay(&null, extra);
            assert!(out.status.success(), "{out:?}");
            assert!(is_char_device(&null), "the device node was replaced");
        }
        // convert and plot too.
        let conv = bin()
            .args(["convert", "sample", "--to", "native", "--force", "-o"])
            .arg(&null)
            .output()
            .unwrap();
        assert!(conv.status.success(), "{conv:?}");
        assert!(is_char_device(&null));
    }
    // A full device (1, 7): the error says so, the node stays.
    if let Some(full) = mknod(dir.path(), "full", "c", "1", "7") {
        let out = replay(&full, &["--force"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("No space left on device"), "{err}");
        assert!(is_char_device(&full));
    }
    // A block device is refused before any work, and left alone.
    if let Some(disk) = mknod(dir.path(), "disk", "b", "7", "200") {
        let out = replay(&disk, &["--force"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("block device"), "{err}");
        let kind = std::fs::symlink_metadata(&disk).unwrap().file_type();
        assert!(kind.is_block_device());
    }
    // A FIFO gets the same bytes as a file, and stays a FIFO.
    let fifo = mkfifo(dir.path(), "pipe");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = replay(&fifo, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(reader.join().unwrap(), expected);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // A symlink: its file is replaced (with --force), the link stays.
    let real = dir.path().join("real.csv");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    let refused = replay(&link, &[]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read(&real).unwrap(), b"old");
    assert!(replay(&link, &["--force"]).status.success());
    assert!(link.is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), expected);
    // A dangling symlink: the file it names is created.
    let later = dir.path().join("later.csv");
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink("later.csv", &dangling).unwrap();
    assert!(replay(&dangling, &[]).status.success());
    assert!(dangling.is_symlink());
    assert_eq!(std::fs::read(&later).unwrap(), expected);
    // No temporary file anywhere.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A signal during a long export removes the temporary file (it stayed behind, hidden).
#[cfg(unix)]
#[test]
fn a_signal_during_an_export_leaves_no_partial_file() {
    // Every signal whose default action ends the process (issue 26, item 11: SIGQUIT to
    // SIGPROF left the file behind).
    for (signal, code) in [
        ("TERM", 143),
        ("INT", 130),
        ("HUP", 129),
        ("QUIT", 131),
        ("USR1", 138),
        ("USR2", 140),
        ("ALRM", 142),
        ("XCPU", 152),
        ("VTALRM", 154),
        ("PROF", 155),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("w.csv");
        // 60,000 invocations replicated 400 times: a CSV of about a gigabyte, seconds to write.
        let mut child = bin()
            .args(["replay", "sample", "--distribution", "vanilla"])
            .args(["--replication", "400", "--format", "csv", "-o"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let partial = loop {
            let found = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with(".partial"));
            if let Some(p) = found {
                break p;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "no temporary file appeared"
            );
            assert!(child.try_wait().unwrap().is_none(), "finished too early");
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let done = child.wait_with_output().unwrap();
        assert_eq!(done.status.code(), Some(code), "SIG{signal}");
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(err.contains(&format!("stopped by SIG{signal}")), "{err}");
        assert!(!partial.exists(), "SIG{signal} left {}", partial.display());
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

/// Functions whose names come out the same (`app/func` joins of different pairs, commas inside
/// quoted fields, keys differing only in invalid UTF-8) stay distinct through `convert --to
/// pickle`, whose keys are names: they were merged while 3 functions were reported.
#[test]
fn functions_with_colliding_names_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("collide.csv");
    let mut text = b"app,func,end_timestamp,duration\n\"a/b\",c,10,1\na,\"b/c\",20,1\n\
                    \"a,b\",c,30,1\na,\"b,c\",40,1\n"
        .to_vec();
    text.extend_from_slice(b"x\xff,f,50,1\nx\xfe,f,60,1\n");
    std::fs::write(&csv, text).unwrap();
    let pkl = dir.path().join("collide.pkl");
    let out = bin()
        .arg("convert")
        .arg(&csv)
        .args(["--to", "pickle", "-o"])
        .arg(&pkl)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 function(s) had the name of an earlier"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 functions"));
    // Read back: six functions of one invocation each, six names.
    let back = tracereplay_tui::ingest::load(&pkl, &Default::default(), &mut |_, _| {}).unwrap();
    let mut names: Vec<&str> = back.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(back.invocations(), 6);
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 6, "{names:?}");
}

/// The binary, killed after a minute: for inputs that could block.
fn timed() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("tracereplay-tui").unwrap();
    c.timeout(std::time::Duration::from_secs(60));
    c
}

/// Inputs that can be read once: standard input as `-`, a FIFO, a device. Each is read once
/// into the parser (a FIFO was opened three times and blocked; `/dev/stdin` was read after its
/// first bytes had gone), and a stream of zeros is refused by its first bytes.
#[cfg(unix)]
#[test]
fn traces_from_pipes_fifos_and_devices() {
    use std::io::Write;
    let pkl = fixture(REPLAY);
    let csv = fixture("realdata/azure-functions-2021-head/Azure2021_200.csv");
    // The summary without its first line, which names the input.
    let body = |out: &std::process::Output| {
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
    };
    for file in [Path::new(&pkl), Path::new(&csv)] {
        let bytes = std::fs::read(file).unwrap();
        let from_file = body(&bin().arg("inspect").arg(file).output().unwrap());
        // `-`: standard input.
        let mut child = bin()
            .args(["inspect", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("trace        standard input"));
        assert_eq!(body(&out), from_file, "{}", file.display());
        // A FIFO, with a writer that comes later.
        let dir = tempfile::tempdir().unwrap();
        let fifo = mkfifo(dir.path(), "trace");
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || std::fs::write(fifo, bytes))
        };
        let out = timed().arg("inspect").arg(&fifo).output().unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(body(&out), from_file, "{}", file.display());
    }
    // An endless stream of zeros: refused by its first bytes whatever the format asked for.
    let dir = tempfile::tempdir().unwrap();
    let zero = mknod(dir.path(), "zero", "c", "1", "5").unwrap_or_else(|| "/dev/zero".into());
    for (format, says) in [
        (
            "native",
            "is not a file written by `tracereplay-tui convert`",
        ),
        ("pickle", "is not an AlpaServe pickle"),
    ] {
        let out = timed()
            .arg("inspect")
            .arg(&zero)
            .args(["--input-format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    // `-` with the terminal as standard input is explained, not waited on: checked by hand
    // (a test has no terminal); `sample` is the embedded sample.
    assert!(
        bin()
            .args(["inspect", "sample"])
            .output()
            .unwrap()
            .status
            .success()
    );
}

/// Extensions name the format in any case, an unknown one is refused before any work, and
/// CSV floats stay floats (`1.0`: pandas read the SLO column `1` as int64).
#[test]
fn export_formats_by_extension_and_csv_floats() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        bin()
            .args(["replay", "sample", "--end", "0.6.0", "--slo", "1", "-o"])
            .arg(dir.path().join(name))
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(run("w.CSV", &[]).status.success());
    let csv = std::fs::read_to_string(dir.path().join("w.CSV")).unwrap();
    assert!(csv.starts_with("# tracereplay-workload"));
    let first = csv.lines().nth(3).unwrap();
    assert!(first.ends_with(",1.0"), "{first}");
    assert!(run("w.JSON", &[]).status.success());
    assert!(
        std::fs::read(dir.path().join("w.JSON"))
            .unwrap()
            .starts_with(b"{")
    );
    let refused = run("w.txt", &[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains(".txt names no workload format"), "{err}");
    assert!(!dir.path().join("w.txt").exists());
    assert!(run("w.txt", &["--format", "json"]).status.success());
    // Read back with Python's csv module semantics: every arrival and SLO has a decimal point
    // or an exponent, so no column reads as integers.
    for line in csv.lines().skip(3) {
        let f: Vec<&str> = line.split(',').collect();
        for v in [f[1], f[3]] {
            assert!(v.contains(['.', 'e']), "{line}");
        }
    }
}

/// File-derived text reaches the terminal with its control characters escaped: a function
/// named `\e]2;PWNED\a\e[2J` set the terminal's title and cleared it.
#[test]
fn names_from_files_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil.csv");
    std::fs::write(
        &csv,
        "app,func,end_timestamp,duration\n\"\x1b]2;PWNED\x07\x1b[2J\",f,10,1\nb,g,x\x1b[2J,1\n",
    )
    .unwrap();
    for args in [
        vec![
            "inspect".to_string(),
            csv.display().to_string(),
            "--skip-bad-rows".into(),
        ],
        vec![
            "stats".into(),
            csv.display().to_string(),
            "--models".into(),
            "1".into(),
            "--skip-bad-rows".into(),
        ],
        vec!["inspect".into(), csv.display().to_string()],
    ] {
        let out = bin().args(&args).output().unwrap();
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.contains('\x1b') && !text.contains('\x07'),
                "{args:?}: {text}"
            );
        }
    }
    let shown = bin()
        .arg("inspect")
        .arg(&csv)
        .arg("--skip-bad-rows")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("\\u{1b}]2;PWNED"));
}

/// Error messages as a new user meets them: each names the file once, quotes at most a short,
/// escaped piece of the input, says "empty" for an empty field, and a mistyped command is
/// suggested rather than read as a file.
#[test]
fn error_messages_are_short_and_say_things_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = |args: &[&std::ffi::OsStr]| {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let os = std::ffi::OsStr::new;
    let e = err(&[os("stat"), os("sample")]);
    assert!(e.contains("did you mean the command `stats`"), "{e}");
    let missing = dir.path().join("missing.pkl");
    let e = err(&[os("inspect"), missing.as_os_str()]);
    assert_eq!(e.matches("missing.pkl").count(), 1, "{e}");
    // A 500 KB field is quoted in 80 characters (a longer record is refused as not a trace).
    let big = dir.path().join("big.csv");
    let mut text = String::from("ts\n");
    text.push_str(&"7x".repeat(250_000));
    text.push('\n');
    std::fs::write(&big, text).unwrap();
    let e = err(&[
        os("inspect"),
        big.as_os_str(),
        os("--time-column"),
        os("ts"),
    ]);
    assert!(
        e.len() < 600,
        "{} bytes: {}",
        e.len(),
        &e[..600.min(e.len())]
    );
    assert!(e.contains("(500000 characters)"), "{e}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "ts,k\n,a\n").unwrap();
    let e = err(&[
        os("inspect"),
        empty.as_os_str(),
        os("--time-column"),
        os("ts"),
    ]);
    assert!(e.contains("the field is empty"), "{e}");
    assert!(!e.contains("\"\" is not"), "{e}");
    // A failed write names the file once.
    if let Some(full) = mknod(dir.path(), "full", "c", "1", "7") {
        for cmd in [["convert", "sample"], ["replay", "sample"]] {
            let e = err(&[os(cmd[0]), os(cmd[1]), os("-o"), full.as_os_str()]);
            assert_eq!(e.matches("full").count(), 1, "{e}");
        }
    }
}

/// An interval with one invocation has no gap to fit and stays silent, as in the original:
/// `stats` says how many trace invocations that lost, per model and in all (a replay of
/// 20,000 invocations over 5,000 models made 604 arrivals without a word).
#[test]
fn invocations_lost_to_sparse_intervals_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    // f0..f3: one invocation each, in different 600 s intervals; f4: three in one interval.
    let csv = sparse_csv(dir.path());
    let run = |json: bool| {
        let mut c = bin();
        c.arg("stats").arg(&csv);
        c.args(["--time-column", "t", "--key-column", "fn", "--models", "5"]);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = run(true);
    assert!(out.status.success(), "{out:?}");
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    let lost: Vec<u64> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sparse_invocations"].as_u64().unwrap())
        .collect();
    // Stripe mapping: model k has function k.
    assert_eq!(lost, vec![1, 1, 1, 1, 0]);
    let text = String::from_utf8_lossy(&run(false).stdout).into_owned();
    assert!(
        text.contains("note: 4 of 7 trace invocations (57.1 %) fell in intervals too sparse"),
        "{text}"
    );
}

/// Exports that need token counts take them from --tokens-from; a source without any, and a
/// format that needs them without a source, are refused and nothing is written.
#[test]
fn token_sources_for_exports() {
    let dir = tempfile::tempdir().unwrap();
    let llm = fixture("realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let out = dir.path().join("w.jsonl");
    let run = |extra: &[&str]| {
        bin()
            .args(["replay", "sample", "--end", "0.2.0", "-o"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--tokens-from TRACE") && err.contains("--input-length"),
        "{err}"
    );
    assert!(!out.exists());
    let none = run(&["--tokens-from", &fixture(REPLAY)]);
    assert_eq!(none.status.code(), Some(1));
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(err.contains("has no token counts to draw from"), "{err}");
    assert!(!out.exists());
    assert!(
        run(&["--tokens-from", &llm, "--tokens-by-hour"])
            .status
            .success()
    );
    let first = std::fs::read_to_string(&out).unwrap();
    let line: Json = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert!(line["input_length"].as_u64().unwrap() > 0);
    // The same seed draws the same tokens.
    assert!(
        run(&["--tokens-from", &llm, "--tokens-by-hour", "--force"])
            .status
            .success()
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

/// Formats that cannot hold our parameters get FILE.params.json beside them, and
/// `replay --params FILE.params.json -o OUT` makes the same export again, byte for byte, from
/// another directory (the trace was given by a relative path).
#[test]
fn params_files_recreate_every_export() {
    let work = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
        work.path().join("llm.csv"),
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for (fmt, extra) in [
        ("mooncake", &["--block-size", "64"][..]),
        ("invitro", &["--duration", "0.5"][..]),
        ("vidur", &[][..]),
        ("splitwise", &["--distribution", "gamma", "--seed", "7"][..]),
    ] {
        let out = work.path().join(format!("w.{fmt}"));
        let made = bin()
            .current_dir(work.path())
            .args([
                "replay", "llm.csv", "--models", "1", "--end", "0.0.30", "--format", fmt,
            ])
            .args(extra)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(made.status.success(), "{fmt}: {made:?}");
        let params = work.path().join(format!("w.{fmt}.params.json"));
        let doc: Json = serde_json::from_str(&std::fs::read_to_string(&params).unwrap()).unwrap();
        assert_eq!(doc["workload"]["models"][0], "gpt0");
        let again = elsewhere.path().join(format!("again.{fmt}"));
        let redone = bin()
            .current_dir(elsewhere.path())
            .arg("replay")
            .arg("--params")
            .arg(&params)
            .arg("-o")
            .arg(&again)
            .output()
            .unwrap();
        assert!(redone.status.success(), "{fmt}: {redone:?}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&again).unwrap(),
            "{fmt}"
        );
    }
    // Our own formats carry their parameters inside: no file beside them.
    let own = work.path().join("w.msgpack");
    assert!(
        bin()
            .args(["replay", "sample", "--end", "0.1.0", "-o"])
            .arg(&own)
            .status()
            .unwrap()
            .success()
    );
    assert!(!work.path().join("w.msgpack.params.json").exists());
}

/// `--spread none` (the default) changes nothing: the export is byte-identical to one made
/// without the option, its parameters included.
#[test]
fn spread_none_is_the_replay_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let r = bin()
            .args([
                "replay",
                "sample",
                "--distribution",
                "vanilla",
                "--end",
                "0.3.0",
                "-o",
            ])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(r.status.success(), "{r:?}");
        std::fs::read(out).unwrap()
    };
    assert_eq!(
        run("a.msgpack", &[]),
        run("b.msgpack", &["--spread", "none"])
    );
    assert_ne!(run("a.json", &[]), run("c.json", &["--spread", "uniform"]));
}

/// A 58-minute LLM trace is its own length, not a padded day: the window runs to just past its
/// last request and the rate is per second of that (0.224 req/s over a day before; here
/// 5.5 req/s). The span is computed here from the CSV's first and last timestamps with a plain
/// split. `--end` takes durations; a D.H.M end past the span says how long the trace lasts.
#[test]
fn short_traces_are_their_own_length() {
    let path = fixture("realdata/azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let secs = |ts: &str| -> f64 {
        // "2023-11-16 18:15:46.6805900": seconds of the day.
        let clock = ts.split(' ').nth(1).unwrap();
        let p: Vec<f64> = clock.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    let stamps: Vec<f64> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| secs(l.split(',').next().unwrap()))
        .collect();
    let first = stamps.iter().copied().fold(f64::INFINITY, f64::min);
    let last = stamps.iter().copied().fold(0.0, f64::max);
    let span = (last - first).floor() as u64 + 1;
    assert!((58 * 60..60 * 60).contains(&span), "{span}");
    let out = bin()
        .args([
            "stats",
            &path,
            "--models",
            "1",
            "--distribution",
            "vanilla",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["window"]["end"], span);
    assert_eq!(v["trace"]["span_seconds"], span);
    let rate = v["models"][0]["rate"].as_f64().unwrap();
    assert!(
        (rate - stamps.len() as f64 / span as f64).abs() < 0.01,
        "{rate}"
    );
    assert!((5.4..5.6).contains(&rate), "{rate}");
    let text = bin()
        .args(["stats", &path, "--models", "1", "--distribution", "vanilla"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("v2, 58 min"));
    // Durations for --end; D.H.M past the span is explained.
    let half = bin()
        .args(["stats", &path, "--models", "1", "--end", "30m", "--json"])
        .output()
        .unwrap();
    let v: Json = serde_json::from_slice(&half.stdout).unwrap();
    assert_eq!(v["window"]["end"], 1800);
    let past = bin()
        .args(["stats", &path, "--models", "1", "--end", "0.1.0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&past.stderr);
    assert!(err.contains("the trace lasts 58 min"), "{err}");
}

/// InVitro exports of an Azure Functions 2021 trace replayed vanilla keep each invocation's
/// own run time: the export's (start, duration) pairs are the source file's (read here with a
/// plain split), to the microsecond. Fitted replays use --duration and say so.
#[test]
fn invitro_exports_keep_the_source_run_times() {
    let src = fixture("realdata/azure-functions-2021-head/Azure2021_200.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inv.csv");
    let run = bin()
        .args(["replay", &src, "--models", "1", "--distribution", "vanilla"])
        .args(["--format", "invitro", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let pairs = |text: &str, end: usize, dur: usize| -> Vec<(i64, i64)> {
        let mut v: Vec<(i64, i64)> = text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let (e, d): (f64, f64) = (f[end].parse().unwrap(), f[dur].parse().unwrap());
                (((e - d) * 1e6).round() as i64, (d * 1e6).round() as i64)
            })
            .collect();
        v.sort_unstable();
        v
    };
    let want = pairs(&std::fs::read_to_string(&src).unwrap(), 2, 3);
    let got = pairs(&std::fs::read_to_string(&out).unwrap(), 2, 3);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((g.0 - w.0).abs() <= 1 && g.1 == w.1, "{g:?} vs {w:?}");
    }
    let fitted = bin()
        .args(["replay", &src, "--models", "1", "--format", "invitro", "-o"])
        .arg(dir.path().join("fit.csv"))
        .output()
        .unwrap();
    assert!(fitted.status.success());
    assert!(String::from_utf8_lossy(&fitted.stderr).contains("every request runs 1.0 s"));
}

/// Provenance goes beside files only: a Mooncake export to a device or FIFO writes no
/// `.params.json` next to the node (`-o /dev/null` would have created /dev/null.params.json).
#[cfg(unix)]
#[test]
fn no_params_file_beside_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let Some(null) = mknod(dir.path(), "null", "c", "1", "3") else {
        return;
    };
    let out = bin()
        .args(["replay", "sample", "--end", "0.1.0", "--format", "mooncake"])
        .args(["--input-length", "10", "--output-length", "2", "-o"])
        .arg(&null)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["null".to_string()]);
}

/// Issue 28: the CLI's defaults follow the explorer's (the default five models cut to an LLM
/// trace's one function, with a note), and `inspect` names the format in plain words, the
/// trace's own start, its tokens and its prefix blocks.
#[test]
fn a_new_user_gets_defaults_that_work_and_formats_named() {
    let mooncake = super::util::real("mooncake/synthetic_trace.jsonl");
    let llm = super::util::real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    for trace in [&mooncake, &llm] {
        let out = super::util::succeeded(bin().arg("stats").arg(trace).output().unwrap());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("note: models set to 1 (gpt0)"), "{err}");
    }
    // Named models are the user's: refused with the numbers, not cut.
    let out = bin()
        .arg("stats")
        .arg(&mooncake)
        .args(["--models", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use at most 1 model"));
    let text = |p: &std::path::Path| {
        let out = super::util::succeeded(bin().arg("inspect").arg(p).output().unwrap());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let m = text(&mooncake);
    assert!(m.contains("format       Mooncake JSONL"), "{m}");
    assert!(m.contains("prefix       121877 hash ids"), "{m}");
    assert!(m.contains("tokens       input p50/p90/p99"), "{m}");
    assert!(!m.contains("azure_v2 layout"), "{m}");
    let l = text(&llm);
    assert!(
        l.contains("format       Azure LLM inference trace (CSV)"),
        "{l}"
    );
    assert!(
        l.contains("start        2023-11-16 18:15:46.6805900 UTC"),
        "{l}"
    );
    // A 2019 file or directory: the days and the minutes of each day it held.
    let slice = text(&super::util::real(
        "azure-functions-2019-invitro-100/invocations.csv",
    ));
    assert!(
        slice.contains("d01 (1 day file); minutes 481–960 of each day"),
        "{slice}"
    );
    let json = super::util::succeeded(
        bin()
            .arg("inspect")
            .arg(&llm)
            .arg("--json")
            .output()
            .unwrap(),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["format"], "Azure LLM inference trace (CSV)");
    assert_eq!(v["tokens"]["input"]["p50"], 1020);
}
