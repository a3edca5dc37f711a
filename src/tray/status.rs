//! Where the tray stands, for `clockoff status`: the `tray` object of the status JSON.

use serde_json::{Value, json};

/// Why there is no tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayOff {
    /// `clockoff run --no-tray`.
    Flag,
    /// `[tray] enabled = false`.
    Config,
}

/// Where the tray stands, for `clockoff status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayStatus {
    Off(TrayOff),
    /// The item is served; the panel's watcher has not listed it yet.
    Registering,
    /// A panel lists the item.
    Shown,
    /// No StatusNotifierWatcher on the bus: nothing can show the item until one appears.
    NoHost,
    Failed(String),
}

impl TrayStatus {
    pub fn to_json(&self) -> Value {
        let (state, detail) = match self {
            TrayStatus::Off(TrayOff::Flag) => ("off", "turned off with --no-tray".to_owned()),
            TrayStatus::Off(TrayOff::Config) => (
                "off",
                "turned off in the config ([tray] enabled = false)".into(),
            ),
            TrayStatus::Registering => ("registering", "waiting for the panel".into()),
            TrayStatus::Shown => ("shown", "in the panel".into()),
            TrayStatus::NoHost => (
                "no_host",
                "this desktop shows no tray icons (no StatusNotifierWatcher; on GNOME, the \
                 AppIndicator extension adds one); it will appear when one starts, and the \
                 end-of-day notice still offers to work on"
                    .into(),
            ),
            TrayStatus::Failed(e) => ("failed", e.clone()),
        };
        json!({ "state": state, "detail": detail })
    }
}
