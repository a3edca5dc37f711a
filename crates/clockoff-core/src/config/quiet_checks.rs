//! `[quiet]` and `[[sync]]` checked into [`QuietSettings`], every problem at its place.

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::error::ConfigError;
use super::layers::{Merged, Sourced, Syncs};
use super::quiet::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_GRACE, DEFAULT_SYNCTHING_URL, QuietSettings, SyncSpec,
};
use super::raw::RawSync;
use crate::duration::parse_duration;

/// A grace longer than this is not quiet hours any more.
const MAX_GRACE: Duration = Duration::from_secs(4 * 3600);
/// Hooks run at every boundary; one that takes longer than this is not a hook.
const COMMAND_TIMEOUT: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(10 * 60);

const KINDS: &str = "\"syncthing\", \"systemd\" or \"command\"";

pub fn quiet(merged: &Merged, errors: &mut Vec<ConfigError>) -> QuietSettings {
    let defaults = QuietSettings::default();
    let notifications = merged
        .quiet_notifications
        .and_then(|v| parsed(v, "quiet.notifications", errors))
        .unwrap_or(defaults.notifications);
    let server = merged
        .quiet_server
        .and_then(|v| parsed(v, "quiet.server", errors))
        .unwrap_or(defaults.server);
    let grace = merged
        .quiet_grace
        .and_then(|g| match parse_duration(g.value.get_ref()) {
            Ok(d) if d <= MAX_GRACE => Some(d),
            Ok(_) => {
                errors.push(err(g, "quiet.grace: expected 0s to 4h"));
                None
            }
            Err(message) => {
                errors.push(err(g, format!("quiet.grace: {message}")));
                None
            }
        })
        .unwrap_or(DEFAULT_GRACE);
    let sync = merged
        .sync
        .map(|list| sync_specs(list, errors))
        .unwrap_or_default();
    let critical = merged
        .quiet_critical
        .and_then(|v| parsed(v, "quiet.critical", errors))
        .unwrap_or(defaults.critical);
    let allow = merged
        .quiet_allow
        .map(|list| allowed_apps(list, errors))
        .unwrap_or_default();
    QuietSettings {
        notifications,
        grace,
        server,
        sync,
        critical,
        allow,
    }
}

/// `[quiet] allow`: app names as apps send them (`notify-send -a NAME`), none empty.
fn allowed_apps(
    list: Sourced<Spanned<Vec<Spanned<String>>>>,
    errors: &mut Vec<ConfigError>,
) -> Vec<String> {
    let mut apps = Vec::new();
    for app in list.value.get_ref() {
        let name = app.get_ref().trim();
        if name.is_empty() {
            errors.push(
                list.layer
                    .error_at(&app.span(), "quiet.allow: an app name cannot be empty"),
            );
        } else {
            apps.push(name.to_string());
        }
    }
    apps
}

fn parsed<T: std::str::FromStr<Err = String>>(
    value: Sourced<Spanned<String>>,
    key: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<T> {
    value
        .value
        .get_ref()
        .parse()
        .map_err(|message| errors.push(err(value, format!("{key}: {message}"))))
        .ok()
}

fn err<T>(from: Sourced<Spanned<T>>, message: impl Into<String>) -> ConfigError {
    from.layer.error_at(&from.value.span(), message)
}

/// Each entry checked; two that name the same thing (the same unit, the same Syncthing and
/// devices, the same command) are one too many: both would pause and resume it.
fn sync_specs(list: Sourced<Syncs>, errors: &mut Vec<ConfigError>) -> Vec<SyncSpec> {
    let mut specs: Vec<SyncSpec> = Vec::new();
    for entry in list.value.get_ref() {
        let entry = Sourced {
            layer: list.layer,
            value: entry,
        };
        let Some(spec) = sync_spec(entry, errors) else {
            continue;
        };
        let name = spec.describe();
        if specs.iter().any(|s| s.describe() == name) {
            errors.push(err(
                entry,
                format!("[[sync]] {name} is listed twice; keep one"),
            ));
        } else {
            specs.push(spec);
        }
    }
    specs
}

/// The keys each kind takes; any other key set in the block is an error at that key.
fn allowed(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "syncthing" => Some(&["url", "api_key", "config", "devices"]),
        "systemd" => Some(&["unit"]),
        "command" => Some(&["on_hold", "on_release", "timeout"]),
        _ => None,
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one check or case after another; split when next touched"
)]
fn sync_spec(entry: Sourced<Spanned<RawSync>>, errors: &mut Vec<ConfigError>) -> Option<SyncSpec> {
    let raw = entry.value.get_ref();
    let at = |span: std::ops::Range<usize>, message: String| entry.layer.error_at(&span, message);
    let kind = raw.kind.get_ref().as_str();
    let Some(allowed) = allowed(kind) else {
        errors.push(at(
            raw.kind.span(),
            format!("sync.kind: unknown kind \"{kind}\": expected {KINDS}"),
        ));
        return None;
    };
    let before = errors.len();
    let text_keys = [
        ("url", &raw.url),
        ("api_key", &raw.api_key),
        ("config", &raw.config),
        ("unit", &raw.unit),
        ("on_hold", &raw.on_hold),
        ("on_release", &raw.on_release),
        ("timeout", &raw.timeout),
    ];
    let set = text_keys
        .iter()
        .filter_map(|(key, value)| Some((*key, value.as_ref()?.span())))
        .chain(raw.devices.as_ref().map(|d| ("devices", d.span())));
    for (key, span) in set {
        if !allowed.contains(&key) {
            errors.push(at(
                span,
                format!(
                    "sync.{key} does not apply to kind \"{kind}\": it takes {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    // A key that is present must say something.
    for (key, value) in text_keys {
        if let Some(v) = value.as_ref().filter(|v| v.get_ref().trim().is_empty()) {
            errors.push(at(v.span(), format!("sync.{key}: must not be empty")));
        }
    }
    let required = |key: &str, value: &Option<Spanned<String>>, errors: &mut Vec<ConfigError>| {
        let found = value.as_ref().map(|v| v.get_ref().clone());
        if found.is_none() {
            errors.push(at(
                entry.value.span(),
                format!("a [[sync]] of kind \"{kind}\" needs `{key}`"),
            ));
        }
        found
    };
    let spec = match kind {
        "syncthing" => {
            let url = raw.url.as_ref().map_or_else(
                || DEFAULT_SYNCTHING_URL.to_string(),
                |u| u.get_ref().clone(),
            );
            if let Some(u) = &raw.url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                errors.push(at(
                    u.span(),
                    format!("sync.url: expected an http:// or https:// address, found \"{url}\""),
                ));
            }
            let devices: Vec<String> = raw
                .devices
                .iter()
                .flat_map(|d| d.get_ref())
                .map(|d| d.get_ref().clone())
                .collect();
            SyncSpec::Syncthing {
                url: url.trim_end_matches('/').to_string(),
                api_key: raw.api_key.as_ref().map(|k| k.get_ref().clone()),
                config_xml: raw.config.as_ref().map(|c| PathBuf::from(c.get_ref())),
                devices,
            }
        }
        "systemd" => SyncSpec::Systemd {
            unit: required("unit", &raw.unit, errors)?,
        },
        _ => {
            let on_hold = required("on_hold", &raw.on_hold, errors);
            let on_release = required("on_release", &raw.on_release, errors);
            let timeout = match &raw.timeout {
                None => DEFAULT_COMMAND_TIMEOUT,
                Some(t) => match parse_duration(t.get_ref()) {
                    Ok(d) if COMMAND_TIMEOUT.contains(&d) => d,
                    Ok(_) => {
                        errors.push(at(t.span(), "sync.timeout: expected 1s to 10m".into()));
                        DEFAULT_COMMAND_TIMEOUT
                    }
                    Err(message) => {
                        errors.push(at(t.span(), format!("sync.timeout: {message}")));
                        DEFAULT_COMMAND_TIMEOUT
                    }
                },
            };
            SyncSpec::Command {
                on_hold: on_hold?,
                on_release: on_release?,
                timeout,
            }
        }
    };
    (errors.len() == before).then_some(spec)
}
