//! One ISO week of the record: each day's figures, the week's totals, overtime against the
//! contract, and the Working Time Regulations checks that concern the week.

use std::time::Duration;

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::day::{Day, Minutes, days};
use super::wtr::{self, Finding, REFERENCE_WEEKS};
use super::{Work, merged};
use crate::civil::midnight;
use crate::spans::Span;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekReport {
    /// "2026-W48".
    pub week: String,
    pub timezone: String,
    pub days: Vec<Day>,
    pub totals: Minutes,
    /// Contracted minutes a week (0 when the config has no `contracted`).
    pub contracted_minutes: i64,
    /// Everything worked beyond the contract, measured or logged; 0 with no contract.
    pub overtime_minutes: i64,
    /// The average week over the reference period (up to 17 weeks, those recorded).
    pub average_minutes: Option<i64>,
    pub average_weeks: usize,
    pub findings: Vec<Finding>,
}

/// "2026-W48" for a week.
pub fn name(week: IsoWeek) -> String {
    format!("{}-W{:02}", week.year(), week.week())
}

/// Parses "2026-W48": exactly four digits, `-W`, two digits, as [`name`] writes a week of
/// the years 1000 to 9999. No sign, no padding, no whitespace: one week has one spelling.
pub fn parse(text: &str) -> Result<IsoWeek, String> {
    let bad = || format!("\"{text}\" is not an ISO week; write e.g. 2026-W48");
    let b = text.as_bytes();
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if b.len() != 8 || &b[4..6] != b"-W" || !digits(&b[..4]) || !digits(&b[6..]) {
        return Err(bad());
    }
    // All ASCII by now, so slicing at bytes 4 and 6 cuts no character.
    let (year, week) = (
        text[..4].parse().map_err(|_| bad())?,
        text[6..].parse().map_err(|_| bad())?,
    );
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
        .map(|d| d.iso_week())
        .ok_or_else(bad)
}

/// The last ISO week that has ended by `now` in `tz`: the one a report is due for.
pub fn last_completed_week(tz: Tz, now: DateTime<Utc>) -> IsoWeek {
    (monday(crate::civil::local_date(tz, now).iso_week()) - TimeDelta::days(7)).iso_week()
}

/// The Monday a week begins.
pub fn monday(week: IsoWeek) -> NaiveDate {
    NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)
        .expect("an IsoWeek has a Monday")
}

/// The span of local time the week covers.
pub fn span(tz: Tz, week: IsoWeek) -> Span {
    let first = monday(week);
    Span::new(
        midnight(tz, first),
        midnight(tz, first + TimeDelta::days(7)),
    )
}

/// What [`report`] needs the ledger to give it: from the start of the reference period (16
/// weeks before) to a day after the week (for the rest after its last work).
pub fn needed(tz: Tz, week: IsoWeek) -> Span {
    let this = span(tz, week);
    let first = monday(week) - TimeDelta::weeks(REFERENCE_WEEKS as i64 - 1);
    Span::new(midnight(tz, first), this.end + TimeDelta::days(1))
}

/// The week's report from the work the ledger holds over [`needed`]. Weeks of the reference
/// period that end before `recorded_since` (the ledger's first entry) are not counted as
/// weeks of no work.
pub fn report(
    tz: Tz,
    week: IsoWeek,
    contracted: Duration,
    work: &[Work],
    recorded_since: Option<DateTime<Utc>>,
) -> WeekReport {
    let first = monday(week);
    let last = first + TimeDelta::days(6);
    let this_week = days(tz, first, last, work);
    let mut totals = Minutes::default();
    for day in &this_week {
        totals.add(&day.minutes);
    }
    let contracted_minutes = (contracted.as_secs() / 60) as i64;
    let overtime_minutes = if contracted_minutes > 0 {
        (totals.total() - contracted_minutes).max(0)
    } else {
        0
    };

    // The reference period: this week and up to 16 before it, those the ledger covers.
    let reference_start = first - TimeDelta::weeks(REFERENCE_WEEKS as i64 - 1);
    let all = days(tz, reference_start, last, work);
    let weeks: Vec<(String, i64)> = all
        .chunks(7)
        .filter(|chunk| {
            let end = midnight(tz, chunk[0].date + TimeDelta::days(7));
            recorded_since.is_some_and(|since| end > since)
        })
        .map(|chunk| {
            let minutes = chunk.iter().map(|d| d.minutes.total()).sum();
            (name(chunk[0].date.iso_week()), minutes)
        })
        .collect();
    let average_minutes = wtr::average_week(&weeks);

    let spans = merged(work);
    let period = span(tz, week);
    let mut findings = Vec::new();
    findings.extend(wtr::average_finding(
        &weeks,
        midnight(tz, reference_start),
        period.end,
    ));
    findings.extend(wtr::daily_rest(tz, &spans, period));
    findings.extend(wtr::weekly_rest(tz, &spans, period));
    findings.extend(wtr::rest_breaks(tz, &spans, period));
    findings.sort_by_key(|f| f.from);

    WeekReport {
        week: name(week),
        timezone: tz.name().to_owned(),
        days: this_week,
        totals,
        contracted_minutes,
        overtime_minutes,
        average_minutes,
        average_weeks: weeks.len(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Class;
    use crate::record::Source;
    use crate::testing::utc;

    const LONDON: Tz = chrono_tz::Europe::London;

    fn at(day: &str, from: &str, to: &str, source: Source) -> Work {
        Work {
            span: Span::new(
                utc(&format!("{day}T{from}:00Z")),
                utc(&format!("{day}T{to}:00Z")),
            ),
            source,
        }
    }

    #[test]
    fn a_hard_week_adds_up_by_hand() {
        // Week 48 of 2026 (Mon 23 to Sun 29 November, London = UTC). Contract 37h.
        // Mon-Fri 09:00-12:30 and 13:00-17:00 in hours (7h30m a day = 37h30m),
        // Tue 19:00-20:30 out of hours (1h30m, 30m of it late), Thu 17:00-18:00 by choice,
        // Sat 10:00-11:00 a visit logged by hand.
        let mut work = Vec::new();
        for d in 23..=27 {
            let day = format!("2026-11-{d}");
            work.push(at(&day, "09:00", "12:30", Source::Measured(Class::Working)));
            work.push(at(&day, "13:00", "17:00", Source::Measured(Class::Working)));
        }
        work.push(at(
            "2026-11-24",
            "19:00",
            "20:30",
            Source::Measured(Class::OutOfHours),
        ));
        work.push(at(
            "2026-11-26",
            "17:00",
            "18:00",
            Source::Measured(Class::Override),
        ));
        work.push(at("2026-11-28", "10:00", "11:00", Source::Manual));
        let week = parse("2026-W48").unwrap();
        let r = report(
            LONDON,
            week,
            Duration::from_secs(37 * 3600),
            &work,
            Some(utc("2026-11-23T09:00:00Z")),
        );
        let t = r.totals;
        assert_eq!(t.in_hours, 37 * 60 + 30);
        assert_eq!((t.out_of_hours, t.chosen, t.manual), (150, 60, 60));
        assert_eq!((t.weekend, t.late), (60, 30));
        assert_eq!(t.total(), 37 * 60 + 30 + 150 + 60);
        assert_eq!(r.overtime_minutes, 30 + 150 + 60);
        assert_eq!(r.days[1].minutes.out_of_hours, 90);
        // Only this week is recorded, so the average is this week.
        assert_eq!((r.average_weeks, r.average_minutes), (1, Some(t.total())));
        // Rest: Tue 20:30 to Wed 09:00 is 12h30m; every day has a 30-minute lunch: no findings.
        assert_eq!(r.findings, [], "{:?}", r.findings);
    }

    #[test]
    fn weeks_are_parsed_strictly_and_span_local_days_across_dst() {
        assert!(parse("2026-W54").is_err());
        assert!(parse("2026-48").is_err());
        // One spelling a week: each of these once read as 2026-W44.
        for other in [
            "2026-W044",
            "+2026-W44",
            "02026-W44",
            "2026-W+44",
            "2026-W4",
            " 2026-W44",
            "2026-W44\n",
            "2026-W 44",
            "2026-w44",
            "2026-W4\u{664}",
            "",
        ] {
            assert!(parse(other).is_err(), "{other:?}");
        }
        assert!(parse("2026-W00").is_err());
        assert_eq!(name(parse("2026-W44").unwrap()), "2026-W44");
        assert_eq!(name(parse("2026-W53").unwrap()), "2026-W53");
        assert_eq!(name(parse("2026-W01").unwrap()), "2026-W01");
        // Week 43 of 2026 has the 25-hour Sunday.
        let s = span(LONDON, parse("2026-W43").unwrap());
        assert_eq!(s.end - s.start, TimeDelta::hours(7 * 24 + 1));
    }
}
