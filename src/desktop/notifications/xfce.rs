//! xfce4-notifyd: its do-not-disturb switch, the xfconf property `/do-not-disturb` on channel
//! `xfce4-notifyd`, set through xfconfd over D-Bus. xfce4-notifyd watches the property and
//! stops showing popups at once. Unlike dunst it does not queue what arrives meanwhile:
//! those are dropped (kept only in its log, if the worker turned the log on), and critical
//! notifications still show.

use serde::{Deserialize, Serialize};
use zbus::proxy;
use zbus::proxy::CacheProperties;
use zbus::zvariant::{OwnedValue, Value};

use super::within;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "xfce";
const CHANNEL: &str = "xfce4-notifyd";
const PROPERTY: &str = "/do-not-disturb";
/// What xfconfd answers for a property nobody has set (DND never touched: off).
const NOT_FOUND: &str = "org.xfce.Xfconf.Error.PropertyNotFound";

#[proxy(
    interface = "org.xfce.Xfconf",
    default_service = "org.xfce.Xfconf",
    default_path = "/org/xfce/Xfconf",
    gen_blocking = false
)]
trait Xfconf {
    fn get_property(&self, channel: &str, property: &str) -> zbus::Result<OwnedValue>;

    fn set_property(&self, channel: &str, property: &str, value: &Value<'_>) -> zbus::Result<()>;
}

/// What a hold changed: clockoff turned do-not-disturb on.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    do_not_disturb: bool,
}

pub struct Xfce {
    session: zbus::Connection,
}

impl Xfce {
    pub fn new(session: &zbus::Connection) -> Self {
        Self {
            session: session.clone(),
        }
    }

    async fn proxy(&self) -> Result<XfconfProxy<'_>, HoldError> {
        XfconfProxy::builder(&self.session)
            .cache_properties(CacheProperties::No)
            .build()
            .await
            .map_err(|e| HoldError(format!("{WHO}: {e}")))
    }

    async fn do_not_disturb(&self) -> Result<bool, HoldError> {
        let proxy = self.proxy().await?;
        let failed = |e| {
            HoldError(format!(
                "{WHO}: could not read xfconf {CHANNEL} {PROPERTY}: {e}"
            ))
        };
        match within("xfconfd", proxy.get_property(CHANNEL, PROPERTY)).await? {
            Ok(value) => bool::try_from(value).map_err(|e| failed(e.into())),
            Err(zbus::Error::MethodError(name, ..)) if name.as_str() == NOT_FOUND => Ok(false),
            Err(e) => Err(failed(e)),
        }
    }

    async fn set_do_not_disturb(&self, on: bool) -> Result<(), HoldError> {
        let proxy = self.proxy().await?;
        within(
            "xfconfd",
            proxy.set_property(CHANNEL, PROPERTY, &Value::Bool(on)),
        )
        .await?
        .map_err(|e| {
            HoldError(format!(
                "{WHO}: could not set xfconf {CHANNEL} {PROPERTY}: {e}"
            ))
        })
    }
}

impl Holder for Xfce {
    fn name(&self) -> String {
        WHO.to_string()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            if self.do_not_disturb().await? {
                return Ok(Undo::NOTHING);
            }
            self.set_do_not_disturb(true).await?;
            Undo::of(
                WHO,
                Change {
                    do_not_disturb: true,
                },
            )
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            match undo.read::<Change>(WHO)? {
                Some(Change {
                    do_not_disturb: true,
                }) => self.set_do_not_disturb(false).await,
                _ => Ok(()),
            }
        })
    }
}
