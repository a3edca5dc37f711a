//! One week's contributions per unit, and the week's release: the rule's decisions with the
//! figures of every released unit.
//!
//! Cost: O(units) for the rule and the additive figures (a parent's tally is its own plus its
//! children's), and O(reporters x depth) for the medians. The medians need each released
//! unit's values: laid out in post-order, a unit's whole subtree is one contiguous slice, so
//! each median is one copy into a reused buffer and one linear-time selection.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::figures::{Contribution, Figures, Tally, median};
use super::release::{Decision, Reason, Threshold, decide};
use super::units::{UnitIndex, UnitTree};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Released(Figures),
    Suppressed { reason: Reason },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownUnit(pub String);

impl fmt::Display for UnknownUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no unit \"{}\" in the organisation", self.0)
    }
}

impl std::error::Error for UnknownUnit {}

/// One week's summaries, one per reporter (pseudonym), filed under the unit they report in.
#[derive(Debug, Clone)]
pub struct Week<'t> {
    tree: &'t UnitTree,
    contributions: Vec<Vec<Contribution>>,
}

impl<'t> Week<'t> {
    pub fn new(tree: &'t UnitTree) -> Week<'t> {
        Week {
            tree,
            contributions: vec![Vec::new(); tree.len()],
        }
    }

    pub fn add(&mut self, unit: &str, contribution: Contribution) -> Result<(), UnknownUnit> {
        let u = self
            .tree
            .index(unit)
            .ok_or_else(|| UnknownUnit(unit.to_string()))?;
        self.contributions[u].push(contribution);
        Ok(())
    }

    /// The contributions filed directly under a unit (not those below it).
    pub fn direct(&self, unit: UnitIndex) -> &[Contribution] {
        self.contributions.get(unit).map_or(&[], Vec::as_slice)
    }

    pub fn release(&self, k: Threshold) -> Release<'t> {
        let tree = self.tree;
        let direct: Vec<u64> = self.contributions.iter().map(|c| c.len() as u64).collect();
        let decisions = decide(tree, &direct, k);

        let reporters: usize = self.contributions.iter().map(Vec::len).sum();
        let mut minutes = Vec::with_capacity(reporters);
        let mut tally = vec![Tally::default(); tree.len()];
        let mut start = vec![0usize; tree.len()];
        let mut end = vec![0usize; tree.len()];
        for &u in tree.post_order() {
            // Children came first in the walk, so they are already summed and laid out.
            start[u] = tree
                .children(u)
                .first()
                .map_or(minutes.len(), |&c| start[c]);
            let mut t = Tally::default();
            for c in &self.contributions[u] {
                t.add(c);
                minutes.push(c.out_of_hours_minutes);
            }
            for &c in tree.children(u) {
                t.merge(&tally[c]);
            }
            tally[u] = t;
            end[u] = minutes.len();
        }

        let mut scratch = Vec::new();
        let outcomes = (0..tree.len())
            .map(|u| match decisions[u] {
                Decision::Suppressed(reason) => Outcome::Suppressed { reason },
                Decision::Released => {
                    scratch.clear();
                    scratch.extend_from_slice(&minutes[start[u]..end[u]]);
                    match median(&mut scratch) {
                        Some(m) => Outcome::Released(Figures::from_parts(&tally[u], m)),
                        // Unreachable (released means >= k >= 5 reporters); no panic anyway.
                        None => Outcome::Suppressed {
                            reason: Reason::FewerThanK,
                        },
                    }
                }
            })
            .collect();
        Release { tree, outcomes }
    }
}

/// Every unit's outcome for one week.
#[derive(Debug, Clone, PartialEq)]
pub struct Release<'t> {
    tree: &'t UnitTree,
    outcomes: Vec<Outcome>,
}

impl Release<'_> {
    pub fn get(&self, unit: &str) -> Option<&Outcome> {
        self.outcomes.get(self.tree.index(unit)?)
    }

    /// Outcomes in [`UnitIndex`] (id) order.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Outcome)> {
        self.outcomes
            .iter()
            .enumerate()
            .map(|(u, o)| (self.tree.id(u), o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(m: u32) -> Contribution {
        Contribution {
            out_of_hours_minutes: m,
            ..Contribution::default()
        }
    }

    #[test]
    fn a_service_covers_its_teams_and_a_rolled_in_small_team() {
        let tree = UnitTree::new([
            ("org", None),
            ("svc", Some("org")),
            ("team-a", Some("svc")),
            ("team-b", Some("svc")),
            ("team-c", Some("svc")),
        ])
        .unwrap();
        let mut week = Week::new(&tree);
        for m in [0, 30, 60, 90] {
            week.add("team-a", minutes(m)).unwrap();
        }
        for m in [0, 0, 120, 120, 600, 15] {
            week.add("team-b", minutes(m)).unwrap();
        }
        for m in [45; 7] {
            week.add("team-c", minutes(m)).unwrap();
        }
        assert_eq!(
            week.add("team-z", minutes(0)),
            Err(UnknownUnit("team-z".into()))
        );
        let release = week.release(Threshold::new(5).unwrap());
        assert_eq!(
            release.get("team-a"),
            Some(&Outcome::Suppressed {
                reason: Reason::FewerThanK
            })
        );
        assert_eq!(
            release.get("team-b"),
            Some(&Outcome::Suppressed {
                reason: Reason::ProtectsSmallGroup
            })
        );
        let Some(Outcome::Released(svc)) = release.get("svc") else {
            panic!("svc is released: {release:?}");
        };
        assert_eq!(svc.reporters, 17);
        assert_eq!(svc.totals.out_of_hours_minutes, 180 + 855 + 315);
        // Sorted: 0 0 0 15 30 45x7 60 90 120 120 600: the 9th of 17 is 45.
        assert_eq!(svc.median_out_of_hours_minutes, 45.0);
        let all: Vec<Contribution> = (0..tree.len())
            .flat_map(|u| week.direct(u).to_vec())
            .collect();
        assert_eq!(Some(svc.clone()), Figures::of(&all));
        assert_eq!(release.get("org"), release.get("svc"));
        assert_eq!(release.iter().count(), 5);
        assert_eq!(release.get("nowhere"), None);
    }
}
