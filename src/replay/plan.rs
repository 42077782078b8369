//! The replay's plan: the window sliced per function, functions grouped per model and cut into
//! parts that sample on their own, and the trace's times and tokens of each part.

use super::IntervalFit;
use super::fit::{IntervalStats, fit_v1, fit_v2};
use crate::par::par_map;

use super::params::{Distribution, ReplayParams};

use crate::error::Result;
use crate::time::Window;
use crate::trace::{Column, Series, Times, Tokens, Trace, TraceKind};

/// The part of one function inside the window: a range of its timestamps or minutes.
#[derive(Debug, Clone)]
pub(super) struct Slice {
    pub(super) function: usize,
    pub(super) range: std::ops::Range<usize>,
}

/// Functions with invocations in the window, in trace order; blocks of functions go to all
/// cores.
pub(super) fn slice(trace: &Trace, window: Window, params: &ReplayParams) -> Result<Vec<Slice>> {
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

pub(super) fn slice_one(
    function: usize,
    f: &crate::trace::Function,
    window: Window,
) -> Option<Slice> {
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
pub(super) fn boundaries(window: Window, interval: f64) -> Vec<f64> {
    let (start, end) = (window.start as f64, window.end as f64);
    let n = ((end - start) / interval).ceil().max(1.0) as usize;
    let mut b: Vec<f64> = (0..n)
        .map(|i| start + i as f64 * interval)
        .take_while(|&x| x < end)
        .collect();
    b.push(end);
    b
}

/// A model's data and processes, before sampling.
pub(super) struct Plan<'a> {
    pub(super) functions: usize,
    pub(super) trace_count: u64,
    /// Token counts of the model's requests in time order, when every function has them
    /// (fitted replays draw from each interval's: its `trace_count` of them, after the
    /// earlier intervals').
    pub(super) tokens: Option<Tokens>,
    /// The same, for a fitted replay of one function: its own columns' range, read in place
    /// rather than copied for every change in the explorer.
    pub(super) pool: Option<(&'a Tokens, std::ops::Range<usize>)>,
    /// v2 vanilla: the merged sorted timestamps, chunk after chunk, which it replays.
    pub(super) times: Vec<Column<f64>>,
    /// Every interval's process under the replay's parameters (fitted modes).
    pub(super) intervals: Vec<IntervalFit>,
    pub(super) quality: Vec<Option<crate::quality::Quality>>,
}

impl Plan<'_> {
    pub(super) fn expected_arrivals(&self, params: &ReplayParams) -> f64 {
        if params.distribution == Distribution::Vanilla {
            let n: usize = self.times.iter().map(|t| t.len()).sum();
            return n as f64 * f64::from(params.replication);
        }
        self.intervals
            .iter()
            .filter_map(|i| i.process.map(|p| p.expected_count(i.end - i.start)))
            .sum()
    }
}

/// What planning a part computes besides the trace's times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Fitting {
    /// Nothing: vanilla, or the fits are known already.
    None,
    /// Each interval's stats for this distribution (`Auto`: for all of them).
    For(Distribution),
}

/// The model's data and fits in one part of the window.
pub(super) struct Part {
    /// v2: the merged sorted timestamps of the part (one function's: a view of the trace's),
    /// kept where sampling needs them.
    pub(super) times: Column<f64>,
    pub(super) quality: Vec<Option<crate::quality::Quality>>,
    /// Each interval's stats (empty when not fitted).
    pub(super) stats: Vec<IntervalStats>,
    /// The trace's invocations of the model in the part.
    pub(super) trace_count: u64,
    /// A fitted replay of one function with tokens: the function and the part's range of its
    /// requests, whose tokens it draws from in place.
    pub(super) pool: Option<(usize, std::ops::Range<usize>)>,
}

/// A piece of the window: its fitting-interval boundaries (the first is its start, the last its
/// end; vanilla has just the two).
pub(super) struct Cut {
    pub(super) bounds: Vec<f64>,
}

/// How many parts to cut each model's window into: enough for four units of work per core,
/// one for a vanilla replay with tokens (its parts would only be copied together again);
/// [`cut`] makes it no more than the window has. The result does not depend on it.
pub(super) fn parts_per_model(n_models: usize, vanilla_tokens: bool) -> usize {
    let threads = crate::par::threads();
    if vanilla_tokens || threads == 1 {
        return 1;
    }
    (4 * threads).div_ceil(n_models.max(1))
}

/// The window cut into (at most) `parts` pieces of whole intervals (vanilla: of whole seconds).
pub(super) fn cut(window: Window, params: &ReplayParams, parts: usize) -> Vec<Cut> {
    if params.distribution == Distribution::Vanilla {
        let s = window.seconds();
        let parts = parts.min(s.max(1) as usize);
        let at = |k: usize| (window.start + s * k as u64 / parts as u64) as f64;
        return (0..parts)
            .map(|k| Cut {
                bounds: vec![at(k), at(k + 1)],
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
            }
        })
        .collect()
}

/// Merges and fits one part of a model's window; the model's tokens, when it has them (then
/// the part is the whole window).
pub(super) fn plan_part(
    trace: &Trace,
    sources: &[&Slice],
    cut: &Cut,
    window: Window,
    params: &ReplayParams,
    with_tokens: bool,
    fitting: Fitting,
) -> Result<(Part, Option<Tokens>)> {
    let mut tokens = None;
    let mut pool = None;
    let mut times = Column::default();
    let mut quality = Vec::new();
    let mut stats = Vec::new();
    let mut trace_count = 0;
    let vanilla = params.distribution == Distribution::Vanilla;
    match (trace.kind, fitting) {
        (TraceKind::V2, _) if vanilla || with_tokens || fitting != Fitting::None => {
            let (lo, hi) = (cut.bounds[0], cut.bounds[cut.bounds.len() - 1]);
            if with_tokens {
                // The part's requests of each source (parts of a window follow each other in
                // time, so theirs, one after another, are the window's).
                let part: Vec<Slice> = sources
                    .iter()
                    .map(|s| Slice {
                        function: s.function,
                        range: match &trace.functions[s.function].series {
                            Series::Times(t) => t.between_in(s.range.clone(), lo, hi),
                            Series::Counts(_) => s.range.start..s.range.start,
                        },
                    })
                    .collect();
                let part: Vec<&Slice> = part.iter().collect();
                trace_count = part.iter().map(|s| s.range.len() as u64).sum();
                match part.as_slice() {
                    // One function, fitted: its tokens are drawn from where they are, and its
                    // times copied only to be fitted (known fits need none).
                    [one] if !vanilla => {
                        if let (Fitting::For(_), Series::Times(t)) =
                            (fitting, &trace.functions[one.function].series)
                        {
                            times = column(t, one.range.clone());
                        }
                        pool = Some((one.function, one.range.clone()));
                    }
                    _ => {
                        let (t, k) = merge_with_tokens(trace, &part);
                        times = t;
                        tokens = Some(k);
                    }
                }
            } else {
                // Each function's times are sorted (Trace::new sees to it): merge, don't sort.
                let windows: Vec<_> = sources
                    .iter()
                    .filter_map(|s| match &trace.functions[s.function].series {
                        Series::Times(t) => Some((t, t.between_in(s.range.clone(), lo, hi))),
                        Series::Counts(_) => None,
                    })
                    .collect();
                times = match windows.as_slice() {
                    [(t, r)] => column(t, r.clone()),
                    _ => Times::merge(windows).into(),
                };
            }
            if !with_tokens {
                trace_count = times.len() as u64;
            }
            if let Fitting::For(which) = fitting {
                (stats, quality) = fit_v2(&times, &cut.bounds, which, params.fit_quality);
            }
            // A fitted replay's token draws need the intervals' counts only.
            if !vanilla {
                times = Column::default();
            }
        }
        (TraceKind::V1, Fitting::For(_)) => {
            // The part's minutes (its bounds are whole minutes: the interval is a multiple of
            // 60), as absolute minute numbers.
            let minutes = (window.seconds() / 60) as usize;
            let minute_of = |t: f64| ((t - window.start as f64) / 60.0) as usize;
            let first = (window.start / 60) as usize + minute_of(cut.bounds[0]);
            let last = (window.start / 60) as usize
                + minute_of(cut.bounds[cut.bounds.len() - 1]).min(minutes);
            let mut counts = vec![0u64; last.saturating_sub(first)];
            for s in sources {
                let f = &trace.functions[s.function];
                let (lo, hi) = (s.range.start.max(first), s.range.end.min(last));
                if let (Series::Counts(c), true) = (&f.series, lo < hi) {
                    // Zipped slices, which the compiler vectorises (indexing per minute did not).
                    c.checked_add_into(lo, &mut counts[lo - first..hi - first])
                        .map_err(|(minute, v)| crate::trace::bad_count(&f.name, minute, v))?;
                }
            }
            trace_count = counts.iter().sum();
            stats = fit_v1(&counts, &cut.bounds);
        }
        _ => {}
    }
    let part = Part {
        times,
        quality,
        stats,
        trace_count,
        pool,
    };
    Ok((part, tokens))
}

/// The sources' requests in time order with their token counts.
pub(super) fn merge_with_tokens(trace: &Trace, sources: &[&Slice]) -> (Column<f64>, Tokens) {
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
    // One source (a week-long LLM trace is one function): its columns, copied as they are,
    // without gathering and sorting rows.
    if let [s] = sources
        && let f = &trace.functions[s.function]
        && let (Series::Times(t), Some(k)) = (&f.series, &f.tokens)
    {
        let r = s.range.clone();
        let mut tokens = k.slice(r.clone());
        if table.is_none() {
            (tokens.hash_rows, tokens.hash_ids) = (None, None);
        }
        if !images {
            tokens.images = None;
        }
        return (column(t, r), tokens);
    }
    let n = sources.iter().map(|s| s.range.len()).sum();
    let mut rows: Vec<(f64, u32, u32, u32, u32)> = Vec::with_capacity(n);
    for s in sources {
        let f = &trace.functions[s.function];
        if let (Series::Times(t), Some(k)) = (&f.series, &f.tokens) {
            // Slices once: a mapped column's view is not free to take per request.
            let (input, output) = (&k.input[..], &k.output[..]);
            let (rows_of, images_of) = (k.hash_rows.as_deref(), k.images.as_deref());
            for i in s.range.clone() {
                let row = rows_of.map_or(0, |h| h[i]);
                let img = images_of.map_or(0, |m| m[i]);
                rows.push((t.get(i), input[i], output[i], row, img));
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

/// Timestamps `r` of `t` as a column: a view of the trace's where it holds them as `f64`s,
/// else decoded.
fn column(t: &Times, r: std::ops::Range<usize>) -> Column<f64> {
    t.column(r.clone())
        .unwrap_or_else(|| t.window(r).into_owned().into())
}
