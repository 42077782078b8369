//! Merging the models' sorted arrivals into one request stream, on all cores: the time axis is
//! cut into chunks of about equal size, and each chunk is put in order in scratch buffers a
//! chunk long (a stable sort for a few runs, a bucket sort for many), so memory stays a small
//! fraction of the output.

use std::sync::Mutex;

use crate::stats::{CHUNK, chunk_bounds, chunk_ranges};

/// The merged stream: arrival, model (index into the runs) and index within that model's run.
/// Ties keep run order, so the result does not depend on thread count.
pub struct Merged {
    /// Arrival times, ascending.
    pub arrival: Vec<f64>,
    /// Run index of each request.
    pub model: Vec<u32>,
    /// Position of each request in its run (only when asked for).
    pub index: Option<Vec<u32>>,
}

#[derive(Clone, Copy, Default)]
struct Item {
    t: f64,
    model: u32,
    index: u32,
}

/// Merges sorted `runs`; with `with_index`, also each request's position in its run.
pub fn merge(runs: &[&[f64]], with_index: bool) -> Merged {
    let total: usize = runs.iter().map(|r| r.len()).sum();
    let mut arrival = vec![0.0; total];
    let mut model = vec![0u32; total];
    let mut index = with_index.then(|| vec![0u32; total]);
    // Small chunks share a short merge evenly between the cores.
    let size = if runs.len() <= FEW_RUNS {
        CHUNK / 4
    } else {
        CHUNK
    };
    let chunks = chunk_ranges(runs, &chunk_bounds(runs, total.div_ceil(size)));
    let threads = crate::par::threads().min(chunks.len());
    // Per chunk: each run's range, and the chunk's place in the output.
    let mut jobs = Vec::with_capacity(chunks.len());
    let mut out_arr: &mut [f64] = &mut arrival;
    let mut out_model: &mut [u32] = &mut model;
    let mut out_index: Option<&mut [u32]> = index.as_deref_mut();
    for ranges in chunks {
        let n: usize = ranges.iter().map(|(lo, hi)| hi - lo).sum();
        let (a, rest_a) = std::mem::take(&mut out_arr).split_at_mut(n);
        let (m, rest_m) = std::mem::take(&mut out_model).split_at_mut(n);
        let i = match out_index.take() {
            Some(s) => {
                let (i, rest) = s.split_at_mut(n);
                out_index = Some(rest);
                Some(i)
            }
            None => None,
        };
        out_arr = rest_a;
        out_model = rest_m;
        jobs.push((ranges, a, m, i));
    }
    let jobs = Mutex::new(jobs);
    let work = || {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        loop {
            let job = jobs.lock().map_or(None, |mut j| j.pop());
            let Some((ranges, arr, model, index)) = job else {
                return;
            };
            merge_chunk(runs, &ranges, &mut a, &mut b);
            for (k, it) in a.iter().enumerate() {
                arr[k] = it.t;
                model[k] = it.model;
            }
            if let Some(index) = index {
                for (k, it) in a.iter().enumerate() {
                    index[k] = it.index;
                }
            }
        }
    };
    // This thread is one of the workers.
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    Merged {
        arrival,
        model,
        index,
    }
}

/// Up to this many runs, a chunk is put in order by the standard library's stable sort (it
/// finds the sorted runs and merges them); beyond, bucketing is faster (docs/performance.md).
const FEW_RUNS: usize = 8;

/// Orders each run's `ranges` slice into `a` (using `b` as scratch), ties in run order. Up to
/// [`FEW_RUNS`] runs, by a stable sort; beyond, by a stable bucket sort on the arrival time —
/// the chunk is a short stretch of time, so a bucket per request leaves about one request per
/// bucket — then an insertion sort inside each bucket (a stable sort for the rare crowded one):
/// two passes over the data with predictable branches, where merging 48 runs pairwise took six
/// with unpredictable ones.
fn merge_chunk(runs: &[&[f64]], ranges: &[(usize, usize)], a: &mut Vec<Item>, b: &mut Vec<Item>) {
    b.clear();
    for (m, (r, &(lo, hi))) in runs.iter().zip(ranges).enumerate() {
        b.extend(r[lo..hi].iter().enumerate().map(|(k, &t)| Item {
            t,
            model: m as u32,
            index: (lo + k) as u32,
        }));
    }
    // `b` is in run order, then index order: the order ties must keep.
    let n = b.len();
    a.clear();
    if n == 0 {
        return;
    }
    if runs.len() <= FEW_RUNS {
        std::mem::swap(a, b);
        if a.iter().all(|it| it.t.is_sign_positive()) {
            // Without a sign bit the bits order like the numbers, and compare faster.
            a.sort_by_key(|it| it.t.to_bits());
        } else {
            a.sort_by(|x, y| x.t.total_cmp(&y.t));
        }
        return;
    }
    // The runs are sorted: the chunk's extremes are at the ends of its ranges.
    let (lo, hi) = runs.iter().zip(ranges).filter(|(_, (l, h))| h > l).fold(
        (f64::INFINITY, f64::NEG_INFINITY),
        |(l, h), (r, &(a, z))| (l.min(r[a]), h.max(r[z - 1])),
    );
    let buckets = n;
    // Monotone in t (rounding never reorders), so bucket order agrees with time order.
    let scale = if hi > lo {
        buckets as f64 / (hi - lo)
    } else {
        0.0
    };
    let bucket = |t: f64| (((t - lo) * scale) as usize).min(buckets - 1);
    let mut start = vec![0u32; buckets + 1];
    for it in b.iter() {
        start[bucket(it.t) + 1] += 1;
    }
    for i in 0..buckets {
        start[i + 1] += start[i];
    }
    a.resize(n, Item::default());
    let mut next = start.clone();
    for it in b.iter() {
        let k = bucket(it.t);
        a[next[k] as usize] = *it;
        next[k] += 1;
    }
    for w in start.windows(2) {
        let s = &mut a[w[0] as usize..w[1] as usize];
        if s.len() > 32 {
            s.sort_by(|x, y| x.t.total_cmp(&y.t)); // stable
        } else {
            insertion_sort(s);
        }
    }
}

/// Stable insertion sort by time (equal times keep their order).
fn insertion_sort(s: &mut [Item]) {
    for i in 1..s.len() {
        let x = s[i];
        let mut j = i;
        while j > 0 && s[j - 1].t > x.t {
            s[j] = s[j - 1];
            j -= 1;
        }
        s[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_like_a_stable_sort_whatever_the_chunking() {
        let mut x: u64 = 1;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) % 10_000) as f64 / 7.0
        };
        // Enough requests for several chunks, with ties inside and across runs; run counts
        // for both ways of ordering a chunk (sorting, bucketing).
        for n_runs in [1, 2, 7, FEW_RUNS, FEW_RUNS + 1, 20] {
            let runs: Vec<Vec<f64>> = (0..n_runs)
                .map(|k| {
                    let mut v: Vec<f64> = (0..(CHUNK / 3 + k * 1000)).map(|_| next()).collect();
                    v.sort_by(f64::total_cmp);
                    v
                })
                .collect();
            let slices: Vec<&[f64]> = runs.iter().map(Vec::as_slice).collect();
            let m = merge(&slices, true);
            let mut want: Vec<(f64, u32, u32)> = runs
                .iter()
                .enumerate()
                .flat_map(|(r, v)| {
                    v.iter()
                        .enumerate()
                        .map(move |(i, &t)| (t, r as u32, i as u32))
                })
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            assert_eq!(m.arrival, want.iter().map(|w| w.0).collect::<Vec<_>>());
            assert_eq!(m.model, want.iter().map(|w| w.1).collect::<Vec<_>>());
            assert_eq!(
                m.index.unwrap(),
                want.iter().map(|w| w.2).collect::<Vec<_>>(),
                "{n_runs} runs"
            );
        }
        assert!(merge(&[], false).arrival.is_empty());
        assert_eq!(
            merge(&[&[1.0, 2.0][..], &[][..], &[1.5][..]], false).model,
            vec![0, 2, 0]
        );
        // Infinite and negative arrivals order like numbers too.
        let inf = f64::INFINITY;
        let m = merge(&[&[1.0, inf][..], &[2.0, inf][..]], true);
        assert_eq!(m.arrival, vec![1.0, 2.0, inf, inf]);
        assert_eq!(m.model, vec![0, 1, 0, 1]);
        assert_eq!(m.index.unwrap(), vec![0, 0, 1, 1]);
        let m = merge(&[&[-3.0, 1.0][..], &[-5.0, 1.0][..]], false);
        assert_eq!(m.arrival, vec![-5.0, -3.0, 1.0, 1.0]);
        assert_eq!(m.model, vec![1, 0, 0, 1]);
    }
}
