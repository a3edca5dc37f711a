//! A local day's figures. Each stretch of work is cut at local midnight and at 06:00 and
//! 20:00, so every piece lies in one day and is either "late" (20:00 to 06:00) or not.
//! Cuts are local wall-clock times resolved as the schedule resolves them (RFC 5545), so a
//! 25-hour day in October has 25 hours.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Source, Work};
use crate::activity::Class;
use crate::civil::{local_date, midnight, resolve_local};

/// Late work: from this hour in the evening...
pub const LATE_FROM: u32 = 20;
/// ...to this hour the next morning.
pub const LATE_UNTIL: u32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Minutes {
    /// Measured, inside contracted hours.
    pub in_hours: i64,
    /// Measured, outside them: off, leave, holidays and overrides.
    pub out_of_hours: i64,
    /// The part of `out_of_hours` the worker chose (overrides).
    pub chosen: i64,
    /// Measured while on call.
    pub on_call: i64,
    /// Logged by the worker, not measured.
    pub manual: i64,
    /// Any recorded work on a Saturday or Sunday.
    pub weekend: i64,
    /// Any recorded work from 20:00 to 06:00.
    pub late: i64,
}

impl Minutes {
    /// Everything worked, measured or logged.
    pub fn total(&self) -> i64 {
        self.in_hours + self.out_of_hours + self.on_call + self.manual
    }

    pub fn add(&mut self, other: &Minutes) {
        self.in_hours += other.in_hours;
        self.out_of_hours += other.out_of_hours;
        self.chosen += other.chosen;
        self.on_call += other.on_call;
        self.manual += other.manual;
        self.weekend += other.weekend;
        self.late += other.late;
    }
}

/// Seconds are summed per day and turned into minutes once, so rounding never adds up.
#[derive(Debug, Clone, Copy, Default)]
struct Seconds([i64; 7]);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub minutes: Minutes,
}

/// The figures for each local date from `first` to `last` inclusive.
pub fn days(tz: Tz, first: NaiveDate, last: NaiveDate, work: &[Work]) -> Vec<Day> {
    let count = (last - first).num_days() + 1;
    let mut seconds = vec![Seconds::default(); count.max(0) as usize];
    for w in work {
        for (date, piece, late) in pieces(tz, w.span.start, w.span.end) {
            let index = (date - first).num_days();
            let Some(slot) = usize::try_from(index).ok().and_then(|i| seconds.get_mut(i)) else {
                continue;
            };
            let s = piece.num_seconds();
            let fields = &mut slot.0;
            match w.source {
                Source::Measured(Class::Working) => fields[0] += s,
                Source::Measured(Class::OutOfHours) => fields[1] += s,
                Source::Measured(Class::Override) => {
                    fields[1] += s;
                    fields[2] += s;
                }
                Source::Measured(Class::OnCall) => fields[3] += s,
                Source::Manual => fields[4] += s,
            }
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                fields[5] += s;
            }
            if late {
                fields[6] += s;
            }
        }
    }
    seconds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let m = |k: usize| (s.0[k] + 30) / 60;
            Day {
                date: first + TimeDelta::days(i as i64),
                minutes: Minutes {
                    in_hours: m(0),
                    out_of_hours: m(1),
                    chosen: m(2),
                    on_call: m(3),
                    manual: m(4),
                    weekend: m(5),
                    late: m(6),
                },
            }
        })
        .collect()
}

/// One local hour of a day and the minutes worked in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hour {
    pub start: DateTime<Utc>,
    /// The local hour it starts at (0-23; one repeats, or one is missing, across DST).
    pub local_hour: u32,
    pub minutes: i64,
}

/// Minutes worked in each hour of the local `date`: 24 hours, or 23 or 25 on the days the
/// clocks change. `work` is sorted and disjoint ([`super::merged`]), so nothing counts twice.
pub fn hourly(tz: Tz, date: NaiveDate, work: &[crate::spans::Span]) -> Vec<Hour> {
    let (start, end) = (
        midnight(tz, date),
        midnight(tz, date.succ_opt().unwrap_or(date)),
    );
    let mut hours = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + TimeDelta::hours(1)).min(end);
        let seconds: i64 = work
            .iter()
            .filter(|w| w.start < next && w.end > at)
            .map(|w| (w.end.min(next) - w.start.max(at)).num_seconds())
            .sum();
        hours.push(Hour {
            start: at,
            local_hour: at.with_timezone(&tz).hour(),
            minutes: (seconds + 30) / 60,
        });
        at = next;
    }
    hours
}

/// `[start, end)` cut at local midnights, 06:00 and 20:00: (date, length, late).
fn pieces(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(NaiveDate, TimeDelta, bool)> {
    let mut out = Vec::new();
    let mut date = local_date(tz, start);
    let mut at = start;
    while at < end {
        let at_hour = |h: u32| {
            resolve_local(
                tz,
                date.and_time(NaiveTime::from_hms_opt(h, 0, 0).expect("an hour of the day")),
            )
        };
        let next_day = date.succ_opt().unwrap_or(date);
        let cuts = [
            (midnight(tz, date), true),
            (at_hour(LATE_UNTIL), false),
            (at_hour(LATE_FROM), true),
            (midnight(tz, next_day), true),
        ];
        // The part of the day from `at` on, window by window.
        for pair in cuts.windows(2) {
            let ((from, late), (to, _)) = (pair[0], pair[1]);
            let (a, b) = (from.max(at), to.min(end));
            if a < b {
                out.push((date, b - a, late));
                at = b;
            }
        }
        if next_day == date {
            break;
        }
        at = at.max(midnight(tz, next_day));
        date = next_day;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spans::Span;
    use crate::testing::utc;

    fn work(start: &str, end: &str, source: Source) -> Work {
        Work {
            span: Span::new(utc(start), utc(end)),
            source,
        }
    }

    const LONDON: Tz = chrono_tz::Europe::London;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_late_stretch_across_midnight_is_split_between_the_days_and_counted_late() {
        // Friday 27 November 2026 19:00 to Saturday 01:30 (London is UTC in winter).
        let w = [work(
            "2026-11-27T19:00:00Z",
            "2026-11-28T01:30:00Z",
            Source::Measured(Class::OutOfHours),
        )];
        let d = days(LONDON, date("2026-11-27"), date("2026-11-28"), &w);
        assert_eq!(d[0].minutes.out_of_hours, 300);
        assert_eq!(d[0].minutes.late, 240, "20:00 to midnight");
        assert_eq!(d[0].minutes.weekend, 0);
        assert_eq!(d[1].minutes.out_of_hours, 90);
        assert_eq!(d[1].minutes.late, 90);
        assert_eq!(d[1].minutes.weekend, 90, "Saturday");
    }

    #[test]
    fn classes_and_manual_entries_land_in_their_own_columns() {
        let w = [
            work(
                "2026-11-23T09:00:00Z",
                "2026-11-23T17:00:00Z",
                Source::Measured(Class::Working),
            ),
            work(
                "2026-11-23T17:00:00Z",
                "2026-11-23T17:45:00Z",
                Source::Measured(Class::Override),
            ),
            work(
                "2026-11-23T18:00:00Z",
                "2026-11-23T19:30:00Z",
                Source::Manual,
            ),
            work(
                "2026-11-23T21:00:00Z",
                "2026-11-23T21:20:00Z",
                Source::Measured(Class::OnCall),
            ),
        ];
        let d = days(LONDON, date("2026-11-23"), date("2026-11-23"), &w);
        let m = d[0].minutes;
        assert_eq!(
            (
                m.in_hours,
                m.out_of_hours,
                m.chosen,
                m.manual,
                m.on_call,
                m.late
            ),
            (480, 45, 45, 90, 20, 20)
        );
        assert_eq!(m.total(), 480 + 45 + 90 + 20);
    }

    #[test]
    fn the_day_the_clocks_go_back_has_25_hours_and_late_follows_the_wall_clock() {
        // Sunday 25 October 2026: 00:00 BST is 23:00 UTC on the 24th; midnight after is
        // 00:00 UTC on the 26th (GMT). Work all day long.
        let w = [work(
            "2026-10-24T23:00:00Z",
            "2026-10-26T00:00:00Z",
            Source::Measured(Class::OutOfHours),
        )];
        let d = days(LONDON, date("2026-10-25"), date("2026-10-25"), &w);
        assert_eq!(d[0].minutes.out_of_hours, 25 * 60);
        // 00:00-06:00 local is 7 hours that night (01:00-02:00 happens twice), plus 20-24.
        assert_eq!(d[0].minutes.late, 7 * 60 + 4 * 60);
        assert_eq!(d[0].minutes.weekend, 25 * 60);
    }

    #[test]
    fn hours_follow_the_wall_clock_and_the_day_the_clocks_go_back_has_25() {
        let work = [Span::new(
            utc("2026-10-25T00:30:00Z"),
            utc("2026-10-25T01:15:00Z"),
        )];
        let h = hourly(LONDON, date("2026-10-25"), &work);
        assert_eq!(h.len(), 25);
        // 00:30 UTC is 01:30 BST; 01:00 UTC is the second 01:00 (GMT).
        let locals: Vec<u32> = h.iter().take(4).map(|x| x.local_hour).collect();
        assert_eq!(locals, [0, 1, 1, 2]);
        let minutes: Vec<i64> = h.iter().take(4).map(|x| x.minutes).collect();
        assert_eq!(minutes, [0, 30, 15, 0]);
        assert_eq!(hourly(LONDON, date("2026-03-29"), &[]).len(), 23);
    }

    #[test]
    fn work_outside_the_days_asked_for_is_left_out() {
        let w = [work(
            "2026-11-22T23:00:00Z",
            "2026-11-23T01:00:00Z",
            Source::Measured(Class::OutOfHours),
        )];
        let d = days(LONDON, date("2026-11-23"), date("2026-11-23"), &w);
        assert_eq!(d[0].minutes.out_of_hours, 60);
    }
}
