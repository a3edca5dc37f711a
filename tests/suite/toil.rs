//! Time off in lieu end to end: the fixture week (4h 15m over a 37h contract) written through
//! the ledger's API, the real binary reading the balance and taking TOIL, directly into the
//! ledger when no agent runs and over D-Bus when one does, chained either way.

use crate::support;

use std::path::Path;

use rusqlite::Connection;
use serde_json::Value;
use support::agent::{Clockoff, text};
use support::record::{CONFIG, clockoff, json, write_week};
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

fn toil_kinds(ledger: &Path) -> i64 {
    let conn = Connection::open(ledger).unwrap();
    conn.query_row(
        "SELECT count(*) FROM chain WHERE kind = 'toil_taken'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_weeks_overtime_accrues_and_taking_spends_it_chained() {
    let dir = temp_dir("toil");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let ledger = dir.path().join("data/clockoff/ledger.sqlite3");
    write_week(&ledger).await;

    // By hand: 5 x 7h30m + 2h15m out of hours + 1h30m logged = 41h15m; 37h contract.
    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(b["rule"], "overtime");
    assert_eq!(b["accrued_minutes"], 255);
    assert_eq!(b["weeks"][0]["week"], "2026-W48");
    assert_eq!(
        (b["taken_minutes"].as_i64(), b["balance_minutes"].as_i64()),
        (Some(0), Some(255))
    );
    let before = json(&clockoff(dir.path(), &["verify", "--json"]))["entries"]
        .as_u64()
        .unwrap();

    let out = clockoff(
        dir.path(),
        &[
            "toil",
            "take",
            "2h",
            "--date",
            "2026-11-27",
            "--note",
            "Friday afternoon",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("Took 2h of time off in lieu on Fri 27 Nov 2026 (written to your ledger)"),
        "{}",
        text(&out.stdout)
    );

    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(
        (b["accrued_minutes"].as_i64(), b["taken_minutes"].as_i64()),
        (Some(255), Some(120))
    );
    assert_eq!(b["balance_minutes"], 135);
    assert_eq!(b["taken"][0]["date"], "2026-11-27");
    assert_eq!(b["taken"][0]["note"], "Friday afternoon");
    let shown = text(&clockoff(dir.path(), &["toil"]).stdout);
    assert!(
        shown.contains("Rule      each week's time beyond your 37h contract"),
        "{shown}"
    );
    assert!(shown.contains("Balance   2h 15m"), "{shown}");

    // Chained, and the chain still holds.
    let v = json(&clockoff(dir.path(), &["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["entries"].as_u64(), Some(before + 1));
    assert_eq!(toil_kinds(&ledger), 1);

    // The week shows this week's accrual and the balance at its end.
    let week = text(&clockoff(dir.path(), &["week", "--week", "2026-W48"]).stdout);
    assert!(
        week.contains("TOIL      4h 15m earned this week (each week's time beyond your 37h contract); balance 2h 15m at the week's end"),
        "{week}"
    );
    let w = json(&clockoff(
        dir.path(),
        &["week", "--week", "2026-W48", "--json"],
    ));
    assert_eq!(
        (
            w["toil"]["week_minutes"].as_i64(),
            w["toil"]["balance_minutes"].as_i64()
        ),
        (Some(255), Some(135))
    );
    // The week before: nothing earned yet, and the TOIL was taken after it ended.
    let w = json(&clockoff(
        dir.path(),
        &["week", "--week", "2026-W47", "--json"],
    ));
    assert_eq!(
        (
            w["toil"]["week_minutes"].as_i64(),
            w["toil"]["balance_minutes"].as_i64()
        ),
        (Some(0), Some(0))
    );

    // The export: JSON figures, and the HTML's row and list; the CSV is unchanged.
    let range = ["--from", "2026-11-23", "--to", "2026-11-29"];
    let e = json(&clockoff(
        dir.path(),
        &[&["export", "--format", "json"][..], &range].concat(),
    ));
    let t = &e["toil"];
    assert_eq!(
        (
            t["accrued_minutes"].as_i64(),
            t["taken_minutes"].as_i64(),
            t["balance_minutes"].as_i64()
        ),
        (Some(255), Some(120), Some(135))
    );
    let html = text(
        &clockoff(
            dir.path(),
            &[&["export", "--format", "html"][..], &range].concat(),
        )
        .stdout,
    );
    assert!(html.contains("<th scope=\"row\">Time off in lieu (TOIL)</th><td class=\"v\">4h 15m earned in these weeks, 2h taken; balance 2h 15m at the end"), "{html}");
    assert!(html.contains("<h2>Time off in lieu I took</h2>"), "{html}");
    assert!(
        html.contains("<td>Fri 27 Nov 2026</td><td class=\"n\">2h</td><td>Friday afternoon</td>"),
        "{html}"
    );
    let csv = text(
        &clockoff(
            dir.path(),
            &[&["export", "--format", "csv"][..], &range].concat(),
        )
        .stdout,
    );
    assert!(!csv.to_lowercase().contains("toil"), "{csv}");

    // Taking more than is left is allowed, and shown as negative.
    let out = clockoff(dir.path(), &["toil", "take", "3h", "--date", "2026-12-04"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(b["balance_minutes"], 135 - 180);
    assert!(text(&clockoff(dir.path(), &["toil"]).stdout).contains("Balance   -45m"));

    // An entry edited behind the chain's back is named.
    let conn = Connection::open(&ledger).unwrap();
    conn.execute("UPDATE toil_taken SET minutes = 30 WHERE id = 1", [])
        .unwrap();
    drop(conn);
    let out = clockoff(dir.path(), &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["edited"][0]["table"], "toil_taken", "{v}");
    assert_eq!(v["edited"][0]["id"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_hours_at_time_and_a_half_counts_every_out_of_hours_minute() {
    let dir = temp_dir("toil-ooh");
    let config = format!("{CONFIG}[record]\ntoil = \"out_of_hours\"\ntoil_rate = 1.5\n");
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    write_week(&dir.path().join("data/clockoff/ledger.sqlite3")).await;
    // 1h15m + 1h out of hours (the override) + 1h30m logged = 225m; x 1.5 = 337.5 -> 338.
    let b = json(&clockoff(dir.path(), &["toil", "--json"]));
    assert_eq!(b["rule"], "out_of_hours");
    assert_eq!(b["accrued_minutes"], 338);
}

#[test]
fn a_bad_duration_is_a_usage_error_and_writes_nothing() {
    let dir = temp_dir("toil-bad");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    for (bad, says) in [
        ("2 hours", "bad duration \"2 hours\""),
        ("25h", "take 1 minute to 24h at a time"),
        ("0m", "take 1 minute to 24h at a time"),
        ("90s", "not whole minutes"),
    ] {
        let out = clockoff(dir.path(), &["toil", "take", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            text(&out.stderr).contains(says),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    let out = clockoff(dir.path(), &["toil", "take", "2h", "--date", "27/11/2026"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !dir.path().join("data/clockoff").exists(),
        "a refused take touched the ledger"
    );
}

/// Always off, so the agent writes nothing of its own while the test runs.
const AGENT_CONFIG: &str = "timezone = \"Europe/London\"\ncontracted = \"37h\"\n[hours]\n\
[holidays]\nregion = \"none\"\n[tray]\nenabled = false\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_agent_running_taking_goes_over_dbus_and_is_chained() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("toil-agent");
    let desk = Clockoff::new(&bus, support::record::at_now(), dir.path());
    desk.write_config(AGENT_CONFIG);
    let ledger = desk.ledger_path();
    write_week(&ledger).await;
    let agent = desk.agent(&bus, "agent.log").await;
    // An answer from its loop: it has finished starting (and chaining what it starts with).
    desk.status();

    let entries = || {
        json(&desk.clockoff(&["verify", "--json"]))["entries"]
            .as_u64()
            .unwrap()
    };
    let before = entries();
    let out = desk.clockoff(&[
        "toil",
        "take",
        "2h",
        "--date",
        "2026-11-27",
        "--note",
        "Friday afternoon",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("(recorded by the running agent)"),
        "{}",
        text(&out.stdout)
    );

    let v = json(&desk.clockoff(&["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["entries"].as_u64(), Some(before + 1));
    assert_eq!(toil_kinds(&ledger), 1);
    let b = json(&desk.clockoff(&["toil", "--json"]));
    assert_eq!(
        (b["accrued_minutes"].as_i64(), b["balance_minutes"].as_i64()),
        (Some(255), Some(135))
    );

    // A bad duration is refused before anything is sent.
    let out = desk.clockoff(&["toil", "take", "25h"]);
    assert_eq!(out.status.code(), Some(2));
    agent.terminate();

    // Stopped, the ledger is free again and the command writes it itself.
    let out = desk.clockoff(&["toil", "take", "30m", "--date", "2026-11-30"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("(written to your ledger)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(toil_kinds(&ledger), 2);
}

#[test]
fn with_the_ledger_held_and_no_agent_to_reach_nothing_is_written() {
    let dir = temp_dir("toil-held");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let data = dir.path().join("data/clockoff");
    std::fs::create_dir_all(&data).unwrap();
    // Held as an agent in another session holds it; this process has no session bus.
    let lock = std::fs::File::create(data.join("ledger.lock")).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let out = clockoff(dir.path(), &["toil", "take", "2h"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("a clockoff agent is keeping the ledger at")
            && text(&out.stderr).contains("so nothing was recorded"),
        "{}",
        text(&out.stderr)
    );
    assert!(!data.join("ledger.sqlite3").exists());
}
