//! Wall-clock (civil) time in a zone, mapped to instants the way RFC 5545 does it:
//! a local time in a spring-forward gap is read with the offset from before the gap (so it
//! lands that many minutes later); an ambiguous local time in the autumn overlap is its first
//! occurrence.

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

/// The instant a local wall-clock time denotes in `tz`.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(first, _) => first.to_utc(),
        LocalResult::None => {
            // No zone has two transitions within a day, so the offset a day earlier is the
            // offset in force just before this gap.
            let before = saturating_add(local, TimeDelta::days(-1));
            let offset = tz.offset_from_utc_datetime(&before);
            let seconds = chrono::Offset::fix(&offset).local_minus_utc();
            saturating_add(local, TimeDelta::seconds(-i64::from(seconds))).and_utc()
        }
    }
}

/// `t + by`, held at the ends of chrono's range instead of panicking there.
fn saturating_add(t: NaiveDateTime, by: TimeDelta) -> NaiveDateTime {
    t.checked_add_signed(by)
        .unwrap_or(if by < TimeDelta::zero() {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        })
}

/// RFC 3339 with the zone's offset, e.g. `2026-11-23T17:00:00+00:00`.
pub fn rfc3339_in(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// The first instant of a local calendar day (midnight, or later if midnight is in a gap).
pub fn midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    resolve_local(tz, date.and_time(NaiveTime::MIN))
}

/// The local calendar date of an instant.
pub fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// A cheap bound: every instant whose local time is at or after `local` in any zone is at
/// or after this (UTC offsets never exceed +14 h).
pub fn earliest_instant_for(local: NaiveDateTime) -> DateTime<Utc> {
    saturating_add(local, TimeDelta::hours(-14)).and_utc()
}

/// A cheap bound: every instant whose local time is at or before `local` in any zone is at
/// or before this (UTC offsets are never below -12 h).
pub fn latest_instant_for(local: NaiveDateTime) -> DateTime<Utc> {
    saturating_add(local, TimeDelta::hours(12)).and_utc()
}

/// A short local time for people: `17:00` today, `Tue 09:00` within a week, else the date.
pub fn human(tz: Tz, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    human_local(t.with_timezone(&tz), now.with_timezone(&tz).date_naive())
}

/// [`human`] for a time as the agent sends it (RFC 3339 in the worker's zone): read in the
/// offset it carries.
pub fn human_rfc3339(t: DateTime<chrono::FixedOffset>, now: DateTime<Utc>) -> String {
    let today = now.with_timezone(t.offset()).date_naive();
    human_local(t, today)
}

fn human_local<Z: chrono::TimeZone>(local: DateTime<Z>, today: chrono::NaiveDate) -> String
where
    Z::Offset: std::fmt::Display,
{
    let days = (local.date_naive() - today).num_days();
    match days {
        0 => local.format("%H:%M").to_string(),
        1 => local.format("tomorrow %H:%M").to_string(),
        2..=6 => local.format("%a %H:%M").to_string(),
        _ => local.format("%a %-d %b %Y %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;
    use chrono_tz::{America::New_York, Australia::Lord_Howe, Europe::London};

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn gap_times_are_read_with_the_offset_before_the_gap() {
        // London springs forward at 01:00 GMT on 2026-03-29; 01:30 does not exist.
        assert_eq!(
            resolve_local(London, local("2026-03-29T01:30")),
            utc("2026-03-29T01:30:00Z")
        );
        // New York: 02:30 does not exist on 2026-03-08; read at -05:00.
        assert_eq!(
            resolve_local(New_York, local("2026-03-08T02:30")),
            utc("2026-03-08T07:30:00Z")
        );
        // Lord Howe's gap is 30 minutes (02:00 +10:30 -> 02:30 +11:00).
        assert_eq!(
            resolve_local(Lord_Howe, local("2026-10-04T02:15")),
            utc("2026-10-03T15:45:00Z")
        );
    }

    #[test]
    fn ambiguous_times_are_their_first_occurrence() {
        // London falls back at 02:00 BST on 2026-10-25; 01:30 happens twice.
        assert_eq!(
            resolve_local(London, local("2026-10-25T01:30")),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            resolve_local(Lord_Howe, local("2026-04-05T01:45")),
            utc("2026-04-04T14:45:00Z")
        );
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        for tz in [London, New_York, Lord_Howe, chrono_tz::Asia::Tokyo] {
            for t in [NaiveDateTime::MIN, NaiveDateTime::MAX] {
                let _ = resolve_local(tz, t);
                let _ = (earliest_instant_for(t), latest_instant_for(t));
            }
        }
    }

    #[test]
    fn local_date_follows_the_zone() {
        assert_eq!(
            local_date(New_York, utc("2026-07-01T03:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
    }

    #[test]
    fn an_agents_rfc3339_time_reads_as_people_say_it_in_its_own_offset() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        // 23:30 UTC on the 28th is 00:30 on the 29th in London's summer: tomorrow there.
        let now = utc("2026-06-28T21:00:00Z");
        assert_eq!(human_rfc3339(t("2026-06-28T23:30:00+01:00"), now), "23:30");
        assert_eq!(
            human_rfc3339(t("2026-06-29T00:30:00+01:00"), now),
            "tomorrow 00:30"
        );
        assert_eq!(
            human_rfc3339(t("2026-07-01T09:00:00+01:00"), now),
            "Wed 09:00"
        );
        assert_eq!(
            human_rfc3339(t("2026-06-29T00:30:00+01:00"), now),
            human(London, utc("2026-06-28T23:30:00Z"), now)
        );
    }
}
