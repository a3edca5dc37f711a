//! Weekly working hours: any number of wall-clock ranges per weekday. A range whose end is
//! not after its start crosses midnight into the next day.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use super::civil::{earliest_instant_for, latest_instant_for, local_date, resolve_local};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// A wall-clock time of day at minute resolution; 24:00 is allowed only as a range's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Parses `HH:MM`, 00:00 to 24:00.
    fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        let minutes = h * 60 + m;
        (m < 60 && minutes <= MINUTES_PER_DAY).then_some(Self(minutes))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One working range on a day, e.g. `09:00-17:00` or `22:00-06:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyRange {
    start: TimeOfDay,
    end: TimeOfDay,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError(pub String);

impl DailyRange {
    /// Parses `HH:MM-HH:MM`.
    pub fn parse(s: &str) -> Result<Self, RangeError> {
        let expected = || {
            RangeError(format!(
                "bad time range \"{s}\": expected \"HH:MM-HH:MM\" with times from 00:00 to 24:00, e.g. \"09:00-17:00\" or \"22:00-06:00\""
            ))
        };
        let (start, end) = s.split_once('-').ok_or_else(expected)?;
        let start = TimeOfDay::parse(start.trim()).ok_or_else(expected)?;
        let end = TimeOfDay::parse(end.trim()).ok_or_else(expected)?;
        if start.0 == MINUTES_PER_DAY {
            return Err(RangeError(format!(
                "bad time range \"{s}\": a range cannot start at 24:00; write 00:00 on the next day"
            )));
        }
        Ok(Self { start, end })
    }

    /// Minutes from the start of its day to its end (more than a day's worth when it crosses
    /// midnight). Length is at most 24 hours.
    fn end_offset_minutes(self) -> u16 {
        if self.end > self.start {
            self.end.0
        } else {
            self.end.0 + MINUTES_PER_DAY
        }
    }

    /// The instants the range covers on local `date` (into the next day if it crosses
    /// midnight), read per RFC 5545 at DST changes.
    pub fn instants_on(self, tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = u32::from(self.start.0);
        let run = Run {
            start,
            minutes: u32::from(self.end_offset_minutes()) - start,
        };
        run.instants_on(tz, date)
    }
}

impl fmt::Display for DailyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// The days of the week as the config names them, Monday first.
pub const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// The weekly pattern: the ranges as configured, and the same time merged into runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<DailyRange>; 7],
    /// Touching and overlapping ranges merged on the week's circle, by the weekday each run
    /// starts on. Merging means a boundary is always a change of working/not working, so a
    /// walk over boundaries never steps through ones where nothing happens.
    runs: [Vec<Run>; 7],
    /// The runs cover the whole week: working around the clock, no boundaries at all.
    always: bool,
    /// How many days before an instant's local date a run covering it can have started.
    reach_days: i64,
}

/// Working time starting at `start` minutes into its day, `minutes` long (may exceed a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u32,
    minutes: u32,
}

impl Run {
    /// The instants the run covers when it starts on `date`. Empty or inverted when it starts
    /// in a DST gap and ends soon after (both ends are read per RFC 5545).
    fn instants_on(self, tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(self.start));
        let end = start + TimeDelta::minutes(i64::from(self.minutes));
        (resolve_local(tz, start), resolve_local(tz, end))
    }
}

/// Two ranges of the week that cover the same minute (indices into each day's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub first: (Weekday, usize),
    pub second: (Weekday, usize),
}

const WEEK_MINUTES: u32 = 7 * MINUTES_PER_DAY as u32;

/// Searching for the next boundary looks this many days past the runs' reach; any pattern
/// that is neither empty nor always-on has a boundary within two weeks.
const SEARCH_DAYS: i64 = 16;

impl WeeklyHours {
    pub fn new(days: [Vec<DailyRange>; 7]) -> Self {
        // Each range as minutes of the week, [start, end); Sunday night may pass the week's end.
        let mut spans: Vec<(u32, u32)> = days
            .iter()
            .enumerate()
            .flat_map(|(d, ranges)| {
                let day_start = d as u32 * u32::from(MINUTES_PER_DAY);
                ranges.iter().map(move |r| {
                    (
                        day_start + u32::from(r.start.0),
                        day_start + u32::from(r.end_offset_minutes()),
                    )
                })
            })
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        // The last run may reach round the circle past the week's end into the first runs.
        if let Some(&(_, mut end)) = merged.last() {
            let mut absorbed = 0;
            while absorbed + 1 < merged.len() && merged[absorbed].0 + WEEK_MINUTES <= end {
                end = end.max(merged[absorbed].1 + WEEK_MINUTES);
                absorbed += 1;
            }
            merged.drain(..absorbed);
            if let Some(last) = merged.last_mut() {
                last.1 = end;
            }
        }
        let always = merged
            .iter()
            .any(|(start, end)| end - start >= WEEK_MINUTES);
        let mut runs: [Vec<Run>; 7] = Default::default();
        let mut reach_days = 0;
        let day = u32::from(MINUTES_PER_DAY);
        for (start, end) in merged {
            let run = Run {
                start: start % day,
                minutes: end - start,
            };
            // A day's slack: DST can push an end a little past the local days it spans.
            reach_days = reach_days.max(i64::from((run.start + run.minutes) / day) + 1);
            runs[(start / day) as usize % 7].push(run);
        }
        Self {
            days,
            runs,
            always,
            reach_days,
        }
    }

    pub fn on(&self, day: Weekday) -> &[DailyRange] {
        &self.days[day.num_days_from_monday() as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    /// Pairs of ranges that overlap, including a night range spilling into the next day
    /// (Sunday spills into Monday). Adjacent ranges (`..-06:00`, `06:00-..`) do not overlap.
    pub fn overlaps(&self) -> Vec<Overlap> {
        const WEEK: i32 = WEEK_MINUTES as i32;
        let mut spans: Vec<(i32, i32, Weekday, usize)> = Vec::new();
        for (d, ranges) in self.days.iter().enumerate() {
            let day_start = d as i32 * i32::from(MINUTES_PER_DAY);
            for (i, r) in ranges.iter().enumerate() {
                let start = day_start + i32::from(r.start.0);
                let end = day_start + i32::from(r.end_offset_minutes());
                spans.push((start, end, weekday(d), i));
            }
        }
        let mut found = Vec::new();
        for (a, &(s1, e1, d1, i1)) in spans.iter().enumerate() {
            for &(s2, e2, d2, i2) in &spans[a + 1..] {
                // Minutes of the week form a circle: Sunday night runs into Monday morning.
                let hit = |shift: i32| s1 < e2 + shift && s2 + shift < e1;
                if [-WEEK, 0, WEEK].into_iter().any(hit) {
                    found.push(Overlap {
                        first: (d1, i1),
                        second: (d2, i2),
                    });
                }
            }
        }
        found
    }

    /// The runs that start on `date`, as instants, skipping any that DST leaves empty.
    fn runs_on(
        &self,
        tz: Tz,
        date: NaiveDate,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.runs[date.weekday().num_days_from_monday() as usize]
            .iter()
            .map(move |run| run.instants_on(tz, date))
            .filter(|(start, end)| start < end)
    }

    /// Whether `t` falls in working time.
    pub fn contains(&self, tz: Tz, t: DateTime<Utc>) -> bool {
        if self.always {
            return true;
        }
        let today = local_date(tz, t);
        (0..=self.reach_days).any(|back| {
            self.runs_on(tz, today - TimeDelta::days(back))
                .any(|(start, end)| start <= t && t < end)
        })
    }

    /// The earliest start or end of working time strictly after `t`.
    pub fn next_boundary_after(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.always {
            return None;
        }
        let first_day = local_date(tz, t) - TimeDelta::days(self.reach_days);
        let mut best: Option<DateTime<Utc>> = None;
        for offset in 0..SEARCH_DAYS + self.reach_days {
            let date = first_day + TimeDelta::days(offset);
            // Runs starting on `date` or later begin no earlier than this.
            if best.is_some_and(|b| earliest_instant_for(date.and_time(NaiveTime::MIN)) > b) {
                break;
            }
            for (start, end) in self.runs_on(tz, date) {
                for b in [start, end] {
                    if b > t && best.is_none_or(|best| b < best) {
                        best = Some(b);
                    }
                }
            }
        }
        best
    }

    /// The latest start or end of working time at or before `t`.
    pub fn prev_boundary_at_or_before(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.always {
            return None;
        }
        let last_day = local_date(tz, t) + TimeDelta::days(1);
        let mut best: Option<DateTime<Utc>> = None;
        for offset in 0..SEARCH_DAYS + self.reach_days {
            let date = last_day - TimeDelta::days(offset);
            // Runs starting on `date` or earlier end no later than this.
            let latest = latest_instant_for(
                (date + TimeDelta::days(self.reach_days + 1)).and_time(NaiveTime::MIN),
            );
            if best.is_some_and(|b| latest < b) {
                break;
            }
            for (start, end) in self.runs_on(tz, date) {
                for b in [start, end] {
                    if b <= t && best.is_none_or(|best| b > best) {
                        best = Some(b);
                    }
                }
            }
        }
        best
    }
}

fn weekday(index: usize) -> Weekday {
    Weekday::try_from(index as u8).unwrap_or(Weekday::Mon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> DailyRange {
        DailyRange::parse(s).unwrap()
    }

    #[test]
    fn parses_ranges_and_rejects_bad_times() {
        assert_eq!(range("09:00-17:00").to_string(), "09:00-17:00");
        assert_eq!(range("22:00-06:00").end_offset_minutes(), 30 * 60);
        assert_eq!(range("09:00-24:00").end_offset_minutes(), 24 * 60);
        assert_eq!(range("00:00-00:00").end_offset_minutes(), 24 * 60);
        for bad in [
            "25:00-26:00",
            "9-17",
            "09:00",
            "9:00-17:00",
            "09:60-10:00",
            "24:00-01:00",
            "",
            "09:00-17:00-18:00",
            "+9:00-17:00",
        ] {
            assert!(DailyRange::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn finds_overlaps_within_a_day_and_across_midnight() {
        let mut days: [Vec<DailyRange>; 7] = Default::default();
        days[0] = vec![range("09:00-12:30"), range("12:30-17:30")];
        assert!(
            WeeklyHours::new(days.clone()).overlaps().is_empty(),
            "adjacent is fine"
        );

        days[0] = vec![range("09:00-13:00"), range("12:30-17:30")];
        assert_eq!(WeeklyHours::new(days.clone()).overlaps().len(), 1);

        days[0] = vec![range("05:00-09:00")];
        days[6] = vec![range("22:00-06:00")]; // Sunday night runs into Monday
        let overlaps = WeeklyHours::new(days.clone()).overlaps();
        assert_eq!(overlaps.len(), 1);
        assert_eq!(overlaps[0].first, (Weekday::Mon, 0));
        assert_eq!(overlaps[0].second, (Weekday::Sun, 0));

        days[0] = vec![range("06:00-09:00")];
        assert!(WeeklyHours::new(days).overlaps().is_empty());
    }

    #[test]
    fn a_range_on_a_date_gives_its_instants_even_across_midnight_and_dst() {
        let london: Tz = "Europe/London".parse().unwrap();
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            range("18:00-19:30").instants_on(london, day("2026-11-23")),
            (utc("2026-11-23T18:00:00Z"), utc("2026-11-23T19:30:00Z"))
        );
        // The night the clocks go back: 8 hours on the wall, 9 elapsed.
        assert_eq!(
            range("22:00-06:00").instants_on(london, day("2026-10-24")),
            (utc("2026-10-24T21:00:00Z"), utc("2026-10-25T06:00:00Z"))
        );
    }
}
