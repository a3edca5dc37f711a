//! What a TZID names. In order: an IANA name (as Google and Nextcloud write), one behind a
//! prefix (Thunderbird's old `/mozilla.org/20050126_1/Europe/London`), a Windows name
//! (Outlook's "GMT Standard Time", through CLDR's table), or, when none of those, the rules
//! the calendar's own VTIMEZONE gives (Outlook's "Customized Time Zone").

use std::ops::RangeInclusive;
use std::rc::Rc;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeDelta, Utc};
use chrono_tz::Tz;

use super::recur::{Rule, Until};
use super::windows_zones::iana_for_windows;

/// A zone a calendar's times are read in.
#[derive(Debug, Clone)]
pub enum Zone {
    Named(Tz),
    /// A VTIMEZONE's own rules, worked out for the dates the calendar is read for.
    Defined(Rc<Transitions>),
}

/// Why a TZID gives no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoZone {
    Unknown,
    /// The calendar's own rules for it would take more work than a calendar may.
    TooCostly,
}

impl Zone {
    /// The zone a TZID names, looking in the calendar's definitions last; those are
    /// worked out for the local `dates` (a year either side is added), each period spending
    /// one of `budget`.
    pub fn find(
        tzid: &str,
        defined: &[(String, Observances)],
        dates: RangeInclusive<NaiveDate>,
        budget: &mut u64,
    ) -> Result<Zone, NoZone> {
        if let Some(tz) = iana(tzid) {
            return Ok(Zone::Named(tz));
        }
        let (_, rules) = defined
            .iter()
            .find(|(id, _)| id == tzid)
            .ok_or(NoZone::Unknown)?;
        let transitions = rules.transitions(dates, budget).ok_or(NoZone::TooCostly)?;
        Ok(Zone::Defined(Rc::new(transitions)))
    }

    /// The instant a local wall time denotes, as RFC 5545 reads gaps and overlaps (see
    /// [`crate::civil::resolve_local`]).
    pub fn resolve(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Named(tz) => crate::civil::resolve_local(*tz, local),
            Zone::Defined(transitions) => transitions.resolve(local),
        }
    }
}

/// An IANA name, whole or as the last path segments of a longer TZID (Thunderbird's
/// `/mozilla.org/20050126_1/Europe/London`), or a Windows name.
fn iana(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    let segments: Vec<&str> = tzid.split('/').collect();
    // IANA names have one to three segments ("America/Argentina/Buenos_Aires").
    let suffixes = (1..=3.min(segments.len()))
        .rev()
        .map(|n| segments[segments.len() - n..].join("/"));
    std::iter::once(tzid.to_string())
        .chain(suffixes)
        .find_map(|name| name.parse::<Tz>().ok())
        .or_else(|| iana_for_windows(tzid).and_then(|name| name.parse().ok()))
}

/// One STANDARD or DAYLIGHT block: from its onset (local, in the offset before it) on, the
/// offset is `to`; later onsets come from its RRULE or RDATEs.
#[derive(Debug, Clone)]
pub struct Observance {
    pub start: NaiveDateTime,
    pub from: FixedOffset,
    pub to: FixedOffset,
    pub rule: Option<Rule>,
    pub extra: Vec<NaiveDateTime>,
}

#[derive(Debug, Clone, Default)]
pub struct Observances(pub Vec<Observance>);

impl Observances {
    /// Every onset within a year of `dates`, in time order, as (UTC, offset from then on);
    /// `None` when the rules would spend more than `budget`.
    fn transitions(
        &self,
        dates: RangeInclusive<NaiveDate>,
        budget: &mut u64,
    ) -> Option<Transitions> {
        let first = dates.start().checked_sub_days(Days::new(400))?;
        let last = dates.end().checked_add_days(Days::new(400))?;
        let mut onsets = Vec::new();
        for o in &self.0 {
            let before = |t: NaiveDateTime| {
                t.checked_sub_signed(TimeDelta::seconds(o.from.local_minus_utc().into()))
            };
            let dates = match &o.rule {
                Some(rule) => {
                    let last = rule.until.map_or(last, |u| u.last_date().min(last));
                    rule.dates(o.start.date(), first, last, budget)?
                }
                None => vec![o.start.date()],
            };
            let until = o.rule.as_ref().and_then(|r| r.until);
            let times = dates
                .into_iter()
                .map(|d| d.and_time(o.start.time()))
                .filter(|t| match until {
                    None => true,
                    Some(Until::Date(d)) => t.date() <= d,
                    Some(Until::Local(l)) => *t <= l,
                    Some(Until::Utc(u)) => before(*t).is_some_and(|utc| utc <= u),
                })
                .chain(o.extra.iter().copied());
            // An onset is written in the offset in force before it.
            onsets.extend(times.filter_map(|t| Some((before(t)?, o.to))));
        }
        onsets.sort_by_key(|(t, _)| *t);
        // Before the first onset known, the offset the earliest block comes from.
        let before = self
            .0
            .iter()
            .min_by_key(|o| o.start)
            .map_or(Utc.fix(), |o| o.from);
        let mut offsets: Vec<FixedOffset> =
            onsets.iter().map(|(_, to)| *to).chain([before]).collect();
        offsets.sort_by_key(|o| std::cmp::Reverse(o.local_minus_utc()));
        offsets.dedup();
        Some(Transitions {
            onsets,
            before,
            offsets,
        })
    }
}

#[derive(Debug)]
pub struct Transitions {
    onsets: Vec<(NaiveDateTime, FixedOffset)>,
    before: FixedOffset,
    /// Every offset the zone has, largest first.
    offsets: Vec<FixedOffset>,
}

impl Transitions {
    fn offset_at(&self, utc: NaiveDateTime) -> FixedOffset {
        let i = self.onsets.partition_point(|(onset, _)| *onset <= utc);
        i.checked_sub(1).map_or(self.before, |i| self.onsets[i].1)
    }

    fn resolve(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let minus = |offset: FixedOffset| {
            local
                .checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()))
                .unwrap_or(local)
        };
        // The largest offset that holds gives the earliest instant: the first of two
        // readings in an overlap.
        for offset in &self.offsets {
            let utc = minus(*offset);
            if self.offset_at(utc) == *offset {
                return utc.and_utc();
            }
        }
        // In a gap: the offset from before it.
        let day_before = local
            .checked_sub_signed(TimeDelta::days(1))
            .unwrap_or(local);
        minus(self.offset_at(day_before)).and_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn years() -> RangeInclusive<NaiveDate> {
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
            ..=NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()
    }

    /// Outlook's VTIMEZONE for the UK, as rules.
    fn uk_rules() -> Observances {
        let hour = |h| FixedOffset::east_opt(h * 3600).unwrap();
        Observances(vec![
            Observance {
                start: local("1601-10-28 02:00"),
                from: hour(1),
                to: hour(0),
                rule: Some(Rule::parse("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10").unwrap()),
                extra: vec![],
            },
            Observance {
                start: local("1601-03-25 01:00"),
                from: hour(0),
                to: hour(1),
                rule: Some(Rule::parse("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3").unwrap()),
                extra: vec![],
            },
        ])
    }

    #[test]
    fn names_iana_prefixed_and_windows() {
        for name in [
            "Europe/London",
            "/mozilla.org/20050126_1/Europe/London",
            "GMT Standard Time",
        ] {
            assert!(
                matches!(
                    Zone::find(name, &[], years(), &mut 1000),
                    Ok(Zone::Named(chrono_tz::Europe::London))
                ),
                "{name}"
            );
        }
        assert!(matches!(
            Zone::find("Mars/Olympus_Mons", &[], years(), &mut 1000),
            Err(NoZone::Unknown)
        ));
    }

    #[test]
    fn a_zone_rule_ends_at_its_until() {
        let hour = |h| FixedOffset::east_opt(h * 3600).unwrap();
        let rule = |text: &str| Some(Rule::parse(text).unwrap());
        // New York's rules as Outlook exported them for years: the old ones end in 2006.
        let eastern = Observances(vec![
            Observance {
                start: local("1967-10-29 02:00"),
                from: hour(-4),
                to: hour(-5),
                rule: rule("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z"),
                extra: vec![],
            },
            Observance {
                start: local("2007-11-04 02:00"),
                from: hour(-4),
                to: hour(-5),
                rule: rule("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
                extra: vec![],
            },
            Observance {
                start: local("2007-03-11 02:00"),
                from: hour(-5),
                to: hour(-4),
                rule: rule("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
                extra: vec![],
            },
        ]);
        let defined = [("Eastern".to_string(), eastern)];
        let zone = Zone::find("Eastern", &defined, years(), &mut 100_000).unwrap();
        let new_york = Zone::Named(chrono_tz::America::New_York);
        for t in ["2027-11-01 09:00", "2027-10-31 09:00", "2027-11-08 09:00"] {
            assert_eq!(zone.resolve(local(t)), new_york.resolve(local(t)), "{t}");
        }
        let mut small = 10;
        assert!(matches!(
            Zone::find("Eastern", &defined, years(), &mut small),
            Err(NoZone::TooCostly)
        ));
    }

    #[test]
    fn a_calendars_own_rules_agree_with_the_zone_database_across_both_changes() {
        let defined = [("Customized Time Zone".to_string(), uk_rules())];
        let zone = Zone::find("Customized Time Zone", &defined, years(), &mut 100_000).unwrap();
        let london = Zone::Named(chrono_tz::Europe::London);
        for t in [
            "2027-01-15 09:00",
            "2027-03-28 00:30",
            "2027-03-28 01:30", // in the spring gap
            "2027-03-28 02:00",
            "2027-07-01 12:00",
            "2027-10-31 00:59",
            "2027-10-31 01:30", // twice in the autumn: the first
            "2027-10-31 02:00",
            "2027-12-31 23:59",
        ] {
            assert_eq!(zone.resolve(local(t)), london.resolve(local(t)), "{t}");
        }
    }
}
