//! `clockoff report`: see exactly what would leave the laptop for a week (`preview`), keep
//! a week back (`pause`, undone by `resume`), and see what was sent (`status`). Preview reads the ledger like
//! `clockoff week`; pausing writes it, through the agent while it runs (it holds the
//! ledger), otherwise directly under the same lock, as `clockoff toil take` does.

use chrono::{IsoWeek, TimeDelta};
use clap::Subcommand;

use super::{
    Failure, agent_cmd, ledger_path, load_config, load_schedule_config, open_ledger, read_failed,
    report_status,
};
use crate::config::{Config, ConfigPaths};
use crate::core::clock::Clock;
use crate::core::record::week;
use crate::core::summary::WeeklySummary;
use crate::ledger::{Ledger, ReportWeek, StoreError};
use crate::ledger::{LockError, lock};
use crate::report::{self, ReportError, pause_reply, secret};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Print the summary that would be sent for a week: exactly its JSON on standard output,
    /// what each field means on standard error.
    #[command(
        after_help = "The JSON is the value sent, indented for reading. Works whether reporting is on or off.\n\n\
Examples:\n  clockoff report preview\n  clockoff report preview --week 2026-W47"
    )]
    Preview {
        /// An ISO week such as 2026-W47 (default: the last week that has ended)
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
    },
    /// Keep a week back: it is never reported.
    #[command(
        after_help = "Examples:\n  clockoff report pause\n  clockoff report pause --week 2026-W47"
    )]
    Pause {
        /// An ISO week such as 2026-W47 (default: the last week that has ended)
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
    },
    /// Report a week you paused after all.
    #[command(after_help = "Examples:\n  clockoff report resume --week 2026-W47")]
    Resume {
        /// An ISO week such as 2026-W47 (default: the last week that has ended)
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
    },
    /// Which weeks are queued, delivered, paused or failing, read from your ledger.
    #[command(
        after_help = "Works whether the agent runs or not.\n\nExamples:\n  clockoff report status\n  clockoff report status --json"
    )]
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ReportCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    // Only the summary reads the schedule, and with it the calendars.
    let config = match &command {
        ReportCommand::Preview { .. } => load_schedule_config(paths, clock)?,
        _ => load_config(paths)?,
    };
    let (which, paused) = match &command {
        ReportCommand::Preview { week } => (week, None),
        ReportCommand::Pause { week } => (week, Some(true)),
        ReportCommand::Resume { week } => (week, Some(false)),
        ReportCommand::Status { json } => return report_status::run(&config, *json, clock),
    };
    let week = match which {
        Some(text) => week::parse(text).map_err(Failure::Usage)?,
        None => report::last_completed_week(config.timezone, clock.now()),
    };
    match paused {
        None => preview(&config, week, clock),
        Some(paused) => pause(&config, week, paused, clock),
    }
}

fn preview(config: &Config, week: IsoWeek, clock: &dyn Clock) -> Result<(), Failure> {
    let failed = |e: ReportError| Failure::Runtime(e.to_string());
    let reader = open_ledger()?;
    let stored = match &reader {
        Some(r) => r.report_week(week).map_err(read_failed)?,
        None => ReportWeek::new(week),
    };
    let report_id = match stored.report_id {
        Some(id) => id,
        None => report::random_report_id().map_err(failed)?,
    };
    let secret = secret::load_or_create(&secret::path_beside(&ledger_path()?)).map_err(failed)?;
    let summary = report::summary(
        reader.as_ref(),
        config,
        week,
        report_id,
        secret.pseudonym(week),
    )
    .map_err(read_failed)?;
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?;
    println!("{json}");
    let delivered = match &reader {
        Some(r) => r
            .queued_reports()
            .map_err(read_failed)?
            .into_iter()
            .find(|q| q.week == week)
            .and_then(|q| q.delivered),
        None => None,
    };
    eprint!("{}", explain(config, &summary, &stored, clock));
    if let Some(at) = delivered {
        eprintln!(
            "It was delivered on {}: it is not sent again.",
            at.with_timezone(&config.timezone)
                .format("%a %-d %b %Y %H:%M")
        );
    }
    Ok(())
}

/// Monday to Sunday, for people.
fn dates(w: IsoWeek) -> String {
    let monday = week::monday(w);
    format!(
        "{} to {}",
        monday.format("%a %-d %b"),
        (monday + TimeDelta::days(6)).format("%a %-d %b %Y")
    )
}

/// What each field means and whether it will be sent, for standard error.
fn explain(config: &Config, s: &WeeklySummary, stored: &ReportWeek, clock: &dyn Clock) -> String {
    let name = week::name(s.week);
    let id = if stored.report_id.is_some() {
        "random; this week's report is queued under it, and every retry resends it"
    } else {
        "random; drawn when the week is queued and kept for retries (this one is a sample)"
    };
    let mut out = format!(
        "\nAbove is everything clockoff would send for {name} ({}), and nothing else:\n",
        dates(s.week)
    );
    for (field, meaning) in [
        ("schema", "the format's version"),
        ("week", "the ISO week; no day or time of day is sent"),
        ("report_id", id),
        (
            "pseudonym",
            "stands for you for this week only: made from a secret that stays on this laptop, it changes every week",
        ),
        (
            "out_of_hours_minutes",
            "measured at the laptop outside your hours, overrides included",
        ),
        (
            "self_reported_out_of_hours_minutes",
            "time you logged (`clockoff log`) outside your hours",
        ),
        ("weekend_minutes", "any recorded work on Saturday or Sunday"),
        (
            "late_evening_minutes",
            "any recorded work from 20:00 to 06:00",
        ),
        (
            "days_with_out_of_hours_work",
            "days with any out-of-hours, on-call or logged out-of-hours work",
        ),
        (
            "notifications_held_out_of_hours",
            "how many notifications were held while quiet (not from what, nor when)",
        ),
        (
            "on_call_callout_minutes",
            "measured at the laptop while on call",
        ),
    ] {
        out += &format!("  {field:<36} {meaning}\n");
    }
    out += "Minutes are rounded to the nearest 15 (8 minutes is 15, 7 is 0) and never exceed the week.\n";
    out += "It goes with the team's token and this week's token (a header): the week token shows \
            the dashboard that an enrolled laptop sent it, without saying which.\n";
    if week::span(config.timezone, s.week).end > clock.now() {
        out += &format!("{name} has not ended: these are its figures so far.\n");
    }
    out += &if stored.paused {
        format!(
            "{name} is paused: it will not be sent (`clockoff report resume --week {name}` undoes that).\n"
        )
    } else if !config.report.enabled {
        "Reporting is off ([report] enabled = false in your config): nothing is sent.\n".into()
    } else {
        format!(
            "Reporting is on: this is sent to {} once the week has ended (from Monday midday).\n",
            config
                .report
                .dashboard
                .as_deref()
                .unwrap_or("the dashboard")
        )
    };
    out
}

fn pause(config: &Config, week: IsoWeek, paused: bool, clock: &dyn Clock) -> Result<(), Failure> {
    let path = ledger_path()?;
    let reply = match lock(&path) {
        Ok(lock) => {
            let reply = write_directly(&path, week, paused, clock)?;
            drop(lock);
            reply
        }
        // The agent holds the ledger: it records the pause.
        Err(LockError::InUse(_)) => {
            let name = week::name(week);
            agent_cmd::call(|agent| async move { agent.pause_report(&name, paused).await })
                .map_err(|failure| match failure {
                    Failure::Runtime(why) => Failure::Runtime(format!(
                        "a clockoff agent is keeping the ledger at {}, but it could not be \
                         reached from here, so nothing was recorded: {why}",
                        path.display()
                    )),
                    usage => usage,
                })?
        }
        Err(e) => return Err(Failure::Runtime(e.to_string())),
    };
    let queued = serde_json::from_str::<serde_json::Value>(&reply)
        .ok()
        .and_then(|v| v["queued"].as_bool())
        .unwrap_or(false);
    let name = week::name(week);
    if paused {
        println!(
            "{name} ({}) will not be reported. `clockoff report resume --week {name}` undoes this.",
            dates(week)
        );
        if queued {
            println!("It was already queued: it is kept back unless it has been delivered.");
        }
    } else {
        let when = if config.report.enabled {
            "will be reported"
        } else {
            "will be reported if you turn reporting on"
        };
        println!("{name} ({}) {when}.", dates(week));
    }
    Ok(())
}

/// No agent runs and this process holds the lock: open the ledger as the agent would.
fn write_directly(
    path: &std::path::Path,
    week: IsoWeek,
    paused: bool,
    clock: &dyn Clock,
) -> Result<String, Failure> {
    let failed = |e: StoreError| Failure::Runtime(format!("writing the ledger: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let (ledger, _) = Ledger::open(path).await.map_err(failed)?;
        let result = ledger.set_report_paused(week, paused, clock.now()).await;
        ledger.close().await.map_err(failed)?;
        result.map(|w| pause_reply(&w)).map_err(failed)
    })
}
