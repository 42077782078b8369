use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = tracereplay_tui::cli::Args::parse();
    // Not `stdout().lock()`: the explorer's panic hook must be able to write to the terminal
    // from any thread while `run` is still going (a held lock deadlocked a worker's panic).
    match tracereplay_tui::cli::run(args, &mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output stopped (`stats … | head`): nothing is wrong.
        Err(err) if reader_left(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors quote file content: escape what a terminal would obey.
            eprintln!(
                "error: {}",
                tracereplay_tui::quote::printable(&format!("{err:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` comes from writing to a pipe whose reader has gone.
fn reader_left(err: &anyhow::Error) -> bool {
    let broken = |kind: Option<std::io::ErrorKind>| kind == Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|e| {
        broken(e.downcast_ref::<std::io::Error>().map(std::io::Error::kind))
            || broken(
                e.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind),
            )
    })
}
