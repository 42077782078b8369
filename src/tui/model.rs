//! The TUI's state: plain data, no channels, no terminal.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::mapping::default_model_names;
use crate::replay::{Distribution, Replay, ReplayParams};
use crate::stats;
use crate::trace::{Summary, Trace, TraceKind};

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// Replay parameters form.
    #[default]
    Params,
    /// Per-model table.
    Models,
    /// Detail chart of the selected model.
    Detail,
}

impl Focus {
    /// The next pane in Tab order.
    pub fn next(self) -> Focus {
        match self {
            Focus::Params => Focus::Models,
            Focus::Models => Focus::Detail,
            Focus::Detail => Focus::Params,
        }
    }

    /// The previous pane.
    pub fn prev(self) -> Focus {
        self.next().next()
    }
}

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
    /// vanilla / exponential / gamma / pareto / auto.
    Distribution,
    /// Seconds.
    Interval,
    /// Factor.
    RateScale,
    /// Factor.
    CvScale,
    /// Factor.
    TimeScale,
    /// Count.
    Replication,
    /// Seed.
    Seed,
    /// Comma-separated triggers to keep (Azure 2019); empty for all.
    Triggers,
}

/// All fields in form order.
pub const FIELDS: [FieldKind; 12] = [
    FieldKind::Models,
    FieldKind::Mapping,
    FieldKind::Start,
    FieldKind::End,
    FieldKind::Distribution,
    FieldKind::Interval,
    FieldKind::RateScale,
    FieldKind::CvScale,
    FieldKind::TimeScale,
    FieldKind::Replication,
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
            FieldKind::RateScale => "rate scale",
            FieldKind::CvScale => "cv scale",
            FieldKind::TimeScale => "time scale",
            FieldKind::Replication => "replication",
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
            FieldKind::Distribution => &["vanilla", "exponential", "gamma", "pareto", "auto"],
            _ => &[],
        }
    }

    /// `true` when the field has no effect with this distribution and trace kind.
    pub fn inapplicable(self, d: Distribution, kind: Option<TraceKind>) -> bool {
        let vanilla = d == Distribution::Vanilla;
        match self {
            FieldKind::Interval | FieldKind::RateScale | FieldKind::Seed => vanilla,
            FieldKind::CvScale => !matches!(d, Distribution::Gamma | Distribution::Auto),
            FieldKind::TimeScale | FieldKind::Replication => {
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
            FieldKind::Interval => stats::py_float(p.interval_seconds),
            FieldKind::RateScale => stats::py_float(p.rate_scale),
            FieldKind::CvScale => stats::py_float(p.cv_scale),
            FieldKind::TimeScale => stats::py_float(p.time_scale),
            FieldKind::Replication => p.replication.to_string(),
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
            FieldKind::Start => p.start = t.to_string(),
            FieldKind::End => p.end = (!t.is_empty()).then(|| t.to_string()),
            FieldKind::Distribution => {
                p.distribution = t.parse().map_err(|e: crate::Error| (i, e.to_string()))?
            }
            FieldKind::Interval => p.interval_seconds = num("seconds")?,
            FieldKind::RateScale => p.rate_scale = num("factor")?,
            FieldKind::CvScale => p.cv_scale = num("factor")?,
            FieldKind::TimeScale => p.time_scale = num("factor")?,
            FieldKind::Replication => {
                p.replication = t
                    .parse()
                    .map_err(|_| (i, format!("{t:?} is not a whole number ≥ 1")))?
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
            "rate-scale" => FieldKind::RateScale,
            "cv-scale" => FieldKind::CvScale,
            "time-scale" => FieldKind::TimeScale,
            "replication" => FieldKind::Replication,
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
    /// v1: per model, its functions' invocations in each minute of the window, summed when the
    /// detail first shows the model (26 ms for 2,000 functions over 14 days), so that zooming
    /// and panning rebin 20,160 numbers on the render thread instead of re-adding 40 M.
    minutes: Vec<std::sync::OnceLock<Vec<u64>>>,
}

impl ReplayView {
    /// Builds the rows (worker side).
    pub fn new(replay: Replay, trace: Arc<Trace>) -> Self {
        let (s, e) = (replay.window.start as f64, replay.window.end as f64);
        let bin_seconds = (e - s) / OVERVIEW_BINS as f64;
        let row = |model: String, functions, arrivals, rate, cv, bins: Vec<u64>| ModelRow {
            model,
            functions,
            arrivals,
            rate,
            cv,
            peak: bins.iter().copied().max().unwrap_or(0) as f64 / bin_seconds,
            bins,
            tokens: None,
        };
        let rows: Vec<ModelRow> = replay
            .models
            .iter()
            .map(|m| {
                let bins = stats::histogram(&m.arrivals, s, e, OVERVIEW_BINS);
                ModelRow {
                    tokens: crate::report::token_percentiles(m),
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
        // only its cv needs the merged order, which `group` finds without building it.
        let g = replay.group();
        let mut bins = vec![0u64; OVERVIEW_BINS];
        for r in &rows {
            bins.iter_mut().zip(&r.bins).for_each(|(b, x)| *b += x);
        }
        let group = row(
            "group".into(),
            replay.mapping.len(),
            g.arrivals as usize,
            g.rate,
            g.cv,
            bins,
        );
        let members = crate::compare::members(&replay, &trace);
        ReplayView {
            minutes: vec![std::sync::OnceLock::new(); members.len()],
            replay: Arc::new(replay),
            trace,
            members,
            rows,
            group,
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

/// The export dialog's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDialog {
    /// Target path.
    pub path: String,
    /// SLO seconds (text).
    pub slo: String,
    /// `all`, or comma-separated model names to include.
    pub models: String,
    /// Which field has the cursor: 0 path, 1 slo, 2 models (typed), 3 format (chosen).
    pub cursor: usize,
    /// msgpack / json / csv.
    pub format: usize,
    /// Set when the target exists and the user must confirm.
    pub confirm_overwrite: bool,
}

impl ExportDialog {
    /// Fields in the dialog.
    pub const FIELDS: usize = 4;
    /// The format field (chosen with ←/→; the others are typed).
    pub const FORMAT: usize = 3;

    /// A dialog with defaults: all models, msgpack, SLO 1 s.
    pub fn new() -> Self {
        ExportDialog {
            path: "workload.msgpack".into(),
            slo: "1.0".into(),
            models: "all".into(),
            cursor: 0,
            format: 0,
            confirm_overwrite: false,
        }
    }

    /// The models to export: `None` for all.
    pub fn chosen_models(&self) -> Option<Vec<String>> {
        let t = self.models.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("all") {
            return None;
        }
        Some(
            t.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }
}

impl Default for ExportDialog {
    fn default() -> Self {
        Self::new()
    }
}

/// The "open a trace" prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenPrompt {
    /// Path typed so far.
    pub path: String,
    /// Candidates from the last Tab, shown under the prompt.
    pub candidates: Vec<String>,
}

/// Export formats offered in the dialog.
pub const EXPORT_FORMATS: [&str; 4] = ["msgpack", "json", "csv", "jsonl"];

/// Everything the TUI shows.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Pane with the keyboard.
    pub focus: Focus,
    /// Loaded traces.
    pub traces: Vec<LoadedTrace>,
    /// Selected trace.
    pub trace: usize,
    /// What is loading, with progress text.
    pub loading: Option<String>,
    /// Parameters from the command line (names and caps the form does not show).
    pub base: ReplayParams,
    /// Field texts, in `FIELDS` order.
    pub fields: Vec<String>,
    /// Error per field (only the first failing field is marked).
    pub field_error: Option<(usize, String)>,
    /// Selected field.
    pub field: usize,
    /// Edit buffer while a field is being edited.
    pub editing: Option<String>,
    /// Characters before the cursor in the text field being typed into; `None`: at its end
    /// (where a field's cursor starts).
    pub caret: Option<usize>,
    /// The last good replay.
    pub result: Option<ReplayView>,
    /// Generation of the replay we are waiting for.
    pub pending: Option<u64>,
    /// Last generation handed out.
    pub generation: u64,
    /// Selected row of the models table.
    pub row: usize,
    /// Sort column of the models table and descending flag.
    pub sort: (usize, bool),
    /// Detail zoom: visible fraction of the window `[lo, hi)` in 0..1.
    pub zoom: (f64, f64),
    /// Export dialog, when open.
    pub export: Option<ExportDialog>,
    /// Help overlay shown.
    pub help: bool,
    /// Bottom status line.
    pub status: String,
    /// Said with the next replay's status (why a parameter was changed for the user).
    pub note: Option<String>,
    /// Set to leave.
    pub quit: bool,
    /// Cancels the workload export in flight; `None` when none runs.
    pub exporting: Option<Arc<AtomicBool>>,
    /// Quit was asked for while an export runs: the "wait / cancel / quit anyway" question.
    pub confirm_quit: bool,
    /// Leave as soon as the running export has finished.
    pub quit_after_export: bool,
    /// Names of the traces asked for, in order (command line, then `o`): where each goes in
    /// `traces` when it has loaded, whichever loads first.
    pub requested: Vec<String>,
    /// The user chose a trace (`t`, `o`): later loads no longer change the selection.
    pub trace_chosen: bool,
    /// The trace opened with `o`, shown when it has loaded.
    pub show_on_load: Option<String>,
    /// Spinner phase while work is pending.
    pub tick: usize,
    /// Arrivals per bin of the zoomed detail range for the selected model.
    pub detail: Vec<u64>,
    /// The real trace's invocations per bin of the same range, for comparison.
    pub detail_trace: Vec<u64>,
    /// Fit quality of the interval under the detail chart's centre: (interval, quality).
    pub detail_quality: Option<(usize, crate::quality::Quality)>,
    /// Cancels the replay in flight when a newer one is asked for.
    pub cancel: Option<Arc<AtomicBool>>,
    /// The "open a trace" prompt, when shown.
    pub open: Option<OpenPrompt>,
    /// How traces are read (the command line's input options).
    pub load_options: crate::ingest::LoadOptions,
    /// Where `p` writes figures (the working directory).
    pub figure_dir: std::path::PathBuf,
    /// Columns of the detail chart (the runtime sets it from the terminal size).
    pub detail_width: usize,
    /// What `detail` was computed for: (result generation, model, zoom bits, width).
    pub detail_key: Option<(u64, usize, u64, u64, usize)>,
    /// Generation of the replay in `result`.
    pub result_generation: u64,
    /// Draw without colours (the `NO_COLOR` convention); emphasis stays as bold/reverse.
    pub no_color: bool,
}

impl Model {
    /// A model with the form filled from `params`.
    pub fn new(params: ReplayParams) -> Self {
        Model {
            fields: field_texts(&params),
            base: params,
            zoom: (0.0, 1.0),
            status: "loading…".into(),
            figure_dir: ".".into(),
            ..Model::default()
        }
    }

    /// The selected trace.
    pub fn current(&self) -> Option<&LoadedTrace> {
        self.traces.get(self.trace)
    }

    /// The distribution currently in the form (for greying out fields).
    pub fn distribution(&self) -> Distribution {
        self.fields
            .get(4)
            .and_then(|t| t.parse().ok())
            .unwrap_or(Distribution::Exponential)
    }

    /// Row indices of the models table in display order.
    pub fn sorted_rows(&self) -> Vec<usize> {
        let Some(r) = &self.result else {
            return Vec::new();
        };
        let mut idx: Vec<usize> = (0..r.rows.len()).collect();
        let (col, desc) = self.sort;
        idx.sort_by(|&a, &b| {
            let (x, y) = (&r.rows[a], &r.rows[b]);
            let o = match col {
                1 => x.functions.cmp(&y.functions),
                2 => x.arrivals.cmp(&y.arrivals),
                3 => x.rate.total_cmp(&y.rate),
                4 => x.cv.total_cmp(&y.cv),
                5 => x.peak.total_cmp(&y.peak),
                _ => a.cmp(&b),
            };
            if desc { o.reverse() } else { o }
        });
        idx
    }

    /// The detail chart's time range in seconds, from the zoom and the replayed window.
    pub fn detail_range(&self) -> Option<(f64, f64)> {
        let w = self.result.as_ref()?.replay.window;
        let span = (w.end - w.start) as f64;
        Some((
            w.start as f64 + self.zoom.0 * span,
            w.start as f64 + self.zoom.1 * span,
        ))
    }

    /// The model row under the cursor.
    pub fn selected_row(&self) -> Option<usize> {
        self.sorted_rows().get(self.row).copied()
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

    #[test]
    fn export_models_parse() {
        let mut d = ExportDialog::new();
        assert_eq!(d.chosen_models(), None);
        d.models = " a, b ,".into();
        assert_eq!(d.chosen_models(), Some(vec!["a".into(), "b".into()]));
    }
}
