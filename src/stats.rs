//! Statistics of arrival sequences, as the original reports them.

use crate::estimate::sum;

/// Arrivals per second: `n / seconds`, and 0 for fewer than two arrivals (as the original).
pub fn rate(n: usize, seconds: f64) -> f64 {
    if n < 2 { 0.0 } else { n as f64 / seconds }
}

/// `std(gaps) / (mean(gaps) + 1e-5)` with the population std, over sorted `arrivals`;
/// 0 for fewer than two arrivals.
///
/// ```
/// assert_eq!(tracereplay_tui::stats::cv(&[0.0, 1.0, 2.0]), 0.0);
/// ```
pub fn cv(arrivals: &[f64]) -> f64 {
    GapMoments::of(arrivals).cv()
}

/// Count, mean and sum of squared deviations of the gaps of a sorted sequence, computed in one
/// pass and combinable (Chan et al.), so a model's per-interval and overall cv come from one
/// pass over its arrivals instead of four.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GapMoments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl GapMoments {
    /// The gaps of sorted `arrivals`.
    pub fn of(arrivals: &[f64]) -> GapMoments {
        if arrivals.len() < 2 {
            return GapMoments::default();
        }
        let n = arrivals.len() - 1;
        // The gaps telescope: their sum is last − first, to the rounding of each gap.
        let mean = (arrivals[n] - arrivals[0]) / n as f64;
        // Blocks of 256 summed on 4 lanes (vectorised), blocks compensated-summed: the error
        // stays near 64 ulp whatever the length.
        let squares = |w: &[f64]| {
            let mut lanes = [0.0f64; 4];
            let (head, tail) = (&w[..w.len() - 1], &w[1..]);
            let mut quads = head.chunks_exact(4).zip(tail.chunks_exact(4));
            for (a, b) in quads.by_ref() {
                for l in 0..4 {
                    let d = b[l] - a[l] - mean;
                    lanes[l] += d * d;
                }
            }
            let done = head.len() / 4 * 4;
            for (a, b) in head[done..].iter().zip(&tail[done..]) {
                let d = b - a - mean;
                lanes[0] += d * d;
            }
            (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        };
        // Overlapping chunks of 257 arrivals hold 256 gaps each.
        let m2 = sum((0..n.div_ceil(256)).map(|b| {
            let lo = b * 256;
            squares(&arrivals[lo..(lo + 257).min(arrivals.len())])
        }));
        GapMoments {
            n: n as u64,
            mean,
            m2,
        }
    }

    /// One gap.
    pub fn gap(g: f64) -> GapMoments {
        GapMoments {
            n: 1,
            mean: g,
            m2: 0.0,
        }
    }

    /// The moments of both sets of gaps together.
    pub fn merge(self, other: GapMoments) -> GapMoments {
        if self.n == 0 {
            return other;
        }
        if other.n == 0 {
            return self;
        }
        let n = self.n + other.n;
        let (a, b, nf) = (self.n as f64, other.n as f64, n as f64);
        let delta = other.mean - self.mean;
        GapMoments {
            n,
            mean: self.mean + delta * b / nf,
            m2: self.m2 + other.m2 + delta * delta * a * b / nf,
        }
    }

    /// `std(gaps) / (mean(gaps) + 1e-5)`, population std; 0 without gaps.
    pub fn cv(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        (self.m2 / self.n as f64).sqrt() / (self.mean + 1e-5)
    }
}

/// All of `parts` (each sorted) merged into one sorted vector.
///
/// The standard library's stable sort finds the sorted runs of the concatenation and merges
/// them: measured faster here than pairwise merging or a bucket sort, for 5 runs as for 85.
pub fn merge_sorted<'a>(parts: impl IntoIterator<Item = &'a [f64]>) -> Vec<f64> {
    let mut all = Vec::new();
    merge_sorted_into(parts, &mut all);
    all
}

/// [`merge_sorted`] of `parts`: the one part with values itself when there is only one (it is
/// its own merge, read where it is), else merged into `buffer` (cleared first, its memory
/// reused).
pub fn merged<'a>(
    parts: impl IntoIterator<Item = &'a [f64]>,
    buffer: &'a mut Vec<f64>,
) -> &'a [f64] {
    let parts: Vec<&[f64]> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => &[],
        [only] => only,
        _ => {
            merge_sorted_into(parts, buffer);
            buffer
        }
    }
}

/// [`merge_sorted`] into `all` (cleared first), reusing its memory.
fn merge_sorted_into<'a>(parts: impl IntoIterator<Item = &'a [f64]>, all: &mut Vec<f64>) {
    let parts: Vec<&[f64]> = parts.into_iter().collect();
    all.clear();
    all.reserve(parts.iter().map(|p| p.len()).sum());
    for p in &parts {
        all.extend_from_slice(p);
    }
    sort_concatenated(all, parts.iter().filter(|p| !p.is_empty()).count());
}

/// Sorts `all`, the concatenation of `runs` sorted runs (see [`merge_sorted`]).
pub fn sort_concatenated(all: &mut [f64], runs: usize) {
    if runs > 1 {
        // Without a sign bit set (no negatives, no -0.0), the bits order like the numbers:
        // integer comparisons sort faster than `total_cmp`, to the same result.
        if all.iter().fold(0u64, |o, x| o | x.to_bits()) >> 63 == 0 {
            all.sort_by_key(|x| x.to_bits());
        } else {
            all.sort_by(f64::total_cmp);
        }
    }
}

/// Arrivals per chunk when merged sequences are processed a chunk at a time: small enough that
/// a chunk's buffers stay in cache.
pub const CHUNK: usize = 1 << 15;

/// Times cutting the merge of sorted `runs` into about `chunks` chunks of equal size,
/// ascending: equally spaced values of a sorted sample of every run (each 64th arrival).
/// Empty for one chunk.
pub fn chunk_bounds(runs: &[&[f64]], chunks: usize) -> Vec<f64> {
    const STRIDE: usize = 64;
    if chunks <= 1 {
        return Vec::new();
    }
    let mut sample: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.iter().step_by(STRIDE).copied())
        .collect();
    // The concatenation of every run's sample, each sorted: merged as runs.
    sort_concatenated(&mut sample, runs.len());
    let mut out: Vec<f64> = Vec::with_capacity(chunks);
    for j in 1..chunks {
        let t = sample[j * sample.len() / chunks];
        if out.last().is_none_or(|&p| t > p) {
            out.push(t);
        }
    }
    out
}

/// Each chunk's range `(start, end)` in every run, for chunks cut at `bounds` (ascending, as
/// [`chunk_bounds`] makes them): chunk `i` holds the values in `[bounds[i - 1], bounds[i])`,
/// the first and last chunks open-ended.
pub fn chunk_ranges(runs: &[&[f64]], bounds: &[f64]) -> Vec<Vec<(usize, usize)>> {
    let mut lo = vec![0; runs.len()];
    bounds
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .map(|t| {
            let hi: Vec<usize> = runs
                .iter()
                .map(|r| t.map_or(r.len(), |t| r.partition_point(|&x| x < t)))
                .collect();
            let ranges = lo.iter().copied().zip(hi.iter().copied()).collect();
            lo = hi;
            ranges
        })
        .collect()
}

/// The gap moments of the merge of sorted `runs`, without building it: each chunk of the time
/// axis is merged in a buffer that stays in cache and the chunks' moments are combined in
/// order, the two halves on two cores: merging into one vector would touch fresh memory the
/// size of all arrivals for a figure of one number.
pub fn merged_gap_moments(runs: &[&[f64]]) -> GapMoments {
    let never = std::sync::atomic::AtomicBool::new(false);
    merged_gap_moments_unless(runs, &never).unwrap_or_default()
}

/// [`merged_gap_moments`], or `None` once `cancel` is set (checked a chunk at a time).
pub fn merged_gap_moments_unless(
    runs: &[&[f64]],
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<GapMoments> {
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let total: usize = runs.iter().map(|r| r.len()).sum();
    let chunks = chunk_ranges(runs, &chunk_bounds(runs, total.div_ceil(CHUNK)));
    let chunk = |ranges: &[(usize, usize)], buffer: &mut Vec<f64>| -> Chunk {
        let parts = runs.iter().zip(ranges).map(|(r, &(lo, hi))| &r[lo..hi]);
        let stretch = merged(parts, buffer);
        Chunk {
            moments: GapMoments::of(stretch),
            ends: stretch.first().copied().zip(stretch.last().copied()),
        }
    };
    let fold = |chunks: &[Vec<(usize, usize)>]| {
        let mut buffer = Vec::new();
        chunks
            .iter()
            .take_while(|_| !cancelled())
            .map(|ranges| chunk(ranges, &mut buffer))
            .fold(Chunk::default(), Chunk::then)
    };
    let moments = if chunks.len() == 1 {
        fold(&chunks).moments
    } else {
        let (first, second) = crate::par::on_both_halves(&chunks, fold);
        first.then(second).moments
    };
    (!cancelled()).then_some(moments)
}

/// The gap moments of a stretch of a merged sequence, and its first and last arrival.
#[derive(Default)]
struct Chunk {
    moments: GapMoments,
    ends: Option<(f64, f64)>,
}

impl Chunk {
    /// This stretch followed by `next`: their moments and the gap between them.
    fn then(self, next: Chunk) -> Chunk {
        match (self.ends, next.ends) {
            (Some((first, last)), Some((next_first, next_last))) => Chunk {
                moments: self
                    .moments
                    .merge(GapMoments::gap(next_first - last))
                    .merge(next.moments),
                ends: Some((first, next_last)),
            },
            (None, _) => next,
            (_, None) => self,
        }
    }
}

/// [`slice::partition_point`], searched outward from the front: for a point near the start
/// of a long slice (an interval's end in a model's arrivals) it reads a few nearby cache
/// lines instead of halving the whole slice, each halving a cache miss.
///
/// ```
/// let a = [1.0, 2.0, 2.0, 3.0, 5.0, 8.0];
/// for x in [0.0, 1.0, 2.0, 4.0, 9.0] {
///     let near = tracereplay_tui::stats::partition_point_near(&a, |&t| t < x);
///     assert_eq!(near, a.partition_point(|&t| t < x));
/// }
/// ```
pub fn partition_point_near<T>(s: &[T], mut pred: impl FnMut(&T) -> bool) -> usize {
    // `s[..lo]` satisfy `pred`; the point is at most `hi`.
    let (mut lo, mut step) = (0, 1);
    let hi = loop {
        let probe = lo + step;
        if probe > s.len() {
            break s.len();
        }
        if !pred(&s[probe - 1]) {
            break probe - 1;
        }
        lo = probe;
        step *= 2;
    };
    lo + s[lo..hi].partition_point(pred)
}

/// Counts of `sorted` arrivals in `bins` equal bins over `[start, end)`.
///
/// ```
/// let h = tracereplay_tui::stats::histogram(&[0.0, 0.5, 1.5, 9.0], 0.0, 2.0, 2);
/// assert_eq!(h, vec![2, 1]);
/// ```
pub fn histogram(sorted: &[f64], start: f64, end: f64, bins: usize) -> Vec<u64> {
    let mut out = vec![0u64; bins];
    if bins == 0 || end.partial_cmp(&start) != Some(std::cmp::Ordering::Greater) {
        return out;
    }
    let width = (end - start) / bins as f64;
    let lo = sorted.partition_point(|&t| t < start);
    let hi = sorted.partition_point(|&t| t < end);
    let within = &sorted[lo..hi];
    // Rounded division and truncation keep the bin non-decreasing in `t`.
    let bin = |t: f64| (((t - start) / width) as usize).min(bins - 1);
    if within.len() < bins.saturating_mul(16) {
        for &t in within {
            out[bin(t)] += 1;
        }
        return out;
    }
    // Many arrivals a bin: each bin's end found by search, the same counts as binning each
    // arrival without reading them all (a replay's view bins millions).
    let mut at = 0;
    for (b, count) in out.iter_mut().enumerate() {
        let next = at + partition_point_near(&within[at..], |&t| bin(t) <= b);
        *count = (next - at) as u64;
        at = next;
    }
    out
}

/// Keys left in the running after which selection collects them and selects among them.
const SELECT_COLLECT: u64 = 1 << 20;

/// The keys at `indices` (0-based ranks) of `keys()` in ascending order, as sorting them would
/// give, without sorting or copying them all: a radix selection on 16-bit digits from the top
/// of `bits`-bit keys, each pass counting the keys that share the digits found so far, until a
/// million or fewer are left to collect. `keys` is called once a pass, so that a large column
/// is neither copied nor sorted.
///
/// ```
/// let v = [5u64, 1, 9, 3, 7];
/// let got = tracereplay_tui::stats::select_ranks(|| v.iter().copied(), 64, &[0, 2, 4]);
/// assert_eq!(got, vec![Some(1), Some(5), Some(9)]);
/// ```
pub fn select_ranks<I: Iterator<Item = u64>>(
    keys: impl Fn() -> I,
    bits: u32,
    indices: &[u64],
) -> Vec<Option<u64>> {
    /// A rank being selected: the high digits fixed so far (`prefix`, above bit `shift`), its
    /// rank among the keys that have them, and how many do (`None`: not counted yet).
    #[derive(Clone, Copy)]
    struct Sel {
        prefix: u64,
        shift: u32,
        rank: u64,
        count: Option<u64>,
    }
    let has = |k: u64, prefix: u64, shift: u32| shift >= 64 || k >> shift == prefix >> shift;
    let mut sels: Vec<Sel> = indices
        .iter()
        .map(|&rank| Sel {
            prefix: 0,
            shift: bits.min(64),
            rank,
            count: None,
        })
        .collect();
    let mut out: Vec<Option<u64>> = vec![None; indices.len()];
    let mut done = vec![false; indices.len()];
    loop {
        // Ranks found, or few enough keys left to collect, leave the passes.
        for (i, s) in sels.iter().enumerate() {
            if done[i] {
                continue;
            }
            if s.count.is_some_and(|c| s.rank >= c) {
                done[i] = true;
            } else if s.shift == 0 && s.count.is_some() {
                (out[i], done[i]) = (Some(s.prefix), true);
            } else if s.count.is_some_and(|c| c <= SELECT_COLLECT) {
                let mut left: Vec<u64> = keys().filter(|&k| has(k, s.prefix, s.shift)).collect();
                let r = usize::try_from(s.rank).unwrap_or(usize::MAX);
                out[i] = (r < left.len()).then(|| *left.select_nth_unstable(r).1);
                done[i] = true;
            }
        }
        // One pass for every rank still going: a histogram of the next digit per distinct
        // prefix (the ranks of one distribution mostly share theirs).
        let mut groups: Vec<(u64, u32)> = Vec::new();
        for (i, s) in sels.iter().enumerate() {
            if !done[i] && !groups.contains(&(s.prefix, s.shift)) {
                groups.push((s.prefix, s.shift));
            }
        }
        if groups.is_empty() {
            return out;
        }
        let digit = |shift: u32| shift.min(16);
        let mut hists: Vec<Vec<u64>> = groups
            .iter()
            .map(|&(_, sh)| vec![0; 1 << digit(sh)])
            .collect();
        if let ([(prefix, shift)], [h]) = (groups.as_slice(), hists.as_mut_slice()) {
            // One prefix (the usual case): a tight loop.
            let (next, mask) = (shift - digit(*shift), (1u64 << digit(*shift)) - 1);
            if *shift >= 64 {
                for k in keys() {
                    h[((k >> next) & mask) as usize] += 1;
                }
            } else {
                let want = prefix >> shift;
                for k in keys().filter(|k| k >> shift == want) {
                    h[((k >> next) & mask) as usize] += 1;
                }
            }
        } else {
            for k in keys() {
                for (h, &(prefix, shift)) in hists.iter_mut().zip(&groups) {
                    if has(k, prefix, shift) {
                        let next = shift - digit(shift);
                        h[((k >> next) & ((1u64 << digit(shift)) - 1)) as usize] += 1;
                    }
                }
            }
        }
        for (i, s) in sels.iter_mut().enumerate() {
            if done[i] {
                continue;
            }
            let g = groups
                .iter()
                .position(|&g| g == (s.prefix, s.shift))
                .unwrap_or(0);
            let next = s.shift - digit(s.shift);
            let total: u64 = hists[g].iter().sum();
            if s.rank >= total {
                s.count = Some(total);
                continue;
            }
            let mut below = 0;
            for (d, &c) in hists[g].iter().enumerate() {
                if s.rank < below + c {
                    *s = Sel {
                        prefix: s.prefix | (d as u64) << next,
                        shift: next,
                        rank: s.rank - below,
                        count: Some(c),
                    };
                    break;
                }
                below += c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_ranks_are_a_sorts() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        for (n, spread) in [
            (0usize, 10u64),
            (1, 10),
            (7, 3),
            (3_000_000, 1_000),
            (2_500_000, u64::MAX),
        ] {
            let v: Vec<u64> = (0..n).map(|_| rng.random_range(0..=spread)).collect();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let ranks: Vec<u64> = [0, n / 2, n.saturating_sub(1), n * 99 / 100, n]
                .iter()
                .map(|&r| r as u64)
                .collect();
            let got = select_ranks(|| v.iter().copied(), 64, &ranks);
            let want: Vec<Option<u64>> = ranks
                .iter()
                .map(|&r| sorted.get(r as usize).copied())
                .collect();
            assert_eq!(got, want, "n {n}");
            let small: Vec<u64> = v.iter().map(|&x| x & 0xffff_ffff).collect();
            let mut s2 = small.clone();
            s2.sort_unstable();
            let got = select_ranks(|| small.iter().copied(), 32, &ranks);
            let want: Vec<Option<u64>> =
                ranks.iter().map(|&r| s2.get(r as usize).copied()).collect();
            assert_eq!(got, want, "n {n}, 32 bits");
        }
    }

    #[test]
    fn cv_of_known_gaps() {
        // gaps 1 and 3: mean 2, population std 1
        let c = cv(&[0.0, 1.0, 4.0]);
        assert!((c - 1.0 / (2.0 + 1e-5)).abs() < 1e-15);
        assert_eq!(cv(&[5.0]), 0.0);
        assert_eq!(rate(1, 10.0), 0.0);
        assert_eq!(rate(4, 2.0), 2.0);
    }

    /// The textbook two-pass cv, as the original computes it.
    fn cv_two_pass(a: &[f64]) -> f64 {
        let g: Vec<f64> = a.windows(2).map(|w| w[1] - w[0]).collect();
        let m = g.iter().sum::<f64>() / g.len() as f64;
        let v = g.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / g.len() as f64;
        v.sqrt() / (m + 1e-5)
    }

    #[test]
    fn gap_moments_agree_with_two_passes_and_merge() {
        let mut x: u64 = 3;
        let mut t = 1e5;
        let arrivals: Vec<f64> = (0..5_000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                t += ((x >> 11) as f64 / (1u64 << 53) as f64).powi(3) * 7.0;
                t
            })
            .collect();
        for len in [2, 3, 5, 9, 257, 258, 1000, 5000] {
            let a = &arrivals[..len];
            let (want, got) = (cv_two_pass(a), cv(a));
            assert!((got - want).abs() <= 1e-12 * want, "{len}: {got} vs {want}");
        }
        // Split anywhere, with the gap across the split added: the whole's moments.
        for cut in [1, 2, 256, 300, 4999] {
            let (a, b) = arrivals.split_at(cut);
            let joined = GapMoments::of(a)
                .merge(GapMoments::gap(b[0] - a[a.len() - 1]))
                .merge(GapMoments::of(b));
            let want = cv_two_pass(&arrivals);
            assert!((joined.cv() - want).abs() <= 1e-12 * want, "cut {cut}");
        }
        assert_eq!(GapMoments::of(&[1.0]), GapMoments::default());
        assert_eq!(GapMoments::default().cv(), 0.0);
    }

    #[test]
    fn histogram_by_search_counts_as_binning_each_arrival() {
        // Sorted values on and beside bin edges, ties, and runs far longer than a bin.
        let mut x: u64 = 5;
        let mut values: Vec<f64> = (0..50_000)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match i % 4 {
                    0 => (x >> 40) as f64 / 16.0,
                    1 => ((x >> 44) % 240) as f64 * (1e6 / 240.0),
                    2 => 123_456.0,
                    _ => ((x >> 11) as f64 / (1u64 << 53) as f64).powi(8) * 1e6,
                }
            })
            .collect();
        values.sort_by(f64::total_cmp);
        for (start, end, bins) in [
            (0.0, 1e6, 240),
            (1.0, 999_999.5, 7),
            (123_456.0, 123_456.5, 3),
            (0.0, 1e6, 1),
            (-5.0, 3e5, 1500),
        ] {
            let (lo, hi) = (
                values.partition_point(|&t| t < start),
                values.partition_point(|&t| t < end),
            );
            let width = (end - start) / bins as f64;
            let mut want = vec![0u64; bins];
            for &t in &values[lo..hi] {
                want[(((t - start) / width) as usize).min(bins - 1)] += 1;
            }
            assert!(hi - lo >= 16 * bins, "the search path is taken");
            assert_eq!(
                histogram(&values, start, end, bins),
                want,
                "{start} {end} {bins}"
            );
        }
    }

    #[test]
    fn merged_gap_moments_stop_when_cancelled() {
        let runs: Vec<Vec<f64>> = (0..3)
            .map(|k| (0..50_000).map(|i| (i * 3 + k) as f64 * 0.5).collect())
            .collect();
        let slices: Vec<&[f64]> = runs.iter().map(Vec::as_slice).collect();
        let calm = std::sync::atomic::AtomicBool::new(false);
        let done = merged_gap_moments_unless(&slices, &calm).expect("not cancelled");
        assert_eq!(done, merged_gap_moments(&slices));
        assert_eq!(done.n, 149_999);
        let cancel = std::sync::atomic::AtomicBool::new(true);
        assert_eq!(merged_gap_moments_unless(&slices, &cancel), None);
    }

    #[test]
    fn partition_point_near_is_partition_point() {
        for n in 0..70 {
            let a: Vec<u32> = (0..n).map(|i| i / 3).collect();
            for x in 0..=n / 3 + 1 {
                let near = partition_point_near(&a, |&v| v < x);
                assert_eq!(near, a.partition_point(|&v| v < x), "n {n} x {x}");
            }
        }
    }

    #[test]
    fn merged_gap_moments_are_those_of_the_merge() {
        // Five runs, one empty, one tiny, with ties across runs: 130 k arrivals in ~4 chunks,
        // so both cores and the gaps across chunk edges are exercised.
        let mut x: u64 = 11;
        let mut next = |scale: f64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64 * scale).floor()
        };
        let runs: Vec<Vec<f64>> = [60_000, 0, 3, 40_000, 30_000]
            .iter()
            .map(|&n| {
                let mut v: Vec<f64> = (0..n).map(|_| next(1e6) / 8.0).collect();
                v.sort_by(f64::total_cmp);
                v
            })
            .collect();
        let slices: Vec<&[f64]> = runs.iter().map(Vec::as_slice).collect();
        assert!(chunk_bounds(&slices, 130_003_usize.div_ceil(CHUNK)).len() >= 3);
        let merged = merge_sorted(slices.iter().copied());
        let (want, got) = (GapMoments::of(&merged), merged_gap_moments(&slices));
        assert_eq!(got.n, want.n);
        assert!(
            (got.cv() - want.cv()).abs() <= 1e-12 * want.cv(),
            "{got:?} vs {want:?}"
        );
        assert!((got.cv() - cv_two_pass(&merged)).abs() <= 1e-12 * want.cv());
        // Runs one after another in time: stretches where one run alone has arrivals are read
        // where they are, and give what the merge gives.
        let later: Vec<f64> = runs[0].iter().map(|t| t + 2e6).collect();
        let apart = [&runs[3][..], &later[..]];
        let merged = merge_sorted(apart.iter().copied());
        let (want, got) = (GapMoments::of(&merged), merged_gap_moments(&apart));
        assert_eq!(got.n, want.n);
        assert!((got.cv() - want.cv()).abs() <= 1e-12 * want.cv());
        // One chunk, one run, nothing.
        let small = [&runs[2][..], &runs[1][..]];
        assert_eq!(merged_gap_moments(&small), GapMoments::of(&runs[2]));
        assert_eq!(merged_gap_moments(&[]), GapMoments::default());
    }

    #[test]
    fn merge() {
        assert_eq!(
            merge_sorted([&[1.0, 3.0][..], &[2.0][..]]),
            vec![1.0, 2.0, 3.0]
        );
        assert!(merge_sorted([]).is_empty());
        // One part with values is its own merge, read where it is; several are merged.
        let (one, mut buffer) = ([1.0, 4.0], vec![9.0]);
        let got = merged([&[][..], &one[..], &[][..]], &mut buffer);
        assert_eq!((got, got.as_ptr()), (&one[..], one.as_ptr()));
        assert!(merged([&[][..]], &mut buffer).is_empty());
        assert_eq!(merged([&[3.0][..], &one[..]], &mut buffer), [1.0, 3.0, 4.0]);
        // Negatives and -0.0 take the other path, to the same order.
        assert_eq!(
            merge_sorted([&[-2.0, -0.0, 3.0][..], &[-5.0, 0.0, 1.0][..]])
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>(),
            [-5.0, -2.0, -0.0, 0.0, 1.0, 3.0].map(|x: f64| x.to_bits())
        );
        // Every run count from 1 to 9 (odd ones carry a run over), with ties and empty runs.
        let mut x: u64 = 7;
        for k in 1..10 {
            let runs: Vec<Vec<f64>> = (0..k)
                .map(|r| {
                    let mut v: Vec<f64> = (0..(r * 7) % 11)
                        .map(|_| {
                            x = x
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            ((x >> 40) % 50) as f64
                        })
                        .collect();
                    v.sort_by(f64::total_cmp);
                    v
                })
                .collect();
            let mut want: Vec<f64> = runs.concat();
            want.sort_by(f64::total_cmp);
            assert_eq!(
                merge_sorted(runs.iter().map(Vec::as_slice)),
                want,
                "k = {k}"
            );
        }
    }
}
