//! The objects a trace pickle may build, and the allow-listed globals that build them: nothing is
//! executed, each global is interpreted here.

use std::collections::HashMap;
use std::ops::Range;

use super::machine::Machine;
use super::{DType, PickleError};

pub(super) type Id = usize;

/// The only globals a trace pickle may name. Matched on exact (module, name) pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Global {
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
    pub(super) fn lookup(module: &str, name: &str) -> Option<Global> {
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
pub(super) enum Bytes {
    /// A range of the input: large array payloads are never copied while parsing.
    Input(Range<usize>),
    Owned(Vec<u8>),
}

#[derive(Debug, Clone)]
pub(super) struct ArrayState {
    pub(super) shape: Vec<usize>,
    pub(super) dtype: DType,
    pub(super) fortran: bool,
    pub(super) data: Id,
}

#[derive(Debug, Clone)]
pub(super) enum Obj {
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
    pub(super) fn type_name(&self) -> &'static str {
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

/// The pickle memo. Python's pickler numbers memo slots 0, 1, 2, … in order, so slots are kept
/// in a vector; a slot out of that order (hand-made pickles) goes to a map. Hashing every slot
/// was a fifth of loading a 10,000-function v1 trace.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) dense: Vec<Id>,
    pub(super) sparse: HashMap<u32, Id>,
}

impl Memo {
    pub(super) fn len(&self) -> usize {
        self.dense.len() + self.sparse.len()
    }

    pub(super) fn get(&self, key: u32) -> Option<Id> {
        // A slot below `dense.len()` lives in `dense`: `dense` only grows by a write to its
        // next slot (which leaves `sparse`), and later writes below its length go there too.
        match self.dense.get(key as usize) {
            Some(&id) => Some(id),
            None => self.sparse.get(&key).copied(),
        }
    }

    pub(super) fn put(&mut self, key: u32, id: Id) {
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

impl Machine<'_> {
    pub(super) fn extend_list(
        &mut self,
        items: impl IntoIterator<Item = Id>,
    ) -> Result<(), PickleError> {
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

    pub(super) fn pairs(&self, items: Vec<Id>) -> Result<Vec<(Id, Id)>, PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.malformed("odd number of items for a dict"));
        }
        Ok(items.chunks_exact(2).map(|kv| (kv[0], kv[1])).collect())
    }

    pub(super) fn extend_dict(
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

    pub(super) fn tuple(&self, id: Id, what: &str) -> Result<&[Id], PickleError> {
        match &self.objs[id] {
            Obj::Tuple(items) => Ok(items),
            other => Err(self.malformed(format!(
                "{what}: expected a tuple, got a {}",
                other.type_name()
            ))),
        }
    }

    pub(super) fn str_of(&self, id: Id, what: &str) -> Result<&str, PickleError> {
        match &self.objs[id] {
            Obj::Str(s) => Ok(s),
            other => Err(self.malformed(format!(
                "{what}: expected a str, got a {}",
                other.type_name()
            ))),
        }
    }

    pub(super) fn bytes_of(&self, id: Id) -> Option<&[u8]> {
        match &self.objs[id] {
            Obj::Bytes(Bytes::Input(r)) => Some(&self.input[r.clone()]),
            Obj::Bytes(Bytes::Owned(v)) => Some(v),
            _ => None,
        }
    }

    pub(super) fn dtype_of(&self, id: Id, what: &str) -> Result<DType, PickleError> {
        match &self.objs[id] {
            Obj::DType(d) => Ok(*d),
            other => Err(self.malformed(format!(
                "{what}: expected a numpy dtype, got a {}",
                other.type_name()
            ))),
        }
    }

    pub(super) fn shape_of(&self, id: Id) -> Result<Vec<usize>, PickleError> {
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

    pub(super) fn reduce(&mut self, callable: Id, args: Id) -> Result<Obj, PickleError> {
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

    pub(super) fn build(&mut self, target: Id, state: Id) -> Result<(), PickleError> {
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
}

pub(super) fn long_from_le(bytes: &[u8]) -> Obj {
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
