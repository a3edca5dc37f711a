//! A week's release as published, stored so that it is shown as it was from then on: every
//! unit's outcome by unit id, with the k it was released under.
//!
//! Once a week is published ([`super::window::published_at`]) no report is accepted for it,
//! but the release could still change: the units could be reorganised, k changed, or
//! `weeks_accepted` raised so that the week takes reports again. Each of those would release
//! the week a second time, differently, and the difference of the two releases could cover
//! fewer than k people (a team of three moved from one service to another takes exactly
//! those three out of the first service's past weeks). Stored publications are read back
//! instead: a unit added since shows "not published", and a unit removed since is not shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::release::{Reason, Threshold};
use super::units::UnitTree;
use super::week::Outcome;

/// The stored form (JSON).
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    k: u32,
    units: BTreeMap<String, Outcome>,
}

/// `outcomes` (in [`crate::UnitIndex`] order of `tree`), released under `k`, as stored.
pub fn encode(tree: &UnitTree, k: u32, outcomes: &[Outcome]) -> serde_json::Result<String> {
    let units = outcomes
        .iter()
        .enumerate()
        .map(|(u, outcome)| (tree.id(u).to_string(), outcome.clone()))
        .collect();
    serde_json::to_string(&Stored { k, units })
}

/// A stored publication's outcomes for the units of `tree`, in its [`crate::UnitIndex`]
/// order, under today's `k`: a unit it does not name is "not in the publication", and one
/// released with fewer than `k` reporters (k was smaller then) is "fewer than k". Showing
/// less of a publication cannot be differenced into anything it did not show already.
pub fn decode(tree: &UnitTree, k: Threshold, text: &str) -> serde_json::Result<Vec<Outcome>> {
    let mut stored: Stored = serde_json::from_str(text)?;
    let suppressed = |reason| Outcome::Suppressed { reason };
    Ok((0..tree.len())
        .map(|u| match stored.units.remove(tree.id(u)) {
            None => suppressed(Reason::NotInPublication),
            Some(Outcome::Released(f)) if f.reporters < u64::from(k.get()) => {
                suppressed(Reason::FewerThanK)
            }
            Some(outcome) => outcome,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Contribution, Week};

    #[test]
    fn a_publication_reads_back_the_same_and_maps_onto_the_units_of_the_day() {
        let before = UnitTree::new([
            ("org", None),
            ("svc", Some("org")),
            ("team-a", Some("svc")),
            ("team-b", Some("svc")),
        ])
        .unwrap();
        let mut week = Week::new(&before);
        for n in 0..15u32 {
            let team = if n < 9 { "team-a" } else { "team-b" };
            let c = Contribution {
                out_of_hours_minutes: 15 * n,
                weekend_minutes: 30 * (n % 2),
                ..Contribution::default()
            };
            week.add(team, c).unwrap();
        }
        let k = Threshold::new(5).unwrap();
        let outcomes = week.release(k).outcomes().to_vec();
        // Every unit released: 15, 15, 9 and 6 people.
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Released(_))));

        let text = encode(&before, 5, &outcomes).unwrap();
        assert_eq!(decode(&before, k, &text).unwrap(), outcomes);

        // Reorganised since: team-b gone, team-c new, the units in another order.
        let after = UnitTree::new([
            ("team-c", Some("org")),
            ("org", None),
            ("team-a", Some("org")),
            ("svc", Some("org")),
        ])
        .unwrap();
        let read = decode(&after, k, &text).unwrap();
        let of = |id: &str| read[after.index(id).unwrap()].clone();
        assert_eq!(of("org"), outcomes[0]);
        assert_eq!(of("team-a"), outcomes[before.index("team-a").unwrap()]);
        assert_eq!(
            of("team-c"),
            Outcome::Suppressed {
                reason: Reason::NotInPublication
            }
        );

        // Whatever is in the database that is not a publication is an error, not a panic.
        for bad in [
            "",
            "{}",
            "[]",
            "{\"k\":5,\"units\":{\"org\":{\"status\":\"odd\"}}}",
        ] {
            assert!(decode(&before, k, bad).is_err(), "{bad}");
        }
    }
}
