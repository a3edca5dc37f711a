use clap::Subcommand;

use super::Failure;
use crate::config::{self, ConfigPaths, DEFAULT_CONFIG};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration: prints `ok`, or the errors as file:line:col (exit status 2).
    /// A file with a syntax error reports that error alone; otherwise every problem is listed.
    #[command(
        after_help = "Examples:\n  clockoff config check\n  clockoff config check --config ./draft.toml"
    )]
    Check,
    /// Print the built-in default configuration, with comments.
    #[command(
        after_help = "Example:\n  mkdir -p ~/.config/clockoff && clockoff config default > ~/.config/clockoff/config.toml"
    )]
    Default,
}

pub fn run(cmd: ConfigCommand, paths: &ConfigPaths) -> Result<(), Failure> {
    match cmd {
        ConfigCommand::Check => {
            let (_, sources) = config::load(paths).map_err(|e| Failure::Usage(e.to_string()))?;
            println!("ok");
            eprintln!("read: {}", sources.join(", "));
            Ok(())
        }
        ConfigCommand::Default => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
    }
}
