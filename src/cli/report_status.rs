//! `clockoff report status`: every queued week and how sending it went, read from the
//! ledger (the agent need not run), with what the worker can do about each.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Failure, ledger_path, open_ledger, read_failed};
use crate::config::Config;
use crate::core::civil::{human, rfc3339_in};
use crate::core::clock::Clock;
use crate::core::record::week;
use crate::ledger::QueuedWeek;
use crate::report::enrolment::{self, Enrolment, key_changed};

/// One word for where a week stands.
fn state(q: &QueuedWeek) -> &'static str {
    if q.delivered.is_some() {
        "delivered"
    } else if q.paused {
        "paused"
    } else if q.is_closed() {
        "closed"
    } else if q.refused {
        "refused"
    } else if q.attempts > 0 {
        "failing"
    } else {
        "waiting"
    }
}

pub fn run(config: &Config, json: bool, clock: &dyn Clock) -> Result<(), Failure> {
    let queue = match open_ledger()? {
        Some(reader) => reader.queued_reports().map_err(read_failed)?,
        None => Vec::new(),
    };
    // A damaged enrolment is said, not fatal: the queue is still worth seeing.
    let (enrolment, damaged) = match enrolment::load(&enrolment::path_beside(&ledger_path()?)) {
        Ok(e) => (
            e.filter(|e| Some(&e.dashboard) == config.report.dashboard.as_ref()),
            None,
        ),
        Err(why) => (None, Some(why)),
    };
    if let Some(why) = damaged {
        eprintln!("clockoff: {why}");
    }
    if json {
        println!("{}", to_json(config, &queue, enrolment.as_ref()));
    } else {
        print!("{}", describe(config, &queue, clock.now()));
        print!("{}", describe_team(enrolment.as_ref()));
    }
    Ok(())
}

/// The laptop's enrolment: the team's count of laptops (which a worker can hold against the
/// team's headcount) and the issuing key's fingerprint (the same for every colleague).
fn describe_team(enrolment: Option<&Enrolment>) -> String {
    let Some(e) = enrolment else {
        return String::new();
    };
    let of = e
        .max_devices
        .map_or(String::new(), |m| format!(" (at most {m})"));
    let mut out = format!(
        "This laptop is enrolled in {}: {} laptops are enrolled there{of}. If that is more \
         than the people in your team, someone may be adding invented reporters: tell your \
         manager or union rep.\nThe dashboard's issuing key: {} (every colleague should see \
         the same).\n",
        e.unit_name,
        e.enrolled,
        e.key.fingerprint()
    );
    if let Some(served) = &e.refused_key {
        out += &format!("Nothing is sent: {}.\n", key_changed(&e.key, served));
    }
    out
}

fn to_json(config: &Config, queue: &[QueuedWeek], enrolment: Option<&Enrolment>) -> Value {
    let tz = config.timezone;
    let time = |t: Option<DateTime<Utc>>| t.map(|t| rfc3339_in(tz, t));
    json!({
        "enabled": config.report.enabled,
        "dashboard": config.report.dashboard,
        "token_file": config.report.token_file,
        "team": enrolment.map(|e| json!({
            "name": e.unit_name,
            "unit": e.unit,
            "enrolled": e.enrolled,
            "max_devices": e.max_devices,
            "issuer_fingerprint": e.key.fingerprint(),
            "key_refused": e.refused_key.as_ref().map(|served| key_changed(&e.key, served)),
        })),
        "weeks": queue.iter().map(|q| json!({
            "week": week::name(q.week),
            "state": state(q),
            "report_id": q.report_id.map(|id| id.to_string()),
            "queued": time(Some(q.queued)),
            "attempts": q.attempts,
            "next_attempt": time(q.next_attempt),
            "delivered": time(q.delivered),
            "last_error": q.last_error,
        })).collect::<Vec<_>>(),
    })
}

fn describe(config: &Config, queue: &[QueuedWeek], now: DateTime<Utc>) -> String {
    let tz = config.timezone;
    let at = |t: DateTime<Utc>| human(tz, t, now);
    let r = &config.report;
    let mut out = match (r.enabled, r.dashboard.as_deref()) {
        (true, Some(dashboard)) => format!("Reporting is on: summaries go to {dashboard}.\n"),
        _ => "Reporting is off ([report] enabled = false): nothing is queued or sent.\n".into(),
    };
    if r.enabled && r.token_file.is_none() {
        out += "No report.token_file is set, so nothing can be sent: ask your team for its \
                reporter token, save it in a file only you can read, and name that file there.\n";
    }
    if queue.is_empty() {
        if r.enabled {
            out += "Nothing queued yet: a week is queued when it ends, starting with the last \
                    one that had ended when reporting was turned on.\n";
        }
        return out;
    }
    for q in queue {
        let name = week::name(q.week);
        let tries = match q.attempts {
            1 => "1 try".to_string(),
            n => format!("{n} tries"),
        };
        let line = match (state(q), q.next_attempt) {
            ("delivered", _) => format!("delivered {}", at(q.delivered.unwrap_or(q.queued))),
            ("paused", _) => {
                format!("paused: not sent (`clockoff report resume --week {name}` sends it)")
            }
            ("closed", _) => format!(
                "not counted: the dashboard no longer takes this week ({})",
                q.last_error.as_deref().unwrap_or("no reason given")
            ),
            (state, Some(next)) if state != "waiting" => format!(
                "{state} after {tries}: {}; next try {}",
                q.last_error.as_deref().unwrap_or("no reason given"),
                at(next)
            ),
            (_, Some(next)) => format!("waiting: first try {}", at(next)),
            (state, None) => state.to_string(),
        };
        out += &format!("{name}  {line}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::summary::ReportId;
    use crate::core::testing::utc;

    #[test]
    fn each_week_says_where_it_stands() {
        let mut config =
            crate::config::from_text("user.toml", "timezone = \"Europe/London\"\n").unwrap();
        config.report.enabled = true;
        config.report.dashboard = Some("https://dash.example.org".into());
        let base = QueuedWeek {
            week: week::parse("2026-W45").unwrap(),
            paused: false,
            report_id: Some(ReportId::from_bytes([1; 16])),
            queued: utc("2026-11-09T00:00:00Z"),
            attempts: 0,
            next_attempt: None,
            delivered: Some(utc("2026-11-09T12:03:00Z")),
            last_error: None,
            refused: false,
        };
        let paused = QueuedWeek {
            week: week::parse("2026-W46").unwrap(),
            paused: true,
            delivered: None,
            next_attempt: Some(utc("2026-11-16T12:00:00Z")),
            ..base.clone()
        };
        let failing = QueuedWeek {
            week: week::parse("2026-W47").unwrap(),
            attempts: 3,
            delivered: None,
            next_attempt: Some(utc("2026-11-24T14:05:00Z")),
            last_error: Some("HTTP 503: down for maintenance".into()),
            ..base.clone()
        };
        let closed = QueuedWeek {
            week: week::parse("2026-W48").unwrap(),
            attempts: 1,
            delivered: None,
            next_attempt: None,
            refused: true,
            last_error: Some("HTTP 410: 2026-W48: the week's figures are published".into()),
            ..base.clone()
        };
        let text = describe(
            &config,
            &[base, paused, failing, closed],
            utc("2026-11-24T09:00:00Z"),
        );
        assert_eq!(
            text,
            "Reporting is on: summaries go to https://dash.example.org.\n\
             No report.token_file is set, so nothing can be sent: ask your team for its reporter token, save it in a file only you can read, and name that file there.\n\
             2026-W45  delivered Mon 9 Nov 2026 12:03\n\
             2026-W46  paused: not sent (`clockoff report resume --week 2026-W46` sends it)\n\
             2026-W47  failing after 3 tries: HTTP 503: down for maintenance; next try 14:05\n\
             2026-W48  not counted: the dashboard no longer takes this week (HTTP 410: 2026-W48: the week's figures are published)\n"
        );
    }
}
