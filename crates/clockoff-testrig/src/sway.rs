//! A real wlroots compositor, headless: sway (Debian 12's 1.7) with the headless backend. It
//! has no ext-idle-notify (that came in sway 1.8), which makes it the Wayland session
//! *without* the protocol; it hosts mako and waybar, and `grim` screenshots it.
//!
//! sway refuses to run as root, so it and the clients started with [`Sway::command`] run as
//! `nobody` (setpriv), in a folder of their own that `nobody` owns.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::bus::DbusDaemon;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, temp_dir};
use super::{DEADLINE, Missing};

/// The unprivileged uid and gid sway and its clients run as.
pub const NOBODY: u32 = 65534;

#[derive(Debug)]
pub struct Sway {
    peer: Peer,
    runtime: PathBuf,
    socket: PathBuf,
    dir: TempDir,
}

impl Sway {
    /// Starts sway with `extra` appended to a config that gives one 800x600 output on black
    /// and no Xwayland; waits until its Wayland socket answers.
    pub fn start(extra: &str) -> Result<Self, Missing> {
        let sway = find_program("sway")?;
        find_program("setpriv")?;
        let dir = temp_dir("sway");
        for sub in ["runtime", "home", "home/.config"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("sway's folders");
        }
        let config = dir.path().join("config");
        let text = format!(
            "output HEADLESS-1 resolution 800x600 bg #000000 solid_color\nxwayland disable\n{extra}\n"
        );
        std::fs::write(&config, text).expect("write sway's config");
        give_to_nobody(dir.path());
        let runtime = dir.path().join("runtime");
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
            .expect("runtime dir mode");
        let mut cmd = as_nobody(&sway, dir.path(), &runtime);
        cmd.env("WLR_BACKENDS", "headless")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .arg("-c")
            .arg(&config);
        let mut peer = Peer::spawn(cmd, "sway", &dir.path().join("sway.log"), false);
        let socket = wait_for_socket(&runtime, &mut peer);
        Ok(Self {
            peer,
            runtime,
            socket,
            dir,
        })
    }

    /// The compositor's socket: `WAYLAND_DISPLAY`, as a path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A folder `nobody` owns, living as long as sway.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `program` as a client of this sway: run as `nobody`, with its runtime folder and HOME,
    /// and WAYLAND_DISPLAY set.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = as_nobody(program, self.dir.path(), &self.runtime);
        cmd.env("WAYLAND_DISPLAY", &self.socket);
        cmd
    }

    /// Panics with sway's log if it has exited.
    pub fn check_running(&mut self) {
        self.peer.check_running();
    }

    /// Starts `program` (mako, waybar) as a client of this sway on `bus`, logging to
    /// `<name>.log` in sway's folder.
    pub fn client(&self, program: &str, args: &[&str], bus: &DbusDaemon) -> Result<Peer, Missing> {
        let path = find_program(program)?;
        let mut cmd = self.command(&path);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .args(args);
        let log = self.dir.path().join(format!("{program}.log"));
        Ok(Peer::spawn(cmd, program, &log, false))
    }

    /// The whole output as `grim` captures it (wlroots' screencopy), saved to `path`.
    pub fn screenshot(&self, path: &Path) -> Shot {
        let grim = find_program("grim").unwrap_or_else(|Missing(m)| panic!("{m} is missing"));
        // grim runs as nobody: it writes into sway's folder, and the test copies it out.
        let own = self.dir.path().join("shot.png");
        super::process::run(self.command(&grim).arg(&own), "grim");
        std::fs::copy(&own, path).expect("keep the screenshot");
        Shot::read(path)
    }
}

/// A screenshot's pixels, as RGB.
pub struct Shot {
    pub width: usize,
    pub height: usize,
    rgb: Vec<[u8; 3]>,
}

impl Shot {
    pub fn read(path: &Path) -> Shot {
        let file = std::fs::File::open(path).expect("open the screenshot");
        let decoder = png::Decoder::new(std::io::BufReader::new(file));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("its size")];
        let info = reader.next_frame(&mut buf).expect("its pixels");
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Shot {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.rgb[y * self.width + x]
    }

    /// How many separate runs of `colour` cross column `x`, top to bottom: boxes stacked
    /// down the screen (mako's notifications).
    pub fn runs_down(&self, x: usize, colour: [u8; 3]) -> usize {
        let mut runs = 0;
        let mut inside = false;
        for y in 0..self.height {
            let here = self.at(x, y) == colour;
            if here && !inside {
                runs += 1;
            }
            inside = here;
        }
        runs
    }

    /// Pixels in the rectangle that differ from `background`: something drawn there.
    pub fn drawn(
        &self,
        x: std::ops::Range<usize>,
        y: std::ops::Range<usize>,
        background: [u8; 3],
    ) -> usize {
        y.flat_map(|y| x.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| self.at(x, y) != background)
            .count()
    }
}

/// Makes `path` and everything in it `nobody`'s.
pub fn give_to_nobody(path: &Path) {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{NOBODY}:{NOBODY}"))
        .arg(path)
        .status()
        .expect("run chown");
    assert!(status.success(), "chown {} to nobody", path.display());
}

/// `program` run as nobody, on the real clock even when the test's is moved (libfaketime,
/// `scripts/test-dates`), as Chromium is: under libfaketime sway never finishes the frame
/// grim waits for, and what these peers do does not depend on the date.
fn as_nobody(program: &Path, dir: &Path, runtime: &Path) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("home/.config"))
        .env("XDG_RUNTIME_DIR", runtime)
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg(program);
    cmd
}

/// sway names its socket itself (`wayland-N`): the first that accepts a connection.
fn wait_for_socket(runtime: &Path, peer: &mut Peer) -> PathBuf {
    let start = Instant::now();
    loop {
        peer.check_running();
        let found = std::fs::read_dir(runtime).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))
                })
                .find(|p| std::os::unix::net::UnixStream::connect(p).is_ok())
        });
        if let Some(socket) = found {
            return socket;
        }
        if start.elapsed() > DEADLINE {
            peer.fail("did not open its Wayland socket in time");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
