//! `clockoff verify`: checks the ledger's hash chain and every record against it, read-only,
//! so a worker can show a manager or union rep that their record has not been edited since
//! it was written. Exit 0 when intact (or there is no ledger yet), 1 when it is not.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Failure;
use crate::ledger::chain::verify::{EditProblem, LinkProblem, Report};
use crate::ledger::{self, Reader};

/// How many hex digits of the head the summary shows (the JSON has all 64).
const HEAD_SHOWN: usize = 16;

pub fn verify(json: bool) -> Result<(), Failure> {
    let path = super::ledger_path()?;
    let failed = |e: ledger::StoreError| Failure::Runtime(format!("verifying the ledger: {e}"));
    let Some(reader) = Reader::open(&path).map_err(failed)? else {
        if json {
            print_json(&Json::from(&empty()))?;
        } else {
            println!("No ledger yet at {}: nothing to verify.", path.display());
        }
        return Ok(());
    };
    let report = reader.verify().map_err(failed)?;
    if json {
        print_json(&Json::from(&report))?;
    } else {
        print!("{}", describe(&report));
    }
    if report.intact() {
        Ok(())
    } else {
        Err(Failure::Runtime(format!(
            "the ledger {} does not verify",
            path.display()
        )))
    }
}

fn empty() -> Report {
    Report {
        entries: 0,
        head: None,
        first_at_ms: None,
        last_at_ms: None,
        broken: None,
        edited: Vec::new(),
        unchained: 0,
        forgotten: None,
        forgotten_records: 0,
    }
}

fn print_json(json: &Json) -> Result<(), Failure> {
    let text =
        serde_json::to_string(json).map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

#[derive(Serialize)]
struct Json {
    intact: bool,
    entries: usize,
    head: Option<String>,
    first_at: Option<String>,
    last_at: Option<String>,
    broken: Option<JsonBroken>,
    edited: Vec<JsonEdited>,
    unchained: usize,
    forgotten: Option<JsonForgotten>,
}

/// The latest forgetting, so a reader knows why the record starts where it does.
#[derive(Serialize)]
struct JsonForgotten {
    before: String,
    at: String,
    records: usize,
}

#[derive(Serialize)]
struct JsonBroken {
    seq: i64,
    kind: String,
    ref_id: i64,
    at: String,
    problem: String,
}

#[derive(Serialize)]
struct JsonEdited {
    table: &'static str,
    id: i64,
    problem: &'static str,
}

impl From<&Report> for Json {
    fn from(r: &Report) -> Json {
        Json {
            intact: r.intact(),
            entries: r.entries,
            head: r.head.as_ref().map(|(_, hash, _)| hash.clone()),
            first_at: r.first_at_ms.map(instant),
            last_at: r.last_at_ms.map(instant),
            broken: r.broken.as_ref().map(|b| JsonBroken {
                seq: b.seq,
                kind: b.kind.clone(),
                ref_id: b.ref_id,
                at: instant(b.at_ms),
                problem: link_problem(&b.problem),
            }),
            edited: r
                .edited
                .iter()
                .map(|e| JsonEdited {
                    table: e.table.name(),
                    id: e.id,
                    problem: edit_problem(&e.problem),
                })
                .collect(),
            unchained: r.unchained,
            forgotten: r.forgotten.as_ref().map(|f| JsonForgotten {
                before: f.before_date.clone(),
                at: instant(f.recorded_ms),
                records: r.forgotten_records,
            }),
        }
    }
}

/// RFC 3339 in UTC: unambiguous for whoever checks it, whatever their time zone. A time out of
/// range (only in a corrupt file) is shown as its raw milliseconds rather than refused.
fn instant(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{ms} ms"))
}

fn date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

fn link_problem(p: &LinkProblem) -> String {
    match p {
        LinkProblem::PrevMismatch => {
            "it does not follow the entry before it: an entry was removed or the chain spliced"
                .into()
        }
        LinkProblem::HashMismatch => "its hash does not match its content: it was changed".into(),
        LinkProblem::UnknownKind => "its kind is not one clockoff writes".into(),
        LinkProblem::BadPayload(why) => why.clone(),
    }
}

fn edit_problem(p: &EditProblem) -> &'static str {
    match p {
        EditProblem::Changed => "differs from what the chain recorded",
        EditProblem::Deleted => "was deleted after the chain recorded it",
        EditProblem::Reopened => "was closed, and has been marked open again",
        EditProblem::NotChained => "was written after the chain began but is not in it",
        EditProblem::Dangling => "names a logged entry that has been deleted",
    }
}

/// 1234567 as "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn describe(r: &Report) -> String {
    let mut out = String::new();
    let plural = |n: usize, one: &str, many: &str| {
        format!("{} {}", thousands(n), if n == 1 { one } else { many })
    };
    let span = match (r.first_at_ms, r.last_at_ms) {
        (Some(first), Some(last)) => format!(" from {} to {}", date(first), date(last)),
        _ => String::new(),
    };
    let head = match &r.head {
        Some((_, hash, _)) => format!("; head {}…", hash.get(..HEAD_SHOWN).unwrap_or(hash)),
        None => String::new(),
    };
    let entries = plural(r.entries, "entry", "entries");
    if r.intact() {
        out += &format!("Ledger intact: {entries}{span}{head}\n");
    } else {
        out += &format!("Ledger NOT intact: {entries}{span}{head}\n");
    }
    if let Some(b) = &r.broken {
        out += &format!(
            "  ! the chain breaks at entry {} ({} of record #{}, {}): {}\n",
            b.seq,
            b.kind,
            b.ref_id,
            instant(b.at_ms),
            link_problem(&b.problem)
        );
    }
    for e in &r.edited {
        out += &format!(
            "  ! {} row #{} {}\n",
            e.table.name(),
            e.id,
            edit_problem(&e.problem)
        );
    }
    if let Some(f) = &r.forgotten {
        out += &format!(
            "Records before {} were forgotten on {} (retention or `clockoff forget`); the chain \
             starts from that point\n",
            f.before_date,
            date(f.recorded_ms)
        );
    }
    if r.unchained > 0 {
        out += &format!(
            "{} recorded before the chain began: kept, but not covered by it\n",
            plural(r.unchained, "record was", "records were")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::chain::Table;
    use crate::ledger::chain::verify::{Broken, Edited};

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_summary_names_the_span_and_the_head_and_each_problem() {
        let mut r = empty();
        r.entries = 1234;
        r.first_at_ms = Some(1_795_424_400_000); // 2026-11-23T09:00Z
        r.last_at_ms = Some(1_795_975_200_000); // 2026-11-29T18:00Z
        r.head = Some((1234, format!("3f2a9c{}", "0".repeat(58)), 0));
        r.unchained = 1;
        assert_eq!(
            describe(&r),
            "Ledger intact: 1,234 entries from 2026-11-23 to 2026-11-29; head 3f2a9c0000000000…\n\
             1 record was recorded before the chain began: kept, but not covered by it\n"
        );
        r.broken = Some(Broken {
            seq: 7,
            kind: "interval_closed".into(),
            ref_id: 3,
            at_ms: 1_795_424_400_000,
            problem: LinkProblem::HashMismatch,
        });
        r.edited.push(Edited {
            table: Table::Intervals,
            id: 3,
            problem: EditProblem::Changed,
        });
        let text = describe(&r);
        assert!(text.starts_with("Ledger NOT intact"), "{text}");
        assert!(
            text.contains("breaks at entry 7 (interval_closed of record #3, 2026-11-23T09:00:00Z)"),
            "{text}"
        );
        assert!(text.contains("intervals row #3 differs"), "{text}");
    }
}
