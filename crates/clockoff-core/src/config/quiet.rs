//! Quiet hours settings: `[quiet]` (notifications) and `[[sync]]` (what pauses sync).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietSettings {
    pub notifications: NotificationPolicy,
    /// How long after working time ends before the hold starts: time to finish a note.
    pub grace: Duration,
    pub server: ServerChoice,
    pub sync: Vec<SyncSpec>,
    /// Whether urgent (critical) notifications reach the worker while quiet.
    pub critical: CriticalPolicy,
    /// Apps whose notifications always get through (an on-call app), by name as they send it.
    pub allow: Vec<String>,
}

/// `[quiet] critical`: urgent notifications are shown while quiet (the default), or held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CriticalPolicy {
    #[default]
    Show,
    Hold,
}

impl FromStr for CriticalPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "show" => Ok(Self::Show),
            "hold" => Ok(Self::Hold),
            _ => Err(format!(
                "unknown value \"{s}\": expected \"show\" or \"hold\""
            )),
        }
    }
}

impl QuietSettings {
    /// Whether a notification from `app`, urgent or not, gets through the hold.
    pub fn lets_through(&self, app: &str, urgent: bool) -> bool {
        (urgent && self.critical == CriticalPolicy::Show)
            || self.allow.iter().any(|a| a.eq_ignore_ascii_case(app))
    }
}

pub const DEFAULT_GRACE: Duration = Duration::from_secs(10 * 60);

impl Default for QuietSettings {
    fn default() -> Self {
        Self {
            notifications: NotificationPolicy::Hold,
            grace: DEFAULT_GRACE,
            server: ServerChoice::Auto,
            sync: Vec::new(),
            critical: CriticalPolicy::Show,
            allow: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotificationPolicy {
    #[default]
    Hold,
    Allow,
}

impl FromStr for NotificationPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hold" => Ok(Self::Hold),
            "allow" => Ok(Self::Allow),
            _ => Err(format!(
                "unknown value \"{s}\": expected \"hold\" or \"allow\""
            )),
        }
    }
}

/// The desktop's notification server, each held its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationServer {
    Dunst,
    Xfce,
    Gnome,
    Kde,
    Mako,
}

impl NotificationServer {
    pub const ALL: [NotificationServer; 5] = [
        NotificationServer::Dunst,
        NotificationServer::Xfce,
        NotificationServer::Gnome,
        NotificationServer::Kde,
        NotificationServer::Mako,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NotificationServer::Dunst => "dunst",
            NotificationServer::Xfce => "xfce",
            NotificationServer::Gnome => "gnome",
            NotificationServer::Kde => "kde",
            NotificationServer::Mako => "mako",
        }
    }
}

impl fmt::Display for NotificationServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `[quiet] server`: found from whoever owns `org.freedesktop.Notifications`, or named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerChoice {
    #[default]
    Auto,
    Only(NotificationServer),
}

impl FromStr for ServerChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(ServerChoice::Auto);
        }
        NotificationServer::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .map(ServerChoice::Only)
            .ok_or_else(|| {
                let names = NotificationServer::ALL.map(|k| format!("\"{k}\""));
                format!(
                    "unknown server \"{s}\": expected one of \"auto\", {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for ServerChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerChoice::Auto => f.write_str("auto"),
            ServerChoice::Only(kind) => f.write_str(kind.name()),
        }
    }
}

/// One `[[sync]]` entry: something paused while quiet and resumed when work starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncSpec {
    /// Syncthing's REST API: pause and resume all devices, or the listed ones.
    Syncthing {
        /// The GUI/REST address, e.g. "http://127.0.0.1:8384".
        url: String,
        /// The API key; when absent it is read from `config_xml`.
        api_key: Option<String>,
        /// Syncthing's config.xml; when absent, the standard places are searched.
        config_xml: Option<PathBuf>,
        /// Device IDs to pause; empty means every device.
        devices: Vec<String>,
    },
    /// A systemd user unit, stopped while quiet and started again after (only if it was
    /// running when the hold began).
    Systemd { unit: String },
    /// Shell commands run with `sh -c` at hold and at release.
    Command {
        on_hold: String,
        on_release: String,
        timeout: Duration,
    },
}

impl SyncSpec {
    /// One line naming the entry, for status and logs; also how a hold is known across
    /// restarts, so an entry that is edited counts as a different one.
    pub fn describe(&self) -> String {
        match self {
            SyncSpec::Syncthing { url, devices, .. } if devices.is_empty() => {
                format!("syncthing {url}")
            }
            SyncSpec::Syncthing { url, devices, .. } => {
                format!("syncthing {url} ({})", devices.join(", "))
            }
            SyncSpec::Systemd { unit } => format!("systemd {unit}"),
            SyncSpec::Command { on_hold, .. } => format!("command `{on_hold}`"),
        }
    }
}

pub const DEFAULT_SYNCTHING_URL: &str = "http://127.0.0.1:8384";
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
