//! The organisation as configured: the unit tree with each unit's display name and, where
//! given, how many laptops may enrol in it (`max_devices`: its headcount).

use std::collections::HashMap;

use super::rule::units::{UnitIndex, UnitTree};

#[derive(Debug, Clone)]
pub struct Org {
    tree: UnitTree,
    /// By [`UnitIndex`].
    names: Vec<String>,
    /// By [`UnitIndex`]; `None`: no limit declared.
    max_devices: Vec<Option<u32>>,
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
        let max_devices = vec![None; tree.len()];
        Org {
            tree,
            names,
            max_devices,
        }
    }

    /// Declares units' `max_devices` (ids not in the tree are ignored: the config checks them).
    pub fn with_max_devices(mut self, limits: impl IntoIterator<Item = (String, u32)>) -> Org {
        for (id, max) in limits {
            if let Some(u) = self.tree.index(&id) {
                self.max_devices[u] = Some(max);
            }
        }
        self
    }

    /// How many laptops may enrol in `unit` itself, if a limit is declared.
    pub fn max_devices(&self, unit: UnitIndex) -> Option<u32> {
        self.max_devices.get(unit).copied().flatten()
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
