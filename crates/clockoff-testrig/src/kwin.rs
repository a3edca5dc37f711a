//! A real Wayland compositor, headless: KWin 5.27 (Debian's kwin-wayland) with its virtual
//! backend, on a socket of its own, with a private session bus. It offers
//! `ext_idle_notifier_v1` (version 1); input is given through KWin's own
//! `org_kde_kwin_fake_input`, which KWin treats as a device, so it ends idle as a mouse would.
//!
//! Two things the container needs (../TESTRIG.md): `/usr/bin/kwin_wayland` carries the file
//! capability `cap_sys_resource`, so exec fails with EPERM; a copy has none. And KWin offers
//! fake input only to clients a .desktop file vouches for (looked up through KDE's service
//! cache, which needs kbuildsycoca); `KWIN_WAYLAND_NO_PERMISSION_CHECKS=1`, KWin's own switch
//! for its tests, lifts that instead.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::wl_registry;
use wayland_client::{Connection, Dispatch, QueueHandle};
use wayland_protocols_plasma::fake_input::client::org_kde_kwin_fake_input::OrgKdeKwinFakeInput;

use super::bus::DbusDaemon;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, subdir, temp_dir};
use super::{CleanEnv, DEADLINE, Missing};

/// The socket's name under the compositor's `XDG_RUNTIME_DIR`.
const SOCKET: &str = "wayland-clockoff";

#[derive(Debug)]
pub struct Kwin {
    // Field order: KWin goes before its bus, and both before their folder.
    peer: Peer,
    #[allow(dead_code)] // held for its Drop
    bus: DbusDaemon,
    runtime: PathBuf,
    #[allow(dead_code)] // held for its Drop: the copy of KWin, its log and runtime folder
    dir: TempDir,
    moves: AtomicU32,
}

impl Kwin {
    /// Starts KWin and waits until its socket answers.
    pub fn start() -> Result<Self, Missing> {
        let installed = find_program("kwin_wayland")?;
        let bus = DbusDaemon::start()?;
        let dir = temp_dir("kwin");
        let program = dir.path().join("kwin_wayland");
        std::fs::copy(&installed, &program).expect("copy kwin_wayland");
        let runtime = subdir(dir.path(), "runtime");
        let peer = spawn(&program, &bus, &runtime, &dir);
        let mut kwin = Self {
            peer,
            bus,
            runtime,
            dir,
            moves: AtomicU32::new(0),
        };
        kwin.wait_for_socket();
        Ok(kwin)
    }

    /// The compositor's socket: `WAYLAND_DISPLAY`, as a path.
    pub fn socket(&self) -> PathBuf {
        self.runtime.join(SOCKET)
    }

    /// Kills KWin, as a crash would.
    pub fn crash(&mut self) {
        self.peer.crash();
    }

    /// Input as a device gives it: a small relative pointer move through fake input,
    /// alternating direction; returns once KWin has processed it (a round trip).
    pub fn input(&self) {
        let n = self.moves.fetch_add(1, Ordering::Relaxed);
        let step = if n.is_multiple_of(2) { 5.0 } else { -5.0 };
        let stream = UnixStream::connect(self.socket()).expect("connect to KWin");
        let conn = Connection::from_socket(stream).expect("Wayland connection to KWin");
        let (globals, mut queue) =
            registry_queue_init::<FakeInputClient>(&conn).expect("KWin's globals");
        let fake: OrgKdeKwinFakeInput = globals
            .bind(&queue.handle(), 1..=4, ())
            .unwrap_or_else(|e| self.peer.fail(&format!("offers no fake input: {e}")));
        fake.authenticate("clockoff tests".into(), "input for the idle tests".into());
        fake.pointer_motion(step, step);
        queue
            .roundtrip(&mut FakeInputClient)
            .expect("KWin processes the input");
    }

    fn wait_for_socket(&mut self) {
        let start = Instant::now();
        while UnixStream::connect(self.socket()).is_err() {
            self.peer.check_running();
            if start.elapsed() > DEADLINE {
                self.peer.fail("did not open its Wayland socket in time");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn spawn(program: &Path, bus: &DbusDaemon, runtime: &Path, dir: &TempDir) -> Peer {
    let mut cmd = Command::new(program);
    cmd.clean_env()
        .envs(bus.session_env())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_RUNTIME_DIR", runtime)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("KWIN_WAYLAND_NO_PERMISSION_CHECKS", "1")
        .args([
            "--virtual",
            "--no-lockscreen",
            "--no-global-shortcuts",
            "--no-kactivities",
            "--width",
            "640",
            "--height",
            "480",
            "--socket",
            SOCKET,
        ]);
    Peer::spawn(cmd, "kwin_wayland", &dir.path().join("kwin.log"), false)
}

/// The fake-input client's events: none it needs.
struct FakeInputClient;

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for FakeInputClient {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

wayland_client::delegate_noop!(FakeInputClient: ignore OrgKdeKwinFakeInput);
