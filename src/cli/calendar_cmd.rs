//! `clockoff calendar`: the calendars your leave, rota and closures are read from.

use clap::Subcommand;

use super::{Failure, load_config};
use crate::calendars::{self, cache::Cache, refresh};
use crate::config::ConfigPaths;
use crate::core::clock::Clock;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Each calendar: what it is used for, where it is, when it was last read, any problem.
    List {
        /// One JSON object per calendar
        #[arg(long)]
        json: bool,
    },
    /// Read files and fetch addresses now; a running agent then reads the new copies.
    Refresh {
        /// Run by the agent, which reads the copies itself when this ends
        #[arg(long, hide = true)]
        for_agent: bool,
    },
}

pub fn run(cmd: CalendarCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    let config = load_config(paths)?;
    let now = clock.now();
    match cmd {
        CalendarCommand::List { json } => {
            let (_, states) = calendars::with_cached(config, now);
            if json {
                for state in &states {
                    let line = serde_json::to_string(state)
                        .map_err(|e| Failure::Runtime(e.to_string()))?;
                    println!("{line}");
                }
            } else if states.is_empty() {
                println!(
                    "No calendars. Add a [[calendar]] to your config: see `man clockoff-calendar`."
                );
            } else {
                for state in &states {
                    println!("{}", describe(state));
                }
            }
            Ok(())
        }
        CalendarCommand::Refresh { for_agent } => {
            if config.calendars.is_empty() {
                println!("No calendars to refresh.");
                return Ok(());
            }
            let cache = Cache::standard().ok_or_else(|| {
                Failure::Runtime(
                    "cannot find where to keep calendars: set XDG_DATA_HOME or HOME".into(),
                )
            })?;
            let results =
                super::agent_cmd::runtime()?.block_on(refresh::refresh_all(&config, &cache, now));
            let mut failed = Vec::new();
            for r in &results {
                match &r.outcome {
                    Ok(said) => println!("{}: {said}", r.name),
                    Err(why) => failed.push(format!("{}: {why}", r.name)),
                }
            }
            if !for_agent
                && results.iter().any(|r| r.changed)
                && super::agent_cmd::reload_quietly().is_ok()
            {
                println!("The running agent has read them.");
            }
            if failed.is_empty() {
                Ok(())
            } else {
                Err(Failure::Runtime(failed.join("\n")))
            }
        }
    }
}

fn describe(state: &calendars::CalendarState) -> String {
    let read = match state.good_at {
        Some(t) => format!("read {}", t.format("%Y-%m-%d %H:%M UTC")),
        None => "never read".into(),
    };
    let mut line = format!(
        "{} ({}): {}, {read}, {} entries",
        state.name, state.use_, state.from, state.entries
    );
    if let Some(problem) = &state.problem {
        line.push_str(&format!("\n  problem: {problem}"));
    }
    line
}
