use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use clockoff::cli::{Cli, run};
use clockoff::core::clock::SystemClock;

fn main() -> ExitCode {
    run(Cli::parse(), Arc::new(SystemClock))
}
