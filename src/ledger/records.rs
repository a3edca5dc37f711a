//! What the ledger hands back, and the conversions between it and what is stored.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::core::activity::Class;

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(super) i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "#{}", self.0)
            }
        }
    };
}

row_id!(
    /// An active interval's row.
    IntervalId
);
row_id!(
    /// An override's row.
    OverrideId
);
row_id!(
    /// A manual entry's row.
    ManualId
);
row_id!(
    /// A row of TOIL taken.
    ToilId
);
row_id!(
    /// A correction or withdrawal of a manual entry.
    CorrectionId
);

impl ManualId {
    /// The id a worker reads in `clockoff logged` and types after `--corrects`.
    pub fn new(id: i64) -> Self {
        ManualId(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// "12" or "#12", as `clockoff logged` shows it.
impl std::str::FromStr for ManualId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let digits = s.trim().trim_start_matches('#');
        digits
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(ManualId)
            .ok_or_else(|| {
                format!(
                    "\"{s}\" is not an entry's id: use the number `clockoff logged` shows, e.g. 12"
                )
            })
    }
}

/// An override as stored: out of hours, by the worker's own choice, from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRecord {
    pub id: OverrideId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub reason: Option<String>,
    /// "Until I stop": it ends when the worker is away from the laptop, or at `end`.
    pub until_away: bool,
}

/// What [`super::Ledger::open`] repaired after an unclean shutdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Intervals still open in the file, now closed at their last checkpoint.
    pub closed_intervals: usize,
}

/// Time recorded within a range, clipped to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Active time per class, in the order of [`Class::ALL`].
    active: [Duration; 4],
    /// Self-reported time (manual entries).
    pub manual: Duration,
}

impl Totals {
    pub fn active(&self, class: Class) -> Duration {
        self.active[slot(class)]
    }

    pub(super) fn add_active(&mut self, class: Class, d: Duration) {
        let sum = &mut self.active[slot(class)];
        *sum = sum.saturating_add(d);
    }

    /// Active time in all classes together.
    pub fn active_total(&self) -> Duration {
        self.active
            .iter()
            .fold(Duration::ZERO, |sum, d| sum.saturating_add(*d))
    }

    /// Whole minutes (rounded down) of active time in `class`.
    pub fn minutes(&self, class: Class) -> u64 {
        self.active(class).as_secs() / 60
    }

    /// Whole minutes (rounded down) of active time, for every class.
    pub fn minutes_by_class(&self) -> [(Class, u64); 4] {
        Class::ALL.map(|c| (c, self.minutes(c)))
    }

    /// Whole minutes (rounded down) of manual entries.
    pub fn manual_minutes(&self) -> u64 {
        self.manual.as_secs() / 60
    }
}

fn slot(class: Class) -> usize {
    match class {
        Class::Working => 0,
        Class::OutOfHours => 1,
        Class::OnCall => 2,
        Class::Override => 3,
    }
}

/// Stored form of an instant: UTC unix milliseconds (sub-millisecond parts are dropped).
pub(super) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_ms(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms} ms is out of range")))
}

/// A stored non-negative millisecond count.
pub(super) fn duration_ms(ms: i64) -> Result<Duration, StoreError> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| StoreError::Corrupt(format!("negative duration {ms} ms")))
}

/// A span must not end before it starts; `empty_ok` says whether it may end as it starts.
pub(super) fn check_range(
    what: &'static str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    empty_ok: bool,
) -> Result<(), StoreError> {
    if end > start || (empty_ok && end == start) {
        Ok(())
    } else {
        Err(StoreError::BadRange { what, start, end })
    }
}

/// A manual entry's note, trimmed; it must say something.
pub(super) fn check_note(note: &str) -> Result<String, StoreError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(StoreError::EmptyNote);
    }
    Ok(note.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn ranges_and_notes_are_checked() {
        let a = t("2026-05-01T18:00:00Z");
        let b = t("2026-05-01T19:30:00Z");
        assert!(check_range("x", a, b, false).is_ok());
        assert!(check_range("x", a, a, true).is_ok());
        let empty = check_range("a manual entry", a, a, false).unwrap_err();
        assert!(empty.to_string().contains("is empty"), "{empty}");
        let backwards = check_range("a manual entry", b, a, true).unwrap_err();
        assert!(
            backwards.to_string().contains("before it starts"),
            "{backwards}"
        );
        assert_eq!(check_note("  late visit \n").unwrap(), "late visit");
        assert!(matches!(check_note(" \t"), Err(StoreError::EmptyNote)));
    }

    #[test]
    fn minutes_round_down_per_class() {
        let mut totals = Totals::default();
        totals.add_active(Class::OnCall, Duration::from_secs(119));
        totals.add_active(Class::Working, Duration::from_secs(3600));
        totals.manual = Duration::from_secs(5400);
        assert_eq!(totals.minutes(Class::OnCall), 1);
        assert_eq!(
            totals.minutes_by_class(),
            [
                (Class::Working, 60),
                (Class::OutOfHours, 0),
                (Class::OnCall, 1),
                (Class::Override, 0)
            ]
        );
        assert_eq!(totals.active_total(), Duration::from_secs(3719));
        assert_eq!(totals.manual_minutes(), 90);
    }

    #[test]
    fn entry_ids_read_with_or_without_a_hash() {
        assert_eq!("12".parse::<ManualId>(), Ok(ManualId(12)));
        assert_eq!(" #7".parse::<ManualId>(), Ok(ManualId(7)));
        assert_eq!(ManualId(12).to_string(), "#12");
        for bad in ["", "0", "-3", "twelve", "#", "1.5"] {
            assert!(bad.parse::<ManualId>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn instants_round_trip_through_milliseconds() {
        let at = t("2026-10-25T01:30:00.123Z");
        assert_eq!(from_ms(to_ms(at)).unwrap(), at);
        assert!(from_ms(i64::MAX).is_err());
        assert!(duration_ms(-1).is_err());
    }
}
