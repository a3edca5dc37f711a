//! RRULE (RFC 5545 3.3.10): the parts rotas, leave and closures are written with. FREQ
//! DAILY, WEEKLY, MONTHLY or YEARLY; INTERVAL, COUNT, UNTIL, WKST; BYDAY (with an ordinal
//! in a month or year), BYMONTHDAY and BYMONTH. Other parts are refused by name rather than
//! misread. Occurrences are local dates on which the first occurrence's wall time repeats,
//! so a Friday 17:00 rota stays at 17:00 across a DST change.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// UNTIL as written: a date, or a date-time (UTC with `Z`, else local).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    Date(NaiveDate),
    Utc(chrono::NaiveDateTime),
    Local(chrono::NaiveDateTime),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Until>,
    week_start: Weekday,
    /// (ordinal, weekday): 0 for every such weekday in the period.
    by_day: Vec<(i32, Weekday)>,
    by_month_day: Vec<i32>,
    by_month: Vec<u32>,
}

impl Rule {
    pub fn parse(text: &str) -> Result<Rule, String> {
        let mut freq = None;
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            week_start: Weekday::Mon,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
        };
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("RRULE part \"{part}\" has no \"=\""))?;
            match name.to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match value.to_ascii_uppercase().as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        other => {
                            return Err(format!(
                                "RRULE FREQ={other} is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)"
                            ));
                        }
                    });
                }
                "INTERVAL" => rule.interval = number_in(name, value, &[1..=1000])?.unsigned_abs(),
                "COUNT" => {
                    rule.count = Some(number_in(name, value, &[1..=i32::MAX])?.unsigned_abs())
                }
                "UNTIL" => rule.until = Some(parse_until(value)?),
                "WKST" => {
                    rule.week_start = weekday(value)
                        .ok_or_else(|| format!("RRULE WKST={value}: not a weekday"))?
                }
                "BYDAY" => {
                    for item in value.split(',') {
                        rule.by_day.push(by_day(item)?);
                    }
                }
                "BYMONTHDAY" => {
                    for item in value.split(',') {
                        rule.by_month_day
                            .push(number_in(name, item, &[-31..=-1, 1..=31])?);
                    }
                }
                "BYMONTH" => {
                    for item in value.split(',') {
                        rule.by_month
                            .push(number_in(name, item, &[1..=12])?.unsigned_abs());
                    }
                }
                other @ ("BYSETPOS" | "BYWEEKNO" | "BYYEARDAY" | "BYHOUR" | "BYMINUTE"
                | "BYSECOND") => {
                    return Err(format!("RRULE {other} is not supported"));
                }
                other => return Err(format!("RRULE has an unknown part \"{other}\"")),
            }
        }
        rule.freq = freq.ok_or("RRULE has no FREQ")?;
        // A list that repeats itself would multiply the work of every period.
        rule.by_month_day.sort_unstable();
        rule.by_month_day.dedup();
        rule.by_month.sort_unstable();
        rule.by_month.dedup();
        rule.by_day
            .sort_unstable_by_key(|(n, d)| (*n, d.num_days_from_monday()));
        rule.by_day.dedup();
        if rule.count.is_some() && rule.until.is_some() {
            return Err("RRULE has both COUNT and UNTIL".into());
        }
        if rule.freq != Freq::Monthly
            && rule.freq != Freq::Yearly
            && rule.by_day.iter().any(|(n, _)| *n != 0)
        {
            return Err("RRULE BYDAY with a number is only for MONTHLY or YEARLY".into());
        }
        Ok(rule)
    }

    /// The dates this rule gives from `start` (the first occurrence, always included, as RFC
    /// 5545 counts it) that fall in `from..=last`, in order, until COUNT runs out. UNTIL is
    /// left to the caller, who knows the zone it is read in. Each period looked at spends one
    /// of `budget`; `None` when it runs out, so an endless daily rule from 1970 costs a known
    /// amount whatever calls it.
    pub fn dates(
        &self,
        start: NaiveDate,
        from: NaiveDate,
        last: NaiveDate,
        budget: &mut u64,
    ) -> Option<Vec<NaiveDate>> {
        let mut out = Vec::new();
        if (from..=last).contains(&start) {
            out.push(start);
        }
        let mut remaining = self.count.map(|c| c - 1);
        let mut period = 0u32;
        while remaining != Some(0) && start <= last {
            *budget = budget.checked_sub(1)?;
            let Some(candidates) = self.period(start, period) else {
                break;
            };
            period += 1;
            let next_start = self.period_start(start, period);
            for date in candidates.into_iter().filter(|d| *d > start) {
                if date > last || remaining == Some(0) {
                    return Some(out);
                }
                if date >= from {
                    out.push(date);
                }
                remaining = remaining.map(|r| r - 1);
            }
            if next_start.is_none_or(|p| p > last) {
                break;
            }
        }
        Some(out)
    }

    /// The first day of period `n` after the one holding `start`, if in chrono's range.
    fn period_start(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let steps = n.checked_mul(self.interval)?;
        match self.freq {
            Freq::Daily => start.checked_add_days(Days::new(steps.into())),
            Freq::Weekly => {
                let back = (7 + start.weekday().num_days_from_monday()
                    - self.week_start.num_days_from_monday())
                    % 7;
                start
                    .checked_sub_days(Days::new(back.into()))?
                    .checked_add_days(Days::new(u64::from(steps) * 7))
            }
            Freq::Monthly => start.with_day(1)?.checked_add_months(Months::new(steps)),
            Freq::Yearly => start
                .with_day(1)?
                .with_month(1)?
                .checked_add_months(Months::new(steps.checked_mul(12)?)),
        }
    }

    /// The sorted candidate dates of period `n`, or `None` past chrono's range.
    fn period(&self, start: NaiveDate, n: u32) -> Option<Vec<NaiveDate>> {
        let first = self.period_start(start, n)?;
        let mut dates = match self.freq {
            Freq::Daily => vec![first],
            Freq::Weekly => {
                let days: Vec<Weekday> = if self.by_day.is_empty() {
                    vec![start.weekday()]
                } else {
                    self.by_day.iter().map(|(_, d)| *d).collect()
                };
                (0..7)
                    .filter_map(|i| first.checked_add_days(Days::new(i)))
                    .filter(|d| days.contains(&d.weekday()))
                    .collect()
            }
            Freq::Monthly => self.in_month(first, start),
            Freq::Yearly => {
                if self.by_month.is_empty()
                    && !self.by_day.is_empty()
                    && self.by_month_day.is_empty()
                {
                    self.weekdays_in(first, year_days(first))
                } else {
                    // Days of the month with no month named are in every month (RFC 5545's
                    // table of BYxxx expansions); with neither, the start's month.
                    let months: Vec<u32> =
                        match (self.by_month.is_empty(), self.by_month_day.is_empty()) {
                            (false, _) => self.by_month.clone(),
                            (true, false) => (1..=12).collect(),
                            (true, true) => vec![start.month()],
                        };
                    months
                        .iter()
                        .filter_map(|m| first.with_month(*m))
                        .flat_map(|month| self.in_month(month, start))
                        .collect()
                }
            }
        };
        dates.retain(|d| self.by_month.is_empty() || self.by_month.contains(&d.month()));
        if self.freq == Freq::Daily {
            dates.retain(|d| {
                (self.by_day.is_empty() || self.by_day.iter().any(|(_, w)| *w == d.weekday()))
                    && (self.by_month_day.is_empty()
                        || self
                            .by_month_day
                            .iter()
                            .any(|m| month_day(*d, *m) == Some(*d)))
            });
        } else if self.freq == Freq::Weekly && !self.by_month_day.is_empty() {
            dates.retain(|d| {
                self.by_month_day
                    .iter()
                    .any(|m| month_day(*d, *m) == Some(*d))
            });
        }
        dates.sort_unstable();
        dates.dedup();
        Some(dates)
    }

    /// The dates in the month starting `first` that BYMONTHDAY and BYDAY pick (both, when
    /// both are given), or the start's day of the month.
    fn in_month(&self, first: NaiveDate, start: NaiveDate) -> Vec<NaiveDate> {
        let by_month_day: Vec<NaiveDate> = self
            .by_month_day
            .iter()
            .filter_map(|m| month_day(first, *m))
            .collect();
        match (self.by_month_day.is_empty(), self.by_day.is_empty()) {
            (true, true) => first.with_day(start.day()).into_iter().collect(),
            (false, true) => by_month_day,
            (true, false) => self.weekdays_in(first, month_days(first)),
            (false, false) => self
                .weekdays_in(first, month_days(first))
                .into_iter()
                .filter(|d| by_month_day.contains(d))
                .collect(),
        }
    }

    /// BYDAY's days among the `len` days from `first`: every such weekday, or the nth
    /// (from the end when negative).
    fn weekdays_in(&self, first: NaiveDate, len: u32) -> Vec<NaiveDate> {
        let days: Vec<NaiveDate> = (0..len)
            .filter_map(|i| first.checked_add_days(Days::new(i.into())))
            .collect();
        let mut out = Vec::new();
        for (ordinal, weekday) in &self.by_day {
            let matching: Vec<NaiveDate> = days
                .iter()
                .copied()
                .filter(|d| d.weekday() == *weekday)
                .collect();
            match *ordinal {
                0 => out.extend(matching),
                n if n > 0 => out.extend(matching.get(n as usize - 1)),
                n => out.extend(
                    matching
                        .len()
                        .checked_sub(n.unsigned_abs() as usize)
                        .map(|i| matching[i]),
                ),
            }
        }
        out
    }
}

/// A BYDAY item: `FR`, `2MO`, `-1SU`.
fn by_day(item: &str) -> Result<(i32, Weekday), String> {
    let bad = || format!("RRULE BYDAY={item}: not a weekday");
    let (ordinal, day) = item
        .split_at_checked(item.len().saturating_sub(2))
        .ok_or_else(bad)?;
    let day = weekday(day).ok_or_else(bad)?;
    let ordinal = match ordinal {
        "" => 0,
        o => match o.trim_start_matches('+').parse::<i32>() {
            Ok(n @ (-53..=-1 | 1..=53)) => n,
            _ => {
                return Err(format!(
                    "RRULE BYDAY={item}: the number must be 1 to 53 or -53 to -1"
                ));
            }
        },
    };
    Ok((ordinal, day))
}

/// A number in one of `ranges`, or why not.
fn number_in(
    name: &str,
    item: &str,
    ranges: &[std::ops::RangeInclusive<i32>],
) -> Result<i32, String> {
    let expected = ranges
        .iter()
        .map(|r| format!("{} to {}", r.start(), r.end()))
        .collect::<Vec<_>>()
        .join(" or ");
    item.parse::<i32>()
        .ok()
        .filter(|n| ranges.iter().any(|r| r.contains(n)))
        .ok_or_else(|| format!("RRULE {name}={item}: expected {expected}"))
}

fn month_days(first: NaiveDate) -> u32 {
    first
        .checked_add_months(Months::new(1))
        .map_or(31, |next| (next - first).num_days() as u32)
}

fn year_days(first: NaiveDate) -> u32 {
    if first.leap_year() { 366 } else { 365 }
}

/// Day `n` of `date`'s month (negative from its end), if the month has it.
fn month_day(date: NaiveDate, n: i32) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    let len = month_days(first) as i32;
    let day = if n > 0 { n } else { len + n + 1 };
    (1..=len)
        .contains(&day)
        .then(|| first.with_day(day as u32))
        .flatten()
}

fn weekday(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn parse_until(value: &str) -> Result<Until, String> {
    let bad = || format!("RRULE UNTIL={value}: expected a date or date-time");
    if let Some(utc) = value.strip_suffix('Z') {
        return super::ics::date_time(utc).map(Until::Utc).ok_or_else(bad);
    }
    if value.len() == 8 {
        return super::ics::date(value).map(Until::Date).ok_or_else(bad);
    }
    super::ics::date_time(value)
        .map(Until::Local)
        .ok_or_else(bad)
}

impl Until {
    /// The last local date an occurrence could fall on (a day's margin for a UTC UNTIL read in
    /// any zone): no date after it need be worked out.
    pub fn last_date(self) -> NaiveDate {
        match self {
            Until::Date(d) => d,
            Until::Utc(t) | Until::Local(t) => t.date().succ_opt().unwrap_or(t.date()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn dates(rule: &str, start: &str, last: &str) -> Vec<String> {
        let mut budget = u64::MAX;
        let dates = Rule::parse(rule)
            .unwrap()
            .dates(d(start), d(start), d(last), &mut budget);
        dates.unwrap().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn weekly_on_fridays_until_the_window_ends() {
        assert_eq!(
            dates("FREQ=WEEKLY;BYDAY=FR", "2027-01-08", "2027-02-01"),
            ["2027-01-08", "2027-01-15", "2027-01-22", "2027-01-29"]
        );
    }

    #[test]
    fn every_other_week_on_two_days_counted_from_the_start() {
        assert_eq!(
            dates(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5",
                "2026-12-03",
                "2030-01-01"
            ),
            [
                "2026-12-03",
                "2026-12-14",
                "2026-12-17",
                "2026-12-28",
                "2026-12-31"
            ]
        );
    }

    #[test]
    fn monthly_by_ordinal_weekday_and_by_day_of_month_from_the_end() {
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
                "2027-01-29",
                "2030-01-01"
            ),
            ["2027-01-29", "2027-02-26", "2027-03-26"]
        );
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",
                "2027-01-31",
                "2030-01-01"
            ),
            ["2027-01-31", "2027-02-28", "2027-03-31"]
        );
        // The 31st is skipped in months without one, as RFC 5545 says.
        assert_eq!(
            dates("FREQ=MONTHLY;COUNT=3", "2027-01-31", "2030-01-01"),
            ["2027-01-31", "2027-03-31", "2027-05-31"]
        );
    }

    #[test]
    fn yearly_the_last_sunday_of_march_and_october() {
        assert_eq!(
            dates(
                "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
                "2027-03-28",
                "2028-12-31"
            ),
            ["2027-03-28", "2027-10-31", "2028-03-26", "2028-10-29"]
        );
        assert_eq!(
            dates("FREQ=YEARLY", "2024-02-29", "2029-01-01"),
            ["2024-02-29", "2028-02-29"]
        );
    }

    #[test]
    fn yearly_days_of_the_month_with_no_month_are_in_every_month() {
        assert_eq!(
            dates(
                "FREQ=YEARLY;BYMONTHDAY=1;COUNT=3",
                "2027-01-01",
                "2030-01-01"
            ),
            ["2027-01-01", "2027-02-01", "2027-03-01"]
        );
        assert_eq!(
            dates(
                "FREQ=WEEKLY;BYDAY=FR,FR,MO,FR;COUNT=3",
                "2027-01-04",
                "2030-01-01"
            ),
            ["2027-01-04", "2027-01-08", "2027-01-11"],
            "a repeated day counts once"
        );
    }

    #[test]
    fn daily_filtered_by_weekday_and_a_week_starting_sunday() {
        assert_eq!(
            dates("FREQ=DAILY;BYDAY=SA,SU", "2027-01-01", "2027-01-10"),
            [
                "2027-01-01",
                "2027-01-02",
                "2027-01-03",
                "2027-01-09",
                "2027-01-10"
            ]
        );
        assert_eq!(
            dates(
                "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU,SU;COUNT=4",
                "1997-08-05",
                "1998-01-01"
            ),
            ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"],
            "RFC 5545's own WKST example"
        );
    }

    #[test]
    fn parts_that_are_not_supported_are_refused_by_name() {
        for (rule, expected) in [
            ("FREQ=HOURLY", "FREQ=HOURLY is not supported"),
            (
                "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU",
                "BYSETPOS is not supported",
            ),
            ("BYDAY=FR", "no FREQ"),
            ("FREQ=WEEKLY;BYDAY=2FR", "only for MONTHLY or YEARLY"),
            ("FREQ=WEEKLY;COUNT=0", "COUNT=0: expected 1 to"),
            ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "both COUNT and UNTIL"),
            ("FREQ=WEEKLY;BYDAY=XX", "not a weekday"),
            ("FREQ=WEEKLY;FOO=1", "unknown part"),
        ] {
            let error = Rule::parse(rule).unwrap_err();
            assert!(error.contains(expected), "{rule}: {error}");
        }
    }

    #[test]
    fn an_endless_rule_stops_at_the_last_date_and_costs_at_most_its_budget() {
        let rule = Rule::parse("FREQ=DAILY").unwrap();
        let mut budget = 100_000;
        let dates = rule.dates(
            d("1970-01-01"),
            d("2027-01-01"),
            d("2027-01-31"),
            &mut budget,
        );
        assert_eq!(
            dates.unwrap().len(),
            31,
            "only the dates from `from` on are kept"
        );
        assert_eq!(
            budget,
            100_000 - 20_850,
            "one per day looked at, 1970-01-01 to 2027-01-31"
        );
        let mut small = 1_000;
        assert_eq!(
            rule.dates(
                d("1970-01-01"),
                d("2027-01-01"),
                d("2027-01-31"),
                &mut small
            ),
            None
        );
        let impossible = Rule::parse("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").unwrap();
        let mut budget = 1_000;
        let dates = impossible.dates(
            d("2027-01-01"),
            d("2027-01-01"),
            d("2100-12-31"),
            &mut budget,
        );
        assert_eq!(
            dates.unwrap(),
            [d("2027-01-01")],
            "an impossible rule ends at the last date"
        );
    }
}
