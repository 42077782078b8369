//! A small, fast CSV reader for trace files: streamed in chunks (memory bounded by the output,
//! not the file), CRLF or LF, optional final newline, simple double-quoted fields.

use std::io::Read;

use crate::error::{Error, Result};

/// Bytes read per chunk.
const CHUNK: usize = 8 << 20;

/// Longest line accepted: a longer one is not a trace row (2019 rows are ~6 KB).
pub const MAX_LINE: usize = 1 << 20;

/// Calls `row(line_number, fields)` for every non-empty line of `input` (the header included),
/// and `progress(bytes_done)` after every chunk. Stops at the first error `row` returns.
pub fn for_each_row(
    file: &str,
    mut input: impl Read,
    mut progress: impl FnMut(u64),
    mut row: impl FnMut(u64, &[&[u8]]) -> Result<()>,
) -> Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + MAX_LINE);
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut line_no = 0u64;
    let mut done = 0u64;
    let mut eof = false;
    let mut chunk = vec![0u8; CHUNK];
    while !eof {
        let n = read_full(&mut input, &mut chunk)
            .map_err(|err| Error::Format(format!("cannot read {file}: {err}")))?;
        eof = n < chunk.len();
        buf.extend_from_slice(&chunk[..n]);
        done += n as u64;
        // Lines complete in this buffer: up to its last newline (or all of it at the end).
        let complete = if eof {
            buf.len()
        } else {
            match memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None if buf.len() > MAX_LINE => {
                    return Err(Error::Row {
                        file: file.into(),
                        line: line_no + 1,
                        column: "-".into(),
                        reason: format!(
                            "the line is longer than {MAX_LINE} bytes; this is not a trace CSV"
                        ),
                    });
                }
                None => continue,
            }
        };
        let mut fields_buf = std::mem::take(&mut fields);
        for line in buf[..complete].split(|&b| b == b'\n') {
            line_no += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            fields_buf.clear();
            split_fields(line, &mut fields_buf);
            row(line_no, &fields_buf)?;
        }
        // `split` yields one empty piece after a final newline: it was counted as a line.
        if complete > 0 && buf[complete - 1] == b'\n' {
            line_no -= 1;
        }
        fields = reuse(fields_buf);
        buf.drain(..complete);
        progress(done);
    }
    Ok(())
}

/// Empties a vector of borrowed slices so its allocation outlives the borrow.
fn reuse<'a>(mut v: Vec<&[u8]>) -> Vec<&'a [u8]> {
    v.clear();
    v.into_iter().map(|_| &[][..]).collect()
}

/// Reads until `buf` is full or the input ends; the bytes read.
pub(crate) fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn memrchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().rposition(|&b| b == needle)
}

/// Splits a line at commas; a field in double quotes keeps its commas (quotes are stripped,
/// `""` inside stays as is, which is enough for names and numbers).
pub fn split_fields<'a>(line: &'a [u8], out: &mut Vec<&'a [u8]>) {
    let mut start = 0;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'"' if i == start => {
                let close = line[i + 1..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map_or(line.len(), |p| i + 1 + p);
                out.push(&line[i + 1..close]);
                // Skip to the comma after the closing quote.
                let next = line[close..]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(line.len(), |p| close + p);
                start = next + 1;
                i = start;
                if next == line.len() {
                    return;
                }
                continue;
            }
            b',' => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&line[start..]);
}

/// The field as text, trimmed.
pub fn text(field: &[u8]) -> &str {
    std::str::from_utf8(field).map_or("<not UTF-8>", str::trim)
}

/// Parses a finite number.
pub fn number(field: &[u8]) -> std::result::Result<f64, String> {
    let t = text(field);
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{t:?} is not a number")),
    }
}

/// Parses a whole number ≥ 0 that fits 32 bits (also written as `3.0`).
pub fn count(field: &[u8]) -> std::result::Result<u32, String> {
    // The common case, plain digits (a 2019 day file has 1,440 per row): no UTF-8 or trim pass.
    if !field.is_empty() && field.len() <= 10 && field.iter().all(u8::is_ascii_digit) {
        let v = field
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        if let Ok(v) = u32::try_from(v) {
            return Ok(v);
        }
    }
    let t = text(field);
    if t.is_empty() {
        return Err("empty field where a count was expected".into());
    }
    if let Ok(v) = t.parse::<u32>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(v) if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) => Ok(v as u32),
        _ => Err(format!("{t:?} is not a whole number in 0..=4294967295")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        for_each_row(
            "t",
            data,
            |_| {},
            |n, f| {
                out.push((n, f.iter().map(|x| text(x).to_string()).collect()));
                Ok(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn lines_crlf_no_final_newline_and_quotes() {
        let r = rows(b"a,b\r\n1,2\r\n\r\n\"x,y\",3");
        assert_eq!(
            r,
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "2".into()]),
                (4, vec!["x,y".into(), "3".into()]),
            ]
        );
        assert_eq!(rows(b"a\n1\n").len(), 2);
        assert!(rows(b"").is_empty());
        assert_eq!(rows(b"a,,b\n")[0].1, vec!["a", "", "b"]);
    }

    #[test]
    fn numbers_and_counts() {
        assert_eq!(number(b" 1.5 "), Ok(1.5));
        assert!(number(b"nan").is_err());
        assert!(number(b"x").is_err());
        assert_eq!(count(b"3"), Ok(3));
        assert_eq!(count(b"4294967295"), Ok(u32::MAX));
        assert!(count(b"4294967296").is_err());
        assert_eq!(count(b" 7 "), Ok(7));
        assert_eq!(count(b"3.0"), Ok(3));
        assert!(count(b"-1").is_err());
        assert!(count(b"").is_err());
    }

    #[test]
    fn errors_stop_the_scan() {
        let mut seen = 0;
        let r = for_each_row(
            "t",
            &b"a\nb\nc\n"[..],
            |_| {},
            |n, _| {
                seen += 1;
                if n == 2 {
                    Err(Error::Format("stop".into()))
                } else {
                    Ok(())
                }
            },
        );
        assert!(r.is_err());
        assert_eq!(seen, 2);
    }
}
