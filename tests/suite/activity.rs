//! The activity sources against real peers where they run headless (Xvfb, dbus-daemon,
//! dbusmock's logind) and faithful fakes where they do not (Mutter, ScreenSaver). Short
//! `idle_after` values keep each test to a few seconds; every wait has a deadline.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clockoff::agent::activity::{Choice, Options, Peers, Signal, SourceKind, Started, start_with};
use clockoff::core::clock::{Clock, SystemClock};
use tokio::sync::mpsc::{self, UnboundedReceiver};

use support::logind::my_uid;
use support::signals::{assert_between, next, wait_for};
use support::{DbusDaemon, FakeMutter, FakeScreenSaver, Logind, Xvfb, or_skip};

pub(crate) const IDLE_AFTER: Duration = Duration::from_secs(1);

pub(crate) fn now() -> DateTime<Utc> {
    SystemClock.now()
}

/// Where the sources look: nothing, until a test says.
pub(crate) fn nowhere() -> Peers {
    Peers {
        session_bus: None,
        system_bus: Err("no system bus in this test".into()),
        display: None,
        wayland_socket: None,
        wayland: false,
        session_id: None,
    }
}

/// Session c1 for our uid on the mock logind, and only the system bus to find it on.
pub(crate) async fn with_session(logind: &Logind) -> Peers {
    logind.add_session("c1", my_uid(), true).await;
    Peers {
        system_bus: Ok(logind.connect().await),
        session_id: Some("c1".into()),
        ..nowhere()
    }
}

pub(crate) async fn run(
    choice: Choice,
    idle_after: Duration,
    peers: Peers,
) -> (Started, UnboundedReceiver<Signal>) {
    let options = Options {
        choice,
        idle_after,
        // Short, so the polling sources notice returning input within a test's patience.
        slow_poll: Duration::from_millis(200),
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let started = start_with(options, peers, Arc::new(SystemClock), tx).await;
    (started, rx)
}

pub(crate) fn is_active(s: &Signal) -> bool {
    matches!(s, Signal::Active { .. })
}

pub(crate) fn is_idle(s: &Signal) -> bool {
    matches!(s, Signal::Idle { .. })
}

pub(crate) fn ms(d: TimeDelta) -> i64 {
    d.num_milliseconds()
}

#[tokio::test]
async fn x11_idle_ends_at_the_last_input_and_motion_is_active_at_once() {
    let Some(x) = or_skip(Xvfb::start()) else {
        return;
    };
    let Some(()) = or_skip(x.can_move()) else {
        return;
    };
    let (before, after) = (now(), {
        x.input();
        now()
    });
    let peers = Peers {
        display: Some(x.display().to_string()),
        ..nowhere()
    };
    let (started, mut rx) = run(Choice::Only(SourceKind::X11), IDLE_AFTER, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::X11),
        "{:?}",
        started.skipped
    );
    assert_eq!(started.describe(), "x11");

    // Starts Active (since the input just given) or, on a slow machine, already Idle.
    let first = next(&mut rx).await;
    let idle = match first {
        Signal::Active { since } => {
            assert_between("Active since", since, before, after, 100);
            next(&mut rx).await
        }
        idle => idle,
    };
    let Signal::Idle { last_input } = idle else {
        panic!("expected Idle, got {idle:?}")
    };
    assert_between("Idle last_input", last_input, before, after, 100);
    assert!(
        ms(now() - last_input) >= 900,
        "Idle reported before idle_after passed"
    );

    // A device's input (XTEST, raw events) and a pointer warp (no raw events) both end it.
    let inputs: [fn(&Xvfb); 2] = [Xvfb::input, |x| x.mousemove(640, 400)];
    for (n, give) in inputs.into_iter().enumerate() {
        let before = now();
        give(&x);
        let after = now();
        let Signal::Active { since } = next(&mut rx).await else {
            panic!("expected Active")
        };
        assert_between("Active since", since, before, after, 500);
        assert!(ms(now() - after) < 500, "Active came late");

        // And idle again, at the new last input: the cycle repeats.
        let Signal::Idle { last_input } = next(&mut rx).await else {
            panic!("expected Idle")
        };
        assert_between(
            &format!("Idle {n} last_input"),
            last_input,
            before,
            after,
            100,
        );
    }
}

#[tokio::test]
async fn logind_reports_lock_and_sleep() {
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    let peers = with_session(&logind).await;
    // No X display: no input source, but lock and sleep still run.
    let (started, mut rx) = run(Choice::Only(SourceKind::X11), IDLE_AFTER, peers).await;
    assert_eq!(started.describe(), "none + logind");

    let locked = |want: bool| move |s: &Signal| matches!(s, Signal::Locked { locked, .. } if *locked == want);
    let sleeping = |want: bool| move |s: &Signal| matches!(s, Signal::Sleeping { sleeping, .. } if *sleeping == want);
    wait_for(&mut rx, "initial Locked(false)", locked(false)).await;

    let before = now();
    logind.set_locked("c1", true).await;
    let Signal::Locked { at, .. } = wait_for(&mut rx, "Locked(true)", locked(true)).await else {
        unreachable!()
    };
    assert_between("Locked at", at, before, now(), 100);
    logind.set_locked("c1", false).await;
    wait_for(&mut rx, "Locked(false)", locked(false)).await;

    logind.prepare_for_sleep(true).await;
    wait_for(&mut rx, "Sleeping(true)", sleeping(true)).await;
    logind.prepare_for_sleep(false).await;
    wait_for(&mut rx, "Sleeping(false)", sleeping(false)).await;
}

#[tokio::test]
async fn logind_idle_hint_is_the_last_resort_input() {
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    let peers = with_session(&logind).await;
    let (started, mut rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::Logind),
        "{:?}",
        started.skipped
    );
    assert_eq!(started.describe(), "logind");
    // Auto tried and skipped the others, saying why.
    for kind in [SourceKind::Mutter, SourceKind::X11, SourceKind::ScreenSaver] {
        assert!(
            started.skipped.iter().any(|s| s.source == kind),
            "{:?}",
            started.skipped
        );
    }

    // Never idle yet (IdleSinceHint 0): active since start.
    wait_for(&mut rx, "initial Active", is_active).await;

    let left = now() - TimeDelta::seconds(3);
    let usec = |t: DateTime<Utc>| t.timestamp_micros() as u64;
    logind.set_idle("c1", true, usec(left)).await;
    let Signal::Idle { last_input } = wait_for(&mut rx, "Idle", is_idle).await else {
        unreachable!()
    };
    assert_eq!(ms(last_input - left), 0, "last_input is IdleSinceHint");

    let back = now();
    logind.set_idle("c1", false, usec(back)).await;
    let Signal::Active { since } = wait_for(&mut rx, "Active", is_active).await else {
        unreachable!()
    };
    assert_eq!(ms(since - back), 0, "since is IdleSinceHint");
}

#[tokio::test]
async fn logind_finds_our_session() {
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    let uid = my_uid();
    logind.add_session("c1", uid, true).await;
    logind.add_session("c2", uid, true).await;
    logind.set_locked("c2", true).await;
    // The initial Locked signal says which session was picked: c1 is unlocked, c2 locked.
    let picks = |session_id: Option<&str>| {
        let session_id = session_id.map(str::to_string);
        let logind = &logind;
        async move {
            let peers = Peers {
                system_bus: Ok(logind.connect().await),
                session_id,
                ..nowhere()
            };
            let (started, mut rx) = run(Choice::Only(SourceKind::X11), IDLE_AFTER, peers).await;
            assert!(started.logind, "{:?}", started.skipped);
            let first = wait_for(&mut rx, "initial Locked", |s| {
                matches!(s, Signal::Locked { .. })
            })
            .await;
            for task in started.tasks {
                task.abort();
            }
            match first {
                Signal::Locked { locked: false, .. } => "c1",
                _ => "c2",
            }
        }
    };
    assert_eq!(picks(Some("c1")).await, "c1", "XDG_SESSION_ID");
    assert_eq!(picks(Some("c2")).await, "c2", "XDG_SESSION_ID");
    logind.set_display_session(uid, Some("c2")).await;
    assert_eq!(picks(None).await, "c2", "the user's Display session");
    assert_eq!(picks(Some("gone")).await, "c2", "a stale XDG_SESSION_ID");
    logind.set_display_session(uid, None).await;
    assert_eq!(picks(None).await, "c1", "the first of our sessions");
}

#[tokio::test]
async fn mutter_watches_give_idle_and_active() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let mutter = FakeMutter::start(&bus).await;
    let input = now();
    mutter.input().await;
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        ..nowhere()
    };
    let (started, mut rx) = run(Choice::Only(SourceKind::Mutter), IDLE_AFTER, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::Mutter),
        "{:?}",
        started.skipped
    );

    let Signal::Active { since } = next(&mut rx).await else {
        panic!("expected Active")
    };
    assert_between("Active since", since, input, now(), 100);
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected Idle")
    };
    assert_between("Idle last_input", last_input, input, input, 500);
    // One idle watch, and while idle one user-active watch (added just after Idle is sent).
    wait_until(|| mutter.watches() == (1, 1)).await;

    let back = now();
    mutter.input().await;
    let Signal::Active { since } = next(&mut rx).await else {
        panic!("expected Active")
    };
    assert_between("Active since", since, back, now(), 100);
    assert_eq!(
        mutter.watches(),
        (1, 0),
        "the user-active watch is one-shot"
    );

    // The idle watch fires again for the next stretch.
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected Idle")
    };
    assert_between("second Idle last_input", last_input, back, back, 500);
}

#[tokio::test]
async fn mutter_started_while_idle_reports_idle_once() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let mutter = FakeMutter::start(&bus).await;
    mutter.idle_since(Duration::from_secs(10)).await;
    let left = now() - TimeDelta::seconds(10);
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        ..nowhere()
    };
    let (_started, mut rx) = run(Choice::Only(SourceKind::Mutter), IDLE_AFTER, peers).await;
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected Idle")
    };
    assert_between("Idle last_input", last_input, left, left, 300);
    // The idle watch fires at once too (already idle): that must not be a second Idle.
    wait_until(|| mutter.watches() == (1, 1)).await;
    mutter.input().await;
    assert!(is_active(&next(&mut rx).await), "the next signal is Active");
}

#[tokio::test]
async fn screensaver_idle_time_and_lock() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let saver = FakeScreenSaver::start(&bus, support::screensaver::PATH, false).await;
    let input = now();
    saver.input();
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        ..nowhere()
    };
    let idle_after = Duration::from_secs(2);
    let (started, mut rx) = run(Choice::Only(SourceKind::ScreenSaver), idle_after, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::ScreenSaver),
        "{:?}",
        started.skipped
    );

    assert!(matches!(
        next(&mut rx).await,
        Signal::Locked { locked: false, .. }
    ));
    assert!(is_active(&next(&mut rx).await));
    // Whole seconds: last_input can read up to a second late.
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected Idle")
    };
    assert_between(
        "Idle last_input",
        last_input,
        input,
        input + TimeDelta::seconds(1),
        200,
    );

    let back = now();
    saver.input();
    let Signal::Active { since } = next(&mut rx).await else {
        panic!("expected Active")
    };
    assert_between("Active since", since, back, now(), 1100);

    saver.set_locked(true).await;
    assert!(matches!(
        next(&mut rx).await,
        Signal::Locked { locked: true, .. }
    ));
    saver.set_locked(false).await;
    assert!(matches!(
        next(&mut rx).await,
        Signal::Locked { locked: false, .. }
    ));
}

#[tokio::test]
async fn screensaver_kde_path_and_milliseconds() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let saver = FakeScreenSaver::start(&bus, support::screensaver::KDE_PATH, true).await;
    saver.idle_since(Duration::from_millis(3500));
    let left = now() - TimeDelta::milliseconds(3500);
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        ..nowhere()
    };
    let (started, mut rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::ScreenSaver),
        "{:?}",
        started.skipped
    );
    let idle = wait_for(&mut rx, "Idle", is_idle).await;
    let Signal::Idle { last_input } = idle else {
        unreachable!()
    };
    // Milliseconds read as milliseconds: exact to the poll, not to the second.
    assert_between("Idle last_input", last_input, left, left, 300);
}

#[tokio::test]
async fn auto_prefers_mutter_when_owned() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Some(x) = or_skip(Xvfb::start()) else {
        return;
    };
    let _mutter = FakeMutter::start(&bus).await;
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        display: Some(x.display().to_string()),
        ..nowhere()
    };
    let (started, _rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(
        started.input,
        Some(SourceKind::Mutter),
        "{:?}",
        started.skipped
    );
}

#[tokio::test]
async fn auto_falls_back_to_x11_with_logind() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Some(x) = or_skip(Xvfb::start()) else {
        return;
    };
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    logind.add_session("c1", my_uid(), true).await;
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        system_bus: Ok(logind.connect().await),
        display: Some(x.display().to_string()),
        session_id: Some("c1".into()),
        ..nowhere()
    };
    let (started, mut rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(started.describe(), "x11 + logind", "{:?}", started.skipped);
    let mutter = started
        .skipped
        .iter()
        .find(|s| s.source == SourceKind::Mutter);
    assert!(
        mutter.is_some(),
        "Mutter's absence is reported: {:?}",
        started.skipped
    );
    wait_for(&mut rx, "an input signal", |s| is_active(s) || is_idle(s)).await;
}

#[tokio::test]
async fn wayland_sessions_skip_x11_and_nothing_found_is_none() {
    let peers = Peers {
        display: Some(":0".into()),
        wayland: true,
        ..nowhere()
    };
    let (started, _rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(started.describe(), "none");
    assert!(started.tasks.is_empty());
    let reasons: Vec<String> = started.skipped.iter().map(ToString::to_string).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("x11: Wayland")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with("logind: ")),
        "{reasons:?}"
    );
}

/// Polls a fake's state (in-process, cheap) until `done`, within the deadline.
async fn wait_until(done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < support::DEADLINE,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
