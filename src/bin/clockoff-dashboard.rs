use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use clockoff::core::clock::SystemClock;
use clockoff::dashboard::cli::{Cli, run};

fn main() -> ExitCode {
    run(Cli::parse(), Arc::new(SystemClock))
}
