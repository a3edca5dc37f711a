//! A unit view for the pages' tests: a service with a name that needs escaping, weeks from
//! 2026-W23 on, a few hidden for each reason, a week where nobody worked out of hours, and
//! three units below it (one shown, one below k, one hidden to protect another).

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::{ChildView, Period, UnitView, WeekView};
use crate::{Contribution, Figures, Outcome, Reason, Threshold};

pub const NAME: &str = "Assessment & Intervention <North>";
/// Week 0 is figures.rs' hand-built team of ten.
pub const HIDDEN_WEEK: usize = 5;
pub const PROTECTED_WEEK: usize = 9;
/// Everybody reported 0 minutes.
pub const ZERO_WEEK: usize = 3;

/// The figures of `figures`' hand-built team of ten.
pub fn hand_built_team() -> Figures {
    Figures::of(&crate::rule::figures::tests::hand_built_team()).unwrap()
}

/// `n` people whose out-of-hours minutes vary with `seed`.
pub fn people(n: u32, seed: u32) -> Figures {
    let team: Vec<Contribution> = (0..n)
        .map(|i| {
            let m = (i * 37 + seed * 11) % 420;
            Contribution {
                out_of_hours_minutes: if i.is_multiple_of(4) { 0 } else { m },
                weekend_minutes: if i.is_multiple_of(5) { 30 } else { 0 },
                late_evening_minutes: if i.is_multiple_of(3) { m / 2 } else { 0 },
                notifications_held_out_of_hours: i % 7,
                self_reported_out_of_hours_minutes: if i.is_multiple_of(2) { 45 } else { 0 },
                on_call_callout_minutes: if i.is_multiple_of(6) { m } else { 0 },
                ..Contribution::default()
            }
        })
        .collect();
    Figures::of(&team).unwrap()
}

pub fn service(weeks: usize) -> UnitView {
    let first = NaiveDate::from_isoywd_opt(2026, 23, chrono::Weekday::Mon).unwrap();
    let weeks = (0..weeks)
        .map(|i| {
            let unit = match i {
                0 => Outcome::Released(hand_built_team()),
                HIDDEN_WEEK => Outcome::Suppressed {
                    reason: Reason::FewerThanK,
                },
                PROTECTED_WEEK => Outcome::Suppressed {
                    reason: Reason::ProtectsSmallGroup,
                },
                ZERO_WEEK => {
                    Outcome::Released(Figures::of(&[Contribution::default(); 12]).unwrap())
                }
                _ => Outcome::Released(people(12, i as u32)),
            };
            WeekView {
                week: (first + TimeDelta::weeks(i as i64)).iso_week(),
                unit,
                org: Outcome::Released(people(40, i as u32 + 100)),
            }
        })
        .collect::<Vec<_>>();
    UnitView {
        id: "svc-north".into(),
        name: NAME.into(),
        org_name: Some("Children's Services".into()),
        k: Threshold::new(10).unwrap(),
        weeks_accepted: 2,
        period: if weeks.len() > 26 {
            Period::Weeks52
        } else {
            Period::Weeks26
        },
        weeks,
        children: vec![
            ChildView {
                id: "team-a".into(),
                name: "Team A".into(),
                latest: Outcome::Released(hand_built_team()),
            },
            ChildView {
                id: "team c/1".into(),
                name: "Team <C> & \"Co\"".into(),
                latest: Outcome::Suppressed {
                    reason: Reason::FewerThanK,
                },
            },
            ChildView {
                id: "team-d".into(),
                name: "Team D".into(),
                latest: Outcome::Suppressed {
                    reason: Reason::ProtectsSmallGroup,
                },
            },
        ],
        enrolled: Some(crate::pages::Enrolled {
            laptops: 23,
            headcount: Some(26),
        }),
        nothing_published: None,
    }
}
