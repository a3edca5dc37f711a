//! `clockoff run` starts the agent; `status`, `override` and `reload` talk to it over the
//! session bus (`log` and `toil take` too, while it runs: see `ledger_write`).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::schedule_cmd::label;
use super::timefmt::{human, human_rfc3339};
use super::{Failure, load_config_and_sources};
use crate::agent::{self, AgentError, Deps, bus::AgentProxy};
use crate::config::ConfigPaths;
use crate::core::clock::Clock;
use crate::core::duration::{hours_minutes, parse_duration};
use crate::ledger;
use crate::status::{self, Status, Time};

/// Runs the agent in the foreground until SIGTERM or Ctrl-C.
/// `clockoff run`: becomes `clockoff-agent`, installed beside this program (exec: the same
/// process, so systemd's unit and the shell's job follow it), or, where it is not installed,
/// runs the agent here.
pub fn run(
    config_file: Option<std::path::PathBuf>,
    paths: ConfigPaths,
    clock: Arc<dyn Clock>,
    no_tray: bool,
) -> Result<(), Failure> {
    use std::os::unix::process::CommandExt;
    let agent = crate::programs::beside_this_one(crate::programs::AGENT);
    if !agent.is_file() {
        return run_agent(paths, clock, no_tray);
    }
    let mut command = std::process::Command::new(&agent);
    if let Some(file) = config_file {
        command.arg("--config").arg(file);
    }
    if no_tray {
        command.arg("--no-tray");
    }
    // Only returns if the agent could not be started (a partial upgrade, a bad permission):
    // this process is still whole, so it runs the agent itself rather than fail and be
    // restarted in a loop.
    let e = command.exec();
    start_logging();
    tracing::warn!(
        "cannot start {} ({e}); running the agent in this process",
        agent.display()
    );
    run_agent(paths, clock, no_tray)
}

/// The agent's log: to the journal when systemd runs it, stderr otherwise
/// (clockoff_core::log).
fn start_logging() {
    if let Some(problem) = crate::core::log::init("clockoff") {
        tracing::warn!("{problem}");
    }
}

pub fn run_agent(paths: ConfigPaths, clock: Arc<dyn Clock>, no_tray: bool) -> Result<(), Failure> {
    start_logging();
    let (config, config_sources) = load_config_and_sources(&paths)?;
    let upload_timing = match std::env::var(crate::agent::upload::Timing::ENV) {
        Ok(value) => {
            let timing =
                crate::agent::upload::Timing::from_env_value(&value).map_err(Failure::Usage)?;
            tracing::warn!(
                "{}={value}: report retries are timed in {value} ms minutes (a setting for tests)",
                crate::agent::upload::Timing::ENV
            );
            timing
        }
        Err(_) => crate::agent::upload::Timing::default(),
    };
    let ledger_path = ledger::default_path().ok_or_else(|| {
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
            .map_err(|e: AgentError| Failure::Runtime(e.to_string()))
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
    let status: Status = serde_json::from_str(&text)
        .map_err(|e| Failure::Runtime(format!("the agent sent a status I cannot read: {e}")))?;
    print!("{}", describe_status(&status, clock.now()));
    Ok(())
}

/// `clockoff override 45m --reason "court report"` or `clockoff override end`.
pub fn override_cmd(what: &str, reason: Option<String>, clock: &dyn Clock) -> Result<(), Failure> {
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
    // The agent answers in RFC 3339 (for scripts); people read "until 19:05".
    let until = chrono::DateTime::parse_from_rfc3339(&until)
        .map_or(until, |t| human_rfc3339(t, clock.now()));
    println!("Working by choice until {until}; this time is recorded as out of hours.");
    Ok(())
}

/// `clockoff finish`: what the tray's "Hold now" does.
pub fn finish(clock: &dyn Clock) -> Result<(), Failure> {
    let resumes = call(|agent| async move { agent.finish_early().await })?;
    let back = chrono::DateTime::parse_from_rfc3339(&resumes)
        .map(|t| format!(" until {}", human_rfc3339(t, clock.now())))
        .unwrap_or_default();
    println!(
        "Finished for the day: notifications and sync are held{back}. Urgent (critical) \
         notifications still reach you. `clockoff resume` undoes it."
    );
    Ok(())
}

/// `clockoff resume`: undoes `clockoff finish`.
pub fn resume() -> Result<(), Failure> {
    let state = call(|agent| async move { agent.resume().await })?;
    println!("Resumed; now {state}.");
    Ok(())
}

pub fn reload() -> Result<(), Failure> {
    println!("{}", reload_quietly()?);
    Ok(())
}

/// Asks the running agent to re-read its configuration; its answer, or why it could not.
pub fn reload_quietly() -> Result<String, Failure> {
    call(|agent| async move { agent.reload().await })
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
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
fn describe_status(status: &Status, now: DateTime<Utc>) -> String {
    let tz = status.zone();
    let at = |t: Option<Time>| t.map(|t| human(tz, t.to_utc(), now));
    let mut out = label(status.state).to_string();
    if let Some(from) = &status.from {
        out += &format!(" ({from})");
    }
    if let Some(since) = at(status.since) {
        out += &format!(" since {since}");
    }
    let running = status.running_override.as_ref();
    if running.is_some_and(|o| o.until_away) {
        out += ", until you stop";
    } else if let Some(until) = at(status.until) {
        out += &format!(", until {until}");
    }
    if let Some(reason) = running.map(|o| &o.reason).filter(|r| !r.is_empty()) {
        out += &format!(" ({reason})");
    }
    if status.finished_early.is_some() {
        out += ": you finished for the day (`clockoff resume` undoes it)";
    }
    out.push('\n');
    let today = &status.today;
    out += &format!(
        "Today:     {} in hours, {} out of hours",
        hours_minutes(today.in_hours_minutes),
        hours_minutes(today.out_of_hours_minutes),
    );
    if today.on_call_minutes > 0 {
        out += &format!(", {} on call", hours_minutes(today.on_call_minutes));
    }
    out.push('\n');
    let week = &status.week;
    out += &format!(
        "This week: {} out of hours",
        hours_minutes(week.out_of_hours_minutes)
    );
    if week.manual_minutes > 0 {
        out += &format!(", plus {} you logged", hours_minutes(week.manual_minutes));
    }
    out.push('\n');
    let present = if status.present {
        "you are at the laptop"
    } else {
        "you are away"
    };
    out += &describe_activity(&status.activity_source, present);
    out += &describe_quiet(&status.quiet, at);
    out += &format!("Tray:      {}\n", status.tray.detail);
    out += &describe_report(&status.report, at);
    out += &describe_calendars(&status.calendars);
    out += &describe_zone(status);
    out
}

/// A line for each calendar with a problem: its last good copy is in use.
fn describe_calendars(calendars: &[crate::calendars::CalendarState]) -> String {
    calendars
        .iter()
        .filter_map(|c| {
            let problem = c.problem.as_ref()?;
            Some(format!("Calendar:  \"{}\": {problem}\n", c.name))
        })
        .collect()
}

/// Which source tells activity; said plainly when none can (a Wayland desktop without a
/// supported idle protocol), rather than recording nothing without a word.
fn describe_activity(source: &str, present: &str) -> String {
    if crate::status::sees_no_input(source) {
        "Activity:  none: this session reports no activity, so nothing is recorded as worked \
         at the laptop (time you log with `clockoff log` still counts)\n"
            .to_string()
    } else {
        format!("Activity:  {source} ({present})\n")
    }
}

/// The time zone in a line, unless the config names it: taken from the system, the worker
/// should know which (a laptop set to another zone puts every boundary in the wrong place).
fn describe_zone(status: &Status) -> String {
    match status.timezone_source.as_str() {
        "system" => format!(
            "Time zone: {}, from the system (set `timezone` in your config to fix it)\n",
            status.timezone
        ),
        "fallback_utc" => "Time zone: UTC, as the system's could not be read (set `timezone` \
                           in your config)\n"
            .to_string(),
        _ => String::new(),
    }
}

/// Weekly reporting in a line, when it is on or something is still queued.
fn describe_report(report: &status::Report, at: impl Fn(Option<Time>) -> Option<String>) -> String {
    if !report.enabled && report.waiting == 0 {
        return String::new();
    }
    let mut out = String::from("Reporting: ");
    out += if report.enabled { "on" } else { "off" };
    if let Some(team) = &report.team {
        let of = team
            .max_devices
            .map_or(String::new(), |m| format!(" of {m}"));
        out += &format!("; {}: {}{of} laptops enrolled", team.name, team.enrolled);
        if let Some(why) = &team.key_refused {
            out += &format!("; nothing is sent: {why}");
        }
    }
    if let Some(week) = &report.last_delivered {
        out += &format!("; {week} delivered");
    }
    match report.waiting {
        0 => {}
        1 => out += "; 1 week waiting",
        n => out += &format!("; {n} weeks waiting"),
    }
    match report.closed {
        0 => {}
        1 => out += "; 1 week not counted (too late for the dashboard)",
        n => out += &format!("; {n} weeks not counted (too late for the dashboard)"),
    }
    if let Some(failing) = &report.failing {
        out += &format!("; {} failed: {}", failing.week, failing.error);
    }
    if let Some(next) = at(report.next_attempt).filter(|_| report.enabled) {
        out += &format!("; next try {next}");
    }
    out += " (clockoff report status)\n";
    out
}

/// Quiet hours in a line, then a line for each holder that needs the worker's attention.
fn describe_quiet(quiet: &status::Quiet, at: impl Fn(Option<Time>) -> Option<String>) -> String {
    let holders = &quiet.holders;
    let mut out = String::from("Quiet:     ");
    if holders.is_empty() {
        out += "nothing to hold (notifications allowed, no [[sync]])\n";
        return out;
    }
    match (at(quiet.since), at(quiet.from)) {
        (Some(since), _) if !holders.iter().any(|h| h.held) => {
            out += &format!("quiet since {since}, but nothing could be held yet\n");
        }
        (Some(since), _) => {
            let held = quiet.held_notifications;
            let plural = if held == 1 { "" } else { "s" };
            out += &format!("holding since {since}, {held} notification{plural} held\n");
        }
        (None, Some(from)) => out += &format!("holding from {from}\n"),
        (None, None) => out += "not holding\n",
    }
    for h in holders {
        let name = &h.name;
        if let Some(error) = &h.error {
            let retry = at(h.retry_at).map_or(String::new(), |t| format!("; trying again {t}"));
            out += &format!("  ! {name}: {error}{retry}\n");
        } else if h.held_by_worker {
            out += &format!("  {name}: already held by you; left as you set it\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schedule::State;
    use crate::core::testing::utc;

    #[test]
    fn a_session_that_reports_no_activity_is_said_plainly() {
        let mut status = crate::status::example();
        let now = utc("2026-11-23T17:11:00Z");
        assert!(describe_status(&status, now).contains("Activity:  x11 + logind (you are at"));
        // With logind (lock and sleep) or without it, nothing tells input.
        for source in ["none", "none + logind"] {
            status.activity_source = source.into();
            assert!(
                describe_status(&status, now).contains(
                    "Activity:  none: this session reports no activity, so nothing is recorded \
                     as worked at the laptop"
                ),
                "{}",
                describe_status(&status, now)
            );
        }
    }

    #[test]
    fn a_zone_taken_from_the_system_is_said_and_a_configured_one_is_not() {
        let mut status = crate::status::example();
        assert_eq!(
            describe_zone(&status),
            "Time zone: Europe/London, from the system (set `timezone` in your config to fix it)\n"
        );
        status.timezone_source = "configured".into();
        assert_eq!(describe_zone(&status), "");
        status.timezone_source = "fallback_utc".into();
        assert!(describe_zone(&status).starts_with("Time zone: UTC, as the system's"));
    }

    #[test]
    fn the_status_says_what_is_held_and_what_needs_attention() {
        let mut status = crate::status::example();
        let time = |s: &str| Some(status::Time(DateTime::parse_from_rfc3339(s).unwrap()));
        status.state = State::Off;
        status.running_override = None;
        status.since = time("2026-11-23T17:00:00+00:00");
        status.report.enabled = false;
        status.report.waiting = 0;
        status.tray.detail = "this desktop shows no tray icons".into();
        status.timezone_source = "configured".into();
        let holder = status.quiet.holders[0].clone();
        status.quiet.since = time("2026-11-23T17:10:00+00:00");
        status.quiet.holders = vec![
            status::Holder {
                held_by_worker: true,
                ..holder.clone()
            },
            status::Holder {
                name: "sync: syncthing http://127.0.0.1:8384".into(),
                held: false,
                error: Some("Syncthing is not answering".into()),
                retry_at: time("2026-11-23T17:12:00+00:00"),
                ..holder.clone()
            },
        ];
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
        status.quiet.holders = vec![status::Holder {
            held: false,
            error: Some("no notification server is running".into()),
            ..holder
        }];
        let text = describe_status(&status, utc("2026-11-23T17:11:00Z"));
        assert!(
            text.contains("Quiet:     quiet since 17:10, but nothing could be held yet\n"),
            "{text}"
        );
        status.quiet.holders.clear();
        assert!(
            describe_status(&status, utc("2026-11-23T17:11:00Z"))
                .contains("Quiet:     nothing to hold (notifications allowed, no [[sync]])\n")
        );
    }

    #[test]
    fn the_reporting_line_counts_weeks_the_dashboard_no_longer_takes() {
        let mut report = crate::status::example().report;
        report.waiting = 1;
        report.closed = 2;
        report.last_delivered = Some("2026-W47".into());
        report.failing = None;
        report.next_attempt = None;
        assert_eq!(
            describe_report(&report, |_| None),
            "Reporting: on; Team A: 7 of 12 laptops enrolled; 2026-W47 delivered; 1 week \
             waiting; 2 weeks not counted (too late for the dashboard) (clockoff report \
             status)\n"
        );
        if let Some(team) = report.team.as_mut() {
            team.key_refused = Some("the dashboard's issuing key changed".into());
        }
        assert!(
            describe_report(&report, |_| None)
                .contains("; nothing is sent: the dashboard's issuing key changed;"),
            "{}",
            describe_report(&report, |_| None)
        );
    }
}
