//! dunst: its own pause (`dunstctl set-paused`), the `paused` property of
//! `org.dunstproject.cmd0`. Held notifications wait in dunst's queue and show on release.
//!
//! dunst holds critical notifications too, and pausing it again sends what it shows back to
//! its queue; so an urgent one is let through by lifting the pause until dunst shows nothing,
//! the urgent one closed by the worker (what waited is shown with it), then pausing again.

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

    #[zbus(property, name = "displayedLength")]
    fn displayed_length(&self) -> zbus::Result<u32>;
}

/// How often dunst is asked whether it still shows anything while an urgent notification is
/// up: only then, so an idle agent never polls.
const SHOWING_POLL: std::time::Duration = std::time::Duration::from_secs(2);

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

    async fn displayed(&self) -> Result<u32, HoldError> {
        let proxy = self.proxy().await?;
        within(WHO, proxy.displayed_length())
            .await?
            .map_err(|e| HoldError(format!("{WHO}: could not read what it shows: {e}")))
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

    fn let_through(&self) -> BoxFuture<'_, Result<(), HoldError>> {
        Box::pin(async move {
            self.set_paused(false).await?;
            // The urgent one stays up until the worker closes it (dunst's default for
            // critical); what waited is shown with it and times out.
            loop {
                tokio::time::sleep(SHOWING_POLL).await;
                if self.displayed().await? == 0 {
                    break;
                }
            }
            self.set_paused(true).await
        })
    }
}
