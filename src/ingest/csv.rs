//! Trace CSVs, read as RFC 4180 says (csv-core: quoted fields with commas, doubled quotes and
//! newlines, CRLF or LF, an optional final newline) and streamed in blocks of whole records, so
//! memory is bounded by the block size and the longest record, not the file. A UTF-8 byte-order
//! mark at the start is skipped. [`par_rows`] parses the blocks on every core.

use std::io::Read;

use csv_core::{ReadRecordResult, Reader};

use crate::error::{Error, Result};

mod blocks;
mod par;

use blocks::Blocks;
#[cfg(test)]
use blocks::CHUNK;
pub use par::{Header, par_rows};

/// Longest record accepted: a longer one is not a trace row (2019 rows are ~6 KB).
pub const MAX_LINE: usize = 1 << 20;

/// Calls `row(line_number, fields)` for every record of `input` (the header included; blank
/// lines skipped), with the line the record starts on, and `progress(bytes_done)` after every
/// block. Stops at the first error `row` returns.
pub fn for_each_row(
    file: &str,
    input: impl Read,
    mut progress: impl FnMut(u64),
    mut row: impl FnMut(u64, &[&[u8]]) -> Result<()>,
) -> Result<()> {
    let mut blocks = Blocks::new(file, input);
    let mut buf = Vec::new();
    while let Some(block) = blocks.next(buf)? {
        rows_in(file, &block.data, block.first_line, &mut row)?;
        progress(blocks.done);
        buf = block.data;
    }
    Ok(())
}

/// Line ends in `data`: its line feeds or, in data without one, its carriage returns (lines
/// ended by a lone CR, as old Mac files end them).
pub(super) fn count_lines(data: &[u8]) -> u64 {
    match memchr::memchr_iter(b'\n', data).count() {
        0 => memchr::memchr_iter(b'\r', data).count() as u64,
        n => n as u64,
    }
}

pub(super) fn too_long(file: &str, line: u64) -> Error {
    Error::Row {
        file: file.into(),
        line,
        column: "-".into(),
        reason: format!("the record is longer than {MAX_LINE} bytes; this is not a trace CSV"),
    }
}

/// Calls `row` for every record of a block that starts on `first_line`.
pub(super) fn rows_in(
    file: &str,
    data: &[u8],
    first_line: u64,
    row: &mut impl FnMut(u64, &[&[u8]]) -> Result<()>,
) -> Result<()> {
    let mut fields: Vec<&[u8]> = Vec::new();
    // Lines without a quote or a lone CR mean what they say: split them directly, faster than
    // the reader's state machine.
    let plain = memchr::memchr(b'"', data).is_none()
        && memchr::memchr_iter(b'\r', data).all(|i| data.get(i + 1) == Some(&b'\n'));
    if plain {
        for (k, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let number = first_line + k as u64;
            if line.len() > MAX_LINE {
                return Err(too_long(file, number));
            }
            fields.clear();
            let mut from = 0;
            for comma in memchr::memchr_iter(b',', line) {
                fields.push(&line[from..comma]);
                from = comma + 1;
            }
            fields.push(&line[from..]);
            row(number, &fields)?;
        }
        return Ok(());
    }
    let mut reader = Reader::new();
    // Unescaped fields of the record being read, and where each ends.
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 64];
    let (mut pos, mut out_len, mut n_ends) = (0, 0, 0);
    let mut last_byte = 0u8;
    // The reader counts line feeds only: lines ended by a lone CR are counted here, from
    // where each record (after any blank lines) starts.
    let cr_only = memchr::memchr(b'\n', data).is_none();
    // Where the next record's bytes begin, and the line it would start on there.
    let (mut record_from, mut line_there) = (0, first_line);
    loop {
        // The slice is empty once the block is used up: the reader takes that as the end.
        let (result, n_in, n_out, n_end) =
            reader.read_record(&data[pos..], &mut out[out_len..], &mut ends[n_ends..]);
        if n_in > 0 {
            last_byte = data[pos + n_in - 1];
        }
        pos += n_in;
        out_len += n_out;
        n_ends += n_end;
        match result {
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => {
                if out.len() >= MAX_LINE {
                    return Err(too_long(file, first_line - 1 + reader.line()));
                }
                out.resize(out.len() * 2, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                if ends.len() >= MAX_LINE {
                    return Err(too_long(file, first_line - 1 + reader.line()));
                }
                ends.resize(ends.len() * 2, 0);
            }
            ReadRecordResult::Record => {
                // The reader counts the newline that ended the record, and any inside its
                // quoted fields: the record starts that many lines earlier.
                let line = if cr_only {
                    // After the blank lines before it; each byte's CR counted once.
                    let blank = data[record_from..].iter().take_while(|&&b| b == b'\r');
                    let line = line_there + blank.count() as u64;
                    line_there +=
                        memchr::memchr_iter(b'\r', &data[record_from..pos]).count() as u64;
                    line
                } else {
                    let ended_by_newline = u64::from(last_byte == b'\n');
                    // (Line feeds only, as the reader counts: a CR inside quotes is no line.)
                    let inside = memchr::memchr_iter(b'\n', &out[..out_len]).count() as u64;
                    first_line - 1 + reader.line() - ended_by_newline - inside
                };
                record_from = pos;
                let mut record = std::mem::take(&mut fields);
                let mut from = 0;
                for &end in &ends[..n_ends] {
                    record.push(&out[from..end]);
                    from = end;
                }
                row(line, &record)?;
                fields = reuse(record);
                (out_len, n_ends) = (0, 0);
            }
            ReadRecordResult::End => return Ok(()),
        }
    }
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

/// The field as text, trimmed.
pub fn text(field: &[u8]) -> &str {
    std::str::from_utf8(field).map_or("<not UTF-8>", str::trim)
}

/// A field's text as an error quotes it: in quotes, escaped, at most 80 characters.
fn shown(t: &str) -> String {
    format!("\"{}\"", crate::quote::quoted(t))
}

/// Parses a finite number.
pub fn number(field: &[u8]) -> std::result::Result<f64, String> {
    let t = text(field);
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ if t.is_empty() => Err("the field is empty where a number was expected".into()),
        _ => Err(format!("{} is not a number", shown(t))),
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
        _ => Err(format!(
            "{} is not a whole number in 0..=4294967295",
            shown(t)
        )),
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
    fn rfc_4180_quotes_newlines_and_a_byte_order_mark() {
        // Doubled quotes are one quote (the field was cut at the first `""`).
        let r = rows(b"\xef\xbb\xbfapp,func\n\"a\"\"b\",c\n\"x\ny\",\"z,\"\"\"\n\n\nlast,1");
        assert_eq!(
            r,
            vec![
                (1, vec!["app".into(), "func".into()]),
                (2, vec!["a\"b".into(), "c".into()]),
                (3, vec!["x\ny".into(), "z,\"".into()]),
                (7, vec!["last".into(), "1".into()]),
            ]
        );
        // Line numbers count from the record's first line, CRLF or LF, or a lone CR.
        let r = rows(b"h\r\n1\r\n\r\n\"2\r\n3\"\r\n4");
        let lines: Vec<u64> = r.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 2, 4, 6]);
        let r = rows(b"h\r1\r\r\"2\r3\"\r4\r");
        let lines: Vec<u64> = r.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 2, 4, 6]);
        assert_eq!(r[2].1, vec!["2\r3"]);
        // A CR inside quotes in a file of line feeds is part of the field, not a line end.
        let r = rows(b"h\r\n\"x\ry\",1\r\n2\r\n");
        let lines: Vec<u64> = r.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 2, 3]);
    }

    #[test]
    fn a_lone_cr_file_numbers_its_lines_as_its_line_feed_copy() {
        // Records with blank lines between them and quoted fields holding line ends, in
        // blocks of several chunks: the same fields and lines with LF or CR as line ends.
        let mut x: u64 = 3;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let mut lf = b"t,v\n".to_vec();
        for i in 0..1_000_000 {
            if next(20) == 0 {
                lf.push(b'\n'); // a blank line
            }
            if next(50) == 0 {
                lf.extend_from_slice(format!("\"{i}\nq\",{i}\n").as_bytes());
            } else {
                lf.extend_from_slice(format!("{i},{}\n", next(1000)).as_bytes());
            }
        }
        assert!(lf.len() > CHUNK, "more than one block");
        let cr: Vec<u8> = lf
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        let (a, b) = (rows(&lf), rows(&cr));
        assert_eq!(a.len(), 1_000_001);
        assert_eq!(a.len(), b.len());
        for (r, s) in a.iter().zip(&b) {
            assert_eq!(r.0, s.0, "{:?} vs {:?}", r.1, s.1);
            let fields: Vec<String> = s.1.iter().map(|f| f.replace('\r', "\n")).collect();
            assert_eq!(r.1, fields);
        }
    }

    #[test]
    fn records_across_chunks_keep_their_lines() {
        let mut data = b"t\n".to_vec();
        for i in 0..2_000_000u32 {
            data.extend_from_slice(format!("{i}\n").as_bytes());
        }
        let mut last = (0, 0);
        for_each_row(
            "t",
            &data[..],
            |_| {},
            |n, f| {
                if n > 1 {
                    assert_eq!(text(f[0]).parse::<u64>().unwrap() + 2, n);
                }
                last = (n, f.len());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(last, (2_000_001, 1));
    }

    #[test]
    fn a_chunk_that_ends_at_a_line_end_is_not_the_end_of_the_file() {
        // Lines of 8 bytes: every chunk ends exactly where a line does.
        let mut data = b"header \n".to_vec();
        let rows_in = 3 * CHUNK / 8;
        for i in 0..rows_in {
            data.extend_from_slice(format!("{i:07}\n").as_bytes());
        }
        let mut seen = 0;
        for_each_row(
            "t",
            &data[..],
            |_| {},
            |n, _| {
                seen += 1;
                assert_eq!(n, seen);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, rows_in as u64 + 1);
    }

    /// Lines `i,"q"` in blocks parsed on every core: the parts arrive in file order.
    #[test]
    fn parts_parsed_in_parallel_merge_in_file_order() {
        let mut data = b"n,q\n".to_vec();
        for i in 0..1_500_000u32 {
            // Quotes on some lines, so some blocks take the reader's state machine.
            if i % 100_000 == 7 {
                data.extend_from_slice(format!("{i},\"a\nb\"\n").as_bytes());
            } else {
                data.extend_from_slice(format!("{i},x\n").as_bytes());
            }
        }
        let mut seen: Vec<(u64, u32)> = Vec::new();
        let columns = par_rows(
            "t",
            &data[..],
            |_| {},
            |line, f| {
                assert_eq!((line, f.len()), (1, 2));
                Ok(Header {
                    columns: 0usize,
                    is_data: false,
                })
            },
            Vec::new,
            |&c, part: &mut Vec<(u64, u32)>, line, f| {
                part.push((line, text(f[c]).parse().unwrap_or(u32::MAX)));
                Ok(())
            },
            |part| {
                seen.extend(part);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(columns, Some(0));
        assert_eq!(seen.len(), 1_500_000);
        let mut line = 2;
        for (k, &(l, n)) in seen.iter().enumerate() {
            assert_eq!((l, n), (line, k as u32));
            line += if k % 100_000 == 7 { 2 } else { 1 };
        }
        // The first bad row in the file is the error, whichever block finishes first.
        let err = par_rows(
            "t",
            &data[..],
            |_| {},
            |_, _| {
                Ok(Header {
                    columns: (),
                    is_data: false,
                })
            },
            || (),
            |(), (), line, f| {
                if text(f[0]).ends_with("99999") {
                    return Err(Error::Format(format!("bad at {line}")));
                }
                Ok(())
            },
            |()| Ok(()),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "bad at 100002");
    }

    #[test]
    fn quoted_and_plain_records_mix_with_continuous_lines() {
        // Quoted records first (read by the state machine), then plain lines (split directly),
        // a CR-terminated record between them, blank lines on both sides.
        let data = b"h,v\r\n\"a\"\"\nb\",1\r\n\r\n\"c\",2\rplain,3\n\nx,4\ny,\"5\"\n";
        let r = rows(data);
        assert_eq!(
            r,
            vec![
                (1, vec!["h".into(), "v".into()]),
                (2, vec!["a\"\nb".into(), "1".into()]),
                (5, vec!["c".into(), "2".into()]),
                (5, vec!["plain".into(), "3".into()]),
                (7, vec!["x".into(), "4".into()]),
                (8, vec!["y".into(), "5".into()]),
            ]
        );
        let plain = rows(b"a,1\n\nb,2\n\"c\",3\nd,4\n");
        let lines: Vec<u64> = plain.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 3, 4, 5]);
    }

    #[test]
    fn an_endless_record_is_refused() {
        let zeros = std::io::repeat(0).take(64 << 20);
        let err = for_each_row("z", zeros, |_| {}, |_, _| Ok(())).unwrap_err();
        assert!(err.to_string().contains("longer than"), "{err}");
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
