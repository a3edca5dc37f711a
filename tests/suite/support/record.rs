//! The worker's record as the tests write it: one hard week in a real ledger file (through
//! the ledger's own API), and the real binary run against it with a private data directory.

use super::CleanEnv;
use std::path::Path;
use std::process::{Command, Output};

use clockoff::core::activity::Class;
use clockoff::core::schedule::State;
use clockoff::ledger::Ledger;

pub const CONFIG: &str = "timezone = \"Europe/London\"\ncontracted = \"37h\"\n";

/// Where the binary's clock stands for the record's tests, whatever day the suite runs:
/// Tuesday 1 December 2026, the Tuesday after the fixture week. Records written now are
/// written on that Tuesday, and the fixture week never ages out of `[record] keep`.
pub const NOW: &str = "2026-12-01T10:00:00Z";

/// The environment that stands a running agent's clock at [`NOW`] too (for
/// `support::agent::Clockoff::new`), for tests of the agent over the fixture week.
pub fn at_now() -> Vec<(String, String)> {
    vec![(
        clockoff::core::clock::TEST_NOW_ENV.to_string(),
        NOW.to_string(),
    )]
}

pub use clockoff::core::testing::utc;

/// The JSON a command printed, once it has succeeded.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

pub fn clockoff(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run clockoff")
}

/// The command [`clockoff`] runs, for a test to add to.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clockoff"));
    command
        .clean_env()
        .env("HOME", dir.join("home"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("CLOCKOFF_POLICY", dir.join("no-policy.toml"))
        .env("TZ", "Europe/London")
        .env(clockoff::core::clock::TEST_NOW_ENV, NOW)
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args);
    command
}

/// An active interval from `start` to `end` (RFC 3339), opened and closed as the agent does.
pub async fn closed_interval(ledger: &Ledger, start: &str, end: &str, class: Class, state: State) {
    let id = ledger
        .open_interval(utc(start), class, state, "x11")
        .await
        .unwrap();
    ledger.close_interval(id, utc(end)).await.unwrap();
}

/// Week 48 of 2026 (Mon 23 to Sun 29 November; London is on UTC): a full week in hours
/// with a lunch break, a late case note on Monday night, an override on Thursday and a
/// Saturday visit logged by hand.
pub async fn write_week(ledger_path: &Path) {
    let (ledger, _) = Ledger::open(ledger_path).await.unwrap();
    for d in 23..=27 {
        let day = format!("2026-11-{d}");
        closed_interval(
            &ledger,
            &format!("{day}T09:00:00Z"),
            &format!("{day}T12:30:00Z"),
            Class::Working,
            State::Working,
        )
        .await;
        closed_interval(
            &ledger,
            &format!("{day}T13:00:00Z"),
            &format!("{day}T17:00:00Z"),
            Class::Working,
            State::Working,
        )
        .await;
    }
    // Monday 22:30-23:45: a case note after the children are in bed.
    closed_interval(
        &ledger,
        "2026-11-23T22:30:00Z",
        "2026-11-23T23:45:00Z",
        Class::OutOfHours,
        State::Off,
    )
    .await;
    closed_interval(
        &ledger,
        "2026-11-26T17:00:00Z",
        "2026-11-26T18:00:00Z",
        Class::Override,
        State::Override,
    )
    .await;
    ledger
        .add_manual(
            utc("2026-11-28T10:00:00Z"),
            utc("2026-11-28T11:30:00Z"),
            "home visit",
            utc("2026-11-28T12:00:00Z"),
        )
        .await
        .unwrap();
    ledger.close().await.unwrap();
}
