//! Counting held notifications, against a real dunst under Xvfb on a private bus. Every
//! wait has a deadline.

mod support;

use std::collections::HashMap;
use std::process::Command;

use clockoff::desktop::monitor;
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
async fn monitor(bus: &DbusDaemon) -> (tokio::task::JoinHandle<()>, UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let builder = zbus::connection::Builder::address(bus.address()).expect("bus address");
    let task = monitor::start(builder, tx).await.expect("monitor starts");
    (task, rx)
}

/// The next app name the monitor reports; panics if none comes in time.
async fn next_app(rx: &mut UnboundedReceiver<String>) -> String {
    match tokio::time::timeout(DEADLINE, rx.recv()).await {
        Ok(Some(app)) => app,
        Ok(None) => panic!("the monitor stopped"),
        Err(_) => panic!("no app name within {DEADLINE:?}"),
    }
}

/// `notify-send -a app …` as its own process (so its own sender on the bus); returns once
/// the server has answered.
fn notify_send(bus: &DbusDaemon, app: &str) {
    let program = find_program("notify-send").expect("notify-send is installed");
    run(
        Command::new(program).envs(bus.session_env()).args([
            "-a",
            app,
            "A case note",
            "Confidential text",
        ]),
        &format!("notify-send -a {app}"),
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
