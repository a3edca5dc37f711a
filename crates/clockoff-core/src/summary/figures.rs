//! The week's figures, from the record as `clockoff week` reads it: each day's whole minutes
//! ([`crate::record::day`]) summed over the ISO week, then rounded to the nearest
//! 15 minutes (7 rounds down to 0, 8 up to 15: minutes are whole, so the half, 7.5, never
//! occurs) and clamped to the week's length (10,020 or 10,140 minutes in the weeks the clocks
//! change; never more than [`MAX_WEEK_MINUTES`], 10,140, which the dashboard accepts).
//! Rounding hides exactly when a stretch began or ended; clamping keeps overlapping entries (a
//! visit logged over time also measured) from claiming more than a week.

use chrono::{IsoWeek, TimeDelta};
use chrono_tz::Tz;

use super::ids::{Pseudonym, ReportId};
use super::{MAX_HELD_NOTIFICATIONS, MAX_WEEK_MINUTES, Schema, WeekFigures, WeeklySummary};
use crate::record::day::{Minutes, days};
use crate::record::{Source, Work, week};
use crate::schedule::{Schedule, State};
use crate::spans::Span;

/// Every minute figure is a whole number of these.
pub const BUCKET_MINUTES: u32 = 15;

/// What a week's summary is made from.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    pub tz: Tz,
    pub week: IsoWeek,
    /// The ledger's work with time in the week (whole records; cut to the week here).
    pub work: &'a [Work],
    /// Contracted working time in the week, sorted ([`working_time`]): logged time outside
    /// it is self-reported out-of-hours work.
    pub working_time: &'a [Span],
    /// Notifications held while the laptop was quiet, timed within the week.
    pub held_notifications: u64,
}

/// The week's summary with the ids it is sent under.
pub fn summarise(r: &Recorded, report_id: ReportId, pseudonym: Pseudonym) -> WeeklySummary {
    let first = week::monday(r.week);
    let last = first + TimeDelta::days(6);
    let all = days(r.tz, first, last, r.work);
    // Logged time cut to the parts outside contracted hours, day by day.
    let logged_outside: Vec<Work> = r
        .work
        .iter()
        .filter(|w| w.source == Source::Manual)
        .flat_map(|w| outside(w.span, r.working_time))
        .map(|span| Work {
            span,
            source: Source::Manual,
        })
        .collect();
    let logged = days(r.tz, first, last, &logged_outside);

    let mut totals = Minutes::default();
    for day in &all {
        totals.add(&day.minutes);
    }
    let self_reported: i64 = logged.iter().map(|d| d.minutes.manual).sum();
    let days_with = all
        .iter()
        .zip(&logged)
        .filter(|(a, l)| a.minutes.out_of_hours + a.minutes.on_call + l.minutes.manual > 0)
        .count();

    let cap = week_cap(r.tz, r.week);
    let minutes = |m: i64| bucket(m).min(cap);
    // One rounding rule for both: a week whose out-of-hours figures all round to nothing
    // has no day of out-of-hours work either (not "0 minutes, 1 day").
    let rounded = minutes(totals.out_of_hours) + minutes(totals.on_call) + minutes(self_reported);
    let days_with = if rounded == 0 { 0 } else { days_with };
    WeeklySummary {
        schema: Schema,
        week: r.week,
        report_id,
        pseudonym,
        figures: WeekFigures {
            out_of_hours_minutes: minutes(totals.out_of_hours),
            self_reported_out_of_hours_minutes: minutes(self_reported),
            weekend_minutes: minutes(totals.weekend),
            late_evening_minutes: minutes(totals.late),
            days_with_out_of_hours_work: u32::try_from(days_with).unwrap_or(7).min(7),
            notifications_held_out_of_hours: u32::try_from(r.held_notifications)
                .map_or(MAX_HELD_NOTIFICATIONS, |n| n.min(MAX_HELD_NOTIFICATIONS)),
            on_call_callout_minutes: minutes(totals.on_call),
        },
    }
}

/// Whole minutes to the nearest bucket, half up; anything below zero is zero.
pub fn bucket(minutes: i64) -> u32 {
    let b = i64::from(BUCKET_MINUTES);
    // For whole minutes, "+ 7.5, floor" is "+ 7, floor".
    let rounded = (minutes.max(0) + b / 2) / b * b;
    u32::try_from(rounded).unwrap_or(u32::MAX)
}

/// The longest figure a week can have: its local length in minutes, down to a whole bucket,
/// and at most [`MAX_WEEK_MINUTES`] (a week whose clocks go back two hours is 10,200).
pub fn week_cap(tz: Tz, week: IsoWeek) -> u32 {
    let span = week::span(tz, week);
    let minutes = u32::try_from((span.end - span.start).num_minutes()).unwrap_or(0);
    (minutes / BUCKET_MINUTES * BUCKET_MINUTES).min(MAX_WEEK_MINUTES)
}

/// The schedule's working time within `span` (overrides are not contracted time), sorted.
pub fn working_time(schedule: &Schedule, span: Span) -> Vec<Span> {
    let mut out = Vec::new();
    let (mut from, mut state) = (span.start, schedule.state(span.start));
    for change in schedule.transitions(span.start, span.end) {
        let at = change.at.max(span.start);
        if state == State::Working && from < at {
            out.push(Span::new(from, at));
        }
        (from, state) = (at, change.state);
    }
    if state == State::Working && from < span.end {
        out.push(Span::new(from, span.end));
    }
    out
}

/// The parts of `span` outside the sorted, disjoint `cut` spans.
fn outside(span: Span, cut: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = span.start;
    for c in cut
        .iter()
        .filter(|c| c.end > span.start && c.start < span.end)
    {
        if c.start > at {
            out.push(Span::new(at, c.start));
        }
        at = at.max(c.end);
    }
    if at < span.end {
        out.push(Span::new(at, span.end));
    }
    out
}
