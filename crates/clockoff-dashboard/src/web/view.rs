//! From released weeks to a [`UnitView`]: the weeks of the period, each released by the same
//! code path as the read API ([`crate::history::released`]).

use std::sync::Arc;

use chrono::{DateTime, IsoWeek, Utc};

use crate::history::{self, WeekOutcomes};
use crate::pages::{ChildView, Enrolled, Period, UnitView, WeekView};
use crate::rule::release::Reason;
use crate::rule::units::UnitIndex;
use crate::rule::week::Outcome;
use crate::service::Service;
use crate::store::DeviceEntry;

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
        enrolled: None,
        nothing_published: None,
    }
}

/// The day the week that ended last before `now` is published: when a dashboard with nothing
/// published yet will first have something to show.
pub fn first_publication(service: &Service, now: DateTime<Utc>) -> Option<chrono::NaiveDate> {
    let (_, last_ended) = history::last_ended_weeks(now, 1)?;
    crate::rule::window::published_at(last_ended, service.weeks_accepted).map(|t| t.date_naive())
}

/// The laptops enrolled (not revoked) in `unit` and below, against the units' headcounts.
pub fn enrolled(service: &Service, unit: UnitIndex, devices: &[DeviceEntry]) -> Enrolled {
    let (org, tree) = (&service.org, service.org.tree());
    let below = |id: &str| tree.index(id).is_some_and(|u| tree.covers(unit, u));
    let laptops = devices
        .iter()
        .filter(|d| d.revoked.is_none() && below(&d.record.unit))
        .count();
    let declared: Vec<u32> = (0..tree.len())
        .filter(|&u| tree.covers(unit, u))
        .filter_map(|u| org.max_devices(u))
        .collect();
    Enrolled {
        laptops: u32::try_from(laptops).unwrap_or(u32::MAX),
        headcount: (!declared.is_empty()).then(|| declared.iter().sum()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;
    use crate::rule::units::UnitTree;
    use crate::store::DeviceRecord;
    use crate::token::TokenHash;

    #[test]
    fn laptops_are_counted_in_the_unit_and_below_revoked_ones_not() {
        let tree = UnitTree::new([
            ("org", None),
            ("svc", Some("org")),
            ("a", Some("svc")),
            ("b", Some("svc")),
            ("other", Some("org")),
        ])
        .unwrap();
        let org = Org::new(tree, []).with_max_devices([("a".into(), 5), ("b".into(), 7)]);
        let service = Service {
            org,
            k: crate::Threshold::new(5).unwrap(),
            weeks_accepted: 2,
        };
        let at = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let device = |unit: &str, revoked: bool| DeviceEntry {
            hash: TokenHash::of(unit),
            record: DeviceRecord {
                unit: unit.into(),
                enrolled: at,
            },
            revoked: revoked.then_some(at),
        };
        let devices = [
            device("a", false),
            device("a", false),
            device("b", false),
            device("b", true),
            device("other", false),
            device("gone-from-the-config", false),
        ];
        let tree = service.org.tree();
        let of = |id: &str| enrolled(&service, tree.index(id).unwrap(), &devices);
        assert_eq!(
            of("svc"),
            Enrolled {
                laptops: 3,
                headcount: Some(12)
            }
        );
        assert_eq!(
            of("a"),
            Enrolled {
                laptops: 2,
                headcount: Some(5)
            }
        );
        assert_eq!(
            of("other"),
            Enrolled {
                laptops: 1,
                headcount: None
            }
        );
        assert_eq!(of("org").laptops, 4);
    }
}
