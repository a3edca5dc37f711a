//! Weekly reporting, the laptop's side: what needs I/O around the pure summary
//! ([`crate::core::summary`]): the device secret's file, random report ids, and a week's
//! summary read from the ledger. `clockoff report preview` and the upload queue build the
//! summary the same way, through [`summary`].

pub mod enrolment;
pub mod secret;

use std::fmt;
use std::path::PathBuf;

use chrono::IsoWeek;

use crate::config::Config;
use crate::core::record::week;
pub use crate::core::record::week::last_completed_week;
use crate::core::summary::{self, Pseudonym, Recorded, ReportId, WeeklySummary};
use crate::ledger::{Reader, ReportWeek, StoreError};

#[derive(Debug)]
pub enum ReportError {
    /// The system's random source failed.
    Random(getrandom::Error),
    /// The device secret could not be read or made.
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The device secret's file holds something else.
    BadSecret { path: PathBuf, why: String },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Random(e) => write!(f, "the system's random source failed: {e}"),
            ReportError::Secret { path, source } => {
                write!(f, "the device secret {}: {source}", path.display())
            }
            ReportError::BadSecret { path, why } => write!(
                f,
                "the device secret {} is damaged ({why}); remove it and a new one is made",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReportError {}

/// `N` bytes from the system's random source.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], ReportError> {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).map_err(ReportError::Random)?;
    Ok(bytes)
}

/// A new report id: 128 random bits.
pub fn random_report_id() -> Result<ReportId, ReportError> {
    random().map(ReportId::from_bytes)
}

/// What a pause or resume answers over D-Bus, and what `clockoff report pause` reads back.
pub fn pause_reply(w: &ReportWeek) -> String {
    serde_json::json!({
        "week": week::name(w.week),
        "paused": w.paused,
        "queued": w.report_id.is_some(),
    })
    .to_string()
}

/// `week`'s summary from the ledger (`None`: there is none yet, so a week of nothing), with
/// the config's schedule deciding which logged time was outside contracted hours.
pub fn summary(
    reader: Option<&Reader>,
    config: &Config,
    week: IsoWeek,
    report_id: ReportId,
    pseudonym: Pseudonym,
) -> Result<WeeklySummary, StoreError> {
    let tz = config.timezone;
    let span = week::span(tz, week);
    let (work, held) = match reader {
        Some(r) => (
            r.work(span.start, span.end)?,
            r.held_notifications(span.start, span.end)?,
        ),
        None => (Vec::new(), 0),
    };
    let working = summary::working_time(&config.schedule(), span);
    let recorded = Recorded {
        tz,
        week,
        work: &work,
        working_time: &working,
        held_notifications: held,
    };
    Ok(summary::summarise(&recorded, report_id, pseudonym))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_due_is_the_last_one_ended() {
        let utc = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let london = chrono_tz::Europe::London;
        let due = |s: &str| week::name(last_completed_week(london, utc(s)));
        // Sunday 29 November 2026 23:59 is still week 48; Monday 00:00 is week 49.
        assert_eq!(due("2026-11-29T23:59:00Z"), "2026-W47");
        assert_eq!(due("2026-11-30T00:00:00Z"), "2026-W48");
        // Across a year's end: 2026 has 53 ISO weeks.
        assert_eq!(due("2027-01-05T12:00:00Z"), "2026-W53");
        assert_ne!(random_report_id().unwrap(), random_report_id().unwrap());
    }
}
