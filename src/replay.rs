//! The replay engine: slice a window, map functions onto models, then replay each model's
//! traffic verbatim (vanilla) or as fitted processes sampled per interval.

mod cache;
pub mod fit;
mod model;
pub mod params;
mod plan;
pub mod sample;
mod spread;
mod tokens;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use cache::{DEFAULT_CACHE_BYTES, FitCache};

pub use fit::{Estimate, Process};

use model::{MIN_RANGE_ARRIVALS, sample_all, sampling_ranges};
use params::check_size;
use plan::{Fitting, Part, Plan, Slice, cut, parts_per_model, plan_part, slice};

use crate::par::par_map;
pub use params::{DEFAULT_MAX_ARRIVALS, Distribution, Estimator, ReplayParams, choose};

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
    /// Sorted arrival times, seconds since the trace start (a vanilla replay of one function's
    /// window at its own pace: a view of the trace's times).
    pub arrivals: crate::trace::Column<f64>,
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
    /// `fit_quality`; empty otherwise: `auto` chooses by AIC alone, which needs no KS distance).
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
    /// The trace's wall clock at its time 0 ([`Trace::clock`]).
    pub clock: Option<i64>,
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
        // Never cancelled, so the cv is always there.
        let never = AtomicBool::new(false);
        GroupStats {
            cv: self.group_cv_unless(&never).unwrap_or_default(),
            ..self.group_counts()
        }
    }

    /// The group's cv ([`Replay::group`]), or `None` once `cancel` is set: the merge of every
    /// arrival is the longest step of showing a large replay.
    pub fn group_cv_unless(&self, cancel: &AtomicBool) -> Option<f64> {
        let runs: Vec<&[f64]> = self.models.iter().map(|m| m.arrivals.as_slice()).collect();
        stats::merged_gap_moments_unless(&runs, cancel).map(|g| g.cv())
    }

    /// [`Replay::group`] but for the cv (left 0), which alone needs the merged order. The rate
    /// is over the replay's duration (the window compressed by `--time-scale`), as each model's
    /// is; the original's group line divides by the unscaled window
    /// ([`Replay::group_rate_unscaled`]).
    pub fn group_counts(&self) -> GroupStats {
        let arrivals = self.models.iter().map(|m| m.arrivals.len()).sum::<usize>();
        let seconds = (self.window.seconds() as f64 / self.params.time_scale).floor();
        GroupStats {
            arrivals: arrivals as u64,
            rate: arrivals as f64 / seconds,
            cv: 0.0,
        }
    }

    /// The group's arrivals over the unscaled window, as the original's `report_group_stats`
    /// computes it (half the models' rate under `--time-scale 2`).
    pub fn group_rate_unscaled(&self) -> f64 {
        let arrivals = self.models.iter().map(|m| m.arrivals.len()).sum::<usize>();
        arrivals as f64 / self.window.seconds() as f64
    }

    /// Indices of the models named in `only` (all when `None`), or an error naming one that
    /// is not a model of this replay.
    pub fn chosen(&self, only: Option<&[String]>) -> Result<Vec<usize>> {
        let names: Vec<&str> = self.models.iter().map(|m| m.model.as_str()).collect();
        choose(&names, only)
    }
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
    replay_in_parts(trace, params, cancel, Split::default(), None, None)
}

/// Like [`replay_with_cancel`], keeping the window's fits in `cache` (or taking them from
/// it): a change of distribution, rate or cv scale, replication or seed then only samples.
/// The result is the same as without the cache.
pub fn replay_cached(
    trace: &Arc<Trace>,
    params: &ReplayParams,
    cancel: &AtomicBool,
    cache: &FitCache,
) -> Result<Replay> {
    let split = Split::default();
    replay_in_parts(trace, params, cancel, split, Some((cache, trace)), None)
}

/// What a fitted replay will make, known before it samples: each model's fitted processes.
#[derive(Debug)]
pub struct Targets<'a> {
    /// The window replayed.
    pub window: Window,
    /// Arrivals expected from all models.
    pub expected: f64,
    /// Per model, in `params.models` order: its functions and its intervals' processes (their
    /// realized figures are not known yet: zero).
    pub models: Vec<(usize, &'a [IntervalFit])>,
}

/// [`replay_cached`], calling `targets` once the processes are known and before sampling, when
/// the replay is fitted (a caller shows them while it samples).
pub fn replay_cached_with_targets(
    trace: &Arc<Trace>,
    params: &ReplayParams,
    cancel: &AtomicBool,
    cache: &FitCache,
    targets: &mut dyn FnMut(&Targets),
) -> Result<Replay> {
    let split = Split::default();
    replay_in_parts(
        trace,
        params,
        cancel,
        split,
        Some((cache, trace)),
        Some(targets),
    )
}

/// How the work is cut; tests fix what is otherwise chosen from the core count, as the result
/// must not depend on it.
#[derive(Debug, Default, Clone, Copy)]
struct Split {
    /// Parts each model's window is planned in.
    parts: Option<usize>,
    /// Cores the sampling is cut for.
    threads: Option<usize>,
    /// Fewest arrivals expected in a range of sampling.
    min_range: Option<f64>,
}

/// The replay, with the work cut as `split` says: the result must not depend on it, nor on
/// whether the fits come from `cache`.
fn replay_in_parts(
    trace: &Trace,
    params: &ReplayParams,
    cancel: &AtomicBool,
    split: Split,
    cache: Option<(&FitCache, &Arc<Trace>)>,
    targets: Option<&mut dyn FnMut(&Targets)>,
) -> Result<Replay> {
    let window = params.validate(trace)?;
    let fitted = params.distribution != Distribution::Vanilla;
    // Quality figures are per request of the CLI's `stats`, never kept.
    let cache = cache.filter(|_| fitted && !params.fit_quality);
    let key = cache::FitKey::new(window, params);
    let known = cache.and_then(|(c, t)| c.get(t, &key));
    let sliced;
    let kept: &[Slice] = match &known {
        Some(f) => &f.kept,
        None => {
            sliced = slice(trace, window, params)?;
            &sliced
        }
    };
    let n_models = params.models.len();
    if kept.len() < n_models {
        return Err(Error::param(
            "models",
            format!(
                "the window {window} has {} with invocations but {n_models} models were asked for; \
                 use at most {} or widen the window",
                crate::format::plural(kept.len() as u64, "function"),
                crate::format::plural(kept.len() as u64, "model")
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
    let fitting = match (&known, cache, fitted) {
        (Some(_), _, _) | (_, _, false) => Fitting::None,
        // Kept fits serve every distribution.
        (None, Some(_), true) => Fitting::For(Distribution::Auto),
        (None, None, true) => Fitting::For(params.distribution),
    };
    // Only tokens need the trace's requests once the fits are known.
    let planned_models: Vec<usize> = (0..n_models)
        .filter(|&m| fitting != Fitting::None || !fitted || with_tokens[m])
        .collect();
    let parts = split
        .parts
        .unwrap_or_else(|| parts_per_model(n_models, !fitted && with_tokens.contains(&true)));
    let cuts = cut(window, params, parts);
    // Work units are (model, part): a few models still keep every core busy.
    let planned = par_map(planned_models.len() * cuts.len(), |u| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let (m, k) = (planned_models[u / cuts.len()], u % cuts.len());
        plan_part(
            trace,
            &sources[m],
            &cuts[k],
            window,
            params,
            with_tokens[m],
            fitting,
        )
    })?;
    let mut planned = planned.into_iter();
    let mut parts: Vec<Vec<Part>> = (0..n_models).map(|_| Vec::new()).collect();
    let mut tokens: Vec<Option<Tokens>> = vec![None; n_models];
    for &m in &planned_models {
        for (part, t) in (&mut planned).take(cuts.len()) {
            tokens[m] = match (tokens[m].take(), t) {
                (Some(mut all), Some(more)) => {
                    all.append(more);
                    Some(all)
                }
                (all, more) => all.or(more),
            };
            parts[m].push(part);
        }
    }
    let fits: Option<Arc<cache::Fitted>> = match (&known, fitting) {
        (Some(f), _) => Some(Arc::clone(f)),
        (None, Fitting::For(_)) => {
            let models = parts
                .iter_mut()
                .map(|p| cache::ModelFits {
                    trace_count: p.iter().map(|p| p.trace_count).sum(),
                    stats: p
                        .iter_mut()
                        .flat_map(|p| std::mem::take(&mut p.stats))
                        .collect(),
                })
                .collect();
            let f = Arc::new(cache::Fitted {
                kept: if cache.is_some() {
                    kept.to_vec()
                } else {
                    Vec::new()
                },
                models,
            });
            if let Some((c, t)) = cache {
                c.put(t, key, Arc::clone(&f));
            }
            Some(f)
        }
        (None, Fitting::None) => None,
    };
    // Only fitted replays have intervals: a vanilla one's `--interval` may be any size.
    let bounds = match &fits {
        Some(_) => plan::boundaries(window, params.interval_seconds),
        None => Vec::new(),
    };
    let v1 = trace.kind == TraceKind::V1;
    let mut plans: Vec<Plan> = (0..n_models)
        .map(|m| {
            let model_parts = std::mem::take(&mut parts[m]);
            let (trace_count, intervals) = match &fits {
                Some(f) => (
                    f.models[m].trace_count,
                    bounds
                        .windows(2)
                        .zip(&f.models[m].stats)
                        .map(|(w, s)| {
                            fit::interval(w, s.count, s.estimate(w[1] - w[0], params, v1))
                        })
                        .collect(),
                ),
                None => (model_parts.iter().map(|p| p.trace_count).sum(), Vec::new()),
            };
            let mut times = Vec::new();
            let mut quality = Vec::new();
            // The parts' ranges of one function's requests follow each other: the window's.
            let mut pool: Option<(usize, std::ops::Range<usize>)> = None;
            for p in model_parts {
                quality.extend(p.quality);
                if !p.times.is_empty() {
                    times.push(p.times);
                }
                pool = match (pool, p.pool) {
                    (Some((f, all)), Some((_, more))) => Some((f, all.start..more.end)),
                    (all, more) => all.or(more),
                };
            }
            Plan {
                functions: sources[m].len(),
                trace_count,
                tokens: tokens[m].take(),
                pool: pool.and_then(|(f, r)| Some((trace.functions[f].tokens.as_ref()?, r))),
                times,
                intervals,
                quality,
            }
        })
        .collect();
    let expected: f64 = plans.iter().map(|p| p.expected_arrivals(params)).sum();
    check_size(expected, params)?;
    if let Some(show) = targets.filter(|_| fitted) {
        show(&Targets {
            window,
            expected,
            models: plans
                .iter()
                .map(|p| (p.functions, p.intervals.as_slice()))
                .collect(),
        });
    }
    let ranges = sampling_ranges(
        &plans,
        params,
        expected,
        split.threads.unwrap_or_else(crate::par::threads),
        split.min_range.unwrap_or(MIN_RANGE_ARRIVALS),
    );
    let models = sample_all(&mut plans, &ranges, window, params, cancel)?;
    Ok(Replay {
        source: trace.source.clone(),
        kind: trace.kind,
        days: trace.days,
        span: trace.span,
        clock: trace.clock,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Series;

    /// A v2 trace whose functions carry token counts.
    fn with_tokens() -> Trace {
        let functions = (0..4u32)
            .map(|f| {
                let t: Vec<f64> = (0..500u32)
                    .map(|i| f64::from(i) * (170.0 + f64::from(f)) + f64::from(f) * 0.5)
                    .collect();
                let n = t.len();
                let mut fun = crate::trace::Function::new(format!("f{f}"), Series::Times(t.into()));
                fun.tokens = Some(Tokens::counts(
                    (0..n as u32).map(|i| 100 + i % 17).collect(),
                    (0..n as u32).map(|i| 10 + i % 5).collect(),
                ));
                fun
            })
            .collect();
        Trace::new("llm", TraceKind::V2, functions, vec![]).unwrap()
    }

    #[test]
    fn the_formula_at_its_own_pace_leaves_every_time_as_it_is() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let formula = |t: f64, s: u64| (t - s as f64) / 1.0 + s as f64;
        for _ in 0..200_000 {
            let s: u64 = match rng.random_range(0..3) {
                0 => 0,
                1 => rng.random_range(0..100_000),
                _ => rng.random_range(0..1u64 << 52),
            };
            // Times at every scale above the start, up to just below 2⁵³.
            let t = s as f64 + rng.random::<f64>() * 10f64.powi(rng.random_range(-12..17));
            let t = t.min(9_007_199_254_740_991.0);
            let times = [t];
            if model::unchanged_by_scaling(&times, s) {
                assert_eq!(formula(t, s).to_bits(), t.to_bits(), "{t} from {s}");
            }
        }
        assert!(model::unchanged_by_scaling(&[0.0, 1e15], 0));
        assert!(!model::unchanged_by_scaling(&[-0.0, 1.0], 0));
        assert!(!model::unchanged_by_scaling(&[0.0, -0.0, 1.0], 0));
        assert!(model::unchanged_by_scaling(&[], 7));
        assert!(!model::unchanged_by_scaling(&[1.0, 2f64.powi(53)], 0));
        assert!(!model::unchanged_by_scaling(&[3.0], 7));
    }

    #[test]
    fn vanilla_of_one_function_at_its_own_pace_is_a_view_of_its_times() {
        let trace = with_tokens();
        use params::Spread;
        for (start, spread) in [
            ("0.0.0", Spread::None),
            ("0.0.5", Spread::None),
            ("0.0.5", Spread::Uniform),
        ] {
            let params = ReplayParams {
                models: vec!["m0".into(), "m1".into(), "m2".into(), "m3".into()],
                start: start.into(),
                end: Some("0.1.0".into()),
                distribution: Distribution::Vanilla,
                spread,
                ..ReplayParams::default()
            };
            let r = replay(&trace, &params).unwrap();
            let window = params.validate(&trace).unwrap();
            for (name, k) in &r.mapping {
                let f = trace.functions.iter().find(|f| &f.name == name).unwrap();
                let Series::Times(t) = &f.series else {
                    panic!()
                };
                let range = t.between(window.start as f64, window.end as f64);
                let own = t.column(range.clone()).unwrap();
                let m = &r.models[*k];
                let want: Vec<f64> = own
                    .iter()
                    .map(|&x| (x - window.start as f64) / 1.0 + window.start as f64)
                    .collect();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                if spread == Spread::None {
                    assert_eq!(bits(&m.arrivals), bits(&want));
                    assert_eq!(m.arrivals.as_ptr(), own.as_ptr(), "a view, not a copy");
                    let tokens = m.tokens.as_ref().unwrap();
                    let mine = f.tokens.as_ref().unwrap();
                    assert_eq!(tokens.input.as_ptr(), mine.input[range.start..].as_ptr());
                } else {
                    assert_ne!(m.arrivals.as_ptr(), own.as_ptr());
                    assert_eq!(m.arrivals.len(), want.len());
                }
            }
        }
    }

    #[test]
    fn kept_fits_give_the_same_replay_as_fitting_again() {
        let v2 = Arc::new(crate::synth::v2(&crate::synth::V2Options {
            functions: 40,
            total: 50_000,
            days: 2,
            seed: 9,
        }));
        let v1 = Arc::new(crate::synth::v1(&crate::synth::V1Options {
            functions: 60,
            days: 2,
            seed: 3,
        }));
        let llm = Arc::new(with_tokens());
        let base = ReplayParams {
            models: crate::mapping::default_model_names(3),
            end: Some("1.0.0".into()),
            interval_seconds: 1200.0,
            ..ReplayParams::default()
        };
        let mut variants = Vec::new();
        for distribution in [
            Distribution::Exponential,
            Distribution::Gamma,
            Distribution::Pareto,
            Distribution::Auto,
            Distribution::Vanilla,
        ] {
            variants.push(ReplayParams {
                distribution,
                ..base.clone()
            });
        }
        let tuned = |f: &dyn Fn(&mut ReplayParams)| {
            let mut p = ReplayParams {
                distribution: Distribution::Gamma,
                ..base.clone()
            };
            f(&mut p);
            p
        };
        variants.extend([
            tuned(&|p| p.rate_scale = 2.5),
            tuned(&|p| p.cv_scale = 3.0),
            tuned(&|p| p.seed = 77),
            tuned(&|p| p.replication = 2),
            tuned(&|p| p.time_scale = 2.0),
            tuned(&|p| p.spread = params::Spread::Uniform),
            tuned(&|p| p.distribution = Distribution::Auto),
            tuned(&|p| p.max_arrivals = 10),
            // Each of these is a window of its own.
            tuned(&|p| p.start = "0.6.0".into()),
            tuned(&|p| p.interval_seconds = 600.0),
            tuned(&|p| p.mapping = crate::mapping::Mapping::RoundRobin),
            tuned(&|p| p.models = crate::mapping::default_model_names(2)),
        ]);
        for trace in [&v2, &v1, &llm] {
            let cache = FitCache::default();
            // Twice: fitted, then from the cache.
            for round in 0..2 {
                for p in &variants {
                    let fresh = replay(trace, p).map_err(|e| e.to_string());
                    let kept = replay_cached(trace, p, &AtomicBool::new(false), &cache)
                        .map_err(|e| e.to_string());
                    assert_eq!(fresh, kept, "{} round {round}: {p:?}", trace.source);
                    if let Ok(r) = &kept {
                        assert!(r.models.iter().any(|m| !m.arrivals.is_empty()));
                    }
                }
            }
            // One window's fits serve every distribution, scale and seed; four other windows.
            assert_eq!(cache.len(), 5, "{}", trace.source);
        }
    }

    #[test]
    fn one_function_with_tokens_replays_alike_from_kept_fits() {
        // One source takes the columns' own path (no merge), fitted and from kept fits.
        let one = with_tokens().functions.swap_remove(0);
        let trace = Arc::new(Trace::new("llm1", TraceKind::V2, vec![one], vec![]).unwrap());
        let cache = FitCache::default();
        for distribution in [
            Distribution::Gamma,
            Distribution::Vanilla,
            Distribution::Weibull,
        ] {
            let p = ReplayParams {
                models: vec!["m".into()],
                distribution,
                interval_seconds: 3600.0,
                ..ReplayParams::default()
            };
            let fresh = replay(&trace, &p).unwrap();
            assert!(
                fresh.models[0]
                    .tokens
                    .as_ref()
                    .is_some_and(|t| !t.input.is_empty())
            );
            for _ in 0..2 {
                let kept = replay_cached(&trace, &p, &AtomicBool::new(false), &cache).unwrap();
                assert_eq!(fresh, kept, "{distribution}");
            }
        }
    }

    #[test]
    fn the_cache_keeps_the_most_recently_used_fits_within_its_bound() {
        let trace = Arc::new(crate::synth::v2(&crate::synth::V2Options {
            functions: 20,
            total: 20_000,
            days: 2,
            seed: 1,
        }));
        let p = |start: &str| ReplayParams {
            models: crate::mapping::default_model_names(2),
            start: start.into(),
            end: Some("1.0.0".into()),
            ..ReplayParams::default()
        };
        let run = |cache: &FitCache, start: &str| {
            replay_cached(&trace, &p(start), &AtomicBool::new(false), cache).unwrap();
        };
        // 0.0.0 → 1.0.0 in 600 s intervals: 144 per model, two models, and the (up to 20)
        // functions with invocations.
        assert!(std::mem::size_of::<fit::IntervalStats>() <= 64);
        let fits = 2 * 144 * std::mem::size_of::<fit::IntervalStats>();
        let probe = FitCache::default();
        run(&probe, "0.0.0");
        let one = probe.bytes();
        assert!((fits..=fits + 20 * std::mem::size_of::<plan::Slice>()).contains(&one));
        let cache = FitCache::new(2 * one + one / 2);
        run(&cache, "0.0.0");
        assert_eq!(cache.bytes(), one);
        run(&cache, "0.0.1");
        run(&cache, "0.0.0"); // used again: the newest
        run(&cache, "0.0.2"); // over the bound: 0.0.1 goes
        assert_eq!(cache.len(), 2);
        assert!(cache.bytes() <= 2 * one + one / 2);
        let key = |start: &str| cache::FitKey::new(p(start).validate(&trace).unwrap(), &p(start));
        assert!(cache.get(&trace, &key("0.0.0")).is_some());
        assert!(cache.get(&trace, &key("0.0.1")).is_none());
        // A closed trace's fits go with it.
        let other = Arc::new(crate::synth::v2(&crate::synth::V2Options {
            functions: 5,
            total: 500,
            days: 1,
            seed: 2,
        }));
        replay_cached(&other, &p("0.0.0"), &AtomicBool::new(false), &cache).unwrap();
        drop(other);
        assert!(cache.len() <= 2);
        let _ = cache.get(&trace, &key("0.0.0"));
        assert!(cache.len() <= 2 && cache.bytes() <= 2 * one + one / 2);
    }

    #[test]
    fn sampling_ranges_do_not_change_the_result() {
        let trace = crate::synth::v2(&crate::synth::V2Options {
            functions: 10,
            total: 40_000,
            days: 1,
            seed: 5,
        });
        let params = ReplayParams {
            models: crate::mapping::default_model_names(2),
            distribution: Distribution::Gamma,
            rate_scale: 3.0,
            ..ReplayParams::default()
        };
        let run = |threads| {
            let split = Split {
                threads: Some(threads),
                min_range: Some(1000.0),
                ..Split::default()
            };
            replay_in_parts(&trace, &params, &AtomicBool::new(false), split, None, None).unwrap()
        };
        // One range per model, then 2 × 4 × 2 ranges of ~12,000 arrivals, then ranges of 1000.
        let one = run(1);
        assert!(one.models.iter().all(|m| m.arrivals.len() > 30_000));
        for threads in [2, 64] {
            assert_eq!(one, run(threads), "{threads} threads");
        }
    }

    #[test]
    fn v1_parts_do_not_change_the_result() {
        let trace = crate::synth::v1(&crate::synth::V1Options {
            functions: 50,
            days: 2,
            seed: 8,
        });
        for distribution in [Distribution::Exponential, Distribution::Gamma] {
            let params = ReplayParams {
                models: crate::mapping::default_model_names(3),
                distribution,
                start: "0.3.7".into(),
                end: Some("1.20.31".into()),
                interval_seconds: 1800.0,
                rate_scale: 0.05,
                ..ReplayParams::default()
            };
            let run = |parts| {
                let split = Split {
                    parts: Some(parts),
                    ..Split::default()
                };
                replay_in_parts(&trace, &params, &AtomicBool::new(false), split, None, None)
                    .unwrap()
            };
            let one = run(1);
            assert!(one.models.iter().all(|m| m.arrivals.len() > 100));
            // The models' trace counts are the window's minutes, every function mapped.
            let minutes = (10_800 + 420) / 60..(158_400 + 1_860) / 60;
            let in_window: u64 = trace
                .functions
                .iter()
                .map(|f| match &f.series {
                    Series::Counts(c) => minutes.clone().map(|m| u64::from(c.get(m))).sum(),
                    Series::Times(_) => 0,
                })
                .sum();
            let counted: u64 = one.models.iter().map(|m| m.trace_count).sum();
            assert_eq!(counted, in_window, "{distribution}");
            for parts in [2, 3, 7] {
                assert_eq!(one, run(parts), "{distribution} in {parts} parts");
            }
        }
    }

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
                replay_in_parts(
                    &trace,
                    &params,
                    &AtomicBool::new(false),
                    Split {
                        parts: Some(parts),
                        ..Split::default()
                    },
                    None,
                    None,
                )
                .unwrap()
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
