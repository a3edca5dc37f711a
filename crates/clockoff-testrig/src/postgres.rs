//! A private PostgreSQL server for one test: a fresh cluster (initdb) in a temporary
//! directory, listening only on a Unix socket there, stopped and removed on drop.
//!
//! PostgreSQL refuses to run as root; as root (CI, containers) the cluster belongs to the
//! `postgres` user the Debian package creates, and initdb and the server run as it.
//! fsync is off: a test never survives a power cut, and it makes each commit cheap.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::Peer;
use super::tmp::{TempDir, temp_dir};
use super::{DEADLINE, Missing};

pub struct Postgres {
    /// Declared before `dir`, so the server stops before its files go.
    server: Option<Peer>,
    /// `postgres://clockoff@localhost/postgres?host=<dir>`
    pub url: String,
    dir: TempDir,
}

impl Postgres {
    pub fn start() -> Result<Postgres, Missing> {
        let bin = bin_dir()?;
        let dir = temp_dir("postgres");
        let owner = owner()?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("giving {} to postgres: {e}", dir.path().display()));
        }
        let data = dir.path().join("data");
        let log = dir.path().join("initdb.log");
        let mut initdb = as_owner(Command::new(bin.join("initdb")), owner);
        initdb
            .args([
                "--auth=trust",
                "--username=clockoff",
                "--no-sync",
                "--encoding=UTF8",
            ])
            .args(["--locale=C", "--no-instructions", "-D"])
            .arg(&data)
            .stdout(std::fs::File::create(&log).expect("initdb log"))
            .stderr(std::fs::File::create(&log).expect("initdb log"));
        let status = initdb.status().expect("running initdb");
        assert!(
            status.success(),
            "initdb failed ({status}):\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let mut postgres = as_owner(Command::new(bin.join("postgres")), owner);
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(dir.path())
            .args(["-c", "listen_addresses=", "-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        let server = Peer::spawn(postgres, "postgres", &dir.path().join("server.log"), false);
        let mut pg = Postgres {
            server: Some(server),
            url: format!(
                "postgres://clockoff@localhost/postgres?host={}",
                dir.path().display()
            ),
            dir,
        };
        pg.wait_until_ready(&data);
        Ok(pg)
    }

    /// The server writes "ready" as the last line of postmaster.pid once it takes
    /// connections (its socket exists earlier, while it is still starting up).
    fn wait_until_ready(&mut self, data: &Path) {
        let start = Instant::now();
        let server = self.server.as_mut().expect("started");
        loop {
            let pid_file = std::fs::read_to_string(data.join("postmaster.pid")).unwrap_or_default();
            if pid_file.lines().nth(7).map(str::trim) == Some("ready") {
                return;
            }
            server.check_running();
            if start.elapsed() > DEADLINE {
                server.fail("was not ready in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    /// A fast shutdown (SIGINT) rather than a kill, so the server removes its shared memory.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let pid = rustix::process::Pid::from_raw(server.id() as i32);
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
                let start = Instant::now();
                let mut server = server;
                while start.elapsed() < DEADLINE {
                    if server.has_exited() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }
}

/// The newest installed PostgreSQL's programs (Debian keeps them out of PATH).
fn bin_dir() -> Result<PathBuf, Missing> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("postgres").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let initdb = super::process::find_program("initdb").map_err(|_| missing())?;
    Ok(initdb.parent().expect("a path").to_path_buf())
}

fn missing() -> Missing {
    Missing("PostgreSQL (the postgresql package)".into())
}

/// Who runs the cluster: `None` for this user, the `postgres` user's ids when this is root.
fn owner() -> Result<Option<(u32, u32)>, Missing> {
    if !rustix::process::geteuid().is_root() {
        return Ok(None);
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok(Some((uid, gid))),
        _ => Err(Missing("the postgres user (the postgresql package)".into())),
    }
}

fn as_owner(mut cmd: Command, owner: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = owner {
        // Under libfaketime (scripts/test-dates) the test may have made a shared clock that
        // only root can open; another user's process reads the same offset from FAKETIME.
        cmd.uid(uid)
            .gid(gid)
            .env("HOME", "/")
            .env_remove("FAKETIME_SHARED");
    }
    cmd.env("LC_ALL", "C");
    cmd
}
