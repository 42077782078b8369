//! Parity with the original AlpaServe implementation, on the outputs it computed itself
//! (`tests/fixtures/oracle/`, see its README). Run with `--nocapture` to see how many values
//! were compared and the worst relative error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value as Json;
use tracereplay_tui::estimate::{GammaFit, exponential_rate, gamma_mle, pareto_shape};
use tracereplay_tui::replay::{Distribution, Process, ReplayParams, replay};
use tracereplay_tui::trace::Trace;

const REL: f64 = 1e-9;

/// (values compared, worst relative error) over the whole test binary.
static TALLY: Mutex<(usize, f64)> = Mutex::new((0, 0.0));

fn close(what: &str, got: f64, want: f64) {
    let rel = if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    };
    assert!(rel <= REL, "{what}: got {got}, want {want} (rel {rel:e})");
    let mut t = TALLY.lock().unwrap();
    t.0 += 1;
    t.1 = t.1.max(rel);
}

fn report(test: &str) {
    let t = TALLY.lock().unwrap();
    eprintln!(
        "[{test}] running tally: {} values compared, worst relative error {:e}",
        t.0, t.1
    );
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_json(name: &str) -> Json {
    serde_json::from_slice(&std::fs::read(fixtures().join("oracle").join(name)).unwrap()).unwrap()
}

fn trace(pickle: &str) -> Trace {
    let bytes = std::fs::read(fixtures().join("pickle").join(pickle)).unwrap();
    Trace::from_pickle(&bytes, pickle, None).unwrap()
}

fn params(p: &Json) -> tracereplay_tui::Result<ReplayParams> {
    Ok(ReplayParams {
        models: p["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect(),
        mapping: p["model_mapping_strategy"].as_str().unwrap().parse()?,
        start: p["start_time"].as_str().unwrap().into(),
        end: Some(p["end_time"].as_str().unwrap().into()),
        distribution: p["arrival_distribution"].as_str().unwrap().parse()?,
        interval_seconds: p["interval_seconds"].as_f64().unwrap(),
        rate_scale: p["rate_scale_factor"].as_f64().unwrap(),
        cv_scale: p["cv_scale_factor"].as_f64().unwrap(),
        time_scale: p["time_scale_factor"].as_f64().unwrap(),
        replication: p["replication_factor"].as_u64().unwrap() as u32,
        seed: p["seed"].as_u64().unwrap(),
        // The original's rate estimator, which these outputs were made with.
        estimator: tracereplay_tui::replay::Estimator::Alpaserve,
        ..ReplayParams::default()
    })
}

fn runs() -> Vec<(String, Json)> {
    read_json("index.json")["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = r["file"].as_str().unwrap().to_string();
            let run = read_json(&file);
            (file, run)
        })
        .collect()
}

#[test]
fn every_oracle_run_matches() {
    let runs = runs();
    assert_eq!(runs.len(), 10);
    for (file, run) in runs {
        let trace = trace(
            run["trace"]["pickle"]
                .as_str()
                .unwrap_or_else(|| run["trace"]["file"].as_str().unwrap()),
        );
        let p = params(&run["params"]).unwrap();
        let r = replay(&trace, &p).unwrap_or_else(|e| panic!("{file}: {e}"));

        // Mapping: exact.
        let want: Vec<(String, String)> = run["function_model_mapping"]
            .as_array()
            .unwrap()
            .iter()
            .map(|fm| {
                (
                    fm[0].as_str().unwrap().into(),
                    fm[1].as_str().unwrap().into(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = r
            .mapping
            .iter()
            .map(|(f, m)| (f.clone(), p.models[*m].clone()))
            .collect();
        assert_eq!(got, want, "{file}: mapping");
        let w = &run["window_seconds"];
        assert_eq!(
            (r.window.start, r.window.end),
            (w[0].as_u64().unwrap(), w[1].as_u64().unwrap())
        );

        for m in &r.models {
            let want = &run["models"][&m.model];
            let what = |x: &str| format!("{file}: {}: {x}", m.model);
            assert!(
                m.arrivals
                    .iter()
                    .all(|&t| t >= r.window.start as f64 && t < r.window.end as f64),
                "{}",
                what("inside the window")
            );
            assert!(m.arrivals.is_sorted(), "{}", what("sorted"));
            if p.distribution == Distribution::Vanilla {
                // Vanilla: arrivals bit-exact, statistics and report text identical.
                let arr: Vec<f64> = want["arrivals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                assert_eq!(m.arrivals.len(), arr.len(), "{}", what("#arrivals"));
                for (a, b) in m.arrivals.iter().zip(&arr) {
                    assert_eq!(a.to_bits(), b.to_bits(), "{}", what("arrival bits"));
                }
                TALLY.lock().unwrap().0 += arr.len();
                close(&what("rate"), m.rate, want["rate"].as_f64().unwrap());
                close(&what("cv"), m.cv, want["cv"].as_f64().unwrap());
                assert_eq!(
                    tracereplay_tui::report::report_stats_line(&r, m),
                    want["report_stats_text"].as_str().unwrap(),
                    "{}",
                    what("report_stats")
                );
            } else {
                check_fitted(&file, &run, &r.params, m);
            }
        }
        if p.distribution == Distribution::Vanilla {
            assert_eq!(
                tracereplay_tui::report::group_stats_line(&r),
                run["group_stats_text"].as_str().unwrap()
            );
        }
    }
    report("every_oracle_run_matches");
}

fn check_fitted(
    file: &str,
    run: &Json,
    p: &ReplayParams,
    m: &tracereplay_tui::replay::ModelReplay,
) {
    let fitted = run["fitted_processes"][&m.model].as_array().unwrap();
    let inputs = run["interval_inputs"][&m.model].as_array().unwrap();
    assert_eq!(
        m.intervals.len(),
        fitted.len(),
        "{file}: {}: #intervals",
        m.model
    );
    for (i, (iv, (want, input))) in m
        .intervals
        .iter()
        .zip(fitted.iter().zip(inputs))
        .enumerate()
    {
        let what = |x: &str| format!("{file}: {} interval {i}: {x}", m.model);
        let n_in = input
            .get("n_arrivals")
            .or_else(|| input.get("count"))
            .unwrap()
            .as_u64()
            .unwrap();
        assert_eq!(iv.trace_count, n_in, "{}", what("trace count"));
        match (iv.process, want) {
            (None, Json::Null) => {}
            // Deviation: constant gaps (timer functions) are a deterministic process, not silence.
            (Some(Process::Deterministic { rate }), Json::Null) => {
                assert!(
                    input["gamma_fit_error"].is_string(),
                    "{}",
                    what("deterministic only where scipy fails")
                );
                close(
                    &what("deterministic rate"),
                    rate,
                    input["mle_rate_exponential"].as_f64().unwrap() * p.rate_scale,
                );
            }
            (Some(Process::Pareto { shape, .. }), w) => {
                // Deviation: the original reports (1.0, 1.0); the fitted shape is what must match.
                close(&what("pareto shape"), shape, w["shape"].as_f64().unwrap());
            }
            (Some(proc_), w) => {
                let params = w["params"].as_array().unwrap();
                close(
                    &what("rate"),
                    proc_.rate().unwrap(),
                    params[0].as_f64().unwrap(),
                );
                close(
                    &what("cv"),
                    proc_.cv().unwrap(),
                    params[1].as_f64().unwrap(),
                );
                if let Some(reset) = input.get("reset_to_empirical") {
                    assert_eq!(
                        iv.reset_to_empirical,
                        reset.as_bool().unwrap(),
                        "{}",
                        what("reset")
                    );
                }
            }
            (None, w) => panic!("{}: silent, but the original fitted {w}", what("process")),
        }
        // Sampled counts must be consistent with the fitted rate.
        let count = m
            .arrivals
            .iter()
            .filter(|&&t| t >= iv.start && t < iv.end)
            .count() as f64;
        match iv.process {
            Some(Process::Pareto { .. }) | None => {}
            Some(Process::Deterministic { rate }) => {
                let expect = (iv.end - iv.start) * rate;
                assert!(
                    (count - expect).abs() <= 1.0,
                    "{}",
                    what("deterministic count")
                );
            }
            Some(proc_) => {
                let mean = proc_.rate().unwrap() * (iv.end - iv.start);
                let sd = mean.sqrt() * proc_.cv().unwrap().max(1.0);
                assert!(
                    (count - mean).abs() <= 5.0 * sd + 3.0,
                    "{}: {count} vs {mean} ± {sd}",
                    what("count")
                );
            }
        }
    }
}

#[test]
fn partial_last_interval_stops_at_the_window_end() {
    let run = read_json("v2_exponential_7000_partial_last_interval.json");
    let spilled = run["models"]["m0"]["sampled"]["n_at_or_after_window_end"]
        .as_u64()
        .unwrap();
    assert!(spilled > 0, "the original spills past the window end");
    let r = replay(
        &trace("v2_replay__np1.26.4__p4.pkl"),
        &params(&run["params"]).unwrap(),
    )
    .unwrap();
    let last = r.models[0].intervals.last().unwrap();
    assert_eq!((last.start, last.end), (14000.0, 18000.0));
    for m in &r.models {
        assert!(m.arrivals.iter().all(|&t| t < 18000.0), "{}", m.model);
    }
}

#[test]
fn original_errors_are_clear_errors_here() {
    let cases = read_json("errors.json");
    let expect = |case: &str| match case {
        "more models than non-empty functions" => "7 functions with invocations but 8 models",
        "v1 vanilla" => "cannot be replayed vanilla",
        "v1 interval not a multiple of 60" => "multiple of 60",
        "cv scale with exponential" => "only gamma and weibull processes have a cv",
        "time scale with gamma" => "time scaling only applies to a vanilla replay",
        "replication with exponential" => "only a vanilla replay of a v2 trace can be replicated",
        // Deviation: the original only warns (and does not reset).
        "replication 0 with vanilla (only a warning)" => "must be at least 1",
        "end day 14" => "past the trace's end",
        "hour 24" => "must be below 24",
        "minute 61" => "must be at most 60",
        "two-part time string" => "expected DAY.HOUR.MINUTE",
        "start after end on the same day" => "the window is empty",
        // Weibull, which the original refused, is a distribution here (issue 27).
        "unknown distribution" => "",
        "unknown mapping" => "\"random\" is not a mapping strategy",
        "time scale larger than the window" => {
            "compresses the 600 s window to less than one second"
        }
        "window with no arrivals at all (day 3)" => "start day 3 is outside the trace",
        other => panic!("no expectation for case {other:?}"),
    };
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let result = params(&case["params"])
            .and_then(|p| replay(&trace(case["pickle"].as_str().unwrap()), &p));
        if expect(name).is_empty() {
            let r = result.expect(name);
            assert_eq!(r.params.distribution, Distribution::Weibull);
            assert!(r.models.iter().any(|m| !m.arrivals.is_empty()));
            continue;
        }
        let err = result.expect_err(name).to_string();
        assert!(err.contains(expect(name)), "{name}: {err}");
    }
}

#[test]
fn estimators_match_scipy() {
    let fits = read_json("fits.json");
    let sets = fits["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 20);
    for set in sets {
        let name = set["name"].as_str().unwrap();
        let x: Vec<f64> = set["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        close(
            name,
            exponential_rate(&x),
            set["alpaserve_estimate_exponential_rate"].as_f64().unwrap(),
        );
        let scipy = &set["scipy_gamma_fit_floc0"];
        match gamma_mle(&x) {
            GammaFit::Fitted { shape, scale } => {
                close(
                    &format!("{name} gamma shape"),
                    shape,
                    scipy["shape"].as_f64().unwrap(),
                );
                close(
                    &format!("{name} gamma scale"),
                    scale,
                    scipy["scale"].as_f64().unwrap(),
                );
                let est = &set["alpaserve_estimate_gamma"];
                let fit = gamma_mle(&x);
                close(
                    &format!("{name} gamma rate"),
                    fit.rate(),
                    est["rate"].as_f64().unwrap(),
                );
                close(
                    &format!("{name} gamma cv"),
                    fit.cv(),
                    est["cv"].as_f64().unwrap(),
                );
            }
            GammaFit::Constant { .. } => {
                assert!(
                    scipy.is_string(),
                    "{name}: we call the gaps constant but scipy fitted {scipy}"
                );
            }
        }
        let plus1: Vec<f64> = x.iter().map(|v| v + 1.0).collect();
        close(
            &format!("{name} pareto(x+1)"),
            pareto_shape(&plus1),
            set["alpaserve_estimate_pareto_on_x_plus_1"]["shape"]
                .as_f64()
                .unwrap(),
        );
        if let Some(shape) = set["scipy_pareto_fit_floc0_fscale1_on_x"]["shape"].as_f64() {
            close(&format!("{name} pareto(x)"), pareto_shape(&x), shape);
        }
    }
    report("estimators_match_scipy");
}
