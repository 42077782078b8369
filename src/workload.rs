//! Workloads: the requests of one or more models merged by arrival time, exported in a
//! columnar layout (msgpack, JSON or CSV) with the parameters that made them.

use std::io::Write;
use std::path::Path;

mod atomic;
mod csv;
mod early_sync;
mod format;
pub mod merge;
pub mod mooncake;
mod msgpack;
pub mod provenance;
pub mod simulators;
mod sink;
mod target;

pub use atomic::{output_dir, write_atomic};
pub(crate) use csv::csv_field;
pub use early_sync::EarlySync;
pub use format::{DEFAULT_DATE, DEFAULT_WALL_CLOCK, Format, RUN_SECONDS};
pub use provenance::{Built, ExportSpec, params_path, replay_command, write_params};
pub use sink::Sink;
pub use target::{Target, remove_partial_files};

use crate::error::{Error, Result};
use crate::replay::{Replay, ReplayParams};
use crate::time::Window;
use crate::trace::TraceKind;

/// Identifies our files.
pub const FORMAT_NAME: &str = "tracereplay-workload";
/// Layout version of the export.
pub const FORMAT_VERSION: u32 = 1;

/// How a workload was made: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkloadParams {
    /// Tool name and version that wrote the file.
    pub tool: String,
    /// Trace file name.
    pub trace: String,
    /// Trace kind.
    pub kind: TraceKind,
    /// The window in seconds since the trace start (`end: null` below means the trace's end).
    pub window: Window,
    /// The replay parameters, as given (`models` lists every model of the replay; the export
    /// may hold a subset, see `Workload::models`).
    #[serde(flatten)]
    pub replay: ReplayParams,
}

/// A workload in columnar form: request `i` arrives at `arrival[i]` seconds, is for model
/// `models[model[i]]` and has SLO `slo[i]` seconds; its index is `i`. Sorted by arrival.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub version: u32,
    /// Model names; `model` indexes into this.
    pub models: Vec<String>,
    /// Arrival times in seconds since the trace start, ascending.
    pub arrival: Vec<f64>,
    /// Model index of each request.
    pub model: Vec<u32>,
    /// SLO of each request in seconds.
    pub slo: Vec<f64>,
    /// Prompt tokens of each request (LLM traces only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<Vec<u32>>,
    /// Generated tokens of each request (LLM traces only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<Vec<u32>>,
    /// Images sent with each request (Azure LMM multimodal traces only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_images: Option<Vec<u32>>,
    /// Each request's run time in seconds (an Azure Functions 2021 trace replayed vanilla), for
    /// InVitro exports; not part of our own formats.
    #[serde(skip)]
    pub durations: Option<Vec<f64>>,
    /// Each request's row of `hash_ids` (a Mooncake input replayed vanilla), for Mooncake
    /// exports; not part of our own formats.
    #[serde(skip)]
    pub hash_rows: Option<Vec<u32>>,
    /// The rows `hash_rows` index.
    #[serde(skip)]
    pub hash_ids: Option<std::sync::Arc<crate::trace::HashIds>>,
    /// The source trace's wall clock at its time 0 (Unix nanoseconds), for the formats that
    /// write dates; not part of our own formats.
    #[serde(skip)]
    pub clock: Option<i64>,
    /// How it was made.
    pub params: WorkloadParams,
}

impl Workload {
    /// Gives each request of a vanilla replay of `trace` the run time of the invocation it
    /// replays (Azure Functions 2021 traces have them), for InVitro exports. Returns whether it
    /// could: not for fitted replays or traces without run times.
    pub fn add_durations(&mut self, trace: &crate::trace::Trace, replay: &Replay) -> bool {
        use crate::trace::Series;
        if replay.params.distribution != crate::replay::Distribution::Vanilla {
            return false;
        }
        let model_of: std::collections::HashMap<&str, usize> = replay
            .mapping
            .iter()
            .map(|(f, m)| (f.as_str(), *m))
            .collect();
        let (lo, hi) = (replay.window.start as f64, replay.window.end as f64);
        let mut per_model: Vec<Vec<(f64, f64)>> = vec![Vec::new(); replay.models.len()];
        for f in &trace.functions {
            let Some(&m) = model_of.get(f.name.as_str()) else {
                continue;
            };
            let (Series::Times(t), Some(d)) = (&f.series, &f.durations) else {
                return false;
            };
            for i in t.between(lo, hi) {
                per_model[m].push((t.get(i), d[i]));
            }
        }
        let k = replay.params.replication as usize;
        for (m, rows) in per_model.iter_mut().enumerate() {
            // Stable, as the replay orders a model's invocations.
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            if rows.len() * k != replay.models[m].arrivals.len() {
                return false;
            }
        }
        let index: Vec<Option<usize>> = self
            .models
            .iter()
            .map(|n| replay.models.iter().position(|m| &m.model == n))
            .collect();
        let mut next = vec![0usize; replay.models.len()];
        let mut out = Vec::with_capacity(self.len());
        for &m in &self.model {
            let Some(r) = index[m as usize] else {
                return false;
            };
            out.push(per_model[r][next[r] / k].1);
            next[r] += 1;
        }
        self.durations = Some(out);
        true
    }

    /// Merges the chosen models of `replay` (all when `only` is `None`), every request with SLO
    /// `slo` seconds.
    pub fn from_replay(replay: &Replay, slo: f64, only: Option<&[String]>) -> Result<Workload> {
        check_slo(slo)?;
        let chosen = replay.chosen(only)?;
        let total: usize = chosen
            .iter()
            .map(|&m| replay.models[m].arrivals.len())
            .sum();
        let runs: Vec<&[f64]> = chosen
            .iter()
            .map(|&m| replay.models[m].arrivals.as_slice())
            .collect();
        let tokens: Option<Vec<&crate::trace::Tokens>> = chosen
            .iter()
            .map(|&m| replay.models[m].tokens.as_ref())
            .collect();
        // Ties keep model order, so the file is the same on every run.
        let merged = merge::merge(&runs, tokens.is_some());
        let pick = |f: fn(&crate::trace::Tokens) -> &crate::trace::Column<u32>| {
            let (t, index) = (tokens.as_ref()?, merged.index.as_ref()?);
            // Slices once: a mapped column's view is not free to take per request.
            let columns: Vec<&[u32]> = t.iter().map(|t| &f(t)[..]).collect();
            Some(
                merged
                    .model
                    .iter()
                    .zip(index)
                    .map(|(&m, &i)| columns[m as usize][i as usize])
                    .collect::<Vec<u32>>(),
            )
        };
        let input_tokens = pick(|t| &t.input);
        let output_tokens = pick(|t| &t.output);
        // Prefix-cache ids when every chosen model has them, from one table.
        let table = tokens
            .as_ref()
            .and_then(|ts| crate::trace::Tokens::shared_hash_ids(ts.iter().map(|t| Some(*t))));
        let hash_rows = if table.is_some() {
            pick(|t| t.hash_rows.as_ref().unwrap_or(&t.input))
        } else {
            None
        };
        let num_images = if tokens
            .as_ref()
            .is_some_and(|ts| ts.iter().all(|t| t.images.is_some()))
        {
            pick(|t| t.images.as_ref().unwrap_or(&t.input))
        } else {
            None
        };
        Ok(Workload {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            models: chosen
                .iter()
                .map(|&m| replay.models[m].model.clone())
                .collect(),
            arrival: merged.arrival,
            model: merged.model,
            slo: vec![slo; total],
            input_tokens,
            output_tokens,
            num_images,
            durations: None,
            hash_ids: table,
            hash_rows,
            clock: replay.clock,
            params: WorkloadParams {
                tool: format!("tracereplay-tui {}", env!("CARGO_PKG_VERSION")),
                trace: replay.source.clone(),
                kind: replay.kind,
                window: replay.window,
                replay: replay.params.clone(),
            },
        })
    }

    /// Number of requests.
    pub fn len(&self) -> usize {
        self.arrival.len()
    }

    /// `true` without requests.
    pub fn is_empty(&self) -> bool {
        self.arrival.is_empty()
    }

    /// Encodes the workload into `out`.
    pub fn encode(&self, format: Format, out: &mut (impl Write + Send)) -> Result<()> {
        let enc = |e: &dyn std::fmt::Display| Error::Encode(e.to_string());
        match format {
            Format::Msgpack => msgpack::encode(self, out),
            Format::Json => serde_json::to_writer(out, self).map_err(|e| enc(&e)),
            Format::Csv => self.encode_csv(out).map_err(|e| enc(&e)),
            Format::Mooncake { block_size } => {
                mooncake::encode(self, block_size, out).map_err(|e| enc(&e))
            }
            Format::Invitro { duration_us } => {
                simulators::encode_invitro(self, duration_us, out).map_err(|e| enc(&e))
            }
            Format::Vidur { date } => {
                simulators::encode_vidur(self, date, out).map_err(|e| enc(&e))
            }
            Format::VidurLengths => {
                simulators::encode_vidur_lengths(self, out).map_err(|e| enc(&e))
            }
            Format::Splitwise => simulators::encode_splitwise(self, out).map_err(|e| enc(&e)),
            Format::AzureLlm { start } => {
                let start = simulators::window_start_clock(self, start);
                simulators::encode_azure_llm(self, start, out).map_err(|e| enc(&e))
            }
        }
    }

    /// Writes the workload to `path` atomically: a temporary file in the same directory is
    /// written, flushed to disk and renamed over the target, so the target is never partial.
    /// An existing target is an error unless `overwrite`.
    pub fn write(&self, path: &Path, format: Format, overwrite: bool) -> Result<u64> {
        write_atomic(path, overwrite, None, |out| self.encode(format, out))
    }

    /// [`Workload::write`] that stops with [`Error::Cancelled`], leaving nothing behind, once
    /// `cancel` is set.
    pub fn write_cancellable(
        &self,
        path: &Path,
        format: Format,
        overwrite: bool,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<u64> {
        write_atomic(path, overwrite, Some(cancel), |out| {
            self.encode(format, out)
        })
    }

    /// Reads a workload written by [`Workload::write`] in msgpack or JSON.
    pub fn read(path: &Path) -> Result<Workload> {
        let bytes = std::fs::read(path).map_err(|err| Error::Io {
            action: "cannot read workload",
            path: path.to_owned(),
            err,
        })?;
        let bad = |e: &dyn std::fmt::Display| {
            Error::Encode(format!("{} is not a workload file: {e}", path.display()))
        };
        if bytes.first() == Some(&b'{') {
            serde_json::from_slice(&bytes).map_err(|e| bad(&e))
        } else {
            rmp_serde::from_slice(&bytes).map_err(|e| bad(&e))
        }
    }
}

/// Refuses an SLO that is not a positive, finite number of seconds.
pub fn check_slo(slo: f64) -> Result<()> {
    if !(slo.is_finite() && slo > 0.0) {
        return Err(Error::param(
            "slo",
            format!("{slo} must be a positive number of seconds"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("gpt0"), "gpt0");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn atomic_write_refuses_to_clobber_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        write_atomic(&path, false, None, |o| {
            o.write_all(b"one").map_err(|_| Error::Encode("x".into()))
        })
        .unwrap();
        let err = write_atomic(&path, false, None, |o| {
            o.write_all(b"two").map_err(|_| Error::Encode("x".into()))
        });
        assert!(matches!(err, Err(Error::Exists(_))));
        let failed = write_atomic(&path, true, None, |_| Err(Error::Encode("boom".into())));
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, true, None, |o| {
            o.write_all(b"two").map_err(|_| Error::Encode("x".into()))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
