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

use super::release::Reason;
use super::units::UnitTree;
use super::week::Outcome;

/// The stored form (JSON).
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    k: u32,
    units: BTreeMap<String, Outcome>,
}

/// `outcomes` (in [`super::UnitIndex`] order of `tree`), released under `k`, as stored.
pub fn encode(tree: &UnitTree, k: u32, outcomes: &[Outcome]) -> String {
    let units = outcomes
        .iter()
        .enumerate()
        .map(|(u, outcome)| (tree.id(u).to_string(), outcome.clone()))
        .collect();
    // Outcomes are plain data with finite numbers: serializing cannot fail.
    serde_json::to_string(&Stored { k, units }).unwrap_or_default()
}

/// A stored publication's outcomes for the units of `tree`, in its [`super::UnitIndex`]
/// order; a unit it does not name is "not in the publication".
pub fn decode(tree: &UnitTree, text: &str) -> Result<Vec<Outcome>, serde_json::Error> {
    let mut stored: Stored = serde_json::from_str(text)?;
    Ok((0..tree.len())
        .map(|u| {
            stored
                .units
                .remove(tree.id(u))
                .unwrap_or(Outcome::Suppressed {
                    reason: Reason::NotInPublication,
                })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{Contribution, Threshold, Week};

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
        for n in 0..12u32 {
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
        assert!(matches!(outcomes[0], Outcome::Released(_)));
        assert!(matches!(outcomes[3], Outcome::Suppressed { .. }));

        let text = encode(&before, 5, &outcomes);
        assert_eq!(decode(&before, &text).unwrap(), outcomes);

        // Reorganised since: team-b gone, team-c new, the units in another order.
        let after = UnitTree::new([
            ("team-c", Some("org")),
            ("org", None),
            ("team-a", Some("org")),
            ("svc", Some("org")),
        ])
        .unwrap();
        let read = decode(&after, &text).unwrap();
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
            assert!(decode(&before, bad).is_err(), "{bad}");
        }
    }
}
