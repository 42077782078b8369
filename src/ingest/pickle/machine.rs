//! The stack machine: reading opcodes and their arguments from the input, within its bounds.

use std::ops::Range;

use super::objects::{Bytes, Global, Id, Memo, Obj, long_from_le};
use super::{ArrayData, PickleError};

/// Makes the in-place data of an array from its byte range.
pub(super) type InPlace = fn(Range<usize>) -> ArrayData;

pub(super) struct Machine<'a> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    /// Position of the opcode being executed, for messages.
    pub(super) op_at: usize,
    pub(super) objs: Vec<Obj>,
    pub(super) stack: Vec<Id>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: Memo,
    /// Bytes of array/list output we may still produce.
    pub(super) budget: usize,
    /// Set by `REDUCE` on the `OrderedDict` global, to tell the two containers apart.
    pub(super) ordered_dicts: Vec<Id>,
    /// Leave 1-D little-endian int32 arrays in the input.
    pub(super) in_place: bool,
}

impl<'a> Machine<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
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

    pub(super) fn malformed(&self, msg: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            offset: self.op_at,
            msg: msg.into(),
        }
    }

    pub(super) fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], PickleError> {
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

    pub(super) fn take_range(
        &mut self,
        n: u64,
        what: &'static str,
    ) -> Result<Range<usize>, PickleError> {
        let start = self.pos;
        self.take(n, what)?;
        Ok(start..self.pos)
    }

    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, PickleError> {
        Ok(self.take(1, what)?[0])
    }

    pub(super) fn le<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], PickleError> {
        let mut b = [0u8; N];
        b.copy_from_slice(self.take(N as u64, what)?);
        Ok(b)
    }

    pub(super) fn line(&mut self, what: &'static str) -> Result<&'a str, PickleError> {
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

    pub(super) fn push(&mut self, obj: Obj) -> Id {
        self.objs.push(obj);
        let id = self.objs.len() - 1;
        self.stack.push(id);
        id
    }

    pub(super) fn pop(&mut self) -> Result<Id, PickleError> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(self.malformed("an opcode needs a value but finds a MARK"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.malformed("stack underflow"))
    }

    pub(super) fn top(&self) -> Result<Id, PickleError> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| self.malformed("stack underflow"))
    }

    pub(super) fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.malformed("no MARK to pop to"))?;
        Ok(self.stack.split_off(mark))
    }

    pub(super) fn pop_n(&mut self, n: usize) -> Result<Vec<Id>, PickleError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() < floor + n {
            return Err(self.malformed("stack underflow"));
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    pub(super) fn push_str(&mut self, bytes: &[u8]) -> Result<(), PickleError> {
        let s =
            std::str::from_utf8(bytes).map_err(|_| self.malformed("string is not valid UTF-8"))?;
        self.push(Obj::Str(s.to_owned()));
        Ok(())
    }

    pub(super) fn memo_get(&mut self, key: u32) -> Result<(), PickleError> {
        let id = self.memo.get(key).ok_or_else(|| {
            self.malformed(format!("memo slot {key} is read before it is written"))
        })?;
        self.stack.push(id);
        Ok(())
    }

    pub(super) fn memo_put(&mut self, key: u32) -> Result<(), PickleError> {
        let id = self.top()?;
        self.memo.put(key, id);
        Ok(())
    }

    pub(super) fn global(&mut self, module: &str, name: &str) -> Result<(), PickleError> {
        let g = Global::lookup(module, name).ok_or_else(|| PickleError::ForbiddenGlobal {
            offset: self.op_at,
            module: module.to_owned(),
            name: name.to_owned(),
        })?;
        self.push(Obj::Global(g));
        Ok(())
    }

    /// Runs to `STOP` and returns the top object.
    pub(super) fn run(&mut self) -> Result<Id, PickleError> {
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
