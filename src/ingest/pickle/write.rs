//! Writes a trace as AlpaServe's pickle: an `OrderedDict` of function name → 1-D numpy array
//! (int32 per-minute counts for v1, float64 times for v2), protocol 4, the way numpy pickles
//! arrays (`numpy.core.multiarray._reconstruct` + `BUILD`), which numpy 1.x and 2.x both load.
//! Nothing but these globals is referenced.

use std::io::Write;

use crate::error::{Error, Result};
use crate::trace::{Series, Trace};

const PROTO: u8 = 0x80;
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE: u8 = b'X';
const STACK_GLOBAL: u8 = 0x93;
const EMPTY_TUPLE: u8 = b')';
const REDUCE: u8 = b'R';
const MARK: u8 = b'(';
const BININT1: u8 = b'K';
const BININT: u8 = b'J';
const TUPLE1: u8 = 0x85;
const TUPLE3: u8 = 0x87;
const TUPLE: u8 = b't';
const SHORT_BINBYTES: u8 = b'C';
const BINBYTES: u8 = b'B';
const BINBYTES8: u8 = 0x8e;
const NEWFALSE: u8 = 0x89;
const NEWTRUE: u8 = 0x88;
const NONE: u8 = b'N';
const BUILD: u8 = b'b';
const SETITEMS: u8 = b'u';
const STOP: u8 = b'.';

fn text(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if let Ok(n) = u8::try_from(b.len()) {
        out.push(SHORT_BINUNICODE);
        out.push(n);
    } else {
        out.push(BINUNICODE);
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(b);
}

fn global(out: &mut Vec<u8>, module: &str, name: &str) {
    text(out, module);
    text(out, name);
    out.push(STACK_GLOBAL);
}

fn int(out: &mut Vec<u8>, v: i32) {
    match u8::try_from(v) {
        Ok(b) => out.extend_from_slice(&[BININT1, b]),
        Err(_) => {
            out.push(BININT);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    if let Ok(n) = u8::try_from(b.len()) {
        out.extend_from_slice(&[SHORT_BINBYTES, n]);
    } else if let Ok(n) = u32::try_from(b.len()) {
        out.push(BINBYTES);
        out.extend_from_slice(&n.to_le_bytes());
    } else {
        out.push(BINBYTES8);
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    }
    out.extend_from_slice(b);
}

/// `numpy.dtype(code, False, True)` with its BUILD state, as numpy writes it.
fn dtype(out: &mut Vec<u8>, code: &str) {
    global(out, "numpy", "dtype");
    text(out, code);
    out.extend_from_slice(&[NEWFALSE, NEWTRUE, TUPLE3, REDUCE, MARK]);
    int(out, 3);
    text(out, "<");
    out.extend_from_slice(&[NONE, NONE, NONE]);
    int(out, -1);
    int(out, -1);
    int(out, 0);
    out.extend_from_slice(&[TUPLE, BUILD]);
}

fn array(out: &mut Vec<u8>, code: &str, len: usize, data: &[u8]) -> Result<()> {
    let len = i32::try_from(len).map_err(|_| {
        Error::Encode(format!(
            "an array of {len} elements is too long for this writer"
        ))
    })?;
    global(out, "numpy.core.multiarray", "_reconstruct");
    global(out, "numpy", "ndarray");
    int(out, 0);
    out.push(TUPLE1);
    bytes(out, b"b");
    out.extend_from_slice(&[TUPLE3, REDUCE, MARK]);
    int(out, 1);
    int(out, len);
    out.push(TUPLE1);
    dtype(out, code);
    out.push(NEWFALSE);
    bytes(out, data);
    out.extend_from_slice(&[TUPLE, BUILD]);
    Ok(())
}

/// Writes `trace` as an AlpaServe pickle into `w`.
pub fn write(trace: &Trace, w: &mut impl Write) -> Result<()> {
    let io = |e: std::io::Error| Error::Encode(e.to_string());
    let mut out = vec![PROTO, 4];
    global(&mut out, "collections", "OrderedDict");
    out.extend_from_slice(&[EMPTY_TUPLE, REDUCE]);
    w.write_all(&out).map_err(io)?;
    // Python batches SETITEMS by 1000; any batch size loads the same.
    for chunk in trace.functions.chunks(1000) {
        let mut out = vec![MARK];
        for f in chunk {
            text(&mut out, &f.name);
            match &f.series {
                Series::Counts(c) => {
                    let data: Vec<u8> = c
                        .iter()
                        .map(|x| {
                            i32::try_from(x).map_err(|_| {
                                Error::Encode(format!(
                                    "function {:?}: count {x} does not fit int32",
                                    f.name
                                ))
                            })
                        })
                        .collect::<Result<Vec<i32>>>()?
                        .iter()
                        .flat_map(|x| x.to_le_bytes())
                        .collect();
                    array(&mut out, "i4", c.len(), &data)?;
                }
                Series::Times(t) => {
                    array(&mut out, "f8", t.len(), &t.le_bytes())?;
                }
            }
        }
        out.push(SETITEMS);
        w.write_all(&out).map_err(io)?;
    }
    w.write_all(&[STOP]).map_err(io)?;
    Ok(())
}
