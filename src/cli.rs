//! The command line: `inspect`, `stats` and `replay`, sharing one set of replay options.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod args;
mod export;

use crate::replay::{self, ReplayParams};
use crate::report;
use crate::trace::Trace;
pub use crate::workload::{ExportSpec, params_path, replay_command, write_params};
pub use args::*;
use export::{export, refuse_existing};

/// Adds "WHAT PATH: " before a core error unless it names the path already ("cannot load
/// trace x: cannot read trace x: …" said it twice).
pub(super) trait Naming<T> {
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
/// A path for a message: a name can hold escape sequences a terminal would obey.
pub(super) fn shown(path: &Path) -> String {
    crate::quote::printable(&path.display().to_string()).into_owned()
}

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

/// Ctrl-C, SIGTERM, SIGHUP and the other signals that would end the process
/// ([`crate::tui::STOP_SIGNALS`]) during an export remove its temporary file before the
/// process ends (killed by the signal's default action, the file stayed behind); a write past
/// a file-size limit fails as a write error.
fn remove_partials_on_signal() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            crate::tui::ignore_file_size_signal();
            let Ok(mut signals) =
                signal_hook::iterator::Signals::new(crate::tui::STOP_SIGNALS.map(|(s, _)| s))
            else {
                return; // The default action stays: the process still stops.
            };
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let removed = crate::workload::remove_partial_files();
                    let what = if removed > 0 {
                        "; the unfinished output was removed"
                    } else {
                        ""
                    };
                    eprintln!("stopped by {}{what}", crate::tui::signal_name(sig));
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
    let details = report::TraceDetails::of(&trace);
    let coarse = crate::coarse::Coarseness::of_trace(&trace);
    if json {
        let mut v = report::summary_json(&trace.source, &summary, Some(&details));
        if let Some(c) = coarse {
            v["timestamps"] = serde_json::json!(c);
        }
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        write!(
            out,
            "{}",
            report::summary_text(&trace.source, &summary, Some(&details))
        )?;
        if let Some(c) = coarse {
            writeln!(out, "timestamps   {}", c.describe())?;
        }
    }
    Ok(())
}

/// The replay options as parameters, with every check that needs no trace done (and `--only`'s
/// names checked against the models): before loading one, which can take seconds.
pub(super) fn checked_params(opts: &ReplayOpts, only: Option<&[String]>) -> Result<ReplayParams> {
    let params = opts.params()?;
    params.check_values().context("cannot replay the trace")?;
    let names: Vec<&str> = params.models.iter().map(String::as_str).collect();
    replay::choose(&names, only)?;
    Ok(params)
}

/// The default models on a trace of fewer functions (an Azure LLM or Mooncake trace has one)
/// could only be refused: they are cut to as many, with a note, as the explorer does. Models
/// the user named or counted are left to the replay's own check.
pub(super) fn fit_models(params: &mut ReplayParams, opts: &ReplayOpts, trace: &Trace) {
    let n = trace.functions.len();
    if opts.models_defaulted() && params.cut_models_to(n).is_some() {
        eprintln!(
            "note: models set to {} ({}): the trace has {}, too few for the default {}; give \
             --models or --model-names to choose",
            n,
            params.models.join(", "),
            crate::format::plural(n as u64, "function"),
            DEFAULT_MODELS
        );
    }
}

pub(super) fn run_replay(trace: &Trace, params: &ReplayParams) -> Result<replay::Replay> {
    replay::replay(trace, params).context("cannot replay the trace")
}

/// The token source `--tokens-from` names, read before the (larger) trace: any trace with
/// token counts, or a workload we exported with them.
pub(super) fn token_source(opts: &TokenOpts) -> Result<Option<crate::tokens::TokenSource>> {
    let Some(path) = &opts.tokens_from else {
        return Ok(None);
    };
    crate::tokens::TokenSource::read(path)
        .map(Some)
        .naming("cannot read token counts from", path)
}

/// Draws the replay's token pairs from `source`, when there is one.
pub(super) fn add_tokens(
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
    let mut params = ReplayParams {
        fit_quality: true,
        ..checked_params(&a.replay, None)?
    };
    let tokens = token_source(&a.tokens)?;
    let trace = load_trace(&a.trace, &a.read)?;
    fit_models(&mut params, &a.replay, &trace);
    let mut r = run_replay(&trace, &params)?;
    add_tokens(&mut r, tokens.as_ref(), &a.tokens);
    // The trace window's own rates and cvs, beside the replay's: those of a plain vanilla
    // replay of the same window and mapping, the replay itself when it is one.
    let plain = params.distribution == replay::Distribution::Vanilla
        && params.time_scale == 1.0
        && params.replication == 1
        && params.spread.is_none();
    let beside = match trace.kind {
        crate::trace::TraceKind::V1 => report::TraceSide::new(None),
        _ if plain => report::TraceSide::new(Some(&r)),
        _ => report::TraceSide::of_trace(&trace, &r),
    };
    // The header shows the whole trace's total: a full read, checked.
    let total = trace.check().naming("cannot load trace", &a.trace)?;
    let coarse = crate::coarse::Coarseness::of_trace(&trace);
    if a.json {
        let mut v = report::stats_json(&r, total, &beside);
        if let Some(c) = coarse {
            v["trace"]["timestamps"] = serde_json::json!(c);
        }
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report::stats_text(&r, total, &beside))?;
        if let Some(c) = coarse.filter(|c| c.is_coarse()) {
            writeln!(out, "timestamps {}", c.describe())?;
        }
    }
    Ok(())
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
        "wrote {} ({}, {}, {}, {bytes} bytes) to {}",
        crate::quote::printable(&trace.source),
        crate::format::plural(trace.functions.len() as u64, "function"),
        crate::format::plural(trace.invocations(), "invocation"),
        match to {
            ConvertTo::Native => "tracereplay native",
            ConvertTo::Pickle => "AlpaServe pickle",
        },
        shown(&a.output)
    )?;
    if to == ConvertTo::Pickle && dropped {
        eprintln!(
            "note: the AlpaServe pickle holds only names and series; triggers and token counts \
             are kept in the native format (--to native)"
        );
    }
    Ok(())
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
    let mut params = checked_params(&a.replay, a.only.as_deref())?;
    crate::plot::check_panels(a.only.as_ref().map_or(params.models.len(), Vec::len))?;
    let trace = load_trace(&a.trace, &a.read)?;
    fit_models(&mut params, &a.replay, &trace);
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
    writeln!(out, "wrote {} ({bytes} bytes)", shown(&a.output))?;
    Ok(())
}
