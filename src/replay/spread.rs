//! Spreading requests that share a timestamp (coarse traces) over the gap to the next one.

use super::sample;

/// Seed salt of `--spread uniform`.
pub(super) const SPREAD_STREAM: u64 = 0x7370_7265_6164_0001;

/// Spreads each run of equal times in sorted `a` uniformly at random over the gap to the next
/// distinct time (after the last, the median gap between distinct times, not past `end`),
/// keeping the run's order: its members take the sorted draws, so whatever is aligned with
/// them (tokens) stays with them.
pub(super) fn spread_uniform(a: &mut [f64], end: f64, rng: &mut rand_xoshiro::Xoshiro256PlusPlus) {
    use rand::RngExt;
    let tick = crate::coarse::Coarseness::of_sorted(a)
        .and_then(|c| c.tick)
        .unwrap_or(1.0);
    spread_runs(a, 0..a.len(), tick, end, |run, t, next| {
        let width = next - t;
        let mut draws: Vec<f64> = (0..run.len())
            .map(|_| (t + rng.random::<f64>() * width).min(next.next_down()))
            .collect();
        draws.sort_by(f64::total_cmp);
        run.copy_from_slice(&draws);
    });
}

/// The end of the run of times equal to `a[i]` that starts at `i`.
fn run_end(a: &[f64], i: usize) -> usize {
    i + crate::stats::partition_point_near(&a[i..], |&x| x == a[i])
}

/// Calls `place(run, t, next)` for each run of two or more equal times `t` that starts in
/// `a[range]` and has room before `next`, the next distinct time of `a` (after the last, `t`
/// plus `tick`, not past `end`); `place` gives the run its times in `[t, next)`.
fn spread_runs(
    a: &mut [f64],
    range: std::ops::Range<usize>,
    tick: f64,
    end: f64,
    mut place: impl FnMut(&mut [f64], f64, f64),
) {
    let mut i = range.start;
    while i < range.end {
        let (t, j) = (a[i], run_end(a, i));
        let next = a.get(j).copied().unwrap_or((t + tick).min(end));
        if j - i > 1 && next > t {
            place(&mut a[i..j], t, next);
        }
        i = j;
    }
}

/// Seed salt of `--spread fitted`.
pub(super) const SPREAD_FITTED_STREAM: u64 = 0x7370_7265_6164_0002;

/// As [`spread_uniform`], each run's places in its gap drawn from a gamma renewal process whose
/// cv is fitted per interval of `interval` seconds from the requests per tick: their variance
/// over their mean (the index of dispersion, which tends to cv² for a renewal process and which
/// a coarse clock keeps, where the zero gaps it makes would ruin a fit to the gaps). A run of
/// `m` ends the first `m` of `m + 1` gamma gaps, scaled so that the `m + 1` fill its gap: with
/// cv 1 (Poisson) the places are uniform; burstier intervals cluster their runs.
pub(super) fn spread_fitted(
    a: &mut [f64],
    end: f64,
    interval: f64,
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
) {
    // One distinct time has no tick: it takes uniform's default, as there (it was left whole).
    let tick = crate::coarse::Coarseness::of_sorted(a)
        .and_then(|c| c.tick)
        .unwrap_or(1.0);
    let Some(&first) = a.first() else {
        return;
    };
    let last = a[a.len() - 1];
    let mut i = 0;
    while i < a.len() {
        // One interval: its runs' sizes give the dispersion of the requests per tick.
        let (from, upto) = if interval > 0.0 && interval.is_finite() {
            let from = first + ((a[i] - first) / interval).floor() * interval;
            (from, from + interval)
        } else {
            (first, f64::INFINITY)
        };
        let to = upto.min(end.max(last + tick));
        // At least one: rounding can put `upto` at `a[i]`, which must not stall the loop.
        let j = (i + crate::stats::partition_point_near(&a[i..], |&x| x < upto)).max(i + 1);
        let ticks = ((to - from) / tick).max(1.0);
        let (mut sum, mut squares) = (0.0, 0.0);
        let mut k = i;
        while k < j {
            let run = (run_end(a, k) - k) as f64;
            sum += run;
            squares += run * run;
            k += run as usize;
        }
        let mean = sum / ticks;
        let cv2 = ((squares / ticks - mean * mean) / mean).clamp(0.01, 100.0);
        if let Some(g) = sample::GammaGaps::new(1.0 / cv2, cv2) {
            spread_runs(a, i..j, tick, end, |run, t, next| {
                let draws: Vec<f64> = (0..=run.len()).map(|_| g.sample(rng)).collect();
                let total: f64 = draws.iter().sum();
                let mut at = 0.0;
                for (x, d) in run.iter_mut().zip(&draws) {
                    at += d;
                    *x = (t + at / total * (next - t)).min(next.next_down());
                }
            });
        }
        i = j;
    }
}
