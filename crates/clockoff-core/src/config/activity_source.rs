//! Which activity source the agent uses: `[activity] source`.

use std::fmt;
use std::str::FromStr;

/// Where a source gets its answer to "is the person at the laptop?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    X11,
    Mutter,
    Wayland,
    ScreenSaver,
    Logind,
}

impl SourceKind {
    /// The order `auto` tries input sources in: the most precise and event-driven first.
    /// Mutter before Wayland: GNOME does not offer ext-idle-notify, and its own monitor is
    /// exact. X11 refuses a Wayland session, so the order between the two matters not.
    pub const AUTO_ORDER: [SourceKind; 5] = [
        SourceKind::Mutter,
        SourceKind::Wayland,
        SourceKind::X11,
        SourceKind::ScreenSaver,
        SourceKind::Logind,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SourceKind::X11 => "x11",
            SourceKind::Mutter => "mutter",
            SourceKind::Wayland => "wayland",
            SourceKind::ScreenSaver => "screensaver",
            SourceKind::Logind => "logind",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The configured input source: the first that works, or one named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    #[default]
    Auto,
    Only(SourceKind),
}

impl FromStr for Choice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Choice::Auto);
        }
        SourceKind::AUTO_ORDER
            .into_iter()
            .find(|k| k.name() == s)
            .map(Choice::Only)
            .ok_or_else(|| {
                let names = SourceKind::AUTO_ORDER.map(|k| format!("\"{k}\""));
                format!(
                    "unknown source \"{s}\": expected one of \"auto\", {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Auto => f.write_str("auto"),
            Choice::Only(kind) => f.write_str(kind.name()),
        }
    }
}
