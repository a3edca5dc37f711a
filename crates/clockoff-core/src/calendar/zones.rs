//! What a TZID names. In order: an IANA name (as Google and Nextcloud write), one behind a
//! prefix (Thunderbird's old `/mozilla.org/20050126_1/Europe/London`), a Windows name
//! (Outlook's "GMT Standard Time", through CLDR's table), or, when none of those, the rules
//! the calendar's own VTIMEZONE gives (Outlook's "Customized Time Zone").

use std::ops::RangeInclusive;
use std::rc::Rc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeDelta, Utc};
use chrono_tz::Tz;

use super::recur::Rule;
use super::windows_zones::iana_for_windows;

/// A zone a calendar's times are read in.
#[derive(Debug, Clone)]
pub enum Zone {
    Named(Tz),
    /// A VTIMEZONE's own rules, worked out for the years the calendar is read for.
    Defined(Rc<Transitions>),
}

impl Zone {
    /// The zone a TZID names, looking in the calendar's own definitions last; those are
    /// worked out for the local dates `years` (a year either side is added).
    pub fn find(
        tzid: &str,
        defined: &[(String, Observances)],
        years: RangeInclusive<NaiveDate>,
    ) -> Option<Zone> {
        if let Some(tz) = iana(tzid) {
            return Some(Zone::Named(tz));
        }
        defined
            .iter()
            .find(|(id, _)| id == tzid)
            .map(|(_, rules)| Zone::Defined(Rc::new(rules.transitions(years))))
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

fn iana(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Ok(tz) = tzid.parse::<Tz>() {
        return Some(tz);
    }
    // A prefix of path segments before an IANA name.
    let mut rest = tzid;
    while let Some((_, after)) = rest.split_once('/') {
        if let Ok(tz) = after.parse::<Tz>() {
            return Some(tz);
        }
        rest = after;
    }
    iana_for_windows(tzid).and_then(|name| name.parse().ok())
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
    /// Every onset within a year of `years`, in time order, as (UTC, offset from then on).
    fn transitions(&self, years: RangeInclusive<NaiveDate>) -> Transitions {
        let first = *years.start() - TimeDelta::days(400);
        let last = *years.end() + TimeDelta::days(400);
        let mut onsets = Vec::new();
        for o in &self.0 {
            // Yearly rules from 1601 are a few hundred periods; the budget only guards
            // against a rule written to be endless.
            let mut budget = 100_000;
            let dates = match &o.rule {
                Some(rule) => rule
                    .dates(o.start.date(), first, last, &mut budget)
                    .unwrap_or_default(),
                None => vec![o.start.date()],
            };
            let times = dates
                .into_iter()
                .map(|d| d.and_time(o.start.time()))
                .chain(o.extra.iter().copied());
            // An onset is written in the offset in force before it.
            onsets.extend(times.map(|t| {
                (
                    t - TimeDelta::seconds(o.from.local_minus_utc().into()),
                    o.to,
                )
            }));
        }
        onsets.sort_by_key(|(t, _)| *t);
        // Before the first onset known, the offset the first one comes from.
        let before = self
            .0
            .iter()
            .min_by_key(|o| o.start)
            .map_or(Utc.fix(), |o| o.from);
        Transitions { onsets, before }
    }
}

#[derive(Debug)]
pub struct Transitions {
    onsets: Vec<(NaiveDateTime, FixedOffset)>,
    before: FixedOffset,
}

impl Transitions {
    fn offset_at(&self, utc: NaiveDateTime) -> FixedOffset {
        let i = self.onsets.partition_point(|(onset, _)| *onset <= utc);
        i.checked_sub(1).map_or(self.before, |i| self.onsets[i].1)
    }

    fn resolve(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut offsets: Vec<FixedOffset> = self.onsets.iter().map(|(_, to)| *to).collect();
        offsets.push(self.before);
        offsets.sort_by_key(|o| std::cmp::Reverse(o.local_minus_utc()));
        offsets.dedup();
        // The largest offset that holds gives the earliest instant: the first of two
        // readings in an overlap.
        for offset in &offsets {
            let utc = local - TimeDelta::seconds(offset.local_minus_utc().into());
            if self.offset_at(utc) == *offset {
                return utc.and_utc();
            }
        }
        // In a gap: the offset from before it.
        let before = self.offset_at(local - TimeDelta::days(1));
        (local - TimeDelta::seconds(before.local_minus_utc().into())).and_utc()
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
                    Zone::find(name, &[], years()),
                    Some(Zone::Named(chrono_tz::Europe::London))
                ),
                "{name}"
            );
        }
        assert!(Zone::find("Mars/Olympus_Mons", &[], years()).is_none());
    }

    #[test]
    fn a_calendars_own_rules_agree_with_the_zone_database_across_both_changes() {
        let defined = [("Customized Time Zone".to_string(), uk_rules())];
        let zone = Zone::find("Customized Time Zone", &defined, years()).unwrap();
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
