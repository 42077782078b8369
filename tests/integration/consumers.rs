//! Exports read by their consumers' own code (issue 25): Vidur's trace replay generator and
//! inference-perf's Azure trace reader, installed from PyPI (CI installs them, pinned), and our
//! own reader for the Azure LLM layout, so an export round-trips into another replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use crate::util::{bin, real, succeeded};

/// Whether python3 has the consumers' readers (vidur with pandas and scipy, inference-perf)
/// and msgpack.
fn readers_ready() -> bool {
    Command::new("python3")
        .args([
            "-c",
            "import msgpack, importlib.util as u; \
             from vidur.request_generator.trace_replay_request_generator import \
             TraceReplayRequestGenerator; assert u.find_spec('inference_perf')",
        ])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A replay of three models with varied token counts (drawn from the real LLM sample), as
/// `format` into `dir/name`.
fn export(dir: &Path, name: &str, format: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    succeeded(
        bin()
            .args(["replay", "sample", "--start", "1.0.0", "--end", "1.6.0"])
            .args([
                "--distribution",
                "gamma",
                "--models",
                "3",
                "--format",
                format,
            ])
            .arg("--tokens-from")
            .arg(real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"))
            .args(extra)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap(),
    );
    out
}

/// Vidur 0.0.26's `TraceReplayRequestGenerator` (scale factors 1) and inference-perf 0.7.0's
/// `AzurePublicDatasetReader` read our exports of a three-model replay: every request, arrivals
/// to 1 µs, tokens exact, models in their column (`tests/consumers/readers.py`).
#[test]
fn vidur_and_inference_perf_read_our_exports() {
    if !readers_ready() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install vidur, pandas, scipy, inference-perf and msgpack for python3"
        );
        eprintln!("python3 without vidur or inference-perf: skipping the consumer readers");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reference = export(dir.path(), "w.msgpack", "msgpack", &[]);
    let vidur = export(dir.path(), "w_vidur.csv", "vidur", &[]);
    // Another date, as Vidur is told it.
    let vidur_dated = export(
        dir.path(),
        "w_vidur2.csv",
        "vidur",
        &["--wall-clock", "2024-05-10"],
    );
    let azure = export(dir.path(), "w_llm.csv", "azure-llm", &[]);
    let script = crate::util::repo("tests/consumers/readers.py");
    for (vidur, date) in [(&vidur, "2023-08-21"), (&vidur_dated, "2024-05-10")] {
        let run = succeeded(
            Command::new("python3")
                .arg(&script)
                .arg(&reference)
                .arg("--vidur")
                .arg(vidur)
                .arg(date)
                .arg("--azure-llm")
                .arg(&azure)
                .output()
                .unwrap(),
        );
        let said = String::from_utf8_lossy(&run.stdout);
        assert!(
            said.contains("vidur: ") && said.contains("requests agree"),
            "{said}"
        );
        assert!(said.contains("inference-perf: "), "{said}");
    }
}

/// Our reader reads the Azure LLM export back as the same requests of the same models (the
/// `Model` column keys the functions), so an export is a trace for another replay; a trace with
/// a clock of its own (the real LLM sample) keeps its timestamps to the character.
#[test]
fn azure_llm_exports_round_trip_through_our_reader() {
    use tracereplay_tui::ingest::{LoadOptions, load};
    let dir = tempfile::tempdir().unwrap();
    let reference = export(dir.path(), "w.msgpack", "msgpack", &[]);
    let azure = export(dir.path(), "w_llm.csv", "azure-llm", &[]);
    let w: tracereplay_tui::workload::Workload =
        rmp_serde::from_slice(&std::fs::read(&reference).unwrap()).unwrap();
    let back = load(&azure, &LoadOptions::default(), &mut |_, _| {}).unwrap();
    assert_eq!(back.invocations(), w.len() as u64);
    let mut names: Vec<&str> = back.functions.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["gpt0", "gpt1", "gpt2"]);
    for (m, name) in w.models.iter().enumerate() {
        let f = back.functions.iter().find(|f| &f.name == name).unwrap();
        let want: Vec<u32> = (0..w.len())
            .filter(|&i| w.model[i] as usize == m)
            .map(|i| w.input_tokens.as_ref().unwrap()[i])
            .collect();
        assert_eq!(f.tokens.as_ref().unwrap().input, want, "{name}");
    }
    // The real LLM sample, replayed as it is: the same timestamps and tokens, character for
    // character (the source's clock is kept).
    let src = real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let out = dir.path().join("again.csv");
    succeeded(
        bin()
            .arg("replay")
            .arg(&src)
            .args([
                "--models",
                "1",
                "--distribution",
                "vanilla",
                "--format",
                "azure-llm",
                "-o",
            ])
            .arg(&out)
            .output()
            .unwrap(),
    );
    let source = std::fs::read_to_string(&src).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    let strip = |l: &str| {
        l.rsplit_once(',')
            .map_or(l.to_string(), |(head, _)| head.to_string())
    };
    let mut theirs: Vec<String> = source.lines().skip(1).map(String::from).collect();
    let ours: Vec<String> = written.lines().skip(1).map(strip).collect();
    // The sample is in time order but for requests at one time; compare as sets of rows.
    theirs.sort();
    let mut sorted = ours.clone();
    sorted.sort();
    assert_eq!(sorted, theirs);
}

/// The formats that need tokens refuse a trace without them, naming both ways to give them,
/// and write nothing.
#[test]
fn token_formats_refuse_a_trace_without_tokens() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        "vidur",
        "vidur-lengths",
        "azure-llm",
        "splitwise",
        "mooncake",
    ] {
        let out = dir.path().join(format!("w.{format}"));
        let run = bin()
            .args([
                "replay", "sample", "--end", "0.1.0", "--format", format, "-o",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{format}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("--tokens-from") && err.contains("--input-length N --output-length N"),
            "{format}: {err}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{format}"
        );
    }
    // --wall-clock: checked, and only where rows have dates.
    let out = dir.path().join("w.csv");
    for (args, said) in [
        (
            &["--format", "vidur", "--wall-clock", "2023-02-30"][..],
            "is not a date",
        ),
        (
            &["--format", "csv", "--wall-clock", "2023-02-01"][..],
            "vidur and --format azure-llm only",
        ),
    ] {
        let run = bin()
            .args([
                "replay",
                "sample",
                "--input-length",
                "1",
                "--output-length",
                "1",
                "-o",
            ])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1));
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(said), "{err}");
    }
}
