//! mako: a mode, switched with `makoctl mode -a do-not-disturb` / `-r do-not-disturb`
//! (mako 1.7 or later). A mode does nothing by itself: the worker's mako config must say what
//! it hides, with
//!
//! ```ini
//! [mode=do-not-disturb]
//! invisible=1
//! ```
//!
//! Invisible notifications are kept, and show when the mode is removed unless they expired
//! meanwhile.
//!
//! Urgent (critical) notifications get through the same way, natively: a later section
//! for the mode and the urgency together makes them visible again,
//!
//! ```ini
//! [mode=do-not-disturb urgency=critical]
//! invisible=0
//! ```
//!
//! so nothing held is shown with them. clockoff reads mako's config (read only) to tell
//! whether it has that section; without it, an urgent one arriving is logged with what to add.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Tool;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "mako";
const MODE: &str = "do-not-disturb";

/// What a hold changed: the mode clockoff added.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    mode_added: String,
}

pub struct Mako {
    makoctl: Tool,
    /// Where mako looks for its config, in its order (the first that exists is read).
    configs: Vec<PathBuf>,
}

impl Mako {
    /// `makoctl`: `Tool::new("makoctl")` for the worker's session; `configs`: where mako
    /// looks for its config ([`config_paths`]).
    pub fn new(makoctl: Tool, configs: Vec<PathBuf>) -> Self {
        Self { makoctl, configs }
    }

    /// The config mako reads, if any.
    fn config(&self) -> Option<(&Path, String)> {
        self.configs.iter().find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|text| (p.as_path(), text))
        })
    }

    async fn makoctl(&self, args: &[&str]) -> Result<String, HoldError> {
        self.makoctl.run(args).await.map_err(|HoldError(e)| {
            HoldError(format!(
                "{WHO}: {e} (clockoff holds mako with its \"{MODE}\" mode: mako 1.7 or later, \
                 running, with [mode={MODE}] and invisible=1 in its config)"
            ))
        })
    }
}

impl Holder for Mako {
    fn name(&self) -> String {
        WHO.to_string()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            let modes = self.makoctl(&["mode"]).await?;
            if modes.lines().any(|mode| mode.trim() == MODE) {
                return Ok(Undo::NOTHING);
            }
            self.makoctl(&["mode", "-a", MODE]).await?;
            Undo::of(
                WHO,
                Change {
                    mode_added: MODE.to_string(),
                },
            )
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            let Some(Change { mode_added }) = undo.read(WHO)? else {
                return Ok(());
            };
            self.makoctl(&["mode", "-r", &mode_added]).await.map(drop)
        })
    }

    /// mako shows it by itself when its config says so; otherwise it is hidden with the rest,
    /// and the worker is told what to add. (Lifting the mode instead would show everything
    /// held, and putting it back would hide the urgent one again while it is read.)
    fn let_through(&self) -> BoxFuture<'_, Result<(), HoldError>> {
        Box::pin(async move {
            let config = self.config();
            if config
                .as_ref()
                .is_some_and(|(_, text)| shows_critical_in_mode(text, MODE))
            {
                return Ok(());
            }
            let file = config.map_or_else(
                || {
                    self.configs
                        .last()
                        .map_or("mako's config".into(), |p| p.display().to_string())
                },
                |(p, _)| p.display().to_string(),
            );
            Err(HoldError(format!(
                "{WHO}: an urgent notification is hidden by the \"{MODE}\" mode; to let urgent \
                 ones through, add to {file}:\n[mode={MODE} urgency=critical]\ninvisible=0"
            )))
        })
    }
}

/// Where mako 1.7+ looks for its config, in its order: `~/.mako/config`, then
/// `$XDG_CONFIG_HOME/mako/config` (`~/.config` when unset).
pub fn config_paths() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    home.map(|h| h.join(".mako/config"))
        .into_iter()
        .chain(xdg.map(|x| x.join("mako/config")))
        .collect()
}

/// Whether a mako config has a section for `mode` and critical urgency together (in either
/// order, nothing else) that sets `invisible` off. mako applies matching sections in order,
/// so it must come after the one that hides the mode's notifications.
fn shows_critical_in_mode(config: &str, mode: &str) -> bool {
    let mut hidden_at = None;
    let mut shown_at = None;
    let mut criteria: Vec<&str> = Vec::new();
    for (n, line) in config.lines().enumerate() {
        let line = line.trim();
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            criteria = section.split_whitespace().collect();
            criteria.sort_unstable();
            continue;
        }
        let Some(("invisible", value)) = line.split_once('=').map(|(k, v)| (k.trim(), v.trim()))
        else {
            continue;
        };
        let mode_only = criteria == [format!("mode={mode}").as_str()];
        let with_critical = {
            let mut wanted = [format!("mode={mode}"), "urgency=critical".to_string()];
            wanted.sort_unstable();
            criteria == wanted.iter().map(String::as_str).collect::<Vec<_>>()
        };
        match value {
            "1" | "true" if mode_only => hidden_at = Some(n),
            "0" | "false" if with_critical => shown_at = Some(n),
            _ => {}
        }
    }
    match (hidden_at, shown_at) {
        (Some(hidden), Some(shown)) => shown > hidden,
        (None, Some(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::shows_critical_in_mode;

    #[test]
    fn the_critical_section_must_follow_the_one_that_hides() {
        let hides = "[mode=do-not-disturb]\ninvisible=1\n";
        let shows = "[mode=do-not-disturb urgency=critical]\ninvisible=0\n";
        let shows_reordered = "[urgency=critical mode=do-not-disturb]\ninvisible=false\n";
        assert!(!shows_critical_in_mode(hides, "do-not-disturb"));
        assert!(shows_critical_in_mode(
            &format!("{hides}{shows}"),
            "do-not-disturb"
        ));
        assert!(shows_critical_in_mode(
            &format!("{hides}{shows_reordered}"),
            "do-not-disturb"
        ));
        assert!(!shows_critical_in_mode(
            &format!("{shows}{hides}"),
            "do-not-disturb"
        ));
        // A section for critical alone is not one for the mode.
        assert!(!shows_critical_in_mode(
            &format!("{hides}[urgency=critical]\ninvisible=0\n"),
            "do-not-disturb"
        ));
    }
}
