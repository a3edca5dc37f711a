//! Leave, on-call rotas and closure days from the calendars people already keep: iCalendar
//! files (Outlook, Google, Nextcloud, Thunderbird) and rotas exported from a spreadsheet as
//! CSV. Pure: text in, schedule entries for a window out. Fetching and keeping copies is the
//! agent's.

mod expand;
mod ics;
mod lines;
mod recur;
mod rota_csv;
mod windows_zones;
mod zones;

use std::fmt;

use chrono::NaiveDate;
use chrono_tz::Tz;

pub use expand::{MAX_OCCURRENCES, Occurrence};
pub use ics::MAX_EVENTS;

use crate::spans::Span;

/// A calendar larger than this is refused before it is read (a year of a busy calendar is
/// a few hundred kilobytes).
pub const MAX_BYTES: usize = 16_000_000;

/// What a calendar's events mean for the schedule (`use = ...` in `[[calendar]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Use {
    Leave,
    OnCall,
    Closure,
}

impl Use {
    pub const ALL: [Use; 3] = [Use::Leave, Use::OnCall, Use::Closure];

    pub fn name(self) -> &'static str {
        match self {
            Use::Leave => "leave",
            Use::OnCall => "on_call",
            Use::Closure => "closure",
        }
    }
}

impl std::str::FromStr for Use {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Use::ALL
            .into_iter()
            .find(|u| u.name() == s)
            .ok_or_else(|| format!("expected \"leave\", \"on_call\" or \"closure\", found \"{s}\""))
    }
}

/// The file's format: by `format = ...`, else by the name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ics,
    Csv,
}

/// Which events count: all of them, or those whose summary contains `summary` and whose
/// categories include `category` (either left out means any; both ignore case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub summary: Option<String>,
    pub category: Option<String>,
}

impl Filter {
    fn keeps(&self, summary: &str, categories: &[String]) -> bool {
        let summary_ok = self
            .summary
            .as_ref()
            .is_none_or(|s| summary.to_lowercase().contains(&s.to_lowercase()));
        let category_ok = self.category.as_ref().is_none_or(|c| {
            categories
                .iter()
                .any(|have| have.trim().to_lowercase() == c.to_lowercase())
        });
        summary_ok && category_ok
    }
}

/// What a calendar adds to the schedule within the window it was read for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    /// Whole local days, inclusive.
    pub leave_days: Vec<(NaiveDate, NaiveDate)>,
    /// Part-day leave ("Annual leave (pm)").
    pub leave_times: Vec<Span>,
    pub on_call: Vec<Span>,
    pub closures: Vec<NaiveDate>,
    /// Events that matched but mean nothing for this use (a timed event in a closure
    /// calendar: a closure is a whole day).
    pub skipped: usize,
}

impl Entries {
    /// How many leave periods, on-call windows and closure days.
    pub fn len(&self) -> usize {
        self.leave_days.len() + self.leave_times.len() + self.on_call.len() + self.closures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn add(&mut self, use_: Use, occurrence: Occurrence, tz: Tz) {
        match (use_, occurrence) {
            (Use::Leave, Occurrence::Days(first, last)) => self.leave_days.push((first, last)),
            (Use::Leave, Occurrence::Times(span)) => self.leave_times.push(span),
            (Use::OnCall, Occurrence::Times(span)) => self.on_call.push(span),
            (Use::OnCall, Occurrence::Days(first, last)) => self.on_call.push(Span::new(
                crate::civil::midnight(tz, first),
                last.succ_opt()
                    .map_or(chrono::DateTime::<chrono::Utc>::MAX_UTC, |d| {
                        crate::civil::midnight(tz, d)
                    }),
            )),
            (Use::Closure, Occurrence::Days(first, last)) => {
                self.closures
                    .extend(first.iter_days().take_while(|d| *d <= last));
            }
            (Use::Closure, Occurrence::Times(_)) => self.skipped += 1,
        }
    }

    fn sort(&mut self) {
        self.leave_days.sort();
        self.leave_times.sort_by_key(|s| (s.start, s.end));
        self.on_call.sort_by_key(|s| (s.start, s.end));
        self.closures.sort();
        self.closures.dedup();
    }
}

/// What is wrong with a calendar, at its line when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Problem {
            line: Some(line),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> Self {
        Problem {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How to read one calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub format: Format,
    pub use_: Use,
    pub filter: Filter,
    /// The worker's zone: floating times, all-day events and CSV rotas are read in it.
    pub tz: Tz,
    /// Only what touches this span is kept.
    pub window: Span,
}

/// The schedule entries a calendar's text gives, or the first problem in it. Nothing is
/// taken from a calendar with a problem: a rota read in part would drop nights silently.
pub fn read(text: &str, how: &Reading) -> Result<Entries, Problem> {
    if text.len() > MAX_BYTES {
        return Err(Problem::whole(format!(
            "{:.1} MB: larger than the {} MB a calendar may be",
            text.len() as f64 / 1e6,
            MAX_BYTES / 1_000_000
        )));
    }
    let occurrences = match how.format {
        Format::Ics => {
            let calendar = ics::parse(text)?;
            let keep = |e: &ics::Event| how.filter.keeps(&e.summary, &e.categories);
            expand::occurrences(&calendar, keep, how.tz, how.window)?
        }
        Format::Csv => rota_csv::occurrences(text, &how.filter, how.tz, how.window)?,
    };
    let mut entries = Entries::default();
    // Whole days are kept only within the window: a closure "until 9999" is a few hundred
    // days here, not millions.
    let first = crate::civil::local_date(how.tz, how.window.start);
    let last = crate::civil::local_date(how.tz, how.window.end - chrono::TimeDelta::nanoseconds(1));
    for occurrence in occurrences {
        let occurrence = match occurrence {
            Occurrence::Days(a, b) => Occurrence::Days(a.max(first), b.min(last)),
            timed => timed,
        };
        entries.add(how.use_, occurrence, how.tz);
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests;
