//! `tracereplay._native`: the Rust core as Python sees it. The AlpaServe-compatible API
//! (`Trace`, `TraceReplay`, …) is written in Python over these few classes
//! (`pysrc/tracereplay/__init__.py`); everything that touches a request runs here, with the
//! GIL released.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use numpy::ndarray::ArrayView1;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{
    PyFileExistsError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use tracereplay_tui::Error;
use tracereplay_tui::ingest::LoadOptions;
use tracereplay_tui::replay::{self, Replay, ReplayParams};
use tracereplay_tui::trace::{Series, Trace};
use tracereplay_tui::workload::{ExportSpec, Format};

pyo3::create_exception!(
    _native,
    TraceError,
    pyo3::exceptions::PyException,
    "The input is not a usable trace (malformed, hostile, or of a layout we do not read)."
);

/// The core's error as the Python exception a caller expects: bad parameters are
/// `ValueError`, files `OSError` (its subclass by errno), traces `TraceError`.
fn to_py(e: Error) -> PyErr {
    match e {
        Error::Param { .. } | Error::Time(_) => PyValueError::new_err(e.to_string()),
        Error::Exists(path) => PyFileExistsError::new_err(format!(
            "{} already exists; pass force=True to overwrite it or choose another path",
            path.display()
        )),
        Error::Io { ref err, .. } => match err.raw_os_error() {
            // (errno, message) makes OSError pick FileNotFoundError, PermissionError, ….
            Some(code) => PyOSError::new_err((code, e.to_string())),
            None => PyOSError::new_err(e.to_string()),
        },
        Error::Cancelled => PyKeyboardInterrupt::new_err("cancelled"),
        Error::Pickle(_) | Error::Trace(_) | Error::Row { .. } | Error::Format(_) => {
            TraceError::new_err(e.to_string())
        }
        Error::Encode(_) => PyRuntimeError::new_err(e.to_string()),
        Error::NoTokens { .. } => PyValueError::new_err(format!(
            "{e}; replay with tokens_from=TRACE, or give input_length=N and output_length=N"
        )),
    }
}

/// Runs `work` on its own thread with the GIL released, checking for Ctrl-C (and any other
/// pending signal handler) every 50 ms: a signal sets `work`'s cancel flag and raises here at
/// once, leaving the thread to stop at its next check.
fn interruptible<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&AtomicBool) -> tracereplay_tui::Result<T> + Send + 'static,
{
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::sync_channel(1);
    let flag = Arc::clone(&cancel);
    std::thread::Builder::new()
        .name("tracereplay".into())
        .spawn(move || {
            let _ = tx.send(work(&flag));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver goes to the detached closure and back: it is Send, not Sync.
        let (back, got) = py.detach(move || {
            let got = rx.recv_timeout(Duration::from_millis(50));
            (rx, got)
        });
        rx = back;
        match got {
            Ok(result) => return result.map_err(to_py),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "internal error: the replay thread stopped without a result (a bug: please \
                     report it with the call that caused it)",
                ));
            }
        }
    }
}

fn parse<T: std::str::FromStr<Err = Error>>(text: &str) -> PyResult<T> {
    text.parse().map_err(to_py)
}

/// A size given as bytes or as text (`"64G"`, `"500MB"`).
fn size(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if let Ok(n) = value.extract::<u64>() {
        return Ok(n);
    }
    let text: String = value.extract().map_err(|_| {
        PyValueError::new_err(format!(
            "{name}: give a number of bytes or a size such as \"64G\""
        ))
    })?;
    tracereplay_tui::limits::parse_size(&text).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{name} {:?}: give a number of bytes or a size such as 512M, 4G or 64GiB",
            tracereplay_tui::quote::clip(&text, 40)
        ))
    })
}

/// A loaded trace (the core's `Trace`), shared with the replays made of it.
#[pyclass(frozen, module = "tracereplay._native")]
struct NativeTrace {
    trace: Arc<Trace>,
    /// The path it was read from (`None` for the embedded sample), for the params file.
    path: Option<String>,
    load: LoadOptions,
}

#[pymethods]
impl NativeTrace {
    /// Reads a trace in any format the command line reads.
    #[staticmethod]
    #[pyo3(signature = (path, *, input_format=None, kind=None, time_column=None, key_column=None,
        time_unit="s", skip_bad_rows=false, name=None, skip_failed=false,
        input_tokens_column=None, output_tokens_column=None, max_decoded=None,
        max_requests=None, no_mmap=false))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        input_format: Option<&str>,
        kind: Option<&str>,
        time_column: Option<String>,
        key_column: Option<String>,
        time_unit: &str,
        skip_bad_rows: bool,
        name: Option<String>,
        skip_failed: bool,
        input_tokens_column: Option<String>,
        output_tokens_column: Option<String>,
        max_decoded: Option<Bound<'_, PyAny>>,
        max_requests: Option<u64>,
        no_mmap: bool,
    ) -> PyResult<NativeTrace> {
        let load = LoadOptions {
            format: input_format.map(parse).transpose()?,
            kind: kind.map(parse).transpose()?,
            time_column,
            key_column,
            time_unit: parse(time_unit)?,
            skip_bad_rows,
            name,
            skip_failed,
            input_tokens_column,
            output_tokens_column,
            no_mmap,
            max_decoded: max_decoded.map(|v| size(&v, "max_decoded")).transpose()?,
            max_requests,
        };
        let opts = load.clone();
        let at = path.clone();
        let trace = interruptible(py, move |_| {
            tracereplay_tui::ingest::load(&at, &opts, &mut |_, _| {})
        })?;
        Ok(NativeTrace {
            trace: Arc::new(trace),
            path: Some(path.display().to_string()),
            load,
        })
    }

    /// The embedded sample trace (3 days, 200 functions, AlpaServe's v2 layout).
    #[staticmethod]
    fn sample() -> PyResult<NativeTrace> {
        let load = LoadOptions::default();
        let trace = tracereplay_tui::ingest::sample(&load).map_err(to_py)?;
        Ok(NativeTrace {
            trace: Arc::new(trace),
            path: None,
            load,
        })
    }

    /// `"v1"` (per-minute counts) or `"v2"` (timestamps).
    #[getter]
    fn kind(&self) -> String {
        self.trace.kind.to_string()
    }

    /// Whole days the trace covers.
    #[getter]
    fn days(&self) -> u32 {
        self.trace.days
    }

    /// The trace's end in seconds since its start (its span, or its whole days).
    #[getter]
    fn end_seconds(&self) -> u64 {
        self.trace.end_seconds()
    }

    /// The file name it was read from.
    #[getter]
    fn source(&self) -> String {
        self.trace.source.clone()
    }

    /// The format it was read from, in words.
    #[getter]
    fn format(&self) -> String {
        self.trace.format.0.clone()
    }

    /// What the reader noticed about the data (sorted for you, rows skipped, …).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.trace.warnings.clone()
    }

    /// Total invocations.
    #[getter]
    fn invocations(&self) -> u64 {
        self.trace.invocations()
    }

    /// Whether its requests carry token counts (LLM traces).
    #[getter]
    fn has_tokens(&self) -> bool {
        self.trace.functions.iter().any(|f| f.tokens.is_some())
    }

    /// Function names, in the trace's order (the mapping strategies follow it).
    fn function_names(&self) -> Vec<String> {
        self.trace
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    /// Each function's series over the minutes `[first, last)` (v1: int32 counts) or the
    /// seconds `[first, last)` (v2: float64 times), as `(name, array)` pairs.
    fn slice<'py>(
        &self,
        py: Python<'py>,
        first: u64,
        last: u64,
    ) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        let mut out = Vec::with_capacity(self.trace.functions.len());
        for f in &self.trace.functions {
            let array = match &f.series {
                Series::Counts(c) => {
                    let lo = (first as usize).min(c.len());
                    let hi = (last as usize).clamp(lo, c.len());
                    let v: Vec<i32> = c
                        .range(lo..hi)
                        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
                        .collect();
                    PyArray1::from_vec(py, v).into_any()
                }
                Series::Times(t) => {
                    let r = t.between(first as f64, last as f64);
                    PyArray1::from_vec(py, t.window(r).into_owned()).into_any()
                }
            };
            out.push((f.name.clone(), array));
        }
        Ok(out)
    }

    /// The window `start`–`end` (`D.H.M` or durations; `end=None`: the trace's end) in seconds,
    /// checked against the trace as a replay checks it.
    #[pyo3(signature = (start, end=None))]
    fn window(&self, start: &str, end: Option<&str>) -> PyResult<(u64, u64)> {
        let w = self.trace.window(start, end).map_err(to_py)?;
        Ok((w.start, w.end))
    }

    /// The summary `tracereplay-tui inspect` prints.
    fn summary(&self) -> PyResult<String> {
        let profile = self.trace.profile().map_err(to_py)?;
        let s = self.trace.summary_of(&profile.per_function, 10);
        let d = tracereplay_tui::report::TraceDetails::of(&self.trace);
        Ok(tracereplay_tui::report::summary_text(
            &self.trace.source,
            &s,
            Some(&d),
        ))
    }

    /// Replays the trace (`replay` of the command line); every check runs before any work.
    #[pyo3(signature = (models, mapping, start, end, distribution, interval_seconds, rate_scale,
        cv_scale, time_scale, replication, seed, estimator, fit_quality=false, spread="none",
        max_arrivals=None, triggers=None, tokens_from=None, tokens_by_hour=false))]
    #[allow(clippy::too_many_arguments)]
    fn replay(
        &self,
        py: Python<'_>,
        models: Vec<String>,
        mapping: &str,
        start: String,
        end: Option<String>,
        distribution: &str,
        interval_seconds: f64,
        rate_scale: f64,
        cv_scale: f64,
        time_scale: f64,
        replication: i64,
        seed: u64,
        estimator: &str,
        fit_quality: bool,
        spread: &str,
        max_arrivals: Option<u64>,
        triggers: Option<Vec<String>>,
        tokens_from: Option<PathBuf>,
        tokens_by_hour: bool,
    ) -> PyResult<NativeReplay> {
        let replication = u32::try_from(replication)
            .ok()
            .filter(|&r| r >= 1)
            .ok_or_else(|| {
                to_py(Error::param(
                    "replication",
                    format!(
                        "{replication}: replicate each arrival at least once (1 to {})",
                        u32::MAX
                    ),
                ))
            })?;
        let spread = match spread {
            "none" => replay::params::Spread::None,
            "uniform" => replay::params::Spread::Uniform,
            "fitted" => replay::params::Spread::Fitted,
            other => {
                return Err(PyValueError::new_err(format!(
                    "spread {:?}: use \"none\", \"uniform\" or \"fitted\"",
                    tracereplay_tui::quote::clip(other, 40)
                )));
            }
        };
        let defaults = ReplayParams::default();
        let params = ReplayParams {
            models,
            mapping: parse(mapping)?,
            start,
            end,
            distribution: parse(distribution)?,
            interval_seconds,
            rate_scale,
            cv_scale,
            time_scale,
            replication,
            seed,
            max_arrivals: max_arrivals.unwrap_or(defaults.max_arrivals),
            triggers: triggers.unwrap_or_default(),
            fit_quality,
            spread,
            estimator: parse(estimator)?,
            ..defaults
        };
        params.check_values().map_err(to_py)?;
        let trace = Arc::clone(&self.trace);
        let drawn = tokens_from.clone().map(|p| (p, tokens_by_hour));
        let replay = interruptible(py, move |cancel| {
            // Read before the (larger) replay, so that a bad path fails at once.
            let tokens = tokens_from
                .map(|p| tracereplay_tui::tokens::TokenSource::read(&p))
                .transpose()?;
            let mut r = replay::replay_with_cancel(&trace, &params, cancel)?;
            if let Some(source) = &tokens {
                let seed = r.params.seed;
                tracereplay_tui::tokens::assign(&mut r, source, tokens_by_hour, seed);
            }
            Ok(r)
        })?;
        Ok(NativeReplay {
            replay: Arc::new(replay),
            trace: Arc::clone(&self.trace),
            path: self.path.clone(),
            load: self.load.clone(),
            drawn,
        })
    }
}

/// A replay (the core's `Replay`): per model, its arrivals, fits and figures.
#[pyclass(frozen, module = "tracereplay._native")]
struct NativeReplay {
    replay: Arc<Replay>,
    trace: Arc<Trace>,
    path: Option<String>,
    load: LoadOptions,
    /// The trace token counts were drawn from, and whether by hour (for the params file).
    drawn: Option<(PathBuf, bool)>,
}

/// A read-only numpy view of `data`, which `owner` keeps alive: no copy.
fn view<'py, T: numpy::Element>(
    owner: &Bound<'py, NativeReplay>,
    data: &[T],
) -> Bound<'py, PyArray1<T>> {
    let array = ArrayView1::from(data);
    // SAFETY: `data` lives in the `Arc<Replay>` of the frozen `owner`, which is never mutated
    // and which the array keeps alive as its base; the array is made read-only below, so
    // numpy never writes through the shared reference.
    #[allow(unsafe_code)]
    let a = unsafe { PyArray1::borrow_from_array(&array, owner.clone().into_any()) };
    a.readwrite().make_nonwriteable();
    a
}

#[pymethods]
impl NativeReplay {
    /// Model names, in replay order.
    fn models(&self) -> Vec<String> {
        self.replay.models.iter().map(|m| m.model.clone()).collect()
    }

    /// The window, `(start, end)` in seconds since the trace start.
    #[getter]
    fn window(&self) -> (u64, u64) {
        (self.replay.window.start, self.replay.window.end)
    }

    /// `[(function, model), …]` in the trace's order.
    fn mapping(&self) -> Vec<(String, String)> {
        self.replay
            .mapping
            .iter()
            .map(|(f, m)| (f.clone(), self.replay.params.models[*m].clone()))
            .collect()
    }

    /// The distribution the replay ran (`auto` resolved per interval in `intervals`).
    #[getter]
    fn distribution(&self) -> String {
        self.replay.params.distribution.to_string()
    }

    /// The estimator the replay ran.
    #[getter]
    fn estimator(&self) -> String {
        self.replay.params.estimator.to_string()
    }

    /// Model `i`: `(name, functions, trace_count, rate, cv)`.
    fn model(&self, i: usize) -> PyResult<(String, usize, u64, f64, f64)> {
        let m = self.get(i)?;
        Ok((m.model.clone(), m.functions, m.trace_count, m.rate, m.cv))
    }

    /// Model `i`'s arrivals, seconds since the trace start: a read-only view, no copy.
    fn arrivals<'py>(slf: &Bound<'py, Self>, i: usize) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let this = slf.get();
        let m = this.get(i)?;
        Ok(view(slf, &m.arrivals))
    }

    /// Model `i`'s `(input, output)` token counts per arrival, or `None` without tokens.
    #[allow(clippy::type_complexity)]
    fn tokens<'py>(
        slf: &Bound<'py, Self>,
        i: usize,
    ) -> PyResult<Option<(Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u32>>)>> {
        let this = slf.get();
        let m = this.get(i)?;
        Ok(m.tokens
            .as_ref()
            .map(|t| (view(slf, &t.input), view(slf, &t.output))))
    }

    /// Model `i`'s fitting intervals as a list of dicts (empty for vanilla).
    fn intervals<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let m = self.get(i)?;
        let mut out = Vec::with_capacity(m.intervals.len());
        for iv in &m.intervals {
            let d = PyDict::new(py);
            d.set_item("start", iv.start)?;
            d.set_item("end", iv.end)?;
            d.set_item("trace_count", iv.trace_count)?;
            d.set_item("reset_to_empirical", iv.reset_to_empirical)?;
            d.set_item("realized_count", iv.realized_count)?;
            d.set_item("realized_cv", iv.realized_cv)?;
            match iv.process {
                None => d.set_item("process", py.None())?,
                Some(p) => {
                    let text = serde_json::to_string(&p)
                        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
                    d.set_item("process", text)?;
                    d.set_item("rate", p.rate())?;
                    d.set_item("cv", p.cv())?;
                }
            }
            out.push(d);
        }
        Ok(out)
    }

    /// Model `i`'s fit quality per interval, as JSON (`null` where not assessed).
    fn quality(&self, i: usize) -> PyResult<String> {
        let m = self.get(i)?;
        serde_json::to_string(&m.quality).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The report `tracereplay-tui stats` prints for this replay.
    fn stats_text(&self) -> String {
        let invocations = self.trace.invocations();
        tracereplay_tui::report::stats_text(
            &self.replay,
            invocations,
            &tracereplay_tui::report::TraceSide::new(None),
        )
    }

    /// Draws model `model`'s arrivals against the trace in `bins` bins (`plot`'s histogram)
    /// into the PNG `path`.
    fn figure(&self, py: Python<'_>, path: PathBuf, model: String, bins: usize) -> PyResult<()> {
        tracereplay_tui::plot::check_bins(bins).map_err(to_py)?;
        let (replay, trace) = (Arc::clone(&self.replay), Arc::clone(&self.trace));
        interruptible(py, move |_| {
            let opts = tracereplay_tui::plot::PlotOptions {
                bins,
                models: Some(vec![model]),
                ..Default::default()
            };
            let svg = tracereplay_tui::plot::svg(&replay, &trace, &opts)?;
            let png = tracereplay_tui::plot::png(&svg, 2.0)?;
            tracereplay_tui::workload::write_atomic(&path, true, None, |out| {
                std::io::Write::write_all(out, &png).map_err(|e| Error::Io {
                    action: "cannot write",
                    path: path.clone(),
                    err: e,
                })
            })
            .map(|_| ())
        })
    }

    /// Writes the replay as a workload file, with `FILE.params.json` beside the formats that
    /// cannot hold its parameters. Returns `(requests, bytes, params file or None)`.
    #[pyo3(signature = (path, format=None, slo=1.0, only=None, force=false, input_length=None,
        output_length=None, block_size=512, duration=1.0, wall_clock=None))]
    #[allow(clippy::too_many_arguments)]
    fn export(
        &self,
        py: Python<'_>,
        path: PathBuf,
        format: Option<&str>,
        slo: f64,
        only: Option<Vec<String>>,
        force: bool,
        input_length: Option<u32>,
        output_length: Option<u32>,
        block_size: u32,
        duration: f64,
        wall_clock: Option<&str>,
    ) -> PyResult<(usize, u64, Option<PathBuf>)> {
        let wall_clock = wall_clock
            .map(tracereplay_tui::ingest::datetime::parse_wall_clock)
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("wall_clock: {e}")))?;
        let format = match format {
            Some(f) => f.parse::<Format>().map_err(to_py)?,
            None => Format::from_path(&path).map_err(to_py)?,
        }
        .with_options(block_size, duration, wall_clock);
        let spec = ExportSpec {
            format,
            slo,
            only,
            input_length,
            output_length,
            tokens_from: self.drawn.as_ref().map(|d| d.0.clone()),
            tokens_by_hour: self.drawn.as_ref().is_some_and(|d| d.1),
        };
        spec_checks(&spec, duration, block_size, wall_clock.is_some())?;
        let (replay, trace) = (Arc::clone(&self.replay), Arc::clone(&self.trace));
        let (source, load) = (self.path.clone(), self.load.clone());
        interruptible(py, move |cancel| {
            export(
                &replay,
                &trace,
                source.as_deref(),
                &load,
                &spec,
                &path,
                force,
                cancel,
            )
        })
    }
}

impl NativeReplay {
    fn get(&self, i: usize) -> PyResult<&replay::ModelReplay> {
        self.replay.models.get(i).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "model {i}: the replay has {}",
                self.replay.models.len()
            ))
        })
    }
}

/// The export options' own checks, before any work (the command line's wording).
fn spec_checks(
    spec: &ExportSpec,
    duration: f64,
    block_size: u32,
    wall_clock: bool,
) -> PyResult<()> {
    let bad = |m: String| Err(PyValueError::new_err(m));
    if wall_clock && !matches!(spec.format, Format::Vidur { .. } | Format::AzureLlm { .. }) {
        return bad("wall_clock dates the rows of format \"vidur\" and \"azure-llm\" only".into());
    }
    if !(duration.is_finite() && tracereplay_tui::workload::RUN_SECONDS.contains(&duration)) {
        return bad(format!(
            "duration {duration}: give how long each request runs in seconds, from 0.000001 to 86400"
        ));
    }
    if block_size == 0 {
        return bad(
            "block_size 0: a hash id stands for a block of at least 1 token (default 512)".into(),
        );
    }
    for (name, v) in [
        ("input_length", spec.input_length),
        ("output_length", spec.output_length),
    ] {
        if v == Some(0) {
            return bad(format!(
                "{name} 0: a request has at least 1 token; give a positive number"
            ));
        }
    }
    tracereplay_tui::workload::check_slo(spec.slo).map_err(to_py)
}

/// Builds the workload of `replay` as `spec` says and writes it to `path`, with its params file
/// when the format needs one and `path` is a file.
#[allow(clippy::too_many_arguments)]
fn export(
    replay: &Replay,
    trace: &Trace,
    source: Option<&str>,
    load: &LoadOptions,
    spec: &ExportSpec,
    path: &std::path::Path,
    force: bool,
    cancel: &AtomicBool,
) -> tracereplay_tui::Result<(usize, u64, Option<PathBuf>)> {
    use tracereplay_tui::workload::Target;
    let target = Target::resolve(path)?;
    if !force && target.replaces_a_file() {
        return Err(Error::Exists(path.to_owned()));
    }
    let provenance = matches!(target, Target::File(_)) && spec.format.needs_provenance();
    let beside = if provenance {
        let p = tracereplay_tui::workload::params_path(path).ok_or_else(|| Error::Io {
            action: "cannot write beside",
            path: path.to_owned(),
            err: std::io::Error::new(std::io::ErrorKind::InvalidInput, "it has no file name"),
        })?;
        if !force && p.exists() {
            return Err(Error::Exists(p));
        }
        Some(p)
    } else {
        None
    };
    let w = spec.workload(replay, Some(trace))?.workload;
    let n = w.len();
    let bytes = w.write_cancellable(path, spec.format, force, cancel)?;
    let written = match beside {
        Some(_) => {
            let trace_arg = source.unwrap_or("sample");
            let command =
                tracereplay_tui::workload::replay_command(trace_arg, load, &replay.params, spec);
            Some(tracereplay_tui::workload::write_params(
                path, force, &w, spec, &command,
            )?)
        }
        None => None,
    };
    Ok((n, bytes, written))
}

/// `"D.H.M"` as `(day, hour, minute)`, checked as the command line checks it.
#[pyfunction]
fn parse_dhm(text: &str) -> PyResult<(u64, u64, u64)> {
    let t = tracereplay_tui::time::Dhm::parse(text, "time").map_err(to_py)?;
    Ok((t.day, t.hour, t.minute))
}

/// The model index of each of `functions` functions under `strategy` (the original's
/// `map_model`).
#[pyfunction]
fn assign_models(models: usize, functions: usize, strategy: &str) -> PyResult<Vec<usize>> {
    let m: tracereplay_tui::mapping::Mapping = parse(strategy)?;
    if models == 0 || functions < models {
        return Err(PyValueError::new_err(format!(
            "{functions} function(s) but {models} model(s): every model needs at least one \
             function; give fewer models"
        )));
    }
    Ok(m.assign(models, functions))
}

/// `(arrivals, cv)` of the sorted merge of `parts` (each sorted): `report_group_stats`'s figures.
#[pyfunction]
fn merged_cv(py: Python<'_>, parts: Vec<PyReadonlyArray1<'_, f64>>) -> PyResult<(usize, f64)> {
    let slices: Vec<&[f64]> = parts
        .iter()
        .map(|p| p.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| PyValueError::new_err(format!("arrivals: {e}")))?;
    let n = slices.iter().map(|s| s.len()).sum();
    let sorted = slices.iter().all(|s| s.is_sorted());
    let cv = py.detach(|| {
        if sorted {
            tracereplay_tui::stats::merged_gap_moments(&slices).cv()
        } else {
            let mut all: Vec<f64> = slices.concat();
            all.sort_by(f64::total_cmp);
            tracereplay_tui::stats::cv(&all)
        }
    });
    Ok((n, cv))
}

/// The cv of the gaps of `arrivals` in their order (`TraceReplay.cv()`'s figure).
#[pyfunction]
fn gap_cv(arrivals: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let a = arrivals
        .as_slice()
        .map_err(|e| PyValueError::new_err(format!("arrivals: {e}")))?;
    Ok(tracereplay_tui::stats::cv(a))
}

/// The exponential rate the original's `estimate_exponential` fits to `gaps`.
#[pyfunction]
fn estimate_exponential(gaps: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let g = gaps
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(tracereplay_tui::estimate::exponential_rate(g))
}

/// `(rate, cv)` of the gamma fit the original's `estimate_gamma` makes; `ValueError` where
/// scipy's fit fails (constant gaps).
#[pyfunction]
fn estimate_gamma(gaps: PyReadonlyArray1<'_, f64>) -> PyResult<(f64, f64)> {
    let g = gaps
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    match tracereplay_tui::estimate::gamma_mle(g) {
        f @ tracereplay_tui::estimate::GammaFit::Fitted { .. } => Ok((f.rate(), f.cv())),
        _ => Err(PyValueError::new_err(
            "the gaps are (nearly) all equal: a gamma distribution has no finite shape for them",
        )),
    }
}

/// The pareto shape the original's `estimate_pareto` fits (scale 1, location 0).
#[pyfunction]
fn estimate_pareto(x: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    let x = x
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(tracereplay_tui::estimate::pareto_shape(x))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("TraceError", m.py().get_type::<TraceError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeTrace>()?;
    m.add_class::<NativeReplay>()?;
    m.add_function(wrap_pyfunction!(parse_dhm, m)?)?;
    m.add_function(wrap_pyfunction!(assign_models, m)?)?;
    m.add_function(wrap_pyfunction!(merged_cv, m)?)?;
    m.add_function(wrap_pyfunction!(gap_cv, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_exponential, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_pareto, m)?)?;
    Ok(())
}
