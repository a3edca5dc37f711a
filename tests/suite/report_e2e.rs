//! Two workers' agents, each on its own private session bus, send last month's week to a
//! real `clockoff-dashboard` on loopback: the dashboard stores exactly what each worker's
//! `clockoff report preview` showed, under the team their token names, one summary per
//! worker, and a manager's read shows the team only as "fewer than k people".

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::{Datelike, IsoWeek, TimeDelta};
use clockoff::agent::upload::first_try;
use clockoff::core::activity::Class;
use clockoff::core::record::week;
use clockoff::core::schedule::State;
use clockoff::core::summary::ReportId;
use clockoff::ledger::{Ledger, ToQueue};
use clockoff::report::last_completed_week;
use rusqlite::Connection;
use serde_json::Value;
use support::agent::{Clockoff, now, text};
use support::dashboard::{serve, token};
use support::record::closed_interval;
use support::tmp::temp_dir;
use support::{DEADLINE, DbusDaemon, or_skip};

const LONDON: chrono_tz::Tz = chrono_tz::Europe::London;

const DASHBOARD: &str = "k = 5\nweeks_accepted = 8\n\
[[units]]\nid = \"org\"\nname = \"Test Council\"\n\
[[units]]\nid = \"team-a\"\nname = \"Team A\"\nparent = \"org\"\nmax_devices = 6\n";

/// One worker's laptop: evenings in week `w`, reporting on since then (queued as the agent
/// would have queued it), and a token file for the team.
async fn laptop(desk: &Clockoff, w: IsoWeek, evening_minutes: i64, url: &str, token: &str) {
    let dir = desk
        .ledger_path()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let token_file = dir.join("team-token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    desk.write_config(&format!(
        "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
         [tray]\nenabled = false\n\
         [report]\nenabled = true\ndashboard = \"{url}\"\ntoken_file = \"{}\"\n",
        token_file.display()
    ));
    let (ledger, _) = Ledger::open(&desk.ledger_path()).await.unwrap();
    let wednesday = week::monday(w) + TimeDelta::days(2);
    let end =
        chrono::NaiveTime::from_hms_opt(20, 0, 0).unwrap() + TimeDelta::minutes(evening_minutes);
    closed_interval(
        &ledger,
        &format!("{wednesday}T20:00:00Z"),
        &format!("{wednesday}T{}:00Z", end.format("%H:%M")),
        Class::OutOfHours,
        State::Off,
    )
    .await;
    let fresh = ReportId::from_bytes([evening_minutes as u8; 16]);
    let to_queue = ToQueue {
        week: w,
        first_try: first_try(LONDON, w),
        fresh,
    };
    ledger
        .queue_reports(vec![to_queue], first_try(LONDON, w))
        .await
        .unwrap();
    ledger.close().await.unwrap();
}

fn stored(db: &Path) -> Vec<(String, String, i64)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT unit, report_id, out_of_hours_minutes FROM reports ORDER BY report_id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_deliver_their_weeks_to_a_real_dashboard_which_shows_no_one() {
    let (Some(bus_1), Some(bus_2)) = (or_skip(DbusDaemon::start()), or_skip(DbusDaemon::start()))
    else {
        return;
    };
    let dir = temp_dir("report-e2e");
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir).unwrap();
    std::fs::write(server_dir.join("dashboard.toml"), DASHBOARD).unwrap();
    let reporter = token(&server_dir, "team-a", "reporter");
    let viewer = token(&server_dir, "org", "viewer");
    let (server, url) = serve(&server_dir);

    // Three weeks ago: within the dashboard's window, long past its first try.
    let w = (week::monday(last_completed_week(LONDON, now())) - TimeDelta::weeks(2)).iso_week();
    let mut agents = Vec::new();
    let mut previews = Vec::new();
    for (n, (bus, minutes)) in [(&bus_1, 100), (&bus_2, 40)].into_iter().enumerate() {
        let home = dir.path().join(format!("worker-{n}"));
        std::fs::create_dir_all(&home).unwrap();
        let desk = Clockoff::new(bus, vec![], &home);
        laptop(&desk, w, minutes, &url, &reporter).await;
        let preview = desk.clockoff(&["report", "preview", "--week", &week::name(w)]);
        assert!(preview.status.success(), "{}", text(&preview.stderr));
        previews.push(serde_json::from_slice::<Value>(&preview.stdout).unwrap());
        agents.push((desk.agent(bus, "agent.log").await, desk));
    }

    let db = server_dir.join("home/.local/share/clockoff-dashboard/dashboard.sqlite3");
    let mut expected: Vec<(String, String, i64)> = previews
        .iter()
        .map(|p| {
            (
                "team-a".to_owned(),
                p["report_id"].as_str().unwrap().to_owned(),
                p["out_of_hours_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    let of_week = |rows: Vec<(String, String, i64)>| -> Vec<(String, String, i64)> {
        rows.into_iter()
            .filter(|r| expected.iter().any(|e| e.1 == r.1))
            .collect()
    };
    support::eventually_blocking("both weeks stored", || {
        let rows = stored(&db);
        if of_week(rows.clone()).len() < 2 {
            Err(format!("{rows:?}"))
        } else {
            Ok(())
        }
    });
    // Each worker's preview is what the dashboard holds, under the team the token names.
    assert_eq!(of_week(stored(&db)), expected);
    assert_eq!(
        expected.iter().map(|e| e.2).collect::<Vec<_>>(),
        [45, 105],
        "40 and 100 minutes, to the quarter hour"
    );
    // Everything else they sent is the weeks since (reporting is on), under the same team.
    assert!(
        stored(&db).iter().all(|r| r.0 == "team-a"),
        "{:?}",
        stored(&db)
    );

    // A manager reading now sees the week not published yet: it takes reports for 8 weeks.
    let read = |url: &str| {
        let request = reqwest::Client::new()
            .get(format!(
                "{url}/api/v1/units/org/weeks?from={0}&to={0}",
                week::name(w)
            ))
            .header("Authorization", format!("Bearer {viewer}"));
        async move {
            let reply = request.send().await.unwrap();
            assert_eq!(reply.status(), 200);
            reply.text().await.unwrap()
        }
    };
    let text_of = read(&url).await;
    assert!(text_of.contains("not_published"), "{text_of}");
    assert!(!text_of.contains("fewer_than_k"), "{text_of}");
    // The dashboard restarted to take reports for one week only: the week, ended two weeks
    // ago, is published, and a manager sees the team only as fewer than k (5) people, and
    // nothing else about it.
    server.terminate();
    let one_week = DASHBOARD.replace("weeks_accepted = 8", "weeks_accepted = 1");
    std::fs::write(server_dir.join("dashboard.toml"), one_week).unwrap();
    let (server, url) = serve(&server_dir);
    let text_of = read(&url).await;
    assert!(text_of.contains("fewer_than_k"), "{text_of}");
    for (_, id, minutes) in &expected {
        assert!(!text_of.contains(id.as_str()), "{text_of}");
        assert!(!text_of.contains(&format!(":{minutes},")), "{text_of}");
    }

    // Published is final: restarted to take reports for 8 weeks again, the dashboard shows
    // the week as it was published. A worker's report sent again is acknowledged as the
    // replay it is; a resubmission (a new report id) is refused for good.
    server.terminate();
    std::fs::write(server_dir.join("dashboard.toml"), DASHBOARD).unwrap();
    let (server, url) = serve(&server_dir);
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(server_dir.join("dashboard.log"))
        .unwrap()
        .contains("released the last")
    {
        assert!(
            start.elapsed() < DEADLINE,
            "the dashboard did not read back its weeks"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(read(&url).await, text_of);
    // The first worker's week token, as their laptop keeps it beside the ledger.
    let enrolment = agents[0].1.ledger_path().with_file_name("enrolment.json");
    let enrolment: Value =
        serde_json::from_str(&std::fs::read_to_string(enrolment).unwrap()).unwrap();
    let week_token = enrolment["tokens"][week::name(w)]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |body: String| {
        reqwest::Client::new()
            .post(format!("{url}/api/v1/reports"))
            .header("Authorization", format!("Bearer {reporter}"))
            .header("clockoff-week-token", &week_token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(previews[0].to_string()).await.unwrap().status(), 200);
    let mut resubmitted = previews[0].clone();
    resubmitted["report_id"] = "0123456789abcdef0123456789abcdef".into();
    let again = post(resubmitted.to_string()).await.unwrap();
    assert_eq!(again.status(), 410);
    let why = again.text().await.unwrap();
    assert!(why.contains("published"), "{why}");

    // A third worker's laptop, back after the week was published: its agent hears 410, stops
    // sending the week, and says it was not counted.
    let Some(bus_3) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let home = dir.path().join("worker-late");
    std::fs::create_dir_all(&home).unwrap();
    let late = Clockoff::new(&bus_3, vec![], &home);
    laptop(&late, w, 70, &url, &reporter).await;
    let late_agent = late.agent(&bus_3, "agent.log").await;
    // (The week after it may be published too, or delivered: that depends on the hour.)
    let status = late.wait_status("every week sent or closed", |s| {
        s["report"]["waiting"] == 0 && s["report"]["closed"].as_u64() >= Some(1)
    });
    assert_eq!(status["report"]["failing"], Value::Null, "{status}");
    let out = late.clockoff(&["report", "status"]);
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "{}  not counted: the dashboard no longer takes this week (HTTP 410",
            week::name(w)
        )),
        "{said}"
    );
    late_agent.terminate();
    for (agent, _) in agents {
        agent.terminate();
    }
    server.terminate();
}
