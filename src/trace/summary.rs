//! Whole-trace figures: what `inspect` and the explorer's overview show.

use super::{Function, Series, Trace, TraceKind, bad_count};
use crate::error::Result;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn times(name: &str, t: &[f64]) -> Function {
        Function::new(name, Series::Times(t.to_vec().into()))
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
