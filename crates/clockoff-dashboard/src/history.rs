//! Every unit's outcome, week by week, over a range: the one code path from stored reports to
//! released figures, shared by the read API (`api::read`) and the pages
//! ([`super::web`]), so both show exactly what the release rule allows.
//!
//! A week is released once: when it is published ([`window::published_at`]: after the last
//! report for it could have been accepted), by the first read that asks for it. That release
//! is stored ([`super::rule::publication`]; the first dashboard to store one decides it for every
//! dashboard on the database) and from then on read back, never released again: not after a
//! restart, nor a reorganisation, nor a change of k or `weeks_accepted`. A week not yet
//! published, and with no stored publication, is "not published yet" in every unit. Weeks
//! read back are kept in memory ([`PublishedWeeks`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, IsoWeek, TimeDelta, Utc};

use super::rule::publication;
use super::rule::release::{Reason, Threshold};
use super::rule::units::UnitTree;
use super::rule::week::{Outcome, Week};
use super::rule::window;
use super::service::Service;
use super::store::{Store, StoreError, StoredContribution};
use clockoff_core::record::week;

/// Published weeks, as stored.
#[derive(Debug, Clone, Default)]
pub struct PublishedWeeks(Arc<Mutex<Published>>);

#[derive(Debug, Default)]
struct Published {
    by_week: BTreeMap<(i32, u32), Arc<WeekOutcomes>>,
    /// Weeks before this are being or have been deleted (retention): never kept, so a read
    /// that fetched them before the deletion cannot put them back.
    first_kept: Option<(i32, u32)>,
}

impl PublishedWeeks {
    /// Forgets the weeks before `first_kept` and keeps none of them from now on. Called
    /// before their reports are deleted.
    pub fn forget_before(&self, first_kept: IsoWeek) {
        let first = key(first_kept);
        let mut published = self.0.lock().unwrap_or_else(|e| e.into_inner());
        published.first_kept = published.first_kept.max(Some(first));
        published.by_week = published.by_week.split_off(&first);
    }

    /// Whether `w` is kept in memory.
    #[cfg(test)]
    fn contains(&self, w: IsoWeek) -> bool {
        let published = self.0.lock().unwrap_or_else(|e| e.into_inner());
        published.by_week.contains_key(&key(w))
    }
}

/// Kept: more than the longest range one request may ask for, so paging back through two
/// years never refetches; the oldest go first.
const KEPT: usize = 160;

fn key(w: IsoWeek) -> (i32, u32) {
    (w.year(), w.week())
}

/// The release of every week from `from` to `to` (oldest first): each week as published
/// (read back, or published now by [`weekly`] if it is due and nobody has), a week not due
/// yet as "not published yet", and a week retention is deleting as "no longer kept".
pub async fn released<S: Store>(
    store: &S,
    service: &Service,
    published: &PublishedWeeks,
    (from, to): (IsoWeek, IsoWeek),
    now: DateTime<Utc>,
) -> Result<Vec<Arc<WeekOutcomes>>, StoreError> {
    let tree = service.org.tree();
    let mut weeks: Vec<(IsoWeek, Option<Arc<WeekOutcomes>>)> = {
        let published = published.0.lock().unwrap_or_else(|e| e.into_inner());
        weeks_between(from, to)
            .map(|w| {
                let gone = published.first_kept.is_some_and(|first| key(w) < first);
                let outcomes = if gone {
                    Some(Arc::new(all(w, tree, Reason::NoLongerKept)))
                } else {
                    published.by_week.get(&key(w)).cloned()
                };
                (w, outcomes)
            })
            .collect()
    };
    let missing = |weeks: &[(IsoWeek, Option<Arc<WeekOutcomes>>)]| {
        let mut missing = weeks.iter().filter(|(_, o)| o.is_none()).map(|(w, _)| *w);
        let first = missing.next()?;
        Some((first, missing.next_back().unwrap_or(first)))
    };

    // Publications stored (by this dashboard before a restart, or by another).
    let mut read_back = BTreeMap::new();
    if let Some((first, last)) = missing(&weeks) {
        for (w, text) in store.publications(first, last).await? {
            read_back.insert(key(w), decode(tree, service.k, w, &text)?);
        }
    }
    for (w, outcomes) in weeks.iter_mut().filter(|(_, o)| o.is_none()) {
        if let Some(stored) = read_back.remove(&key(*w)) {
            *outcomes = Some(keep(published, stored));
        }
    }

    // Weeks due and never published: released now from every report they took, and
    // stored; the week stays as stored, even if another dashboard stored it first. A week
    // without a single report is not stored (all it can show is "fewer than k"), which
    // keeps years of empty weeks out of the database.
    let due = |w: IsoWeek| window::is_published(w, now, service.weeks_accepted);
    let to_publish: Vec<IsoWeek> = weeks
        .iter()
        .filter(|(w, o)| o.is_none() && due(*w))
        .map(|(w, _)| *w)
        .collect();
    if let (Some(&first), Some(&last)) = (to_publish.first(), to_publish.last()) {
        let stored = store.contributions(first, last).await?;
        let reported: std::collections::BTreeSet<(i32, u32)> =
            stored.iter().map(|s| key(s.week)).collect();
        let mut fresh = weekly(tree, service.k, first, last, stored).into_iter();
        for (w, outcomes) in weeks.iter_mut().filter(|(w, o)| o.is_none() && due(*w)) {
            let Some(release) = fresh.find(|f| f.week == *w) else {
                continue;
            };
            let release = if reported.contains(&key(*w)) {
                let text = publication::encode(tree, service.k.get(), &release.outcomes)
                    .map_err(|e| StoreError::Corrupt(format!("encoding a publication: {e}")))?;
                let stored = store.publish(*w, text, now).await?;
                decode(tree, service.k, *w, &stored)?
            } else {
                release
            };
            *outcomes = Some(keep(published, release));
        }
    }

    let weeks: Vec<Arc<WeekOutcomes>> = weeks
        .into_iter()
        .map(|(w, o)| o.unwrap_or_else(|| Arc::new(all(w, tree, Reason::NotPublished))))
        .collect();
    let mut published = published.0.lock().unwrap_or_else(|e| e.into_inner());
    while published.by_week.len() > KEPT {
        published.by_week.pop_first();
    }
    Ok(weeks)
}

/// `week` kept in memory (unless retention is deleting it); the one kept before if another
/// read got there first.
fn keep(published: &PublishedWeeks, week: WeekOutcomes) -> Arc<WeekOutcomes> {
    let mut published = published.0.lock().unwrap_or_else(|e| e.into_inner());
    let k = key(week.week);
    if published.first_kept.is_none_or(|first| k >= first) {
        Arc::clone(published.by_week.entry(k).or_insert_with(|| Arc::new(week)))
    } else {
        Arc::new(week)
    }
}

fn decode(
    tree: &UnitTree,
    k: Threshold,
    w: IsoWeek,
    text: &str,
) -> Result<WeekOutcomes, StoreError> {
    let outcomes = publication::decode(tree, k, text)
        .map_err(|e| StoreError::Corrupt(format!("the publication of {}: {e}", week::name(w))))?;
    Ok(WeekOutcomes { week: w, outcomes })
}

/// Every unit of `w` suppressed for `reason`.
fn all(w: IsoWeek, tree: &UnitTree, reason: Reason) -> WeekOutcomes {
    WeekOutcomes {
        week: w,
        outcomes: vec![Outcome::Suppressed { reason }; tree.len()],
    }
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

/// The `n` weeks (n >= 1) ending with the latest published week at `now`.
pub fn last_weeks(now: DateTime<Utc>, weeks_accepted: u32, n: u32) -> Option<(IsoWeek, IsoWeek)> {
    n_weeks_to(window::latest_published(now, weeks_accepted)?, n)
}

/// The `n` weeks (n >= 1) ending with the week that ended last in UTC at `now`.
pub fn last_ended_weeks(now: DateTime<Utc>, n: u32) -> Option<(IsoWeek, IsoWeek)> {
    n_weeks_to(
        now.date_naive()
            .checked_sub_signed(TimeDelta::days(7))?
            .iso_week(),
        n,
    )
}

fn n_weeks_to(to: IsoWeek, n: u32) -> Option<(IsoWeek, IsoWeek)> {
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

// A scenario test reads top to bottom: length is not a smell there.
#[cfg(test)]
#[allow(clippy::too_many_lines)]
mod tests {
    use super::*;
    use crate::org::Org;
    use crate::store::{
        DeviceEntry, DeviceRecord, Enrolment, Issuance, Put, SqliteStore, StoredKey, TokenEntry,
        TokenRecord,
    };
    use crate::token::{Role, TokenHash};
    use clockoff_core::summary::{Pseudonym, ReportId, Schema, WeeklySummary};

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

        async fn enrol_device(
            &self,
            hash: TokenHash,
            unit: String,
            at: DateTime<Utc>,
            max: Option<u32>,
        ) -> Result<Enrolment, StoreError> {
            self.inner.enrol_device(hash, unit, at, max).await
        }

        async fn device(&self, hash: TokenHash) -> Result<Option<DeviceRecord>, StoreError> {
            self.inner.device(hash).await
        }

        async fn devices(&self) -> Result<Vec<DeviceEntry>, StoreError> {
            self.inner.devices().await
        }

        async fn revoke_device(
            &self,
            hash: TokenHash,
            at: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            self.inner.revoke_device(hash, at).await
        }

        async fn enrolled_devices(&self, unit: String) -> Result<u32, StoreError> {
            self.inner.enrolled_devices(unit).await
        }

        async fn record_issuance(
            &self,
            week: IsoWeek,
            device: TokenHash,
            request_hash: String,
        ) -> Result<Issuance, StoreError> {
            self.inner.record_issuance(week, device, request_hash).await
        }

        async fn issuer_keys(
            &self,
            fresh: Vec<u8>,
            at: DateTime<Utc>,
        ) -> Result<Vec<StoredKey>, StoreError> {
            self.inner.issuer_keys(fresh, at).await
        }

        async fn rotate_issuer_key(
            &self,
            fresh: Vec<u8>,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            self.inner.rotate_issuer_key(fresh, at).await
        }

        async fn put_report(
            &self,
            unit: String,
            report: WeeklySummary,
            received: DateTime<Utc>,
        ) -> Result<Put, StoreError> {
            self.inner.put_report(unit, report, received).await
        }

        async fn was_received(&self, report: &WeeklySummary) -> Result<bool, StoreError> {
            self.inner.was_received(report).await
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

        async fn publications(
            &self,
            from: IsoWeek,
            to: IsoWeek,
        ) -> Result<Vec<(IsoWeek, String)>, StoreError> {
            self.inner.publications(from, to).await
        }

        async fn publish(
            &self,
            week: IsoWeek,
            release: String,
            at: DateTime<Utc>,
        ) -> Result<String, StoreError> {
            self.inner.publish(week, release, at).await
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
            figures: clockoff_core::summary::WeekFigures {
                out_of_hours_minutes: minutes,
                self_reported_out_of_hours_minutes: 0,
                weekend_minutes: 0,
                late_evening_minutes: 0,
                days_with_out_of_hours_work: 0,
                notifications_held_out_of_hours: 0,
                on_call_callout_minutes: 0,
            },
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
    async fn published_weeks_are_released_once_and_later_weeks_not_at_all() {
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
        let mut now = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc();
        for n in 1..=10 {
            for who in 0..6 {
                let r = report(&format!("2026-W{n:02}"), who, 15 * n);
                store.put_report("team".into(), r, now).await.unwrap();
            }
        }
        // At `now` W08 (ended 23 Feb, + 2 weeks = 9 March) is published; W09 and W10 are
        // not, and the store is not asked for them.
        let published = PublishedWeeks::default();
        let first = (w("2026-W03"), w("2026-W10"));
        let got = released(&store, &service, &published, first, now)
            .await
            .unwrap();
        let expected = uncached(&store, &service, (w("2026-W03"), w("2026-W08"))).await;
        assert_eq!(
            got[..6].iter().map(|w| (**w).clone()).collect::<Vec<_>>(),
            expected
        );
        let not_published = Outcome::Suppressed {
            reason: Reason::NotPublished,
        };
        for later in &got[6..] {
            assert_eq!(
                later.outcomes,
                [not_published.clone(), not_published.clone()]
            );
        }

        // Reports added now (ingest refuses them for W05; here straight into the store)
        // change nothing shown: W05 was published and released once, W10 is not published.
        store
            .put_report("team".into(), report("2026-W05", 50, 600), now)
            .await
            .unwrap();
        store
            .put_report("team".into(), report("2026-W10", 50, 600), now)
            .await
            .unwrap();
        let again = released(&store, &service, &published, first, now)
            .await
            .unwrap();
        assert_eq!(again, got, "released once");
        let reporters = |o: &WeekOutcomes| match &o.outcomes[1] {
            Outcome::Released(f) => f.reporters,
            other => panic!("{other:?}"),
        };
        assert_eq!(reporters(&again[2]), 6);

        // A longer range fetches only the published weeks it has not released before.
        let longer = (w("2026-W01"), w("2026-W10"));
        let got = released(&store, &service, &published, longer, now)
            .await
            .unwrap();
        assert_eq!(got.len(), 10);
        assert_eq!(reporters(&got[4]), 6, "W05 is not released a second time");
        let expected = uncached(&store, &service, (w("2026-W01"), w("2026-W02"))).await;
        assert_eq!(*got[0], expected[0]);
        assert_eq!(*got[1], expected[1]);

        // Monday 16 March, 01:00: W09 is published, with every report it took.
        now = DateTime::parse_from_rfc3339("2026-03-16T01:00:00Z")
            .unwrap()
            .to_utc();
        let got = released(&store, &service, &published, longer, now)
            .await
            .unwrap();
        assert_eq!(reporters(&got[8]), 6);
        assert_eq!(got[9].outcomes[1], not_published);
        assert_eq!(
            *store.ranges.lock().unwrap(),
            [
                ("2026-W03".into(), "2026-W08".into()),
                ("2026-W01".into(), "2026-W02".into()),
                ("2026-W09".into(), "2026-W09".into()),
            ]
        );

        // A restart (nothing in memory), and a reorganisation: the weeks read back as
        // published, from their stored publications; the store's reports are not read,
        // though W05 has one more now. A unit added since is not in those publications.
        store.ranges.lock().unwrap().clear();
        let reorganised = Service {
            org: Org::new(
                UnitTree::new([("org", None), ("new", Some("org")), ("team", Some("org"))])
                    .unwrap(),
                [],
            ),
            ..service
        };
        let restarted = PublishedWeeks::default();
        let again = released(&store, &reorganised, &restarted, longer, now)
            .await
            .unwrap();
        assert_eq!(
            *store.ranges.lock().unwrap(),
            Vec::<(String, String)>::new()
        );
        let now_index = |id| reorganised.org.tree().index(id).unwrap();
        for (again, got) in again.iter().zip(&got).take(9) {
            assert_eq!(again.outcomes[now_index("org")], got.outcomes[0]);
            assert_eq!(again.outcomes[now_index("team")], got.outcomes[1]);
            assert_eq!(
                again.outcomes[now_index("new")],
                Outcome::Suppressed {
                    reason: Reason::NotInPublication
                }
            );
        }

        // Retention: weeks before W03 are forgotten and, from then on (their reports and
        // publications are deleted next), "no longer kept", without asking the store.
        published.forget_before(w("2026-W03"));
        store.ranges.lock().unwrap().clear();
        let got = released(&store, &service, &published, longer, now)
            .await
            .unwrap();
        let gone = Outcome::Suppressed {
            reason: Reason::NoLongerKept,
        };
        assert_eq!(got[0].outcomes, [gone.clone(), gone.clone()]);
        assert_eq!(got[1].outcomes, [gone.clone(), gone]);
        assert_eq!(reporters(&got[2]), 6);
        assert!(!published.contains(w("2026-W01")) && !published.contains(w("2026-W02")));
        assert!(published.contains(w("2026-W03")));
        assert_eq!(
            *store.ranges.lock().unwrap(),
            Vec::<(String, String)>::new()
        );
    }

    /// One simulated history: reports arriving late (even after publication: straight into
    /// the store, which ingest would refuse), and reads now and then under one of two
    /// organisations, two values of k and three of `weeks_accepted`, with restarts.
    #[derive(Debug, Clone)]
    struct History {
        /// (team 0 or 1, week 0..3, hours after the week ended, out-of-hours minutes)
        reports: Vec<(usize, i64, i64, u32)>,
        /// (hours after the first week ended, second organisation, k, weeks_accepted,
        /// a restart first; any change of configuration is one too)
        reads: Vec<(i64, bool, u32, u32, bool)>,
    }

    fn history() -> impl proptest::strategy::Strategy<Value = History> {
        use proptest::prelude::*;
        let report = (0usize..2, 0i64..3, 0i64..5 * 168, 0u32..600);
        let read = (
            0i64..7 * 168,
            any::<bool>(),
            5u32..=6,
            1u32..=3,
            any::<bool>(),
        );
        (
            prop::collection::vec(report, 0..40),
            prop::collection::vec(read, 1..12),
        )
            .prop_map(|(reports, mut reads)| {
                reads.sort_by_key(|r| r.0);
                History { reports, reads }
            })
    }

    /// Whatever arrives late and however the dashboard is reconfigured or restarted, every
    /// unit-week is shown with one set of figures or none: no two reads of one week can be
    /// differenced. And once shown, a week is never "not published" again.
    #[test]
    fn a_week_once_shown_never_changes() {
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::with_cases(48));
        let showed_figures = std::sync::atomic::AtomicUsize::new(0);
        runner
            .run(&history(), |h| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                if rt.block_on(check_history(h)) {
                    showed_figures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(())
            })
            .unwrap();
        // The property is only tested where figures were shown at all.
        let showed = showed_figures.into_inner();
        assert!(
            showed >= 10,
            "only {showed} of 48 histories showed a figure"
        );
    }

    /// Checks one history (panicking on a violation); whether any read showed a figure.
    async fn check_history(h: History) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("d.sqlite3")).unwrap();
        let first_end = window::end_utc(w("2026-W10"));
        let weeks = (w("2026-W10"), w("2026-W12"));
        let teams = ["team-a", "team-b"];
        let org = |moved: bool| {
            let units = if moved {
                [
                    ("org", None),
                    ("svc", Some("org")),
                    ("team-a", Some("svc")),
                    ("other", Some("org")),
                    ("team-b", Some("other")),
                ]
                .to_vec()
            } else {
                [
                    ("org", None),
                    ("svc", Some("org")),
                    ("team-a", Some("svc")),
                    ("team-b", Some("svc")),
                ]
                .to_vec()
            };
            Org::new(UnitTree::new(units).unwrap(), [])
        };
        let mut arrivals: Vec<(DateTime<Utc>, &str, WeeklySummary)> = h
            .reports
            .iter()
            .enumerate()
            .map(|(who, &(team, week, late, minutes))| {
                let name = week::name(
                    week::monday(weeks.0)
                        .checked_add_signed(TimeDelta::weeks(week))
                        .unwrap()
                        .iso_week(),
                );
                let at = first_end + TimeDelta::weeks(week) + TimeDelta::hours(late);
                (at, teams[team], report(&name, who as u32, minutes))
            })
            .collect();
        arrivals.sort_by_key(|a| a.0);
        let mut arrivals = arrivals.into_iter().peekable();

        let mut published = PublishedWeeks::default();
        // Week -> every unit's outcome in the first read that showed figures for it.
        let mut first_figures: BTreeMap<String, BTreeMap<String, Outcome>> = BTreeMap::new();
        let mut showed_figures = false;
        let mut config = None;
        for &(hours, moved, k, weeks_accepted, restart) in &h.reads {
            let now = first_end + TimeDelta::hours(hours);
            while let Some((_, team, r)) = arrivals.next_if(|a| a.0 <= now) {
                store.put_report(team.into(), r, now).await.unwrap();
            }
            // The configuration is read at start: another one means a restart.
            if restart || config != Some((moved, k, weeks_accepted)) {
                published = PublishedWeeks::default();
                config = Some((moved, k, weeks_accepted));
            }
            let service = Service {
                org: org(moved),
                k: Threshold::new(k).unwrap(),
                weeks_accepted,
            };
            let got = released(&store, &service, &published, weeks, now)
                .await
                .unwrap();
            let tree = service.org.tree();
            for week_outcomes in &got {
                let name = week::name(week_outcomes.week);
                let by_unit = || {
                    let ids = (0..tree.len()).map(|u| tree.id(u).to_string());
                    ids.zip(week_outcomes.outcomes.iter().cloned()).collect()
                };
                let released = |o: &Outcome| matches!(o, Outcome::Released(_));
                if week_outcomes.outcomes.iter().any(released) {
                    showed_figures = true;
                    first_figures.entry(name.clone()).or_insert_with(by_unit);
                }
                let Some(first) = first_figures.get(&name) else {
                    continue; // nothing shown for this week yet: no numbers to compare
                };
                for (u, outcome) in week_outcomes.outcomes.iter().enumerate() {
                    assert_ne!(
                        *outcome,
                        Outcome::Suppressed {
                            reason: Reason::NotPublished
                        },
                        "{name} unpublished again"
                    );
                    if released(outcome) {
                        // The same figures as the first release that showed any: never a
                        // unit that release did not show, nor other numbers for one it did.
                        assert_eq!(
                            first.get(tree.id(u)),
                            Some(outcome),
                            "{name} {}",
                            tree.id(u)
                        );
                    }
                }
            }
        }
        showed_figures
    }
}
