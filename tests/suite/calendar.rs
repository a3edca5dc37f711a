//! `[[calendar]]` (issue 22): leave, on-call and closures read from the calendars people
//! already keep. A real CalDAV server (Radicale) serves a rota that the test changes between
//! fetches and then breaks and takes away; Python's own HTTP server answers conditional
//! requests with 304; a running agent reads a leave calendar at start and says where its
//! state comes from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support;
use support::CleanEnv;
use support::agent::Clockoff;
use support::home::{Home, said};
use support::process::{Peer, find_program};
use support::radicale::Radicale;
use support::tmp::temp_dir;
use support::{DbusDaemon, or_skip};

/// The calendars as `clockoff calendar list --json` gives them.
fn calendars(home: &Home) -> Vec<serde_json::Value> {
    home.ok(&["calendar", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Where the kept copies are.
fn copies(home: &Home) -> PathBuf {
    home.dir.path().join(".local/share/clockoff/calendars")
}

/// A weekend rota, Friday 17:00 to Monday 09:00 from 4 December 2026, with `extra` lines in
/// the series (an EXDATE), and a supervision the filter leaves out.
fn rota(extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
         BEGIN:VEVENT\r\nUID:rota@test\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:On call (EDT)\r\n\
         DTSTART;TZID=Europe/London:20261204T170000\r\nDTEND;TZID=Europe/London:20261207T090000\r\n\
         RRULE:FREQ=WEEKLY;BYDAY=FR\r\n{extra}END:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:supervision@test\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Supervision\r\n\
         DTSTART:20261212T100000Z\r\nDTEND:20261212T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn config_with(calendar: &str) -> String {
    format!(
        "timezone = \"Europe/London\"\n[hours]\nmonday = [\"09:00-17:00\"]\ntuesday = [\"09:00-17:00\"]\n\
         wednesday = [\"09:00-17:00\"]\nthursday = [\"09:00-17:00\"]\nfriday = [\"09:00-17:00\"]\n\n{calendar}"
    )
}

#[test]
fn a_rota_from_radicale_is_fetched_changed_and_kept_when_it_breaks_or_goes_away() {
    let Some(radicale) = or_skip(Radicale::start("calendar-rota")) else {
        return;
    };
    radicale.put_calendar("edt/rota", &rota(""));
    let home = Home::new(
        "calendar-rota",
        &config_with(&format!(
            "[[calendar]]\nname = \"EDT rota\"\nurl = \"{}\"\nuse = \"on_call\"\nsummary = \"on call\"\n",
            radicale.url("edt/rota/")
        )),
    );
    let friday_evening = "2026-12-11T18:00:00Z";
    let next_friday = "2026-12-18T18:00:00Z";

    // Not fetched yet: the schedule is the hours alone, and the command says why.
    let out = home.run(&["schedule", "at", friday_evening]);
    assert!(
        said(&out).contains("calendar \"EDT rota\": not read yet"),
        "{}",
        said(&out)
    );
    assert_eq!(home.state_at(friday_evening), "off");

    let refreshed = home.ok(&["calendar", "refresh"]);
    assert!(refreshed.starts_with("EDT rota: "), "{refreshed}");
    assert_eq!(home.state_at(friday_evening), "on_call");
    assert_eq!(
        home.state_at("2026-12-14T08:30:00Z"),
        "on_call",
        "until Monday 09:00"
    );
    assert_eq!(
        home.state_at("2026-12-12T10:30:00Z"),
        "on_call",
        "supervision is not the filter's"
    );
    let week = home.ok(&["schedule", "week"]);
    assert!(
        week.contains("Fri 11 Dec 17:00  On call (EDT rota)"),
        "{week}"
    );
    for folder in [copies(&home), copies(&home).parent().unwrap().to_path_buf()] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is the worker's alone", folder.display());
    }
    let copies: Vec<_> = std::fs::read_dir(copies(&home))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for copy in &copies {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} says where a worker is", copy.display());
    }
    let listed = &calendars(&home)[0];
    assert_eq!(
        listed["from"],
        format!("{}/…", radicale.url("").trim_end_matches('/'))
    );
    assert_eq!(listed["problem"], serde_json::Value::Null);

    // The rota swaps a weekend: the next fetch sees it.
    radicale.put_calendar(
        "edt/rota",
        &rota("EXDATE;TZID=Europe/London:20261211T170000\r\n"),
    );
    home.ok(&["calendar", "refresh"]);
    assert_eq!(home.state_at(friday_evening), "off");
    assert_eq!(home.state_at(next_friday), "on_call");

    // A calendar clockoff cannot read (Radicale takes it: an hourly rule) changes nothing,
    // and says where the problem is.
    radicale.put_calendar(
        "edt/rota",
        &rota("EXDATE;TZID=Europe/London:20261218T170000\r\n")
            .replace("FREQ=WEEKLY;BYDAY=FR", "FREQ=HOURLY;COUNT=3"),
    );
    let out = home.run(&["calendar", "refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("EDT rota: line "), "{}", said(&out));
    assert!(
        said(&out).contains("the last good copy is kept"),
        "{}",
        said(&out)
    );
    assert_eq!(
        home.state_at(next_friday),
        "on_call",
        "the last good copy is still read"
    );
    assert!(
        calendars(&home)[0]["problem"]
            .as_str()
            .unwrap()
            .contains("FREQ=HOURLY is not supported")
    );

    // Offline: the same.
    drop(radicale);
    let out = home.run(&["calendar", "refresh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(said(&out).contains("cannot connect"), "{}", said(&out));
    assert_eq!(home.state_at(next_friday), "on_call");
    assert_eq!(home.state_at(friday_evening), "off");
}

/// Python's http.server on loopback serving `dir`: it answers If-Modified-Since with 304.
/// It picks its own port and says which (so no other test can take it first).
fn python_http(dir: &Path, log: &Path) -> Option<(Peer, u16)> {
    let python = or_skip(find_program("/usr/bin/python3"))?;
    let mut cmd = Command::new(python);
    cmd.clean_env()
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir);
    let mut peer = Peer::spawn(cmd, "python3 -m http.server", log, true);
    // "Serving HTTP on 127.0.0.1 port 43211 (http://127.0.0.1:43211/) ..."
    let said = peer.first_line();
    let port = said
        .split(" port ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| peer.fail(&format!("no port in \"{said}\"")));
    Some((peer, port))
}

#[test]
fn a_calendar_unchanged_on_the_server_is_not_sent_again() {
    let served = temp_dir("calendar-served");
    let file = served.path().join("rota.ics");
    std::fs::write(&file, rota("")).unwrap();
    let log = served.path().join("http.log");
    let Some((_server, port)) = python_http(served.path(), &log) else {
        return;
    };
    let home = Home::new(
        "calendar-conditional",
        &config_with(&format!(
            "[[calendar]]\nurl = \"http://127.0.0.1:{port}/rota.ics\"\nuse = \"on_call\"\n"
        )),
    );
    home.ok(&["calendar", "refresh"]);
    let again = home.ok(&["calendar", "refresh"]);
    assert!(
        again.contains("rota.ics: unchanged since the last fetch"),
        "{again}"
    );
    // Changed (its time moved on, as an editor's save does): sent whole again.
    std::fs::write(&file, rota("EXDATE;TZID=Europe/London:20261211T170000\r\n")).unwrap();
    let later = std::fs::metadata(&file).unwrap().modified().unwrap() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let third = home.ok(&["calendar", "refresh"]);
    assert!(third.contains("entries"), "{third}");
    assert_eq!(home.state_at("2026-12-11T18:00:00Z"), "off");
    let answers: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter_map(|l| l.split("\" ").nth(1).map(|s| s[..3].to_string()))
        .collect();
    assert_eq!(answers, ["200", "304", "200"], "as the server logged them");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reads_a_leave_calendar_at_start_and_says_where_its_state_comes_from() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("calendar-agent");
    let clockoff = Clockoff::new(&bus, Vec::new(), dir.path());
    // Today and tomorrow in London, whatever day the suite runs.
    let today = support::agent::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let leave = dir.path().join("leave.ics");
    std::fs::write(
        &leave,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:l\r\nSUMMARY:Annual leave\r\n\
             DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            day(today),
            day(today + chrono::TimeDelta::days(2))
        ),
    )
    .unwrap();
    clockoff.write_config(&format!(
        "timezone = \"Europe/London\"\n[tray]\nenabled = false\n\n\
         [[calendar]]\nname = \"HR leave\"\nfile = \"{}\"\nuse = \"leave\"\n",
        leave.display()
    ));
    let agent = clockoff.agent(&bus, "agent.log").await;
    let status = clockoff.wait_status("the leave calendar read", |s| s["state"] == "leave");
    assert_eq!(status["from_calendar"], "HR leave");
    assert_eq!(status["from"], "HR leave");
    assert_eq!(status["calendars"][0]["name"], "HR leave");
    assert_eq!(status["calendars"][0]["use"], "leave");
    assert_eq!(status["calendars"][0]["problem"], serde_json::Value::Null);
    let text = clockoff.clockoff(&["status"]);
    assert!(
        support::agent::text(&text.stdout).contains("HR leave"),
        "{}",
        support::agent::text(&text.stdout)
    );

    // The leave is cancelled in the calendar file: the agent reads it again by itself.
    let cancelled = std::fs::read_to_string(&leave).unwrap().replace(
        "SUMMARY:Annual leave\r\n",
        "SUMMARY:Annual leave\r\nSTATUS:CANCELLED\r\n",
    );
    std::fs::write(&leave, cancelled).unwrap();
    let status = clockoff.wait_status("the cancelled leave read", |s| s["state"] != "leave");
    assert_eq!(status["from_calendar"], serde_json::Value::Null);
    agent.terminate();
}

#[test]
fn a_huge_or_endless_calendar_file_is_refused_by_name_and_line_and_changes_nothing() {
    let home = Home::new("calendar-huge", "");
    let file = home.dir.path().join("rota.ics");
    std::fs::write(&file, rota("")).unwrap();
    let config = home.dir.path().join(".config/clockoff/config.toml");
    std::fs::write(
        &config,
        config_with(&format!(
            "[[calendar]]\nname = \"EDT rota\"\nfile = \"{}\"\nuse = \"on_call\"\n",
            file.display()
        )),
    )
    .unwrap();
    home.ok(&["calendar", "refresh"]);
    let friday_evening = "2026-12-11T18:00:00Z";
    assert_eq!(home.state_at(friday_evening), "on_call");

    let refused = |why: &str| {
        let out = home.run(&["calendar", "refresh"]);
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        assert!(
            said(&out).contains(&format!("EDT rota: {why}")),
            "{}",
            said(&out)
        );
        assert_eq!(
            home.state_at(friday_evening),
            "on_call",
            "the last good copy is read"
        );
    };
    // 50 MB, refused before a byte is read (a sparse file: nothing to write).
    std::fs::File::create(&file)
        .unwrap()
        .set_len(50_000_000)
        .unwrap();
    refused(&format!("{}: 50 MB, larger than the 16 MB", file.display()));
    // 100,000 events: refused at the first one over the limit.
    let event =
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261211T170000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
    std::fs::write(
        &file,
        format!(
            "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
            event.repeat(100_000)
        ),
    )
    .unwrap();
    refused("line 250002: more than 50000 events");
    // Endless daily rules from 1970, a thousand of them.
    let endless = "BEGIN:VEVENT\r\nUID:y\r\nDTSTART:19700101T170000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
    std::fs::write(
        &file,
        format!(
            "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
            endless.repeat(1000)
        ),
    )
    .unwrap();
    refused("line 158: more than 20000 occurrences");
    // A zone that does not exist.
    std::fs::write(
        &file,
        rota("").replace("TZID=Europe/London", "TZID=Europe/Atlantis"),
    )
    .unwrap();
    refused("line 8: unknown time zone \"Europe/Atlantis\"");
}

/// Where each entry of the week comes from: the policy's on-call, the worker's leave and
/// closure, a calendar's leave, the region's bank holiday.
#[test]
fn the_schedule_says_where_each_leave_on_call_and_holiday_comes_from() {
    let home = Home::new(
        "calendar-sources",
        &config_with(
            "[holidays]\nregion = \"scotland\"\nextra = [\"2026-12-11\"]\n\n\
             [[leave]]\nfrom = \"2026-12-10\"\nto = \"2026-12-10\"\n\n\
             [[calendar]]\nname = \"HR leave\"\nfile = \"~/leave.ics\"\nuse = \"leave\"\n",
        ),
    );
    std::fs::write(
        home.dir.path().join("policy.toml"),
        "[[on_call]]\nfrom = \"2026-12-12T09:00\"\nto = \"2026-12-12T17:00\"\n",
    )
    .unwrap();
    std::fs::write(
        home.dir.path().join("leave.ics"),
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:l\r\nSUMMARY:Annual leave\r\n\
         DTSTART;VALUE=DATE:20261214\r\nDTEND;VALUE=DATE:20261215\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    home.ok(&["calendar", "refresh"]);
    let week = home.ok(&["schedule", "week"]);
    for line in [
        "Thu 10 Dec 00:00  On leave (your config)",
        "Fri 11 Dec 00:00  Bank holiday (closure day, your config)",
        "Sat 12 Dec 09:00  On call (the policy)",
        "Mon 14 Dec 00:00  On leave (HR leave)",
    ] {
        assert!(week.contains(line), "{line} missing from:\n{week}");
    }
    let at = |t: &str| -> serde_json::Value {
        serde_json::from_str(&home.ok(&["schedule", "at", t])).unwrap()
    };
    assert_eq!(at("2026-12-25T12:00:00Z")["from"], "Scotland");
    assert_eq!(at("2026-12-14T12:00:00Z")["from"], "HR leave");
    assert_eq!(
        at("2026-12-09T12:00:00Z").get("from"),
        None,
        "working has no source"
    );
}

/// A published calendar's address carries its secret: a failed fetch says where it failed
/// without it, in the refresh's words, the kept notes and status.
#[test]
fn a_secret_address_is_never_repeated_when_its_fetch_fails() {
    let secret = "private-0123456789abcdef";
    // A port just given back by a listener of the test's own: the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = Home::new(
        "calendar-secret",
        &config_with(&format!(
            "[[calendar]]\nurl = \"http://127.0.0.1:{port}/calendar/ical/team/{secret}/basic.ics\"\nuse = \"on_call\"\n"
        )),
    );
    let out = home.run(&["calendar", "refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&format!(
            "http://127.0.0.1:{port}/…/basic.ics: cannot connect"
        )),
        "{}",
        said(&out)
    );
    let list = home.ok(&["calendar", "list", "--json"]);
    let notes: String = std::fs::read_dir(copies(&home))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let week = home.run(&["schedule", "week"]);
    for (what, text) in [
        ("refresh", said(&out)),
        ("list", list),
        ("notes", notes),
        ("week", said(&week)),
    ] {
        assert!(!text.contains(secret), "the secret in {what}: {text}");
    }
}
