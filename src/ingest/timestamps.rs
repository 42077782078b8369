//! Inputs with one row per invocation: Azure Functions 2021, Azure LLM inference traces, and any
//! CSV with a column of timestamps.

use std::io::Read;

use std::collections::HashMap;

use super::csv::{self, Header, for_each_row, par_rows};
use super::{BadRows, LoadOptions, Progress, TimeUnit, TimesBuilder, column};
use crate::error::{Error, Result};
use crate::trace::{Tokens, Trace};

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
/// function named after the file (or `opts.name`), times relative to the first request.
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
    }
    let name = opts.name.clone().unwrap_or_else(|| stem(file));
    let mut bad = BadRows::new(opts);
    // Nanoseconds since 1970 (i64 reaches 2262), so subtracting the first request loses
    // nothing; made relative in place at the end.
    let mut all = Part::default();
    let mut reserved = false;
    let read = std::cell::Cell::new(0u64);
    // (TIMESTAMP, ContextTokens, GeneratedTokens, NumImages of the multimodal traces)
    let found = par_rows(
        file,
        input,
        |done| {
            read.set(done);
            progress(done, total);
        },
        |_, f| {
            let c = |n| column(f, n, "LLM trace", file);
            let img = f
                .iter()
                .position(|h| csv::text(h).eq_ignore_ascii_case("NumImages"));
            Ok(Header {
                columns: (
                    [c("TIMESTAMP")?, c("ContextTokens")?, c("GeneratedTokens")?],
                    img,
                ),
                is_data: false,
            })
        },
        || Part {
            bad: BadRows::new(opts),
            ..Part::default()
        },
        |&([ts, ctx, gen_], img), p, line, f| {
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
            bad.absorb(p.bad);
            Ok(())
        },
    )?;
    let with_images = found.is_some_and(|(_, img)| img.is_some());
    let Some(&first) = all.ticks.iter().min() else {
        return Err(Error::Format(format!("{file}: no requests (header only?)")));
    };
    // In place: the nanosecond ticks become seconds from the first request.
    let times: Vec<f64> = all
        .ticks
        .into_iter()
        .map(|t| (t - first) as f64 / 1e9)
        .collect();
    let tokens = Tokens {
        input: all.input,
        output: all.output,
        images: with_images.then_some(all.images),
        ..Tokens::default()
    };
    // The builder sorts them into time order, tokens and images with them.
    let mut b = TimesBuilder::with_tokens();
    let f0 = b.function(b"", || name);
    b.set(f0, times, tokens);
    b.finish(file, bad.warning().into_iter().collect())
}

/// Any CSV: times in `--time-column`, functions by `--key-column` (else one function).
pub fn generic(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    let Some(time_col) = opts.time_column.as_deref() else {
        return Err(Error::Format(format!(
            "{file}: a CSV of timestamps needs --time-column (its name or number)"
        )));
    };
    let single = opts.name.clone().unwrap_or_else(|| stem(file));
    let token_cols = opts
        .input_tokens_column
        .as_deref()
        .zip(opts.output_tokens_column.as_deref());
    let mut b = if token_cols.is_some() {
        TimesBuilder::with_tokens()
    } else {
        TimesBuilder::default()
    };
    // Each row's (input, output) tokens, beside its time, when asked for.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut token_at: Option<(usize, usize)> = None;
    let mut bad = BadRows::new(opts);
    // (time column, key column, their names for messages)
    let mut cols: Option<(usize, Option<usize>, String, Option<String>)> = None;
    let mut headerless = false;
    let mut iso: Vec<(usize, i128)> = Vec::new();
    let mut nums: Vec<(usize, Num)> = Vec::new();
    for_each_row(
        file,
        input,
        |done| progress(done, total),
        |line, f| {
            if cols.is_none() {
                let t = column(f, time_col, "time", file)?;
                let k = opts
                    .key_column
                    .as_deref()
                    .map(|k| column(f, k, "key", file))
                    .transpose()?;
                // Columns given by number and a time where a name would be: there is no
                // header, and this row is data.
                let by_number = time_col.parse::<usize>().is_ok()
                    && opts
                        .key_column
                        .as_deref()
                        .is_none_or(|k| k.parse::<usize>().is_ok());
                let data = by_number
                    && match opts.time_unit {
                        TimeUnit::Iso => parse_iso_ns(csv::text(f[t])).is_ok(),
                        _ => csv::number(f[t]).is_ok(),
                    };
                let name = |i: usize| {
                    if data {
                        format!("column {i}")
                    } else {
                        csv::text(f[i]).to_string()
                    }
                };
                cols = Some((t, k, name(t), k.map(name)));
                if let Some((ic, oc)) = token_cols {
                    token_at = Some((
                        column(f, ic, "input tokens", file)?,
                        column(f, oc, "output tokens", file)?,
                    ));
                }
                if !data {
                    return Ok(());
                }
                headerless = true;
            }
            let Some((tc, kc, tname, kname)) = &cols else {
                return Ok(());
            };
            let key: &[u8] = match kc {
                Some(k) => match f.get(*k) {
                    Some(v) => v,
                    None => {
                        return bad.bad(
                            file,
                            line,
                            kname.as_deref().unwrap_or("key"),
                            format!("{} field(s): the key column {} is missing", f.len(), k + 1),
                        );
                    }
                },
                None => b"",
            };
            let field = f.get(*tc).copied().unwrap_or(b"");
            let pair = match token_at {
                Some((ic, oc)) => {
                    let get = |c: usize| csv::count(f.get(c).copied().unwrap_or(b""));
                    match (get(ic), get(oc)) {
                        (Ok(a), Ok(z)) => Some((a, z)),
                        (Err(r), _) => {
                            let col = opts.input_tokens_column.as_deref().unwrap_or("-");
                            return bad.bad(file, line, col, r);
                        }
                        (_, Err(r)) => {
                            let col = opts.output_tokens_column.as_deref().unwrap_or("-");
                            return bad.bad(file, line, col, r);
                        }
                    }
                }
                None => None,
            };
            let i = b.function(key, || {
                if kc.is_some() {
                    csv::text(key).to_string()
                } else {
                    single.clone()
                }
            });
            if opts.time_unit == TimeUnit::Iso {
                match parse_iso_ns(csv::text(field)) {
                    Ok(t) => iso.push((i, t)),
                    Err(r) => return bad.bad(file, line, tname, r),
                }
                pairs.extend(pair);
                return Ok(());
            }
            match exact_number(field) {
                Ok(v) => {
                    nums.push((i, v));
                    pairs.extend(pair);
                }
                Err(r) => {
                    return bad.bad(
                        file,
                        line,
                        tname,
                        format!("{r} (times are in {})", opts.time_unit.name()),
                    );
                }
            }
            Ok(())
        },
    )?;
    let mut warnings: Vec<String> = bad.warning().into_iter().collect();
    if headerless {
        warnings.push(
            "the first row is data (its time column holds a time, not a name): read without \
             a header"
                .into(),
        );
    }
    if let Some(&first) = iso.iter().map(|(_, t)| t).min() {
        for (k, &(i, t)) in iso.iter().enumerate() {
            b.push(i, (t - first) as f64 / 1e9, pairs.get(k).copied());
        }
        return b.finish(file, warnings);
    }
    let scale = match opts.time_unit {
        TimeUnit::S | TimeUnit::Iso => 1.0,
        TimeUnit::Ms => 1e-3,
        TimeUnit::Us => 1e-6,
        TimeUnit::Ns => 1e-9,
    };
    if let Some(ints) = nums
        .iter()
        .map(|&(i, v)| match v {
            Num::Int(t) => Some((i, t)),
            Num::Float(_) => None,
        })
        .collect::<Option<Vec<_>>>()
        && let Some(min) = ints.iter().map(|&(_, t)| t).min()
        && min as f64 * scale > EPOCH_LIKE
    {
        // Whole Unix times, made relative in integers first: as f64 seconds, microsecond and
        // nanosecond times would be rounded to a quarter microsecond before the subtraction.
        for (k, &(i, t)) in ints.iter().enumerate() {
            b.push(i, (t - min) as f64 * scale, pairs.get(k).copied());
        }
        warnings.push(unix_note(min as f64 * scale));
        return b.finish(file, warnings);
    }
    for (k, &(i, v)) in nums.iter().enumerate() {
        let t = match v {
            Num::Int(t) => t as f64,
            Num::Float(x) => x,
        };
        b.push(i, t * scale, pairs.get(k).copied());
    }
    if let Some(min) = b.min_time()
        && min > EPOCH_LIKE
    {
        // Unix times: a window like 0.0.0 → 1.0.0 must mean the first day of the data.
        b.shift(min);
        warnings.push(unix_note(min));
    }
    b.finish(file, warnings)
}

fn unix_note(min: f64) -> String {
    format!("times look like Unix times (earliest {min} s); made relative to the earliest")
}

/// A time as written: whole numbers exactly (a nanosecond Unix time needs 61 bits), others as
/// f64.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

fn exact_number(field: &[u8]) -> std::result::Result<Num, String> {
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
const EPOCH_LIKE: f64 = 1e8;

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

/// [`parse_iso_ns`] for a column of date-times, most of them on the day of the one before:
/// plain fields are read as bytes with the last date's day number kept; anything else (spaces,
/// errors, years past 2262) goes to [`parse_iso_ns`].
#[derive(Debug, Default)]
pub struct IsoColumn {
    /// The last date read (`YYYY-MM-DD`) and its days since 1970.
    date: Option<([u8; 10], i64)>,
}

impl IsoColumn {
    /// Nanoseconds since 1970, as [`parse_iso_ns`] gives them.
    pub fn parse(&mut self, field: &[u8]) -> std::result::Result<i128, String> {
        match self.fast(field) {
            Some(ns) => Ok(i128::from(ns)),
            None => parse_iso_ns(csv::text(field)),
        }
    }

    fn fast(&mut self, b: &[u8]) -> Option<i64> {
        let digits = |r: std::ops::Range<usize>| -> Option<i64> {
            b.get(r)?.iter().try_fold(0i64, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        let date: [u8; 10] = b.get(..10)?.try_into().ok()?;
        let days = match self.date {
            Some((d, days)) if d == date => days,
            _ => {
                if b[4] != b'-' || b[7] != b'-' {
                    return None;
                }
                let days = civil_days(digits(0..4)?, digits(5..7)?, digits(8..10)?)?;
                self.date = Some((date, days));
                days
            }
        };
        if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos = 0i64;
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            for (k, &c) in frac[..n.min(9)].iter().enumerate() {
                nanos += i64::from(c - b'0') * 10i64.pow(8 - k as u32);
            }
            rest = &frac[n..];
        }
        let offset = match rest {
            b"" | b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let at = b.len() - 6;
                let o = digits(at + 1..at + 3)? * 3600 + digits(at + 4..at + 6)? * 60;
                if *sign == b'-' { -o } else { o }
            }
            _ => return None,
        };
        let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
        secs.checked_mul(1_000_000_000)?.checked_add(nanos)
    }
}

/// Days since 1970 of a date that exists (not 2023-02-29 or 2023-04-31).
fn civil_days(y: i64, m: i64, d: i64) -> Option<i64> {
    (1..=month_days(y, m)?)
        .contains(&d)
        .then(|| days_from_civil(y, m, d))
}

/// The days of month `m` (1..=12) of year `y`.
fn month_days(y: i64, m: i64) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let feb = if leap { 29 } else { 28 };
    [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        .get(usize::try_from(m).ok()?.checked_sub(1)?)
        .copied()
}

/// Parses `YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|±HH:MM]` into nanoseconds since 1970 (UTC when a
/// zone is given; the wall clock as is otherwise).
pub fn parse_iso_ns(s: &str) -> std::result::Result<i128, String> {
    let err = || {
        if s.is_empty() {
            "the field is empty where a date-time like 2023-11-16 18:17:03.9799600 was expected"
                .to_string()
        } else {
            format!(
                "\"{}\" is not a date-time like 2023-11-16 18:17:03.9799600",
                crate::quote::quoted(s)
            )
        }
    };
    let b = s.as_bytes();
    // Byte offsets below must fall on characters: anything non-ASCII is not a date-time anyway.
    if !s.is_ascii()
        || b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err());
    }
    let num = |r: std::ops::Range<usize>| -> std::result::Result<i64, String> {
        let t = &s[r];
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse::<i64>().map_err(|_| err())
        } else {
            Err(err())
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(err());
    }
    // 2023-02-29 and 2023-04-31 do not exist (they were moved into the next month).
    let last = month_days(y, mo).ok_or_else(err)?;
    if d > last {
        return Err(format!(
            "\"{}\" is not a date: {y:04}-{mo:02} has {last} days",
            crate::quote::quoted(s),
        ));
    }
    let mut rest = &s[19..];
    let mut nanos: i128 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err());
        }
        // Up to nanoseconds; further digits are below our resolution.
        for (k, c) in frac[..digits].bytes().take(9).enumerate() {
            nanos += i128::from(c - b'0') * 10i128.pow(8 - k as u32);
        }
        rest = &frac[digits..];
    }
    let offset_s: i64 = match rest {
        "" | "Z" | "z" => 0,
        z if (z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && &z[3..4] == ":") => {
            // The zone follows the fraction, if any: read it where it is, not at a fixed column.
            let at = s.len() - 6;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (num(at + 1..at + 3)? * 3600 + num(at + 4..at + 6)? * 60)
        }
        _ => return Err(err()),
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    Ok(i128::from(secs) * 1_000_000_000 + nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_parser_agrees_with_the_full_one() {
        let cases = [
            "2023-11-16 18:15:46.6805900",
            "2023-11-16 18:15:46",
            "2024-05-10 00:00:00.465919+00:00",
            "2024-05-10T23:59:60.999999999999Z",
            "2024-05-10 01:30:00.5-01:30",
            "2024-02-29 00:00:00",
            "2023-02-29 00:00:00",
            "2023-04-31 00:00:00",
            "2023-13-01 00:00:00",
            "2023-11-16 24:00:00",
            "2023-11-16 18:17:03.",
            "2023-11-16 18:17:03 x",
            "2023-11-16 18:17:03+0100",
            " 2023-11-16 18:17:03 ",
            "2023-11-16",
            "9999-12-31 23:59:59",
            "1969-12-31 23:59:59.5",
            "2023-11-16 18:15:5Ӟ4.4260870",
            "",
        ];
        for primed in ["", "2023-11-16 00:00:00", "2024-05-10 00:00:00"] {
            for case in cases {
                let mut column = IsoColumn::default();
                let _ = column.parse(primed.as_bytes());
                let full = parse_iso_ns(csv::text(case.as_bytes()));
                assert_eq!(column.parse(case.as_bytes()), full, "{case}");
            }
        }
    }

    #[test]
    fn iso_times() {
        assert_eq!(parse_iso_ns("1970-01-01 00:00:00"), Ok(0));
        assert_eq!(parse_iso_ns("1970-01-02T00:00:01Z"), Ok(86_401_000_000_000));
        assert_eq!(
            parse_iso_ns("2023-11-16 18:17:03.9799600").unwrap()
                - parse_iso_ns("2023-11-16 18:17:03").unwrap(),
            979_960_000
        );
        assert_eq!(
            parse_iso_ns("2023-11-16T18:00:00+01:00").unwrap(),
            parse_iso_ns("2023-11-16T17:00:00Z").unwrap()
        );
        // 2024-03-01 is 60 days after 2024-01-01 (a leap year).
        assert_eq!(
            parse_iso_ns("2024-03-01 00:00:00").unwrap()
                - parse_iso_ns("2024-01-01 00:00:00").unwrap(),
            60 * 86_400 * 1_000_000_000
        );
        // The week-long 2024 traces write microseconds and then the zone.
        assert_eq!(
            parse_iso_ns("2024-05-10 00:00:00.465919+00:00").unwrap()
                - parse_iso_ns("2024-05-10 00:00:00").unwrap(),
            465_919_000
        );
        assert_eq!(
            parse_iso_ns("2024-05-10 01:30:00.5-01:30").unwrap(),
            parse_iso_ns("2024-05-10T03:00:00.5Z").unwrap()
        );
        assert!(parse_iso_ns("2024-02-29 00:00:00").is_ok());
        assert!(parse_iso_ns("2000-02-29 00:00:00").is_ok());
        // Found by fuzzing: a multi-byte character where a digit belongs.
        assert!(parse_iso_ns("2023-11-16 18:15:5Ӟ4.4260870").is_err());
        for bad in [
            "",
            "2023-11-16",
            "2023/11/16 00:00:00",
            "2023-13-01 00:00:00",
            "2023-11-16 18:17:03.",
            "2023-11-16 18:17:03 x",
            "2023-02-29 00:00:00",
            "2023-04-31 00:00:00",
            "1900-02-29 00:00:00",
        ] {
            assert!(parse_iso_ns(bad).is_err(), "{bad}");
        }
    }
}
