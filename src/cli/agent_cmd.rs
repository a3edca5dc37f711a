//! `clockoff run` starts the agent; `status`, `override`, `log` and `reload` talk to it over
//! the session bus.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::schedule_cmd::label;
use super::timefmt::human;
use super::{Failure, load_config, load_config_and_sources};
use crate::agent::{self, AgentError, Deps, bus::AgentProxy};
use crate::config::ConfigPaths;
use crate::core::civil::{local_date, rfc3339_in};
use crate::core::clock::Clock;
use crate::core::duration::parse_duration;
use crate::core::hours::DailyRange;
use crate::core::schedule::State;
use crate::store;

/// Runs the agent in the foreground until SIGTERM or Ctrl-C.
pub fn run_agent(paths: ConfigPaths, clock: Arc<dyn Clock>) -> Result<(), Failure> {
    let (config, config_sources) = load_config_and_sources(&paths)?;
    let ledger_path = store::default_path().ok_or_else(|| {
        Failure::Runtime("cannot find where to keep the ledger: set XDG_DATA_HOME or HOME".into())
    })?;
    runtime()?.block_on(async {
        let session = session().await?;
        let deps = Deps {
            clock,
            paths,
            config,
            config_sources,
            ledger_path,
            session,
        };
        agent::run(deps, shutdown_signal())
            .await
            .map_err(|e: AgentError| Failure::Runtime(format!("clockoff: {e}")))
    })
}

/// Resolves on SIGTERM (systemd stopping us) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

pub fn status(json: bool, clock: &dyn Clock) -> Result<(), Failure> {
    let text = call(|agent| async move { agent.status().await })?;
    if json {
        println!("{text}");
        return Ok(());
    }
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Runtime(format!("the agent sent a status I cannot read: {e}")))?;
    print!("{}", describe_status(&value, clock.now()));
    Ok(())
}

/// `clockoff override 45m --reason "court report"` or `clockoff override end`.
pub fn override_cmd(what: &str, reason: Option<String>) -> Result<(), Failure> {
    if what == "end" {
        let state = call(|agent| async move { agent.end_override().await })?;
        println!("Override ended; now {state}.");
        return Ok(());
    }
    let duration = parse_duration(what)
        .map_err(|e| Failure::Usage(format!("{e}, or \"end\" to end the override now")))?;
    let reason = reason.unwrap_or_default();
    let until =
        call(|agent| async move { agent.start_override(duration.as_secs(), &reason).await })?;
    println!("Working by choice until {until}; this time is recorded as out of hours.");
    Ok(())
}

/// `clockoff log 18:00-19:30 "late visit" [--date 2026-11-23]`.
pub fn log(
    range: &str,
    note: &str,
    date: Option<NaiveDate>,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    let range = DailyRange::parse(range).map_err(|e| Failure::Usage(e.0))?;
    if note.trim().is_empty() {
        return Err(Failure::Usage(
            "say what the time was for, e.g. clockoff log 18:00-19:30 \"late visit\"".into(),
        ));
    }
    let tz = load_config(paths)?.timezone;
    let date = date.unwrap_or_else(|| local_date(tz, clock.now()));
    let (start, end) = range.instants_on(tz, date);
    let (start_text, end_text) = (rfc3339_in(tz, start), rfc3339_in(tz, end));
    let note = note.to_owned();
    let (s, e) = (start_text.clone(), end_text.clone());
    call(|agent| async move { agent.log_manual(&s, &e, &note).await })?;
    println!("Logged {range} on {date} ({start_text} to {end_text}), marked as self-reported.");
    Ok(())
}

pub fn reload() -> Result<(), Failure> {
    let message = call(|agent| async move { agent.reload().await })?;
    println!("{message}");
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))
}

async fn session() -> Result<zbus::Connection, Failure> {
    zbus::Connection::session().await.map_err(|e| {
        Failure::Runtime(format!(
            "cannot reach the session bus ({e}); clockoff runs inside a desktop session"
        ))
    })
}

/// Makes one call to the running agent, turning "nobody there" into a clear message.
fn call<F, Fut>(f: F) -> Result<String, Failure>
where
    F: FnOnce(AgentProxy<'static>) -> Fut,
    Fut: Future<Output = zbus::Result<String>>,
{
    runtime()?.block_on(async {
        let connection = session().await?;
        let proxy = AgentProxy::new(&connection)
            .await
            .map_err(|e| Failure::Runtime(format!("the session bus: {e}")))?;
        f(proxy).await.map_err(explain)
    })
}

fn explain(error: zbus::Error) -> Failure {
    if let zbus::Error::MethodError(name, detail, _) = &error {
        let detail = detail.clone().unwrap_or_default();
        return match name.as_str() {
            "org.freedesktop.DBus.Error.ServiceUnknown"
            | "org.freedesktop.DBus.Error.NameHasNoOwner" => Failure::Runtime(
                "No clockoff agent is running in this session. Start it with `clockoff run` \
                 (or `systemctl --user start clockoff`)."
                    .into(),
            ),
            "org.freedesktop.DBus.Error.InvalidArgs" => Failure::Usage(detail),
            _ => Failure::Runtime(detail),
        };
    }
    Failure::Runtime(format!("talking to the agent: {error}"))
}

/// The status for people: where the week stands, in a few lines.
fn describe_status(status: &Value, now: DateTime<Utc>) -> String {
    let tz = status["timezone"]
        .as_str()
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let when = |key: &str| {
        status[key]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| human(tz, t.to_utc(), now))
    };
    let state = status["state"]
        .as_str()
        .and_then(|s| s.parse::<State>().ok())
        .map_or("Unknown", label);
    let mut out = state.to_string();
    if let Some(since) = when("since") {
        out += &format!(" since {since}");
    }
    if let Some(until) = when("until") {
        out += &format!(", until {until}");
    }
    if let Some(reason) = status["override"]["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
    {
        out += &format!(" ({reason})");
    }
    out.push('\n');
    let minutes = |period: &str, key: &str| status[period][key].as_u64().unwrap_or(0);
    out += &format!(
        "Today:     {} in hours, {} out of hours",
        hm(minutes("today", "in_hours_minutes")),
        hm(minutes("today", "out_of_hours_minutes")),
    );
    let on_call = minutes("today", "on_call_minutes");
    if on_call > 0 {
        out += &format!(", {} on call", hm(on_call));
    }
    out.push('\n');
    out += &format!(
        "This week: {} out of hours",
        hm(minutes("week", "out_of_hours_minutes"))
    );
    let manual = minutes("week", "manual_minutes");
    if manual > 0 {
        out += &format!(", plus {} you logged", hm(manual));
    }
    out.push('\n');
    let present = if status["present"].as_bool() == Some(true) {
        "you are at the laptop"
    } else {
        "you are away"
    };
    out += &format!(
        "Activity:  {} ({present})\n",
        status["activity_source"].as_str().unwrap_or("unknown")
    );
    out
}

fn hm(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}
