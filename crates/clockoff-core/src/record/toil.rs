//! Time off in lieu (TOIL): what the worker has earned back by working beyond their hours,
//! what they have taken, and the balance. Pure: weekly figures and the taken entries come in,
//! the balance goes out. Accrual is per ISO week (overtime is a weekly figure), rounded to
//! whole minutes once per week so many small weeks never drift by rounding.

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Work;
use super::day::{Minutes, days};
use super::week::{monday, name};
use crate::duration::minutes_text;

/// What earns TOIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rule {
    /// Each week's time worked beyond `contracted` (nothing without a contract).
    #[default]
    Overtime,
    /// Every minute worked out of hours: measured out of hours (overrides included), on call,
    /// and time the worker logged themselves.
    OutOfHours,
    /// No TOIL is kept.
    Off,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Overtime => "overtime",
            Rule::OutOfHours => "out_of_hours",
            Rule::Off => "off",
        }
    }
}

impl std::str::FromStr for Rule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "overtime" => Ok(Rule::Overtime),
            "out_of_hours" => Ok(Rule::OutOfHours),
            "off" => Ok(Rule::Off),
            _ => Err(format!(
                "unknown rule \"{s}\": expected \"overtime\", \"out_of_hours\" or \"off\""
            )),
        }
    }
}

/// The rule with its numbers, as the config gives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub rule: Rule,
    /// Each qualifying minute earns this many minutes (0.5 to 3.0).
    pub rate: f64,
    /// Contracted minutes a week; 0 when the config sets none.
    pub contracted_minutes: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            rule: Rule::Overtime,
            rate: 1.0,
            contracted_minutes: 0,
        }
    }
}

impl Policy {
    /// The TOIL a week's figures earn, rounded to the nearest minute (halves away from zero).
    pub fn accrual(&self, week: &Minutes) -> i64 {
        let qualifying = match self.rule {
            Rule::Overtime if self.contracted_minutes > 0 => {
                (week.total() - self.contracted_minutes).max(0)
            }
            Rule::Overtime | Rule::Off => 0,
            Rule::OutOfHours => week.out_of_hours + week.on_call + week.manual,
        };
        (qualifying as f64 * self.rate).round() as i64
    }

    /// The rule in words, for the worker and whoever they show it to.
    pub fn words(&self) -> String {
        let rate = if (self.rate - 1.0).abs() < f64::EPSILON {
            String::new()
        } else {
            format!(" at {} times", trim_rate(self.rate))
        };
        match self.rule {
            Rule::Overtime if self.contracted_minutes > 0 => format!(
                "each week's time beyond your {} contract{rate}",
                minutes_text(self.contracted_minutes)
            ),
            Rule::Overtime => {
                "overtime, but no contract is set (`contracted` in your config), so nothing accrues"
                    .into()
            }
            Rule::OutOfHours => {
                format!("every minute worked out of hours, on call or logged by you{rate}")
            }
            Rule::Off => "not kept (`toil = \"off\"` in your config)".into(),
        }
    }
}

fn trim_rate(rate: f64) -> String {
    let text = format!("{rate:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// TOIL the worker took, as the ledger has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taken {
    pub date: NaiveDate,
    pub minutes: i64,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
}

/// One week's figures, named "2026-W48".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekMinutes {
    pub week: String,
    pub minutes: Minutes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekAccrual {
    pub week: String,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub rule: &'static str,
    /// The rule in words.
    pub rule_text: String,
    /// Weeks that earned something, earliest first.
    pub weeks: Vec<WeekAccrual>,
    pub accrued_minutes: i64,
    pub taken: Vec<Taken>,
    pub taken_minutes: i64,
    /// The balance left by records since forgotten (retention), carried forward.
    pub carried_minutes: i64,
    /// Carried plus accrued less taken: negative when more was taken than earned.
    pub balance_minutes: i64,
}

impl Balance {
    /// The same balance with `minutes` carried from forgotten records added to it.
    pub fn carrying(self, minutes: i64) -> Balance {
        Balance {
            carried_minutes: self.carried_minutes + minutes,
            balance_minutes: self.balance_minutes + minutes,
            ..self
        }
    }
}

/// The balance over `weeks` with `taken` spent from it (the caller chooses both ranges).
pub fn balance(policy: &Policy, weeks: &[WeekMinutes], mut taken: Vec<Taken>) -> Balance {
    let weeks: Vec<WeekAccrual> = weeks
        .iter()
        .map(|w| WeekAccrual {
            week: w.week.clone(),
            minutes: policy.accrual(&w.minutes),
        })
        .filter(|w| w.minutes > 0)
        .collect();
    taken.sort_by_key(|t| (t.date, t.recorded_at));
    let accrued_minutes = weeks.iter().map(|w| w.minutes).sum();
    let taken_minutes = taken.iter().map(|t| t.minutes).sum();
    Balance {
        rule: policy.rule.name(),
        rule_text: policy.words(),
        weeks,
        accrued_minutes,
        taken,
        taken_minutes,
        carried_minutes: 0,
        balance_minutes: accrued_minutes - taken_minutes,
    }
}

/// Each ISO week's figures from `first` to `last` inclusive (none when `last` is earlier).
pub fn weeks(tz: Tz, first: IsoWeek, last: IsoWeek, work: &[Work]) -> Vec<WeekMinutes> {
    let (from, to) = (monday(first), monday(last) + TimeDelta::days(6));
    if to < from {
        return Vec::new();
    }
    days(tz, from, to, work)
        .chunks(7)
        .map(|chunk| {
            let mut minutes = Minutes::default();
            for d in chunk {
                minutes.add(&d.minutes);
            }
            WeekMinutes {
                week: name(chunk[0].date.iso_week()),
                minutes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(
        name: &str,
        in_hours: i64,
        out_of_hours: i64,
        on_call: i64,
        manual: i64,
    ) -> WeekMinutes {
        WeekMinutes {
            week: name.into(),
            minutes: Minutes {
                in_hours,
                out_of_hours,
                on_call,
                manual,
                ..Minutes::default()
            },
        }
    }

    fn taken(date: &str, minutes: i64) -> Taken {
        Taken {
            date: date.parse().unwrap(),
            minutes,
            note: String::new(),
            recorded_at: DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    const H37: i64 = 37 * 60;

    fn policy(rule: Rule, rate: f64, contracted_minutes: i64) -> Policy {
        Policy {
            rule,
            rate,
            contracted_minutes,
        }
    }

    #[test]
    fn overtime_accrues_the_minutes_beyond_the_contract_each_week() {
        // W47: 36h in hours + 30m logged = 36h30m, under 37h: nothing (not negative).
        // W48: 37h30m in hours + 2h15m out of hours + 1h30m logged = 41h15m: 4h15m over.
        let weeks = [
            week("2026-W47", 36 * 60, 0, 0, 30),
            week("2026-W48", H37 + 30, 135, 0, 90),
        ];
        let b = balance(&policy(Rule::Overtime, 1.0, H37), &weeks, vec![]);
        assert_eq!(b.accrued_minutes, 255);
        assert_eq!(
            b.weeks,
            [WeekAccrual {
                week: "2026-W48".into(),
                minutes: 255
            }]
        );
        assert_eq!((b.taken_minutes, b.balance_minutes), (0, 255));
    }

    #[test]
    fn out_of_hours_accrues_every_out_of_hours_on_call_and_logged_minute() {
        // 20m + 40m + 45m = 105m; the 40h in hours earn nothing under this rule.
        let weeks = [week("2026-W48", 40 * 60, 20, 40, 45)];
        let b = balance(&policy(Rule::OutOfHours, 1.0, H37), &weeks, vec![]);
        assert_eq!(b.accrued_minutes, 105);
        // It needs no contract.
        let b = balance(&policy(Rule::OutOfHours, 1.0, 0), &weeks, vec![]);
        assert_eq!(b.accrued_minutes, 105);
    }

    #[test]
    fn a_rate_of_one_and_a_half_rounds_each_week_to_the_minute() {
        // Overtime 45m x 1.5 = 67.5 -> 68; 11m x 1.5 = 16.5 -> 17: 85, not round(84.0 + ...).
        let weeks = [
            week("2026-W47", H37 + 45, 0, 0, 0),
            week("2026-W48", H37 + 11, 0, 0, 0),
        ];
        let b = balance(&policy(Rule::Overtime, 1.5, H37), &weeks, vec![]);
        assert_eq!(
            b.weeks.iter().map(|w| w.minutes).collect::<Vec<_>>(),
            [68, 17]
        );
        assert_eq!(b.accrued_minutes, 85);
        assert!(b.rule_text.contains("at 1.5 times"), "{}", b.rule_text);
        // Out of hours at 1.5: 105m -> 157.5 -> 158.
        let ooh = [week("2026-W48", 0, 20, 40, 45)];
        let b = balance(&policy(Rule::OutOfHours, 1.5, 0), &ooh, vec![]);
        assert_eq!(b.accrued_minutes, 158);
    }

    #[test]
    fn with_no_contract_overtime_accrues_nothing_and_says_why() {
        let weeks = [week("2026-W48", 60 * 60, 300, 0, 0)];
        let b = balance(&policy(Rule::Overtime, 1.0, 0), &weeks, vec![]);
        assert_eq!((b.accrued_minutes, b.weeks.len()), (0, 0));
        assert!(
            b.rule_text.contains("no contract is set"),
            "{}",
            b.rule_text
        );
    }

    #[test]
    fn off_accrues_nothing_but_still_counts_what_was_taken() {
        let weeks = [week("2026-W48", H37 + 600, 600, 0, 0)];
        let b = balance(
            &policy(Rule::Off, 1.0, H37),
            &weeks,
            vec![taken("2026-11-27", 60)],
        );
        assert_eq!((b.accrued_minutes, b.balance_minutes), (0, -60));
    }

    #[test]
    fn taking_more_than_the_balance_goes_negative() {
        // 4h15m earned; 2h then 3h taken = 5h: -45m.
        let weeks = [week("2026-W48", H37 + 255, 0, 0, 0)];
        let b = balance(
            &policy(Rule::Overtime, 1.0, H37),
            &weeks,
            vec![taken("2026-12-04", 180), taken("2026-11-27", 120)],
        );
        assert_eq!((b.accrued_minutes, b.taken_minutes), (255, 300));
        assert_eq!(b.balance_minutes, -45);
        assert_eq!(minutes_text(b.balance_minutes), "-45m");
        assert_eq!(b.taken[0].date.to_string(), "2026-11-27", "earliest first");
    }

    #[test]
    fn weeks_are_cut_by_iso_week() {
        use crate::activity::Class;
        use crate::record::Source;
        use crate::spans::Span;
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // Sunday 29 Nov 23:00 to Monday 30 Nov 01:00 (London = UTC): an hour in each week.
        let work = [Work {
            span: Span::new(utc("2026-11-29T23:00:00Z"), utc("2026-11-30T01:00:00Z")),
            source: Source::Measured(Class::OutOfHours),
        }];
        let tz = chrono_tz::Europe::London;
        let w48 = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().iso_week();
        let w49 = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().iso_week();
        let got = weeks(tz, w48, w49, &work);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].week.as_str(), got[0].minutes.out_of_hours),
            ("2026-W48", 60)
        );
        assert_eq!(
            (got[1].week.as_str(), got[1].minutes.out_of_hours),
            ("2026-W49", 60)
        );
        assert!(weeks(tz, w49, w48, &work).is_empty());
    }
}
