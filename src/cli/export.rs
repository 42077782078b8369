//! `replay -o`: a replay exported as a workload file, with its parameters beside it, and made
//! again from them.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Parser;

use super::{
    Args, Command, ExportArgs, FormatArg, Naming, add_tokens, checked_params, load_trace,
    run_replay, shown, token_source,
};
use crate::workload::{ExportSpec, Format, Workload, params_path, replay_command, write_params};

pub(super) fn export(a: &ExportArgs, out: &mut (impl Write + Send)) -> Result<()> {
    if let Some(p) = &a.params {
        return export_again(p, a, out);
    }
    let Some(trace_path) = &a.trace else {
        bail!("give the trace to replay (or --params FILE.params.json)");
    };
    // `-o -`: standard output, for pipes (`… -o - --format csv | head`).
    let to_stdout = a.output.as_os_str() == "-";
    let wall_clock = a
        .wall_clock
        .as_deref()
        .map(crate::ingest::datetime::parse_wall_clock)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--wall-clock: {e}"))?;
    if wall_clock.is_some() && !matches!(a.format, Some(FormatArg::Vidur | FormatArg::AzureLlm)) {
        bail!("--wall-clock dates the rows of --format vidur and --format azure-llm only");
    }
    let format = match a.format {
        Some(f) => f.format(),
        None => Format::from_path(&a.output)?,
    }
    .with_options(a.block_size, a.duration, wall_clock);
    if !(a.duration.is_finite() && crate::workload::RUN_SECONDS.contains(&a.duration)) {
        bail!(
            "--duration {}: give how long each request runs in seconds, from 0.000001 to 86400",
            crate::format::py_float(a.duration)
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
    let mut params = checked_params(&a.replay, a.only.as_deref())?;
    crate::workload::check_slo(a.slo).context("cannot build the workload")?;
    let tokens = token_source(&a.tokens)?;
    let trace = load_trace(trace_path, &a.read)?;
    super::fit_models(&mut params, &a.replay, &trace);
    let mut r = run_replay(&trace, &params)?;
    add_tokens(&mut r, tokens.as_ref(), &a.tokens);
    let spec = ExportSpec {
        format,
        slo: a.slo,
        only: a.only.clone(),
        input_length: a.input_length,
        output_length: a.output_length,
        tokens_from: a.tokens.tokens_from.clone(),
        tokens_by_hour: a.tokens.tokens_by_hour,
    };
    let build = |trace: Option<&crate::trace::Trace>| match spec.workload(&r, trace) {
        Ok(built) => Ok(built),
        Err(e @ crate::Error::NoTokens { .. }) => Err(anyhow::anyhow!(
            "{e}; draw them from an LLM trace with --tokens-from TRACE, or give constants with \
             --input-length N --output-length N"
        )),
        Err(e) => Err(anyhow::Error::from(e).context("cannot build the workload")),
    };
    // Unmapping a large trace takes a while: let another core do it while the workload is
    // built and written (after InVitro has read its run times).
    let (built, unmap) = if matches!(format, Format::Invitro { .. }) {
        let built = build(Some(&trace))?;
        if !built.run_times {
            eprintln!(
                "note: every request runs {} s (--duration): the trace has no run times, or \
                 the replay is not vanilla",
                crate::format::py_float(a.duration)
            );
        }
        (built, std::thread::spawn(move || drop(trace)))
    } else {
        let unmap = std::thread::spawn(move || drop(trace));
        (build(None)?, unmap)
    };
    let workload = built.workload;
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
            "wrote {} of {} to {to} ({format}, {bytes} bytes); window {}",
            crate::format::plural(workload.len() as u64, "request"),
            crate::format::plural(workload.models.len() as u64, "model"),
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
        writeln!(out, "{}", summary(&shown(&a.output), bytes))?;
        if provenance {
            let trace = trace_path.display().to_string();
            let command = replay_command(&trace, &a.read.load_options()?, &params, &spec);
            let p = write_params(&a.output, a.force, &workload, &spec, &command)
                .naming("cannot write how it was made beside", &a.output)?;
            writeln!(out, "wrote how it was made to {}", shown(&p))?;
            if trace == "-" {
                eprintln!(
                    "note: the trace came from standard input, recorded as \"-\": to make this \
                     export again with --params, put the trace's path in its place"
                );
            }
        }
    }
    let _ = unmap.join();
    Ok(())
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
    refuse_options_beside(params, a)?;
    if command.get(1).is_some_and(|t| t == "-") {
        bail!(
            "{} records a trace read from standard input, which cannot be read again as it \
             was; replace \"-\" in its \"command\" with the trace's path",
            params.display()
        );
    }
    // Only the user decides what is overwritten and where: the file's own `--force` or output
    // would grant it.
    if let Some(o) = command.iter().find(|c| {
        matches!(c.as_str(), "--force" | "-o" | "--output")
            || c.starts_with("--output=")
            || c.starts_with("--force=")
            || (c.starts_with("-o") && !c.starts_with("--"))
    }) {
        bail!(
            "{}'s command holds {}, which a params file may not decide (it re-creates a \
             workload; where it goes and whether it overwrites are yours): remove it from the \
             file, and give -o (and --force) on the command line",
            params.display(),
            crate::quote::quoted(o)
        );
    }
    let mut argv = vec!["tracereplay-tui".to_string()];
    // A file written before --estimator existed was made with the original's.
    let dated = !command
        .iter()
        .any(|c| c == "--estimator" || c.starts_with("--estimator="));
    argv.extend(command);
    if dated {
        argv.extend(["--estimator".to_string(), "alpaserve".to_string()]);
    }
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

/// Refuses options given beside `--params`: the export is made as recorded, so they would be
/// ignored without a word.
fn refuse_options_beside(params: &Path, a: &ExportArgs) -> Result<()> {
    let argv = [
        "tracereplay-tui".as_ref(),
        "replay".as_ref(),
        "--params".as_ref(),
        params.as_os_str(),
        "-o".as_ref(),
        a.output.as_os_str(),
    ];
    let Ok(Args {
        command: Some(Command::Replay(plain)),
        ..
    }) = Args::try_parse_from(argv)
    else {
        bail!("cannot read the command line around --params");
    };
    let differs =
        |x: &dyn std::fmt::Debug, y: &dyn std::fmt::Debug| format!("{x:?}") != format!("{y:?}");
    let given: Vec<&str> = [
        (
            differs(&a.read, &plain.read),
            "input options (--input-format, --time-column, …)",
        ),
        (
            differs(&a.replay, &plain.replay),
            "replay options (--seed, --end, --distribution, …)",
        ),
        (differs(&a.tokens, &plain.tokens), "--tokens-from"),
        (differs(&a.slo, &plain.slo), "--slo"),
        (differs(&a.format, &plain.format), "--format"),
        (differs(&a.only, &plain.only), "--only"),
        (
            differs(&a.input_length, &plain.input_length),
            "--input-length",
        ),
        (
            differs(&a.output_length, &plain.output_length),
            "--output-length",
        ),
        (differs(&a.block_size, &plain.block_size), "--block-size"),
        (differs(&a.duration, &plain.duration), "--duration"),
    ]
    .into_iter()
    .filter_map(|(d, name)| d.then_some(name))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    bail!(
        "--params re-creates the export recorded in {} as it was, so {} beside it would be \
         ignored; give only -o (and --force), or run the recorded \"command\" with your changes",
        params.display(),
        given.join(", ")
    )
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

/// Refuses, before any long work, an output that is a file that exists (unless `force`), whose
/// directory does not exist, or that cannot hold an export (a directory, a block device).
/// Devices and FIFOs are written to directly and need no `force`. Returns what it is.
pub(super) fn refuse_existing(output: &Path, force: bool) -> Result<crate::workload::Target> {
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
