//! Holidays, leave, on-call and overrides layered over the weekly hours, by precedence:
//! override > on_call > leave > holiday > working > off.

use clockoff::config::from_text;
use clockoff::core::schedule::{Schedule, State};
use clockoff::core::spans::Span;
use clockoff::core::testing::utc;

fn schedule(extra: &str) -> Schedule {
    let text = format!(
        "timezone = \"Europe/London\"\n[hours]\nmonday = [\"09:00-17:00\"]\nthursday = [\"22:00-06:00\"]\nfriday = [\"09:00-17:00\"]\n{extra}"
    );
    build(&text)
}

/// London, no bank holidays, only these hours.
fn with_hours(hours: &str) -> Schedule {
    build(&format!(
        "timezone = \"Europe/London\"\n[holidays]\nregion = \"none\"\n[hours]\n{hours}\n"
    ))
}

fn build(text: &str) -> Schedule {
    from_text("test.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .schedule()
}

fn states(s: &Schedule, from: &str, to: &str) -> Vec<(String, State)> {
    s.transitions(utc(from), utc(to))
        .map(|t| (t.at.to_rfc3339(), t.state))
        .collect()
}

#[test]
fn a_bank_holiday_replaces_the_working_day_from_midnight_to_midnight() {
    // Christmas Day 2026 is a Friday; the Thursday night shift runs into it.
    let s = schedule("");
    assert_eq!(
        states(&s, "2026-12-24T12:00:00Z", "2026-12-29T00:00:00Z"),
        vec![
            ("2026-12-24T22:00:00+00:00".into(), State::Working),
            ("2026-12-25T00:00:00+00:00".into(), State::Holiday), // the shift is cut at midnight
            ("2026-12-26T00:00:00+00:00".into(), State::Off),
            ("2026-12-28T00:00:00+00:00".into(), State::Holiday), // Boxing Day, substitute Monday
            ("2026-12-29T00:00:00+00:00".into(), State::Off),
        ][..4]
            .to_vec()
    );
    let at = s.state_at(utc("2026-12-25T12:00:00Z"));
    assert_eq!(
        (at.state, at.since, at.until),
        (
            State::Holiday,
            Some(utc("2026-12-25T00:00:00Z")),
            Some(utc("2026-12-26T00:00:00Z"))
        )
    );
}

#[test]
fn removed_and_extra_days() {
    let s = schedule(
        "[holidays]\nregion = \"england-and-wales\"\nextra = [\"2026-12-24\"]\nremoved = [\"2026-12-28\"]",
    );
    assert_eq!(
        s.state_at(utc("2026-12-24T10:00:00Z")).state,
        State::Holiday
    );
    assert_eq!(
        s.state_at(utc("2026-12-28T10:00:00Z")).state,
        State::Working
    );
    let none = schedule("[holidays]\nregion = \"none\"");
    assert_eq!(
        none.state_at(utc("2026-12-25T10:00:00Z")).state,
        State::Working
    );
}

#[test]
fn leave_covers_whole_local_days_and_beats_a_holiday() {
    let s = schedule("[[leave]]\nfrom = \"2026-08-28\"\nto = 2026-09-01\n");
    // Summer time: the local days start at 23:00 UTC. 31 August is the summer bank holiday.
    assert_eq!(
        states(&s, "2026-08-27T12:00:00Z", "2026-09-03T00:00:00Z"),
        vec![
            ("2026-08-27T21:00:00+00:00".into(), State::Working), // Thursday night shift
            ("2026-08-27T23:00:00+00:00".into(), State::Leave),   // cut by leave at midnight
            ("2026-09-01T23:00:00+00:00".into(), State::Off),
        ]
    );
}

#[test]
fn on_call_beats_leave_and_override_beats_everything() {
    let s = schedule(
        "[[leave]]\nfrom = \"2026-11-27\"\nto = \"2026-11-27\"\n\
         [[on_call]]\nfrom = \"2026-11-27T17:00\"\nto = \"2026-11-30T09:00\"\n",
    );
    assert_eq!(
        states(&s, "2026-11-27T00:00:00Z", "2026-12-01T00:00:00Z"),
        vec![
            ("2026-11-27T00:00:00+00:00".into(), State::Leave),
            ("2026-11-27T17:00:00+00:00".into(), State::OnCall),
            ("2026-11-30T09:00:00+00:00".into(), State::Working), // Monday, on time
            ("2026-11-30T17:00:00+00:00".into(), State::Off),
        ]
    );
    let with_override = s.with_overrides([Span::new(
        utc("2026-11-27T16:30:00Z"),
        utc("2026-11-27T18:00:00Z"),
    )]);
    assert_eq!(
        states(
            &with_override,
            "2026-11-27T12:00:00Z",
            "2026-11-28T00:00:00Z"
        ),
        vec![
            ("2026-11-27T16:30:00+00:00".into(), State::Override),
            ("2026-11-27T18:00:00+00:00".into(), State::OnCall),
        ]
    );
}

#[test]
fn on_call_accepts_rfc3339_with_an_offset() {
    let s =
        schedule("[[on_call]]\nfrom = \"2026-07-03T17:00:00+01:00\"\nto = 2026-07-03T23:00:00Z\n");
    assert_eq!(
        states(&s, "2026-07-03T12:00:00Z", "2026-07-04T12:00:00Z"),
        vec![
            ("2026-07-03T16:00:00+00:00".into(), State::OnCall),
            ("2026-07-03T23:00:00+00:00".into(), State::Off),
        ]
    );
}

#[test]
fn a_schedule_with_no_working_time_is_off_forever() {
    let text = "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n";
    let s = from_text("t.toml", text).unwrap().schedule();
    for t in [
        "1970-01-01T00:00:00Z",
        "2026-11-23T12:00:00Z",
        "2100-12-31T23:59:59Z",
    ] {
        let at = s.state_at(utc(t));
        assert_eq!(
            (at.state, at.since, at.until),
            (State::Off, None, None),
            "{t}"
        );
        assert_eq!(s.next_transition(utc(t)), None);
    }
    assert_eq!(
        s.transitions(utc("1970-01-01T00:00:00Z"), utc("2100-12-31T23:59:59Z"))
            .count(),
        0
    );
}

#[test]
fn the_horizon_edges_answer_without_panicking() {
    let s = schedule("");
    let first = s.state_at(utc("1970-01-01T00:00:00Z"));
    assert_eq!(
        first.state,
        State::Holiday,
        "New Year's Day 1970 (standing rules)"
    );
    assert_eq!(first.since, None, "nothing before the horizon");
    let last = s.state_at(utc("2100-12-31T23:59:59Z"));
    assert_eq!(
        last.state,
        State::Off,
        "Friday 31 December 2100, after hours"
    );
    assert_eq!(last.until, None, "nothing after the horizon");
    assert!(last.since.is_some());
}

#[test]
fn touching_ranges_are_one_stretch_of_work() {
    // A split shift with no break: no transition at 12:30.
    let s = with_hours("monday = [\"09:00-12:30\", \"12:30-17:30\"]");
    assert_eq!(
        states(&s, "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"),
        vec![
            ("2026-11-23T09:00:00+00:00".into(), State::Working),
            ("2026-11-23T17:30:00+00:00".into(), State::Off),
        ]
    );
    // Sunday night into Monday morning, across the week's end.
    let s = with_hours("sunday = [\"22:00-06:00\"]\nmonday = [\"06:00-09:00\"]");
    let at = s.state_at(utc("2026-11-23T07:00:00Z"));
    assert_eq!(
        (at.since, at.until),
        (
            Some(utc("2026-11-22T22:00:00Z")),
            Some(utc("2026-11-23T09:00:00Z"))
        )
    );
}

#[test]
fn round_the_clock_hours_have_no_transitions() {
    // 96 touching quarter-hours a day, every day: working, always. Before ranges were merged
    // this walked every quarter-hour to 2100 (minutes per question).
    let quarter_hours: Vec<String> = (0..96)
        .map(|q| {
            format!(
                "\"{:02}:{:02}-{:02}:{:02}\"",
                q / 4,
                q % 4 * 15,
                (q + 1) / 4 % 24,
                (q + 1) % 4 * 15
            )
        })
        .collect();
    let day = format!("[{}]", quarter_hours.join(", "));
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let hours: String = days.iter().map(|d| format!("{d} = {day}\n")).collect();
    let s = with_hours(&hours);
    let at = s.state_at(utc("2035-06-01T12:00:00Z"));
    assert_eq!((at.state, at.since, at.until), (State::Working, None, None));
}

#[test]
fn a_long_leave_is_one_stretch() {
    let s = schedule("[[leave]]\nfrom = \"1970-01-02\"\nto = \"2100-12-30\"\n");
    let at = s.state_at(utc("2035-06-01T12:00:00Z"));
    assert_eq!(at.state, State::Leave);
    assert_eq!(
        at.since,
        Some(utc("1970-01-01T23:00:00Z")),
        "London was on GMT+1 all year in 1970"
    );
    assert_eq!(at.until, Some(utc("2100-12-31T00:00:00Z")));
}
