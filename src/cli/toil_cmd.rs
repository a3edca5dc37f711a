//! `clockoff toil`: time off in lieu earned, taken and left; `clockoff toil take` records
//! time taken, through the agent while it runs, else directly (see [`super::ledger_write`]).

use chrono::{Datelike, IsoWeek, NaiveDate};
use chrono_tz::Tz;
use clap::Subcommand;
use serde::Serialize;

use super::{Failure, ledger_write, load_config, open_ledger, read_failed};
use crate::config::ConfigPaths;
use crate::core::civil::local_date;
use crate::core::clock::Clock;
use crate::core::duration::{hours_minutes, minutes_text, parse_duration};
use crate::core::record::toil::{Balance, Policy};
use crate::ledger::{MAX_TOIL_MINUTES, Reader};

#[derive(Debug, Subcommand)]
pub enum ToilCommand {
    /// Record time off in lieu you took (or will take) on a day.
    #[command(
        after_help = "Examples:\n  clockoff toil take 2h --note \"Friday afternoon\"\n  clockoff toil take 1h30m --date 2026-11-27"
    )]
    Take {
        /// How long, e.g. 30m, 2h, 1h30m (1 minute to 24h)
        duration: String,
        /// The day you took it (default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        /// What it was, for your own record
        #[arg(long, default_value = "")]
        note: String,
    },
}

/// The balance at the end of `last`, with TOIL taken on days up to `taken_up_to` (all of it
/// with `None`), from the ledger the caller opened (`None`: there is none yet).
pub(super) fn balance_through(
    reader: Option<&Reader>,
    policy: &Policy,
    tz: Tz,
    last: IsoWeek,
    taken_up_to: Option<NaiveDate>,
) -> Result<Balance, Failure> {
    crate::record::toil_balance(reader, policy, tz, last, taken_up_to).map_err(read_failed)
}

#[derive(Serialize)]
struct Shown {
    /// Accrued through this day's week.
    as_of: NaiveDate,
    #[serde(flatten)]
    balance: Balance,
}

pub fn run(
    command: Option<ToilCommand>,
    json: bool,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    match command {
        None => show(json, paths, clock),
        Some(ToilCommand::Take {
            duration,
            date,
            note,
        }) => take(&duration, date, &note, paths, clock),
    }
}

/// Accrued through this week; every entry taken counts, including days booked ahead, since
/// that time is already spoken for.
fn show(json: bool, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    let config = load_config(paths)?;
    let today = local_date(config.timezone, clock.now());
    let balance = balance_through(
        open_ledger()?.as_ref(),
        &config.toil_policy(),
        config.timezone,
        today.iso_week(),
        None,
    )?;
    if json {
        let shown = Shown {
            as_of: today,
            balance,
        };
        let text = serde_json::to_string(&shown)
            .map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", describe(&balance, today));
    }
    Ok(())
}

fn describe(b: &Balance, today: NaiveDate) -> String {
    let mut out = format!(
        "Time off in lieu, as of {}\n\nRule      {}\n",
        today.format("%a %-d %b %Y"),
        b.rule_text
    );
    let weeks: Vec<String> = b
        .weeks
        .iter()
        .map(|w| format!("{} {}", w.week, minutes_text(w.minutes)))
        .collect();
    out += &format!(
        "Accrued   {}{}\n",
        minutes_text(b.accrued_minutes),
        if weeks.is_empty() {
            String::new()
        } else {
            format!(" ({})", weeks.join(", "))
        }
    );
    if b.carried_minutes != 0 {
        out += &format!(
            "Carried   {} (the balance left by records you have since forgotten)\n",
            minutes_text(b.carried_minutes)
        );
    }
    out += &format!("Taken     {}\n", minutes_text(b.taken_minutes));
    for t in &b.taken {
        let ahead = if t.date > today {
            " (booked ahead)"
        } else {
            ""
        };
        let line = format!(
            "  {}  {:>7}  {}{ahead}",
            t.date.format("%a %-d %b %Y"),
            minutes_text(t.minutes),
            t.note
        );
        out += line.trim_end();
        out.push('\n');
    }
    out += &format!("Balance   {}", minutes_text(b.balance_minutes));
    if b.balance_minutes < 0 {
        out += " (more taken than earned so far)";
    }
    out.push('\n');
    out
}

/// "2h", "1h30m" to whole minutes, 1 minute to 24 hours.
fn minutes(text: &str) -> Result<i64, Failure> {
    let d = parse_duration(text).map_err(|e| Failure::Usage(format!("clockoff toil take: {e}")))?;
    let secs = d.as_secs();
    if secs % 60 != 0 || d.subsec_nanos() != 0 {
        return Err(Failure::Usage(format!(
            "clockoff toil take: \"{text}\" is not whole minutes; TOIL is taken in minutes, e.g. 1h30m"
        )));
    }
    let minutes = i64::try_from(secs / 60).unwrap_or(i64::MAX);
    if !(1..=MAX_TOIL_MINUTES).contains(&minutes) {
        return Err(Failure::Usage(format!(
            "clockoff toil take: \"{text}\" is out of range: take 1 minute to 24h at a time (a longer absence day by day)"
        )));
    }
    Ok(minutes)
}

fn take(
    duration: &str,
    date: Option<NaiveDate>,
    note: &str,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    let minutes = minutes(duration)?;
    let config = load_config(paths)?;
    let date = date.unwrap_or_else(|| local_date(config.timezone, clock.now()));
    let (d, n) = (date.to_string(), note.to_owned());
    let (_, route) = ledger_write::write(
        |ledger| async move {
            let id = ledger.take_toil(date, minutes, note, clock.now()).await?;
            Ok(id.to_string())
        },
        |agent| async move { agent.take_toil(&d, minutes.unsigned_abs(), &n).await },
    )?;
    println!(
        "Took {} of time off in lieu on {} ({}). See your balance with `clockoff toil`.",
        hours_minutes(minutes.unsigned_abs()),
        date.format("%a %-d %b %Y"),
        route.words(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_whole_minutes_from_one_minute_to_a_day() {
        assert_eq!(minutes("2h").unwrap(), 120);
        assert_eq!(minutes("1h30m").unwrap(), 90);
        assert_eq!(minutes("24h").unwrap(), 1440);
        for bad in ["0m", "25h", "90s", "2 hours", ""] {
            assert!(
                matches!(minutes(bad), Err(Failure::Usage(_))),
                "{bad} accepted"
            );
        }
    }
}
