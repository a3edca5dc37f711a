//! `clockoff oncall add|list|remove`: on-call windows, from one command, kept as `[[on_call]]`
//! blocks in the worker's own config, as `clockoff leave` keeps leave (see there for why the
//! config). While on call nothing is held, so the call gets through.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use clap::Subcommand;

use super::config_file::{edit, refuse_if_locked};
use super::leave_cmd::{block, blocks, list, remove_block};
use super::{Failure, load_config};
use crate::config::ConfigPaths;
use crate::core::clock::Clock;

#[derive(Debug, Subcommand)]
pub enum OncallCommand {
    /// Add an on-call window: FROM and TO as local times, "2026-12-04 17:00" (or
    /// 2026-12-04T17:00), or a weekday and time, "Fri 17:00": the next one to come, and for
    /// TO the first after FROM
    Add {
        from: String,
        to: String,
        /// A few words for yourself, kept beside it in your config
        #[arg(long)]
        note: Option<String>,
    },
    /// The on-call windows in your config, numbered for `remove`
    List,
    /// Remove an on-call window by its number in `clockoff oncall list`
    Remove {
        /// The number `clockoff oncall list` shows
        number: usize,
    },
}

pub fn oncall(cmd: OncallCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    match cmd {
        OncallCommand::List => list(
            paths,
            "on_call",
            "No on-call windows in your config. Add one: clockoff oncall add \"Fri 17:00\" \"Mon 09:00\"",
        ),
        OncallCommand::Add { from, to, note } => {
            refuse_if_locked(paths, "on_call")?;
            let now = load_config(paths)?;
            let now = clock.now().with_timezone(&now.timezone).naive_local();
            let from = moment(&from, now, false)?;
            let to = moment(&to, from, true)?;
            if to <= from {
                return Err(Failure::Usage(format!(
                    "the window would end ({}) at or before it starts ({}): give the start, then the end",
                    shown(to),
                    shown(from)
                )));
            }
            edit(paths, |doc| {
                let list = blocks(doc, "on_call")?;
                list.push(block(written(from), written(to), note.as_deref()));
                Ok(format!(
                    "Added on-call #{}: {} to {}. Nothing is held while you are on call.",
                    list.len(),
                    shown(from),
                    shown(to)
                ))
            })
        }
        OncallCommand::Remove { number } => {
            refuse_if_locked(paths, "on_call")?;
            edit(paths, |doc| {
                remove_block(doc, "on_call", number, "oncall")?;
                Ok(format!("Removed on-call #{number}."))
            })
        }
    }
}

/// As the config writes a local date-time.
fn written(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn shown(t: NaiveDateTime) -> String {
    t.format("%a %Y-%m-%d %H:%M").to_string()
}

/// "2026-12-04 17:00", "2026-12-04T17:00", or "Fri 17:00": the first such time after
/// `after` (or at it, for a start), in local time.
fn moment(text: &str, after: NaiveDateTime, strictly: bool) -> Result<NaiveDateTime, Failure> {
    let bad = || {
        Failure::Usage(format!(
            "\"{text}\" is not a time: write \"2026-12-04 17:00\" or a weekday and time, \"Fri 17:00\""
        ))
    };
    let text = text.trim();
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(t);
        }
    }
    let (day, time) = text.split_once(char::is_whitespace).ok_or_else(bad)?;
    let weekday: Weekday = day.parse().map_err(|_| bad())?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| bad())?;
    let first: NaiveDate = after.date();
    (0..=7)
        .map(|n| first + TimeDelta::days(n))
        .filter(|d| d.weekday() == weekday)
        .map(|d| d.and_time(time))
        .find(|t| if strictly { *t > after } else { *t >= after })
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_weekday_and_time_is_the_next_one_to_come() {
        // Thursday 2026-12-03, 10:00.
        let now = at("2026-12-03 10:00");
        let from = moment("Fri 17:00", now, false).unwrap();
        assert_eq!(from, at("2026-12-04 17:00"));
        assert_eq!(
            moment("Mon 09:00", from, true).unwrap(),
            at("2026-12-07 09:00")
        );
        // Later today, today; earlier today, next week.
        assert_eq!(
            moment("thu 18:00", now, false).unwrap(),
            at("2026-12-03 18:00")
        );
        assert_eq!(
            moment("Thursday 08:00", now, false).unwrap(),
            at("2026-12-10 08:00")
        );
        // An end on the start's own weekday and time is a week on.
        assert_eq!(
            moment("Fri 17:00", from, true).unwrap(),
            at("2026-12-11 17:00")
        );
    }

    #[test]
    fn dates_and_times_as_written_and_bad_ones_refused() {
        let now = at("2026-12-03 10:00");
        assert_eq!(
            moment("2026-12-24 17:00", now, false).unwrap(),
            at("2026-12-24 17:00")
        );
        assert_eq!(
            moment("2026-12-24T17:00", now, false).unwrap(),
            at("2026-12-24 17:00")
        );
        for bad in ["Fri", "Funday 17:00", "Fri 25:00", "tomorrow"] {
            assert!(moment(bad, now, false).is_err(), "{bad}");
        }
    }
}
