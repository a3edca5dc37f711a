//! Where the tray stands, for `clockoff status`: the `tray` part of the status.

use crate::status::{Tray, TrayState};

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
    pub fn to_status(&self) -> Tray {
        let (state, detail) = match self {
            TrayStatus::Off(TrayOff::Flag) => {
                (TrayState::Off, "turned off with --no-tray".to_owned())
            }
            TrayStatus::Off(TrayOff::Config) => (
                TrayState::Off,
                "turned off in the config ([tray] enabled = false)".into(),
            ),
            TrayStatus::Registering => (TrayState::Registering, "waiting for the panel".into()),
            TrayStatus::Shown => (TrayState::Shown, "in the panel".into()),
            TrayStatus::NoHost => (
                TrayState::NoHost,
                "this desktop shows no tray icons (no StatusNotifierWatcher; on GNOME, the \
                 AppIndicator extension adds one); it will appear when one starts, and the \
                 end-of-day notice still offers to work on"
                    .into(),
            ),
            TrayStatus::Failed(e) => (TrayState::Failed, e.clone()),
        };
        Tray { state, detail }
    }
}
