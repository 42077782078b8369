//! The replay engine: slice a window, map functions onto models, then replay each model's
//! traffic verbatim (vanilla) or as fitted processes sampled per interval.

pub mod fit;
mod model;
pub mod params;
mod plan;
pub mod sample;
mod spread;
mod tokens;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use fit::{Estimate, Process};

use model::sample_model;
use plan::{Part, Plan, Slice, cut, parts_per_model, plan_part, slice};

use crate::par::par_map;
pub use params::{DEFAULT_MAX_ARRIVALS, Distribution, ReplayParams};

use crate::error::{Error, Result};
use crate::stats;
use crate::time::Window;
use crate::trace::{Tokens, Trace, TraceKind};

/// One fitting interval of a model in a fitted mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalFit {
    /// Start, seconds since the trace start.
    pub start: f64,
    /// End (exclusive); the last interval may be shorter than `interval_seconds`.
    pub end: f64,
    /// Invocations of the model's functions in the real trace during this interval.
    pub trace_count: u64,
    /// The fitted process after scaling; `None` when the interval is silent.
    pub process: Option<Process>,
    /// `true` when the bias guard replaced the fitted rate by the empirical one.
    pub reset_to_empirical: bool,
    /// Arrivals actually sampled in this interval (realized, to compare with the target).
    pub realized_count: u64,
    /// The cv of those arrivals' gaps.
    pub realized_cv: f64,
}

impl IntervalFit {
    /// Realized arrivals per second.
    pub fn realized_rate(&self) -> f64 {
        self.realized_count as f64 / (self.end - self.start)
    }
}

/// A model's replayed traffic (the original's `TraceReplay`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelReplay {
    /// Model name.
    pub model: String,
    /// Number of trace functions mapped onto it.
    pub functions: usize,
    /// Invocations of those functions inside the window, in the real trace.
    pub trace_count: u64,
    /// Sorted arrival times, seconds since the trace start.
    pub arrivals: Vec<f64>,
    /// Per-interval fits (fitted modes; empty for vanilla).
    pub intervals: Vec<IntervalFit>,
    /// Arrivals per second over the (time-scaled) window, as the original's `rate()`.
    pub rate: f64,
    /// Coefficient of variation of the gaps, as the original's `cv()`.
    pub cv: f64,
    /// Token counts per arrival, when the trace has them (LLM traces): vanilla replays carry
    /// each request's own; fitted modes draw them from the trace's requests of the same
    /// interval (of the window when the interval had none).
    pub tokens: Option<Tokens>,
    /// Per interval, how well each candidate process fits the trace's gaps (when
    /// `fit_quality` or `auto`; empty otherwise).
    pub quality: Vec<Option<crate::quality::Quality>>,
}

/// The result of a replay: every model's traffic and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// Trace source (file name).
    pub source: String,
    /// Trace kind.
    pub kind: TraceKind,
    /// Days in the trace.
    pub days: u32,
    /// The trace's span in seconds when it is not day-based.
    pub span: Option<u64>,
    /// Functions in the whole trace.
    pub trace_functions: usize,
    /// The parameters used.
    pub params: ReplayParams,
    /// The window replayed.
    pub window: Window,
    /// `(function, model index)` for every function with invocations in the window, trace order.
    pub mapping: Vec<(String, usize)>,
    /// One entry per model, in `params.models` order.
    pub models: Vec<ModelReplay>,
}

/// Group statistics over all models (the original's `report_group_stats`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GroupStats {
    /// All arrivals.
    pub arrivals: u64,
    /// Arrivals per second of window.
    pub rate: f64,
    /// cv of the merged arrivals' gaps.
    pub cv: f64,
}

impl Replay {
    /// Statistics over all models' arrivals merged.
    pub fn group(&self) -> GroupStats {
        let runs: Vec<&[f64]> = self.models.iter().map(|m| m.arrivals.as_slice()).collect();
        let arrivals = runs.iter().map(|r| r.len()).sum::<usize>();
        GroupStats {
            arrivals: arrivals as u64,
            rate: arrivals as f64 / self.window.seconds() as f64,
            cv: stats::merged_gap_moments(&runs).cv(),
        }
    }

    /// Indices of the models named in `only` (all when `None`), or an error naming one that
    /// is not a model of this replay.
    pub fn chosen(&self, only: Option<&[String]>) -> Result<Vec<usize>> {
        let names: Vec<&str> = self.models.iter().map(|m| m.model.as_str()).collect();
        choose(&names, only)
    }
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

/// Replays `trace` with `params`.
///
/// ```
/// use tracereplay_tui::replay::{replay, Distribution, ReplayParams};
/// use tracereplay_tui::trace::{Function, Series, Trace, TraceKind};
///
/// let f = |name: &str, t: &[f64]| Function::new(name, Series::Times(t.to_vec().into()));
/// let trace = Trace::new("demo", TraceKind::V2, vec![f("a", &[1.0, 5.0]), f("b", &[2.0])], vec![]).unwrap();
/// let params = ReplayParams {
///     models: vec!["m0".into()],
///     distribution: Distribution::Vanilla,
///     ..ReplayParams::default()
/// };
/// let r = replay(&trace, &params).unwrap();
/// assert_eq!(r.models[0].arrivals, vec![1.0, 2.0, 5.0]);
/// ```
pub fn replay(trace: &Trace, params: &ReplayParams) -> Result<Replay> {
    replay_with_cancel(trace, params, &AtomicBool::new(false))
}

/// Like [`replay`], but gives up with [`Error::Cancelled`] soon after `cancel` becomes true.
pub fn replay_with_cancel(
    trace: &Trace,
    params: &ReplayParams,
    cancel: &AtomicBool,
) -> Result<Replay> {
    replay_in_parts(trace, params, cancel, None)
}

/// The replay, with each model's window cut into `parts` (chosen from the core count when
/// `None`): the result must not depend on it.
fn replay_in_parts(
    trace: &Trace,
    params: &ReplayParams,
    cancel: &AtomicBool,
    parts: Option<usize>,
) -> Result<Replay> {
    let window = params.validate(trace)?;
    let kept = slice(trace, window, params)?;
    let n_models = params.models.len();
    if kept.len() < n_models {
        return Err(Error::param(
            "models",
            format!(
                "the window {window} has {} function(s) with invocations but {n_models} models were asked for; \
                 use at most {} models or widen the window",
                kept.len(),
                kept.len()
            ),
        ));
    }
    let assignment = params.mapping.assign(n_models, kept.len());
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_models];
    for (k, &m) in assignment.iter().enumerate() {
        members[m].push(k);
    }
    let sources: Vec<Vec<&Slice>> = members
        .iter()
        .map(|m| m.iter().map(|&k| &kept[k]).collect())
        .collect();
    let with_tokens: Vec<bool> = sources
        .iter()
        .map(|s| {
            trace.kind == TraceKind::V2
                && !s.is_empty()
                && s.iter()
                    .all(|s| trace.functions[s.function].tokens.is_some())
        })
        .collect();
    let parts =
        parts.unwrap_or_else(|| parts_per_model(trace, n_models, with_tokens.contains(&true)));
    let cuts = cut(window, params, parts);
    // Work units are (model, part): a few models still keep every core busy.
    let units = n_models * cuts.len();
    let planned = par_map(units, |u| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let (m, k) = (u / cuts.len(), u % cuts.len());
        plan_part(trace, &sources[m], &cuts[k], window, params, with_tokens[m])
    })?;
    let mut planned = planned.into_iter();
    let plans: Vec<Plan> = sources
        .iter()
        .map(|s| {
            let mut tokens = None;
            let parts: Vec<Part> = (&mut planned)
                .take(cuts.len())
                .map(|(part, t)| {
                    tokens = tokens.take().or(t);
                    part
                })
                .collect();
            Plan {
                functions: s.len(),
                trace_count: parts.iter().map(|p| p.trace_count).sum(),
                tokens,
                parts,
            }
        })
        .collect();
    let expected: f64 = plans.iter().map(|p| p.expected_arrivals(params)).sum();
    check_size(expected, params)?;
    // Arrivals made so far by every model: --max-arrivals holds for what is made, not only
    // for the estimate.
    let made = AtomicU64::new(0);
    let models = par_map(n_models, |m| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        sample_model(&plans[m], m, window, params, &made)
    })?;
    Ok(Replay {
        source: trace.source.clone(),
        kind: trace.kind,
        days: trace.days,
        span: trace.span,
        trace_functions: trace.functions.len(),
        params: params.clone(),
        window,
        mapping: kept
            .iter()
            .zip(&assignment)
            .map(|(s, &m)| (trace.functions[s.function].name.clone(), m))
            .collect(),
        models,
    })
}

/// Refuses, before sampling, a replay expected to make more arrivals than the limit or than
/// memory can hold (unless `allow_huge`).
fn check_size(expected: f64, params: &ReplayParams) -> Result<()> {
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
    let need = expected * params::BYTES_PER_ARRIVAL as f64;
    if let Some(avail) = available_memory()
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

/// `MemAvailable` from `/proc/meminfo`, in bytes (None where there is no such file).
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Series;

    #[test]
    fn parts_do_not_change_the_result() {
        let trace = crate::synth::v2(&crate::synth::V2Options {
            functions: 30,
            total: 60_000,
            days: 2,
            seed: 4,
        });
        for distribution in [
            Distribution::Vanilla,
            Distribution::Gamma,
            Distribution::Exponential,
            Distribution::Auto,
        ] {
            let params = ReplayParams {
                models: crate::mapping::default_model_names(3),
                distribution,
                start: "0.3.0".into(),
                end: Some("1.20.30".into()),
                interval_seconds: 1800.0,
                time_scale: if distribution == Distribution::Vanilla {
                    1.5
                } else {
                    1.0
                },
                replication: if distribution == Distribution::Vanilla {
                    2
                } else {
                    1
                },
                fit_quality: true,
                ..ReplayParams::default()
            };
            let run = |parts| {
                replay_in_parts(&trace, &params, &AtomicBool::new(false), Some(parts)).unwrap()
            };
            let one = run(1);
            assert!(one.models.iter().all(|m| m.arrivals.len() > 100));
            // Every function is mapped: the models' trace counts are the window's timestamps.
            let in_window: usize = trace
                .functions
                .iter()
                .map(|f| match &f.series {
                    Series::Times(t) => t
                        .iter()
                        .filter(|&x| (10_800.0..160_200.0).contains(&x))
                        .count(),
                    Series::Counts(_) => 0,
                })
                .sum();
            let counted: u64 = one.models.iter().map(|m| m.trace_count).sum();
            assert_eq!(counted, in_window as u64, "{distribution}");
            for parts in [2, 3, 7] {
                let many = run(parts);
                for (a, b) in one.models.iter().zip(&many.models) {
                    assert_eq!(a.arrivals, b.arrivals, "{distribution} in {parts} parts");
                    assert_eq!(a.intervals, b.intervals, "{distribution} in {parts} parts");
                    assert_eq!(a.quality, b.quality);
                    assert!((a.cv - b.cv).abs() <= 1e-12 * a.cv, "{} vs {}", a.cv, b.cv);
                    assert_eq!(a.rate, b.rate);
                    assert_eq!(a.trace_count, b.trace_count);
                }
            }
        }
    }
}
