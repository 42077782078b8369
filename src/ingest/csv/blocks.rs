//! Cutting an input into blocks of whole records: each read is cut after the last line end
//! outside quotes, so that blocks can be parsed apart.

use std::io::Read;

use super::{MAX_LINE, count_lines, too_long};
use crate::error::{Error, Result};

/// Bytes read per block.
pub(super) const CHUNK: usize = 8 << 20;

/// A run of whole records, from a record's start to just after a record's end (or to the end of
/// the data).
pub(super) struct Block {
    pub(super) data: Vec<u8>,
    /// The line `data` starts on.
    pub(super) first_line: u64,
}

/// Cuts an input into [`Block`]s: each read is cut after the last line end outside quotes.
pub(super) struct Blocks<'f, R> {
    file: &'f str,
    input: R,
    /// Bytes after the last cut, the start of the next block.
    carry: Vec<u8>,
    /// The line `carry` starts on.
    line: u64,
    /// Bytes read.
    pub(super) done: u64,
    started: bool,
    ended: bool,
}

impl<'f, R: Read> Blocks<'f, R> {
    pub(super) fn new(file: &'f str, input: R) -> Self {
        Blocks {
            file,
            input,
            carry: Vec::new(),
            line: 1,
            done: 0,
            started: false,
            ended: false,
        }
    }

    /// The next block, in `buf`'s allocation; `None` at the end of the input.
    pub(super) fn next(&mut self, mut buf: Vec<u8>) -> Result<Option<Block>> {
        buf.clear();
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        let cut = loop {
            if self.ended {
                break buf.len();
            }
            let old = buf.len();
            // Into the spare capacity: no zeroing of what the read overwrites.
            buf.reserve(CHUNK);
            let n = read_chunk(&mut self.input, &mut buf).map_err(|err| {
                // A compressed file cut short or damaged fails here: say how far it got.
                let lines = self.line - 1 + count_lines(&buf[..old]);
                let at = if lines > 0 {
                    format!(" after line {lines}")
                } else {
                    String::new()
                };
                Error::Format(format!("cannot read {}{at}: {err}", self.file))
            })?;
            self.done += n as u64;
            if !self.started {
                self.started = true;
                if buf.starts_with(b"\xef\xbb\xbf") {
                    buf.drain(..3);
                }
            }
            if n < CHUNK {
                self.ended = true;
                break buf.len();
            }
            if let Some(cut) = last_record_end(&buf) {
                break cut;
            }
            if buf.len() > MAX_LINE {
                return Err(too_long(self.file, self.line));
            }
        };
        if cut == 0 {
            return Ok(None);
        }
        self.carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let first_line = self.line;
        self.line += count_lines(&buf);
        Ok(Some(Block {
            data: buf,
            first_line,
        }))
    }
}

/// Just after the last line end (LF, or CR when there is no LF) that is outside quotes, in data
/// that starts outside quotes: a line end is inside a quoted field when an odd number of quotes
/// precede it (a doubled quote counts twice).
pub(super) fn last_record_end(data: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', data).is_none() {
        return memchr::memrchr2(b'\n', b'\r', data).map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

/// Appends up to [`CHUNK`] bytes, fewer only at the end of the input; the bytes read.
pub(super) fn read_chunk(input: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    input.take(CHUNK as u64).read_to_end(buf)
}
