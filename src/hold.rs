//! The one interface every quiet-hours adaptor implements, for notifications and sync alike:
//! put a hold on, and later undo exactly what that hold changed.
//!
//! A hold returns an [`Undo`] describing what it changed. The agent stores it in the ledger
//! as soon as the hold returns, so a release after a crash and restart undoes the same
//! changes, and a hold that found the worker's own do-not-disturb already on (or a sync
//! device already paused) changes, and later undoes, nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a hold changed, in the adaptor's own terms (stored as JSON in the ledger).
/// `Undo::NOTHING` (JSON `null`) means the hold found everything already held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Undo(pub serde_json::Value);

impl Undo {
    pub const NOTHING: Undo = Undo(serde_json::Value::Null);

    pub fn changed_something(&self) -> bool {
        !self.0.is_null()
    }

    /// An undo recording `change`, what a hold by `who` changed.
    pub fn of(who: &str, change: impl Serialize) -> Result<Undo, HoldError> {
        serde_json::to_value(change)
            .map(Undo)
            .map_err(|e| HoldError(format!("{who}: could not record the hold: {e}")))
    }

    /// What a hold by `who` recorded, read back from the ledger: `None` for
    /// `Undo::NOTHING`, an error for an undo some other holder wrote.
    pub fn read<T: DeserializeOwned>(&self, who: &str) -> Result<Option<T>, HoldError> {
        if !self.changed_something() {
            return Ok(None);
        }
        serde_json::from_value(self.0.clone())
            .map(Some)
            .map_err(|e| {
                HoldError(format!(
                    "{who}: the recorded hold {} is not one this holder wrote: {e}",
                    self.0
                ))
            })
    }
}

/// Why a hold or release did not happen; shown in `clockoff status` and retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldError(pub String);

impl fmt::Display for HoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HoldError {}

impl From<zbus::Error> for HoldError {
    fn from(e: zbus::Error) -> Self {
        HoldError(e.to_string())
    }
}

impl From<zbus::fdo::Error> for HoldError {
    fn from(e: zbus::fdo::Error) -> Self {
        HoldError(e.to_string())
    }
}

/// Whether a D-Bus call failed only because nobody owns the name (and it was not started):
/// the peer is not running, which holders report as such.
pub fn is_unowned(e: &zbus::Error) -> bool {
    matches!(e, zbus::Error::MethodError(name, ..)
        if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
            || name.as_str() == "org.freedesktop.DBus.Error.NameHasNoOwner")
}

pub trait Holder: Send + Sync {
    /// A stable name for the ledger and `clockoff status`, e.g. "dunst",
    /// "syncthing http://127.0.0.1:8384", "systemd onedrive.service".
    fn name(&self) -> String;

    /// Puts the hold on, leaving alone anything already held, and says what it changed.
    /// The agent calls it again only when the peer may have lost the hold (it restarted).
    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>>;

    /// Undoes exactly what `undo` says a hold changed; `Undo::NOTHING` does nothing.
    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>>;

    /// An urgent (critical) notification arrived while this holder's hold is on: let it
    /// reach the worker, and return once the hold is whole again. A notification server that
    /// shows critical notifications through its own do-not-disturb (xfce, GNOME, KDE) needs
    /// nothing; one that holds them too (dunst) lifts its hold until the urgent one is
    /// closed. Cancelled (dropped) when the hold is to end anyway.
    fn let_through(&self) -> BoxFuture<'_, Result<(), HoldError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Paused {
        paused: bool,
    }

    #[test]
    fn an_undo_reads_back_as_written() {
        let undo = Undo::of("t", Paused { paused: true }).unwrap();
        assert_eq!(undo.0, serde_json::json!({"paused": true}));
        assert_eq!(undo.read("t"), Ok(Some(Paused { paused: true })));
        assert_eq!(Undo::NOTHING.read::<Paused>("t"), Ok(None));
        let foreign = Undo(serde_json::json!({"cookie": 3}));
        assert!(foreign.read::<Paused>("t").is_err());
    }
}
