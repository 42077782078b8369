//! How well each candidate process describes an interval's inter-arrival gaps: maximum
//! likelihood fits of the exponential, gamma, Weibull and pareto (Lomax) distributions, their
//! log-likelihood, AIC and BIC, and the Kolmogorov–Smirnov distance to the gaps. The original
//! left `aic()` / `bic()` as stubs; this is what they were for.

use serde::Serialize;

use crate::estimate::{GammaFit, WeibullFit, sum};

/// One candidate's fit to the gaps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    /// `exponential`, `gamma`, `weibull` or `pareto`.
    pub name: &'static str,
    /// Maximised log-likelihood.
    pub loglik: f64,
    /// `2k − 2 ln L`.
    pub aic: f64,
    /// `k ln n − 2 ln L`.
    pub bic: f64,
    /// Kolmogorov–Smirnov distance between the fitted and the empirical distribution.
    pub ks: f64,
}

/// The fits of one interval, and the one AIC prefers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    /// Gaps assessed.
    pub gaps: usize,
    /// Every candidate that could be fitted.
    pub candidates: Vec<Candidate>,
    /// The candidate with the lowest AIC.
    pub best: &'static str,
}

/// The candidates' maximum-likelihood fits to an interval's gaps and the sums their
/// log-likelihoods need: all of an assessment but the KS distances (which need the gaps
/// sorted), so that choosing by AIC costs a few passes over the gaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fits {
    /// Gaps fitted.
    pub n: usize,
    /// Exponential rate, `n / Σg`.
    pub exponential: f64,
    /// Gamma shape and scale, or the constant gap.
    pub gamma: GammaFit,
    /// Pareto shape on `gaps + 1` (scale 1).
    pub pareto: f64,
    /// Weibull shape and scale (`None` for equal gaps).
    pub weibull: Option<WeibullFit>,
    sum_g: f64,
    sum_ln: f64,
    sum_ln_x: f64,
}

/// A candidate before its KS distance: name, parameters `k`, log-likelihood.
type Scored = (&'static str, f64, f64);

impl Fits {
    /// Fits positive `gaps` (at least two); `None` when there are too few or one is not a
    /// positive number.
    pub fn of(gaps: &[f64]) -> Option<Fits> {
        let n = gaps.len();
        if n < 2 || gaps.iter().any(|g| !(g.is_finite() && *g > 0.0)) {
            return None;
        }
        let m = crate::estimate::mean(gaps);
        let sum_ln = crate::estimate::sum_ln(gaps);
        let (pareto, sum_ln_x) = crate::estimate::pareto_shape_shifted(gaps);
        Some(Fits {
            n,
            // exponential_rate and gamma_mle, from the one mean.
            exponential: 1.0 / m,
            gamma: crate::estimate::gamma_mle_of(m, sum_ln, n),
            pareto,
            weibull: crate::estimate::weibull_mle(gaps),
            sum_g: sum(gaps.iter().copied()),
            sum_ln,
            sum_ln_x,
        })
    }

    /// The candidates whose log-likelihood is finite, in a fixed order.
    fn scored(&self) -> impl Iterator<Item = Scored> {
        let nf = self.n as f64;
        let lambda = self.exponential;
        let exponential = ("exponential", 1.0, nf * lambda.ln() - lambda * self.sum_g);
        // Gamma, shape k and scale θ by MLE.
        let gamma = match self.gamma {
            GammaFit::Fitted { shape, scale } => Some((
                "gamma",
                2.0,
                (shape - 1.0) * self.sum_ln
                    - self.sum_g / scale
                    - nf * (statrs::function::gamma::ln_gamma(shape) + shape * scale.ln()),
            )),
            GammaFit::Constant { .. } => None,
        };
        // Pareto on gaps + 1 with scale 1 (the original's fit): density b / x^(b+1), x ≥ 1.
        let b = self.pareto;
        let pareto = (b.is_finite() && b > 0.0)
            .then(|| ("pareto", 1.0, nf * b.ln() - (b + 1.0) * self.sum_ln_x));
        // Weibull, shape k and scale λ: at the fit Σ (x/λ)^k = n.
        let weibull = self.weibull.map(|WeibullFit { shape: k, scale }| {
            (
                "weibull",
                2.0,
                nf * (k.ln() - k * scale.ln()) + (k - 1.0) * self.sum_ln - nf,
            )
        });
        std::iter::once(exponential)
            .chain(gamma)
            .chain(weibull)
            .chain(pareto)
            .filter(|c| c.2.is_finite())
    }

    /// The candidate with the lowest AIC, `None` when none could be fitted.
    pub fn best(&self) -> Option<&'static str> {
        self.scored()
            .min_by(|a, b| aic(a).total_cmp(&aic(b)))
            .map(|c| c.0)
    }
}

fn aic(c: &Scored) -> f64 {
    2.0 * c.1 - 2.0 * c.2
}

/// Assesses positive `gaps` (at least two); `None` when there are too few or they are all
/// equal (a timer: no continuous distribution fits, the replay uses a deterministic process).
pub fn assess(gaps: &[f64]) -> Option<Quality> {
    assess_fits(gaps, &Fits::of(gaps)?)
}

/// [`assess`] of `gaps` whose [`Fits::of`] is `fits`.
pub fn assess_fits(gaps: &[f64], fits: &Fits) -> Option<Quality> {
    let mut sorted = gaps.to_vec();
    // Positive numbers (Fits::of checked): their bits order as they do, and integers compare
    // faster than total_cmp.
    sorted.sort_unstable_by_key(|g| g.to_bits());
    let nf = fits.n as f64;
    let candidates: Vec<Candidate> = fits
        .scored()
        .map(|c @ (name, k, loglik)| {
            let ks = match (name, fits.gamma) {
                ("gamma", GammaFit::Fitted { shape, scale }) => ks_distance(&sorted, |x| {
                    statrs::function::gamma::gamma_lr(shape, x / scale)
                }),
                ("weibull", _) => {
                    let w = fits.weibull.unwrap_or(WeibullFit {
                        shape: 1.0,
                        scale: 1.0,
                    });
                    ks_distance(&sorted, |x| 1.0 - (-(x / w.scale).powf(w.shape)).exp())
                }
                ("pareto", _) => {
                    let b = fits.pareto;
                    ks_distance(&sorted, |g| 1.0 - (g + 1.0).powf(-b))
                }
                _ => {
                    let lambda = fits.exponential;
                    ks_distance(&sorted, |x| 1.0 - (-lambda * x).exp())
                }
            };
            Candidate {
                name,
                loglik,
                aic: aic(&c),
                bic: k * nf.ln() - 2.0 * loglik,
                ks,
            }
        })
        .collect();
    Some(Quality {
        gaps: fits.n,
        best: fits.best()?,
        candidates,
    })
}

/// `sup |F_n − F|` over sorted values: the largest of every value's distance (what
/// [`ks_distance_every`] computes), evaluating the CDF only where that largest one can be. A
/// CDF is non-decreasing, so between two values where it is known no value's distance exceeds
/// a bound from those two; runs whose bound is below the largest distance found so far (with a
/// margin far above any rounding of a CDF's computation) are skipped. The same result, bit for
/// bit.
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    /// Values between two evaluated first (the grid that finds a large distance early).
    const STEP: usize = 32;
    /// Allowance for a computed CDF that is not monotone in its last bits.
    const SLACK: f64 = 1e-9;
    let len = sorted.len();
    if len < 4 * STEP {
        return ks_distance_every(sorted, cdf);
    }
    let n = len as f64;
    let distance = |i: usize, f: f64| (((i + 1) as f64 / n) - f).max(f - i as f64 / n);
    let grid: Vec<(usize, f64)> = (0..len)
        .step_by(STEP)
        .chain(std::iter::once(len - 1))
        .map(|i| (i, cdf(sorted[i])))
        .collect();
    let mut best = grid
        .iter()
        .map(|&(i, f)| distance(i, f))
        .fold(0.0, f64::max);
    // Runs strictly between two evaluated values, (lo, f(lo), hi, f(hi)).
    let mut runs: Vec<(usize, f64, usize, f64)> = grid
        .windows(2)
        .filter(|w| w[1].0 > w[0].0 + 1)
        .map(|w| (w[0].0, w[0].1, w[1].0, w[1].1))
        .collect();
    while let Some((lo, f_lo, hi, f_hi)) = runs.pop() {
        // For lo < i < hi: (i + 1) / n ≤ hi / n and F(x_i) ≥ F(x_lo); i / n ≥ (lo + 1) / n and
        // F(x_i) ≤ F(x_hi). Where an end's CDF is not a number, nothing is known: evaluated.
        let bound = if f_lo.is_nan() || f_hi.is_nan() {
            f64::INFINITY
        } else {
            (hi as f64 / n - f_lo).max(f_hi - (lo + 1) as f64 / n)
        };
        if bound + SLACK < best {
            continue;
        }
        let mid = lo + (hi - lo) / 2;
        let f_mid = cdf(sorted[mid]);
        best = best.max(distance(mid, f_mid));
        if mid > lo + 1 {
            runs.push((lo, f_lo, mid, f_mid));
        }
        if hi > mid + 1 {
            runs.push((mid, f_mid, hi, f_hi));
        }
    }
    best
}

/// `sup |F_n − F|` over sorted values, every value's CDF evaluated.
fn ks_distance_every(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (((i + 1) as f64 / n) - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pruned_ks_distance_is_every_values_bit_for_bit() {
        use rand::SeedableRng;
        use rand_distr::Distribution;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for (n, shape) in [
            (130, 0.5),
            (1_000, 1.0),
            (30_000, 2.5),
            (30_000, 0.3),
            (200_000, 1.0),
        ] {
            let g = rand_distr::Gamma::new(shape, 2.0).unwrap();
            let mut x: Vec<f64> = (0..n).map(|_| g.sample(&mut rng)).collect();
            x.sort_unstable_by(f64::total_cmp);
            // The fitted shape is off on purpose (a visible misfit) or exact (only noise).
            for k in [shape, shape * 1.3] {
                let cdf = |v: f64| statrs::function::gamma::gamma_lr(k, v / 2.0);
                let every = ks_distance_every(&x, cdf);
                assert_eq!(
                    ks_distance(&x, cdf).to_bits(),
                    every.to_bits(),
                    "n {n} k {k}"
                );
            }
            let exp = |v: f64| 1.0 - (-v / (2.0 * shape)).exp();
            assert_eq!(
                ks_distance(&x, exp).to_bits(),
                ks_distance_every(&x, exp).to_bits()
            );
            let nan = |v: f64| if v > 1.0 { f64::NAN } else { v };
            assert_eq!(
                ks_distance(&x, nan).to_bits(),
                ks_distance_every(&x, nan).to_bits()
            );
        }
    }

    #[test]
    fn too_few_or_constant_gaps_are_not_assessed() {
        assert!(assess(&[1.0]).is_none());
        assert!(assess(&[1.0, 0.0, 2.0]).is_none());
        let q = assess(&[5.0, 5.0, 5.0]).unwrap();
        assert!(q.candidates.iter().all(|c| c.name != "gamma"));
    }

    #[test]
    fn ks_of_a_perfect_uniform_is_one_over_n() {
        let x = [0.25, 0.5, 0.75, 1.0];
        assert!((ks_distance(&x, |v| v) - 0.25).abs() < 1e-12);
    }
}
