//! Maximum-likelihood fits of inter-arrival gaps, matching scipy's `fit` with the location fixed
//! at 0 (and, for pareto, the scale fixed at 1).

use statrs::function::gamma::digamma;

/// Compensated (Neumaier) sum: keeps fits within ~1e-15 of exact, so they agree with numpy's
/// pairwise sums far below the 1e-9 parity tolerance.
pub fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    s + c
}

/// `Σ ln x`, with one logarithm per 8 values instead of one per value: the binary exponents
/// are summed and the mantissas (each in `[1, 2)`) multiplied in blocks of 8, whose
/// product stays below 2⁸. The error is ~1e-15 absolute per block, as small as summing the logs
/// unless the values are near 1 (logs near 0, computed more exactly one by one): meant for gaps
/// of seconds, not for pareto's `gap + 1`. Falls back to summing the logs when a value is not a
/// positive normal number (0, subnormal, negative, inf, NaN).
///
/// ```
/// let x = [0.5, 3.0, 1e-6, 7.25, 1e300, 2.0, 9.0, 0.1, 4.0];
/// let naive: f64 = x.iter().map(|v: &f64| v.ln()).sum();
/// assert!((tracereplay_tui::estimate::sum_ln(&x) - naive).abs() < 1e-12);
/// ```
pub fn sum_ln(x: &[f64]) -> f64 {
    const FRACTION: u64 = (1 << 52) - 1;
    const ONE: u64 = 1023 << 52;
    let mut bad = false;
    let block = |c: &[f64]| {
        let (mut product, mut exponent) = (1.0f64, 0i64);
        for &v in c {
            let b = v.to_bits();
            // The sign bit lands above the 11 exponent bits, so negatives count as bad too.
            let e = (b >> 52) as i64;
            bad |= e == 0 || e >= 0x7ff;
            exponent += e - 1023;
            product *= f64::from_bits((b & FRACTION) | ONE);
        }
        // Per block, so the rounding of `exponent × ln 2` stays as small as one log's.
        exponent as f64 * std::f64::consts::LN_2 + product.ln()
    };
    let total = sum(x.chunks(8).map(block));
    if bad {
        return sum(x.iter().map(|v| v.ln()));
    }
    total
}

/// Mean of `values` (NaN when empty): blocks of 256 summed on four lanes (vectorised, no
/// dependency chain), the block sums compensated — within ~64 ulp whatever the length, at a
/// fraction of a fully compensated sum's time.
pub fn mean(values: &[f64]) -> f64 {
    let block = |b: &[f64]| {
        let mut lanes = [0.0f64; 4];
        let mut quads = b.chunks_exact(4);
        for q in quads.by_ref() {
            for l in 0..4 {
                lanes[l] += q[l];
            }
        }
        let rest: f64 = quads.remainder().iter().sum();
        (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
    };
    sum(values.chunks(256).map(block)) / values.len() as f64
}

/// Exponential MLE with location 0: the rate `1 / mean(gaps)`.
///
/// ```
/// assert_eq!(tracereplay_tui::estimate::exponential_rate(&[1.0, 3.0]), 0.5);
/// ```
pub fn exponential_rate(gaps: &[f64]) -> f64 {
    1.0 / mean(gaps)
}

/// Outcome of a gamma fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GammaFit {
    /// A finite maximum-likelihood fit.
    Fitted {
        /// Shape k.
        shape: f64,
        /// Scale θ (seconds).
        scale: f64,
    },
    /// The gaps are (nearly) all equal: the likelihood grows without bound in the shape, so the
    /// process is deterministic with this mean gap. scipy raises here.
    Constant {
        /// The mean gap (seconds).
        mean: f64,
    },
}

impl GammaFit {
    /// Rate `1/(kθ)` (per second).
    pub fn rate(&self) -> f64 {
        match *self {
            GammaFit::Fitted { shape, scale } => 1.0 / (shape * scale),
            GammaFit::Constant { mean } => 1.0 / mean,
        }
    }

    /// Coefficient of variation `1/√k` (0 for constant gaps).
    pub fn cv(&self) -> f64 {
        match *self {
            GammaFit::Fitted { shape, .. } => (1.0 / shape).sqrt(),
            GammaFit::Constant { .. } => 0.0,
        }
    }
}

/// Below this, `ln(mean) − mean(ln x)` is rounding noise: the gaps are constant. (scipy's own
/// bracket fails from about 7e-15.)
const CONSTANT_GAPS_S: f64 = 1e-14;

/// Gamma MLE with location 0: solves `ln k − ψ(k) = ln(mean) − mean(ln x)` for the shape and
/// sets the scale to `mean / k`. `gaps` must be positive and non-empty.
///
/// ```
/// use tracereplay_tui::estimate::{gamma_mle, GammaFit};
/// assert_eq!(gamma_mle(&[300.0, 300.0, 300.0]), GammaFit::Constant { mean: 300.0 });
/// let fit = gamma_mle(&[1.0, 2.0, 4.0]);
/// assert!((fit.rate() - 3.0 / 7.0).abs() < 1e-12);
/// ```
pub fn gamma_mle(gaps: &[f64]) -> GammaFit {
    gamma_mle_of(mean(gaps), sum_ln(gaps), gaps.len())
}

/// [`gamma_mle`] from the gaps' [`mean`], [`sum_ln`] and count (for a caller that has them).
pub fn gamma_mle_of(m: f64, sum_ln: f64, n: usize) -> GammaFit {
    let s = m.ln() - sum_ln / n as f64;
    if s.is_nan() || s <= CONSTANT_GAPS_S || s.is_infinite() {
        return GammaFit::Constant { mean: m };
    }
    let shape = solve_shape(s);
    GammaFit::Fitted {
        shape,
        scale: m / shape,
    }
}

/// The root of `f(k) = ln k − ψ(k) − s`, which falls strictly from +∞ to 0 as k grows.
fn solve_shape(s: f64) -> f64 {
    shape_root(s, |k| k.ln() - digamma(k) - s)
}

/// The root of `f` (that equation for `s`), bracketed around scipy's starting guess.
fn shape_root(s: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
    // scipy's starting guess (Minka); the root is within a few percent of it.
    let guess = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    let (mut lo, mut hi) = (guess * 0.6, guess * 1.4);
    let mut f_lo = f(lo);
    while f_lo < 0.0 && lo > f64::MIN_POSITIVE {
        lo *= 0.5;
        f_lo = f(lo);
    }
    let mut f_hi = f(hi);
    while f_hi > 0.0 && hi < f64::MAX / 4.0 {
        hi *= 2.0;
        f_hi = f(hi);
    }
    // Regula falsi with the Illinois modification (the end kept twice has its value halved):
    // superlinear, ~10 evaluations of ψ instead of bisection's ~60, and the root stays
    // bracketed; bisection steps take over should an estimate fall outside the bracket.
    let mut kept = 0i8;
    for _ in 0..200 {
        if !(f_lo > 0.0 && f_hi < 0.0) {
            break;
        }
        let secant = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        let x = if secant > lo && secant < hi {
            secant
        } else {
            0.5 * (lo + hi)
        };
        if x <= lo || x >= hi {
            break;
        }
        let fx = f(x);
        if fx == 0.0 {
            return x;
        }
        if fx > 0.0 {
            lo = x;
            f_lo = fx;
            if kept == 1 {
                f_hi *= 0.5;
            }
            kept = 1;
        } else {
            hi = x;
            f_hi = fx;
            if kept == -1 {
                f_lo *= 0.5;
            }
            kept = -1;
        }
        if hi - lo <= 2.0 * f64::EPSILON * hi {
            break;
        }
    }
    if f_lo.abs() <= f_hi.abs() { lo } else { hi }
}

/// Pareto MLE with location 0 and scale 1, on values `x ≥ 1`: shape `n / Σ ln x`.
///
/// ```
/// let e = std::f64::consts::E;
/// assert!((tracereplay_tui::estimate::pareto_shape(&[e, e]) - 1.0).abs() < 1e-15);
/// ```
pub fn pareto_shape(x: &[f64]) -> f64 {
    // Not sum_ln: these are gaps + 1, near 1 for bursts, where a log's own error is far below
    // a block product's ~1e-15.
    x.len() as f64 / sum(x.iter().map(|v| v.ln()))
}

/// [`pareto_shape`] of `gaps + 1` without writing them out, and the `Σ ln(gap + 1)` it divides
/// by (the same floating-point operations, so the same bits).
pub fn pareto_shape_shifted(gaps: &[f64]) -> (f64, f64) {
    let sum_ln_x = sum(gaps.iter().map(|g| (g + 1.0).ln()));
    (gaps.len() as f64 / sum_ln_x, sum_ln_x)
}

/// A Weibull fit with location 0: `F(x) = 1 − exp(−(x/scale)^shape)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeibullFit {
    /// Shape k (below 1: burstier than Poisson).
    pub shape: f64,
    /// Scale λ (seconds).
    pub scale: f64,
}

impl WeibullFit {
    /// Mean gap `λ Γ(1 + 1/k)`.
    pub fn mean(&self) -> f64 {
        self.scale * statrs::function::gamma::gamma(1.0 + 1.0 / self.shape)
    }

    /// Rate `1 / mean gap` (per second).
    pub fn rate(&self) -> f64 {
        1.0 / self.mean()
    }

    /// Coefficient of variation of the gaps, which depends on the shape alone.
    pub fn cv(&self) -> f64 {
        weibull_cv(self.shape)
    }
}

/// The cv of Weibull gaps of shape `k`: `√(Γ(1 + 2/k) / Γ(1 + 1/k)² − 1)`.
pub fn weibull_cv(k: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    // In logs: Γ(1 + 2/k) overflows below k ≈ 0.012.
    let r = (ln_gamma(1.0 + 2.0 / k) - 2.0 * ln_gamma(1.0 + 1.0 / k)).exp();
    (r - 1.0).max(0.0).sqrt()
}

/// The Weibull shape whose gaps have coefficient of variation `cv` (> 0): the cv falls as the
/// shape grows, so it is found by bisection in log space.
pub fn weibull_shape_for_cv(cv: f64) -> Option<f64> {
    if !(cv.is_finite() && cv > 0.0) {
        return None;
    }
    let (mut lo, mut hi) = (0.02f64, 500.0f64);
    if weibull_cv(lo) < cv || weibull_cv(hi) > cv {
        return None;
    }
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if weibull_cv(mid) > cv {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo - 1.0 < 1e-14 {
            break;
        }
    }
    Some((lo * hi).sqrt())
}

/// Weibull maximum likelihood with location 0 on positive `gaps` (two or more): the shape solves
/// `Σ x^k ln x / Σ x^k − 1/k − mean(ln x) = 0`, which rises with k (Newton's steps kept inside
/// a bracket), and the scale is `(Σ x^k / n)^(1/k)`. Powers are taken of `x / max x`, so they
/// neither overflow nor underflow to nothing. `None` for equal gaps (no finite shape; gamma's
/// deterministic process serves them) or fewer than two.
pub fn weibull_mle(gaps: &[f64]) -> Option<WeibullFit> {
    let n = gaps.len();
    if n < 2 || gaps.iter().any(|g| !(g.is_finite() && *g > 0.0)) {
        return None;
    }
    let max = gaps.iter().copied().fold(0.0, f64::max);
    let ln_y: Vec<f64> = gaps.iter().map(|&g| (g / max).ln()).collect();
    let mean_ln_y = sum(ln_y.iter().copied()) / n as f64;
    let sd = (sum(ln_y.iter().map(|l| (l - mean_ln_y).powi(2))) / n as f64).sqrt();
    if sd.is_nan() || sd <= 1e-12 {
        return None;
    }
    // g(k) and g'(k), in terms of ln y = ln x − ln max (the max cancels in g).
    let score = |k: f64| {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &l in &ln_y {
            let w = (k * l).exp();
            s0 += w;
            s1 += w * l;
            s2 += w * l * l;
        }
        let m1 = s1 / s0;
        (
            m1 - 1.0 / k - mean_ln_y,
            s2 / s0 - m1 * m1 + 1.0 / (k * k),
            s0,
        )
    };
    // For Weibull gaps, sd(ln x) = π / (k √6): the start; then a bracket around it, from the
    // side the start's score says (each pass over the gaps is the cost: none is repeated).
    let mut k = std::f64::consts::PI / (sd * 6f64.sqrt());
    let (mut g, mut d, mut s0) = score(k);
    let (mut lo, mut hi) = (k, k);
    if g > 0.0 {
        loop {
            lo /= 2.0;
            if lo < 1e-6 {
                return None;
            }
            if score(lo).0 <= 0.0 {
                break;
            }
        }
    } else {
        loop {
            hi *= 2.0;
            if hi > 1e6 {
                return None;
            }
            if score(hi).0 >= 0.0 {
                break;
            }
        }
    }
    for _ in 0..100 {
        if g == 0.0 {
            break;
        }
        if g > 0.0 {
            hi = k;
        } else {
            lo = k;
        }
        let step = k - g / d;
        let next = if step > lo && step < hi && d > 0.0 {
            step
        } else {
            0.5 * (lo + hi)
        };
        let done = (next - k).abs() <= 1e-15 * k;
        k = next;
        (g, d, s0) = score(k);
        if done {
            break;
        }
    }
    Some(WeibullFit {
        shape: k,
        scale: max * (s0 / n as f64).powf(1.0 / k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibull_fits_its_own_equations() {
        let x = spread(9, 2_000, 5.0);
        let f = weibull_mle(&x).unwrap();
        let n = x.len() as f64;
        // The two score equations at the fit.
        let sk: f64 = x.iter().map(|v| (v / f.scale).powf(f.shape)).sum();
        assert!((sk / n - 1.0).abs() < 1e-10, "{sk}");
        let lhs: f64 = x
            .iter()
            .map(|v| (v / f.scale).powf(f.shape) * v.ln())
            .sum::<f64>()
            / sk;
        let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
        assert!((lhs - 1.0 / f.shape - mean_ln).abs() < 1e-10);
        assert!(weibull_mle(&[2.0, 2.0, 2.0]).is_none());
        assert!(weibull_mle(&[2.0]).is_none());
        // cv and shape invert each other; shape 1 is Poisson.
        assert!((weibull_cv(1.0) - 1.0).abs() < 1e-12);
        for k in [0.2, 0.5, 1.0, 3.0, 40.0] {
            let back = weibull_shape_for_cv(weibull_cv(k)).unwrap();
            assert!((back / k - 1.0).abs() < 1e-9, "{k}: {back}");
        }
    }

    #[test]
    fn compensated_sum_is_exact_where_naive_is_not() {
        let v = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(sum(v), 2.0);
    }

    /// `n` values from 1e-6 spread log-uniformly over `decades` decades.
    fn spread(seed: u64, n: usize, decades: f64) -> Vec<f64> {
        let mut z = seed;
        (0..n)
            .map(|_| {
                z = z
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                10f64.powf(((z >> 11) as f64 / (1u64 << 53) as f64) * decades - 6.0)
            })
            .collect()
    }

    #[test]
    fn blocked_mean_agrees_with_the_compensated_one() {
        let x = spread(3, 100_003, 12.0);
        for n in [1, 3, 4, 255, 256, 257, 100_003] {
            let want = sum(x[..n].iter().copied()) / n as f64;
            let got = mean(&x[..n]);
            assert!((got - want).abs() <= 1e-14 * want, "{n}: {got} vs {want}");
        }
        assert!(mean(&[]).is_nan());
    }

    #[test]
    fn sum_ln_agrees_with_the_logs() {
        // 1e-6 .. 1e8: gaps of bursts and of idle hours.
        let mut x = spread(5, 10_001, 14.0);
        for n in [0, 1, 7, 8, 9, 10_001] {
            let naive = sum(x[..n].iter().map(|v| v.ln()));
            let fast = sum_ln(&x[..n]);
            assert!((fast - naive).abs() <= 1e-13 * naive.abs().max(1.0), "{n}");
        }
        // Outside the fast path: exactly what summing the logs gives.
        for odd in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            x[77] = odd;
            let naive = sum(x.iter().map(|v| v.ln()));
            assert_eq!(sum_ln(&x).to_bits(), naive.to_bits(), "{odd}");
        }
        x[77] = f64::MIN_POSITIVE / 4.0;
        let naive = sum(x.iter().map(|v| v.ln()));
        assert!((sum_ln(&x) - naive).abs() <= 1e-13 * naive.abs());
    }

    #[test]
    fn shape_solve_takes_few_steps() {
        for s in [1e-10, 1e-6, 1e-4, 0.05, 0.5, 3.0, 12.0, 40.0] {
            let mut calls = 0u32;
            let k = shape_root(s, |k| {
                calls += 1;
                k.ln() - digamma(k) - s
            });
            assert_eq!(k.to_bits(), solve_shape(s).to_bits());
            // Bisection took ~60; where ln k − ψ(k) is tiny (huge k) rounding slows the secant.
            let most = if s >= 0.01 { 20 } else { 60 };
            assert!(calls <= most, "s={s}: {calls} evaluations (k={k})");
        }
    }

    #[test]
    fn shape_solves_the_equation() {
        for s in [1e-10, 1e-4, 0.05, 0.5, 3.0, 12.0] {
            let k = solve_shape(s);
            let r = k.ln() - digamma(k) - s;
            // ln k − ψ(k) is a difference of numbers near ln k: a few ulps of that is the floor.
            assert!(
                r.abs() <= 1e-14 * k.ln().abs().max(1.0),
                "s={s} k={k} r={r}"
            );
        }
    }
}
