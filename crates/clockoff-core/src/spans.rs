//! Sets of instant ranges (on-call windows, overrides) and of whole local days (leave,
//! holidays), each answering the three questions the schedule asks of a layer: does it
//! contain an instant, and where are its nearest boundaries on either side.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::civil::{local_date, midnight};

/// A half-open range of instants `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// Sorted boundary points of a union of ranges: even indices open a range, odd ones close it.
/// Membership is then "an odd number of boundaries at or before t".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Boundaries<T>(Vec<T>);

impl<T: Ord + Copy> Boundaries<T> {
    /// Merges overlapping and touching ranges, dropping empty ones.
    fn from_ranges(mut ranges: Vec<(T, T)>) -> Self {
        ranges.retain(|(s, e)| s < e);
        ranges.sort();
        let mut points: Vec<T> = Vec::with_capacity(ranges.len() * 2);
        for (start, end) in ranges {
            match points.last_mut() {
                Some(last) if start <= *last => *last = (*last).max(end),
                _ => points.extend([start, end]),
            }
        }
        Self(points)
    }
}

/// A union of instant ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanSet(Boundaries<DateTime<Utc>>);

impl SpanSet {
    pub fn new(spans: impl IntoIterator<Item = Span>) -> Self {
        Self(Boundaries::from_ranges(
            spans.into_iter().map(|s| (s.start, s.end)).collect(),
        ))
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.0.0.partition_point(|b| *b <= t) % 2 == 1
    }

    pub fn next_boundary_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let points = &self.0.0;
        points.get(points.partition_point(|b| *b <= t)).copied()
    }

    pub fn prev_boundary_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let i = self.0.0.partition_point(|b| *b <= t);
        i.checked_sub(1).map(|i| self.0.0[i])
    }
}

/// A union of whole local days, each covering local midnight to the next local midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaySet(Boundaries<NaiveDate>);

impl DaySet {
    /// From inclusive date ranges.
    pub fn from_inclusive_ranges(ranges: impl IntoIterator<Item = (NaiveDate, NaiveDate)>) -> Self {
        Self(Boundaries::from_ranges(
            ranges
                .into_iter()
                .filter_map(|(from, to)| Some((from, to.succ_opt()?)))
                .collect(),
        ))
    }

    pub fn from_days(days: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self::from_inclusive_ranges(days.into_iter().map(|d| (d, d)))
    }

    pub fn contains_date(&self, date: NaiveDate) -> bool {
        self.0.0.partition_point(|b| *b <= date) % 2 == 1
    }

    /// How many boundaries lie at or before `t`. Midnights grow with the date, so a search
    /// by date, corrected by a few midnights near `t`, gives the same answer as one by instant.
    fn count_at_or_before(&self, tz: Tz, t: DateTime<Utc>) -> usize {
        let points = &self.0.0;
        // Dates two or more days before t's local date have their midnight before t in every
        // zone, even one whose clocks go back across midnight.
        let surely_before = local_date(tz, t) - TimeDelta::days(1);
        let mut count = points.partition_point(|d| *d < surely_before);
        while points.get(count).is_some_and(|d| midnight(tz, *d) <= t) {
            count += 1;
        }
        count
    }

    pub fn contains(&self, tz: Tz, t: DateTime<Utc>) -> bool {
        self.count_at_or_before(tz, t) % 2 == 1
    }

    pub fn next_boundary_after(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let points = &self.0.0;
        points
            .get(self.count_at_or_before(tz, t))
            .map(|d| midnight(tz, *d))
    }

    pub fn prev_boundary_at_or_before(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let i = self.count_at_or_before(tz, t);
        i.checked_sub(1).map(|i| midnight(tz, self.0.0[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;
    use chrono_tz::Europe::London;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn span_sets_merge_overlapping_and_touching_ranges() {
        let set = SpanSet::new([
            Span::new(utc("2026-01-01T10:00:00Z"), utc("2026-01-01T11:00:00Z")),
            Span::new(utc("2026-01-01T09:00:00Z"), utc("2026-01-01T10:00:00Z")),
            Span::new(utc("2026-01-01T10:30:00Z"), utc("2026-01-01T12:00:00Z")),
            Span::new(utc("2026-01-02T10:00:00Z"), utc("2026-01-02T10:00:00Z")), // empty
        ]);
        // One merged range, 09:00-12:00: no boundary at 10:00, 10:30 or 11:00, none for the
        // empty range.
        assert_eq!(
            set.next_boundary_after(utc("2026-01-01T08:00:00Z")),
            Some(utc("2026-01-01T09:00:00Z"))
        );
        assert!(set.contains(utc("2026-01-01T09:00:00Z")));
        assert!(!set.contains(utc("2026-01-01T12:00:00Z")));
        assert_eq!(
            set.next_boundary_after(utc("2026-01-01T09:00:00Z")),
            Some(utc("2026-01-01T12:00:00Z"))
        );
        assert_eq!(
            set.prev_boundary_at_or_before(utc("2026-01-01T09:00:00Z")),
            Some(utc("2026-01-01T09:00:00Z"))
        );
        assert_eq!(set.next_boundary_after(utc("2026-01-01T12:00:00Z")), None);
    }

    #[test]
    fn day_sets_cover_whole_local_days() {
        // Summer: the local day starts at 23:00 UTC the evening before.
        let set = DaySet::from_inclusive_ranges([(date("2026-08-03"), date("2026-08-14"))]);
        assert!(!set.contains(London, utc("2026-08-02T22:59:59Z")));
        assert!(set.contains(London, utc("2026-08-02T23:00:00Z")));
        assert!(set.contains(London, utc("2026-08-14T22:59:59Z")));
        assert!(!set.contains(London, utc("2026-08-14T23:00:00Z")));
        assert_eq!(
            set.next_boundary_after(London, utc("2026-08-01T00:00:00Z")),
            Some(utc("2026-08-02T23:00:00Z"))
        );
        assert_eq!(
            set.next_boundary_after(London, utc("2026-08-02T23:00:00Z")),
            Some(utc("2026-08-14T23:00:00Z"))
        );
        assert_eq!(
            set.prev_boundary_at_or_before(London, utc("2026-08-10T00:00:00Z")),
            Some(utc("2026-08-02T23:00:00Z"))
        );
        assert!(set.contains_date(date("2026-08-14")) && !set.contains_date(date("2026-08-15")));
    }

    #[test]
    fn consecutive_days_merge() {
        let set = DaySet::from_days([date("2026-12-25"), date("2026-12-28"), date("2026-12-26")]);
        assert_eq!(
            set.next_boundary_after(London, utc("2026-12-25T12:00:00Z")),
            Some(utc("2026-12-27T00:00:00Z"))
        );
    }
}
