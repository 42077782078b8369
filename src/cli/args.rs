//! The command line's grammar: commands, their options and what they become (clap derive).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use crate::mapping::{Mapping, default_model_names};
use crate::replay::params::MAX_MODELS;
use crate::replay::{DEFAULT_MAX_ARRIVALS, Distribution, ReplayParams};
use crate::trace::TraceKind;

const AFTER_HELP: &str = "\
Examples (the AlpaServe README's, as commands):
  tracereplay-tui stats ~/azure_v2.pkl --distribution vanilla --start 0.0.0 --end 1.0.0
  tracereplay-tui stats ~/azure_v2.pkl --distribution gamma --end 5.0.0 --interval 3600
  tracereplay-tui stats ~/azure_v2.pkl --distribution vanilla --end 13.23.60 --time-scale 2
  tracereplay-tui stats ~/azure_v2.pkl --distribution gamma --end 1.0.0 --rate-scale 8 --cv-scale 8
  tracereplay-tui replay ~/azure_v2.pkl --end 1.0.0 --slo 1.0 -o workload.msgpack

Raw traces work too (detected from their content):
  tracereplay-tui stats AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt --end 1.0.0
  tracereplay-tui stats azurefunctions-dataset2019/ --trigger http --end 1.0.0
  tracereplay-tui replay AzureLLMInferenceTrace_conv.csv --distribution vanilla -o llm.jsonl
  tracereplay-tui convert AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt -o azure_v2.trace
  tracereplay-tui plot ~/azure_v2.pkl --end 1.0.0 --distribution auto --figure rate -o rate.svg

Times are DAY.HOUR.MINUTE from the trace start (0.0.0) or durations (90s, 15m, 2h, 1d2h);
windows are [start, end).
Use `sample` as TRACE for the embedded synthetic sample trace, and `-` to read the trace from
standard input (`zcat trace.csv.gz | tracereplay-tui inspect -`).";

/// Turn Azure Functions traces into serving workloads.
#[derive(Debug, Parser)]
#[command(name = "tracereplay-tui", version, about, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Traces to open in the interactive explorer. Default: the embedded sample.
    pub traces: Vec<PathBuf>,
    /// How to read the traces.
    #[command(flatten)]
    pub input: InputOpts,
    /// Initial replay parameters for the explorer.
    #[command(flatten)]
    pub replay: ReplayOpts,
}

/// Headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise a trace: kind, days, functions, invocations, the busiest functions.
    Inspect(InspectArgs),
    /// Replay a trace and print per-model statistics (the original's report_stats).
    Stats(StatsArgs),
    /// Replay a trace and export the workload to a file.
    Replay(ExportArgs),
    /// Convert a trace (any input format) to a fast cache file or an AlpaServe pickle.
    Convert(ConvertArgs),
    /// Draw a replay as an SVG or PNG figure: arrivals per bin, rates, gaps or their CDF.
    Plot(PlotArgs),
}

/// `plot` options.
#[derive(Debug, ClapArgs)]
pub struct PlotArgs {
    /// Trace file or directory (`sample` for the embedded one).
    pub trace: PathBuf,
    #[command(flatten)]
    pub read: InputOpts,
    #[command(flatten)]
    pub replay: ReplayOpts,
    /// Output file: .svg, or .png (rendered at twice the size).
    #[arg(short, long)]
    pub output: PathBuf,
    /// The figure: histogram (the original's), rate, gaps or cdf.
    #[arg(long, default_value = "histogram")]
    pub figure: String,
    /// Bins of the histogram (1 to 10000; default 100). Histogram only.
    #[arg(long)]
    pub bins: Option<usize>,
    /// Draw only these models (comma-separated); default all, one panel each.
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// For --figure gaps: the interval containing this time, DAY.HOUR.MINUTE (default: the
    /// busiest interval).
    #[arg(long)]
    pub at: Option<String>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `convert` options.
#[derive(Debug, ClapArgs)]
pub struct ConvertArgs {
    /// Input trace: any the other commands read (pickle, CSV, Mooncake JSONL, a 2019 directory or archive, compressed or not).
    pub input: PathBuf,
    #[command(flatten)]
    pub read: InputOpts,
    /// Output file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output format (default: `pickle` for a .pkl output, else `native`).
    #[arg(long, value_enum)]
    pub to: Option<ConvertTo>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `convert --to`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum ConvertTo {
    /// Our cache file: loads many times faster than parsing the CSV again.
    Native,
    /// AlpaServe's pickle (OrderedDict of numpy arrays, protocol 4), for the Python tooling.
    Pickle,
}

/// How to read a trace input (all detected by default).
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct InputOpts {
    /// Input format instead of detecting it: pickle, native (a cache from convert), azure2021,
    /// azure2019, azure-llm, timestamps (any CSV, with --time-column), mooncake (JSONL) or
    /// burstgpt.
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Read a pickle as this kind instead of detecting it from the content.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// CSV of timestamps: the column with the times (name or 0-based number).
    #[arg(long, value_name = "COLUMN")]
    pub time_column: Option<String>,
    /// CSV of timestamps: the column naming the function (default: one function). BurstGPT:
    /// the columns, comma-separated (default Model; `Log Type`, or `Model,Log Type`).
    #[arg(long, value_name = "COLUMN")]
    pub key_column: Option<String>,
    /// CSV of timestamps: unit of the times: s, ms, us, ns, or iso (wall-clock date-times).
    #[arg(long, default_value = "s")]
    pub time_unit: String,
    /// Skip CSV rows that do not parse (their count is reported) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Function name for single-function inputs (LLM traces, CSV without --key-column).
    #[arg(long)]
    pub name: Option<String>,
    /// BurstGPT: drop failed requests (0 response tokens); their count is reported.
    #[arg(long)]
    pub skip_failed: bool,
    /// CSV of timestamps: the column of each request's prompt tokens (name or number).
    #[arg(long, value_name = "COLUMN", requires = "output_tokens_column")]
    pub input_tokens_column: Option<String>,
    /// CSV of timestamps: the column of each request's generated tokens.
    #[arg(long, value_name = "COLUMN", requires = "input_tokens_column")]
    pub output_tokens_column: Option<String>,
    /// The most bytes a compressed input may decode to, e.g. 256G (default 64G): a cap against
    /// decompression bombs.
    #[arg(long, value_name = "SIZE")]
    pub max_decoded: Option<String>,
    /// The most requests a trace may hold (default: as many as the available memory holds, at
    /// 96 bytes a request).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
}

impl InputOpts {
    /// The library's load options.
    pub fn load_options(&self) -> Result<crate::ingest::LoadOptions> {
        Ok(crate::ingest::LoadOptions {
            format: self.input_format.as_deref().map(str::parse).transpose()?,
            kind: self.kind.map(TraceKind::from),
            time_column: self.time_column.clone(),
            key_column: self.key_column.clone(),
            time_unit: self.time_unit.parse()?,
            skip_bad_rows: self.skip_bad_rows,
            name: self.name.clone(),
            skip_failed: self.skip_failed,
            input_tokens_column: self.input_tokens_column.clone(),
            output_tokens_column: self.output_tokens_column.clone(),
            no_mmap: std::env::var_os("TRACEREPLAY_NO_MMAP")
                .is_some_and(|v| !v.is_empty() && v != "0"),
            max_decoded: self
                .max_decoded
                .as_deref()
                .map(|s| {
                    crate::limits::parse_size(s).filter(|&n| n > 0).ok_or_else(|| {
                        crate::Error::param(
                            "max-decoded",
                            format!(
                                "{:?} is not a size; give bytes, or a number with K, M, G or T                                  (e.g. 256G)",
                                crate::quote::quoted(s)
                            ),
                        )
                    })
                })
                .transpose()?,
            max_requests: self.max_requests,
        })
    }
}

/// `inspect` options.
#[derive(Debug, ClapArgs)]
pub struct InspectArgs {
    /// Trace file or directory (`sample` for the embedded one).
    pub trace: PathBuf,
    #[command(flatten)]
    pub read: InputOpts,
    /// How many of the busiest functions to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `stats` options.
#[derive(Debug, ClapArgs)]
pub struct StatsArgs {
    /// Trace file or directory (`sample` for the embedded one).
    pub trace: PathBuf,
    #[command(flatten)]
    pub read: InputOpts,
    #[command(flatten)]
    pub replay: ReplayOpts,
    #[command(flatten)]
    pub tokens: TokenOpts,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Token lengths drawn from another trace.
#[derive(Debug, Clone, ClapArgs)]
pub struct TokenOpts {
    /// Give every request an (input, output) token pair drawn from this trace's requests (an
    /// Azure LLM CSV, Mooncake JSONL, or a workload exported with tokens); seeded apart from
    /// the arrivals, which do not change.
    #[arg(long, value_name = "TRACE")]
    pub tokens_from: Option<PathBuf>,
    /// With --tokens-from: draw from the requests of the same hour, each trace's hours counted
    /// from its own time 0 (a day trace's midnight, an LLM trace's first request) modulo 24.
    #[arg(long, requires = "tokens_from")]
    pub tokens_by_hour: bool,
}

/// `replay` options.
#[derive(Debug, ClapArgs)]
pub struct ExportArgs {
    /// Trace file or directory (`sample` for the embedded one).
    #[arg(required_unless_present = "params")]
    pub trace: Option<PathBuf>,
    /// Re-create an export from the FILE.params.json written beside it (give only -o, and
    /// --force to overwrite).
    #[arg(long, value_name = "FILE", conflicts_with = "trace")]
    pub params: Option<PathBuf>,
    #[command(flatten)]
    pub read: InputOpts,
    #[command(flatten)]
    pub replay: ReplayOpts,
    #[command(flatten)]
    pub tokens: TokenOpts,
    /// SLO of every request, in seconds.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub slo: f64,
    /// Output file; `-` for standard output (the summary then goes to stderr).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output format (default: from the file extension, else msgpack).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Export only these models (comma-separated); default all, merged.
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// Prompt tokens of every request (instead of the trace's own counts, or where it has
    /// none).
    #[arg(long, value_name = "TOKENS")]
    pub input_length: Option<u32>,
    /// Generated tokens of every request (likewise).
    #[arg(long, value_name = "TOKENS")]
    pub output_length: Option<u32>,
    /// Mooncake JSONL: tokens per hash id (run AIPerf with the same --isl-block-size).
    #[arg(long, default_value_t = crate::workload::mooncake::DEFAULT_BLOCK_SIZE)]
    pub block_size: u32,
    /// InVitro: how long every request runs, in seconds (1 µs to a day).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub duration: f64,
    /// Formats with dates: the wall clock of the window's start, `YYYY-MM-DD` or `YYYY-MM-DD
    /// HH:MM:SS[.fffffff]` (UTC). azure-llm: default the trace's own clock, else 2023-08-21;
    /// vidur: its Date column, default 2023-08-21 (Vidur's default `date`).
    #[arg(long, value_name = "DATETIME")]
    pub wall_clock: Option<String>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The replay options every command shares.
#[derive(Debug, Clone, ClapArgs)]
pub struct ReplayOpts {
    /// Number of models, named gpt0 … gpt{N-1} (default 5, or as many as the trace has
    /// functions when it has fewer: an Azure LLM or Mooncake trace is one).
    #[arg(long, conflicts_with = "model_names")]
    pub models: Option<usize>,
    /// Model names, comma-separated (instead of --models).
    #[arg(long, value_delimiter = ',')]
    pub model_names: Option<Vec<String>>,
    /// How functions are assigned to models.
    #[arg(long, value_enum, default_value_t = MappingArg::Stripe)]
    pub mapping: MappingArg,
    /// Window start: DAY.HOUR.MINUTE (1.12.30) or a duration from the trace's start (90s, 15m,
    /// 2h, 1d2h, 3600).
    #[arg(long, default_value = "0.0.0")]
    pub start: String,
    /// Window end, in the same forms as --start (default: the trace's end).
    #[arg(long)]
    pub end: Option<String>,
    /// Replay mode: vanilla (the real timestamps), or processes fitted per interval:
    /// exponential, gamma, weibull, pareto or auto. vanilla, weibull, pareto and auto need a v2
    /// (timestamp) trace.
    #[arg(long, value_enum, default_value_t = DistributionArg::Exponential)]
    pub distribution: DistributionArg,
    /// Length of the fitting intervals, in seconds.
    #[arg(long, default_value_t = 600.0, allow_negative_numbers = true)]
    pub interval: f64,
    /// How a fitted interval's rate is estimated: count (its invocations over its length, which
    /// keeps the trace's volume) or alpaserve (the original's 1 / mean gap, bit for bit with
    /// AlpaServe; bursty traces gain 6-13 %). The shape always comes from the gaps.
    #[arg(long, value_enum, default_value_t = EstimatorArg::Count)]
    pub estimator: EstimatorArg,
    /// Multiply every fitted rate.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub rate_scale: f64,
    /// Multiply every fitted cv (gamma and weibull).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub cv_scale: f64,
    /// Compress time by this factor (vanilla v2 only).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub time_scale: f64,
    /// Repeat every arrival this many times (vanilla v2 only).
    #[arg(long, default_value_t = 1)]
    pub replication: u32,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Refuse replays expected to produce more arrivals than this.
    #[arg(long, default_value_t = DEFAULT_MAX_ARRIVALS)]
    pub max_arrivals: u64,
    /// Only functions with this trigger (http, timer, queue, …; Azure 2019 files); repeatable.
    #[arg(long = "trigger", value_name = "TRIGGER")]
    pub triggers: Vec<String>,
    /// Vanilla: requests that share a timestamp (coarse traces) stay as they are (none), or
    /// are spread at random over the gap to the next timestamp: uniformly (uniform), or as a
    /// gamma process with each --interval's burstiness, fitted from the requests per tick
    /// (fitted).
    #[arg(long, value_enum, default_value_t = SpreadArg::None)]
    pub spread: SpreadArg,
    /// Lift the size limits: --max-arrivals, the available-memory check, at most 1,000,000
    /// models and 10,000,000 interval fits.
    #[arg(long)]
    pub allow_huge: bool,
}

/// `--estimator`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum EstimatorArg {
    /// The interval's count over its length (keeps the trace's volume).
    Count,
    /// AlpaServe's: 1 / mean gap between the interval's arrivals.
    Alpaserve,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Per-minute invocation counts (azure_v1).
    V1,
    /// Invocation timestamps (azure_v2).
    V2,
}

/// `--mapping`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MappingArg {
    /// Function i goes to model i mod M.
    Stripe,
    /// Contiguous blocks of functions per model.
    #[value(name = "round_robin", alias = "round-robin")]
    RoundRobin,
}

/// `--distribution`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DistributionArg {
    /// The real timestamps (v2 only).
    Vanilla,
    /// Fitted Poisson processes.
    Exponential,
    /// Fitted gamma processes.
    Gamma,
    /// Fitted Pareto processes (v2 only: fitted to the gaps between timestamps).
    Pareto,
    /// Fitted Weibull processes (v2 only: fitted to the gaps by maximum likelihood).
    Weibull,
    /// Per interval, the process (exponential, gamma, weibull or pareto) whose fit has the
    /// lowest AIC (v2 only).
    Auto,
}

/// `--spread`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpreadArg {
    /// Keep the data as it is.
    None,
    /// Spread each group of equal timestamps uniformly over the gap to the next.
    Uniform,
    /// As uniform, with places drawn from a gamma process of each interval's cv, fitted from
    /// the requests per tick.
    Fitted,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// MessagePack.
    Msgpack,
    /// JSON.
    Json,
    /// CSV.
    Csv,
    /// Mooncake JSONL (AIPerf, SGLang, vLLM, GuideLLM): needs token counts.
    Mooncake,
    /// InVitro's Azure 2021 CSV (app,func,end_timestamp,duration).
    Invitro,
    /// Vidur's trace-replay CSV (Date,Time,PromptTokenCount,CompletionTokenCount,Model): needs
    /// token counts.
    Vidur,
    /// Vidur's length-generator CSV (arrived_at,num_prefill_tokens,num_decode_tokens): needs
    /// token counts.
    VidurLengths,
    /// Splitwise's trace CSV: needs token counts.
    Splitwise,
    /// The Azure LLM trace's CSV (TIMESTAMP,ContextTokens,GeneratedTokens,Model), for
    /// inference-perf: needs token counts.
    AzureLlm,
}

impl FormatArg {
    /// The format it names (as `--format` spells it, which [`crate::workload::Format`] reads),
    /// its options at their defaults.
    pub fn format(self) -> crate::workload::Format {
        self.to_possible_value()
            .and_then(|v| v.get_name().parse().ok())
            .unwrap_or(crate::workload::Format::Msgpack)
    }
}

impl From<KindArg> for TraceKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::V1 => TraceKind::V1,
            KindArg::V2 => TraceKind::V2,
        }
    }
}

/// Models when neither --models nor --model-names is given.
pub const DEFAULT_MODELS: usize = 5;

impl ReplayOpts {
    /// Whether the models were left to their default (so they may be cut to the trace).
    pub fn models_defaulted(&self) -> bool {
        self.models.is_none() && self.model_names.is_none()
    }

    /// The library's parameters for these options.
    pub fn params(&self) -> Result<ReplayParams> {
        // Checked before the names are made: `--models 10000000000` must not allocate them.
        let models = self.models.unwrap_or(DEFAULT_MODELS);
        if models > MAX_MODELS && !self.allow_huge {
            bail!(
                "invalid parameter `models`: {models} models is more than the limit of \
                 {MAX_MODELS}; pass --allow-huge if you mean it"
            );
        }
        Ok(ReplayParams {
            models: self
                .model_names
                .clone()
                .unwrap_or_else(|| default_model_names(models)),
            mapping: match self.mapping {
                MappingArg::Stripe => Mapping::Stripe,
                MappingArg::RoundRobin => Mapping::RoundRobin,
            },
            start: self.start.clone(),
            end: self.end.clone(),
            distribution: match self.distribution {
                DistributionArg::Vanilla => Distribution::Vanilla,
                DistributionArg::Exponential => Distribution::Exponential,
                DistributionArg::Gamma => Distribution::Gamma,
                DistributionArg::Pareto => Distribution::Pareto,
                DistributionArg::Weibull => Distribution::Weibull,
                DistributionArg::Auto => Distribution::Auto,
            },
            interval_seconds: self.interval,
            rate_scale: self.rate_scale,
            cv_scale: self.cv_scale,
            time_scale: self.time_scale,
            replication: self.replication,
            seed: self.seed,
            max_arrivals: self.max_arrivals,
            triggers: self.triggers.clone(),
            allow_huge: self.allow_huge,
            fit_quality: false,
            spread: match self.spread {
                SpreadArg::None => crate::replay::params::Spread::None,
                SpreadArg::Uniform => crate::replay::params::Spread::Uniform,
                SpreadArg::Fitted => crate::replay::params::Spread::Fitted,
            },
            estimator: match self.estimator {
                EstimatorArg::Count => crate::replay::Estimator::Count,
                EstimatorArg::Alpaserve => crate::replay::Estimator::Alpaserve,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_argument_names_its_format() {
        for f in FormatArg::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(f.format().name(), name);
        }
    }
}
