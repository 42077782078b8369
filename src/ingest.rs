//! Reading traces as published: AlpaServe pickles, the raw Azure Functions 2019 and 2021 CSVs,
//! the Azure LLM inference traces, any CSV of timestamps, and our own cache file. The format is
//! detected from the content (or given); a directory is the 2019 per-day layout.

pub mod azure2019;
pub mod burstgpt;
pub mod compressed;
pub mod csv;
pub mod datetime;
pub mod generic;
pub mod mooncake;
pub mod native;
pub mod pickle;
pub mod timestamps;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::trace::{Function, Series, Tokens, Trace, TraceKind};

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// AlpaServe's pickle (`azure_v1.pkl`, `azure_v2.pkl`).
    Pickle,
    /// Our cache file, written by `convert`.
    Native,
    /// `AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt`.
    Azure2021,
    /// `invocations_per_function_md.anon.dNN.csv` (a file or a directory of them).
    Azure2019,
    /// `AzureLLMInferenceTrace_*.csv` (2023 and 2024).
    AzureLlm,
    /// Any CSV with a column of timestamps (`--time-column`).
    Timestamps,
    /// Mooncake JSONL (`timestamp` in ms, `input_length`, `output_length`, `hash_ids`).
    Mooncake,
    /// BurstGPT's CSV (`Timestamp,Model,Request tokens,Response tokens,…`).
    BurstGpt,
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFormat::Pickle => "pickle",
            InputFormat::Native => "native",
            InputFormat::Azure2021 => "azure2021",
            InputFormat::Azure2019 => "azure2019",
            InputFormat::AzureLlm => "azure-llm",
            InputFormat::Timestamps => "timestamps",
            InputFormat::Mooncake => "mooncake",
            InputFormat::BurstGpt => "burstgpt",
        })
    }
}

impl FromStr for InputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "pickle" | "pkl" => InputFormat::Pickle,
            "native" => InputFormat::Native,
            "azure2021" => InputFormat::Azure2021,
            "azure2019" => InputFormat::Azure2019,
            "azure-llm" | "llm" => InputFormat::AzureLlm,
            "timestamps" | "csv" => InputFormat::Timestamps,
            "mooncake" | "jsonl" => InputFormat::Mooncake,
            "burstgpt" => InputFormat::BurstGpt,
            other => {
                return Err(Error::param(
                    "format",
                    format!(
                        "{other:?} is not an input format; use pickle, native, azure2021, azure2019, \
                         azure-llm, timestamps, mooncake or burstgpt"
                    ),
                ));
            }
        })
    }
}

/// Unit of numeric timestamps in a generic CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeUnit {
    /// Seconds.
    #[default]
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
    /// Nanoseconds.
    Ns,
    /// ISO-8601 wall-clock times (`2023-11-16 18:17:03.98`, `…T…Z`, `…+01:00`).
    Iso,
}

impl TimeUnit {
    /// The unit as `--time-unit` spells it.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::S => "s",
            TimeUnit::Ms => "ms",
            TimeUnit::Us => "us",
            TimeUnit::Ns => "ns",
            TimeUnit::Iso => "iso",
        }
    }
}

impl FromStr for TimeUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "s" => TimeUnit::S,
            "ms" => TimeUnit::Ms,
            "us" => TimeUnit::Us,
            "ns" => TimeUnit::Ns,
            "iso" => TimeUnit::Iso,
            other => {
                return Err(Error::param(
                    "time-unit",
                    format!("{other:?}: use s, ms, us, ns or iso"),
                ));
            }
        })
    }
}

/// How to read an input; the defaults detect everything.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The format, instead of detecting it.
    pub format: Option<InputFormat>,
    /// For pickles: the kind, instead of detecting it.
    pub kind: Option<TraceKind>,
    /// Generic CSV: the column with the times (name or 0-based number).
    pub time_column: Option<String>,
    /// Generic CSV: the column naming the function (none: one function).
    pub key_column: Option<String>,
    /// Generic CSV: the unit of the times.
    pub time_unit: TimeUnit,
    /// Skip rows that do not parse (and say how many) instead of failing.
    pub skip_bad_rows: bool,
    /// Function name for single-function inputs (LLM traces, generic CSV without a key).
    pub name: Option<String>,
    /// BurstGPT: drop failed requests (0 response tokens) instead of keeping them.
    pub skip_failed: bool,
    /// Generic CSV: the column of each request's prompt tokens (with `output_tokens_column`).
    pub input_tokens_column: Option<String>,
    /// Generic CSV: the column of each request's generated tokens.
    pub output_tokens_column: Option<String>,
}

/// Progress callback: bytes done, bytes in all.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Loads a trace from `path` (a file, or a directory of 2019 day files).
pub fn load(path: &Path, opts: &LoadOptions, progress: Progress<'_>) -> Result<Trace> {
    let io = |err| Error::Io {
        action: "cannot read trace",
        path: path.to_owned(),
        err,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return azure2019::load_dir(path, opts, progress);
    }
    let source = file_name(path);
    let mut file = std::fs::File::open(path).map_err(io)?;
    if !meta.is_file() {
        // A FIFO, a device, /dev/stdin: it can be read once only, and its size is unknown.
        return load_stream(file, &source, opts, progress).map_err(|e| match e {
            Error::Io { action, err, .. } => Error::Io {
                action,
                path: path.to_owned(),
                err,
            },
            other => other,
        });
    }
    let total = meta.len();
    let mut head = [0u8; 512];
    let n = csv::read_full(&mut file, &mut head).map_err(io)?;
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        return azure2019::load_tar(&source, std::io::BufReader::new(file), opts, progress);
    }
    if let Some(c) = compressed::Compression::detect(&head[..n]) {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let decoded = c.decoder(file).map_err(io)?;
        return load_stream(decoded, &source, opts, progress);
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect(&head[..n], opts)?,
    };
    match format {
        // Mapped, not read: a 0.8 GB azure_v1 pickle opens in a tenth of a second. Mapping
        // reads the file in one step, so progress is its start and its end.
        InputFormat::Pickle => {
            progress(0, total);
            let t = Trace::open(path, opts.kind);
            progress(total, total);
            t
        }
        // Mapped when large, as pickles are: v1 counts stay in the file.
        InputFormat::Native => match crate::trace::map_large(&file).map_err(io)? {
            Some(map) => {
                progress(0, total);
                let t = native::decode_backing(map, &source);
                progress(total, total);
                t
            }
            None => {
                let bytes = read_all(path, total, progress)?;
                from_bytes(&bytes, &source, format, opts)
            }
        },
        _ => {
            use std::io::{Seek, SeekFrom};
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            let reader = std::io::BufReader::with_capacity(1 << 16, file);
            parse_csv(format, &source, reader, total, opts, progress)
        }
    }
}

/// The most bytes of a pickle or converted trace read from a stream (a pipe, a FIFO, a device),
/// which is held in memory to be decoded; a file on disk has no such limit.
pub const MAX_STREAM_BYTES: u64 = 4 << 30;

/// Reads a trace from a stream, once, from its start: standard input, a FIFO, a device. CSVs
/// are parsed as they arrive; a pickle or converted trace is read into memory first (at most
/// [`MAX_STREAM_BYTES`]), after its first bytes have shown it is one.
pub fn load_stream(
    input: impl std::io::Read,
    source: &str,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    stream(Box::new(input), source, opts, progress, 0)
}

/// [`load_stream`], decompressing what is compressed (at most twice: a `.gz` of a `.gz`).
fn stream(
    mut input: Box<dyn std::io::Read + '_>,
    source: &str,
    opts: &LoadOptions,
    progress: Progress<'_>,
    depth: u8,
) -> Result<Trace> {
    use std::io::Read;
    let io = |err| Error::Io {
        action: "cannot read trace",
        path: source.into(),
        err,
    };
    let mut head = vec![0u8; 512];
    let n = csv::read_full(&mut input, &mut head).map_err(io)?;
    head.truncate(n);
    if depth < 2
        && let Some(c) = compressed::Compression::detect(&head)
    {
        let decoded = c
            .decoder(std::io::Cursor::new(head).chain(input))
            .map_err(io)?;
        return stream(decoded, source, opts, progress, depth + 1);
    }
    // A tar archive (ustar magic at byte 257): the 2019 dataset as published.
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        return azure2019::load_tar(
            source,
            std::io::Cursor::new(head).chain(input),
            opts,
            progress,
        );
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect(&head, opts)?,
    };
    let starts = || {
        let hex: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
        if hex.is_empty() {
            "it is empty".to_string()
        } else {
            format!("it starts with the bytes {}", hex.join(" "))
        }
    };
    match format {
        InputFormat::Pickle | InputFormat::Native => {
            if format == InputFormat::Pickle && head.first() != Some(&0x80) {
                return Err(Error::Format(format!(
                    "{source} is not an AlpaServe pickle: {} (a pickle of protocol 2 or later \
                     starts with 80)",
                    starts()
                )));
            }
            if format == InputFormat::Native && !native::is_native(&head) {
                return Err(Error::Format(format!(
                    "{source} is not a file written by `tracereplay-tui convert`: {}",
                    starts()
                )));
            }
            let mut bytes = head;
            let mut chunk = vec![0u8; 8 << 20];
            loop {
                let n = input.read(&mut chunk).map_err(io)?;
                if n == 0 {
                    break;
                }
                if (bytes.len() + n) as u64 > MAX_STREAM_BYTES {
                    return Err(Error::Format(format!(
                        "{source} is larger than {} GiB, the most read from a pipe or device; \
                         save it to a file and give the file's path",
                        MAX_STREAM_BYTES >> 30
                    )));
                }
                bytes.extend_from_slice(&chunk[..n]);
                progress(bytes.len() as u64, 0);
            }
            from_bytes(&bytes, source, format, opts)
        }
        _ => {
            let input = std::io::BufReader::with_capacity(1 << 16, head.as_slice().chain(input));
            parse_csv(format, source, input, 0, opts, progress)
        }
    }
}

/// The embedded sample trace (`assets/`), read with `opts`.
pub fn sample(opts: &LoadOptions) -> Result<Trace> {
    from_bytes(
        crate::assets::SAMPLE_TRACE,
        crate::assets::SAMPLE_NAME,
        InputFormat::Pickle,
        opts,
    )
}

/// Decodes a whole input held in memory (the embedded sample, a file read with progress).
pub fn from_bytes(
    bytes: &[u8],
    source: &str,
    format: InputFormat,
    opts: &LoadOptions,
) -> Result<Trace> {
    match format {
        InputFormat::Pickle => Trace::from_pickle(bytes, source, opts.kind),
        InputFormat::Native => native::decode(bytes, source),
        _ => parse_csv(
            format,
            source,
            bytes,
            bytes.len() as u64,
            opts,
            &mut |_, _| {},
        ),
    }
}

/// Detects the format of the bytes at the start of a file.
pub fn detect(head: &[u8], opts: &LoadOptions) -> Result<InputFormat> {
    if head.is_empty() {
        return Err(Error::Format(
            "the file is empty: a trace file holds a pickle, a converted trace or a CSV".into(),
        ));
    }
    if head.first() == Some(&0x80) {
        return Ok(InputFormat::Pickle);
    }
    if native::is_native(head) {
        return Ok(InputFormat::Native);
    }
    if mooncake::is_mooncake(head) {
        return Ok(InputFormat::Mooncake);
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let header = String::from_utf8_lossy(line)
        .trim()
        .trim_start_matches('\u{feff}')
        .to_string();
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let has = |names: &[&str]| {
        names
            .iter()
            .all(|n| cols.iter().any(|c| c.eq_ignore_ascii_case(n)))
    };
    if opts.time_column.is_some() {
        return Ok(InputFormat::Timestamps);
    }
    if has(&["app", "func", "end_timestamp", "duration"]) {
        return Ok(InputFormat::Azure2021);
    }
    if has(&["HashOwner", "HashApp", "HashFunction", "Trigger"]) {
        return Ok(InputFormat::Azure2019);
    }
    if burstgpt::is_burstgpt(&cols) {
        return Ok(InputFormat::BurstGpt);
    }
    if has(&["TIMESTAMP", "ContextTokens", "GeneratedTokens"]) {
        return Ok(InputFormat::AzureLlm);
    }
    let shown: String = header.chars().take(80).collect();
    Err(Error::Format(format!(
        "cannot tell what this file is (first line {shown:?}): expected an AlpaServe pickle, a file \
         written by `tracereplay-tui convert`, Mooncake JSONL, or a CSV with the header of an Azure \
         Functions 2019 or 2021 trace, an Azure LLM inference trace or BurstGPT; for another CSV of \
         timestamps pass --time-column (and --key-column, --time-unit)"
    )))
}

fn parse_csv(
    format: InputFormat,
    source: &str,
    input: impl std::io::Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    match format {
        InputFormat::Azure2021 => timestamps::azure2021(source, input, total, opts, progress),
        InputFormat::Azure2019 => {
            let mut days = azure2019::Days::default();
            days.add(azure2019::parse_day(
                source, 0, input, total, opts, progress,
            )?);
            days.finish(source)
        }
        // Not day-based: they last from their first request to their last.
        InputFormat::AzureLlm => {
            timestamps::azure_llm(source, input, total, opts, progress).map(spanned)
        }
        InputFormat::Timestamps => generic::read(source, input, total, opts, progress).map(spanned),
        InputFormat::Mooncake => mooncake::read(source, input, total, opts, progress).map(spanned),
        InputFormat::BurstGpt => burstgpt::read(source, input, total, opts, progress).map(spanned),
        InputFormat::Pickle | InputFormat::Native => Err(Error::Format(format!(
            "{source}: a {format} file is not a CSV"
        ))),
    }
}

fn spanned(mut t: Trace) -> Trace {
    t.use_span();
    t
}

/// Reads a whole file with progress.
pub fn read_all(path: &Path, total: u64, progress: Progress<'_>) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |err| Error::Io {
        action: "cannot read trace",
        path: path.to_owned(),
        err,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut chunk = vec![0u8; 8 << 20];
    loop {
        let n = file.read(&mut chunk).map_err(io)?;
        if n == 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..n]);
        progress(bytes.len() as u64, total);
    }
}

/// The file name of a path, for reports.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Functions keyed by name in order of first appearance, collecting timestamps (and tokens).
#[derive(Default)]
pub struct TimesBuilder {
    index: HashMap<Vec<u8>, usize>,
    names: Vec<String>,
    times: Vec<Vec<f64>>,
    tokens: Vec<Tokens>,
    with_tokens: bool,
    /// Each invocation's run time, when the input has them (Azure Functions 2021).
    durations: Vec<Vec<f64>>,
    with_durations: bool,
}

impl TimesBuilder {
    /// A builder that also keeps token counts.
    pub fn with_tokens() -> Self {
        TimesBuilder {
            with_tokens: true,
            ..TimesBuilder::default()
        }
    }

    /// A builder that also keeps each invocation's run time.
    pub fn with_durations() -> Self {
        TimesBuilder {
            with_durations: true,
            ..TimesBuilder::default()
        }
    }

    /// Adds an invocation that ran for `seconds`.
    pub fn push_timed(&mut self, function: usize, time: f64, seconds: f64) {
        self.push(function, time, None);
        if self.with_durations {
            self.durations[function].push(seconds);
        }
    }

    /// The function for `key`, created on first sight with `name()`.
    pub fn function(&mut self, key: &[u8], name: impl FnOnce() -> String) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.names.len();
        self.index.insert(key.to_vec(), i);
        self.names.push(name());
        self.times.push(Vec::new());
        self.tokens.push(Tokens::default());
        self.durations.push(Vec::new());
        i
    }

    /// Adds an invocation.
    pub fn push(&mut self, function: usize, time: f64, tokens: Option<(u32, u32)>) {
        self.times[function].push(time);
        if let (true, Some((i, o))) = (self.with_tokens, tokens) {
            self.tokens[function].input.push(i);
            self.tokens[function].output.push(o);
        }
    }

    /// Gives a function that has no invocations yet all of them at once, with their tokens.
    pub fn set(&mut self, function: usize, times: Vec<f64>, tokens: Tokens) {
        self.times[function] = times;
        if self.with_tokens {
            self.tokens[function] = tokens;
        }
    }

    /// Adds a request with its tokens and the images sent with it (multimodal traces).
    pub fn push_with_images(
        &mut self,
        function: usize,
        time: f64,
        tokens: (u32, u32),
        images: u32,
    ) {
        self.push(function, time, Some(tokens));
        self.tokens[function]
            .images
            .get_or_insert_with(Vec::new)
            .push(images);
    }

    /// Shifts every time by `-origin`.
    pub fn shift(&mut self, origin: f64) {
        for t in self.times.iter_mut().flatten() {
            *t -= origin;
        }
    }

    /// The earliest time.
    pub fn min_time(&self) -> Option<f64> {
        self.times.iter().flatten().copied().reduce(f64::min)
    }

    /// Sorts each function's times (tokens follow) and builds a v2 trace.
    pub fn finish(self, source: &str, mut warnings: Vec<String>) -> Result<Trace> {
        if self.names.is_empty() {
            return Err(Error::Format(format!(
                "{source}: no invocations (the file has a header but no data rows)"
            )));
        }
        let mut functions = Vec::with_capacity(self.names.len());
        let mut unsorted = 0usize;
        let negative: usize = self
            .times
            .iter()
            .map(|t| t.iter().filter(|&&x| x < 0.0).count())
            .sum();
        if negative > 0 {
            // An Azure 2021 row whose duration exceeds its end_timestamp, a time before 0.
            warnings.push(format!(
                "{negative} invocation(s) start before 0 s (for Azure 2021 rows: a duration \
                 longer than end_timestamp) and fall in no window"
            ));
        }
        for (((name, mut times), mut tokens), mut durations) in self
            .names
            .into_iter()
            .zip(self.times)
            .zip(self.tokens)
            .zip(self.durations)
        {
            if !times.is_sorted() {
                unsorted += 1;
                if self.with_tokens || self.with_durations {
                    let mut order: Vec<usize> = (0..times.len()).collect();
                    order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
                    times = order.iter().map(|&i| times[i]).collect();
                    if self.with_tokens {
                        tokens.input = order.iter().map(|&i| tokens.input[i]).collect();
                        tokens.output = order.iter().map(|&i| tokens.output[i]).collect();
                        if let Some(m) = &tokens.images {
                            tokens.images = Some(order.iter().map(|&i| m[i]).collect());
                        }
                    }
                    if self.with_durations {
                        durations = order.iter().map(|&i| durations[i]).collect();
                    }
                } else {
                    times.sort_unstable_by(f64::total_cmp);
                }
            }
            let mut f = Function::new(name, Series::Times(times.into()));
            if self.with_tokens {
                f.tokens = Some(tokens);
            }
            if self.with_durations {
                f.durations = Some(durations);
            }
            functions.push(f);
        }
        if unsorted > 0 {
            warnings.push(format!(
                "{unsorted} function(s) had their invocations out of time order in the file; sorted"
            ));
        }
        Trace::new(source, TraceKind::V2, functions, warnings)
    }
}

/// Counts bad rows when `--skip-bad-rows` is on, or turns the first one into the error.
#[derive(Debug, Default)]
pub struct BadRows {
    skip: bool,
    /// Rows skipped.
    pub skipped: u64,
    /// The first skipped row's error, for the warning.
    pub first: Option<String>,
}

impl BadRows {
    /// Per `opts.skip_bad_rows`.
    pub fn new(opts: &LoadOptions) -> Self {
        BadRows {
            skip: opts.skip_bad_rows,
            ..BadRows::default()
        }
    }

    /// Handles a bad row: `Ok` when skipping, the error otherwise.
    pub fn bad(&mut self, file: &str, line: u64, column: &str, reason: String) -> Result<()> {
        let reason = if self.skip {
            reason
        } else {
            format!("{reason} (pass --skip-bad-rows to skip such rows)")
        };
        let err = Error::Row {
            file: file.into(),
            line,
            column: column.into(),
            reason,
        };
        if !self.skip {
            return Err(err);
        }
        self.skipped += 1;
        self.first.get_or_insert_with(|| err.to_string());
        Ok(())
    }

    /// Adds the rows `later` skipped, from further on in the file.
    pub fn absorb(&mut self, later: BadRows) {
        self.skipped += later.skipped;
        if self.first.is_none() {
            self.first = later.first;
        }
    }

    /// The warning to attach to the trace, if rows were skipped.
    pub fn warning(&self) -> Option<String> {
        (self.skipped > 0).then(|| {
            format!(
                "skipped {} bad row(s); the first: {}",
                self.skipped,
                self.first.as_deref().unwrap_or("")
            )
        })
    }
}

/// Finds a column by name (case-insensitive) or 0-based number in a header.
pub fn column(header: &[&[u8]], want: &str, what: &str, file: &str) -> Result<usize> {
    if let Some(i) = header
        .iter()
        .position(|h| csv::text(h).eq_ignore_ascii_case(want))
    {
        return Ok(i);
    }
    if let Ok(i) = want.parse::<usize>()
        && i < header.len()
    {
        return Ok(i);
    }
    let names: Vec<&str> = header.iter().map(|h| csv::text(h)).collect();
    Err(Error::Format(format!(
        "{file}: no {what} column \"{}\"; the header has {}",
        crate::quote::quoted(want),
        crate::quote::clip(&names.join(", "), 200)
    )))
}
