//! The chain in the file: appending an entry inside the writer's transaction, and reading the
//! chain and the chained tables back for verification. A record's payload is always built from
//! its row as read back here, on both sides, so the writer and the verifier cannot disagree
//! about what "the row as stored" is.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::verify::{self, ChainRow, Record, Report, Start};
use super::{
    CorrectionPayload, ForgottenPayload, GENESIS, IntervalPayload, Kind, ManualPayload,
    OverridePayload, Table, ToilPayload, TransitionPayload, canonical, link_hash,
};
use crate::ledger::error::StoreError;

/// Appends an entry for row `ref_id` as it now stands. Runs in the caller's transaction, so the
/// entry commits with the change it records or not at all.
pub(in crate::ledger) fn append(
    conn: &Connection,
    kind: Kind,
    ref_id: i64,
) -> Result<(), StoreError> {
    let payload = match kind.table() {
        Table::Intervals => payload(conn, kind, ref_id, INTERVAL, interval_payload)?,
        Table::ManualEntries => payload(conn, kind, ref_id, MANUAL, manual_payload)?,
        Table::Overrides => payload(conn, kind, ref_id, OVERRIDE, override_payload)?,
        Table::Transitions => payload(conn, kind, ref_id, TRANSITION, transition_payload)?,
        Table::ToilTaken => payload(conn, kind, ref_id, TOIL, toil_payload)?,
        Table::Forgotten => payload(conn, kind, ref_id, FORGOTTEN, forgotten_payload)?,
        Table::ManualCorrections => payload(conn, kind, ref_id, CORRECTION, correction_payload)?,
    };
    let at_ms = kind.at_ms(&payload).map_err(StoreError::Corrupt)?;
    let (seq, prev) = next_link(conn)?;
    let hash = link_hash(&prev, kind.name(), ref_id, &payload);
    conn.execute(
        "INSERT INTO chain (seq, at_ms, kind, ref_id, payload, prev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, at_ms, kind.name(), ref_id, payload, prev, hash],
    )?;
    Ok(())
}

/// The next entry's `seq` and `prev`: after the last entry; in a chain a forgetting emptied,
/// after the last entry it cut (its anchor says which); else the first.
fn next_link(conn: &Connection) -> Result<(i64, String), StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let cut: Option<(i64, String)> = if last.is_none() && has_table(conn, "forgotten")? {
        conn.query_row(
            "SELECT through_seq, through_hash FROM forgotten ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
    } else {
        None
    };
    Ok(match last.or(cut) {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    })
}

// Each chained table's columns, in its payload's order, after `id` (and, for intervals, the
// `open` flag last).
const INTERVAL: &str = "SELECT id, start_ms, end_ms, class, state, source, open FROM intervals";
const MANUAL: &str = "SELECT id, start_ms, end_ms, note, recorded_ms FROM manual_entries";
const OVERRIDE: &str = "SELECT id, start_ms, end_ms, reason, until_away FROM overrides";
const TRANSITION: &str = "SELECT id, at_ms, state FROM transitions";
const TOIL: &str = "SELECT id, date, minutes, note, recorded_ms FROM toil_taken";
const FORGOTTEN: &str = "SELECT id, before_ms, before_date, through_seq, through_hash, \
     toil_carried_minutes, recorded_ms FROM forgotten";
const CORRECTION: &str =
    "SELECT id, corrects, replacement, reason, recorded_ms FROM manual_corrections";

/// A row's payload and whether it is final.
type Built<P> = rusqlite::Result<(P, bool)>;

fn interval_payload(row: &Row<'_>) -> Built<IntervalPayload> {
    let open: bool = row.get(6)?;
    let payload = IntervalPayload {
        start_ms: row.get(1)?,
        end_ms: row.get(2)?,
        class: row.get(3)?,
        state: row.get(4)?,
        source: row.get(5)?,
    };
    Ok((payload, !open))
}

fn manual_payload(row: &Row<'_>) -> Built<ManualPayload> {
    let payload = ManualPayload {
        start_ms: row.get(1)?,
        end_ms: row.get(2)?,
        note: row.get(3)?,
        recorded_ms: row.get(4)?,
    };
    Ok((payload, true))
}

fn override_payload(row: &Row<'_>) -> Built<OverridePayload> {
    let payload = OverridePayload {
        start_ms: row.get(1)?,
        end_ms: row.get(2)?,
        reason: row.get(3)?,
        until_away: row.get(4)?,
    };
    Ok((payload, true))
}

fn transition_payload(row: &Row<'_>) -> Built<TransitionPayload> {
    let payload = TransitionPayload {
        at_ms: row.get(1)?,
        state: row.get(2)?,
    };
    Ok((payload, true))
}

fn toil_payload(row: &Row<'_>) -> Built<ToilPayload> {
    let payload = ToilPayload {
        date: row.get(1)?,
        minutes: row.get(2)?,
        note: row.get(3)?,
        recorded_ms: row.get(4)?,
    };
    Ok((payload, true))
}

fn correction_payload(row: &Row<'_>) -> Built<CorrectionPayload> {
    let payload = CorrectionPayload {
        corrects: row.get(1)?,
        replacement: row.get(2)?,
        reason: row.get(3)?,
        recorded_ms: row.get(4)?,
    };
    Ok((payload, true))
}

fn forgotten_payload(row: &Row<'_>) -> Built<ForgottenPayload> {
    let payload = ForgottenPayload {
        before_ms: row.get(1)?,
        before_date: row.get(2)?,
        through_seq: row.get(3)?,
        through_hash: row.get(4)?,
        toil_carried_minutes: row.get(5)?,
        recorded_ms: row.get(6)?,
    };
    Ok((payload, true))
}

/// One row's canonical payload, for appending an entry about it.
fn payload<P: Serialize>(
    conn: &Connection,
    kind: Kind,
    id: i64,
    select: &str,
    build: fn(&Row<'_>) -> Built<P>,
) -> Result<String, StoreError> {
    let (payload, _) = conn
        .query_row(&format!("{select} WHERE id = ?1"), [id], build)
        .optional()?
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "no {} row {id} to record in the chain as {}",
                kind.table().name(),
                kind.name()
            ))
        })?;
    canonical(&payload).map_err(StoreError::Corrupt)
}

/// Every row of every chained table, in its canonical form.
pub(in crate::ledger) fn records(conn: &Connection) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    for table in Table::ALL {
        match table {
            Table::Intervals => all(conn, table, INTERVAL, interval_payload, &mut records)?,
            Table::ManualEntries => all(conn, table, MANUAL, manual_payload, &mut records)?,
            Table::Overrides => all(conn, table, OVERRIDE, override_payload, &mut records)?,
            Table::Transitions => all(conn, table, TRANSITION, transition_payload, &mut records)?,
            // A file a newer clockoff has not yet migrated (read by `clockoff verify`) has
            // no such table, so no such rows.
            Table::ToilTaken if has_table(conn, "toil_taken")? => {
                all(conn, table, TOIL, toil_payload, &mut records)?
            }
            Table::ToilTaken => {}
            Table::Forgotten if has_table(conn, "forgotten")? => {
                all(conn, table, FORGOTTEN, forgotten_payload, &mut records)?
            }
            Table::Forgotten => {}
            Table::ManualCorrections if has_table(conn, "manual_corrections")? => {
                all(conn, table, CORRECTION, correction_payload, &mut records)?
            }
            Table::ManualCorrections => {}
        }
    }
    Ok(records)
}

fn all<P: Serialize>(
    conn: &Connection,
    table: Table,
    select: &str,
    build: fn(&Row<'_>) -> Built<P>,
    into: &mut Vec<Record>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(&format!("{select} ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let (payload, is_final) = build(row).map_err(|e| {
            StoreError::Corrupt(format!("{} row {id} cannot be read: {e}", table.name()))
        })?;
        into.push(Record {
            table,
            id,
            payload: canonical(&payload).map_err(StoreError::Corrupt)?,
            is_final,
        });
    }
    Ok(())
}

/// The whole chain, in `seq` order.
pub(in crate::ledger) fn entries(conn: &Connection) -> Result<Vec<ChainRow>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT seq, at_ms, kind, ref_id, payload, prev, hash FROM chain ORDER BY seq")?;
    let rows = stmt.query_map([], |row| {
        Ok(ChainRow {
            seq: row.get(0)?,
            at_ms: row.get(1)?,
            kind: row.get(2)?,
            ref_id: row.get(3)?,
            payload: row.get(4)?,
            prev: row.get(5)?,
            hash: row.get(6)?,
        })
    })?;
    rows.map(|row| {
        row.map_err(|e| StoreError::Corrupt(format!("a chain entry cannot be read: {e}")))
    })
    .collect()
}

/// The highest row ids when the chain began. Its one row is written by the V4 migration and
/// guarded by triggers; without it nothing can be said about unchained rows.
pub(in crate::ledger) fn start(conn: &Connection) -> Result<Start, StoreError> {
    // Before V5 there is no toil_taken column (and no table, so no rows for it to vouch for);
    // likewise manual_corrections before V6.
    let mark = |table: &'static str| -> Result<&'static str, StoreError> {
        Ok(if has_table(conn, table)? { table } else { "0" })
    };
    let (toil, corrections) = (mark("toil_taken")?, mark("manual_corrections")?);
    conn.query_row(
        &format!(
            "SELECT intervals, manual_entries, overrides, transitions, {toil}, {corrections}
             FROM chain_start"
        ),
        [],
        |row| {
            Ok(Start {
                intervals: row.get(0)?,
                manual_entries: row.get(1)?,
                overrides: row.get(2)?,
                transitions: row.get(3)?,
                toil_taken: row.get(4)?,
                manual_corrections: row.get(5)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::Corrupt("the chain's start (table chain_start) has no row".into()))
}

/// The last entry: `(seq, hash, at_ms)`.
pub(in crate::ledger) fn head(conn: &Connection) -> Result<Option<(i64, String, i64)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, hash, at_ms FROM chain ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?)
}

/// Whether the file has a table (a reader may meet a file older than this clockoff).
pub(in crate::ledger) fn has_table(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [name],
        |row| row.get::<_, i64>(0),
    )? > 0)
}

/// Checks the chain link by link and every record against it. The caller reads in one
/// transaction, so a writer appending meanwhile cannot make chain and tables disagree.
pub(in crate::ledger) fn report(conn: &Connection) -> Result<Report, StoreError> {
    if has_table(conn, "chain")? {
        Ok(verify::verify(
            &entries(conn)?,
            &records(conn)?,
            start(conn)?,
        ))
    } else {
        // Not yet migrated by a clockoff that chains: everything predates the chain.
        let before_all = Start {
            intervals: i64::MAX,
            manual_entries: i64::MAX,
            overrides: i64::MAX,
            transitions: i64::MAX,
            toil_taken: i64::MAX,
            manual_corrections: i64::MAX,
        };
        Ok(verify::verify(&[], &records(conn)?, before_all))
    }
}
