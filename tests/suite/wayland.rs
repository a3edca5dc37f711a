//! Wayland desktops, with real compositors run headless: the activity source
//! (ext-idle-notify-v1) on KWin 5.27, given input through its own fake-input device, and on
//! sway 1.7, which lacks the protocol; and the agent on sway with mako and waybar's tray.

use crate::activity::{IDLE_AFTER, ms, now, nowhere, run, with_session};
use crate::notification_servers::{Boxes, MAKO_CONFIG, MakoDesk, notify};
use crate::support;

use std::sync::Arc;
use std::time::Duration;

use clockoff::agent::activity::{
    Choice, Options, Peers, Signal, SignalSender, SourceKind, start_with,
};
use clockoff::core::clock::SystemClock;
use tokio::sync::mpsc;

use support::agent::{Clockoff, text};
use support::colour::contrast;
use support::signals::{assert_between, next, wait_for};
use support::tmp::temp_dir;
use support::{DbusDaemon, Kwin, Logind, Sway, eventually, or_skip};

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
        (
            "WAYLAND_DISPLAY".into(),
            kwin.socket().display().to_string(),
        ),
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
    assert!(
        said.contains("Activity:  wayland (ext-idle-notify v1"),
        "{said}"
    );

    // Input first: with idle_after at 1 s, a loaded machine may have the worker away before
    // the first status is read.
    kwin.input();
    clockoff.wait_status("here from the start", |s| s["present"] == true);
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

/// A sway desktop as a worker would have it: mako for notifications and waybar, whose tray
/// hosts StatusNotifierItems. Off hours, the agent holds mako by itself, an urgent one still
/// shows, its item shows in waybar's tray, and working now releases what was held. Each step
/// is checked on the screen (grim); the screenshots are kept as artefacts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sway_the_agent_holds_mako_and_its_item_sits_in_waybar() {
    let Some(desk) = MakoDesk::start(MAKO_CONFIG).await else {
        return;
    };
    let waybar_config = desk.sway.dir().join("home/.config/waybar/config");
    std::fs::create_dir_all(waybar_config.parent().unwrap()).unwrap();
    std::fs::write(&waybar_config, WAYBAR_CONFIG).unwrap();
    let Some(mut waybar) = or_skip(desk.sway.client("waybar", &[], &desk.bus)) else {
        return;
    };
    desk.bus
        .wait_for_name("org.kde.StatusNotifierWatcher", &mut waybar)
        .await;
    let artefacts = support::chromium::artefacts();
    let empty_bar = eventually("waybar drawn", async || {
        let shot = desk.sway.screenshot(&artefacts.join("waybar-empty.png"));
        let drawn = shot.drawn(0..800, 0..BAR_HEIGHT, [0, 0, 0]);
        (drawn > 0).then_some(shot)
    })
    .await;

    let dir = temp_dir("agent-sway");
    let env = vec![
        (
            "WAYLAND_DISPLAY".into(),
            desk.sway.socket().display().to_string(),
        ),
        ("XDG_SESSION_TYPE".into(), "wayland".into()),
        // Where the agent reads mako's config, as mako does.
        (
            "XDG_CONFIG_HOME".into(),
            desk.sway.dir().join("home/.config").display().to_string(),
        ),
    ];
    let clockoff = Clockoff::new(&desk.bus, env, dir.path());
    clockoff.write_config(
        "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
         [quiet]\ngrace = \"0s\"\n",
    );
    let agent = clockoff.agent(&desk.bus, "agent.log").await;
    // sway 1.7 has no idle protocol: said plainly.
    let status = clockoff.wait_status("the sources", |s| s["activity_source"] != "starting");
    assert_eq!(status["activity_source"], "none");
    eventually("mako held", async || {
        desk.modes().await.contains(&"do-not-disturb".to_string())
    })
    .await;

    // The urgent one, sent after the held one, is shown; the held one beside it is not.
    notify(&desk.bus, "held", "normal").await;
    notify(&desk.bus, "urgent", "critical").await;
    let urgent_only = Boxes {
        normal: 0,
        urgent: 1,
        witness: 0,
    };
    desk.shows("agent-urgent", urgent_only).await;

    // The item in waybar's tray: registered with its watcher, and drawn in the bar.
    let watcher = zbus::Proxy::new(
        &desk.bus.connect().await,
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.kde.StatusNotifierWatcher",
    )
    .await
    .unwrap();
    eventually("the item registered with waybar", async || {
        let items: Vec<String> = watcher
            .get_property("RegisteredStatusNotifierItems")
            .await
            .unwrap_or_default();
        (items.len() == 1).then_some(()).ok_or(format!("{items:?}"))
    })
    .await;
    eventually("the icon drawn in the tray", async || {
        let shot = desk.sway.screenshot(&artefacts.join("waybar-tray.png"));
        // The tray's own background shows once it holds an item; the icon is drawn on it.
        let tray = shot.at(798, 2);
        let icon = (2..BAR_HEIGHT - 2)
            .flat_map(|y| (700..800).map(move |x| (x, y)))
            .filter(|&(x, y)| shot.at(x, y) != empty_bar.at(x, y) && shot.at(x, y) != tray)
            .count();
        // A 22-pixel icon: a hundred pixels or more, not a stray one; and it stands out from
        // the tray's mid-toned blue (its outline, where the glyph's own colour cannot).
        let standing = (2..BAR_HEIGHT - 2)
            .flat_map(|y| (700..800).map(move |x| (x, y)))
            .filter(|&(x, y)| shot.at(x, y) != empty_bar.at(x, y))
            .filter(|&(x, y)| contrast(shot.at(x, y), tray) >= 3.0)
            .count();
        (icon > 100 && standing >= 20).then_some(()).ok_or(format!(
            "{icon} icon pixels, {standing} of them 3:1 against the tray"
        ))
    })
    .await;

    // Work now: mako's mode is lifted and what was held shows, with clockoff's digest.
    let out = clockoff.clockoff(&["override", "1h", "--reason", "late visit"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    eventually("mako released", async || {
        !desk.modes().await.contains(&"do-not-disturb".to_string())
    })
    .await;
    // The held one, and clockoff's digest of it.
    let released = Boxes {
        normal: 2,
        ..urgent_only
    };
    desk.shows("agent-released", released).await;
    agent.terminate();
    waybar.check_running();
}

const BAR_HEIGHT: usize = 30;

/// waybar with only its tray, at the top right.
const WAYBAR_CONFIG: &str = r#"{ "layer": "top", "position": "top", "height": 30,
  "modules-left": [], "modules-center": [], "modules-right": ["tray"],
  "tray": { "icon-size": 22, "spacing": 8 } }"#;
