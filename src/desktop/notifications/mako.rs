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
}

impl Mako {
    /// `makoctl`: `Tool::new("makoctl")` for the worker's session.
    pub fn new(makoctl: Tool) -> Self {
        Self { makoctl }
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
}
