//! Every unit's outcome, week by week, over a range: the one code path from stored reports to
//! released figures, shared by the read API ([`super::api::read`]) and the pages
//! ([`super::web`]), so both show exactly what the release rule allows.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, IsoWeek, TimeDelta, Utc};

use super::release::Threshold;
use super::store::StoredContribution;
use super::units::UnitTree;
use super::week::{Outcome, Week};
use crate::core::record::week;

/// One week's outcomes, in [`super::UnitIndex`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekOutcomes {
    pub week: IsoWeek,
    pub outcomes: Vec<Outcome>,
}

/// The last ISO week that has ended in UTC at `now` (the newest a page or the API shows).
pub fn latest_complete_week(now: DateTime<Utc>) -> Option<IsoWeek> {
    Some(
        now.date_naive()
            .checked_sub_signed(TimeDelta::days(7))?
            .iso_week(),
    )
}

/// The release of every week from `from` to `to` (inclusive, oldest first), each over all of
/// that week's stored reports; a week with none is all "fewer than k".
pub fn weekly(
    tree: &UnitTree,
    k: Threshold,
    from: IsoWeek,
    to: IsoWeek,
    stored: Vec<StoredContribution>,
) -> Vec<WeekOutcomes> {
    let mut by_week: BTreeMap<(i32, u32), Week> = BTreeMap::new();
    for s in stored {
        let w = by_week
            .entry((s.week.year(), s.week.week()))
            .or_insert_with(|| Week::new(tree));
        // A report filed under a unit since removed from the configuration is left out.
        let _ = w.add(&s.unit, s.contribution);
    }
    let empty = Week::new(tree);
    let mut weeks = Vec::new();
    let mut monday = week::monday(from);
    while monday <= week::monday(to) {
        let w = monday.iso_week();
        let release = by_week
            .get(&(w.year(), w.week()))
            .unwrap_or(&empty)
            .release(k);
        weeks.push(WeekOutcomes {
            week: w,
            outcomes: release.outcomes().to_vec(),
        });
        // None only past chrono's last day: the range has ended anyway.
        match monday.checked_add_signed(TimeDelta::weeks(1)) {
            Some(next) => monday = next,
            None => break,
        }
    }
    weeks
}
