//! An iCalendar file read into its events and time zones (RFC 5545): VEVENTs with their
//! times, recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID) and the words a filter looks at;
//! VTIMEZONEs kept for TZIDs no zone database knows. Alarms, to-dos and the rest are skipped.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};

use super::Problem;
use super::lines::{Property, properties, shorten, text_list, unescape};
use super::recur::Rule;
use super::zones::{Observance, Observances};

/// More events than this is not a rota or a leave calendar (a 200-event year is 200).
pub const MAX_EVENTS: usize = 50_000;

/// A DATE or DATE-TIME value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    /// With no zone: read in the worker's zone.
    Floating(NaiveDateTime),
    /// In the zone a TZID names, with the line that named it.
    Zoned(NaiveDateTime, String, usize),
}

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub line: usize,
    pub uid: String,
    pub summary: String,
    pub categories: Vec<String>,
    pub cancelled: bool,
    pub start: Option<When>,
    pub end: Option<When>,
    pub duration: Option<Duration>,
    pub rule: Option<(Rule, usize)>,
    pub rdates: Vec<When>,
    pub exdates: Vec<When>,
    pub recurrence_id: Option<When>,
}

#[derive(Debug, Default)]
pub struct Calendar {
    pub events: Vec<Event>,
    /// TZID and rules of each VTIMEZONE.
    pub zones: Vec<(String, Observances)>,
}

/// Reads a whole calendar. The first problem found ends the reading: a calendar read in
/// part could drop a rota's nights without a word.
pub fn parse(text: &str) -> Result<Calendar, Problem> {
    let mut reader = Reader::default();
    for property in properties(text) {
        let p = property?;
        match p.name.as_str() {
            "BEGIN" => reader.begin(&p)?,
            "END" => reader.end(&p)?,
            _ => reader.property(&p)?,
        }
    }
    if let Some((open, line)) = reader.stack.pop() {
        return Err(Problem::at(line, format!("BEGIN:{open} is never ended")));
    }
    if !reader.seen_calendar {
        return Err(Problem::whole("not an iCalendar file: no BEGIN:VCALENDAR"));
    }
    Ok(reader.calendar)
}

/// Where the reading is: the components open, and the one being filled in.
#[derive(Default)]
struct Reader {
    calendar: Calendar,
    /// Open components, outermost first, with the line each began on.
    stack: Vec<(String, usize)>,
    event: Option<Event>,
    zone: Option<(String, Observances)>,
    observance: Option<RawObservance>,
    seen_calendar: bool,
}

impl Reader {
    fn inside(&self) -> Option<&str> {
        self.stack.last().map(|(n, _)| n.as_str())
    }

    fn begin(&mut self, p: &Property) -> Result<(), Problem> {
        let name = p.value.to_ascii_uppercase();
        match (self.inside(), name.as_str()) {
            (None, "VCALENDAR") => self.seen_calendar = true,
            (None, _) => {
                return Err(Problem::at(
                    p.line,
                    format!("BEGIN:{} outside BEGIN:VCALENDAR", p.value),
                ));
            }
            (Some("VCALENDAR"), "VEVENT") => {
                if self.calendar.events.len() >= MAX_EVENTS {
                    return Err(Problem::at(
                        p.line,
                        format!("more than {MAX_EVENTS} events: not a rota or leave calendar"),
                    ));
                }
                self.event = Some(Event {
                    line: p.line,
                    ..Event::default()
                });
            }
            (Some("VCALENDAR"), "VTIMEZONE") => {
                self.zone = Some((String::new(), Observances::default()));
            }
            (Some("VTIMEZONE"), "STANDARD" | "DAYLIGHT") => {
                self.observance = Some(RawObservance {
                    line: p.line,
                    ..RawObservance::default()
                });
            }
            _ => {}
        }
        if self.stack.len() >= 16 {
            return Err(Problem::at(p.line, "components nested more than 16 deep"));
        }
        self.stack.push((name, p.line));
        Ok(())
    }

    fn end(&mut self, p: &Property) -> Result<(), Problem> {
        let name = p.value.to_ascii_uppercase();
        let Some((open, open_line)) = self.stack.pop() else {
            return Err(Problem::at(
                p.line,
                format!("END:{} with nothing open", p.value),
            ));
        };
        if open != name {
            // Ending an outer component: the inner one was never ended.
            return Err(if self.stack.iter().any(|(n, _)| *n == name) {
                Problem::at(
                    open_line,
                    format!(
                        "BEGIN:{open} is never ended (END:{name} comes first, on line {})",
                        p.line
                    ),
                )
            } else {
                Problem::at(
                    p.line,
                    format!("END:{} where END:{open} was expected", p.value),
                )
            });
        }
        match name.as_str() {
            "VEVENT" if self.stack.len() == 1 => {
                if let Some(e) = self.event.take() {
                    self.calendar.events.push(finish_event(e)?);
                }
            }
            "VTIMEZONE" => self.calendar.zones.extend(self.zone.take()),
            "STANDARD" | "DAYLIGHT" => {
                if let (Some(o), Some((_, rules))) = (self.observance.take(), self.zone.as_mut()) {
                    if rules.0.len() >= MAX_OBSERVANCES {
                        return Err(Problem::at(
                            p.line,
                            format!("a time zone with more than {MAX_OBSERVANCES} rules"),
                        ));
                    }
                    rules.0.push(o.finish()?);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn property(&mut self, p: &Property) -> Result<(), Problem> {
        match self.inside() {
            Some("VEVENT") => {
                if let Some(e) = self.event.as_mut() {
                    event_property(e, p)?;
                }
            }
            Some("VTIMEZONE") if p.name == "TZID" => {
                if let Some((id, _)) = self.zone.as_mut() {
                    id.clone_from(&p.value);
                }
            }
            Some("STANDARD" | "DAYLIGHT") => {
                if let Some(o) = self.observance.as_mut() {
                    o.property(p)?;
                }
            }
            None => {
                return Err(Problem::at(
                    p.line,
                    format!("\"{}\" outside BEGIN:VCALENDAR", shorten(&p.name)),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn finish_event(e: Event) -> Result<Event, Problem> {
    let Some(start) = &e.start else {
        return Err(Problem::at(e.line, "an event with no DTSTART"));
    };
    let is_date = matches!(start, When::Date(_));
    if let Some(end) = &e.end
        && matches!(end, When::Date(_)) != is_date
    {
        return Err(Problem::at(
            e.line,
            "an event whose DTSTART and DTEND are not both dates or both date-times",
        ));
    }
    Ok(e)
}

fn event_property(e: &mut Event, p: &Property) -> Result<(), Problem> {
    match p.name.as_str() {
        "UID" => e.uid.clone_from(&p.value),
        "SUMMARY" => e.summary = unescape(&p.value),
        "CATEGORIES" => e.categories.extend(text_list(&p.value)),
        "STATUS" => e.cancelled = p.value.eq_ignore_ascii_case("CANCELLED"),
        "DTSTART" => e.start = Some(when(p, &p.value)?),
        "DTEND" => e.end = Some(when(p, &p.value)?),
        "DURATION" => {
            e.duration = Some(duration(&p.value).ok_or_else(|| {
                Problem::at(
                    p.line,
                    format!("DURATION \"{}\" is not a duration", shorten(&p.value)),
                )
            })?)
        }
        "RRULE" => {
            if e.rule.is_some() {
                return Err(Problem::at(p.line, "an event with two RRULEs"));
            }
            e.rule = Some((
                Rule::parse(&p.value).map_err(|m| Problem::at(p.line, m))?,
                p.line,
            ));
        }
        "RDATE"
            if p.param("VALUE")
                .is_some_and(|v| v.eq_ignore_ascii_case("PERIOD")) =>
        {
            return Err(Problem::at(p.line, "RDATE;VALUE=PERIOD is not supported"));
        }
        "RECURRENCE-ID" if p.param("RANGE").is_some() => {
            return Err(Problem::at(
                p.line,
                "RECURRENCE-ID;RANGE=THISANDFUTURE is not supported",
            ));
        }
        "RDATE" => {
            for value in p.value.split(',') {
                e.rdates.push(when(p, value)?);
            }
        }
        "EXDATE" => {
            for value in p.value.split(',') {
                e.exdates.push(when(p, value)?);
            }
        }
        "RECURRENCE-ID" => e.recurrence_id = Some(when(p, &p.value)?),
        _ => {}
    }
    Ok(())
}

/// A DATE or DATE-TIME value of `p` (one item of a list for RDATE and EXDATE).
fn when(p: &Property, value: &str) -> Result<When, Problem> {
    let bad = || {
        Problem::at(
            p.line,
            format!(
                "{} \"{}\" is not a date or date-time",
                p.name,
                shorten(value)
            ),
        )
    };
    let is_date = p
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || value.len() == 8;
    if is_date {
        return date(value).map(When::Date).ok_or_else(bad);
    }
    let (local, utc) = match value.strip_suffix('Z') {
        Some(v) => (v, true),
        None => (value, false),
    };
    let t = date_time(local).ok_or_else(bad)?;
    Ok(match (utc, p.param("TZID")) {
        (true, _) => When::Utc(t),
        (false, Some(tzid)) if tzid.len() > MAX_TZID => {
            return Err(Problem::at(
                p.line,
                format!("a TZID longer than {MAX_TZID} characters"),
            ));
        }
        (false, Some(tzid)) => When::Zoned(t, tzid.to_string(), p.line),
        (false, None) => When::Floating(t),
    })
}

/// A VTIMEZONE has two rules a year at most; Outlook writes two, Google a handful.
const MAX_OBSERVANCES: usize = 32;

/// The longest TZID read: IANA names are under 40, Outlook's under 60.
const MAX_TZID: usize = 128;

/// `YYYYMMDD`, digits only: chrono alone would also take a sign and any number of digits
/// for the year, reaching dates no arithmetic here is safe with.
pub fn date(text: &str) -> Option<NaiveDate> {
    (text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(text, "%Y%m%d").ok())
        .flatten()
}

/// `YYYYMMDDTHHMMSS`, digits only (see [`date`]).
pub fn date_time(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 15
        && bytes[8] == b'T'
        && bytes[..8].iter().chain(&bytes[9..]).all(u8::is_ascii_digit);
    shaped
        .then(|| NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok())
        .flatten()
}

/// An RFC 5545 DURATION: days (and weeks) are nominal, kept apart from the exact hours,
/// minutes and seconds, so `P1DT2H` from 22:00 before a clock change ends at 00:00 the
/// night after next plus two real hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Duration {
    pub days: i64,
    pub exact: TimeDelta,
}

/// The longest event read: a leave or rota entry over ten years is a mistake.
const MAX_DAYS: i64 = 3660;

/// `P1D`, `PT8H30M`, `P2W`, `-PT15M`, `P1DT12H`: each unit at most once, in that order.
pub fn duration(text: &str) -> Option<Duration> {
    let (sign, rest): (i32, &str) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let rest = rest.strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut out = Duration::default();
    let mut any = false;
    let mut units = |part: &str, allowed: &[u8]| -> Option<Vec<(u8, i64)>> {
        let mut found = Vec::new();
        let mut rest = part;
        let mut next_allowed = 0;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit())?;
            let n: i64 = rest[..digits].parse().ok().filter(|n| *n <= 100_000)?;
            let unit = *rest.as_bytes().get(digits)?;
            let at = allowed[next_allowed..].iter().position(|u| *u == unit)? + next_allowed;
            next_allowed = at + 1;
            found.push((unit, n));
            any = true;
            rest = &rest[digits + 1..];
        }
        Some(found)
    };
    for (unit, n) in units(date_part, b"WD")? {
        out.days += if unit == b'W' { n * 7 } else { n };
    }
    if let Some(time) = time_part {
        for (unit, n) in units(time, b"HMS")? {
            out.exact += match unit {
                b'H' => TimeDelta::hours(n),
                b'M' => TimeDelta::minutes(n),
                _ => TimeDelta::seconds(n),
            };
        }
    }
    let total_days = out.days + out.exact.num_days();
    (any && total_days <= MAX_DAYS).then_some(Duration {
        days: out.days * i64::from(sign),
        exact: out.exact * sign,
    })
}

#[derive(Debug, Default)]
struct RawObservance {
    line: usize,
    start: Option<NaiveDateTime>,
    from: Option<FixedOffset>,
    to: Option<FixedOffset>,
    rule: Option<Rule>,
    extra: Vec<NaiveDateTime>,
}

impl RawObservance {
    fn property(&mut self, p: &Property) -> Result<(), Problem> {
        let local = |v: &str| {
            date_time(v).ok_or_else(|| {
                Problem::at(
                    p.line,
                    format!("{} \"{}\" is not a local date-time", p.name, shorten(v)),
                )
            })
        };
        match p.name.as_str() {
            "DTSTART" => self.start = Some(local(&p.value)?),
            "TZOFFSETFROM" => self.from = Some(offset(p)?),
            "TZOFFSETTO" => self.to = Some(offset(p)?),
            "RRULE" => self.rule = Some(Rule::parse(&p.value).map_err(|m| Problem::at(p.line, m))?),
            "RDATE" => {
                for v in p.value.split(',') {
                    self.extra.push(local(v)?);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Observance, Problem> {
        let missing =
            |what: &str| Problem::at(self.line, format!("a time zone rule with no {what}"));
        Ok(Observance {
            start: self.start.ok_or_else(|| missing("DTSTART"))?,
            from: self.from.ok_or_else(|| missing("TZOFFSETFROM"))?,
            to: self.to.ok_or_else(|| missing("TZOFFSETTO"))?,
            rule: self.rule,
            extra: self.extra,
        })
    }
}

/// `+0100`, `-0500`, `+013000`.
fn offset(p: &Property) -> Result<FixedOffset, Problem> {
    let v = p.value.trim();
    let bad = || {
        Problem::at(
            p.line,
            format!("{} \"{}\" is not a UTC offset", p.name, shorten(v)),
        )
    };
    let sign = match v.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let digits = &v[1..];
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| digits.get(r).map_or(0, |s| s.parse::<i32>().unwrap_or(0));
    let seconds = n(0..2) * 3600 + n(2..4) * 60 + n(4..6);
    FixedOffset::east_opt(sign * seconds).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
    }

    #[test]
    fn events_with_their_times_rules_and_words() {
        let text = wrap(
            "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:On call\\, EDT\r\nCATEGORIES:Rota,EDT\r\n\
             DTSTART;TZID=Europe/London:20270108T170000\r\nDTEND;TZID=Europe/London:20270111T090000\r\n\
             RRULE:FREQ=WEEKLY;BYDAY=FR\r\nEXDATE;TZID=Europe/London:20270212T170000,20270219T170000\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nSUMMARY:not the event's\r\nEND:VALARM\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20261224\r\nDURATION:P2D\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n",
        );
        let calendar = parse(&text).unwrap();
        let [a, b] = &calendar.events[..] else {
            panic!("{:?}", calendar.events)
        };
        assert_eq!(a.summary, "On call, EDT");
        assert_eq!(a.categories, ["Rota", "EDT"]);
        assert_eq!(a.exdates.len(), 2);
        assert!(matches!(&a.start, Some(When::Zoned(_, tz, 7)) if tz == "Europe/London"));
        assert_eq!(
            b.duration,
            Some(Duration {
                days: 2,
                exact: TimeDelta::zero()
            })
        );
        assert!(b.cancelled);
        assert!(matches!(b.start, Some(When::Date(_))));
    }

    #[test]
    fn durations_keep_days_apart_from_exact_time() {
        let d = |days, minutes| {
            Some(Duration {
                days,
                exact: TimeDelta::minutes(minutes),
            })
        };
        assert_eq!(duration("PT8H30M"), d(0, 510));
        assert_eq!(duration("P1W"), d(7, 0));
        assert_eq!(duration("-PT15M"), d(0, -15));
        assert_eq!(duration("P1DT12H"), d(1, 720));
        for bad in [
            "",
            "P",
            "1D",
            "PT1D",
            "P1H",
            "P99999999999D",
            "PT",
            "P1D1D",
            "PT1M1H",
            "P10000D",
        ] {
            assert_eq!(duration(bad), None, "{bad}");
        }
        let many_weeks = format!("P{}", "100000W".repeat(140));
        assert_eq!(duration(&many_weeks), None, "a unit once only");
    }

    #[test]
    fn dates_are_eight_digits_and_no_more() {
        assert!(date("20270101").is_some());
        assert!(date_time("20270101T090000").is_some());
        for bad in [
            "+2027010",
            "-262143 0101T000000",
            "2027-01-01",
            "２０２７0101",
        ] {
            assert!(date(bad).is_none() && date_time(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn malformed_calendars_name_the_line() {
        for (text, line, expected) in [
            (
                wrap("BEGIN:VEVENT\r\nDTSTART:20271345T090000\r\nEND:VEVENT\r\n"),
                Some(4),
                "not a date or date-time",
            ),
            (
                wrap("BEGIN:VEVENT\r\nDTSTART:20270101T090000\r\n"),
                Some(3),
                "BEGIN:VEVENT is never ended",
            ),
            (
                wrap("BEGIN:VEVENT\r\nEND:VEVENT\r\n"),
                Some(3),
                "no DTSTART",
            ),
            (
                wrap(
                    "BEGIN:VEVENT\r\nDTSTART:20270101T090000\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n",
                ),
                Some(5),
                "SECONDLY",
            ),
            (
                wrap("END:VEVENT\r\n"),
                Some(3),
                "where END:VCALENDAR was expected",
            ),
            (
                "SUMMARY:hello\r\n".into(),
                Some(1),
                "outside BEGIN:VCALENDAR",
            ),
            ("".into(), None, "no BEGIN:VCALENDAR"),
        ] {
            let problem = parse(&text).unwrap_err();
            assert_eq!(problem.line, line, "{text:?}: {problem}");
            assert!(problem.message.contains(expected), "{text:?}: {problem}");
        }
    }

    #[test]
    fn too_many_events_are_refused_at_the_first_one_over() {
        let one = "BEGIN:VEVENT\r\nDTSTART:20270101T090000Z\r\nEND:VEVENT\r\n";
        let text = wrap(&one.repeat(MAX_EVENTS + 1));
        let problem = parse(&text).unwrap_err();
        assert!(
            problem.message.contains("more than 50000 events"),
            "{problem}"
        );
        assert_eq!(problem.line, Some(3 + 3 * MAX_EVENTS));
    }
}
