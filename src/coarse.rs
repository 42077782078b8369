//! Coarse timestamps: published LLM traces round their times (Mooncake's conversation trace
//! puts 12,031 requests on 1,180 timestamps about 3 s apart; BurstGPT's are whole seconds), so
//! a verbatim replay fires bursts of simultaneous requests that never happened. These figures
//! say how coarse a trace is, without assuming an exact grid.

use crate::trace::{Series, Trace};

/// How a trace's timestamps share values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Coarseness {
    /// Distinct timestamp values.
    pub distinct_timestamps: u64,
    /// The share of requests whose timestamp equals another request's (0..=1).
    pub shared_fraction: f64,
    /// The most requests at one timestamp.
    pub max_simultaneous: u64,
    /// The median gap between consecutive distinct timestamps, in seconds (`None` with fewer
    /// than two distinct values).
    pub tick: Option<f64>,
}

impl Coarseness {
    /// Share of requests above which the timestamps count as coarse.
    pub const COARSE: f64 = 0.10;

    /// Whether more than a tenth of the requests share their timestamp.
    pub fn is_coarse(&self) -> bool {
        self.shared_fraction > Self::COARSE
    }

    /// The figures of a trace's timestamps (all functions together), for the traces that are
    /// published with rounded times (LLM, Mooncake, BurstGPT, generic timestamps: those with a
    /// span); `None` for the Azure Functions traces and pickles (sorting all their timestamps
    /// would cost more than the whole of `inspect`), v1 counts, or no requests.
    pub fn of_trace(t: &Trace) -> Option<Coarseness> {
        t.span?;
        // One function's times are sorted already (Trace::new sees to it): no copy to sort.
        if let [f] = t.functions.as_slice()
            && let Series::Times(times) = &f.series
        {
            // Read where they are, not decoded into a copy: as a slice when held as `f64`s.
            if let Some(c) = times.column(0..times.len()) {
                if c.iter().all(|x| x.is_finite()) {
                    return Coarseness::of_sorted(&c);
                }
            } else if times.iter().all(|x| x.is_finite()) {
                return Coarseness::of_sorted_values(|| times.iter());
            }
        }
        let mut all = Vec::new();
        for f in &t.functions {
            match &f.series {
                Series::Times(times) => all.extend(times.iter().filter(|x| x.is_finite())),
                Series::Counts(_) => return None,
            }
        }
        all.sort_unstable_by(f64::total_cmp);
        Coarseness::of_sorted(&all)
    }

    /// The figures of sorted timestamps.
    pub fn of_sorted(times: &[f64]) -> Option<Coarseness> {
        Coarseness::of_sorted_values(|| times.iter().copied())
    }

    /// [`Coarseness::of_sorted`] of the sorted values `times()` gives, each time it is called.
    fn of_sorted_values<I: Iterator<Item = f64>>(times: impl Fn() -> I) -> Option<Coarseness> {
        let (mut distinct, mut shared, mut max_run, mut len) = (0u64, 0u64, 0u64, 0u64);
        let mut run = 0u64;
        let mut prev = None;
        for t in times() {
            len += 1;
            if prev == Some(t) {
                run += 1;
            } else {
                if run > 1 {
                    shared += run;
                }
                distinct += 1;
                run = 1;
            }
            max_run = max_run.max(run);
            prev = Some(t);
        }
        if len == 0 {
            return None;
        }
        if run > 1 {
            shared += run;
        }
        // The median of the gaps between distinct times, selected without a vector of them.
        // They are positive: their bits order as their values.
        let gaps = || {
            times()
                .scan(None, |prev: &mut Option<f64>, t| {
                    let gap = prev.filter(|&p| p != t).map(|p| t - p);
                    *prev = Some(t);
                    Some(gap)
                })
                .flatten()
                .map(f64::to_bits)
        };
        let tick = match distinct - 1 {
            0 => None,
            n => crate::stats::select_ranks(gaps, 64, &[n / 2])[0].map(f64::from_bits),
        };
        Some(Coarseness {
            distinct_timestamps: distinct,
            shared_fraction: shared as f64 / len as f64,
            max_simultaneous: max_run,
            tick,
        })
    }

    /// One line for reports: `3982 distinct; 0.6 % of requests share one (at most 3 at once);
    /// tick 0.256 s`, and a warning when coarse.
    pub fn describe(&self) -> String {
        let tick = self
            .tick
            // To the microsecond: times in ms converted to seconds carry float noise.
            .map_or(String::new(), |t| {
                format!(
                    "; tick {} s",
                    crate::format::py_float((t * 1e6).round() / 1e6)
                )
            });
        let warn = if self.is_coarse() {
            " (coarse: a verbatim replay fires bursts of simultaneous requests)"
        } else {
            ""
        };
        format!(
            "{} distinct; {:.1} % of requests share one (at most {} at once){tick}{warn}",
            self.distinct_timestamps,
            100.0 * self.shared_fraction,
            self.max_simultaneous
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_runs_and_the_median_tick() {
        let c = Coarseness::of_sorted(&[0.0, 0.0, 0.0, 3.0, 6.0, 6.0, 9.1]).unwrap();
        assert_eq!(c.distinct_timestamps, 4);
        assert_eq!(c.max_simultaneous, 3);
        assert!((c.shared_fraction - 5.0 / 7.0).abs() < 1e-12);
        assert_eq!(c.tick, Some(3.0));
        assert!(c.is_coarse());
        let fine = Coarseness::of_sorted(&[0.5, 1.0, 2.5]).unwrap();
        assert_eq!((fine.shared_fraction, fine.max_simultaneous), (0.0, 1));
        assert!(!fine.is_coarse());
        assert_eq!(Coarseness::of_sorted(&[]), None);
        assert_eq!(Coarseness::of_sorted(&[4.0]).unwrap().tick, None);
    }
}
