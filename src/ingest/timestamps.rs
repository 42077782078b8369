//! Inputs with one row per invocation: Azure Functions 2021, Azure LLM inference traces, and any
//! CSV with a column of timestamps.

use std::io::Read;

use super::csv::{self, for_each_row};
use super::{BadRows, LoadOptions, Progress, TimeUnit, TimesBuilder, column};
use crate::error::{Error, Result};
use crate::trace::Trace;

/// Azure Functions 2021: `app,func,end_timestamp,duration`; arrival = end − duration; a function
/// is the pair (app, func).
pub fn azure2021(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    let mut b = TimesBuilder::with_durations();
    let mut bad = BadRows::new(opts);
    let mut cols: Option<[usize; 4]> = None;
    let mut key: Vec<u8> = Vec::with_capacity(160);
    for_each_row(
        file,
        input,
        |done| progress(done, total),
        |line, f| {
            let Some([app, func, end, dur]) = cols else {
                let c = |n| column(f, n, "Azure 2021", file);
                cols = Some([c("app")?, c("func")?, c("end_timestamp")?, c("duration")?]);
                return Ok(());
            };
            let get = |i: usize| f.get(i).copied();
            let (Some(a), Some(fu), Some(e), Some(d)) = (get(app), get(func), get(end), get(dur))
            else {
                return bad.bad(
                    file,
                    line,
                    "-",
                    format!("{} fields where 4 were expected", f.len()),
                );
            };
            let e = match csv::number(e) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "end_timestamp", r),
            };
            let d = match csv::number(d) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "duration", r),
            };
            // The key is app's length, app and func as bytes (a separator could occur inside a
            // quoted field), in a buffer reused for every row.
            key.clear();
            key.extend_from_slice(&(a.len() as u64).to_le_bytes());
            key.extend_from_slice(a);
            key.extend_from_slice(fu);
            let i = b.function(&key, || format!("{}/{}", csv::text(a), csv::text(fu)));
            b.push_timed(i, e - d, d);
            Ok(())
        },
    )?;
    if cols.is_none() {
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
    let name = opts.name.clone().unwrap_or_else(|| stem(file));
    let mut b = TimesBuilder::with_tokens();
    let f0 = b.function(b"", || name);
    let mut bad = BadRows::new(opts);
    // (TIMESTAMP, ContextTokens, GeneratedTokens, NumImages of the multimodal traces)
    let mut cols: Option<([usize; 3], Option<usize>)> = None;
    // Nanoseconds since 1970 (i64 reaches 2262), so subtracting the first request loses
    // nothing.
    let mut ticks: Vec<i64> = Vec::new();
    let mut tokens: Vec<(u32, u32)> = Vec::new();
    let mut images: Vec<u32> = Vec::new();
    for_each_row(
        file,
        input,
        |done| progress(done, total),
        |line, f| {
            let Some(([ts, ctx, gen_], img)) = cols else {
                let c = |n| column(f, n, "LLM trace", file);
                let img = f
                    .iter()
                    .position(|h| csv::text(h).eq_ignore_ascii_case("NumImages"));
                cols = Some((
                    [c("TIMESTAMP")?, c("ContextTokens")?, c("GeneratedTokens")?],
                    img,
                ));
                return Ok(());
            };
            let field = |i: usize| f.get(i).copied().unwrap_or(b"");
            let t = match parse_iso_ns(csv::text(field(ts))) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "TIMESTAMP", r),
            };
            let Ok(t) = i64::try_from(t) else {
                return bad.bad(file, line, "TIMESTAMP", "the date is out of range".into());
            };
            let i = match csv::count(field(ctx)) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "ContextTokens", r),
            };
            let o = match csv::count(field(gen_)) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "GeneratedTokens", r),
            };
            if let Some(c) = img {
                match csv::count(field(c)) {
                    Ok(v) => images.push(v),
                    Err(r) => return bad.bad(file, line, "NumImages", r),
                }
            }
            ticks.push(t);
            tokens.push((i, o));
            Ok(())
        },
    )?;
    let Some(&first) = ticks.iter().min() else {
        return Err(Error::Format(format!("{file}: no requests (header only?)")));
    };
    // The builder sorts them into time order, tokens and images with them.
    let with_images = cols.is_some_and(|c| c.1.is_some());
    for (k, (&t, &tok)) in ticks.iter().zip(&tokens).enumerate() {
        let at = (t - first) as f64 / 1e9;
        if with_images {
            b.push_with_images(f0, at, tok, images[k]);
        } else {
            b.push(f0, at, Some(tok));
        }
    }
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
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d > month_days[(mo - 1) as usize] {
        return Err(format!(
            "\"{}\" is not a date: {y:04}-{mo:02} has {} days",
            crate::quote::quoted(s),
            month_days[(mo - 1) as usize]
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
