//! `[[calendar]]` on this computer: the last good copy of each calendar kept beside the
//! ledger, read into the schedule ([`with_cached`]), and brought up to date by `clockoff
//! calendar refresh` ([`refresh`]), which the agent runs when it starts and when the
//! calendars may have changed (see `agent::calendar_refresh`). Reading never touches the network, so every command and the agent see the same
//! schedule, offline too; a calendar that cannot be fetched or read keeps its last good
//! copy and says so in status, and never holds or releases anything by itself.

pub mod cache;
pub mod refresh;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{CalendarLocation, CalendarSpec, Config};
use crate::core::calendar::{self, Entries, Reading};
use crate::core::spans::Span;
use cache::Cache;

/// What a calendar is read for: the year behind (the record's past weeks) and a little
/// over a year ahead. Occurrences outside are not kept.
pub fn window(now: DateTime<Utc>) -> Span {
    Span::new(now - TimeDelta::days(366), now + TimeDelta::days(400))
}

/// One calendar as status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarState {
    pub name: String,
    #[serde(rename = "use")]
    pub use_: String,
    /// The file, or the address without its path's secret parts.
    pub from: String,
    /// When the copy in use was read or fetched; `None`: never.
    pub good_at: Option<DateTime<Utc>>,
    /// When it was last tried.
    pub checked_at: Option<DateTime<Utc>>,
    /// Why the last try failed (the last good copy is in use).
    pub problem: Option<String>,
    /// Days of leave and closure and on-call windows it gives within the window read.
    pub entries: usize,
}

/// `config` with what its calendars' last good copies give, and each calendar's state.
pub fn with_cached(config: Config, now: DateTime<Utc>) -> (Config, Vec<CalendarState>) {
    if config.calendars.is_empty() {
        return (config, Vec::new());
    }
    let cache = Cache::standard();
    let mut read = Vec::new();
    let mut states = Vec::new();
    for spec in &config.calendars {
        let (entries, state) = read_one(spec, &config, cache.as_ref(), now);
        read.push((spec.name.clone(), entries));
        states.push(state);
    }
    (config.with_calendars(read), states)
}

fn read_one(
    spec: &CalendarSpec,
    config: &Config,
    cache: Option<&Cache>,
    now: DateTime<Utc>,
) -> (Entries, CalendarState) {
    let meta = cache.map(|c| c.meta(spec)).unwrap_or_default();
    let mut state = CalendarState {
        name: spec.name.clone(),
        use_: spec.use_.name().to_string(),
        from: shown_location(&spec.location),
        good_at: meta.good_at,
        checked_at: meta.checked_at,
        problem: meta.problem.clone(),
        entries: 0,
    };
    let copy = cache.and_then(|c| c.copy(spec));
    let entries = match copy {
        Some(text) => match calendar::read(&text, &reading(spec, config, now)) {
            Ok(entries) => entries,
            Err(problem) => {
                // A copy is only kept once it reads; one that no longer does (a newer
                // build's stricter reading) is said, not used.
                state.problem = Some(format!("the copy kept cannot be read: {problem}"));
                Entries::default()
            }
        },
        None => {
            if state.problem.is_none() {
                state.problem = Some("not read yet: run `clockoff calendar refresh`".into());
            }
            Entries::default()
        }
    };
    state.entries = entries.len();
    (entries, state)
}

/// How `spec` is read for `config` at `now`.
pub fn reading(spec: &CalendarSpec, config: &Config, now: DateTime<Utc>) -> Reading {
    Reading {
        format: spec.format,
        use_: spec.use_,
        filter: spec.filter.clone(),
        tz: config.timezone,
        window: window(now),
    }
}

/// Where a calendar is, as it may be shown: a file as written, an address without its
/// secret ([`crate::config::shown_url`]).
pub fn shown_location(location: &CalendarLocation) -> String {
    match location {
        CalendarLocation::File(file) => file.clone(),
        CalendarLocation::Url(text) => crate::config::shown_url(text),
    }
}
