//! Checks against the Working Time Regulations 1998, on recorded activity (measured time
//! plus the worker's own entries). They say what the record shows, not what the law
//! requires of a particular contract: opt-outs, collective agreements and compensatory rest
//! are outside what a laptop can know. Each finding names the dates it is about.
//!
//! - **Average weekly working time** over 17 weeks, against 48 hours (reg. 4).
//! - **Daily rest**: 11 consecutive hours in each 24 hours (reg. 10). Every 24 hours that
//!   begin when work begins are looked at; exactly 11 hours is enough.
//! - **Weekly rest**: 24 hours in each week, or else 48 hours in the fortnight (reg. 11).
//! - **Rest break**: 20 minutes when a working day is longer than 6 hours (reg. 12): a
//!   stretch of more than 6 hours' work with no gap of 20 minutes is a finding.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::duration::{hours_minutes, minutes_text};
use crate::spans::Span;

pub const DAILY_REST: TimeDelta = TimeDelta::hours(11);
pub const WEEKLY_REST: TimeDelta = TimeDelta::hours(24);
pub const FORTNIGHTLY_REST: TimeDelta = TimeDelta::hours(48);
pub const BREAK_AFTER: TimeDelta = TimeDelta::hours(6);
pub const BREAK: TimeDelta = TimeDelta::minutes(20);
pub const AVERAGE_LIMIT_MINUTES: i64 = 48 * 60;
pub const REFERENCE_WEEKS: usize = 17;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    AverageWeek,
    DailyRest,
    WeeklyRest,
    RestBreak,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    /// What the finding is about: the short rest, the week, the stretch without a break.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub text: String,
}

fn when(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

fn length(d: TimeDelta) -> String {
    hours_minutes(d.num_minutes().max(0) as u64)
}

/// The longest stretch of `window` with no work in it. `work` is sorted and disjoint.
pub fn longest_rest(work: &[Span], window: Span) -> Span {
    let mut best = Span::new(window.start, window.start);
    let mut cursor = window.start;
    for w in work
        .iter()
        .filter(|w| w.end > window.start && w.start < window.end)
    {
        let gap = Span::new(cursor, w.start.clamp(cursor, window.end));
        if gap.end - gap.start > best.end - best.start {
            best = gap;
        }
        cursor = cursor.max(w.end);
    }
    let last = Span::new(cursor.min(window.end), window.end);
    if last.end - last.start > best.end - best.start {
        best = last;
    }
    best
}

/// Daily rest, for the 24 hours from each start of work in `period`. `work` must reach a day
/// past the period, so the rest after its last work is seen whole.
pub fn daily_rest(tz: Tz, work: &[Span], period: Span) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for start in work.iter().map(|w| w.start).filter(|t| period.contains(*t)) {
        let window = Span::new(start, start + TimeDelta::hours(24));
        let rest = longest_rest(work, window);
        if rest.end - rest.start >= DAILY_REST {
            continue;
        }
        // Windows starting at each stretch of one long day find the same short rest.
        if findings
            .iter()
            .any(|f| (f.from, f.to) == (rest.start, rest.end))
        {
            continue;
        }
        let text = if rest.start == rest.end {
            format!(
                "no rest at all in the 24 hours from {}; the regulations ask for 11 hours in a row",
                when(tz, start)
            )
        } else {
            format!(
                "the longest rest in the 24 hours from {} was {} ({} to {}); the regulations ask for 11 hours in a row",
                when(tz, start),
                length(rest.end - rest.start),
                when(tz, rest.start),
                when(tz, rest.end)
            )
        };
        findings.push(Finding {
            rule: Rule::DailyRest,
            from: rest.start,
            to: rest.end,
            text,
        });
    }
    findings
}

/// Weekly rest for `week`: 24 hours in it, or else 48 hours in the fortnight it ends.
pub fn weekly_rest(tz: Tz, work: &[Span], week: Span) -> Option<Finding> {
    let rest = longest_rest(work, week);
    if rest.end - rest.start >= WEEKLY_REST {
        return None;
    }
    let fortnight = Span::new(week.start - TimeDelta::days(7), week.end);
    let long = longest_rest(work, fortnight);
    if long.end - long.start >= FORTNIGHTLY_REST {
        return None;
    }
    Some(Finding {
        rule: Rule::WeeklyRest,
        from: week.start,
        to: week.end,
        text: format!(
            "no 24 hours of rest in the week from {} (the longest was {}), nor 48 hours in the fortnight to its end (the longest was {})",
            when(tz, week.start),
            length(rest.end - rest.start),
            length(long.end - long.start)
        ),
    })
}

/// Stretches starting in `period` with more than 6 hours' work and no 20-minute gap.
pub fn rest_breaks(tz: Tz, work: &[Span], period: Span) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut i = 0;
    while i < work.len() {
        let start = work[i].start;
        let mut end = work[i].end;
        let mut worked = work[i].end - work[i].start;
        let mut j = i + 1;
        while j < work.len() && work[j].start - end < BREAK {
            worked += work[j].end - work[j].start;
            end = work[j].end;
            j += 1;
        }
        if worked > BREAK_AFTER && period.contains(start) {
            findings.push(Finding {
                rule: Rule::RestBreak,
                from: start,
                to: end,
                text: format!(
                    "{} of work from {} to {} with no break of 20 minutes; the regulations ask for one after 6 hours",
                    length(worked),
                    when(tz, start),
                    when(tz, end)
                ),
            });
        }
        i = j;
    }
    findings
}

/// The average of `weeks` (minutes worked, the week checked last, at most 17 of them).
pub fn average_week(weeks: &[(String, i64)]) -> Option<i64> {
    let n = weeks.len().min(REFERENCE_WEEKS);
    if n == 0 {
        return None;
    }
    let recent = &weeks[weeks.len() - n..];
    Some(recent.iter().map(|(_, m)| m).sum::<i64>() / n as i64)
}

/// A finding when the average is over 48 hours.
pub fn average_finding(
    weeks: &[(String, i64)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<Finding> {
    let average = average_week(weeks)?;
    if average <= AVERAGE_LIMIT_MINUTES {
        return None;
    }
    let n = weeks.len().min(REFERENCE_WEEKS);
    let first = &weeks[weeks.len() - n].0;
    let last = &weeks[weeks.len() - 1].0;
    Some(Finding {
        rule: Rule::AverageWeek,
        from,
        to,
        text: format!(
            "an average of {} a week over the {n} week{} {first} to {last}; the regulations' limit is 48 hours averaged over 17 weeks",
            minutes_text(average),
            if n == 1 { "" } else { "s" }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;

    fn span(a: &str, b: &str) -> Span {
        Span::new(utc(a), utc(b))
    }

    const LONDON: Tz = chrono_tz::Europe::London;

    /// Mon 23 to Sun 29 November 2026 (London is UTC then).
    fn week() -> Span {
        span("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")
    }

    #[test]
    fn exactly_eleven_hours_rest_is_enough_and_ten_fifty_nine_is_not() {
        let enough = [
            span("2026-11-23T09:00:00Z", "2026-11-23T22:00:00Z"),
            span("2026-11-24T09:00:00Z", "2026-11-24T17:00:00Z"),
        ];
        assert_eq!(daily_rest(LONDON, &enough, week()), []);
        let short = [
            span("2026-11-23T09:00:00Z", "2026-11-23T22:00:00Z"),
            span("2026-11-24T08:59:00Z", "2026-11-24T17:00:00Z"),
        ];
        let found = daily_rest(LONDON, &short, week());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].from, found[0].to),
            (utc("2026-11-23T22:00:00Z"), utc("2026-11-24T08:59:00Z"))
        );
        assert_eq!(
            found[0].text,
            "the longest rest in the 24 hours from Mon 23 Nov 09:00 was 10h 59m (Mon 23 Nov 22:00 to Tue 24 Nov 08:59); the regulations ask for 11 hours in a row"
        );
    }

    #[test]
    fn a_late_case_note_after_a_full_day_cuts_the_rest_and_is_named_once() {
        // 09:00-17:00, then 23:00-23:40 at the laptop, then 09:00 the next day.
        let work = [
            span("2026-11-23T09:00:00Z", "2026-11-23T12:30:00Z"),
            span("2026-11-23T13:00:00Z", "2026-11-23T17:00:00Z"),
            span("2026-11-23T23:00:00Z", "2026-11-23T23:40:00Z"),
            span("2026-11-24T09:00:00Z", "2026-11-24T17:00:00Z"),
        ];
        let found = daily_rest(LONDON, &work, week());
        assert_eq!(found.len(), 1, "{found:?}");
        // 23:40 to 09:00 (9h 20m) is the longest rest in the 24 hours from Mon 09:00, and
        // the same short rest is the longest from 13:00 and from 23:00: one finding.
        assert_eq!(
            (found[0].from, found[0].to),
            (utc("2026-11-23T23:40:00Z"), utc("2026-11-24T09:00:00Z"))
        );
    }

    #[test]
    fn weekly_rest_is_24_hours_a_week_or_48_in_the_fortnight() {
        // Work every day 08:00-20:00 for two weeks: the longest rest is 12 hours.
        let every_day = |from: &str, days: i64| -> Vec<Span> {
            (0..days)
                .map(|d| {
                    let day = utc(from) + TimeDelta::days(d);
                    Span::new(day + TimeDelta::hours(8), day + TimeDelta::hours(20))
                })
                .collect()
        };
        let work = every_day("2026-11-16T00:00:00Z", 14);
        let found = weekly_rest(LONDON, &work, week()).expect("no weekly rest");
        assert!(
            found.text.starts_with(
                "no 24 hours of rest in the week from Mon 23 Nov 00:00 (the longest was 12h)"
            ),
            "{}",
            found.text
        );
        // A Saturday off in the week before: 36 hours from Fri 20:00 to Sun 08:00; not 48.
        let mut work = every_day("2026-11-16T00:00:00Z", 14);
        work.retain(|s| s.start.date_naive() != utc("2026-11-21T00:00:00Z").date_naive());
        assert!(weekly_rest(LONDON, &work, week()).is_some());
        // A whole weekend off before: 60 hours, so the fortnight is fine.
        work.retain(|s| s.start.date_naive() != utc("2026-11-22T00:00:00Z").date_naive());
        assert_eq!(weekly_rest(LONDON, &work, week()), None);
        // Exactly 24 hours within the week is enough.
        let work = [
            span("2026-11-23T00:00:00Z", "2026-11-25T00:00:00Z"),
            span("2026-11-26T00:00:00Z", "2026-11-30T00:00:00Z"),
        ];
        assert_eq!(weekly_rest(LONDON, &work, week()), None);
    }

    #[test]
    fn six_hours_without_a_break_is_fine_and_a_minute_more_is_not() {
        let six = [span("2026-11-23T09:00:00Z", "2026-11-23T15:00:00Z")];
        assert_eq!(rest_breaks(LONDON, &six, week()), []);
        let over = [span("2026-11-23T09:00:00Z", "2026-11-23T15:01:00Z")];
        let found = rest_breaks(LONDON, &over, week());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].text,
            "6h 1m of work from Mon 23 Nov 09:00 to Mon 23 Nov 15:01 with no break of 20 minutes; the regulations ask for one after 6 hours"
        );
        // A 19-minute pause is not a break; 20 minutes is.
        let pause = |minutes| {
            [
                span("2026-11-23T09:00:00Z", "2026-11-23T12:00:00Z"),
                Span::new(
                    utc("2026-11-23T12:00:00Z") + TimeDelta::minutes(minutes),
                    utc("2026-11-23T16:00:00Z"),
                ),
            ]
        };
        assert_eq!(rest_breaks(LONDON, &pause(19), week()).len(), 1);
        assert_eq!(rest_breaks(LONDON, &pause(20), week()), []);
    }

    #[test]
    fn the_average_is_over_the_last_17_weeks_recorded() {
        let weeks: Vec<(String, i64)> = (1..=20)
            .map(|w| {
                (
                    format!("2026-W{w:02}"),
                    if w <= 3 { 80 * 60 } else { 45 * 60 },
                )
            })
            .collect();
        // The last 17 weeks are all 45 hours: the three long ones have dropped out.
        assert_eq!(average_week(&weeks), Some(45 * 60));
        assert_eq!(
            average_finding(
                &weeks,
                utc("2026-01-01T00:00:00Z"),
                utc("2026-01-02T00:00:00Z")
            ),
            None
        );
        // Exactly 48 hours is within the limit; a minute more is not.
        let at = |m: i64| vec![("2026-W47".to_string(), m)];
        let (a, b) = (utc("2026-11-16T00:00:00Z"), utc("2026-11-23T00:00:00Z"));
        assert_eq!(average_finding(&at(48 * 60), a, b), None);
        let found = average_finding(&at(48 * 60 + 1), a, b).unwrap();
        assert_eq!(
            found.text,
            "an average of 48h 1m a week over the 1 week 2026-W47 to 2026-W47; the regulations' limit is 48 hours averaged over 17 weeks"
        );
    }
}
