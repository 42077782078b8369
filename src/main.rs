use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = tracereplay_tui::cli::Args::parse();
    let stdout = std::io::stdout();
    match tracereplay_tui::cli::run(args, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
