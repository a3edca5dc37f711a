//! Every unit's outcome, week by week, over a range: the one code path from stored reports to
//! released figures, shared by the read API ([`super::api::read`]) and the pages
//! ([`super::web`]), so both show exactly what the release rule allows.
//!
//! A week stops changing once no report can be accepted for it any more (`weeks_accepted`
//! weeks after its end, see [`super::window`]). Such closed weeks are released once and
//! kept in memory ([`ClosedWeeks`]); a read fetches only the weeks still open (at most
//! `weeks_accepted` + 1 of them) and whatever it has not released before. That holds for
//! several dashboards sharing one database too: none of them accepts a report for a closed
//! week, as long as they are configured with the same `weeks_accepted` (and `keep`: each
//! forgets released weeks as its own retention deletes them, daily).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, IsoWeek, TimeDelta, Utc};

use super::api::Service;
use super::release::Threshold;
use super::store::{Store, StoreError, StoredContribution};
use super::units::UnitTree;
use super::week::{Outcome, Week};
use super::window;
use crate::core::record::week;

/// Released weeks that no report can change any more.
#[derive(Debug, Clone, Default)]
pub struct ClosedWeeks(Arc<Mutex<Closed>>);

#[derive(Debug, Default)]
struct Closed {
    by_week: BTreeMap<(i32, u32), Arc<WeekOutcomes>>,
    /// Weeks before this are being or have been deleted (retention): never kept, so a read
    /// that fetched them before the deletion cannot put them back.
    first_kept: Option<(i32, u32)>,
}

impl ClosedWeeks {
    /// Forgets the weeks before `first_kept` and keeps none of them from now on. Called
    /// before their reports are deleted.
    pub fn forget_before(&self, first_kept: IsoWeek) {
        let first = (first_kept.year(), first_kept.week());
        let mut closed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        closed.first_kept = closed.first_kept.max(Some(first));
        closed.by_week = closed.by_week.split_off(&first);
    }
}

/// Kept: more than the longest range one request may ask for, so paging back through two
/// years never refetches; the oldest go first.
const KEPT: usize = 160;

/// A margin for clocks that disagree (several dashboards): a week is treated as closed a day
/// after the last report for it could have been accepted.
const MARGIN: TimeDelta = TimeDelta::days(1);

/// Whether no report for `w` can be accepted at or after `now`.
fn is_closed(w: IsoWeek, now: DateTime<Utc>, weeks_accepted: u32) -> bool {
    window::acceptance_ends(w, weeks_accepted)
        .and_then(|ends| ends.checked_add_signed(MARGIN))
        .is_some_and(|closed| closed <= now)
}

/// The release of every week from `from` to `to` (oldest first), as [`weekly`] computes it
/// from the store, with closed weeks released once and then taken from `closed`.
pub async fn released<S: Store>(
    store: &S,
    service: &Service,
    closed: &ClosedWeeks,
    (from, to): (IsoWeek, IsoWeek),
    now: DateTime<Utc>,
) -> Result<Vec<Arc<WeekOutcomes>>, StoreError> {
    let key = |w: IsoWeek| (w.year(), w.week());
    let known: Vec<Option<Arc<WeekOutcomes>>> = {
        let closed = closed.0.lock().unwrap_or_else(|e| e.into_inner());
        weeks_between(from, to)
            .map(|w| closed.by_week.get(&key(w)).cloned())
            .collect()
    };
    // Closed weeks come first and open ones last, so what is missing is normally a tail:
    // fetch from the first week not known.
    let Some(first_missing) = weeks_between(from, to)
        .zip(&known)
        .find_map(|(w, k)| k.is_none().then_some(w))
    else {
        return Ok(known.into_iter().flatten().collect());
    };
    let stored = store.contributions(first_missing, to).await?;
    let fresh = weekly(service.org.tree(), service.k, first_missing, to, stored);
    let mut closed = closed.0.lock().unwrap_or_else(|e| e.into_inner());
    let mut weeks: Vec<Arc<WeekOutcomes>> = known.into_iter().map_while(|k| k).collect();
    for w in fresh {
        let k = key(w.week);
        let kept = closed.first_kept.is_none_or(|first| k >= first);
        let w = if kept && is_closed(w.week, now, service.weeks_accepted) {
            // A week released before stays as it was released (a refetch past a gap, or
            // another read's, must not release it a second time, differently).
            Arc::clone(closed.by_week.entry(k).or_insert_with(|| Arc::new(w)))
        } else {
            Arc::new(w)
        };
        weeks.push(w);
    }
    while closed.by_week.len() > KEPT {
        closed.by_week.pop_first();
    }
    Ok(weeks)
}

/// The weeks from `from` to `to`, inclusive (none past chrono's last day).
fn weeks_between(from: IsoWeek, to: IsoWeek) -> impl Iterator<Item = IsoWeek> {
    let last = week::monday(to);
    std::iter::successors(Some(week::monday(from)), |m| {
        m.checked_add_signed(TimeDelta::weeks(1))
    })
    .take_while(move |m| *m <= last)
    .map(|m| m.iso_week())
}

/// One week's outcomes, in [`super::UnitIndex`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekOutcomes {
    pub week: IsoWeek,
    pub outcomes: Vec<Outcome>,
}

/// The last ISO week that has ended in UTC at `now` (the newest a page or the API shows).
pub fn latest_complete_week(now: DateTime<Utc>) -> Option<IsoWeek> {
    Some(
        now.date_naive()
            .checked_sub_signed(TimeDelta::days(7))?
            .iso_week(),
    )
}

/// The `n` weeks (n >= 1) ending with the latest complete week at `now`.
pub fn last_weeks(now: DateTime<Utc>, n: u32) -> Option<(IsoWeek, IsoWeek)> {
    let to = latest_complete_week(now)?;
    let back = TimeDelta::weeks(i64::from(n.checked_sub(1)?));
    let from = week::monday(to).checked_sub_signed(back)?.iso_week();
    Some((from, to))
}

/// The release of every week from `from` to `to` (inclusive, oldest first), each over all of
/// that week's stored reports; a week with none is all "fewer than k".
pub fn weekly(
    tree: &UnitTree,
    k: Threshold,
    from: IsoWeek,
    to: IsoWeek,
    stored: Vec<StoredContribution>,
) -> Vec<WeekOutcomes> {
    let mut by_week: BTreeMap<(i32, u32), Week> = BTreeMap::new();
    for s in stored {
        let w = by_week
            .entry((s.week.year(), s.week.week()))
            .or_insert_with(|| Week::new(tree));
        // A report filed under a unit since removed from the configuration is left out.
        let _ = w.add(&s.unit, s.contribution);
    }
    let empty = Week::new(tree);
    weeks_between(from, to)
        .map(|w| WeekOutcomes {
            week: w,
            outcomes: by_week
                .get(&(w.year(), w.week()))
                .unwrap_or(&empty)
                .release(k)
                .outcomes()
                .to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::summary::{Pseudonym, ReportId, Schema, WeeklySummary};
    use crate::dashboard::org::Org;
    use crate::dashboard::store::{Put, SqliteStore, TokenEntry, TokenRecord};
    use crate::dashboard::token::{Role, TokenHash};

    /// SQLite, remembering the ranges it was asked for.
    #[derive(Clone)]
    struct Asked {
        inner: SqliteStore,
        ranges: Arc<Mutex<Vec<(String, String)>>>,
    }

    impl Store for Asked {
        async fn add_token(
            &self,
            hash: TokenHash,
            unit: String,
            role: Role,
            created: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            self.inner.add_token(hash, unit, role, created).await
        }

        async fn token(&self, hash: TokenHash) -> Result<Option<TokenRecord>, StoreError> {
            self.inner.token(hash).await
        }

        async fn tokens(&self) -> Result<Vec<TokenEntry>, StoreError> {
            self.inner.tokens().await
        }

        async fn revoke_token(
            &self,
            hash: TokenHash,
            at: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            self.inner.revoke_token(hash, at).await
        }

        async fn put_report(
            &self,
            unit: String,
            report: WeeklySummary,
            received: DateTime<Utc>,
        ) -> Result<Put, StoreError> {
            self.inner.put_report(unit, report, received).await
        }

        async fn forget_before(&self, first_kept: IsoWeek) -> Result<u64, StoreError> {
            self.inner.forget_before(first_kept).await
        }

        async fn contributions(
            &self,
            from: IsoWeek,
            to: IsoWeek,
        ) -> Result<Vec<StoredContribution>, StoreError> {
            let range = (week::name(from), week::name(to));
            self.ranges.lock().unwrap().push(range);
            self.inner.contributions(from, to).await
        }
    }

    fn w(name: &str) -> IsoWeek {
        week::parse(name).unwrap()
    }

    /// Person `who`'s report for `week`, with `minutes` out of hours.
    fn report(week_name: &str, who: u32, minutes: u32) -> WeeklySummary {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&who.to_be_bytes());
        id[4..8].copy_from_slice(&week::monday(w(week_name)).num_days_from_ce().to_be_bytes());
        WeeklySummary {
            schema: Schema,
            week: w(week_name),
            report_id: ReportId::from_bytes(id),
            pseudonym: format!("{who:064x}").parse::<Pseudonym>().unwrap(),
            out_of_hours_minutes: minutes,
            self_reported_out_of_hours_minutes: 0,
            weekend_minutes: 0,
            late_evening_minutes: 0,
            days_with_out_of_hours_work: 0,
            notifications_held_out_of_hours: 0,
            on_call_callout_minutes: 0,
        }
    }

    /// What [`weekly`] makes of everything stored now: the answer without any cache.
    async fn uncached(
        store: &Asked,
        service: &Service,
        range: (IsoWeek, IsoWeek),
    ) -> Vec<WeekOutcomes> {
        let stored = store.inner.contributions(range.0, range.1).await.unwrap();
        weekly(service.org.tree(), service.k, range.0, range.1, stored)
    }

    #[tokio::test]
    async fn closed_weeks_are_released_once_and_open_weeks_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Asked {
            inner: SqliteStore::open(&dir.path().join("d.sqlite3")).unwrap(),
            ranges: Arc::default(),
        };
        let tree = UnitTree::new([("org", None), ("team", Some("org"))]).unwrap();
        let service = Service {
            org: Org::new(tree, []),
            k: Threshold::new(5).unwrap(),
            weeks_accepted: 2,
        };
        // W01 to W10, six people a week in "team".
        let now = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc();
        for n in 1..=10 {
            for who in 0..6 {
                let r = report(&format!("2026-W{n:02}"), who, 15 * n);
                store.put_report("team".into(), r, now).await.unwrap();
            }
        }
        // 2026-W10 ends on 9 March: at `now` W08 (ended 23 Feb, + 2 weeks + a day = 10 March
        // 00:00) is closed; W09 and W10 are open.
        let closed = ClosedWeeks::default();
        let first = (w("2026-W03"), w("2026-W10"));
        let got = released(&store, &service, &closed, first, now)
            .await
            .unwrap();
        let expected = uncached(&store, &service, first).await;
        assert_eq!(
            got.iter().map(|w| (**w).clone()).collect::<Vec<_>>(),
            expected
        );

        // A report for a closed week (ingest refuses these; here straight into the store)
        // is not seen: the week was released once. One for an open week is.
        store
            .put_report("team".into(), report("2026-W05", 50, 600), now)
            .await
            .unwrap();
        store
            .put_report("team".into(), report("2026-W10", 50, 600), now)
            .await
            .unwrap();
        let again = released(&store, &service, &closed, first, now)
            .await
            .unwrap();
        let reporters = |o: &WeekOutcomes| match &o.outcomes[1] {
            Outcome::Released(f) => f.reporters,
            other => panic!("{other:?}"),
        };
        assert_eq!(reporters(&again[2]), 6, "W05 is closed: kept as released");
        assert_eq!(reporters(&again[7]), 7, "W10 is open: read again");

        // A longer range fetches only what it has not released before, from its first such
        // week to the end: W01..W02, then (being a range) W03..W10 again for the open tail.
        let longer = (w("2026-W01"), w("2026-W10"));
        let got = released(&store, &service, &closed, longer, now)
            .await
            .unwrap();
        assert_eq!(got.len(), 10);
        assert_eq!(
            *store.ranges.lock().unwrap(),
            [
                ("2026-W03".into(), "2026-W10".into()),
                ("2026-W09".into(), "2026-W10".into()),
                ("2026-W01".into(), "2026-W10".into()),
            ]
        );
        // W05 stays as first released; everything else equals the uncached answer.
        assert_eq!(reporters(&got[4]), 6, "W05 is not released a second time");
        let expected = uncached(&store, &service, longer).await;
        for (got, expected) in got.iter().zip(&expected) {
            if got.week != w("2026-W05") {
                assert_eq!(**got, *expected);
            }
        }

        // Retention: weeks before W03 are forgotten and, though a read still fetches them
        // (the reports are deleted next), never kept again.
        closed.forget_before(w("2026-W03"));
        store.ranges.lock().unwrap().clear();
        released(&store, &service, &closed, longer, now)
            .await
            .unwrap();
        released(&store, &service, &closed, longer, now)
            .await
            .unwrap();
        let asked = store.ranges.lock().unwrap().clone();
        assert_eq!(
            asked,
            vec![("2026-W01".to_string(), "2026-W10".to_string()); 2]
        );
    }

    #[test]
    fn a_week_closes_a_day_after_the_last_report_it_could_take() {
        let w48 = w("2026-W48"); // ends Monday 30 November 2026, 00:00 UTC
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // Reports are accepted until 30 November + 2 weeks; a day later the week is closed.
        assert!(!is_closed(w48, at("2026-12-13T23:59:59Z"), 2));
        assert!(!is_closed(w48, at("2026-12-14T23:59:59Z"), 2));
        assert!(is_closed(w48, at("2026-12-15T00:00:00Z"), 2));
        assert!(is_closed(w48, at("2026-12-08T00:00:00Z"), 1));
        assert!(!is_closed(w48, at("2026-12-08T00:00:00Z"), 8));
    }
}
