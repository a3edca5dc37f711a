//! A calendar's events turned into the occurrences that touch a window: recurrences
//! expanded, EXDATEs removed, RECURRENCE-ID instances moved or cancelled, and every time
//! resolved to an instant (floating times in the worker's zone).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::Problem;
use super::ics::{Calendar, Event, When};
use super::recur::Until;
use super::zones::{NoZone, Zone};
use crate::civil::{local_date, midnight};
use crate::spans::Span;

/// More occurrences than this within the window is not a rota: a nightly rota for the
/// two years read is about 770.
pub const MAX_OCCURRENCES: usize = 20_000;
/// Recurrence periods a calendar's rules may look at in all, its time zones' included (a
/// daily rule from 1970 to 2100 is about 48,000).
const BUDGET: u64 = 2_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occurrence {
    /// Whole local days, inclusive.
    Days(NaiveDate, NaiveDate),
    Times(Span),
}

impl Occurrence {
    /// Whether any of it falls in the half-open `window` (days from local midnight).
    pub fn touches(&self, window: Span, tz: Tz) -> bool {
        let span = match self {
            Occurrence::Times(span) => *span,
            Occurrence::Days(first, last) => {
                let end = last
                    .checked_add_days(Days::new(1))
                    .map_or(DateTime::<Utc>::MAX_UTC, |d| midnight(tz, d));
                Span::new(midnight(tz, *first), end)
            }
        };
        span.start < window.end && span.end > window.start
    }
}

/// The occurrences of the events `keep` accepts that touch `window`, in no set order.
pub fn occurrences(
    calendar: &Calendar,
    keep: impl Fn(&Event) -> bool,
    tz: Tz,
    window: Span,
) -> Result<Vec<Occurrence>, Problem> {
    let day = |t| local_date(tz, t);
    let first_day = day(window.start).pred_opt().unwrap_or(day(window.start));
    let last_day = day(window.end).succ_opt().unwrap_or(day(window.end));
    let reader = Reader {
        calendar,
        tz,
        dates: first_day..=last_day,
        zones: RefCell::default(),
        budget: Cell::new(BUDGET),
    };
    let mut out = Vec::new();
    let mut add = |found: Vec<Occurrence>, line: usize| {
        out.extend(found.into_iter().filter(|o| o.touches(window, tz)));
        if out.len() > MAX_OCCURRENCES {
            return Err(Problem::at(
                line,
                format!(
                    "more than {MAX_OCCURRENCES} occurrences within the dates read: not a rota or leave calendar"
                ),
            ));
        }
        Ok(())
    };
    // Moved and cancelled instances first: each stands as its own event (a moved one whose
    // series is not in the file too), and takes its original start out of its series.
    let mut replaced: HashMap<&str, HashSet<Key>> = HashMap::new();
    for event in calendar.events.iter().filter(|e| e.recurrence_id.is_some()) {
        let original = event.recurrence_id.as_ref().expect("filtered");
        replaced
            .entry(event.uid.as_str())
            .or_default()
            .insert(reader.key_of(original)?);
        if !event.cancelled && keep(event) {
            add(reader.single(event)?.into_iter().collect(), event.line)?;
        }
    }
    let none = HashSet::new();
    for event in calendar.events.iter().filter(|e| e.recurrence_id.is_none()) {
        if event.cancelled || !keep(event) {
            continue;
        }
        let replaced = replaced.get(event.uid.as_str()).unwrap_or(&none);
        add(reader.series(event, replaced)?, event.line)?;
    }
    Ok(out)
}

/// A start as the recurrence needs it: its local wall time and how to read it.
#[derive(Clone)]
enum Start {
    Date(NaiveDate),
    Time(NaiveDateTime, Zone),
}

/// How long each occurrence lasts.
enum Length {
    Days(i64),
    /// Wall-clock time from the start's local time, then exact time.
    Timed {
        wall: TimeDelta,
        exact: TimeDelta,
    },
}

/// What EXDATE and RECURRENCE-ID name: an instance's start.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

struct Reader<'a> {
    calendar: &'a Calendar,
    tz: Tz,
    /// The local dates read, a day either side of the window.
    dates: RangeInclusive<NaiveDate>,
    /// Each TZID's zone, worked out once.
    zones: RefCell<HashMap<String, Zone>>,
    budget: Cell<u64>,
}

impl Reader<'_> {
    fn start(&self, when: &When) -> Result<Start, Problem> {
        Ok(match when {
            When::Date(d) => Start::Date(*d),
            When::Utc(t) => Start::Time(*t, Zone::Named(Tz::UTC)),
            When::Floating(t) => Start::Time(*t, Zone::Named(self.tz)),
            When::Zoned(t, tzid, line) => Start::Time(*t, self.zone(tzid, *line)?),
        })
    }

    fn zone(&self, tzid: &str, line: usize) -> Result<Zone, Problem> {
        if let Some(zone) = self.zones.borrow().get(tzid) {
            return Ok(zone.clone());
        }
        let mut budget = self.budget.get();
        let found = Zone::find(tzid, &self.calendar.zones, self.dates.clone(), &mut budget);
        self.budget.set(budget);
        let zone = found.map_err(|why| {
            Problem::at(
                line,
                match why {
                    NoZone::Unknown => format!(
                        "unknown time zone \"{tzid}\": not an IANA or Windows name, and the calendar has no VTIMEZONE for it"
                    ),
                    NoZone::TooCostly => format!("the time zone \"{tzid}\" has rules too many to work out"),
                },
            )
        })?;
        self.zones
            .borrow_mut()
            .insert(tzid.to_string(), zone.clone());
        Ok(zone)
    }

    fn key(start: &Start) -> Key {
        match start {
            Start::Date(d) => Key::Date(*d),
            Start::Time(t, zone) => Key::Instant(zone.resolve(*t)),
        }
    }

    fn key_of(&self, when: &When) -> Result<Key, Problem> {
        Ok(Self::key(&self.start(when)?))
    }

    /// An event that does not repeat (or one moved instance).
    fn single(&self, event: &Event) -> Result<Option<Occurrence>, Problem> {
        let start = self.start(event.start.as_ref().expect("checked when read"))?;
        let length = self.length(event, &start)?;
        Ok(occurrence(&start, &length))
    }

    /// Every instance of a series, less its EXDATEs and the instances `replaced` moved.
    fn series(&self, event: &Event, replaced: &HashSet<Key>) -> Result<Vec<Occurrence>, Problem> {
        let start = self.start(event.start.as_ref().expect("checked when read"))?;
        let length = self.length(event, &start)?;
        let mut starts = match &event.rule {
            None => vec![start.clone()],
            Some((rule, line)) => {
                let (first_date, time) = match &start {
                    Start::Date(d) => (*d, None),
                    Start::Time(t, zone) => (t.date(), Some((t.time(), zone))),
                };
                // An instance that began before the dates read may still reach into them.
                let reach = match length {
                    Length::Days(n) => n,
                    Length::Timed { wall, exact } => (wall + exact).num_days(),
                };
                let from = self
                    .dates
                    .start()
                    .checked_sub_days(Days::new(reach.clamp(0, 3660).unsigned_abs() + 1))
                    .unwrap_or(*self.dates.start());
                let last = rule
                    .until
                    .map_or(*self.dates.end(), |u| u.last_date().min(*self.dates.end()));
                let mut budget = self.budget.get();
                let dates = rule.dates(first_date, from, last, &mut budget);
                self.budget.set(budget);
                let dates = dates.ok_or_else(|| {
                    Problem::at(
                        *line,
                        "this calendar's repeating events are too many to work out",
                    )
                })?;
                let within_until = |s: &Start| match (rule.until, s) {
                    (None, _) => true,
                    (Some(Until::Date(d)), Start::Date(date)) => *date <= d,
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
                    .filter(within_until)
                    .collect()
            }
        };
        for rdate in &event.rdates {
            starts.push(self.start(rdate)?);
        }
        let mut removed = HashSet::new();
        for exdate in &event.exdates {
            removed.insert(self.key_of(exdate)?);
        }
        let mut seen = HashSet::new();
        Ok(starts
            .iter()
            .filter(|s| {
                let key = Self::key(s);
                !removed.contains(&key) && !replaced.contains(&key) && seen.insert(key)
            })
            .filter_map(|s| occurrence(s, &length))
            .collect())
    }

    fn length(&self, event: &Event, start: &Start) -> Result<Length, Problem> {
        Ok(match (start, &event.end, event.duration) {
            // An all-day event ending the day it starts is that day (RFC 5545 wants the day
            // after; some exports do not).
            (Start::Date(first), Some(When::Date(end)), _) => {
                Length::Days((*end - *first).num_days().max(1))
            }
            (Start::Date(_), _, Some(d)) => Length::Days(d.days),
            (Start::Date(_), _, None) => Length::Days(1),
            (Start::Time(t, _), Some(end), _) => match (end, event.start.as_ref()) {
                // The wall-clock length: a Friday 17:00 to Monday 09:00 rota ends at 09:00 on
                // the Monday after a clock change too, as the people who wrote it and the
                // calendars that show it read it.
                (When::Zoned(e, a, _), Some(When::Zoned(_, b, _))) if a == b => Length::Timed {
                    wall: *e - *t,
                    exact: TimeDelta::zero(),
                },
                (When::Floating(e), Some(When::Floating(_)))
                | (When::Utc(e), Some(When::Utc(_))) => Length::Timed {
                    wall: *e - *t,
                    exact: TimeDelta::zero(),
                },
                _ => {
                    let begin = self.key_of(event.start.as_ref().expect("checked when read"))?;
                    let end = self.key_of(end)?;
                    let exact = match (begin, end) {
                        (Key::Instant(a), Key::Instant(b)) => b - a,
                        _ => TimeDelta::zero(),
                    };
                    Length::Timed {
                        wall: TimeDelta::zero(),
                        exact,
                    }
                }
            },
            (Start::Time(..), None, Some(d)) => Length::Timed {
                wall: TimeDelta::days(d.days),
                exact: d.exact,
            },
            (Start::Time(..), None, None) => Length::Timed {
                wall: TimeDelta::zero(),
                exact: TimeDelta::zero(),
            },
        })
    }
}

/// One occurrence from its start; `None` for one of no length (or beyond chrono's dates).
fn occurrence(start: &Start, length: &Length) -> Option<Occurrence> {
    match (start, length) {
        (Start::Date(d), Length::Days(n)) if *n >= 1 => Some(Occurrence::Days(
            *d,
            d.checked_add_days(Days::new(n.unsigned_abs() - 1))?,
        )),
        (Start::Time(t, zone), Length::Timed { wall, exact }) => {
            let begin = zone.resolve(*t);
            let end = zone
                .resolve(t.checked_add_signed(*wall)?)
                .checked_add_signed(*exact)?;
            (end > begin).then(|| Occurrence::Times(Span::new(begin, end)))
        }
        _ => None,
    }
}
