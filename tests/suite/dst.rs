//! Schedules across DST changes, in both directions, in zones with 60-minute, 30-minute and
//! no DST. Expected instants are worked out by hand from each zone's published rules.

use chrono::TimeDelta;
use clockoff::config::from_text;
use clockoff::core::schedule::{Schedule, State, Transition};
use clockoff::core::testing::utc;

fn schedule(zone: &str, hours: &str) -> Schedule {
    let text = format!("timezone = \"{zone}\"\n[holidays]\nregion = \"none\"\n[hours]\n{hours}\n");
    from_text("test.toml", &text).unwrap().schedule()
}

fn transitions(s: &Schedule, from: &str, to: &str) -> Vec<(String, State)> {
    s.transitions(utc(from), utc(to))
        .map(|Transition { at, state }| (at.to_rfc3339(), state))
        .collect()
}

/// UK changes 2024-2030: (spring Sunday, autumn Sunday), the last Sundays of March and October.
const UK_CHANGES: [(&str, &str); 7] = [
    ("2024-03-31", "2024-10-27"),
    ("2025-03-30", "2025-10-26"),
    ("2026-03-29", "2026-10-25"),
    ("2027-03-28", "2027-10-31"),
    ("2028-03-26", "2028-10-29"),
    ("2029-03-25", "2029-10-28"),
    ("2030-03-31", "2030-10-27"),
];

fn day_before(date: &str) -> String {
    let d: chrono::NaiveDate = date.parse().unwrap();
    (d - TimeDelta::days(1)).to_string()
}

#[test]
fn uk_night_shift_is_seven_hours_in_spring_and_nine_in_autumn() {
    let s = schedule("Europe/London", "saturday = [\"22:00-06:00\"]");
    for (spring, autumn) in UK_CHANGES {
        let sat = day_before(spring);
        // 22:00 GMT Saturday to 06:00 BST Sunday (05:00 UTC): the shift loses an hour.
        assert_eq!(
            transitions(
                &s,
                &format!("{sat}T12:00:00Z"),
                &format!("{spring}T12:00:00Z")
            ),
            vec![
                (format!("{sat}T22:00:00+00:00"), State::Working),
                (format!("{spring}T05:00:00+00:00"), State::Off),
            ],
            "spring {spring}"
        );
        let sat = day_before(autumn);
        // 22:00 BST Saturday (21:00 UTC) to 06:00 GMT Sunday: the shift gains an hour.
        assert_eq!(
            transitions(
                &s,
                &format!("{sat}T12:00:00Z"),
                &format!("{autumn}T12:00:00Z")
            ),
            vec![
                (format!("{sat}T21:00:00+00:00"), State::Working),
                (format!("{autumn}T06:00:00+00:00"), State::Off),
            ],
            "autumn {autumn}"
        );
    }
}

#[test]
fn uk_ranges_starting_in_the_gap_or_the_overlap() {
    // 01:30 does not exist on spring Sundays (read at GMT, i.e. 02:30 BST); it happens twice
    // on autumn Sundays (the first, BST, one counts).
    let s = schedule("Europe/London", "sunday = [\"01:30-03:00\"]");
    for (spring, autumn) in UK_CHANGES {
        assert_eq!(
            transitions(
                &s,
                &format!("{spring}T00:00:00Z"),
                &format!("{spring}T12:00:00Z")
            ),
            vec![
                (format!("{spring}T01:30:00+00:00"), State::Working),
                (format!("{spring}T02:00:00+00:00"), State::Off),
            ],
            "spring {spring}: 30 minutes"
        );
        assert_eq!(
            transitions(
                &s,
                &format!("{}T12:00:00Z", day_before(autumn)),
                &format!("{autumn}T12:00:00Z")
            ),
            vec![
                (format!("{autumn}T00:30:00+00:00"), State::Working),
                (format!("{autumn}T03:00:00+00:00"), State::Off),
            ],
            "autumn {autumn}: two and a half hours"
        );
    }
}

#[test]
fn uk_day_shift_keeps_its_wall_clock_hours_either_side_of_each_change() {
    let s = schedule(
        "Europe/London",
        "monday = [\"09:00-17:00\"]\nfriday = [\"09:00-17:00\"]",
    );
    for (spring, autumn) in UK_CHANGES {
        for (date, before_offset_hours, after_offset_hours) in [(spring, 0, 1), (autumn, 1, 0)] {
            let d: chrono::NaiveDate = date.parse().unwrap();
            let friday = d - TimeDelta::days(2);
            let monday = d + TimeDelta::days(1);
            let got = transitions(
                &s,
                &format!("{friday}T00:00:00Z"),
                &format!("{monday}T23:00:00Z"),
            );
            let at = |day: chrono::NaiveDate, hour: i64, offset: i64| {
                format!("{day}T{:02}:00:00+00:00", hour - offset)
            };
            assert_eq!(
                got,
                vec![
                    (at(friday, 9, before_offset_hours), State::Working),
                    (at(friday, 17, before_offset_hours), State::Off),
                    (at(monday, 9, after_offset_hours), State::Working),
                    (at(monday, 17, after_offset_hours), State::Off),
                ],
                "{date}"
            );
        }
    }
}

#[test]
fn new_york_night_shift_across_both_changes() {
    // 2026: clocks go forward 2026-03-08 02:00 EST and back 2026-11-01 02:00 EDT.
    let s = schedule("America/New_York", "saturday = [\"23:00-07:00\"]");
    assert_eq!(
        transitions(&s, "2026-03-07T12:00:00Z", "2026-03-08T18:00:00Z"),
        vec![
            ("2026-03-08T04:00:00+00:00".into(), State::Working), // 23:00 EST
            ("2026-03-08T11:00:00+00:00".into(), State::Off),     // 07:00 EDT: 7 hours
        ]
    );
    assert_eq!(
        transitions(&s, "2026-10-31T12:00:00Z", "2026-11-01T18:00:00Z"),
        vec![
            ("2026-11-01T03:00:00+00:00".into(), State::Working), // 23:00 EDT
            ("2026-11-01T12:00:00+00:00".into(), State::Off),     // 07:00 EST: 9 hours
        ]
    );
    // 02:30 does not exist on 2026-03-08: read at EST, i.e. 07:30 UTC (03:30 EDT).
    let s = schedule("America/New_York", "sunday = [\"02:30-04:00\"]");
    assert_eq!(
        transitions(&s, "2026-03-08T00:00:00Z", "2026-03-08T18:00:00Z"),
        vec![
            ("2026-03-08T07:30:00+00:00".into(), State::Working),
            ("2026-03-08T08:00:00+00:00".into(), State::Off),
        ]
    );
}

#[test]
fn kolkata_has_no_dst_and_a_half_hour_offset() {
    let s = schedule("Asia/Kolkata", "monday = [\"09:30-18:00\"]");
    for monday in ["2026-03-30", "2026-06-29", "2026-10-26", "2026-12-28"] {
        assert_eq!(
            transitions(
                &s,
                &format!("{monday}T00:00:00Z"),
                &format!("{monday}T23:59:00Z")
            ),
            vec![
                (format!("{monday}T04:00:00+00:00"), State::Working),
                (format!("{monday}T12:30:00+00:00"), State::Off),
            ],
            "{monday}"
        );
    }
}

#[test]
fn lord_howe_thirty_minute_dst() {
    // Lord Howe: +10:30 standard, +11:00 summer; forward 2026-10-04 02:00 -> 02:30, back
    // 2026-04-05 02:00 -> 01:30.
    let s = schedule("Australia/Lord_Howe", "saturday = [\"22:00-06:00\"]");
    // Autumn (April): the night shift gains 30 minutes.
    assert_eq!(
        transitions(&s, "2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z"),
        vec![
            ("2026-04-04T11:00:00+00:00".into(), State::Working), // Sat 22:00 +11:00
            ("2026-04-04T19:30:00+00:00".into(), State::Off),     // Sun 06:00 +10:30
        ]
    );
    // Spring (October): 02:15 does not exist; the shift loses 30 minutes.
    let s = schedule("Australia/Lord_Howe", "saturday = [\"22:00-06:00\"]");
    assert_eq!(
        transitions(&s, "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"),
        vec![
            ("2026-10-03T11:30:00+00:00".into(), State::Working), // Sat 22:00 +10:30
            ("2026-10-03T19:00:00+00:00".into(), State::Off),     // Sun 06:00 +11:00
        ]
    );
    // 01:45 happens twice on 2026-04-05; the first (+11:00) counts.
    let s = schedule("Australia/Lord_Howe", "sunday = [\"01:45-03:00\"]");
    assert_eq!(
        transitions(&s, "2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z"),
        vec![
            ("2026-04-04T14:45:00+00:00".into(), State::Working), // 01:45 +11:00
            ("2026-04-04T16:30:00+00:00".into(), State::Off),     // 03:00 +10:30
        ]
    );
    let s = schedule("Australia/Lord_Howe", "sunday = [\"02:15-03:00\"]");
    assert_eq!(
        transitions(&s, "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z"),
        vec![
            ("2026-10-03T15:45:00+00:00".into(), State::Working), // 02:15 read at +10:30
            ("2026-10-03T16:00:00+00:00".into(), State::Off),     // 03:00 +11:00
        ]
    );
}

#[test]
fn a_range_wholly_inside_the_gap_is_empty_that_day_only() {
    // 01:00-02:00 London on a spring Sunday is the skipped hour: no working time that day.
    let s = schedule("Europe/London", "sunday = [\"01:00-02:00\"]");
    assert!(transitions(&s, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z").is_empty());
    assert_eq!(
        transitions(&s, "2026-04-05T00:00:00Z", "2026-04-05T12:00:00Z").len(),
        2
    );
    let at = s.state_at(utc("2026-03-29T01:00:00Z"));
    assert_eq!(at.state, State::Off);
    assert_eq!(
        at.since,
        Some(utc("2026-03-22T02:00:00Z")),
        "the end of last Sunday's range"
    );
    assert_eq!(at.until, Some(utc("2026-04-05T00:00:00Z")));
}

#[test]
fn state_at_reports_the_surrounding_transitions_across_a_change() {
    let s = schedule("Europe/London", "saturday = [\"22:00-06:00\"]");
    let at = s.state_at(utc("2026-03-29T03:00:00Z"));
    assert_eq!(at.state, State::Working);
    assert_eq!(at.since, Some(utc("2026-03-28T22:00:00Z")));
    assert_eq!(at.until, Some(utc("2026-03-29T05:00:00Z")));
    assert_eq!(
        s.next_transition(utc("2026-03-29T05:00:00Z")).unwrap().at,
        utc("2026-04-04T21:00:00Z")
    );
}
