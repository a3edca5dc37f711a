//! The agent's status as the tray reads it: the JSON `clockoff status --json` prints, so the
//! tray never shows anything the worker (or a script) could not see the same way.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::core::schedule::State;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Glance {
    state: String,
    pub since: Option<DateTime<FixedOffset>>,
    pub until: Option<DateTime<FixedOffset>>,
    #[serde(rename = "override")]
    pub running_override: Option<OverrideGlance>,
    pub work_resumes: Option<DateTime<FixedOffset>>,
    pub present: bool,
    /// "none" when nothing can tell whether the worker is at the laptop.
    pub activity_source: String,
    pub today: PeriodGlance,
    pub week: PeriodGlance,
    timezone: String,
    pub quiet: QuietGlance,
    pub report: ReportGlance,
}

/// Weekly reporting: whether it is on, and where the last week that has ended stands.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReportGlance {
    pub enabled: bool,
    pub last_week: LastWeekGlance,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LastWeekGlance {
    /// "2026-W48".
    pub week: String,
    pub paused: bool,
    pub delivered: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OverrideGlance {
    pub until_away: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PeriodGlance {
    pub in_hours_minutes: u64,
    pub out_of_hours_minutes: u64,
    pub on_call_minutes: u64,
}

impl PeriodGlance {
    /// Measured time at the laptop, whatever its class (manual entries are not measured).
    pub fn active_minutes(&self) -> u64 {
        self.in_hours_minutes + self.out_of_hours_minutes + self.on_call_minutes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QuietGlance {
    pub quiet: bool,
    pub since: Option<DateTime<FixedOffset>>,
    pub from: Option<DateTime<FixedOffset>>,
    pub clocked_off: Option<DateTime<FixedOffset>>,
    pub held_notifications: u64,
    pub holders: Vec<HolderGlance>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HolderGlance {
    pub held: bool,
    pub error: Option<String>,
}

impl Glance {
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("the agent's status: {e}"))
    }

    /// `None` for a state this build does not know (a newer agent's JSON).
    pub fn state(&self) -> Option<State> {
        self.state.parse().ok()
    }

    pub fn timezone(&self) -> Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

/// An instant from the JSON, back in UTC.
pub fn utc(t: Option<DateTime<FixedOffset>>) -> Option<DateTime<Utc>> {
    t.map(|t| t.to_utc())
}
