//! The config file as written: every value keeps its span so errors can point at it.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub timezone: Option<Spanned<String>>,
    pub contracted: Option<Spanned<String>>,
    pub hours: Option<Spanned<RawHours>>,
    pub holidays: Option<RawHolidays>,
    pub leave: Option<Spanned<Vec<Spanned<RawPeriod>>>>,
    pub on_call: Option<Spanned<Vec<Spanned<RawPeriod>>>>,
    pub activity: Option<RawActivity>,
    pub quiet: Option<RawQuiet>,
    pub tray: Option<RawTray>,
    pub record: Option<RawRecord>,
    pub report: Option<RawReport>,
    pub sync: Option<Spanned<Vec<Spanned<RawSync>>>>,
    pub calendar: Option<Spanned<Vec<Spanned<RawCalendar>>>>,
    /// Only in the organisation policy: keys the user may not set.
    pub lock: Option<Spanned<Vec<Spanned<String>>>>,
}

pub type RawRanges = Option<Vec<Spanned<String>>>;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    pub monday: RawRanges,
    pub tuesday: RawRanges,
    pub wednesday: RawRanges,
    pub thursday: RawRanges,
    pub friday: RawRanges,
    pub saturday: RawRanges,
    pub sunday: RawRanges,
}

impl RawHours {
    /// Monday first, with each day's key name.
    pub fn days(&self) -> [(&'static str, &RawRanges); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHolidays {
    pub region: Option<Spanned<String>>,
    pub extra: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    pub removed: Option<Spanned<Vec<Spanned<toml::Value>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivity {
    pub idle_after: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuiet {
    pub notifications: Option<Spanned<String>>,
    pub grace: Option<Spanned<String>>,
    pub server: Option<Spanned<String>>,
    pub critical: Option<Spanned<String>>,
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTray {
    pub enabled: Option<Spanned<bool>>,
}

/// `[record]`: how the worker's own record is kept (time off in lieu).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    pub toil: Option<Spanned<String>>,
    /// A float or an integer (`toil_rate = 2` is as natural as `2.0`), checked in validate.
    pub toil_rate: Option<Spanned<toml::Value>>,
    pub keep: Option<Spanned<String>>,
}

/// `[report]`: weekly reporting to the team dashboard.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    pub enabled: Option<Spanned<bool>>,
    pub dashboard: Option<Spanned<String>>,
    pub token_file: Option<Spanned<String>>,
    /// Never accepted: read only to say where the token belongs instead.
    pub token: Option<Spanned<toml::Value>>,
}

/// A `[[sync]]` block: `kind` says which of the other keys apply.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    pub kind: Spanned<String>,
    pub url: Option<Spanned<String>>,
    pub api_key: Option<Spanned<String>>,
    pub config: Option<Spanned<String>>,
    pub devices: Option<Spanned<Vec<Spanned<String>>>>,
    pub unit: Option<Spanned<String>>,
    pub on_hold: Option<Spanned<String>>,
    pub on_release: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// A `[[leave]]` or `[[on_call]]` block. Dates may be strings or TOML date literals.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeriod {
    pub from: Spanned<toml::Value>,
    pub to: Spanned<toml::Value>,
    /// The worker's own words for it (`clockoff leave add --note`): allowed, and not read.
    #[serde(default, rename = "note")]
    pub _note: Option<String>,
}

/// A `[[calendar]]` block: leave, on-call or closures from an iCalendar file or address, or
/// a CSV rota.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub name: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    #[serde(rename = "use")]
    pub use_: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub category: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
}
