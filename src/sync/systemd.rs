//! A systemd user unit (a sync client's service), stopped while quiet through the user
//! manager on the session bus, and started again only if this hold stopped it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

use crate::hold::{BoxFuture, HoldError, Holder, Undo, is_unowned};

const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER: &str = "org.freedesktop.systemd1.Manager";
const UNIT: &str = "org.freedesktop.systemd1.Unit";
const NO_SUCH_UNIT: &str = "org.freedesktop.systemd1.NoSuchUnit";

/// Every call is answered at once (jobs are queued, not awaited): this only bounds a hung bus.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct SystemdUnit {
    unit: String,
    session: zbus::Connection,
}

/// What a hold changed: it stopped this unit.
#[derive(Debug, Serialize, Deserialize)]
struct Stopped {
    stopped: String,
}

impl SystemdUnit {
    pub fn new(unit: &str, session: zbus::Connection) -> Self {
        Self {
            unit: unit.to_string(),
            session,
        }
    }

    async fn stop(&self) -> Result<Undo, HoldError> {
        if !self.running().await? {
            return Ok(Undo::NOTHING);
        }
        self.manager("StopUnit").await?;
        let stopped = self.unit.clone();
        Undo::of(&self.unit, Stopped { stopped })
    }

    async fn start(&self, undo: &Undo) -> Result<(), HoldError> {
        let Some(Stopped { stopped }) = undo.read(&self.unit)? else {
            return Ok(());
        };
        if stopped != self.unit {
            return Err(HoldError(format!(
                "the hold stopped {stopped}, not {}: not starting either",
                self.unit
            )));
        }
        self.manager("StartUnit").await.map(drop)
    }

    /// Whether the unit is running, or on its way to running (a sync job starting counts).
    async fn running(&self) -> Result<bool, HoldError> {
        let path = match self
            .call(MANAGER_PATH, MANAGER, "GetUnit", &(&self.unit,))
            .await
        {
            Ok(reply) => reply
                .body()
                .deserialize::<OwnedObjectPath>()
                .map_err(|e| self.fail("GetUnit", e))?,
            Err(e) => return self.not_loaded(e).await,
        };
        let state = self.property(&path, "ActiveState").await?;
        Ok(matches!(
            state.as_str(),
            "active" | "activating" | "reloading"
        ))
    }

    /// GetUnit fails for a unit systemd has not loaded: one that is not running, or one
    /// that does not exist. LoadUnit tells the two apart, so a misspelt unit is an error.
    async fn not_loaded(&self, e: zbus::Error) -> Result<bool, HoldError> {
        let not_loaded =
            matches!(&e, zbus::Error::MethodError(name, _, _) if name.as_str() == NO_SUCH_UNIT);
        if !not_loaded {
            return Err(self.fail("GetUnit", e));
        }
        let reply = self
            .call(MANAGER_PATH, MANAGER, "LoadUnit", &(&self.unit,))
            .await
            .map_err(|e| self.fail("LoadUnit", e))?;
        let path: OwnedObjectPath = reply
            .body()
            .deserialize()
            .map_err(|e| self.fail("LoadUnit", e))?;
        match self.property(&path, "LoadState").await?.as_str() {
            "not-found" => Err(HoldError(format!("systemd has no user unit {}", self.unit))),
            _ => Ok(false),
        }
    }

    async fn property(&self, path: &OwnedObjectPath, name: &str) -> Result<String, HoldError> {
        let reply = self
            .call(
                path.as_str(),
                "org.freedesktop.DBus.Properties",
                "Get",
                &(UNIT, name),
            )
            .await
            .map_err(|e| self.fail(name, e))?;
        let value: OwnedValue = reply.body().deserialize().map_err(|e| self.fail(name, e))?;
        String::try_from(value).map_err(|e| self.fail(name, e.into()))
    }

    /// StopUnit or StartUnit in "replace" mode, as `systemctl --user stop/start` does.
    async fn manager(&self, method: &str) -> Result<(), HoldError> {
        self.call(MANAGER_PATH, MANAGER, method, &(&self.unit, "replace"))
            .await
            .map(drop)
            .map_err(|e| self.fail(method, e))
    }

    async fn call<B>(
        &self,
        path: &str,
        iface: &str,
        method: &str,
        body: &B,
    ) -> Result<zbus::Message, zbus::Error>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        let call = self
            .session
            .call_method(Some(SYSTEMD), path, Some(iface), method, body);
        tokio::time::timeout(TIMEOUT, call)
            .await
            .unwrap_or(Err(zbus::Error::Failure(format!(
                "no answer within {} s",
                TIMEOUT.as_secs()
            ))))
    }

    fn fail(&self, what: &str, e: zbus::Error) -> HoldError {
        let unit = &self.unit;
        if is_unowned(&e) {
            HoldError(format!(
                "{unit}: no systemd user manager on the session bus ({SYSTEMD})"
            ))
        } else {
            HoldError(format!("{unit}: systemd {what}: {e}"))
        }
    }
}

impl Holder for SystemdUnit {
    /// As [`crate::config::quiet::SyncSpec::describe`] names the entry.
    fn name(&self) -> String {
        format!("systemd {}", self.unit)
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(self.stop())
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(self.start(undo))
    }
}
