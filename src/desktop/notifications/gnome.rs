//! GNOME Shell: the "Do Not Disturb" switch in its calendar menu is the GSettings key
//! `org.gnome.desktop.notifications show-banners` (off = held). Without GIO bindings, the
//! key is read and written with the `gsettings` tool, which goes through dconf as the desktop
//! does. Held notifications still reach the message tray, unseen until opened.

use serde::{Deserialize, Serialize};

use super::Tool;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "gnome";
const SCHEMA: &str = "org.gnome.desktop.notifications";
const KEY: &str = "show-banners";

/// What a hold changed: clockoff turned banners off.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    show_banners: bool,
}

pub struct Gnome {
    gsettings: Tool,
}

impl Gnome {
    /// `gsettings`: `Tool::new("gsettings")` for the worker's session.
    pub fn new(gsettings: Tool) -> Self {
        Self { gsettings }
    }

    async fn show_banners(&self) -> Result<bool, HoldError> {
        let out = self.gsettings.run(&["get", SCHEMA, KEY]).await?;
        match out.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(HoldError(format!(
                "{WHO}: gsettings get {SCHEMA} {KEY} printed {other:?}, not true or false"
            ))),
        }
    }

    async fn set_show_banners(&self, on: bool) -> Result<(), HoldError> {
        let value = if on { "true" } else { "false" };
        self.gsettings
            .run(&["set", SCHEMA, KEY, value])
            .await
            .map(drop)
    }
}

impl Holder for Gnome {
    fn name(&self) -> String {
        WHO.to_string()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            if !self.show_banners().await? {
                return Ok(Undo::NOTHING); // the worker's Do Not Disturb, or ours already
            }
            self.set_show_banners(false).await?;
            Undo::of(
                WHO,
                Change {
                    show_banners: false,
                },
            )
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            match undo.read::<Change>(WHO)? {
                Some(Change {
                    show_banners: false,
                }) => self.set_show_banners(true).await,
                _ => Ok(()),
            }
        })
    }
}
