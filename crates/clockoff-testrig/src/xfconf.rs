//! A real xfce4-notifyd on the test's bus and X server, with xfconfd activated on demand from
//! the bus's own service dir (as a desktop session's bus would), so its settings land under
//! the bus's isolated HOME. Popups are seen on the X server: each is a mapped
//! override-redirect top-level window.

use super::CleanEnv;
use std::process::Command;

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{ConnectionExt as _, MapState};
use zbus::zvariant::{OwnedValue, Value};

use super::Missing;
use super::bus::DbusDaemon;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, temp_dir};
use super::xvfb::Xvfb;

pub const XFCONFD: &str = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd";
pub const NOTIFYD: &str = "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd";
pub const NAME: &str = "org.freedesktop.Notifications";
pub const CHANNEL: &str = "xfce4-notifyd";
pub const DND: &str = "/do-not-disturb";

/// Lets the bus start xfconfd when anyone first asks for org.xfce.Xfconf.
pub fn install_xfconfd(bus: &DbusDaemon) -> Result<(), Missing> {
    let program = find_program(XFCONFD)?;
    let service = format!(
        "[D-BUS Service]\nName=org.xfce.Xfconf\nExec={}\n",
        program.display()
    );
    std::fs::write(bus.service_dir().join("org.xfce.Xfconf.service"), service)
        .expect("write org.xfce.Xfconf.service");
    Ok(())
}

#[derive(Debug)]
pub struct XfceNotifyd {
    peer: Peer,
    #[allow(dead_code)] // held for its Drop
    dir: TempDir,
}

impl XfceNotifyd {
    pub async fn start(bus: &DbusDaemon, x: &Xvfb) -> Result<Self, Missing> {
        install_xfconfd(bus)?;
        let program = find_program(NOTIFYD)?;
        let dir = temp_dir("xfce4-notifyd");
        let mut cmd = Command::new(program);
        cmd.clean_env().envs(bus.session_env()).envs(x.env());
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let mut peer = Peer::spawn(cmd, "xfce4-notifyd", &dir.path().join("notifyd.log"), false);
        bus.wait_for_name(NAME, &mut peer).await;
        Ok(Self { peer, dir })
    }

    pub fn peer(&mut self) -> &mut Peer {
        &mut self.peer
    }
}

async fn xfconf(conn: &zbus::Connection) -> zbus::Proxy<'_> {
    zbus::Proxy::new(
        conn,
        "org.xfce.Xfconf",
        "/org/xfce/Xfconf",
        "org.xfce.Xfconf",
    )
    .await
    .expect("xfconf proxy")
}

/// xfce4-notifyd's do-not-disturb as xfconf holds it; `None` while never set.
pub async fn do_not_disturb(conn: &zbus::Connection) -> Option<bool> {
    let reply = xfconf(conn)
        .await
        .call::<_, _, OwnedValue>("GetProperty", &(CHANNEL, DND))
        .await;
    match reply {
        Ok(value) => Some(bool::try_from(value).expect("do-not-disturb is a bool")),
        Err(zbus::Error::MethodError(name, ..))
            if name.as_str() == "org.xfce.Xfconf.Error.PropertyNotFound" =>
        {
            None
        }
        Err(e) => panic!("reading xfconf {CHANNEL} {DND}: {e}"),
    }
}

/// Sets do-not-disturb as the worker would (the switch in xfce4-notifyd-config).
pub async fn set_do_not_disturb(conn: &zbus::Connection, on: bool) {
    xfconf(conn)
        .await
        .call::<_, _, ()>("SetProperty", &(CHANNEL, DND, Value::Bool(on)))
        .await
        .expect("set xfconf do-not-disturb");
}

/// Popups on screen: top-level override-redirect windows that are mapped and viewable
/// (xfce4-notifyd also keeps a couple of unmapped helper windows).
pub fn popups(x: &Xvfb) -> usize {
    let (conn, screen) = x11rb::connect(Some(x.display())).expect("connect to Xvfb");
    let root = conn.setup().roots[screen].root;
    let children = conn
        .query_tree(root)
        .expect("QueryTree")
        .reply()
        .expect("QueryTree reply")
        .children;
    children
        .into_iter()
        .filter(|&window| {
            // A window may go away between the listing and the question: not a popup.
            let Ok(Ok(attrs)) = conn
                .get_window_attributes(window)
                .map(|cookie| cookie.reply())
            else {
                return false;
            };
            attrs.override_redirect && attrs.map_state == MapState::VIEWABLE
        })
        .count()
}
