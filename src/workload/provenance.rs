//! What an export records beside itself (`FILE.params.json`): the replay's and the export's
//! parameters and the `replay` command that makes it again; written by the command line, the
//! explorer and the Python package alike.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::replay::{Replay, ReplayParams};
use crate::trace::Trace;
use crate::workload::{Format, Workload};

/// What an export adds to its replay, in `replay`'s own options: recorded beside the formats
/// that cannot hold our parameters (`FILE.params.json`) by the CLI and the explorer alike.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    /// The format (with its block size or duration).
    pub format: Format,
    /// SLO of every request, in seconds.
    pub slo: f64,
    /// Only these models.
    pub only: Option<Vec<String>>,
    /// Constant prompt tokens.
    pub input_length: Option<u32>,
    /// Constant generated tokens.
    pub output_length: Option<u32>,
    /// The trace token pairs were drawn from.
    pub tokens_from: Option<PathBuf>,
    /// Drawn by hour of day.
    pub tokens_by_hour: bool,
}

/// The workload an export writes, and whether its requests carry the trace's run times.
pub struct Built {
    /// The requests.
    pub workload: Workload,
    /// InVitro: each request runs as long as the invocation it replays (else for the format's
    /// constant duration).
    pub run_times: bool,
}

impl ExportSpec {
    /// The workload this export writes of `replay`: the chosen models' requests merged with
    /// the SLO; for InVitro, the run times of `trace` (the replay's, which only InVitro needs)
    /// when it has them; constant token counts in place of the replay's (the source's
    /// prefix-cache ids, which describe its own prompts, dropped with them). The command line,
    /// the explorer and Python build it here, so an export made again from its params file is
    /// the same.
    pub fn workload(&self, replay: &Replay, trace: Option<&Trace>) -> Result<Built> {
        let mut workload = Workload::from_replay(replay, self.slo, self.only.as_deref())?;
        let run_times = matches!(self.format, Format::Invitro { .. })
            && trace.is_some_and(|t| workload.add_durations(t, replay));
        let n = workload.len();
        if let Some(v) = self.input_length {
            workload.input_tokens = Some(vec![v; n]);
            workload.hash_rows = None;
        }
        if let Some(v) = self.output_length {
            workload.output_tokens = Some(vec![v; n]);
        }
        if self.format.needs_tokens()
            && (workload.input_tokens.is_none() || workload.output_tokens.is_none())
        {
            return Err(Error::NoTokens {
                format: self.format.to_string(),
                trace: crate::quote::quoted(&replay.source),
            });
        }
        Ok(Built {
            workload,
            run_times,
        })
    }
}

/// A path as the command records it: absolute, so it runs from anywhere.
fn absolute(p: &Path) -> String {
    std::fs::canonicalize(p).map_or_else(|_| p.display().to_string(), |c| c.display().to_string())
}

/// `FILE.params.json` beside the export `output` (`None` without a file name).
pub fn params_path(output: &Path) -> Option<PathBuf> {
    let mut name = output.file_name()?.to_os_string();
    name.push(".params.json");
    Some(output.with_file_name(name))
}

/// The `replay` command that makes the export of `trace` (a path, or the sample) read with
/// `load`, replayed with `p` and exported as `e`: what `replay --params` runs again.
pub fn replay_command(
    trace: &str,
    load: &crate::ingest::LoadOptions,
    p: &ReplayParams,
    e: &ExportSpec,
) -> Vec<String> {
    let trace = if trace == crate::assets::SAMPLE_NAME || trace == "sample" {
        "sample".to_string()
    } else {
        absolute(Path::new(trace))
    };
    let mut c: Vec<String> = vec!["replay".into(), trace];
    let mut opt = |k: &str, v: String| {
        c.push(k.into());
        c.push(v);
    };
    opt("--model-names", p.models.join(","));
    opt("--mapping", p.mapping.to_string());
    opt("--start", p.start.clone());
    if let Some(e) = &p.end {
        opt("--end", e.clone());
    }
    opt("--distribution", p.distribution.to_string());
    opt("--interval", crate::format::py_float(p.interval_seconds));
    opt("--estimator", p.estimator.to_string());
    opt("--rate-scale", crate::format::py_float(p.rate_scale));
    opt("--cv-scale", crate::format::py_float(p.cv_scale));
    opt("--time-scale", crate::format::py_float(p.time_scale));
    opt("--replication", p.replication.to_string());
    opt("--seed", p.seed.to_string());
    opt("--max-arrivals", p.max_arrivals.to_string());
    for t in &p.triggers {
        opt("--trigger", t.clone());
    }
    match p.spread {
        crate::replay::params::Spread::None => {}
        crate::replay::params::Spread::Uniform => opt("--spread", "uniform".into()),
        crate::replay::params::Spread::Fitted => opt("--spread", "fitted".into()),
    }
    opt("--format", e.format.name().into());
    match e.format {
        Format::Mooncake { block_size } => opt("--block-size", block_size.to_string()),
        Format::Vidur { date } => opt("--wall-clock", crate::ingest::datetime::format_date(date)),
        Format::AzureLlm { start: Some(ns) } => {
            opt("--wall-clock", crate::ingest::datetime::format_ns(ns));
        }
        Format::Invitro { duration_us } => {
            opt(
                "--duration",
                crate::format::py_float(duration_us as f64 / 1e6),
            );
        }
        _ => {}
    }
    opt("--slo", crate::format::py_float(e.slo));
    if let Some(o) = &e.only {
        opt("--only", o.join(","));
    }
    if let Some(v) = e.input_length {
        opt("--input-length", v.to_string());
    }
    if let Some(v) = e.output_length {
        opt("--output-length", v.to_string());
    }
    if let Some(t) = &e.tokens_from {
        opt("--tokens-from", absolute(t));
    }
    if let Some(f) = load.format {
        opt("--input-format", f.to_string());
    }
    if let Some(k) = load.kind {
        opt("--kind", k.to_string());
    }
    for (flag, v) in [
        ("--time-column", &load.time_column),
        ("--key-column", &load.key_column),
        ("--name", &load.name),
        ("--input-tokens-column", &load.input_tokens_column),
        ("--output-tokens-column", &load.output_tokens_column),
    ] {
        if let Some(v) = v {
            opt(flag, v.clone());
        }
    }
    opt("--time-unit", load.time_unit.name().into());
    if p.allow_huge {
        c.push("--allow-huge".into());
    }
    if load.skip_bad_rows {
        c.push("--skip-bad-rows".into());
    }
    if load.skip_failed {
        c.push("--skip-failed".into());
    }
    if e.tokens_by_hour {
        c.push("--tokens-by-hour".into());
    }
    c
}

/// Writes `FILE.params.json` beside the export `output` (atomically): the tool, format,
/// workload parameters (trace, window, every replay option, seed), the export's options and
/// `command`, which `replay --params` runs again. Returns its path.
pub fn write_params(
    output: &Path,
    overwrite: bool,
    w: &Workload,
    e: &ExportSpec,
    command: &[String],
) -> crate::Result<PathBuf> {
    let beside = params_path(output).ok_or_else(|| crate::Error::Io {
        action: "cannot write beside",
        path: output.to_owned(),
        err: std::io::Error::new(std::io::ErrorKind::InvalidInput, "it has no file name"),
    })?;
    let doc = serde_json::json!({
        "tool": w.params.tool,
        "format": e.format.to_string(),
        "trace": command.get(1),
        "workload": w.params,
        "export": {
            "slo": e.slo,
            "only": e.only,
            "input_length": e.input_length,
            "output_length": e.output_length,
            "block_size": match e.format {
                Format::Mooncake { block_size } => Some(block_size),
                _ => None,
            },
            "duration": match e.format {
                Format::Invitro { duration_us } => Some(duration_us as f64 / 1e6),
                _ => None,
            },
            "tokens_from": e.tokens_from.as_deref().map(absolute),
            "tokens_by_hour": e.tokens_by_hour,
        },
        "command": command,
    });
    let text =
        serde_json::to_string_pretty(&doc).map_err(|e| crate::Error::Encode(e.to_string()))?;
    super::write_atomic(&beside, overwrite, None, |out| {
        out.write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| crate::Error::Encode(e.to_string()))
    })?;
    Ok(beside)
}
