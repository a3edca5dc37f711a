use std::process::ExitCode;

use clap::Parser;
use clockoff::cli::{Cli, run};
use clockoff::core::clock::with_process_clock;

fn main() -> ExitCode {
    let cli = Cli::parse();
    with_process_clock(|clock| run(cli, clock))
}
