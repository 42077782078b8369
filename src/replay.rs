//! The replay engine: slice a window, map functions onto models, then replay each model's
//! traffic verbatim (vanilla) or as fitted processes sampled per interval.

pub mod fit;
pub mod params;
pub mod sample;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use fit::{Estimate, Process};
pub use params::{DEFAULT_MAX_ARRIVALS, Distribution, ReplayParams};

use crate::error::{Error, Result};
use crate::stats;
use crate::time::Window;
use crate::trace::{Series, Times, Tokens, Trace, TraceKind};

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

/// The part of one function inside the window: a range of its timestamps or minutes.
struct Slice {
    function: usize,
    range: std::ops::Range<usize>,
}

/// Functions with invocations in the window, in trace order; blocks of functions go to all
/// cores.
fn slice(trace: &Trace, window: Window, params: &ReplayParams) -> Result<Vec<Slice>> {
    const BLOCK: usize = 256;
    let n = trace.functions.len();
    let blocks = par_map(n.div_ceil(BLOCK), |b| {
        let mut out = Vec::new();
        for function in b * BLOCK..((b + 1) * BLOCK).min(n) {
            let f = &trace.functions[function];
            if !params.keeps(f.trigger.as_deref()) {
                continue;
            }
            out.extend(slice_one(function, f, window));
        }
        Ok(out)
    })?;
    Ok(blocks.into_iter().flatten().collect())
}

fn slice_one(function: usize, f: &crate::trace::Function, window: Window) -> Option<Slice> {
    let (start, end) = (window.start as f64, window.end as f64);
    // v1 minutes are counted (and checked) where a model's minutes are summed, in
    // `plan_part`, so that the window is read once, not twice: here only whether any is set.
    let range = match &f.series {
        Series::Times(t) => t.between(start, end),
        Series::Counts(c) => {
            let lo = (window.start / 60) as usize;
            let hi = ((window.end / 60) as usize).min(c.len());
            let range = lo.min(hi)..hi;
            if !c.any_in(range.clone()) {
                return None;
            }
            range
        }
    };
    (!range.is_empty()).then_some(Slice { function, range })
}

/// Interval boundaries `[start, start + i·interval, …, end]`.
fn boundaries(window: Window, interval: f64) -> Vec<f64> {
    let (start, end) = (window.start as f64, window.end as f64);
    let n = ((end - start) / interval).ceil().max(1.0) as usize;
    let mut b: Vec<f64> = (0..n)
        .map(|i| start + i as f64 * interval)
        .take_while(|&x| x < end)
        .collect();
    b.push(end);
    b
}

/// A model's data and fits, before sampling, in consecutive parts of the window.
struct Plan {
    functions: usize,
    trace_count: u64,
    /// Token counts of the model's requests, when every function has them (then there is one
    /// part, and its `times` are all the model's requests).
    tokens: Option<Tokens>,
    parts: Vec<Part>,
}

impl Plan {
    fn expected_arrivals(&self, params: &ReplayParams) -> f64 {
        self.parts.iter().map(|p| p.expected_arrivals(params)).sum()
    }
}

/// The model's data and fits in one part of the window.
struct Part {
    /// Index of its first interval among the model's (it seeds the intervals' generators).
    first_interval: usize,
    /// v2: the merged sorted timestamps of the part, kept where sampling needs them (vanilla
    /// replays them; token draws pick from them).
    times: Vec<f64>,
    quality: Vec<Option<crate::quality::Quality>>,
    intervals: Vec<IntervalFit>,
    /// The trace's invocations of the model in the part.
    trace_count: u64,
}

impl Part {
    fn expected_arrivals(&self, params: &ReplayParams) -> f64 {
        if params.distribution == Distribution::Vanilla {
            return self.times.len() as f64 * f64::from(params.replication);
        }
        self.intervals
            .iter()
            .filter_map(|i| i.process.map(|p| p.expected_count(i.end - i.start)))
            .sum()
    }
}

/// A piece of the window: its fitting-interval boundaries (the first is its start, the last its
/// end; vanilla has just the two) and the index of its first interval.
struct Cut {
    bounds: Vec<f64>,
    first_interval: usize,
}

/// How many parts to cut each model's window into: enough for four units of work per core,
/// one where parts cannot help (v1 counts are summed per model; token draws need the whole
/// window); [`cut`] makes it no more than the window has. The result does not depend on it.
fn parts_per_model(trace: &Trace, n_models: usize, tokens: bool) -> usize {
    let threads = crate::par::threads();
    if trace.kind == TraceKind::V1 || tokens || threads == 1 {
        return 1;
    }
    (4 * threads).div_ceil(n_models.max(1))
}

/// The window cut into (at most) `parts` pieces of whole intervals (vanilla: of whole seconds).
fn cut(window: Window, params: &ReplayParams, parts: usize) -> Vec<Cut> {
    if params.distribution == Distribution::Vanilla {
        let s = window.seconds();
        let parts = parts.min(s.max(1) as usize);
        let at = |k: usize| (window.start + s * k as u64 / parts as u64) as f64;
        return (0..parts)
            .map(|k| Cut {
                bounds: vec![at(k), at(k + 1)],
                first_interval: 0,
            })
            .collect();
    }
    let all = boundaries(window, params.interval_seconds);
    let n = all.len() - 1;
    let parts = parts.min(n);
    (0..parts)
        .map(|k| {
            let (i0, i1) = (k * n / parts, (k + 1) * n / parts);
            Cut {
                bounds: all[i0..=i1].to_vec(),
                first_interval: i0,
            }
        })
        .collect()
}

/// Merges and fits one part of a model's window; the model's tokens, when it has them (then
/// the part is the whole window).
fn plan_part(
    trace: &Trace,
    sources: &[&Slice],
    cut: &Cut,
    window: Window,
    params: &ReplayParams,
    with_tokens: bool,
) -> Result<(Part, Option<Tokens>)> {
    let mut tokens = None;
    let mut times = Vec::new();
    let mut quality = Vec::new();
    let trace_count;
    let vanilla = params.distribution == Distribution::Vanilla;
    let intervals = match trace.kind {
        TraceKind::V2 => {
            if with_tokens {
                let (t, k) = merge_with_tokens(trace, sources);
                times = t;
                tokens = Some(k);
            } else {
                let (lo, hi) = (cut.bounds[0], cut.bounds[cut.bounds.len() - 1]);
                // Each function's times are sorted (Trace::new sees to it): merge, don't sort.
                times = Times::merge(sources.iter().filter_map(|s| {
                    match &trace.functions[s.function].series {
                        Series::Times(t) => Some((t, t.between_in(s.range.clone(), lo, hi))),
                        Series::Counts(_) => None,
                    }
                }));
            }
            trace_count = times.len() as u64;
            if vanilla {
                Vec::new()
            } else {
                let (fits, assessed) = fit_v2(&times, &cut.bounds, params);
                quality = assessed;
                if tokens.is_none() {
                    times = Vec::new();
                }
                fits
            }
        }
        TraceKind::V1 => {
            let first_minute = (window.start / 60) as usize;
            let mut counts = vec![0u64; (window.seconds() / 60) as usize];
            for s in sources {
                let f = &trace.functions[s.function];
                if let Series::Counts(c) = &f.series {
                    let at = s.range.start - first_minute;
                    // Zipped slices, which the compiler vectorises (indexing per minute did not).
                    c.checked_add_into(s.range.start, &mut counts[at..at + s.range.len()])
                        .map_err(|(minute, v)| crate::trace::bad_count(&f.name, minute, v))?;
                }
            }
            trace_count = counts.iter().sum();
            fit_v1(&counts, window, params)
        }
    };
    let part = Part {
        first_interval: cut.first_interval,
        times,
        quality,
        intervals,
        trace_count,
    };
    Ok((part, tokens))
}

/// The sources' requests in time order with their token counts.
fn merge_with_tokens(trace: &Trace, sources: &[&Slice]) -> (Vec<f64>, Tokens) {
    // Prefix-cache ids are kept when every source has them, from one table.
    let table = Tokens::shared_hash_ids(
        sources
            .iter()
            .map(|s| trace.functions[s.function].tokens.as_ref()),
    );
    let images = sources.iter().all(|s| {
        trace.functions[s.function]
            .tokens
            .as_ref()
            .is_some_and(|k| k.images.is_some())
    });
    let mut rows: Vec<(f64, u32, u32, u32, u32)> = Vec::new();
    for s in sources {
        let f = &trace.functions[s.function];
        if let (Series::Times(t), Some(k)) = (&f.series, &f.tokens) {
            for i in s.range.clone() {
                let row = k.hash_rows.as_ref().map_or(0, |h| h[i]);
                let img = k.images.as_ref().map_or(0, |m| m[i]);
                rows.push((t.get(i), k.input[i], k.output[i], row, img));
            }
        }
    }
    // Stable: requests at one time keep the file's order.
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tokens = Tokens {
        input: rows.iter().map(|r| r.1).collect(),
        output: rows.iter().map(|r| r.2).collect(),
        hash_rows: table.is_some().then(|| rows.iter().map(|r| r.3).collect()),
        hash_ids: table,
        images: images.then(|| rows.iter().map(|r| r.4).collect()),
    };
    (rows.into_iter().map(|r| r.0).collect(), tokens)
}

/// Token counts for sampled arrivals: each drawn from the trace's requests of its interval.
/// `intervals` carry their realized counts: the arrivals are theirs in order.
fn sampled_tokens(
    plan: &Plan,
    intervals: &[IntervalFit],
    arrivals: &[f64],
    model: usize,
    params: &ReplayParams,
) -> Option<Tokens> {
    use rand::RngExt;
    let source = plan.tokens.as_ref()?;
    let times = &plan.parts.first()?.times;
    if times.is_empty() {
        return None;
    }
    // Drawn requests get fresh prefix-cache ids when exported: none are kept.
    let mut out = Tokens::counts(
        Vec::with_capacity(arrivals.len()),
        Vec::with_capacity(arrivals.len()),
    );
    let mut images = source
        .images
        .as_ref()
        .map(|_| Vec::with_capacity(arrivals.len()));
    let mut next = 0;
    for (i, iv) in intervals.iter().enumerate() {
        let end = next + iv.realized_count as usize;
        let lo = times.partition_point(|&t| t < iv.start);
        let hi = times.partition_point(|&t| t < iv.end);
        let (lo, hi) = if lo < hi { (lo, hi) } else { (0, times.len()) };
        // Its own stream: drawing tokens must not change the arrivals of the same seed.
        let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, i);
        for _ in next..end {
            let k = rng.random_range(lo..hi);
            out.input.push(source.input[k]);
            out.output.push(source.output[k]);
            if let (Some(v), Some(m)) = (&mut images, &source.images) {
                v.push(m[k]);
            }
        }
        next = end;
    }
    // Arrivals past the last interval cannot happen; should one, it still gets tokens.
    let mut rng = sample::interval_rng(params.seed ^ TOKEN_STREAM, model, usize::MAX);
    for _ in next..arrivals.len() {
        let k = rng.random_range(0..times.len());
        out.input.push(source.input[k]);
        out.output.push(source.output[k]);
        if let (Some(v), Some(m)) = (&mut images, &source.images) {
            v.push(m[k]);
        }
    }
    out.images = images;
    Some(out)
}

/// Seed salt of `--spread uniform`.
const SPREAD_STREAM: u64 = 0x7370_7265_6164_0001;

/// Spreads each run of equal times in sorted `a` uniformly at random over the gap to the next
/// distinct time (after the last, the median gap between distinct times, not past `end`),
/// keeping the run's order: its members take the sorted draws, so whatever is aligned with
/// them (tokens) stays with them.
fn spread_uniform(a: &mut [f64], end: f64, rng: &mut rand_xoshiro::Xoshiro256PlusPlus) {
    use rand::RngExt;
    let tick = crate::coarse::Coarseness::of_sorted(a)
        .and_then(|c| c.tick)
        .unwrap_or(1.0);
    let mut i = 0;
    while i < a.len() {
        let t = a[i];
        let j = i + a[i..].partition_point(|&x| x == t);
        if j - i > 1 {
            let next = a.get(j).copied().unwrap_or((t + tick).min(end));
            if next > t {
                let width = next - t;
                let mut draws: Vec<f64> = (i..j)
                    .map(|_| (t + rng.random::<f64>() * width).min(next.next_down()))
                    .collect();
                draws.sort_by(f64::total_cmp);
                a[i..j].copy_from_slice(&draws);
            }
        }
        i = j;
    }
}

/// Seed salt of `--spread fitted`.
const SPREAD_FITTED_STREAM: u64 = 0x7370_7265_6164_0002;

/// As [`spread_uniform`], each run's places in its gap drawn from a gamma renewal process whose
/// cv is fitted per interval of `interval` seconds from the requests per tick: their variance
/// over their mean (the index of dispersion, which tends to cv² for a renewal process and which
/// a coarse clock keeps, where the zero gaps it makes would ruin a fit to the gaps). A run of
/// `m` ends the first `m` of `m + 1` gamma gaps, scaled so that the `m + 1` fill its gap: with
/// cv 1 (Poisson) the places are uniform; burstier intervals cluster their runs.
fn spread_fitted(
    a: &mut [f64],
    end: f64,
    interval: f64,
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
) {
    let Some(tick) = crate::coarse::Coarseness::of_sorted(a).and_then(|c| c.tick) else {
        return;
    };
    let Some(&first) = a.first() else {
        return;
    };
    let last = a[a.len() - 1];
    let mut i = 0;
    while i < a.len() {
        // One interval: its runs' sizes give the dispersion of the requests per tick.
        let (from, upto) = if interval > 0.0 && interval.is_finite() {
            let from = first + ((a[i] - first) / interval).floor() * interval;
            (from, from + interval)
        } else {
            (first, f64::INFINITY)
        };
        let to = upto.min(end.max(last + tick));
        let j = i + a[i..].partition_point(|&x| x < upto);
        let ticks = ((to - from) / tick).max(1.0);
        let (mut sum, mut squares) = (0.0, 0.0);
        let mut k = i;
        while k < j {
            let run = a[k..j].partition_point(|&x| x == a[k]) as f64;
            sum += run;
            squares += run * run;
            k += run as usize;
        }
        let mean = sum / ticks;
        let cv2 = ((squares / ticks - mean * mean) / mean).clamp(0.01, 100.0);
        let gaps = sample::GammaGaps::new(1.0 / cv2, cv2);
        let mut k = i;
        while k < j {
            let t = a[k];
            let run_end = k + a[k..].partition_point(|&x| x == t);
            let next = a.get(run_end).copied().unwrap_or((t + tick).min(end));
            if run_end - k > 1
                && next > t
                && let Some(g) = &gaps
            {
                let draws: Vec<f64> = (k..=run_end).map(|_| g.sample(rng)).collect();
                let total: f64 = draws.iter().sum();
                let mut at = 0.0;
                for (x, d) in a[k..run_end].iter_mut().zip(&draws) {
                    at += d;
                    *x = (t + at / total * (next - t)).min(next.next_down());
                }
            }
            k = run_end;
        }
        i = j;
    }
}

/// Seed salt of the token draws.
const TOKEN_STREAM: u64 = 0x746f_6b65_6e73_0001;

/// A model's arrivals, part after part into one vector (sampling parts on their own would
/// then need a copy into it: measured slower than the imbalance of models over cores).
fn sample_model(
    plan: &Plan,
    model: usize,
    window: Window,
    params: &ReplayParams,
    made: &AtomicU64,
) -> Result<ModelReplay> {
    // Reserved up to a bound: the estimate of a bursty process is an upper one.
    let mut arrivals = Vec::with_capacity(plan.expected_arrivals(params).min(1.6e7) as usize);
    let limit = if params.allow_huge {
        u64::MAX
    } else {
        params.max_arrivals
    };
    for part in &plan.parts {
        if params.distribution == Distribution::Vanilla {
            vanilla_into(&part.times, window, params, &mut arrivals);
            continue;
        }
        for (i, iv) in part.intervals.iter().enumerate() {
            if let Some(process) = &iv.process {
                let mut rng = sample::interval_rng(params.seed, model, part.first_interval + i);
                let before = arrivals.len();
                // What the other models made is counted as their intervals finish.
                let room = limit.saturating_sub(made.load(Ordering::Relaxed));
                let cap = before.saturating_add(usize::try_from(room).unwrap_or(usize::MAX));
                let whole = sample::sample_interval(
                    process,
                    iv.start,
                    iv.end,
                    &mut rng,
                    &mut arrivals,
                    cap,
                );
                let total = made.fetch_add((arrivals.len() - before) as u64, Ordering::Relaxed)
                    + (arrivals.len() - before) as u64;
                if !whole || total > limit {
                    return Err(too_many_made(process, limit));
                }
            }
        }
    }
    let end = (window.end as f64 - window.start as f64) / params.time_scale + window.start as f64;
    match params.spread {
        params::Spread::None => {}
        params::Spread::Uniform => {
            let mut rng = sample::interval_rng(params.seed ^ SPREAD_STREAM, model, 0);
            spread_uniform(&mut arrivals, end, &mut rng);
        }
        params::Spread::Fitted => {
            let mut rng = sample::interval_rng(params.seed ^ SPREAD_FITTED_STREAM, model, 0);
            let interval = params.interval_seconds / params.time_scale;
            spread_fitted(&mut arrivals, end, interval, &mut rng);
        }
    }
    // Realized rate and cv per interval, beside the fitted targets, in one pass: each
    // interval's gap moments, combined with the gaps between intervals into the whole's.
    let mut intervals: Vec<IntervalFit> = plan
        .parts
        .iter()
        .flat_map(|p| p.intervals.iter().copied())
        .collect();
    let mut next = 0;
    let mut whole = stats::GapMoments::default();
    for iv in &mut intervals {
        let end = next + arrivals[next..].partition_point(|&t| t < iv.end);
        let own = stats::GapMoments::of(&arrivals[next..end]);
        iv.realized_count = (end - next) as u64;
        iv.realized_cv = own.cv();
        if next > 0 && end > next {
            whole = whole.merge(stats::GapMoments::gap(arrivals[next] - arrivals[next - 1]));
        }
        whole = whole.merge(own);
        next = end;
    }
    if next < arrivals.len() {
        // Vanilla has no intervals (and fitted modes no arrivals past the last one).
        whole = stats::GapMoments::of(&arrivals);
    }
    let rate_seconds = (window.seconds() as f64 / params.time_scale).floor();
    let tokens = if params.distribution == Distribution::Vanilla {
        plan.tokens.as_ref().map(|t| {
            let k = params.replication as usize;
            let rep = |v: &[u32]| v.iter().flat_map(|&x| std::iter::repeat_n(x, k)).collect();
            Tokens {
                input: rep(&t.input),
                output: rep(&t.output),
                hash_rows: t.hash_rows.as_deref().map(rep),
                hash_ids: t.hash_ids.clone(),
                images: t.images.as_deref().map(rep),
            }
        })
    } else {
        sampled_tokens(plan, &intervals, &arrivals, model, params)
    };
    Ok(ModelReplay {
        tokens,
        model: params.models[model].clone(),
        functions: plan.functions,
        trace_count: plan.trace_count,
        rate: stats::rate(arrivals.len(), rate_seconds),
        cv: whole.cv(),
        arrivals,
        intervals,
        quality: plan.parts.iter().flat_map(|p| p.quality.clone()).collect(),
    })
}

/// The sampling made more arrivals than the limit: which process did, and what to change.
fn too_many_made(process: &Process, limit: u64) -> Error {
    let why = match process.cv() {
        Some(cv) if cv > 10.0 => format!(
            " (a cv of {} makes bursts of about cv²/2 = {:.2e} arrivals an interval)",
            crate::stats::py_float(cv),
            cv * cv / 2.0
        ),
        _ => String::new(),
    };
    Error::param(
        "max-arrivals",
        format!(
            "sampling made more than the limit of {limit} arrivals{why}; lower --cv-scale or \
             --rate-scale, shorten the window, or raise --max-arrivals"
        ),
    )
}

fn vanilla_into(times: &[f64], window: Window, params: &ReplayParams, out: &mut Vec<f64>) {
    let start = window.start as f64;
    let k = params.replication as usize;
    out.reserve(times.len() * k);
    for &t in times {
        // The original applies the formula also when the scale is 1; so do we, for bit parity.
        let scaled = (t - start) / params.time_scale + start;
        out.extend(std::iter::repeat_n(scaled, k));
    }
}

/// The intervals' fits and, when asked for (or for `auto`, which chooses by it), each
/// interval's fit quality, assessed once and shared with the fit.
fn fit_v2(
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
            fit::gaps_into(slice, &mut gaps);
            // Assessed before the fit, which may change the gaps (Pareto's).
            let q = assess.then(|| crate::quality::assess(&gaps)).flatten();
            let est = fit::fit_gaps(&mut gaps, slice.len(), w[1] - w[0], p, q.as_ref());
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

fn fit_v1(counts: &[u64], window: Window, p: &ReplayParams) -> Vec<IntervalFit> {
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
            interval(w, count, fit::fit_count(count, w[1] - w[0], p))
        })
        .collect()
}

fn interval(w: &[f64], trace_count: u64, est: Estimate) -> IntervalFit {
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

/// Maps `f` over `0..n` on up to all cores; results in index order, first error wins.
fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<T>> {
    let threads = crate::par::threads().min(n);
    if threads <= 1 {
        return (0..n).map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    // This thread is one of the workers: a thread fewer to start on every call.
    let mut results: Vec<(usize, Result<T>)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for w in others {
            all.extend(
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
