//! Replay parameters at their extremes over small traces: any interval (tiny, huge, NaN), span
//! (a time of 1e14 s), window, distribution and scale factors either replay within the window,
//! sorted, within the arrivals cap, or fail with an error; never a panic or an abort (a vanilla
//! replay with a 1 ms interval made 2 GB of boundaries).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::{Function, Series, Trace, TraceKind};

fn f64_at(data: &[u8], at: usize) -> f64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = data.get(at + i).copied().unwrap_or(0);
    }
    f64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 32 {
        return;
    }
    let (head, body) = data.split_at(32);
    // Times: 4 bytes each, scaled by a factor from the head so that spans reach 1e14 s.
    let scale = match head[0] % 4 {
        0 => 1e-3,
        1 => 1.0,
        2 => 1e6,
        _ => 1e10,
    };
    let mut fns: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for (i, c) in body.chunks_exact(4).enumerate() {
        let t = f64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])) * scale;
        fns[i % 3].push(t);
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
    let Ok(mut trace) = Trace::new("fuzz", TraceKind::V2, functions, vec![]) else {
        return;
    };
    if head[1] & 1 == 1 {
        trace.use_span();
    }
    let distribution = match head[2] % 5 {
        0 => Distribution::Vanilla,
        1 => Distribution::Gamma,
        2 => Distribution::Pareto,
        3 => Distribution::Auto,
        _ => Distribution::Exponential,
    };
    let pick = |b: u8, v: f64| if b & 0x80 != 0 { v } else { 1.0 };
    let points = ["0.0.0", "0.0.1", "0.1.0", "1.0.0", "5s", "2h", "9999.0.0"];
    let params = ReplayParams {
        models: (0..=head[3] % 3).map(|m| format!("m{m}")).collect(),
        distribution,
        interval_seconds: f64_at(head, 4),
        rate_scale: pick(head[12], f64_at(head, 13).abs()),
        cv_scale: pick(head[21], f64_at(head, 22).abs()),
        start: points[usize::from(head[30]) % points.len()].into(),
        end: (head[31] & 0x80 != 0).then(|| points[usize::from(head[31]) % points.len()].into()),
        max_arrivals: 200_000,
        seed: u64::from(head[1]),
        ..ReplayParams::default()
    };
    if let Ok(r) = replay(&trace, &params) {
        let (start, end) = (r.window.start as f64, r.window.end as f64);
        let mut total = 0usize;
        for m in &r.models {
            assert!(m.arrivals.is_sorted(), "unsorted");
            assert!(
                m.arrivals.iter().all(|&a| a >= start && a < end),
                "outside the window"
            );
            total += m.arrivals.len();
        }
        assert!(total as f64 <= 4.0 * 200_000.0 + 1e4, "{total} arrivals");
    }
});
