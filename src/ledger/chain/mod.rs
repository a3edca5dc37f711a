//! Tamper evidence for the ledger: a hash chain over every record that became final or changed
//! meaning. The worker shows their record to a manager or union rep; the chain makes an edit
//! behind its back visible, and an export can cite its head so a later rewrite of the whole
//! chain no longer matches what was shown.
//!
//! The format, exactly (exports and anyone checking by hand rely on it):
//! - entries are appended in `seq` order; the first entry's `prev` is [`GENESIS`] (64 zeros),
//!   every later entry's `prev` is the `hash` of the entry before it;
//! - `hash = lowercase hex(sha256(prev "\n" kind "\n" ref_id "\n" payload))`, `ref_id` in
//!   decimal, all as UTF-8;
//! - `kind` is one of [`Kind`]'s names and `ref_id` the row id in its table;
//! - `payload` is the row's fields as stored, as compact JSON with keys in a fixed order
//!   (the field order of the payload structs below);
//! - `at_ms` is the time the entry is about ([`Kind::at_ms`]); it is not hashed, but it must
//!   agree with the payload, which is.
//! - after a forgetting (retention), the entries up to the latest `forgotten` entry's
//!   `through_seq` are gone: the first entry left must be `through_seq + 1`, its `prev` the
//!   `through_hash`; records the chain still names that are gone must be ones that anchor's
//!   cut-off covers.
//!
//! Kinds, in the order they were added: `interval_closed`, `manual_added`, `override_added`,
//! `override_ended`, `transition` (V4); `toil_taken` (V5); `forgotten` (V6, above);
//! `manual_correction` (V7: a row of
//! `manual_corrections`, payload `{"corrects":12,"replacement":13,"reason":"…","recorded_ms":…}`,
//! `replacement` null when entry 12 is withdrawn; the replacement itself is a `manual_added`
//! entry of its own, written just before in the same transaction).

pub(super) mod sql;
pub mod verify;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::hex::hex;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records. The name is stored; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An active interval was closed (by the agent, or by recovery after a crash), or an
    /// already closed one trimmed back. The latest entry per interval is authoritative.
    IntervalClosed,
    /// A manual (self-reported) entry was added.
    ManualAdded,
    /// An override was started.
    OverrideAdded,
    /// An override was ended before its planned end (or cancelled).
    OverrideEnded,
    /// The schedule entered a state.
    Transition,
    /// The worker took time off in lieu.
    ToilTaken,
    /// Records before a date were forgotten (retention, or `clockoff forget`), and the chain
    /// before them cut off: the anchor verification starts from.
    Forgotten,
    /// A manual entry was corrected (by a newer one) or withdrawn; the old row is untouched.
    ManualCorrection,
}

/// A table whose rows the chain covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Intervals,
    ManualEntries,
    Overrides,
    Transitions,
    ToilTaken,
    Forgotten,
    ManualCorrections,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Intervals,
        Table::ManualEntries,
        Table::Overrides,
        Table::Transitions,
        Table::ToilTaken,
        Table::Forgotten,
        Table::ManualCorrections,
    ];

    /// The SQL table's name, as a worker would find it in the file.
    pub fn name(self) -> &'static str {
        match self {
            Table::Intervals => "intervals",
            Table::ManualEntries => "manual_entries",
            Table::Overrides => "overrides",
            Table::Transitions => "transitions",
            Table::ToilTaken => "toil_taken",
            Table::Forgotten => "forgotten",
            Table::ManualCorrections => "manual_corrections",
        }
    }
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::IntervalClosed,
        Kind::ManualAdded,
        Kind::OverrideAdded,
        Kind::OverrideEnded,
        Kind::Transition,
        Kind::ToilTaken,
        Kind::Forgotten,
        Kind::ManualCorrection,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::IntervalClosed => "interval_closed",
            Kind::ManualAdded => "manual_added",
            Kind::OverrideAdded => "override_added",
            Kind::OverrideEnded => "override_ended",
            Kind::Transition => "transition",
            Kind::ToilTaken => "toil_taken",
            Kind::Forgotten => "forgotten",
            Kind::ManualCorrection => "manual_correction",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn table(self) -> Table {
        match self {
            Kind::IntervalClosed => Table::Intervals,
            Kind::ManualAdded => Table::ManualEntries,
            Kind::OverrideAdded | Kind::OverrideEnded => Table::Overrides,
            Kind::Transition => Table::Transitions,
            Kind::ToilTaken => Table::ToilTaken,
            Kind::Forgotten => Table::Forgotten,
            Kind::ManualCorrection => Table::ManualCorrections,
        }
    }

    /// The time an entry of this kind is about, read from its payload: a close or an end at
    /// the record's end, an addition at its start, a transition at its instant, TOIL taken and
    /// a correction when they were recorded (TOIL's date is a local day, not an instant; a
    /// correction is about the moment the worker changed their mind). `Err` says why
    /// the payload is not one this kind writes.
    pub fn at_ms(self, payload: &str) -> Result<i64, String> {
        let bad =
            |e: serde_json::Error| format!("its payload is not a {} record: {e}", self.name());
        match self {
            Kind::IntervalClosed => Ok(serde_json::from_str::<IntervalPayload>(payload)
                .map_err(bad)?
                .end_ms),
            Kind::ManualAdded => Ok(serde_json::from_str::<ManualPayload>(payload)
                .map_err(bad)?
                .start_ms),
            Kind::OverrideAdded => Ok(serde_json::from_str::<OverridePayload>(payload)
                .map_err(bad)?
                .start_ms),
            Kind::OverrideEnded => Ok(serde_json::from_str::<OverridePayload>(payload)
                .map_err(bad)?
                .end_ms),
            Kind::Transition => Ok(serde_json::from_str::<TransitionPayload>(payload)
                .map_err(bad)?
                .at_ms),
            Kind::ToilTaken => Ok(serde_json::from_str::<ToilPayload>(payload)
                .map_err(bad)?
                .recorded_ms),
            Kind::Forgotten => Ok(serde_json::from_str::<ForgottenPayload>(payload)
                .map_err(bad)?
                .recorded_ms),
            Kind::ManualCorrection => Ok(serde_json::from_str::<CorrectionPayload>(payload)
                .map_err(bad)?
                .recorded_ms),
        }
    }

    /// Whether a record whose latest entry is of this kind, with this payload, is one that
    /// `anchor` forgot: everything about time before its cut-off (TOIL by the day it was
    /// taken), and the anchors it replaced. `anchor_seq` is the anchor's own entry.
    pub fn forgotten_by(
        self,
        payload: &str,
        seq: i64,
        anchor: &ForgottenPayload,
        anchor_seq: i64,
    ) -> bool {
        fn end<P: serde::de::DeserializeOwned>(payload: &str, end: fn(P) -> i64) -> Option<i64> {
            serde_json::from_str::<P>(payload).ok().map(end)
        }
        let ended = match self {
            Kind::IntervalClosed => end(payload, |p: IntervalPayload| p.end_ms),
            Kind::ManualAdded => end(payload, |p: ManualPayload| p.end_ms),
            Kind::OverrideAdded | Kind::OverrideEnded => {
                end(payload, |p: OverridePayload| p.end_ms)
            }
            Kind::Transition => end(payload, |p: TransitionPayload| p.at_ms),
            // It goes with the entries it links, whatever its own time: decided by them (see
            // `verify`), not here.
            Kind::ManualCorrection => return false,
            Kind::ToilTaken => {
                return serde_json::from_str::<ToilPayload>(payload)
                    .is_ok_and(|p| p.date < anchor.before_date);
            }
            Kind::Forgotten => return seq < anchor_seq,
        };
        ended.is_some_and(|ms| ms < anchor.before_ms)
    }
}

// The payloads: a row's fields as stored, in a fixed order (serde_json writes struct fields in
// declaration order, so the JSON is canonical). The id is the entry's `ref_id`; an interval's
// `open` flag is not included because only closed intervals are chained. Reordering or
// renaming a field would change every hash: add new kinds instead.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IntervalPayload {
    pub start_ms: i64,
    pub end_ms: i64,
    pub class: String,
    pub state: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ManualPayload {
    pub start_ms: i64,
    pub end_ms: i64,
    pub note: String,
    pub recorded_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OverridePayload {
    pub start_ms: i64,
    pub end_ms: i64,
    pub reason: Option<String>,
    pub until_away: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TransitionPayload {
    pub at_ms: i64,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ToilPayload {
    pub date: String,
    pub minutes: i64,
    pub note: String,
    pub recorded_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CorrectionPayload {
    pub corrects: i64,
    pub replacement: Option<i64>,
    pub reason: String,
    pub recorded_ms: i64,
}

/// Records before `before_ms` (local midnight starting `before_date`, a Monday) are gone, and
/// so are the chain's entries up to `through_seq`; the next entry's `prev` is `through_hash`.
/// The TOIL balance those weeks left is carried, so forgetting never changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgottenPayload {
    pub before_ms: i64,
    pub before_date: String,
    pub through_seq: i64,
    pub through_hash: String,
    pub toil_carried_minutes: i64,
    pub recorded_ms: i64,
}

/// A payload's canonical text. Serializing these plain structs cannot fail, but a failure is
/// still an error, never a panic.
pub(super) fn canonical(payload: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(payload).map_err(|e| format!("cannot write a chain payload: {e}"))
}

/// An entry's hash, from the previous entry's hash and its own content.
pub fn link_hash(prev: &str, kind: &str, ref_id: i64, payload: &str) -> String {
    let mut sha = Sha256::new();
    sha.update(prev.as_bytes());
    sha.update(b"\n");
    sha.update(kind.as_bytes());
    sha.update(b"\n");
    sha.update(ref_id.to_string().as_bytes());
    sha.update(b"\n");
    sha.update(payload.as_bytes());
    hex(&sha.finalize())
}

#[cfg(test)]
mod tests;
