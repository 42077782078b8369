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

mod numpy;

use std::collections::HashMap;
use std::ops::Range;

pub use numpy::{ArrayData, DType, NdArray};

/// Why a pickle could not be read. `offset` is the byte position of the offending opcode.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    /// Zero bytes.
    #[error("the file is empty (0 bytes): expected an AlpaServe trace pickle")]
    Empty,
    /// The data ends before the pickle does.
    #[error(
        "the pickle is truncated: it ends at byte {offset} while reading {what}; \
         the file is incomplete (copy or download it again)"
    )]
    Truncated {
        /// Where the data ran out.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// A length field claims more bytes than the file has.
    #[error(
        "byte {offset}: {what} claims {claimed} bytes but only {available} remain; \
         the file is truncated or corrupt (nothing was allocated)"
    )]
    TooLong {
        /// Opcode position.
        offset: usize,
        /// What the length is for.
        what: &'static str,
        /// The claimed length.
        claimed: u64,
        /// Bytes left in the file.
        available: usize,
    },
    /// A byte that is not a pickle opcode.
    #[error(
        "byte {offset}: 0x{byte:02x} is not a pickle opcode; this is not a pickle file, or it is corrupt"
    )]
    InvalidOpcode {
        /// Position.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A real pickle opcode that trace files never use.
    #[error("byte {offset}: pickle opcode {name} is not used by trace files and is not supported")]
    UnsupportedOpcode {
        /// Position.
        offset: usize,
        /// Opcode name as `pickletools` spells it.
        name: &'static str,
    },
    /// A global outside the allow-list.
    #[error(
        "refusing to load: byte {offset} asks for the Python global `{module}.{name}`, which trace \
         files never use and which could run code when loaded by Python; nothing was executed"
    )]
    ForbiddenGlobal {
        /// Position.
        offset: usize,
        /// Module part.
        module: String,
        /// Name part.
        name: String,
    },
    /// The opcodes are individually valid but do not make sense together.
    #[error("byte {offset}: malformed pickle: {msg}")]
    Malformed {
        /// Position.
        offset: usize,
        /// What is wrong.
        msg: String,
    },
    /// The pickle decodes, but not to a trace.
    #[error("not an AlpaServe trace: {0}")]
    NotATrace(String),
    /// Memo references would expand the data far beyond the file size.
    #[error(
        "the pickle expands to more than {limit} bytes of arrays from a {input}-byte file \
         (an object is referenced over and over); refusing to decode it"
    )]
    Expansion {
        /// Decoded-bytes cap.
        limit: usize,
        /// File size.
        input: usize,
    },
}

type Id = usize;

/// The only globals a trace pickle may name. Matched on exact (module, name) pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    OrderedDict,
    Reconstruct,
    NdArrayClass,
    DTypeClass,
    FromBuffer,
    CodecsEncode,
    BuiltinBytes,
    Scalar,
}

impl Global {
    fn lookup(module: &str, name: &str) -> Option<Global> {
        Some(match (module, name) {
            ("collections", "OrderedDict") => Global::OrderedDict,
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => {
                Global::Reconstruct
            }
            ("numpy", "ndarray") => Global::NdArrayClass,
            ("numpy", "dtype") => Global::DTypeClass,
            ("numpy.core.numeric" | "numpy._core.numeric", "_frombuffer") => Global::FromBuffer,
            ("_codecs", "encode") => Global::CodecsEncode,
            ("__builtin__" | "builtins", "bytes") => Global::BuiltinBytes,
            ("numpy.core.multiarray" | "numpy._core.multiarray", "scalar") => Global::Scalar,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
enum Bytes {
    /// A range of the input: large array payloads are never copied while parsing.
    Input(Range<usize>),
    Owned(Vec<u8>),
}

#[derive(Debug, Clone)]
struct ArrayState {
    shape: Vec<usize>,
    dtype: DType,
    fortran: bool,
    data: Id,
}

#[derive(Debug, Clone)]
enum Obj {
    None,
    Bool(bool),
    Int(i64),
    /// An integer too large for i64 (never valid where a trace needs a number).
    BigInt,
    Float(f64),
    Str(String),
    Bytes(Bytes),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Global(Global),
    DType(DType),
    /// An ndarray made by `_reconstruct`, filled in by its `BUILD`.
    Array(Option<ArrayState>),
    Scalar(f64),
}

impl Obj {
    fn type_name(&self) -> &'static str {
        match self {
            Obj::None => "None",
            Obj::Bool(_) => "bool",
            Obj::Int(_) | Obj::BigInt => "int",
            Obj::Float(_) => "float",
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::Tuple(_) => "tuple",
            Obj::List(_) => "list",
            Obj::Dict(_) => "dict",
            Obj::Global(_) => "global",
            Obj::DType(_) => "numpy dtype",
            Obj::Array(_) => "numpy array",
            Obj::Scalar(_) => "numpy scalar",
        }
    }
}

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
/// let loaded = tracereplay_tui::trace::pickle::load(b"\x80\x02}q\x00.").unwrap();
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

/// The pickle memo. Python's pickler numbers memo slots 0, 1, 2, … in order, so slots are kept
/// in a vector; a slot out of that order (hand-made pickles) goes to a map. Hashing every slot
/// was a fifth of loading a 10,000-function v1 trace.
#[derive(Default)]
struct Memo {
    dense: Vec<Id>,
    sparse: HashMap<u32, Id>,
}

impl Memo {
    fn len(&self) -> usize {
        self.dense.len() + self.sparse.len()
    }

    fn get(&self, key: u32) -> Option<Id> {
        // A slot below `dense.len()` lives in `dense`: `dense` only grows by a write to its
        // next slot (which leaves `sparse`), and later writes below its length go there too.
        match self.dense.get(key as usize) {
            Some(&id) => Some(id),
            None => self.sparse.get(&key).copied(),
        }
    }

    fn put(&mut self, key: u32, id: Id) {
        let k = key as usize;
        if k < self.dense.len() {
            self.dense[k] = id;
        } else if k == self.dense.len() {
            self.dense.push(id);
            // Keeps `len` the number of distinct slots, which MEMOIZE numbers by.
            if !self.sparse.is_empty() {
                self.sparse.remove(&key);
            }
        } else {
            self.sparse.insert(key, id);
        }
    }
}

/// Makes the in-place data of an array from its byte range.
type InPlace = fn(Range<usize>) -> ArrayData;

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    /// Position of the opcode being executed, for messages.
    op_at: usize,
    objs: Vec<Obj>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: Memo,
    /// Bytes of array/list output we may still produce.
    budget: usize,
    /// Set by `REDUCE` on the `OrderedDict` global, to tell the two containers apart.
    ordered_dicts: Vec<Id>,
    /// Leave 1-D little-endian int32 arrays in the input.
    in_place: bool,
}

impl<'a> Machine<'a> {
    fn new(input: &'a [u8]) -> Self {
        Machine {
            input,
            pos: 0,
            op_at: 0,
            objs: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            budget: input.len().saturating_mul(8).saturating_add(1 << 20),
            ordered_dicts: Vec::new(),
            in_place: false,
        }
    }

    fn malformed(&self, msg: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            offset: self.op_at,
            msg: msg.into(),
        }
    }

    fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], PickleError> {
        let available = self.input.len() - self.pos;
        if n > available as u64 {
            // A short fixed-size field is plain truncation; a length claim past the end is a lie.
            return Err(if n <= 8 {
                PickleError::Truncated {
                    offset: self.input.len(),
                    what,
                }
            } else {
                PickleError::TooLong {
                    offset: self.op_at,
                    what,
                    claimed: n,
                    available,
                }
            });
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.input[start..self.pos])
    }

    fn take_range(&mut self, n: u64, what: &'static str) -> Result<Range<usize>, PickleError> {
        let start = self.pos;
        self.take(n, what)?;
        Ok(start..self.pos)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, PickleError> {
        Ok(self.take(1, what)?[0])
    }

    fn le<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], PickleError> {
        let mut b = [0u8; N];
        b.copy_from_slice(self.take(N as u64, what)?);
        Ok(b)
    }

    fn line(&mut self, what: &'static str) -> Result<&'a str, PickleError> {
        let rest = &self.input[self.pos..];
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(PickleError::Truncated {
                offset: self.input.len(),
                what,
            });
        };
        let text =
            std::str::from_utf8(&rest[..n]).map_err(|_| self.malformed("non-UTF-8 text line"))?;
        self.pos += n + 1;
        Ok(text)
    }

    fn push(&mut self, obj: Obj) -> Id {
        self.objs.push(obj);
        let id = self.objs.len() - 1;
        self.stack.push(id);
        id
    }

    fn pop(&mut self) -> Result<Id, PickleError> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(self.malformed("an opcode needs a value but finds a MARK"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.malformed("stack underflow"))
    }

    fn top(&self) -> Result<Id, PickleError> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| self.malformed("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.malformed("no MARK to pop to"))?;
        Ok(self.stack.split_off(mark))
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Id>, PickleError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() < floor + n {
            return Err(self.malformed("stack underflow"));
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    fn push_str(&mut self, bytes: &[u8]) -> Result<(), PickleError> {
        let s =
            std::str::from_utf8(bytes).map_err(|_| self.malformed("string is not valid UTF-8"))?;
        self.push(Obj::Str(s.to_owned()));
        Ok(())
    }

    fn memo_get(&mut self, key: u32) -> Result<(), PickleError> {
        let id = self.memo.get(key).ok_or_else(|| {
            self.malformed(format!("memo slot {key} is read before it is written"))
        })?;
        self.stack.push(id);
        Ok(())
    }

    fn memo_put(&mut self, key: u32) -> Result<(), PickleError> {
        let id = self.top()?;
        self.memo.put(key, id);
        Ok(())
    }

    fn global(&mut self, module: &str, name: &str) -> Result<(), PickleError> {
        let g = Global::lookup(module, name).ok_or_else(|| PickleError::ForbiddenGlobal {
            offset: self.op_at,
            module: module.to_owned(),
            name: name.to_owned(),
        })?;
        self.push(Obj::Global(g));
        Ok(())
    }

    /// Runs to `STOP` and returns the top object.
    fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            self.op_at = self.pos;
            let op = self.u8("an opcode (no STOP)")?;
            match op {
                0x80 => {
                    let proto = self.u8("PROTO")?;
                    if proto > 5 {
                        return Err(self.malformed(format!(
                            "pickle protocol {proto} is newer than any Python writes (max 5)"
                        )));
                    }
                }
                0x95 => {
                    // FRAME is a hint: its length is never used to allocate, but a frame
                    // longer than the rest of the file means the file is cut or lying.
                    let n = u64::from_le_bytes(self.le("FRAME")?);
                    let available = self.input.len() - self.pos;
                    if n > available as u64 {
                        return Err(PickleError::TooLong {
                            offset: self.op_at,
                            what: "a FRAME",
                            claimed: n,
                            available,
                        });
                    }
                }
                b'.' => {
                    let id = self.pop()?;
                    return Ok(id);
                }
                b'(' => self.marks.push(self.stack.len()),
                b'N' => {
                    self.push(Obj::None);
                }
                0x88 => {
                    self.push(Obj::Bool(true));
                }
                0x89 => {
                    self.push(Obj::Bool(false));
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.le("BININT")?);
                    self.push(Obj::Int(v.into()));
                }
                b'K' => {
                    let v = self.u8("BININT1")?;
                    self.push(Obj::Int(v.into()));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.le("BININT2")?);
                    self.push(Obj::Int(v.into()));
                }
                0x8a => {
                    let n = self.u8("LONG1")?;
                    let bytes = self.take(n.into(), "LONG1")?;
                    self.push(long_from_le(bytes));
                }
                0x8b => {
                    let n = u32::from_le_bytes(self.le("LONG4")?);
                    let bytes = self.take(n.into(), "LONG4")?;
                    self.push(long_from_le(bytes));
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.le("BINFLOAT")?);
                    self.push(Obj::Float(v));
                }
                b'X' => {
                    let n = u32::from_le_bytes(self.le("BINUNICODE")?);
                    let b = self.take(n.into(), "BINUNICODE")?;
                    self.push_str(b)?;
                }
                0x8c => {
                    let n = self.u8("SHORT_BINUNICODE")?;
                    let b = self.take(n.into(), "SHORT_BINUNICODE")?;
                    self.push_str(b)?;
                }
                0x8d => {
                    let n = u64::from_le_bytes(self.le("BINUNICODE8")?);
                    let b = self.take(n, "BINUNICODE8")?;
                    self.push_str(b)?;
                }
                b'B' | b'T' => {
                    let n = u32::from_le_bytes(self.le("BINBYTES")?);
                    let r = self.take_range(n.into(), "BINBYTES")?;
                    self.push(Obj::Bytes(Bytes::Input(r)));
                }
                b'C' | b'U' => {
                    let n = self.u8("SHORT_BINBYTES")?;
                    let r = self.take_range(n.into(), "SHORT_BINBYTES")?;
                    self.push(Obj::Bytes(Bytes::Input(r)));
                }
                0x8e | 0x96 => {
                    let what = if op == 0x8e {
                        "BINBYTES8"
                    } else {
                        "BYTEARRAY8"
                    };
                    let n = u64::from_le_bytes(self.le(what)?);
                    let r = self.take_range(n, what)?;
                    self.push(Obj::Bytes(Bytes::Input(r)));
                }
                b')' => {
                    self.push(Obj::Tuple(Vec::new()));
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Obj::Tuple(items));
                }
                0x85..=0x87 => {
                    let items = self.pop_n(usize::from(op - 0x84))?;
                    self.push(Obj::Tuple(items));
                }
                b']' => {
                    self.push(Obj::List(Vec::new()));
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Obj::List(items));
                }
                b'a' => {
                    let v = self.pop()?;
                    self.extend_list(std::iter::once(v))?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.extend_list(items)?;
                }
                b'}' => {
                    self.push(Obj::Dict(Vec::new()));
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.push(Obj::Dict(pairs));
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.extend_dict(std::iter::once((key, value)))?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let pairs = self.pairs(items)?;
                    self.extend_dict(pairs)?;
                }
                b'q' => {
                    let k = self.u8("BINPUT")?;
                    self.memo_put(k.into())?;
                }
                b'r' => {
                    let k = u32::from_le_bytes(self.le("LONG_BINPUT")?);
                    self.memo_put(k)?;
                }
                0x94 => {
                    let k = u32::try_from(self.memo.len())
                        .map_err(|_| self.malformed("memo overflow"))?;
                    self.memo_put(k)?;
                }
                b'h' => {
                    let k = self.u8("BINGET")?;
                    self.memo_get(k.into())?;
                }
                b'j' => {
                    let k = u32::from_le_bytes(self.le("LONG_BINGET")?);
                    self.memo_get(k)?;
                }
                b'0' => {
                    if self.marks.last().is_some_and(|&m| m == self.stack.len()) {
                        self.marks.pop();
                    } else {
                        self.pop()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let id = self.top()?;
                    self.stack.push(id);
                }
                b'c' => {
                    let module = self.line("GLOBAL module")?;
                    let name = self.line("GLOBAL name")?;
                    self.global(module, name)?;
                }
                0x93 => {
                    let [m, n] = self.pop_n(2)?[..] else {
                        return Err(self.malformed("STACK_GLOBAL needs two strings"));
                    };
                    let (Obj::Str(module), Obj::Str(name)) = (&self.objs[m], &self.objs[n]) else {
                        return Err(self.malformed("STACK_GLOBAL needs two strings"));
                    };
                    let (module, name) = (module.clone(), name.clone());
                    self.global(&module, &name)?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let ordered = matches!(self.objs[callable], Obj::Global(Global::OrderedDict));
                    let obj = self.reduce(callable, args)?;
                    let id = self.push(obj);
                    if ordered {
                        self.ordered_dicts.push(id);
                    }
                }
                b'b' => {
                    let state = self.pop()?;
                    let target = self.top()?;
                    self.build(target, state)?;
                }
                _ => {
                    return Err(match opcode_name(op) {
                        Some(name) => PickleError::UnsupportedOpcode {
                            offset: self.op_at,
                            name,
                        },
                        None => PickleError::InvalidOpcode {
                            offset: self.op_at,
                            byte: op,
                        },
                    });
                }
            }
        }
    }

    fn extend_list(&mut self, items: impl IntoIterator<Item = Id>) -> Result<(), PickleError> {
        let target = self.top()?;
        match &mut self.objs[target] {
            Obj::List(list) => {
                list.extend(items);
                Ok(())
            }
            other => {
                let t = other.type_name();
                Err(self.malformed(format!("APPEND(S) on a {t}, not a list")))
            }
        }
    }

    fn pairs(&self, items: Vec<Id>) -> Result<Vec<(Id, Id)>, PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.malformed("odd number of items for a dict"));
        }
        Ok(items.chunks_exact(2).map(|kv| (kv[0], kv[1])).collect())
    }

    fn extend_dict(
        &mut self,
        pairs: impl IntoIterator<Item = (Id, Id)>,
    ) -> Result<(), PickleError> {
        let target = self.top()?;
        match &mut self.objs[target] {
            Obj::Dict(d) => {
                d.extend(pairs);
                Ok(())
            }
            other => {
                let t = other.type_name();
                Err(self.malformed(format!("SETITEM(S) on a {t}, not a dict")))
            }
        }
    }

    fn tuple(&self, id: Id, what: &str) -> Result<&[Id], PickleError> {
        match &self.objs[id] {
            Obj::Tuple(items) => Ok(items),
            other => Err(self.malformed(format!(
                "{what}: expected a tuple, got a {}",
                other.type_name()
            ))),
        }
    }

    fn str_of(&self, id: Id, what: &str) -> Result<&str, PickleError> {
        match &self.objs[id] {
            Obj::Str(s) => Ok(s),
            other => Err(self.malformed(format!(
                "{what}: expected a str, got a {}",
                other.type_name()
            ))),
        }
    }

    fn bytes_of(&self, id: Id) -> Option<&[u8]> {
        match &self.objs[id] {
            Obj::Bytes(Bytes::Input(r)) => Some(&self.input[r.clone()]),
            Obj::Bytes(Bytes::Owned(v)) => Some(v),
            _ => None,
        }
    }

    fn dtype_of(&self, id: Id, what: &str) -> Result<DType, PickleError> {
        match &self.objs[id] {
            Obj::DType(d) => Ok(*d),
            other => Err(self.malformed(format!(
                "{what}: expected a numpy dtype, got a {}",
                other.type_name()
            ))),
        }
    }

    fn shape_of(&self, id: Id) -> Result<Vec<usize>, PickleError> {
        let dims = self.tuple(id, "array shape")?;
        dims.iter()
            .map(|&d| match self.objs[d] {
                Obj::Int(v) => usize::try_from(v)
                    .map_err(|_| self.malformed(format!("negative array dimension {v}"))),
                Obj::BigInt => Err(self.malformed("array dimension larger than 2^63")),
                ref other => {
                    Err(self.malformed(format!("array dimension is a {}", other.type_name())))
                }
            })
            .collect()
    }

    fn reduce(&mut self, callable: Id, args: Id) -> Result<Obj, PickleError> {
        let Obj::Global(g) = self.objs[callable] else {
            return Err(self.malformed(format!(
                "REDUCE calls a {}",
                self.objs[callable].type_name()
            )));
        };
        let args = self.tuple(args, "REDUCE arguments")?.to_vec();
        match g {
            Global::OrderedDict if args.is_empty() => Ok(Obj::Dict(Vec::new())),
            Global::OrderedDict => Err(self.malformed("OrderedDict called with arguments")),
            Global::Reconstruct => {
                let is_ndarray = args
                    .first()
                    .is_some_and(|&c| matches!(self.objs[c], Obj::Global(Global::NdArrayClass)));
                if !is_ndarray || args.len() != 3 {
                    return Err(self.malformed(
                        "numpy _reconstruct is asked to build something other than numpy.ndarray",
                    ));
                }
                Ok(Obj::Array(None))
            }
            Global::DTypeClass => {
                let code = args
                    .first()
                    .ok_or_else(|| self.malformed("dtype() without a type code"))?;
                let code = self.str_of(*code, "dtype type code")?;
                DType::from_code(code)
                    .map(Obj::DType)
                    .map_err(|msg| self.malformed(msg))
            }
            Global::CodecsEncode => {
                let [text, encoding] = args[..] else {
                    return Err(self.malformed("_codecs.encode expects (text, encoding)"));
                };
                let encoding = self.str_of(encoding, "_codecs.encode encoding")?;
                if encoding != "latin1" && encoding != "latin-1" {
                    return Err(
                        self.malformed(format!("_codecs.encode with encoding {encoding:?}"))
                    );
                }
                let text = self.str_of(text, "_codecs.encode text")?;
                let bytes = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| self.malformed("latin-1 text has a character above U+00FF"))?;
                Ok(Obj::Bytes(Bytes::Owned(bytes)))
            }
            Global::BuiltinBytes if args.is_empty() => Ok(Obj::Bytes(Bytes::Owned(Vec::new()))),
            Global::BuiltinBytes => Err(self.malformed("bytes() called with arguments")),
            Global::FromBuffer => {
                let [buf, dtype, shape, order] = args[..] else {
                    return Err(self.malformed("_frombuffer expects (buffer, dtype, shape, order)"));
                };
                let fortran = match self.str_of(order, "_frombuffer order")? {
                    "C" => false,
                    "F" => true,
                    o => return Err(self.malformed(format!("_frombuffer order {o:?}"))),
                };
                if self.bytes_of(buf).is_none() {
                    return Err(self.malformed("_frombuffer buffer is not bytes"));
                }
                Ok(Obj::Array(Some(ArrayState {
                    shape: self.shape_of(shape)?,
                    dtype: self.dtype_of(dtype, "_frombuffer dtype")?,
                    fortran,
                    data: buf,
                })))
            }
            Global::Scalar => {
                let [dtype, data] = args[..] else {
                    return Err(self.malformed("numpy scalar expects (dtype, bytes)"));
                };
                let dtype = self.dtype_of(dtype, "numpy scalar dtype")?;
                let bytes = self
                    .bytes_of(data)
                    .ok_or_else(|| self.malformed("numpy scalar data is not bytes"))?;
                dtype.scalar_f64(bytes).map(Obj::Scalar).ok_or_else(|| {
                    self.malformed(format!("numpy scalar of dtype {dtype} is not a float"))
                })
            }
            Global::NdArrayClass => Err(self.malformed("numpy.ndarray called directly")),
        }
    }

    fn build(&mut self, target: Id, state: Id) -> Result<(), PickleError> {
        match self.objs[target] {
            Obj::DType(mut dtype) => {
                let items = self.tuple(state, "dtype state")?;
                let order = items
                    .get(1)
                    .ok_or_else(|| self.malformed("dtype state without a byte order"))?;
                let order = self.str_of(*order, "dtype byte order")?;
                dtype
                    .set_byte_order(order)
                    .map_err(|msg| self.malformed(msg))?;
                // Mutate in place: every memo reference to this dtype sees the byte order.
                self.objs[target] = Obj::DType(dtype);
                Ok(())
            }
            Obj::Array(None) => {
                let items = self.tuple(state, "ndarray state")?;
                let [_version, shape, dtype, fortran, data] = items[..] else {
                    return Err(self.malformed(format!(
                        "ndarray state has {} items, expected 5",
                        items.len()
                    )));
                };
                let fortran = match self.objs[fortran] {
                    Obj::Bool(b) => b,
                    Obj::Int(i) => i != 0,
                    _ => return Err(self.malformed("ndarray is_fortran flag is not a bool")),
                };
                let state = ArrayState {
                    shape: self.shape_of(shape)?,
                    dtype: self.dtype_of(dtype, "ndarray dtype")?,
                    fortran,
                    data,
                };
                self.objs[target] = Obj::Array(Some(state));
                Ok(())
            }
            ref other => Err(self.malformed(format!("BUILD on a {}", other.type_name()))),
        }
    }

    fn into_loaded(mut self, top: Id) -> Result<Loaded, PickleError> {
        if !matches!(self.objs[top], Obj::Dict(_)) {
            return Err(PickleError::NotATrace(format!(
                "the top-level object is a {}, expected a mapping of function name to array",
                self.objs[top].type_name()
            )));
        }
        let Obj::Dict(pairs) = std::mem::replace(&mut self.objs[top], Obj::None) else {
            return Err(PickleError::NotATrace(
                "the top-level object is not a mapping".into(),
            ));
        };
        let ordered = self.ordered_dicts.contains(&top);
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(pairs.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(pairs.len());
        let mut warnings = Vec::new();
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            let name = match &self.objs[k] {
                Obj::Str(s) => s.clone(),
                Obj::Int(n) => {
                    return Err(PickleError::NotATrace(format!(
                        "key #{i} is the int {n}, expected a function name (str)"
                    )));
                }
                other => {
                    return Err(PickleError::NotATrace(format!(
                        "key #{i} is a {}, expected a function name (str)",
                        other.type_name()
                    )));
                }
            };
            let value = self.value(&name, v)?;
            // Python keeps the first position and the last value of a repeated key.
            if let Some(&at) = index.get(&name) {
                warnings.push(format!(
                    "function {name:?} appears twice; the last value is kept"
                ));
                entries[at].1 = value;
            } else {
                index.insert(name.clone(), entries.len());
                entries.push((name, value));
            }
        }
        Ok(Loaded {
            entries,
            ordered,
            warnings,
        })
    }

    fn charge(&mut self, bytes: usize) -> Result<(), PickleError> {
        self.budget = self
            .budget
            .checked_sub(bytes)
            .ok_or(PickleError::Expansion {
                limit: self.input.len().saturating_mul(8).saturating_add(1 << 20),
                input: self.input.len(),
            })?;
        Ok(())
    }

    fn value(&mut self, name: &str, id: Id) -> Result<Value, PickleError> {
        let not_trace = |what: String| PickleError::NotATrace(format!("function {name:?}: {what}"));
        match &self.objs[id] {
            Obj::Array(Some(state)) => {
                let state = state.clone();
                // 1-D little-endian int32 / float64 stay in the input (load_in_place).
                let in_place: Option<(usize, InPlace)> = if state.dtype.is_i32_le() {
                    Some((4, ArrayData::I32InPlace))
                } else if state.dtype.is_f64_le() {
                    Some((8, ArrayData::F64InPlace))
                } else {
                    None
                };
                if let Obj::Bytes(Bytes::Input(r)) = &self.objs[state.data]
                    && self.in_place
                    && let Some((width, make)) = in_place
                    && state.shape.len() == 1
                    && state.shape[0].checked_mul(width) == Some(r.len())
                {
                    return Ok(Value::Array(NdArray {
                        dtype: state.dtype,
                        shape: state.shape,
                        fortran: state.fortran,
                        data: make(r.clone()),
                    }));
                }
                let data = match &self.objs[state.data] {
                    Obj::Bytes(_) => self.bytes_of(state.data).unwrap_or_default(),
                    Obj::List(_) => {
                        return Err(not_trace(format!(
                            "an object-dtype array (dtype {}); a trace needs numbers",
                            state.dtype
                        )));
                    }
                    other => {
                        return Err(not_trace(format!("array data is a {}", other.type_name())));
                    }
                };
                let array = NdArray::decode(state.dtype, state.shape, state.fortran, data)
                    .map_err(not_trace)?;
                self.charge(array.data.byte_len())?;
                Ok(Value::Array(array))
            }
            Obj::Array(None) => Err(not_trace(
                "a numpy array without its state (no BUILD)".into(),
            )),
            Obj::List(items) => {
                let items = items.clone();
                self.charge(items.len().saturating_mul(8))?;
                let mut values = Vec::with_capacity(items.len());
                let mut scalars = 0usize;
                for (i, &item) in items.iter().enumerate() {
                    values.push(match self.objs[item] {
                        Obj::Float(v) => v,
                        Obj::Int(v) => v as f64,
                        Obj::Scalar(v) => {
                            scalars += 1;
                            v
                        }
                        ref other => {
                            return Err(not_trace(format!(
                                "list element #{i} is a {}, expected a number",
                                other.type_name()
                            )));
                        }
                    });
                }
                Ok(Value::List {
                    numpy_scalars: scalars > 0 && scalars == values.len(),
                    values,
                })
            }
            other => Err(not_trace(format!(
                "the value is a {}, expected a numpy array or a list of floats",
                other.type_name()
            ))),
        }
    }
}

fn long_from_le(bytes: &[u8]) -> Obj {
    if bytes.is_empty() {
        return Obj::Int(0);
    }
    if bytes.len() > 8 {
        // Accept only redundant sign-extension bytes beyond 8.
        let sign = if bytes[7] & 0x80 != 0 { 0xff } else { 0 };
        if bytes[8..].iter().any(|&b| b != sign) {
            return Obj::BigInt;
        }
        return long_from_le(&bytes[..8]);
    }
    let fill = if bytes[bytes.len() - 1] & 0x80 != 0 {
        0xff
    } else {
        0
    };
    let mut b = [fill; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    Obj::Int(i64::from_le_bytes(b))
}

/// Names of real pickle opcodes we deliberately do not implement.
fn opcode_name(op: u8) -> Option<&'static str> {
    Some(match op {
        b'I' => "INT",
        b'L' => "LONG",
        b'F' => "FLOAT",
        b'S' => "STRING",
        b'V' => "UNICODE",
        b'p' => "PUT",
        b'g' => "GET",
        b'i' => "INST",
        b'o' => "OBJ",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        0x81 => "NEWOBJ",
        0x92 => "NEWOBJ_EX",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => return None,
    })
}
