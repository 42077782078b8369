//! The trace model: named functions, each either per-minute invocation counts (azure_v1) or
//! sorted invocation timestamps in seconds (azure_v2), in the file's order.

pub mod counts;
pub mod le;
mod mapped;
pub mod times;

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
pub use counts::{Backing, Counts};
pub(crate) use mapped::map_large;
pub use mapped::report_bus_errors;
pub use times::Times;

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

/// Token counts of each invocation of an LLM inference trace, aligned with its timestamps.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    /// Prompt (context) tokens.
    pub input: Vec<u32>,
    /// Generated tokens.
    pub output: Vec<u32>,
    /// Each request's row of `hash_ids` (Mooncake inputs): kept through vanilla replays so that
    /// prefix sharing survives into a Mooncake export.
    #[serde(skip)]
    pub hash_rows: Option<Vec<u32>>,
    /// The rows, shared by all functions of the trace.
    #[serde(skip)]
    pub hash_ids: Option<std::sync::Arc<HashIds>>,
    /// Images sent with each request (Azure LMM multimodal traces' `NumImages`).
    #[serde(skip)]
    pub images: Option<Vec<u32>>,
}

impl Tokens {
    /// The hash-id table that every one of `tokens` has rows of, when they all share one
    /// (a merge of them can keep the ids then; otherwise they are dropped).
    pub fn shared_hash_ids<'a>(
        mut tokens: impl Iterator<Item = Option<&'a Tokens>>,
    ) -> Option<std::sync::Arc<HashIds>> {
        let first = tokens.next()??;
        let table = first
            .hash_ids
            .clone()
            .filter(|_| first.hash_rows.is_some())?;
        tokens
            .all(|t| {
                t.is_some_and(|k| {
                    k.hash_rows.is_some()
                        && k.hash_ids
                            .as_ref()
                            .is_some_and(|h| std::sync::Arc::ptr_eq(h, &table))
                })
            })
            .then_some(table)
    }

    /// Token counts without prefix-cache ids.
    pub fn counts(input: Vec<u32>, output: Vec<u32>) -> Tokens {
        Tokens {
            input,
            output,
            ..Tokens::default()
        }
    }
}

/// Requests' prefix-cache block ids (Mooncake's `hash_ids`: equal ids are reusable KV-cache
/// blocks), one row a request, stored flat.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HashIds {
    ends: Vec<u64>,
    ids: Vec<u64>,
}

impl HashIds {
    /// Adds a row; its number.
    pub fn push(&mut self, ids: &[u64]) -> u32 {
        self.ids.extend_from_slice(ids);
        self.ends.push(self.ids.len() as u64);
        (self.ends.len() - 1) as u32
    }

    /// Row `r` (empty if there is none).
    pub fn row(&self, r: u32) -> &[u64] {
        let r = r as usize;
        let start = if r == 0 {
            0
        } else {
            self.ends.get(r - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(r).copied().unwrap_or(start);
        self.ids.get(start as usize..end as usize).unwrap_or(&[])
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
    for &i in &repeated {
        let name = &functions[i].name;
        let renamed = (2u64..)
            .map(|n| format!("{name}#{n}"))
            .find(|c| !taken.contains(c))?;
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

/// A value computed once; ignored by equality, as it follows from the rest.
#[derive(Debug, Clone, Default)]
struct Memo(std::sync::OnceLock<u64>);

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Whole-trace figures from one pass, for overviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Invocations of each function, in trace order.
    pub per_function: Vec<u64>,
    /// All invocations in each `bin_hours` hours of the trace (`days × 24 / bin_hours` entries,
    /// rounded up: at most [`OVERVIEW_BINS`]).
    pub hourly: Vec<u64>,
    /// Hours per entry of `hourly`: 1, or more for traces longer than [`OVERVIEW_BINS`] hours.
    pub bin_hours: usize,
}

/// The most entries of a trace's overview ([`Profile::hourly`]): a year of hours. A longer
/// span (a timestamp of 10^14 s makes billions of hours) gets wider bins instead of more.
pub const OVERVIEW_BINS: usize = 24 * 365;

/// Summary figures of a trace, as `inspect` shows them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// v1 or v2.
    pub kind: TraceKind,
    /// Days covered.
    pub days: u32,
    /// The span in seconds of a trace that is not day-based ([`Trace::span`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<u64>,
    /// Number of functions.
    pub functions: usize,
    /// Total invocations.
    pub invocations: u64,
    /// Most invocations of one function.
    pub max: u64,
    /// Fewest invocations of one function.
    pub min: u64,
    /// Mean invocations per function.
    pub avg: f64,
    /// The busiest functions, most invocations first: `(name, invocations)`.
    pub busiest: Vec<(String, u64)>,
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
                if last >= 0.0 {
                    (last / DAY_SECONDS as f64).floor() as usize + 1
                } else {
                    0
                }
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
            invocations: Memo::default(),
        })
    }

    /// Copies timestamps read in place into memory, so that the trace no longer reads its
    /// file: a long-lived session (the explorer) then survives the file being rewritten in
    /// place, which would end a process reading a truncated mapping with SIGBUS. (v1 counts,
    /// too many to copy, stay in place: see docs/safety.md.)
    pub fn copy_times_into_memory(&mut self) {
        for f in &mut self.functions {
            if let Series::Times(t) = &mut f.series
                && t.is_mapped()
            {
                *t = Times::from(t.to_vec());
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
        self.span = Some(last.max(0.0).floor() as u64 + 1);
    }

    /// Total invocations over all functions (counted once: `functions` is not meant to change
    /// after loading; build a new trace with [`Trace::new`] instead).
    pub fn invocations(&self) -> u64 {
        *self
            .invocations
            .0
            .get_or_init(|| self.functions.iter().map(|f| f.series.invocations()).sum())
    }

    /// Each function's invocations and all invocations per hour, in one pass on all cores,
    /// checking counts read in place on the way (as [`Trace::check`], whose total it sets).
    pub fn profile(&self) -> Result<Profile> {
        let hours = (self.days as usize).saturating_mul(24);
        let bin_hours = hours.div_ceil(OVERVIEW_BINS).max(1);
        let bins = hours.div_ceil(bin_hours);
        let scan = |part: &[Function]| -> Result<(Vec<u64>, Vec<u64>)> {
            let mut hourly = vec![0u64; bins];
            let mut totals = Vec::with_capacity(part.len());
            for f in part {
                totals.push(match &f.series {
                    Series::Times(t) => {
                        t.add_binned(3600.0 * bin_hours as f64, &mut hourly);
                        t.len() as u64
                    }
                    Series::Counts(c) => c
                        .add_per_hours(bin_hours, &mut hourly)
                        .map_err(|(minute, v)| bad_count(&f.name, minute, v))?,
                });
            }
            Ok((totals, hourly))
        };
        let weight = |f: &Function| match &f.series {
            Series::Times(t) => t.len(),
            Series::Counts(c) => c.len(),
        };
        let (x, y) = crate::par::on_both_weighed_halves(&self.functions, weight, scan);
        let ((mut per_function, mut hourly), (more, hourly_b)) = (x?, y?);
        per_function.extend(more);
        for (h, v) in hourly.iter_mut().zip(hourly_b) {
            *h += v;
        }
        let _ = self.invocations.0.set(per_function.iter().sum());
        Ok(Profile {
            per_function,
            hourly,
            bin_hours,
        })
    }

    /// Summary figures with the `top` busiest functions.
    pub fn summary(&self, top: usize) -> Summary {
        let counts: Vec<u64> = self
            .functions
            .iter()
            .map(|f| f.series.invocations())
            .collect();
        self.summary_of(&counts, top)
    }

    /// [`Trace::summary`] from each function's invocations already counted (by
    /// [`Trace::profile`]).
    pub fn summary_of(&self, counts: &[u64], top: usize) -> Summary {
        let total: u64 = counts.iter().sum();
        let mut order: Vec<usize> = (0..counts.len()).collect();
        order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
        Summary {
            kind: self.kind,
            days: self.days,
            span: self.span,
            functions: counts.len(),
            invocations: total,
            max: counts.iter().copied().max().unwrap_or(0),
            min: counts.iter().copied().min().unwrap_or(0),
            avg: total as f64 / counts.len().max(1) as f64,
            busiest: order
                .into_iter()
                .take(top)
                .map(|i| (self.functions[i].name.clone(), counts[i]))
                .collect(),
        }
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

    #[test]
    fn summary_orders_busiest() {
        let t = Trace::new(
            "x",
            TraceKind::V2,
            vec![times("a", &[1.0]), times("b", &[1.0, 2.0]), times("c", &[])],
            vec![],
        )
        .unwrap();
        let s = t.summary(2);
        assert_eq!((s.invocations, s.max, s.min), (3, 2, 0));
        assert_eq!(s.busiest, vec![("b".to_string(), 2), ("a".to_string(), 1)]);
    }
}
