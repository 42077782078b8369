//! Per-interval process estimation: the fitted modes' step 2 (SPEC §5).

use super::params::{Distribution, ReplayParams};
use crate::estimate::{GammaFit, exponential_rate, gamma_mle, pareto_shape};

/// Added to every inter-arrival gap before fitting, as the original does, so simultaneous
/// arrivals do not give zero gaps.
pub const GAP_EPSILON: f64 = 1e-6;

/// The bias guard: a fitted rate above this many times the interval's empirical rate is
/// replaced by the empirical rate.
pub const BIAS_GUARD: f64 = 5.0;

/// A fitted arrival process for one interval, after scaling.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "process", rename_all = "lowercase")]
pub enum Process {
    /// Exponential gaps (cv 1).
    Poisson {
        /// Arrivals per second.
        rate: f64,
    },
    /// Gamma gaps: shape `1/cv²`, scale `cv²/rate`.
    Gamma {
        /// Arrivals per second.
        rate: f64,
        /// Coefficient of variation of the gaps.
        cv: f64,
    },
    /// Every gap is `1/rate` (timer-like functions, whose gamma fit has no finite shape).
    Deterministic {
        /// Arrivals per second.
        rate: f64,
    },
    /// Gaps are `gap_scale · (Pareto(shape, 1) − 1)` (Lomax).
    Pareto {
        /// Tail index fitted on `gaps + 1`.
        shape: f64,
        /// `1 / rate_scale`.
        gap_scale: f64,
    },
}

impl Process {
    /// `poisson`, `gamma`, `deterministic` or `pareto`.
    pub fn name(&self) -> &'static str {
        match self {
            Process::Poisson { .. } => "poisson",
            Process::Gamma { .. } => "gamma",
            Process::Deterministic { .. } => "deterministic",
            Process::Pareto { .. } => "pareto",
        }
    }

    /// Mean arrivals per second; `None` when the mean gap is infinite (pareto shape ≤ 1).
    pub fn rate(&self) -> Option<f64> {
        match *self {
            Process::Poisson { rate }
            | Process::Gamma { rate, .. }
            | Process::Deterministic { rate } => Some(rate),
            Process::Pareto { shape, gap_scale } => {
                (shape > 1.0).then(|| (shape - 1.0) / gap_scale)
            }
        }
    }

    /// Coefficient of variation of the gaps; `None` when infinite (pareto shape ≤ 2).
    pub fn cv(&self) -> Option<f64> {
        match *self {
            Process::Poisson { .. } => Some(1.0),
            Process::Gamma { cv, .. } => Some(cv),
            Process::Deterministic { .. } => Some(0.0),
            Process::Pareto { shape, .. } => (shape > 2.0).then(|| (shape / (shape - 2.0)).sqrt()),
        }
    }

    /// Expected number of arrivals in `seconds` (0 for an infinite mean gap). A renewal
    /// process started afresh makes about `(cv² − 1) / 2` more than rate × time (the renewal
    /// theorem's second term): a gamma of cv 10⁴ bursts ~5 × 10⁷ arrivals an interval
    /// whatever its rate, which the size checks must see.
    pub fn expected_count(&self, seconds: f64) -> f64 {
        let burst = match *self {
            Process::Gamma { cv, .. } => ((cv * cv - 1.0) / 2.0).max(0.0),
            _ => 0.0,
        };
        self.rate().unwrap_or(0.0) * seconds + burst
    }
}

/// What was estimated for one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The process, or `None` when the interval stays silent.
    pub process: Option<Process>,
    /// `true` when the bias guard replaced the fitted rate by the empirical one.
    pub reset_to_empirical: bool,
}

impl Estimate {
    const SILENT: Estimate = Estimate {
        process: None,
        reset_to_empirical: false,
    };
}

/// The gaps the fits use: consecutive differences of sorted `times`, plus [`GAP_EPSILON`]
/// (so bursts of equal timestamps stay positive), written into `gaps`.
pub fn gaps_into(times: &[f64], gaps: &mut Vec<f64>) {
    gaps.clear();
    gaps.extend(times.windows(2).map(|w| w[1] - w[0] + GAP_EPSILON));
}

/// Estimates a v2 interval's process from its sorted timestamps; `length` is the interval's
/// true length in seconds. For `auto`, `quality` is the interval's assessment when the caller
/// already has it (it is computed here otherwise).
pub fn fit_timestamps(
    times: &[f64],
    length: f64,
    params: &ReplayParams,
    gaps: &mut Vec<f64>,
    quality: Option<&crate::quality::Quality>,
) -> Estimate {
    gaps_into(times, gaps);
    fit_gaps(gaps, times.len(), length, params, quality)
}

/// [`fit_timestamps`] from the interval's [`gaps_into`] of its `count` timestamps (a caller
/// that assessed them already need not compute them twice). Pareto's fit changes `gaps`.
pub fn fit_gaps(
    gaps: &mut [f64],
    count: usize,
    length: f64,
    params: &ReplayParams,
    quality: Option<&crate::quality::Quality>,
) -> Estimate {
    let distribution = match params.distribution {
        Distribution::Auto => {
            // The AIC-best candidate; a timer's equal gaps fit none, and gamma makes them
            // deterministic.
            let best = match quality {
                Some(q) => Some(q.best),
                None => crate::quality::assess(gaps).map(|q| q.best),
            };
            match best {
                Some("gamma") => Distribution::Gamma,
                Some("pareto") => Distribution::Pareto,
                Some(_) => Distribution::Exponential,
                None if gaps.len() >= 2 => Distribution::Gamma,
                None => Distribution::Exponential,
            }
        }
        d => d,
    };
    let min_gaps = if distribution == Distribution::Gamma {
        2
    } else {
        1
    };
    if gaps.len() < min_gaps {
        return Estimate::SILENT;
    }
    let empirical = count as f64 / length;
    let guard = |rate: f64| {
        if rate > BIAS_GUARD * empirical {
            (empirical, true)
        } else {
            (rate, false)
        }
    };
    let (process, reset) = match distribution {
        Distribution::Exponential => {
            let (rate, reset) = guard(exponential_rate(gaps));
            (
                Process::Poisson {
                    rate: rate * params.rate_scale,
                },
                reset,
            )
        }
        Distribution::Gamma => {
            let fit = gamma_mle(gaps);
            let (rate, reset) = guard(fit.rate());
            let rate = rate * params.rate_scale;
            let process = match fit {
                GammaFit::Fitted { .. } => Process::Gamma {
                    rate,
                    cv: fit.cv() * params.cv_scale,
                },
                GammaFit::Constant { .. } => Process::Deterministic { rate },
            };
            (process, reset)
        }
        Distribution::Pareto => {
            for g in gaps.iter_mut() {
                *g += 1.0;
            }
            let shape = pareto_shape(gaps);
            if !shape.is_finite() || shape <= 0.0 {
                return Estimate::SILENT;
            }
            (
                Process::Pareto {
                    shape,
                    gap_scale: 1.0 / params.rate_scale,
                },
                false,
            )
        }
        // Resolved above.
        Distribution::Vanilla | Distribution::Auto => return Estimate::SILENT,
    };
    if process.rate().is_some_and(|r| !r.is_finite()) {
        return Estimate::SILENT;
    }
    Estimate {
        process: Some(process),
        reset_to_empirical: reset,
    }
}

/// Estimates a v1 interval's process from its invocation count; `length` in seconds.
pub fn fit_count(count: u64, length: f64, params: &ReplayParams) -> Estimate {
    if count == 0 {
        return Estimate::SILENT;
    }
    let rate = count as f64 / length * params.rate_scale;
    let process = match params.distribution {
        Distribution::Gamma => Process::Gamma {
            rate,
            cv: params.cv_scale,
        },
        _ => Process::Poisson { rate },
    };
    Estimate {
        process: Some(process),
        reset_to_empirical: false,
    }
}

/// The intervals' fits and, when asked for (or for `auto`, which chooses by it), each
/// interval's fit quality, assessed once and shared with the fit.
use super::IntervalFit;
use super::plan::boundaries;
use crate::time::Window;

pub(super) fn fit_v2(
    times: &[f64],
    bounds: &[f64],
    p: &ReplayParams,
) -> (Vec<IntervalFit>, Vec<Option<crate::quality::Quality>>) {
    let assess = p.fit_quality || p.distribution == Distribution::Auto;
    let mut gaps = Vec::new();
    let mut quality = Vec::new();
    let mut lo = 0;
    let fits = bounds
        .windows(2)
        .map(|w| {
            let hi = lo + times[lo..].partition_point(|&t| t < w[1]);
            let slice = &times[lo..hi];
            gaps_into(slice, &mut gaps);
            // Assessed before the fit, which may change the gaps (Pareto's).
            let q = assess.then(|| crate::quality::assess(&gaps)).flatten();
            let est = fit_gaps(&mut gaps, slice.len(), w[1] - w[0], p, q.as_ref());
            if assess {
                quality.push(q);
            }
            let fit = interval(w, (hi - lo) as u64, est);
            lo = hi;
            fit
        })
        .collect();
    (fits, quality)
}

pub(super) fn fit_v1(counts: &[u64], window: Window, p: &ReplayParams) -> Vec<IntervalFit> {
    let start = window.start as f64;
    boundaries(window, p.interval_seconds)
        .windows(2)
        .map(|w| {
            // Boundaries are whole minutes here (the interval is a multiple of 60).
            let (m0, m1) = (
                ((w[0] - start) / 60.0) as usize,
                ((w[1] - start) / 60.0) as usize,
            );
            let count: u64 = counts[m0.min(counts.len())..m1.min(counts.len())]
                .iter()
                .sum();
            interval(w, count, fit_count(count, w[1] - w[0], p))
        })
        .collect()
}

pub(super) fn interval(w: &[f64], trace_count: u64, est: Estimate) -> IntervalFit {
    IntervalFit {
        start: w[0],
        end: w[1],
        trace_count,
        process: est.process,
        reset_to_empirical: est.reset_to_empirical,
        realized_count: 0,
        realized_cv: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(d: Distribution) -> ReplayParams {
        ReplayParams {
            distribution: d,
            ..ReplayParams::default()
        }
    }

    #[test]
    fn minimum_data() {
        let mut g = vec![];
        let p = params(Distribution::Exponential);
        assert_eq!(fit_timestamps(&[1.0], 60.0, &p, &mut g, None).process, None);
        assert!(
            fit_timestamps(&[1.0, 2.0], 60.0, &p, &mut g, None)
                .process
                .is_some()
        );
        let p = params(Distribution::Gamma);
        assert_eq!(
            fit_timestamps(&[1.0, 2.0], 60.0, &p, &mut g, None).process,
            None
        );
    }

    #[test]
    fn timer_is_deterministic_under_gamma() {
        let mut g = vec![];
        let t: Vec<f64> = (0..12).map(|i| 17.25 + 300.0 * f64::from(i)).collect();
        let e = fit_timestamps(&t, 3600.0, &params(Distribution::Gamma), &mut g, None);
        let Some(Process::Deterministic { rate }) = e.process else {
            panic!("{e:?}")
        };
        assert!((rate - 1.0 / 300.000001).abs() < 1e-15);
    }

    #[test]
    fn bias_guard_uses_empirical_rate() {
        let mut g = vec![];
        // 30 arrivals within 1 s of a 3600 s interval: MLE ~29/s, empirical 30/3600.
        let t: Vec<f64> = (0..30).map(|i| 100.0 + f64::from(i) / 30.0).collect();
        let e = fit_timestamps(&t, 3600.0, &params(Distribution::Exponential), &mut g, None);
        assert!(e.reset_to_empirical);
        assert_eq!(
            e.process,
            Some(Process::Poisson {
                rate: 30.0 / 3600.0
            })
        );
    }

    #[test]
    fn pareto_reports_real_moments() {
        let p = Process::Pareto {
            shape: 3.0,
            gap_scale: 0.5,
        };
        assert_eq!(p.rate(), Some(4.0));
        assert_eq!(p.cv(), Some(3f64.sqrt()));
        let heavy = Process::Pareto {
            shape: 0.3,
            gap_scale: 1.0,
        };
        assert_eq!((heavy.rate(), heavy.cv()), (None, None));
    }
}
