//! Counting held notifications and clockoff's own notices, against a real dunst under Xvfb
//! on a private bus. The worker's clicks are dunst's own: its context menu (`dunstctl
//! context`) runs a `dmenu` script that picks a line, and `dunstctl close` dismisses.
//! Every wait has a deadline.

#[path = "suite/support/mod.rs"]
#[allow(dead_code)] // this binary uses a part of it
mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use clockoff::desktop::monitor::{self, Arrived};
use clockoff::desktop::notices::{self, Digest, EndOfHours};
use tokio::sync::mpsc::{self, UnboundedReceiver};
use zbus::zvariant::Value;

use support::process::{find_program, run};
use support::{DEADLINE, DbusDaemon, Dunst, Xvfb, or_skip};

/// A bus, an X server and dunst (with `extra` in its `[global]` section); `None` (the test
/// skips) when one is not installed.
async fn desktop(extra: &str) -> Option<(DbusDaemon, Xvfb, Dunst)> {
    let bus = or_skip(DbusDaemon::start())?;
    let x = or_skip(Xvfb::start())?;
    let dunst = or_skip(Dunst::start_with(&bus, &x, extra).await)?;
    Some((bus, x, dunst))
}

/// A monitor on `bus`, and where it sends app names.
async fn monitor(bus: &DbusDaemon) -> (tokio::task::JoinHandle<()>, UnboundedReceiver<Arrived>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let builder = zbus::connection::Builder::address(bus.address()).expect("bus address");
    let task = monitor::start(builder, tx).await.expect("monitor starts");
    (task, rx)
}

/// The next app name the monitor reports; panics if none comes in time.
async fn next_app(rx: &mut UnboundedReceiver<Arrived>) -> String {
    next(rx).await.app
}

/// The next notification the monitor reports; panics if none comes in time.
async fn next(rx: &mut UnboundedReceiver<Arrived>) -> Arrived {
    match tokio::time::timeout(DEADLINE, rx.recv()).await {
        Ok(Some(arrived)) => arrived,
        Ok(None) => panic!("the monitor stopped"),
        Err(_) => panic!("no app name within {DEADLINE:?}"),
    }
}

/// `notify-send -a app …` as its own process (so its own sender on the bus); returns once
/// the server has answered.
fn notify_send(bus: &DbusDaemon, app: &str) {
    notify_send_with(bus, app, &[]);
}

/// As [`notify_send`], with more of notify-send's options (`-u critical`).
fn notify_send_with(bus: &DbusDaemon, app: &str, options: &[&str]) {
    let program = find_program("notify-send").expect("notify-send is installed");
    run(
        Command::new(program)
            .envs(bus.session_env())
            .args(["-a", app])
            .args(options)
            .args(["A case note", "Confidential text"]),
        &format!("notify-send -a {app} {options:?}"),
    );
}

/// A Notify call straight from zbus, with any arguments; the server's reply, if any.
async fn raw_notify(
    conn: &zbus::Connection,
    body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
) -> zbus::Result<zbus::Message> {
    let call = conn.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "Notify",
        body,
    );
    tokio::time::timeout(DEADLINE, call)
        .await
        .expect("the server answers Notify")
}

/// Polls `value` until it equals `wanted`; panics with the last value at the deadline.
async fn wait_until<F: Future<Output = u32>>(what: &str, wanted: u32, value: impl Fn() -> F) {
    let start = std::time::Instant::now();
    loop {
        let now = value().await;
        if now == wanted {
            return;
        }
        if start.elapsed() > DEADLINE {
            panic!("{what} is {now}, not {wanted}, after {DEADLINE:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Runs `dunstctl args…` against the test's bus; panics if it fails.
fn dunstctl(bus: &DbusDaemon, args: &[&str]) {
    let program = find_program("dunstctl").expect("dunstctl ships with dunst");
    run(
        Command::new(program).envs(bus.session_env()).args(args),
        &format!("dunstctl {}", args.join(" ")),
    );
}

#[tokio::test]
async fn the_monitor_reports_exactly_the_app_names_in_order() {
    let Some((bus, _x, _dunst)) = desktop("").await else {
        return;
    };
    let (_task, mut apps) = monitor(&bus).await;

    for app in ["Teams", "Outlook", "Teams"] {
        notify_send(&bus, app);
    }
    let conn = bus.connect().await;
    let no_actions: Vec<&str> = vec![];
    let hints: HashMap<&str, Value> = HashMap::new();
    raw_notify(&conn, &("", 0u32, "", "s", "b", no_actions, hints, -1i32))
        .await
        .expect("dunst takes a notification with no app name");
    notify_send(&bus, "Last");

    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(next_app(&mut apps).await);
    }
    // "Last" came last, so nothing else was reported in between.
    assert_eq!(seen, ["Teams", "Outlook", "Teams", "unknown", "Last"]);
}

#[tokio::test]
async fn the_monitor_skips_malformed_calls_and_keeps_counting() {
    let Some((bus, _x, _dunst)) = desktop("").await else {
        return;
    };
    let (_task, mut apps) = monitor(&bus).await;
    let conn = bus.connect().await;

    // Wrong signature: dunst refuses it, so nothing was held and nothing is counted.
    let refused = raw_notify(&conn, &("Bogus", "not an id", 7u8)).await;
    assert!(
        refused.is_err(),
        "dunst took a malformed Notify: {refused:?}"
    );
    // Right signature, odd hints: the kinds of values some senders put there.
    let odd = Value::from(vec![(1u8, vec!["nested"])]);
    let hints = HashMap::from([
        ("urgency", Value::from("not a byte")),
        ("x-odd", odd),
        ("image-data", Value::from(vec![0u8; 3])),
    ]);
    let actions = vec!["a", "A"];
    raw_notify(&conn, &("Odd", 0u32, "", "s", "b", actions, hints, -1i32))
        .await
        .expect("dunst takes a notification with odd hints");
    notify_send(&bus, "Teams");

    assert_eq!(next_app(&mut apps).await, "Odd");
    assert_eq!(next_app(&mut apps).await, "Teams");
    // The urgency hint is read (and nothing else of the notification): a critical one is
    // urgent, a low or normal one is not.
    notify_send_with(&bus, "Case system", &["-u", "critical"]);
    let urgent = next(&mut apps).await;
    assert_eq!((urgent.app.as_str(), urgent.urgent), ("Case system", true));
    notify_send_with(&bus, "Teams", &["-u", "low"]);
    assert!(!next(&mut apps).await.urgent);
}

#[tokio::test]
async fn the_monitor_stops_when_the_bus_goes() {
    let Some((bus, _x, dunst)) = desktop("").await else {
        return;
    };
    let (task, mut apps) = monitor(&bus).await;
    notify_send(&bus, "Teams");
    assert_eq!(next_app(&mut apps).await, "Teams");

    drop(dunst);
    drop(bus);
    let stopped = tokio::time::timeout(DEADLINE, task).await;
    let stopped = stopped.expect("the monitor stops in time");
    assert!(stopped.is_ok(), "the monitor task failed: {stopped:?}");
    assert_eq!(apps.recv().await, None, "the monitor's sender is dropped");
}

/// notify-rust finds the session bus through the process environment; tests that set it
/// hold this lock so they do not see each other's bus.
static SESSION_ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn set_session_bus(address: &str) {
    // SAFETY: only the tests holding SESSION_ENV change the environment, and everything
    // else in this test binary reads it through std::env and Command, which lock it.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address) };
}

/// One entry of dunst's history as (appname, summary, body).
async fn history(dunst: &Dunst, conn: &zbus::Connection) -> Vec<(String, String, String)> {
    type Entry = HashMap<String, zbus::zvariant::OwnedValue>;
    let proxy = dunst.proxy(conn).await;
    let reply = proxy.call_method("NotificationListHistory", &());
    let reply = tokio::time::timeout(DEADLINE, reply)
        .await
        .expect("dunst answers");
    let entries: Vec<Entry> = reply
        .expect("history")
        .body()
        .deserialize()
        .expect("aa{sv}");
    let text = |entry: &Entry, key: &str| {
        let value = entry
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in {entry:?}"));
        String::try_from(value.clone()).unwrap_or_else(|e| panic!("{key}: {e}"))
    };
    entries
        .iter()
        .map(|e| (text(e, "appname"), text(e, "summary"), text(e, "body")))
        .collect()
}

#[tokio::test]
async fn the_digest_shows_on_dunst() {
    let Some((bus, _x, dunst)) = desktop("").await else {
        return;
    };
    let conn = bus.connect().await;
    let counts = [("Outlook".to_string(), 1), ("Teams".to_string(), 2)];
    let digest = notices::digest(&counts).expect("a digest");

    let shown = {
        let _env = SESSION_ENV.lock().await;
        set_session_bus(bus.address());
        notices::show_digest(&digest).await
    };
    shown.expect("the digest is shown");
    wait_until("displayed", 1, || dunst.displayed(&conn)).await;

    // dunst lists only closed notifications in its history: close it to read it back.
    dunstctl(&bus, &["close"]);
    wait_until("displayed", 0, || dunst.displayed(&conn)).await;
    let expected = (
        "clockoff".to_string(),
        "While you were off: 3 notifications".to_string(),
        "Teams 2, Outlook 1".to_string(),
    );
    assert_eq!(history(&dunst, &conn).await, [expected]);
}

#[tokio::test]
async fn the_digest_without_a_server_is_a_clean_error() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let digest = Digest {
        summary: "While you were off: 1 notification".into(),
        body: "Teams 1".into(),
    };
    let gone = bus.dir().join("no-bus-here");
    let (no_server, no_bus) = {
        let _env = SESSION_ENV.lock().await;
        set_session_bus(bus.address());
        let no_server = notices::show_digest(&digest).await;
        set_session_bus(&format!("unix:path={}", gone.display()));
        (no_server, notices::show_digest(&digest).await)
    };
    let no_server = no_server.expect_err("no notification server runs");
    assert!(no_server.contains("ServiceUnknown"), "{no_server}");
    no_bus.expect_err("no session bus at that address");
}

/// A `dmenu` for dunst's context menu that picks the line containing `pick`. It reads the
/// whole menu first, so dunst never writes to a closed pipe.
fn menu_picking(dir: &Path, pick: &str) -> String {
    let script = dir.join("pick-menu");
    let text = format!("#!/bin/sh\nmenu=$(cat)\nprintf '%s\\n' \"$menu\" | grep -m1 '{pick}'\n");
    std::fs::write(&script, text).expect("write the menu script");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, mode).expect("make the menu script executable");
    format!("dmenu = \"{}\"", script.display())
}

/// Shows the end-of-hours notice on dunst, runs `dunstctl act` once it is on screen, and
/// returns the answer once the notice has gone from the screen.
async fn end_of_hours_with(pick: &str, act: &str) -> Option<EndOfHours> {
    let bus = or_skip(DbusDaemon::start())?;
    let x = or_skip(Xvfb::start())?;
    let dmenu = menu_picking(bus.dir(), pick);
    let dunst = or_skip(Dunst::start_with(&bus, &x, &dmenu).await)?;
    let session = bus.connect().await;
    let conn = bus.connect().await;

    let notice = tokio::spawn(async move {
        notices::end_of_hours(&session, "Notifications will be held from 17:10.").await
    });
    wait_until("displayed", 1, || dunst.displayed(&conn)).await;
    dunstctl(&bus, &[act]);
    let answer = tokio::time::timeout(DEADLINE, notice)
        .await
        .expect("the worker's answer arrives in time")
        .expect("end_of_hours does not panic")
        .expect("end_of_hours succeeds");
    // After an action the notice closes itself; dunst would leave it up.
    wait_until("displayed after the answer", 0, || dunst.displayed(&conn)).await;
    Some(answer)
}

#[tokio::test]
async fn work_more_from_the_end_of_hours_notice() {
    if let Some(answer) = end_of_hours_with("Work 30", "context").await {
        assert_eq!(answer, EndOfHours::WorkMore);
    }
}

#[tokio::test]
async fn clock_off_from_the_end_of_hours_notice() {
    if let Some(answer) = end_of_hours_with("Clock off", "context").await {
        assert_eq!(answer, EndOfHours::ClockOff);
    }
}

#[tokio::test]
async fn closing_the_end_of_hours_notice_dismisses_it() {
    if let Some(answer) = end_of_hours_with("nothing", "close").await {
        assert_eq!(answer, EndOfHours::Dismissed);
    }
}

#[tokio::test]
async fn the_end_of_hours_notice_without_a_server_is_a_clean_error() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let session = bus.connect().await;
    let answer = tokio::time::timeout(DEADLINE, notices::end_of_hours(&session, "x")).await;
    let error = answer
        .expect("no hang")
        .expect_err("no notification server runs");
    assert!(error.contains("ServiceUnknown"), "{error}");
}

#[tokio::test]
async fn the_end_of_hours_notice_goes_when_nobody_waits_for_it_any_more() {
    let Some((bus, _x, dunst)) = desktop("").await else {
        return;
    };
    let session = bus.connect().await;
    let conn = bus.connect().await;
    let notice = tokio::spawn(async move {
        notices::end_of_hours(&session, "Notifications will be held from 17:10.").await
    });
    wait_until("displayed", 1, || dunst.displayed(&conn)).await;
    // Quiet hours began (or work did): the agent stops waiting for an answer.
    notice.abort();
    wait_until("displayed after the agent stopped waiting", 0, || {
        dunst.displayed(&conn)
    })
    .await;
    assert_eq!(dunst.waiting(&conn).await, 0, "kept to be shown later");
}
