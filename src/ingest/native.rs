//! Our cache file: a MessagePack map (rmp-serde) whose arrays are little-endian byte blobs, so
//! loading is a bounds-checked copy rather than a parse. Written by `convert`.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::error::{Error, Result};
use crate::trace::{Function, Series, Tokens, Trace, TraceKind};

/// The `format` field's value.
pub const FORMAT_NAME: &str = "tracereplay-trace";
/// The layout version.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    source: String,
    kind: TraceKind,
    warnings: Vec<String>,
    functions: Vec<Func>,
}

#[derive(Serialize, Deserialize)]
struct Func {
    name: String,
    trigger: Option<String>,
    /// v1: u32 counts; v2: f64 times (little-endian).
    data: ByteBuf,
    input_tokens: Option<ByteBuf>,
    output_tokens: Option<ByteBuf>,
}

/// `true` when `head` starts like a file we wrote.
pub fn is_native(head: &[u8]) -> bool {
    let map = head.first().is_some_and(|&b| (0x80..=0x8f).contains(&b));
    map && head.get(1..8) == Some(&b"\xa6format"[..])
        && head.get(9..26) == Some(FORMAT_NAME.as_bytes())
}

fn u32s(v: &[u32]) -> ByteBuf {
    ByteBuf::from(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
}

/// Encodes `trace` into `out`.
pub fn encode(trace: &Trace, out: &mut impl std::io::Write) -> Result<()> {
    let functions = trace
        .functions
        .iter()
        .map(|f| Func {
            name: f.name.clone(),
            trigger: f.trigger.clone(),
            data: match &f.series {
                Series::Counts(c) => u32s(&c.to_vec()),
                Series::Times(t) => {
                    ByteBuf::from(t.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
                }
            },
            input_tokens: f.tokens.as_ref().map(|t| u32s(&t.input)),
            output_tokens: f.tokens.as_ref().map(|t| u32s(&t.output)),
        })
        .collect();
    let file = File {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        source: trace.source.clone(),
        kind: trace.kind,
        warnings: trace.warnings.clone(),
        functions,
    };
    rmp_serde::encode::write_named(out, &file).map_err(|e| Error::Encode(e.to_string()))
}

/// Decodes a file written by [`encode`].
pub fn decode(bytes: &[u8], source: &str) -> Result<Trace> {
    let bad = |why: String| {
        Error::Format(format!(
            "{source}: not a valid tracereplay trace file: {why}"
        ))
    };
    let file: File = rmp_serde::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT_NAME || file.version != FORMAT_VERSION {
        return Err(bad(format!(
            "format {:?} version {}; this tool reads {FORMAT_NAME} version {FORMAT_VERSION} \
             (convert the original input again)",
            file.format, file.version
        )));
    }
    let words = |b: &[u8], what: &str, name: &str| -> Result<Vec<u32>> {
        if !b.len().is_multiple_of(4) {
            return Err(bad(format!(
                "function {name:?}: {what} is {} bytes, not whole u32s",
                b.len()
            )));
        }
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let mut functions = Vec::with_capacity(file.functions.len());
    for f in file.functions {
        let series = match file.kind {
            TraceKind::V1 => Series::Counts(words(&f.data, "counts", &f.name)?.into()),
            TraceKind::V2 => {
                if !f.data.len().is_multiple_of(8) {
                    return Err(bad(format!(
                        "function {:?}: times are not whole f64s",
                        f.name
                    )));
                }
                let t: Vec<f64> = f
                    .data
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect();
                if !t.iter().all(|x| x.is_finite()) || !t.is_sorted() {
                    return Err(bad(format!(
                        "function {:?}: times are not finite and sorted",
                        f.name
                    )));
                }
                Series::Times(t)
            }
        };
        let tokens = match (&f.input_tokens, &f.output_tokens) {
            (Some(i), Some(o)) => {
                let t = Tokens {
                    input: words(i, "input tokens", &f.name)?,
                    output: words(o, "output tokens", &f.name)?,
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
        functions.push(Function {
            name: f.name,
            series,
            trigger: f.trigger,
            tokens,
        });
    }
    Trace::new(&file.source, file.kind, functions, file.warnings)
}
