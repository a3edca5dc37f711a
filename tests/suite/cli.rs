//! The `clockoff` command-line contract (issue 2), run against the built binary.
//!
//! Every run gets its own temp HOME and XDG_CONFIG_HOME (so the developer's own config is
//! never read), CLOCKOFF_POLICY pointing into the sandbox (missing unless a test writes it)
//! and TZ=Europe/London.

use crate::support;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::CleanEnv;

const DEFAULT_CONFIG: &str = include_str!("../../config/clockoff.toml");

/// Far longer than any command should take, even in a debug build.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The first word(s) of the human one-line summary, one per state.
const STATE_LABELS: [&str; 6] = [
    "Working",
    "Off",
    "On call",
    "On leave",
    "Bank holiday",
    "Working by choice",
];

/// A temp directory with a home, a config home and a policy path; removed when dropped.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("clockoff-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("create home");
        std::fs::create_dir_all(dir.join("xdg")).expect("create xdg");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// Writes a --config file and returns its path as a string.
    fn config(&self, text: &str) -> String {
        self.write("config.toml", text).display().to_string()
    }

    fn policy_path(&self) -> PathBuf {
        self.path("policy.toml")
    }

    /// Runs clockoff; a run that takes longer than `TIMEOUT` (an infinite loop) is killed
    /// and fails the test rather than hanging the suite.
    /// `clockoff schedule at INSTANT --config CONFIG`
    fn at(&self, config: &str, instant: &str) -> Output {
        self.run(&["schedule", "at", instant, "--config", config])
    }

    /// `clockoff schedule transitions --from FROM --to TO --config CONFIG`
    fn transitions(&self, config: &str, from: &str, to: &str) -> Output {
        self.run(&[
            "schedule",
            "transitions",
            "--from",
            from,
            "--to",
            to,
            "--config",
            config,
        ])
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clockoff"))
            .args(args)
            .clean_env()
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("CLOCKOFF_POLICY", self.policy_path())
            .env("TZ", "Europe/London")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run clockoff");
        // Drain the pipes while waiting, so a large output cannot block the child.
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let out = drain(Box::new(child.stdout.take().expect("stdout piped")));
        let err = drain(Box::new(child.stderr.take().expect("stderr piped")));
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for clockoff") {
                return Output {
                    status,
                    stdout: out.join().expect("read stdout"),
                    stderr: err.join().expect("read stderr"),
                };
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("clockoff {args:?} did not finish within {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts success and returns stdout.
fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected success; stdout: {}; stderr: {}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// Asserts exit status 2 with nothing on stdout, and returns stderr.
fn usage_error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2; stdout: {}; stderr: {}",
        stdout(out),
        stderr(out)
    );
    assert_eq!(stdout(out), "", "nothing on stdout on error");
    let err = stderr(out);
    assert!(!err.trim().is_empty(), "an error message on stderr");
    err
}

const LONDON: &str = "timezone = \"Europe/London\"\n";

// ---------------------------------------------------------------- schedule at

#[test]
fn at_prints_one_object_with_state_since_until_in_winter() {
    let sb = Sandbox::new("at_winter");
    let config = sb.config(LONDON);
    // Monday evening, after the default 09:00-17:00.
    let out = sb.at(&config, "2026-11-23T17:30:00Z");
    assert_eq!(
        ok(&out),
        "{\"state\":\"off\",\"since\":\"2026-11-23T17:00:00+00:00\",\"until\":\"2026-11-24T09:00:00+00:00\"}\n"
    );
    // Monday midday; --config before the subcommand works too.
    let out = sb.run(&[
        "--config",
        &config,
        "schedule",
        "at",
        "2026-11-23T12:00:00Z",
    ]);
    assert_eq!(
        ok(&out),
        "{\"state\":\"working\",\"since\":\"2026-11-23T09:00:00+00:00\",\"until\":\"2026-11-23T17:00:00+00:00\"}\n"
    );
}

#[test]
fn at_in_summer_shows_british_summer_time_offsets() {
    let sb = Sandbox::new("at_summer");
    let config = sb.config(LONDON);
    let out = sb.at(&config, "2026-07-15T12:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"state\":\"working\",\"since\":\"2026-07-15T09:00:00+01:00\",\"until\":\"2026-07-15T17:00:00+01:00\"}\n"
    );
    // The instant may be given with any offset.
    let out = sb.at(&config, "2026-07-15T18:30:00+01:00");
    assert_eq!(
        ok(&out),
        "{\"state\":\"off\",\"since\":\"2026-07-15T17:00:00+01:00\",\"until\":\"2026-07-16T09:00:00+01:00\"}\n"
    );
}

#[test]
fn at_on_a_bank_holiday() {
    let sb = Sandbox::new("at_holiday");
    let config = sb.config(LONDON);
    // Christmas Day 2026 is a Friday: holiday from midnight, then the weekend is off.
    let out = sb.at(&config, "2026-12-25T12:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"state\":\"holiday\",\"since\":\"2026-12-25T00:00:00+00:00\",\"until\":\"2026-12-26T00:00:00+00:00\",\"from\":\"England and Wales\"}\n"
    );
}

#[test]
fn at_with_an_empty_schedule_has_null_since_and_until() {
    let sb = Sandbox::new("at_empty");
    let config =
        sb.config("timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n");
    let out = sb.at(&config, "2026-07-15T12:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"state\":\"off\",\"since\":null,\"until\":null}\n"
    );
}

#[test]
fn at_uses_the_policy_named_by_clockoff_policy() {
    let sb = Sandbox::new("at_policy");
    sb.write(
        "policy.toml",
        "timezone = \"Europe/London\"\n[hours]\nmonday = [\"08:00-16:00\"]\n",
    );
    // No user file at all: the policy applies on top of the default.
    let out = sb.run(&["schedule", "at", "2026-11-23T15:30:00Z"]);
    assert_eq!(
        ok(&out),
        "{\"state\":\"working\",\"since\":\"2026-11-23T08:00:00+00:00\",\"until\":\"2026-11-23T16:00:00+00:00\"}\n"
    );
}

#[test]
fn at_reads_the_users_file_under_xdg_config_home() {
    let sb = Sandbox::new("at_xdg");
    sb.write(
        "xdg/clockoff/config.toml",
        "timezone = \"Europe/London\"\n[hours]\nmonday = [\"10:00-18:00\"]\n",
    );
    let out = sb.run(&["schedule", "at", "2026-11-23T17:30:00Z"]);
    assert_eq!(
        ok(&out),
        "{\"state\":\"working\",\"since\":\"2026-11-23T10:00:00+00:00\",\"until\":\"2026-11-23T18:00:00+00:00\"}\n"
    );
}

#[test]
fn at_with_a_bad_instant_is_a_usage_error() {
    let sb = Sandbox::new("at_bad_instant");
    let config = sb.config(LONDON);
    for bad in [
        "nonsense",
        "2026-11-23",
        "2026-11-23T17:30:00",
        "2026-13-01T00:00:00Z",
    ] {
        let out = sb.at(&config, bad);
        let err = usage_error(&out);
        assert_eq!(
            err,
            format!(
                "instant: \"{bad}\" is not an RFC 3339 instant; write e.g. 2026-11-23T17:30:00Z or 2026-11-23T17:30:00+00:00\n"
            ),
        );
    }
}

#[test]
fn at_outside_1970_2100_is_a_usage_error() {
    let sb = Sandbox::new("at_out_of_range");
    let config = sb.config(LONDON);
    for bad in ["1969-12-31T23:59:59Z", "2101-01-01T00:00:00Z"] {
        let out = sb.at(&config, bad);
        assert_eq!(
            usage_error(&out),
            format!("instant: {bad} is outside the supported range 1970-01-01 to 2100-12-31\n")
        );
    }
    // The last moment of 2100 is fine, with nothing after it.
    let out = sb.at(&config, "2100-12-31T23:59:59Z");
    assert_eq!(
        ok(&out),
        "{\"state\":\"off\",\"since\":\"2100-12-31T17:00:00+00:00\",\"until\":null}\n"
    );
}

#[test]
fn a_bad_instant_is_reported_before_a_bad_config() {
    let sb = Sandbox::new("instant_before_config");
    let config = sb.config("timezone = \"Mars/Base\"\n");
    let err = usage_error(&sb.at(&config, "soon"));
    assert!(err.starts_with("instant: \"soon\" is not"), "{err}");
}

// ---------------------------------------------------------------- schedule transitions

#[test]
fn transitions_include_from_and_exclude_to() {
    let sb = Sandbox::new("transitions");
    let config = sb.config(LONDON);
    // --from is exactly Monday 09:00 (a transition), --to exactly Wednesday 09:00 (another).
    let out = sb.transitions(&config, "2026-11-23T09:00:00Z", "2026-11-25T09:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"at\":\"2026-11-23T09:00:00+00:00\",\"state\":\"working\"}\n\
         {\"at\":\"2026-11-23T17:00:00+00:00\",\"state\":\"off\"}\n\
         {\"at\":\"2026-11-24T09:00:00+00:00\",\"state\":\"working\"}\n\
         {\"at\":\"2026-11-24T17:00:00+00:00\",\"state\":\"off\"}\n"
    );
}

#[test]
fn transitions_across_the_autumn_change_carry_each_offset() {
    let sb = Sandbox::new("transitions_dst");
    let config = sb.config(LONDON);
    // Clocks go back on Sunday 2026-10-25.
    let out = sb.transitions(&config, "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"at\":\"2026-10-23T17:00:00+01:00\",\"state\":\"off\"}\n\
         {\"at\":\"2026-10-26T09:00:00+00:00\",\"state\":\"working\"}\n"
    );
}

#[test]
fn transitions_over_an_empty_interval_print_nothing() {
    let sb = Sandbox::new("transitions_empty");
    let config = sb.config(LONDON);
    let out = sb.transitions(&config, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z");
    assert_eq!(ok(&out), "");
}

#[test]
fn transitions_with_to_before_from_is_a_usage_error() {
    let sb = Sandbox::new("transitions_backwards");
    let config = sb.config(LONDON);
    let out = sb.transitions(&config, "2026-11-25T09:00:00Z", "2026-11-23T09:00:00Z");
    assert_eq!(usage_error(&out), "--to is before --from\n");
}

#[test]
fn transitions_with_a_bad_instant_is_a_usage_error() {
    let sb = Sandbox::new("transitions_bad_instant");
    let config = sb.config(LONDON);
    let out = sb.transitions(&config, "2026-11-23T09:00:00Z", "next week");
    let err = usage_error(&out);
    assert!(err.starts_with("--to: \"next week\" is not"), "{err}");
}

// ---------------------------------------------------------------- bad configuration

#[test]
fn a_bad_config_is_exit_2_with_file_line_col() {
    let sb = Sandbox::new("bad_config");
    let config = sb.config("contracted = \"37h\"\ntimezone = \"Europe/Lundun\"\n");
    let expected = format!(
        "{config}:2:12: unknown time zone \"Europe/Lundun\": expected an IANA name such as \"Europe/London\"\n"
    );
    for args in [
        &["schedule", "at", "2026-11-23T17:30:00Z"][..],
        &[
            "schedule",
            "transitions",
            "--from",
            "2026-11-23T00:00:00Z",
            "--to",
            "2026-11-24T00:00:00Z",
        ][..],
        &["schedule", "now"][..],
        &["config", "check"][..],
        &[][..],
    ] {
        let mut args = args.to_vec();
        args.extend(["--config", config.as_str()]);
        let out = sb.run(&args);
        assert_eq!(usage_error(&out), expected, "{args:?}");
    }
}

#[test]
fn a_locked_key_in_the_users_file_is_reported_with_both_places() {
    let sb = Sandbox::new("locked");
    let policy = sb.write("policy.toml", "lock = [\"hours\"]\n");
    let config = sb.config("[hours]\nmonday = [\"10:00-17:00\"]\n");
    let out = sb.run(&["config", "check", "--config", &config]);
    assert_eq!(
        usage_error(&out),
        format!(
            "{config}:1:1: `hours` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy\n",
            policy.display()
        )
    );
}

// ---------------------------------------------------------------- config

#[test]
fn config_check_prints_ok_for_a_good_file() {
    let sb = Sandbox::new("check_ok");
    let config = sb.config(&format!("{LONDON}contracted = \"30h\"\n"));
    let out = sb.run(&["config", "check", "--config", &config]);
    assert_eq!(ok(&out), "ok\n");
    // With no files at all, the built-in default is fine too.
    assert_eq!(ok(&sb.run(&["config", "check"])), "ok\n");
}

#[test]
fn config_check_with_a_missing_config_file() {
    let sb = Sandbox::new("check_missing");
    let missing = sb.path("nowhere.toml").display().to_string();
    let out = sb.run(&["config", "check", "--config", &missing]);
    assert_eq!(
        usage_error(&out),
        format!("{missing}: cannot read: No such file or directory (os error 2)\n")
    );
}

#[test]
fn config_default_is_the_example_file_byte_for_byte() {
    let sb = Sandbox::new("default");
    let out = sb.run(&["config", "default"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, DEFAULT_CONFIG.as_bytes());
}

#[test]
fn the_default_config_passes_its_own_check() {
    let sb = Sandbox::new("default_checks");
    let config = sb.config(DEFAULT_CONFIG);
    assert_eq!(
        ok(&sb.run(&["config", "check", "--config", &config])),
        "ok\n"
    );
}

// ---------------------------------------------------------------- help, no subcommand

#[test]
fn every_command_has_help_with_an_example() {
    let sb = Sandbox::new("help");
    for command in [
        &[][..],
        &["schedule", "at"][..],
        &["schedule", "transitions"][..],
        &["schedule", "now"][..],
        &["schedule", "week"][..],
        &["config", "check"][..],
        &["config", "default"][..],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = sb.run(&args);
        let text = ok(&out);
        assert!(text.contains("Example"), "{command:?} --help: {text}");
    }
}

#[test]
fn no_subcommand_runs_the_agent_which_needs_a_session_bus() {
    let sb = Sandbox::new("no_subcommand");
    for args in [&[][..], &["run"], &["status"], &["reload"]] {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot reach the session bus"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn agent_client_arguments_are_checked_before_the_bus() {
    let sb = Sandbox::new("client_args");
    let cases: [(&[&str], &str); 4] = [
        (&["override", "soon"], "bad duration \"soon\""),
        (
            &["log", "18:00-25:00", "late visit"],
            "bad time range \"18:00-25:00\"",
        ),
        (&["log", "18:00-19:30", " "], "say what the time was for"),
        (
            &["log", "18:00-19:30", "visit", "--date", "2026-02-30"],
            "--date",
        ),
    ];
    for (args, expected) in cases {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn schedule_now_and_week_start_with_a_state() {
    let sb = Sandbox::new("now_week");
    let config = sb.config(LONDON);
    for command in ["now", "week"] {
        let out = sb.run(&["schedule", command, "--config", &config]);
        let text = ok(&out);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            STATE_LABELS.iter().any(|l| first.starts_with(l)),
            "schedule {command}: {text}"
        );
    }
}

#[test]
fn transitions_may_run_to_the_end_of_2100() {
    let sb = Sandbox::new("transitions_to_horizon_end");
    let config = sb.config(LONDON);
    let out = sb.transitions(&config, "2100-12-31T00:00:00Z", "2101-01-01T00:00:00Z");
    assert_eq!(
        ok(&out),
        "{\"at\":\"2100-12-31T09:00:00+00:00\",\"state\":\"working\"}\n\
         {\"at\":\"2100-12-31T17:00:00+00:00\",\"state\":\"off\"}\n"
    );
}

/// `clockoff completions bash` as bash itself uses it: sourced, then asked to complete a
/// command and an option, as a worker's Tab would.
#[test]
fn bash_completes_commands_and_options_from_the_printed_script() {
    let sandbox = Sandbox::new("completions-bash");
    let script = sandbox.write("clockoff.bash", &ok(&sandbox.run(&["completions", "bash"])));
    let complete = |words: &[&str]| -> Vec<String> {
        let line = words.join(" ");
        let program = format!(
            "source '{}'\ncomplete -p clockoff >/dev/null || exit 3\n\
             COMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n\
             _clockoff clockoff '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash")
            .clean_env()
            .args(["--norc", "--noprofile", "-c", &program])
            .output()
            .expect("run bash");
        assert!(out.status.success(), "bash: {}", stderr(&out));
        stdout(&out).lines().map(str::to_string).collect()
    };
    assert_eq!(complete(&["clockoff", "sta"]), ["status"]);
    assert!(complete(&["clockoff", "over"]).contains(&"override".to_string()));
    assert!(complete(&["clockoff", "override", "--re"]).contains(&"--reason".to_string()));
    let shells = complete(&["clockoff", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.contains(&shell.to_string()), "{shells:?}");
    }
}

#[test]
fn completions_for_zsh_and_fish_name_the_commands_and_an_unknown_shell_is_refused() {
    let sandbox = Sandbox::new("completions-other");
    let zsh = ok(&sandbox.run(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef clockoff"), "{zsh}");
    let fish = ok(&sandbox.run(&["completions", "fish"]));
    for command in ["status", "override", "week", "export"] {
        assert!(zsh.contains(&format!("'{command}:")), "zsh lacks {command}");
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish lacks {command}"
        );
    }
    let refused = usage_error(&sandbox.run(&["completions", "tcsh"]));
    assert!(refused.contains("invalid value 'tcsh'"), "{refused}");
}

/// One man page per command, each one that man renders, the hidden helpers left out.
#[test]
fn man_pages_for_every_command_render() {
    let sandbox = Sandbox::new("man");
    let dir = sandbox.path("man");
    let listed = ok(&sandbox.run(&["man", dir.to_str().unwrap()]));
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(listed.lines().count(), pages.len());
    for page in [
        "clockoff.1",
        "clockoff-run.1",
        "clockoff-status.1",
        "clockoff-override.1",
        "clockoff-schedule-week.1",
        "clockoff-report-preview.1",
        "clockoff-completions.1",
    ] {
        assert!(pages.contains(&page.to_string()), "{page} in {pages:?}");
    }
    for hidden in ["clockoff-fetch.1", "clockoff-man.1", "clockoff-help.1"] {
        assert!(
            !pages.contains(&hidden.to_string()),
            "{hidden} in {pages:?}"
        );
    }
    let Some(_) = support::or_skip(support::process::find_program("groff")) else {
        return;
    };
    for page in &pages {
        let out = Command::new("groff")
            .args(["-man", "-Tutf8"])
            .arg(dir.join(page))
            .output()
            .expect("run groff");
        assert!(out.status.success(), "{page}: {}", stderr(&out));
        assert!(!stderr(&out).contains("error"), "{page}: {}", stderr(&out));
        if page == "clockoff-override.1" {
            let text = stdout(&out);
            assert!(text.contains("--reason"), "{text}");
            assert!(text.contains("court report"), "the examples too: {text}");
        }
    }
}
