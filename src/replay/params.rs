//! Replay parameters and the rules they must satisfy, checked before any work.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::mapping::{Mapping, default_model_names};
use crate::time::Window;
use crate::trace::{Trace, TraceKind};

/// How arrivals are produced (the original's `arrival_distribution`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// The real timestamps (v2 only).
    Vanilla,
    /// Fitted Poisson processes.
    #[default]
    Exponential,
    /// Fitted gamma renewal processes.
    Gamma,
    /// Fitted Pareto (Lomax-gap) renewal processes.
    Pareto,
    /// Fitted Weibull renewal processes.
    Weibull,
    /// Per interval, whichever of exponential, gamma, weibull and pareto fits the gaps best
    /// (AIC).
    Auto,
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Distribution::Vanilla => "vanilla",
            Distribution::Exponential => "exponential",
            Distribution::Gamma => "gamma",
            Distribution::Pareto => "pareto",
            Distribution::Weibull => "weibull",
            Distribution::Auto => "auto",
        })
    }
}

impl FromStr for Distribution {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "vanilla" => Ok(Distribution::Vanilla),
            "exponential" | "poisson" => Ok(Distribution::Exponential),
            "gamma" => Ok(Distribution::Gamma),
            "pareto" => Ok(Distribution::Pareto),
            "weibull" => Ok(Distribution::Weibull),
            "auto" => Ok(Distribution::Auto),
            other => Err(Error::param(
                "distribution",
                format!(
                    "{other:?} is not supported; use vanilla, exponential, gamma, weibull, pareto \
                     or auto"
                ),
            )),
        }
    }
}

/// How a fitted interval's rate is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// The interval's count over its length: the maximum-likelihood rate of a Poisson process
    /// observed over the whole interval, and the renewal rate that keeps the expected count.
    /// The shape (cv, tail) still comes from the gaps.
    #[default]
    Count,
    /// The original's: 1 / (mean gap between the interval's arrivals), i.e. (n − 1) / (last −
    /// first), so silence at the interval's ends does not count (bursty traces gain 6–13 %);
    /// a rate above 5× the empirical one is replaced by it.
    Alpaserve,
}

impl Estimator {
    /// Whether this is the original's estimator (omitted from what we write, so files made
    /// before the choice existed, which used it, read back the same).
    pub fn is_alpaserve(&self) -> bool {
        *self == Estimator::Alpaserve
    }

    fn alpaserve() -> Estimator {
        Estimator::Alpaserve
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Estimator::Count => "count",
            Estimator::Alpaserve => "alpaserve",
        })
    }
}

impl FromStr for Estimator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "count" => Ok(Estimator::Count),
            "alpaserve" => Ok(Estimator::Alpaserve),
            other => Err(Error::param(
                "estimator",
                format!(
                    "{:?} is not an estimator; use count (the interval's count over its length, \
                     the default) or alpaserve (the original's, 1 / mean gap)",
                    crate::quote::quoted(other)
                ),
            )),
        }
    }
}

/// Everything that defines a replay. Field names follow the CLI options.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplayParams {
    /// Model names, in order; functions are mapped onto them.
    pub models: Vec<String>,
    /// How functions are assigned to models.
    pub mapping: Mapping,
    /// Window start, `"D.H.M"`.
    pub start: String,
    /// Window end, `"D.H.M"`; `None` is the trace's end.
    pub end: Option<String>,
    /// Replay mode.
    pub distribution: Distribution,
    /// Length of the fitting intervals in seconds.
    pub interval_seconds: f64,
    /// Multiplies every fitted rate.
    pub rate_scale: f64,
    /// Multiplies every fitted gamma cv.
    pub cv_scale: f64,
    /// Compresses time in vanilla replays: `t → (t − start)/s + start`.
    pub time_scale: f64,
    /// Repeats every vanilla arrival this many times.
    pub replication: u32,
    /// Seed of all randomness.
    pub seed: u64,
    /// Refuse replays expected to produce more arrivals than this.
    pub max_arrivals: u64,
    /// Only functions with one of these triggers (`http`, `timer`, …); empty: all functions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    /// Lift the size limits (`max_arrivals`, the memory check, the number of fits).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_huge: bool,
    /// Assess every interval's fit (log-likelihood, AIC, BIC, KS of each candidate process).
    /// `auto` chooses by the same AIC with or without it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fit_quality: bool,
    /// Vanilla: spread requests that share a timestamp over the gap to the next one.
    #[serde(default, skip_serializing_if = "Spread::is_none")]
    pub spread: Spread,
    /// How fitted rates are estimated. Absent from what was written before the choice
    /// existed, which used the original's.
    #[serde(
        default = "Estimator::alpaserve",
        skip_serializing_if = "Estimator::is_alpaserve"
    )]
    pub estimator: Estimator,
}

/// What a vanilla replay does with requests that share a timestamp (coarse traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    /// Keep the data as it is: simultaneous requests stay simultaneous.
    #[default]
    None,
    /// Spread them at random (uniformly) over the gap to the next distinct timestamp (the
    /// median gap after the last one), in their order; their tokens stay with them.
    Uniform,
    /// As `Uniform`, their places in the gap drawn from a gamma process with each interval's
    /// cv, fitted from the requests per tick (cv 1 is uniform; bursty intervals cluster).
    Fitted,
}

impl Spread {
    /// Whether nothing is spread.
    pub fn is_none(&self) -> bool {
        *self == Spread::None
    }
}

/// Most models without `allow_huge` (checked where model names are made from a count).
pub const MAX_MODELS: usize = 1_000_000;

/// Most interval fits (models × intervals) one replay may make without `allow_huge`: about
/// half a gigabyte of fit records.
pub const MAX_FITS: u64 = 10_000_000;

/// Bytes a replay and its export hold per arrival at peak (replayed time, merged time, model,
/// SLO), for the memory check.
pub const BYTES_PER_ARRIVAL: u64 = 32;

/// Default cap on the arrivals one replay may produce (about 8 GB of timestamps).
pub const DEFAULT_MAX_ARRIVALS: u64 = 1_000_000_000;

impl Default for ReplayParams {
    fn default() -> Self {
        ReplayParams {
            models: default_model_names(5),
            mapping: Mapping::Stripe,
            start: "0.0.0".into(),
            end: None,
            distribution: Distribution::Exponential,
            interval_seconds: 600.0,
            rate_scale: 1.0,
            cv_scale: 1.0,
            time_scale: 1.0,
            replication: 1,
            seed: 0,
            max_arrivals: DEFAULT_MAX_ARRIVALS,
            triggers: Vec::new(),
            allow_huge: false,
            fit_quality: false,
            spread: Spread::None,
            estimator: Estimator::Count,
        }
    }
}

fn positive_finite(param: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            param,
            format!("{v} must be a positive, finite number"),
        ))
    }
}

impl ReplayParams {
    /// Checks every rule that does not need the data, then the window against `trace`.
    /// Returns the window.
    pub fn validate(&self, trace: &Trace) -> Result<Window> {
        if !self.triggers.is_empty() {
            let known: std::collections::BTreeSet<&str> = trace
                .functions
                .iter()
                .filter_map(|f| f.trigger.as_deref())
                .collect();
            if known.is_empty() {
                return Err(Error::param(
                    "trigger",
                    "this trace has no triggers (only Azure Functions 2019 files have them); \
                     drop --trigger",
                ));
            }
            if let Some(t) = self.triggers.iter().find(|t| !known.contains(t.as_str())) {
                let list: Vec<&str> = known.into_iter().collect();
                return Err(Error::param(
                    "trigger",
                    format!(
                        "no function has trigger {t:?}; this trace has {}",
                        list.join(", ")
                    ),
                ));
            }
        }
        self.validate_for(trace.kind, trace.days, trace.span)
    }

    /// Cuts the models to a trace of `functions` functions when it has fewer (a model needs a
    /// function of its own; an Azure LLM or Mooncake trace has one), keeping the first; returns
    /// how many were asked for when it cut.
    pub fn cut_models_to(&mut self, functions: usize) -> Option<usize> {
        let asked = self.models.len();
        if functions == 0 || asked <= functions {
            return None;
        }
        self.models.truncate(functions);
        Some(asked)
    }

    /// `true` when `trigger` passes the trigger filter.
    pub fn keeps(&self, trigger: Option<&str>) -> bool {
        self.triggers.is_empty() || trigger.is_some_and(|t| self.triggers.iter().any(|x| x == t))
    }

    /// The rules that need no trace: models and their names, the numeric options and how
    /// they combine, and the form of the window's times. The command line checks them before
    /// loading, so a mistyped option is reported at once rather than after reading a large
    /// trace; [`ReplayParams::validate`] checks them again.
    pub fn check_values(&self) -> Result<()> {
        use Distribution::*;
        if self.models.is_empty() {
            return Err(Error::param("models", "at least one model is needed"));
        }
        let mut seen = HashSet::new();
        for m in &self.models {
            if m.is_empty() {
                return Err(Error::param("model-names", "a model name is empty"));
            }
            if !seen.insert(m.as_str()) {
                return Err(Error::param(
                    "model-names",
                    format!("{m:?} is given twice; names must be unique"),
                ));
            }
        }
        positive_finite("interval", self.interval_seconds)?;
        positive_finite("rate-scale", self.rate_scale)?;
        positive_finite("cv-scale", self.cv_scale)?;
        positive_finite("time-scale", self.time_scale)?;
        if self.replication < 1 {
            return Err(Error::param(
                "replication",
                "must be at least 1 (1 = no replication)",
            ));
        }
        if !self.spread.is_none() && self.distribution != Vanilla {
            return Err(Error::param(
                "spread",
                "spreads the shared timestamps of a vanilla replay; fitted processes have none \
                 (use --distribution vanilla, or drop --spread)",
            ));
        }
        if self.cv_scale != 1.0 && !matches!(self.distribution, Gamma | Weibull | Auto) {
            return Err(Error::param(
                "cv-scale",
                format!(
                    "only gamma and weibull processes have a cv to scale (this is {})",
                    self.distribution
                ),
            ));
        }
        if self.time_scale != 1.0 && self.rate_scale != 1.0 {
            return Err(Error::param(
                "time-scale",
                "choose one: scale the rate or scale time, not both",
            ));
        }
        crate::time::point_seconds(&self.start, "start")?;
        if let Some(end) = &self.end {
            crate::time::point_seconds(end, "end")?;
        }
        Ok(())
    }

    /// Like [`ReplayParams::validate`] for a trace of `kind` spanning `days` days.
    pub fn validate_for(&self, kind: TraceKind, days: u32, span: Option<u64>) -> Result<Window> {
        use Distribution::*;
        self.check_values()?;
        if kind == TraceKind::V1 && self.distribution == Vanilla {
            return Err(Error::param(
                "distribution",
                "a v1 trace holds per-minute counts, not timestamps, so it cannot be replayed vanilla; \
                 use exponential or gamma",
            ));
        }
        if kind == TraceKind::V1 && matches!(self.distribution, Pareto | Weibull | Auto) {
            return Err(Error::param(
                "distribution",
                format!(
                    "{} needs inter-arrival gaps, which a v1 per-minute trace does not have; use exponential or gamma",
                    self.distribution
                ),
            ));
        }
        let vanilla_v2 = kind == TraceKind::V2 && self.distribution == Vanilla;
        if self.replication > 1 && !vanilla_v2 {
            return Err(Error::param(
                "replication",
                format!(
                    "only a vanilla replay of a v2 trace can be replicated (this is {kind}, {}); \
                     use --rate-scale to scale fitted modes",
                    self.distribution
                ),
            ));
        }
        if self.time_scale != 1.0 && !vanilla_v2 {
            return Err(Error::param(
                "time-scale",
                "time scaling only applies to a vanilla replay of a v2 trace; use --rate-scale for fitted modes",
            ));
        }
        if kind == TraceKind::V1
            && self.distribution != Vanilla
            && self.interval_seconds % 60.0 != 0.0
        {
            return Err(Error::param(
                "interval",
                format!(
                    "{} s is not a whole number of minutes; a v1 trace counts per minute, so use a multiple of 60",
                    self.interval_seconds
                ),
            ));
        }
        let window = Window::parse_in(&self.start, self.end.as_deref(), days, span)?;
        if self.distribution != Vanilla && !self.allow_huge {
            let fits =
                (window.seconds() as f64 / self.interval_seconds).ceil() * self.models.len() as f64;
            if fits > MAX_FITS as f64 {
                return Err(Error::param(
                    "interval",
                    format!(
                        "{} s intervals over the {} s window for {} models is {fits:.3e} fits, more than \
                         the limit of {MAX_FITS}; use a longer --interval, a shorter window, or --allow-huge",
                        self.interval_seconds,
                        window.seconds(),
                        self.models.len()
                    ),
                ));
            }
        }
        if (window.seconds() as f64 / self.time_scale).floor() < 1.0 {
            return Err(Error::param(
                "time-scale",
                format!(
                    "{} compresses the {} s window to less than one second; use at most {}",
                    self.time_scale,
                    window.seconds(),
                    window.seconds()
                ),
            ));
        }
        Ok(window)
    }
}

/// Refuses, before sampling, a replay expected to make more arrivals than the limit or than
/// memory can hold (unless `allow_huge`).
pub(super) fn check_size(expected: f64, params: &ReplayParams) -> Result<()> {
    if params.allow_huge {
        return Ok(());
    }
    if expected > params.max_arrivals as f64 {
        return Err(Error::param(
            "max-arrivals",
            format!(
                "this replay would produce about {expected:.3e} arrivals, more than the limit of {}; \
                 lower --rate-scale, --cv-scale (gamma makes bursts of about cv²/2 arrivals an \
                 interval) or --replication, shorten the window, or raise --max-arrivals (or pass \
                 --allow-huge)",
                params.max_arrivals
            ),
        ));
    }
    let need = expected * BYTES_PER_ARRIVAL as f64;
    if let Some(avail) = crate::limits::available_memory()
        && need > avail as f64
    {
        return Err(Error::param(
            "rate-scale",
            format!(
                "this replay would produce about {expected:.3e} arrivals, needing about {:.1} GB, but \
                 only {:.1} GB of memory is available; lower --rate-scale, shorten the window, or \
                 pass --allow-huge to try anyway",
                need / 1e9,
                avail as f64 / 1e9
            ),
        ));
    }
    Ok(())
}

/// Indices in `models` of the names in `only` (all when `None`), or an error naming one that
/// is not among them, and which they are.
pub fn choose(models: &[&str], only: Option<&[String]>) -> Result<Vec<usize>> {
    let Some(names) = only else {
        return Ok((0..models.len()).collect());
    };
    // Named twice, a model's requests would be exported twice.
    if let Some((_, n)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        let n = crate::quote::quoted(n);
        return Err(Error::param(
            "only",
            format!("{n:?} is named twice; name each model once"),
        ));
    }
    names
        .iter()
        .map(|n| {
            models.iter().position(|m| m == n).ok_or_else(|| {
                let shown = models
                    .iter()
                    .take(8)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = if models.len() > 8 {
                    format!(" … ({} in all)", models.len())
                } else {
                    String::new()
                };
                Error::param(
                    "only",
                    format!("{n:?} is not a model of this replay; the models are {shown}{more}"),
                )
            })
        })
        .collect()
}
