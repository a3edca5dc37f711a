//! `[report]` checked: the dashboard's address, that reporting has somewhere to go, and
//! where the reporter token is kept (a file, never the config itself).

use super::ReportSettings;
use super::error::ConfigError;
use super::layers::Merged;

pub fn report(merged: &Merged, errors: &mut Vec<ConfigError>) -> ReportSettings {
    let dashboard = merged.report_dashboard.and_then(|d| {
        let text = d.value.get_ref();
        match dashboard_url(text) {
            Ok(()) => Some(text.clone()),
            Err(why) => {
                errors.push(d.layer.error_at(
                    &d.value.span(),
                    format!("report.dashboard: \"{text}\" {why}"),
                ));
                None
            }
        }
    });
    let enabled = merged.report_enabled.is_some_and(|e| *e.value.get_ref());
    if let Some(e) = merged.report_enabled.filter(|_| enabled)
        && merged.report_dashboard.is_none()
    {
        errors.push(e.layer.error_at(
            &e.value.span(),
            "report.enabled: reporting needs `report.dashboard`, the address of your team's dashboard",
        ));
    }
    // Config files get pasted into tickets and shared between colleagues: the token is
    // refused here, without repeating it, wherever it was written.
    if let Some(t) = merged.report_token {
        errors.push(t.layer.error_at(
            &t.value.span(),
            "report.token: the reporter token does not belong in a config file (they get shared and pasted); \
             put it in a file only you can read and name that file with `report.token_file`",
        ));
    }
    let token_file = merged.report_token_file.and_then(|t| {
        let text = t.value.get_ref();
        match token_path(text) {
            Ok(()) => Some(text.clone()),
            Err(why) => {
                errors.push(t.layer.error_at(
                    &t.value.span(),
                    format!("report.token_file: \"{text}\" {why}"),
                ));
                None
            }
        }
    });
    ReportSettings {
        enabled,
        dashboard,
        token_file,
    }
}

/// From / or ~/: what the agent finds wherever it was started from.
pub(super) fn is_full_path(text: &str) -> bool {
    text.starts_with('/') || text.strip_prefix("~/").is_some_and(|rest| !rest.is_empty())
}

/// The file is read by the agent wherever it was started from: a path that does not depend
/// on the working directory.
fn token_path(text: &str) -> Result<(), &'static str> {
    if is_full_path(text) {
        Ok(())
    } else {
        Err("is not a full path: write it from / or ~/, e.g. \"~/.config/clockoff/team-token\"")
    }
}

/// Summaries travel over TLS; plain http only to this machine (a local relay, tests).
fn dashboard_url(text: &str) -> Result<(), String> {
    match secure_url(text) {
        Ok(()) => Ok(()),
        Err(UrlProblem::NotAnAddress(e)) => Err(format!(
            "is not an address ({e}): expected e.g. \"https://dashboard.example.org\""
        )),
        Err(UrlProblem::PlainHttp) => {
            Err("is not https: summaries are sent only over https (http only to localhost)".into())
        }
        Err(UrlProblem::OtherScheme) => {
            Err("is not an https address, e.g. \"https://dashboard.example.org\"".into())
        }
    }
}

pub(super) enum UrlProblem {
    NotAnAddress(url::ParseError),
    PlainHttp,
    OtherScheme,
}

/// https with a host, or plain http to this machine.
pub(super) fn secure_url(text: &str) -> Result<(), UrlProblem> {
    let url = url::Url::parse(text).map_err(UrlProblem::NotAnAddress)?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(UrlProblem::PlainHttp),
        _ => Err(UrlProblem::OtherScheme),
    }
}
