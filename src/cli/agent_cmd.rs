//! `clockoff run` starts the agent; `status`, `override` and `reload` talk to it over the
//! session bus (`log` and `toil take` too, while it runs: see `ledger_write`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::schedule_cmd::label;
use super::timefmt::human;
use super::{Failure, load_config_and_sources};
use crate::agent::{self, AgentError, Deps, bus::AgentProxy};
use crate::config::ConfigPaths;
use crate::core::clock::Clock;
use crate::core::duration::{hours_minutes, parse_duration};
use crate::core::schedule::State;
use crate::store;

/// Runs the agent in the foreground until SIGTERM or Ctrl-C.
pub fn run_agent(paths: ConfigPaths, clock: Arc<dyn Clock>, no_tray: bool) -> Result<(), Failure> {
    let (config, config_sources) = load_config_and_sources(&paths)?;
    let upload_timing = match std::env::var(crate::upload::Timing::ENV) {
        Ok(value) => {
            let timing = crate::upload::Timing::from_env_value(&value).map_err(Failure::Usage)?;
            eprintln!(
                "clockoff: {}={value}: report retries are timed in {value} ms minutes (a setting for tests)",
                crate::upload::Timing::ENV
            );
            timing
        }
        Err(_) => crate::upload::Timing::default(),
    };
    let ledger_path = store::default_path().ok_or_else(|| {
        Failure::Runtime("cannot find where to keep the ledger: set XDG_DATA_HOME or HOME".into())
    })?;
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        let shutdown = shutdown_signal();
        let session = session().await?;
        let deps = Deps {
            clock,
            paths,
            config,
            config_sources,
            ledger_path,
            session,
            no_tray,
            upload_timing,
        };
        agent::run(deps, shutdown)
            .await
            .map_err(|e: AgentError| Failure::Runtime(format!("clockoff: {e}")))
    });
    // Work left on blocking threads (a tray item a hung panel keeps) must not keep a stopped
    // agent alive: what had to be released was released before `run` returned.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// Resolves on SIGTERM (systemd stopping us) or SIGINT (Ctrl-C). The handlers are in
/// place when this returns, not when the future is first polled: a SIGTERM that arrives
/// while the agent is still starting (taking its bus name, opening the ledger) must stop it
/// cleanly rather than kill it. Call it inside the runtime.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (term, interrupt) {
            (Ok(mut term), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            (Ok(mut term), Err(_)) => {
                term.recv().await;
            }
            (Err(_), _) => {
                let _ = tokio::signal::ctrl_c().await;
            }
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
    let reason = reason.unwrap_or_default();
    if what == "until-stop" {
        call(|agent| async move { agent.override_until_stop(&reason).await })?;
        println!(
            "Working by choice until you stop (idle, locked or asleep); this time is recorded \
             as out of hours."
        );
        return Ok(());
    }
    let duration = parse_duration(what).map_err(|e| {
        Failure::Usage(format!(
            "{e}, or \"until-stop\", or \"end\" to end the override now"
        ))
    })?;
    let until =
        call(|agent| async move { agent.start_override(duration.as_secs(), &reason).await })?;
    println!("Working by choice until {until}; this time is recorded as out of hours.");
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
pub(super) fn call<F, Fut>(f: F) -> Result<String, Failure>
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
    let at = |value: &Value| {
        value
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| human(tz, t.to_utc(), now))
    };
    let when = |key: &str| at(&status[key]);
    let state = status["state"]
        .as_str()
        .and_then(|s| s.parse::<State>().ok())
        .map_or("Unknown", label);
    let mut out = state.to_string();
    if let Some(since) = when("since") {
        out += &format!(" since {since}");
    }
    if status["override"]["until_away"] == true {
        out += ", until you stop";
    } else if let Some(until) = when("until") {
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
        hours_minutes(minutes("today", "in_hours_minutes")),
        hours_minutes(minutes("today", "out_of_hours_minutes")),
    );
    let on_call = minutes("today", "on_call_minutes");
    if on_call > 0 {
        out += &format!(", {} on call", hours_minutes(on_call));
    }
    out.push('\n');
    out += &format!(
        "This week: {} out of hours",
        hours_minutes(minutes("week", "out_of_hours_minutes"))
    );
    let manual = minutes("week", "manual_minutes");
    if manual > 0 {
        out += &format!(", plus {} you logged", hours_minutes(manual));
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
    out += &describe_quiet(&status["quiet"], at);
    if let Some(tray) = status["tray"]["detail"].as_str() {
        out += &format!("Tray:      {tray}\n");
    }
    out += &describe_report(&status["report"], at);
    out
}

/// Weekly reporting in a line, when it is on or something is still queued.
fn describe_report(report: &Value, at: impl Fn(&Value) -> Option<String>) -> String {
    let count = |key: &str| report[key].as_u64().unwrap_or(0);
    let enabled = report["enabled"] == true;
    if !enabled && count("waiting") == 0 {
        return String::new();
    }
    let mut out = String::from("Reporting: ");
    out += if enabled { "on" } else { "off" };
    if let Some(week) = report["last_delivered"].as_str() {
        out += &format!("; {week} delivered");
    }
    match count("waiting") {
        0 => {}
        1 => out += "; 1 week waiting",
        n => out += &format!("; {n} weeks waiting"),
    }
    match count("closed") {
        0 => {}
        1 => out += "; 1 week not counted (too late for the dashboard)",
        n => out += &format!("; {n} weeks not counted (too late for the dashboard)"),
    }
    let failing = &report["failing"];
    if let Some(error) = failing["error"].as_str() {
        let week = failing["week"].as_str().unwrap_or("a week");
        out += &format!("; {week} failed: {error}");
    }
    if let Some(next) = at(&report["next_attempt"]).filter(|_| enabled) {
        out += &format!("; next try {next}");
    }
    out += " (clockoff report status)\n";
    out
}

/// Quiet hours in a line, then a line for each holder that needs the worker's attention.
fn describe_quiet(quiet: &Value, at: impl Fn(&Value) -> Option<String>) -> String {
    let holders = quiet["holders"].as_array().map_or(&[][..], Vec::as_slice);
    let mut out = String::from("Quiet:     ");
    if holders.is_empty() {
        out += "nothing to hold (notifications allowed, no [[sync]])\n";
        return out;
    }
    match (at(&quiet["since"]), at(&quiet["from"])) {
        (Some(since), _) if !holders.iter().any(|h| h["held"] == true) => {
            out += &format!("quiet since {since}, but nothing could be held yet\n");
        }
        (Some(since), _) => {
            let held = quiet["held_notifications"].as_u64().unwrap_or(0);
            let plural = if held == 1 { "" } else { "s" };
            out += &format!("holding since {since}, {held} notification{plural} held\n");
        }
        (None, Some(from)) => out += &format!("holding from {from}\n"),
        (None, None) => out += "not holding\n",
    }
    for h in holders {
        let name = h["name"].as_str().unwrap_or("?");
        if let Some(error) = h["error"].as_str() {
            let retry = at(&h["retry_at"]).map_or(String::new(), |t| format!("; trying again {t}"));
            out += &format!("  ! {name}: {error}{retry}\n");
        } else if h["held_by_worker"] == true {
            out += &format!("  {name}: already held by you; left as you set it\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_status_says_what_is_held_and_what_needs_attention() {
        let status = serde_json::json!({
            "state": "off",
            "since": "2026-11-23T17:00:00+00:00",
            "until": "2026-11-24T09:00:00+00:00",
            "present": false,
            "activity_source": "x11",
            "timezone": "Europe/London",
            "today": {"in_hours_minutes": 452, "out_of_hours_minutes": 35},
            "week": {"out_of_hours_minutes": 250},
            "quiet": {
                "quiet": true,
                "since": "2026-11-23T17:10:00+00:00",
                "held_notifications": 3,
                "holders": [
                    {"name": "notifications (auto)", "held": true, "held_by_worker": true, "error": null},
                    {"name": "sync: syncthing http://127.0.0.1:8384", "held": false,
                     "held_by_worker": false, "error": "Syncthing is not answering",
                     "retry_at": "2026-11-23T17:12:00+00:00"}
                ]
            },
            "tray": {"state": "no_host", "detail": "this desktop shows no tray icons"}
        });
        let text = describe_status(&status, utc("2026-11-23T17:11:00Z"));
        let quiet: Vec<&str> = text.lines().skip(4).collect();
        assert_eq!(
            quiet,
            [
                "Quiet:     holding since 17:10, 3 notifications held",
                "  notifications (auto): already held by you; left as you set it",
                "  ! sync: syncthing http://127.0.0.1:8384: Syncthing is not answering; trying again 17:12",
                "Tray:      this desktop shows no tray icons",
            ],
            "{text}"
        );
        let failing = serde_json::json!({"quiet": {
            "quiet": true,
            "since": "2026-11-23T17:10:00+00:00",
            "holders": [{"name": "notifications (auto)", "held": false,
                         "error": "no notification server is running"}]
        }, "timezone": "Europe/London"});
        let text = describe_status(&failing, utc("2026-11-23T17:11:00Z"));
        assert!(
            text.contains("Quiet:     quiet since 17:10, but nothing could be held yet\n"),
            "{text}"
        );
        let nothing = serde_json::json!({"quiet": {"holders": []}});
        assert!(
            describe_status(&nothing, utc("2026-11-23T17:11:00Z"))
                .ends_with("Quiet:     nothing to hold (notifications allowed, no [[sync]])\n")
        );
    }

    #[test]
    fn the_reporting_line_counts_weeks_the_dashboard_no_longer_takes() {
        let report = serde_json::json!({
            "enabled": true, "waiting": 1, "closed": 2, "last_delivered": "2026-W47",
            "failing": null, "next_attempt": null,
        });
        assert_eq!(
            describe_report(&report, |_| None),
            "Reporting: on; 2026-W47 delivered; 1 week waiting; 2 weeks not counted \
             (too late for the dashboard) (clockoff report status)\n"
        );
    }
}
