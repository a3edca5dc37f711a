use std::process::ExitCode;

use clap::Parser;
use clockoff_core::clock::with_process_clock;
use clockoff_dashboard::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    with_process_clock(|clock| run(cli, clock))
}
