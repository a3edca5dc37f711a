//! Retention end to end: a ledger with a week from 2024 and this fixture week, the real
//! binary forgetting the old one (directly, and through a running agent), and what must
//! hold after: the chain verifies, the TOIL balance is unchanged, and the forgotten text is
//! gone from the file itself, not just from the tables.

use crate::support;

use std::path::Path;

use clockoff::core::activity::Class;
use clockoff::core::schedule::State;
use clockoff::ledger::Ledger;
use rusqlite::Connection;
use serde_json::json;
use support::agent::{Clockoff, text};
use support::record::{CONFIG, clockoff, closed_interval, json, utc, write_week};
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

/// What only the old week's records hold, to look for in the file's bytes.
const OLD_NOTE: &str = "old visit to the Ashdown family";

/// Week 23 of 2024 (Mon 3 to Sun 9 June; London on BST): 5 x 8h in hours, 37h contract,
/// so 3h over; a visit logged on the Saturday; 1h of TOIL taken the next week's Monday.
async fn write_old_week(ledger_path: &Path) {
    let (ledger, _) = Ledger::open(ledger_path).await.unwrap();
    for d in 3..=7 {
        closed_interval(
            &ledger,
            &format!("2024-06-0{d}T08:00:00Z"),
            &format!("2024-06-0{d}T16:00:00Z"),
            Class::Working,
            State::Working,
        )
        .await;
    }
    ledger
        .add_manual(
            utc("2024-06-08T09:00:00Z"),
            utc("2024-06-08T10:00:00Z"),
            OLD_NOTE,
            utc("2024-06-08T12:00:00Z"),
        )
        .await
        .unwrap();
    ledger
        .take_toil(
            "2024-06-10".parse().unwrap(),
            60,
            "Monday morning",
            utc("2024-06-09T12:00:00Z"),
        )
        .await
        .unwrap();
    ledger.close().await.unwrap();
}

fn file_holds(ledger: &Path, needle: &str) -> bool {
    ["", "-wal"].iter().any(|suffix| {
        let path = format!("{}{suffix}", ledger.display());
        std::fs::read(&path)
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

fn count(ledger: &Path, table: &str) -> i64 {
    let conn = Connection::open(ledger).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_an_old_week_keeps_the_balance_and_the_chain_and_leaves_no_trace() {
    let dir = temp_dir("forget");
    // Kept forever, so only the command forgets here.
    let config = format!("{CONFIG}[record]\nkeep = \"forever\"\n");
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let ledger = dir.path().join("data/clockoff/ledger.sqlite3");
    write_old_week(&ledger).await;
    write_week(&ledger).await;
    assert!(file_holds(&ledger, OLD_NOTE), "the check must see the note");

    // By hand: 2024-W23 earned 40h + 1h logged - 37h = 4h, 1h taken; this week earns 4h 15m.
    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(
        (b["accrued_minutes"].as_i64(), b["taken_minutes"].as_i64()),
        (Some(240 + 255), Some(60))
    );
    assert_eq!(b["balance_minutes"], 435);

    // Without a terminal and without --yes, it says what would go and forgets nothing.
    let out = clockoff(dir.path(), &["forget", "--before", "2025-01-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("This deletes everything recorded before Mon 30 Dec 2024, for good:")
            && said.contains("5 stretches at the laptop, 1 entry you logged, 1 day of TOIL taken"),
        "{said}"
    );
    assert!(
        text(&out.stderr).contains("add --yes"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(count(&ledger, "manual_entries"), 2);

    // A day not yet come is refused.
    let out = clockoff(dir.path(), &["forget", "--before", "2099-01-01", "--yes"]);
    assert_eq!(out.status.code(), Some(2));

    let out = clockoff(dir.path(), &["forget", "--before", "2025-01-01", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Forgot everything recorded before Mon 30 Dec 2024: 5 stretches at the laptop, 1 entry you logged, 1 day of TOIL taken"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(count(&ledger, "manual_entries"), 1);
    assert_eq!(count(&ledger, "toil_taken"), 0);
    assert!(
        !file_holds(&ledger, OLD_NOTE),
        "the forgotten note is still in the file"
    );

    // The balance is what it was: 3h carried (4h earned less 1h taken), this week's 4h 15m.
    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(
        (
            b["carried_minutes"].as_i64(),
            b["accrued_minutes"].as_i64(),
            b["balance_minutes"].as_i64()
        ),
        (Some(180), Some(255), Some(435))
    );
    assert!(text(&clockoff(dir.path(), &["toil"]).stdout).contains("Carried   3h"));

    // The chain verifies from the cut, and says so.
    let out = clockoff(dir.path(), &["verify", "--json"]);
    let v = json(&out);
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["forgotten"]["before"], "2024-12-30", "{v}");
    let said = text(&clockoff(dir.path(), &["verify"]).stdout);
    assert!(
        said.contains("Records before 2024-12-30 were forgotten on"),
        "{said}"
    );

    // Exports say it too.
    let e = json(&clockoff(
        dir.path(),
        &[
            "export",
            "--format",
            "json",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-29",
        ],
    ));
    assert_eq!(e["forgotten"]["date"], "2024-12-30", "{e}");
    assert_eq!(e["toil"]["carried_minutes"], 180);

    // Forgetting again at the same point does nothing; deleting a kept record is still seen.
    let out = clockoff(dir.path(), &["forget", "--before", "2025-01-01", "--yes"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("Nothing from before Mon 30 Dec 2024 was left to forget"));
    let conn = Connection::open(&ledger).unwrap();
    conn.execute("DELETE FROM manual_entries", []).unwrap();
    drop(conn);
    let out = clockoff(dir.path(), &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
}

/// Always off, so the agent writes nothing of its own while the test runs.
const AGENT_CONFIG: &str = "timezone = \"Europe/London\"\ncontracted = \"37h\"\n[hours]\n\
[holidays]\nregion = \"none\"\n[tray]\nenabled = false\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_forgets_what_is_older_than_keep_and_forgets_more_when_asked() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("forget-agent");
    let desk = Clockoff::new(&bus, support::record::at_now(), dir.path());
    // Two years by default: 2024-W23 is older, so the agent forgets it as it starts.
    desk.write_config(AGENT_CONFIG);
    let ledger = desk.ledger_path();
    write_old_week(&ledger).await;
    write_week(&ledger).await;
    // Within the two years: kept until asked.
    let (l, _) = Ledger::open(&ledger).await.unwrap();
    l.add_manual(
        utc("2025-06-07T09:00:00Z"),
        utc("2025-06-07T10:00:00Z"),
        "a Saturday visit",
        utc("2025-06-07T12:00:00Z"),
    )
    .await
    .unwrap();
    l.close().await.unwrap();
    let agent = desk.agent(&bus, "agent.log").await;
    desk.status();
    desk.wait_status("the old week forgotten", |_| {
        count(&ledger, "manual_entries") == 2
    });
    let log = std::fs::read_to_string(desk.log_path("agent.log")).unwrap();
    assert!(
        log.contains("[record] keep: Forgot everything recorded before"),
        "{log}"
    );
    assert!(!file_holds(&ledger, OLD_NOTE));
    let v = json(&desk.clockoff(&["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    let b = json(&desk.clockoff(&["toil", "--json"]));
    assert_eq!(b["balance_minutes"], 435, "{b}");

    // Asked to forget more, it does: through the agent, which holds the ledger.
    let out = desk.clockoff(&["forget", "--before", "2026-01-01", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("by the running agent)"),
        "{}",
        text(&out.stdout)
    );
    let v = json(&desk.clockoff(&["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["forgotten"]["before"], "2025-12-29", "{v}");
    assert_eq!(count(&ledger, "manual_entries"), 1);
    let b = json(&desk.clockoff(&["toil", "--json"]));
    assert_eq!(b["balance_minutes"], 435, "{b}");
    agent.terminate();
}

/// A record younger than `keep` has lost nothing: the agent's daily forgetting leaves no
/// anchor, and neither `verify` nor an export says records were deleted (issue 19: to a
/// manager or a union rep that read as tampering).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_young_record_is_never_said_to_have_lost_anything() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("forget-young");
    let desk = Clockoff::new(&bus, support::record::at_now(), dir.path());
    desk.write_config(AGENT_CONFIG);
    write_week(&desk.ledger_path()).await;
    let agent = desk.agent(&bus, "agent.log").await;
    desk.status();
    // Asked too, through the agent (after its own forgetting at start, in its queue): the
    // record began after the cut, so nothing goes.
    let out = desk.clockoff(&["forget", "--before", "2025-01-01", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Nothing from before Mon 30 Dec 2024 was left to forget"),
        "{}",
        text(&out.stdout)
    );
    let v = json(&desk.clockoff(&["verify", "--json"]));
    assert_eq!(
        (&v["intact"], &v["forgotten"]),
        (&json!(true), &json!(null)),
        "{v}"
    );
    let said = text(&desk.clockoff(&["verify"]).stdout);
    assert!(!said.contains("forgotten"), "{said}");
    let range = ["--from", "2026-11-23", "--to", "2026-11-29"];
    let e = json(&desk.clockoff(&[&["export", "--format", "json"][..], &range].concat()));
    assert_eq!(e["forgotten"], json!(null), "{e}");
    let html = desk.clockoff(&[&["export", "--format", "html"][..], &range].concat());
    let html = text(&html.stdout);
    assert!(
        html.contains("</html>") && !html.contains("deleted"),
        "{html}"
    );
    agent.terminate();
}
