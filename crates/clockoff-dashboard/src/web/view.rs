//! From released weeks to a [`UnitView`]: the weeks of the period, each released by the same
//! code path as the read API ([`crate::history::released`]).

use std::sync::Arc;

use chrono::{DateTime, IsoWeek, Utc};

use crate::history::{self, WeekOutcomes};
use crate::pages::{ChildView, Period, UnitView, WeekView};
use crate::rule::release::Reason;
use crate::rule::units::UnitIndex;
use crate::rule::week::Outcome;
use crate::service::Service;

/// The weeks a page over `period` shows at `now`: ending with the latest published week.
/// `None` only near the ends of chrono's calendar.
pub fn range(service: &Service, period: Period, now: DateTime<Utc>) -> Option<(IsoWeek, IsoWeek)> {
    let weeks = u32::try_from(period.weeks()).ok()?;
    history::last_weeks(now, service.weeks_accepted, weeks)
}

/// The view of `unit` over the period's `weeks` (oldest first, every unit's outcome each).
pub fn unit_view(
    service: &Service,
    unit: UnitIndex,
    period: Period,
    weeks: &[Arc<WeekOutcomes>],
) -> UnitView {
    let org = &service.org;
    let tree = org.tree();
    let root = tree.root();
    let hidden = Outcome::Suppressed {
        reason: Reason::FewerThanK,
    };
    let latest = |u: UnitIndex| {
        weeks
            .last()
            .and_then(|w| w.outcomes.get(u))
            .unwrap_or(&hidden)
            .clone()
    };
    let children = tree
        .children(unit)
        .iter()
        .map(|&c| ChildView {
            id: tree.id(c).to_string(),
            name: org.name_of(c).to_string(),
            latest: latest(c),
        })
        .collect();
    let weeks = weeks
        .iter()
        .map(|w| WeekView {
            week: w.week,
            unit: w.outcomes.get(unit).unwrap_or(&hidden).clone(),
            org: w.outcomes.get(root).unwrap_or(&hidden).clone(),
        })
        .collect();
    UnitView {
        id: tree.id(unit).to_string(),
        name: org.name_of(unit).to_string(),
        org_name: (unit != root).then(|| org.name_of(root).to_string()),
        k: service.k,
        weeks_accepted: service.weeks_accepted,
        period,
        weeks,
        children,
    }
}
