//! The organisation as configured: the unit tree with each unit's display name.

use std::collections::HashMap;

use super::rule::units::{UnitIndex, UnitTree};

#[derive(Debug, Clone)]
pub struct Org {
    tree: UnitTree,
    /// By [`UnitIndex`].
    names: Vec<String>,
}

impl Org {
    /// `names` pairs ids with names; a unit missing from it is shown by its id.
    pub fn new(tree: UnitTree, names: impl IntoIterator<Item = (String, String)>) -> Org {
        let by_id: HashMap<String, String> = names.into_iter().collect();
        let names = (0..tree.len())
            .map(|u| {
                let id = tree.id(u);
                by_id.get(id).cloned().unwrap_or_else(|| id.to_string())
            })
            .collect();
        Org { tree, names }
    }

    pub fn tree(&self) -> &UnitTree {
        &self.tree
    }

    pub fn name(&self, id: &str) -> Option<&str> {
        self.tree.index(id).map(|u| self.name_of(u))
    }

    pub fn name_of(&self, unit: UnitIndex) -> &str {
        self.names.get(unit).map_or("", String::as_str)
    }
}
