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
    // Drawn requests get fresh prefix-cache ids when exported: none are kept. Each interval
    // draws on its own stream into its own stretch of the columns, so the two halves of the
    // intervals draw on two cores (a random read of the source columns per arrival).
    let n = arrivals.len();
    let mut out = crate::trace::TokenRows {
        input: vec![0; n],
        output: vec![0; n],
        ..Default::default()
    };
    let mut images = source_images.map(|_| vec![0u32; n]);
    let drawn: usize = intervals.iter().map(|iv| iv.realized_count as usize).sum();
    let draw = |ivs: std::ops::Range<usize>,
                mut first: usize,
                inp: &mut [u32],
                outp: &mut [u32],
                mut img: Option<&mut [u32]>| {
        let mut at = 0;
        for i in ivs {
            let iv = &intervals[i];
            let (lo, hi) = (first, first + iv.trace_count as usize);
            first = hi;
            let (lo, hi) = if lo < hi && hi <= total {
                (lo, hi)
            } else {
                (0, total)
            };
            // Its own stream: drawing tokens must not change the arrivals of the same seed.
            let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, i);
            if iv.realized_count > 0 {
                warm(&input[lo..hi]);
                warm(&output[lo..hi]);
            }
            for _ in 0..iv.realized_count {
                let k = rng.random_range(lo..hi);
                inp[at] = input[k];
                outp[at] = output[k];
                if let (Some(v), Some(m)) = (img.as_deref_mut(), source_images) {
                    v[at] = m[k];
                }
                at += 1;
            }
        }
    };
    // The halves: intervals before `mid` and their arrivals and requests, and the rest.
    let mid = intervals.len() / 2;
    let (made, requests) = intervals[..mid].iter().fold((0, 0), |(a, r), iv| {
        (a + iv.realized_count as usize, r + iv.trace_count as usize)
    });
    {
        let (in_a, in_b) = out.input[..drawn].split_at_mut(made);
        let (out_a, out_b) = out.output[..drawn].split_at_mut(made);
        let (img_a, img_b) = match images.as_deref_mut() {
            Some(v) => {
                let (a, b) = v[..drawn].split_at_mut(made);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        crate::par::join(
            || draw(0..mid, 0, in_a, out_a, img_a),
            || draw(mid..intervals.len(), requests, in_b, out_b, img_b),
        );
    }
    // Arrivals past the last interval cannot happen; should one, it still gets tokens.
    let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, usize::MAX);
    for at in drawn..n {
        let k = rng.random_range(0..total);
        out.input[at] = input[k];
        out.output[at] = output[k];
        if let (Some(v), Some(m)) = (&mut images, source_images) {
            v[at] = m[k];
        }
    }
    out.images = images;
    Some(out.into_tokens(None))
}

/// Reads one value of each cache line of `v` in order, which the processor prefetches ahead:
/// the draws that follow then find an interval's requests in cache rather than waiting on
/// memory for each first touch in random order.
fn warm(v: &[u32]) {
    let mut acc = 0u32;
    for line in v.chunks(16) {
        acc = acc.wrapping_add(line[0]);
    }
    std::hint::black_box(acc);
}

/// Seed salt of the token draws.
pub(super) const TOKEN_STREAM: u64 = 0x746f_6b65_6e73_0001;
