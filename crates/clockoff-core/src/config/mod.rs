//! Configuration: TOML layers (built-in default, organisation policy, the user's file)
//! turned into checked types. Errors name `file:line:col` and what was expected.

pub mod activity_source;
mod calendar_checks;
mod error;
mod layers;
mod origin;
pub mod quiet;
mod quiet_checks;
mod raw;
mod record_checks;
mod report_checks;
mod source;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use activity_source::Choice;
pub use calendar_checks::{CalendarLocation, CalendarSpec, shown_url};
pub use error::{ConfigError, ConfigErrors};
use layers::{Layer, Role};
pub use origin::{EntrySource, Origins, Written};
pub use quiet::QuietSettings;
pub use source::{Location, Source};

use crate::calendar::Entries;
use crate::holidays::{Region, bank_holidays};
use crate::hours::WeeklyHours;
use crate::schedule::{Schedule, ScheduleSpec, horizon};
use crate::spans::Span;

/// The commented example configuration, built in as the lowest layer.
pub const DEFAULT_CONFIG: &str = include_str!("../../../../config/clockoff.toml");
pub const DEFAULT_NAME: &str = "<built-in default>";
pub const POLICY_PATH: &str = "/etc/clockoff/policy.toml";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub timezone: Tz,
    pub timezone_source: ZoneSource,
    /// Contracted working time per week.
    pub contracted: Duration,
    pub hours: WeeklyHours,
    pub holidays: HolidayRules,
    /// Inclusive local date ranges.
    pub leave: Vec<(NaiveDate, NaiveDate)>,
    pub on_call: Vec<Span>,
    pub activity: ActivitySettings,
    pub quiet: QuietSettings,
    /// Show the tray icon (`clockoff run --no-tray` turns it off whatever this says).
    pub tray: bool,
    /// What earns time off in lieu (`[record] toil`).
    pub toil: crate::record::toil::Rule,
    /// Minutes of TOIL per qualifying minute (`[record] toil_rate`), 0.5 to 3.0.
    pub toil_rate: f64,
    /// How long records are kept (`[record] keep`); older ones are forgotten by the agent.
    pub keep: crate::record::keep::Keep,
    /// Weekly reporting to the team dashboard (`[report]`).
    pub report: ReportSettings,
    /// `[[calendar]]`: where leave, on-call and closures are read from besides this file.
    pub calendars: Vec<CalendarSpec>,
    /// What those calendars gave when last read (by name), added to the schedule. Empty
    /// until the agent or a command reads them ([`Config::with_calendars`]).
    pub from_calendars: Vec<(String, Entries)>,
    /// Which file gave the leave, on-call and closure lists.
    pub origins: Origins,
}

/// `[report]`: off unless the worker (or the organisation's policy) turns it on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSettings {
    pub enabled: bool,
    /// The dashboard's address: https, or http to this machine. Required when enabled.
    pub dashboard: Option<String>,
    /// The file holding the team's reporter token (absolute, or `~/...`), read at each send
    /// so the token itself is never in a config file, a log or a status.
    pub token_file: Option<String>,
}

impl Config {
    /// The TOIL rule with the numbers it needs from the rest of the config.
    pub fn toil_policy(&self) -> crate::record::toil::Policy {
        crate::record::toil::Policy {
            rule: self.toil,
            rate: self.toil_rate,
            contracted_minutes: (self.contracted.as_secs() / 60) as i64,
        }
    }
}

/// How the agent tells whether the person is at the laptop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivitySettings {
    /// No input for this long means away; the stretch ends at the last input.
    pub idle_after: Duration,
    pub source: Choice,
}

pub const DEFAULT_IDLE_AFTER: Duration = Duration::from_secs(5 * 60);

/// Where the zone came from when the config names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    Configured,
    System,
    /// The system zone could not be read or is unknown; UTC is used.
    FallbackUtc,
}

impl ZoneSource {
    /// As `clockoff status --json` says it.
    pub fn name(self) -> &'static str {
        match self {
            ZoneSource::Configured => "configured",
            ZoneSource::System => "system",
            ZoneSource::FallbackUtc => "fallback_utc",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRules {
    pub region: Region,
    pub extra: Vec<NaiveDate>,
    pub removed: Vec<NaiveDate>,
}

impl HolidayRules {
    /// Every holiday date from `first` to `last` year inclusive.
    pub fn dates(&self, first: i32, last: i32) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = (first..=last)
            .flat_map(|year| bank_holidays(self.region, year))
            .map(|h| h.date)
            .filter(|d| !self.removed.contains(d))
            .chain(self.extra.iter().copied())
            .collect();
        dates.sort();
        dates.dedup();
        dates
    }
}

impl Config {
    pub fn schedule(&self) -> Schedule {
        let h = horizon();
        let read = || self.from_calendars.iter().map(|(_, entries)| entries);
        // A year either side: local dates near the horizon may fall outside it in UTC.
        let mut holidays = self.holidays.dates(h.start.year() - 1, h.end.year());
        holidays.extend(read().flat_map(|e| e.closures.iter().copied()));
        Schedule::new(ScheduleSpec {
            tz: self.timezone,
            hours: self.hours.clone(),
            holidays,
            leave: self
                .leave
                .iter()
                .copied()
                .chain(read().flat_map(|e| e.leave_days.iter().copied()))
                .collect(),
            leave_times: read().flat_map(|e| e.leave_times.iter().copied()).collect(),
            on_call: self
                .on_call
                .iter()
                .copied()
                .chain(read().flat_map(|e| e.on_call.iter().copied()))
                .collect(),
            overrides: Vec::new(),
        })
    }

    /// This config with what its calendars gave, by calendar name.
    pub fn with_calendars(mut self, read: Vec<(String, Entries)>) -> Self {
        self.from_calendars = read;
        self
    }
}

/// Which files make up the configuration.
#[derive(Debug, Clone)]
pub struct ConfigPaths {
    pub policy: PathBuf,
    pub user: UserFile,
}

#[derive(Debug, Clone)]
pub enum UserFile {
    /// The usual place; a missing file is fine.
    Default(PathBuf),
    /// Given with --config; it must exist.
    Explicit(PathBuf),
    /// No home to look in.
    None,
}

impl ConfigPaths {
    /// The standard places, honouring XDG_CONFIG_HOME, HOME and (for packagers and tests)
    /// CLOCKOFF_POLICY; `explicit` replaces the user's file.
    pub fn standard(explicit: Option<PathBuf>) -> Self {
        let policy = std::env::var_os("CLOCKOFF_POLICY")
            .map_or_else(|| PathBuf::from(POLICY_PATH), PathBuf::from);
        let user = match explicit {
            Some(path) => UserFile::Explicit(path),
            None => match config_home() {
                Some(dir) => UserFile::Default(dir.join("clockoff").join("config.toml")),
                None => UserFile::None,
            },
        };
        Self { policy, user }
    }

    pub fn user_path(&self) -> Option<&Path> {
        match &self.user {
            UserFile::Default(p) | UserFile::Explicit(p) => Some(p),
            UserFile::None => None,
        }
    }
}

fn config_home() -> Option<PathBuf> {
    let non_empty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
    std::env::var_os("XDG_CONFIG_HOME")
        .and_then(non_empty)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(non_empty)
                .map(|h| h.join(".config"))
        })
}

/// Reads and checks every layer. All problems are returned together.
pub fn load(paths: &ConfigPaths) -> Result<(Config, Vec<String>), ConfigErrors> {
    load_layers(paths, None)
}

/// Reads and checks every layer with `text` in place of the user's file (named by its
/// path): what a file would give before it is written (`clockoff setup`).
pub fn load_candidate(paths: &ConfigPaths, text: &str) -> Result<Config, ConfigErrors> {
    load_layers(paths, Some(text)).map(|(config, _)| config)
}

fn load_layers(
    paths: &ConfigPaths,
    candidate: Option<&str>,
) -> Result<(Config, Vec<String>), ConfigErrors> {
    let mut errors = Vec::new();
    let mut sources = vec![Source {
        name: DEFAULT_NAME.into(),
        text: DEFAULT_CONFIG.into(),
    }];
    let mut roles = vec![Role::Default];
    if let Some(text) = read(&paths.policy, false, &mut errors) {
        sources.push(Source {
            name: paths.policy.display().to_string(),
            text,
        });
        roles.push(Role::Policy);
    }
    if let Some(path) = paths.user_path() {
        let required = matches!(paths.user, UserFile::Explicit(_));
        let text = match candidate {
            Some(text) => Some(text.to_string()),
            None => read(path, required, &mut errors),
        };
        if let Some(text) = text {
            sources.push(Source {
                name: path.display().to_string(),
                text,
            });
            roles.push(Role::User);
        }
    }
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let config = from_sources(roles.into_iter().zip(sources), &mut errors);
    match config {
        Some(config) if errors.is_empty() => Ok((config, names)),
        _ => Err(in_file_order(errors, &names)),
    }
}

/// The keys the organisation's policy locks, as it writes them ("hours",
/// "holidays.region"). A policy that is missing or cannot be parsed locks nothing here;
/// [`load`] reports what is wrong with it.
pub fn locked_keys(paths: &ConfigPaths) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(&paths.policy) else {
        return Vec::new();
    };
    let source = Source {
        name: paths.policy.display().to_string(),
        text,
    };
    let (layer, _) = Layer::parse(Role::Policy, source);
    layer
        .and_then(|layer| layer.raw.lock)
        .map(|lock| {
            lock.into_inner()
                .into_iter()
                .map(|key| key.into_inner())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `key` is among `locks`, or in a table one of them locks whole.
pub fn is_locked(locks: &[String], key: &str) -> bool {
    locks.iter().any(|lock| {
        key == lock
            || key
                .strip_prefix(lock.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The built-in default with one user file's text on top: no policy and no config files are
/// read (the system zone is, when the text names no `timezone`).
pub fn from_text(name: &str, text: &str) -> Result<Config, ConfigErrors> {
    let layers = [
        (
            Role::Default,
            Source {
                name: DEFAULT_NAME.into(),
                text: DEFAULT_CONFIG.into(),
            },
        ),
        (
            Role::User,
            Source {
                name: name.into(),
                text: text.into(),
            },
        ),
    ];
    let mut errors = Vec::new();
    match from_sources(layers, &mut errors) {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(in_file_order(errors, &[DEFAULT_NAME.into(), name.into()])),
    }
}

/// Errors as a reader meets them: files in the order they are read, then line and column.
/// Errors with no place (a file that cannot be read) come first.
fn in_file_order(mut errors: Vec<ConfigError>, files: &[String]) -> ConfigErrors {
    errors.sort_by_key(|e| {
        e.location.as_ref().map(|l| {
            let file = files.iter().position(|f| *f == l.file);
            (file, l.line, l.column)
        })
    });
    ConfigErrors(errors)
}

fn from_sources(
    sources: impl IntoIterator<Item = (Role, Source)>,
    errors: &mut Vec<ConfigError>,
) -> Option<Config> {
    let mut layers = Vec::new();
    let mut unreadable = false;
    for (role, source) in sources {
        let (layer, shape_errors) = Layer::parse(role, source);
        errors.extend(shape_errors);
        match layer {
            Some(layer) => layers.push(layer),
            None => unreadable = true,
        }
    }
    // A layer that could not be read at all would make every check after it misleading.
    if unreadable {
        return None;
    }
    let (merged, merge_errors) = layers::merge(&layers);
    errors.extend(merge_errors);
    validate::validate(&merged, system_zone, errors)
}

fn read(path: &Path, required: bool, errors: &mut Vec<ConfigError>) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(e) => {
                errors.push(ConfigError {
                    location: None,
                    message: format!(
                        "{}: not UTF-8 text (invalid byte at offset {})",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    ),
                });
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => None,
        Err(e) => {
            errors.push(ConfigError {
                location: None,
                message: format!("{}: cannot read: {e}", path.display()),
            });
            None
        }
    }
}

/// The zone the system runs in: $TZ if it names an IANA zone, else /etc/localtime.
fn system_zone() -> (Tz, ZoneSource) {
    let from_env = std::env::var("TZ")
        .ok()
        .map(|tz| tz.trim_start_matches(':').to_string());
    let name = from_env
        .filter(|n| n.parse::<Tz>().is_ok())
        .or_else(|| iana_time_zone::get_timezone().ok());
    match name.and_then(|n| n.parse::<Tz>().ok()) {
        Some(tz) => (tz, ZoneSource::System),
        None => (Tz::UTC, ZoneSource::FallbackUtc),
    }
}
