//! A calendar's events turned into the occurrences that touch a window: recurrences
//! expanded, EXDATEs removed, RECURRENCE-ID instances moved or cancelled, and every time
//! resolved to an instant (floating times in the worker's zone).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::Problem;
use super::ics::{Calendar, Event, When};
use super::recur::Until;
use super::zones::Zone;
use crate::civil::local_date;
use crate::spans::Span;

/// More occurrences than this within the window is not a rota: a nightly rota for the
/// two years read is about 730.
pub const MAX_OCCURRENCES: usize = 20_000;
/// Periods a calendar's rules may look at in all (a daily rule from 1970 to 2100 is
/// about 48,000).
const BUDGET: u64 = 2_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occurrence {
    /// Whole local days, inclusive.
    Days(NaiveDate, NaiveDate),
    Times(Span),
}

/// The occurrences of the events `keep` accepts that touch `window`, in no set order.
pub fn occurrences(
    calendar: &Calendar,
    keep: impl Fn(&Event) -> bool,
    tz: Tz,
    window: Span,
) -> Result<Vec<Occurrence>, Problem> {
    let first_day = local_date(tz, window.start) - TimeDelta::days(1);
    let last_day = local_date(tz, window.end) + TimeDelta::days(1);
    let reader = Reader {
        calendar,
        tz,
        years: first_day..=last_day,
    };
    let mut moved: HashMap<&str, Vec<&Event>> = HashMap::new();
    for e in calendar.events.iter().filter(|e| e.recurrence_id.is_some()) {
        moved.entry(e.uid.as_str()).or_default().push(e);
    }
    let masters: std::collections::HashSet<&str> = calendar
        .events
        .iter()
        .filter(|e| e.recurrence_id.is_none())
        .map(|e| e.uid.as_str())
        .collect();
    let mut out = Vec::new();
    let mut budget = BUDGET;
    for event in &calendar.events {
        let instances = match &event.recurrence_id {
            // A moved instance whose series is not in the file stands alone.
            Some(_) if masters.contains(event.uid.as_str()) => continue,
            Some(_) => {
                if event.cancelled || !keep(event) {
                    continue;
                }
                vec![reader.single(event)?]
            }
            None => {
                let moved = moved.get(event.uid.as_str()).map_or(&[][..], Vec::as_slice);
                reader.series(event, moved, &keep, last_day, &mut budget)?
            }
        };
        out.extend(
            instances
                .into_iter()
                .flatten()
                .filter(|o| touches(o, window, tz)),
        );
        if out.len() > MAX_OCCURRENCES {
            return Err(Problem::at(
                event.line,
                format!(
                    "more than {MAX_OCCURRENCES} occurrences within the dates read: not a rota or leave calendar"
                ),
            ));
        }
    }
    Ok(out)
}

fn touches(o: &Occurrence, window: Span, tz: Tz) -> bool {
    match o {
        Occurrence::Days(first, last) => {
            *first <= local_date(tz, window.end) && *last >= local_date(tz, window.start)
        }
        Occurrence::Times(span) => span.start < window.end && span.end > window.start,
    }
}

/// A start as the recurrence needs it: its local wall time and how to read it.
#[derive(Clone)]
enum Start {
    Date(NaiveDate),
    Time(NaiveDateTime, Zone),
}

struct Reader<'a> {
    calendar: &'a Calendar,
    tz: Tz,
    years: std::ops::RangeInclusive<NaiveDate>,
}

impl Reader<'_> {
    fn start(&self, when: &When) -> Result<Start, Problem> {
        Ok(match when {
            When::Date(d) => Start::Date(*d),
            When::Utc(t) => Start::Time(*t, Zone::Named(Tz::UTC)),
            When::Floating(t) => Start::Time(*t, Zone::Named(self.tz)),
            When::Zoned(t, tzid, line) => {
                let zone = Zone::find(tzid, &self.calendar.zones, self.years.clone())
                    .ok_or_else(|| {
                        Problem::at(
                            *line,
                            format!(
                                "unknown time zone \"{tzid}\": not an IANA or Windows name, and the calendar has no VTIMEZONE for it"
                            ),
                        )
                    })?;
                Start::Time(*t, zone)
            }
        })
    }

    fn instant(&self, when: &When) -> Result<Option<DateTime<Utc>>, Problem> {
        Ok(match self.start(when)? {
            Start::Date(_) => None,
            Start::Time(t, zone) => Some(zone.resolve(t)),
        })
    }

    /// An event that does not repeat (or one moved instance).
    fn single(&self, event: &Event) -> Result<Option<Occurrence>, Problem> {
        let start = self.start(event.start.as_ref().expect("checked when read"))?;
        let length = self.length(event, &start)?;
        Ok(self.occurrence(&start, &length))
    }

    /// Every instance of a series that touches the dates read, moved ones moved.
    fn series(
        &self,
        event: &Event,
        moved: &[&Event],
        keep: &impl Fn(&Event) -> bool,
        last_day: NaiveDate,
        budget: &mut u64,
    ) -> Result<Vec<Option<Occurrence>>, Problem> {
        if event.cancelled {
            return Ok(Vec::new());
        }
        let start = self.start(event.start.as_ref().expect("checked when read"))?;
        let length = self.length(event, &start)?;
        let (first_date, time) = match &start {
            Start::Date(d) => (*d, None),
            Start::Time(t, zone) => (t.date(), Some((t.time(), zone))),
        };
        let mut starts: Vec<Start> = match &event.rule {
            None => vec![start.clone()],
            Some((rule, line)) => {
                // A long event that began before the window may still reach into it.
                let from = *self.years.start() - TimeDelta::days(366);
                let dates = rule
                    .dates(first_date, from, last_day, budget)
                    .ok_or_else(|| {
                        Problem::at(
                            *line,
                            "this calendar's repeating events are too many to work out",
                        )
                    })?;
                let until = |s: &Start| match (rule.until, s) {
                    (None, _) => true,
                    (Some(Until::Date(d)), Start::Date(date)) => date <= &d,
                    (Some(Until::Date(d)), Start::Time(t, _)) => t.date() <= d,
                    (Some(Until::Utc(u)), Start::Time(t, zone)) => zone.resolve(*t) <= u.and_utc(),
                    (Some(Until::Utc(u) | Until::Local(u)), Start::Date(date)) => *date <= u.date(),
                    (Some(Until::Local(u)), Start::Time(t, _)) => *t <= u,
                };
                dates
                    .into_iter()
                    .map(|d| match time {
                        None => Start::Date(d),
                        Some((time, zone)) => Start::Time(d.and_time(time), zone.clone()),
                    })
                    .filter(until)
                    .collect()
            }
        };
        for rdate in &event.rdates {
            starts.push(self.start(rdate)?);
        }
        let key = |s: &Start| match s {
            Start::Date(d) => Key::Date(*d),
            Start::Time(t, zone) => Key::Instant(zone.resolve(*t)),
        };
        let mut removed = Vec::new();
        for exdate in &event.exdates {
            removed.push(self.key_of(exdate)?);
        }
        let mut replacements = Vec::new();
        for m in moved {
            removed.push(self.key_of(m.recurrence_id.as_ref().expect("moved"))?);
            if !m.cancelled && keep(m) {
                replacements.push(self.single(m)?);
            }
        }
        let kept = keep(event);
        Ok(starts
            .iter()
            .filter(|s| kept && !removed.contains(&key(s)))
            .map(|s| self.occurrence(s, &length))
            .chain(replacements)
            .collect())
    }

    /// What EXDATE or RECURRENCE-ID names: an instance's start.
    fn key_of(&self, when: &When) -> Result<Key, Problem> {
        Ok(match (when, self.instant(when)?) {
            (When::Date(d), _) => Key::Date(*d),
            (_, Some(t)) => Key::Instant(t),
            (_, None) => unreachable!("a date-time has an instant"),
        })
    }

    fn length(&self, event: &Event, start: &Start) -> Result<Length, Problem> {
        Ok(match (start, &event.end, event.duration) {
            (Start::Date(first), Some(When::Date(end)), _) => {
                Length::Days((*end - *first).num_days())
            }
            (Start::Date(_), _, Some(d)) => Length::Days(d.num_days()),
            (Start::Date(_), _, None) => Length::Days(1),
            (Start::Time(t, _), Some(end), _) => {
                let (end_local, same_zone) = match (end, &event.start) {
                    (When::Zoned(e, a, _), Some(When::Zoned(_, b, _))) if a == b => (*e, true),
                    (When::Floating(e), Some(When::Floating(_)))
                    | (When::Utc(e), Some(When::Utc(_))) => (*e, true),
                    _ => (*t, false),
                };
                if same_zone {
                    // The wall-clock length: a Friday 17:00 to Monday 09:00 rota ends at
                    // 09:00 on the Monday after a clock change too, as the people who wrote
                    // it and the calendars that show it read it.
                    Length::Wall(end_local - *t)
                } else {
                    let start_instant = self
                        .instant(event.start.as_ref().expect("checked"))?
                        .expect("a time");
                    let end_instant = self.instant(end)?.expect("a time");
                    Length::Exact(end_instant - start_instant)
                }
            }
            (Start::Time(..), None, Some(d)) => Length::Wall(d),
            (Start::Time(..), None, None) => Length::Wall(TimeDelta::zero()),
        })
    }

    fn occurrence(&self, start: &Start, length: &Length) -> Option<Occurrence> {
        match (start, length) {
            (Start::Date(d), Length::Days(n)) if *n >= 1 => {
                Some(Occurrence::Days(*d, *d + TimeDelta::days(n - 1)))
            }
            (Start::Time(t, zone), Length::Wall(len)) => {
                let span = (zone.resolve(*t), zone.resolve(t.checked_add_signed(*len)?));
                (span.1 > span.0).then(|| Occurrence::Times(Span::new(span.0, span.1)))
            }
            (Start::Time(t, zone), Length::Exact(len)) => {
                let begin = zone.resolve(*t);
                let end = begin.checked_add_signed(*len)?;
                (end > begin).then(|| Occurrence::Times(Span::new(begin, end)))
            }
            _ => None,
        }
    }
}

enum Length {
    Days(i64),
    Wall(TimeDelta),
    Exact(TimeDelta),
}

#[derive(PartialEq)]
enum Key {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}
