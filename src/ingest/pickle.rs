//! A safe, allocation-bounded reader for the pickles AlpaServe writes: an ordered mapping of
//! function name to numpy array (or list of floats), protocols 2 to 5, numpy 1.x and 2.x.
//!
//! Nothing is ever executed. The reader is a small stack machine that understands the binary
//! opcodes these files use and *interprets* an exact allow-list of globals
//! (`collections.OrderedDict` and a few numpy and codecs helpers, listed in docs/safety.md's
//! Safety section); any other global is an error naming it. Objects live in a flat arena addressed
//! by index, so a memo reference shares one object (as in CPython, where numpy's dtype is
//! mutated in place by a later `BUILD`), and dropping deeply nested input cannot recurse.
//!
//! Every length field is checked against the bytes actually present before anything is
//! allocated, and the total decoded output is capped at a small multiple of the input size, so
//! memo reuse cannot expand a small file into a huge result.

mod error;
mod machine;
mod numpy;
mod objects;
mod to_trace;
mod value;
pub mod write;

pub use error::PickleError;
use machine::Machine;
pub use numpy::{ArrayData, DType, NdArray};
/// One function of the trace as pickled.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A numpy array (values in C order).
    Array(NdArray),
    /// A Python list of floats (or of numpy float scalars).
    List {
        /// `true` when the elements were numpy scalars rather than Python floats.
        numpy_scalars: bool,
        /// The values.
        values: Vec<f64>,
    },
}

impl Value {
    /// `dtype.str` as pickled (`<f8`, `>i4`, …) or `pylist[float]` / `pylist[numpy.float64 scalar]`.
    pub fn dtype_str(&self) -> String {
        match self {
            Value::Array(a) => a.dtype.to_string(),
            Value::List {
                numpy_scalars: false,
                ..
            } => "pylist[float]".into(),
            Value::List {
                numpy_scalars: true,
                ..
            } => "pylist[numpy.float64 scalar]".into(),
        }
    }
}

/// The decoded mapping, in pickle (insertion) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// `(function name, value)` pairs.
    pub entries: Vec<(String, Value)>,
    /// `true` for an `OrderedDict`, `false` for a plain `dict`.
    pub ordered: bool,
    /// Things the user should know that did not stop the load.
    pub warnings: Vec<String>,
}

/// Decodes an AlpaServe trace pickle from memory.
///
/// ```
/// // protocol 2: {} (an empty plain dict)
/// let loaded = tracereplay_tui::ingest::pickle::load(b"\x80\x02}q\x00.").unwrap();
/// assert!(loaded.entries.is_empty());
/// ```
pub fn load(input: &[u8]) -> Result<Loaded, PickleError> {
    load_with(input, false)
}

/// Like [`load`], but 1-D little-endian int32 and float64 arrays stay in `input`: their values
/// come back as [`ArrayData::I32InPlace`] / [`ArrayData::F64InPlace`] byte ranges, so a
/// memory-mapped azure_v1 trace is not copied, and azure_v2's timestamps are checked as they
/// are copied rather than in a second pass.
pub fn load_in_place(input: &[u8]) -> Result<Loaded, PickleError> {
    load_with(input, true)
}

/// Checks the start of a pickle still arriving (a pipe, a compressed file): `Ok` when `prefix`
/// can be the start of a pickle we read, so that a stream that is not one is refused at its
/// first wrong byte instead of after reading it whole. Running it at every doubling of the
/// prefix costs twice the final run.
pub fn check_prefix(prefix: &[u8]) -> Result<(), PickleError> {
    let mut m = Machine::new(prefix);
    m.in_place = true;
    match m.run() {
        Ok(_)
        | Err(
            PickleError::Truncated { .. }
            | PickleError::TooLong { .. }
            | PickleError::Expansion { .. },
        ) => Ok(()),
        Err(e) => Err(e),
    }
}

fn load_with(input: &[u8], in_place: bool) -> Result<Loaded, PickleError> {
    if input.is_empty() {
        return Err(PickleError::Empty);
    }
    let mut m = Machine::new(input);
    m.in_place = in_place;
    let top = m.run()?;
    let mut warnings = Vec::new();
    if m.pos < input.len() {
        warnings.push(format!(
            "{} bytes after the pickle's STOP opcode were ignored",
            input.len() - m.pos
        ));
    }
    let mut out = m.into_loaded(top)?;
    out.warnings.splice(0..0, warnings);
    Ok(out)
}
