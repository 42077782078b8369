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

/// Functions gathered over day files, each in an array as long as the whole trace from its
/// first appearance, so a day's rows are copied in and dropped as soon as the day is added.
pub struct Days {
    /// Days each array holds.
    days: usize,
    index: HashMap<String, usize>,
    names: Vec<String>,
    triggers: Vec<String>,
    /// Where each function first appears: (day, row in that day's file). Days are added in
    /// any order (they are parsed in parallel); this restores the order of first appearance.
    first: Vec<(usize, usize)>,
    counts: Vec<Vec<u32>>,
    last_day: usize,
    /// Each day's warnings, with the day.
    warnings: Vec<(usize, String)>,
    /// The most count cells (functions × days × 1440) memory can hold.
    max_cells: u64,
    /// The days files were added for, and the minutes of the day their columns held.
    seen: std::collections::BTreeSet<usize>,
    minutes: Option<(usize, usize)>,
}

impl Default for Days {
    fn default() -> Self {
        Days::with_days(1)
    }
}

impl Days {
    /// Warns about the days up to the last one that no file was found for (they count as
    /// zeros), after every day's own warnings.
    fn warn_missing(&mut self, present: &[usize]) {
        let missing: Vec<String> = (0..=self.last_day)
            .filter(|d| !present.contains(d))
            .map(|d| format!("d{:02}", d + 1))
            .collect();
        if !missing.is_empty() {
            self.warnings.push((
                usize::MAX,
                format!(
                    "no file for day(s) {}: counted as zeros",
                    missing.join(", ")
                ),
            ));
        }
    }

    /// Room for `days` days per function (more are made room for when added).
    pub fn with_days(days: usize) -> Self {
        Days {
            days: days.max(1),
            index: HashMap::new(),
            names: Vec::new(),
            triggers: Vec::new(),
            first: Vec::new(),
            counts: Vec::new(),
            last_day: 0,
            warnings: Vec::new(),
            // Half the memory available, for the arrays and what is made from them.
            max_cells: crate::limits::available_memory()
                .map_or(u64::MAX, |m| m / 2 / std::mem::size_of::<u32>() as u64),
            seen: std::collections::BTreeSet::new(),
            minutes: None,
        }
    }

    /// Refuses `functions` functions over `days` days when their counts would not fit in
    /// memory: a few kilobytes of archive can name thousands of functions and a late day.
    fn check_room(&self, functions: usize, days: usize) -> Result<()> {
        let cells = functions as u64 * days as u64 * DAY_MINUTES as u64;
        if cells <= self.max_cells {
            return Ok(());
        }
        Err(Error::Format(format!(
            "{functions} functions over {days} days (up to day file d{days:02}) need {:.1} GB of \
             per-minute counts, more than half of the {:.1} GB of memory available; a missing day \
             still takes its room, so give only the day files you need, numbered from d01",
            (cells * 4) as f64 / 1e9,
            (self.max_cells * 8) as f64 / 1e9
        )))
    }

    /// Adds a parsed day file; refused when the trace it makes would not fit in memory.
    pub fn add(&mut self, d: DayRows) -> Result<()> {
        let fresh = d
            .rows
            .iter()
            .filter(|r| !self.index.contains_key(&r.0))
            .count();
        self.check_room(self.names.len() + fresh, self.days.max(d.day + 1))?;
        self.last_day = self.last_day.max(d.day);
        self.seen.insert(d.day);
        if let Some((a, b)) = d.minutes {
            let (lo, hi) = self.minutes.unwrap_or((a, b));
            self.minutes = Some((lo.min(a), hi.max(b)));
        }
        if d.day >= self.days {
            self.days = d.day + 1;
            for c in &mut self.counts {
                c.resize(self.days * DAY_MINUTES, 0);
            }
        }
        let at = d.day * DAY_MINUTES..(d.day + 1) * DAY_MINUTES;
        for (row_no, (key, name, trigger, row)) in d.rows.into_iter().enumerate() {
            let i = match self.index.get(&key) {
                Some(&i) => {
                    self.first[i] = self.first[i].min((d.day, row_no));
                    i
                }
                None => {
                    let i = self.names.len();
                    self.index.insert(key, i);
                    self.names.push(name);
                    self.triggers.push(trigger);
                    self.first.push((d.day, row_no));
                    self.counts.push(vec![0; self.days * DAY_MINUTES]);
                    i
                }
            };
            // A day's rows have distinct keys (`parse_day` refuses repeats).
            self.counts[i][at.clone()].copy_from_slice(&row);
        }
        self.warnings
            .extend(d.warnings.into_iter().map(|w| (d.day, w)));
        Ok(())
    }

    /// Builds the v1 trace: `(last day + 1) × 1440` minutes per function, functions in order
    /// of first appearance.
    pub fn finish(mut self, source: &str) -> Result<Trace> {
        if self.names.is_empty() {
            return Err(Error::Format(format!(
                "{source}: no functions (the day files have a header but no rows)"
            )));
        }
        let minutes = (self.last_day + 1) * DAY_MINUTES;
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by_key(|&i| self.first[i]);
        let functions = order
            .into_iter()
            .map(|i| {
                let mut c = std::mem::take(&mut self.counts[i]);
                c.truncate(minutes);
                let mut f =
                    Function::new(std::mem::take(&mut self.names[i]), Series::Counts(c.into()));
                f.trigger = Some(std::mem::take(&mut self.triggers[i]));
                f
            })
            .collect();
        // Stable: each day's warnings keep their order.
        self.warnings.sort_by_key(|(day, _)| *day);
        let described = self.described();
        let warnings = self.warnings.into_iter().map(|(_, w)| w).collect();
        let mut t = Trace::new(source, TraceKind::V1, functions, warnings)?;
        t.format = crate::trace::Label(described);
        Ok(t)
    }

    /// What was read: "Azure Functions 2019 per-minute counts (CSV): d01–d03, d05 (4 day
    /// files); minutes 481–960 of each day" (the minutes when not the whole day).
    fn described(&self) -> String {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &d in &self.seen {
            match runs.last_mut() {
                Some(r) if r.1 + 1 == d => r.1 = d,
                _ => runs.push((d, d)),
            }
        }
        let days: Vec<String> = runs
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    format!("d{:02}", a + 1)
                } else {
                    format!("d{:02}–d{:02}", a + 1, b + 1)
                }
            })
            .collect();
        let minutes = match self.minutes {
            Some((a, b)) if (a, b) != (0, DAY_MINUTES - 1) => {
                format!("; minutes {}–{} of each day", a + 1, b + 1)
            }
            _ => String::new(),
        };
        format!(
            "Azure Functions 2019 per-minute counts (CSV): {} ({}){minutes}",
            days.join(", "),
            crate::format::plural(self.seen.len() as u64, "day file")
        )
    }
}

/// One day file, parsed on its own: day files are parsed in parallel and added as they come
/// ([`Days::add`]).
pub struct DayRows {
    day: usize,
    /// (owner/app/function key, function name, trigger, the day's 1440 counts), in file order.
    rows: Vec<(String, String, String, Vec<u32>)>,
    warnings: Vec<String>,
    /// The first and last minute of the day the file's columns hold (a slice: 480..959).
    minutes: Option<(usize, usize)>,
}

/// Parses one day file as day `day` (0-based).
pub fn parse_day(
    file: &str,
    day: usize,
    input: impl Read,
    total: u64,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<DayRows> {
    let mut bad = BadRows::new(opts);
    // (owner, app, function, trigger) columns and each minute column's minute of the day.
    let mut layout: Option<Layout> = None;
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
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
            if !seen.insert(key.clone()) {
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
            rows.push((
                key,
                csv::text(f[keys[2]]).to_string(),
                csv::text(f[keys[3]]).to_string(),
                row,
            ));
            Ok(())
        },
    )?;
    if layout.is_none() {
        return Err(Error::Format(format!("{file}: the file is empty")));
    }
    let minutes = layout
        .as_ref()
        .and_then(|(_, m)| Some((m.iter().map(|x| x.1).min()?, m.iter().map(|x| x.1).max()?)));
    Ok(DayRows {
        day,
        rows,
        warnings: bad.warning().into_iter().collect(),
        minutes,
    })
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

/// Two files claim one day: merging them would let the one read last win, row by row.
fn two_files_for_a_day(day: usize, a: &str, b: &str) -> Error {
    Error::Format(format!(
        "two files are for day d{:02}: {} and {}; keep one of them (move the other out of \
         the directory or archive)",
        day + 1,
        crate::quote::quoted(a),
        crate::quote::quoted(b)
    ))
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
    if let Some(w) = files.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(two_files_for_a_day(
            w[0].0,
            &super::file_name(&w[0].1),
            &super::file_name(&w[1].1),
        ));
    }
    let total: u64 = files.iter().map(|f| f.2).sum();
    let last = files.iter().map(|f| f.0).max().unwrap_or(0);
    let mut days = parse_files(&files, opts, progress, total, Days::with_days(last + 1))?;
    let present: Vec<usize> = files.iter().map(|f| f.0).collect();
    days.warn_missing(&present);
    days.finish(&super::file_name(dir))
}

/// Whether `head` starts with a tar header: the `ustar` magic at byte 257 and a checksum that
/// adds up (five bytes of text at that place are no evidence: a CSV can have them).
pub fn is_tar(head: &[u8]) -> bool {
    let Some(header) = head.get(..512) else {
        return false;
    };
    if &header[257..262] != b"ustar" {
        return false;
    }
    let field = &header[148..156];
    let digits = std::str::from_utf8(field)
        .ok()
        .map(|t| t.trim_matches(|c: char| c == '\0' || c == ' '));
    let Some(claimed) = digits.and_then(|d| u32::from_str_radix(d, 8).ok()) else {
        return false;
    };
    // The checksum counts its own field as eight spaces.
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == claimed
}

/// Reads the Azure Functions 2019 dataset as published, a tar archive (once decompressed:
/// `azurefunctions-dataset2019.tar.xz`) of day files, without unpacking it to disk: day files
/// are parsed one after another as the archive streams by; other members (durations, memory)
/// are skipped.
pub fn load_tar(
    source: &str,
    input: impl Read,
    opts: &LoadOptions,
    progress: Progress<'_>,
) -> Result<Trace> {
    let bad = |e: std::io::Error| Error::Format(format!("{source}: cannot read the archive: {e}"));
    let mut archive = tar::Archive::new(input);
    let mut days = Days::default();
    let mut present: Vec<(usize, String)> = Vec::new();
    let mut done = 0u64;
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".csv") || !lower.starts_with("invocations") {
            continue;
        }
        let Some(day) = day_of(&name) else {
            continue;
        };
        if let Some((_, other)) = present.iter().find(|(d, _)| *d == day) {
            return Err(two_files_for_a_day(day, other, &name));
        }
        let size = entry.size();
        let label = format!("{source}: {name}");
        let rows = parse_day(&label, day, entry, size, opts, &mut |_, _| {})?;
        done += size;
        progress(done, 0);
        days.add(rows)?;
        present.push((day, name));
    }
    let present: Vec<usize> = present.into_iter().map(|(d, _)| d).collect();
    if present.is_empty() {
        return Err(Error::Format(format!(
            "{source}: the archive has no Azure Functions 2019 day files \
             (invocations_per_function_md.anon.dNN.csv)"
        )));
    }
    days.warn_missing(&present);
    days.finish(source)
}

/// Parses the day files on all cores, a file at a time, adding each to `days` as it is done
/// (so no more than a day per core waits in memory). Progress counts every thread's bytes,
/// reported from this one. The error of the first failing file, in file order.
fn parse_files(
    files: &[(usize, std::path::PathBuf, u64)],
    opts: &LoadOptions,
    progress: Progress<'_>,
    total: u64,
    days: Days,
) -> Result<Days> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    let days = Mutex::new(days);
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    // After a failure, files not yet started are left: every file before it has been taken,
    // so the first failure in file order is among those parsed.
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let parse = |report: &mut dyn FnMut(u64)| loop {
        if failed.load(Ordering::Relaxed) {
            return;
        }
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some((day, path, len)) = files.get(k) else {
            return;
        };
        let mut counted = 0;
        let parsed = std::fs::File::open(path)
            .map_err(|err| Error::Io {
                action: "cannot read trace",
                path: path.clone(),
                err,
            })
            .and_then(|file| {
                parse_day(
                    &super::file_name(path),
                    *day,
                    std::io::BufReader::new(file),
                    *len,
                    opts,
                    &mut |bytes, _| {
                        let before = done.fetch_add(bytes - counted, Ordering::Relaxed);
                        report(before + bytes - counted);
                        counted = bytes;
                    },
                )
            });
        match parsed.and_then(|d| days.lock().unwrap_or_else(|e| e.into_inner()).add(d)) {
            Ok(()) => {}
            Err(e) => {
                failed.store(true, Ordering::Relaxed);
                let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                if first.as_ref().is_none_or(|(j, _)| k < *j) {
                    *first = Some((k, e));
                }
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..crate::par::threads().min(files.len()) {
            s.spawn(|| parse(&mut |_| {}));
        }
        parse(&mut |bytes| progress(bytes, total));
    });
    if let Some((_, e)) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(days.into_inner().unwrap_or_else(|e| e.into_inner()))
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

    #[test]
    fn days_added_in_any_order_give_the_same_trace() {
        let file = |day: usize, rows: &[&str]| {
            let mut text = String::from("HashOwner,HashApp,HashFunction,Trigger,1,2");
            for r in rows {
                text.push_str(&format!("\no,a,{r},http,{},{day}", day + 1));
            }
            let opts = LoadOptions::default();
            parse_day("d.csv", day, text.as_bytes(), 0, &opts, &mut |_, _| {}).unwrap()
        };
        let build = |order: &[usize]| {
            let mut days = Days::with_days(2);
            for &d in order {
                // Day 2 is beyond the room made: the arrays grow.
                days.add(match d {
                    0 => file(0, &["f", "g"]),
                    1 => file(1, &["h", "f"]),
                    _ => file(2, &["k", "g"]),
                })
                .unwrap();
            }
            days.finish("t").unwrap()
        };
        let want = build(&[0, 1, 2]);
        let names: Vec<&str> = want.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["f", "g", "h", "k"]);
        for order in [[2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let got = build(&order);
            assert_eq!(got.functions, want.functions, "{order:?}");
        }
        // g: day 0 minute 0 is 1, day 2 minute 0 is 3, day 1 is zeros.
        let Series::Counts(g) = &want.functions[1].series else {
            panic!("v1")
        };
        assert_eq!(
            (
                g.len(),
                g.get(0),
                g.get(1),
                g.get(1440),
                g.get(2880),
                g.get(2881)
            ),
            (4320, 1, 0, 0, 3, 2)
        );
    }
}
