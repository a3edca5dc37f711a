//! dunst: its own pause (`dunstctl set-paused`), the `paused` property of
//! `org.dunstproject.cmd0`. Held notifications wait in dunst's queue and show on release.

use serde::{Deserialize, Serialize};
use zbus::proxy;
use zbus::proxy::CacheProperties;

use super::within;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "dunst";

#[proxy(
    interface = "org.dunstproject.cmd0",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications",
    gen_blocking = false
)]
trait DunstCmd {
    #[zbus(property, name = "paused")]
    fn paused(&self) -> zbus::Result<bool>;

    #[zbus(property, name = "paused")]
    fn set_paused(&self, paused: bool) -> zbus::Result<()>;
}

/// What a hold changed: dunst was running and clockoff paused it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    paused: bool,
}

pub struct Dunst {
    session: zbus::Connection,
}

impl Dunst {
    pub fn new(session: &zbus::Connection) -> Self {
        Self {
            session: session.clone(),
        }
    }

    async fn proxy(&self) -> Result<DunstCmdProxy<'_>, HoldError> {
        // Uncached: the worker pauses and unpauses dunst too, and each read must be current.
        DunstCmdProxy::builder(&self.session)
            .cache_properties(CacheProperties::No)
            .build()
            .await
            .map_err(|e| HoldError(format!("{WHO}: {e}")))
    }

    async fn paused(&self) -> Result<bool, HoldError> {
        let proxy = self.proxy().await?;
        within(WHO, proxy.paused())
            .await?
            .map_err(|e| HoldError(format!("{WHO}: could not read whether it is paused: {e}")))
    }

    async fn set_paused(&self, paused: bool) -> Result<(), HoldError> {
        let proxy = self.proxy().await?;
        within(WHO, proxy.set_paused(paused))
            .await?
            .map_err(|e| HoldError(format!("{WHO}: could not set paused to {paused}: {e}")))
    }
}

impl Holder for Dunst {
    fn name(&self) -> String {
        WHO.to_string()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            if self.paused().await? {
                return Ok(Undo::NOTHING); // the worker's own pause, or ours already
            }
            self.set_paused(true).await?;
            Undo::of(WHO, Change { paused: true })
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            match undo.read::<Change>(WHO)? {
                Some(Change { paused: true }) => self.set_paused(false).await,
                _ => Ok(()),
            }
        })
    }
}
