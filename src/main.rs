use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = tracereplay_tui::cli::Args::parse();
    // Not `stdout().lock()`: the explorer's panic hook must be able to write to the terminal
    // from any thread while `run` is still going (a held lock deadlocked a worker's panic).
    match tracereplay_tui::cli::run(args, &mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
