//! Reading traces as published: AlpaServe pickles, the raw Azure Functions 2019 and 2021 CSVs,
//! the Azure LLM inference traces, any CSV of timestamps, and our own cache file. The format is
//! detected from the content (or given); a directory is the 2019 per-day layout.

pub mod azure2019;
mod builder;
pub mod burstgpt;
pub mod compressed;
pub mod csv;
pub mod datetime;
pub mod generic;
mod guard;
pub mod mooncake;
pub mod native;
mod options;
pub mod pickle;
pub mod timestamps;

use std::path::Path;

pub use builder::{BadRows, TimesBuilder, column};
pub use options::{InputFormat, LoadOptions, Progress, TimeUnit};

use crate::error::{Error, Result};
use crate::trace::Trace;

/// Loads a trace from `path` (a file, or a directory of 2019 day files).
pub fn load(path: &Path, opts: &LoadOptions, progress: Progress<'_>) -> Result<Trace> {
    let io = |err| Error::Io {
        action: "cannot read trace",
        path: path.to_owned(),
        err,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return azure2019::load_dir(path, opts, progress).map(|t| from_where(t, "a directory"));
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
    if opts.format.is_none() && azure2019::is_tar(&head[..n]) {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        return azure2019::load_tar(&source, std::io::BufReader::new(file), opts, progress)
            .map(|t| from_where(t, TAR));
    }
    if let Some(c) = compressed::Compression::detect(&head[..n]) {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let decoded = c.decoder(file).map_err(io)?;
        return load_stream(
            guard::Guarded::decoded(decoded, opts.decoded_cap()),
            &source,
            opts,
            progress,
        )
        .map(|t| compressed_with(t, c));
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
            let t = Trace::open_with(path, opts.kind, !opts.no_mmap);
            progress(total, total);
            t.map(|t| described(t, InputFormat::Pickle.describe()))
        }
        // Mapped when large, as pickles are: v1 counts stay in the file.
        InputFormat::Native => match crate::trace::map_large(&file, !opts.no_mmap).map_err(io)? {
            Some(map) => {
                progress(0, total);
                let t = native::decode_backing(map, &source);
                progress(total, total);
                t.map(|t| described(t, InputFormat::Native.describe()))
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
        let decoded = Box::new(guard::Guarded::decoded(decoded, opts.decoded_cap()));
        return stream(decoded, source, opts, progress, depth + 1).map(|t| compressed_with(t, c));
    }
    // A tar archive: the 2019 dataset as published (unless a format was given).
    if opts.format.is_none() && azure2019::is_tar(&head) {
        return azure2019::load_tar(
            source,
            std::io::Cursor::new(head).chain(input),
            opts,
            progress,
        )
        .map(|t| from_where(t, TAR));
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
            // Held whole, then decoded beside itself: the stream may take a third of the
            // memory available.
            let most = crate::limits::available_memory()
                .map_or(MAX_STREAM_BYTES, |m| (m / 3).min(MAX_STREAM_BYTES));
            let too_large = || {
                Error::Format(format!(
                    "{source} is larger than {}, the most read from a pipe, a device or a \
                     compressed file (here: {} GiB or a third of the memory available); \
                     decompress it to a file and give the file's path",
                    crate::limits::show_size(most),
                    MAX_STREAM_BYTES >> 30
                ))
            };
            let mut bytes = head;
            let mut checked = 0;
            let mut chunk = vec![0u8; 8 << 20];
            loop {
                // A pickle is checked as it comes, at every doubling: a stream that is none is
                // refused at its first wrong byte, not after gigabytes.
                if format == InputFormat::Pickle && bytes.len() >= 2 * checked {
                    pickle::check_prefix(&bytes).map_err(|e| {
                        Error::Format(format!("{source} is not a pickle we can read: {e}"))
                    })?;
                    checked = bytes.len().max(1);
                }
                let n = input.read(&mut chunk).map_err(io)?;
                if n == 0 {
                    break;
                }
                if (bytes.len() + n) as u64 > most {
                    return Err(too_large());
                }
                bytes.try_reserve(n).map_err(|_| too_large())?;
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
        InputFormat::Pickle => Trace::from_pickle(bytes, source, opts.kind)
            .map(|t| described(t, InputFormat::Pickle.describe())),
        InputFormat::Native => {
            native::decode(bytes, source).map(|t| described(t, InputFormat::Native.describe()))
        }
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
        // JSONL lines end in a line feed; a CR alone (old Mac files) would make one line.
        if !head.contains(&b'\n') && head[..head.len() - 1].contains(&b'\r') {
            return Err(Error::Format(
                "this JSONL file's lines end in a carriage return alone, not a line feed; \
                 convert them first, e.g. `tr '\\r' '\\n' < FILE > FIXED`"
                    .into(),
            ));
        }
        return Ok(InputFormat::Mooncake);
    }
    // Lines may end in CR alone (old Mac files): the CSV readers take any of CR, LF, CRLF.
    let line = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or(&[]);
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
    // A line is at most a request: refused past the cap, before the memory is taken.
    let input = guard::Guarded::lines(input, opts.requests_cap());
    let t = match format {
        InputFormat::Azure2021 => timestamps::azure2021(source, input, total, opts, progress),
        InputFormat::Azure2019 => {
            let mut days = azure2019::Days::default();
            days.add(azure2019::parse_day(
                source, 0, input, total, opts, progress,
            )?)?;
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
    };
    t.map(|t| described(t, format.describe()))
}

/// The 2019 dataset as published.
const TAR: &str = "the dataset's tar archive";

/// `t`, its files read from `place` (a directory, an archive).
fn from_where(mut t: Trace, place: &str) -> Trace {
    t.format = crate::trace::Label(format!("{}, from {place}", *t.format));
    t
}

/// `t`, its format named `what` unless a reader inside named it (a cache keeps its source's).
fn described(mut t: Trace, what: &str) -> Trace {
    if t.format.is_empty() {
        t.format = crate::trace::Label(what.to_string());
    }
    t
}

/// `t`, read from an input compressed with `c`.
fn compressed_with(mut t: Trace, c: compressed::Compression) -> Trace {
    t.format = crate::trace::Label(format!("{}, {}-compressed", *t.format, c.name()));
    t
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
