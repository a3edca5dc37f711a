//! Where a schedule entry came from, so status and `clockoff schedule week` can say it: a
//! calendar, the worker's file or the policy, or the built-in bank holidays.

use std::fmt;

use chrono::{DateTime, Utc};

use super::Config;
use crate::civil::local_date;
use crate::holidays::Region;
use crate::schedule::State;

/// The file a config list was written in (a later layer replaces an earlier one's whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Default,
    Policy,
    User,
}

impl Written {
    fn words(self) -> &'static str {
        match self {
            Written::Default => "the built-in default",
            Written::Policy => "the policy",
            Written::User => "your config",
        }
    }
}

/// Which file gave `[[leave]]`, `[[on_call]]` and `[holidays] extra`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origins {
    pub leave: Option<Written>,
    pub on_call: Option<Written>,
    pub extra: Option<Written>,
}

/// Where the leave, on-call or holiday in force at an instant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource<'a> {
    Calendar(&'a str),
    File(Written),
    /// A closure day in `[holidays] extra`.
    Closure(Written),
    BankHoliday(Region),
}

impl EntrySource<'_> {
    pub fn calendar(self) -> Option<String> {
        match self {
            EntrySource::Calendar(name) => Some(name.to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for EntrySource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntrySource::Calendar(name) => f.write_str(name),
            EntrySource::File(written) => f.write_str(written.words()),
            EntrySource::Closure(written) => write!(f, "closure day, {}", written.words()),
            EntrySource::BankHoliday(region) => f.write_str(match region {
                Region::EnglandAndWales => "England and Wales",
                Region::Scotland => "Scotland",
                Region::NorthernIreland => "Northern Ireland",
                Region::None => "no region",
            }),
        }
    }
}

impl Config {
    /// Where the entry that makes `state` at `t` comes from; `None` for working, off and
    /// overrides. A calendar is named before the files, as both may hold the same day.
    pub fn source_of(&self, state: State, t: DateTime<Utc>) -> Option<EntrySource<'_>> {
        let date = local_date(self.timezone, t);
        let calendar = self.from_calendars.iter().find(|(_, e)| match state {
            State::Leave => {
                e.leave_days.iter().any(|(a, b)| (*a..=*b).contains(&date))
                    || e.leave_times.iter().any(|s| s.contains(t))
            }
            State::OnCall => e.on_call.iter().any(|s| s.contains(t)),
            State::Holiday => e.closures.contains(&date),
            _ => false,
        });
        if let Some((name, _)) = calendar {
            return Some(EntrySource::Calendar(name));
        }
        let file = |written: Option<Written>| EntrySource::File(written.unwrap_or(Written::User));
        match state {
            State::Leave => Some(file(self.origins.leave)),
            State::OnCall => Some(file(self.origins.on_call)),
            State::Holiday if self.holidays.extra.contains(&date) => Some(EntrySource::Closure(
                self.origins.extra.unwrap_or(Written::User),
            )),
            State::Holiday => Some(EntrySource::BankHoliday(self.holidays.region)),
            _ => None,
        }
    }
}
