use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};
use clap::Subcommand;
use serde::Serialize;

use super::timefmt::{human, parse_end_instant, parse_instant, rfc3339_in};
use super::{Failure, load_schedule_config};
use crate::config::{Config, ConfigPaths};
use crate::core::clock::Clock;
use crate::core::schedule::{Schedule, State};

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// The state at an instant, as JSON: {"state", "since", "until"}, and "from" for leave,
    /// on call and holidays.
    #[command(
        after_help = "Example:\n  clockoff schedule at 2026-11-23T17:30:00Z\n  \
{\"state\":\"off\",\"since\":\"2026-11-23T17:00:00+00:00\",\"until\":\"2026-11-24T09:00:00+00:00\"}\n\n\
since/until are the surrounding transitions in the zone's offset, null if none in 1970-2100;\n\
from, for leave, on call and holidays, says where it comes from: a calendar's name, \"your config\",\n\
\"the policy\", a closure day, or the bank holidays' region."
    )]
    At {
        /// An RFC 3339 instant, e.g. 2026-11-23T17:30:00Z
        instant: String,
    },
    /// Every change of state in [from, to), one JSON object per line.
    #[command(
        after_help = "Example:\n  clockoff schedule transitions --from 2026-11-23T00:00:00Z --to 2026-11-30T00:00:00Z\n  \
{\"at\":\"2026-11-23T09:00:00+00:00\",\"state\":\"working\"}"
    )]
    Transitions {
        /// Start (inclusive), RFC 3339
        #[arg(long)]
        from: String,
        /// End (exclusive), RFC 3339
        #[arg(long)]
        to: String,
    },
    /// Where you are now: the current state and when it changes.
    #[command(
        after_help = "Example:\n  clockoff schedule now\n  Working since 09:00, until 17:00 (off then) [Europe/London]"
    )]
    Now,
    /// The week ahead: each change of state over the next seven days.
    #[command(after_help = "Example:\n  clockoff schedule week")]
    Week,
}

#[derive(Serialize)]
struct StateJson {
    state: State,
    since: Option<String>,
    until: Option<String>,
    /// Where a leave, on-call or holiday comes from (a calendar's name, "your config"...).
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
}

#[derive(Serialize)]
struct TransitionJson {
    at: String,
    state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
}

pub fn run(cmd: ScheduleCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    // Check arguments before reading config, so a typo is reported as such.
    match cmd {
        ScheduleCommand::At { instant } => {
            let t = parse_instant("instant", &instant)?;
            let config = load_schedule_config(paths, clock)?;
            let schedule = config.schedule();
            let tz = schedule.timezone();
            let span = schedule.state_at(t);
            print_json(&StateJson {
                state: span.state,
                since: span.since.map(|t| rfc3339_in(tz, t)),
                until: span.until.map(|t| rfc3339_in(tz, t)),
                from: config.source_of(span.state, t).map(|s| s.to_string()),
            })
        }
        ScheduleCommand::Transitions { from, to } => {
            let (from, to) = (
                parse_instant("--from", &from)?,
                parse_end_instant("--to", &to)?,
            );
            if to < from {
                return Err(Failure::Usage("--to is before --from".into()));
            }
            let config = load_schedule_config(paths, clock)?;
            let schedule = config.schedule();
            let tz = schedule.timezone();
            let mut out = String::new();
            for tr in schedule.transitions(from, to) {
                let line = serde_json::to_string(&TransitionJson {
                    at: rfc3339_in(tz, tr.at),
                    state: tr.state,
                    from: config.source_of(tr.state, tr.at).map(|s| s.to_string()),
                })
                .map_err(|e| Failure::Runtime(e.to_string()))?;
                let _ = writeln!(out, "{line}");
            }
            print!("{out}");
            Ok(())
        }
        ScheduleCommand::Now => {
            let config = load_schedule_config(paths, clock)?;
            println!("{}", describe_now(&config, &config.schedule(), clock.now()));
            Ok(())
        }
        ScheduleCommand::Week => {
            let config = load_schedule_config(paths, clock)?;
            print!("{}", describe_week(&config, clock.now()));
            Ok(())
        }
    }
}

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let line = serde_json::to_string(value).map_err(|e| Failure::Runtime(e.to_string()))?;
    println!("{line}");
    Ok(())
}

pub fn label(state: State) -> &'static str {
    match state {
        State::Working => "Working",
        State::Off => "Off",
        State::OnCall => "On call",
        State::Leave => "On leave",
        State::Holiday => "Bank holiday",
        State::Override => "Working by choice",
    }
}

/// "On call (EDT rota) since Fri 17:00, until Mon 09:00 (off then) [Europe/London]": the
/// calendar behind leave, on-call or a closure is named after it.
pub fn describe_now(config: &Config, schedule: &Schedule, now: DateTime<Utc>) -> String {
    let tz = schedule.timezone();
    let span = schedule.state_at(now);
    let mut line = labelled(config, span.state, now);
    if let Some(since) = span.since {
        let _ = write!(line, " since {}", human(tz, since, now));
    }
    match span.until {
        Some(until) => {
            let next = schedule.state(until);
            let _ = write!(line, ", until {} ({next} then)", human(tz, until, now));
        }
        None => line.push_str(", with no change ahead"),
    }
    let _ = write!(line, " [{}]", tz.name());
    line
}

/// A state's label, with where it comes from: `On leave (HR leave)`, `On call (your
/// config)`, `Bank holiday (Scotland)`.
fn labelled(config: &Config, state: State, at: DateTime<Utc>) -> String {
    match config.source_of(state, at) {
        Some(source) => format!("{} ({source})", label(state)),
        None => label(state).to_string(),
    }
}

/// One line per change over the next seven days.
pub fn describe_week(config: &Config, now: DateTime<Utc>) -> String {
    let schedule = &config.schedule();
    let tz = schedule.timezone();
    let mut out = format!("{}\n", describe_now(config, schedule, now));
    let changes: Vec<_> = schedule
        .transitions(now + TimeDelta::nanoseconds(1), now + TimeDelta::days(7))
        .collect();
    if changes.is_empty() {
        out.push_str("No changes in the next seven days.\n");
    }
    for tr in changes {
        let local = tr.at.with_timezone(&tz);
        let _ = writeln!(
            out,
            "  {}  {}",
            local.format("%a %-d %b %H:%M"),
            labelled(config, tr.state, tr.at)
        );
    }
    out
}
