//! Our cache file: a MessagePack map (rmp-serde) whose arrays are little-endian byte blobs, so
//! loading is a bounds-checked copy rather than a parse (and for a large v1 file, not even a
//! copy: its counts are read in place from the mapped file). Written by `convert`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_bytes::Bytes;

use crate::error::{Error, Result};
use crate::trace::le::LeValue;
use crate::trace::times::{self, Times};
use crate::trace::{Backing, Counts, Function, HashIds, Series, Tokens, Trace, TraceKind};

/// The `format` field's value.
pub const FORMAT_NAME: &str = "tracereplay-trace";
/// How a cache names the format its trace was read from.
const CACHE_OF: &str = "tracereplay cache of: ";

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
    /// v1: u32 counts; v2: f64 times (little-endian).
    data: B,
    input_tokens: Option<B>,
    output_tokens: Option<B>,
    /// f64 run times in seconds (Azure Functions 2021), when the trace has them; absent in
    /// older files.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    durations: Option<B>,
    /// Each request's row of the file's `hash_ids` (u32), when the trace has them.
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    hash_rows: Option<B>,
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
            Blob::Words(w) => Cow::Owned(le(&mut w.iter().copied())),
            Blob::Floats(v) => Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            Blob::Longs(v) => Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        };
        s.serialize_bytes(&bytes)
    }
}

/// Encodes `trace` into `out`.
pub fn encode(trace: &Trace, out: &mut impl std::io::Write) -> Result<()> {
    // Every function with hash ids has rows of one table (a Mooncake input has one).
    let table = Tokens::shared_hash_ids(
        trace
            .functions
            .iter()
            .map(|f| f.tokens.as_ref())
            .filter(|t| t.is_some_and(|t| t.hash_rows.is_some())),
    );
    let table = table.as_deref();
    let functions = trace
        .functions
        .iter()
        .map(|f| Func {
            name: f.name.clone(),
            trigger: f.trigger.clone(),
            data: Blob::Series(&f.series),
            input_tokens: f.tokens.as_ref().map(|t| Blob::Words(&t.input)),
            output_tokens: f.tokens.as_ref().map(|t| Blob::Words(&t.output)),
            durations: f.durations.as_deref().map(Blob::Floats),
            hash_rows: table
                .and(f.tokens.as_ref())
                .and_then(|t| t.hash_rows.as_deref())
                .map(Blob::Words),
            images: f
                .tokens
                .as_ref()
                .and_then(|t| t.images.as_deref())
                .map(Blob::Words),
        })
        .collect();
    let file = File {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        source: trace.source.clone(),
        kind: trace.kind,
        warnings: trace.warnings.clone(),
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
    rmp_serde::encode::write_named(out, &file).map_err(|e| Error::Encode(e.to_string()))
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
    let words = |b: &[u8], what: &str, name: &str| -> Result<Vec<u32>> {
        whole(b, what, name)?;
        Ok(b.chunks_exact(4).map(u32::read_le).collect())
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
    // A blob borrows from `bytes`: its place there is its address's offset.
    let offset = |b: &[u8]| (b.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
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
                None => Series::Counts(words(f.data, "counts", &f.name)?.into()),
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
                let t = Tokens::counts(
                    words(i, "input tokens", &f.name)?,
                    words(o, "output tokens", &f.name)?,
                );
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
        let per_request = |b: &Option<&Bytes>, what: &str| -> Result<Option<Vec<u32>>> {
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
    let mut t = Trace::new(&file.source, file.kind, functions, file.warnings)?;
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
            images: Some(vec![0, 4]),
            hash_rows: Some(rows),
            hash_ids: Some(Arc::new(table)),
            ..Tokens::counts(vec![10, 20], vec![1, 2])
        });
        let mut bytes = Vec::new();
        encode(&t, &mut bytes).unwrap();
        let back = decode(&bytes, "t").unwrap();
        let k = back.functions[0].tokens.as_ref().unwrap();
        assert_eq!(k.images, Some(vec![0, 4]));
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
            hash_rows: Some(vec![0, 5]),
            hash_ids: Some(Arc::new(table)),
            ..Tokens::counts(vec![10, 20], vec![1, 2])
        });
        let mut bytes = Vec::new();
        encode(&t, &mut bytes).unwrap();
        let err = decode(&bytes, "t").unwrap_err().to_string();
        assert!(err.contains("outside the file's table"), "{err}");
    }
}
