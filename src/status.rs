//! The agent's status: one type that the agent fills in, the tray draws, `clockoff status`
//! prints and the D-Bus `Status` method sends. JSON only at that edge (and `--json`).
//!
//! The JSON is a contract (scripts read it; `tests/suite/cli.rs` and the agent's tests pin
//! it): every struct declares its fields in alphabetical order, which is the order the keys
//! have always been printed in, and times are RFC 3339 in the worker's zone.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::core::schedule::State;

/// An instant as the status shows it: RFC 3339 at the worker's UTC offset of the time,
/// "+00:00" rather than "Z" (as it has always been printed), with only the fraction of a
/// second there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub DateTime<FixedOffset>);

impl Time {
    pub fn to_utc(self) -> DateTime<chrono::Utc> {
        self.0.to_utc()
    }

    /// "2026-11-23T19:05:00+00:00": how clockoff writes an instant for people and scripts.
    pub fn rfc3339(self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(Time)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Which activity source tells whether the worker is at the laptop: "x11 + logind",
    /// "none + logind" (lock and sleep only), "none"; see [`sees_no_input`].
    pub activity_source: String,
    pub config_sources: Vec<String>,
    /// When the worker finished for the day, while that lasts (the state is then "off",
    /// even in working hours, until work next begins or they resume).
    #[serde(default)]
    pub finished_early: Option<Time>,
    pub ledger: String,
    #[serde(rename = "override")]
    pub running_override: Option<Override>,
    pub present: bool,
    pub quiet: Quiet,
    pub report: Report,
    pub since: Option<Time>,
    pub state: State,
    /// An IANA zone name.
    pub timezone: String,
    /// Where the zone came from: "configured", "system" (the config names none), or
    /// "fallback_utc" (nor could the system's be read).
    #[serde(default)]
    pub timezone_source: String,
    pub today: PeriodTotals,
    pub tray: Tray,
    pub until: Option<Time>,
    pub week: PeriodTotals,
    /// When work next begins after the current span (for "back 09:00 Tue").
    pub work_resumes: Option<Time>,
    /// Where the leave, on-call or holiday now comes from, in words: a calendar's name,
    /// "your config", "the policy", "closure day, your config", or the bank holidays' region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The `[[calendar]]` it comes from, by name, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_calendar: Option<String>,
    /// Each `[[calendar]]`: when it was last read and any problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendars: Vec<crate::calendars::CalendarState>,
}

impl Status {
    /// The worker's zone; UTC for a name this build does not know (a newer agent's).
    pub fn zone(&self) -> Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

/// The override running now: chosen work outside hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub reason: String,
    pub until: Option<Time>,
    /// "Until I stop": it ends when the worker goes idle, locks or sleeps.
    pub until_away: bool,
}

/// Minutes per class over a local day or ISO week. `out_of_hours_minutes` is all measured
/// work outside contracted hours: off, leave and holiday time plus overrides (chosen work);
/// on-call call-outs are apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodTotals {
    pub in_hours_minutes: u64,
    pub manual_minutes: u64,
    pub on_call_minutes: u64,
    pub out_of_hours_minutes: u64,
    pub override_minutes: u64,
    /// A date ("2026-11-23") or an ISO week ("2026-W48").
    pub period: String,
}

impl PeriodTotals {
    /// Measured time at the laptop, whatever its class (manual entries are not measured).
    pub fn active_minutes(&self) -> u64 {
        self.in_hours_minutes + self.out_of_hours_minutes + self.on_call_minutes
    }
}

/// Quiet hours: whether the laptop is being kept quiet, and by which holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiet {
    /// When quiet hours begin, during the grace after working time.
    pub from: Option<Time>,
    /// Notifications held so far in this quiet period.
    pub held_notifications: u64,
    pub holders: Vec<Holder>,
    pub quiet: bool,
    /// When the quiet period in progress began.
    pub since: Option<Time>,
}

/// One thing quiet hours hold (notifications, a sync service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub error: Option<String>,
    pub held: bool,
    /// Held, but by the worker's own setting (do-not-disturb already on): nothing changed.
    pub held_by_worker: bool,
    /// The holder found, e.g. "dunst"; `None` until one has been.
    pub holder: Option<String>,
    /// The slot's name, e.g. "notifications (auto)".
    pub name: String,
    pub retry_at: Option<Time>,
}

/// Where the tray stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tray {
    /// Said for people: why it is off, or what it waits for.
    pub detail: String,
    pub state: TrayState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayState {
    Off,
    /// The item is served; the panel's watcher has not listed it yet.
    Registering,
    /// A panel lists the item.
    Shown,
    /// No StatusNotifierWatcher on the bus.
    NoHost,
    Failed,
}

/// Sending the weekly summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Queued, never to be delivered: the dashboard no longer takes them.
    pub closed: u64,
    pub dashboard: Option<String>,
    pub delivered: u64,
    pub enabled: bool,
    /// The oldest waiting week whose last try failed.
    pub failing: Option<Failing>,
    pub last_delivered: Option<String>,
    pub last_week: LastWeek,
    pub next_attempt: Option<Time>,
    /// Queued, not delivered, paused by the worker.
    pub paused: u64,
    /// The team this laptop is enrolled in, once it is.
    pub team: Option<Team>,
    /// Queued, not delivered, not paused.
    pub waiting: u64,
}

/// The laptop's enrolment, as the worker checks it: how many laptops the team has enrolled
/// (more than the team's headcount means invented reporters), and the issuing key's
/// fingerprint (the same for every colleague, or someone is being told apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub enrolled: u32,
    pub issuer_fingerprint: String,
    /// Why nothing is sent: the dashboard's key changed without notice.
    pub key_refused: Option<String>,
    pub max_devices: Option<u32>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failing {
    pub attempts: u32,
    pub error: String,
    /// The dashboard refused it (a 4xx), rather than being out of reach.
    pub refused: bool,
    pub week: String,
}

/// The last week that has ended: the week `clockoff report pause` keeps back when none is
/// named, and the one the tray offers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastWeek {
    pub delivered: bool,
    pub paused: bool,
    /// "2026-W48".
    pub week: String,
}

/// Whether `activity_source` (as `activity_source` above says it) names no input source:
/// "none", or "none + logind", where logind tells lock and sleep but not input. Nothing is
/// then recorded as worked at the laptop.
pub fn sees_no_input(activity_source: &str) -> bool {
    activity_source.split(" + ").next() == Some("none")
}

/// An instant in the worker's zone, as the status shows it.
pub fn time_in(tz: Tz, t: DateTime<chrono::Utc>) -> Time {
    Time(t.with_timezone(&tz).fixed_offset())
}

/// A status with every part filled in (`tests::GOLDEN`), for other modules' tests to vary.
#[cfg(test)]
pub(crate) fn example() -> Status {
    serde_json::from_str(tests::GOLDEN).expect("the golden status reads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_input_source_is_told_with_or_without_logind() {
        assert!(sees_no_input("none"));
        assert!(sees_no_input("none + logind"));
        for seeing in [
            "x11 + logind",
            "logind",
            "mutter",
            "wayland (ext-idle-notify v1: an app keeping the screen awake counts as activity) + logind",
            "starting",
        ] {
            assert!(!sees_no_input(seeing), "{seeing}");
        }
    }

    /// The JSON a status of every part prints, key for key and character for character: what
    /// `clockoff status --json` printed before the status was typed.
    pub(super) const GOLDEN: &str = concat!(
        r#"{"activity_source":"x11 + logind","config_sources":["<built-in default>"],"finished_early":null,"#,
        r#""ledger":"/home/w/.local/share/clockoff/ledger.sqlite3","#,
        r#""override":{"reason":"court report","until":"2026-11-23T19:05:00+00:00","until_away":false},"#,
        r#""present":true,"quiet":{"from":null,"held_notifications":3,"#,
        r#""holders":[{"error":null,"held":true,"held_by_worker":false,"holder":"dunst","name":"notifications (auto)","retry_at":null}],"#,
        r#""quiet":true,"since":"2026-11-23T17:10:00.250+00:00"},"#,
        r#""report":{"closed":0,"dashboard":null,"delivered":2,"enabled":true,"#,
        r#""failing":{"attempts":3,"error":"503","refused":false,"week":"2026-W47"},"#,
        r#""last_delivered":"2026-W46","last_week":{"delivered":false,"paused":false,"week":"2026-W47"},"#,
        r#""next_attempt":"2026-06-29T00:30:00+01:00","paused":0,"#,
        r#""team":{"enrolled":7,"issuer_fingerprint":"3f2a 91c0 77de 0b41","key_refused":null,"max_devices":12,"name":"Team A"},"#,
        r#""waiting":1},"#,
        r#""since":"2026-11-23T18:20:00+00:00","state":"override","timezone":"Europe/London","#,
        r#""timezone_source":"system","#,
        r#""today":{"in_hours_minutes":400,"manual_minutes":0,"on_call_minutes":0,"out_of_hours_minutes":65,"override_minutes":20,"period":"2026-11-23"},"#,
        r#""tray":{"detail":"in the panel","state":"shown"},"until":"2026-11-23T19:05:00+00:00","#,
        r#""week":{"in_hours_minutes":400,"manual_minutes":90,"on_call_minutes":0,"out_of_hours_minutes":190,"override_minutes":20,"period":"2026-W48"},"#,
        r#""work_resumes":"2026-11-24T09:00:00+00:00"}"#
    );

    #[test]
    fn the_json_is_unchanged_and_reads_back_to_the_same_status() {
        let status: Status = serde_json::from_str(GOLDEN).unwrap();
        assert_eq!(serde_json::to_string(&status).unwrap(), GOLDEN);
        assert_eq!(status.state, State::Override);
        assert_eq!(status.tray.state, TrayState::Shown);
        assert_eq!(status.week.active_minutes(), 590);
        assert_eq!(status.zone(), chrono_tz::Europe::London);
    }

    #[test]
    fn times_are_rfc3339_in_the_workers_zone_with_only_the_fraction_there_is() {
        let london = chrono_tz::Europe::London;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let summer = serde_json::to_string(&time_in(london, at("2026-06-28T23:30:00Z")));
        assert_eq!(summer.unwrap(), r#""2026-06-29T00:30:00+01:00""#);
        let fraction = serde_json::to_string(&time_in(london, at("2026-11-23T17:10:00.25Z")));
        assert_eq!(fraction.unwrap(), r#""2026-11-23T17:10:00.250+00:00""#);
        let same = crate::core::civil::rfc3339_in(london, at("2026-11-23T17:10:00.123456789Z"));
        let typed = serde_json::to_string(&time_in(london, at("2026-11-23T17:10:00.123456789Z")));
        assert_eq!(typed.unwrap(), format!("\"{same}\""));
    }
}
