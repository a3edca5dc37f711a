//! The built-in bank holidays against the UK government's published lists (transcribed in
//! tests/fixtures/uk_bank_holidays.tsv, with sources; 2029-2030 derived there independently).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use clockoff::config::from_text;
use clockoff::core::holidays::{Region, bank_holidays};
use clockoff::core::schedule::State;

fn published() -> BTreeMap<(String, i32), Vec<NaiveDate>> {
    let mut by_region_year: BTreeMap<(String, i32), Vec<NaiveDate>> = BTreeMap::new();
    for line in include_str!("../fixtures/uk_bank_holidays.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (region, date) = (fields.next().unwrap(), fields.next().unwrap());
        let date: NaiveDate = date.parse().unwrap();
        by_region_year
            .entry((region.to_string(), chrono::Datelike::year(&date)))
            .or_default()
            .push(date);
    }
    by_region_year
}

#[test]
fn every_region_and_year_2018_to_2030_matches_the_published_list() {
    let published = published();
    let mut checked = 0;
    for region in [
        Region::EnglandAndWales,
        Region::Scotland,
        Region::NorthernIreland,
    ] {
        for year in 2018..=2030 {
            let expected = &published[&(region.name().to_string(), year)];
            let ours: Vec<NaiveDate> = bank_holidays(region, year).iter().map(|h| h.date).collect();
            assert_eq!(&ours, expected, "{region} {year}");
            checked += ours.len();
        }
    }
    assert_eq!(checked, 361, "every published day was compared");
}

#[test]
fn the_one_off_days_are_there() {
    let scotland = from_text(
        "t.toml",
        "timezone = \"Europe/London\"\n[holidays]\nregion = \"scotland\"\n",
    )
    .unwrap()
    .schedule();
    let ni = from_text(
        "t.toml",
        "timezone = \"Europe/London\"\n[holidays]\nregion = \"northern-ireland\"\n",
    )
    .unwrap()
    .schedule();
    let date = |s: &str| s.parse::<NaiveDate>().unwrap();
    for day in [
        "2020-05-08",
        "2022-06-02",
        "2022-06-03",
        "2022-09-19",
        "2023-05-08",
        "2026-06-15",
    ] {
        assert!(scotland.is_holiday(date(day)), "scotland {day}");
    }
    for day in ["2020-05-04", "2022-05-30"] {
        assert!(
            !ni.is_holiday(date(day)),
            "{day}: that year's holiday moved away from it"
        );
    }
    assert!(
        !ni.is_holiday(date("2026-06-15")),
        "the World Cup holiday is Scotland's alone"
    );
    let noon = |d: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("{d}T12:00:00+01:00"))
            .unwrap()
            .to_utc()
    };
    assert_eq!(scotland.state(noon("2026-06-15")), State::Holiday);
}
