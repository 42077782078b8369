//! Export round trip: a workload built from the bytes is read back identical from msgpack and
//! JSON; arbitrary bytes decode to an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::{Function, Series, Trace, TraceKind};
use tracereplay_tui::workload::{Format, Workload};

fuzz_target!(|data: &[u8]| {
    let _ = rmp_serde::from_slice::<Workload>(data);
    let _ = serde_json::from_slice::<Workload>(data);
    // Timestamps from the bytes: 2 bytes each, in a 1-day trace of up to 4 functions.
    let mut fns: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for (i, c) in data.chunks_exact(2).enumerate() {
        let t = f64::from(u16::from_le_bytes([c[0], c[1]])) * 1.3;
        fns[i % 4].push(t);
    }
    let functions: Vec<Function> = fns
        .into_iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, mut t)| {
            t.sort_by(f64::total_cmp);
            Function::new(format!("f{i}"), Series::Times(t.into()))
        })
        .collect();
    let Ok(trace) = Trace::new("fuzz", TraceKind::V2, functions, vec![]) else {
        return;
    };
    let dist = match data.first().map(|b| b % 4) {
        Some(0) => Distribution::Vanilla,
        Some(1) => Distribution::Gamma,
        Some(2) => Distribution::Pareto,
        _ => Distribution::Exponential,
    };
    let p = ReplayParams {
        models: vec!["a".into()],
        distribution: dist,
        interval_seconds: 600.0,
        max_arrivals: 200_000,
        ..ReplayParams::default()
    };
    let Ok(r) = replay(&trace, &p) else {
        return;
    };
    let w = Workload::from_replay(&r, 0.5, None).unwrap();
    for format in [Format::Msgpack, Format::Json] {
        let mut bytes = Vec::new();
        w.encode(format, &mut bytes).unwrap();
        let back: Workload = match format {
            Format::Msgpack => rmp_serde::from_slice(&bytes).unwrap(),
            _ => serde_json::from_slice(&bytes).unwrap(),
        };
        assert_eq!(back, w);
    }
});
