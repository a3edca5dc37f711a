//! The dashboard's storage rules, the same tests for each backend: SQLite in a temporary
//! file, PostgreSQL in a private server (tests/support/postgres.rs). One summary per
//! pseudonym and week, replays changing nothing, published weeks refused, tokens found by
//! hash, and reports sent at once from many tasks (and, for PostgreSQL, from two dashboards
//! sharing a database) each getting the answer it would get alone.

use crate::support;

use chrono::{DateTime, Utc};
use clockoff_core::record::week;
use clockoff_core::summary::{Pseudonym, ReportId, Schema, WeeklySummary};
use clockoff_dashboard::store::{
    AnyStore, PostgresStore, Put, SqliteStore, Store, StoreError, TokenRecord,
};
use clockoff_dashboard::token::{Role, TokenHash};
use support::postgres::Postgres;
use support::tmp::{TempDir, temp_dir};

/// A store and what keeps it alive (its file's directory, or its server).
struct Backend {
    store: AnyStore,
    _dir: Option<TempDir>,
    server: Option<Postgres>,
}

impl Backend {
    async fn sqlite() -> Backend {
        let dir = temp_dir("dashboard-store");
        let store = SqliteStore::open(&dir.path().join("d/db.sqlite3")).unwrap();
        Backend {
            store: AnyStore::Sqlite(store),
            _dir: Some(dir),
            server: None,
        }
    }

    /// `None` (the test skipped, saying why) when PostgreSQL is not installed.
    async fn postgres() -> Option<Backend> {
        let server = support::or_skip(Postgres::start())?;
        let store = PostgresStore::connect(&server.url).await.unwrap();
        Some(Backend {
            store: AnyStore::Postgres(store),
            _dir: None,
            server: Some(server),
        })
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_780_000_000_000).unwrap()
}

fn summary(id: u8, who: u8, week_name: &str, minutes: u32) -> WeeklySummary {
    WeeklySummary {
        schema: Schema,
        week: week::parse(week_name).unwrap(),
        report_id: ReportId::from_bytes([id; 16]),
        pseudonym: format!("{who:064x}").parse::<Pseudonym>().unwrap(),
        figures: clockoff_core::summary::WeekFigures {
            out_of_hours_minutes: minutes,
            self_reported_out_of_hours_minutes: 0,
            weekend_minutes: 15,
            late_evening_minutes: 0,
            days_with_out_of_hours_work: 1,
            notifications_held_out_of_hours: 3,
            on_call_callout_minutes: 0,
        },
    }
}

/// (week, out-of-hours minutes) of everything stored in 2026, oldest week first.
async fn minutes_by_week(store: &impl Store) -> Vec<(String, u32)> {
    let w = |s| week::parse(s).unwrap();
    let mut got: Vec<(String, u32)> = store
        .contributions(w("2026-W01"), w("2026-W53"))
        .await
        .unwrap()
        .iter()
        .map(|c| (week::name(c.week), c.contribution.out_of_hours_minutes))
        .collect();
    got.sort();
    got
}

async fn one_summary_per_pseudonym_and_week(store: AnyStore) {
    let put = |s: WeeklySummary| store.put_report("team".into(), s, now());
    assert_eq!(
        put(summary(1, 1, "2026-W48", 30)).await.unwrap(),
        Put::Stored
    );
    assert_eq!(
        put(summary(1, 1, "2026-W48", 30)).await.unwrap(),
        Put::Replay
    );
    assert_eq!(
        put(summary(2, 1, "2026-W48", 60)).await.unwrap(),
        Put::Replaced
    );
    // A late retry of the replaced report is acknowledged, not stored over the newer one.
    assert_eq!(
        put(summary(1, 1, "2026-W48", 30)).await.unwrap(),
        Put::Replay
    );
    // The same id under another pseudonym or week is another report (ids are known under
    // their week and pseudonym).
    assert_eq!(
        put(summary(2, 9, "2026-W47", 15)).await.unwrap(),
        Put::Stored
    );
    assert_eq!(
        put(summary(3, 1, "2026-W47", 45)).await.unwrap(),
        Put::Stored
    );

    assert_eq!(
        minutes_by_week(&store).await,
        [
            ("2026-W47".into(), 15),
            ("2026-W47".into(), 45),
            ("2026-W48".into(), 60)
        ]
    );
    let w = |s| week::parse(s).unwrap();
    let w48 = store
        .contributions(w("2026-W48"), w("2026-W48"))
        .await
        .unwrap();
    assert_eq!(w48.len(), 1);
    assert_eq!(w48[0].unit, "team");
    assert_eq!(w48[0].contribution, summary(2, 1, "2026-W48", 60).figures);
    assert!(
        store
            .contributions(w("2026-W49"), w("2026-W52"))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn tokens_are_found_by_hash_listed_and_revoked(store: AnyStore) {
    store
        .add_token(TokenHash::of("t"), "team".into(), Role::Viewer, now())
        .await
        .unwrap();
    // A hash is a primary key: the same token cannot be stored again, for any unit.
    assert!(
        store
            .add_token(TokenHash::of("t"), "x".into(), Role::Reporter, now())
            .await
            .is_err()
    );
    let expected = Some(TokenRecord {
        unit: "team".into(),
        role: Role::Viewer,
        created: now(),
    });
    assert_eq!(store.token(TokenHash::of("t")).await.unwrap(), expected);
    // Asked again (the store may now answer from its cache), the answer is the same.
    assert_eq!(store.token(TokenHash::of("t")).await.unwrap(), expected);
    assert_eq!(store.token(TokenHash::of("u")).await.unwrap(), None);

    let later = now() + chrono::TimeDelta::minutes(5);
    store
        .add_token(TokenHash::of("r"), "team".into(), Role::Reporter, later)
        .await
        .unwrap();
    // Revoked: no longer found (the cache forgets it at once), still listed, and only once.
    assert!(store.revoke_token(TokenHash::of("t"), later).await.unwrap());
    assert_eq!(store.token(TokenHash::of("t")).await.unwrap(), None);
    assert!(!store.revoke_token(TokenHash::of("t"), later).await.unwrap());
    assert!(!store.revoke_token(TokenHash::of("u"), later).await.unwrap());
    let listed: Vec<(String, Role, Option<DateTime<Utc>>)> = store
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.hash.as_str().to_string(), e.record.role, e.revoked))
        .collect();
    assert_eq!(
        listed,
        [
            (
                TokenHash::of("t").as_str().into(),
                Role::Viewer,
                Some(later)
            ),
            (TokenHash::of("r").as_str().into(), Role::Reporter, None),
        ]
    );
    assert!(store.token(TokenHash::of("r")).await.unwrap().is_some());
}

/// 100 workers at once, each sending its report, a retry of it, the next week's report, and
/// a resubmission: each answer is the one it would get alone.
async fn reports_sent_at_once_each_get_their_own_answer(writers: [AnyStore; 2]) {
    let mut sent = Vec::new();
    for who in 0..100u8 {
        // Alternate between the two writers (two dashboards on one PostgreSQL database).
        let store = writers[usize::from(who % 2)].clone();
        sent.push(tokio::spawn(async move {
            let first = summary(who, who, "2026-W40", 15);
            let put = store.put_report("team".into(), first.clone(), now());
            let put = put.await.unwrap();
            let again = store.put_report("team".into(), first, now()).await.unwrap();
            let next = store
                .put_report("team".into(), summary(who, who, "2026-W41", 15), now())
                .await
                .unwrap();
            let newer = summary(who + 100, who, "2026-W40", 30);
            let replaced = store.put_report("team".into(), newer, now()).await.unwrap();
            (put, again, next, replaced)
        }));
    }
    for task in sent {
        assert_eq!(
            task.await.unwrap(),
            (Put::Stored, Put::Replay, Put::Stored, Put::Replaced)
        );
    }
    let stored = minutes_by_week(&writers[0]).await;
    assert_eq!(stored.len(), 200);
    assert!(
        stored[..100]
            .iter()
            .all(|(w, m)| w == "2026-W40" && *m == 30)
    );
    assert!(
        stored[100..]
            .iter()
            .all(|(w, m)| w == "2026-W41" && *m == 15)
    );
}

/// The same resubmission raced from both writers: exactly one stores, the other replays,
/// and the week still holds one summary for the worker.
async fn a_report_raced_from_two_writers_is_stored_once(writers: [AnyStore; 2]) {
    for round in 0..20u8 {
        let report = summary(200 + round, round, "2026-W45", 15 * u32::from(round));
        let [a, b] = writers.clone();
        let (r1, r2) = (report.clone(), report);
        let one = tokio::spawn(async move { a.put_report("team".into(), r1, now()).await });
        let two = tokio::spawn(async move { b.put_report("team".into(), r2, now()).await });
        let mut answers = [one.await.unwrap().unwrap(), two.await.unwrap().unwrap()];
        answers.sort_by_key(|p| format!("{p:?}"));
        assert_eq!(answers, [Put::Replay, Put::Stored], "round {round}");
    }
    let stored = minutes_by_week(&writers[1]).await;
    assert_eq!(stored.iter().filter(|(w, _)| w == "2026-W45").count(), 20);
}

async fn weeks_before_a_cut_are_forgotten(store: AnyStore) {
    let put = |s: WeeklySummary| store.put_report("team".into(), s, now());
    put(summary(1, 1, "2026-W40", 30)).await.unwrap();
    put(summary(2, 1, "2026-W40", 45)).await.unwrap(); // replaces 1
    put(summary(3, 2, "2026-W40", 60)).await.unwrap();
    put(summary(4, 1, "2026-W41", 15)).await.unwrap();
    let gone = store.forget_before(week::parse("2026-W41").unwrap()).await;
    assert_eq!(gone.unwrap(), 2);
    assert_eq!(minutes_by_week(&store).await, [("2026-W41".into(), 15)]);
    // The replaced id went too: sent again, it is a new report.
    assert_eq!(
        put(summary(1, 1, "2026-W40", 30)).await.unwrap(),
        Put::Stored
    );
}

/// A week is published once: the first release stored stands, whoever publishes after (this
/// dashboard again, or another racing it, with a different release) gets it back. Retention
/// takes publications with the reports.
async fn the_first_publication_of_a_week_stands(writers: [AnyStore; 2]) {
    let w = |name| week::parse(name).unwrap();
    let store = &writers[0];
    assert_eq!(
        store
            .publications(w("2026-W01"), w("2026-W53"))
            .await
            .unwrap(),
        []
    );
    for round in 0..10u32 {
        let week = week::parse(&format!("2026-W{:02}", 30 + round)).unwrap();
        let [a, b] = writers.clone();
        let one = tokio::spawn(async move { a.publish(week, format!("a{round}"), now()).await });
        let two = tokio::spawn(async move { b.publish(week, format!("b{round}"), now()).await });
        let (one, two) = (one.await.unwrap().unwrap(), two.await.unwrap().unwrap());
        assert_eq!(one, two, "round {round}");
        assert!([format!("a{round}"), format!("b{round}")].contains(&one));
        let later = store.publish(week, "c".into(), now()).await.unwrap();
        assert_eq!(later, one, "a later publication changes nothing");
    }
    let stored = store
        .publications(w("2026-W35"), w("2026-W50"))
        .await
        .unwrap();
    let weeks: Vec<String> = stored.iter().map(|(w, _)| week::name(*w)).collect();
    assert_eq!(
        weeks,
        ["2026-W35", "2026-W36", "2026-W37", "2026-W38", "2026-W39"]
    );

    // A published week takes no more reports; a replay of one it has is still a replay.
    let put = |s: WeeklySummary| store.put_report("team".into(), s, now());
    assert_eq!(
        put(summary(1, 1, "2026-W50", 30)).await.unwrap(),
        Put::Stored
    );
    store
        .publish(w("2026-W50"), "d".into(), now())
        .await
        .unwrap();
    assert_eq!(
        put(summary(1, 1, "2026-W50", 30)).await.unwrap(),
        Put::Replay
    );
    assert_eq!(
        put(summary(2, 2, "2026-W50", 30)).await.unwrap(),
        Put::Closed
    );
    assert_eq!(
        put(summary(3, 1, "2026-W50", 45)).await.unwrap(),
        Put::Closed
    );
    assert_eq!(minutes_by_week(store).await, [("2026-W50".into(), 30)]);

    // Retention takes a week's publication with its reports.
    assert_eq!(
        put(summary(4, 4, "2026-W20", 15)).await.unwrap(),
        Put::Stored
    );
    store
        .publish(w("2026-W20"), "e".into(), now())
        .await
        .unwrap();
    store.forget_before(w("2026-W38")).await.unwrap();
    assert_eq!(minutes_by_week(store).await, [("2026-W50".into(), 30)]);
    let stored = store
        .publications(w("2026-W01"), w("2026-W53"))
        .await
        .unwrap();
    assert_eq!(
        stored.first().map(|(w, _)| week::name(*w)).unwrap(),
        "2026-W38"
    );
    assert_eq!(stored.len(), 3, "W38, W39 and W50");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_the_first_publication_of_a_week_stands() {
    let b = Backend::sqlite().await;
    let path = b._dir.as_ref().unwrap().path().join("d/db.sqlite3");
    let second = AnyStore::Sqlite(SqliteStore::open(&path).unwrap());
    the_first_publication_of_a_week_stands([b.store.clone(), second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_the_first_publication_of_a_week_stands() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    let url = &pg.server.as_ref().expect("a server").url;
    let second = AnyStore::Postgres(PostgresStore::connect(url).await.unwrap());
    the_first_publication_of_a_week_stands([pg.store.clone(), second]).await;
}

#[tokio::test]
async fn sqlite_weeks_before_a_cut_are_forgotten() {
    weeks_before_a_cut_are_forgotten(Backend::sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_weeks_before_a_cut_are_forgotten() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    weeks_before_a_cut_are_forgotten(pg.store.clone()).await;
}

#[tokio::test]
async fn sqlite_one_summary_per_pseudonym_and_week() {
    one_summary_per_pseudonym_and_week(Backend::sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_one_summary_per_pseudonym_and_week() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    one_summary_per_pseudonym_and_week(pg.store.clone()).await;
}

#[tokio::test]
async fn sqlite_tokens_are_found_by_hash_listed_and_revoked() {
    tokens_are_found_by_hash_listed_and_revoked(Backend::sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_tokens_are_found_by_hash_listed_and_revoked() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    tokens_are_found_by_hash_listed_and_revoked(pg.store.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_reports_sent_at_once_each_get_their_own_answer() {
    let b = Backend::sqlite().await;
    reports_sent_at_once_each_get_their_own_answer([b.store.clone(), b.store.clone()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_dashboards_at_once_each_get_their_own_answer() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    let url = &pg.server.as_ref().expect("a server").url;
    let second = AnyStore::Postgres(PostgresStore::connect(url).await.unwrap());
    reports_sent_at_once_each_get_their_own_answer([pg.store.clone(), second.clone()]).await;
    a_report_raced_from_two_writers_is_stored_once([pg.store.clone(), second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_report_raced_from_two_tasks_is_stored_once() {
    let b = Backend::sqlite().await;
    a_report_raced_from_two_writers_is_stored_once([b.store.clone(), b.store.clone()]).await;
}

#[tokio::test]
async fn postgres_keeps_what_it_stored_across_a_restart_of_the_dashboard() {
    let Some(pg) = Backend::postgres().await else {
        return;
    };
    pg.store
        .put_report("team".into(), summary(1, 1, "2026-W48", 30), now())
        .await
        .unwrap();
    let url = &pg.server.as_ref().expect("a server").url;
    // Connecting again runs the migrations again: they see the version and do nothing.
    let again = PostgresStore::connect(url).await.unwrap();
    assert_eq!(minutes_by_week(&again).await, [("2026-W48".into(), 30)]);
}

#[tokio::test]
async fn postgres_a_newer_schema_is_refused_untouched() {
    let Some(server) = support::or_skip(Postgres::start()) else {
        return;
    };
    PostgresStore::connect(&server.url).await.unwrap();
    let pool = sqlx::PgPool::connect(&server.url).await.unwrap();
    sqlx::query("UPDATE clockoff_schema SET version = 99")
        .execute(&pool)
        .await
        .unwrap();
    match PostgresStore::connect(&server.url).await {
        Err(StoreError::UnsupportedVersion { found: 99, .. }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    let version: i64 = sqlx::query_scalar("SELECT version FROM clockoff_schema")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(version, 99);
}

/// An organisation's shared database: each dashboard in a schema of its own, named by the
/// standard libpq `options` parameter. Tables, function and version live there, none in
/// `public`, and one dashboard sees nothing of the other's.
#[tokio::test]
async fn postgres_dashboards_in_their_own_schemas_share_a_database_and_nothing_else() {
    let Some(server) = support::or_skip(Postgres::start()) else {
        return;
    };
    let in_schema = |schema: &str| format!("{}&options=-c%20search_path%3D{schema}", server.url);
    // A schema that does not exist yet is named in the refusal.
    match PostgresStore::connect(&in_schema("clockoff_a")).await {
        Err(e) => assert!(e.to_string().contains("clockoff_a"), "{e}"),
        Ok(_) => panic!("connected to a schema that does not exist"),
    }
    let pool = sqlx::PgPool::connect(&server.url).await.unwrap();
    sqlx::raw_sql("CREATE SCHEMA clockoff_a; CREATE SCHEMA clockoff_b")
        .execute(&pool)
        .await
        .unwrap();
    let a = PostgresStore::connect(&in_schema("clockoff_a"))
        .await
        .unwrap();
    let b = PostgresStore::connect(&in_schema("clockoff_b"))
        .await
        .unwrap();
    a.put_report("team".into(), summary(1, 1, "2026-W48", 30), now())
        .await
        .unwrap();
    b.put_report("team".into(), summary(2, 2, "2026-W48", 45), now())
        .await
        .unwrap();
    assert_eq!(minutes_by_week(&a).await, [("2026-W48".into(), 30)]);
    assert_eq!(minutes_by_week(&b).await, [("2026-W48".into(), 45)]);
    let where_tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables
         WHERE table_name IN ('reports', 'clockoff_schema') ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<(String, String)> = [
        ("clockoff_a", "clockoff_schema"),
        ("clockoff_a", "reports"),
        ("clockoff_b", "clockoff_schema"),
        ("clockoff_b", "reports"),
    ]
    .iter()
    .map(|(s, t)| (s.to_string(), t.to_string()))
    .collect();
    assert_eq!(where_tables, expected);
    let where_function: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname = 'clockoff_put_report' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(where_function, ["clockoff_a", "clockoff_b"]);
}
