//! UK bank holidays by region, from the standing rules plus the one-off changes the UK
//! government announced. Exact against the published lists for 2018-2030 (tested); other
//! years apply today's rules and omit historical one-offs.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
    /// No built-in holidays (only `extra` days).
    None,
}

impl Region {
    pub const ALL: [Region; 4] = [
        Region::EnglandAndWales,
        Region::Scotland,
        Region::NorthernIreland,
        Region::None,
    ];

    /// The name used in config files (and by the UK government's published lists).
    pub fn name(self) -> &'static str {
        match self {
            Region::EnglandAndWales => "england-and-wales",
            Region::Scotland => "scotland",
            Region::NorthernIreland => "northern-ireland",
            Region::None => "none",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Region::ALL.into_iter().find(|r| r.name() == s).ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// The region's bank holidays in `year`, in date order.
pub fn bank_holidays(region: Region, year: i32) -> Vec<BankHoliday> {
    if region == Region::None {
        return Vec::new();
    }
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("valid fixed date");
    let easter = easter_sunday(year);
    let scotland = region == Region::Scotland;

    let mut days = Vec::new();
    // Fixed-date days move to the next free weekday when they fall on a weekend.
    let new_year: &[(NaiveDate, &str)] = if scotland {
        &[(ymd(1, 1), "New Year's Day"), (ymd(1, 2), "2nd January")]
    } else {
        &[(ymd(1, 1), "New Year's Day")]
    };
    days.extend(with_substitutes(new_year));
    if region == Region::NorthernIreland {
        days.extend(with_substitutes(&[(ymd(3, 17), "St Patrick's Day")]));
    }
    days.push(holiday(easter - TimeDelta::days(2), "Good Friday"));
    if !scotland {
        days.push(holiday(easter + TimeDelta::days(1), "Easter Monday"));
    }
    days.push(early_may(year));
    days.extend(spring(year));
    if region == Region::NorthernIreland {
        days.extend(with_substitutes(&[(
            ymd(7, 12),
            "Battle of the Boyne (Orangemen's Day)",
        )]));
    }
    days.push(if scotland {
        holiday(
            first_weekday_on_or_after(ymd(8, 1), Weekday::Mon),
            "Summer bank holiday",
        )
    } else {
        holiday(last_monday(year, 8), "Summer bank holiday")
    });
    days.extend(
        ONE_OFF_DAYS
            .iter()
            .filter(|(y, _, _, only, _)| *y == year && only.is_none_or(|r| r == region))
            .map(|&(_, m, d, _, name)| holiday(ymd(m, d), name)),
    );
    if scotland {
        days.extend(with_substitutes(&[(ymd(11, 30), "St Andrew's Day")]));
    }
    days.extend(with_substitutes(&[
        (ymd(12, 25), "Christmas Day"),
        (ymd(12, 26), "Boxing Day"),
    ]));
    days.sort_by_key(|h| h.date);
    days
}

/// Extra days announced for one year: (year, month, day, only this region, name).
const ONE_OFF_DAYS: [(i32, u32, u32, Option<Region>, &str); 3] = [
    (
        2022,
        9,
        19,
        None,
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    (
        2023,
        5,
        8,
        None,
        "Bank holiday for the coronation of King Charles III",
    ),
    (
        2026,
        6,
        15,
        Some(Region::Scotland),
        "World Cup bank holiday",
    ),
];

fn holiday(date: NaiveDate, name: &'static str) -> BankHoliday {
    BankHoliday { date, name }
}

fn early_may(year: i32) -> BankHoliday {
    match year {
        // Moved to Friday 8 May for the 75th anniversary of VE Day.
        2020 => holiday(
            NaiveDate::from_ymd_opt(2020, 5, 8).expect("date"),
            "Early May bank holiday (VE day)",
        ),
        _ => holiday(
            first_weekday_on_or_after(
                NaiveDate::from_ymd_opt(year, 5, 1).expect("date"),
                Weekday::Mon,
            ),
            "Early May bank holiday",
        ),
    }
}

fn spring(year: i32) -> Vec<BankHoliday> {
    let date = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("date");
    match year {
        // Moved to Thursday 2 June, with Friday 3 June added, for the Platinum Jubilee.
        2022 => vec![
            holiday(date(6, 2), "Spring bank holiday"),
            holiday(date(6, 3), "Platinum Jubilee bank holiday"),
        ],
        _ => vec![holiday(last_monday(year, 5), "Spring bank holiday")],
    }
}

/// Keeps weekday dates; moves weekend ones, in order, to the next weekday not already taken.
fn with_substitutes(days: &[(NaiveDate, &'static str)]) -> Vec<BankHoliday> {
    let is_weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut taken: Vec<BankHoliday> = days
        .iter()
        .filter(|(d, _)| !is_weekend(*d))
        .map(|&(date, name)| holiday(date, name))
        .collect();
    for &(date, name) in days.iter().filter(|(d, _)| is_weekend(*d)) {
        let mut sub = date;
        while is_weekend(sub) || taken.iter().any(|h| h.date == sub) {
            sub += TimeDelta::days(1);
        }
        taken.push(holiday(sub, name));
    }
    taken
}

fn first_weekday_on_or_after(date: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date + TimeDelta::days(i64::from(ahead))
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("date");
    first_weekday_on_or_after(next_month - TimeDelta::days(7), Weekday::Mon)
}

/// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus yields a valid date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_matches_known_dates() {
        for (year, month, day) in [
            (1970, 3, 29),
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2038, 4, 25),
            (2100, 3, 28),
        ] {
            assert_eq!(
                easter_sunday(year),
                NaiveDate::from_ymd_opt(year, month, day).unwrap()
            );
        }
    }

    #[test]
    fn no_holiday_falls_on_a_weekend_and_none_repeats() {
        for region in [
            Region::EnglandAndWales,
            Region::Scotland,
            Region::NorthernIreland,
        ] {
            for year in 1970..=2100 {
                let days = bank_holidays(region, year);
                for pair in days.windows(2) {
                    assert!(pair[0].date < pair[1].date, "{region} {year}: {pair:?}");
                }
                for h in &days {
                    assert!(
                        !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun),
                        "{region} {h:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn region_names_round_trip() {
        for region in Region::ALL {
            assert_eq!(region.name().parse::<Region>(), Ok(region));
        }
        assert!("wales".parse::<Region>().is_err());
    }
}
