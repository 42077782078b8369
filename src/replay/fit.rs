//! Per-interval process estimation: the fitted modes' step 2 (SPEC §5).

use super::params::{Distribution, Estimator, ReplayParams};
use crate::estimate::{
    GammaFit, WeibullFit, exponential_rate, gamma_mle, pareto_shape_shifted, weibull_mle,
};
use crate::quality::Fits;

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
    /// Weibull gaps of shape `shape` (below 1: burstier than Poisson), scaled to the rate.
    Weibull {
        /// Arrivals per second.
        rate: f64,
        /// Shape k.
        shape: f64,
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
            Process::Weibull { .. } => "weibull",
            Process::Pareto { .. } => "pareto",
        }
    }

    /// Mean arrivals per second; `None` when the mean gap is infinite (pareto shape ≤ 1).
    pub fn rate(&self) -> Option<f64> {
        match *self {
            Process::Poisson { rate }
            | Process::Gamma { rate, .. }
            | Process::Weibull { rate, .. }
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
            Process::Weibull { shape, .. } => Some(crate::estimate::weibull_cv(shape)),
            Process::Pareto { shape, .. } => (shape > 2.0).then(|| (shape / (shape - 2.0)).sqrt()),
        }
    }

    /// Expected number of arrivals in `seconds` (0 for an infinite mean gap). A renewal
    /// process started afresh makes about `(cv² − 1) / 2` more than rate × time (the renewal
    /// theorem's second term): a gamma of cv 10⁴ bursts ~5 × 10⁷ arrivals an interval
    /// whatever its rate, which the size checks must see.
    pub fn expected_count(&self, seconds: f64) -> f64 {
        let burst = match (*self, self.cv()) {
            (Process::Gamma { .. } | Process::Weibull { .. }, Some(cv)) => {
                ((cv * cv - 1.0) / 2.0).max(0.0)
            }
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

/// What the fits of one interval keep before any scale is applied: enough to make its process
/// for every distribution, rate scale and cv scale without the gaps (the explorer keeps one per
/// interval per model, so it stays small).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalStats {
    /// Invocations (timestamps) in the interval.
    pub count: u64,
    /// Exponential rate `n / Σgap` (NaN when not fitted).
    exponential: f64,
    /// Gamma fit (when fitted, with two gaps or more), packed ([`IntervalStats::gamma`]):
    /// kept flat so that a fit stays within 64 bytes (the explorer keeps millions).
    gamma: (f64, f64),
    /// Pareto shape on `gaps + 1` (NaN when not fitted).
    pareto: f64,
    /// Weibull shape and scale (NaN when not fitted, or the gaps are equal).
    weibull: (f64, f64),
    /// `auto`'s choice, by AIC (when every candidate was fitted).
    best: Option<Distribution>,
}

impl IntervalStats {
    /// An interval known by its count alone (v1 minutes; vanilla).
    pub fn counted(count: u64) -> IntervalStats {
        IntervalStats {
            count,
            exponential: f64::NAN,
            gamma: (f64::NAN, f64::NAN),
            pareto: f64::NAN,
            weibull: (f64::NAN, f64::NAN),
            best: None,
        }
    }

    /// The gamma fit: `(shape, scale)`, or `(∞, mean)` for constant gaps, or NaN.
    fn gamma(&self) -> Option<GammaFit> {
        match self.gamma {
            (shape, _) if shape.is_nan() => None,
            (f64::INFINITY, mean) => Some(GammaFit::Constant { mean }),
            (shape, scale) => Some(GammaFit::Fitted { shape, scale }),
        }
    }

    fn set_gamma(&mut self, fit: GammaFit) {
        self.gamma = match fit {
            GammaFit::Fitted { shape, scale } => (shape, scale),
            GammaFit::Constant { mean } => (f64::INFINITY, mean),
        };
    }

    fn weibull(&self) -> Option<WeibullFit> {
        let (shape, scale) = self.weibull;
        (!shape.is_nan()).then_some(WeibullFit { shape, scale })
    }

    /// Fits the [`gaps_into`] of an interval's `count` timestamps for `which` distribution;
    /// `Auto` fits every candidate and chooses among them by AIC, after which the stats serve
    /// every distribution.
    pub fn fit(gaps: &[f64], count: usize, which: Distribution) -> IntervalStats {
        IntervalStats::fit_known(gaps, count, which, None)
    }

    /// [`IntervalStats::fit`] taking what `known` (the gaps' [`Fits`], when the caller has
    /// them) holds instead of fitting it again: the same bits either way.
    pub fn fit_known(
        gaps: &[f64],
        count: usize,
        which: Distribution,
        known: Option<&Fits>,
    ) -> IntervalStats {
        let mut s = IntervalStats::counted(count as u64);
        let n = gaps.len();
        let fits = match (which, known) {
            (_, Some(f)) => Some(*f),
            // One pass for the three fits, which then are the same bits as each alone.
            (Distribution::Auto, None) => Fits::of(gaps),
            _ => None,
        };
        let wanted = |d: Distribution| which == d || which == Distribution::Auto;
        if n >= 1 && wanted(Distribution::Exponential) {
            s.exponential = fits.map_or_else(|| exponential_rate(gaps), |f| f.exponential);
        }
        if n >= 2 && wanted(Distribution::Gamma) {
            s.set_gamma(fits.map_or_else(|| gamma_mle(gaps), |f| f.gamma));
        }
        if n >= 1 && wanted(Distribution::Pareto) {
            s.pareto = fits.map_or_else(|| pareto_shape_shifted(gaps).0, |f| f.pareto);
        }
        if n >= 2 && wanted(Distribution::Weibull) {
            if let Some(w) = fits.map_or_else(|| weibull_mle(gaps), |f| f.weibull) {
                s.weibull = (w.shape, w.scale);
            } else if s.gamma().is_none() {
                // Equal gaps have no Weibull shape: gamma's fit says they are constant.
                s.set_gamma(fits.map_or_else(|| gamma_mle(gaps), |f| f.gamma));
            }
        }
        if which == Distribution::Auto {
            // A timer's equal gaps fit no candidate; gamma makes them deterministic.
            s.best = Some(match fits.and_then(|f| f.best()) {
                Some("gamma") => Distribution::Gamma,
                Some("weibull") => Distribution::Weibull,
                Some("pareto") => Distribution::Pareto,
                Some(_) => Distribution::Exponential,
                None if n >= 2 => Distribution::Gamma,
                None => Distribution::Exponential,
            });
        }
        s
    }

    /// The interval's process under `params` (its distribution, rate and cv scales); `length`
    /// is the interval's true length in seconds; `v1` when the count is all there is.
    pub fn estimate(&self, length: f64, params: &ReplayParams, v1: bool) -> Estimate {
        if v1 {
            return fit_count(self.count, length, params);
        }
        let distribution = match params.distribution {
            Distribution::Auto => self.best.unwrap_or(Distribution::Exponential),
            d => d,
        };
        let gaps = self.count.saturating_sub(1);
        let min_gaps = if matches!(distribution, Distribution::Gamma | Distribution::Weibull) {
            2
        } else {
            1
        };
        if gaps < min_gaps {
            return Estimate::SILENT;
        }
        let empirical = self.count as f64 / length;
        let count_rule = params.estimator == Estimator::Count;
        // The count rule keeps the interval's volume; the original's rule takes the fit's rate,
        // guarded against more than 5× the volume.
        let guard = |rate: f64| {
            if count_rule {
                (empirical, false)
            } else if rate > BIAS_GUARD * empirical {
                (empirical, true)
            } else {
                (rate, false)
            }
        };
        let (process, reset) = match (distribution, self.gamma()) {
            (Distribution::Exponential, _) => {
                let (rate, reset) = guard(self.exponential);
                (
                    Process::Poisson {
                        rate: rate * params.rate_scale,
                    },
                    reset,
                )
            }
            (Distribution::Gamma, Some(fit)) => {
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
            (Distribution::Weibull, _) => match self.weibull() {
                Some(fit) => {
                    let (rate, reset) = guard(fit.rate());
                    let shape = if params.cv_scale == 1.0 {
                        Some(fit.shape)
                    } else {
                        crate::estimate::weibull_shape_for_cv(fit.cv() * params.cv_scale)
                    };
                    let Some(shape) = shape else {
                        return Estimate::SILENT;
                    };
                    (
                        Process::Weibull {
                            rate: rate * params.rate_scale,
                            shape,
                        },
                        reset,
                    )
                }
                // Equal gaps: a timer, no finite shape; deterministic, as gamma makes it.
                None => {
                    let Some(GammaFit::Constant { mean }) = self.gamma() else {
                        return Estimate::SILENT;
                    };
                    let (rate, reset) = guard(1.0 / mean);
                    (
                        Process::Deterministic {
                            rate: rate * params.rate_scale,
                        },
                        reset,
                    )
                }
            },
            (Distribution::Pareto, _) => {
                let shape = self.pareto;
                if !shape.is_finite() || shape <= 0.0 {
                    return Estimate::SILENT;
                }
                // The original's unit scale under either estimator: scaling the gaps to the
                // interval's mean gap keeps no volume here, as a tail near α = 1 makes most
                // gaps tiny and the mean rests on rare huge ones (3x the sample's volume).
                (
                    Process::Pareto {
                        shape,
                        gap_scale: 1.0 / params.rate_scale,
                    },
                    false,
                )
            }
            // Not fitted for this distribution (the caller fitted another), or resolved above.
            _ => return Estimate::SILENT,
        };
        if process.rate().is_some_and(|r| !r.is_finite()) {
            return Estimate::SILENT;
        }
        Estimate {
            process: Some(process),
            reset_to_empirical: reset,
        }
    }
}

/// Estimates a v2 interval's process from its sorted timestamps; `length` is the interval's
/// true length in seconds.
pub fn fit_timestamps(
    times: &[f64],
    length: f64,
    params: &ReplayParams,
    gaps: &mut Vec<f64>,
) -> Estimate {
    gaps_into(times, gaps);
    IntervalStats::fit(gaps, times.len(), params.distribution).estimate(length, params, false)
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

use super::IntervalFit;

/// Each interval's stats for `which` distribution and, when `assess`, its fit quality.
pub(super) fn fit_v2(
    times: &[f64],
    bounds: &[f64],
    which: Distribution,
    assess: bool,
) -> (Vec<IntervalStats>, Vec<Option<crate::quality::Quality>>) {
    let mut gaps = Vec::new();
    let mut quality = Vec::new();
    let mut lo = 0;
    let fits = bounds
        .windows(2)
        .map(|w| {
            let hi = lo + crate::stats::partition_point_near(&times[lo..], |&t| t < w[1]);
            let slice = &times[lo..hi];
            gaps_into(slice, &mut gaps);
            lo = hi;
            if !assess {
                return IntervalStats::fit(&gaps, slice.len(), which);
            }
            // Fitted once, for the assessment and the process.
            let fits = Fits::of(&gaps);
            quality.push(fits.and_then(|f| crate::quality::assess_fits(&gaps, &f)));
            IntervalStats::fit_known(&gaps, slice.len(), which, fits.as_ref())
        })
        .collect();
    (fits, quality)
}

/// Each interval's invocation count (its stats in a v1 replay), of `counts` per minute from
/// `bounds[0]` (the bounds are whole minutes: the interval is a multiple of 60).
pub(super) fn fit_v1(counts: &[u64], bounds: &[f64]) -> Vec<IntervalStats> {
    let start = bounds[0];
    bounds
        .windows(2)
        .map(|w| {
            let (m0, m1) = (
                ((w[0] - start) / 60.0) as usize,
                ((w[1] - start) / 60.0) as usize,
            );
            IntervalStats::counted(
                counts[m0.min(counts.len())..m1.min(counts.len())]
                    .iter()
                    .sum(),
            )
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

    /// With the original's estimator.
    fn alpa(d: Distribution) -> ReplayParams {
        ReplayParams {
            estimator: Estimator::Alpaserve,
            ..params(d)
        }
    }

    #[test]
    fn the_count_rule_keeps_each_intervals_volume() {
        let mut g = vec![];
        // 30 arrivals in 1 s of a 3600 s interval, and a timer: the rate is the count over the
        // interval, for every distribution that has a rate; the shape still comes from the gaps.
        let burst: Vec<f64> = (0..30).map(|i| 100.0 + f64::from(i) / 30.0).collect();
        let e = fit_timestamps(&burst, 3600.0, &params(Distribution::Exponential), &mut g);
        assert_eq!(
            e.process,
            Some(Process::Poisson {
                rate: 30.0 / 3600.0
            })
        );
        assert!(!e.reset_to_empirical);
        let uneven: Vec<f64> = (0..30).map(|i| 100.0 + f64::from(i * i) / 90.0).collect();
        let e = fit_timestamps(&uneven, 3600.0, &params(Distribution::Gamma), &mut g);
        let Some(Process::Gamma { rate, cv }) = e.process else {
            panic!("{e:?}")
        };
        assert_eq!(rate, 30.0 / 3600.0);
        let original = fit_timestamps(&uneven, 3600.0, &alpa(Distribution::Gamma), &mut g);
        assert_eq!(original.process.and_then(|p| p.cv()), Some(cv));
        let timer: Vec<f64> = (0..12).map(|i| 17.25 + 300.0 * f64::from(i)).collect();
        let e = fit_timestamps(&timer, 3600.0, &params(Distribution::Gamma), &mut g);
        assert_eq!(
            e.process,
            Some(Process::Deterministic {
                rate: 12.0 / 3600.0
            })
        );
        // Scaled as before.
        let p = ReplayParams {
            rate_scale: 2.0,
            ..params(Distribution::Exponential)
        };
        let e = fit_timestamps(&burst, 3600.0, &p, &mut g);
        assert_eq!(
            e.process,
            Some(Process::Poisson {
                rate: 60.0 / 3600.0
            })
        );
    }

    #[test]
    fn minimum_data() {
        let mut g = vec![];
        let p = params(Distribution::Exponential);
        assert_eq!(fit_timestamps(&[1.0], 60.0, &p, &mut g).process, None);
        assert!(
            fit_timestamps(&[1.0, 2.0], 60.0, &p, &mut g)
                .process
                .is_some()
        );
        let p = params(Distribution::Gamma);
        assert_eq!(fit_timestamps(&[1.0, 2.0], 60.0, &p, &mut g).process, None);
    }

    #[test]
    fn timer_is_deterministic_under_gamma() {
        let mut g = vec![];
        let t: Vec<f64> = (0..12).map(|i| 17.25 + 300.0 * f64::from(i)).collect();
        let e = fit_timestamps(&t, 3600.0, &alpa(Distribution::Gamma), &mut g);
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
        let e = fit_timestamps(&t, 3600.0, &alpa(Distribution::Exponential), &mut g);
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
