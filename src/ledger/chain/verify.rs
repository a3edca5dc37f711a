//! Checking a ledger's chain and records, as plain data in and a report out (no SQL here, so
//! every way of failing can be tested on rows made by hand).

use std::collections::{BTreeMap, HashMap};

use super::{CorrectionPayload, ForgottenPayload, GENESIS, Kind, Table, link_hash};

/// A `chain` row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: String,
    pub ref_id: i64,
    pub payload: String,
    pub prev: String,
    pub hash: String,
}

/// A row of a chained table as it stands now, in its payload's canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub table: Table,
    pub id: i64,
    pub payload: String,
    /// Final rows are chained; an open interval is not yet (its end moves every minute).
    pub is_final: bool,
}

/// The highest row id per table when the chain began (`chain_start`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Start {
    pub intervals: i64,
    pub manual_entries: i64,
    pub overrides: i64,
    pub transitions: i64,
    pub toil_taken: i64,
    pub manual_corrections: i64,
}

impl Start {
    fn of(&self, table: Table) -> i64 {
        match table {
            Table::Intervals => self.intervals,
            Table::ManualEntries => self.manual_entries,
            Table::Overrides => self.overrides,
            Table::Transitions => self.transitions,
            Table::ToilTaken => self.toil_taken,
            Table::ManualCorrections => self.manual_corrections,
            // The table came after the chain: every row of it is chained.
            Table::Forgotten => 0,
        }
    }
}

/// What is wrong with the first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// `prev` is not the hash of the entry before: an entry before it was deleted, or the
    /// chain was spliced.
    PrevMismatch,
    /// The stored hash is not the hash of the entry's content: the entry was changed.
    HashMismatch,
    /// A kind no clockoff writes.
    UnknownKind,
    /// The payload is not what its kind records, or `at_ms` disagrees with it.
    BadPayload(String),
}

/// The first entry whose link does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub kind: String,
    pub ref_id: i64,
    pub at_ms: i64,
    pub problem: LinkProblem,
}

/// How a record disagrees with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditProblem {
    /// The row differs from its latest chain entry.
    Changed,
    /// The chain records it but the row is gone.
    Deleted,
    /// A closed interval was marked open again.
    Reopened,
    /// A final row written after the chain began with no entry: written behind the chain's
    /// back, or its entry was cut off the end of the chain.
    NotChained,
    /// A correction names a logged entry that is gone.
    Dangling,
}

/// A record edited behind the chain's back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub table: Table,
    pub id: i64,
    pub problem: EditProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: usize,
    /// The last entry: `(seq, hash, at_ms)`.
    pub head: Option<(i64, String, i64)>,
    pub first_at_ms: Option<i64>,
    pub last_at_ms: Option<i64>,
    pub broken: Option<Broken>,
    pub edited: Vec<Edited>,
    /// Final rows recorded before the chain began, which it cannot vouch for.
    pub unchained: usize,
    /// The latest forgetting: records before its cut-off are gone by the worker's choice.
    pub forgotten: Option<ForgottenPayload>,
    /// Records the chain names that are gone because they were forgotten.
    pub forgotten_records: usize,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.broken.is_none() && self.edited.is_empty()
    }
}

/// Checks `chain` (in `seq` order) link by link, then every record against its latest entry.
pub fn verify(chain: &[ChainRow], records: &[Record], start: Start) -> Report {
    let at = chain.iter().map(|e| e.at_ms);
    let anchor = anchor(chain);
    let checked = edited(chain, records, start, anchor.as_ref());
    Report {
        entries: chain.len(),
        head: chain.last().map(|e| (e.seq, e.hash.clone(), e.at_ms)),
        first_at_ms: at.clone().min(),
        last_at_ms: at.max(),
        broken: first_break(chain),
        edited: checked.edited,
        unchained: checked.unchained,
        forgotten: anchor.map(|(_, payload)| payload),
        forgotten_records: checked.forgotten,
    }
}

/// The latest forgetting's entry and what it says. An earlier one was replaced by it.
fn anchor(chain: &[ChainRow]) -> Option<(i64, ForgottenPayload)> {
    chain.iter().rev().find_map(|e| {
        (e.kind == Kind::Forgotten.name())
            .then(|| serde_json::from_str(&e.payload).ok())
            .flatten()
            .map(|payload| (e.seq, payload))
    })
}

/// Recomputes each link in order; the first that fails is where the chain breaks. After a
/// forgetting, the chain starts where its anchor says it was cut: the first entry left must
/// follow the last one removed, so removing more than was forgotten is a broken link.
pub fn first_break(chain: &[ChainRow]) -> Option<Broken> {
    let anchor = anchor(chain);
    let mut prev = anchor
        .as_ref()
        .map_or(GENESIS, |(_, a)| a.through_hash.as_str());
    let mut expected_seq = anchor.as_ref().map(|(_, a)| a.through_seq + 1);
    for e in chain {
        let problem = if e.prev != prev || expected_seq.is_some_and(|seq| seq != e.seq) {
            Some(LinkProblem::PrevMismatch)
        } else if link_hash(&e.prev, &e.kind, e.ref_id, &e.payload) != e.hash {
            Some(LinkProblem::HashMismatch)
        } else {
            match Kind::parse(&e.kind) {
                None => Some(LinkProblem::UnknownKind),
                Some(kind) => match kind.at_ms(&e.payload) {
                    Err(why) => Some(LinkProblem::BadPayload(why)),
                    Ok(at) if at != e.at_ms => Some(LinkProblem::BadPayload(format!(
                        "its time ({} ms) is not the time its payload records ({at} ms)",
                        e.at_ms
                    ))),
                    Ok(_) => forgetting_problem(kind, e),
                },
            }
        };
        if let Some(problem) = problem {
            return Some(Broken {
                seq: e.seq,
                kind: e.kind.clone(),
                ref_id: e.ref_id,
                at_ms: e.at_ms,
                problem,
            });
        }
        prev = &e.hash;
        expected_seq = None;
    }
    None
}

/// A forgetting may only forget the past, and only cut the chain before itself.
fn forgetting_problem(kind: Kind, e: &ChainRow) -> Option<LinkProblem> {
    if kind != Kind::Forgotten {
        return None;
    }
    let a: ForgottenPayload = serde_json::from_str(&e.payload).ok()?;
    if a.before_ms > a.recorded_ms {
        Some(LinkProblem::BadPayload(
            "it forgets records from after it was made".into(),
        ))
    } else if a.through_seq >= e.seq {
        Some(LinkProblem::BadPayload(
            "it cuts the chain at or after itself".into(),
        ))
    } else {
        None
    }
}

/// A correction naming a logged entry that is not there: the entry was deleted behind the
/// chain's back (retention keeps an entry while a correction names it).
fn dangling(r: &Record, rows: &HashMap<(Table, i64), &Record>) -> Option<EditProblem> {
    if r.table != Table::ManualCorrections {
        return None;
    }
    let c: CorrectionPayload = serde_json::from_str(&r.payload).ok()?;
    [Some(c.corrects), c.replacement]
        .into_iter()
        .flatten()
        .any(|id| !rows.contains_key(&(Table::ManualEntries, id)))
        .then_some(EditProblem::Dangling)
}

/// What checking the records found.
struct Checked {
    edited: Vec<Edited>,
    unchained: usize,
    forgotten: usize,
}

/// Records that disagree with the chain (in table and id order), how many final records
/// predate it, and how many it names that were forgotten.
fn edited(
    chain: &[ChainRow],
    records: &[Record],
    start: Start,
    anchor: Option<&(i64, ForgottenPayload)>,
) -> Checked {
    // The latest entry per record is authoritative (an interval trimmed back, an override
    // ended early). Entries of unknown kinds are already reported as a broken link.
    let mut latest: BTreeMap<(Table, i64), (Kind, i64, &str)> = BTreeMap::new();
    for e in chain {
        if let Some(kind) = Kind::parse(&e.kind) {
            latest.insert((kind.table(), e.ref_id), (kind, e.seq, &e.payload));
        }
    }
    let rows: HashMap<(Table, i64), &Record> =
        records.iter().map(|r| ((r.table, r.id), r)).collect();
    let mut found = Vec::new();
    let mut unchained = 0;
    for r in records {
        let problem = match latest.get(&(r.table, r.id)) {
            Some(_) if !r.is_final => Some(EditProblem::Reopened),
            Some((_, _, payload)) if *payload != r.payload => Some(EditProblem::Changed),
            Some(_) => None,
            None if !r.is_final => None,
            None if r.id <= start.of(r.table) => {
                unchained += 1;
                None
            }
            None => Some(EditProblem::NotChained),
        };
        let problem = problem.or_else(|| dangling(r, &rows));
        if let Some(problem) = problem {
            found.push(Edited {
                table: r.table,
                id: r.id,
                problem,
            });
        }
    }
    let mut forgotten = 0;
    for (&(table, id), &(kind, seq, payload)) in &latest {
        if rows.contains_key(&(table, id)) {
            continue;
        }
        // Only a record the chain last spoke of before the forgetting can have gone with it:
        // one written (or changed) since is still owed to the record.
        let before_anchor = anchor.is_some_and(|(at, _)| seq < *at);
        let gone_by_choice = before_anchor
            && match kind {
                // A correction is forgotten with both entries it links; whether they may be
                // gone is checked on their own entries.
                Kind::ManualCorrection => serde_json::from_str::<CorrectionPayload>(payload)
                    .is_ok_and(|c| {
                        [Some(c.corrects), c.replacement]
                            .into_iter()
                            .flatten()
                            .all(|id| !rows.contains_key(&(Table::ManualEntries, id)))
                    }),
                _ => anchor.is_some_and(|(at, a)| kind.forgotten_by(payload, seq, a, *at)),
            };
        if gone_by_choice {
            forgotten += 1;
        } else {
            found.push(Edited {
                table,
                id,
                problem: EditProblem::Deleted,
            });
        }
    }
    found.sort_by_key(|e| (e.table, e.id));
    found.dedup();
    Checked {
        edited: found,
        unchained,
        forgotten,
    }
}
