//! Exports of the worker's record for a range of days, in the forms a person shows someone
//! else: CSV (a spreadsheet), JSON (a program) and one self-contained HTML page (a manager,
//! HR, a union rep; readable on a phone and printed). [`build`] gathers the figures once;
//! each format only renders them.

pub mod csv;
pub mod html;

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::core::record::day::{self, Day, Hour, Minutes};
use crate::core::record::toil::{self, Taken, WeekAccrual};
use crate::core::record::week::{self, WeekReport};
use crate::core::record::{Logged, Superseded, Work, merged};
use crate::core::schedule::{Schedule, State};
use crate::ledger::{ChainHead, Forgotten};

/// The JSON export's format; bumped only by a change a reader would notice.
pub const SCHEMA: &str = "clockoff.export/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            _ => Err(format!(
                "unknown format \"{s}\": expected \"csv\", \"json\" or \"html\""
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub schema: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub timezone: String,
    pub generated_at: DateTime<Utc>,
    pub contracted_minutes: i64,
    pub totals: Minutes,
    pub days: Vec<ExportDay>,
    /// Each ISO week the range touches, whole (overtime and the checks are weekly).
    pub weeks: Vec<WeekReport>,
    /// The entries the worker logged that count, each with its id and, for a correction, the
    /// entry it corrects.
    pub logged: Vec<Logged>,
    /// Entries in the range that were corrected or withdrawn: kept and shown, never counted.
    pub superseded: Vec<Superseded>,
    /// Time off in lieu over the range's weeks.
    pub toil: toil::Balance,
    /// The ledger's hash chain head when the export was made (`clockoff verify` checks the
    /// record against it later); `None` for a ledger with no chain yet.
    pub chain: Option<ChainHead>,
    /// Records before this were deleted by the worker's retention (`clockoff forget`).
    pub forgotten: Option<Forgotten>,
}

/// Time off in lieu for an export, in the same shape as `clockoff toil` shows it: what the
/// range's weeks earned, what was taken on the range's days, and the running balance (since
/// the record began) at the range's end (`to_end`).
fn toil_of_range(
    to_end: toil::Balance,
    weeks: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> toil::Balance {
    let weeks: Vec<WeekAccrual> = to_end
        .weeks
        .into_iter()
        .filter(|w| weeks.contains(&w.week))
        .collect();
    let taken: Vec<Taken> = to_end
        .taken
        .into_iter()
        .filter(|t| (from..=to).contains(&t.date))
        .collect();
    toil::Balance {
        accrued_minutes: weeks.iter().map(|w| w.minutes).sum(),
        weeks,
        taken_minutes: taken.iter().map(|t| t.minutes).sum(),
        taken,
        ..to_end
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportDay {
    #[serde(flatten)]
    pub day: Day,
    pub hours: Vec<ExportHour>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportHour {
    #[serde(flatten)]
    pub hour: Hour,
    /// Inside contracted working hours by the schedule.
    pub working: bool,
}

/// What the ledger must give [`build`]: the whole weeks around the range, and the 16 weeks
/// before its first (for the 17-week average).
pub fn needed(tz: Tz, from: NaiveDate, to: NaiveDate) -> crate::core::spans::Span {
    let first = week::needed(tz, from.iso_week());
    let last = week::needed(tz, to.iso_week());
    crate::core::spans::Span::new(first.start, last.end)
}

pub struct Inputs<'a> {
    pub tz: Tz,
    pub schedule: &'a Schedule,
    pub contracted: Duration,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub work: &'a [Work],
    pub logged: Vec<Logged>,
    pub superseded: Vec<Superseded>,
    pub recorded_since: Option<DateTime<Utc>>,
    pub generated_at: DateTime<Utc>,
    pub chain: Option<ChainHead>,
    pub forgotten: Option<Forgotten>,
    /// The running TOIL balance at the end of the range's last week, with TOIL taken on days
    /// up to `to` (see [`toil_of_range`]).
    pub toil_to_end: toil::Balance,
}

pub fn build(i: Inputs<'_>) -> Export {
    let spans = merged(i.work);
    let days: Vec<ExportDay> = day::days(i.tz, i.from, i.to, i.work)
        .into_iter()
        .map(|d| {
            let hours = day::hourly(i.tz, d.date, &spans)
                .into_iter()
                .map(|hour| ExportHour {
                    working: i.schedule.state(hour.start) == State::Working,
                    hour,
                })
                .collect();
            ExportDay { day: d, hours }
        })
        .collect();
    let mut totals = Minutes::default();
    for d in &days {
        totals.add(&d.day.minutes);
    }
    let mut weeks = Vec::new();
    let mut monday = i.from - TimeDelta::days(i64::from(i.from.weekday().num_days_from_monday()));
    while monday <= i.to {
        weeks.push(week::report(
            i.tz,
            monday.iso_week(),
            i.contracted,
            i.work,
            i.recorded_since,
        ));
        monday += TimeDelta::weeks(1);
    }
    let names: Vec<String> = weeks.iter().map(|w| w.week.clone()).collect();
    let toil = toil_of_range(i.toil_to_end, &names, i.from, i.to);
    Export {
        schema: SCHEMA,
        from: i.from,
        to: i.to,
        timezone: i.tz.name().to_owned(),
        generated_at: i.generated_at,
        contracted_minutes: (i.contracted.as_secs() / 60) as i64,
        totals,
        days,
        weeks,
        logged: i.logged,
        superseded: i.superseded,
        toil,
        chain: i.chain,
        forgotten: i.forgotten,
    }
}
