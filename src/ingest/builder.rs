//! Building a trace from rows: functions keyed in order of first appearance, their times (and
//! tokens, run times) collected and sorted; bad rows counted or refused.

use std::collections::HashMap;

use super::LoadOptions;
use super::csv;
use crate::error::{Error, Result};
use crate::trace::{Function, Series, TokenRows, Trace, TraceKind};

/// The warning for requests timed before 0 s, which no window holds (for Azure 2021 rows: a
/// duration longer than `end_timestamp`; for Mooncake, a negative `timestamp`).
pub(super) fn before_zero(times: &[Vec<f64>]) -> Option<String> {
    let negative: usize = times
        .iter()
        .map(|t| t.iter().filter(|&&x| x < 0.0).count())
        .sum();
    (negative > 0).then(|| {
        format!(
            "{negative} request(s) start before 0 s (for Azure 2021 rows: a duration longer \
             than end_timestamp; elsewhere a negative time) and fall in no window"
        )
    })
}

/// Functions keyed by name in order of first appearance, collecting timestamps (and tokens).
#[derive(Default)]
pub struct TimesBuilder {
    index: HashMap<Vec<u8>, usize>,
    names: Vec<String>,
    times: Vec<Vec<f64>>,
    tokens: Vec<TokenRows>,
    with_tokens: bool,
    /// Each invocation's run time, when the input has them (Azure Functions 2021).
    durations: Vec<Vec<f64>>,
    with_durations: bool,
}

impl TimesBuilder {
    /// A builder that also keeps token counts.
    pub fn with_tokens() -> Self {
        TimesBuilder {
            with_tokens: true,
            ..TimesBuilder::default()
        }
    }

    /// A builder that also keeps each invocation's run time.
    pub fn with_durations() -> Self {
        TimesBuilder {
            with_durations: true,
            ..TimesBuilder::default()
        }
    }

    /// Adds an invocation that ran for `seconds`.
    pub fn push_timed(&mut self, function: usize, time: f64, seconds: f64) {
        self.push(function, time, None);
        if self.with_durations {
            self.durations[function].push(seconds);
        }
    }

    /// The function for `key`, created on first sight with `name()`.
    pub fn function(&mut self, key: &[u8], name: impl FnOnce() -> String) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.names.len();
        self.index.insert(key.to_vec(), i);
        self.names.push(name());
        self.times.push(Vec::new());
        self.tokens.push(TokenRows::default());
        self.durations.push(Vec::new());
        i
    }

    /// Adds an invocation.
    pub fn push(&mut self, function: usize, time: f64, tokens: Option<(u32, u32)>) {
        self.times[function].push(time);
        if let (true, Some((i, o))) = (self.with_tokens, tokens) {
            self.tokens[function].input.push(i);
            self.tokens[function].output.push(o);
        }
    }

    /// Gives a function that has no invocations yet all of them at once, with their tokens.
    pub fn set(&mut self, function: usize, times: Vec<f64>, tokens: TokenRows) {
        self.times[function] = times;
        if self.with_tokens {
            self.tokens[function] = tokens;
        }
    }

    /// Adds a request with its tokens and the images sent with it (multimodal traces).
    pub fn push_with_images(
        &mut self,
        function: usize,
        time: f64,
        tokens: (u32, u32),
        images: u32,
    ) {
        self.push(function, time, Some(tokens));
        self.tokens[function]
            .images
            .get_or_insert_with(Vec::new)
            .push(images);
    }

    /// Shifts every time by `-origin`.
    pub fn shift(&mut self, origin: f64) {
        for t in self.times.iter_mut().flatten() {
            *t -= origin;
        }
    }

    /// The earliest time.
    pub fn min_time(&self) -> Option<f64> {
        self.times.iter().flatten().copied().reduce(f64::min)
    }

    /// Sorts each function's times (tokens follow) and builds a v2 trace.
    pub fn finish(self, source: &str, mut warnings: Vec<String>) -> Result<Trace> {
        if self.names.is_empty() {
            return Err(Error::Format(format!(
                "{source}: no invocations (the file has a header but no data rows)"
            )));
        }
        let mut functions = Vec::with_capacity(self.names.len());
        let mut unsorted = 0usize;
        warnings.extend(before_zero(&self.times));
        for (((name, mut times), mut tokens), mut durations) in self
            .names
            .into_iter()
            .zip(self.times)
            .zip(self.tokens)
            .zip(self.durations)
        {
            if !times.is_sorted() {
                unsorted += 1;
                if self.with_tokens || self.with_durations {
                    let mut order: Vec<usize> = (0..times.len()).collect();
                    order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
                    times = order.iter().map(|&i| times[i]).collect();
                    if self.with_tokens {
                        tokens = tokens.pick(&order);
                    }
                    if self.with_durations {
                        durations = order.iter().map(|&i| durations[i]).collect();
                    }
                } else {
                    times.sort_unstable_by(f64::total_cmp);
                }
            }
            let mut f = Function::new(name, Series::Times(times.into()));
            if self.with_tokens {
                f.tokens = Some(tokens.into_tokens(None));
            }
            if self.with_durations {
                f.durations = Some(durations);
            }
            functions.push(f);
        }
        if unsorted > 0 {
            warnings.push(format!(
                "{unsorted} function(s) had their invocations out of time order in the file; sorted"
            ));
        }
        Trace::new(source, TraceKind::V2, functions, warnings)
    }
}

/// Counts bad rows when `--skip-bad-rows` is on, or turns the first one into the error.
#[derive(Debug, Default)]
pub struct BadRows {
    skip: bool,
    /// Rows skipped.
    pub skipped: u64,
    /// The first skipped row's error, for the warning.
    pub first: Option<String>,
}

impl BadRows {
    /// Per `opts.skip_bad_rows`.
    pub fn new(opts: &LoadOptions) -> Self {
        BadRows {
            skip: opts.skip_bad_rows,
            ..BadRows::default()
        }
    }

    /// Handles a bad row: `Ok` when skipping, the error otherwise.
    pub fn bad(&mut self, file: &str, line: u64, column: &str, reason: String) -> Result<()> {
        let reason = if self.skip {
            reason
        } else {
            format!("{reason} (pass --skip-bad-rows to skip such rows)")
        };
        let err = Error::Row {
            file: file.into(),
            line,
            column: column.into(),
            reason,
        };
        if !self.skip {
            return Err(err);
        }
        self.skipped += 1;
        self.first.get_or_insert_with(|| err.to_string());
        Ok(())
    }

    /// Adds the rows `later` skipped, from further on in the file.
    pub fn absorb(&mut self, later: BadRows) {
        self.skipped += later.skipped;
        if self.first.is_none() {
            self.first = later.first;
        }
    }

    /// The warning to attach to the trace, if rows were skipped.
    pub fn warning(&self) -> Option<String> {
        (self.skipped > 0).then(|| {
            format!(
                "skipped {} bad row(s); the first: {}",
                self.skipped,
                self.first.as_deref().unwrap_or("")
            )
        })
    }
}

/// Finds a column by name (case-insensitive) or 0-based number in a header.
pub fn column(header: &[&[u8]], want: &str, what: &str, file: &str) -> Result<usize> {
    if let Some(i) = header
        .iter()
        .position(|h| csv::text(h).eq_ignore_ascii_case(want))
    {
        return Ok(i);
    }
    if let Ok(i) = want.parse::<usize>()
        && i < header.len()
    {
        return Ok(i);
    }
    let names: Vec<&str> = header.iter().map(|h| csv::text(h)).collect();
    Err(Error::Format(format!(
        "{file}: no {what} column \"{}\"; the header has {}",
        crate::quote::quoted(want),
        crate::quote::clip(&names.join(", "), 200)
    )))
}
