//! Child processes that are killed on drop, and reading what a peer prints, with a deadline.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use super::{DEADLINE, Missing};

/// The program's path, searching PATH for a bare name.
pub fn find_program(name: &str) -> Result<PathBuf, Missing> {
    let found = if name.contains('/') {
        Some(PathBuf::from(name)).filter(|p| p.is_file())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    };
    found.ok_or_else(|| Missing(name.to_string()))
}

/// Writes an executable shell script to `path` and runs it once (`--probe`), until it starts.
/// A script just written is "busy" (ETXTBSY) while a child another test forked meanwhile
/// still holds it open for writing, until that child's exec; once it has started, no such
/// holder is left and none can appear, so the test's own runs cannot meet it. A script that
/// keeps a log of its calls should leave `--probe` out of it.
pub fn install_script(path: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, script).expect("write the script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the script executable");
    let start = Instant::now();
    loop {
        match Command::new(path).arg("--probe").output() {
            Ok(_) => return,
            Err(e)
                if e.kind() == std::io::ErrorKind::ExecutableFileBusy
                    && start.elapsed() < DEADLINE =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("{} does not start: {e}", path.display()),
        }
    }
}

/// This build's profile folder, target/<profile>: the test binary runs from its deps/.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("the test binary is in target/<profile>/deps")
}

/// The build's target folder (`target/`).
pub fn target_dir() -> PathBuf {
    let profile = profile_dir();
    profile.parent().map(Path::to_path_buf).unwrap_or(profile)
}

/// Another package's binary in this build's target folder (where `cargo test --workspace`
/// builds every package's binaries): a test of one binary can start the other.
pub fn workspace_binary(name: &str) -> PathBuf {
    let path = profile_dir().join(name);
    assert!(
        path.is_file(),
        "{} is not built: run the tests with `cargo test --workspace` (scripts/test does)",
        path.display()
    );
    path
}

/// A running peer; killed and reaped on drop. Its stderr (and stdout, unless read) goes to a
/// log file, shown when it fails.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    name: String,
    log: PathBuf,
}

impl Peer {
    /// Starts `cmd`, logging to `log`; with `read_stdout`, stdout is a pipe for
    /// [`Peer::first_line`].
    pub fn spawn(mut cmd: Command, name: &str, log: &Path, read_stdout: bool) -> Self {
        let file = || std::fs::File::create(log).expect("create peer log");
        let stderr = file();
        let stdout = match read_stdout {
            true => Stdio::piped(),
            false => Stdio::from(stderr.try_clone().expect("clone log")),
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self {
            child,
            name: name.to_string(),
            log: log.to_path_buf(),
        }
    }

    /// The first line the peer prints on stdout (its address, its display number). Later
    /// output is drained so the peer never blocks on a full pipe.
    pub fn first_line(&mut self) -> String {
        let stdout = self.child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        match rx.recv_timeout(DEADLINE) {
            Ok(Some(Ok(line))) => line.trim().to_string(),
            Ok(_) => self.fail("exited before printing anything"),
            Err(_) => self.fail("printed nothing in time"),
        }
    }

    /// The peer's process id, for reading its /proc entries.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Stops the peer with SIGTERM, as systemd would, and waits for a clean exit.
    pub fn terminate(mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)
            .unwrap_or_else(|e| self.fail(&format!("could not be sent SIGTERM: {e}")));
        let start = std::time::Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return,
                Ok(Some(status)) => self.fail(&format!("exited with {status} on SIGTERM")),
                _ if start.elapsed() > DEADLINE => self.fail("did not stop on SIGTERM"),
                _ => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
    }

    /// Waits for the peer to exit on its own; panics if it has not within the deadline.
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if start.elapsed() > DEADLINE {
                self.fail("did not exit in time");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Kills the peer with SIGKILL (as a crash would) and reaps it.
    pub fn kill(self) {
        drop(self);
    }

    /// Kills the peer as [`Peer::kill`] does, keeping the handle (and its log) around.
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the peer has exited (reaping it if so).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Panics, naming the peer and showing its log, if it has exited.
    pub fn check_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            self.fail(&format!("exited ({status})"));
        }
    }

    pub fn fail(&self, what: &str) -> ! {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        panic!("{} {what}; its log:\n{log}", self.name);
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a short command to completion within the deadline; panics if it fails.
pub fn run(cmd: &mut Command, what: &str) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return,
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                panic!("{what}: {status}: {err}");
            }
            Ok(None) if start.elapsed() < DEADLINE => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: did not finish in time");
            }
        }
    }
}
