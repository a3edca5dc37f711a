//! A test rig of real peers, run headless and private to each test: a session bus, a system
//! bus with a mock logind, an X server; and fakes, in Rust, for the desktop services that
//! cannot run here (Mutter's IdleMonitor, org.freedesktop.ScreenSaver). Sync peers: real
//! Syncthing instances on loopback, and dbusmock's systemd user manager.
//!
//! Every peer is killed when its handle drops; every wait has a deadline ([`DEADLINE`]), so a
//! broken peer fails the test instead of hanging it. A constructor returns [`Missing`] only
//! when a program is not installed; use [`or_skip`] to skip the test with a printed reason.
#![allow(dead_code, unused_imports)] // each test file uses part of the rig

pub mod agent;
pub mod bus;
pub mod cdp;
pub mod chromium;
pub mod dashboard;
pub mod dbusmock;
pub mod dconf;
pub mod dunst;
pub mod fake_kde;
pub mod http_server;
pub mod logind;
pub mod makoctl;
pub mod mutter;
pub mod named_server;
pub mod postgres;
pub mod process;
pub mod record;
pub mod screensaver;
pub mod signals;
pub mod sni_watcher;
pub mod syncthing;
pub mod systemd;
pub mod tmp;
pub mod xfconf;
pub mod xvfb;

use std::io::Write;
use std::time::Duration;

pub use bus::DbusDaemon;
pub use dunst::Dunst;
pub use logind::Logind;
pub use mutter::FakeMutter;
pub use screensaver::FakeScreenSaver;
pub use syncthing::Syncthing;
pub use systemd::SystemdMock;
pub use xvfb::Xvfb;

/// The longest any peer may take to start or answer.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A program the rig needs is not installed.
#[derive(Debug)]
pub struct Missing(pub String);

/// The value, or `None` after printing why the test is skipped (to stderr directly, so the
/// message shows even for a passing test).
pub fn or_skip<T>(peer: Result<T, Missing>) -> Option<T> {
    match peer {
        Ok(peer) => Some(peer),
        Err(Missing(what)) => {
            let test = std::thread::current().name().unwrap_or("test").to_string();
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {what} is not installed");
            None
        }
    }
}
