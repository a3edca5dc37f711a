//! Golden tests of configuration error messages: the exact text a user sees, one
//! `file:line:col: message` per error. Every expected column below was counted by hand
//! (in characters) and points at the offending token.

use std::path::{Path, PathBuf};

use clockoff::config::{ConfigPaths, UserFile, from_text, load};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The rendered errors for a user file called `user.toml` on top of the built-in default.
fn errors(text: &str) -> String {
    match from_text("user.toml", text) {
        Ok(_) => panic!("expected errors for {text:?}, but it was accepted"),
        Err(e) => e.to_string(),
    }
}

const RANGE_EXPECTED: &str =
    r#"expected "HH:MM-HH:MM" with times from 00:00 to 24:00, e.g. "09:00-17:00" or "22:00-06:00""#;

// ---------------------------------------------------------------- unknown keys

#[test]
fn unknown_top_level_key() {
    // Line 2 column 1 is the `w` of `weekends`.
    assert_eq!(
        errors("timezone = \"Europe/London\"\nweekends = false\n"),
        "user.toml:2:1: unknown field `weekends`, expected one of `timezone`, `contracted`, `hours`, `holidays`, `leave`, `on_call`, `activity`, `quiet`, `tray`, `record`, `report`, `sync`, `calendar`, `lock`"
    );
}

#[test]
fn unknown_weekday_key_in_hours() {
    // Line 3 column 1 is `mon`.
    assert_eq!(
        errors("[hours]\nmonday = [\"09:00-17:00\"]\nmon = [\"09:00-17:00\"]\n"),
        "user.toml:3:1: unknown field `mon`, expected one of `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, `saturday`, `sunday`"
    );
}

// ---------------------------------------------------------------- hours

#[test]
fn hours_out_of_range() {
    // `monday = [` is 10 characters: column 11 is the opening quote of the range.
    assert_eq!(
        errors("[hours]\nmonday = [\"25:00-26:00\"]\n"),
        format!("user.toml:2:11: hours.monday: bad time range \"25:00-26:00\": {RANGE_EXPECTED}")
    );
}

#[test]
fn hours_without_minutes() {
    assert_eq!(
        errors("[hours]\nmonday = [\"9-17\"]\n"),
        format!("user.toml:2:11: hours.monday: bad time range \"9-17\": {RANGE_EXPECTED}")
    );
}

#[test]
fn hours_starting_at_24_00() {
    assert_eq!(
        errors("[hours]\nfriday = [\"24:00-01:00\"]\n"),
        "user.toml:2:11: hours.friday: bad time range \"24:00-01:00\": a range cannot start at 24:00; write 00:00 on the next day"
    );
}

#[test]
fn non_string_in_an_hours_array() {
    // `monday = ["09:00-12:00", ` is 25 characters: column 26 is the `9`.
    assert_eq!(
        errors("[hours]\nmonday = [\"09:00-12:00\", 9]\n"),
        "user.toml:2:26: invalid type: integer `9`, expected a string"
    );
}

#[test]
fn hours_not_an_array() {
    // `monday = ` is 9 characters: column 10 is the opening quote.
    assert_eq!(
        errors("[hours]\nmonday = \"09:00-17:00\"\n"),
        "user.toml:2:10: invalid type: string \"09:00-17:00\", expected a list of ranges such \
         as [\"09:00-17:00\"]"
    );
}

/// Issue 19: an unknown key used to hide every other error in the file; now each mistake is
/// named at its place, the shape's and the checks' alike.
#[test]
fn every_mistake_in_a_file_is_named_not_just_the_first() {
    assert_eq!(
        errors(
            "wensday = 3\n[hours]\nwensday = [\"09:00-17:00\"]\nmonday = \"09:00-17:00\"\n\
             [quiet]\ngrace = \"5h\"\nfoo = 1\n"
        ),
        "user.toml:1:1: unknown field `wensday`, expected one of `timezone`, `contracted`, \
         `hours`, `holidays`, `leave`, `on_call`, `activity`, `quiet`, `tray`, `record`, \
         `report`, `sync`, `calendar`, `lock`\n\
         user.toml:3:1: unknown field `wensday`, expected one of `monday`, `tuesday`, \
         `wednesday`, `thursday`, `friday`, `saturday`, `sunday`\n\
         user.toml:4:10: invalid type: string \"09:00-17:00\", expected a list of ranges such \
         as [\"09:00-17:00\"]\n\
         user.toml:6:9: quiet.grace: expected 0s to 4h\n\
         user.toml:7:1: unknown field `foo`, expected one of `notifications`, `grace`, \
         `server`, `critical`, `allow`"
    );
}

#[test]
fn overlapping_ranges_on_one_day() {
    // The second range starts at column 26 (see non_string_in_an_hours_array).
    assert_eq!(
        errors("[hours]\nmonday = [\"09:00-13:00\", \"12:30-17:30\"]\n"),
        "user.toml:2:26: hours.monday: \"12:30-17:30\" overlaps \"09:00-13:00\" on monday; ranges may touch but not overlap"
    );
}

#[test]
fn touching_and_full_day_ranges_are_fine() {
    let text = "[hours]\nmonday = [\"09:00-12:30\", \"12:30-17:30\"]\n\
                tuesday = [\"00:00-24:00\"]\nwednesday = [\"00:00-00:00\"]\n\
                saturday = [\"22:00-06:00\"]\nsunday = [\"06:00-12:00\"]\n";
    assert!(from_text("user.toml", text).is_ok());
}

#[test]
fn sunday_night_overlapping_monday_morning() {
    // The error is on the Sunday range (line 3, column 11), naming Monday's.
    assert_eq!(
        errors("[hours]\nmonday = [\"05:00-09:00\"]\nsunday = [\"22:00-06:00\"]\n"),
        "user.toml:3:11: hours.sunday: \"22:00-06:00\" overlaps \"05:00-09:00\" on monday; ranges may touch but not overlap"
    );
}

// ---------------------------------------------------------------- zone, contracted

#[test]
fn unknown_timezone() {
    // `timezone = ` is 11 characters: column 12 is the opening quote.
    assert_eq!(
        errors("timezone = \"Europe/Lundun\"\n"),
        "user.toml:1:12: unknown time zone \"Europe/Lundun\": expected an IANA name such as \"Europe/London\""
    );
}

#[test]
fn contracted_not_a_duration() {
    // `contracted = ` is 13 characters: column 14.
    assert_eq!(
        errors("contracted = \"37 hours\"\n"),
        "user.toml:1:14: contracted: bad duration \"37 hours\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)"
    );
}

#[test]
fn contracted_longer_than_a_week() {
    assert_eq!(
        errors("contracted = \"169h\"\n"),
        "user.toml:1:14: contracted hours cannot exceed 168h, the length of a week"
    );
    assert!(from_text("user.toml", "contracted = \"168h\"\n").is_ok());
}

// ---------------------------------------------------------------- leave, on call

#[test]
fn leave_ending_before_it_starts() {
    // `to = ` is 5 characters: column 6 is the `to` value.
    assert_eq!(
        errors("[[leave]]\nfrom = \"2026-08-14\"\nto = \"2026-08-03\"\n"),
        "user.toml:3:6: leave ends (2026-08-03) before it starts (2026-08-14)"
    );
    // The same with TOML date literals.
    assert_eq!(
        errors("[[leave]]\nfrom = 2026-08-14\nto = 2026-08-03\n"),
        "user.toml:3:6: leave ends (2026-08-03) before it starts (2026-08-14)"
    );
}

#[test]
fn leave_with_a_bad_date() {
    // `from = ` is 7 characters: column 8.
    assert_eq!(
        errors("[[leave]]\nfrom = \"2026-02-30\"\nto = \"2026-08-03\"\n"),
        "user.toml:2:8: leave.from: expected a date \"YYYY-MM-DD\" in 1970-2100, found \"2026-02-30\""
    );
}

#[test]
fn leave_missing_its_end() {
    // Reported at the `[[leave]]` header.
    assert_eq!(
        errors("[[leave]]\nfrom = \"2026-08-14\"\n"),
        "user.toml:1:1: missing field `to`"
    );
}

#[test]
fn on_call_ending_before_it_starts() {
    assert_eq!(
        errors(
            "timezone = \"Europe/London\"\n[[on_call]]\nfrom = \"2026-11-30T09:00\"\nto = \"2026-11-27T17:00\"\n"
        ),
        "user.toml:4:6: on-call window ends (2026-11-27 17:00 GMT) at or before it starts (2026-11-30 09:00 GMT)"
    );
}

#[test]
fn on_call_with_a_bad_date_time() {
    assert_eq!(
        errors(
            "timezone = \"Europe/London\"\n[[on_call]]\nfrom = \"2026-11-27 5pm\"\nto = \"2026-11-30T09:00\"\n"
        ),
        "user.toml:3:8: on_call.from: expected a local date-time \"YYYY-MM-DDTHH:MM\" or RFC 3339 with an offset, in 1970-2100, found \"2026-11-27 5pm\""
    );
}

#[test]

fn on_call_at_the_edge_of_the_calendar_does_not_panic() {
    let text = "timezone = \"Asia/Tokyo\"\n[[on_call]]\nfrom = \"-262143-01-01T00:00\"\nto = \"2026-11-30T09:00\"\n";
    let result = std::panic::catch_unwind(|| from_text("user.toml", text).map(|_| ()));
    assert!(result.is_ok(), "from_text panicked");
}

// ---------------------------------------------------------------- holidays

#[test]
fn bad_holiday_region() {
    // `region = ` is 9 characters: column 10.
    assert_eq!(
        errors("[holidays]\nregion = \"wales\"\n"),
        "user.toml:2:10: unknown holiday region \"wales\": expected one of \"england-and-wales\", \"scotland\", \"northern-ireland\", \"none\""
    );
}

#[test]
fn removed_day_that_is_not_a_bank_holiday() {
    // `removed = [` is 11 characters: column 12. Christmas Eve is not a bank holiday.
    assert_eq!(
        errors("[holidays]\nregion = \"england-and-wales\"\nremoved = [\"2026-12-24\"]\n"),
        "user.toml:3:12: holidays.removed: 2026-12-24 is not a built-in england-and-wales bank holiday"
    );
    // Boxing Day's substitute (Monday 28th) is one, so it may be removed.
    assert!(from_text("user.toml", "[holidays]\nremoved = [\"2026-12-28\"]\n").is_ok());
}

#[test]
fn extra_days_that_are_not_dates() {
    // `extra = ["2026-12-24", ` is 23 characters: column 24 is the `5`;
    // `5, 2026-12-31, ` is 15 more: column 39 is the date-time literal.
    assert_eq!(
        errors("[holidays]\nextra = [\"2026-12-24\", 5, 2026-12-31, 2026-12-31T10:00:00]\n"),
        "user.toml:2:24: holidays.extra: expected a date \"YYYY-MM-DD\" in 1970-2100, found 5\n\
         user.toml:2:39: holidays.extra: expected a date \"YYYY-MM-DD\" in 1970-2100, found 2026-12-31T10:00:00"
    );
}

// ---------------------------------------------------------------- TOML itself

#[test]
fn unclosed_string() {
    // `timezone = "Europe/London` is 25 characters: column 26 is where the quote is missing.
    assert_eq!(
        errors("timezone = \"Europe/London\ncontracted = \"37h\"\n"),
        "user.toml:1:26: invalid basic string, expected `\"`"
    );
}

#[test]
fn duplicate_key() {
    // Reported at the second `contracted`.
    assert_eq!(
        errors("contracted = \"37h\"\ncontracted = \"30h\"\n"),
        "user.toml:2:1: duplicate key `contracted`: each key may be set once per table"
    );
}

#[test]
fn lock_in_the_users_file() {
    // Column 8 is the value of `lock` (`lock = ` is 7 characters).
    assert_eq!(
        errors("lock = [\"hours\"]\n"),
        "user.toml:1:8: `lock` belongs in the organisation policy, not here"
    );
}

#[test]

fn shape_errors_do_not_name_internal_types() {
    for text in ["hours = 5\n", "holidays = []\n"] {
        let message = errors(text);
        assert!(
            !message.contains("Raw"),
            "{text:?} gave an internal type name: {message}"
        );
    }
}

// ---------------------------------------------------------------- several errors

#[test]
fn several_errors_reported_together_in_file_order() {
    let text = "\
timezone = \"Europe/Lundun\"
contracted = \"37 hours\"

[hours]
monday = [\"9-17\"]
tuesday = [\"09:00-13:00\", \"12:30-17:30\"]

[holidays]
region = \"wales\"

[[leave]]
from = \"2026-08-14\"
to = \"2026-08-03\"

[[on_call]]
from = \"2026-11-27 5pm\"
to = \"2026-11-30T09:00\"
";
    // tuesday: `tuesday = ["09:00-13:00", ` is 26 characters, so the second range is column 27.
    let expected = [
        "user.toml:1:12: unknown time zone \"Europe/Lundun\": expected an IANA name such as \"Europe/London\"".to_string(),
        "user.toml:2:14: contracted: bad duration \"37 hours\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)".to_string(),
        format!("user.toml:5:11: hours.monday: bad time range \"9-17\": {RANGE_EXPECTED}"),
        "user.toml:6:27: hours.tuesday: \"12:30-17:30\" overlaps \"09:00-13:00\" on tuesday; ranges may touch but not overlap".to_string(),
        "user.toml:9:10: unknown holiday region \"wales\": expected one of \"england-and-wales\", \"scotland\", \"northern-ireland\", \"none\"".to_string(),
        "user.toml:13:6: leave ends (2026-08-03) before it starts (2026-08-14)".to_string(),
        "user.toml:16:8: on_call.from: expected a local date-time \"YYYY-MM-DDTHH:MM\" or RFC 3339 with an offset, in 1970-2100, found \"2026-11-27 5pm\"".to_string(),
    ];
    assert_eq!(errors(text), expected.join("\n"));
}

#[test]

fn errors_are_in_file_order_whatever_order_the_keys_are_written_in() {
    assert_eq!(
        errors("contracted = \"x\"\ntimezone = \"Mars/Base\"\n"),
        "user.toml:1:14: contracted: bad duration \"x\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)\n\
         user.toml:2:12: unknown time zone \"Mars/Base\": expected an IANA name such as \"Europe/London\""
    );
    assert_eq!(
        errors("[hours]\nfriday = [\"25:00-26:00\"]\nmonday = [\"9-17\"]\n"),
        format!(
            "user.toml:2:11: hours.friday: bad time range \"25:00-26:00\": {RANGE_EXPECTED}\n\
             user.toml:3:11: hours.monday: bad time range \"9-17\": {RANGE_EXPECTED}"
        )
    );
}

// ---------------------------------------------------------------- columns are characters

#[test]
fn columns_count_characters_not_bytes() {
    // An en dash (3 bytes in UTF-8), as pasted from a word processor. The first range is
    // `"09:00–17:00"`, 13 characters at columns 11-23; `, ` follows, so the second range
    // starts at column 26 (it would be 28 counting bytes).
    assert_eq!(
        errors("# café ☕\n[hours]\nmonday = [\"09:00–17:00\", \"25:00-26:00\"]\n"),
        format!(
            "user.toml:3:11: hours.monday: bad time range \"09:00–17:00\": {RANGE_EXPECTED}\n\
             user.toml:3:26: hours.monday: bad time range \"25:00-26:00\": {RANGE_EXPECTED}"
        )
    );
    // A syntax error after a multi-byte character: `timezone = "Éurope/London` is 25
    // characters (26 bytes), so the missing quote is at column 26.
    assert_eq!(
        errors("timezone = \"Éurope/London\n"),
        "user.toml:1:26: invalid basic string, expected `\"`"
    );
}

// ---------------------------------------------------------------- layers, through `load`

/// A temp directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "clockoff-config-errors-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn paths(policy: &Path, user: &Path) -> ConfigPaths {
    ConfigPaths {
        policy: policy.to_path_buf(),
        user: UserFile::Explicit(user.to_path_buf()),
    }
}

fn load_errors(paths: &ConfigPaths) -> String {
    match load(paths) {
        Ok(_) => panic!("expected errors, but the configuration was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn policy_locks_hours_and_the_user_sets_them() {
    let dir = TempDir::new("locks_hours");
    // `lock = [` is 8 characters: the locked key is at 1:9 of the policy.
    let policy = dir.write(
        "policy.toml",
        "lock = [\"hours\"]\n\n[hours]\nmonday = [\"08:00-16:00\"]\n",
    );
    // The user's `[hours]` header is at 3:1.
    let user = dir.write(
        "user.toml",
        "timezone = \"Europe/London\"\n\n[hours]\nmonday = [\"10:00-17:00\"]\n",
    );
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:3:1: `hours` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            policy.display()
        )
    );
}

#[test]
fn policy_locks_holidays_and_the_user_sets_extra_days() {
    let dir = TempDir::new("locks_holidays");
    let policy = dir.write("policy.toml", "lock = [\"holidays\"]\n");
    // `extra = ` is 8 characters: the user's value is at 2:9.
    let user = dir.write("user.toml", "[holidays]\nextra = [\"2026-12-24\"]\n");
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:2:9: `holidays.extra` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            policy.display()
        )
    );
}

#[test]
fn unlocked_policy_hours_are_replaced_by_the_users() {
    let dir = TempDir::new("unlocked_hours");
    let policy_text = "timezone = \"Europe/London\"\n[hours]\nmonday = [\"08:00-16:00\"]\n";
    let user_text = "[hours]\ntuesday = [\"10:00-17:00\"]\n";
    let policy = dir.write("policy.toml", policy_text);
    let user = dir.write("user.toml", user_text);
    let (config, sources) = load(&paths(&policy, &user)).expect("valid layers");
    let users_hours = from_text("user.toml", user_text).expect("valid").hours;
    let policy_hours = from_text("policy.toml", policy_text).expect("valid").hours;
    assert_eq!(
        config.hours, users_hours,
        "the user's [hours] replaces the policy's whole"
    );
    assert_ne!(config.hours, policy_hours);
    assert_eq!(
        sources,
        [
            "<built-in default>".to_string(),
            policy.display().to_string(),
            user.display().to_string()
        ]
    );
    // The policy's zone still holds: the user did not set one.
    assert_eq!(config.timezone.name(), "Europe/London");
}

#[test]
fn policy_locking_an_unknown_key() {
    let dir = TempDir::new("locks_unknown");
    // `lock = ["hours", ` is 17 characters: `"weekends"` is at 1:18.
    let policy = dir.write("policy.toml", "lock = [\"hours\", \"weekends\"]\n");
    let user = dir.write("user.toml", "");
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:1:18: cannot lock unknown key \"weekends\": expected one of timezone, contracted, hours, holidays, holidays.region, holidays.extra, holidays.removed, leave, on_call, activity, activity.idle_after, activity.source, quiet, quiet.notifications, quiet.grace, quiet.server, sync, calendar, tray, tray.enabled, record, record.toil, record.toil_rate, record.keep, report, report.enabled, report.dashboard, report.token_file",
            policy.display()
        )
    );
}

#[test]
fn explicit_config_file_that_does_not_exist() {
    let dir = TempDir::new("missing_explicit");
    let missing = dir.path("nowhere.toml");
    let result = load(&paths(&dir.path("no-policy.toml"), &missing));
    let errors = result.expect_err("a missing --config file is an error");
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].location, None);
    assert_eq!(
        errors.to_string(),
        format!(
            "{}: cannot read: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

#[test]
fn missing_policy_and_missing_default_user_file_are_fine() {
    let dir = TempDir::new("missing_default");
    let paths = ConfigPaths {
        policy: dir.path("policy.toml"),
        user: UserFile::Default(dir.path("config.toml")),
    };
    let (_, sources) = load(&paths).expect("defaults alone are valid");
    assert_eq!(sources, ["<built-in default>".to_string()]);
}

// ---------------------------------------------------------------- never a panic

const DEFAULT_CONFIG: &str = include_str!("../../config/clockoff.toml");

/// The example from issue 2: every section, so mutations reach every validator.
const FULL_EXAMPLE: &str = r#"timezone = "Europe/London"
contracted = "37h"

[hours]
monday    = ["09:00-17:00"]
tuesday   = ["09:00-12:30", "13:30-17:30"]
sunday    = ["22:00-06:00"]

[holidays]
region  = "england-and-wales"
extra   = ["2026-12-24"]
removed = []

[[leave]]
from = "2026-08-03"
to   = "2026-08-14"

[[on_call]]
from = "2026-11-27T17:00"
to   = "2026-11-30T09:00"

[quiet]
notifications = "hold"
grace = "10m"
server = "dunst"

[[sync]]
kind = "syncthing"
url = "http://127.0.0.1:8384"
devices = ["ABC"]

[[sync]]
kind = "command"
on_hold = "true"
on_release = "true"
timeout = "30s"
"#;

/// Bytes that matter to TOML and to our values, so mutations make interesting text.
const ALPHABET: &[u8] = b"\"'[]{}=,.#:-+ \n\t0123456789TZhmsaz_\\";

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Replace { at: usize, bytes: Vec<u8> },
}

fn edit() -> impl Strategy<Value = Edit> {
    let bytes = prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(ALPHABET),
            1 => any::<u8>(),
        ],
        1..4,
    );
    prop_oneof![
        (any::<usize>(), 1usize..4).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), bytes.clone()).prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), bytes).prop_map(|(at, bytes)| Edit::Replace { at, bytes }),
    ]
}

fn mutate(base: &str, edits: &[Edit]) -> String {
    let mut bytes = base.as_bytes().to_vec();
    for e in edits {
        let n = bytes.len();
        match e {
            Edit::Delete { at, len } if n > 0 => {
                let at = at % n;
                bytes.drain(at..(at + len).min(n));
            }
            Edit::Delete { .. } => {}
            Edit::Insert { at, bytes: new } => {
                let at = at % (n + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Edit::Replace { at, bytes: new } => {
                let at = at % (n + 1);
                let end = (at + new.len()).min(n);
                bytes.splice(at..end, new.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn check_never_panics(text: &str) -> Result<(), TestCaseError> {
    if let Err(errors) = from_text("user.toml", text) {
        prop_assert!(!errors.0.is_empty(), "an Err with no errors for {text:?}");
        for e in &errors.0 {
            if let Some(location) = &e.location {
                prop_assert!(
                    location.line >= 1 && location.column >= 1,
                    "bad location {location} for {text:?}"
                );
                prop_assert_eq!(&location.file, "user.toml");
            }
            prop_assert!(!e.message.is_empty());
        }
        // Rendering never panics either.
        let _ = errors.to_string();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x0C10_C0FF),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_never_panics(&text)?;
    }

    #[test]
    fn mutated_default_config_never_panics(edits in prop::collection::vec(edit(), 1..6)) {
        check_never_panics(&mutate(DEFAULT_CONFIG, &edits))?;
    }

    #[test]
    fn mutated_full_example_never_panics(edits in prop::collection::vec(edit(), 1..6)) {
        check_never_panics(&mutate(FULL_EXAMPLE, &edits))?;
    }
}

#[test]
fn a_bad_extra_date_does_not_hide_a_bad_removed_date() {
    assert_eq!(
        errors("[holidays]\nextra = [\"2026-13-01\"]\nremoved = [\"2026-12-24\"]\n"),
        "user.toml:2:10: holidays.extra: expected a date \"YYYY-MM-DD\" in 1970-2100, found \"2026-13-01\"\n\
         user.toml:3:12: holidays.removed: 2026-12-24 is not a built-in england-and-wales bank holiday"
    );
}

#[test]
fn region_none_has_nothing_to_remove() {
    assert_eq!(
        errors("[holidays]\nregion = \"none\"\nremoved = [\"2026-12-25\"]\n"),
        "user.toml:3:12: holidays.removed: region \"none\" has no built-in days to remove (2026-12-25)"
    );
}

#[test]
fn dates_just_outside_1970_2100_are_refused() {
    assert_eq!(
        errors("[holidays]\nextra = [1969-12-31, 2101-01-01, 1970-01-01, 2100-12-31]\n"),
        "user.toml:2:10: holidays.extra: expected a date \"YYYY-MM-DD\" in 1970-2100, found 1969-12-31\n\
         user.toml:2:22: holidays.extra: expected a date \"YYYY-MM-DD\" in 1970-2100, found 2101-01-01"
    );
}

#[test]
fn nesting_too_deep_still_names_the_file() {
    let deep = format!("{} = 1\n", vec!["a"; 5000].join("."));
    let message = errors(&deep);
    assert!(message.starts_with("user.toml:1:1: "), "{message}");
}

#[test]
fn activity_settings_are_checked() {
    assert_eq!(
        errors("[activity]\nidle_after = \"0s\"\nsource = \"kwin\"\n"),
        "user.toml:2:14: activity.idle_after: expected 1s to 2h\n\
         user.toml:3:10: activity.source: unknown source \"kwin\": expected one of \"auto\", \"mutter\", \"wayland\", \"x11\", \"screensaver\", \"logind\""
    );
    assert_eq!(
        errors("[activity]\nidle_after = \"5 minutes\"\n"),
        "user.toml:2:14: activity.idle_after: bad duration \"5 minutes\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)"
    );
}

#[test]
fn policy_locking_the_activity_table_locks_its_keys() {
    let dir = TempDir::new("locks_activity");
    let policy = dir.write("policy.toml", "lock = [\"activity\"]\n");
    // `source = ` is 9 characters: the user's value is at 2:10.
    let user = dir.write("user.toml", "[activity]\nsource = \"x11\"\n");
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:2:10: `activity.source` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            policy.display()
        )
    );
}

#[test]
fn quiet_settings_are_checked() {
    // `grace = ` is 8 characters, `server = ` 9, `notifications = ` 16.
    assert_eq!(
        errors("[quiet]\nnotifications = \"mute\"\ngrace = \"5h\"\nserver = \"growl\"\n"),
        "user.toml:2:17: quiet.notifications: unknown value \"mute\": expected \"hold\" or \"allow\"\n\
         user.toml:3:9: quiet.grace: expected 0s to 4h\n\
         user.toml:4:10: quiet.server: unknown server \"growl\": expected one of \"auto\", \"dunst\", \"xfce\", \"gnome\", \"kde\", \"mako\""
    );
    // `critical = ` is 11 characters; `allow = ["On call", ` puts the empty name at 21.
    assert_eq!(
        errors("[quiet]\ncritical = \"sometimes\"\nallow = [\"On call\", \" \"]\n"),
        "user.toml:2:12: quiet.critical: unknown value \"sometimes\": expected \"show\" or \"hold\"\n\
         user.toml:3:21: quiet.allow: an app name cannot be empty"
    );
    assert_eq!(
        errors("[quiet]\ngrace = \"ten minutes\"\n"),
        "user.toml:2:9: quiet.grace: bad duration \"ten minutes\": expected e.g. \"30m\", \"37h\" or \"1h30m\" (units h, m, s)"
    );
}

#[test]
fn the_tray_switch_is_a_boolean() {
    // `enabled = ` is 10 characters.
    let got = errors("[tray]\nenabled = \"no\"\n");
    assert!(
        got.starts_with("user.toml:2:11: ") && got.contains("boolean"),
        "{got}"
    );
    assert_eq!(
        errors("[tray]\nshow = false\n"),
        "user.toml:2:1: unknown field `show`, expected `enabled`"
    );
    assert!(
        !from_text("user.toml", "[tray]\nenabled = false\n")
            .unwrap()
            .tray
    );
    assert!(
        from_text("user.toml", "").unwrap().tray,
        "on unless turned off"
    );
}

// ---------------------------------------------------------------- [record] (TOIL)

#[test]
fn the_toil_rule_and_rate_are_checked_at_their_place() {
    // `toil = ` is 7 characters, `toil_rate = ` 12.
    assert_eq!(
        errors("[record]\ntoil = \"weekends\"\ntoil_rate = 3.5\n"),
        "user.toml:2:8: record.toil: unknown rule \"weekends\": expected \"overtime\", \"out_of_hours\" or \"off\"\n\
         user.toml:3:13: record.toil_rate: 3.5 is out of range: expected 0.5 to 3.0"
    );
    assert_eq!(
        errors("[record]\ntoil_rate = 0.25\n"),
        "user.toml:2:13: record.toil_rate: 0.25 is out of range: expected 0.5 to 3.0"
    );
    assert_eq!(
        errors("[record]\ntoil_rate = \"1.5\"\n"),
        "user.toml:2:13: record.toil_rate: expected a number from 0.5 to 3.0, e.g. 1.5"
    );
    assert_eq!(
        errors("[record]\ntoil_rat = 1.5\n"),
        "user.toml:2:1: unknown field `toil_rat`, expected one of `toil`, `toil_rate`, `keep`"
    );
}

#[test]
fn how_long_records_are_kept_is_checked_at_its_place() {
    use clockoff::core::record::keep::{DEFAULT, Keep};
    assert_eq!(from_text("user.toml", "").unwrap().keep, DEFAULT);
    let c = from_text("user.toml", "[record]\nkeep = \"26 weeks\"\n").unwrap();
    assert_eq!(c.keep, Keep::Weeks(26));
    // `keep = ` is 7 characters.
    assert_eq!(
        errors("[record]\nkeep = \"2y\"\n"),
        "user.toml:2:8: record.keep: \"2y\" is not a period: e.g. \"2 years\", \"18 months\", \"26 weeks\" or \"forever\""
    );
    assert!(errors("[record]\nkeep = \"4 weeks\"\n").starts_with(
        "user.toml:2:8: record.keep: \"4 weeks\" is too short: keep at least 18 weeks"
    ),);
}

#[test]
fn toil_defaults_to_overtime_at_one_and_takes_floats_or_integers() {
    use clockoff::core::record::toil::Rule;
    let default = from_text("user.toml", "").unwrap();
    assert_eq!((default.toil, default.toil_rate), (Rule::Overtime, 1.0));
    let c = from_text(
        "user.toml",
        "[record]\ntoil = \"out_of_hours\"\ntoil_rate = 2\n",
    )
    .unwrap();
    assert_eq!((c.toil, c.toil_rate), (Rule::OutOfHours, 2.0));
    let c = from_text("user.toml", "[record]\ntoil = \"off\"\ntoil_rate = 1.5\n").unwrap();
    assert_eq!((c.toil, c.toil_rate), (Rule::Off, 1.5));
    // The bounds are included.
    assert!(from_text("user.toml", "[record]\ntoil_rate = 0.5\n").is_ok());
    assert!(from_text("user.toml", "[record]\ntoil_rate = 3\n").is_ok());
}

#[test]
fn policy_can_lock_the_toil_rule() {
    let dir = TempDir::new("locks_toil");
    // `lock = [` is 8 characters: the locked key is at 1:9 of the policy.
    let policy = dir.write(
        "policy.toml",
        "lock = [\"record.toil\"]\n[record]\ntoil = \"off\"\n",
    );
    // `toil = ` is 7 characters: the user's value is at 2:8.
    let user = dir.write(
        "user.toml",
        "[record]\ntoil = \"overtime\"\ntoil_rate = 1.5\n",
    );
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:2:8: `record.toil` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            policy.display()
        )
    );
    // Locking the table locks the rate as well.
    let policy = dir.write("policy.toml", "lock = [\"record\"]\n");
    let user = dir.write("user.toml", "[record]\ntoil_rate = 1.5\n");
    assert!(
        load_errors(&paths(&policy, &user))
            .contains("`record.toil_rate` is locked by the organisation policy"),
    );
    // With only the rule locked, the rate is the user's own.
    let policy = dir.write("policy.toml", "lock = [\"record.toil\"]\n");
    let (config, _) = load(&paths(&policy, &user)).expect("valid layers");
    assert_eq!(config.toil_rate, 1.5);
}

// ---------------------------------------------------------------- [report]

#[test]
fn reporting_is_off_by_default_and_needs_an_https_dashboard() {
    let default = from_text("user.toml", "").unwrap();
    assert_eq!(
        (default.report.enabled, default.report.dashboard),
        (false, None)
    );
    let on = from_text(
        "user.toml",
        "[report]\nenabled = true\ndashboard = \"https://dash.example.org/team\"\n",
    )
    .unwrap();
    assert!(on.report.enabled);
    assert_eq!(
        on.report.dashboard.as_deref(),
        Some("https://dash.example.org/team")
    );
    // Plain http only to this machine.
    for local in [
        "http://localhost:8080",
        "http://127.0.0.1:9",
        "http://[::1]/",
    ] {
        let text = format!("[report]\ndashboard = \"{local}\"\n");
        assert!(from_text("user.toml", &text).is_ok(), "{local}");
    }
    // `enabled = ` is 10 characters, `dashboard = ` 12.
    assert_eq!(
        errors("[report]\nenabled = true\n"),
        "user.toml:2:11: report.enabled: reporting needs `report.dashboard`, the address of your team's dashboard"
    );
    assert_eq!(
        errors("[report]\ndashboard = \"http://dash.example.org\"\n"),
        "user.toml:2:13: report.dashboard: \"http://dash.example.org\" is not https: summaries are sent only over https (http only to localhost)"
    );
    assert_eq!(
        errors("[report]\ndashboard = \"dash.example.org\"\n"),
        "user.toml:2:13: report.dashboard: \"dash.example.org\" is not an address (relative URL without a base): expected e.g. \"https://dashboard.example.org\""
    );
    assert_eq!(
        errors("[report]\nenabled = \"yes\"\n"),
        "user.toml:2:11: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        errors("[report]\nunit = \"north\"\n"),
        "user.toml:2:1: unknown field `unit`, expected one of `enabled`, `dashboard`, `token_file`, `token`"
    );
}

#[test]
fn the_reporter_token_lives_in_a_file_named_by_a_full_path() {
    let on = "[report]\nenabled = true\ndashboard = \"https://dash.example.org\"\n";
    for path in ["/etc/clockoff/team-token", "~/.config/clockoff/team-token"] {
        let config = from_text("user.toml", &format!("{on}token_file = \"{path}\"\n")).unwrap();
        assert_eq!(config.report.token_file.as_deref(), Some(path));
    }
    // Not set: the config stands (a policy may turn reporting on before the token is
    // handed out); `clockoff report status` says nothing can be sent yet.
    assert_eq!(from_text("user.toml", on).unwrap().report.token_file, None);
    // `token_file = ` is 13 characters, `token = ` 8.
    assert_eq!(
        errors(&format!("{on}token_file = \"team-token\"\n")),
        "user.toml:4:14: report.token_file: \"team-token\" is not a full path: write it from / or ~/, e.g. \"~/.config/clockoff/team-token\""
    );
    assert_eq!(
        errors(&format!("{on}token_file = \"~/\"\n")),
        "user.toml:4:14: report.token_file: \"~/\" is not a full path: write it from / or ~/, e.g. \"~/.config/clockoff/team-token\""
    );
    // The token itself is refused, and not repeated back.
    let refused = errors(&format!("{on}token = \"tok-3f9a\"\n"));
    assert_eq!(
        refused,
        "user.toml:4:9: report.token: the reporter token does not belong in a config file (they get shared and pasted); put it in a file only you can read and name that file with `report.token_file`"
    );
    assert!(!refused.contains("tok-3f9a"));
}

#[test]
fn policy_can_turn_reporting_on_for_everyone() {
    let dir = TempDir::new("locks_report");
    let policy = dir.write(
        "policy.toml",
        "lock = [\"report.enabled\"]\n[report]\nenabled = true\ndashboard = \"https://dash.example.org\"\n",
    );
    let user = dir.write("user.toml", "[report]\nenabled = false\n");
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{}:2:11: `report.enabled` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            policy.display()
        )
    );
    let user = dir.write("user.toml", "");
    let (config, _) = load(&paths(&policy, &user)).expect("valid layers");
    assert!(config.report.enabled);
    assert_eq!(
        config.report.dashboard.as_deref(),
        Some("https://dash.example.org")
    );
}

#[test]
fn sync_entries_are_checked_by_kind() {
    // `kind = ` is 7 characters, `unit = ` 7, `timeout = ` 10, `url = ` 6.
    assert_eq!(
        errors("[[sync]]\nkind = \"dropbox\"\n"),
        "user.toml:2:8: sync.kind: unknown kind \"dropbox\": expected \"syncthing\", \"systemd\" or \"command\""
    );
    assert_eq!(
        errors("[[sync]]\nkind = \"systemd\"\nurl = \"http://x\"\n"),
        "user.toml:1:1: a [[sync]] of kind \"systemd\" needs `unit`\n\
         user.toml:3:7: sync.url does not apply to kind \"systemd\": it takes unit"
    );
    assert_eq!(
        errors(
            "[[sync]]\nkind = \"command\"\non_hold = \"\"\non_release = \"x\"\ntimeout = \"1h\"\n"
        ),
        "user.toml:3:11: sync.on_hold: must not be empty\n\
         user.toml:5:11: sync.timeout: expected 1s to 10m"
    );
    assert_eq!(
        errors("[[sync]]\nkind = \"syncthing\"\nurl = \"localhost:8384\"\n"),
        "user.toml:3:7: sync.url: expected an http:// or https:// address, found \"localhost:8384\""
    );
    assert_eq!(
        errors("[[sync]]\nkind = \"syncthing\"\nfolder = \"x\"\n"),
        "user.toml:3:1: unknown field `folder`, expected one of `kind`, `url`, `api_key`, `config`, `devices`, `unit`, `on_hold`, `on_release`, `timeout`"
    );
}

#[test]
fn a_sync_entry_listed_twice_is_an_error_at_the_second() {
    assert_eq!(
        errors(
            "[[sync]]\nkind = \"systemd\"\nunit = \"a.service\"\n[[sync]]\nkind = \"systemd\"\nunit = \"a.service\"\n"
        ),
        "user.toml:4:1: [[sync]] systemd a.service is listed twice; keep one"
    );
}

#[test]
fn quiet_and_sync_settings_are_read() {
    use clockoff::config::quiet::{NotificationPolicy, NotificationServer, ServerChoice, SyncSpec};
    let config = from_text("user.toml", FULL_EXAMPLE).unwrap();
    assert_eq!(config.quiet.notifications, NotificationPolicy::Hold);
    assert_eq!(config.quiet.grace, std::time::Duration::from_secs(600));
    assert_eq!(
        config.quiet.server,
        ServerChoice::Only(NotificationServer::Dunst)
    );
    assert_eq!(
        config.quiet.sync,
        [
            SyncSpec::Syncthing {
                url: "http://127.0.0.1:8384".into(),
                api_key: None,
                config_xml: None,
                devices: vec!["ABC".into()],
            },
            SyncSpec::Command {
                on_hold: "true".into(),
                on_release: "true".into(),
                timeout: std::time::Duration::from_secs(30),
            },
        ]
    );
    // The built-in default holds notifications after ten minutes and pauses nothing.
    let default = from_text("user.toml", "").unwrap();
    assert_eq!(default.quiet, clockoff::config::QuietSettings::default());
}

#[test]
fn policy_locking_quiet_hours_locks_their_keys() {
    let dir = TempDir::new("locks_quiet");
    // `lock = [` is 8 characters: "quiet" starts at 1:9 and "sync" at 1:18.
    let policy = dir.write("policy.toml", "lock = [\"quiet\", \"sync\"]\n");
    let user = dir.write(
        "user.toml",
        "[quiet]\nnotifications = \"allow\"\n[[sync]]\nkind = \"systemd\"\nunit = \"a.service\"\n",
    );
    assert_eq!(
        load_errors(&paths(&policy, &user)),
        format!(
            "{u}:2:17: `quiet.notifications` is locked by the organisation policy ({p}:1:9); remove it from this file or ask IT to change the policy\n\
             {u}:3:1: `sync` is locked by the organisation policy ({p}:1:18); remove it from this file or ask IT to change the policy",
            u = user.display(),
            p = policy.display()
        )
    );
}

#[test]
fn the_policys_team_rota_and_the_workers_own_leave_calendar_both_count_unless_locked() {
    let dir = TempDir::new("calendars_layered");
    let policy = dir.write(
        "policy.toml",
        "[[calendar]]\nname = \"EDT rota\"\nurl = \"https://cal.example.org/edt.ics\"\nuse = \"on_call\"\n",
    );
    let user_text = "[[calendar]]\nname = \"My leave\"\nfile = \"~/leave.ics\"\nuse = \"leave\"\n";
    let user = dir.write("user.toml", user_text);
    let (config, _) = load(&paths(&policy, &user)).expect("valid layers");
    let names: Vec<&str> = config.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["EDT rota", "My leave"],
        "the policy's first, then the worker's"
    );

    let locked = dir.write(
        "locked.toml",
        "lock = [\"calendar\"]\n[[calendar]]\nname = \"EDT rota\"\nurl = \"https://cal.example.org/edt.ics\"\nuse = \"on_call\"\n",
    );
    assert_eq!(
        load_errors(&paths(&locked, &user)),
        format!(
            "{}:1:1: `calendar` is locked by the organisation policy ({}:1:9); remove it from this file or ask IT to change the policy",
            user.display(),
            locked.display()
        )
    );
}
