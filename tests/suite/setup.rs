//! `clockoff setup` (issue 17): asked at a real terminal (a pseudo-terminal, answers typed),
//! and run from a script with `--yes`; what it writes checked by `clockoff config check`.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use crate::support;
use support::home::{Home, said};
use support::pty::Pty;

const CLOCKOFF: &str = env!("CARGO_BIN_EXE_clockoff");

/// `clockoff setup` at a terminal of its own, in `home`.
fn at_terminal(home: &Home) -> Option<Pty> {
    let env = home.env();
    let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    support::or_skip(Pty::spawn(CLOCKOFF, &["setup"], &env))
}

/// The file names in the config's folder: a half-written file would show here.
fn folder(home: &Home) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home.config().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const MY_FILE: &str = "\
# My hours: agreed with my manager in March.
[hours]
monday = [\"09:00-17:00\"] # team meeting at 9

[activity]
idle_after = \"10m\"
";

#[test]
fn at_a_terminal_it_asks_in_plain_words_asks_again_with_the_reason_and_keeps_my_comments() {
    let home = Home::empty("setup-terminal");
    write(&home.config(), MY_FILE);
    let Some(mut terminal) = at_terminal(&home) else {
        return;
    };
    terminal.expect("[mon 09:00-17:00]");
    terminal.expect("hours> ");
    terminal.type_line("mon 25:00-17:00");
    terminal.expect("hours> ");
    terminal.type_line("");
    terminal.expect("bad time range \"25:00-17:00\"");
    terminal.expect("hours> ");
    terminal.type_line("mon-thu 08:00-16:00");
    terminal.expect("hours> ");
    terminal.type_line("sun 22:00-06:00");
    terminal.expect("hours> ");
    terminal.type_line("");
    terminal.expect("Time zone [Europe/London, this laptop's]: ");
    terminal.type_line("Europe/Londres");
    terminal.expect("unknown time zone \"Europe/Londres\"");
    terminal.expect("Time zone [");
    terminal.type_line("");
    terminal.expect("Bank holidays: england-and-wales, scotland, northern-ireland or none [england-and-wales]: ");
    terminal.type_line("scotland");
    terminal.expect("Contracted hours a week, e.g. 37h or 22h30m [37h]: ");
    terminal.type_line("25:00");
    terminal.expect("bad duration \"25:00\"");
    terminal.type_line("32h");
    terminal.expect("Your team's dashboard address (https://...), or none [none]: ");
    terminal.type_line("http://dashboard.example.org");
    terminal.expect("is not https");
    terminal.type_line("https://dashboard.example.org");
    terminal.expect("Your team's reporter token");
    let token = format!("cod_r_{}", "0123456789abcdef".repeat(4));
    terminal.type_line(&token);
    terminal.expect("Write ");
    terminal.type_line("y");
    terminal.expect("Start the agent");
    let status = terminal.wait();
    assert!(status.success(), "{status}: {}", terminal.transcript());

    let written = std::fs::read_to_string(home.config()).unwrap();
    assert!(
        written.starts_with("# My hours: agreed with my manager in March.\n"),
        "{written}"
    );
    assert!(
        written.contains("monday = [\"08:00-16:00\"] # team meeting at 9\n"),
        "{written}"
    );
    assert!(
        written.contains("thursday = [\"08:00-16:00\"]\nsunday = [\"22:00-06:00\"]"),
        "{written}"
    );
    assert!(written.contains("idle_after = \"10m\""), "{written}");
    assert!(
        written.contains("timezone = \"Europe/London\""),
        "{written}"
    );
    assert!(written.contains("region = \"scotland\""), "{written}");
    assert!(written.contains("contracted = \"32h\""), "{written}");
    assert!(
        written.contains("dashboard = \"https://dashboard.example.org\""),
        "{written}"
    );
    let token_file = home.dir.path().join(".config/clockoff/team-token");
    assert_eq!(std::fs::read_to_string(&token_file).unwrap().trim(), token);
    assert_eq!(
        std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        !written.contains(&token),
        "the token itself is never in the config"
    );
    let checked = home.run(&["config", "check"]);
    assert!(checked.status.success(), "{}", said(&checked));
    assert_eq!(folder(&home), ["config.toml", "team-token"]);
}

#[test]
fn interrupted_or_ended_early_it_leaves_the_old_file_as_it_was() {
    let home = Home::empty("setup-interrupted");
    write(&home.config(), MY_FILE);
    let Some(mut terminal) = at_terminal(&home) else {
        return;
    };
    terminal.expect("hours> ");
    terminal.type_line("mon-fri 07:00-15:00");
    terminal.expect("hours> ");
    terminal.type_line("");
    terminal.expect("Time zone [");
    terminal.interrupt();
    let status = terminal.wait();
    assert_eq!(status.signal(), Some(2), "Ctrl-C ends it: {status}");
    assert_eq!(std::fs::read_to_string(home.config()).unwrap(), MY_FILE);
    assert_eq!(folder(&home), ["config.toml"]);

    // Ctrl-D at a question, and "n" at the end, also write nothing.
    let Some(mut terminal) = at_terminal(&home) else {
        return;
    };
    terminal.expect("hours> ");
    terminal.type_line("");
    terminal.expect("Time zone [");
    terminal.type_line("\x04");
    // Read before the wait: once the program has ended, what it last wrote may still be on
    // its way through the terminal.
    terminal.expect("stopped: nothing written");
    let status = terminal.wait();
    assert_eq!(status.code(), Some(1), "{}", terminal.transcript());
    let Some(mut terminal) = at_terminal(&home) else {
        return;
    };
    terminal.expect("hours> ");
    terminal.type_line("");
    for question in [
        "Time zone [",
        "Bank holidays",
        "Contracted hours",
        "dashboard address",
    ] {
        terminal.expect(question);
        terminal.type_line("");
    }
    terminal.expect("[Y/n]: ");
    terminal.type_line("n");
    assert_eq!(terminal.wait().code(), Some(1));
    assert_eq!(std::fs::read_to_string(home.config()).unwrap(), MY_FILE);
    assert_eq!(folder(&home), ["config.toml"]);
}

/// What IT's scripts run on a fresh account: flags, no questions.
#[test]
fn with_yes_it_takes_flags_on_a_fresh_account_and_refuses_bad_ones() {
    let home = Home::empty("setup-yes");
    let out = home.run(&[
        "setup",
        "--yes",
        "--hours",
        "mon-thu 08:00-18:00",
        "--hours",
        "fri 08:00-12:00",
        "--region",
        "northern-ireland",
        "--contracted",
        "37h",
        "--dashboard",
        "https://dashboard.example.org",
    ]);
    assert!(out.status.success(), "{}", said(&out));
    let written = std::fs::read_to_string(home.config()).unwrap();
    // The zone is written as detected, no longer silently the system's.
    assert!(
        written.contains("timezone = \"Europe/London\""),
        "{written}"
    );
    assert!(written.contains("friday = [\"08:00-12:00\"]"), "{written}");
    assert!(
        written.contains("token_file = \"~/.config/clockoff/team-token\""),
        "{written}"
    );
    let at = home.run(&["schedule", "at", "2026-12-04T13:00:00Z"]);
    assert!(
        String::from_utf8_lossy(&at.stdout).contains("\"state\":\"off\""),
        "{}",
        said(&at)
    );

    for (flag, value, reason) in [
        (
            "--hours",
            "mon 09:00-25:00",
            "bad time range \"09:00-25:00\"",
        ),
        (
            "--timezone",
            "Mars/Olympus",
            "unknown time zone \"Mars/Olympus\"",
        ),
        (
            "--dashboard",
            "http://dashboard.example.org",
            "is not https",
        ),
        ("--region", "wales", "england-and-wales"),
    ] {
        let out = home.run(&["setup", "--yes", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {}", said(&out));
        assert!(said(&out).contains(&format!("{flag}: ")), "{}", said(&out));
        assert!(said(&out).contains(reason), "{}", said(&out));
        assert_eq!(
            std::fs::read_to_string(home.config()).unwrap(),
            written,
            "changed by a refused {flag}"
        );
    }

    // What the organisation locks is not the worker's to set.
    write(
        &home.policy(),
        "lock = [\"hours\"]\n[hours]\nmonday = [\"09:00-17:00\"]\n",
    );
    let locked = home.run(&["setup", "--yes", "--hours", "tue 09:00-17:00"]);
    assert_eq!(locked.status.code(), Some(2));
    assert!(
        said(&locked).contains("--hours: your organisation's policy sets `hours` and locks it")
    );
    // Asked to run without a terminal and without --yes, it says what to do instead.
    let no_terminal = home.run(&["setup"]);
    assert_eq!(no_terminal.status.code(), Some(2));
    assert!(
        said(&no_terminal).contains("--yes"),
        "{}",
        said(&no_terminal)
    );
}
