//! Reports are kept for `keep` (two years by default) and then deleted: at start and once a
//! day, every summary of a week that began before the cut-off goes, with the week's stored
//! publication; pages and the API then say "no longer kept" for it. Pseudonymous as they
//! are, the summaries are still about people, and nothing shows them after two years.

use std::time::Duration;

use chrono::{DateTime, Datelike, IsoWeek, Utc};

use super::api::AppState;
use super::history::PublishedWeeks;
use super::store::{Store, StoreError};
use clockoff_core::record::keep::Keep;

/// How often the cut-off is applied again.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Deletes the reports of weeks before `keep`'s cut-off at `now`: the first week kept and
/// how many summaries went; `None` when everything is kept.
pub async fn forget_old<S: Store>(
    store: &S,
    closed: &PublishedWeeks,
    keep: Keep,
    now: DateTime<Utc>,
) -> Result<Option<(IsoWeek, u64)>, StoreError> {
    let Some(cut) = keep.cutoff(now.date_naive()) else {
        return Ok(None);
    };
    let first_kept = cut.iso_week();
    // What was released first, so no read can keep a week whose reports are going.
    closed.forget_before(first_kept);
    let gone = store.forget_before(first_kept).await?;
    Ok(Some((first_kept, gone)))
}

/// [`forget_old`] for the service, logging what went.
pub async fn apply<S: Store>(app: &AppState<S>, keep: Keep) {
    match forget_old(&app.store, &app.published_weeks, keep, app.clock.now()).await {
        Ok(Some((first_kept, gone))) if gone > 0 => (app.log)(&format!(
            "retention: deleted {gone} reports of weeks before {}",
            clockoff_core::record::week::name(first_kept)
        )),
        Ok(_) => {}
        Err(e) => (app.log)(&format!("error: deleting old reports: {e}")),
    }
}

/// [`apply`] once a day, from a day after it starts (the service applies it at start).
pub async fn daily<S: Store>(app: AppState<S>, keep: Keep) {
    loop {
        tokio::time::sleep(EVERY).await;
        apply(&app, keep).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history;
    use crate::org::Org;
    use crate::service::Service;
    use crate::store::SqliteStore;
    use crate::{Outcome, Threshold, UnitTree};
    use clockoff_core::record::week;
    use clockoff_core::summary::{Pseudonym, ReportId, Schema, WeeklySummary};

    fn report(week_name: &str, who: u8) -> WeeklySummary {
        let w = week::parse(week_name).unwrap();
        let mut id = [who; 16];
        id[0] = w.week() as u8;
        WeeklySummary {
            schema: Schema,
            week: w,
            report_id: ReportId::from_bytes(id),
            pseudonym: format!("{who:064x}").parse::<Pseudonym>().unwrap(),
            figures: clockoff_core::summary::WeekFigures {
                out_of_hours_minutes: 60,
                self_reported_out_of_hours_minutes: 0,
                weekend_minutes: 0,
                late_evening_minutes: 0,
                days_with_out_of_hours_work: 1,
                notifications_held_out_of_hours: 0,
                on_call_callout_minutes: 0,
            },
        }
    }

    #[tokio::test]
    async fn weeks_before_the_cut_go_from_the_store_and_from_what_was_released() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("d.sqlite3")).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z")
            .unwrap()
            .to_utc();
        for w in ["2026-W20", "2026-W21", "2026-W22", "2026-W47"] {
            for who in 0..5 {
                store
                    .put_report("team".into(), report(w, who), now)
                    .await
                    .unwrap();
            }
        }
        let service = Service {
            org: Org::new(UnitTree::new([("team", None::<&str>)]).unwrap(), []),
            k: Threshold::new(5).unwrap(),
            // 2026-W47 is published on 30 November, 01:00.
            weeks_accepted: 1,
        };
        let closed = PublishedWeeks::default();
        let old = (
            week::parse("2026-W20").unwrap(),
            week::parse("2026-W22").unwrap(),
        );
        let shown = |weeks: &[std::sync::Arc<history::WeekOutcomes>]| -> Vec<bool> {
            weeks
                .iter()
                .map(|w| matches!(w.outcomes[0], Outcome::Released(_)))
                .collect()
        };
        let before = history::released(&store, &service, &closed, old, now).await;
        assert_eq!(shown(&before.unwrap()), [true, true, true]);

        // 26 weeks back from Monday 30 November is Monday 1 June, in 2026-W23.
        let keep = Keep::Weeks(26);
        let forgot = forget_old(&store, &closed, keep, now).await.unwrap();
        assert_eq!(forgot, Some((week::parse("2026-W23").unwrap(), 15)));
        let after = history::released(&store, &service, &closed, old, now).await;
        assert_eq!(shown(&after.unwrap()), [false, false, false]);
        let kept = (
            week::parse("2026-W47").unwrap(),
            week::parse("2026-W47").unwrap(),
        );
        let kept = history::released(&store, &service, &closed, kept, now).await;
        assert_eq!(shown(&kept.unwrap()), [true]);
        // Again: nothing more to delete. Forever keeps everything.
        let again = forget_old(&store, &closed, keep, now).await.unwrap();
        assert_eq!(again.map(|(_, n)| n), Some(0));
        assert_eq!(
            forget_old(&store, &closed, Keep::Forever, now)
                .await
                .unwrap(),
            None
        );
    }
}
