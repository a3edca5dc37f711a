//! A test rig of real peers, run headless and private to each test: a session bus, a system
//! bus with a mock logind, an X server; and fakes, in Rust, for the desktop services that
//! cannot run here (Mutter's IdleMonitor, org.freedesktop.ScreenSaver). Sync peers: real
//! Syncthing instances on loopback, and dbusmock's systemd user manager. Calendars: a real
//! Radicale CalDAV server on loopback.
//!
//! Every peer is killed when its handle drops; every wait has a deadline ([`DEADLINE`]), so a
//! broken peer fails the test instead of hanging it. A constructor returns [`Missing`] only
//! when a program is not installed; use [`or_skip`] to skip the test with a printed reason
//! (or, under [`REQUIRE_PEERS_ENV`], fail it).
//!
//! The rig knows nothing of clockoff: each package's tests add what starts their own binaries
//! (`tests/suite/support`), so a change to clockoff rebuilds the tests, not the rig.

pub mod axe;
pub mod bus;
pub mod cdp;
pub mod chromium;
pub mod colour;
pub mod dbusmock;
pub mod dconf;
pub mod dunst;
pub mod fake_kde;
pub mod http_server;
pub mod journald;
pub mod kwin;
pub mod logind;
pub mod mutter;
pub mod named_server;
pub mod postgres;
pub mod process;
pub mod pty;
pub mod radicale;
pub mod screensaver;
pub mod sni_watcher;
pub mod sway;
pub mod syncthing;
pub mod systemd;
pub mod tmp;
pub mod xfconf;
pub mod xvfb;

use std::io::Write;
use std::time::Duration;

pub use bus::DbusDaemon;
pub use dunst::Dunst;
pub use kwin::Kwin;
pub use logind::Logind;
pub use mutter::FakeMutter;
pub use radicale::Radicale;
pub use screensaver::FakeScreenSaver;
pub use sway::Sway;
pub use syncthing::Syncthing;
pub use systemd::SystemdMock;
pub use xvfb::Xvfb;

/// What a test's processes keep of its environment when they are started with a clean one:
/// what moves the machine's clock (libfaketime, as `scripts/test-dates` runs the suite), so
/// the test and every peer and binary it starts stand on the same date.
const CLOCK_ENV: [&str; 3] = ["LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"];

/// `Command::env_clear`, keeping `CLOCK_ENV`.
pub trait CleanEnv {
    fn clean_env(&mut self) -> &mut Self;
}

macro_rules! clean_env {
    ($command:ty) => {
        impl CleanEnv for $command {
            fn clean_env(&mut self) -> &mut Self {
                self.env_clear();
                for key in CLOCK_ENV {
                    if let Some(value) = std::env::var_os(key) {
                        self.env(key, value);
                    }
                }
                self
            }
        }
    };
}
clean_env!(std::process::Command);
clean_env!(tokio::process::Command);

/// The longest any peer may take to start or answer.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// How often [`eventually`] asks again.
const POLL: Duration = Duration::from_millis(25);

/// What a probe of [`eventually`] answers: `true`, `Some(found)` or `Ok(found)` once what it
/// waits for holds; `Err(seen)` says what it saw instead, for the failure message.
pub trait Probe<T> {
    fn found(self) -> Result<T, String>;
}

impl Probe<()> for bool {
    fn found(self) -> Result<(), String> {
        if self { Ok(()) } else { Err("not yet".into()) }
    }
}

impl<T> Probe<T> for Option<T> {
    fn found(self) -> Result<T, String> {
        self.ok_or_else(|| "not yet".into())
    }
}

impl<T> Probe<T> for Result<T, String> {
    fn found(self) -> Result<T, String> {
        self
    }
}

/// Asks `probe` until what it waits for holds; at the [`DEADLINE`] the test fails, naming
/// `what` and what the probe last saw.
pub async fn eventually<T, P: Probe<T>>(what: &str, mut probe: impl AsyncFnMut() -> P) -> T {
    let start = std::time::Instant::now();
    loop {
        match probe().await.found() {
            Ok(found) => return found,
            Err(seen) => assert!(
                start.elapsed() < DEADLINE,
                "waiting for {what} (more than {DEADLINE:?}); last seen: {seen}"
            ),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`eventually`] from synchronous test code.
pub fn eventually_blocking<T, P: Probe<T>>(what: &str, mut probe: impl FnMut() -> P) -> T {
    let start = std::time::Instant::now();
    loop {
        match probe().found() {
            Ok(found) => return found,
            Err(seen) => assert!(
                start.elapsed() < DEADLINE,
                "waiting for {what} (more than {DEADLINE:?}); last seen: {seen}"
            ),
        }
        std::thread::sleep(POLL);
    }
}

/// A program the rig needs is not installed.
#[derive(Debug)]
pub struct Missing(pub String);

/// Set to `1` (as `scripts/test` and CI do), a missing peer fails its test instead of
/// skipping it: a skipped test is not a passed one.
pub const REQUIRE_PEERS_ENV: &str = "CLOCKOFF_REQUIRE_PEERS";

/// The value, or `None` after printing why the test is skipped (to stderr directly, so the
/// message shows even for a passing test, and `scripts/test` counts the `SKIPPED` lines).
/// Under [`REQUIRE_PEERS_ENV`] a missing peer panics instead, naming the package to install.
pub fn or_skip<T>(peer: Result<T, Missing>) -> Option<T> {
    match peer {
        Ok(peer) => Some(peer),
        Err(Missing(what)) => {
            let install = match package_of(&what) {
                Some(package) => format!("{what} is not installed (apt-get install {package})"),
                None => format!("{what} is not installed"),
            };
            if std::env::var_os(REQUIRE_PEERS_ENV).is_some_and(|v| v == "1") {
                panic!("{install}, and {REQUIRE_PEERS_ENV}=1 makes a missing peer a failure");
            }
            let test = std::thread::current().name().unwrap_or("test").to_string();
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {install}");
            None
        }
    }
}

/// The Debian package that ships a program the rig runs, where its name does not say.
fn package_of(program: &str) -> Option<&'static str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    Some(match name {
        "dbus-daemon" => "dbus",
        "Xvfb" => "xvfb",
        "xdotool" => "xdotool",
        "dunst" => "dunst",
        "kwin_wayland" => "kwin-wayland",
        "setpriv" => "util-linux",
        "mako" | "makoctl" => "mako-notifier",
        "sway" => "sway",
        "waybar" => "waybar",
        "grim" => "grim",
        "groff" => "groff-base",
        "lintian" => "lintian",
        "desktop-file-validate" => "desktop-file-utils",
        "dpkg-shlibdeps" => "dpkg-dev",
        "strip" => "binutils",
        "man" => "man-db",
        "systemd-analyze" | "systemd-sysusers" | "systemctl" => "systemd",
        "deb-systemd-helper" => "init-system-helpers",
        "systemd-journald" | "journalctl" => "systemd",
        "python3" | "python3-dbusmock" => "python3-dbusmock",
        "dconf-service" => "dconf-service",
        "gsettings" => "libglib2.0-bin",
        "xfconfd" => "xfconf",
        "xfce4-notifyd" => "xfce4-notifyd",
        "syncthing" => "syncthing",
        "curl" => "curl",
        "chromium" => "chromium",
        "initdb" => "postgresql",
        "radicale" => "radicale",
        _ => return None,
    })
}
