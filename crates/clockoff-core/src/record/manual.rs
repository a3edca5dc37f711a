//! Time the worker logs by hand, and corrections to it. A correction never rewrites history:
//! it is a new entry that stands in for an old one, or a withdrawal saying the old one no
//! longer counts; both entries stay in the record and are shown.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::hours::WEEKDAYS;

/// The longest entry: a day; longer work is logged day by day.
pub const MAX_ENTRY: TimeDelta = TimeDelta::hours(24);

/// A stretch the worker logged themselves, with what it was for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Logged {
    /// The entry's number in the ledger (what `clockoff logged` shows and `--corrects` takes).
    pub id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: String,
    /// When it was logged: an entry made long after the fact reads differently.
    pub recorded_at: DateTime<Utc>,
    /// The entry this one corrects, when it is a correction.
    pub corrects: Option<i64>,
}

/// An entry that no longer counts: corrected by a newer one, or withdrawn. It is kept and
/// shown, so a reader sees the record was corrected, not rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Superseded {
    #[serde(flatten)]
    pub entry: Logged,
    /// The entry that took its place; `None` when it was withdrawn.
    pub replaced_by: Option<i64>,
    /// Why, in the worker's words (required for a withdrawal, optional for a correction).
    pub reason: String,
    /// When it was corrected or withdrawn.
    pub superseded_at: DateTime<Utc>,
}

/// Checks a new entry (or a correction's new version) logged at `now`: it must end after it
/// starts, last at most a day, have begun, and say what it was for. `Err` is the message for
/// the worker.
pub fn check_new(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if end <= start {
        return Err("a manual entry must end after it starts".into());
    }
    if end - start > MAX_ENTRY {
        return Err("a manual entry can be at most 24 hours; log each day separately".into());
    }
    if start > now {
        return Err("that starts in the future; log work once it has begun".into());
    }
    if note.trim().is_empty() {
        return Err("say what the time was for, e.g. \"late visit\"".into());
    }
    Ok(())
}

/// The day `--date` names, seen from `today`: `YYYY-MM-DD`, `today`, `yesterday`, or a
/// weekday (`fri`, `Friday`): the latest such day, today included. `Err` says what is read.
pub fn named_day(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let word = text.trim().to_ascii_lowercase();
    match word.as_str() {
        "today" => return Ok(today),
        "yesterday" => return today.pred_opt().ok_or_else(|| "no day before that".into()),
        _ => {}
    }
    if let Ok(date) = word.parse::<NaiveDate>() {
        return Ok(date);
    }
    let weekday = WEEKDAYS
        .iter()
        .find(|(name, _)| word.len() >= 3 && name.starts_with(&word))
        .map(|&(_, day)| day)
        .ok_or_else(|| {
            format!(
                "\"{text}\" is not a day: write a date (2026-12-04), today, yesterday or a \
                 weekday (friday, fri)"
            )
        })?;
    let back = (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    Ok(today - TimeDelta::days(i64::from(back)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_named_by_date_by_today_or_yesterday_or_by_weekday() {
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let day = |text: &str| named_day(text, sunday).map(|d| d.to_string());
        assert_eq!(day("2026-12-04").as_deref(), Ok("2026-12-04"));
        assert_eq!(day("today").as_deref(), Ok("2026-12-06"));
        assert_eq!(day("Yesterday").as_deref(), Ok("2026-12-05"));
        assert_eq!(day("friday").as_deref(), Ok("2026-12-04"));
        assert_eq!(day("Fri").as_deref(), Ok("2026-12-04"));
        assert_eq!(day("sun").as_deref(), Ok("2026-12-06"), "today included");
        assert_eq!(day("mon").as_deref(), Ok("2026-11-30"));
        assert_eq!(day("saturday").as_deref(), Ok("2026-12-05"));
        for bad in ["fr", "fridays", "tomorrow", "2026-13-01", ""] {
            assert!(day(bad).unwrap_err().contains("is not a day"), "{bad}");
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_new_entry_must_be_a_real_past_stretch_with_a_note() {
        let now = t("2026-11-23T20:00:00Z");
        let (a, b) = (t("2026-11-23T18:00:00Z"), t("2026-11-23T19:30:00Z"));
        assert_eq!(check_new(a, b, "late visit", now), Ok(()));
        assert!(check_new(b, a, "late visit", now).is_err());
        assert!(check_new(a, a, "late visit", now).is_err());
        assert!(check_new(a, a + MAX_ENTRY + TimeDelta::minutes(1), "shift", now).is_err());
        assert_eq!(check_new(a, a + MAX_ENTRY, "shift", now), Ok(()));
        assert!(check_new(now + TimeDelta::minutes(1), b + MAX_ENTRY, "x", now).is_err());
        assert!(check_new(a, b, " \t", now).is_err());
    }

    #[test]
    fn a_superseded_entry_reads_as_the_entry_and_what_became_of_it() {
        let entry = Logged {
            id: 12,
            start: t("2026-11-23T18:00:00Z"),
            end: t("2026-11-23T19:30:00Z"),
            note: "late visit".into(),
            recorded_at: t("2026-11-23T20:00:00Z"),
            corrects: None,
        };
        let s = Superseded {
            entry,
            replaced_by: None,
            reason: "logged twice".into(),
            superseded_at: t("2026-11-24T09:00:00Z"),
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "{\"id\":12,\"start\":\"2026-11-23T18:00:00Z\",\"end\":\"2026-11-23T19:30:00Z\",\
             \"note\":\"late visit\",\"recorded_at\":\"2026-11-23T20:00:00Z\",\"corrects\":null,\
             \"replaced_by\":null,\"reason\":\"logged twice\",\
             \"superseded_at\":\"2026-11-24T09:00:00Z\"}"
        );
    }
}
