//! Fit quality against scipy (`tools/fit_quality_reference.py` made the fixture): every
//! candidate's log-likelihood, AIC, BIC and KS distance, and which one AIC prefers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tracereplay_tui::quality::assess;

fn close(a: f64, b: f64, what: &str) {
    let tol = 1e-6 * b.abs().max(1.0);
    assert!((a - b).abs() <= tol, "{what}: {a} vs scipy {b}");
}

#[test]
fn matches_scipy() {
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/quality.json")).unwrap();
    let mut compared = 0;
    for (case, want) in fixture.as_object().unwrap() {
        let gaps: Vec<f64> = want["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let q = assess(&gaps).unwrap();
        assert_eq!(q.gaps, gaps.len());
        assert_eq!(q.best, want["best"].as_str().unwrap(), "{case}: best");
        for c in &q.candidates {
            let w = &want["fits"][c.name];
            for (field, ours) in [
                ("loglik", c.loglik),
                ("aic", c.aic),
                ("bic", c.bic),
                ("ks", c.ks),
            ] {
                close(
                    ours,
                    w[field].as_f64().unwrap(),
                    &format!("{case} {} {field}", c.name),
                );
                compared += 1;
            }
        }
        assert_eq!(q.candidates.len(), 4, "{case}: every candidate fitted");
        // The Weibull fit itself: scipy's root of the likelihood equation.
        let w = tracereplay_tui::estimate::weibull_mle(&gaps).unwrap();
        close(
            w.shape,
            want["fits"]["weibull"]["shape"].as_f64().unwrap(),
            &format!("{case} weibull shape"),
        );
        close(
            w.scale,
            want["fits"]["weibull"]["scale"].as_f64().unwrap(),
            &format!("{case} weibull scale"),
        );
    }
    assert_eq!(compared, 5 * 4 * 4);
}

/// Auto chooses Weibull where its AIC is lowest: on gaps drawn from a Weibull of shape 0.5
/// (bursty, and neither gamma nor Lomax), most intervals pick it; and a Weibull replay's
/// processes have the fitted shape's cv.
#[test]
fn auto_picks_weibull_for_weibull_gaps() {
    let mut u = rng(11);
    // Inverse CDF: λ (−ln U)^(1/k), k = 0.5, λ = 4 s.
    let trace = trace_with_gaps(|| 4.0 * (-u().ln()).powf(2.0));
    let picks = auto_choices(&trace);
    let weibull = picks.iter().filter(|&&p| p == "weibull").count();
    assert!(weibull * 10 >= picks.len() * 6, "{picks:?}");
    let p = ReplayParams {
        models: vec!["m".into()],
        distribution: Distribution::Weibull,
        end: Some("0.23.0".into()),
        interval_seconds: 3600.0,
        ..ReplayParams::default()
    };
    let r = replay(&trace, &p).unwrap();
    for iv in &r.models[0].intervals {
        let cv = iv.process.unwrap().cv().unwrap();
        // Shape 0.5 has cv √5 ≈ 2.24; fitted per hour, within sampling error.
        assert!((cv - 5f64.sqrt()).abs() < 0.6, "{cv}");
    }
}

use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::{Function, Series, Trace, TraceKind};

/// One function whose gaps are `gap()` repeated over a day.
fn trace_with_gaps(mut gap: impl FnMut() -> f64) -> Trace {
    let mut t = Vec::new();
    let mut now = 0.0;
    while now < 86_000.0 {
        now += gap();
        t.push(now);
    }
    Trace::new(
        "t",
        TraceKind::V2,
        vec![Function::new("f", Series::Times(t.into()))],
        vec![],
    )
    .unwrap()
}

fn rng(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

fn auto_choices(trace: &Trace) -> Vec<&'static str> {
    let p = ReplayParams {
        models: vec!["m".into()],
        distribution: Distribution::Auto,
        end: Some("0.23.0".into()),
        interval_seconds: 3600.0,
        ..ReplayParams::default()
    };
    let r = replay(trace, &p).unwrap();
    r.models[0]
        .intervals
        .iter()
        .filter_map(|i| i.process.map(|p| p.name()))
        .collect()
}

#[test]
fn auto_picks_a_bursty_shape_for_bursts_and_poisson_for_poisson() {
    // Poisson: exponential gaps of mean 10 s.
    let mut u = rng(1);
    let poisson = trace_with_gaps(|| -10.0 * u().ln());
    let picks = auto_choices(&poisson);
    let exp = picks.iter().filter(|&&p| p == "poisson").count();
    assert!(exp * 10 >= picks.len() * 8, "{picks:?}");
    // Bursts: most gaps tiny, some long (a two-phase mixture, cv far above 1).
    let mut u = rng(2);
    let bursty = trace_with_gaps(|| {
        if u() < 0.9 {
            0.05 * u() + 0.001
        } else {
            60.0 * u()
        }
    });
    let picks = auto_choices(&bursty);
    assert!(picks.iter().all(|&p| p != "poisson"), "{picks:?}");
    // A bursty shape: gamma, or since it is a candidate, Weibull (which fits this two-phase
    // mixture best by AIC in every interval).
    assert!(
        picks
            .iter()
            .filter(|&&p| p == "gamma" || p == "weibull")
            .count()
            * 2
            >= picks.len(),
        "{picks:?}"
    );
}

#[test]
fn realized_rates_and_cvs_follow_the_targets() {
    let mut u = rng(3);
    let trace = trace_with_gaps(|| -2.0 * u().ln());
    let p = ReplayParams {
        models: vec!["m".into()],
        distribution: Distribution::Gamma,
        end: Some("0.12.0".into()),
        interval_seconds: 3600.0,
        rate_scale: 4.0,
        cv_scale: 2.0,
        fit_quality: true,
        ..ReplayParams::default()
    };
    let r = replay(&trace, &p).unwrap();
    let m = &r.models[0];
    assert_eq!(m.quality.len(), m.intervals.len());
    let mut total = 0;
    for iv in &m.intervals {
        let process = iv.process.unwrap();
        let (rate, cv) = (process.rate().unwrap(), process.cv().unwrap());
        let expected = rate * (iv.end - iv.start);
        // A renewal count's sd is about cv·sqrt(n); allow 5 of them.
        let sd = cv * expected.sqrt();
        assert!(
            (iv.realized_count as f64 - expected).abs() < 5.0 * sd + 5.0,
            "{iv:?}"
        );
        assert!(
            (iv.realized_cv - cv).abs() < 0.5 * cv,
            "{iv:?} target cv {cv}"
        );
        total += iv.realized_count;
    }
    assert_eq!(total as usize, m.arrivals.len());
}

#[test]
fn stats_json_carries_fit_and_realized() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args([
            "stats",
            "sample",
            "--end",
            "0.6.0",
            "--distribution",
            "gamma",
            "--interval",
            "3600",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let iv = &v["models"][0]["intervals"][0];
    assert!(iv["realized"]["rate"].as_f64().unwrap() > 0.0, "{iv}");
    let fit = &iv["fit"];
    assert!(
        ["exponential", "gamma", "pareto"].contains(&fit["best"].as_str().unwrap()),
        "{fit}"
    );
    for c in ["exponential", "gamma", "pareto"] {
        assert!(
            fit[c]["aic"].is_number() && fit[c]["ks"].as_f64().unwrap() <= 1.0,
            "{fit}"
        );
    }
}
