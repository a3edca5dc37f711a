//! `clockoff leave` and `clockoff closure` (issue 22, first part): leave and closure days
//! from one command, kept in the worker's own config with their comments, checked as the
//! config is, refused where the organisation locks them, and read by a running agent before
//! the command returns.

use crate::support;
use support::agent::Clockoff;
use support::home::{Home, NOW, said};
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

const MY_FILE: &str = "\
# Agreed with my manager: compressed hours.
timezone = \"Europe/London\"
[hours]
monday = [\"08:00-18:00\"] # long day
tuesday = [\"08:00-18:00\"]

[holidays]
region = \"england-and-wales\" # my team is in Cardiff
";

#[test]
fn leave_and_closure_days_are_added_listed_and_removed_in_my_own_file() {
    let home = Home::new("leave-cli", MY_FILE);
    assert_eq!(home.state_at("2026-12-22T12:00:00Z"), "working");
    let added = home.ok(&[
        "leave",
        "add",
        "2026-12-21",
        "2026-12-23",
        "--note",
        "before Christmas",
    ]);
    assert!(
        added.contains("Added leave #1: 2026-12-21 to 2026-12-23 (3 days)."),
        "{added}"
    );
    home.ok(&["leave", "add", "2027-02-15"]);
    assert_eq!(home.state_at("2026-12-22T12:00:00Z"), "leave");
    assert_eq!(home.state_at("2027-02-15T12:00:00Z"), "leave");
    assert_eq!(
        home.ok(&["leave", "list"]),
        "#1  2026-12-21 to 2026-12-23  before Christmas\n#2  2027-02-15 to 2027-02-15\n"
    );

    home.ok(&["closure", "add", "2026-12-29", "2026-12-30"]);
    assert_eq!(home.state_at("2026-12-29T12:00:00Z"), "holiday");
    assert_eq!(home.ok(&["closure", "list"]), "2026-12-29\n2026-12-30\n");

    let written = std::fs::read_to_string(home.config()).unwrap();
    for kept in [
        "# Agreed with my manager",
        "# long day",
        "# my team is in Cardiff",
    ] {
        assert!(written.contains(kept), "{kept} lost: {written}");
    }
    assert_eq!(home.ok(&["config", "check"]).trim(), "ok");

    home.ok(&["leave", "remove", "1"]);
    home.ok(&["closure", "remove", "2026-12-29"]);
    assert_eq!(home.state_at("2026-12-22T12:00:00Z"), "working");
    assert_eq!(home.state_at("2026-12-29T12:00:00Z"), "working");
    assert_eq!(
        home.ok(&["leave", "list"]),
        "#1  2027-02-15 to 2027-02-15\n"
    );
    home.ok(&["leave", "remove", "1"]);
    let written = std::fs::read_to_string(home.config()).unwrap();
    assert!(
        !written.contains("leave"),
        "an empty list is removed whole: {written}"
    );
}

#[test]
fn bad_or_locked_leave_is_refused_with_the_reason_and_nothing_written() {
    let home = Home::new("leave-refused", MY_FILE);
    let backwards = home.refused(&["leave", "add", "2027-01-05", "2027-01-02"]);
    assert!(
        backwards.contains("would end (2027-01-02) before it starts (2027-01-05)"),
        "{backwards}"
    );
    let no_day = home.refused(&["leave", "add", "2026-13-01"]);
    assert!(no_day.contains("\"2026-13-01\" is not a day"), "{no_day}");
    let far = home.refused(&["leave", "add", "2150-01-01"]);
    assert!(far.contains("1970-2100"), "the config's own check: {far}");
    let missing = home.refused(&["leave", "remove", "3"]);
    assert!(missing.contains("there is no leave #3"), "{missing}");
    let not_closed = home.refused(&["closure", "remove", "2026-12-29"]);
    assert!(not_closed.contains("is not a closure day"), "{not_closed}");

    std::fs::write(
        home.dir.path().join("policy.toml"),
        "lock = [\"leave\", \"holidays\"]\n",
    )
    .unwrap();
    let locked = home.refused(&["leave", "add", "2026-12-24"]);
    assert!(
        locked.contains("policy sets `leave` and locks it"),
        "{locked}"
    );
    let locked = home.refused(&["closure", "add", "2026-12-24"]);
    assert!(locked.contains("locks it"), "{locked}");
}

/// Leave added while the agent runs is its state as soon as the command returns: the
/// command has the agent read the file before it says it is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_added_while_the_agent_runs_is_its_state_when_the_command_returns() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("leave-agent");
    let clockoff = Clockoff::new(&bus, Vec::new(), dir.path());
    clockoff.write_config("timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n");
    let agent = clockoff.agent(&bus, "agent.log").await;
    assert_eq!(clockoff.status()["state"], "off");
    let out = clockoff.clockoff(&["leave", "add", "today", "--note", "unwell"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("The running agent has read it."),
        "{}",
        said(&out)
    );
    assert_eq!(clockoff.status()["state"], "leave");
    agent.terminate();
}

#[test]
fn on_call_windows_are_added_listed_and_removed_and_nothing_is_held_in_them() {
    let home = Home::new("oncall-cli", MY_FILE);
    assert_eq!(home.state_at("2026-12-05T12:00:00Z"), "off");
    let added = home.ok(&[
        "oncall",
        "add",
        "2026-12-04 17:00",
        "2026-12-07T09:00",
        "--note",
        "weekend rota",
    ]);
    assert!(
        added.contains("Added on-call #1: Fri 2026-12-04 17:00 to Mon 2026-12-07 09:00."),
        "{added}"
    );
    assert_eq!(home.state_at("2026-12-05T12:00:00Z"), "on_call");
    // A weekday and time: the next Friday 17:00 to come, to the Monday 09:00 after it.
    home.ok(&["oncall", "add", "Fri 17:00", "Mon 09:00"]);
    let listed = home.ok(&["oncall", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(
        lines[0],
        "#1  2026-12-04T17:00 to 2026-12-07T09:00  weekend rota"
    );
    let (from, to) = lines[1]
        .trim_start_matches("#2  ")
        .split_once(" to ")
        .unwrap();
    let parse = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").unwrap();
    let (from, to) = (parse(from), parse(to));
    assert_eq!(from.format("%a %H:%M").to_string(), "Fri 17:00");
    assert_eq!(to - from, chrono::TimeDelta::hours(64), "the Monday after");
    assert_eq!(
        lines[1], "#2  2026-12-11T17:00 to 2026-12-14T09:00",
        "from {NOW}"
    );
    assert_eq!(home.ok(&["config", "check"]).trim(), "ok");

    home.ok(&["oncall", "remove", "1"]);
    assert_eq!(home.state_at("2026-12-05T12:00:00Z"), "off");
    let backwards = home.refused(&["oncall", "add", "2026-12-07 09:00", "2026-12-04 17:00"]);
    assert!(
        backwards.contains("would end (Fri 2026-12-04 17:00) at or before it starts"),
        "{backwards}"
    );
    let bad = home.refused(&["oncall", "add", "Funday 17:00", "Mon 09:00"]);
    assert!(bad.contains("\"Funday 17:00\" is not a time"), "{bad}");
    std::fs::write(
        home.dir.path().join("policy.toml"),
        "lock = [\"on_call\"]\n",
    )
    .unwrap();
    let locked = home.refused(&["oncall", "add", "Fri 17:00", "Mon 09:00"]);
    assert!(
        locked.contains("policy sets `on_call` and locks it"),
        "{locked}"
    );
}
