//! Issue 27: fitted replays keep their trace's volume (the count estimator, processes started in
//! equilibrium); the original's estimator stays, bit for bit, as `--estimator alpaserve`; `stats`
//! shows the trace beside the replay and says when they differ by more than sampling noise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tracereplay_tui::ingest::{LoadOptions, load};
use tracereplay_tui::replay::{Distribution, Estimator, ReplayParams, replay};
use tracereplay_tui::trace::Trace;

use crate::util::{bin, real, succeeded};

fn mean_arrivals(trace: &Trace, models: usize, d: Distribution, e: Estimator) -> (f64, u64) {
    let mut total = 0usize;
    let mut traced = 0;
    for seed in 1..=10 {
        let p = ReplayParams {
            models: tracereplay_tui::mapping::default_model_names(models),
            distribution: d,
            estimator: e,
            seed,
            ..ReplayParams::default()
        };
        let r = replay(trace, &p).unwrap();
        total += r.models.iter().map(|m| m.arrivals.len()).sum::<usize>();
        traced = r.models.iter().map(|m| m.trace_count).sum();
    }
    (total as f64 / 10.0, traced)
}

/// On public traces held out from the design (the Azure LLM and Mooncake samples) and the
/// AlpaServe-layout sample, the mean of 10 seeds of each fitted distribution lies within 2.5 %
/// of the trace window's count.
#[test]
fn fitted_replays_keep_the_trace_volume() {
    let opts = LoadOptions::default();
    let traces = [
        (
            load(
                &real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
                &opts,
                &mut |_, _| {},
            )
            .unwrap(),
            1,
        ),
        (
            load(
                &real("mooncake/synthetic_trace.jsonl"),
                &opts,
                &mut |_, _| {},
            )
            .unwrap(),
            1,
        ),
        (
            Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap(),
            5,
        ),
    ];
    for (trace, models) in &traces {
        for d in [
            Distribution::Exponential,
            Distribution::Gamma,
            Distribution::Weibull,
        ] {
            let (mean, count) = mean_arrivals(trace, *models, d, Estimator::Count);
            let off = mean / count as f64 - 1.0;
            assert!(
                off.abs() < 0.025,
                "{} {d}: {mean} for {count} ({off:+.3})",
                trace.source
            );
        }
    }
    // The original's estimator on the bursty sample, five models: well above the trace.
    let (mean, count) = mean_arrivals(&traces[2].0, 5, Distribution::Gamma, Estimator::Alpaserve);
    assert!(mean / count as f64 > 1.05, "{mean} for {count}");
}

/// `stats` shows the trace window's count, rate and cv beside each model's and the group's, and
/// the volume against it; a replay off by more than sampling noise is named (the original's
/// estimator on the bursty sample); the group's rate under --time-scale is the models' rate.
#[test]
fn stats_shows_the_trace_beside_the_replay() {
    let run = |extra: &[&str]| {
        let out = succeeded(
            bin()
                .args(["stats", "sample", "--end", "1.0.0", "--json"])
                .args(extra)
                .output()
                .unwrap(),
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = run(&["--distribution", "gamma", "--estimator", "alpaserve"]);
    let gpt1 = &v["models"][1];
    assert_eq!(gpt1["trace"]["invocations"], gpt1["trace_invocations"]);
    let traced = gpt1["trace"]["invocations"].as_f64().unwrap();
    assert!((gpt1["trace"]["rate"].as_f64().unwrap() - traced / 86400.0).abs() < 1e-12);
    assert!(gpt1["trace"]["cv"].as_f64().unwrap() > 1.5);
    let pct = gpt1["trace"]["volume_percent"].as_f64().unwrap();
    assert!((pct - gpt1["arrivals"].as_f64().unwrap() / traced * 100.0).abs() < 1e-9);
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("gpt1's replay") && n.contains("--estimator count")),
        "{notes:?}"
    );
    // The default keeps the volume: no note.
    let v = run(&["--distribution", "gamma"]);
    assert!(v["notes"].as_array().unwrap().is_empty(), "{}", v["notes"]);
    // Vanilla: the replay is the trace.
    let v = run(&["--distribution", "vanilla"]);
    assert_eq!(v["group"]["trace"]["volume_percent"], 100.0);
    assert_eq!(v["group"]["trace"]["cv"], v["group"]["cv"]);
    // Under --time-scale 2 the group's rate is the sum of the models' (it was half of it); the
    // original's line keeps its figure.
    let v = run(&["--distribution", "vanilla", "--time-scale", "2"]);
    let sum: f64 = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rate"].as_f64().unwrap())
        .sum();
    let group = v["group"]["rate"].as_f64().unwrap();
    assert!((group - sum).abs() < 1e-9 * sum, "{group} vs {sum}");
    let arrivals = v["group"]["arrivals"].as_f64().unwrap();
    let original = format!("Overall cluster rate: {:.2},", arrivals / 86400.0);
    assert!(
        v["group"]["report"].as_str().unwrap().contains(&original),
        "{}",
        v["group"]["report"]
    );
    // The text table has the columns.
    let text = succeeded(
        bin()
            .args(["stats", "sample", "--end", "1.0.0"])
            .output()
            .unwrap(),
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("vs trace") && text.contains("trace cv"),
        "{text}"
    );
    // A name that is no estimator lists the choices.
    let bad = bin()
        .args(["stats", "sample", "--estimator", "mle"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("count") && err.contains("alpaserve"), "{err}");
}

/// A params file written before `--estimator` existed re-creates its export with the original's
/// estimator, which made it.
#[test]
fn old_params_files_keep_the_original_estimator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.jsonl");
    let mk = |extra: &[&str], out: &std::path::Path| {
        succeeded(
            bin()
                .args([
                    "replay",
                    "sample",
                    "--end",
                    "0.2.0",
                    "--distribution",
                    "gamma",
                ])
                .args(["--input-length", "8", "--output-length", "2"])
                .args(extra)
                .arg("-o")
                .arg(out)
                .output()
                .unwrap(),
        );
    };
    mk(&["--estimator", "alpaserve"], &out);
    let params = dir.path().join("w.jsonl.params.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&params).unwrap()).unwrap();
    // As such a file was: no --estimator in its command.
    let cmd: Vec<serde_json::Value> = doc["command"].as_array().unwrap().clone();
    let mut old = Vec::new();
    let mut skip = false;
    for c in cmd {
        if skip {
            skip = false;
            continue;
        }
        if c == "--estimator" {
            skip = true;
            continue;
        }
        old.push(c);
    }
    doc["command"] = serde_json::Value::Array(old);
    std::fs::write(&params, doc.to_string()).unwrap();
    let again = dir.path().join("again.jsonl");
    succeeded(
        bin()
            .arg("replay")
            .arg("--params")
            .arg(&params)
            .arg("-o")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&out).unwrap());
    // The default now differs from it.
    let new = dir.path().join("new.jsonl");
    mk(&[], &new);
    assert_ne!(std::fs::read(&new).unwrap(), std::fs::read(&out).unwrap());
}

/// Weibull on a per-minute (v1) trace says why not, as pareto does.
#[test]
fn weibull_on_a_v1_trace_says_why_not() {
    let v1 = crate::util::fixture("pickle/v1_full14d__np2.4.6__p5.pkl");
    let out = bin()
        .args(["stats", &v1, "--distribution", "weibull", "--end", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("weibull needs inter-arrival gaps"), "{err}");
}
