//! Mooncake JSONL traces as published (and as AIPerf reads them): one request a line with
//! `timestamp` (ms), `input_length`, `output_length` and `hash_ids`; AIPerf's optional
//! `session_id` is accepted, and `extra.model`, when present, makes one function per model
//! (so a Mooncake export of ours reads back as its models). Token counts and hash ids are
//! carried, the hash ids through vanilla replays into Mooncake exports.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::sync::Arc;

use super::{BadRows, LoadOptions, Progress};
use crate::error::{Error, Result};
use crate::trace::{Function, HashIds, Series, TokenRows, Trace, TraceKind};

/// Longest line read: a request of a million-token prompt has ~2,000 hash ids (~20 KB).
const MAX_LINE: usize = 16 << 20;

#[derive(serde::Deserialize)]
struct Row {
    timestamp: Option<f64>,
    input_length: Option<u32>,
    output_length: Option<u32>,
    #[serde(default)]
    hash_ids: Option<Vec<u64>>,
    #[serde(default)]
    extra: Option<Extra>,
}

#[derive(serde::Deserialize)]
struct Extra {
    model: Option<String>,
}

/// Whether `head` (a file's first bytes) looks like Mooncake JSONL.
pub fn is_mooncake(head: &[u8]) -> bool {
    // The first line with something on it: blank lines are skipped by the reader too.
    let first = head
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .unwrap_or(&[]);
    let text = String::from_utf8_lossy(first);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') && (t.contains("\"input_length\"") || t.contains("\"timestamp\""))
}

/// Reads a Mooncake JSONL trace.
pub fn read(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    let single = opts
        .name
        .clone()
        .unwrap_or_else(|| super::timestamps::stem(file));
    let mut reader = std::io::BufReader::with_capacity(1 << 16, input);
    let mut bad = BadRows::new(opts);
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut times: Vec<Vec<f64>> = Vec::new();
    let mut tokens: Vec<TokenRows> = Vec::new();
    let mut table = HashIds::default();
    let mut line = Vec::new();
    let (mut number, mut done) = (0u64, 0u64);
    // Requests are capped by the lines read (ingest::guard); their hash ids share the budget.
    let budget = opts
        .requests_cap()
        .saturating_mul(crate::limits::BYTES_PER_REQUEST);
    let mut requests = 0u64;
    loop {
        line.clear();
        let n = read_line(&mut reader, &mut line, MAX_LINE).map_err(|err| {
            Error::Format(format!("cannot read {file} after line {number}: {err}"))
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        done += n as u64;
        if number % 65_536 == 0 {
            progress(done, total);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let row: Row = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                bad.bad(file, number, "-", format!("not a JSON request: {e}"))?;
                continue;
            }
        };
        let Some(ms) = row.timestamp.filter(|t| t.is_finite()) else {
            bad.bad(
                file,
                number,
                "timestamp",
                "no timestamp (milliseconds): requests timed by `delay` in sessions cannot be \
                 replayed as arrivals"
                    .into(),
            )?;
            continue;
        };
        let (Some(i), Some(o)) = (row.input_length, row.output_length) else {
            bad.bad(
                file,
                number,
                "input_length",
                "input_length and output_length are needed (text_input and messages are not \
                 read)"
                    .into(),
            )?;
            continue;
        };
        let name = row
            .extra
            .and_then(|e| e.model)
            .unwrap_or_else(|| single.clone());
        let f = match index.get(&name) {
            Some(&f) => f,
            None => {
                index.insert(name.clone(), names.len());
                names.push(name);
                times.push(Vec::new());
                tokens.push(TokenRows {
                    hash_rows: Some(Vec::new()),
                    ..TokenRows::default()
                });
                names.len() - 1
            }
        };
        times[f].push(ms / 1000.0);
        let k = &mut tokens[f];
        k.input.push(i);
        k.output.push(o);
        requests += 1;
        let ids = row.hash_ids.as_deref().unwrap_or(&[]);
        let need = (table.total() + ids.len()) as u64 * crate::limits::BYTES_PER_HASH_ID
            + requests * crate::limits::BYTES_PER_REQUEST;
        if need > budget {
            return Err(Error::Format(format!(
                "{file}, line {number}: the requests and hash ids read so far ({requests} \
                 requests, {} ids) need more memory than this machine has available; pass \
                 --max-requests N to raise the cap, or read a part of the trace",
                table.total() + ids.len()
            )));
        }
        let r = table.push(ids);
        if let Some(rows) = &mut k.hash_rows {
            rows.push(r);
        }
    }
    progress(done, total);
    if names.is_empty() {
        return Err(Error::Format(format!("{file}: no requests")));
    }
    let table = Arc::new(table);
    let mut warnings: Vec<String> = bad.warning().into_iter().collect();
    warnings.extend(super::builder::before_zero(&times));
    let mut unsorted = 0;
    let functions = names
        .into_iter()
        .zip(times)
        .zip(tokens)
        .map(|((name, t), k)| {
            let (t, k) = if t.is_sorted() {
                (t, k)
            } else {
                unsorted += 1;
                // Stable: requests at one time keep the file's order.
                let mut order: Vec<usize> = (0..t.len()).collect();
                order.sort_by(|&a, &b| t[a].total_cmp(&t[b]));
                (order.iter().map(|&i| t[i]).collect(), k.pick(&order))
            };
            let mut f = Function::new(name, Series::Times(t.into()));
            f.tokens = Some(k.into_tokens(Some(Arc::clone(&table))));
            f
        })
        .collect();
    if unsorted > 0 {
        warnings.push(format!(
            "{unsorted} model(s) had their requests out of time order in the file; sorted"
        ));
    }
    Trace::new(file, TraceKind::V2, functions, warnings)
}

/// Reads up to and including the next newline into `buf`, refusing lines over `max` bytes (an
/// endless stream has none); the bytes read.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    let mut n = 0;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(n);
        }
        let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max {
            return Err(std::io::Error::other(format!(
                "a line is longer than {max} bytes; this is not a Mooncake trace"
            )));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take);
        n += take;
        if end {
            return Ok(n);
        }
    }
}
