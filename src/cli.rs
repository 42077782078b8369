//! The command line: `inspect`, `stats` and `replay`, sharing one set of replay options.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use crate::mapping::{Mapping, default_model_names};
use crate::replay::params::MAX_MODELS;
use crate::replay::{self, DEFAULT_MAX_ARRIVALS, Distribution, ReplayParams};
use crate::report;
use crate::trace::{Trace, TraceKind};
use crate::workload::{Format, Workload};

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
  tracereplay-tui replay AzureLLMInferenceTrace_conv.csv --models 1 --distribution vanilla -o llm.msgpack
  tracereplay-tui convert AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt -o azure_v2.trace
  tracereplay-tui plot ~/azure_v2.pkl --end 1.0.0 --distribution auto --figure rate -o rate.svg

Times are DAY.HOUR.MINUTE from the trace start (0.0.0); windows are [start, end).
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
    /// Input trace (pickle, Azure CSV, directory of 2019 day files, …).
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
    /// Input format instead of detecting it: pickle, native, azure2021, azure2019, azure-llm,
    /// timestamps.
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
    /// With --tokens-from: draw from the requests of the same hour of day.
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
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The replay options every command shares.
#[derive(Debug, Clone, ClapArgs)]
pub struct ReplayOpts {
    /// Number of models, named gpt0 … gpt{N-1}.
    #[arg(long, default_value_t = 5, conflicts_with = "model_names")]
    pub models: usize,
    /// Model names, comma-separated (instead of --models).
    #[arg(long, value_delimiter = ',')]
    pub model_names: Option<Vec<String>>,
    /// How functions are assigned to models.
    #[arg(long, value_enum, default_value_t = MappingArg::Stripe)]
    pub mapping: MappingArg,
    /// Window start, DAY.HOUR.MINUTE.
    #[arg(long, default_value = "0.0.0")]
    pub start: String,
    /// Window end, DAY.HOUR.MINUTE (default: the trace's end).
    #[arg(long)]
    pub end: Option<String>,
    /// Replay mode: vanilla (the real timestamps), or processes fitted per interval:
    /// exponential, gamma, pareto or auto. vanilla, pareto and auto need a v2 (timestamp)
    /// trace.
    #[arg(long, value_enum, default_value_t = DistributionArg::Exponential)]
    pub distribution: DistributionArg,
    /// Length of the fitting intervals, in seconds.
    #[arg(long, default_value_t = 600.0, allow_negative_numbers = true)]
    pub interval: f64,
    /// Multiply every fitted rate.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub rate_scale: f64,
    /// Multiply every fitted gamma cv (gamma only).
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
    /// Per interval, the process (exponential, gamma or pareto) whose fit has the lowest AIC
    /// (v2 only).
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
    /// Vidur's trace CSV: needs token counts.
    Vidur,
    /// Splitwise's trace CSV: needs token counts.
    Splitwise,
}

impl From<KindArg> for TraceKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::V1 => TraceKind::V1,
            KindArg::V2 => TraceKind::V2,
        }
    }
}

impl ReplayOpts {
    /// The library's parameters for these options.
    pub fn params(&self) -> Result<ReplayParams> {
        // Checked before the names are made: `--models 10000000000` must not allocate them.
        if self.models > MAX_MODELS && !self.allow_huge {
            bail!(
                "invalid parameter `models`: {} models is more than the limit of {MAX_MODELS}; \
                 pass --allow-huge if you mean it",
                self.models
            );
        }
        Ok(ReplayParams {
            models: self
                .model_names
                .clone()
                .unwrap_or_else(|| default_model_names(self.models)),
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
        })
    }
}

/// Adds "WHAT PATH: " before a core error unless it names the path already ("cannot load
/// trace x: cannot read trace x: …" said it twice).
trait Naming<T> {
    fn naming(self, what: &str, path: &Path) -> Result<T>;
}

impl<T> Naming<T> for crate::Result<T> {
    fn naming(self, what: &str, path: &Path) -> Result<T> {
        self.map_err(|e| {
            let shown = path.display().to_string();
            if e.to_string().contains(&shown) {
                anyhow::Error::from(e)
            } else {
                anyhow::Error::from(e).context(format!("{what} {shown}"))
            }
        })
    }
}

/// The subcommand `word` is a near miss of, for a trace path that does not exist (`stat
/// sample` read a file named `stat`).
fn near_command(path: &Path) -> Option<&'static str> {
    let word = path.to_str()?.to_ascii_lowercase();
    if word.contains(['/', '.']) || path.exists() {
        return None;
    }
    let distance = |a: &str, b: &str| {
        // Levenshtein distance, for words of a few letters.
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let next = (prev + usize::from(ca != cb))
                    .min(row[j] + 1)
                    .min(row[j + 1] + 1);
                prev = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    };
    ["inspect", "stats", "replay", "convert", "plot"]
        .into_iter()
        .find(|c| distance(&word, c) <= 2)
}

/// Loads a trace from a path, standard input for `-`, or the embedded sample for `sample`;
/// warnings and, for large inputs on a terminal, progress go to stderr.
pub fn load_trace(path: &Path, input: &InputOpts) -> Result<Trace> {
    let opts = input.load_options()?;
    let trace = if path == Path::new("sample") {
        crate::ingest::sample(&opts).context("cannot load the embedded sample trace")?
    } else if path == Path::new("-") {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            bail!(
                "`-` reads the trace from standard input, which is the terminal here; pipe a \
                 trace in (`zcat trace.csv.gz | tracereplay-tui inspect -`), give its path, or \
                 use `sample` for the embedded sample trace"
            );
        }
        crate::ingest::load_stream(
            std::io::stdin().lock(),
            "standard input",
            &opts,
            &mut |_, _| {},
        )
        .context("cannot load the trace from standard input")?
    } else {
        use std::io::IsTerminal;
        let show = std::io::stderr().is_terminal();
        let mut shown = false;
        let mut progress = |done: u64, total: u64| {
            if show && total > 50_000_000 {
                eprint!(
                    "\rreading {}: {:.0} / {:.0} MB",
                    path.display(),
                    done as f64 / 1e6,
                    total as f64 / 1e6
                );
                shown = true;
            }
        };
        if let Some(command) = near_command(path) {
            bail!(
                "there is no file named {:?}; did you mean the command `{command}`? \
                 (`tracereplay-tui {command} TRACE …`)",
                path.display().to_string()
            );
        }
        let t = crate::ingest::load(path, &opts, &mut progress);
        if shown {
            eprintln!();
        }
        t.naming("cannot load trace", path)?
    };
    for w in &trace.warnings {
        eprintln!("warning: {}", crate::quote::printable(w));
    }
    Ok(trace)
}

/// Runs a parsed command line, writing results to `out`.
pub fn run(args: Args, out: &mut (impl Write + Send)) -> Result<()> {
    // A trace file truncated while mapped: a message, not "Bus error (core dumped)".
    crate::trace::report_bus_errors(false);
    if matches!(
        args.command,
        Some(Command::Replay(_) | Command::Convert(_) | Command::Plot(_))
    ) {
        remove_partials_on_signal();
    }
    match args.command {
        Some(Command::Inspect(a)) => inspect(&a.trace, &a.read, a.top, a.json, out),
        Some(Command::Stats(a)) => stats(&a, out),
        Some(Command::Replay(a)) => export(&a, out),
        Some(Command::Convert(a)) => convert(&a, out),
        Some(Command::Plot(a)) => plot(&a, out),
        None => {
            use std::io::IsTerminal;
            if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
                if args.traces.iter().any(|p| p == Path::new("-")) {
                    bail!(
                        "the explorer reads keys from the terminal, so it cannot read a trace \
                         from standard input; save the trace to a file and give its path (or \
                         run `inspect -`, `stats -` or `replay -` on the pipe)"
                    );
                }
                let traces = args
                    .traces
                    .into_iter()
                    .filter(|p| p != Path::new("sample"))
                    .collect();
                return crate::tui::run(traces, args.replay.params()?, args.input.load_options()?);
            }
            // Not a terminal (a pipe, CI): print what the explorer would open.
            let path = args
                .traces
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("sample"));
            inspect(&path, &args.input, 10, false, out)?;
            eprintln!(
                "note: the explorer needs a terminal (standard input and output), so this is the \
                 trace's summary; run tracereplay-tui in a terminal to explore it, or see \
                 `tracereplay-tui --help` for the commands"
            );
            Ok(())
        }
    }
}

/// Ctrl-C, SIGTERM or SIGHUP during an export remove its temporary file before the process
/// ends (killed by the signal's default action, the file stayed behind).
fn remove_partials_on_signal() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return; // The default action stays: the process still stops.
            };
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let removed = crate::workload::remove_partial_files();
                    let name = match sig {
                        SIGINT => "SIGINT",
                        SIGTERM => "SIGTERM",
                        _ => "SIGHUP",
                    };
                    let what = if removed > 0 {
                        "; the unfinished output was removed"
                    } else {
                        ""
                    };
                    eprintln!("stopped by {name}{what}");
                    std::process::exit(128 + sig);
                }
            });
        });
    }
}

fn inspect(
    path: &Path,
    input: &InputOpts,
    top: usize,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    let trace = load_trace(path, input)?;
    // Every count checked and each function's total, in one pass on all cores.
    let profile = trace.profile().naming("cannot load trace", path)?;
    let summary = trace.summary_of(&profile.per_function, top);
    let coarse = crate::coarse::Coarseness::of_trace(&trace);
    if json {
        let mut v = report::summary_json(&trace.source, &summary);
        if let Some(c) = coarse {
            v["timestamps"] = serde_json::json!(c);
        }
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report::summary_text(&trace.source, &summary))?;
        if let Some(c) = coarse {
            writeln!(out, "timestamps   {}", c.describe())?;
        }
    }
    Ok(())
}

/// The replay options as parameters, with every check that needs no trace done (and `--only`'s
/// names checked against the models): before loading one, which can take seconds.
fn checked_params(opts: &ReplayOpts, only: Option<&[String]>) -> Result<ReplayParams> {
    let params = opts.params()?;
    params.check_values().context("cannot replay the trace")?;
    let names: Vec<&str> = params.models.iter().map(String::as_str).collect();
    replay::choose(&names, only)?;
    Ok(params)
}

fn run_replay(trace: &Trace, params: &ReplayParams) -> Result<replay::Replay> {
    replay::replay(trace, params).context("cannot replay the trace")
}

/// The token source `--tokens-from` names, read before the (larger) trace: any trace with
/// token counts, or a workload we exported with them.
fn token_source(opts: &TokenOpts) -> Result<Option<crate::tokens::TokenSource>> {
    let Some(path) = &opts.tokens_from else {
        return Ok(None);
    };
    let source = match crate::ingest::load(path, &Default::default(), &mut |_, _| {}) {
        Ok(t) => crate::tokens::TokenSource::from_trace(&t),
        // Our own exports, from a file only (a pipe or device was read already, and
        // /dev/zero has no end).
        Err(first) if path.is_file() => match Workload::read(path) {
            Ok(w) => crate::tokens::TokenSource::from_workload(&w),
            Err(_) => Err(first),
        },
        Err(first) => Err(first),
    };
    source
        .map(Some)
        .naming("cannot read token counts from", path)
}

/// Draws the replay's token pairs from `source`, when there is one.
fn add_tokens(
    r: &mut replay::Replay,
    source: Option<&crate::tokens::TokenSource>,
    opts: &TokenOpts,
) {
    if let Some(s) = source {
        let seed = r.params.seed;
        crate::tokens::assign(r, s, opts.tokens_by_hour, seed);
    }
}

fn stats(a: &StatsArgs, out: &mut impl Write) -> Result<()> {
    let params = ReplayParams {
        fit_quality: true,
        ..checked_params(&a.replay, None)?
    };
    let tokens = token_source(&a.tokens)?;
    let trace = load_trace(&a.trace, &a.read)?;
    let mut r = run_replay(&trace, &params)?;
    add_tokens(&mut r, tokens.as_ref(), &a.tokens);
    // The header shows the whole trace's total: a full read, checked.
    let total = trace.check().naming("cannot load trace", &a.trace)?;
    let coarse = crate::coarse::Coarseness::of_trace(&trace);
    if a.json {
        let mut v = report::stats_json(&r, total);
        if let Some(c) = coarse {
            v["trace"]["timestamps"] = serde_json::json!(c);
        }
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report::stats_text(&r, total))?;
        if let Some(c) = coarse.filter(|c| c.is_coarse()) {
            writeln!(out, "timestamps {}", c.describe())?;
        }
    }
    Ok(())
}

fn export(a: &ExportArgs, out: &mut (impl Write + Send)) -> Result<()> {
    if let Some(p) = &a.params {
        return export_again(p, a, out);
    }
    let Some(trace_path) = &a.trace else {
        bail!("give the trace to replay (or --params FILE.params.json)");
    };
    // `-o -`: standard output, for pipes (`… -o - --format csv | head`).
    let to_stdout = a.output.as_os_str() == "-";
    let format = match a.format {
        Some(FormatArg::Msgpack) => Format::Msgpack,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Csv) => Format::Csv,
        Some(FormatArg::Mooncake) => Format::Mooncake {
            block_size: a.block_size,
        },
        Some(FormatArg::Invitro) => Format::Invitro {
            duration_us: (a.duration * 1e6).round() as u64,
        },
        Some(FormatArg::Vidur) => Format::Vidur,
        Some(FormatArg::Splitwise) => Format::Splitwise,
        None => match Format::from_path(&a.output)? {
            Format::Mooncake { .. } => Format::Mooncake {
                block_size: a.block_size,
            },
            f => f,
        },
    };
    if !(a.duration.is_finite() && (1e-6..=86_400.0).contains(&a.duration)) {
        bail!(
            "--duration {}: give how long each request runs in seconds, from 0.000001 to 86400",
            crate::stats::py_float(a.duration)
        );
    }
    if a.block_size == 0 {
        bail!("--block-size 0: a hash id stands for a block of at least 1 token (default 512)");
    }
    for (name, v) in [
        ("--input-length", a.input_length),
        ("--output-length", a.output_length),
    ] {
        if v == Some(0) {
            bail!("{name} 0: a request has at least 1 token; give a positive number");
        }
    }
    if to_stdout {
        use std::io::IsTerminal;
        if format == Format::Msgpack && std::io::stdout().is_terminal() {
            bail!(
                "msgpack is binary and standard output is a terminal; redirect it \
                 (`-o - > workload.msgpack`) or pass --format csv or --format json"
            );
        }
    }
    // Beside a file only: a device or FIFO has no directory of its own to write into
    // (`-o /dev/null` must not create /dev/null.params.json).
    let to_file = !to_stdout
        && matches!(
            refuse_existing(&a.output, a.force)?,
            crate::workload::Target::File(_)
        );
    let provenance = if to_file && format.needs_provenance() {
        let p = params_path(&a.output).context("the output needs a file name")?;
        refuse_existing(&p, a.force)?;
        true
    } else {
        false
    };
    let params = checked_params(&a.replay, a.only.as_deref())?;
    crate::workload::check_slo(a.slo).context("cannot build the workload")?;
    let tokens = token_source(&a.tokens)?;
    let trace = load_trace(trace_path, &a.read)?;
    let mut r = run_replay(&trace, &params)?;
    add_tokens(&mut r, tokens.as_ref(), &a.tokens);
    let build =
        || Workload::from_replay(&r, a.slo, a.only.as_deref()).context("cannot build the workload");
    // Unmapping a large trace takes a while: let another core do it while the workload is
    // built and written (after InVitro has read its run times).
    let (mut workload, unmap) = if matches!(format, Format::Invitro { .. }) {
        let mut w = build()?;
        if !w.add_durations(&trace, &r) {
            eprintln!(
                "note: every request runs {} s (--duration): the trace has no run times, or \
                 the replay is not vanilla",
                crate::stats::py_float(a.duration)
            );
        }
        (w, std::thread::spawn(move || drop(trace)))
    } else {
        let unmap = std::thread::spawn(move || drop(trace));
        (build()?, unmap)
    };
    // Constants replace the trace's own counts, or stand where it has none.
    let n = workload.len();
    if let Some(v) = a.input_length {
        workload.input_tokens = Some(vec![v; n]);
        // The source's prefix-cache ids describe its own prompt lengths.
        workload.hash_rows = None;
    }
    if let Some(v) = a.output_length {
        workload.output_tokens = Some(vec![v; n]);
    }
    if matches!(
        format,
        Format::Mooncake { .. } | Format::Vidur | Format::Splitwise
    ) && (workload.input_tokens.is_none() || workload.output_tokens.is_none())
    {
        bail!(
            "{format} needs each request's input and output tokens, and {} has no token \
             counts; draw them from an LLM trace with --tokens-from TRACE, or give constants \
             with --input-length N --output-length N",
            crate::quote::quoted(&r.source)
        );
    }
    if matches!(format, Format::Invitro { .. }) {
        let moved = crate::workload::simulators::invitro_moves(&workload);
        if moved > 0 {
            eprintln!(
                "note: InVitro stops on two invocations of a function in the same microsecond; \
                 {moved} request(s) were moved 1 µs after the one before"
            );
        }
    }
    let summary = |to: &str, bytes: u64| {
        format!(
            "wrote {} requests of {} model(s) to {to} ({format}, {bytes} bytes); window {}",
            workload.len(),
            workload.models.len(),
            r.window
        )
    };
    if to_stdout {
        // The summary goes to stderr, out of the data's way.
        let bytes = write_to(out, &workload, format)?;
        eprintln!("{}", summary("standard output", bytes));
    } else {
        let bytes = workload
            .write(&a.output, format, a.force)
            .naming("cannot export the workload to", &a.output)?;
        writeln!(out, "{}", summary(&a.output.display().to_string(), bytes))?;
        if provenance {
            let spec = ExportSpec {
                format,
                slo: a.slo,
                only: a.only.clone(),
                input_length: a.input_length,
                output_length: a.output_length,
                tokens_from: a.tokens.tokens_from.clone(),
                tokens_by_hour: a.tokens.tokens_by_hour,
            };
            let trace = trace_path.display().to_string();
            let command = replay_command(&trace, &a.read.load_options()?, &params, &spec);
            let p = write_params(&a.output, a.force, &workload, &spec, &command)
                .naming("cannot write how it was made beside", &a.output)?;
            writeln!(out, "wrote how it was made to {}", p.display())?;
        }
    }
    let _ = unmap.join();
    Ok(())
}

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
    opt("--interval", crate::stats::py_float(p.interval_seconds));
    opt("--rate-scale", crate::stats::py_float(p.rate_scale));
    opt("--cv-scale", crate::stats::py_float(p.cv_scale));
    opt("--time-scale", crate::stats::py_float(p.time_scale));
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
    let format = match e.format {
        Format::Msgpack => "msgpack",
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Mooncake { .. } => "mooncake",
        Format::Invitro { .. } => "invitro",
        Format::Vidur => "vidur",
        Format::Splitwise => "splitwise",
    };
    opt("--format", format.into());
    match e.format {
        Format::Mooncake { block_size } => opt("--block-size", block_size.to_string()),
        Format::Invitro { duration_us } => {
            opt(
                "--duration",
                crate::stats::py_float(duration_us as f64 / 1e6),
            );
        }
        _ => {}
    }
    opt("--slo", crate::stats::py_float(e.slo));
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
    crate::workload::write_atomic(&beside, overwrite, None, |out| {
        out.write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| crate::Error::Encode(e.to_string()))
    })?;
    Ok(beside)
}

/// `replay --params FILE -o OUT`: runs the recorded command again into OUT.
fn export_again(params: &Path, a: &ExportArgs, out: &mut (impl Write + Send)) -> Result<()> {
    // A params file is a few kilobytes: read at most a megabyte (a device could be endless).
    let mut text = String::new();
    std::fs::File::open(params)
        .and_then(|f| {
            std::io::Read::read_to_string(&mut std::io::Read::take(f, 1 << 20), &mut text)
        })
        .with_context(|| format!("cannot read {}", params.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a params file written beside an export",
            params.display()
        )
    })?;
    let command: Vec<String> = doc["command"]
        .as_array()
        .and_then(|c| c.iter().map(|v| v.as_str().map(String::from)).collect())
        .with_context(|| format!("{} has no \"command\" list of arguments", params.display()))?;
    let mut argv = vec!["tracereplay-tui".to_string()];
    argv.extend(command);
    argv.push("-o".into());
    argv.push(a.output.display().to_string());
    if a.force {
        argv.push("--force".into());
    }
    let again = Args::try_parse_from(&argv)
        .with_context(|| format!("the command in {} no longer parses", params.display()))?;
    match again.command {
        Some(Command::Replay(e)) if e.params.is_none() => export(&e, out),
        _ => bail!("{} does not record a `replay` command", params.display()),
    }
}

/// Encodes `workload` into `out`; the bytes written. A failed write is the error itself, so
/// `main` ends quietly when it was a pipe's reader that left (`| head`).
fn write_to(out: &mut (impl Write + Send), workload: &Workload, format: Format) -> Result<u64> {
    let mut sink = crate::workload::Sink::new(out);
    let written = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut sink);
        workload
            .encode(format, &mut w)
            .map_err(anyhow::Error::from)
            .and_then(|()| w.flush().map_err(anyhow::Error::from))
    };
    if let Err(e) = written {
        let e = sink.take_error().map_or(e, anyhow::Error::from);
        return Err(e.context("cannot write the workload to standard output"));
    }
    Ok(sink.written())
}

fn convert(a: &ConvertArgs, out: &mut impl Write) -> Result<()> {
    if a.output.as_os_str() == "-" {
        bail!(
            "convert writes a trace file: give it a path (`-`, standard output, is only for \
             `replay`)"
        );
    }
    refuse_existing(&a.output, a.force)?;
    let trace = load_trace(&a.input, &a.read)?;
    trace.check().naming("cannot load trace", &a.input)?;
    let to = a.to.unwrap_or_else(|| {
        if a.output
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pkl") || e.eq_ignore_ascii_case("pickle"))
        {
            ConvertTo::Pickle
        } else {
            ConvertTo::Native
        }
    });
    let dropped = trace
        .functions
        .iter()
        .any(|f| f.tokens.is_some() || f.trigger.is_some());
    let bytes = crate::workload::write_atomic(&a.output, a.force, None, |w| match to {
        ConvertTo::Native => crate::ingest::native::encode(&trace, w),
        ConvertTo::Pickle => crate::ingest::pickle::write::write(&trace, w),
    })
    .naming("cannot write", &a.output)?;
    writeln!(
        out,
        "wrote {} ({} functions, {} invocations, {}, {bytes} bytes) to {}",
        trace.source,
        trace.functions.len(),
        trace.invocations(),
        match to {
            ConvertTo::Native => "tracereplay native",
            ConvertTo::Pickle => "AlpaServe pickle",
        },
        a.output.display()
    )?;
    if to == ConvertTo::Pickle && dropped {
        eprintln!(
            "note: the AlpaServe pickle holds only names and series; triggers and token counts \
             are kept in the native format (--to native)"
        );
    }
    Ok(())
}

/// Refuses, before any long work, an output that is a file that exists (unless `force`), whose
/// directory does not exist, or that cannot hold an export (a directory, a block device).
/// Devices and FIFOs are written to directly and need no `force`. Returns what it is.
fn refuse_existing(output: &Path, force: bool) -> Result<crate::workload::Target> {
    use crate::workload::Target;
    let target = Target::resolve(output)?;
    if !force && target.replaces_a_file() {
        bail!(
            "{} already exists; pass --force to overwrite it or choose another path",
            output.display()
        );
    }
    if let Target::File(real) = &target {
        crate::workload::output_dir(real)?;
    }
    Ok(target)
}

fn plot(a: &PlotArgs, out: &mut impl Write) -> Result<()> {
    let ext = a
        .output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let as_png = match ext.as_deref() {
        Some("svg") => false,
        Some("png") => true,
        _ => bail!(
            "{}: name the output .svg (vector, for papers) or .png (a bitmap at twice the size)",
            a.output.display()
        ),
    };
    refuse_existing(&a.output, a.force)?;
    let figure: crate::plot::Figure = a.figure.parse()?;
    // An option the figure does not use is refused, never silently ignored.
    use crate::plot::Figure;
    if a.bins.is_some() && figure != Figure::Histogram {
        bail!(
            "--bins is for --figure histogram; the {} figure has no bins to set (drop --bins)",
            a.figure
        );
    }
    if a.at.is_some() && figure != Figure::Gaps {
        bail!(
            "--at chooses the interval of --figure gaps; the {} figure shows the whole window \
             (drop --at, or pass --figure gaps)",
            a.figure
        );
    }
    let bins = a.bins.unwrap_or(100);
    if figure == Figure::Histogram {
        crate::plot::check_bins(bins)?;
    }
    let at = match &a.at {
        Some(t) => Some(crate::time::point_seconds(t, "at")? as f64),
        None => None,
    };
    let params = checked_params(&a.replay, a.only.as_deref())?;
    crate::plot::check_panels(a.only.as_ref().map_or(params.models.len(), Vec::len))?;
    let trace = load_trace(&a.trace, &a.read)?;
    let r = run_replay(&trace, &params)?;
    let opts = crate::plot::PlotOptions {
        figure,
        bins,
        models: a.only.clone(),
        range: None,
        at,
    };
    let svg = crate::plot::svg(&r, &trace, &opts)?;
    let data = if as_png {
        crate::plot::png(&svg, 2.0)?
    } else {
        svg.into_bytes()
    };
    let bytes = crate::workload::write_atomic(&a.output, a.force, None, |w| {
        w.write_all(&data)
            .map_err(|e| crate::Error::Encode(e.to_string()))
    })
    .naming("cannot write", &a.output)?;
    writeln!(out, "wrote {} ({bytes} bytes)", a.output.display())?;
    Ok(())
}
