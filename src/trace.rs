//! The trace model: named functions, each either per-minute invocation counts (azure_v1) or
//! sorted invocation timestamps in seconds (azure_v2), in the file's order.

pub mod column;
pub mod counts;
pub mod le;
mod mapped;
pub mod summary;
pub mod times;
pub mod tokens;

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
pub use column::Column;
pub use counts::{Backing, Counts};
pub(crate) use mapped::map_large;
pub use mapped::report_bus_errors;
pub use summary::{OVERVIEW_BINS, Profile, Summary};
pub use times::Times;
pub use tokens::{HashIds, TokenRows, Tokens};

/// Seconds in a day.
pub const DAY_SECONDS: u64 = 86_400;
/// Minutes in a day.
pub const DAY_MINUTES: usize = 1_440;

/// Which of the two Azure Functions trace layouts a trace has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceKind {
    /// azure_v1 (2019): invocations per minute of each function.
    V1,
    /// azure_v2 (2021): invocation start times, seconds since the trace start.
    V2,
}

impl fmt::Display for TraceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceKind::V1 => "v1",
            TraceKind::V2 => "v2",
        })
    }
}

impl FromStr for TraceKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "v1" | "azure_v1" => Ok(TraceKind::V1),
            "v2" | "azure_v2" => Ok(TraceKind::V2),
            other => Err(Error::param(
                "kind",
                format!(
                    "{other:?} is not a trace kind; use v1 (per-minute counts) or v2 (timestamps)"
                ),
            )),
        }
    }
}

/// One function's data.
#[derive(Debug, Clone, PartialEq)]
pub enum Series {
    /// Invocations in each minute from the trace start.
    Counts(Counts),
    /// Sorted invocation times in seconds since the trace start.
    Times(Times),
}

impl Series {
    /// Total invocations.
    pub fn invocations(&self) -> u64 {
        match self {
            Series::Counts(c) => c.sum_range(0..c.len()),
            Series::Times(t) => t.len() as u64,
        }
    }
}

/// A named function of the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The function's name (in the Azure traces, a hash).
    pub name: String,
    /// Its invocations.
    pub series: Series,
    /// Its trigger (`http`, `timer`, …) where the trace says (Azure 2019).
    pub trigger: Option<String>,
    /// Per-invocation token counts where the trace has them (LLM traces; v2 only).
    pub tokens: Option<Tokens>,
    /// Per-invocation run time in seconds where the trace has it (Azure Functions 2021),
    /// aligned with the timestamps.
    pub durations: Option<Vec<f64>>,
}

impl Function {
    /// A function without trigger or tokens.
    pub fn new(name: impl Into<String>, series: Series) -> Function {
        Function {
            name: name.into(),
            series,
            trigger: None,
            tokens: None,
            durations: None,
        }
    }
}

/// A loaded trace. Every function's series matches `kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Where it came from (file name), for reports and exports.
    pub source: String,
    /// Counts or timestamps.
    pub kind: TraceKind,
    /// Functions in file order (mapping strategies depend on it).
    pub functions: Vec<Function>,
    /// Length of the trace in whole days (14 for the published traces).
    pub days: u32,
    /// Things the user should know about the data (sorted for them, ignored bytes, …).
    pub warnings: Vec<String>,
    /// For traces that are not day-based (LLM, Mooncake, BurstGPT, generic timestamps): their
    /// length in seconds, first request to last (the default window and rates use it); `None`
    /// for pickles and the Azure Functions traces, which keep whole days.
    pub span: Option<u64>,
    /// Unix nanoseconds of the trace's time 0 when its source keeps a wall clock (the Azure LLM
    /// traces, CSVs of ISO or Unix times, which are read relative to their first request);
    /// exports that write dates start from it.
    pub clock: Option<i64>,
    /// The format it was read from, in plain words ("Mooncake JSONL"); empty when not known.
    pub format: Label,
    /// Total invocations, counted on first use (a full pass over a 0.8 GB v1 trace).
    invocations: Memo,
}

/// Renames functions whose name an earlier function already has (`app/func` joins of different
/// pairs, keys that differ only in invalid UTF-8), so that no two are merged by name later (a
/// pickle's keys, `--only`); the later ones get `#2`, `#3`, … Returns the warning saying so.
fn distinct_names(functions: &mut [Function]) -> Option<String> {
    let mut taken: std::collections::HashSet<String> =
        std::collections::HashSet::with_capacity(functions.len());
    let mut repeated = Vec::new();
    for (i, f) in functions.iter().enumerate() {
        if !taken.insert(f.name.clone()) {
            repeated.push(i);
        }
    }
    let first = functions.get(*repeated.first()?)?.name.clone();
    // The next suffix to try for each name: searching from #2 for every repeat was quadratic
    // in the repeats of one name.
    let mut next: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for &i in &repeated {
        let name = std::mem::take(&mut functions[i].name);
        let n = next.entry(name.clone()).or_insert(2);
        let renamed = loop {
            let candidate = format!("{name}#{n}");
            *n += 1;
            if !taken.contains(&candidate) {
                break candidate;
            }
        };
        taken.insert(renamed.clone());
        functions[i].name = renamed;
    }
    Some(format!(
        "{} function(s) had the name of an earlier, different function (first: {:?}); renamed \
         NAME#2, NAME#3, … so that none are merged",
        repeated.len(),
        crate::quote::clip(&first, 60)
    ))
}

/// Words about where data came from, for people; ignored by equality, as the same data read
/// from a cache or its source is the same trace.
#[derive(Debug, Clone, Default)]
pub struct Label(pub String);

impl PartialEq for Label {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::ops::Deref for Label {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

/// A value computed once; ignored by equality, as it follows from the rest.
#[derive(Debug, Clone, Default)]
struct Memo(std::sync::OnceLock<u64>);

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Trace {
    /// Checks every count read in place (int32 in the file, so it could be negative) and
    /// counts all invocations, on all cores. Loading does not read the arrays, so that a replay
    /// of one day touches only that day; a replay checks what it reads, and everything that
    /// reads the whole trace (summaries, conversion) calls this first.
    pub fn check(&self) -> Result<u64> {
        if let Some(&n) = self.invocations.0.get() {
            return Ok(n);
        }
        let mapped: Vec<(&str, &Counts)> = self
            .functions
            .iter()
            .filter_map(|f| match &f.series {
                Series::Counts(c) if c.is_mapped() => Some((f.name.as_str(), c)),
                _ => None,
            })
            .collect();
        let owned: u64 = self
            .functions
            .iter()
            .filter(|f| !matches!(&f.series, Series::Counts(c) if c.is_mapped()))
            .map(|f| f.series.invocations())
            .sum();
        let (x, y) = crate::par::on_both_halves(&mapped, |part| -> Result<u64> {
            part.iter().try_fold(0u64, |acc, (name, c)| {
                c.checked_sum(0..c.len())
                    .map(|s| acc + s)
                    .map_err(|(minute, v)| bad_count(name, minute, v))
            })
        });
        let total = x? + y? + owned;
        let _ = self.invocations.0.set(total);
        Ok(total)
    }

    /// Builds a trace from series already checked for `kind`; derives the number of days.
    pub fn new(
        source: &str,
        kind: TraceKind,
        mut functions: Vec<Function>,
        mut warnings: Vec<String>,
    ) -> Result<Trace> {
        if functions.is_empty() {
            return Err(Error::Trace("the trace has no functions".into()));
        }
        warnings.extend(distinct_names(&mut functions));
        let days = match kind {
            TraceKind::V1 => {
                let minutes = functions
                    .iter()
                    .map(|f| match &f.series {
                        Series::Counts(c) => c.len(),
                        Series::Times(_) => 0,
                    })
                    .max()
                    .unwrap_or(0);
                minutes.div_ceil(DAY_MINUTES)
            }
            TraceKind::V2 => {
                let last = functions
                    .iter()
                    .filter_map(|f| match &f.series {
                        Series::Times(t) => t.last(),
                        Series::Counts(_) => None,
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                // floor + 1 rather than ceil, so a timestamp exactly at a day boundary stays inside.
                let days = (last / DAY_SECONDS as f64).floor() + 1.0;
                if days > f64::from(u32::MAX) {
                    return Err(Error::Trace(format!(
                        "the last invocation is at {last:.3e} s, more than {} days: times that \
                         large are not seconds (give their unit, e.g. --time-unit ms, us or ns)",
                        u32::MAX
                    )));
                }
                if last >= 0.0 { days as usize } else { 0 }
            }
        };
        if days == 0 {
            return Err(Error::Trace(
                "the trace has no invocations at or after time 0".into(),
            ));
        }
        let days = u32::try_from(days)
            .map_err(|_| Error::Trace(format!("the trace spans {days} days")))?;
        Ok(Trace {
            source: source.to_owned(),
            kind,
            functions,
            days,
            warnings,
            span: None,
            clock: None,
            format: Label::default(),
            invocations: Memo::default(),
        })
    }

    /// Copies timestamps and token columns read in place into memory, so that the trace no
    /// longer reads its file: a long-lived session (the explorer) then survives the file being
    /// rewritten in place, which would end a process reading a truncated mapping with SIGBUS.
    /// (v1 counts, too many to copy, stay in place: see docs/safety.md.)
    pub fn copy_into_memory(&mut self) {
        for f in &mut self.functions {
            if let Series::Times(t) = &mut f.series
                && t.is_mapped()
            {
                *t = t.in_memory();
            }
            if let Some(k) = &mut f.tokens {
                *k = k.in_memory();
            }
        }
    }

    /// End of the trace in seconds (`days × 86400`, or its span).
    pub fn end_seconds(&self) -> u64 {
        self.span.unwrap_or(u64::from(self.days) * DAY_SECONDS)
    }

    /// The window `start`..`end` (`None`: the trace's end) of this trace, checked.
    pub fn window(&self, start: &str, end: Option<&str>) -> Result<crate::time::Window> {
        crate::time::Window::parse_in(start, end, self.days, self.span)
    }

    /// Makes the trace last from 0 to just past its last request instead of whole days: for
    /// traces that are not day-based.
    pub fn use_span(&mut self) {
        let last = self
            .functions
            .iter()
            .filter_map(|f| match &f.series {
                Series::Times(t) => t.last(),
                Series::Counts(_) => None,
            })
            .fold(0.0f64, f64::max);
        // Half-open windows: one second past the last request keeps it inside.
        self.span = Some((last.max(0.0).floor() as u64).saturating_add(1));
    }

    /// Total invocations over all functions (counted once: `functions` is not meant to change
    /// after loading; build a new trace with [`Trace::new`] instead).
    pub fn invocations(&self) -> u64 {
        *self
            .invocations
            .0
            .get_or_init(|| self.functions.iter().map(|f| f.series.invocations()).sum())
    }
}

/// The error for a negative count read in place.
pub fn bad_count(name: &str, minute: usize, v: i32) -> Error {
    Error::Trace(format!(
        "function {name:?}, minute {minute}: count {v} is not a whole number in 0..=4294967295 \
         (is this really a v1 per-minute trace? try --kind v2)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(name: &str, t: &[f64]) -> Function {
        Function::new(name, Series::Times(t.to_vec().into()))
    }

    #[test]
    fn days_from_last_timestamp() {
        let t = Trace::new(
            "x",
            TraceKind::V2,
            vec![times("a", &[0.0, 86_399.0])],
            vec![],
        )
        .unwrap();
        assert_eq!(t.days, 1);
        let t = Trace::new("x", TraceKind::V2, vec![times("a", &[86_400.0])], vec![]).unwrap();
        assert_eq!(t.days, 2);
        assert!(Trace::new("x", TraceKind::V2, vec![times("a", &[])], vec![]).is_err());
    }
}
