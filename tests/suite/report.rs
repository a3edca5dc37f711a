//! `clockoff report` against a real ledger file: the preview is the summary and nothing
//! more, its pseudonym comes from the device secret beside the ledger, a queued week keeps
//! its report id, and a paused week stays paused.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use clockoff::core::record::week;
use clockoff::core::summary::{DeviceSecret, ReportId, WeeklySummary};
use clockoff::ledger::{Ledger, Reader};
use support::agent::{Clockoff, text};
use support::record::{CONFIG, clockoff, json, utc, write_week};
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

const W48: &str = "2026-W48";

/// The record's hard week, and notifications held that Monday night (and one the week after).
async fn write_fixture(ledger_path: &Path) {
    write_week(ledger_path).await;
    let (ledger, _) = Ledger::open(ledger_path).await.unwrap();
    for (at, app) in [
        ("2026-11-23T19:10:00Z", "Microsoft Outlook"),
        ("2026-11-23T21:40:00Z", "Microsoft Teams"),
        ("2026-11-29T08:00:00Z", "Microsoft Outlook"),
        ("2026-11-30T07:00:00Z", "Microsoft Outlook"),
    ] {
        ledger.count_held(utc(at), app).await.unwrap();
    }
    ledger.close().await.unwrap();
}

fn preview(dir: &Path) -> (serde_json::Value, String) {
    let out = clockoff(dir, &["report", "preview", "--week", W48]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (json(&out), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_the_summary_and_nothing_else() {
    let dir = temp_dir("report-preview");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let ledger_path = dir.path().join("data/clockoff/ledger.sqlite3");
    write_fixture(&ledger_path).await;

    let out = clockoff(dir.path(), &["report", "preview", "--week", W48]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let r = json(&out);
    // By hand (hours Monday-Friday 09:00-17:00): 1h15m on Monday night and the 1h override
    // on Thursday; Saturday's 1h30m visit, logged; late 22:30-23:45; three days.
    assert_eq!(r["schema"], "clockoff.summary/1");
    assert_eq!(r["week"], W48);
    assert_eq!(r["out_of_hours_minutes"], 135);
    assert_eq!(r["self_reported_out_of_hours_minutes"], 90);
    assert_eq!(r["weekend_minutes"], 90);
    assert_eq!(r["late_evening_minutes"], 75);
    assert_eq!(r["days_with_out_of_hours_work"], 3);
    assert_eq!(r["notifications_held_out_of_hours"], 3);
    assert_eq!(r["on_call_callout_minutes"], 0);
    // The dashboard's own type reads it: no field it does not know.
    let summary: WeeklySummary = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary.check(), Ok(()));
    assert_eq!(
        summary.to_wire().len(),
        stdout.split_whitespace().collect::<String>().len()
    );

    // The pseudonym is the secret's for this week; the secret is the worker's alone.
    let secret_path = dir.path().join("data/clockoff/device-secret");
    let secret = DeviceSecret::from_text(&std::fs::read_to_string(&secret_path).unwrap()).unwrap();
    assert_eq!(
        r["pseudonym"],
        secret.pseudonym(week::parse(W48).unwrap()).to_string()
    );
    let mode = std::fs::metadata(&secret_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!stdout.contains(&secret.to_text()));

    // No note, no app, no instant.
    for private in ["home visit", "Outlook", "Teams", "2026-11", "T22:", ":30"] {
        assert!(!stdout.contains(private), "{private} in {stdout}");
    }
    assert!(stderr.contains("Reporting is off"), "{stderr}");
    assert!(stderr.contains("(this one is a sample)"), "{stderr}");

    // Again: the same pseudonym; the id is a fresh sample until the week is queued.
    let (again, _) = preview(dir.path());
    assert_eq!(again["pseudonym"], r["pseudonym"]);
    assert_ne!(again["report_id"], r["report_id"]);

    // Once queued, the week's id is fixed: preview shows it, and queueing again keeps it.
    let (ledger, _) = Ledger::open(&ledger_path).await.unwrap();
    let w48 = week::parse(W48).unwrap();
    let queued = ledger
        .assign_report_id(
            w48,
            ReportId::from_bytes([1; 16]),
            utc("2026-11-30T09:00:00Z"),
        )
        .await
        .unwrap();
    let retry = ledger
        .assign_report_id(
            w48,
            ReportId::from_bytes([2; 16]),
            utc("2026-11-30T10:00:00Z"),
        )
        .await
        .unwrap();
    ledger.close().await.unwrap();
    assert_eq!(queued.report_id, Some(ReportId::from_bytes([1; 16])));
    assert_eq!(retry.report_id, queued.report_id);
    for _ in 0..2 {
        let (shown, stderr) = preview(dir.path());
        assert_eq!(shown["report_id"], "01".repeat(16));
        assert!(stderr.contains("is queued under it"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_week_is_kept_back_until_resumed() {
    let dir = temp_dir("report-pause");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let ledger_path = dir.path().join("data/clockoff/ledger.sqlite3");
    write_fixture(&ledger_path).await;
    let w48 = week::parse(W48).unwrap();

    let out = clockoff(dir.path(), &["report", "pause", "--week", W48]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "2026-W48 (Mon 23 Nov to Sun 29 Nov 2026) will not be reported. `clockoff report resume --week 2026-W48` undoes this.\n"
    );
    let reader = Reader::open(&ledger_path).unwrap().unwrap();
    assert!(reader.report_week(w48).unwrap().paused);
    assert!(
        !reader
            .report_week(week::parse("2026-W47").unwrap())
            .unwrap()
            .paused
    );
    drop(reader);
    let (_, stderr) = preview(dir.path());
    assert!(
        stderr.contains("2026-W48 is paused: it will not be sent"),
        "{stderr}"
    );

    // The queue gets no id for a paused week.
    let (ledger, _) = Ledger::open(&ledger_path).await.unwrap();
    let paused = ledger
        .assign_report_id(
            w48,
            ReportId::from_bytes([1; 16]),
            utc("2026-11-30T09:00:00Z"),
        )
        .await
        .unwrap();
    ledger.close().await.unwrap();
    assert_eq!((paused.paused, paused.report_id), (true, None));

    let out = clockoff(dir.path(), &["report", "resume", "--week", W48]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "2026-W48 (Mon 23 Nov to Sun 29 Nov 2026) will be reported if you turn reporting on.\n"
    );
    let reader = Reader::open(&ledger_path).unwrap().unwrap();
    assert!(!reader.report_week(w48).unwrap().paused);
}

/// Always off, so the agent writes nothing of its own while the test runs.
const AGENT_CONFIG: &str = "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
[tray]\nenabled = false\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_agent_running_pausing_goes_over_dbus() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("report-agent");
    let desk = Clockoff::new(&bus, support::record::at_now(), dir.path());
    desk.write_config(AGENT_CONFIG);
    let ledger = desk.ledger_path();
    write_fixture(&ledger).await;
    let agent = desk.agent(&bus, "agent.log").await;
    desk.status();

    let out = desk.clockoff(&["report", "pause", "--week", W48]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reader = Reader::open(&ledger).unwrap().unwrap();
    assert!(
        reader
            .report_week(week::parse(W48).unwrap())
            .unwrap()
            .paused
    );
    // A week that is not one is refused before anything is sent.
    let out = desk.clockoff(&["report", "pause", "--week", "2026-W54"]);
    assert_eq!(out.status.code(), Some(2));
    let out = desk.clockoff(&["report", "resume", "--week", W48]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !reader
            .report_week(week::parse(W48).unwrap())
            .unwrap()
            .paused
    );
    agent.terminate();
}

#[test]
fn with_no_ledger_preview_is_a_week_of_nothing_and_a_bad_week_is_a_usage_error() {
    let dir = temp_dir("report-empty");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let (r, _) = preview(dir.path());
    assert_eq!(r["out_of_hours_minutes"], 0);
    assert_eq!(r["days_with_out_of_hours_work"], 0);
    assert!(!dir.path().join("data/clockoff/ledger.sqlite3").exists());

    // Without --week, the last week that has ended.
    let r = json(&clockoff(dir.path(), &["report", "preview"]));
    assert!(week::parse(r["week"].as_str().unwrap()).is_ok(), "{r}");

    for args in [
        &["report", "preview", "--week", "2026-48"][..],
        &["report", "preview", "--week", "2026-W048"][..],
        &["report", "pause", "--week", "2026-W54"][..],
    ] {
        let out = clockoff(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }

    // Reporting on: preview says where it goes.
    std::fs::write(
        dir.path().join("config.toml"),
        format!("{CONFIG}[report]\nenabled = true\ndashboard = \"https://dash.example.org\"\n"),
    )
    .unwrap();
    let (_, stderr) = preview(dir.path());
    assert!(
        stderr.contains(
            "Reporting is on: this is sent to https://dash.example.org once the week has ended (from Monday midday)."
        ),
        "{stderr}"
    );
}
