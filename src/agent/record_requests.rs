//! The requests that change the worker's record and nothing else ([`RecordRequest`]): logged
//! time, corrections, TOIL, forgetting, pausing a week's report. The agent holds the ledger,
//! so `clockoff log`, `toil take`, `forget` and `report pause` come here while it runs. The
//! schedule, the state and the activity being recorded are not touched.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::Notify;

use super::event::{RecordRequest, Refusal};
use crate::config::Config;
use crate::core::record::manual;
use crate::ledger::{Ledger, MAX_TOIL_MINUTES, StoreError};
use crate::record;

/// What these requests read and write.
pub(super) struct RecordDesk<'a> {
    pub ledger: &'a Ledger,
    pub ledger_path: &'a Path,
    pub config: &'a Config,
    /// Wakes the upload task when a week is paused or resumed.
    pub report_changed: &'a Notify,
}

/// Answers `request`, made at `now`.
pub(super) async fn handle(desk: RecordDesk<'_>, now: DateTime<Utc>, request: RecordRequest) {
    let ledger = desk.ledger;
    match request {
        RecordRequest::LogManual {
            start,
            end,
            note,
            reply,
        } => {
            let logged = async {
                manual::check_new(start, end, &note, now).map_err(Refusal::InvalidArgs)?;
                Ok(ledger.add_manual(start, end, &note, now).await?)
            };
            let _ = reply.send(logged.await);
        }
        RecordRequest::CorrectManual {
            old,
            start,
            end,
            note,
            reason,
            reply,
        } => {
            let corrected = async {
                manual::check_new(start, end, &note, now).map_err(Refusal::InvalidArgs)?;
                Ok(ledger
                    .correct_manual(old, start, end, &note, &reason, now)
                    .await?)
            };
            let _ = reply.send(corrected.await);
        }
        RecordRequest::WithdrawManual { old, reason, reply } => {
            let withdrawn = ledger.withdraw_manual(old, &reason, now).await;
            let _ = reply.send(withdrawn.map_err(Refusal::from));
        }
        RecordRequest::TakeToil {
            date,
            minutes,
            note,
            reply,
        } => {
            // Nothing in the schedule changes: TOIL is part of the record, not of the hours.
            let taken = if (1..=MAX_TOIL_MINUTES).contains(&minutes) {
                ledger
                    .take_toil(date, minutes, &note, now)
                    .await
                    .map_err(Refusal::from)
            } else {
                Err(Refusal::InvalidArgs(
                    StoreError::BadToil(minutes).to_string(),
                ))
            };
            let _ = reply.send(taken);
        }
        RecordRequest::Forget { before, reply } => {
            let result = forget(&desk, now, before).await;
            // Retention runs unasked: what it did goes to the log (from `forget`), and so does
            // a failure.
            if let (None, Err(why)) = (before, &result) {
                tracing::warn!("[record] keep: nothing forgotten: {why}");
            }
            let _ = reply.send(result);
        }
        RecordRequest::PauseReport {
            week,
            paused,
            reply,
        } => {
            let result = ledger.set_report_paused(week, paused, now).await;
            desk.report_changed.notify_one();
            let _ = reply.send(result.map_err(Refusal::from));
        }
    }
}

/// Forgets records before the week `before` falls in, or (with `None`) those older than
/// `[record] keep`, which the agent does by itself at start and daily, saying so in its log.
async fn forget(
    desk: &RecordDesk<'_>,
    now: DateTime<Utc>,
    before: Option<NaiveDate>,
) -> Result<String, Refusal> {
    let tz = desk.config.timezone;
    let today = crate::core::civil::local_date(tz, now);
    let unasked = before.is_none();
    let before = match before {
        Some(date) if date > today => {
            return Err(Refusal::InvalidArgs(format!(
                "{date} has not come yet: only records from the past can be forgotten"
            )));
        }
        Some(date) => date,
        None => match desk.config.keep.cutoff(today) {
            Some(date) => date,
            None => return Ok("records are kept forever ([record] keep)".into()),
        },
    };
    let policy = desk.config.toil_policy();
    let outcome =
        record::forget_now(desk.ledger, desk.ledger_path, &policy, tz, before, now).await?;
    if unasked && outcome.did_anything() {
        tracing::info!("[record] keep: {}", outcome.describe());
    }
    Ok(outcome.describe())
}
