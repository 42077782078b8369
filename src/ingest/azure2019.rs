//! Azure Functions 2019: `invocations_per_function_md.anon.dNN.csv`, one file per day, columns
//! `HashOwner,HashApp,HashFunction,Trigger,1..1440`. Functions are united across days (missing
//! days are zeros), in order of first appearance; each keeps its trigger.
//!
//! Minute columns may be a labelled slice (InVitro's samples have `480..959`): labels `1..1440`
//! of the published layout are minutes 1-based; any other labels are taken as the minute of the
//! day counted from 0 (`480` = 08:00), which is how such slices are cut.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::csv::{self, for_each_row};
use super::{BadRows, LoadOptions, Progress, column};
use crate::error::{Error, Result};
use crate::trace::{DAY_MINUTES, Function, Series, Trace, TraceKind};

/// A day file's columns: (owner, app, function, trigger), and (column, minute of the day).
type Layout = ([usize; 4], Vec<(usize, usize)>);

/// Functions gathered over day files.
#[derive(Default)]
pub struct Days {
    index: HashMap<String, usize>,
    names: Vec<String>,
    triggers: Vec<String>,
    /// Per function, per day present: the day's 1440 counts.
    counts: Vec<HashMap<usize, Vec<u32>>>,
    last_day: usize,
    warnings: Vec<String>,
}

impl Days {
    /// Builds the v1 trace: `(last day + 1) × 1440` minutes per function.
    pub fn finish(self, source: &str) -> Result<Trace> {
        if self.names.is_empty() {
            return Err(Error::Format(format!(
                "{source}: no functions (the day files have a header but no rows)"
            )));
        }
        let minutes = (self.last_day + 1) * DAY_MINUTES;
        let functions = self
            .names
            .into_iter()
            .zip(self.triggers)
            .zip(self.counts)
            .map(|((name, trigger), days)| {
                let mut c = vec![0u32; minutes];
                for (day, v) in days {
                    c[day * DAY_MINUTES..(day + 1) * DAY_MINUTES].copy_from_slice(&v);
                }
                let mut f = Function::new(name, Series::Counts(c.into()));
                f.trigger = Some(trigger);
                f
            })
            .collect();
        Trace::new(source, TraceKind::V1, functions, self.warnings)
    }
}

/// Reads one day file into `days` as day `day` (0-based).
pub fn read_day(
    days: &mut Days,
    file: &str,
    day: usize,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<()> {
    let mut bad = BadRows::new(opts);
    // (owner, app, function, trigger) columns and each minute column's minute of the day.
    let mut layout: Option<Layout> = None;
    days.last_day = days.last_day.max(day);
    for_each_row(
        file,
        input,
        |done| progress(done, total),
        |line, f| {
            let Some((keys, minutes)) = &layout else {
                layout = Some(header(f, file)?);
                return Ok(());
            };
            if f.len() < keys.iter().max().map_or(0, |m| m + 1) {
                return bad.bad(
                    file,
                    line,
                    "-",
                    format!("{} fields, fewer than the header's", f.len()),
                );
            }
            let mut row = vec![0u32; DAY_MINUTES];
            for &(col, minute) in minutes {
                match f.get(col).map(|v| csv::count(v)) {
                    Some(Ok(v)) => row[minute] = v,
                    Some(Err(r)) => {
                        return bad.bad(file, line, &format!("minute {}", minute + 1), r);
                    }
                    None => {
                        return bad.bad(
                            file,
                            line,
                            "-",
                            format!("{} fields, fewer than the header's", f.len()),
                        );
                    }
                }
            }
            let key = format!(
                "{}/{}/{}",
                csv::text(f[keys[0]]),
                csv::text(f[keys[1]]),
                csv::text(f[keys[2]])
            );
            let i = match days.index.get(&key) {
                Some(&i) => i,
                None => {
                    let i = days.names.len();
                    days.index.insert(key, i);
                    days.names.push(csv::text(f[keys[2]]).to_string());
                    days.triggers.push(csv::text(f[keys[3]]).to_string());
                    days.counts.push(HashMap::new());
                    i
                }
            };
            if days.counts[i].insert(day, row).is_some() {
                return bad.bad(
                    file,
                    line,
                    "HashFunction",
                    format!(
                        "function {} appears twice in this day",
                        csv::text(f[keys[2]])
                    ),
                );
            }
            Ok(())
        },
    )?;
    if layout.is_none() {
        return Err(Error::Format(format!("{file}: the file is empty")));
    }
    days.warnings.extend(bad.warning());
    Ok(())
}

fn header(f: &[&[u8]], file: &str) -> Result<Layout> {
    let c = |n| column(f, n, "Azure 2019", file);
    let keys = [
        c("HashOwner")?,
        c("HashApp")?,
        c("HashFunction")?,
        c("Trigger")?,
    ];
    let labelled: Vec<(usize, u64)> = f
        .iter()
        .enumerate()
        .filter(|(i, _)| !keys.contains(i))
        .map(|(i, h)| {
            csv::text(h).parse::<u64>().map(|l| (i, l)).map_err(|_| {
                Error::Format(format!(
                    "{file}: column {:?} is neither a key column nor a minute number",
                    csv::text(h)
                ))
            })
        })
        .collect::<Result<_>>()?;
    let one_based = labelled.first().is_some_and(|&(_, l)| l == 1);
    let minutes = labelled
        .into_iter()
        .map(|(i, l)| {
            let m = if one_based { l.wrapping_sub(1) } else { l };
            usize::try_from(m)
                .ok()
                .filter(|&m| m < DAY_MINUTES)
                .map(|m| (i, m))
                .ok_or_else(|| {
                    Error::Format(format!(
                        "{file}: minute column {l} is outside the day (1..1440, or 0..1439 for a slice)"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((keys, minutes))
}

/// The day (0-based) a file is for, from `dNN` in its name (`…anon.d03.csv` → 2).
pub fn day_of(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".csv").unwrap_or(&lower);
    let digits = stem.rsplit_once(".d").or_else(|| stem.rsplit_once("_d"))?.1;
    let n: usize = digits.parse().ok()?;
    (1..=366).contains(&n).then(|| n - 1)
}

/// Reads a directory of day files (`…dNN.csv`), or a directory with one `invocations*.csv`.
pub fn load_dir(dir: &Path, opts: &LoadOptions, progress: Progress<'_>) -> Result<Trace> {
    let io = |err| Error::Io {
        action: "cannot read directory",
        path: dir.to_owned(),
        err,
    };
    let mut files: Vec<(usize, std::path::PathBuf, u64)> = Vec::new();
    let mut single = None;
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        let name = e.file_name().to_string_lossy().into_owned();
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".csv") || !lower.starts_with("invocations") {
            continue;
        }
        let len = e.metadata().map_err(io)?.len();
        match day_of(&name) {
            Some(d) => files.push((d, e.path(), len)),
            None => single = Some((0, e.path(), len)),
        }
    }
    if files.is_empty() {
        files.extend(single);
    }
    if files.is_empty() {
        return Err(Error::Format(format!(
            "{}: no Azure Functions 2019 day files (invocations_per_function_md.anon.dNN.csv) here",
            dir.display()
        )));
    }
    files.sort();
    let total: u64 = files.iter().map(|f| f.2).sum();
    let mut before = 0;
    let mut days = Days::default();
    for (day, path, len) in &files {
        let name = super::file_name(path);
        let file = std::fs::File::open(path).map_err(|err| Error::Io {
            action: "cannot read trace",
            path: path.clone(),
            err,
        })?;
        read_day(
            &mut days,
            &name,
            *day,
            std::io::BufReader::new(file),
            *len,
            opts,
            &mut |done, _| progress(before + done, total),
        )?;
        before += len;
    }
    let present: Vec<usize> = files.iter().map(|f| f.0).collect();
    let missing: Vec<String> = (0..=days.last_day)
        .filter(|d| !present.contains(d))
        .map(|d| format!("d{:02}", d + 1))
        .collect();
    if !missing.is_empty() {
        days.warnings.push(format!(
            "no file for day(s) {}: counted as zeros",
            missing.join(", ")
        ));
    }
    days.finish(&super::file_name(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_from_names() {
        assert_eq!(day_of("invocations_per_function_md.anon.d01.csv"), Some(0));
        assert_eq!(day_of("invocations_per_function_md.anon.d14.csv"), Some(13));
        assert_eq!(day_of("invocations.csv"), None);
    }
}
