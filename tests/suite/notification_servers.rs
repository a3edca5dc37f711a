//! Holding each notification server, against the real server where it runs here (dunst,
//! xfce4-notifyd, mako on a headless sway, dconf for GNOME's setting) and a faithful fake
//! where it cannot (Plasma), and finding the session's server.

use crate::support;

use support::CleanEnv;

use clockoff::config::quiet::{NotificationServer, ServerChoice};
use clockoff::desktop::notifications::{self, Dunst, Gnome, Kde, Mako, Tool, Xfce};
use clockoff::hold::{Holder, Undo};
use support::dconf::Dconf;
use support::fake_kde::FakeKde;
use support::named_server::NamedServer;
use support::process::find_program;
use support::xfconf::{self, XfceNotifyd};
use support::{DEADLINE, DbusDaemon, Dunst as RealDunst, Missing, Sway, Xvfb, eventually, or_skip};

/// Sends a notification with notify-send on `bus`; returns once the server has accepted it
/// (notify-send waits for Notify's reply).
pub(crate) async fn notify(bus: &DbusDaemon, summary: &str, urgency: &str) {
    notify_as(bus, "notify-send", summary, urgency).await;
}

/// [`notify`] from the app named `app`.
pub(crate) async fn notify_as(bus: &DbusDaemon, app: &str, summary: &str, urgency: &str) {
    let program = find_program("notify-send").expect("notify-send (libnotify-bin)");
    let mut cmd = tokio::process::Command::new(program);
    cmd.clean_env()
        .envs(bus.session_env())
        .args([
            "--app-name",
            app,
            "--urgency",
            urgency,
            "--expire-time",
            "0",
        ])
        .args([summary, "body"])
        .kill_on_drop(true);
    match tokio::time::timeout(DEADLINE, cmd.output()).await {
        Ok(Ok(out)) if out.status.success() => {}
        Ok(Ok(out)) => panic!(
            "notify-send {summary}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Ok(Err(e)) => panic!("notify-send {summary}: {e}"),
        Err(_) => panic!("notify-send {summary}: no answer within {DEADLINE:?}"),
    }
}

fn notify_send() -> Result<(), Missing> {
    find_program("notify-send").map(drop)
}

/// A bus and an X server, or `None` (after saying why) when either is not installed.
fn bus_and_x() -> Option<(DbusDaemon, Xvfb)> {
    let bus = or_skip(DbusDaemon::start())?;
    let x = or_skip(Xvfb::start())?;
    or_skip(notify_send())?;
    Some((bus, x))
}

// ---- dunst ----------------------------------------------------------------------------------

#[tokio::test]
async fn dunst_holds_what_arrives_and_shows_it_on_release() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(dunst) = or_skip(RealDunst::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    let holder = Dunst::new(&conn);
    assert_eq!(holder.name(), "dunst");

    // dunst decides within the Notify call, so what it reports right after is settled: a
    // notification sent now is on screen at once.
    notify(&bus, "before", "normal").await;
    assert_eq!(dunst.displayed(&conn).await, 1, "shown while not held");

    let undo = holder.hold().await.expect("hold");
    assert!(undo.changed_something(), "clockoff paused dunst: {undo:?}");
    assert!(dunst.paused(&conn).await);
    assert_eq!(
        dunst.displayed(&conn).await,
        0,
        "what was on screen goes back to waiting"
    );

    notify(&bus, "while held", "normal").await;
    notify(&bus, "urgent while held", "critical").await;
    assert_eq!(
        dunst.waiting(&conn).await,
        3,
        "all three wait, critical included"
    );
    assert_eq!(dunst.displayed(&conn).await, 0, "nothing shows while held");

    assert_eq!(
        holder.hold().await,
        Ok(Undo::NOTHING),
        "a second hold changes nothing"
    );

    holder.release(&undo).await.expect("release");
    assert!(!dunst.paused(&conn).await);
    eventually("the waiting notifications shown", || async {
        dunst.displayed(&conn).await == 3 && dunst.waiting(&conn).await == 0
    })
    .await;
}

#[tokio::test]
async fn dunst_paused_by_the_worker_is_left_paused() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(dunst) = or_skip(RealDunst::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    dunst.set_paused(&conn, true).await;

    let holder = Dunst::new(&conn);
    let undo = holder.hold().await.expect("hold");
    assert_eq!(
        undo,
        Undo::NOTHING,
        "the worker's own pause is not clockoff's"
    );
    holder.release(&undo).await.expect("release");
    assert!(
        dunst.paused(&conn).await,
        "release leaves the worker's pause on"
    );
}

// ---- xfce4-notifyd --------------------------------------------------------------------------

#[tokio::test]
async fn xfce_do_not_disturb_keeps_popups_off_screen_until_release() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(_notifyd) = or_skip(XfceNotifyd::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    assert_eq!(
        xfconf::do_not_disturb(&conn).await,
        None,
        "never set: reads as off"
    );
    assert_eq!(xfconf::popups(&x), 0);

    let holder = Xfce::new(&conn);
    assert_eq!(holder.name(), "xfce");
    let undo = holder.hold().await.expect("hold");
    assert!(undo.changed_something(), "clockoff turned DND on: {undo:?}");
    assert_eq!(xfconf::do_not_disturb(&conn).await, Some(true));
    assert_eq!(
        holder.hold().await,
        Ok(Undo::NOTHING),
        "a second hold changes nothing"
    );

    // A critical notification bypasses DND, so it marks the point by which the ordinary one
    // sent before it would have been shown: once the critical popup is up, only it is.
    notify(&bus, "while held", "normal").await;
    notify(&bus, "critical while held", "critical").await;
    eventually("the critical popup", || async { xfconf::popups(&x) >= 1 }).await;
    assert_eq!(
        xfconf::popups(&x),
        1,
        "the ordinary notification was not shown"
    );

    holder.release(&undo).await.expect("release");
    assert_eq!(xfconf::do_not_disturb(&conn).await, Some(false));
    notify(&bus, "after release", "normal").await;
    eventually("a popup after release", || async {
        xfconf::popups(&x) >= 2
    })
    .await;
}

#[tokio::test]
async fn xfce_do_not_disturb_set_by_the_worker_is_left_on() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(_notifyd) = or_skip(XfceNotifyd::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    xfconf::set_do_not_disturb(&conn, true).await;

    let holder = Xfce::new(&conn);
    let undo = holder.hold().await.expect("hold");
    assert_eq!(undo, Undo::NOTHING);
    holder.release(&undo).await.expect("release");
    assert_eq!(xfconf::do_not_disturb(&conn).await, Some(true));
}

// ---- GNOME (its setting, through a real dconf) ---------------------------------------------

fn gnome_rig() -> Option<(DbusDaemon, Dconf)> {
    let bus = or_skip(DbusDaemon::start())?;
    let dconf = or_skip(Dconf::install(&bus))?;
    Some((bus, dconf))
}

#[tokio::test]
async fn gnome_banners_go_off_and_back_on_through_dconf() {
    let Some((_bus, dconf)) = gnome_rig() else {
        return;
    };
    assert!(dconf.show_banners(), "GNOME's default");

    let holder = Gnome::new(Tool::new("gsettings").env(dconf.env()));
    assert_eq!(holder.name(), "gnome");
    let undo = holder.hold().await.expect("hold");
    assert!(
        undo.changed_something(),
        "clockoff turned banners off: {undo:?}"
    );
    assert!(!dconf.show_banners());
    assert!(
        dconf.user_db().is_file(),
        "dconf wrote {} (the test's XDG_CONFIG_HOME)",
        dconf.user_db().display()
    );
    assert_eq!(
        holder.hold().await,
        Ok(Undo::NOTHING),
        "a second hold changes nothing"
    );

    holder.release(&undo).await.expect("release");
    assert!(dconf.show_banners());
}

#[tokio::test]
async fn gnome_do_not_disturb_set_by_the_worker_is_left_on() {
    let Some((_bus, dconf)) = gnome_rig() else {
        return;
    };
    dconf.set_show_banners(false);

    let holder = Gnome::new(Tool::new("gsettings").env(dconf.env()));
    let undo = holder.hold().await.expect("hold");
    assert_eq!(undo, Undo::NOTHING);
    holder.release(&undo).await.expect("release");
    assert!(!dconf.show_banners());
}

// ---- KDE Plasma (a fake with Plasma's interface) -------------------------------------------

#[tokio::test]
async fn kde_is_inhibited_by_clockoff_and_uninhibited_on_release() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let plasma = FakeKde::start(&bus).await;
    let conn = bus.connect().await;

    let holder = Kde::new(&conn);
    assert_eq!(holder.name(), "kde");
    let undo = holder.hold().await.expect("hold");
    assert!(undo.changed_something(), "clockoff inhibited: {undo:?}");
    let inhibitions = plasma.inhibitions();
    assert_eq!(inhibitions.len(), 1, "{inhibitions:?}");
    assert_eq!(inhibitions[0].desktop_entry, "clockoff");
    assert_eq!(inhibitions[0].reason, "Outside working hours");

    holder.release(&undo).await.expect("release");
    assert!(plasma.inhibitions().is_empty());
    assert!(!plasma.inhibited());
}

#[tokio::test]
async fn kde_do_not_disturb_set_by_the_worker_is_left_on() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let plasma = FakeKde::start(&bus).await;
    plasma.set_worker_dnd(true).await;
    let conn = bus.connect().await;

    // Our own inhibition on top of theirs (theirs may be anyone's, and may end first);
    // releasing removes ours only.
    let holder = Kde::new(&conn);
    let undo = holder.hold().await.expect("hold");
    assert_eq!(plasma.inhibitions().len(), 1);
    holder.release(&undo).await.expect("release");
    assert!(plasma.inhibitions().is_empty());
    assert!(
        plasma.inhibited(),
        "the worker's Do Not Disturb was switched off"
    );
}

#[tokio::test]
async fn kde_hold_ends_when_the_holding_connection_does() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let plasma = FakeKde::start(&bus).await;
    let agent = bus.connect().await;
    let undo = Kde::new(&agent).hold().await.expect("hold");
    assert!(undo.changed_something());
    assert!(plasma.inhibited());

    // The agent crashes: its connection goes, and Plasma forgets the inhibition.
    agent.close().await.expect("close the agent's connection");
    eventually("the inhibition dropped", || async { !plasma.inhibited() }).await;

    // A restarted agent releasing the stale cookie is harmless.
    let restarted = bus.connect().await;
    Kde::new(&restarted)
        .release(&undo)
        .await
        .expect("release a stale cookie");
}

// ---- mako (real, on a real compositor: sway, headless) -------------------------------------

/// mako's own colour for a notification's background: a normal one's box on the screen.
const MAKO_BLUE: [u8; 3] = [0x28, 0x55, 0x77];
/// The test configs' colours for an urgent notification's box, and for the witness's.
const URGENT_RED: [u8; 3] = [0x80, 0x20, 0x20];
const WITNESS_GREEN: [u8; 3] = [0x20, 0x70, 0x20];

/// A column through mako's boxes (top right of the 800-pixel-wide output), in the padding
/// left of the text, so a line of text does not split a box in two.
const MAKO_COLUMN: usize = 494;

/// What hides held ones and shows urgent ones, as a worker would write it (docs/agent.md),
/// with urgent ones in red, and the witness.
pub(crate) const MAKO_CONFIG: &str = "[urgency=critical]\nbackground-color=#802020\n\n\
                                      [mode=do-not-disturb]\ninvisible=1\n\n\
                                      [mode=do-not-disturb urgency=critical]\ninvisible=0\n\n\
                                      [app-name=witness]\nbackground-color=#207020\n\n\
                                      [mode=do-not-disturb app-name=witness]\ninvisible=0\n";

/// What mako shows: its boxes by colour, at [`MAKO_COLUMN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Boxes {
    pub normal: usize,
    pub urgent: usize,
    /// A notification from the app "witness", which the test configs show in every mode:
    /// sent after others, once its box is drawn mako has dealt with those before it, so a
    /// box missing beside it is one not shown, not one not drawn yet.
    pub witness: usize,
}

/// sway with a real mako on a bus both it and the test use.
pub(crate) struct MakoDesk {
    pub mako: support::process::Peer,
    pub bus: DbusDaemon,
    pub sway: Sway,
    pub config: std::path::PathBuf,
}

impl MakoDesk {
    pub async fn start(config: &str) -> Option<MakoDesk> {
        let sway = or_skip(Sway::start(""))?;
        let bus = or_skip(DbusDaemon::start_open())?;
        or_skip(notify_send())?;
        or_skip(find_program("makoctl"))?;
        or_skip(find_program("grim"))?;
        let config_path = sway.dir().join("home/.config/mako/config");
        std::fs::create_dir_all(config_path.parent().unwrap()).unwrap();
        std::fs::write(&config_path, config).unwrap();
        let mut mako = or_skip(sway.client("mako", &[], &bus))?;
        bus.wait_for_name("org.freedesktop.Notifications", &mut mako)
            .await;
        Some(MakoDesk {
            mako,
            bus,
            sway,
            config: config_path,
        })
    }

    /// The holder as the agent makes it, with makoctl on this bus and this mako's config.
    fn holder(&self) -> Mako {
        let makoctl = Tool::new("makoctl").env([("DBUS_SESSION_BUS_ADDRESS", self.bus.address())]);
        Mako::new(makoctl, vec![self.config.clone()])
    }

    /// `makoctl ARGS` on this bus, within the rig's deadline; fails the test if it fails.
    pub async fn makoctl(&self, args: &[&str]) -> String {
        let mut cmd = tokio::process::Command::new("makoctl");
        cmd.args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus.address())
            .kill_on_drop(true);
        let out = tokio::time::timeout(DEADLINE, cmd.output())
            .await
            .unwrap_or_else(|_| panic!("makoctl {args:?}: no answer within {DEADLINE:?}"))
            .expect("run makoctl");
        assert!(
            out.status.success(),
            "makoctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// mako's modes. makoctl 1.7 prints nothing, and exits 0, when mako is gone: a running
    /// mako always has "default".
    pub async fn modes(&self) -> Vec<String> {
        let modes: Vec<String> = self
            .makoctl(&["mode"])
            .await
            .lines()
            .map(Into::into)
            .collect();
        assert!(
            modes.contains(&"default".to_string()),
            "mako answered {modes:?}"
        );
        modes
    }

    /// Sends the witness ([`Boxes::witness`]).
    pub async fn witness(&self) {
        notify_as(&self.bus, "witness", "witness", "normal").await;
    }

    /// Waits until mako shows exactly `expect`; the last screenshot is kept as `name`.
    pub async fn shows(&self, name: &str, expect: Boxes) {
        let path = support::chromium::artefacts().join(format!("mako-{name}.png"));
        eventually(&format!("{expect:?} on screen ({name})"), async || {
            let shot = self.sway.screenshot(&path);
            let count = |colour| shot.runs_down(MAKO_COLUMN, colour);
            let shown = Boxes {
                normal: count(MAKO_BLUE),
                urgent: count(URGENT_RED),
                witness: count(WITNESS_GREEN),
            };
            if shown == expect {
                Ok(())
            } else {
                Err(format!("{shown:?}"))
            }
        })
        .await
    }
}

/// Held: what arrives is kept, not shown; urgent shows at once through mako's own config;
/// released: what was held shows. Checked on the screen, by grim.
#[tokio::test]
async fn mako_holds_what_arrives_lets_urgent_through_and_shows_it_on_release() {
    let Some(mut desk) = MakoDesk::start(MAKO_CONFIG).await else {
        return;
    };
    let holder = desk.holder();
    assert_eq!(holder.name(), "mako");
    let undo = holder.hold().await.expect("hold");
    assert!(
        undo.changed_something(),
        "clockoff added the mode: {undo:?}"
    );
    assert_eq!(desk.modes().await, ["default", "do-not-disturb"]);
    assert_eq!(
        holder.hold().await,
        Ok(Undo::NOTHING),
        "a second hold changes nothing"
    );

    let boxes = |normal, urgent, witness| Boxes {
        normal,
        urgent,
        witness,
    };
    notify(&desk.bus, "held", "normal").await;
    desk.witness().await;
    desk.shows("held", boxes(0, 0, 1)).await;

    notify(&desk.bus, "urgent", "critical").await;
    holder.let_through().await.expect("mako shows it itself");
    desk.shows("urgent-through", boxes(0, 1, 1)).await;
    assert_eq!(
        desk.modes().await,
        ["default", "do-not-disturb"],
        "still held"
    );

    holder.release(&undo).await.expect("release");
    assert_eq!(desk.modes().await, ["default"]);
    desk.shows("released", boxes(1, 1, 1)).await;
    desk.mako.check_running();
}

/// Without the urgent section in mako's config, letting one through fails saying what to
/// add, and the hold is not lifted (that would show everything held).
#[tokio::test]
async fn mako_without_the_urgent_section_says_what_to_add() {
    let without = "[urgency=critical]\nbackground-color=#802020\n\n\
                   [mode=do-not-disturb]\ninvisible=1\n\n\
                   [app-name=witness]\nbackground-color=#207020\n\n\
                   [mode=do-not-disturb app-name=witness]\ninvisible=0\n";
    let Some(desk) = MakoDesk::start(without).await else {
        return;
    };
    let holder = desk.holder();
    let undo = holder.hold().await.expect("hold");
    notify(&desk.bus, "urgent", "critical").await;
    let err = holder.let_through().await.expect_err("hides critical too");
    assert!(
        err.0.contains(&format!(
            "add to {}:\n[mode=do-not-disturb urgency=critical]\ninvisible=0",
            desk.config.display()
        )),
        "{err}"
    );
    // Hidden, as said: beside the witness sent after it, no urgent box.
    desk.witness().await;
    let only_witness = Boxes {
        normal: 0,
        urgent: 0,
        witness: 1,
    };
    desk.shows("urgent-hidden", only_witness).await;
    assert_eq!(
        desk.modes().await,
        ["default", "do-not-disturb"],
        "still held"
    );
    holder.release(&undo).await.expect("release");
    let released = Boxes {
        urgent: 1,
        ..only_witness
    };
    desk.shows("urgent-released", released).await;
}

#[tokio::test]
async fn mako_do_not_disturb_set_by_the_worker_is_left_on() {
    let Some(desk) = MakoDesk::start(MAKO_CONFIG).await else {
        return;
    };
    desk.makoctl(&["mode", "-a", "do-not-disturb"]).await;
    let holder = desk.holder();
    let undo = holder.hold().await.expect("hold");
    assert_eq!(undo, Undo::NOTHING);
    holder.release(&undo).await.expect("release");
    assert_eq!(
        desk.modes().await,
        ["default", "do-not-disturb"],
        "still the worker's"
    );
}

/// No mako on the bus: real makoctl 1.7 prints nothing and exits 0 for `mode` (its failure is
/// inside a pipe), so the hold fails at adding the mode, with busctl's own words and what
/// mako needs.
#[tokio::test]
async fn mako_not_running_fails_saying_what_it_needs() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Some(_) = or_skip(find_program("makoctl")) else {
        return;
    };
    let makoctl = Tool::new("makoctl").env([("DBUS_SESSION_BUS_ADDRESS", bus.address())]);
    let holder = Mako::new(makoctl, Vec::new());
    let err = holder.hold().await.expect_err("no mako");
    assert!(
        err.0.contains("org.freedesktop.Notifications"),
        "busctl's own words: {err}"
    );
    assert!(err.0.contains("[mode=do-not-disturb]"), "{err}");
    assert!(err.0.contains("invisible=1"), "{err}");

    let missing = Mako::new(Tool::new("/nonexistent/makoctl"), Vec::new());
    let err = missing.hold().await.expect_err("no makoctl");
    assert!(err.0.contains("not installed"), "{err}");
}

// ---- detect ---------------------------------------------------------------------------------

#[tokio::test]
async fn detect_finds_real_dunst_and_its_holder_holds_it() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(dunst) = or_skip(RealDunst::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    assert_eq!(
        notifications::server_name(&conn).await.as_deref(),
        Ok("dunst")
    );
    let holder = notifications::detect(&conn, ServerChoice::Auto)
        .await
        .expect("detect");
    assert_eq!(holder.name(), "dunst");
    let undo = holder.hold().await.expect("hold");
    assert!(dunst.paused(&conn).await);
    holder.release(&undo).await.expect("release");
    assert!(!dunst.paused(&conn).await);
}

#[tokio::test]
async fn detect_finds_real_xfce4_notifyd() {
    let Some((bus, x)) = bus_and_x() else { return };
    let Some(_notifyd) = or_skip(XfceNotifyd::start(&bus, &x).await) else {
        return;
    };
    let conn = bus.connect().await;
    assert_eq!(
        notifications::server_name(&conn).await.as_deref(),
        Ok("Xfce Notify Daemon")
    );
    let holder = notifications::detect(&conn, ServerChoice::Auto)
        .await
        .expect("detect");
    assert_eq!(holder.name(), "xfce");
    let undo = holder.hold().await.expect("hold");
    assert_eq!(xfconf::do_not_disturb(&conn).await, Some(true));
    holder.release(&undo).await.expect("release");
}

#[tokio::test]
async fn detect_finds_plasma() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let plasma = FakeKde::start(&bus).await;
    let conn = bus.connect().await;
    let holder = notifications::detect(&conn, ServerChoice::Auto)
        .await
        .expect("detect");
    assert_eq!(holder.name(), "kde");
    holder.hold().await.expect("hold");
    assert_eq!(plasma.inhibitions().len(), 1);
}

#[tokio::test]
async fn detect_knows_gnome_shell_and_mako_by_the_names_they_report() {
    for (reported, vendor, holder) in [
        ("gnome-shell", "GNOME", "gnome"),
        ("mako", "emersion", "mako"),
    ] {
        let Some(bus) = or_skip(DbusDaemon::start()) else {
            return;
        };
        let _server = NamedServer::start(&bus, reported, vendor).await;
        let conn = bus.connect().await;
        let found = notifications::detect(&conn, ServerChoice::Auto)
            .await
            .expect("detect");
        assert_eq!(found.name(), holder, "{reported}");
    }
}

#[tokio::test]
async fn detect_without_a_server_says_so_and_starts_none() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    // A notification daemon the bus could start on demand, as desktops install them: detect
    // must not start it (it would be a server the session does not run).
    let started = bus.dir().join("started");
    let script = bus.dir().join("daemon.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\n", started.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        bus.service_dir()
            .join("org.freedesktop.Notifications.service"),
        format!(
            "[D-BUS Service]\nName=org.freedesktop.Notifications\nExec={}\n",
            script.display()
        ),
    )
    .unwrap();
    let conn = bus.connect().await;

    let err = notifications::detect(&conn, ServerChoice::Auto)
        .await
        .err()
        .expect("no server to hold");
    assert!(err.0.contains("no notification server is running"), "{err}");
    assert!(!started.exists(), "detect started the activatable daemon");
}

#[tokio::test]
async fn detect_names_a_server_it_cannot_hold() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let _server = NamedServer::start(&bus, "notification-daemon", "GNOME").await;
    let conn = bus.connect().await;
    let err = notifications::detect(&conn, ServerChoice::Auto)
        .await
        .err()
        .expect("an unknown server");
    assert!(err.0.contains("\"notification-daemon\""), "{err}");
    assert!(err.0.contains("set quiet.server"), "{err}");
}

#[tokio::test]
async fn detect_takes_a_named_server_without_asking_the_bus() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let conn = bus.connect().await;
    for server in NotificationServer::ALL {
        let holder = notifications::detect(&conn, ServerChoice::Only(server))
            .await
            .expect("a named server needs no bus");
        assert_eq!(holder.name(), server.name());
    }
}
