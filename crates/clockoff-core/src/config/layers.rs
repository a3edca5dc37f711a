//! Reading the layers (built-in default, organisation policy, user file) and merging them:
//! a later layer replaces a key whole; `[holidays]` merges key by key; keys the policy
//! locks may not appear in the user's file.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, Deserializer};

use super::error::ConfigError;
use super::raw::{RawCalendar, RawConfig, RawHours, RawPeriod, RawSync};
use super::source::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Default,
    Policy,
    User,
}

pub struct Layer {
    pub role: Role,
    pub source: Source,
    pub raw: RawConfig,
}

impl Layer {
    /// Parses a layer's text, with every shape error at its place: an unknown key or a
    /// value of the wrong type does not hide the mistakes after it. The entries in error are
    /// left out of the layer returned, so the checks after parsing can report the rest. A
    /// syntax error gives no layer.
    pub fn parse(role: Role, source: Source) -> (Option<Self>, Vec<ConfigError>) {
        let error = |span: Option<Range<usize>>, message: &str, key: &[String]| ConfigError {
            // A few errors (nesting too deep) carry no span: point at the file.
            location: Some(source.locate(&span.clone().unwrap_or(0..0))),
            message: plain_message(
                message,
                span.and_then(|s| source.text.get(s)).unwrap_or_default(),
                key,
            ),
        };
        let mut table = match DeTable::parse(&source.text) {
            Ok(table) => table,
            Err(e) => return (None, vec![error(e.span(), e.message(), &[])]),
        };
        table.get_mut().make_owned();
        let mut errors = Vec::new();
        // Each error's entry is set aside and the rest read again, so every entry that is
        // wrong is named, each once; MOST_ERRORS stops a file of nothing but mistakes.
        let raw = loop {
            match RawConfig::deserialize(Deserializer::from(table.clone())) {
                Ok(raw) => break raw,
                Err(e) => {
                    let mut key = Vec::new();
                    let removed = e
                        .span()
                        .is_some_and(|span| remove_at(table.get_mut(), &span, &mut key));
                    errors.push(error(e.span(), e.message(), &key));
                    if !removed || errors.len() >= MOST_ERRORS {
                        return (None, errors);
                    }
                }
            }
        };
        (Some(Self { role, source, raw }), errors)
    }

    pub fn error_at(&self, span: &Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: Some(self.source.locate(span)),
            message: message.into(),
        }
    }
}

/// The most shape errors one file reports.
const MOST_ERRORS: usize = 50;

/// Removes the entry of `table` at `span` (the innermost one, within nested tables), and
/// says its key path in `key`: `false` if none is there. A `[table]`'s own span is its
/// header only, so every nested table is searched.
fn remove_at(table: &mut DeTable<'_>, span: &Range<usize>, key: &mut Vec<String>) -> bool {
    let inside = |outer: Range<usize>| outer.start <= span.start && span.end <= outer.end;
    let keys: Vec<_> = table.keys().cloned().collect();
    for k in keys {
        key.push(k.get_ref().to_string());
        let Some(value) = table.get_mut(&k) else {
            key.pop();
            continue;
        };
        if let DeValue::Table(inner) = value.get_mut()
            && remove_at(inner, span, key)
        {
            return true;
        }
        if inside(k.span()) || inside(value.span()) {
            table.remove(&k);
            return true;
        }
        key.pop();
    }
    false
}

/// What a list at `key` holds, for "expected a sequence".
fn list_of(key: &[String]) -> &'static str {
    match key.first().map(String::as_str) {
        Some("hours") => "a list of ranges such as [\"09:00-17:00\"]",
        Some("leave" | "on_call") => "a list of tables such as [[leave]] with `from` and `to`",
        Some("calendar") => "a list of tables such as [[calendar]] with `file` or `url`",
        Some("lock") => "a list of keys such as [\"report.enabled\"]",
        _ => "a list such as [\"...\"]",
    }
}

/// The parser's message in the user's terms: our internal type names never show.
fn plain_message(message: &str, at: &str, key: &[String]) -> String {
    let message = message.replace("expected a sequence", &format!("expected {}", list_of(key)));
    let message = message.as_str();
    const SHAPES: [(&str, &str); 10] = [
        (
            "struct RawHours",
            "an [hours] table of weekdays, e.g. monday = [\"09:00-17:00\"]",
        ),
        (
            "struct RawHolidays",
            "a [holidays] table with region, extra, removed",
        ),
        ("struct RawPeriod", "a table with `from` and `to`"),
        (
            "struct RawQuiet",
            "a [quiet] table with notifications, grace, server, critical, allow",
        ),
        (
            "struct RawTray",
            "a [tray] table with enabled = true or false",
        ),
        (
            "struct RawRecord",
            "a [record] table with toil, toil_rate, keep",
        ),
        (
            "struct RawReport",
            "a [report] table with enabled, dashboard, token_file",
        ),
        (
            "struct RawSync",
            "a [[sync]] table with `kind` and the keys for that kind",
        ),
        (
            "struct RawCalendar",
            "a [[calendar]] table with `file` or `url`, and `use`",
        ),
        ("struct RawConfig", "a table"),
    ];
    if message == "duplicate key" {
        return format!(
            "duplicate key `{}`: each key may be set once per table",
            at.trim()
        );
    }
    for (internal, plain) in SHAPES {
        if let Some(i) = message.find(internal) {
            // Drop serde's " with N elements" tail along with the name.
            return format!("{}{plain}", &message[..i]);
        }
    }
    message.to_string()
}

/// A value and the layer it came from.
pub struct Sourced<'a, T> {
    pub layer: &'a Layer,
    pub value: &'a T,
}

impl<T> Clone for Sourced<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Sourced<'_, T> {}

pub type Dates = Spanned<Vec<Spanned<toml::Value>>>;
pub type Periods = Spanned<Vec<Spanned<RawPeriod>>>;
pub type Syncs = Spanned<Vec<Spanned<RawSync>>>;
pub type Calendars = Spanned<Vec<Spanned<RawCalendar>>>;

/// The winning value of every key.
#[derive(Default)]
pub struct Merged<'a> {
    pub timezone: Option<Sourced<'a, Spanned<String>>>,
    pub contracted: Option<Sourced<'a, Spanned<String>>>,
    pub hours: Option<Sourced<'a, Spanned<RawHours>>>,
    pub region: Option<Sourced<'a, Spanned<String>>>,
    pub extra: Option<Sourced<'a, Dates>>,
    pub removed: Option<Sourced<'a, Dates>>,
    pub leave: Option<Sourced<'a, Periods>>,
    pub on_call: Option<Sourced<'a, Periods>>,
    pub idle_after: Option<Sourced<'a, Spanned<String>>>,
    pub activity_source: Option<Sourced<'a, Spanned<String>>>,
    pub quiet_notifications: Option<Sourced<'a, Spanned<String>>>,
    pub quiet_grace: Option<Sourced<'a, Spanned<String>>>,
    pub quiet_server: Option<Sourced<'a, Spanned<String>>>,
    pub quiet_critical: Option<Sourced<'a, Spanned<String>>>,
    pub quiet_allow: Option<Sourced<'a, Spanned<Vec<Spanned<String>>>>>,
    pub sync: Option<Sourced<'a, Syncs>>,
    /// Every layer's calendars, the policy's first: a team rota from IT and the worker's own
    /// leave calendar both count.
    pub calendars: Vec<Sourced<'a, Calendars>>,
    pub tray_enabled: Option<Sourced<'a, Spanned<bool>>>,
    pub record_toil: Option<Sourced<'a, Spanned<String>>>,
    pub record_toil_rate: Option<Sourced<'a, Spanned<toml::Value>>>,
    pub record_keep: Option<Sourced<'a, Spanned<String>>>,
    pub report_enabled: Option<Sourced<'a, Spanned<bool>>>,
    pub report_dashboard: Option<Sourced<'a, Spanned<String>>>,
    pub report_token_file: Option<Sourced<'a, Spanned<String>>>,
    /// Refused wherever it appears; kept to point at it.
    pub report_token: Option<Sourced<'a, Spanned<toml::Value>>>,
}

/// Keys a policy may lock. Locking a table (`holidays`) locks every key in it.
pub const LOCKABLE: [&str; 28] = [
    "timezone",
    "contracted",
    "hours",
    "holidays",
    "holidays.region",
    "holidays.extra",
    "holidays.removed",
    "leave",
    "on_call",
    "activity",
    "activity.idle_after",
    "activity.source",
    "quiet",
    "quiet.notifications",
    "quiet.grace",
    "quiet.server",
    "sync",
    "calendar",
    "tray",
    "tray.enabled",
    "record",
    "record.toil",
    "record.toil_rate",
    "record.keep",
    "report",
    "report.enabled",
    "report.dashboard",
    "report.token_file",
];

struct Lock<'a> {
    key: &'a str,
    layer: &'a Layer,
    span: Range<usize>,
}

pub fn merge(layers: &[Layer]) -> (Merged<'_>, Vec<ConfigError>) {
    let mut merged = Merged::default();
    let mut errors = Vec::new();
    let mut locks: Vec<Lock> = Vec::new();

    for layer in layers {
        let raw = &layer.raw;
        for (key, span) in keys_set(raw) {
            let locked_by = locks.iter().find(|l| {
                l.key == key
                    || key
                        .strip_prefix(l.key)
                        .is_some_and(|rest| rest.starts_with('.'))
            });
            if let (Role::User, Some(lock)) = (layer.role, locked_by) {
                errors.push(layer.error_at(
                    &span,
                    format!(
                        "`{key}` is locked by the organisation policy ({}); remove it from this file or ask IT to change the policy",
                        lock.layer.source.locate(&lock.span)
                    ),
                ));
            }
        }
        if let Some(lock) = &raw.lock {
            if layer.role != Role::Policy {
                errors.push(layer.error_at(
                    &lock.span(),
                    "`lock` belongs in the organisation policy, not here",
                ));
            }
            for key in lock.get_ref() {
                match LOCKABLE.iter().find(|k| **k == key.get_ref()) {
                    Some(k) => locks.push(Lock {
                        key: k,
                        layer,
                        span: key.span(),
                    }),
                    None => errors.push(layer.error_at(
                        &key.span(),
                        format!(
                            "cannot lock unknown key \"{}\": expected one of {}",
                            key.get_ref(),
                            LOCKABLE.join(", ")
                        ),
                    )),
                }
            }
        }

        replace(&mut merged.timezone, layer, &raw.timezone);
        replace(&mut merged.contracted, layer, &raw.contracted);
        replace(&mut merged.hours, layer, &raw.hours);
        if let Some(holidays) = &raw.holidays {
            replace(&mut merged.region, layer, &holidays.region);
            replace(&mut merged.extra, layer, &holidays.extra);
            replace(&mut merged.removed, layer, &holidays.removed);
        }
        replace(&mut merged.leave, layer, &raw.leave);
        replace(&mut merged.on_call, layer, &raw.on_call);
        if let Some(activity) = &raw.activity {
            replace(&mut merged.idle_after, layer, &activity.idle_after);
            replace(&mut merged.activity_source, layer, &activity.source);
        }
        if let Some(quiet) = &raw.quiet {
            replace(&mut merged.quiet_notifications, layer, &quiet.notifications);
            replace(&mut merged.quiet_grace, layer, &quiet.grace);
            replace(&mut merged.quiet_server, layer, &quiet.server);
            replace(&mut merged.quiet_critical, layer, &quiet.critical);
            replace(&mut merged.quiet_allow, layer, &quiet.allow);
        }
        replace(&mut merged.sync, layer, &raw.sync);
        if let Some(calendars) = &raw.calendar {
            merged.calendars.push(Sourced {
                layer,
                value: calendars,
            });
        }
        if let Some(tray) = &raw.tray {
            replace(&mut merged.tray_enabled, layer, &tray.enabled);
        }
        if let Some(record) = &raw.record {
            replace(&mut merged.record_toil, layer, &record.toil);
            replace(&mut merged.record_toil_rate, layer, &record.toil_rate);
            replace(&mut merged.record_keep, layer, &record.keep);
        }
        if let Some(report) = &raw.report {
            replace(&mut merged.report_enabled, layer, &report.enabled);
            replace(&mut merged.report_dashboard, layer, &report.dashboard);
            replace(&mut merged.report_token_file, layer, &report.token_file);
            replace(&mut merged.report_token, layer, &report.token);
        }
    }
    (merged, errors)
}

/// A later layer's value, when it sets one, replaces the earlier.
fn replace<'a, T>(slot: &mut Option<Sourced<'a, T>>, layer: &'a Layer, value: &'a Option<T>) {
    if let Some(value) = value {
        *slot = Some(Sourced { layer, value });
    }
}

/// The keys a layer sets, with where it sets them.
fn keys_set(raw: &RawConfig) -> Vec<(&'static str, Range<usize>)> {
    let mut keys = Vec::new();
    let mut add = |key, span: Option<Range<usize>>| {
        if let Some(span) = span {
            keys.push((key, span));
        }
    };
    add("timezone", raw.timezone.as_ref().map(Spanned::span));
    add("contracted", raw.contracted.as_ref().map(Spanned::span));
    add("hours", raw.hours.as_ref().map(Spanned::span));
    if let Some(h) = &raw.holidays {
        add("holidays.region", h.region.as_ref().map(Spanned::span));
        add("holidays.extra", h.extra.as_ref().map(Spanned::span));
        add("holidays.removed", h.removed.as_ref().map(Spanned::span));
    }
    add("leave", raw.leave.as_ref().map(Spanned::span));
    add("on_call", raw.on_call.as_ref().map(Spanned::span));
    if let Some(a) = &raw.activity {
        add(
            "activity.idle_after",
            a.idle_after.as_ref().map(Spanned::span),
        );
        add("activity.source", a.source.as_ref().map(Spanned::span));
    }
    if let Some(q) = &raw.quiet {
        let span = |v: &Option<Spanned<String>>| v.as_ref().map(Spanned::span);
        add("quiet.notifications", span(&q.notifications));
        add("quiet.grace", span(&q.grace));
        add("quiet.server", span(&q.server));
        add("quiet.critical", span(&q.critical));
        add("quiet.allow", q.allow.as_ref().map(Spanned::span));
    }
    add("sync", raw.sync.as_ref().map(Spanned::span));
    add("calendar", raw.calendar.as_ref().map(Spanned::span));
    if let Some(t) = &raw.tray {
        add("tray.enabled", t.enabled.as_ref().map(Spanned::span));
    }
    if let Some(r) = &raw.record {
        add("record.toil", r.toil.as_ref().map(Spanned::span));
        add("record.toil_rate", r.toil_rate.as_ref().map(Spanned::span));
        add("record.keep", r.keep.as_ref().map(Spanned::span));
    }
    if let Some(r) = &raw.report {
        add("report.enabled", r.enabled.as_ref().map(Spanned::span));
        add("report.dashboard", r.dashboard.as_ref().map(Spanned::span));
        add(
            "report.token_file",
            r.token_file.as_ref().map(Spanned::span),
        );
    }
    keys
}
