//! Sending the weekly summaries, with the real agent on a private bus and a real dashboard
//! behind a loopback server that answers its reports endpoint from a script (so it can fail
//! on cue): what is sent is exactly the preview, under one report id however often it is
//! retried, with the team's token and the week token in the headers and neither in the log;
//! the laptop enrols once and has each week's token once; a paused week is never sent, and
//! a restart mid-backoff neither resends a delivered week nor starts the schedule over.
//!
//! The agent runs on real time, so the weeks are counted back from now: reporting was
//! turned on for week A (three weeks ago, long past its first try); B (two weeks ago) and
//! C (last week) are queued by the agent when it starts. The retry schedule runs in 50 ms
//! "minutes" (`CLOCKOFF_TEST_UPLOAD_MINUTE_MS`), so the test takes seconds.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use chrono::{Datelike, IsoWeek, TimeDelta};
use clockoff::agent::upload::first_try;
use clockoff::core::activity::Class;
use clockoff::core::record::week;
use clockoff::core::schedule::State;
use clockoff::core::summary::ReportId;
use clockoff::ledger::{Ledger, QueuedWeek, Reader, ToQueue};
use clockoff::report::last_completed_week;
use serde_json::Value;
use support::agent::{Clockoff, now, text};
use support::dashboard::{serve, token};
use support::http_server::{HttpServer, Recorded};
use support::process::Peer;
use support::record::closed_interval;
use support::tmp::{TempDir, temp_dir};
use support::{DbusDaemon, or_skip};

const LONDON: chrono_tz::Tz = chrono_tz::Europe::London;

const DASHBOARD: &str = "k = 5\nweeks_accepted = 8\n\
[[units]]\nid = \"org\"\nname = \"Test Council\"\n\
[[units]]\nid = \"team-t\"\nname = \"Team T\"\nparent = \"org\"\nmax_devices = 3\n";

/// A real dashboard, a reporter token for team-t, and the scripted server in front of it.
async fn dashboard(
    dir: &std::path::Path,
    script: &[u16],
    otherwise: u16,
) -> (Peer, String, HttpServer) {
    let server_dir = dir.join("server");
    std::fs::create_dir_all(&server_dir).unwrap();
    std::fs::write(server_dir.join("dashboard.toml"), DASHBOARD).unwrap();
    let reporter = token(&server_dir, "team-t", "reporter");
    let (peer, url) = serve(&server_dir);
    let front = HttpServer::in_front_of(Some(&url), script, otherwise).await;
    (peer, reporter, front)
}

fn weeks_back(n: i64) -> IsoWeek {
    let last = last_completed_week(LONDON, now());
    (week::monday(last) - TimeDelta::weeks(n)).iso_week()
}

/// Always off (so the agent records nothing of its own), reporting on.
fn config(dashboard: &str, token_file: &std::path::Path) -> String {
    format!(
        "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
         [tray]\nenabled = false\n\
         [report]\nenabled = true\ndashboard = \"{dashboard}\"\ntoken_file = \"{}\"\n",
        token_file.display()
    )
}

/// What each test starts from: a real dashboard behind the scripted server (answering
/// `script`, then 201), an agent's home reporting to it with `token` in its token file (0600;
/// the team's reporter token when `None`), and the fixture weeks A, B, C (see
/// [`write_fixture`]).
struct Setup {
    dir: TempDir,
    dashboard: Peer,
    team_token: String,
    server: HttpServer,
    token_file: std::path::PathBuf,
    desk: Clockoff,
    weeks: (IsoWeek, IsoWeek, IsoWeek),
}

impl Setup {
    async fn start(bus: &DbusDaemon, label: &str, script: &[u16], token: Option<&str>) -> Setup {
        let dir = temp_dir(label);
        let (dashboard, team_token, server) = dashboard(dir.path(), script, 201).await;
        let token_file = dir.path().join("team-token");
        std::fs::write(&token_file, format!("{}\n", token.unwrap_or(&team_token))).unwrap();
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let desk = Clockoff::new(
            bus,
            vec![("CLOCKOFF_TEST_UPLOAD_MINUTE_MS".into(), "50".into())],
            dir.path(),
        );
        desk.write_config(&config(&server.url(), &token_file));
        let weeks = (weeks_back(2), weeks_back(1), weeks_back(0));
        write_fixture(&desk.ledger_path(), weeks.0, weeks.1, weeks.2).await;
        Setup {
            dir,
            dashboard,
            team_token,
            server,
            token_file,
            desk,
            weeks,
        }
    }
}

/// Week A's evenings in the ledger, reporting on since A (queued, as the agent would have
/// queued it then), and B and C paused.
async fn write_fixture(ledger_path: &std::path::Path, a: IsoWeek, b: IsoWeek, c: IsoWeek) {
    let (ledger, _) = Ledger::open(ledger_path).await.unwrap();
    let tuesday = week::monday(a) + TimeDelta::days(1);
    let at = |date: chrono::NaiveDate, hm: &str| format!("{date}T{hm}:00Z");
    closed_interval(
        &ledger,
        &at(tuesday, "20:00"),
        &at(tuesday, "21:40"),
        Class::OutOfHours,
        State::Off,
    )
    .await;
    let saturday = week::monday(a) + TimeDelta::days(5);
    closed_interval(
        &ledger,
        &at(saturday, "10:00"),
        &at(saturday, "11:00"),
        Class::OutOfHours,
        State::Off,
    )
    .await;
    let queued = ledger
        .queue_reports(
            vec![ToQueue {
                week: a,
                first_try: first_try(LONDON, a),
                fresh: ReportId::from_bytes([7; 16]),
            }],
            first_try(LONDON, a),
        )
        .await
        .unwrap();
    assert_eq!(queued, [a]);
    for w in [b, c] {
        ledger.set_report_paused(w, true, now()).await.unwrap();
    }
    ledger.close().await.unwrap();
}

fn of_week(requests: &[Recorded], w: IsoWeek) -> Vec<Recorded> {
    requests
        .iter()
        .filter(|r| r.json()["week"] == week::name(w))
        .cloned()
        .collect()
}

fn queue(desk: &Clockoff) -> Vec<QueuedWeek> {
    Reader::open(&desk.ledger_path())
        .unwrap()
        .unwrap()
        .queued_reports()
        .unwrap()
}

fn stored(desk: &Clockoff, w: IsoWeek) -> QueuedWeek {
    queue(desk)
        .into_iter()
        .find(|q| q.week == w)
        .unwrap_or_else(|| panic!("{} is not queued", week::name(w)))
}

/// Polls the ledger until `done` holds for week `w`.
fn wait_ledger(desk: &Clockoff, w: IsoWeek, what: &str, done: impl Fn(&QueuedWeek) -> bool) {
    let start = std::time::Instant::now();
    loop {
        if queue(desk).iter().any(|q| q.week == w && done(q)) {
            return;
        }
        assert!(
            start.elapsed() < support::DEADLINE,
            "waiting for {what}: {:#?}",
            queue(desk)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summaries_are_sent_once_retried_under_one_id_and_never_when_paused() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Setup {
        dir: _dir,
        dashboard,
        team_token,
        server,
        desk,
        weeks: (a, b, c),
        ..
    } = Setup::start(&bus, "upload", &[503], None).await;

    // A: 503, then retried a "minute" later and stored.
    let agent = desk.agent(&bus, "agent-1.log").await;
    let requests = server.wait_for("A sent twice", |r| r.len() >= 2);
    wait_ledger(&desk, a, "A delivered", |q| q.delivered.is_some());
    assert_eq!(requests.len(), 2, "{requests:#?}");
    for r in &requests {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/api/v1/reports")
        );
        assert_eq!(r.headers["authorization"], format!("Bearer {team_token}"));
        assert_eq!(r.headers["content-type"], "application/json");
        let week_token = &r.headers["clockoff-week-token"];
        assert!(
            week_token.len() == 128 && week_token.bytes().all(|b| b.is_ascii_hexdigit()),
            "{week_token}"
        );
    }
    assert_eq!(
        requests[0].headers["clockoff-week-token"], requests[1].headers["clockoff-week-token"],
        "a retry carries the week's token it had"
    );
    // Before its first report the laptop enrolled with the team's token, once, and had
    // week tokens with a credential of its own (A's, and this week's ahead of its report).
    let forwarded = server.forwarded();
    let enrolments: Vec<_> = forwarded
        .iter()
        .filter(|r| r.path == "/api/v1/devices")
        .collect();
    assert_eq!(enrolments.len(), 1, "{forwarded:#?}");
    assert_eq!(
        enrolments[0].headers["authorization"],
        format!("Bearer {team_token}")
    );
    let asked: Vec<_> = forwarded
        .iter()
        .filter(|r| r.path == "/api/v1/tokens")
        .collect();
    assert!(!asked.is_empty(), "{forwarded:#?}");
    for r in &asked {
        assert!(
            r.headers["authorization"].starts_with("Bearer cod_d_"),
            "{r:?}"
        );
        assert_ne!(r.json()["week"], Value::Null);
    }
    let device = asked[0].headers["authorization"].clone();
    assert_eq!(
        requests[0].body, requests[1].body,
        "a retry is the same report"
    );
    let sent = requests[0].json();
    assert_eq!(
        sent["report_id"],
        "07".repeat(16),
        "the id it was queued under"
    );
    // Exactly the preview, compact: nothing more leaves the laptop.
    let preview = desk.clockoff(&["report", "preview", "--week", &week::name(a)]);
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    let compact: String = text(&preview.stdout).split_whitespace().collect();
    assert_eq!(requests[0].body, compact);
    assert!(
        text(&preview.stderr).contains("It was delivered on"),
        "{}",
        text(&preview.stderr)
    );
    assert_eq!(
        sent["out_of_hours_minutes"], 165,
        "1h40m and 1h, to the quarter hour"
    );
    assert_eq!(sent["weekend_minutes"], 60);

    // B and C were queued on start, paused: no id, never sent.
    for w in [b, c] {
        let q = stored(&desk, w);
        assert!(
            q.paused && q.report_id.is_none() && q.delivered.is_none(),
            "{q:?}"
        );
    }
    let status = desk.wait_status("the report status", |s| {
        s["report"]["last_delivered"] == week::name(a)
    });
    assert_eq!(status["report"]["paused"], 2, "{status}");
    let listed: Value =
        serde_json::from_slice(&desk.clockoff(&["report", "status", "--json"]).stdout).unwrap();
    let states: Vec<(String, String)> = listed["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["week"].as_str().unwrap().into(),
                w["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (week::name(a), "delivered".into()),
            (week::name(b), "paused".into()),
            (week::name(c), "paused".into())
        ]
    );

    // Resume B while the dashboard is down: it fails, and backs off.
    server.answer(503);
    let out = desk.clockoff(&["report", "resume", "--week", &week::name(b)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let failing = server.wait_for("B tried and failing", |r| of_week(r, b).len() >= 2);
    wait_ledger(&desk, b, "B's failures recorded", |q| q.attempts >= 2);
    agent.terminate();
    let before = stored(&desk, b);
    assert!(
        before.delivered.is_none() && before.next_attempt.is_some(),
        "{before:?}"
    );
    assert_eq!(
        before.last_error.as_deref(),
        Some("HTTP 503: down for maintenance")
    );

    // A restart mid-backoff: A is not sent again; B goes on from where it was, same id.
    server.answer(201);
    let agent = desk.agent(&bus, "agent-2.log").await;
    wait_ledger(&desk, b, "B delivered", |q| q.delivered.is_some());
    let after = stored(&desk, b);
    assert!(
        after.attempts >= before.attempts,
        "the count of tries carries on"
    );
    let requests = server.requests();
    assert_eq!(of_week(&requests, a).len(), 2, "A is never resent");
    assert!(of_week(&requests, c).is_empty(), "C is paused");
    let b_sent = of_week(&requests, b);
    assert!(b_sent.len() > failing.len() - 2);
    assert!(b_sent.iter().all(|r| r.body == b_sent[0].body));
    assert_eq!(
        b_sent[0].json()["report_id"],
        after.report_id.unwrap().to_string()
    );
    // Once more, to be sure nothing is pending: the status shows both delivered.
    desk.wait_status("B delivered in status", |s| {
        s["report"]["last_delivered"] == week::name(b) && s["report"]["waiting"] == 0
    });
    // The team's count, as the dashboard gave it, and the key's fingerprint, in status.
    let status = desk.status();
    assert_eq!(status["report"]["team"]["enrolled"], 1, "{status}");
    assert_eq!(status["report"]["team"]["max_devices"], 3, "{status}");
    assert_eq!(status["report"]["team"]["name"], "Team T", "{status}");
    agent.terminate();
    assert_eq!(server.requests().len(), requests.len());
    // Each week's token was had once: no week was asked for twice.
    let mut weeks: Vec<String> = server
        .forwarded()
        .iter()
        .filter(|r| r.path == "/api/v1/tokens")
        .map(|r| r.json()["week"].as_str().unwrap().to_owned())
        .collect();
    let asked = weeks.len();
    // Sorted first: `dedup` drops only neighbours, and a week asked for again later would
    // have passed.
    weeks.sort_unstable();
    weeks.dedup();
    assert_eq!(weeks.len(), asked, "{weeks:?}");

    // The tokens are in headers, never in a log; the credential is in the enrolment file,
    // readable by the worker alone.
    let credential = device.trim_start_matches("Bearer ");
    for log in ["agent-1.log", "agent-2.log"] {
        let text = std::fs::read_to_string(desk.log_path(log)).unwrap();
        assert!(!text.contains(&team_token), "{log}:\n{text}");
        assert!(!text.contains(&credential[6..]), "{log}:\n{text}");
        assert!(text.contains("reported"), "{log}:\n{text}");
    }
    let enrolment = desk.ledger_path().with_file_name("enrolment.json");
    let mode = std::fs::metadata(&enrolment).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&enrolment)
            .unwrap()
            .contains(credential)
    );
    dashboard.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_week_waits_a_day_even_across_a_restart_or_until_the_config_changes() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    // A day of 50 ms minutes is 72 s: far longer than this test.
    let Setup {
        dir: _dir,
        dashboard,
        team_token,
        server,
        token_file,
        desk,
        weeks: (a, _, _),
    } = Setup::start(&bus, "upload-refused", &[], Some("revoked-token")).await;
    let text_config = config(&server.url(), &token_file);

    let agent = desk.agent(&bus, "agent-1.log").await;
    wait_ledger(&desk, a, "the refusal recorded", |q| q.refused);
    let q = stored(&desk, a);
    assert_eq!(
        q.last_error.as_deref(),
        Some("enrolling this laptop: HTTP 401: the token is not valid")
    );
    assert_eq!(server.forwarded().len(), 1, "{:#?}", server.forwarded());
    let wait = q.next_attempt.unwrap() - now();
    assert!(wait > TimeDelta::seconds(60), "{wait}");
    let status = desk.wait_status("the failure in status", |s| {
        s["report"]["failing"]["refused"] == true
    });
    assert_eq!(
        status["report"]["failing"]["week"],
        week::name(a),
        "{status}"
    );

    // Not hammered, not even by a restart.
    agent.terminate();
    let agent = desk.agent(&bus, "agent-2.log").await;
    desk.status();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(server.forwarded().len(), 1, "{:#?}", server.forwarded());
    assert!(server.requests().is_empty(), "{:#?}", server.requests());

    // A new token and a config change: tried again at once, and stored.
    std::fs::write(&token_file, format!("{team_token}\n")).unwrap();
    desk.write_config(&format!("{text_config}# new token\n"));
    let requests = server.wait_for("A sent", |r| !of_week(r, a).is_empty());
    assert_eq!(
        requests[0].headers["authorization"],
        format!("Bearer {team_token}")
    );
    wait_ledger(&desk, a, "A delivered", |q| q.delivered.is_some());
    agent.terminate();
    dashboard.terminate();
}

/// The laptop pins the dashboard's issuing key when it enrols. A rotation the dashboard
/// announces (`issuer rotate`) is accepted and reporting goes on; a key changed without
/// notice (here: the key deleted from the database, so a new one is made at start) stops
/// sending, and status says why: a key of its own for each laptop would tell workers apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_accepted_and_a_key_changed_without_notice_stops_reporting() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Setup {
        dir,
        dashboard: first,
        server,
        desk,
        weeks: (a, b, c),
        ..
    } = Setup::start(&bus, "upload-key", &[], None).await;
    let server_dir = dir.path().join("server");
    let agent = desk.agent(&bus, "agent.log").await;
    wait_ledger(&desk, a, "A delivered", |q| q.delivered.is_some());
    let pinned = desk.wait_status("enrolled", |s| s["report"]["team"].is_object())["report"]
        ["team"]["issuer_fingerprint"]
        .clone();

    // Rotated, announced: accepted, and B goes.
    first.terminate();
    let rotate = support::dashboard::dashboard(&server_dir, &["issuer", "rotate"])
        .output()
        .unwrap();
    assert!(rotate.status.success(), "{}", text(&rotate.stderr));
    let rotated = text(&rotate.stdout);
    let (second, url) = serve(&server_dir);
    server.set_upstream(&url);
    let out = desk.clockoff(&["report", "resume", "--week", &week::name(b)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    wait_ledger(&desk, b, "B delivered", |q| q.delivered.is_some());
    let status = desk.wait_status("the new key", |s| {
        s["report"]["team"]["issuer_fingerprint"] != pinned
    });
    let fingerprint = status["report"]["team"]["issuer_fingerprint"]
        .as_str()
        .unwrap();
    assert!(rotated.contains(fingerprint), "{rotated} / {status}");
    assert_eq!(status["report"]["team"]["key_refused"], Value::Null);

    // Changed without notice: C is not sent, and the worker is told.
    second.terminate();
    let db = server_dir.join("home/.local/share/clockoff-dashboard/dashboard.sqlite3");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM issuer_keys", [])
        .unwrap();
    let (third, url) = serve(&server_dir);
    server.set_upstream(&url);
    let reports_before = server.requests().len();
    let out = desk.clockoff(&["report", "resume", "--week", &week::name(c)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    wait_ledger(&desk, c, "C refused", |q| q.refused);
    let q = stored(&desk, c);
    assert!(
        q.last_error
            .as_deref()
            .unwrap()
            .contains("issuing key changed without notice"),
        "{q:?}"
    );
    assert_eq!(
        server.requests().len(),
        reports_before,
        "nothing reached the reports"
    );
    let status = desk.wait_status("the refusal in status", |s| {
        s["report"]["team"]["key_refused"].is_string()
    });
    assert_eq!(
        status["report"]["team"]["issuer_fingerprint"], fingerprint,
        "the pin stays"
    );
    let said = text(&desk.clockoff(&["report", "status"]).stdout);
    assert!(
        said.contains("Nothing is sent: the dashboard's issuing key changed"),
        "{said}"
    );
    let said = text(&desk.clockoff(&["status"]).stdout);
    assert!(said.contains("nothing is sent"), "{said}");
    agent.terminate();
    third.terminate();
}
