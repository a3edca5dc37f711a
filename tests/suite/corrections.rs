//! Corrections end to end with the real binary: a logged entry corrected by a new one and
//! another withdrawn, over the fixture week. Every figure (week, TOIL, the regulations'
//! checks, the exports) counts only the current version; the listing and the exports still
//! show the old entries; the chain vouches for all of it; bad requests exit 2 and write
//! nothing. Written directly into the ledger when no agent runs, over D-Bus when one does.
//!
//! `clockoff log` refuses work that has not begun, so the entries logged here are on Monday
//! 23 November 2026, before the fixture week's Tuesday: the rig's clock stands in or after
//! that week, as the TOIL tests already need.

use crate::support;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::Value;
use support::agent::{Clockoff, text};
use support::record::{CONFIG, clockoff, json, write_week};
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

fn ledger(dir: &Path) -> PathBuf {
    dir.join("data/clockoff/ledger.sqlite3")
}

/// Rows in the manual tables and chain entries: what a refused request must leave as it was.
fn counts(ledger: &Path) -> (i64, i64, i64) {
    let conn = Connection::open(ledger).unwrap();
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    (
        count("manual_entries"),
        count("manual_corrections"),
        count("chain"),
    )
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The fixture week (its Saturday visit is entry #1), then Monday 06:00-09:00 logged (#2),
/// corrected to 08:00-09:00 (#3), and the Saturday visit withdrawn.
async fn corrected(label: &str) -> support::tmp::TempDir {
    let dir = temp_dir(label);
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    write_week(&ledger(dir.path())).await;
    let d = dir.path();
    let out = ok(&clockoff(
        d,
        &[
            "log",
            "06:00-09:00",
            "placement search",
            "--date",
            "2026-11-23",
        ],
    ));
    assert!(out.contains("as entry #2"), "{out}");
    assert!(out.contains("(written to your ledger)"), "{out}");
    let out = ok(&clockoff(
        d,
        &[
            "log",
            "08:00-09:00",
            "placement search (started at 8)",
            "--date",
            "2026-11-23",
            "--corrects",
            "2",
        ],
    ));
    assert!(out.contains("as entry #3, correcting #2"), "{out}");
    let out = ok(&clockoff(
        d,
        &["log", "--withdraw", "#1", "--reason", "it was on Friday"],
    ));
    assert!(out.contains("Withdrew entry #1"), "{out}");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_current_version_counts_and_the_old_ones_stay_listed() {
    let dir = temp_dir("corrections-before");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    write_week(&ledger(dir.path())).await;
    ok(&clockoff(
        dir.path(),
        &[
            "log",
            "06:00-09:00",
            "placement search",
            "--date",
            "2026-11-23",
        ],
    ));
    // Uncorrected, 06:00 to 12:30 is a stretch of 6h 30m without a break.
    let before = json(&clockoff(
        dir.path(),
        &["week", "--week", "2026-W48", "--json"],
    ));
    assert_eq!(before["totals"]["manual"], 90 + 180);
    assert!(
        before["findings"].to_string().contains("\"rest_break\""),
        "{}",
        before["findings"]
    );

    let dir = corrected("corrections-after").await;
    let d = dir.path();
    let week = json(&clockoff(d, &["week", "--week", "2026-W48", "--json"]));
    let t = &week["totals"];
    assert_eq!(t["manual"], 60, "only #3 counts");
    assert_eq!(t["weekend"], 0, "the Saturday visit was withdrawn");
    assert_eq!(week["overtime_minutes"], 5 * 450 + 135 + 60 - 37 * 60);
    assert!(
        !week["findings"].to_string().contains("\"rest_break\""),
        "the old 06:00 start no longer counts: {}",
        week["findings"]
    );
    assert_eq!(week["toil"]["week_minutes"], 225);
    let toil = json(&clockoff(d, &["toil", "--json"]));
    assert_eq!(toil["weeks"][0]["minutes"], 225);

    let listed = json(&clockoff(d, &["logged", "--week", "2026-W48", "--json"]));
    assert_eq!(listed["counted_minutes"], 60);
    let entries: Vec<(i64, &str, Value, Value)> = listed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["status"].as_str().unwrap(),
                e["corrects"].clone(),
                e["replaced_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (2, "corrected", Value::Null, Value::from(3)),
            (3, "counted", Value::from(2), Value::Null),
            (1, "withdrawn", Value::Null, Value::Null),
        ]
    );
    let text = ok(&clockoff(d, &["logged", "--week", "2026-W48"]));
    assert!(text.contains("corrected by #3 on"), "{text}");
    assert!(text.contains("; corrects #2"), "{text}");
    assert!(
        text.contains("(\"it was on Friday\"), not counted"),
        "{text}"
    );
    // The old rows are untouched; the chain vouches for every version and every link.
    let conn = Connection::open(ledger(d)).unwrap();
    let old: (String, i64) = conn
        .query_row(
            "SELECT note, end_ms - start_ms FROM manual_entries WHERE id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(old, ("placement search".to_string(), 3 * 3_600_000));
    let v = json(&clockoff(d, &["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    let kinds: i64 = conn
        .query_row(
            "SELECT count(*) FROM chain WHERE kind = 'manual_correction'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kinds, 2);
}

fn export(dir: &Path, format: &str) -> String {
    ok(&clockoff(
        dir,
        &[
            "export",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-29",
            "--format",
            format,
        ],
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exports_show_what_was_corrected_and_withdrawn() {
    let dir = corrected("corrections-export").await;
    let d = dir.path();
    let csv = export(d, "csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].ends_with(",total_minutes,logged_ids,corrects_ids,withdrawn_ids"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "2026-11-23,Mon,450,75,0,0,60,0,75,585,3,2,");
    assert_eq!(lines[6], "2026-11-28,Sat,0,0,0,0,0,0,0,0,,,1");

    let json: Value = serde_json::from_str(&export(d, "json")).unwrap();
    let logged = json["logged"].as_array().unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        (logged[0]["id"].as_i64(), logged[0]["corrects"].as_i64()),
        (Some(3), Some(2))
    );
    let gone: Vec<(i64, Value, &str)> = json["superseded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["replaced_by"].clone(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        gone,
        [
            (2, Value::from(3), ""),
            (1, Value::Null, "it was on Friday")
        ]
    );
    assert_eq!(json["totals"]["manual"], 60);

    let html = export(d, "html");
    assert!(
        html.contains("placement search (started at 8) <span class=\"muted\">(corrects #2)</span>"),
        "the correction names the entry it replaces"
    );
    assert!(html.contains("<h3>Corrected or withdrawn (not counted)</h3>"));
    assert!(
        html.contains("<td>placement search</td>"),
        "the old entry is shown"
    );
    assert!(
        html.contains("corrected by #3 on Tue"),
        "and what replaced it"
    );
    assert!(html.contains("withdrawn on Tue"));
    assert!(html.contains("it was on Friday"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_corrections_exit_2_name_the_newer_entry_and_write_nothing() {
    let dir = corrected("corrections-refused").await;
    let d = dir.path();
    let before = counts(&ledger(d));
    let fix = |id: &str| -> Vec<String> {
        [
            "log",
            "08:00-09:00",
            "again",
            "--date",
            "2026-11-23",
            "--corrects",
            id,
        ]
        .map(String::from)
        .to_vec()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (fix("99"), "there is no logged entry #99"),
        (
            fix("2"),
            "its current version is #3, so correct or withdraw #3 instead",
        ),
        (fix("1"), "already withdrawn"),
        (
            ["log", "--withdraw", "2", "--reason", "x"]
                .map(String::from)
                .to_vec(),
            "correct or withdraw #3 instead",
        ),
        (
            ["log", "--withdraw", "1", "--reason", "x"]
                .map(String::from)
                .to_vec(),
            "already withdrawn",
        ),
        (
            ["log", "--withdraw", "3", "--reason", " "]
                .map(String::from)
                .to_vec(),
            "say why you withdraw it",
        ),
        (
            ["log", "--withdraw", "3"].map(String::from).to_vec(),
            "--reason",
        ),
        (
            ["log", "--withdraw", "twelve", "--reason", "x"]
                .map(String::from)
                .to_vec(),
            "is not an entry's id",
        ),
        (
            ["log", "08:00-09:00", "x", "--reason", "y"]
                .map(String::from)
                .to_vec(),
            "--reason goes with --corrects",
        ),
        (
            [
                "log",
                "08:00-09:00",
                "x",
                "--date",
                "2099-01-01",
                "--corrects",
                "3",
            ]
            .map(String::from)
            .to_vec(),
            "starts in the future",
        ),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = clockoff(d, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(counts(&ledger(d)), before, "{args:?} wrote something");
    }
    assert_eq!(json(&clockoff(d, &["verify", "--json"]))["intact"], true);
}

/// Always off, so the agent writes nothing of its own while the test runs.
const AGENT_CONFIG: &str = "timezone = \"Europe/London\"\ncontracted = \"37h\"\n[hours]\n\
[holidays]\nregion = \"none\"\n[tray]\nenabled = false\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_agent_running_corrections_go_over_dbus_and_status_counts_the_current_one() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("corrections-agent");
    let desk = Clockoff::new(&bus, support::record::at_now(), dir.path());
    desk.write_config(AGENT_CONFIG);
    let agent = desk.agent(&bus, "agent.log").await;
    let week_logged = || desk.status()["week"]["manual_minutes"].as_u64().unwrap();
    let before = week_logged();

    // Today from midnight: begun already, and in this week whatever the date.
    let out = desk.clockoff(&["log", "00:00-01:00", "night call"]);
    let said = ok(&out);
    assert!(said.contains("(recorded by the running agent)"), "{said}");
    assert_eq!(week_logged(), before + 60);
    let out = desk.clockoff(&[
        "log",
        "00:00-00:30",
        "night call (shorter)",
        "--corrects",
        "1",
    ]);
    let said = ok(&out);
    assert!(said.contains("as entry #2, correcting #1"), "{said}");
    assert_eq!(week_logged(), before + 30, "only the correction counts");

    // Refused by the agent's ledger: exit 2, nothing written.
    let out = desk.clockoff(&["log", "--withdraw", "1", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("its current version is #2"),
        "{}",
        text(&out.stderr)
    );
    let out = desk.clockoff(&["log", "--withdraw", "2", "--reason", "a test"]);
    assert!(
        ok(&out).contains("(recorded by the running agent)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(week_logged(), before);
    let v = json(&desk.clockoff(&["verify", "--json"]));
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(counts(&desk.ledger_path()).1, 2);
    agent.terminate();
}

/// Last night's visit logged after midnight is last night's, said so; `--date` takes
/// `yesterday` and weekday names (issue 19).
#[test]
fn a_visit_logged_after_midnight_is_the_night_before() {
    let dir = temp_dir("after-midnight");
    let d = dir.path();
    std::fs::write(d.join("config.toml"), CONFIG).unwrap();
    // Wednesday 2 December 2026, 00:30 in London.
    let at = |args: &[&str]| {
        let mut command = support::record::command(d, args);
        command.env(clockoff::core::clock::TEST_NOW_ENV, "2026-12-02T00:30:00Z");
        command.output().unwrap()
    };
    let out = ok(&at(&["log", "22:00-23:30", "late visit"]));
    assert!(
        out.contains(
            "Logged 22:00-23:30 on 2026-12-01 (yesterday: that time has not come yet today)"
        ),
        "{out}"
    );
    // Times that have come today are today's, as before.
    let out = ok(&at(&["log", "00:00-00:20", "call back"]));
    assert!(out.contains("on 2026-12-02 ("), "{out}");
    let out = ok(&at(&["log", "18:00-19:00", "visit", "--date", "yesterday"]));
    assert!(out.contains("on 2026-12-01 ("), "{out}");
    let out = ok(&at(&["log", "18:00-19:00", "case notes", "--date", "Mon"]));
    assert!(out.contains("on 2026-11-30 ("), "{out}");
    let out = at(&["log", "18:00-19:00", "visit", "--date", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--date: \"tomorrow\" is not a day"),
        "{}",
        text(&out.stderr)
    );
    // Still refused: a time that has not come today or yesterday.
    let out = at(&["log", "18:00-19:00", "visit", "--date", "today"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("starts in the future"),
        "{}",
        text(&out.stderr)
    );
    let logged = json(&clockoff(d, &["logged", "--week", "2026-W49", "--json"]));
    assert_eq!(
        logged["entries"].as_array().map(Vec::len),
        Some(4),
        "{logged}"
    );
}
