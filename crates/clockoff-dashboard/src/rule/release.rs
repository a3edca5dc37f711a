//! The release rule on reporter counts alone: which units of one week are released. The
//! argument that it is safe is in the module above (`dashboard`); this file is the rule.
//!
//! One walk, children before parents, O(units). For each unit `u`:
//! - `population` = its direct reporters plus everyone below it;
//! - `residual` = the people in `u` that no released unit below `u` covers: what subtracting
//!   the released units below from `u` would leave.
//!
//! 1. population < k: suppressed (primary), and its whole residual passes up to the parent.
//! 2. residual is 0 or >= k: released.
//! 3. otherwise (1..k-1 people would show by subtraction): suppress the smallest released child
//!    whose own residual is >= k (fewest reporters, then lowest id). Its residual joins `u`'s,
//!    which is then >= k, and `u` is released. If no child qualifies, `u` is suppressed and
//!    its residual passes up.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::units::UnitTree;

/// `k`: the fewest reporters any released number (or difference of them) may describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(u32);

impl Threshold {
    pub const DEFAULT: u32 = 10;
    /// Below this a group is too small to hide anyone, whatever the configuration says.
    pub const FLOOR: u32 = 5;

    pub fn new(k: u32) -> Result<Threshold, ThresholdError> {
        if k < Self::FLOOR {
            return Err(ThresholdError(k));
        }
        Ok(Threshold(k))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Threshold {
    fn default() -> Threshold {
        Threshold(Self::DEFAULT)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdError(pub u32);

impl fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "k = {} is below the floor of {}: every released figure must cover at least {} reporters",
            self.0,
            Threshold::FLOOR,
            Threshold::FLOOR
        )
    }
}

impl std::error::Error for ThresholdError {}

/// Why a unit-week is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Fewer than k people reported in the unit (everything below it included).
    FewerThanK,
    /// The unit has k or more, but showing it would let a group of fewer than k be found by
    /// subtraction: its parent minus the visible units would leave that group.
    ProtectsSmallGroup,
    /// The week is not published yet: reports for it may still arrive (never decided by the
    /// rule; see [`super::window`]).
    NotPublished,
    /// The unit was not in the organisation when the week was published
    /// ([`super::publication`]).
    NotInPublication,
    /// The week's reports are deleted (retention: older than the dashboard keeps).
    NoLongerKept,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::FewerThanK => "fewer than k people",
            Reason::ProtectsSmallGroup => {
                "hidden so that no group of fewer than k people can be worked out by subtraction"
            }
            Reason::NotPublished => "not published yet: reports for this week may still arrive",
            Reason::NotInPublication => {
                "not published: the unit was not in the organisation when this week was published"
            }
            Reason::NoLongerKept => "no longer kept: older than the dashboard keeps reports",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Released,
    Suppressed(Reason),
}

impl Decision {
    pub fn is_released(self) -> bool {
        self == Decision::Released
    }
}

/// Decides every unit of one week. `direct[u]` is the number of reporters directly in unit
/// `u` (by [`super::units::UnitIndex`]); a missing entry counts as none. Deterministic: it depends only on
/// the counts, the tree and k.
pub fn decide(tree: &UnitTree, direct: &[u64], k: Threshold) -> Vec<Decision> {
    let k = u64::from(k.get());
    let n = tree.len();
    let mut decision = vec![Decision::Released; n];
    let mut population = vec![0u64; n];
    // For a released unit: its residual (0 or >= k). For a suppressed one: the people in it
    // no released unit covers, which its parent inherits.
    let mut residual = vec![0u64; n];
    for &u in tree.post_order() {
        let own = direct.get(u).copied().unwrap_or(0);
        let children = tree.children(u);
        population[u] = own + children.iter().map(|&c| population[c]).sum::<u64>();
        let mut open = own
            + children
                .iter()
                .filter(|&&c| !decision[c].is_released())
                .map(|&c| residual[c])
                .sum::<u64>();
        if population[u] < k {
            decision[u] = Decision::Suppressed(Reason::FewerThanK);
        } else if open == 0 || open >= k {
            decision[u] = Decision::Released;
        } else {
            let shield = children
                .iter()
                .copied()
                .filter(|&c| decision[c].is_released() && residual[c] >= k)
                .min_by_key(|&c| (population[c], c));
            match shield {
                Some(c) => {
                    decision[c] = Decision::Suppressed(Reason::ProtectsSmallGroup);
                    open += residual[c];
                    decision[u] = Decision::Released;
                }
                None => decision[u] = Decision::Suppressed(Reason::ProtectsSmallGroup),
            }
        }
        residual[u] = open;
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An org of units named with their direct reporter counts: decisions by id.
    fn run(units: &[(&str, Option<&str>, u64)], k: u32) -> Vec<(String, Decision)> {
        let tree = UnitTree::new(units.iter().map(|&(id, p, _)| (id, p))).unwrap();
        let direct: Vec<u64> = (0..tree.len())
            .map(|u| {
                units
                    .iter()
                    .find(|(id, _, _)| *id == tree.id(u))
                    .map_or(0, |&(_, _, n)| n)
            })
            .collect();
        let d = decide(&tree, &direct, Threshold::new(k).unwrap());
        (0..tree.len())
            .map(|u| (tree.id(u).to_string(), d[u]))
            .collect()
    }

    fn of<'a>(result: &'a [(String, Decision)], id: &str) -> &'a Decision {
        &result.iter().find(|(u, _)| u == id).unwrap().1
    }

    const RELEASED: Decision = Decision::Released;
    const FEW: Decision = Decision::Suppressed(Reason::FewerThanK);
    const SHIELD: Decision = Decision::Suppressed(Reason::ProtectsSmallGroup);

    #[test]
    fn k_below_the_floor_is_refused() {
        assert_eq!(Threshold::new(4), Err(ThresholdError(4)));
        assert_eq!(Threshold::new(0), Err(ThresholdError(0)));
        assert_eq!(Threshold::new(5).unwrap().get(), 5);
        assert_eq!(Threshold::default().get(), 10);
        assert!(ThresholdError(4).to_string().contains("floor of 5"));
    }

    #[test]
    fn a_team_of_4_is_rolled_into_its_service_which_hides_a_sibling_k5() {
        // service = 4 + 6 + 7 = 17, all in teams. Alone, team-a's 4 would be
        // service - team-b - team-c, so the smaller of the others (team-b, 6) is hidden too:
        // service - team-c = 10 people.
        let r = run(
            &[
                ("org", None, 0),
                ("service", Some("org"), 0),
                ("team-a", Some("service"), 4),
                ("team-b", Some("service"), 6),
                ("team-c", Some("service"), 7),
            ],
            5,
        );
        assert_eq!(*of(&r, "team-a"), FEW);
        assert_eq!(*of(&r, "team-b"), SHIELD);
        assert_eq!(*of(&r, "team-c"), RELEASED);
        assert_eq!(*of(&r, "service"), RELEASED);
        // org = service exactly: nothing new by subtraction.
        assert_eq!(*of(&r, "org"), RELEASED);
    }

    #[test]
    fn a_parent_whose_suppressed_child_has_3_hides_a_sibling_or_itself_k10() {
        // service = 3 + 12: the only other child has residual 12 >= k, so it is hidden.
        let r = run(
            &[
                ("service", None, 0),
                ("team-small", Some("service"), 3),
                ("team-big", Some("service"), 12),
            ],
            10,
        );
        assert_eq!(*of(&r, "team-small"), FEW);
        assert_eq!(*of(&r, "team-big"), SHIELD);
        assert_eq!(*of(&r, "service"), RELEASED);

        // The parent's only suppressed child has 3 and the released child's residual is 0
        // (its people are all in released teams below it): hiding it would not help, so the
        // parent itself is hidden.
        let r = run(
            &[
                ("directorate", None, 0),
                ("service-x", Some("directorate"), 0),
                ("team-x1", Some("service-x"), 10),
                ("team-x2", Some("service-x"), 11),
                ("service-y", Some("directorate"), 0),
                ("team-y1", Some("service-y"), 3),
            ],
            10,
        );
        assert_eq!(*of(&r, "team-y1"), FEW);
        assert_eq!(*of(&r, "service-y"), FEW);
        assert_eq!(*of(&r, "team-x1"), RELEASED);
        assert_eq!(*of(&r, "team-x2"), RELEASED);
        assert_eq!(*of(&r, "service-x"), RELEASED);
        assert_eq!(*of(&r, "directorate"), SHIELD);
    }

    #[test]
    fn direct_reporters_of_a_parent_count_as_its_residual() {
        // 2 people report straight to the service: the smallest team (10, id order breaks the
        // tie with team-b's 10) is hidden so the service minus the teams shows 12.
        let r = run(
            &[
                ("service", None, 2),
                ("team-a", Some("service"), 10),
                ("team-b", Some("service"), 10),
                ("team-c", Some("service"), 15),
            ],
            10,
        );
        assert_eq!(*of(&r, "team-a"), SHIELD);
        assert_eq!(*of(&r, "team-b"), RELEASED);
        assert_eq!(*of(&r, "team-c"), RELEASED);
        assert_eq!(*of(&r, "service"), RELEASED);
    }

    #[test]
    fn a_residual_of_k_or_none_needs_no_more_suppression() {
        let r = run(
            &[
                ("service", None, 0),
                ("team-a", Some("service"), 5),
                ("team-b", Some("service"), 5),
                ("team-c", Some("service"), 10),
            ],
            10,
        );
        // team-a + team-b = 10 = k: the service minus team-c shows 10 people, allowed.
        assert_eq!(*of(&r, "team-a"), FEW);
        assert_eq!(*of(&r, "team-b"), FEW);
        assert_eq!(*of(&r, "team-c"), RELEASED);
        assert_eq!(*of(&r, "service"), RELEASED);
    }

    #[test]
    fn nobody_reporting_releases_nothing() {
        let r = run(&[("org", None, 0), ("team", Some("org"), 0)], 5);
        assert!(r.iter().all(|(_, d)| *d == FEW));
    }
}
