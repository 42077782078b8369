//! Any CSV with a column of timestamps: `--time-column`, an optional `--key-column` (a function
//! per key) and token columns; Unix times and ISO date-times become seconds after the earliest.

use std::io::Read;

use super::csv::{self, for_each_row};
use super::datetime::parse_iso_ns;
use super::timestamps::{EPOCH_LIKE, Num, exact_number, stem, unix_note};
use super::{BadRows, LoadOptions, Progress, TimeUnit, TimesBuilder, column};
use crate::error::{Error, Result};
use crate::trace::Trace;

/// Any CSV: times in `--time-column`, functions by `--key-column` (else one function).
pub fn read(
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
        return b.finish(file, warnings).map(|t| clocked(t, first));
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
        let ns_per_unit: i128 = match opts.time_unit {
            TimeUnit::Ms => 1_000_000,
            TimeUnit::Us => 1_000,
            TimeUnit::Ns => 1,
            TimeUnit::S | TimeUnit::Iso => 1_000_000_000,
        };
        return b
            .finish(file, warnings)
            .map(|t| clocked(t, min.saturating_mul(ns_per_unit)));
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
        return b
            .finish(file, warnings)
            .map(|t| clocked(t, (min * 1e9) as i128));
    }
    b.finish(file, warnings)
}

/// `t` with its time 0 at Unix nanoseconds `ns` (none when out of range).
fn clocked(mut t: Trace, ns: i128) -> Trace {
    t.clock = i64::try_from(ns).ok();
    t
}
