//! The Wayland activity source (ext-idle-notify-v1) against a real compositor run headless:
//! KWin 5.27, given input through its own fake-input device.

use crate::activity::{IDLE_AFTER, ms, now, nowhere, run, with_session};
use crate::support;

use std::sync::Arc;
use std::time::Duration;

use clockoff::agent::activity::{
    Choice, Options, Peers, Signal, SignalSender, SourceKind, start_with,
};
use clockoff::core::clock::SystemClock;
use tokio::sync::mpsc;

use support::agent::{Clockoff, text};
use support::signals::{assert_between, next, wait_for};
use support::tmp::temp_dir;
use support::{DbusDaemon, Kwin, Logind, Sway, or_skip};

fn on(kwin: &Kwin) -> Peers {
    Peers {
        wayland_socket: Some(kwin.socket()),
        wayland: true,
        ..nowhere()
    }
}

#[tokio::test]
async fn wayland_idle_ends_at_the_last_input_and_input_is_active_at_once() {
    let Some(kwin) = or_skip(Kwin::start()) else {
        return;
    };
    let before = now();
    let (started, mut rx) = run(Choice::Only(SourceKind::Wayland), IDLE_AFTER, on(&kwin)).await;
    let after = now();
    assert_eq!(
        started.input,
        Some(SourceKind::Wayland),
        "{:?}",
        started.skipped
    );
    // KWin 5.27 offers version 1: status says an app keeping the screen awake counts.
    assert_eq!(
        started.describe(),
        "wayland (ext-idle-notify v1: an app keeping the screen awake counts as activity)"
    );

    // Here from the start; untouched, the stretch ends where it began (nothing recorded).
    let Signal::Active { since } = next(&mut rx).await else {
        panic!("expected Active at start")
    };
    assert_between("Active since", since, before, after, 100);
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected Idle")
    };
    assert_between("Idle at start, last_input", last_input, before, after, 150);
    assert!(
        ms(now() - last_input) >= 950,
        "Idle reported before idle_after passed"
    );

    for round in 0..2 {
        let before = now();
        kwin.input();
        let after = now();
        let Signal::Active { since } = next(&mut rx).await else {
            panic!("expected Active")
        };
        assert_between(
            &format!("round {round}: Active since"),
            since,
            before,
            after,
            200,
        );
        let Signal::Idle { last_input } = next(&mut rx).await else {
            panic!("expected Idle")
        };
        // The stretch ends at the last input, to well within a second.
        assert_between(
            &format!("round {round}: last_input"),
            last_input,
            before,
            after,
            150,
        );
    }
}

#[tokio::test]
async fn wayland_compositor_dying_ends_the_stretch_and_says_so() {
    let Some(mut kwin) = or_skip(Kwin::start()) else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stopped_tx, mut stopped) = mpsc::unbounded_channel();
    let options = Options::new(Choice::Only(SourceKind::Wayland), Duration::from_secs(30));
    let sender = SignalSender::channels(tx, stopped_tx);
    let started = start_with(options, on(&kwin), Arc::new(SystemClock), sender).await;
    assert_eq!(started.input, Some(SourceKind::Wayland));
    assert!(matches!(next(&mut rx).await, Signal::Active { .. }));

    // Mid-stretch (idle_after is far off), the compositor crashes.
    let before = now();
    kwin.crash();
    let Signal::Idle { last_input } = next(&mut rx).await else {
        panic!("expected the stretch to end")
    };
    assert_between("stretch ends at the crash", last_input, before, now(), 200);
    let died = tokio::time::timeout(support::DEADLINE, stopped.recv())
        .await
        .expect("the death is reported")
        .expect("a report");
    assert_eq!(died.source, SourceKind::Wayland);
    assert!(died.reason.contains("compositor"), "{died}");
    // Said once, and nothing after it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err() && stopped.try_recv().is_err());
}

#[tokio::test]
async fn auto_on_kwin_takes_wayland_and_logind_still_gives_lock_and_sleep() {
    let Some(kwin) = or_skip(Kwin::start()) else {
        return;
    };
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    let logind_peers = with_session(&logind).await;
    let peers = Peers {
        session_bus: Some(bus.connect().await),
        system_bus: logind_peers.system_bus,
        session_id: logind_peers.session_id,
        // Xwayland's display, as a Plasma session has: not taken on Wayland.
        display: Some(":0".into()),
        ..on(&kwin)
    };
    let (started, mut rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(
        started.describe(),
        "wayland (ext-idle-notify v1: an app keeping the screen awake counts as activity) + logind",
        "{:?}",
        started.skipped
    );
    let reasons: Vec<String> = started.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        reasons,
        ["mutter: org.gnome.Mutter.IdleMonitor is not on the session bus"],
        "Mutter was asked first"
    );

    let locked = |want: bool| move |s: &Signal| matches!(s, Signal::Locked { locked, .. } if *locked == want);
    let sleeping = |want: bool| move |s: &Signal| matches!(s, Signal::Sleeping { sleeping, .. } if *sleeping == want);
    wait_for(&mut rx, "initial Locked(false)", locked(false)).await;
    logind.set_locked("c1", true).await;
    wait_for(&mut rx, "Locked(true)", locked(true)).await;
    logind.prepare_for_sleep(true).await;
    wait_for(&mut rx, "Sleeping(true)", sleeping(true)).await;
    logind.prepare_for_sleep(false).await;
    wait_for(&mut rx, "Sleeping(false)", sleeping(false)).await;
    // And input still comes from the compositor.
    wait_for(&mut rx, "Idle", |s| matches!(s, Signal::Idle { .. })).await;
    kwin.input();
    wait_for(&mut rx, "Active on input", |s| {
        matches!(s, Signal::Active { .. })
    })
    .await;
}

#[tokio::test]
async fn auto_on_a_compositor_without_the_protocol_says_why_and_falls_back() {
    let Some(sway) = or_skip(Sway::start("")) else {
        return;
    };
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    let peers = Peers {
        wayland_socket: Some(sway.socket().to_path_buf()),
        wayland: true,
        ..with_session(&logind).await
    };
    let (started, _rx) = run(Choice::Auto, IDLE_AFTER, peers).await;
    assert_eq!(started.describe(), "logind", "{:?}", started.skipped);
    let reasons: Vec<String> = started.skipped.iter().map(ToString::to_string).collect();
    assert!(
        reasons.contains(&"wayland: the compositor does not offer ext_idle_notifier_v1".into()),
        "{reasons:?}"
    );

    // Asked for by name, it is the only one tried, and status gets the reason.
    let peers = Peers {
        wayland_socket: Some(sway.socket().to_path_buf()),
        wayland: true,
        ..nowhere()
    };
    let (started, _rx) = run(Choice::Only(SourceKind::Wayland), IDLE_AFTER, peers).await;
    assert_eq!(started.describe(), "none");
    assert_eq!(started.skipped[0].source, SourceKind::Wayland);
}

/// The agent on a Plasma-like session: it finds the compositor's idle protocol by itself,
/// and when the compositor crashes it ends the stretch, says so, and falls back as `auto`
/// would (here to nothing: no logind), recording nothing as active meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_follows_the_compositor_and_falls_back_when_it_dies() {
    let Some(mut kwin) = or_skip(Kwin::start()) else {
        return;
    };
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let dir = temp_dir("agent-wayland");
    let env = vec![
        ("WAYLAND_DISPLAY".into(), kwin.socket().display().to_string()),
        ("XDG_SESSION_TYPE".into(), "wayland".into()),
    ];
    let clockoff = Clockoff::new(&bus, env, dir.path());
    clockoff.write_config(
        "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
         [activity]\nidle_after = \"1s\"\n",
    );
    let agent = clockoff.agent(&bus, "agent.log").await;
    let status = clockoff.wait_status("the sources", |s| s["activity_source"] != "starting");
    assert_eq!(
        status["activity_source"],
        "wayland (ext-idle-notify v1: an app keeping the screen awake counts as activity)"
    );
    let said = text(&clockoff.clockoff(&["status"]).stdout);
    assert!(said.contains("Activity:  wayland (ext-idle-notify v1"), "{said}");

    clockoff.wait_status("away after idle_after", |s| s["present"] == false);
    kwin.input();
    clockoff.wait_status("back on input", |s| s["present"] == true);

    kwin.crash();
    let status = clockoff.wait_status("the fallback", |s| s["activity_source"] == "none");
    assert_eq!(status["present"], false, "nothing is recorded as active");
    let log = std::fs::read_to_string(clockoff.log_path("agent.log")).unwrap();
    assert!(
        log.contains("activity source wayland: the compositor went away"),
        "{log}"
    );
    agent.terminate();
}
