//! Forgetting on a real (in-memory) ledger, written through the writer's own queries.

use chrono::{TimeDelta, TimeZone};

use super::*;
use crate::core::activity::Class;
use crate::core::schedule::State;
use crate::ledger::chain::verify::{EditProblem, LinkProblem};
use crate::ledger::queries;
use crate::ledger::schema::{MIGRATIONS, migrate};

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::days(n)
}

fn cut_at(n: i64) -> Cutoff {
    Cutoff {
        before: day(n),
        date: day(n).date_naive(),
    }
}

/// Ten days, each with a closed interval 09:00-17:00, a transition, a manual entry
/// 19:00-20:00 and TOIL taken that day.
fn ledger() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, MIGRATIONS).unwrap();
    for n in 0..10 {
        let at = |h| day(n) + TimeDelta::hours(h);
        let id =
            queries::open_interval(&conn, at(9), Class::Working, State::Working, "x11").unwrap();
        queries::close_interval(&conn, id, at(17)).unwrap();
        queries::record_transition(&conn, at(9), State::Working).unwrap();
        queries::add_manual(&conn, at(19), at(20), &format!("visit {n}"), at(21)).unwrap();
        queries::take_toil(&conn, day(n).date_naive(), 30, "", at(21)).unwrap();
    }
    conn
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn forgetting_removes_what_ended_before_the_cut_and_still_verifies() {
    let conn = ledger();
    let entries_before = count(&conn, "chain");
    assert_eq!(entries_before, 40);
    let planned = plan(&conn, cut_at(4)).unwrap();
    let forgot = forget(&conn, cut_at(4), 90, day(20)).unwrap().unwrap();
    assert_eq!(
        (
            forgot.intervals,
            forgot.manual_entries,
            forgot.toil_taken,
            forgot.transitions
        ),
        (4, 4, 4, 4)
    );
    assert_eq!(forgot.records(), planned.records());
    // Each day's four entries vouch only for that day's records: the first 16 go.
    assert_eq!(forgot.chain_entries, 16);
    assert_eq!(count(&conn, "intervals"), 6);
    assert_eq!(count(&conn, "manual_entries"), 6);
    assert_eq!(count(&conn, "chain"), 40 - 16 + 1);

    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    let anchor = report.forgotten.unwrap();
    assert_eq!(anchor.before_date, "2024-01-05");
    assert_eq!(anchor.through_seq, 16);
    assert_eq!(anchor.toil_carried_minutes, 90);
    assert_eq!(report.forgotten_records, 0);
}

#[test]
fn a_record_before_the_cut_whose_entry_must_stay_is_gone_and_accounted_for() {
    let conn = ledger();
    // Day 1's interval is trimmed back on day 8, after later records were chained: its
    // latest entry sits among entries that must stay.
    let id = queries::open_interval(&conn, day(1), Class::Working, State::Working, "x11").unwrap();
    queries::close_interval(&conn, id, day(1) + TimeDelta::hours(1)).unwrap();
    queries::add_manual(&conn, day(8), day(8) + TimeDelta::hours(1), "kept", day(8)).unwrap();
    let forgot = forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    assert_eq!(forgot.intervals, 5);
    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    // Its entry stays (kept records' entries come before and after it), naming a record the
    // anchor accounts for.
    assert_eq!(report.forgotten_records, 1, "{report:?}");

    // Deleting a record the forgetting kept is still seen.
    conn.execute("DELETE FROM manual_entries WHERE note = 'kept'", [])
        .unwrap();
    let report = chain::report(&conn).unwrap();
    assert_eq!(report.edited.len(), 1, "{report:?}");
    assert_eq!(report.edited[0].problem, EditProblem::Deleted);
}

#[test]
fn the_entry_after_the_cut_must_follow_it() {
    let conn = ledger();
    forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    conn.execute_batch(
        "DROP TRIGGER chain_no_delete; DELETE FROM chain WHERE seq = (SELECT min(seq) FROM chain);",
    )
    .unwrap();
    let report = chain::report(&conn).unwrap();
    let broken = report
        .broken
        .expect("cutting one more entry is a broken link");
    assert_eq!(broken.problem, LinkProblem::PrevMismatch);
    assert_eq!(broken.seq, 18);
}

#[test]
fn a_second_forgetting_cuts_further_and_replaces_the_first() {
    let conn = ledger();
    forget(&conn, cut_at(3), 10, day(20)).unwrap().unwrap();
    // The same cut-off, or an earlier one, changes nothing.
    assert_eq!(forget(&conn, cut_at(3), 99, day(21)).unwrap(), None);
    assert_eq!(forget(&conn, cut_at(2), 99, day(21)).unwrap(), None);
    let forgot = forget(&conn, cut_at(6), 20, day(21)).unwrap().unwrap();
    assert_eq!(forgot.manual_entries, 3);
    assert_eq!(count(&conn, "forgotten"), 1);
    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    let anchor = report.forgotten.unwrap();
    assert_eq!(
        (anchor.before_date.as_str(), anchor.toil_carried_minutes),
        ("2024-01-07", 20)
    );
}

#[test]
fn forgetting_everything_leaves_the_anchor_linked_to_the_last_entry_cut() {
    let conn = ledger();
    let forgot = forget(&conn, cut_at(30), 0, day(30)).unwrap().unwrap();
    assert_eq!(forgot.intervals, 10);
    assert_eq!(forgot.chain_entries, 40);
    assert_eq!(count(&conn, "chain"), 1);
    let (seq, prev): (i64, String) = conn
        .query_row("SELECT seq, prev FROM chain", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        seq, 41,
        "the seq after the last one cut, never one handed out before"
    );
    assert_ne!(prev, GENESIS);
    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.forgotten_records, 0);
    // And the ledger goes on: a new record chains after the anchor.
    queries::add_manual(
        &conn,
        day(31),
        day(31) + TimeDelta::hours(1),
        "new",
        day(31),
    )
    .unwrap();
    assert!(chain::report(&conn).unwrap().intact());
}

#[test]
fn an_interval_across_the_cut_and_an_open_one_stay() {
    let conn = ledger();
    let across = queries::open_interval(
        &conn,
        day(4) - TimeDelta::hours(1),
        Class::OutOfHours,
        State::Off,
        "x11",
    )
    .unwrap();
    queries::close_interval(&conn, across, day(4) + TimeDelta::hours(1)).unwrap();
    let open = queries::open_interval(&conn, day(1), Class::OutOfHours, State::Off, "x11").unwrap();
    let forgot = forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    assert_eq!(forgot.intervals, 4);
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM intervals ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(ids.contains(&across.0) && ids.contains(&open.0), "{ids:?}");
    assert!(chain::report(&conn).unwrap().intact());
}

#[test]
fn a_broken_chain_or_a_future_cut_is_refused_untouched() {
    let conn = ledger();
    conn.execute("UPDATE manual_entries SET note = 'edited' WHERE id = 1", [])
        .unwrap();
    let err = forget(&conn, cut_at(4), 0, day(20)).unwrap_err();
    assert!(matches!(err, StoreError::ForgetBroken), "{err:?}");
    assert_eq!(count(&conn, "intervals"), 10);

    let conn = ledger();
    let err = forget(&conn, cut_at(21), 0, day(20)).unwrap_err();
    assert!(matches!(err, StoreError::ForgetFuture(_)), "{err:?}");
    assert_eq!(count(&conn, "chain"), 40);
}

#[test]
fn an_anchor_that_forgets_the_future_breaks_the_chain() {
    let conn = ledger();
    forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    // Rewriting the anchor to cover recent records (and re-hashing it) is caught: it would
    // forget records from after it was made.
    let (seq, prev): (i64, String) = conn
        .query_row(
            "SELECT seq, prev FROM chain WHERE kind = 'forgotten'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let payload: String = conn
        .query_row("SELECT payload FROM chain WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap();
    let later = payload.replace(
        &format!("\"before_ms\":{}", to_ms(day(4))),
        &format!("\"before_ms\":{}", to_ms(day(25))),
    );
    assert_ne!(later, payload);
    let hash = super::super::chain::link_hash(&prev, "forgotten", 1, &later);
    conn.execute_batch("DROP TRIGGER chain_no_update").unwrap();
    conn.execute(
        "UPDATE chain SET payload = ?1, hash = ?2 WHERE seq = ?3",
        params![later, hash, seq],
    )
    .unwrap();
    let broken = chain::report(&conn).unwrap().broken.unwrap();
    assert_eq!(broken.seq, seq);
    assert!(
        matches!(broken.problem, LinkProblem::BadPayload(_)),
        "{broken:?}"
    );
}

#[test]
fn a_correction_goes_only_with_both_entries_it_links() {
    let conn = ledger();
    let entry = |n: i64| -> crate::ledger::ManualId {
        let id: i64 = conn
            .query_row(
                "SELECT id FROM manual_entries WHERE note = ?1",
                [format!("visit {n}")],
                |r| r.get(0),
            )
            .unwrap();
        crate::ledger::ManualId(id)
    };
    let hour = |n: i64, h: i64| day(n) + TimeDelta::hours(h);
    // Day 1's visit corrected on day 2 (both before the cut): both go with the correction.
    queries::correct_manual(
        &conn,
        entry(1),
        (hour(1, 18), hour(1, 20), "visit 1, fixed"),
        "times",
        hour(2, 9),
    )
    .unwrap();
    // Day 2's visit withdrawn on day 8, after the cut: it is about day 2, so both go.
    queries::withdraw_manual(&conn, entry(2), "logged twice", hour(8, 9)).unwrap();
    // Day 3's visit corrected by an entry on day 6: the old one stays beside its replacement.
    queries::correct_manual(
        &conn,
        entry(3),
        (hour(6, 18), hour(6, 19), "moved"),
        "wrong day",
        hour(6, 20),
    )
    .unwrap();

    let planned = plan(&conn, cut_at(4)).unwrap();
    let forgot = forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    assert_eq!((forgot.manual_entries, forgot.manual_corrections), (4, 2));
    assert_eq!(planned.records(), forgot.records());
    let notes: Vec<String> = conn
        .prepare("SELECT note FROM manual_entries WHERE end_ms < ?1 ORDER BY id")
        .unwrap()
        .query_map([to_ms(day(4))], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(notes, ["visit 3"]);
    assert_eq!(count(&conn, "manual_corrections"), 1);
    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    // Day 3's kept entry holds the cut back, and the withdrawal's entry came after it: the
    // chain still names records it forgot, and accounts for them.
    assert!(report.forgotten_records >= 2, "{report:?}");

    // Deleting the kept correction (and the old entry it keeps) is still seen.
    conn.execute_batch(
        "DELETE FROM manual_corrections; DELETE FROM manual_entries WHERE note = 'visit 3';",
    )
    .unwrap();
    let report = chain::report(&conn).unwrap();
    assert!(!report.intact(), "{report:?}");
}

#[test]
fn nothing_is_added_before_the_cut_and_a_record_written_after_it_is_owed() {
    let conn = ledger();
    forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    let err = queries::add_manual(&conn, day(2), day(2) + TimeDelta::hours(1), "late", day(20))
        .unwrap_err();
    assert!(matches!(err, StoreError::BeforeForgotten(_)), "{err:?}");
    let err = queries::take_toil(&conn, day(1).date_naive(), 60, "", day(20)).unwrap_err();
    assert!(matches!(err, StoreError::BeforeForgotten(_)), "{err:?}");

    // Written behind the check (by hand, chained), then deleted: its entry came after the
    // forgetting, so its absence is an edit, not a forgetting.
    conn.execute(
        "INSERT INTO toil_taken (date, minutes, note, recorded_ms) VALUES ('2024-01-02', 60, '', 0)",
        [],
    )
    .unwrap();
    chain::append(&conn, Kind::ToilTaken, conn.last_insert_rowid()).unwrap();
    assert!(chain::report(&conn).unwrap().intact());
    conn.execute("DELETE FROM toil_taken WHERE date = '2024-01-02'", [])
        .unwrap();
    let report = chain::report(&conn).unwrap();
    assert_eq!(report.edited.len(), 1, "{report:?}");
    assert_eq!(report.edited[0].problem, EditProblem::Deleted);
}

#[test]
fn entries_linked_by_corrections_across_the_cut_all_stay_and_still_verify() {
    let conn = ledger();
    let hour = |n: i64, h: i64| day(n) + TimeDelta::hours(h);
    let first = queries::add_manual(&conn, hour(1, 18), hour(1, 19), "call", hour(1, 20)).unwrap();
    let second = queries::correct_manual(
        &conn,
        first,
        (hour(1, 18), hour(1, 20), "call"),
        "longer",
        hour(2, 9),
    )
    .unwrap();
    // Corrected again: it ran past the cut.
    queries::correct_manual(
        &conn,
        second,
        (hour(3, 22), hour(4, 1), "call"),
        "it was late",
        hour(5, 9),
    )
    .unwrap();
    forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    let linked: i64 = conn
        .query_row(
            "SELECT count(*) FROM manual_entries WHERE note = 'call'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(linked, 3);
    assert_eq!(count(&conn, "manual_corrections"), 2);
    let report = chain::report(&conn).unwrap();
    assert!(report.intact(), "{report:?}");
    // And it can be forgotten again later, whole.
    forget(&conn, cut_at(6), 0, day(21)).unwrap().unwrap();
    assert_eq!(count(&conn, "manual_corrections"), 0);
    assert!(chain::report(&conn).unwrap().intact());
}

#[test]
fn an_entry_kept_for_its_correction_cannot_go_alone_unnoticed() {
    let conn = ledger();
    let hour = |n: i64, h: i64| day(n) + TimeDelta::hours(h);
    let old = queries::add_manual(&conn, hour(1, 18), hour(1, 19), "moved", hour(1, 20)).unwrap();
    queries::correct_manual(
        &conn,
        old,
        (hour(6, 18), hour(6, 19), "moved"),
        "wrong day",
        hour(6, 20),
    )
    .unwrap();
    forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    assert!(chain::report(&conn).unwrap().intact());
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn.execute("DELETE FROM manual_entries WHERE id = ?1", [old.0])
        .unwrap();
    let report = chain::report(&conn).unwrap();
    assert!(
        report
            .edited
            .iter()
            .any(|e| e.problem == EditProblem::Dangling),
        "{report:?}"
    );
}

#[test]
fn a_record_that_began_after_the_cut_forgets_nothing_and_says_nothing() {
    // Issue 19: a brand-new record's export said everything before the cut "was deleted".
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, MIGRATIONS).unwrap();
    let forgot = forget(&conn, cut_at(4), 0, day(20)).unwrap().unwrap();
    assert_eq!((forgot.records(), forgot.chain_entries), (0, 0));
    assert_eq!(
        latest(&conn).unwrap(),
        None,
        "no anchor, so no word of deletion"
    );
    // Records from after the cut: still nothing to forget, still nothing said.
    let id = queries::open_interval(&conn, day(6), Class::Working, State::Working, "x11").unwrap();
    queries::close_interval(&conn, id, day(6) + TimeDelta::hours(8)).unwrap();
    forget(&conn, cut_at(5), 0, day(20)).unwrap().unwrap();
    assert_eq!(latest(&conn).unwrap(), None);
    assert!(chain::report(&conn).unwrap().intact());
    // Once the record reaches back past the cut, the forgetting is recorded and said.
    let forgot = forget(&conn, cut_at(8), 0, day(20)).unwrap().unwrap();
    assert_eq!(forgot.intervals, 1);
    assert_eq!(latest(&conn).unwrap().map(|f| f.date), Some(cut_at(8).date));
    assert!(chain::report(&conn).unwrap().intact());
}
