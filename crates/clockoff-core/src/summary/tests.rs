use chrono_tz::Tz;

use super::figures::{bucket, week_cap};
use super::*;
use crate::activity::Class;
use crate::record::{Source, Work};
use crate::spans::Span;
use crate::testing::utc;

const LONDON: Tz = chrono_tz::Europe::London;

/// `from` to `to` on `day`, UTC (London is on UTC in late November).
fn at(day: &str, from: &str, to: &str, source: Source) -> Work {
    Work {
        span: Span::new(utc(&format!("{day}T{from}Z")), utc(&format!("{day}T{to}Z"))),
        source,
    }
}

const OUT: Source = Source::Measured(Class::OutOfHours);

fn ids() -> (ReportId, Pseudonym) {
    let secret = DeviceSecret::from_bytes([7; 32]);
    (
        ReportId::from_bytes([0x42; 16]),
        secret.pseudonym(week::parse("2026-W48").unwrap()),
    )
}

/// The built-in hours (Monday to Friday 09:00-17:00) in London.
fn schedule() -> crate::schedule::Schedule {
    crate::config::from_text("t.toml", "timezone = \"Europe/London\"\n")
        .unwrap()
        .schedule()
}

fn summary_of(week_name: &str, work: &[Work], working: &[Span], held: u64) -> WeeklySummary {
    let (id, pseudonym) = ids();
    summarise(
        &Recorded {
            tz: LONDON,
            week: week::parse(week_name).unwrap(),
            work,
            working_time: working,
            held_notifications: held,
        },
        id,
        pseudonym,
    )
}

/// Week 48 of 2026, Monday 23 to Sunday 29 November, hours Monday-Friday 09:00-17:00.
fn hard_week() -> Vec<Work> {
    let mut work = Vec::new();
    for d in 23..=27 {
        work.push(at(
            &format!("2026-11-{d}"),
            "09:00:00",
            "17:00:00",
            Source::Measured(Class::Working),
        ));
    }
    work.extend([
        at("2026-11-23", "17:00:00", "17:40:00", OUT),
        at(
            "2026-11-24",
            "19:00:00",
            "20:30:00",
            Source::Measured(Class::Override),
        ),
        at("2026-11-25", "22:30:00", "23:08:00", OUT),
        // A visit logged in hours (not out of hours), one running 20 minutes past 17:00.
        at("2026-11-26", "12:00:00", "13:00:00", Source::Manual),
        at("2026-11-26", "16:30:00", "17:20:00", Source::Manual),
        at(
            "2026-11-27",
            "21:00:00",
            "21:50:00",
            Source::Measured(Class::OnCall),
        ),
        at("2026-11-28", "10:00:00", "11:00:00", OUT),
        at("2026-11-28", "14:00:00", "15:30:00", Source::Manual),
    ]);
    work
}

fn hard_summary() -> WeeklySummary {
    let week = week::span(LONDON, week::parse("2026-W48").unwrap());
    summary_of(
        "2026-W48",
        &hard_week(),
        &working_time(&schedule(), week),
        14,
    )
}

#[test]
fn a_hard_week_adds_up_by_hand() {
    let s = hard_summary();
    // Measured out of hours: 40 + 90 (override) + 38 + 60 = 228, to 225.
    assert_eq!(s.figures.out_of_hours_minutes, 225);
    // Logged outside 09:00-17:00: Thursday's 20 past five and Saturday's 90 = 110, to 105.
    assert_eq!(s.figures.self_reported_out_of_hours_minutes, 105);
    // Saturday: 60 measured and 90 logged.
    assert_eq!(s.figures.weekend_minutes, 150);
    // 20:00-20:30 Tuesday, 22:30-23:08 Wednesday, 21:00-21:50 Friday: 118, to 120.
    assert_eq!(s.figures.late_evening_minutes, 120);
    // Every day but Sunday; Thursday counts for its logged time past 17:00.
    assert_eq!(s.figures.days_with_out_of_hours_work, 6);
    assert_eq!(s.figures.notifications_held_out_of_hours, 14);
    // 50 minutes on call, to 45.
    assert_eq!(s.figures.on_call_callout_minutes, 45);
    assert_eq!(s.check(), Ok(()));
}

#[test]
fn notifications_held_are_sent_up_to_the_dashboards_bound() {
    let held = |n: u64| summary_of("2026-W48", &[], &[], n);
    assert_eq!(held(10_000).figures.notifications_held_out_of_hours, 10_000);
    for n in [10_001, u64::from(u32::MAX) + 1] {
        let s = held(n);
        assert_eq!(s.figures.notifications_held_out_of_hours, 10_000, "{n}");
        assert_eq!(s.check(), Ok(()), "{n}");
    }
}

#[test]
fn working_time_is_the_schedules_hours_within_the_week() {
    let week = week::span(LONDON, week::parse("2026-W48").unwrap());
    let spans = working_time(&schedule(), week);
    assert_eq!(spans.len(), 5);
    assert_eq!(
        spans[0],
        Span::new(utc("2026-11-23T09:00:00Z"), utc("2026-11-23T17:00:00Z"))
    );
    assert_eq!(spans[4].end, utc("2026-11-27T17:00:00Z"));
    // A span starting inside hours is cut at its start.
    let part = Span::new(utc("2026-11-23T12:00:00Z"), utc("2026-11-23T18:00:00Z"));
    assert_eq!(
        working_time(&schedule(), part),
        [Span::new(part.start, utc("2026-11-23T17:00:00Z"))]
    );
}

#[test]
fn minutes_round_to_the_nearest_quarter_hour_half_up() {
    for (minutes, expected) in [
        (0, 0),
        (7, 0),
        (8, 15),
        (15, 15),
        (22, 15),
        (23, 30),
        (37, 30),
        (38, 45),
        (-5, 0),
    ] {
        assert_eq!(bucket(minutes), expected, "{minutes}");
    }
    let one = |from: &str, to: &str| {
        summary_of("2026-W48", &[at("2026-11-23", from, to, OUT)], &[], 0)
            .figures
            .out_of_hours_minutes
    };
    assert_eq!(one("18:00:00", "18:07:00"), 0);
    assert_eq!(one("18:00:00", "18:08:00"), 15);
    // 22m30s is 23 whole minutes (as `clockoff week` shows it), so 30.
    assert_eq!(one("18:00:00", "18:22:30"), 30);
    assert_eq!(one("18:00:00", "18:22:29"), 15);
    // A stretch to 22:30 is late from 20:00: 150 minutes, already whole buckets.
    let s = summary_of(
        "2026-W48",
        &[at("2026-11-23", "18:00:00", "22:30:00", OUT)],
        &[],
        0,
    );
    assert_eq!(
        (
            s.figures.out_of_hours_minutes,
            s.figures.late_evening_minutes
        ),
        (270, 150)
    );
    // One rounding rule for both (issue 19): seven minutes rounds to nothing, and so does
    // its day, rather than "0 minutes out of hours, 1 day with out-of-hours work".
    let figures = |work: &[Work]| {
        let s = summary_of("2026-W48", work, &[], 0).figures;
        (s.out_of_hours_minutes, s.days_with_out_of_hours_work)
    };
    assert_eq!(
        figures(&[at("2026-11-23", "18:00:00", "18:07:00", OUT)]),
        (0, 0)
    );
    // Seven minutes on each of two days is a quarter of an hour, on two days.
    assert_eq!(
        figures(&[
            at("2026-11-23", "18:00:00", "18:07:00", OUT),
            at("2026-11-24", "18:00:00", "18:07:00", OUT),
        ]),
        (15, 2)
    );
}

#[test]
fn figures_are_clamped_to_the_weeks_length_across_dst() {
    // Week 43 of 2026 ends on the 25-hour Sunday; week 13 on the 23-hour one.
    assert_eq!(week_cap(LONDON, week::parse("2026-W43").unwrap()), 10_140);
    assert_eq!(week_cap(LONDON, week::parse("2026-W13").unwrap()), 10_020);
    assert_eq!(week_cap(LONDON, week::parse("2026-W48").unwrap()), 10_080);
    // A week that follows UTC has no short or long weeks.
    assert_eq!(
        week_cap(chrono_tz::UTC, week::parse("2026-W43").unwrap()),
        10_080
    );
    // Kolkata is 5h30 ahead of UTC: its weeks are whole buckets all the same.
    assert_eq!(
        week_cap(chrono_tz::Asia::Kolkata, week::parse("2026-W43").unwrap()),
        10_080
    );
    // Antarctica/Troll's clocks go back two hours: its week 43 is 10,200 minutes, more than
    // the dashboard accepts, so the figures stop at 10,140 and the summary is still taken.
    let (troll, w43) = (
        chrono_tz::Antarctica::Troll,
        week::parse("2026-W43").unwrap(),
    );
    let whole = week::span(troll, w43);
    assert_eq!((whole.end - whole.start).num_minutes(), 10_200);
    assert_eq!(week_cap(troll, w43), MAX_WEEK_MINUTES);
    let (id, pseudonym) = ids();
    let logged = Work {
        span: whole,
        source: Source::Manual,
    };
    let s = summarise(
        &Recorded {
            tz: troll,
            week: w43,
            work: &[logged],
            working_time: &[],
            held_notifications: 0,
        },
        id,
        pseudonym,
    );
    assert_eq!(s.figures.self_reported_out_of_hours_minutes, 10_140);
    assert_eq!(s.check(), Ok(()));

    for (name, monday, next_monday, cap) in [
        (
            "2026-W43",
            "2026-10-18T23:00:00Z",
            "2026-10-26T00:00:00Z",
            10_140,
        ),
        (
            "2026-W13",
            "2026-03-23T00:00:00Z",
            "2026-03-29T23:00:00Z",
            10_020,
        ),
    ] {
        // The whole week logged twice over: overlapping entries cannot claim two weeks.
        let whole = Work {
            span: Span::new(utc(monday), utc(next_monday)),
            source: Source::Manual,
        };
        let s = summary_of(name, &[whole, whole], &[], 0);
        assert_eq!(s.figures.self_reported_out_of_hours_minutes, cap, "{name}");
        assert_eq!(s.figures.days_with_out_of_hours_work, 7, "{name}");
        assert_eq!(s.check(), Ok(()), "{name}");
        // Work before and after the week is not counted.
        let around = [
            Work {
                span: Span::new(utc(monday) - chrono::TimeDelta::hours(3), utc(monday)),
                source: OUT,
            },
            Work {
                span: Span::new(
                    utc(next_monday),
                    utc(next_monday) + chrono::TimeDelta::hours(3),
                ),
                source: OUT,
            },
        ];
        let s = summary_of(name, &around, &[], 0);
        assert_eq!(
            (
                s.figures.out_of_hours_minutes,
                s.figures.days_with_out_of_hours_work
            ),
            (0, 0),
            "{name}"
        );
    }
}

#[test]
fn late_evening_follows_the_wall_clock_on_the_night_the_clocks_go_back() {
    // Saturday 24 October 2026 22:00 BST to Sunday 07:00 GMT: 10 hours, 9 of them late
    // (22:00 to 06:00 local has the repeated 01:00 hour in it), all on the weekend.
    let w = Work {
        span: Span::new(utc("2026-10-24T21:00:00Z"), utc("2026-10-25T07:00:00Z")),
        source: OUT,
    };
    let s = summary_of("2026-W43", &[w], &[], 0);
    assert_eq!(s.figures.out_of_hours_minutes, 600);
    assert_eq!(s.figures.late_evening_minutes, 540);
    assert_eq!(s.figures.weekend_minutes, 600);
    assert_eq!(s.figures.days_with_out_of_hours_work, 2);
}

/// The wire contract: these keys, in this order, and nothing else.
const KEYS: [&str; 11] = [
    "schema",
    "week",
    "report_id",
    "pseudonym",
    "out_of_hours_minutes",
    "self_reported_out_of_hours_minutes",
    "weekend_minutes",
    "late_evening_minutes",
    "days_with_out_of_hours_work",
    "notifications_held_out_of_hours",
    "on_call_callout_minutes",
];

#[test]
fn the_wire_form_matches_the_golden_file_byte_for_byte() {
    let golden = include_str!("../../../../tests/fixtures/summary-2026-W48.json");
    assert_eq!(format!("{}\n", hard_summary().to_wire()), golden);
    let value: serde_json::Value = serde_json::from_str(golden).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = KEYS.to_vec();
    expected.sort_unstable();
    assert_eq!(
        keys, expected,
        "a field was added or removed: that is schema 2"
    );
    assert!(golden.starts_with("{\"schema\":\"clockoff.summary/1\",\"week\":\"2026-W48\""));
}

#[test]
fn the_dashboard_reads_it_back_and_refuses_anything_else() {
    let s = hard_summary();
    let back: WeeklySummary = serde_json::from_str(&s.to_wire()).unwrap();
    assert_eq!(back, s);

    let with = |key: &str, value: serde_json::Value| {
        let mut v = serde_json::to_value(&s).unwrap();
        v.as_object_mut().unwrap().insert(key.into(), value);
        serde_json::from_value::<WeeklySummary>(v)
    };
    let err = with("app", "Outlook".into()).unwrap_err().to_string();
    assert!(err.contains("unknown field `app`"), "{err}");
    assert!(with("schema", "clockoff.summary/2".into()).is_err());
    assert!(with("week", "2026-W54".into()).is_err());
    assert!(with("report_id", "42".into()).is_err());
    assert!(with("pseudonym", "ab".repeat(16).into()).is_err());
    assert!(with("weekend_minutes", (-15).into()).is_err());
    // A field sent twice is refused, a figure or a header field alike.
    let wire = s.to_wire();
    for key in ["weekend_minutes", "week"] {
        let value = serde_json::to_value(&s).unwrap()[key].to_string();
        let twice = wire.replacen('{', &format!("{{\"{key}\":{value},"), 1);
        let err = serde_json::from_str::<WeeklySummary>(&twice).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("duplicate field `{key}`")),
            "{err}"
        );
    }
    // A missing field is named, a figure or a header field alike.
    for key in ["weekend_minutes", "pseudonym"] {
        let mut missing = serde_json::to_value(&s).unwrap();
        missing.as_object_mut().unwrap().remove(key);
        let err = serde_json::from_str::<WeeklySummary>(&missing.to_string()).unwrap_err();
        assert!(
            err.to_string().contains(&format!("missing field `{key}`")),
            "{err}"
        );
    }

    let checked = |key: &str, n: u32| with(key, n.into()).unwrap().check();
    // The longest week is 10,140 minutes (the clocks going back add an hour): no more.
    assert_eq!(checked("late_evening_minutes", 10_140), Ok(()));
    let err = checked("late_evening_minutes", 10_155).unwrap_err();
    assert!(err.contains("10140 at most"), "{err}");
    assert!(checked("weekend_minutes", 20).is_err());
    assert!(checked("days_with_out_of_hours_work", 8).is_err());
    // Notifications held: at most 10,000 a week, about one a minute out of hours.
    assert_eq!(checked("notifications_held_out_of_hours", 10_000), Ok(()));
    for n in [10_001, u32::MAX] {
        let err = checked("notifications_held_out_of_hours", n).unwrap_err();
        assert!(err.contains("more than 10000 a week"), "{err}");
    }
}

#[test]
fn nothing_finer_than_the_week_and_no_words_leave_the_laptop() {
    let wire = hard_summary().to_wire();
    let value: serde_json::Value = serde_json::from_str(&wire).unwrap();
    for (key, v) in value.as_object().unwrap() {
        match key.as_str() {
            "schema" => assert_eq!(v, SCHEMA),
            "week" => assert_eq!(v, "2026-W48"),
            "report_id" | "pseudonym" => {
                let text = v.as_str().unwrap();
                assert!(text.chars().all(|c| c.is_ascii_hexdigit()), "{key}: {text}");
            }
            _ => assert!(v.is_u64(), "{key} is not a count: {v}"),
        }
    }
    // No instant, date or time of day: nothing with a colon, a "T12" or a "2026-11".
    assert!(!wire.contains("2026-11"), "{wire}");
    for hour in 0..24 {
        assert!(!wire.contains(&format!("T{hour:02}")), "{wire}");
    }
    assert_eq!(wire.matches(':').count(), KEYS.len(), "{wire}");
}
