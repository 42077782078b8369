//! Token lengths for any trace: each request of a replay draws one (input, output) pair from
//! another trace's requests (an LLM trace, a Mooncake trace, a workload exported with tokens),
//! on a random stream of its own, so the arrivals stay exactly those of the same replay
//! without tokens. Optionally by hour of day: a request draws from the source's requests of
//! the same hour, so long prompts cluster where they did.

use rand::RngExt;

use crate::error::{Error, Result};
use crate::replay::Replay;
use crate::trace::{Series, Trace};

/// The (input, output) token pairs of a trace's requests, and their hours of day.
#[derive(Debug, Clone)]
pub struct TokenSource {
    /// Where they came from, for messages and provenance.
    pub name: String,
    input: Vec<u32>,
    output: Vec<u32>,
    /// Indices of the pairs whose request came in hour `h` of its day.
    by_hour: [Vec<u32>; 24],
}

impl TokenSource {
    /// The pairs of every request of `trace` that has token counts.
    pub fn from_trace(trace: &Trace) -> Result<TokenSource> {
        let mut pairs = Vec::new();
        for f in &trace.functions {
            if let (Some(k), Series::Times(t)) = (&f.tokens, &f.series) {
                // Slices once: a mapped column's view is not free to take per request.
                let (input, output) = (&k.input[..], &k.output[..]);
                for (i, x) in t.iter().enumerate().take(input.len()) {
                    pairs.push((x, input[i], output[i]));
                }
            }
        }
        TokenSource::new(&trace.source, pairs)
    }

    /// The pairs of the trace at `path` (any format we read), or of a workload we exported
    /// with tokens: what `--tokens-from` names.
    pub fn read(path: &std::path::Path) -> Result<TokenSource> {
        match crate::ingest::load(path, &Default::default(), &mut |_, _| {}) {
            Ok(t) => TokenSource::from_trace(&t),
            // Our own exports, from a file only (a pipe or device was read already, and
            // /dev/zero has no end).
            Err(first) if path.is_file() => match crate::workload::Workload::read(path) {
                Ok(w) => TokenSource::from_workload(&w),
                Err(_) => Err(first),
            },
            Err(first) => Err(first),
        }
    }

    /// The pairs of a workload exported with tokens.
    pub fn from_workload(w: &crate::workload::Workload) -> Result<TokenSource> {
        let (Some(i), Some(o)) = (&w.input_tokens, &w.output_tokens) else {
            return TokenSource::new(&w.params.trace, Vec::new());
        };
        let pairs = (0..w.len()).map(|k| (w.arrival[k], i[k], o[k])).collect();
        TokenSource::new(&w.params.trace, pairs)
    }

    fn new(name: &str, pairs: Vec<(f64, u32, u32)>) -> Result<TokenSource> {
        if pairs.is_empty() {
            return Err(Error::Format(format!(
                "{name} has no token counts to draw from: give an LLM trace (Azure LLM CSV, \
                 Mooncake JSONL) or a workload exported with tokens"
            )));
        }
        let mut by_hour: [Vec<u32>; 24] = Default::default();
        for (k, &(t, _, _)) in pairs.iter().enumerate() {
            by_hour[hour_of_day(t)].push(k as u32);
        }
        Ok(TokenSource {
            name: name.to_owned(),
            input: pairs.iter().map(|p| p.1).collect(),
            output: pairs.iter().map(|p| p.2).collect(),
            by_hour,
        })
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.input.len()
    }

    /// Whether there are none (never, once made).
    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }
}

/// The hour of day (0..24) of `t` seconds since a trace's start.
fn hour_of_day(t: f64) -> usize {
    if t.is_finite() && t >= 0.0 {
        ((t / 3600.0) as u64 % 24) as usize
    } else {
        0
    }
}

/// Seed salt of these draws: not the arrivals' streams, nor the fitted replays' own token draws.
const STREAM: u64 = 0x746f_6b65_6e73_0002;

/// Gives every request of `replay` a pair drawn from `source` (replacing any it had): uniformly
/// from all pairs, or with `by_hour` from those of the request's hour of day (all pairs when
/// that hour has none). Deterministic in `seed`; arrivals are untouched.
pub fn assign(replay: &mut Replay, source: &TokenSource, by_hour: bool, seed: u64) {
    for (m, model) in replay.models.iter_mut().enumerate() {
        let mut rng = crate::replay::sample::interval_rng(seed ^ STREAM, m, 0);
        let mut t = crate::trace::TokenRows {
            input: Vec::with_capacity(model.arrivals.len()),
            output: Vec::with_capacity(model.arrivals.len()),
            ..Default::default()
        };
        for &a in &model.arrivals {
            let pool = &source.by_hour[hour_of_day(a)];
            let k = if by_hour && !pool.is_empty() {
                pool[rng.random_range(0..pool.len())] as usize
            } else {
                rng.random_range(0..source.len())
            };
            t.input.push(source.input[k]);
            t.output.push(source.output[k]);
        }
        model.tokens = Some(t.into_tokens(None));
    }
}

/// The `p`-th percentile (0..=100, nearest rank) of `v`; `None` when empty.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    sorted.get(percentile_index(sorted.len(), p)?).copied()
}

/// The index in `n` sorted values of their `p`-th percentile (nearest rank); `None` when
/// `n` is 0.
pub fn percentile_index(n: usize, p: f64) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    Some(rank.min(n) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
