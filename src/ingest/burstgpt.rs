//! BurstGPT (`Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`, and the
//! v1.1 layout with `Session ID,Elapsed time` after `Timestamp`): timestamps in seconds,
//! functions keyed by `Model` (or the columns `--key-column` lists, comma-separated, such as
//! `Log Type` or `Model,Log Type`), token counts carried. Failed requests (0 response tokens)
//! are kept, or dropped with `--skip-failed`, and counted either way.

use std::io::Read;

use super::csv::{self, for_each_row};
use super::{BadRows, LoadOptions, Progress, TimesBuilder, column};
use crate::error::{Error, Result};
use crate::trace::Trace;

/// Whether a header names BurstGPT's columns.
pub fn is_burstgpt(cols: &[&str]) -> bool {
    ["Timestamp", "Model", "Request tokens", "Response tokens"]
        .iter()
        .all(|n| cols.iter().any(|c| c.eq_ignore_ascii_case(n)))
}

/// Reads a BurstGPT CSV.
pub fn read(
    file: &str,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    let key_names: Vec<String> = opts
        .key_column
        .as_deref()
        .unwrap_or("Model")
        .split(',')
        .map(|k| k.trim().to_string())
        .collect();
    let mut b = TimesBuilder::with_tokens();
    let mut bad = BadRows::new(opts);
    let mut cols: Option<(usize, usize, usize, Vec<usize>)> = None;
    let (mut failed, mut kept_failed) = (0u64, 0u64);
    let mut key = Vec::with_capacity(64);
    for_each_row(
        file,
        input,
        |done| progress(done, total),
        |line, f| {
            let Some((ts, req, resp, keys)) = &cols else {
                let c = |n: &str| column(f, n, "BurstGPT", file);
                let keys = key_names.iter().map(|k| c(k)).collect::<Result<Vec<_>>>()?;
                cols = Some((
                    c("Timestamp")?,
                    c("Request tokens")?,
                    c("Response tokens")?,
                    keys,
                ));
                return Ok(());
            };
            let get = |i: usize| f.get(i).copied().unwrap_or(b"");
            let t = match csv::number(get(*ts)) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "Timestamp", r),
            };
            let i = match csv::count(get(*req)) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "Request tokens", r),
            };
            let o = match csv::count(get(*resp)) {
                Ok(v) => v,
                Err(r) => return bad.bad(file, line, "Response tokens", r),
            };
            if o == 0 {
                failed += 1;
                if opts.skip_failed {
                    return Ok(());
                }
                kept_failed += 1;
            }
            // Each field with its length: joined with '/', `a/b`+`c` and `a`+`b/c` were one
            // function (their names still come out alike and are told apart later).
            key.clear();
            for &k in keys {
                let field = get(k);
                key.extend_from_slice(&(field.len() as u64).to_le_bytes());
                key.extend_from_slice(field);
            }
            let f_idx = b.function(&key, || {
                keys.iter()
                    .map(|&k| csv::text(get(k)))
                    .collect::<Vec<_>>()
                    .join("/")
            });
            b.push(f_idx, t, Some((i, o)));
            Ok(())
        },
    )?;
    if cols.is_none() {
        return Err(Error::Format(format!("{file}: the file is empty")));
    }
    let mut warnings: Vec<String> = bad.warning().into_iter().collect();
    if opts.skip_failed && failed > 0 {
        warnings.push(format!(
            "{failed} failed request(s) (0 response tokens) dropped (--skip-failed)"
        ));
    } else if kept_failed > 0 {
        warnings.push(format!(
            "{kept_failed} request(s) failed (0 response tokens) and are kept as requests; \
             --skip-failed drops them"
        ));
    }
    b.finish(file, warnings)
}
