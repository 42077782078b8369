//! The parameters form: its fields, their texts, and the replay parameters they parse into.

use crate::format;
use crate::mapping::default_model_names;
use crate::replay::{Distribution, ReplayParams};
use crate::trace::TraceKind;

/// One editable replay option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A count (`5`) or comma-separated names.
    Models,
    /// stripe / round_robin.
    Mapping,
    /// D.H.M.
    Start,
    /// D.H.M or empty for the trace's end.
    End,
    /// vanilla / exponential / gamma / weibull / pareto / auto.
    Distribution,
    /// Seconds.
    Interval,
    /// count / alpaserve.
    Estimator,
    /// Factor.
    RateScale,
    /// Factor.
    CvScale,
    /// Factor.
    TimeScale,
    /// Count.
    Replication,
    /// none / uniform / fitted (vanilla: requests sharing a timestamp).
    Spread,
    /// Seed.
    Seed,
    /// Comma-separated triggers to keep (Azure 2019); empty for all.
    Triggers,
}

/// All fields in form order.
pub const FIELDS: [FieldKind; 14] = [
    FieldKind::Models,
    FieldKind::Mapping,
    FieldKind::Start,
    FieldKind::End,
    FieldKind::Distribution,
    FieldKind::Interval,
    FieldKind::Estimator,
    FieldKind::RateScale,
    FieldKind::CvScale,
    FieldKind::TimeScale,
    FieldKind::Replication,
    FieldKind::Spread,
    FieldKind::Seed,
    FieldKind::Triggers,
];

impl FieldKind {
    /// Label shown in the form.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Models => "models",
            FieldKind::Mapping => "mapping",
            FieldKind::Start => "start",
            FieldKind::End => "end",
            FieldKind::Distribution => "distribution",
            FieldKind::Interval => "interval s",
            FieldKind::Estimator => "estimator",
            FieldKind::RateScale => "rate scale",
            FieldKind::CvScale => "cv scale",
            FieldKind::TimeScale => "time scale",
            FieldKind::Replication => "replication",
            FieldKind::Spread => "spread",
            FieldKind::Seed => "seed",
            FieldKind::Triggers => "triggers",
        }
    }

    /// Choices cycled with ←/→ (empty for free text), those that apply to a trace of `kind`:
    /// a v1 trace has counts, not gaps, so only exponential and gamma.
    pub fn choices(self, kind: Option<TraceKind>) -> &'static [&'static str] {
        match self {
            FieldKind::Mapping => &["stripe", "round_robin"],
            FieldKind::Distribution if kind == Some(TraceKind::V1) => &["exponential", "gamma"],
            FieldKind::Distribution => &[
                "vanilla",
                "exponential",
                "gamma",
                "weibull",
                "pareto",
                "auto",
            ],
            FieldKind::Estimator => &["count", "alpaserve"],
            FieldKind::Spread => &["none", "uniform", "fitted"],
            _ => &[],
        }
    }

    /// `true` when the field has no effect with this distribution and trace kind.
    pub fn inapplicable(self, d: Distribution, kind: Option<TraceKind>) -> bool {
        let vanilla = d == Distribution::Vanilla;
        match self {
            FieldKind::Interval | FieldKind::RateScale | FieldKind::Seed => vanilla,
            // A v1 trace's rates are its counts under either; pareto keeps its own scale.
            FieldKind::Estimator => {
                vanilla || kind == Some(TraceKind::V1) || d == Distribution::Pareto
            }
            FieldKind::CvScale => !matches!(
                d,
                Distribution::Gamma | Distribution::Weibull | Distribution::Auto
            ),
            FieldKind::TimeScale | FieldKind::Replication | FieldKind::Spread => {
                !vanilla || kind == Some(TraceKind::V1)
            }
            // Only the 2019 per-minute files carry triggers.
            FieldKind::Triggers => kind == Some(TraceKind::V2),
            _ => false,
        }
    }
}

/// The form's text for each field, from parameters.
pub fn field_texts(p: &ReplayParams) -> Vec<String> {
    FIELDS
        .iter()
        .map(|f| match f {
            FieldKind::Models => {
                if p.models == default_model_names(p.models.len()) {
                    p.models.len().to_string()
                } else {
                    p.models.join(",")
                }
            }
            FieldKind::Mapping => p.mapping.to_string(),
            FieldKind::Start => p.start.clone(),
            FieldKind::End => p.end.clone().unwrap_or_default(),
            FieldKind::Distribution => p.distribution.to_string(),
            FieldKind::Interval => format::py_float(p.interval_seconds),
            FieldKind::Estimator => p.estimator.to_string(),
            FieldKind::RateScale => format::py_float(p.rate_scale),
            FieldKind::CvScale => format::py_float(p.cv_scale),
            FieldKind::TimeScale => format::py_float(p.time_scale),
            FieldKind::Replication => p.replication.to_string(),
            FieldKind::Spread => match p.spread {
                crate::replay::params::Spread::None => "none",
                crate::replay::params::Spread::Uniform => "uniform",
                crate::replay::params::Spread::Fitted => "fitted",
            }
            .to_string(),
            FieldKind::Seed => p.seed.to_string(),
            FieldKind::Triggers => p.triggers.join(","),
        })
        .collect()
}

/// Parses the form into parameters; on failure, the field index and the reason.
pub fn parse_fields(
    texts: &[String],
    base: &ReplayParams,
) -> Result<ReplayParams, (usize, String)> {
    let mut p = base.clone();
    for (i, (kind, text)) in FIELDS.iter().zip(texts).enumerate() {
        let t = text.trim();
        let num = |what: &str| {
            t.parse::<f64>()
                .map_err(|_| (i, format!("{t:?} is not a number ({what})")))
        };
        match kind {
            FieldKind::Models => {
                p.models = match t.parse::<usize>() {
                    Ok(n) if n > crate::replay::params::MAX_MODELS && !base.allow_huge => {
                        return Err((
                            i,
                            format!(
                                "{n} models is more than the limit of {}",
                                crate::replay::params::MAX_MODELS
                            ),
                        ));
                    }
                    Ok(n) => default_model_names(n),
                    Err(_) => t.split(',').map(|s| s.trim().to_string()).collect(),
                }
            }
            FieldKind::Mapping => {
                p.mapping = t.parse().map_err(|e: crate::Error| (i, e.to_string()))?
            }
            // Empty: from the trace's start, as an empty end is to its end.
            FieldKind::Start => p.start = if t.is_empty() { "0.0.0" } else { t }.to_string(),
            FieldKind::End => p.end = (!t.is_empty()).then(|| t.to_string()),
            FieldKind::Distribution => {
                p.distribution = t.parse().map_err(|e: crate::Error| (i, e.to_string()))?
            }
            FieldKind::Interval => p.interval_seconds = num("seconds")?,
            FieldKind::Estimator => {
                p.estimator = t.parse().map_err(|e: crate::Error| (i, e.to_string()))?
            }
            FieldKind::RateScale => p.rate_scale = num("factor")?,
            FieldKind::CvScale => p.cv_scale = num("factor")?,
            FieldKind::TimeScale => p.time_scale = num("factor")?,
            FieldKind::Replication => {
                p.replication = t
                    .parse()
                    .map_err(|_| (i, format!("{t:?} is not a whole number ≥ 1")))?
            }
            FieldKind::Spread => {
                p.spread = match t {
                    "" | "none" => crate::replay::params::Spread::None,
                    "uniform" => crate::replay::params::Spread::Uniform,
                    "fitted" => crate::replay::params::Spread::Fitted,
                    other => {
                        return Err((i, format!("{other:?}: spread is none, uniform or fitted")));
                    }
                }
            }
            FieldKind::Seed => {
                p.seed = t
                    .parse()
                    .map_err(|_| (i, format!("{t:?} is not a whole number")))?
            }
            FieldKind::Triggers => {
                p.triggers = t
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
        }
    }
    // Shown (n/a) but kept when the distribution changes: only vanilla spreads.
    if p.distribution != Distribution::Vanilla {
        p.spread = crate::replay::params::Spread::None;
    }
    Ok(p)
}

/// Which field a parameter error is about, from the error's parameter name.
pub fn field_of_error(err: &crate::Error) -> Option<usize> {
    let kind = match err {
        crate::Error::Param { param, .. } => match *param {
            "models" | "model-names" => FieldKind::Models,
            "mapping" => FieldKind::Mapping,
            "distribution" => FieldKind::Distribution,
            "interval" => FieldKind::Interval,
            "estimator" => FieldKind::Estimator,
            "rate-scale" => FieldKind::RateScale,
            "cv-scale" => FieldKind::CvScale,
            "time-scale" => FieldKind::TimeScale,
            "replication" => FieldKind::Replication,
            "spread" => FieldKind::Spread,
            "trigger" => FieldKind::Triggers,
            _ => return None,
        },
        crate::Error::Time(msg) if msg.starts_with("start") => FieldKind::Start,
        crate::Error::Time(_) => FieldKind::End,
        _ => return None,
    };
    field_index(kind)
}

/// Where field `kind` is in the form.
pub fn field_index(kind: FieldKind) -> Option<usize> {
    FIELDS.iter().position(|&f| f == kind)
}
