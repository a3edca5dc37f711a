//! KDE Plasma: an inhibition on its notification server (`Inhibit` / `UnInhibit` on
//! org.freedesktop.Notifications), the same request a presentation or video app makes; the
//! applet shows "Do not disturb" and who asked.
//!
//! Plasma drops an inhibition when the connection that made it leaves the bus. So the hold
//! lasts exactly as long as the agent's session connection: a crashed agent never leaves KDE
//! held, and the cookie a restarted agent reads from the ledger no longer exists (Plasma
//! ignores `UnInhibit` for an unknown cookie).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use zbus::proxy;
use zbus::proxy::CacheProperties;
use zbus::zvariant::Value;

use super::within;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "kde";
/// The desktop entry Plasma shows as the inhibiting app.
const DESKTOP_ENTRY: &str = "clockoff";
const REASON: &str = "Outside working hours";

#[proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications",
    gen_blocking = false
)]
trait Inhibitions {
    fn inhibit(
        &self,
        desktop_entry: &str,
        reason: &str,
        hints: HashMap<&str, Value<'_>>,
    ) -> zbus::Result<u32>;

    fn un_inhibit(&self, cookie: u32) -> zbus::Result<()>;

    /// True under the worker's own Do Not Disturb or anyone's inhibition (ours included).
    #[zbus(property)]
    fn inhibited(&self) -> zbus::Result<bool>;
}

/// What a hold changed: the inhibition clockoff holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    cookie: u32,
}

pub struct Kde {
    session: zbus::Connection,
}

impl Kde {
    /// The inhibition is made on `session` and lasts no longer than it.
    pub fn new(session: &zbus::Connection) -> Self {
        Self {
            session: session.clone(),
        }
    }

    async fn proxy(&self) -> Result<InhibitionsProxy<'_>, HoldError> {
        InhibitionsProxy::builder(&self.session)
            .cache_properties(CacheProperties::No)
            .build()
            .await
            .map_err(|e| HoldError(format!("{WHO}: {e}")))
    }
}

impl Holder for Kde {
    fn name(&self) -> String {
        WHO.to_string()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            // Always an inhibition of our own, even when `Inhibited` is already true: that
            // is true for anyone's inhibition (a video player's), which may end while we
            // should still hold. Inhibitions stack and `UnInhibit` removes only ours, so the
            // worker's own Do Not Disturb is never touched. (The slot calls hold again only
            // after Plasma or the agent restarted, when our earlier inhibition is gone.)
            let proxy = self.proxy().await?;
            let cookie = within(
                "Plasma",
                proxy.inhibit(DESKTOP_ENTRY, REASON, HashMap::new()),
            )
            .await?
            .map_err(|e| HoldError(format!("{WHO}: Inhibit failed: {e}")))?;
            Undo::of(WHO, Change { cookie })
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            let Some(Change { cookie }) = undo.read(WHO)? else {
                return Ok(());
            };
            let proxy = self.proxy().await?;
            within("Plasma", proxy.un_inhibit(cookie))
                .await?
                .map_err(|e| HoldError(format!("{WHO}: UnInhibit({cookie}) failed: {e}")))
        })
    }
}
