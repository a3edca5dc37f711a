//! The agent's [`Status`], put together from what its parts know: the periods its totals
//! cover, and the snapshot, override and ledger figures that fill it in.

use std::path::Path;

use super::snapshot::Snapshot;
use crate::core::activity::Class;
use crate::core::civil::{local_date, midnight};
use crate::core::record::week;
use crate::ledger::{OverrideRecord, Totals};
use crate::status::{self, Status, time_in};
use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

/// A local period the totals cover, with its name (a date, or an ISO week).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

pub fn today(tz: Tz, now: DateTime<Utc>) -> Period {
    let date = local_date(tz, now);
    local_days(tz, date, 1, date.to_string())
}

/// Monday to Sunday, local time.
pub fn this_week(tz: Tz, now: DateTime<Utc>) -> Period {
    let date = local_date(tz, now);
    let monday = date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()));
    let week = date.iso_week();
    local_days(
        tz,
        monday,
        7,
        format!("{}-W{:02}", week.year(), week.week()),
    )
}

fn local_days(tz: Tz, first: NaiveDate, days: i64, name: String) -> Period {
    Period {
        name,
        start: midnight(tz, first),
        end: midnight(tz, first + TimeDelta::days(days)),
    }
}

/// What the agent knows that goes into its [`Status`].
pub struct StatusParts<'a> {
    pub snapshot: &'a Snapshot,
    pub running_override: Option<&'a OverrideRecord>,
    /// When work next begins after the current span (for "back 09:00 Tue").
    pub work_resumes: Option<DateTime<Utc>>,
    pub day: Period,
    pub today: &'a Totals,
    pub week: Period,
    pub this_week: &'a Totals,
    pub ledger: &'a Path,
    pub config_sources: &'a [String],
    pub timezone_source: crate::config::ZoneSource,
    pub quiet: status::Quiet,
    pub tray: status::Tray,
    /// Sending the weekly summaries, `last_week` included.
    pub report: status::Report,
    /// Where the leave, on-call or holiday now comes from.
    pub source: Option<crate::config::EntrySource<'a>>,
    pub calendars: &'a [crate::calendars::CalendarState],
}

/// The last week that has ended ([`crate::report::last_completed_week`]), as the ledger has
/// it: the week `clockoff report pause` keeps back when none is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastWeek {
    pub week: IsoWeek,
    pub paused: bool,
    pub delivered: bool,
}

impl LastWeek {
    pub fn to_status(self) -> status::LastWeek {
        status::LastWeek {
            week: week::name(self.week),
            paused: self.paused,
            delivered: self.delivered,
        }
    }
}

impl StatusParts<'_> {
    pub fn into_status(self) -> Status {
        let s = self.snapshot;
        let tz = s.timezone;
        let time = |t: Option<DateTime<Utc>>| t.map(|t| time_in(tz, t));
        Status {
            state: s.state,
            since: time(s.since),
            until: time(s.until),
            finished_early: time(s.finished_early),
            running_override: self.running_override.map(|o| status::Override {
                until: time(s.until),
                reason: o.reason.clone().unwrap_or_default(),
                until_away: o.until_away,
            }),
            work_resumes: time(self.work_resumes),
            present: s.present,
            activity_source: s.activity_source.clone(),
            today: period_status(&self.day, self.today),
            week: period_status(&self.week, self.this_week),
            timezone: tz.name().to_owned(),
            timezone_source: self.timezone_source.name().to_owned(),
            ledger: self.ledger.display().to_string(),
            config_sources: self.config_sources.to_vec(),
            quiet: self.quiet,
            tray: self.tray,
            report: self.report,
            from: self.source.map(|s| s.to_string()),
            from_calendar: self.source.and_then(crate::config::EntrySource::calendar),
            calendars: self.calendars.to_vec(),
        }
    }
}

/// Minutes per class; see [`status::PeriodTotals`].
fn period_status(period: &Period, totals: &Totals) -> status::PeriodTotals {
    let m = |c| totals.minutes(c);
    let out_of_hours =
        (totals.active(Class::OutOfHours) + totals.active(Class::Override)).as_secs() / 60;
    status::PeriodTotals {
        period: period.name.clone(),
        in_hours_minutes: m(Class::Working),
        out_of_hours_minutes: out_of_hours,
        override_minutes: m(Class::Override),
        on_call_minutes: m(Class::OnCall),
        manual_minutes: totals.manual_minutes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::utc;

    #[test]
    fn periods_are_local_days_and_iso_weeks_even_across_dst() {
        let london: Tz = "Europe/London".parse().unwrap();
        // Sunday 25 October 2026, the day the clocks go back: 25 hours long.
        let day = today(london, utc("2026-10-25T12:00:00Z"));
        assert_eq!(day.name, "2026-10-25");
        assert_eq!(day.end - day.start, TimeDelta::hours(25));
        let week = this_week(london, utc("2026-10-25T12:00:00Z"));
        assert_eq!(week.name, "2026-W43");
        assert_eq!(week.start, utc("2026-10-18T23:00:00Z"));
        assert_eq!(week.end, utc("2026-10-26T00:00:00Z"));
        // 00:30 local on a Monday in summer is still Monday, not Sunday in UTC.
        let monday = today(london, utc("2026-06-28T23:30:00Z"));
        assert_eq!(monday.name, "2026-06-29");
    }
}
