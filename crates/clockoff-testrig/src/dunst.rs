//! A real dunst on the test's session bus and X server, with its own config file. Its state
//! is read over D-Bus (`org.dunstproject.cmd0`), the same interface `dunstctl` uses.

use super::CleanEnv;
use std::path::PathBuf;
use std::process::Command;

use super::Missing;
use super::bus::DbusDaemon;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, temp_dir};
use super::xvfb::Xvfb;

pub const NAME: &str = "org.freedesktop.Notifications";
pub const PATH: &str = "/org/freedesktop/Notifications";
pub const CMD_INTERFACE: &str = "org.dunstproject.cmd0";

#[derive(Debug)]
pub struct Dunst {
    peer: Peer,
    program: PathBuf,
    config: PathBuf,
    dir: TempDir,
}

impl Dunst {
    /// Starts dunst with a plain config (duplicates not stacked, so each notification counts).
    pub async fn start(bus: &DbusDaemon, x: &Xvfb) -> Result<Self, Missing> {
        Self::start_with(bus, x, "").await
    }

    /// Starts dunst with `extra` appended to its `[global]` section (e.g. a `dmenu` line).
    pub async fn start_with(bus: &DbusDaemon, x: &Xvfb, extra: &str) -> Result<Self, Missing> {
        let program = find_program("dunst")?;
        let dir = temp_dir("dunst");
        let config = dir.path().join("dunstrc");
        let text = format!(
            "[global]\n    stack_duplicates = false\n    idle_threshold = 0\n    {extra}\n\
             [urgency_low]\n    timeout = 0\n[urgency_normal]\n    timeout = 0\n\
             [urgency_critical]\n    timeout = 0\n"
        );
        std::fs::write(&config, text).expect("write dunstrc");
        let peer = spawn(&program, &config, bus, x, &dir);
        let mut dunst = Self {
            peer,
            program,
            config,
            dir,
        };
        bus.wait_for_name(NAME, &mut dunst.peer).await;
        Ok(dunst)
    }

    /// Kills dunst (as a crash would) and starts a fresh one with the same config; waits
    /// until it owns the name again.
    pub async fn restart(&mut self, bus: &DbusDaemon, x: &Xvfb) {
        // The old one goes first: a second dunst would find the name taken.
        self.peer.crash();
        self.peer = spawn(&self.program, &self.config, bus, x, &self.dir);
        bus.wait_for_name(NAME, &mut self.peer).await;
    }

    pub fn peer(&mut self) -> &mut Peer {
        &mut self.peer
    }

    pub async fn proxy<'a>(&self, conn: &'a zbus::Connection) -> zbus::Proxy<'a> {
        zbus::Proxy::new(conn, NAME, PATH, CMD_INTERFACE)
            .await
            .expect("dunst cmd0 proxy")
    }

    pub async fn paused(&self, conn: &zbus::Connection) -> bool {
        self.proxy(conn)
            .await
            .get_property("paused")
            .await
            .expect("dunst paused")
    }

    /// Pauses or unpauses dunst as the worker would (`dunstctl set-paused`).
    pub async fn set_paused(&self, conn: &zbus::Connection, paused: bool) {
        self.proxy(conn)
            .await
            .set_property("paused", paused)
            .await
            .expect("set dunst paused");
    }

    /// Notifications held back, waiting to be shown.
    pub async fn waiting(&self, conn: &zbus::Connection) -> u32 {
        self.proxy(conn)
            .await
            .get_property("waitingLength")
            .await
            .expect("dunst waitingLength")
    }

    /// Notifications on screen now.
    pub async fn displayed(&self, conn: &zbus::Connection) -> u32 {
        self.proxy(conn)
            .await
            .get_property("displayedLength")
            .await
            .expect("dunst displayedLength")
    }
}

fn spawn(program: &PathBuf, config: &PathBuf, bus: &DbusDaemon, x: &Xvfb, dir: &TempDir) -> Peer {
    let mut cmd = Command::new(program);
    cmd.arg("-config")
        .arg(config)
        .clean_env()
        .envs(bus.session_env())
        .envs(x.env());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    Peer::spawn(cmd, "dunst", &dir.path().join("dunst.log"), false)
}
