//! The dashboard's configuration file (`config/dashboard.toml`): TOML with spans kept, so every
//! error names `file:line:col`. One file, no layers: a file given with `--config` replaces the
//! built-in example whole.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::org::Org;
use super::rule::release::Threshold;
use super::rule::units::{TreeError, UnitTree};
use clockoff_core::config::{ConfigError, ConfigErrors, Source};
use clockoff_core::record::keep::Keep;

/// The commented example configuration: what `serve` runs with when given no file.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/dashboard.toml");
pub const DEFAULT_NAME: &str = "<built-in default>";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_WEEKS_ACCEPTED: u32 = 2;
/// Two years of weeks: an agent's queue never holds a report longer.
pub const MAX_WEEKS_ACCEPTED: u32 = 104;
/// Reports are kept two years by default: the longest trend a page or the API shows.
pub const DEFAULT_KEEP: Keep = Keep::Months(24);
/// The shortest `keep`, in days: 24 weeks, so "6 months" (at least 168 days) is allowed and
/// the 26-week page has nearly all its weeks. The default passes for any `weeks_accepted`.
pub const SHORTEST_KEEP_DAYS: u32 = 24 * 7;

#[derive(Debug, Clone)]
pub struct DashboardConfig {
    pub listen: SocketAddr,
    pub k: Threshold,
    /// `None`: the default place ([`default_sqlite_path`]).
    pub database: Option<Database>,
    pub weeks_accepted: u32,
    /// How long reports are kept (by their week); older ones are deleted daily.
    pub keep: Keep,
    pub org: Org,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    /// A `postgres://` address, checked to parse; connecting is left to the server.
    Postgres(String),
}

/// Without the PostgreSQL address's password, should a configuration ever be printed.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Database::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&crate::store::postgres::describe(url))
                .finish(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<Spanned<String>>,
    k: Option<Spanned<i64>>,
    database: Option<Spanned<String>>,
    weeks_accepted: Option<Spanned<i64>>,
    keep: Option<Spanned<String>>,
    units: Option<Spanned<Vec<RawUnit>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    id: Spanned<String>,
    name: Spanned<String>,
    parent: Option<Spanned<String>>,
    max_devices: Option<Spanned<i64>>,
}

/// The most laptops a unit may declare: far above any team, low enough to be a mistake.
const MAX_DEVICES_LIMIT: i64 = 100_000;

/// The file at `path`, or the built-in example with `None`.
pub fn load(path: Option<&Path>) -> Result<DashboardConfig, ConfigErrors> {
    let source = match path {
        None => Source {
            name: DEFAULT_NAME.into(),
            text: DEFAULT_CONFIG.into(),
        },
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))
                .and_then(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|_| format!("{}: not UTF-8 text", path.display()))
                })
                .map_err(|message| {
                    ConfigErrors(vec![ConfigError {
                        location: None,
                        message,
                    }])
                })?;
            Source {
                name: path.display().to_string(),
                text,
            }
        }
    };
    parse(&source)
}

/// Checks a whole file; every problem is returned, in file order.
#[expect(
    clippy::too_many_lines,
    reason = "one check or case after another; split when next touched"
)]
pub fn parse(source: &Source) -> Result<DashboardConfig, ConfigErrors> {
    let at = |span: &Range<usize>, message: String| ConfigError {
        location: Some(source.locate(span)),
        message,
    };
    let raw: RawConfig = toml::from_str(&source.text).map_err(|e| {
        ConfigErrors(vec![at(
            &e.span().unwrap_or(0..0),
            e.message().trim().to_string(),
        )])
    })?;
    let mut errors = Vec::new();

    let listen = match &raw.listen {
        None => DEFAULT_LISTEN.parse().ok(),
        Some(l) => l.get_ref().parse::<SocketAddr>().map_or_else(
            |_| {
                errors.push(at(
                    &l.span(),
                    format!(
                        "listen: \"{}\" is not an address and port, e.g. \"127.0.0.1:8080\"",
                        l.get_ref()
                    ),
                ));
                None
            },
            Some,
        ),
    };

    let k = match &raw.k {
        None => Some(Threshold::default()),
        Some(k) => match u32::try_from(*k.get_ref()).ok().map(Threshold::new) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                errors.push(at(&k.span(), format!("k: {e}")));
                None
            }
            None => {
                errors.push(at(&k.span(), "k: must be a whole number from 5".into()));
                None
            }
        },
    };

    let weeks_accepted = match &raw.weeks_accepted {
        None => Some(DEFAULT_WEEKS_ACCEPTED),
        Some(w) => match u32::try_from(*w.get_ref()) {
            Ok(n) if (1..=MAX_WEEKS_ACCEPTED).contains(&n) => Some(n),
            _ => {
                errors.push(at(
                    &w.span(),
                    format!("weeks_accepted: must be from 1 to {MAX_WEEKS_ACCEPTED}"),
                ));
                None
            }
        },
    };

    let database = raw
        .database
        .as_ref()
        .and_then(|d| match database(d.get_ref()) {
            Ok(db) => Some(db),
            Err(message) => {
                errors.push(at(&d.span(), format!("database: {message}")));
                None
            }
        });

    // A week is deleted once it ended `keep` ago; by then it must no longer be accepting
    // reports, which it does for `weeks_accepted` weeks after its end.
    let shortest = SHORTEST_KEEP_DAYS.max(weeks_accepted.unwrap_or(0) * 7 + 1);
    let keep = match &raw.keep {
        None => Some(DEFAULT_KEEP),
        Some(text) => match Keep::parse_period(text.get_ref()) {
            Ok(keep) if keep.at_least_days() >= shortest => Some(keep),
            Ok(_) => {
                errors.push(at(
                    &text.span(),
                    format!(
                        "keep: \"{}\" is too short: at least {shortest} days (24 weeks, and \
                         longer than weeks_accepted, so no week still accepting reports is \
                         deleted)",
                        text.get_ref()
                    ),
                ));
                None
            }
            Err(message) => {
                errors.push(at(&text.span(), format!("keep: {message}")));
                None
            }
        },
    };

    let org = units(&raw, source, &mut errors);

    match (listen, k, weeks_accepted, keep, org) {
        (Some(listen), Some(k), Some(weeks_accepted), Some(keep), Some(org))
            if errors.is_empty() =>
        {
            Ok(DashboardConfig {
                listen,
                k,
                database,
                weeks_accepted,
                keep,
                org,
            })
        }
        _ => {
            errors.sort_by_key(|e| e.location.as_ref().map(|l| (l.line, l.column)));
            Err(ConfigErrors(errors))
        }
    }
}

/// `sqlite://PATH`: `sqlite:///var/lib/x.sqlite3` is absolute, `sqlite://x.sqlite3` relative.
/// `postgres://` (or `postgresql://`): libpq's URL form.
fn database(url: &str) -> Result<Database, String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err("\"sqlite://\" needs a path, e.g. \"sqlite:///var/lib/clockoff-dashboard/dashboard.sqlite3\"".into());
        }
        return Ok(Database::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return crate::store::postgres::check_url(url)
            .map(|()| Database::Postgres(url.to_string()));
    }
    Err(
        "expected \"sqlite:///path/to/dashboard.sqlite3\" or \"postgres://user@host/database\""
            .into(),
    )
}

/// The `[[units]]` as a checked tree, errors placed at the unit they concern.
fn units(raw: &RawConfig, source: &Source, errors: &mut Vec<ConfigError>) -> Option<Org> {
    let at = |span: &Range<usize>, message: String| ConfigError {
        location: Some(source.locate(span)),
        message,
    };
    let Some(units) = raw.units.as_ref() else {
        errors.push(at(
            &(0..0),
            "no [[units]]: describe the organisation (see the built-in example)".into(),
        ));
        return None;
    };
    let mut ok = true;
    for u in units.get_ref() {
        if let Err(message) = check_id(u.id.get_ref()) {
            errors.push(at(&u.id.span(), format!("units.id: {message}")));
            ok = false;
        }
        if u.name.get_ref().trim().is_empty() {
            errors.push(at(&u.name.span(), "units.name: must not be empty".into()));
            ok = false;
        }
        if let Some(max) = &u.max_devices
            && !(1..=MAX_DEVICES_LIMIT).contains(max.get_ref())
        {
            errors.push(at(
                &max.span(),
                format!(
                    "units.max_devices: {} is not a headcount from 1 to {MAX_DEVICES_LIMIT}",
                    max.get_ref()
                ),
            ));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let listed = units.get_ref().iter().map(|u| {
        (
            u.id.get_ref().clone(),
            u.parent.as_ref().map(|p| p.get_ref().clone()),
        )
    });
    match UnitTree::new(listed) {
        Ok(tree) => {
            let names = units
                .get_ref()
                .iter()
                .map(|u| (u.id.get_ref().clone(), u.name.get_ref().clone()));
            let limits = units.get_ref().iter().filter_map(|u| {
                let max = u32::try_from(*u.max_devices.as_ref()?.get_ref()).ok()?;
                Some((u.id.get_ref().clone(), max))
            });
            Some(Org::new(tree, names).with_max_devices(limits))
        }
        Err(e) => {
            let span = tree_error_span(&e, units);
            errors.push(at(&span, format!("units: {e}")));
            None
        }
    }
}

/// Where a tree error is best shown: the unit (or parent) it names.
fn tree_error_span(e: &TreeError, units: &Spanned<Vec<RawUnit>>) -> Range<usize> {
    let id_span = |id: &str, nth: usize| {
        units
            .get_ref()
            .iter()
            .filter(|u| u.id.get_ref() == id)
            .nth(nth)
            .map(|u| u.id.span())
    };
    let found = match e {
        TreeError::DuplicateId(id) => id_span(id, 1),
        TreeError::UnknownParent { unit, .. } => units
            .get_ref()
            .iter()
            .find(|u| u.id.get_ref() == unit)
            .and_then(|u| u.parent.as_ref().map(Spanned::span)),
        TreeError::SeveralRoots(ids) => ids.get(1).and_then(|id| id_span(id, 0)),
        TreeError::Cycle(id) => id_span(id, 0),
        TreeError::Empty | TreeError::EmptyId | TreeError::NoRoot => None,
    };
    found.unwrap_or_else(|| units.span())
}

/// Ids go into URL paths and logs as they are: a small alphabet keeps them unescaped.
fn check_id(id: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || id.len() > 64 || !id.chars().all(allowed) {
        return Err(format!(
            "\"{id}\" must be 1 to 64 letters, digits, \"-\", \"_\" or \".\""
        ));
    }
    Ok(())
}

/// `$XDG_DATA_HOME/clockoff-dashboard/dashboard.sqlite3`, else under `$HOME/.local/share`,
/// else `./clockoff-dashboard.sqlite3`.
pub fn default_sqlite_path() -> PathBuf {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_DATA_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local/share"))
        })
        .map_or_else(
            || PathBuf::from("clockoff-dashboard.sqlite3"),
            |base| base.join("clockoff-dashboard").join("dashboard.sqlite3"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<DashboardConfig, String> {
        parse(&Source {
            name: "d.toml".into(),
            text: text.into(),
        })
        .map_err(|e| e.to_string())
    }

    const ORG: &str = "[[units]]\nid = \"org\"\nname = \"Org\"\n";

    #[test]
    fn the_built_in_example_is_valid() {
        let c = load(None).unwrap();
        assert_eq!(c.k, Threshold::default());
        assert_eq!(c.weeks_accepted, 2);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database, None);
        assert_eq!(c.org.tree().id(c.org.tree().root()), "org");
        assert_eq!(c.org.name("team-north"), Some("Assessment Team North"));
    }

    #[test]
    fn values_are_read_and_defaults_fill_in() {
        let c = parse_text(&format!(
            "listen = \"0.0.0.0:9000\"\nk = 5\nweeks_accepted = 2\ndatabase = \"sqlite:///tmp/x.db\"\n{ORG}"
        ))
        .unwrap();
        assert_eq!(c.k.get(), 5);
        assert_eq!(c.weeks_accepted, 2);
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.database, Some(Database::Sqlite("/tmp/x.db".into())));
        assert_eq!(c.keep, DEFAULT_KEEP);
        let c = parse_text(&format!("keep = \"forever\"\n{ORG}")).unwrap();
        assert_eq!(c.keep, Keep::Forever);
        // The shortest allowed, and the default with the most weeks accepted.
        let c = parse_text(&format!("keep = \"6 months\"\n{ORG}")).unwrap();
        assert_eq!(c.keep, Keep::Months(6));
        let c = parse_text(&format!("weeks_accepted = 104\nkeep = \"2 years\"\n{ORG}"));
        assert_eq!(c.unwrap().keep, DEFAULT_KEEP);
        let c = parse_text(&format!(
            "weeks_accepted = 104\nkeep = \"104 weeks\"\n{ORG}"
        ));
        assert!(c.is_err(), "104 weeks would delete a week still accepted");
        for url in [
            "postgresql://clockoff@db.internal:5433/dashboard?sslmode=verify-full",
            "postgres://db/shared?sslmode=verify-full&options=-c%20search_path%3Dclockoff",
        ] {
            let c = parse_text(&format!("database = \"{url}\"\n{ORG}")).unwrap();
            assert_eq!(c.database, Some(Database::Postgres(url.into())));
        }
        let secret = "postgres://dash:hunter2@db/clockoff";
        let c = parse_text(&format!("database = \"{secret}\"\n{ORG}")).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let cases = [
            (
                format!("k = 4\n{ORG}"),
                "d.toml:1:5: k: k = 4 is below the floor of 5",
            ),
            (
                format!("k = -1\n{ORG}"),
                "d.toml:1:5: k: must be a whole number",
            ),
            (
                format!("\n\nlisten = \"nope\"\n{ORG}"),
                "d.toml:3:10: listen:",
            ),
            (
                format!("weeks_accepted = 0\n{ORG}"),
                "d.toml:1:18: weeks_accepted",
            ),
            (
                format!("database = \"mysql://x\"\n{ORG}"),
                "d.toml:1:12: database:",
            ),
            (
                format!("database = \"postgres://x:port/db\"\n{ORG}"),
                "d.toml:1:12: database: ",
            ),
            (
                format!("colour = 1\n{ORG}"),
                "d.toml:1:1: unknown field `colour`",
            ),
            (
                format!("keep = \"20 weeks\"\n{ORG}"),
                "d.toml:1:8: keep: \"20 weeks\" is too short: at least 168 days",
            ),
            (
                format!("weeks_accepted = 30\nkeep = \"30 weeks\"\n{ORG}"),
                "d.toml:2:8: keep: \"30 weeks\" is too short: at least 211 days",
            ),
            (
                format!("keep = \"2 fortnights\"\n{ORG}"),
                "d.toml:1:8: keep: unknown unit \"fortnights\"",
            ),
            ("k = 10\n".into(), "d.toml:1:1: no [[units]]"),
            (
                format!("{ORG}[[units]]\nid = \"t\"\nname = \"T\"\nparent = \"nowhere\"\n"),
                "d.toml:7:10: units: unit \"t\" names parent \"nowhere\"",
            ),
            (
                format!("{ORG}[[units]]\nid = \"org\"\nname = \"Again\"\n"),
                "d.toml:5:6: units: unit \"org\" is listed twice",
            ),
            (
                format!("{ORG}[[units]]\nid = \"a b\"\nname = \"T\"\n"),
                "d.toml:5:6: units.id: \"a b\" must be",
            ),
            (
                format!("{ORG}[[units]]\nid = \"other\"\nname = \"Other\"\n"),
                "d.toml:5:6: units: units without a parent: org, other",
            ),
        ];
        for (text, want) in cases {
            let got = parse_text(&text).unwrap_err();
            assert!(got.starts_with(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn several_errors_come_together_in_file_order() {
        let got = parse_text(&format!("weeks_accepted = 999\nk = 1\n{ORG}")).unwrap_err();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 2, "{got}");
        assert!(lines[0].starts_with("d.toml:1:"), "{got}");
        assert!(lines[1].starts_with("d.toml:2:"), "{got}");
    }
}
