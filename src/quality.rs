//! How well each candidate process describes an interval's inter-arrival gaps: maximum
//! likelihood fits of the exponential, gamma and pareto (Lomax) distributions, their
//! log-likelihood, AIC and BIC, and the Kolmogorov–Smirnov distance to the gaps. The original
//! left `aic()` / `bic()` as stubs; this is what they were for.

use serde::Serialize;

use crate::estimate::{GammaFit, exponential_rate, gamma_mle, pareto_shape, sum};

/// One candidate's fit to the gaps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    /// `exponential`, `gamma` or `pareto`.
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

/// Assesses positive `gaps` (at least two); `None` when there are too few or they are all
/// equal (a timer: no continuous distribution fits, the replay uses a deterministic process).
pub fn assess(gaps: &[f64]) -> Option<Quality> {
    let n = gaps.len();
    if n < 2 || gaps.iter().any(|g| !(g.is_finite() && *g > 0.0)) {
        return None;
    }
    let mut sorted = gaps.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let nf = n as f64;
    let sum_g = sum(gaps.iter().copied());
    let sum_ln = crate::estimate::sum_ln(gaps);
    let mut candidates = Vec::with_capacity(3);
    let mut push = |name, k: f64, loglik: f64, cdf: &dyn Fn(f64) -> f64| {
        if loglik.is_finite() {
            candidates.push(Candidate {
                name,
                loglik,
                aic: 2.0 * k - 2.0 * loglik,
                bic: k * nf.ln() - 2.0 * loglik,
                ks: ks_distance(&sorted, cdf),
            });
        }
    };
    // Exponential, rate n / Σg.
    let lambda = exponential_rate(gaps);
    push(
        "exponential",
        1.0,
        nf * lambda.ln() - lambda * sum_g,
        &|x| 1.0 - (-lambda * x).exp(),
    );
    // Gamma, shape k and scale θ by MLE.
    if let GammaFit::Fitted { shape, scale } = gamma_mle(gaps) {
        let ll = (shape - 1.0) * sum_ln
            - sum_g / scale
            - nf * (statrs::function::gamma::ln_gamma(shape) + shape * scale.ln());
        push("gamma", 2.0, ll, &|x| {
            statrs::function::gamma::gamma_lr(shape, x / scale)
        });
    }
    // Pareto on gaps + 1 with scale 1 (the original's fit): density b / x^(b+1), x ≥ 1.
    let shifted: Vec<f64> = gaps.iter().map(|g| g + 1.0).collect();
    let b = pareto_shape(&shifted);
    if b.is_finite() && b > 0.0 {
        let sum_ln_x = sum(shifted.iter().map(|x| x.ln()));
        push("pareto", 1.0, nf * b.ln() - (b + 1.0) * sum_ln_x, &|g| {
            1.0 - (g + 1.0).powf(-b)
        });
    }
    let best = candidates
        .iter()
        .min_by(|a, b| a.aic.total_cmp(&b.aic))
        .map(|c| c.name)?;
    Some(Quality {
        gaps: n,
        candidates,
        best,
    })
}

/// `sup |F_n − F|` over sorted values.
fn ks_distance(sorted: &[f64], cdf: &dyn Fn(f64) -> f64) -> f64 {
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
    fn too_few_or_constant_gaps_are_not_assessed() {
        assert!(assess(&[1.0]).is_none());
        assert!(assess(&[1.0, 0.0, 2.0]).is_none());
        let q = assess(&[5.0, 5.0, 5.0]).unwrap();
        assert!(q.candidates.iter().all(|c| c.name != "gamma"));
    }

    #[test]
    fn ks_of_a_perfect_uniform_is_one_over_n() {
        let x = [0.25, 0.5, 0.75, 1.0];
        assert!((ks_distance(&x, &|v| v) - 0.25).abs() < 1e-12);
    }
}
