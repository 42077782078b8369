//! Token counts of a fitted replay: each sampled request draws a request of the model's trace
//! (seeded, on a stream of its own, so arrivals do not depend on them).

use super::plan::Plan;
use super::{IntervalFit, sample};

use super::params::ReplayParams;

use crate::trace::Tokens;

/// Token counts for sampled arrivals: each drawn from the trace's requests of its interval.
/// `intervals` carry their realized counts: the arrivals are theirs in order.
pub(super) fn sampled_tokens(
    plan: &Plan,
    intervals: &[IntervalFit],
    arrivals: &[f64],
    model: usize,
    params: &ReplayParams,
) -> Option<Tokens> {
    use rand::RngExt;
    let source = plan.tokens.as_ref()?;
    let times = plan.times.first()?;
    if times.is_empty() {
        return None;
    }
    // Drawn requests get fresh prefix-cache ids when exported: none are kept.
    let mut out = Tokens::counts(
        Vec::with_capacity(arrivals.len()),
        Vec::with_capacity(arrivals.len()),
    );
    let mut images = source
        .images
        .as_ref()
        .map(|_| Vec::with_capacity(arrivals.len()));
    let mut next = 0;
    for (i, iv) in intervals.iter().enumerate() {
        let end = next + iv.realized_count as usize;
        let lo = times.partition_point(|&t| t < iv.start);
        let hi = times.partition_point(|&t| t < iv.end);
        let (lo, hi) = if lo < hi { (lo, hi) } else { (0, times.len()) };
        // Its own stream: drawing tokens must not change the arrivals of the same seed.
        let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, i);
        for _ in next..end {
            let k = rng.random_range(lo..hi);
            out.input.push(source.input[k]);
            out.output.push(source.output[k]);
            if let (Some(v), Some(m)) = (&mut images, &source.images) {
                v.push(m[k]);
            }
        }
        next = end;
    }
    // Arrivals past the last interval cannot happen; should one, it still gets tokens.
    let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, usize::MAX);
    for _ in next..arrivals.len() {
        let k = rng.random_range(0..times.len());
        out.input.push(source.input[k]);
        out.output.push(source.output[k]);
        if let (Some(v), Some(m)) = (&mut images, &source.images) {
            v.push(m[k]);
        }
    }
    out.images = images;
    Some(out)
}

/// Seed salt of the token draws.
pub(super) const TOKEN_STREAM: u64 = 0x746f_6b65_6e73_0001;
