//! The real trace beside a replay: which trace functions each model replays, and their
//! invocations over any time range, for side-by-side charts.

use std::ops::Range;

use crate::replay::Replay;
use crate::trace::{Series, Times, Trace};

/// Trace function indices per model, from the replay's mapping (which is in trace order).
pub fn members(replay: &Replay, trace: &Trace) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); replay.models.len()];
    let mut next = 0;
    for (name, model) in &replay.mapping {
        let Some(at) = trace.functions[next..].iter().position(|f| &f.name == name) else {
            break; // not this trace's replay: show no trace series rather than a wrong one
        };
        next += at;
        out[*model].push(next);
        next += 1;
    }
    out
}

/// Invocations of `functions` per bin of `[lo, hi)`. Per-minute counts are spread evenly over
/// their minute, so bins shorter than a minute show the minute's average, not a spike.
pub fn trace_histogram(
    trace: &Trace,
    functions: &[usize],
    lo: f64,
    hi: f64,
    bins: usize,
) -> Vec<u64> {
    if bins == 0 || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![0; bins];
    }
    let mut acc = vec![0f64; bins];
    for &i in functions {
        if let Series::Times(t) = &trace.functions[i].series {
            // Sorted: each bin's end found by search (stats::histogram), not every time divided
            // and counted.
            let within = t.window(t.between(lo, hi));
            for (a, c) in acc
                .iter_mut()
                .zip(crate::stats::histogram(&within, lo, hi, bins))
            {
                *a += c as f64;
            }
        }
    }
    let first = (lo / 60.0).floor().max(0.0) as usize;
    let last = (hi / 60.0).ceil() as usize;
    let minutes = minute_totals(trace, functions, first..last);
    spread_minutes(&minutes, first, lo, hi, &mut acc);
    acc.into_iter().map(|v| v.round() as u64).collect()
}

/// v1: the invocations of `functions` in each of `minutes` (those the trace has), summed per
/// minute in vectorised adds; empty for v2. Spreading every function's every minute over the
/// bins instead is too slow for a zoom step on the render thread.
pub fn minute_totals(trace: &Trace, functions: &[usize], minutes: Range<usize>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for &i in functions {
        if let Series::Counts(c) = &trace.functions[i].series {
            let n = minutes.end.min(c.len()).saturating_sub(minutes.start);
            if out.len() < n {
                out.resize(n, 0);
            }
            c.add_into(minutes.start, &mut out[..n]);
        }
    }
    out
}

/// [`trace_histogram`] of per-minute totals (minute `first + i` holds `minutes[i]`) over
/// `[lo, hi)`: each minute's invocations spread evenly over it, into `acc`'s equal bins.
pub fn spread_minutes(minutes: &[u64], first: usize, lo: f64, hi: f64, acc: &mut [f64]) {
    let bins = acc.len();
    if bins == 0 || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    let width = (hi - lo) / bins as f64;
    // Only the minutes that overlap the range.
    let from = ((lo / 60.0).floor().max(0.0) as usize).saturating_sub(first);
    let to = ((hi / 60.0).ceil().max(0.0) as usize)
        .saturating_sub(first)
        .min(minutes.len());
    for (minute, &n) in (from..to).map(|i| (first + i, &minutes[i])) {
        if n == 0 {
            continue;
        }
        let (m0, m1) = (minute as f64 * 60.0, minute as f64 * 60.0 + 60.0);
        spread_evenly(acc, lo, width, (m0.max(lo), m1.min(hi)), n as f64, 60.0);
    }
}

/// Adds to `acc` (equal bins of `width` from `lo`) the part of `count` that falls in each bin
/// `[a, b)` overlaps, `count` being spread evenly over `span` seconds of which `[a, b)` is the
/// part inside the bins.
pub fn spread_evenly(
    acc: &mut [f64],
    lo: f64,
    width: f64,
    (a, b): (f64, f64),
    count: f64,
    span: f64,
) {
    let bins = acc.len();
    if bins == 0 || b <= a {
        return;
    }
    let first_bin = (((a - lo) / width) as usize).min(bins - 1);
    let last_bin = (((b - lo) / width) as usize).min(bins - 1);
    for (bin, slot) in acc
        .iter_mut()
        .enumerate()
        .take(last_bin + 1)
        .skip(first_bin)
    {
        let (bl, bh) = (lo + bin as f64 * width, lo + (bin + 1) as f64 * width);
        let part = (b.min(bh) - a.max(bl)).max(0.0);
        *slot += count * part / span;
    }
}

/// The sorted invocation times of `functions` in `[lo, hi)` (v2 traces; empty for v1).
pub fn trace_times(trace: &Trace, functions: &[usize], lo: f64, hi: f64) -> Vec<f64> {
    Times::merge(
        functions
            .iter()
            .filter_map(|&f| match &trace.functions[f].series {
                Series::Times(t) => Some((t, t.between(lo, hi))),
                Series::Counts(_) => None,
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Function, TraceKind};

    fn trace(kind: TraceKind, series: Vec<Series>) -> Trace {
        let functions = series
            .into_iter()
            .enumerate()
            .map(|(i, series)| Function::new(format!("f{i}"), series))
            .collect();
        Trace::new("t", kind, functions, vec![]).unwrap()
    }

    #[test]
    fn trace_histogram_counts_timestamps_of_the_chosen_functions() {
        let t = trace(
            TraceKind::V2,
            vec![
                Series::Times(vec![0.5, 1.5, 1.7, 9.9, 10.0].into()),
                Series::Times(vec![2.0].into()),
            ],
        );
        assert_eq!(trace_histogram(&t, &[0], 0.0, 10.0, 5), vec![3, 0, 0, 0, 1]);
        assert_eq!(
            trace_histogram(&t, &[0, 1], 0.0, 10.0, 5),
            vec![3, 1, 0, 0, 1]
        );
        assert_eq!(trace_histogram(&t, &[], 0.0, 10.0, 2), vec![0, 0]);
    }

    #[test]
    fn trace_histogram_spreads_minute_counts_over_their_minute() {
        let t = trace(TraceKind::V1, vec![Series::Counts(vec![60, 0, 120].into())]);
        // Whole minutes per bin: exact.
        assert_eq!(trace_histogram(&t, &[0], 0.0, 180.0, 3), vec![60, 0, 120]);
        // Six 30 s bins: each minute splits in two.
        assert_eq!(
            trace_histogram(&t, &[0], 0.0, 180.0, 6),
            vec![30, 30, 0, 0, 60, 60]
        );
        // A range inside the last minute gets its share.
        assert_eq!(trace_histogram(&t, &[0], 150.0, 160.0, 1), vec![20]);
    }

    #[test]
    fn trace_histogram_sums_functions_minute_by_minute() {
        // The second function read in place, as from a mapped pickle (two bytes of header).
        let bytes: Vec<u8> = [0u8, 0]
            .into_iter()
            .chain([6u32, 12, 18].iter().flat_map(|w| w.to_le_bytes()))
            .collect();
        let mapped = crate::trace::Counts::mapped_checked(std::sync::Arc::new(bytes), 2, 3);
        let t = trace(
            TraceKind::V1,
            vec![
                Series::Counts(vec![60, 0, 120].into()),
                Series::Counts(mapped.unwrap()),
            ],
        );
        // Minutes sum to 66, 12, 138; [30, 90) holds half of the first two, [90, 150) half of
        // the last two.
        assert_eq!(trace_histogram(&t, &[0, 1], 30.0, 150.0, 2), vec![39, 75]);
        assert_eq!(trace_histogram(&t, &[1], 60.0, 180.0, 2), vec![12, 18]);
        assert_eq!(trace_histogram(&t, &[1, 0], 0.0, 180.0, 1), vec![216]);
    }
}
