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
    if arrivals.len() < 2 {
        return 0.0;
    }
    let n = (arrivals.len() - 1) as f64;
    let gaps = || arrivals.windows(2).map(|w| w[1] - w[0]);
    let mean = sum(gaps()) / n;
    let var = sum(gaps().map(|g| (g - mean) * (g - mean))) / n;
    var.sqrt() / (mean + 1e-5)
}

/// All of `parts` (each sorted) merged into one sorted vector.
///
/// Few runs merge pairwise; many (a model's dozens of functions) go through a bucket sort on
/// the value, a bucket per element: two passes with predictable branches instead of one pass
/// per doubling of the run count.
pub fn merge_sorted<'a>(parts: impl IntoIterator<Item = &'a [f64]>) -> Vec<f64> {
    let parts: Vec<&[f64]> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let n: usize = parts.iter().map(|p| p.len()).sum();
    if parts.len() > 4 && u32::try_from(n).is_ok() {
        return bucket_merge(&parts);
    }
    let mut src: Vec<f64> = Vec::new();
    let mut bounds = vec![0];
    for p in &parts {
        src.extend_from_slice(p);
        bounds.push(src.len());
    }
    if bounds.len() <= 2 {
        return src;
    }
    let mut dst = vec![0.0; src.len()];
    while bounds.len() > 2 {
        let mut next = vec![0];
        for pair in bounds.windows(3).step_by(2) {
            let (a, m, b) = (pair[0], pair[1], pair[2]);
            merge_two(&src[a..m], &src[m..b], &mut dst[a..b]);
            next.push(b);
        }
        if bounds.len() % 2 == 0 {
            // An odd run out: carried over as it is.
            let (a, b) = (bounds[bounds.len() - 2], bounds[bounds.len() - 1]);
            dst[a..b].copy_from_slice(&src[a..b]);
            next.push(b);
        }
        std::mem::swap(&mut src, &mut dst);
        bounds = next;
    }
    src
}

/// Sorts the union of sorted, finite `parts` by bucketing on the value.
fn bucket_merge(parts: &[&[f64]]) -> Vec<f64> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    let lo = parts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
    let hi = parts
        .iter()
        .map(|p| p[p.len() - 1])
        .fold(f64::NEG_INFINITY, f64::max);
    // Monotone in the value, so bucket order agrees with value order.
    let scale = if hi > lo { n as f64 / (hi - lo) } else { 0.0 };
    let bucket = |t: f64| (((t - lo) * scale) as usize).min(n - 1);
    let mut start = vec![0u32; n + 1];
    for p in parts {
        for &t in *p {
            start[bucket(t) + 1] += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut out = vec![0.0; n];
    let mut next = start.clone();
    for p in parts {
        for &t in *p {
            let k = bucket(t);
            out[next[k] as usize] = t;
            next[k] += 1;
        }
    }
    for w in start.windows(2) {
        let s = &mut out[w[0] as usize..w[1] as usize];
        if s.len() > 32 {
            s.sort_unstable_by(f64::total_cmp);
        } else {
            for i in 1..s.len() {
                let x = s[i];
                let mut j = i;
                while j > 0 && s[j - 1] > x {
                    s[j] = s[j - 1];
                    j -= 1;
                }
                s[j] = x;
            }
        }
    }
    out
}

/// Merges sorted `a` and `b` into `out` (`out.len() == a.len() + b.len()`). Arrivals are finite,
/// so `<=` orders them; the choice is made without a branch, which the CPU cannot predict here.
fn merge_two(a: &[f64], b: &[f64], out: &mut [f64]) {
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        // Take from `a` on ties, so the merge is stable.
        let take_a = x <= y;
        out[k] = if take_a { x } else { y };
        i += usize::from(take_a);
        j += usize::from(!take_a);
        k += 1;
    }
    out[k..k + a.len() - i].copy_from_slice(&a[i..]);
    k += a.len() - i;
    out[k..].copy_from_slice(&b[j..]);
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
    for &t in &sorted[lo..hi] {
        let b = (((t - start) / width) as usize).min(bins - 1);
        out[b] += 1;
    }
    out
}

/// Python's `repr` of a float for the numbers we print (`1.0`, `0.5`, `8.0`).
pub fn py_float(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cv_of_known_gaps() {
        // gaps 1 and 3: mean 2, population std 1
        let c = cv(&[0.0, 1.0, 4.0]);
        assert!((c - 1.0 / (2.0 + 1e-5)).abs() < 1e-15);
        assert_eq!(cv(&[5.0]), 0.0);
        assert_eq!(rate(1, 10.0), 0.0);
        assert_eq!(rate(4, 2.0), 2.0);
    }

    #[test]
    fn merge() {
        assert_eq!(
            merge_sorted([&[1.0, 3.0][..], &[2.0][..]]),
            vec![1.0, 2.0, 3.0]
        );
        assert!(merge_sorted([]).is_empty());
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

    #[test]
    fn py_floats() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.25), "0.25");
    }
}
