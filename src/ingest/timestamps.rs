//! Inputs with one row per invocation: Azure Functions 2021 and the Azure LLM inference traces;
//! and what every timestamp reader shares.

use std::io::Read;

use std::collections::HashMap;

use super::csv::{self, Header, par_rows};
use super::datetime::IsoColumn;
use super::{BadRows, LoadOptions, Progress, TimesBuilder, column};
use crate::error::{Error, Result};
use crate::trace::{TokenRows, Trace};

/// Azure Functions 2021: `app,func,end_timestamp,duration`; arrival = end − duration; a function
/// is the pair (app, func).
pub fn azure2021(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    /// A block's rows, its functions numbered in the order the block meets them.
    struct Part {
        // Seeded per process, as the standard hasher, and quicker on 136-byte keys.
        index: HashMap<Vec<u8>, u32, foldhash::fast::RandomState>,
        /// Each function's key and name.
        functions: Vec<(Vec<u8>, String)>,
        /// (function, start, duration)
        rows: Vec<(u32, f64, f64)>,
        bad: BadRows,
        key: Vec<u8>,
    }
    let mut b = TimesBuilder::with_durations();
    let mut bad = BadRows::new(opts);
    let found = par_rows(
        file,
        input,
        |done| progress(done, total),
        |_, f| {
            let c = |n| column(f, n, "Azure 2021", file);
            Ok(Header {
                columns: [c("app")?, c("func")?, c("end_timestamp")?, c("duration")?],
                is_data: false,
            })
        },
        || Part {
            index: HashMap::default(),
            functions: Vec::new(),
            rows: Vec::new(),
            bad: BadRows::new(opts),
            key: Vec::with_capacity(160),
        },
        |&[app, func, end, dur], p, line, f| {
            let get = |i: usize| f.get(i).copied();
            let (Some(a), Some(fu), Some(e), Some(d)) = (get(app), get(func), get(end), get(dur))
            else {
                let reason = format!("{} fields where 4 were expected", f.len());
                return p.bad.bad(file, line, "-", reason);
            };
            let e = match csv::number(e) {
                Ok(v) => v,
                Err(r) => return p.bad.bad(file, line, "end_timestamp", r),
            };
            let d = match csv::number(d) {
                Ok(v) => v,
                Err(r) => return p.bad.bad(file, line, "duration", r),
            };
            // The key is app's length, app and func as bytes (a separator could occur inside a
            // quoted field), in a buffer reused for every row.
            p.key.clear();
            p.key.extend_from_slice(&(a.len() as u64).to_le_bytes());
            p.key.extend_from_slice(a);
            p.key.extend_from_slice(fu);
            let i = match p.index.get(&p.key) {
                Some(&i) => i,
                None => {
                    let i = p.functions.len() as u32;
                    p.index.insert(p.key.clone(), i);
                    let name = format!("{}/{}", csv::text(a), csv::text(fu));
                    p.functions.push((p.key.clone(), name));
                    i
                }
            };
            p.rows.push((i, e - d, d));
            Ok(())
        },
        |p| {
            let global: Vec<usize> = p
                .functions
                .into_iter()
                .map(|(key, name)| b.function(&key, || name))
                .collect();
            for (i, start, seconds) in p.rows {
                b.push_timed(global[i as usize], start, seconds);
            }
            bad.absorb(p.bad);
            Ok(())
        },
    )?;
    if found.is_none() {
        return Err(Error::Format(format!("{file}: the file is empty")));
    }
    b.finish(file, bad.warning().into_iter().collect())
}

/// Azure LLM inference traces: `TIMESTAMP,ContextTokens,GeneratedTokens`, wall-clock times; one
/// function named after the file (or `opts.name`), times relative to the first request (kept
/// as the trace's clock). A `Model` column (our `azure-llm` export of several models) makes a
/// function of each model, so such an export reads back as its models.
pub fn azure_llm(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    /// A block's requests.
    #[derive(Default)]
    struct Part {
        ticks: Vec<i64>,
        input: Vec<u32>,
        output: Vec<u32>,
        images: Vec<u32>,
        bad: BadRows,
        clock: IsoColumn,
        /// With a `Model` column: each request's model, numbered in the block's order.
        model: Vec<u32>,
        models: HashMap<Vec<u8>, u32, foldhash::fast::RandomState>,
        names: Vec<Vec<u8>>,
    }
    let name = opts.name.clone().unwrap_or_else(|| stem(file));
    // Models over the whole file: each block's numbers are mapped to these as it is merged.
    let mut models: HashMap<Vec<u8>, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut model_names: Vec<Vec<u8>> = Vec::new();
    let mut bad = BadRows::new(opts);
    // Nanoseconds since 1970 (i64 reaches 2262), so subtracting the first request loses
    // nothing; made relative in place at the end.
    let mut all = Part::default();
    let mut reserved = false;
    let read = std::cell::Cell::new(0u64);
    // (TIMESTAMP, ContextTokens, GeneratedTokens), NumImages of the multimodal traces, Model
    let found = par_rows(
        file,
        input,
        |done| {
            read.set(done);
            progress(done, total);
        },
        |_, f| {
            let c = |n| column(f, n, "LLM trace", file);
            let named = |n: &str| f.iter().position(|h| csv::text(h).eq_ignore_ascii_case(n));
            Ok(Header {
                columns: (
                    [c("TIMESTAMP")?, c("ContextTokens")?, c("GeneratedTokens")?],
                    named("NumImages"),
                    named("Model"),
                ),
                is_data: false,
            })
        },
        || Part {
            bad: BadRows::new(opts),
            ..Part::default()
        },
        |&([ts, ctx, gen_], img, model), p, line, f| {
            let field = |i: usize| f.get(i).copied().unwrap_or(b"");
            let t = match p.clock.parse(field(ts)) {
                Ok(v) => v,
                Err(r) => return p.bad.bad(file, line, "TIMESTAMP", r),
            };
            let Ok(t) = i64::try_from(t) else {
                let reason = "the date is out of range".into();
                return p.bad.bad(file, line, "TIMESTAMP", reason);
            };
            let i = match csv::count(field(ctx)) {
                Ok(v) => v,
                Err(r) => return p.bad.bad(file, line, "ContextTokens", r),
            };
            let o = match csv::count(field(gen_)) {
                Ok(v) => v,
                Err(r) => return p.bad.bad(file, line, "GeneratedTokens", r),
            };
            if let Some(c) = img {
                match csv::count(field(c)) {
                    Ok(v) => p.images.push(v),
                    Err(r) => return p.bad.bad(file, line, "NumImages", r),
                }
            }
            if let Some(c) = model {
                let key = csv::text(field(c)).as_bytes();
                let next = p.names.len() as u32;
                let m = *p.models.entry(key.to_vec()).or_insert_with(|| {
                    p.names.push(key.to_vec());
                    next
                });
                p.model.push(m);
            }
            p.ticks.push(t);
            p.input.push(i);
            p.output.push(o);
            Ok(())
        },
        |p| {
            if !reserved && !p.ticks.is_empty() {
                // The whole file at the first block's bytes per row, and a little more: growing
                // by doubling could hold twice the memory the requests need.
                reserved = true;
                let per_row = read.get() as f64 / p.ticks.len() as f64;
                let rows = ((total as f64 / per_row * 1.02) as usize).min(total as usize / 8);
                all.ticks.reserve_exact(rows);
                all.input.reserve_exact(rows);
                all.output.reserve_exact(rows);
            }
            all.ticks.extend_from_slice(&p.ticks);
            all.input.extend_from_slice(&p.input);
            all.output.extend_from_slice(&p.output);
            all.images.extend_from_slice(&p.images);
            let global: Vec<u32> = p
                .names
                .into_iter()
                .map(|n| {
                    let next = model_names.len() as u32;
                    *models.entry(n.clone()).or_insert_with(|| {
                        model_names.push(n);
                        next
                    })
                })
                .collect();
            all.model
                .extend(p.model.iter().map(|&m| global[m as usize]));
            bad.absorb(p.bad);
            Ok(())
        },
    )?;
    let with_images = found.is_some_and(|(_, img, _)| img.is_some());
    let Some(&first) = all.ticks.iter().min() else {
        return Err(Error::Format(format!("{file}: no requests (header only?)")));
    };
    // In place: the nanosecond ticks become seconds from the first request.
    let times: Vec<f64> = all
        .ticks
        .into_iter()
        .map(|t| (t - first) as f64 / 1e9)
        .collect();
    // The builder sorts them into time order, tokens and images with them.
    let mut b = TimesBuilder::with_tokens();
    if model_names.is_empty() {
        let tokens = TokenRows {
            input: all.input,
            output: all.output,
            images: with_images.then_some(all.images),
            ..TokenRows::default()
        };
        let f0 = b.function(b"", || name);
        b.set(f0, times, tokens);
    } else {
        // One function a model, its requests in file order.
        let mut per: Vec<(Vec<f64>, TokenRows)> = model_names
            .iter()
            .map(|_| (Vec::new(), TokenRows::default()))
            .collect();
        for (k, &m) in all.model.iter().enumerate() {
            let (t, tok) = &mut per[m as usize];
            t.push(times[k]);
            tok.input.push(all.input[k]);
            tok.output.push(all.output[k]);
            if with_images {
                tok.images.get_or_insert_with(Vec::new).push(all.images[k]);
            }
        }
        for (key, (t, tok)) in model_names.iter().zip(per) {
            let f = b.function(key, || String::from_utf8_lossy(key).into_owned());
            b.set(f, t, tok);
        }
    }
    let mut trace = b.finish(file, bad.warning().into_iter().collect())?;
    trace.clock = Some(first);
    Ok(trace)
}

pub(super) fn unix_note(min: f64) -> String {
    format!("times look like Unix times (earliest {min} s); made relative to the earliest")
}

/// A time as written: whole numbers exactly (a nanosecond Unix time needs 61 bits), others as
/// f64.
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

pub(super) fn exact_number(field: &[u8]) -> std::result::Result<Num, String> {
    let t = csv::text(field);
    let digits = t.strip_prefix('-').unwrap_or(t);
    if !digits.is_empty()
        && digits.len() <= 30
        && digits.bytes().all(|c| c.is_ascii_digit())
        && let Ok(v) = t.parse::<i128>()
    {
        return Ok(Num::Int(v));
    }
    csv::number(field).map(Num::Float)
}

/// Numeric times beyond this (≈ 3.2 years in seconds) are taken for Unix times.
pub(super) const EPOCH_LIKE: f64 = 1e8;

/// The file's name without its extensions of format and compression: `conv` for
/// `conv.csv.gz`.
pub(super) fn stem(file: &str) -> String {
    let bare = [".gz", ".zst", ".xz"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(file);
    std::path::Path::new(bare)
        .file_stem()
        .map_or_else(|| bare.to_string(), |s| s.to_string_lossy().into_owned())
}
