//! `clockoff leave add|list|remove` and `clockoff closure add|list|remove`: leave, and the
//! organisation's extra closure days, from one command instead of hand-written TOML.
//!
//! They are kept in the worker's own config (`[[leave]]`, `[holidays] extra`), edited with
//! toml_edit so the worker's comments stay, not in the ledger: leave is part of the
//! schedule, as the hours are, so every command and the agent read it one way, a policy
//! locks it one way (`lock = ["leave"]`), `config check` checks it, and the file is the one
//! the worker and IT already keep. The running agent reads the file again before the command
//! returns.

use chrono::{NaiveDate, TimeDelta};
use clap::Subcommand;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::config_file::{edit, open, refuse_if_locked};
use super::{Failure, load_config};
use crate::config::ConfigPaths;
use crate::core::civil::local_date;
use crate::core::clock::Clock;

#[derive(Debug, Subcommand)]
pub enum LeaveCommand {
    /// Add leave: whole days, FROM to TO both included (without TO, one day)
    Add {
        /// The first day: YYYY-MM-DD, today or tomorrow
        from: String,
        /// The last day (default: the first)
        to: Option<String>,
        /// A few words for yourself, kept beside it in your config
        #[arg(long)]
        note: Option<String>,
    },
    /// The leave in your config, numbered for `remove`
    List,
    /// Remove leave by its number in `clockoff leave list`
    Remove {
        /// The number `clockoff leave list` shows
        number: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClosureCommand {
    /// Add days the workplace is closed (counted as holidays): YYYY-MM-DD, today or tomorrow
    Add {
        #[arg(required = true)]
        days: Vec<String>,
    },
    /// The closure days in your config
    List,
    /// Remove closure days
    Remove {
        #[arg(required = true)]
        days: Vec<String>,
    },
}

pub fn leave(cmd: LeaveCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    match cmd {
        LeaveCommand::List => list(
            paths,
            "leave",
            "No leave in your config. Add some: clockoff leave add 2026-12-24 2027-01-02",
        ),
        LeaveCommand::Add { from, to, note } => {
            refuse_if_locked(paths, "leave")?;
            let today = today(paths, clock)?;
            let from = day(&from, today)?;
            let to = to.map_or(Ok(from), |to| day(&to, today))?;
            if to < from {
                return Err(Failure::Usage(format!(
                    "the leave would end ({to}) before it starts ({from}): give the first day, then the last"
                )));
            }
            edit(paths, |doc| {
                let list = blocks(doc, "leave")?;
                list.push(block(from.to_string(), to.to_string(), note.as_deref()));
                let days = (to - from).num_days() + 1;
                Ok(format!(
                    "Added leave #{}: {from} to {to} ({days} day{}).",
                    list.len(),
                    if days == 1 { "" } else { "s" }
                ))
            })
        }
        LeaveCommand::Remove { number } => {
            refuse_if_locked(paths, "leave")?;
            edit(paths, |doc| {
                remove_block(doc, "leave", number, "leave")?;
                Ok(format!("Removed leave #{number}."))
            })
        }
    }
}

pub fn closure(cmd: ClosureCommand, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    if let ClosureCommand::List = cmd {
        let (_, doc) = open(paths)?;
        let days = closure_days(&doc);
        if days.is_empty() {
            println!("No closure days in your config. Add one: clockoff closure add 2026-12-24");
        }
        days.iter().for_each(|d| println!("{d}"));
        return Ok(());
    }
    refuse_if_locked(paths, "holidays.extra")?;
    let today = today(paths, clock)?;
    let (adding, given) = match cmd {
        ClosureCommand::Add { days } => (true, days),
        ClosureCommand::Remove { days } => (false, days),
        ClosureCommand::List => unreachable!("answered above"),
    };
    let days = given
        .iter()
        .map(|d| day(d, today))
        .collect::<Result<Vec<_>, _>>()?;
    edit(paths, |doc| {
        let holidays = super::config_file::table(doc, "holidays").map_err(Failure::Usage)?;
        let extra = holidays
            .entry("extra")
            .or_insert_with(|| value(toml_edit::Array::new()))
            .as_array_mut()
            .ok_or_else(|| {
                Failure::Usage("`holidays.extra` in your config is not a list of dates".into())
            })?;
        for day in &days {
            let text = day.to_string();
            let at = extra.iter().position(|v| v.as_str() == Some(text.as_str()));
            match (adding, at) {
                (true, None) => extra.push(text),
                (false, Some(at)) => {
                    extra.remove(at);
                }
                (true, Some(_)) => {}
                (false, None) => {
                    return Err(Failure::Usage(format!(
                        "{day} is not a closure day in your config"
                    )));
                }
            }
        }
        let listed: Vec<String> = days.iter().map(ToString::to_string).collect();
        Ok(format!(
            "{} closure day{}: {}.",
            if adding { "Added" } else { "Removed" },
            if days.len() == 1 { "" } else { "s" },
            listed.join(", ")
        ))
    })
}

fn today(paths: &ConfigPaths, clock: &dyn Clock) -> Result<NaiveDate, Failure> {
    Ok(local_date(load_config(paths)?.timezone, clock.now()))
}

/// "YYYY-MM-DD", "today" or "tomorrow".
fn day(text: &str, today: NaiveDate) -> Result<NaiveDate, Failure> {
    match text.trim().to_ascii_lowercase().as_str() {
        "today" => Ok(today),
        "tomorrow" => Ok(today + TimeDelta::days(1)),
        other => NaiveDate::parse_from_str(other, "%Y-%m-%d").map_err(|_| {
            Failure::Usage(format!(
                "\"{text}\" is not a day: write YYYY-MM-DD (2026-12-24), today or tomorrow"
            ))
        }),
    }
}

/// `[[key]]` (`leave`, `on_call`), made if the file has none.
pub fn blocks<'a>(doc: &'a mut DocumentMut, key: &str) -> Result<&'a mut ArrayOfTables, Failure> {
    doc.entry(key)
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| {
            Failure::Usage(format!(
                "`{key}` in your config is not written as [[{key}]] blocks: write it so, and try again"
            ))
        })
}

/// A `[[key]]` block made of its period and note.
pub fn block(from: String, to: String, note: Option<&str>) -> Table {
    let mut entry = Table::new();
    entry["from"] = value(from);
    entry["to"] = value(to);
    if let Some(note) = note {
        entry["note"] = value(note);
    }
    entry
}

/// Removes block `number` (from 1) of `[[key]]`, and the list with its last block.
pub fn remove_block(
    doc: &mut DocumentMut,
    key: &str,
    number: usize,
    command: &str,
) -> Result<(), Failure> {
    let list = blocks(doc, key)?;
    if number == 0 || number > list.len() {
        return Err(Failure::Usage(format!(
            "there is no {command} #{number}: `clockoff {command} list` shows {} entr{}",
            list.len(),
            if list.len() == 1 { "y" } else { "ies" }
        )));
    }
    list.remove(number - 1);
    if list.is_empty() {
        doc.remove(key);
    }
    Ok(())
}

/// Prints the `[[key]]` blocks numbered for `remove`, or `none` when there are none.
pub fn list(paths: &ConfigPaths, key: &str, none: &str) -> Result<(), Failure> {
    let (_, doc) = open(paths)?;
    let listed = entries(&doc, key);
    if listed.is_empty() {
        println!("{none}");
    }
    for (number, entry) in listed.iter().enumerate() {
        println!("#{}  {entry}", number + 1);
    }
    Ok(())
}

/// Each `[[key]]` block as "FROM to TO  NOTE".
pub fn entries(doc: &DocumentMut, key: &str) -> Vec<String> {
    let Some(list) = doc.get(key).and_then(Item::as_array_of_tables) else {
        return Vec::new();
    };
    let text = |table: &Table, key: &str| {
        table.get(key).map_or(String::new(), |v| match v.as_str() {
            Some(s) => s.to_string(),
            None => v.to_string().trim().to_string(),
        })
    };
    list.iter()
        .map(|t| {
            let note = text(t, "note");
            let line = format!("{} to {}", text(t, "from"), text(t, "to"));
            if note.is_empty() {
                line
            } else {
                format!("{line}  {note}")
            }
        })
        .collect()
}

fn closure_days(doc: &DocumentMut) -> Vec<String> {
    doc.get("holidays")
        .and_then(|h| h.get("extra"))
        .and_then(Item::as_array)
        .map(|days| {
            days.iter()
                .map(|d| d.as_str().map_or_else(|| d.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
