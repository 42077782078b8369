//! Token counts of a fitted replay: each sampled request draws a request of the model's trace
//! (seeded, on a stream of its own, so arrivals do not depend on them).

use super::plan::Plan;
use super::{IntervalFit, sample};

use super::params::ReplayParams;

use crate::trace::Tokens;

/// Token counts for sampled arrivals: each drawn from the trace's requests of its interval.
/// `intervals` carry their realized counts: the arrivals are theirs in order.
pub(super) fn sampled_tokens(
    plan: &Plan<'_>,
    intervals: &[IntervalFit],
    arrivals: &[f64],
    model: usize,
    params: &ReplayParams,
) -> Option<Tokens> {
    use rand::RngExt;
    // The window's requests in time order, interval after interval: interval i's are those
    // after the earlier intervals' counts (no copy of their times is kept for this).
    let (input, output, source_images) = match (&plan.tokens, &plan.pool) {
        (Some(t), _) => (&t.input[..], &t.output[..], t.images.as_deref()),
        (None, Some((t, r))) => (
            &t.input[r.clone()],
            &t.output[r.clone()],
            t.images.as_ref().map(|m| &m[r.clone()]),
        ),
        (None, None) => return None,
    };
    let total = input.len();
    if total == 0 {
        return None;
    }
    let mut first = 0usize;
    // Drawn requests get fresh prefix-cache ids when exported: none are kept.
    let mut out = Tokens::counts(
        Vec::with_capacity(arrivals.len()),
        Vec::with_capacity(arrivals.len()),
    );
    let mut images = source_images.map(|_| Vec::with_capacity(arrivals.len()));
    let mut next = 0;
    for (i, iv) in intervals.iter().enumerate() {
        let end = next + iv.realized_count as usize;
        let (lo, hi) = (first, first + iv.trace_count as usize);
        first = hi;
        let (lo, hi) = if lo < hi && hi <= total {
            (lo, hi)
        } else {
            (0, total)
        };
        // Its own stream: drawing tokens must not change the arrivals of the same seed.
        let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, i);
        for _ in next..end {
            let k = rng.random_range(lo..hi);
            out.input.push(input[k]);
            out.output.push(output[k]);
            if let (Some(v), Some(m)) = (&mut images, source_images) {
                v.push(m[k]);
            }
        }
        next = end;
    }
    // Arrivals past the last interval cannot happen; should one, it still gets tokens.
    let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, usize::MAX);
    for _ in next..arrivals.len() {
        let k = rng.random_range(0..total);
        out.input.push(input[k]);
        out.output.push(output[k]);
        if let (Some(v), Some(m)) = (&mut images, source_images) {
            v.push(m[k]);
        }
    }
    out.images = images;
    Some(out)
}

/// Seed salt of the token draws.
pub(super) const TOKEN_STREAM: u64 = 0x746f_6b65_6e73_0001;
