//! The organisation as a tree of units (team -> service -> directorate -> org), checked once
//! when it is built so the release rule can walk it without further checks.
//!
//! Units are stored sorted by id, so everything that walks the tree (and every tie the release
//! rule breaks) is independent of the order the units were listed in.

use std::collections::HashMap;
use std::fmt;

/// A unit's position in its [`UnitTree`]: `0..tree.len()`, in id order.
pub type UnitIndex = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    Empty,
    EmptyId,
    DuplicateId(String),
    UnknownParent {
        unit: String,
        parent: String,
    },
    /// Several units have no parent; the tree has one root (the organisation).
    SeveralRoots(Vec<String>),
    /// Every unit has a parent, so the parents go round in a circle.
    NoRoot,
    /// A unit whose parents never reach the root (itself, or one on the way, is in a cycle).
    Cycle(String),
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeError::Empty => f.write_str("the unit tree has no units"),
            TreeError::EmptyId => f.write_str("a unit has an empty id"),
            TreeError::DuplicateId(id) => write!(f, "unit \"{id}\" is listed twice"),
            TreeError::UnknownParent { unit, parent } => {
                write!(
                    f,
                    "unit \"{unit}\" names parent \"{parent}\", which is not a unit"
                )
            }
            TreeError::SeveralRoots(ids) => write!(
                f,
                "units without a parent: {}; exactly one (the organisation) may have none",
                ids.join(", ")
            ),
            TreeError::NoRoot => f.write_str("every unit has a parent: no root, so a cycle"),
            TreeError::Cycle(id) => write!(f, "unit \"{id}\" is in a cycle of parents"),
        }
    }
}

impl std::error::Error for TreeError {}

/// A checked tree: one root, every parent known, no cycles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTree {
    ids: Vec<String>,
    parent: Vec<Option<UnitIndex>>,
    /// Children of each unit, in id order.
    children: Vec<Vec<UnitIndex>>,
    /// Every unit after all of its descendants (children in id order): the release rule's
    /// walk, so a unit is decided after everything below it.
    post_order: Vec<UnitIndex>,
}

impl UnitTree {
    /// Builds the tree from `(id, parent id)` pairs; the root's parent is `None`.
    pub fn new<I, P>(units: impl IntoIterator<Item = (I, Option<P>)>) -> Result<UnitTree, TreeError>
    where
        I: Into<String>,
        P: Into<String>,
    {
        let mut listed: Vec<(String, Option<String>)> = units
            .into_iter()
            .map(|(id, parent)| (id.into(), parent.map(Into::into)))
            .collect();
        if listed.is_empty() {
            return Err(TreeError::Empty);
        }
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        if listed.iter().any(|(id, _)| id.is_empty()) {
            return Err(TreeError::EmptyId);
        }
        if let Some(w) = listed.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(TreeError::DuplicateId(w[0].0.clone()));
        }
        let index: HashMap<&str, UnitIndex> = listed
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let mut parent = Vec::with_capacity(listed.len());
        for (id, p) in &listed {
            parent.push(match p {
                None => None,
                Some(p) => {
                    Some(
                        *index
                            .get(p.as_str())
                            .ok_or_else(|| TreeError::UnknownParent {
                                unit: id.clone(),
                                parent: p.clone(),
                            })?,
                    )
                }
            });
        }
        let roots: Vec<UnitIndex> = (0..listed.len()).filter(|&i| parent[i].is_none()).collect();
        let root = match roots.as_slice() {
            [] => return Err(TreeError::NoRoot),
            [root] => *root,
            _ => {
                return Err(TreeError::SeveralRoots(
                    roots.iter().map(|&i| listed[i].0.clone()).collect(),
                ));
            }
        };
        let mut children = vec![Vec::new(); listed.len()];
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i); // i ascends, so children stay in id order
            }
        }
        let post_order = post_order(root, &children);
        let ids: Vec<String> = listed.into_iter().map(|(id, _)| id).collect();
        if post_order.len() < ids.len() {
            // With one root and known parents, a unit the walk from the root missed can only
            // be on, or hang below, a cycle of parents.
            let mut reached = vec![false; ids.len()];
            for &i in &post_order {
                reached[i] = true;
            }
            let first = reached.iter().position(|r| !r).unwrap_or_default();
            return Err(TreeError::Cycle(ids[first].clone()));
        }
        Ok(UnitTree {
            ids,
            parent,
            children,
            post_order,
        })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Never true: a tree has its root. Here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn index(&self, id: &str) -> Option<UnitIndex> {
        self.ids
            .binary_search_by(|probe| probe.as_str().cmp(id))
            .ok()
    }

    pub fn id(&self, unit: UnitIndex) -> &str {
        &self.ids[unit]
    }

    pub fn parent(&self, unit: UnitIndex) -> Option<UnitIndex> {
        self.parent[unit]
    }

    pub fn children(&self, unit: UnitIndex) -> &[UnitIndex] {
        &self.children[unit]
    }

    pub fn root(&self) -> UnitIndex {
        // The last in post-order is the root; the tree is never empty.
        self.post_order[self.post_order.len() - 1]
    }

    /// Every unit after all of its descendants.
    pub fn post_order(&self) -> &[UnitIndex] {
        &self.post_order
    }

    /// True when `a` is `b` or above it.
    pub fn covers(&self, a: UnitIndex, b: UnitIndex) -> bool {
        let mut at = Some(b);
        while let Some(u) = at {
            if u == a {
                return true;
            }
            at = self.parent[u];
        }
        false
    }
}

/// Iterative, so a deep (or hostile) tree cannot overflow the stack.
fn post_order(root: UnitIndex, children: &[Vec<UnitIndex>]) -> Vec<UnitIndex> {
    let mut order = Vec::with_capacity(children.len());
    // (unit, how many of its children have been pushed)
    let mut stack = vec![(root, 0usize)];
    while let Some((unit, next)) = stack.pop() {
        if let Some(&child) = children[unit].get(next) {
            stack.push((unit, next + 1));
            stack.push((child, 0));
        } else {
            order.push(unit);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(units: &[(&str, Option<&str>)]) -> Result<UnitTree, TreeError> {
        UnitTree::new(units.iter().copied())
    }

    #[test]
    fn a_small_org_walks_children_before_parents_in_id_order() {
        let t = tree(&[
            ("org", None),
            ("svc-b", Some("org")),
            ("svc-a", Some("org")),
            ("team-2", Some("svc-a")),
            ("team-1", Some("svc-a")),
        ])
        .unwrap();
        let walk: Vec<&str> = t.post_order().iter().map(|&u| t.id(u)).collect();
        assert_eq!(walk, ["team-1", "team-2", "svc-a", "svc-b", "org"]);
        assert_eq!(t.id(t.root()), "org");
        let svc_a = t.index("svc-a").unwrap();
        assert!(t.covers(t.root(), t.index("team-2").unwrap()));
        assert!(t.covers(svc_a, svc_a));
        assert!(!t.covers(svc_a, t.index("svc-b").unwrap()));
    }

    #[test]
    fn bad_trees_are_refused_with_the_unit_named() {
        assert_eq!(tree(&[]), Err(TreeError::Empty));
        assert_eq!(
            tree(&[("org", None), ("t", Some("nowhere"))]),
            Err(TreeError::UnknownParent {
                unit: "t".into(),
                parent: "nowhere".into()
            })
        );
        assert_eq!(
            tree(&[("a", None), ("b", None)]),
            Err(TreeError::SeveralRoots(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            tree(&[("a", Some("b")), ("b", Some("a"))]),
            Err(TreeError::NoRoot)
        );
        assert_eq!(
            tree(&[("org", None), ("a", Some("b")), ("b", Some("a"))]),
            Err(TreeError::Cycle("a".into()))
        );
        assert_eq!(
            tree(&[("org", None), ("a", Some("a"))]),
            Err(TreeError::Cycle("a".into()))
        );
        assert_eq!(
            tree(&[("org", None), ("a", Some("org")), ("a", Some("org"))]),
            Err(TreeError::DuplicateId("a".into()))
        );
        assert_eq!(tree(&[("", None)]), Err(TreeError::EmptyId));
    }

    #[test]
    fn a_deep_chain_does_not_overflow_the_stack() {
        let n = 100_000;
        let units = (0..n).map(|i| {
            let parent = (i > 0).then(|| format!("u{:06}", i - 1));
            (format!("u{i:06}"), parent)
        });
        let t = UnitTree::new(units).unwrap();
        assert_eq!(t.post_order().len(), n);
        assert_eq!(t.id(t.root()), "u000000");
    }
}
