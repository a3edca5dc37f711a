//! `clockoff week` against a real ledger file written through the ledger's own API: the
//! figures a worker would check by hand, the JSON's shape, and the regulations' findings.

use crate::support;

use support::record::{CONFIG, clockoff, json, write_week};
use support::tmp::temp_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_week_adds_up_and_names_the_short_rest() {
    let dir = temp_dir("week");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    write_week(&dir.path().join("data/clockoff/ledger.sqlite3")).await;

    let r = json(&clockoff(
        dir.path(),
        &["week", "--week", "2026-W48", "--json"],
    ));
    assert_eq!(r["week"], "2026-W48");
    let t = &r["totals"];
    // By hand: 5 x 7h30m in hours; 1h15m + 1h out of hours (1h chosen); 1h30m logged.
    assert_eq!(t["in_hours"], 5 * 450);
    assert_eq!(
        (t["out_of_hours"].as_i64(), t["chosen"].as_i64()),
        (Some(135), Some(60))
    );
    assert_eq!(
        (t["manual"].as_i64(), t["on_call"].as_i64()),
        (Some(90), Some(0))
    );
    assert_eq!(t["weekend"], 90);
    assert_eq!(t["late"], 75, "22:30-23:45");
    assert_eq!(r["contracted_minutes"], 37 * 60);
    assert_eq!(r["overtime_minutes"], 5 * 450 + 135 + 90 - 37 * 60);
    assert_eq!(r["days"][0]["date"], "2026-11-23");
    assert_eq!(r["days"][0]["minutes"]["out_of_hours"], 75);
    assert_eq!(r["days"].as_array().unwrap().len(), 7);
    // Monday 23:45 to Tuesday 09:00 is 9h15m: under 11 hours.
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "daily_rest");
    assert_eq!(findings[0]["from"], "2026-11-23T23:45:00Z");
    assert_eq!(findings[0]["to"], "2026-11-24T09:00:00Z");

    let out = clockoff(dir.path(), &["week", "--week", "2026-W48"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let monday = format!("Mon 23  {}{}", "█".repeat(15), "▒".repeat(3));
    assert!(text.contains(&monday), "{text}");
    assert!(text.contains("Contract  37h a week: 4h 15m over"), "{text}");
    assert!(
        text.contains("  ! the longest rest in the 24 hours from Mon 23 Nov 09:00 was 9h 15m (Mon 23 Nov 23:45 to Tue 24 Nov 09:00)"),
        "{text}"
    );
}

#[test]
fn with_no_ledger_yet_the_week_is_empty_and_a_bad_week_is_a_usage_error() {
    let dir = temp_dir("week-empty");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let r = json(&clockoff(
        dir.path(),
        &["week", "--week", "2026-W48", "--json"],
    ));
    assert_eq!(r["totals"]["in_hours"], 0);
    assert_eq!(r["average_weeks"], 0);
    assert!(
        !dir.path().join("data/clockoff/ledger.sqlite3").exists(),
        "reading created it"
    );

    let out = clockoff(dir.path(), &["week", "--week", "2026-48"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "\"2026-48\" is not an ISO week; write e.g. 2026-W48\n"
    );
}

/// The rig stands the binary's clock on the Tuesday after the fixture week
/// (`support::record::NOW`), whatever day the suite runs: this week is W49 there, and a
/// clock the binary cannot read is a usage error that names the variable.
#[test]
fn the_test_clock_puts_this_week_where_the_rig_says() {
    let dir = temp_dir("week-test-clock");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    let r = json(&clockoff(dir.path(), &["week", "--json"]));
    assert_eq!(r["week"], "2026-W49");
    // Another instant, years from any day this suite runs on: the binary follows the clock
    // it is given, not the machine's.
    let later = support::record::command(dir.path(), &["week", "--json"])
        .env(
            clockoff::core::clock::TEST_NOW_ENV,
            "2031-05-01T12:00:00+01:00",
        )
        .output()
        .unwrap();
    assert_eq!(json(&later)["week"], "2031-W18");

    let out = support::record::command(dir.path(), &["week"])
        .env(clockoff::core::clock::TEST_NOW_ENV, "next Tuesday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("CLOCKOFF_TEST_NOW=\"next Tuesday\": "),
        "{stderr}"
    );
}

/// One way of writing a day everywhere (issue 19: `schedule week` said "Mon 07 Dec" beside
/// "Fri 4 Dec"): no zero before a day's number, in the week's view or the schedule's.
#[test]
fn days_are_written_without_a_leading_zero() {
    let dir = temp_dir("days-written");
    std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
    // The rig's clock stands on Tuesday 1 December 2026.
    let text = |args: &[&str]| {
        let out = clockoff(dir.path(), args);
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let week = text(&["week", "--week", "2026-W49"]);
    assert!(
        week.contains("Tue 1 ") && !week.contains("Tue 01"),
        "{week}"
    );
    let schedule = text(&["schedule", "week"]);
    assert!(schedule.contains("Wed 2 Dec 09:00"), "{schedule}");
    let padded = |text: &str| {
        text.split_whitespace()
            .any(|w| w.len() == 2 && w.starts_with('0') && w.bytes().all(|b| b.is_ascii_digit()))
    };
    assert!(!padded(&schedule) && !padded(&week), "{schedule}{week}");
}
