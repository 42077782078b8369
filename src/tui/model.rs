//! The TUI's state: plain data, no channels, no terminal.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use super::form::{FIELDS, FieldKind, field_index, field_of_error, field_texts, parse_fields};
pub use super::results::{LoadedTrace, ModelRow, OVERVIEW_BINS, ReplayView, TargetRows};
use crate::replay::{Distribution, ReplayParams};

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

/// A field of the export dialog, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportField {
    /// Where to write (typed).
    Path,
    /// The SLO in seconds (typed).
    Slo,
    /// `all` or model names (typed).
    Models,
    /// `trace` (the trace's own token counts), constants `IN/OUT`, or an LLM trace's path to
    /// draw them from (typed).
    Tokens,
    /// Mooncake: tokens per hash id (typed).
    Block,
    /// InVitro: seconds every request runs (typed).
    Duration,
    /// The format (chosen with ←/→).
    Format,
}

impl ExportField {
    const ALL: [ExportField; 7] = [
        ExportField::Path,
        ExportField::Slo,
        ExportField::Models,
        ExportField::Tokens,
        ExportField::Block,
        ExportField::Duration,
        ExportField::Format,
    ];

    /// The field after this one, round to the first.
    pub fn next(self) -> Self {
        Self::ALL[(self as usize + 1) % Self::ALL.len()]
    }

    /// The field before this one, round to the last.
    pub fn prev(self) -> Self {
        Self::ALL[(self as usize + Self::ALL.len() - 1) % Self::ALL.len()]
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
    /// `trace`, every request's input and output tokens as `IN/OUT`, or a trace to draw them
    /// from.
    pub tokens: String,
    /// Mooncake's tokens per hash id.
    pub block: String,
    /// InVitro's run time of every request, seconds.
    pub duration: String,
    /// Which field has the cursor.
    pub cursor: ExportField,
    /// Index in [`EXPORT_FORMATS`].
    pub format: usize,
    /// Set when the target exists and the user must confirm.
    pub confirm_overwrite: bool,
}

impl ExportDialog {
    /// The format field (chosen with ←/→; the others are typed).
    pub const FORMAT: ExportField = ExportField::Format;

    /// A dialog with defaults: all models, msgpack, SLO 1 s.
    pub fn new() -> Self {
        ExportDialog {
            path: "workload.msgpack".into(),
            slo: "1.0".into(),
            models: "all".into(),
            tokens: "trace".into(),
            block: crate::workload::mooncake::DEFAULT_BLOCK_SIZE.to_string(),
            duration: "1.0".into(),
            cursor: ExportField::Path,
            format: 0,
            confirm_overwrite: false,
        }
    }

    /// Where the requests' tokens come from; the error says what to type.
    pub fn tokens_choice(&self) -> Result<TokensChoice, String> {
        let t = self.tokens.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("trace") {
            return Ok(TokensChoice::Trace);
        }
        let constants = t
            .split_once('/')
            .and_then(|(i, o)| Some((i.trim().parse().ok()?, o.trim().parse().ok()?)));
        if let Some((i, o)) = constants {
            return Ok(TokensChoice::Constant(i, o));
        }
        let path = super::complete::expand_home(t);
        if path.is_file() {
            return Ok(TokensChoice::From(path));
        }
        Err(format!(
            "tokens {:?}: type `trace` (the trace's own counts), IN/OUT (e.g. 512/64), or the \
             path of an LLM trace to draw them from",
            crate::quote::quoted(t)
        ))
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

/// Where an export's token counts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TokensChoice {
    /// The trace's own (none for a serverless trace).
    Trace,
    /// The same `(input, output)` for every request.
    Constant(u32, u32),
    /// Drawn from this trace's requests (`--tokens-from`).
    From(std::path::PathBuf),
}

/// The "open a trace" prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenPrompt {
    /// Path typed so far.
    pub path: String,
    /// Candidates from the last Tab, shown under the prompt.
    pub candidates: Vec<String>,
}

/// What is drawn over the panes and takes the keys first: one at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Overlay {
    /// Only the panes.
    #[default]
    None,
    /// The list of keys; any key closes it.
    Help,
    /// The export dialog.
    Export(ExportDialog),
    /// The "open a trace" prompt.
    Open(OpenPrompt),
    /// Quit was asked for while an export runs: wait, cancel or quit anyway.
    ConfirmQuit,
}

/// An export format offered in the dialog: its `--format` name, file extension, and what the
/// dialog says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFormat {
    /// As `--format` spells it.
    pub name: &'static str,
    /// The extension the path takes when it is chosen.
    pub ext: &'static str,
    /// Shown in the dialog.
    pub label: &'static str,
}

/// Export formats offered in the dialog: every one the command line writes.
pub const EXPORT_FORMATS: [ExportFormat; 9] = [
    ExportFormat {
        name: "msgpack",
        ext: "msgpack",
        label: "msgpack",
    },
    ExportFormat {
        name: "json",
        ext: "json",
        label: "JSON",
    },
    ExportFormat {
        name: "csv",
        ext: "csv",
        label: "CSV",
    },
    ExportFormat {
        name: "mooncake",
        ext: "jsonl",
        label: "Mooncake JSONL (AIPerf, GuideLLM)",
    },
    ExportFormat {
        name: "azure-llm",
        ext: "csv",
        label: "Azure LLM CSV (inference-perf)",
    },
    ExportFormat {
        name: "vidur",
        ext: "csv",
        label: "Vidur trace-replay CSV",
    },
    ExportFormat {
        name: "vidur-lengths",
        ext: "csv",
        label: "Vidur lengths CSV",
    },
    ExportFormat {
        name: "splitwise",
        ext: "csv",
        label: "Splitwise CSV",
    },
    ExportFormat {
        name: "invitro",
        ext: "csv",
        label: "InVitro CSV (1 s each)",
    },
];

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
    /// What is drawn over the panes and takes the keys first.
    pub overlay: Overlay,
    /// Bottom status line.
    pub status: String,
    /// Said with the next replay's status (why a parameter was changed for the user).
    pub note: Option<String>,
    /// Set to leave.
    pub quit: bool,
    /// Cancels the workload export in flight; `None` when none runs.
    pub exporting: Option<Arc<AtomicBool>>,
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
    /// The fitted targets of the replay of this generation, shown while it samples.
    pub targets: Option<(u64, TargetRows)>,
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

    /// The export dialog, when it is open.
    pub fn export(&self) -> Option<&ExportDialog> {
        match &self.overlay {
            Overlay::Export(d) => Some(d),
            _ => None,
        }
    }

    /// The export dialog, to change, when it is open.
    pub fn export_mut(&mut self) -> Option<&mut ExportDialog> {
        match &mut self.overlay {
            Overlay::Export(d) => Some(d),
            _ => None,
        }
    }

    /// The "open a trace" prompt, when it is shown.
    pub fn open_prompt(&self) -> Option<&OpenPrompt> {
        match &self.overlay {
            Overlay::Open(p) => Some(p),
            _ => None,
        }
    }

    /// The targets of the replay in flight, when they are known.
    pub fn shown_targets(&self) -> Option<&TargetRows> {
        match &self.targets {
            Some((g, t)) if self.pending == Some(*g) => Some(t),
            _ => None,
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
    fn export_models_parse() {
        let mut d = ExportDialog::new();
        assert_eq!(d.chosen_models(), None);
        d.models = " a, b ,".into();
        assert_eq!(d.chosen_models(), Some(vec!["a".into(), "b".into()]));
    }
}
