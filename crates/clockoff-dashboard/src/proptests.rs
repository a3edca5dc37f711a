//! Brute force against the rule: random organisations, every released number and every
//! difference an observer could take within a week, checked person by person.

use proptest::prelude::*;
use proptest::sample::Index;

use super::rule::figures::{BANDS, Band, Contribution, Figures, median};
use super::rule::release::{Decision, Threshold, decide};
use super::rule::units::{UnitIndex, UnitTree};
use super::rule::week::{Outcome, Week};

/// A random organisation and week: unit `i` is named `u{i:02}` (so index order is creation
/// order), with its direct reporters' contributions.
#[derive(Debug, Clone)]
struct Org {
    parents: Vec<Option<usize>>,
    people: Vec<Vec<Contribution>>,
    k: u32,
}

impl Org {
    fn tree(&self) -> UnitTree {
        UnitTree::new(
            self.parents
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("u{i:02}"), p.map(|p| format!("u{p:02}")))),
        )
        .expect("generated trees are valid")
    }

    fn week<'t>(&self, tree: &'t UnitTree) -> Week<'t> {
        let mut week = Week::new(tree);
        for (i, list) in self.people.iter().enumerate() {
            for c in list {
                week.add(&format!("u{i:02}"), *c).expect("unit exists");
            }
        }
        week
    }

    fn everyone(&self) -> Vec<(UnitIndex, Contribution)> {
        self.people
            .iter()
            .enumerate()
            .flat_map(|(u, list)| list.iter().map(move |c| (u, *c)))
            .collect()
    }
}

const MAX_DEPTH: usize = 4;

fn org() -> impl Strategy<Value = Org> {
    (1usize..=12)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(any::<Index>(), n - 1),
                prop::collection::vec(0usize..30, n),
                5u32..=10,
                any::<u64>(),
            )
        })
        .prop_map(|(choices, counts, k, seed)| {
            let mut parents = vec![None];
            let mut depth = vec![0];
            for choice in choices {
                let open: Vec<usize> = (0..parents.len())
                    .filter(|&u| depth[u] < MAX_DEPTH)
                    .collect();
                let p = *choice.get(&open);
                parents.push(Some(p));
                depth.push(depth[p] + 1);
            }
            let mut rng = seed | 1;
            let people = counts
                .iter()
                .map(|&n| (0..n).map(|_| contribution(&mut rng)).collect())
                .collect();
            Org { parents, people, k }
        })
}

/// Values with plenty of zeros and every band, from a xorshift stream.
fn contribution(rng: &mut u64) -> Contribution {
    let mut next = || {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        let r = *rng;
        if r.is_multiple_of(3) {
            0
        } else {
            (r >> 8) as u32 % 900
        }
    };
    Contribution {
        out_of_hours_minutes: next(),
        self_reported_out_of_hours_minutes: next(),
        weekend_minutes: next(),
        late_evening_minutes: next(),
        days_with_out_of_hours_work: next() % 8,
        notifications_held_out_of_hours: next() % 50,
        on_call_callout_minutes: next(),
    }
}

const FIELDS: usize = 4 + BANDS + 7;

/// Every additive number a released unit shows.
fn numbers(f: &Figures) -> [u64; FIELDS] {
    let t = &f.totals;
    let mut n = [0; FIELDS];
    n[..4].copy_from_slice(&[
        f.reporters,
        f.with_out_of_hours,
        f.with_weekend,
        f.with_late_evening,
    ]);
    n[4..4 + BANDS].copy_from_slice(&f.bands);
    n[4 + BANDS..].copy_from_slice(&t.in_order());
    n
}

/// One person's part in each of those numbers.
fn part(c: &Contribution) -> [u64; FIELDS] {
    let mut one = Figures::of(&[*c]).expect("one person");
    one.median_out_of_hours_minutes = 0.0;
    numbers(&one)
}

/// Checks that every released number, and every released ancestor minus any set of pairwise
/// disjoint released descendants, describes nobody or at least k people, and that each such
/// difference equals the sum over exactly the people it leaves. Err names the first failure.
fn check_differences(
    tree: &UnitTree,
    everyone: &[(UnitIndex, Contribution)],
    released: &[Option<Figures>],
    k: u32,
) -> Result<(), String> {
    let parts: Vec<[u64; FIELDS]> = everyone.iter().map(|(_, c)| part(c)).collect();
    let members: Vec<Vec<bool>> = (0..tree.len())
        .map(|u| everyone.iter().map(|&(p, _)| tree.covers(u, p)).collect())
        .collect();
    for a in (0..tree.len()).filter(|&a| released[a].is_some()) {
        let below: Vec<UnitIndex> = (0..tree.len())
            .filter(|&d| d != a && released[d].is_some() && tree.covers(a, d))
            .collect();
        for mask in 0u32..(1 << below.len()) {
            let chosen: Vec<UnitIndex> = (0..below.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| below[i])
                .collect();
            let nested = chosen.iter().any(|&x| {
                chosen
                    .iter()
                    .any(|&y| x != y && (tree.covers(x, y) || tree.covers(y, x)))
            });
            if nested {
                continue;
            }
            // The people left: in `a`, in none of the chosen.
            let left: Vec<usize> = (0..everyone.len())
                .filter(|&p| members[a][p] && chosen.iter().all(|&d| !members[d][p]))
                .collect();
            let mut expected = [0i128; FIELDS];
            for &p in &left {
                for (e, v) in expected.iter_mut().zip(parts[p]) {
                    *e += i128::from(v);
                }
            }
            let mut shown = numbers(released[a].as_ref().expect("released")).map(i128::from);
            for &d in &chosen {
                let sub = numbers(released[d].as_ref().expect("released"));
                for (s, v) in shown.iter_mut().zip(sub) {
                    *s -= i128::from(v);
                }
            }
            let names = || {
                let minus: Vec<&str> = chosen.iter().map(|&d| tree.id(d)).collect();
                format!("{} minus {minus:?}", tree.id(a))
            };
            if shown != expected {
                return Err(format!(
                    "{}: shows {shown:?}, people sum to {expected:?}",
                    names()
                ));
            }
            if !left.is_empty() && left.len() < k as usize {
                return Err(format!(
                    "{} describes {} people, k = {k}",
                    names(),
                    left.len()
                ));
            }
        }
    }
    Ok(())
}

/// Complete for anything linear: people covered by exactly the same released units (an atom)
/// are indistinguishable in every combination of released numbers, so each atom that some
/// released unit covers must hold 0 or >= k people.
fn check_atoms(
    tree: &UnitTree,
    everyone: &[(UnitIndex, Contribution)],
    released: &[Option<Figures>],
    k: u32,
) -> Result<(), String> {
    let mut atoms: std::collections::BTreeMap<Vec<UnitIndex>, usize> = Default::default();
    for &(p, _) in everyone {
        let covering: Vec<UnitIndex> = (0..tree.len())
            .filter(|&u| released[u].is_some() && tree.covers(u, p))
            .collect();
        if !covering.is_empty() {
            *atoms.entry(covering).or_default() += 1;
        }
    }
    match atoms.iter().find(|(_, n)| **n < k as usize) {
        Some((units, n)) => Err(format!("atom {units:?} holds {n} people, k = {k}")),
        None => Ok(()),
    }
}

fn released_figures(org: &Org, tree: &UnitTree) -> Vec<Option<Figures>> {
    let k = Threshold::new(org.k).expect("k >= 5");
    org.week(tree)
        .release(k)
        .outcomes()
        .iter()
        .map(|o| match o {
            Outcome::Released(f) => Some(f.clone()),
            Outcome::Suppressed { .. } => None,
        })
        .collect()
}

fn subtree(
    tree: &UnitTree,
    everyone: &[(UnitIndex, Contribution)],
    u: UnitIndex,
) -> Vec<Contribution> {
    everyone
        .iter()
        .filter(|&&(p, _)| tree.covers(u, p))
        .map(|&(_, c)| c)
        .collect()
}

proptest! {
    // Cheap (about a millisecond a case unoptimised), so more cases than the default 256.
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_difference_within_a_week_describes_fewer_than_k(org in org()) {
        let tree = org.tree();
        let released = released_figures(&org, &tree);
        let everyone = org.everyone();
        for f in released.iter().flatten() {
            prop_assert!(f.reporters >= u64::from(org.k));
        }
        if let Err(e) = check_differences(&tree, &everyone, &released, org.k) {
            prop_assert!(false, "{}", e);
        }
        if let Err(e) = check_atoms(&tree, &everyone, &released, org.k) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn released_figures_are_those_of_the_whole_population(org in org()) {
        let tree = org.tree();
        let everyone = org.everyone();
        for (u, f) in released_figures(&org, &tree).iter().enumerate() {
            if let Some(f) = f {
                let direct = Figures::of(&subtree(&tree, &everyone, u));
                prop_assert_eq!(Some(f), direct.as_ref());
            }
        }
    }

    #[test]
    fn the_release_depends_on_the_data_not_the_listing_order(org in org()) {
        let tree = org.tree();
        let listed_backwards = UnitTree::new(
            (0..org.parents.len())
                .rev()
                .map(|i| (format!("u{i:02}"), org.parents[i].map(|p| format!("u{p:02}")))),
        )
        .expect("valid");
        prop_assert_eq!(&tree, &listed_backwards);
        let once = org.week(&tree).release(Threshold::new(org.k).expect("k"));
        let again = org.week(&listed_backwards).release(Threshold::new(org.k).expect("k"));
        prop_assert_eq!(once.outcomes(), again.outcomes());
    }

    #[test]
    fn median_is_the_middle_of_the_sorted_values(mut values in prop::collection::vec(0u32..2000, 1..60)) {
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        let expected = if n % 2 == 1 {
            f64::from(sorted[n / 2])
        } else {
            (f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0
        };
        prop_assert_eq!(median(&mut values), Some(expected));
    }
}

/// The checker is not vacuous: a rule with primary suppression only (release every unit of
/// k or more) fails it, on the smallest case there is.
#[test]
fn the_checker_catches_a_rule_without_complementary_suppression() {
    let org = Org {
        parents: vec![None, Some(0), Some(0)],
        people: vec![
            vec![],
            vec![Contribution::default(); 3],
            vec![Contribution::default(); 10],
        ],
        k: 10,
    };
    let tree = org.tree();
    let everyone = org.everyone();
    let primary_only: Vec<Option<Figures>> = (0..tree.len())
        .map(|u| Figures::of(&subtree(&tree, &everyone, u)).filter(|f| f.reporters >= 10))
        .collect();
    assert_eq!(
        check_differences(&tree, &everyone, &primary_only, 10),
        Err("u00 minus [\"u02\"] describes 3 people, k = 10".to_string())
    );
    assert!(check_atoms(&tree, &everyone, &primary_only, 10).is_err());
    // The real rule hides u02 as well.
    let released = released_figures(&org, &tree);
    assert_eq!(check_differences(&tree, &everyone, &released, 10), Ok(()));
    assert!(released[2].is_none());
    let direct: Vec<u64> = org.people.iter().map(|p| p.len() as u64).collect();
    let decisions = decide(&tree, &direct, Threshold::default());
    assert_eq!(decisions[0], Decision::Released);
}

/// The documented limit, shown: across weeks the rule guarantees nothing about a newcomer if
/// everyone else's figures repeat exactly. Both weeks pass the within-week check.
#[test]
fn across_weeks_a_newcomer_is_exposed_if_nobody_else_changed() {
    let regular = Contribution {
        out_of_hours_minutes: 120,
        ..Contribution::default()
    };
    let newcomer = Contribution {
        out_of_hours_minutes: 600,
        ..Contribution::default()
    };
    let tree = UnitTree::new([("team", None::<&str>)]).expect("valid");
    let total = |people: &[Contribution]| {
        let mut week = Week::new(&tree);
        people
            .iter()
            .for_each(|c| week.add("team", *c).expect("unit"));
        match week.release(Threshold::default()).get("team") {
            Some(Outcome::Released(f)) => f.totals.out_of_hours_minutes,
            other => panic!("released: {other:?}"),
        }
    };
    let before = total(&[regular; 10]);
    let mut after = vec![regular; 10];
    after.push(newcomer);
    assert_eq!(total(&after) - before, 600);
    assert_eq!(Band::of(600), Band::OverTenHours);
}
