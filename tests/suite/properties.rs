//! Properties of any schedule, in zones chosen for their awkward clocks: transitions strictly
//! increase, the state is constant between them and changes at each, and `state_at` and
//! `next_transition` agree with `transitions`.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use clockoff::core::holidays::{Region, bank_holidays};
use clockoff::core::hours::{DailyRange, WeeklyHours};
use clockoff::core::schedule::{Schedule, ScheduleSpec, Transition, horizon};
use clockoff::core::spans::Span;
use clockoff::core::timeline::Timeline;
use proptest::prelude::*;

const ZONES: [&str; 9] = [
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo", // DST changed at midnight until 2019
    "Asia/Beirut",       // DST at midnight
    "America/Havana",    // DST at midnight
    "Pacific/Apia",      // skipped the whole of 2011-12-30
    "Etc/UTC",
];

fn instant(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap()
}

/// Up to three ranges a day on a quarter-hour grid; any that would overlap an earlier one
/// (including across midnight) is dropped, as the config would refuse it.
fn weekly_hours() -> impl Strategy<Value = WeeklyHours> {
    prop::collection::vec(prop::collection::vec((0u16..96, 1u16..=96), 0..=3), 7).prop_map(|days| {
        let mut accepted: [Vec<DailyRange>; 7] = Default::default();
        for (d, ranges) in days.into_iter().enumerate() {
            for (start, len) in ranges {
                let (s, e) = (start * 15, (start * 15 + len * 15) % 1440);
                let text = format!("{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60);
                accepted[d].push(DailyRange::parse(&text).unwrap());
                if !WeeklyHours::new(accepted.clone()).overlaps().is_empty() {
                    accepted[d].pop();
                }
            }
        }
        WeeklyHours::new(accepted)
    })
}

/// Spans within a few weeks of `around`.
fn spans(around: i64) -> impl Strategy<Value = Vec<Span>> {
    prop::collection::vec((-30 * 86400i64..30 * 86400, 60i64..5 * 86400), 0..3).prop_map(move |v| {
        v.into_iter()
            .map(|(offset, len)| {
                Span::new(instant(around + offset), instant(around + offset + len))
            })
            .collect()
    })
}

fn schedule_and_instant() -> impl Strategy<Value = (Schedule, DateTime<Utc>)> {
    // 1970-01-02 .. 2100-12-30, in seconds.
    let t = prop_oneof![
        86_400i64..4_133_894_400,
        Just(1_325_152_800) /* Apia's lost day */
    ];
    (t, 0..ZONES.len(), weekly_hours(), 0usize..4).prop_flat_map(|(t, zone, hours, region)| {
        let tz: Tz = ZONES[zone].parse().unwrap();
        let leave = prop::collection::vec((-30i64..30, 0i64..10), 0..3);
        (
            Just((t, tz, hours, region)),
            leave,
            spans(t),
            spans(t),
            spans(t),
        )
            .prop_map(
                |((t, tz, hours, region), leave, leave_times, on_call, overrides)| {
                    let day = instant(t).with_timezone(&tz).date_naive();
                    let region = [
                        Region::EnglandAndWales,
                        Region::Scotland,
                        Region::NorthernIreland,
                        Region::None,
                    ][region];
                    let year = chrono::Datelike::year(&day);
                    let holidays: Vec<NaiveDate> = (year - 1..=year + 1)
                        .flat_map(|y| bank_holidays(region, y))
                        .map(|h| h.date)
                        .collect();
                    let leave = leave
                        .into_iter()
                        .map(|(start, len)| {
                            (
                                day + TimeDelta::days(start),
                                day + TimeDelta::days(start + len),
                            )
                        })
                        .collect();
                    let spec = ScheduleSpec {
                        tz,
                        hours,
                        holidays,
                        leave,
                        leave_times,
                        on_call,
                        overrides,
                    };
                    (Schedule::new(spec), instant(t))
                },
            )
    })
}

const TICK: TimeDelta = TimeDelta::nanoseconds(1);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn transitions_are_consistent_with_state((schedule, t) in schedule_and_instant()) {
        // Transitions exist within the horizon only: the window starts no earlier.
        let from = (t - TimeDelta::days(10)).max(horizon().start);
        let to = t + TimeDelta::days(10);
        let trs: Vec<Transition> = schedule.transitions(from, to).collect();
        let mut previous = schedule.state(from - TICK);
        let mut segment_start = from;
        for tr in &trs {
            prop_assert!(tr.at >= segment_start && tr.at < to, "in order and in range: {:?}", tr);
            prop_assert_ne!(tr.state, previous, "a transition changes the state at {}", tr.at);
            prop_assert_eq!(schedule.state(tr.at - TICK), previous, "state before {}", tr.at);
            prop_assert_eq!(schedule.state(tr.at), tr.state, "state at {}", tr.at);
            // Constant in between: probe the middle and a point near each end.
            if tr.at > segment_start {
                let mid = segment_start + (tr.at - segment_start) / 2;
                for probe in [segment_start, mid, tr.at - TimeDelta::seconds(1).min(tr.at - segment_start)] {
                    prop_assert_eq!(schedule.state(probe), previous, "constant before {} (probe {})", tr.at, probe);
                }
            }
            previous = tr.state;
            segment_start = tr.at + TICK;
        }
        for pair in trs.windows(2) {
            prop_assert!(pair[0].at < pair[1].at, "strictly increasing");
        }

        let at = schedule.state_at(t);
        prop_assert_eq!(at.state, schedule.state(t));
        match trs.iter().rev().find(|tr| tr.at <= t) {
            Some(tr) => prop_assert_eq!(at.since, Some(tr.at)),
            None => prop_assert!(at.since.is_none_or(|s| s < from), "since {:?} would be a transition in the window", at.since),
        }
        let next = trs.iter().find(|tr| tr.at > t);
        match next {
            Some(tr) => prop_assert_eq!(at.until, Some(tr.at)),
            None => prop_assert!(at.until.is_none_or(|u| u >= to), "until {:?} would be a transition in the window", at.until),
        }
        prop_assert_eq!(schedule.next_transition(t).filter(|n| n.at < to), next.copied());
    }

    #[test]
    fn the_compiled_timeline_agrees_with_the_schedule((schedule, t) in schedule_and_instant()) {
        let timeline = Timeline::new(schedule.clone());
        let (from, to) = (t - TimeDelta::days(10), t + TimeDelta::days(10));
        prop_assert_eq!(timeline.transitions(from, to), schedule.transitions(from, to).collect::<Vec<_>>());
        for probe in [t, from, to, t + TimeDelta::hours(13)] {
            prop_assert_eq!(timeline.state(probe), schedule.state(probe));
            prop_assert_eq!(timeline.state_at(probe), schedule.state_at(probe), "state_at {}", probe);
            prop_assert_eq!(timeline.next_transition(probe), schedule.next_transition(probe));
        }
    }

    #[test]
    fn any_instant_in_the_horizon_answers((schedule, _) in schedule_and_instant(), secs in 0i64..4_133_980_799) {
        let t = instant(secs);
        let at = schedule.state_at(t);
        prop_assert!(at.since.is_none_or(|s| s <= t));
        prop_assert!(at.until.is_none_or(|u| u > t));
    }
}

/// Found by `transitions_are_consistent_with_state` in CI: an override from one second before
/// the horizon. `transitions` reported its start; `state_at` said, as designed, that nothing
/// before the horizon is known. Now neither reports it.
#[test]
fn nothing_before_the_horizon_is_a_transition() {
    let horizon_start = instant(0);
    let spec = ScheduleSpec {
        tz: chrono_tz::Europe::London,
        hours: WeeklyHours::new(Default::default()),
        holidays: Vec::new(),
        leave: Vec::new(),
        leave_times: Vec::new(),
        on_call: Vec::new(),
        overrides: vec![Span::new(
            horizon_start - TimeDelta::seconds(1),
            instant(86_401),
        )],
    };
    let schedule = Schedule::new(spec);
    let t = instant(86_400);
    let first = schedule
        .transitions(t - TimeDelta::days(10), t + TimeDelta::days(1))
        .next()
        .map(|tr| tr.at);
    assert_eq!(
        first,
        Some(instant(86_401)),
        "the override's end, not its start"
    );
    assert_eq!(schedule.state_at(t).since, None);
}
