//! How long the record is kept (`[record] keep`), and where a forgetting cuts. Pure: the
//! agent and `clockoff forget` turn a cut-off date into an instant with the worker's zone.
//!
//! Cut-offs fall on a Monday, the start of an ISO week: overtime, TOIL and the weekly rest
//! check are weekly figures, and a week half forgotten would show a figure nobody recorded.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};

/// The default: the two years employers keep Working Time Regulations records for.
pub const DEFAULT: Keep = Keep::Months(24);

/// The shortest period the config accepts: the 17 weeks the average weekly hours check
/// needs, and the week in progress. `clockoff forget` may go further, on purpose.
const SHORTEST_WEEKS: u32 = 18;

/// How long records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Forever,
    Weeks(u32),
    Months(u32),
}

impl Keep {
    /// The worker's record: "2 years", "18 months", "26 weeks" or "forever", at least 18
    /// weeks.
    pub fn parse(text: &str) -> Result<Keep, String> {
        let keep = Keep::parse_period(text)?;
        if keep.at_least_days() < SHORTEST_WEEKS * 7 {
            return Err(format!(
                "\"{}\" is too short: keep at least {SHORTEST_WEEKS} weeks, so the 17-week \
                 average can be checked (`clockoff forget` can remove more on purpose)",
                text.trim()
            ));
        }
        Ok(keep)
    }

    /// Any period: "2 years", "18 months", "26 weeks" or "forever". Each user of it sets its
    /// own shortest.
    pub fn parse_period(text: &str) -> Result<Keep, String> {
        let example = "e.g. \"2 years\", \"18 months\", \"26 weeks\" or \"forever\"";
        let text = text.trim().to_ascii_lowercase();
        let text = text.as_str();
        if text == "forever" {
            return Ok(Keep::Forever);
        }
        let (number, unit) = text
            .split_once(' ')
            .ok_or_else(|| format!("\"{text}\" is not a period: {example}"))?;
        let n: u32 = number
            .trim()
            .parse()
            .map_err(|_| format!("\"{text}\" does not start with a whole number: {example}"))?;
        let keep = match unit.trim() {
            "year" | "years" => Keep::Months(n.saturating_mul(12)),
            "month" | "months" => Keep::Months(n),
            "week" | "weeks" => Keep::Weeks(n),
            other => return Err(format!("unknown unit \"{other}\": {example}")),
        };
        Ok(keep)
    }

    /// A lower bound in days: a year is at least 365, a month at least 28.
    pub fn at_least_days(self) -> u32 {
        match self {
            Keep::Forever => u32::MAX,
            Keep::Weeks(n) => n.saturating_mul(7),
            Keep::Months(n) => (n / 12).saturating_mul(365) + (n % 12) * 28,
        }
    }

    /// The first day kept on `today`: the Monday starting the week `today` less the period
    /// falls in. `None` keeps everything.
    pub fn cutoff(self, today: NaiveDate) -> Option<NaiveDate> {
        let day = match self {
            Keep::Forever => return None,
            Keep::Weeks(n) => today.checked_sub_signed(TimeDelta::weeks(i64::from(n)))?,
            Keep::Months(n) => today.checked_sub_months(Months::new(n))?,
        };
        Some(week_start(day))
    }
}

/// The Monday starting `date`'s ISO week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_read_as_written() {
        assert_eq!(Keep::parse("2 years"), Ok(Keep::Months(24)));
        assert_eq!(Keep::parse("1 year"), Ok(Keep::Months(12)));
        assert_eq!(Keep::parse("18 months"), Ok(Keep::Months(18)));
        assert_eq!(Keep::parse(" 26 weeks "), Ok(Keep::Weeks(26)));
        assert_eq!(Keep::parse("forever"), Ok(Keep::Forever));
        assert_eq!(Keep::parse("18 weeks"), Ok(Keep::Weeks(18)));
        for bad in [
            "2y",
            "two years",
            "2 fortnights",
            "",
            "17 weeks",
            "4 months",
            "-1 years",
        ] {
            assert!(Keep::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(
            Keep::parse("17 weeks")
                .unwrap_err()
                .contains("at least 18 weeks")
        );
    }

    #[test]
    fn the_cutoff_is_the_monday_of_the_week_the_period_reaches() {
        // Tue 24 Nov 2026 less two years is Sun 24 Nov 2024: its week began Mon 18 Nov.
        assert_eq!(DEFAULT.cutoff(date(2026, 11, 24)), Some(date(2024, 11, 18)));
        // A Monday less 26 weeks is a Monday, kept whole.
        assert_eq!(
            Keep::Weeks(26).cutoff(date(2026, 11, 23)),
            Some(date(2026, 5, 25))
        );
        // 29 Feb less a year is 28 Feb (chrono clamps to the month's end).
        assert_eq!(
            Keep::Months(12).cutoff(date(2028, 2, 29)),
            Some(date(2027, 2, 22))
        );
        assert_eq!(Keep::Forever.cutoff(date(2026, 11, 24)), None);
    }
}
