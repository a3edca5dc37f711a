//! Which weeks a report is accepted for (weeks that have ended, up to `weeks_accepted` weeks
//! after their end) and when a week is published: once, after the last report for it could
//! have arrived. Pure: "now" comes in.
//!
//! Publishing each week once is what stops the same week being shown twice, before and after
//! a late report: two releases of one week differing by one person would show that person's
//! figures by subtraction, however many people each release covers on its own.
//!
//! Workers' weeks are local ISO weeks and the server does not know their zones, so a week
//! counts as ended once it has ended anywhere on Earth: Monday 00:00 at UTC+14, which is
//! Sunday 10:00 UTC. An agent sends the week just ended (`last_completed_week`), so an agent
//! in any zone is never refused for being early; a report for a week still in progress
//! everywhere, or a later one, is refused.

use chrono::{DateTime, Datelike, Days, IsoWeek, NaiveDate, NaiveTime, TimeDelta, Utc};

use clockoff_core::record::week;

/// The earliest zone's offset from UTC.
const EARLIEST_OFFSET: TimeDelta = TimeDelta::hours(14);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The week has not begun yet (asked of a week token).
    NotStarted,
    /// The week has not ended yet.
    NotEnded,
    /// The week ended more than `weeks_accepted` weeks ago.
    TooOld,
}

impl Refusal {
    pub fn message(self, weeks_accepted: u32) -> String {
        match self {
            Refusal::NotStarted => "the week has not begun yet".into(),
            Refusal::NotEnded => "the week has not ended yet".into(),
            Refusal::TooOld => {
                format!("the week ended more than {weeks_accepted} weeks ago")
            }
        }
    }
}

/// The instant the week ends in UTC: the following Monday 00:00 (the last representable
/// day for the last week chrono knows, rather than a panic on a hostile year).
pub fn end_utc(w: IsoWeek) -> DateTime<Utc> {
    week::monday(w)
        .checked_add_days(Days::new(7))
        .unwrap_or(NaiveDate::MAX)
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// The instant reports for `w` stop being accepted: `weeks_accepted` weeks after its end
/// (`None` past chrono's calendar, where nothing is accepted).
pub fn acceptance_ends(w: IsoWeek, weeks_accepted: u32) -> Option<DateTime<Utc>> {
    end_utc(w).checked_add_signed(TimeDelta::weeks(i64::from(weeks_accepted)))
}

/// A margin for clocks that disagree (several dashboards on one database): a week is
/// published an hour after the last report for it could have been accepted.
const PUBLICATION_MARGIN: TimeDelta = TimeDelta::hours(1);

/// The instant `w` is published: from then on its figures are those of every report it will
/// ever have (`None` past chrono's calendar: never).
pub fn published_at(w: IsoWeek, weeks_accepted: u32) -> Option<DateTime<Utc>> {
    acceptance_ends(w, weeks_accepted)?.checked_add_signed(PUBLICATION_MARGIN)
}

/// Whether `w` is published at `now`.
pub fn is_published(w: IsoWeek, now: DateTime<Utc>, weeks_accepted: u32) -> bool {
    published_at(w, weeks_accepted).is_some_and(|at| at <= now)
}

/// The newest week published at `now` (the newest a page or the API shows by default).
pub fn latest_published(now: DateTime<Utc>, weeks_accepted: u32) -> Option<IsoWeek> {
    // The week that ended last in UTC, then back until one is published: at most
    // weeks_accepted + 1 steps.
    let mut monday = week::monday(
        now.date_naive()
            .checked_sub_signed(TimeDelta::days(7))?
            .iso_week(),
    );
    loop {
        let w = monday.iso_week();
        if is_published(w, now, weeks_accepted) {
            return Some(w);
        }
        monday = monday.checked_sub_signed(TimeDelta::weeks(1))?;
    }
}

pub fn accepts(w: IsoWeek, now: DateTime<Utc>, weeks_accepted: u32) -> Result<(), Refusal> {
    let end = end_utc(w);
    // Checked: a week near the ends of chrono's calendar must refuse, not panic.
    let ended = end.checked_sub_signed(EARLIEST_OFFSET).unwrap_or(end);
    if now < ended {
        return Err(Refusal::NotEnded);
    }
    match acceptance_ends(w, weeks_accepted) {
        Some(last) if now < last => Ok(()),
        _ => Err(Refusal::TooOld),
    }
}

/// Which weeks a laptop may have its week token for: from the week's start anywhere on
/// Earth (Monday 00:00 at UTC+14) until reports for it stop being accepted. Before its end,
/// so a laptop can fetch the token at a random moment of the week, apart from the report.
pub fn issues(w: IsoWeek, now: DateTime<Utc>, weeks_accepted: u32) -> Result<(), Refusal> {
    let start = week::monday(w).and_time(NaiveTime::MIN).and_utc();
    let started = start.checked_sub_signed(EARLIEST_OFFSET).unwrap_or(start);
    if now < started {
        return Err(Refusal::NotStarted);
    }
    match acceptance_ends(w, weeks_accepted) {
        Some(last) if now < last => Ok(()),
        _ => Err(Refusal::TooOld),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_week_is_accepted_from_its_end_anywhere_for_weeks_accepted_weeks() {
        let w48 = week::parse("2026-W48").unwrap(); // Mon 23 Nov - Sun 29 Nov 2026
        assert_eq!(end_utc(w48), at("2026-11-30T00:00:00Z"));
        let check = |now: &str| accepts(w48, at(now), 8);
        assert_eq!(check("2026-11-25T12:00:00Z"), Err(Refusal::NotEnded));
        assert_eq!(check("2026-11-29T09:59:59Z"), Err(Refusal::NotEnded));
        // Kiribati's Monday has begun.
        assert_eq!(check("2026-11-29T10:00:00Z"), Ok(()));
        assert_eq!(check("2026-11-30T08:00:00Z"), Ok(()));
        assert_eq!(check("2027-01-24T23:59:59Z"), Ok(()));
        assert_eq!(check("2027-01-25T00:00:00Z"), Err(Refusal::TooOld));
        // A later week is never accepted early.
        let w49 = week::parse("2026-W49").unwrap();
        assert_eq!(
            accepts(w49, at("2026-11-30T08:00:00Z"), 8),
            Err(Refusal::NotEnded)
        );
        // The ends of the calendar are refused without a panic (made here: `week::parse`
        // reads four-digit years only).
        for (year, n) in [(262_142, 52), (-262_143, 2)] {
            let w = NaiveDate::from_isoywd_opt(year, n, chrono::Weekday::Mon)
                .unwrap()
                .iso_week();
            assert!(
                accepts(w, at("2026-11-30T08:00:00Z"), 8).is_err(),
                "{year}-W{n}"
            );
        }
    }

    #[test]
    fn a_week_token_is_issued_from_the_week_start_anywhere_until_reports_close() {
        let w49 = week::parse("2026-W49").unwrap(); // Mon 30 Nov - Sun 6 Dec 2026
        let check = |now: &str| issues(w49, at(now), 2);
        assert_eq!(check("2026-11-29T09:59:59Z"), Err(Refusal::NotStarted));
        assert_eq!(check("2026-11-29T10:00:00Z"), Ok(()));
        assert_eq!(check("2026-12-03T12:00:00Z"), Ok(()));
        assert_eq!(check("2026-12-20T23:59:59Z"), Ok(()));
        assert_eq!(check("2026-12-21T00:00:00Z"), Err(Refusal::TooOld));
    }

    #[test]
    fn a_week_is_published_an_hour_after_its_last_report_could_arrive() {
        let w48 = week::parse("2026-W48").unwrap(); // ends Monday 30 November 2026, 00:00 UTC
        // Accepted until 30 November + 2 weeks, published an hour later.
        assert_eq!(published_at(w48, 2), Some(at("2026-12-14T01:00:00Z")));
        assert!(accepts(w48, at("2026-12-13T23:59:59Z"), 2).is_ok());
        assert!(!is_published(w48, at("2026-12-14T00:59:59Z"), 2));
        assert!(is_published(w48, at("2026-12-14T01:00:00Z"), 2));
        // Nothing is accepted for a published week.
        assert!(accepts(w48, at("2026-12-14T01:00:00Z"), 2).is_err());
        assert!(is_published(w48, at("2026-12-07T01:00:00Z"), 1));

        let latest = |now: &str, weeks_accepted| {
            week::name(latest_published(at(now), weeks_accepted).unwrap())
        };
        // Monday 14 December: W48 an hour after midnight, W47 before it.
        assert_eq!(latest("2026-12-14T00:30:00Z", 2), "2026-W47");
        assert_eq!(latest("2026-12-14T01:00:00Z", 2), "2026-W48");
        assert_eq!(latest("2026-12-20T23:59:59Z", 2), "2026-W48");
        assert_eq!(latest("2026-12-14T01:00:00Z", 1), "2026-W49");
        assert_eq!(latest("2026-12-14T01:00:00Z", 8), "2026-W42");
        // Across a year's end: 2026-W53 ends on 4 January 2027.
        assert_eq!(latest("2027-01-18T01:00:00Z", 2), "2026-W53");
        // The beginning of chrono's calendar: nothing, not a panic.
        assert_eq!(latest_published(DateTime::<Utc>::MIN_UTC, 2), None);
    }
}
