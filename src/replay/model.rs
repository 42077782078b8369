//! Sampling: every model's arrivals in ranges of intervals over the cores, then each model's
//! replay finished (spread, realized figures beside the fitted targets, tokens).

use super::plan::Plan;
use super::spread::{SPREAD_FITTED_STREAM, SPREAD_STREAM, spread_fitted, spread_uniform};
use super::tokens::sampled_tokens;
use super::{IntervalFit, ModelReplay, sample};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::par::par_map;

use super::fit::Process;
use super::params::{self, Distribution, ReplayParams};

use crate::error::{Error, Result};
use crate::stats;
use crate::time::Window;
use crate::trace::{Column, Tokens};

/// Samples a model's `intervals` (a range of its intervals) into `out`, failing once all ranges
/// together (`made`) pass `limit`. Each interval draws from its own generator, so ranges sample
/// on their own and in any order.
pub(super) fn sample_range(
    plan: &Plan,
    model: usize,
    intervals: std::ops::Range<usize>,
    params: &ReplayParams,
    made: &AtomicU64,
    limit: u64,
    out: &mut impl sample::Out,
) -> Result<()> {
    let ivs = &plan.intervals[intervals.clone()];
    for (i, iv) in intervals.zip(ivs) {
        if let Some(process) = &iv.process {
            let mut rng = sample::interval_rng(params.seed, model, i);
            let before = out.len();
            // What the other ranges made is counted as their intervals finish.
            let room = limit.saturating_sub(made.load(Ordering::Relaxed));
            let cap = before.saturating_add(usize::try_from(room).unwrap_or(usize::MAX));
            // The count rule keeps the volume: processes start in equilibrium.
            let stationary = params.estimator == crate::replay::Estimator::Count;
            let whole = sample::sample_interval_from(
                process, iv.start, iv.end, &mut rng, out, cap, stationary,
            );
            let added = (out.len() - before) as u64;
            let total = made.fetch_add(added, Ordering::Relaxed) + added;
            if !whole || total > limit {
                return Err(too_many_made(process, limit));
            }
        }
    }
    Ok(())
}

/// Room set aside in the output for a range of intervals: the arrivals expected and a margin of
/// many standard deviations of their count (about `expected × cv²` for a renewal process), so
/// that a range overflows its place (into a vector of its own, then copied) only rarely. At
/// most `limit`.
fn room_for(plan: &Plan, intervals: std::ops::Range<usize>, limit: u64) -> usize {
    let (mut mean, mut var) = (0.0, 0.0);
    for iv in &plan.intervals[intervals] {
        if let Some(p) = iv.process {
            let n = p.expected_count(iv.end - iv.start);
            let cv = p.cv().filter(|c| c.is_finite()).unwrap_or(1.0).max(1.0);
            (mean, var) = (mean + n, var + n * cv * cv);
        }
    }
    let room = mean + 8.0 * var.sqrt() + 4096.0;
    if room.is_finite() {
        (room as u64).min(limit).try_into().unwrap_or(0)
    } else {
        0
    }
}

/// A model's replay from its sampled `arrivals`: spread, realized figures beside the fitted
/// targets, tokens.
pub(super) fn finish_model(
    plan: &Plan,
    model: usize,
    arrivals: Column<f64>,
    own_tokens: Option<Tokens>,
    window: Window,
    params: &ReplayParams,
) -> ModelReplay {
    let end = (window.end as f64 - window.start as f64) / params.time_scale + window.start as f64;
    let arrivals = match params.spread {
        params::Spread::None => arrivals,
        params::Spread::Uniform => {
            let mut arrivals = arrivals.into_vec();
            let mut rng = sample::interval_rng(params.seed ^ SPREAD_STREAM, model, 0);
            spread_uniform(&mut arrivals, end, &mut rng);
            arrivals.into()
        }
        params::Spread::Fitted => {
            let mut arrivals = arrivals.into_vec();
            let mut rng = sample::interval_rng(params.seed ^ SPREAD_FITTED_STREAM, model, 0);
            let interval = params.interval_seconds / params.time_scale;
            spread_fitted(&mut arrivals, end, interval, &mut rng);
            arrivals.into()
        }
    };
    // Realized rate and cv per interval, beside the fitted targets, in one pass: each
    // interval's gap moments, combined with the gaps between intervals into the whole's.
    let mut intervals: Vec<IntervalFit> = plan.intervals.clone();
    let mut next = 0;
    let mut whole = stats::GapMoments::default();
    for iv in &mut intervals {
        let end = next + stats::partition_point_near(&arrivals[next..], |&t| t < iv.end);
        let own = stats::GapMoments::of(&arrivals[next..end]);
        iv.realized_count = (end - next) as u64;
        iv.realized_cv = own.cv();
        if next > 0 && end > next {
            whole = whole.merge(stats::GapMoments::gap(arrivals[next] - arrivals[next - 1]));
        }
        whole = whole.merge(own);
        next = end;
    }
    if next < arrivals.len() {
        // Vanilla has no intervals (and fitted modes no arrivals past the last one).
        whole = stats::GapMoments::of(&arrivals);
    }
    let rate_seconds = (window.seconds() as f64 / params.time_scale).floor();
    let tokens = if params.distribution == Distribution::Vanilla {
        let k = params.replication as usize;
        own_tokens.map(|t| {
            if k == 1 {
                return t;
            }
            let rep = |v: &[u32]| v.iter().flat_map(|&x| std::iter::repeat_n(x, k)).collect();
            Tokens {
                input: rep(&t.input),
                output: rep(&t.output),
                hash_rows: t.hash_rows.as_deref().map(rep),
                hash_ids: t.hash_ids.clone(),
                images: t.images.as_deref().map(rep),
            }
        })
    } else {
        sampled_tokens(plan, &intervals, &arrivals, model, params)
    };
    ModelReplay {
        tokens,
        model: params.models[model].clone(),
        functions: plan.functions,
        trace_count: plan.trace_count,
        rate: stats::rate(arrivals.len(), rate_seconds),
        cv: whole.cv(),
        arrivals,
        intervals,
        quality: plan.quality.clone(),
    }
}

/// The sampling made more arrivals than the limit: which process did, and what to change.
pub(super) fn too_many_made(process: &Process, limit: u64) -> Error {
    let why = match process.cv() {
        Some(cv) if cv > 10.0 => format!(
            " (a cv of {} makes bursts of about cv²/2 = {:.2e} arrivals an interval)",
            crate::format::py_float(cv),
            cv * cv / 2.0
        ),
        _ => String::new(),
    };
    Error::param(
        "max-arrivals",
        format!(
            "sampling made more than the limit of {limit} arrivals{why}; lower --cv-scale or \
             --rate-scale, shorten the window, or raise --max-arrivals"
        ),
    )
}

pub(super) fn vanilla_into(
    times: &[f64],
    window: Window,
    params: &ReplayParams,
    out: &mut Vec<f64>,
) {
    let start = window.start as f64;
    let k = params.replication as usize;
    out.reserve(times.len() * k);
    for &t in times {
        // The original applies the formula also when the scale is 1; so do we, for bit parity.
        let scaled = (t - start) / params.time_scale + start;
        out.extend(std::iter::repeat_n(scaled, k));
    }
}

/// A vanilla replay's arrivals from a model's merged times (in parts, in time order): the
/// times themselves when the formula leaves each as it is (see [`unchanged_by_scaling`]) and
/// the parts are one stretch of a column (one function's window), else a scaled copy.
fn vanilla_arrivals(parts: Vec<Column<f64>>, window: Window, params: &ReplayParams) -> Column<f64> {
    if params.replication == 1 && params.time_scale == 1.0 {
        let mut parts = parts.iter();
        let whole = parts.try_fold(Column::default(), |all, next| {
            if all.is_empty() {
                Some(next.clone())
            } else {
                all.adjoin(next)
            }
        });
        if let Some(whole) = whole.filter(|w| unchanged_by_scaling(w, window.start)) {
            return whole;
        }
    }
    if params.replication != 1 {
        let mut out = Vec::new();
        for times in &parts {
            vanilla_into(times, window, params, &mut out);
        }
        return out.into();
    }
    // Scaled in place, onto the first part's vector (merged parts are the replay's own).
    let mut parts = parts.into_iter();
    let mut out = parts.next().map(Column::into_vec).unwrap_or_default();
    for rest in parts {
        out.extend_from_slice(&rest);
    }
    let start = window.start as f64;
    for t in &mut out {
        // The original applies the formula also when the scale is 1; so do we, for bit parity.
        *t = (*t - start) / params.time_scale + start;
    }
    out.into()
}

/// Whether `(t - start) / 1.0 + start` is `t`, bit for bit, for every one of `times` (sorted,
/// none before `start`): it is when `start` is a whole number and the times are below 2⁵³, for
/// then `t - start` is a multiple of `t`'s unit in the last place no larger than `t`, so exact,
/// and adding `start` back is exact too. The exception is `-0.0` at `start` 0, which becomes
/// `+0.0`.
pub(super) fn unchanged_by_scaling(times: &[f64], start: u64) -> bool {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2⁵³
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return true;
    };
    let s = start as f64;
    let zeros = times.iter().take_while(|&&t| t == 0.0);
    s < EXACT
        && first >= s
        && last < EXACT
        && (start > 0 || zeros.clone().all(|t| t.is_sign_positive()))
}

/// Every model's arrivals, sampled in ranges of intervals spread over the cores (a model with
/// most of the arrivals is not left to one core), then each model finished. A vanilla replay
/// takes each plan's times and tokens.
pub(super) fn sample_all(
    plans: &mut [Plan],
    ranges: &[(usize, std::ops::Range<usize>)],
    window: Window,
    params: &ReplayParams,
    cancel: &AtomicBool,
) -> Result<Vec<ModelReplay>> {
    if params.distribution == Distribution::Vanilla {
        type Owned = (Vec<Column<f64>>, Option<Tokens>);
        let owned: Vec<Mutex<Owned>> = plans
            .iter_mut()
            .map(|p| Mutex::new((std::mem::take(&mut p.times), p.tokens.take())))
            .collect();
        let plans = &*plans;
        return par_map(plans.len(), |m| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let (parts, tokens) =
                std::mem::take(&mut *owned[m].lock().unwrap_or_else(|e| e.into_inner()));
            let arrivals = vanilla_arrivals(parts, window, params);
            Ok(finish_model(&plans[m], m, arrivals, tokens, window, params))
        });
    }
    // Arrivals made so far by every range: --max-arrivals holds for what is made, not only
    // for the estimate.
    let made = AtomicU64::new(0);
    let limit = if params.allow_huge {
        u64::MAX
    } else {
        params.max_arrivals
    };
    // Each model's output, its ranges sampling straight into their places in it (zeroed pages
    // are only mapped where written); when it cannot be had, every range fills a vector.
    let rooms: Vec<usize> = ranges
        .iter()
        .map(|(m, r)| room_for(&plans[*m], r.clone(), limit))
        .collect();
    let mut outputs: Vec<Vec<f64>> = (0..plans.len())
        .map(|m| {
            let room: usize = (0..ranges.len())
                .filter(|&u| ranges[u].0 == m)
                .map(|u| rooms[u])
                .sum();
            bytemuck::allocation::try_zeroed_vec(room).unwrap_or_default()
        })
        .collect();
    // Each range's place in its model's output (ranges are in model and time order).
    let mut slots: Vec<Mutex<Option<sample::Slot>>> = Vec::with_capacity(ranges.len());
    let mut starts = vec![0usize; ranges.len()];
    let mut rest: Vec<&mut [f64]> = outputs.iter_mut().map(|o| o.as_mut_slice()).collect();
    let mut at = vec![0usize; plans.len()];
    for (u, (m, _)) in ranges.iter().enumerate() {
        let free = std::mem::take(&mut rest[*m]);
        let (mine, after) = free.split_at_mut(rooms[u].min(free.len()));
        rest[*m] = after;
        starts[u] = at[*m];
        at[*m] += mine.len();
        slots.push(Mutex::new(Some(sample::Slot::new(mine))));
    }
    let sampled = par_map(ranges.len(), |u| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let (m, r) = ranges[u].clone();
        let mut slot = slots[u]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or(Error::Cancelled)?;
        sample_range(&plans[m], m, r, params, &made, limit, &mut slot)?;
        Ok((slot.filled, slot.spill))
    })?;
    drop(slots);
    let outputs: Vec<Mutex<Vec<f64>>> = outputs.into_iter().map(Mutex::new).collect();
    let sampled: Vec<Mutex<(usize, Vec<f64>)>> = sampled.into_iter().map(Mutex::new).collect();
    par_map(plans.len(), |m| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let mine: Vec<usize> = (0..ranges.len()).filter(|&u| ranges[u].0 == m).collect();
        let mut output = std::mem::take(&mut *outputs[m].lock().unwrap_or_else(|e| e.into_inner()));
        let parts: Vec<(usize, usize, Vec<f64>)> = mine
            .iter()
            .map(|&u| {
                let (filled, spill) =
                    std::mem::take(&mut *sampled[u].lock().unwrap_or_else(|e| e.into_inner()));
                (starts[u], filled, spill)
            })
            .collect();
        let arrivals = gather(&mut output, parts);
        Ok(finish_model(
            &plans[m],
            m,
            arrivals.into(),
            None,
            window,
            params,
        ))
    })
}

/// A model's arrivals from its ranges' places in `output` (`(start, filled, spill)` in time
/// order): moved together within it when no range overflowed its place (each moves down, never
/// over one not moved yet), else copied into a new vector.
fn gather(output: &mut Vec<f64>, parts: Vec<(usize, usize, Vec<f64>)>) -> Vec<f64> {
    if parts.iter().all(|(_, _, spill)| spill.is_empty()) {
        let mut at = 0;
        for (start, filled, _) in parts {
            output.copy_within(start..start + filled, at);
            at += filled;
        }
        let mut out = std::mem::take(output);
        out.truncate(at);
        out.shrink_to_fit();
        return out;
    }
    let total: usize = parts.iter().map(|(_, f, s)| f + s.len()).sum();
    let mut out = Vec::with_capacity(total);
    for (start, filled, spill) in parts {
        out.extend_from_slice(&output[start..start + filled]);
        out.extend_from_slice(&spill);
    }
    out
}

/// Ranges of intervals to sample, `(model, range)` in model and time order: a model is cut
/// into ranges of about a quarter of a core's share of the arrivals expected (not below
/// `min_range`); vanilla is one range per model.
pub(super) fn sampling_ranges(
    plans: &[Plan],
    params: &ReplayParams,
    expected: f64,
    threads: usize,
    min_range: f64,
) -> Vec<(usize, std::ops::Range<usize>)> {
    let target = (expected / (4 * threads) as f64).max(min_range);
    let mut out = Vec::new();
    for (m, plan) in plans.iter().enumerate() {
        let n = plan.intervals.len();
        if params.distribution == Distribution::Vanilla || threads == 1 || n == 0 {
            out.push((m, 0..n));
            continue;
        }
        let (mut from, mut acc) = (0, 0.0);
        for (i, iv) in plan.intervals.iter().enumerate() {
            acc += iv
                .process
                .map_or(0.0, |p| p.expected_count(iv.end - iv.start));
            if acc >= target && i + 1 < n {
                out.push((m, from..i + 1));
                (from, acc) = (i + 1, 0.0);
            }
        }
        out.push((m, from..n));
    }
    out
}

/// Fewer arrivals than this are sampled in one go (each range's place is moved into line
/// afterwards, and its generators set up).
pub(super) const MIN_RANGE_ARRIVALS: f64 = 200_000.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::sample::{Out, Slot};

    #[test]
    fn a_slot_spills_what_its_place_cannot_hold() {
        let mut place = [0.0; 3];
        let mut slot = Slot::new(&mut place);
        for t in [1.0, 2.0, 3.0, 4.0, 5.0] {
            slot.push(t);
        }
        assert_eq!(
            (slot.len(), slot.filled, &slot.spill[..]),
            (5, 3, &[4.0, 5.0][..])
        );
        assert_eq!(place, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn ranges_gather_in_order_in_place_or_copied() {
        // Places of 4, 3 and 5 values, partly filled.
        let output = vec![1.0, 2.0, 0.0, 0.0, 3.0, 4.0, 5.0, 6.0, 0.0, 0.0, 0.0, 0.0];
        let parts = || vec![(0, 2, Vec::new()), (4, 3, Vec::new()), (7, 1, Vec::new())];
        let mut o = output.clone();
        let got = gather(&mut o, parts());
        assert_eq!(got, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut spilled = parts();
        spilled[1].2 = vec![5.5, 5.75];
        let mut o = output.clone();
        let got = gather(&mut o, spilled);
        assert_eq!(got, [1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 5.75, 6.0]);
        assert_eq!(gather(&mut Vec::new(), Vec::new()), Vec::<f64>::new());
    }
}
