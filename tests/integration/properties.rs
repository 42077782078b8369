//! Invariants of the engine over random traces and parameters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tracereplay_tui::mapping::Mapping;
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::{Function, Series, Trace, TraceKind};
use tracereplay_tui::workload::{Format, Workload};

/// A 2-day v2 trace of `n` functions with random sorted timestamps.
fn v2_trace() -> impl Strategy<Value = Trace> {
    prop::collection::vec(prop::collection::vec(0.0f64..172_800.0, 0..300), 3..12).prop_map(|fs| {
        let functions = fs
            .into_iter()
            .enumerate()
            .map(|(i, mut t)| {
                t.sort_by(f64::total_cmp);
                Function::new(format!("f{i}"), Series::Times(t.into()))
            })
            .collect();
        Trace::new("prop", TraceKind::V2, functions, vec![]).unwrap()
    })
}

fn params() -> impl Strategy<Value = ReplayParams> {
    (
        1usize..3,
        prop_oneof![Just(Mapping::Stripe), Just(Mapping::RoundRobin)],
        prop_oneof![
            Just(Distribution::Vanilla),
            Just(Distribution::Exponential),
            Just(Distribution::Gamma),
            Just(Distribution::Pareto)
        ],
        0u64..20,
        1u64..30,
        prop_oneof![Just(60.0), Just(600.0), Just(3600.0), Just(7000.0)],
        any::<u64>(),
    )
        .prop_map(
            |(models, mapping, distribution, start_h, len_h, interval, seed)| ReplayParams {
                models: (0..models).map(|i| format!("m{i}")).collect(),
                mapping,
                start: format!("0.{}.0", start_h.min(23)),
                end: Some(format!(
                    "{}.{}.0",
                    (start_h.min(23) + len_h) / 24,
                    (start_h.min(23) + len_h) % 24
                )),
                distribution,
                interval_seconds: interval,
                seed,
                ..ReplayParams::default()
            },
        )
}

/// A 2-day v1 trace of per-minute counts (mostly zeros, some bursts).
fn v1_trace() -> impl Strategy<Value = Trace> {
    prop::collection::vec(prop::collection::vec((0u32..4, 0usize..2880), 0..60), 2..10).prop_map(
        |fs| {
            let functions = fs
                .into_iter()
                .enumerate()
                .map(|(i, hits)| {
                    let mut c = vec![0u32; 2880];
                    for (n, minute) in hits {
                        c[minute] += n;
                    }
                    c[i] += 1; // every function has at least one invocation
                    Function::new(format!("f{i}"), Series::Counts(c.into()))
                })
                .collect();
            Trace::new("prop-v1", TraceKind::V1, functions, vec![]).unwrap()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn v1_replays_are_sorted_inside_the_window_and_deterministic(
        trace in v1_trace(),
        p in params(),
        gamma in any::<bool>(),
    ) {
        let p = ReplayParams {
            distribution: if gamma { Distribution::Gamma } else { Distribution::Exponential },
            interval_seconds: (p.interval_seconds / 60.0).ceil() * 60.0,
            ..p
        };
        let Ok(r) = replay(&trace, &p) else { return Ok(()) };
        let (s, e) = (r.window.start as f64, r.window.end as f64);
        for m in &r.models {
            prop_assert!(m.arrivals.is_sorted());
            prop_assert!(m.arrivals.iter().all(|t| t.is_finite() && *t >= s && *t < e));
            let realized: u64 = m.intervals.iter().map(|i| i.realized_count).sum();
            prop_assert_eq!(realized as usize, m.arrivals.len());
        }
        prop_assert_eq!(&r, &replay(&trace, &p).unwrap());
    }

    #[test]
    fn arrivals_sorted_finite_inside_window_and_deterministic(trace in v2_trace(), p in params()) {
        let Ok(r) = replay(&trace, &p) else { return Ok(()) };
        let (s, e) = (r.window.start as f64, r.window.end as f64);
        for m in &r.models {
            prop_assert!(m.arrivals.is_sorted());
            prop_assert!(m.arrivals.iter().all(|t| t.is_finite() && *t >= s && *t < e));
        }
        // Every kept function is mapped exactly once, onto a real model.
        prop_assert!(r.mapping.iter().all(|(_, m)| *m < p.models.len()));
        let mapped: usize = r.models.iter().map(|m| m.functions).sum();
        prop_assert_eq!(mapped, r.mapping.len());
        let again = replay(&trace, &p).unwrap();
        prop_assert_eq!(&r, &again);
    }

    #[test]
    fn export_round_trips(trace in v2_trace(), p in params(), slo in 0.01f64..10.0) {
        let Ok(r) = replay(&trace, &p) else { return Ok(()) };
        let w = Workload::from_replay(&r, slo, None).unwrap();
        let total: usize = r.models.iter().map(|m| m.arrivals.len()).sum();
        prop_assert_eq!(w.len(), total);
        prop_assert!(w.arrival.is_sorted());
        for format in [Format::Msgpack, Format::Json] {
            let mut buf = Vec::new();
            w.encode(format, &mut buf).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("w");
            std::fs::write(&path, &buf).unwrap();
            prop_assert_eq!(&Workload::read(&path).unwrap(), &w);
        }
    }
}

#[test]
fn rate_scale_scales_arrivals() {
    let trace = Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap();
    let count = |k: f64| {
        let p = ReplayParams {
            end: Some("1.0.0".into()),
            rate_scale: k,
            ..ReplayParams::default()
        };
        replay(&trace, &p).unwrap().group().arrivals as f64
    };
    let base = count(1.0);
    for k in [0.5, 2.0, 4.0] {
        let ratio = count(k) / base;
        assert!((ratio / k - 1.0).abs() < 0.05, "k={k}: ratio {ratio}");
    }
}

#[test]
fn seed_changes_arrivals_but_not_fits() {
    let trace = Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap();
    let run = |seed| {
        replay(
            &trace,
            &ReplayParams {
                end: Some("1.0.0".into()),
                seed,
                ..ReplayParams::default()
            },
        )
        .unwrap()
    };
    let (a, b) = (run(1), run(2));
    assert_ne!(a.models[0].arrivals, b.models[0].arrivals);
    // The fits are the same; only what was sampled (and its realized figures) differs.
    let fits = |r: &tracereplay_tui::replay::Replay| {
        r.models[0]
            .intervals
            .iter()
            .map(|i| {
                (
                    i.start,
                    i.end,
                    i.trace_count,
                    i.process,
                    i.reset_to_empirical,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(fits(&a), fits(&b));
}

/// `max_arrivals` holds for the arrivals a replay makes, not only for its estimate: a seed
/// whose sampling makes more than the limit is refused; every other stays within it.
#[test]
fn max_arrivals_holds_for_what_is_made() {
    let trace = tracereplay_tui::ingest::sample(&Default::default()).unwrap();
    let params = |seed: u64, max_arrivals: u64| ReplayParams {
        distribution: Distribution::Exponential,
        end: Some("0.6.0".into()),
        seed,
        max_arrivals,
        ..ReplayParams::default()
    };
    let made: Vec<usize> = (0..40)
        .map(|s| {
            let r = replay(&trace, &params(s, u64::MAX)).unwrap();
            r.models.iter().map(|m| m.arrivals.len()).sum()
        })
        .collect();
    let limit = *made.iter().max().unwrap() as u64 - 1;
    let mut refused = 0;
    for (seed, &n) in made.iter().enumerate() {
        match replay(&trace, &params(seed as u64, limit)) {
            Ok(r) => {
                let total: usize = r.models.iter().map(|m| m.arrivals.len()).sum();
                assert_eq!(
                    total, n,
                    "seed {seed}: the limit changed a replay within it"
                );
                assert!(total as u64 <= limit);
            }
            Err(e) => {
                assert!(n as u64 > limit, "seed {seed} ({n} arrivals) refused: {e}");
                assert!(e.to_string().contains("sampling made more than"), "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 1);
}
