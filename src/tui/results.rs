//! What the workers hand back, display-ready: a loaded trace with its overview, and a replay
//! with its table rows.

use std::sync::Arc;

use crate::replay::Replay;
use crate::stats;
use crate::trace::{Summary, Trace};

/// A loaded trace with what the trace pane shows.
#[derive(Debug, Clone)]
pub struct LoadedTrace {
    /// Shown name.
    pub name: String,
    /// The data, shared with workers.
    pub trace: Arc<Trace>,
    /// Figures for the pane.
    pub summary: Summary,
    /// Total invocations per `bin_seconds` over the whole trace: hours (wider bins past a
    /// year), or 240 bins over a trace that is not day-based.
    pub hourly: Vec<u64>,
    /// Seconds per entry of `hourly`.
    pub bin_seconds: f64,
    /// Whether its functions carry triggers (Azure 2019 files), which `triggers` filters by.
    pub has_triggers: bool,
    /// How its timestamps share values (v2 traces).
    pub coarse: Option<crate::coarse::Coarseness>,
    /// Its place among the traces: the command line's order, then the order opened.
    pub order: usize,
    /// Its parameter form, kept while another trace is shown (the form belongs to its
    /// trace: a rate scale lowered for a huge trace must not carry over to the next).
    pub form: Vec<String>,
}

impl LoadedTrace {
    /// Invocations in `[start, end)` seconds, from the hourly overview (a partial hour counts
    /// in proportion).
    pub fn invocations_between(&self, start: u64, end: u64) -> f64 {
        let bin = self.bin_seconds;
        // The last bin may reach past the trace's end, where nothing was counted.
        let trace_end = self.trace.end_seconds() as f64;
        let (start, end) = (start as f64, end as f64);
        self.hourly
            .iter()
            .enumerate()
            .map(|(h, &n)| {
                let lo = h as f64 * bin;
                let hi = ((h + 1) as f64 * bin).min(trace_end).max(lo + 1e-9);
                let overlap = (end.min(hi) - start.max(lo)).max(0.0);
                n as f64 * overlap / (hi - lo)
            })
            .sum()
    }

    /// Computes the pane's figures (done by the loading worker, never per frame) in one pass
    /// over the trace that also checks every count (the panes summarise the whole trace).
    pub fn new(name: String, trace: Trace) -> crate::Result<Self> {
        let profile = trace.profile()?;
        let has_triggers = trace.functions.iter().any(|f| f.trigger.is_some());
        let coarse = crate::coarse::Coarseness::of_trace(&trace);
        // A trace of an hour would be one bar of a day: its own span in 240 bins instead.
        let (hourly, bin_seconds) = match trace.span {
            Some(span) => {
                let mut bins = vec![0u64; 240];
                for f in &trace.functions {
                    if let crate::trace::Series::Times(t) = &f.series {
                        let h = stats::histogram(&t.to_vec(), 0.0, span as f64, 240);
                        bins.iter_mut().zip(h).for_each(|(b, x)| *b += x);
                    }
                }
                (bins, span as f64 / 240.0)
            }
            None => (profile.hourly, 3600.0 * profile.bin_hours as f64),
        };
        Ok(LoadedTrace {
            name,
            summary: trace.summary_of(&profile.per_function, 5),
            trace: Arc::new(trace),
            hourly,
            bin_seconds,
            has_triggers,
            coarse,
            order: usize::MAX,
            form: Vec::new(),
        })
    }
}

/// Per-model figures for the models table, computed by the replay worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    /// Model name.
    pub model: String,
    /// Functions mapped.
    pub functions: usize,
    /// Arrivals replayed.
    pub arrivals: usize,
    /// Arrivals per second.
    pub rate: f64,
    /// Gap cv.
    pub cv: f64,
    /// Highest arrivals per second in any of the overview bins.
    pub peak: f64,
    /// Arrivals per overview bin over the window.
    pub bins: Vec<u64>,
    /// Input and output tokens' p50, p90 and p99, when the requests have token counts.
    pub tokens: Option<([u32; 3], [u32; 3])>,
    /// The trace window's invocations of the row's functions, when known: the replay's volume
    /// is shown against it.
    pub trace_count: Option<u64>,
}

impl ModelRow {
    /// A row without token figures; its peak is the fullest of `bins`, `bin_seconds` each.
    pub fn new(
        model: String,
        functions: usize,
        arrivals: usize,
        rate: f64,
        cv: f64,
        bins: Vec<u64>,
        bin_seconds: f64,
    ) -> ModelRow {
        ModelRow {
            model,
            functions,
            arrivals,
            rate,
            cv,
            peak: bins.iter().copied().max().unwrap_or(0) as f64 / bin_seconds,
            bins,
            tokens: None,
            trace_count: None,
        }
    }
}

/// Bins in the per-model overview (the view rebins to its width).
pub const OVERVIEW_BINS: usize = 240;

/// A finished replay in display-ready form.
#[derive(Debug, Clone)]
pub struct ReplayView {
    /// The replay itself (arrivals are read only to export and to bin a zoomed detail).
    pub replay: Arc<Replay>,
    /// The trace it replays, for the real traffic beside the replayed one.
    pub trace: Arc<Trace>,
    /// Per model, the indices of the trace functions mapped onto it.
    pub members: Vec<Vec<usize>>,
    /// One row per model plus nothing else; the group row is `group`.
    pub rows: Vec<ModelRow>,
    /// The group row.
    pub group: ModelRow,
    /// Whether the group's cv is still being computed (it merges every model's arrivals, the
    /// longest step of a large view: the rows are shown first, the cv when it comes).
    pub group_cv_pending: bool,
    /// v1: per model, its functions' invocations in each minute of the window, summed once when
    /// the detail first shows the model, so that zooming and panning rebin one number a minute
    /// on the render thread instead of re-adding every function's.
    /// Shared with the next view when it maps the same functions over the same window.
    minutes: Arc<[std::sync::OnceLock<Vec<u64>>]>,
}

impl ReplayView {
    /// Builds the rows (worker side).
    pub fn new(replay: Replay, trace: Arc<Trace>) -> Self {
        let mut view = ReplayView::without_group_cv(replay, trace);
        let cv = view.replay.group().cv;
        view.set_group_cv(cv);
        view
    }

    /// Sets the group's cv, once computed.
    pub fn set_group_cv(&mut self, cv: f64) {
        self.group.cv = cv;
        self.group_cv_pending = false;
    }

    /// [`ReplayView::new`] but for the group's cv (`replay.group().cv`), left pending.
    pub fn without_group_cv(replay: Replay, trace: Arc<Trace>) -> Self {
        let (s, e) = (replay.window.start as f64, replay.window.end as f64);
        let bin_seconds = (e - s) / OVERVIEW_BINS as f64;
        let row = |model, functions, arrivals, rate, cv, bins| {
            ModelRow::new(model, functions, arrivals, rate, cv, bins, bin_seconds)
        };
        let rows: Vec<ModelRow> = replay
            .models
            .iter()
            .map(|m| {
                let bins = stats::histogram(&m.arrivals, s, e, OVERVIEW_BINS);
                ModelRow {
                    tokens: crate::report::token_percentiles(m),
                    trace_count: Some(m.trace_count),
                    ..row(
                        m.model.clone(),
                        m.functions,
                        m.arrivals.len(),
                        m.rate,
                        m.cv,
                        bins,
                    )
                }
            })
            .collect();
        // The group's bins are the sum of the models' (the models' arrivals are disjoint), so
        // only its cv needs the merged order.
        let g = replay.group_counts();
        let mut bins = vec![0u64; OVERVIEW_BINS];
        for r in &rows {
            bins.iter_mut().zip(&r.bins).for_each(|(b, x)| *b += x);
        }
        let group = ModelRow {
            trace_count: Some(replay.models.iter().map(|m| m.trace_count).sum()),
            ..row(
                "group".into(),
                replay.mapping.len(),
                g.arrivals as usize,
                g.rate,
                g.cv,
                bins,
            )
        };
        let members = crate::compare::members(&replay, &trace);
        ReplayView {
            minutes: (0..members.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            replay: Arc::new(replay),
            trace,
            members,
            rows,
            group,
            group_cv_pending: true,
        }
    }

    /// Takes over `old`'s minute totals when they are this view's too (the same trace,
    /// window and functions per model: a new distribution, scale or seed), so that a v1
    /// detail is not summed again after every change.
    pub fn keep_minutes_of(&mut self, old: &ReplayView) {
        if Arc::ptr_eq(&self.trace, &old.trace)
            && self.replay.window == old.replay.window
            && self.members == old.members
        {
            self.minutes = Arc::clone(&old.minutes);
        }
    }

    /// How well each process fits the trace's gaps of model `k` in interval `i` (v2 only).
    pub fn interval_quality(&self, k: usize, i: usize) -> Option<crate::quality::Quality> {
        let iv = self.replay.models.get(k)?.intervals.get(i)?;
        let times =
            crate::compare::trace_times(&self.trace, self.members.get(k)?, iv.start, iv.end);
        let mut gaps = Vec::new();
        crate::replay::fit::gaps_into(&times, &mut gaps);
        crate::quality::assess(&gaps)
    }

    /// The real trace's invocations of model `k`'s functions per bin of `[lo, hi)`.
    pub fn trace_histogram(&self, k: usize, lo: f64, hi: f64, bins: usize) -> Vec<u64> {
        let fns = self.members.get(k).map_or(&[][..], Vec::as_slice);
        let (Some(slot), crate::trace::TraceKind::V1) = (self.minutes.get(k), self.trace.kind)
        else {
            return crate::compare::trace_histogram(&self.trace, fns, lo, hi, bins);
        };
        // The replay's window holds every range the detail shows.
        let w = self.replay.window;
        let first = (w.start / 60) as usize;
        let minutes = slot.get_or_init(|| {
            crate::compare::minute_totals(&self.trace, fns, first..w.end.div_ceil(60) as usize)
        });
        let mut acc = vec![0f64; bins];
        crate::compare::spread_minutes(minutes, first, lo, hi, &mut acc);
        acc.into_iter().map(|v| v.round() as u64).collect()
    }
}

/// The models table of a replay still sampling, from its fitted processes: expected arrivals,
/// their rate and bins over the window, the arrivals-weighted mean of the intervals' cvs.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRows {
    /// One row per model.
    pub rows: Vec<ModelRow>,
    /// All models.
    pub group: ModelRow,
}

impl TargetRows {
    /// The rows of `t` for `params`' models.
    pub fn new(t: &crate::replay::Targets, params: &crate::replay::ReplayParams) -> TargetRows {
        let (s, e) = (t.window.start as f64, t.window.end as f64);
        let bin_seconds = (e - s) / OVERVIEW_BINS as f64;
        let rate_seconds = (t.window.seconds() as f64 / params.time_scale).floor();
        // (expected arrivals, Σ expected × cv over intervals with a finite cv, their weight)
        let mut all = (0.0, 0.0, 0.0);
        let mut group_bins = vec![0f64; OVERVIEW_BINS];
        let row = |model, functions, expected: f64, cv, bins: &[f64]| {
            let arrivals = expected.round() as usize;
            let rate = stats::rate(arrivals, rate_seconds);
            let bins = bins.iter().map(|b| b.round() as u64).collect();
            ModelRow::new(model, functions, arrivals, rate, cv, bins, bin_seconds)
        };
        let rows = t
            .models
            .iter()
            .zip(&params.models)
            .map(|(&(functions, intervals), name)| {
                let mut bins = vec![0f64; OVERVIEW_BINS];
                let (mut n, mut cv_sum, mut cv_weight) = (0.0, 0.0, 0.0);
                for iv in intervals {
                    let Some(p) = iv.process else { continue };
                    let count = p.expected_count(iv.end - iv.start);
                    n += count;
                    if let Some(cv) = p.cv().filter(|c| c.is_finite()) {
                        cv_sum += count * cv;
                        cv_weight += count;
                    }
                    let span = (iv.start, iv.end);
                    crate::compare::spread_evenly(
                        &mut bins,
                        s,
                        bin_seconds,
                        span,
                        count,
                        iv.end - iv.start,
                    );
                }
                all = (all.0 + n, all.1 + cv_sum, all.2 + cv_weight);
                group_bins.iter_mut().zip(&bins).for_each(|(g, b)| *g += b);
                let cv = if cv_weight > 0.0 {
                    cv_sum / cv_weight
                } else {
                    0.0
                };
                row(name.clone(), functions, n, cv, &bins)
            })
            .collect();
        let functions = t.models.iter().map(|m| m.0).sum();
        let cv = if all.2 > 0.0 { all.1 / all.2 } else { 0.0 };
        TargetRows {
            rows,
            group: row("group".into(), functions, all.0, cv, &group_bins),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_detail_bins_from_cached_minute_totals_match_the_direct_sum() {
        use crate::trace::{Counts, Function, Series, TraceKind};
        let functions: Vec<Function> = (0..9u32)
            .map(|f| {
                let c: Vec<u32> = (0..2 * 1440u32).map(|m| (m * 7 + f * 13) % 11).collect();
                Function::new(format!("f{f}"), Series::Counts(Counts::from(c)))
            })
            .collect();
        let trace = Arc::new(Trace::new("v1", TraceKind::V1, functions, vec![]).unwrap());
        // The whole trace, then a window from day 0 12:03 (its minute totals start there).
        for (start, end, lo_bound) in [("0.0.0", "2.0.0", 0.0), ("0.12.3", "1.12.0", 43_380.0)] {
            let params = crate::replay::ReplayParams {
                models: crate::mapping::default_model_names(2),
                rate_scale: 0.1,
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            };
            let r = crate::replay::replay(&trace, &params).unwrap();
            let v = ReplayView::new(r, Arc::clone(&trace));
            // The window, a zoom inside it, bins shorter than a minute, twice each (the second
            // from the cache).
            for (lo, hi, bins) in [
                (lo_bound, 129_600.0, 100),
                (lo_bound + 30.0, lo_bound + 5_400.0, 37),
                (86_390.0, 86_450.0, 12),
            ] {
                for k in 0..2 {
                    let want = crate::compare::trace_histogram(&trace, &v.members[k], lo, hi, bins);
                    assert!(want.iter().sum::<u64>() > 0);
                    assert_eq!(v.trace_histogram(k, lo, hi, bins), want, "{lo}..{hi}");
                    assert_eq!(v.trace_histogram(k, lo, hi, bins), want, "{lo}..{hi}");
                }
            }
        }
    }
}
