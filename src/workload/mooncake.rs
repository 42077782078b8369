//! Mooncake JSONL, the request-level trace format that AIPerf, SGLang's bench_serving, vLLM's
//! `bench serve` and GuideLLM read: one request per line,
//! `{"timestamp": MS, "input_length": N, "output_length": N, "hash_ids": [..], "extra": {"model": NAME}}`.
//! Timestamps are milliseconds since the window start with at most three decimals (whole
//! microseconds); `extra` is merged into each request's body by AIPerf, so one file drives a
//! multi-model server. Lines are written straight from the columns, with no object per request.

use std::io::{self, Write};

use super::Workload;

/// Tokens per `hash_ids` entry unless told otherwise (Mooncake's and AIPerf's default).
pub const DEFAULT_BLOCK_SIZE: u32 = 512;

/// Writes `w` as Mooncake JSONL. Requests keep the hash ids of their source (a Mooncake trace
/// replayed vanilla); otherwise every request gets `ceil(input_length / block_size)` ids of its
/// own, numbered on from 0 across the file, so no prefix is shared by accident.
pub fn encode(w: &Workload, block_size: u32, out: &mut impl Write) -> io::Result<()> {
    let (Some(input), Some(output)) = (&w.input_tokens, &w.output_tokens) else {
        return Err(io::Error::other(
            "Mooncake JSONL needs token counts: the trace has none, so draw them with \
             --tokens-from TRACE or give constants with --input-length N and --output-length N",
        ));
    };
    if block_size == 0 {
        return Err(io::Error::other("the block size must be at least 1 token"));
    }
    let start = w.params.window.start as f64;
    // Each name's JSON text once, escaped as JSON requires.
    let extras: Vec<String> = w
        .models
        .iter()
        .map(|m| {
            serde_json::to_string(m).map(|name| format!(r#", "extra": {{"model": {name}}}}}"#))
        })
        .collect::<Result<_, _>>()
        .map_err(io::Error::other)?;
    let kept = w.hash_rows.as_ref().zip(w.hash_ids.as_ref());
    let mut next_id: u64 = 0;
    let mut int = itoa::Buffer::new();
    for i in 0..w.len() {
        out.write_all(br#"{"timestamp": "#)?;
        write_millis(out, w.arrival[i] - start, &mut int)?;
        out.write_all(br#", "input_length": "#)?;
        out.write_all(int.format(input[i]).as_bytes())?;
        out.write_all(br#", "output_length": "#)?;
        out.write_all(int.format(output[i]).as_bytes())?;
        out.write_all(br#", "hash_ids": ["#)?;
        if let Some((rows, table)) = kept {
            // The source's own ids, so prefix sharing survives.
            for (k, id) in table.row(rows[i]).iter().enumerate() {
                if k > 0 {
                    out.write_all(b", ")?;
                }
                out.write_all(int.format(*id).as_bytes())?;
            }
        } else {
            let blocks = u64::from(input[i].div_ceil(block_size));
            for k in 0..blocks {
                if k > 0 {
                    out.write_all(b", ")?;
                }
                out.write_all(int.format(next_id + k).as_bytes())?;
            }
            next_id += blocks;
        }
        out.write_all(b"]")?;
        match &w.num_images {
            // Images go beside the model in `extra`: `{"model": NAME, "num_images": N}`.
            Some(m) => {
                let e = &extras[w.model[i] as usize];
                out.write_all(&e.as_bytes()[..e.len() - 2])?;
                out.write_all(br#", "num_images": "#)?;
                out.write_all(int.format(m[i]).as_bytes())?;
                out.write_all(b"}}")?;
            }
            None => out.write_all(extras[w.model[i] as usize].as_bytes())?,
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `seconds` as milliseconds rounded to whole microseconds: `1234.5` for 1.2345 s, `7` for
/// 0.007 s. Rounding keeps the order of sorted times.
fn write_millis(out: &mut impl Write, seconds: f64, int: &mut itoa::Buffer) -> io::Result<()> {
    let micros = (seconds * 1e6).round().max(0.0) as u64;
    out.write_all(int.format(micros / 1000).as_bytes())?;
    let frac = micros % 1000;
    if frac != 0 {
        let digits = format!("{frac:03}");
        out.write_all(b".")?;
        out.write_all(digits.trim_end_matches('0').as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(s: f64) -> String {
        let mut v = Vec::new();
        write_millis(&mut v, s, &mut itoa::Buffer::new()).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn milliseconds_with_at_most_three_decimals() {
        assert_eq!(millis(0.0), "0");
        assert_eq!(millis(1.2345), "1234.5");
        assert_eq!(millis(0.007), "7");
        assert_eq!(millis(0.000_000_4), "0");
        assert_eq!(millis(0.000_000_6), "0.001");
        assert_eq!(millis(86_400.123_456_7), "86400123.457");
        // Sorted times stay sorted.
        let ts: Vec<f64> = (0..1000).map(|i| f64::from(i) * 1.3e-7).collect();
        let ms: Vec<f64> = ts.iter().map(|&t| millis(t).parse().unwrap()).collect();
        assert!(ms.is_sorted());
    }
}
