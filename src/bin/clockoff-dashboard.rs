use std::process::ExitCode;

use clap::Parser;
use clockoff::core::clock::process_clock;
use clockoff::dashboard::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match process_clock() {
        Ok(clock) => run(cli, clock),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
