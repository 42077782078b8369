//! Our cache file: a MessagePack map (rmp-serde) whose arrays are little-endian byte blobs, so
//! loading is a bounds-checked copy rather than a parse (and for a large v1 file, not even a
//! copy: its counts are read in place from the mapped file). Written by `convert`.

use std::borrow::Cow;
use std::cell::Cell;

use serde::{Deserialize, Serialize};
use serde_bytes::Bytes;

use crate::error::{Error, Result};
use crate::trace::le::LeValue;
use crate::trace::times::{self, Times};
use crate::trace::{Backing, Column, Counts, Function, HashIds, Series, Tokens, Trace, TraceKind};

/// The `format` field's value.
pub const FORMAT_NAME: &str = "tracereplay-trace";
/// How a cache names the format its trace was read from.
const CACHE_OF: &str = "tracereplay cache of: ";

/// Timestamps in a cache without aligned columns above which loading it says how to rewrite it.
const REWRITE_AT: usize = 1_000_000;
/// How that note starts.
const REWRITE_NOTE: &str = "this cache was written by an older tracereplay-tui: its \
    timestamps and token counts are decoded into memory at every load";

/// The layout version.
pub const FORMAT_VERSION: u32 = 1;

/// The file; `B` is how blobs are held: owned to write, borrowed from the input to read.
#[derive(Serialize, Deserialize)]
struct File<B> {
    format: String,
    version: u32,
    source: String,
    kind: TraceKind,
    warnings: Vec<String>,
    functions: Vec<Func<B>>,
    /// The trace's span when it is not day-based; absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    span: Option<u64>,
    /// Mooncake's prefix hash ids, shared by every function's `hash_rows`; absent in older
    /// files and in traces without them.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    hash_ids: Option<HashTable<B>>,
    /// The trace's wall clock at its time 0 (Unix ns); absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clock: Option<i64>,
    /// The format the trace was read from; absent in older files.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source_format: String,
}

/// [`HashIds`] as stored: each row's end and all ids, u64 little-endian.
#[derive(Serialize, Deserialize)]
struct HashTable<B> {
    ends: B,
    ids: B,
}

#[derive(Serialize, Deserialize)]
struct Func<B> {
    name: String,
    trigger: Option<String>,
    /// Zero bytes that put `data`'s first byte at a multiple of 8 in the file (and so in a
    /// mapping of it), where it is read in place as `f64`s rather than decoded; absent in
    /// older files (read as before) and before v1 counts (always decoded).
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    align_data: Option<B>,
    /// v1: u32 counts; v2: f64 times (little-endian).
    data: B,
    /// As `align_data`, for `input_tokens`.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    align_input: Option<B>,
    input_tokens: Option<B>,
    /// As `align_data`, for `output_tokens`.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    align_output: Option<B>,
    output_tokens: Option<B>,
    /// f64 run times in seconds (Azure Functions 2021), when the trace has them; absent in
    /// older files.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    durations: Option<B>,
    /// As `align_data`, for `hash_rows`.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    align_rows: Option<B>,
    /// Each request's row of the file's `hash_ids` (u32), when the trace has them.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    hash_rows: Option<B>,
    /// As `align_data`, for `images`.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    align_images: Option<B>,
    /// Images sent with each request (u32; Azure LMM traces), when the trace has them.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    images: Option<B>,
}

fn absent<T>() -> Option<T> {
    None
}

/// `true` when `head` starts like a file we wrote.
pub fn is_native(head: &[u8]) -> bool {
    let map = head.first().is_some_and(|&b| (0x80..=0x8f).contains(&b));
    map && head.get(1..8) == Some(&b"\xa6format"[..])
        && head.get(9..26) == Some(FORMAT_NAME.as_bytes())
}

/// A blob made as it is written, so that one function's bytes exist at a time: a v1 trace read
/// in place is written straight from the mapped file (an 808 MB trace's `convert` held a copy
/// of every array, 1.6 GB at its peak).
enum Blob<'a> {
    /// Zero bytes, as many as put the payload of the blob after them at a multiple of 8: the
    /// output's position so far, and the bytes between this blob and that payload.
    Pad(&'a Cell<u64>, u64),
    Series(&'a Series),
    Words(&'a [u32]),
    Floats(&'a [f64]),
    Longs(&'a [u64]),
}

impl Serialize for Blob<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let le = |words: &mut dyn Iterator<Item = u32>| -> Vec<u8> {
            words.flat_map(u32::to_le_bytes).collect()
        };
        let bytes: Cow<'_, [u8]> = match self {
            Blob::Pad(pos, then) => {
                // Written as bin8: a 2-byte header, then the zeros.
                let n = (8 - (pos.get() + 2 + then) % 8) % 8;
                Cow::Owned(vec![0; n as usize])
            }
            Blob::Series(Series::Counts(c)) => match c.file_words() {
                // The file's int32 words are the u32 ones when none is negative.
                Some(words) => {
                    if let Err((minute, v)) = c.checked_sum(0..c.len()) {
                        return Err(serde::ser::Error::custom(format!(
                            "minute {minute}: count {v} is negative"
                        )));
                    }
                    Cow::Borrowed(words)
                }
                None => Cow::Owned(le(&mut c.iter())),
            },
            Blob::Series(Series::Times(t)) => t.le_bytes(),
            Blob::Words(w) => le_bytes(w),
            Blob::Floats(v) => le_bytes(v),
            Blob::Longs(v) => le_bytes(v),
        };
        s.serialize_bytes(&bytes)
    }
}

/// Encodes `trace` into `out`.
pub fn encode(trace: &Trace, out: &mut impl std::io::Write) -> Result<()> {
    encode_with(trace, out, true)
}

/// [`encode`], its columns aligned or (`aligned` false, for tests) laid out as older builds
/// wrote them.
fn encode_with(trace: &Trace, out: &mut impl std::io::Write, aligned: bool) -> Result<()> {
    // Every function with hash ids has rows of one table (a Mooncake input has one).
    let table = Tokens::shared_hash_ids(
        trace
            .functions
            .iter()
            .map(|f| f.tokens.as_ref())
            .filter(|t| t.is_some_and(|t| t.hash_rows.is_some())),
    );
    let table = table.as_deref();
    let pos = Cell::new(0u64);
    let pad = |key: &str, len: usize| aligned.then(|| pad(&pos, key, len));
    let words = |key: &str, w| words(&pos, key, w, aligned);
    let functions = trace
        .functions
        .iter()
        .map(|f| {
            let tokens = f.tokens.as_ref();
            let (align_input, input_tokens) = words("input_tokens", tokens.map(|t| &t.input[..]));
            let (align_output, output_tokens) =
                words("output_tokens", tokens.map(|t| &t.output[..]));
            let rows = table.and(tokens).and_then(|t| t.hash_rows.as_deref());
            let (align_rows, hash_rows) = words("hash_rows", rows);
            let (align_images, images) = words("images", tokens.and_then(|t| t.images.as_deref()));
            Func {
                name: f.name.clone(),
                trigger: f.trigger.clone(),
                align_data: match &f.series {
                    Series::Times(t) => pad("data", 8 * t.len()),
                    Series::Counts(_) => None,
                },
                data: Blob::Series(&f.series),
                align_input,
                input_tokens,
                align_output,
                output_tokens,
                durations: f.durations.as_deref().map(Blob::Floats),
                align_rows,
                hash_rows,
                align_images,
                images,
            }
        })
        .collect();
    let file = File {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        source: trace.source.clone(),
        kind: trace.kind,
        // Not the note that an older cache is being read: this one is not.
        warnings: trace
            .warnings
            .iter()
            .filter(|w| !w.starts_with(REWRITE_NOTE))
            .cloned()
            .collect(),
        functions,
        span: trace.span,
        clock: trace.clock,
        // A cache of a cache records the first one's source, so that writing it again makes
        // the same bytes.
        source_format: {
            let f = trace.format.0.as_str();
            match f.strip_prefix(CACHE_OF) {
                Some(source) => source.to_string(),
                None if f == super::InputFormat::Native.describe() => String::new(),
                None => f.to_string(),
            }
        },
        hash_ids: table.map(|t| {
            let (ends, ids) = t.parts();
            HashTable {
                ends: Blob::Longs(ends),
                ids: Blob::Longs(ids),
            }
        }),
    };
    let mut out = Counted { out, pos: &pos };
    rmp_serde::encode::write_named(&mut out, &file).map_err(|e| Error::Encode(e.to_string()))
}

/// `values` as little-endian bytes: themselves on a little-endian machine, else a copy.
fn le_bytes<T: bytemuck::Pod>(values: &[T]) -> Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        return Cow::Borrowed(bytemuck::cast_slice(values));
    }
    let size = std::mem::size_of::<T>();
    Cow::Owned(
        bytemuck::cast_slice::<T, u8>(values)
            .chunks_exact(size)
            .flat_map(|c| c.iter().rev().copied())
            .collect(),
    )
}

/// A pad before the field `key`, whose blob has `len` bytes: the key (a fixstr) and the blob's
/// bin header come between them.
fn pad<'a>(pos: &'a Cell<u64>, key: &str, len: usize) -> Blob<'a> {
    let header = match len {
        0..=0xff => 2,
        0x100..=0xffff => 3,
        _ => 5,
    };
    Blob::Pad(pos, 1 + key.len() as u64 + header)
}

/// The pad (when `aligned`) and the blob of a field `key` of words, when there is one.
fn words<'a>(
    pos: &'a Cell<u64>,
    key: &str,
    w: Option<&'a [u32]>,
    aligned: bool,
) -> (Option<Blob<'a>>, Option<Blob<'a>>) {
    w.map(|w| {
        let pad = aligned.then(|| pad(pos, key, 4 * w.len()));
        (pad, Some(Blob::Words(w)))
    })
    .unwrap_or((None, None))
}

/// A writer that keeps count of the bytes written through it, for [`Blob::Pad`].
struct Counted<'a, W> {
    out: W,
    pos: &'a Cell<u64>,
}

impl<W: std::io::Write> std::io::Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Decodes a file written by [`encode`].
pub fn decode(bytes: &[u8], source: &str) -> Result<Trace> {
    decode_in(bytes, None, source)
}

/// Decodes a file written by [`encode`] held in `backing` (a mapped file), leaving v1 counts
/// and v2 timestamps in place: an 808 MB cache then opens like the pickle it came from,
/// without copying.
pub fn decode_backing(backing: Backing, source: &str) -> Result<Trace> {
    decode_in((*backing).as_ref(), Some(&backing), source)
}

fn decode_in(bytes: &[u8], backing: Option<&Backing>, source: &str) -> Result<Trace> {
    let bad = |why: String| {
        Error::Format(format!(
            "{source}: not a valid tracereplay trace file: {why}"
        ))
    };
    let file: File<&Bytes> = rmp_serde::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT_NAME || file.version != FORMAT_VERSION {
        return Err(bad(format!(
            "format {:?} version {}; this tool reads {FORMAT_NAME} version {FORMAT_VERSION} \
             (convert the original input again)",
            file.format, file.version
        )));
    }
    let whole = |b: &[u8], what: &str, name: &str| -> Result<usize> {
        if !b.len().is_multiple_of(4) {
            return Err(bad(format!(
                "function {name:?}: {what} is {} bytes, not whole u32s",
                b.len()
            )));
        }
        Ok(b.len() / 4)
    };
    // A blob borrows from `bytes`: its place there is its address's offset.
    let offset = |b: &[u8]| (b.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
    // Read in place where the file has the words aligned (files we write do), else decoded.
    let words = |b: &[u8], what: &str, name: &str| -> Result<Column<u32>> {
        let len = whole(b, what, name)?;
        let mapped = backing.and_then(|k| Column::mapped(k.clone(), offset(b), len));
        Ok(mapped.unwrap_or_else(|| b.chunks_exact(4).map(u32::read_le).collect()))
    };
    let longs = |b: &[u8], what: &str| -> Result<Vec<u64>> {
        if !b.len().is_multiple_of(8) {
            return Err(bad(format!("{what} is {} bytes, not whole u64s", b.len())));
        }
        Ok(b.chunks_exact(8).map(u64::read_le).collect())
    };
    let table = match &file.hash_ids {
        Some(h) => Some(std::sync::Arc::new(
            HashIds::from_parts(longs(h.ends, "hash id ends")?, longs(h.ids, "hash ids")?)
                .ok_or_else(|| bad("hash id rows out of order".into()))?,
        )),
        None => None,
    };
    // A large cache from before the aligned columns: say how to get one read in place.
    let unaligned_bytes: usize = file
        .functions
        .iter()
        .filter(|f| f.align_data.is_none())
        .map(|f| f.data.len())
        .sum();
    let mut warnings = file.warnings;
    if file.kind == TraceKind::V2 && backing.is_some() && unaligned_bytes >= 8 * REWRITE_AT {
        warnings.push(format!(
            "{REWRITE_NOTE}; convert it again (`tracereplay-tui convert CACHE -o NEW`) to have \
             them read in place (quicker, less memory)"
        ));
    }
    let mut functions = Vec::with_capacity(file.functions.len());
    for f in file.functions {
        let series = match file.kind {
            TraceKind::V1 => match backing {
                Some(backing) => {
                    let len = whole(f.data, "counts", &f.name)?;
                    let counts = Counts::mapped_u32(backing.clone(), offset(f.data), len)
                        .ok_or_else(|| {
                            bad(format!("function {:?}: counts out of place", f.name))
                        })?;
                    Series::Counts(counts)
                }
                None => Series::Counts(words(f.data, "counts", &f.name)?.into_vec().into()),
            },
            TraceKind::V2 => {
                if !f.data.len().is_multiple_of(8) {
                    return Err(bad(format!(
                        "function {:?}: times are not whole f64s",
                        f.name
                    )));
                }
                let unsorted = || {
                    bad(format!(
                        "function {:?}: times are not finite and sorted",
                        f.name
                    ))
                };
                Series::Times(match backing {
                    Some(backing) => {
                        Times::mapped(backing.clone(), offset(f.data), f.data.len() / 8)
                            .ok_or_else(unsorted)?
                    }
                    None if times::finite_and_sorted_bytes(f.data) == (true, true) => {
                        times::decode(f.data).into()
                    }
                    None => return Err(unsorted()),
                })
            }
        };
        let tokens = match (&f.input_tokens, &f.output_tokens) {
            (Some(i), Some(o)) => {
                let t = Tokens {
                    input: words(i, "input tokens", &f.name)?,
                    output: words(o, "output tokens", &f.name)?,
                    ..Tokens::default()
                };
                if t.input.len() as u64 != series.invocations() || t.output.len() != t.input.len() {
                    return Err(bad(format!(
                        "function {:?}: token counts do not match its invocations",
                        f.name
                    )));
                }
                Some(t)
            }
            _ => None,
        };
        let per_request = |b: &Option<&Bytes>, what: &str| -> Result<Option<Column<u32>>> {
            let Some(b) = b else { return Ok(None) };
            let v = words(b, what, &f.name)?;
            if tokens.is_none() || v.len() as u64 != series.invocations() {
                return Err(bad(format!(
                    "function {:?}: {what} do not match its requests",
                    f.name
                )));
            }
            Ok(Some(v))
        };
        let hash_rows = per_request(&f.hash_rows, "hash id rows")?;
        let images = per_request(&f.images, "images")?;
        let mut tokens = tokens;
        if let Some(t) = &mut tokens {
            t.images = images;
            if let Some(rows) = hash_rows {
                let table = table
                    .as_ref()
                    .filter(|h| rows.iter().all(|&r| (r as usize) < h.rows()))
                    .ok_or_else(|| {
                        bad(format!(
                            "function {:?}: hash id rows outside the file's table",
                            f.name
                        ))
                    })?;
                t.hash_rows = Some(rows);
                t.hash_ids = Some(std::sync::Arc::clone(table));
            }
        }
        let durations = match &f.durations {
            Some(d) if d.len() % 8 == 0 && (d.len() / 8) as u64 == series.invocations() => {
                Some(times::decode(d))
            }
            Some(_) => {
                return Err(bad(format!(
                    "function {:?}: run times do not match its invocations",
                    f.name
                )));
            }
            None => None,
        };
        functions.push(Function {
            name: f.name,
            series,
            trigger: f.trigger,
            tokens,
            durations,
        });
    }
    let mut t = Trace::new(&file.source, file.kind, functions, warnings)?;
    t.span = file.span;
    t.clock = file.clock;
    if !file.source_format.is_empty() {
        t.format = crate::trace::Label(format!("{CACHE_OF}{}", file.source_format));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// `bytes` at byte `offset` of an 8-byte aligned buffer: the start of a mapping, moved.
    fn placed(bytes: &[u8], offset: usize) -> Backing {
        struct Words(Vec<u64>, std::ops::Range<usize>);
        impl AsRef<[u8]> for Words {
            fn as_ref(&self) -> &[u8] {
                &bytemuck::cast_slice(&self.0)[self.1.clone()]
            }
        }
        let mut words = vec![0u64; (offset + bytes.len()).div_ceil(8)];
        let r = offset..offset + bytes.len();
        bytemuck::cast_slice_mut(&mut words)[r.clone()].copy_from_slice(bytes);
        Arc::new(Words(words, r))
    }

    /// Functions whose names, lengths and columns put their blobs at every offset and behind
    /// every size of header.
    fn varied() -> Trace {
        let functions = [0usize, 1, 3, 31, 32, 33, 8191, 8192, 70_000]
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let times: Vec<f64> = (0..n).map(|i| i as f64 * 0.25 + k as f64).collect();
                let mut f = Function::new("f".repeat(k * 3 + 1), Series::Times(times.into()));
                if k % 3 != 1 {
                    let input: Vec<u32> = (0..n as u32).map(|i| i * 3 + 1).collect();
                    let output: Vec<u32> = (0..n as u32).map(|i| i % 97).collect();
                    let mut t = Tokens::counts(input, output);
                    if k % 2 == 0 {
                        t.images = Some((0..n as u32).map(|i| i % 5).collect());
                    }
                    f.tokens = Some(t);
                }
                f
            })
            .collect();
        Trace::new("v", TraceKind::V2, functions, Vec::new()).unwrap()
    }

    #[test]
    fn written_columns_are_read_in_place_and_unaligned_ones_decoded() {
        let trace = varied();
        let mut bytes = Vec::new();
        encode(&trace, &mut bytes).unwrap();
        for offset in [0, 8, 1, 4] {
            let back = decode_backing(placed(&bytes, offset), "v").unwrap();
            let aligned = offset % 8 == 0;
            for (f, g) in trace.functions.iter().zip(&back.functions) {
                let (Series::Times(a), Series::Times(b)) = (&f.series, &g.series) else {
                    panic!("v2")
                };
                assert_eq!(a, b);
                let n = b.len();
                if n > 0 {
                    assert_eq!(b.column(0..n).is_some(), aligned, "{}", f.name.len());
                }
                assert_eq!(f.tokens, g.tokens);
                if let Some(k) = &g.tokens {
                    let mapped = [Some(&k.input), Some(&k.output), k.images.as_ref()];
                    for c in mapped.into_iter().flatten() {
                        // Words are aligned for u32 at offset 4 too.
                        assert_eq!(c.is_mapped(), offset % 4 == 0, "{} {offset}", f.name.len());
                    }
                }
            }
        }
    }

    #[test]
    fn padding_fields_of_the_wrong_kind_are_refused_cleanly() {
        // A file that names its pads but gives them as numbers or lists (text reads as bytes:
        // a pad's content is never used, the blobs' places are checked where they are).
        #[derive(Serialize)]
        struct Odd<'a> {
            format: &'a str,
            version: u32,
            source: &'a str,
            kind: TraceKind,
            warnings: Vec<String>,
            functions: Vec<OddFunc<'a>>,
        }
        #[derive(Serialize)]
        struct OddFunc<'a> {
            name: &'a str,
            trigger: Option<String>,
            align_data: serde_json::Value,
            #[serde(with = "serde_bytes")]
            data: Vec<u8>,
            input_tokens: Option<()>,
            output_tokens: Option<()>,
        }
        for pad in [
            serde_json::json!("zeros"),
            serde_json::json!(7),
            serde_json::json!([1]),
        ] {
            let file = Odd {
                format: FORMAT_NAME,
                version: FORMAT_VERSION,
                source: "t",
                kind: TraceKind::V2,
                warnings: Vec::new(),
                functions: vec![OddFunc {
                    name: "f",
                    trigger: None,
                    align_data: pad.clone(),
                    data: 1.0f64.to_le_bytes().to_vec(),
                    input_tokens: None,
                    output_tokens: None,
                }],
            };
            let bytes = rmp_serde::to_vec_named(&file).unwrap();
            assert!(is_native(&bytes));
            let got = decode_backing(placed(&bytes, 0), "t");
            if pad.is_string() {
                assert_eq!(got.unwrap().invocations(), 1);
            } else {
                let err = got.unwrap_err().to_string();
                assert!(
                    err.contains("not a valid tracereplay trace file"),
                    "{pad}: {err}"
                );
            }
        }
    }

    #[test]
    fn a_reader_without_the_padding_fields_skips_them() {
        // What the fields of an older build read from a file with the pads.
        #[derive(Deserialize)]
        struct Older<'a> {
            #[serde(borrow)]
            functions: Vec<OlderFunc<'a>>,
        }
        #[derive(Deserialize)]
        struct OlderFunc<'a> {
            name: String,
            #[serde(borrow)]
            data: &'a Bytes,
            #[serde(borrow)]
            input_tokens: Option<&'a Bytes>,
        }
        let trace = varied();
        let mut bytes = Vec::new();
        encode(&trace, &mut bytes).unwrap();
        let old: Older = rmp_serde::from_slice(&bytes).unwrap();
        for (f, o) in trace.functions.iter().zip(&old.functions) {
            assert_eq!(f.name, o.name);
            assert_eq!(o.data.len(), 8 * f.series.invocations() as usize);
            let words = f.tokens.as_ref().map(|t| 4 * t.input.len());
            assert_eq!(o.input_tokens.map(|b| b.len()), words);
        }
    }

    #[test]
    fn a_large_cache_of_an_older_build_says_how_to_rewrite_it() {
        let n = REWRITE_AT;
        let times: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
        let mut f = Function::new("big", Series::Times(times.into()));
        f.tokens = Some(Tokens::counts(vec![7; n], vec![3; n]));
        let trace = Trace::new("t", TraceKind::V2, vec![f], vec!["kept".into()]).unwrap();
        let (mut old, mut new) = (Vec::new(), Vec::new());
        encode_with(&trace, &mut old, false).unwrap();
        encode(&trace, &mut new).unwrap();
        let noted = |t: &Trace| t.warnings.iter().any(|w| w.starts_with(REWRITE_NOTE));
        let from_old = decode_backing(placed(&old, 0), "t").unwrap();
        assert!(noted(&from_old), "{:?}", from_old.warnings);
        assert!(from_old.warnings.contains(&"kept".to_string()));
        let from_new = decode_backing(placed(&new, 0), "t").unwrap();
        assert!(!noted(&from_new));
        assert_eq!(from_new.warnings, ["kept"]);
        // Its rewrite is the new layout, without the note.
        let mut again = Vec::new();
        encode(&from_old, &mut again).unwrap();
        assert_eq!(again, new);
        // Read, not mapped, nothing is read in place either way: no note.
        assert!(!noted(&decode(&old, "t").unwrap()));
    }

    fn trace_with(tokens: Tokens) -> Trace {
        let mut f = Function::new(String::from("f"), Series::Times(vec![1.0, 2.0].into()));
        f.tokens = Some(tokens);
        Trace::new("t", TraceKind::V2, vec![f], Vec::new()).unwrap()
    }

    #[test]
    fn images_and_hash_ids_round_trip() {
        let mut table = HashIds::default();
        let rows = vec![table.push(&[1, 2]), table.push(&[3])];
        let t = trace_with(Tokens {
            images: Some(vec![0, 4].into()),
            hash_rows: Some(rows.into()),
            hash_ids: Some(Arc::new(table)),
            ..Tokens::counts(vec![10, 20], vec![1, 2])
        });
        let mut bytes = Vec::new();
        encode(&t, &mut bytes).unwrap();
        let back = decode(&bytes, "t").unwrap();
        let k = back.functions[0].tokens.as_ref().unwrap();
        assert_eq!(k.images, Some(vec![0, 4].into()));
        let ids = k.hash_ids.as_ref().unwrap();
        let rows = k.hash_rows.as_ref().unwrap();
        assert_eq!(ids.row(rows[0]), [1, 2]);
        assert_eq!(ids.row(rows[1]), [3]);
    }

    #[test]
    fn hash_rows_outside_the_table_are_refused() {
        let mut table = HashIds::default();
        table.push(&[1]);
        let t = trace_with(Tokens {
            hash_rows: Some(vec![0, 5].into()),
            hash_ids: Some(Arc::new(table)),
            ..Tokens::counts(vec![10, 20], vec![1, 2])
        });
        let mut bytes = Vec::new();
        encode(&t, &mut bytes).unwrap();
        let err = decode(&bytes, "t").unwrap_err().to_string();
        assert!(err.contains("outside the file's table"), "{err}");
    }
}
