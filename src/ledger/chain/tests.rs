//! The chain's format and verification, on rows made by hand.

use super::verify::{ChainRow, EditProblem, LinkProblem, Record, Start, verify};
use super::*;

#[test]
fn the_hash_is_sha256_of_the_fields_joined_by_newlines() {
    // The known answer, from `printf '%s\n%s\n%s\n%s' ... | sha256sum`, pins the format that
    // exports cite: change it and old ledgers stop verifying.
    let payload = r#"{"at_ms":0,"state":"off"}"#;
    let h = link_hash(GENESIS, "transition", 1, payload);
    assert_eq!(h, KNOWN);
    assert_eq!(h.len(), 64);
    assert_ne!(link_hash(GENESIS, "transition", 2, payload), h);
    assert_ne!(link_hash(&h, "transition", 1, payload), h);
}

const KNOWN: &str = "176b35d8a74b516bbd1cb44d358e44eb42780b7f23ab24294aa329ac37688ad3";

fn interval(start_ms: i64, end_ms: i64) -> String {
    canonical(&IntervalPayload {
        start_ms,
        end_ms,
        class: "working".into(),
        state: "working".into(),
        source: "x11".into(),
    })
    .unwrap()
}

/// A well-formed chain of `(kind, ref_id, payload)`, linked as the writer links it.
fn chain(entries: &[(Kind, i64, String)]) -> Vec<ChainRow> {
    let mut prev = GENESIS.to_owned();
    let mut rows = Vec::new();
    for (seq, (kind, ref_id, payload)) in (1..).zip(entries) {
        let hash = link_hash(&prev, kind.name(), *ref_id, payload);
        rows.push(ChainRow {
            seq,
            at_ms: kind.at_ms(payload).unwrap(),
            kind: kind.name().into(),
            ref_id: *ref_id,
            payload: payload.clone(),
            prev: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    rows
}

fn record(table: Table, id: i64, payload: &str) -> Record {
    Record {
        table,
        id,
        payload: payload.into(),
        is_final: true,
    }
}

/// Interval 1 closed, then trimmed back; interval 2 closed; a manual entry.
fn week() -> (Vec<ChainRow>, Vec<Record>) {
    let manual = canonical(&ManualPayload {
        start_ms: 500,
        end_ms: 900,
        note: "late visit".into(),
        recorded_ms: 1000,
    })
    .unwrap();
    let rows = chain(&[
        (Kind::IntervalClosed, 1, interval(0, 100)),
        (Kind::IntervalClosed, 2, interval(200, 300)),
        (Kind::IntervalClosed, 1, interval(0, 90)),
        (Kind::ManualAdded, 1, manual.clone()),
    ]);
    let records = vec![
        record(Table::Intervals, 1, &interval(0, 90)),
        record(Table::Intervals, 2, &interval(200, 300)),
        record(Table::ManualEntries, 1, &manual),
    ];
    (rows, records)
}

#[test]
fn an_untouched_ledger_is_intact_and_the_latest_close_is_authoritative() {
    let (rows, records) = week();
    let report = verify(&rows, &records, Start::default());
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 4);
    assert_eq!(
        (report.first_at_ms, report.last_at_ms),
        (Some(90), Some(500))
    );
    assert_eq!(report.head, Some((4, rows[3].hash.clone(), 500)));
    assert_eq!(report.unchained, 0);
}

#[test]
fn an_empty_ledger_is_intact() {
    let report = verify(&[], &[], Start::default());
    assert!(report.intact());
    assert_eq!((report.entries, report.head.clone()), (0, None));
}

#[test]
fn a_changed_payload_breaks_its_own_link() {
    let (mut rows, records) = week();
    rows[1].payload = interval(200, 250);
    let broken = verify(&rows, &records, Start::default()).broken.unwrap();
    assert_eq!((broken.seq, broken.ref_id), (2, 2));
    assert_eq!(broken.kind, "interval_closed");
    assert_eq!(broken.problem, LinkProblem::HashMismatch);
}

#[test]
fn a_deleted_entry_breaks_the_next_link() {
    let (mut rows, records) = week();
    rows.remove(1);
    let broken = verify(&rows, &records, Start::default()).broken.unwrap();
    assert_eq!((broken.seq, broken.problem), (3, LinkProblem::PrevMismatch));
}

#[test]
fn a_rehashed_entry_still_breaks_the_link_after_it() {
    // An attacker who recomputes the changed entry's hash (and fixes its time) moves the
    // break one entry on.
    let (mut rows, records) = week();
    rows[1].payload = interval(200, 250);
    rows[1].at_ms = 250;
    rows[1].hash = link_hash(&rows[1].prev, &rows[1].kind, 2, &rows[1].payload);
    let broken = verify(&rows, &records, Start::default()).broken.unwrap();
    assert_eq!((broken.seq, broken.problem), (3, LinkProblem::PrevMismatch));
}

#[test]
fn a_time_that_disagrees_with_the_payload_or_an_unknown_kind_is_a_break() {
    let (mut rows, records) = week();
    rows[0].at_ms = 5;
    let broken = verify(&rows, &records, Start::default()).broken.unwrap();
    assert_eq!(broken.seq, 1);
    assert!(
        matches!(broken.problem, LinkProblem::BadPayload(_)),
        "{broken:?}"
    );

    let mut rows = Vec::new();
    let mut prev = GENESIS.to_owned();
    for (seq, kind) in [(1, "transition"), (2, "backdated")] {
        let payload = r#"{"at_ms":7,"state":"off"}"#.to_owned();
        let hash = link_hash(&prev, kind, 1, &payload);
        rows.push(ChainRow {
            seq,
            at_ms: 7,
            kind: kind.into(),
            ref_id: 1,
            payload,
            prev: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    let broken = verify(&rows, &[], Start::default()).broken.unwrap();
    assert_eq!((broken.seq, broken.problem), (2, LinkProblem::UnknownKind));
}

#[test]
fn a_row_edited_behind_the_chains_back_is_named_by_table_and_id() {
    let (rows, mut records) = week();
    // Lengthening interval 1 back to its first close does not match its latest entry.
    records[0].payload = interval(0, 100);
    let report = verify(&rows, &records, Start::default());
    assert!(report.broken.is_none());
    assert_eq!(report.edited.len(), 1, "{:?}", report.edited);
    let edited = &report.edited[0];
    assert_eq!((edited.table, edited.id), (Table::Intervals, 1));
    assert_eq!(edited.problem, EditProblem::Changed);
}

#[test]
fn deleted_reopened_and_unchained_rows_are_told_apart() {
    let (rows, mut records) = week();
    records.retain(|r| r.table != Table::ManualEntries);
    records[1].is_final = false;
    // Interval 3 was written after the chain began with no entry; 4 is open (not yet final).
    records.push(record(Table::Intervals, 3, &interval(400, 450)));
    records.push(Record {
        is_final: false,
        ..record(Table::Intervals, 4, &interval(460, 470))
    });
    let report = verify(&rows, &records, Start::default());
    let found: Vec<_> = report
        .edited
        .iter()
        .map(|e| (e.table, e.id, e.problem.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (Table::Intervals, 2, EditProblem::Reopened),
            (Table::Intervals, 3, EditProblem::NotChained),
            (Table::ManualEntries, 1, EditProblem::Deleted),
        ]
    );
    assert_eq!(report.unchained, 0);
}

#[test]
fn rows_from_before_the_chain_are_counted_not_failed() {
    let (rows, mut records) = week();
    records.push(record(Table::Overrides, 1, "{}"));
    records.push(record(Table::Transitions, 1, "{}"));
    records.push(record(Table::Transitions, 2, "{}"));
    let start = Start {
        overrides: 1,
        transitions: 1,
        ..Start::default()
    };
    let report = verify(&rows, &records, start);
    assert_eq!(report.unchained, 2);
    assert_eq!(report.edited.len(), 1, "{:?}", report.edited);
    assert_eq!(
        (report.edited[0].table, report.edited[0].id),
        (Table::Transitions, 2)
    );
}

#[test]
fn every_kind_names_its_table_and_reads_its_time() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.name()), Some(kind));
    }
    let ov = canonical(&OverridePayload {
        start_ms: 10,
        end_ms: 20,
        reason: None,
        until_away: true,
    })
    .unwrap();
    assert_eq!(
        ov,
        r#"{"start_ms":10,"end_ms":20,"reason":null,"until_away":true}"#
    );
    assert_eq!(Kind::OverrideAdded.at_ms(&ov), Ok(10));
    assert_eq!(Kind::OverrideEnded.at_ms(&ov), Ok(20));
    assert_eq!(Kind::OverrideEnded.table(), Table::Overrides);
    assert!(Kind::ManualAdded.at_ms(&ov).is_err());
    assert!(Kind::Transition.at_ms("not json").is_err());
    // TOIL taken is about a local day, so its entry's time is when it was recorded.
    let toil = toil_payload(120);
    assert_eq!(
        toil,
        r#"{"date":"2026-11-27","minutes":120,"note":"Friday afternoon","recorded_ms":30}"#
    );
    assert_eq!(Kind::ToilTaken.at_ms(&toil), Ok(30));
    assert_eq!(Kind::ToilTaken.table(), Table::ToilTaken);
    assert_eq!(Kind::ToilTaken.name(), "toil_taken");
    assert!(Kind::ToilTaken.at_ms(&ov).is_err());
}

fn toil_payload(minutes: i64) -> String {
    canonical(&ToilPayload {
        date: "2026-11-27".into(),
        minutes,
        note: "Friday afternoon".into(),
        recorded_ms: 30,
    })
    .unwrap()
}

#[test]
fn toil_taken_is_checked_like_a_manual_entry() {
    let rows = chain(&[(Kind::ToilTaken, 1, toil_payload(120))]);
    let row = |id, minutes| record(Table::ToilTaken, id, &toil_payload(minutes));
    assert!(verify(&rows, &[row(1, 120)], Start::default()).intact());
    let problems = |records: &[Record]| -> Vec<(Table, i64, EditProblem)> {
        verify(&rows, records, Start::default())
            .edited
            .into_iter()
            .map(|e| (e.table, e.id, e.problem))
            .collect()
    };
    // 2h taken, then edited down to 1h behind the chain's back.
    assert_eq!(
        problems(&[row(1, 60)]),
        [(Table::ToilTaken, 1, EditProblem::Changed)]
    );
    // A row slipped in without an entry, and the chained one deleted.
    assert_eq!(
        problems(&[row(2, 30)]),
        [
            (Table::ToilTaken, 1, EditProblem::Deleted),
            (Table::ToilTaken, 2, EditProblem::NotChained)
        ]
    );
    // Rows from before the chain began are counted, not failed, as for the other tables.
    let start = Start {
        toil_taken: 2,
        ..Start::default()
    };
    let report = verify(&rows, &[row(1, 120), row(2, 30)], start);
    assert!(report.intact());
    assert_eq!(report.unchained, 1);
}

fn correction_payload(corrects: i64, replacement: Option<i64>, reason: &str) -> String {
    canonical(&CorrectionPayload {
        corrects,
        replacement,
        reason: reason.into(),
        recorded_ms: 40,
    })
    .unwrap()
}

#[test]
fn a_correction_is_its_own_kind_and_its_row_is_checked() {
    // The format the chain comment documents, pinned.
    let withdrawn = correction_payload(12, None, "logged twice");
    assert_eq!(
        withdrawn,
        r#"{"corrects":12,"replacement":null,"reason":"logged twice","recorded_ms":40}"#
    );
    assert_eq!(Kind::ManualCorrection.name(), "manual_correction");
    assert_eq!(Kind::ManualCorrection.table(), Table::ManualCorrections);
    assert_eq!(Table::ManualCorrections.name(), "manual_corrections");
    assert_eq!(Kind::ManualCorrection.at_ms(&withdrawn), Ok(40));
    assert!(Kind::ManualCorrection.at_ms(&toil_payload(10)).is_err());

    let corrected = correction_payload(12, Some(13), "");
    let rows = chain(&[(Kind::ManualCorrection, 1, corrected.clone())]);
    // The entries it names, from before the chain (so not chained themselves).
    let start = Start {
        manual_entries: 13,
        ..Start::default()
    };
    let entries = [11, 12, 13].map(|id| record(Table::ManualEntries, id, "{}"));
    let with = |payload: &str| {
        let mut records = entries.to_vec();
        records.push(record(Table::ManualCorrections, 1, payload));
        records
    };
    assert!(verify(&rows, &with(&corrected), start).intact());
    // Pointing the correction at another entry, or turning it into a withdrawal, shows.
    for edited in [
        correction_payload(11, Some(13), ""),
        correction_payload(12, None, ""),
    ] {
        let report = verify(&rows, &with(&edited), start);
        assert_eq!(
            report
                .edited
                .iter()
                .map(|e| (e.table, e.id, e.problem.clone()))
                .collect::<Vec<_>>(),
            [(Table::ManualCorrections, 1, EditProblem::Changed)]
        );
    }
    // Deleting the correction (to make the old entry count again) shows too.
    let report = verify(&rows, &entries, start);
    assert_eq!(report.edited[0].problem, EditProblem::Deleted);
    // And so does deleting an entry it names.
    let mut records = with(&corrected);
    records.retain(|r| !(r.table == Table::ManualEntries && r.id == 13));
    let report = verify(&rows, &records, start);
    assert_eq!(report.edited[0].problem, EditProblem::Dangling);
}
