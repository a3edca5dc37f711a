//! The `clockoff` command line. `main` calls [`run`]; each subcommand lives in its own module.

mod config_cmd;
mod schedule_cmd;
mod timefmt;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config, ConfigPaths};
use crate::core::clock::Clock;

#[derive(Debug, Parser)]
#[command(
    name = "clockoff",
    version,
    about = "Keeps your laptop quiet outside your working hours, and keeps your own record of the time you work anyway.",
    after_help = "With no command, shows where you are in your working week (`clockoff schedule now`).\n\n\
Examples:\n  clockoff schedule now\n  clockoff schedule week\n  clockoff config check\n  clockoff --config ~/shifts.toml schedule at 2026-11-23T18:30:00Z"
)]
pub struct Cli {
    /// Use this file instead of ~/.config/clockoff/config.toml
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask the schedule: working, off, on call, leave, holiday?
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff schedule now\n  clockoff schedule week\n  clockoff schedule at 2026-11-23T17:30:00Z\n  \
clockoff schedule transitions --from 2026-11-23T00:00:00Z --to 2026-11-30T00:00:00Z"
    )]
    Schedule(schedule_cmd::ScheduleCommand),
    /// Check or print the configuration.
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff config check\n  clockoff config default > ~/.config/clockoff/config.toml"
    )]
    Config(config_cmd::ConfigCommand),
}

/// How a command failed; decides the exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad configuration or bad arguments: exit 2.
    Usage(String),
    /// Something else went wrong: exit 1.
    Runtime(String),
}

impl Failure {
    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Runtime(_) => ExitCode::from(1),
        }
    }
}

/// Runs the command line; `clock` is the only source of "now".
pub fn run(cli: Cli, clock: &dyn Clock) -> ExitCode {
    let paths = ConfigPaths::standard(cli.config);
    let result = match cli.command {
        None => schedule_cmd::run(schedule_cmd::ScheduleCommand::Now, &paths, clock),
        Some(Command::Schedule(cmd)) => schedule_cmd::run(cmd, &paths, clock),
        Some(Command::Config(cmd)) => config_cmd::run(cmd, &paths),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (Failure::Usage(message) | Failure::Runtime(message)) = &failure;
            eprintln!("{message}");
            failure.exit_code()
        }
    }
}

/// Loads the layered configuration, or fails with every error found.
fn load_config(paths: &ConfigPaths) -> Result<Config, Failure> {
    let (config, _sources) =
        config::load(paths).map_err(|errors| Failure::Usage(format!("{errors}")))?;
    if config.timezone_source == config::ZoneSource::FallbackUtc {
        eprintln!(
            "note: the system time zone could not be read; using UTC (set `timezone` in your config)"
        );
    }
    Ok(config)
}
