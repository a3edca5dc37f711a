//! A private systemd-journald: a journal namespace of the test's own (`systemd-journald
//! NAME`: sockets in /run/systemd/journal.NAME, files in /var/log/journal/MACHINE.NAME, both
//! removed on drop), a stream into it made as systemd makes a unit's stderr (the stdout
//! stream protocol's header, and `JOURNAL_STREAM` naming the socket), and the entries read
//! back with `journalctl --namespace=NAME -o json`. journald runs as root only, and on the
//! real clock.

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use super::{DEADLINE, Missing};
use crate::process::find_program;

const JOURNALD: &str = "/lib/systemd/systemd-journald";

pub struct Journald {
    name: String,
    daemon: Child,
}

impl Journald {
    pub fn start() -> Result<Self, Missing> {
        let journald = find_program(JOURNALD)?;
        find_program("journalctl")?;
        if !rustix::process::geteuid().is_root() {
            return Err(Missing("systemd-journald (it runs as root only)".into()));
        }
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("clockofftest{}x{n}", std::process::id());
        // On the real clock, as Chromium and sway are: under libfaketime journald refuses
        // every connection (seen with scripts/test-dates). Entries keep the real time.
        let daemon = Command::new(journald)
            .env_clear()
            .arg(&name)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting systemd-journald: {e}"));
        let journal = Self { name, daemon };
        let started = Instant::now();
        while !journal.socket().exists() {
            assert!(
                started.elapsed() < DEADLINE,
                "systemd-journald made no stdout socket"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Ok(journal)
    }

    fn socket(&self) -> PathBuf {
        PathBuf::from(format!("/run/systemd/journal.{}/stdout", self.name))
    }

    /// A stream whose lines become entries under `identifier`, as systemd connects a unit's
    /// stderr (priority prefixes such as `<4>` read), and the `JOURNAL_STREAM` value naming it.
    pub fn stream(&self, identifier: &str) -> (UnixStream, String) {
        let mut stream = UnixStream::connect(self.socket()).expect("connect to journald");
        // identifier, unit, default priority (info), level prefix on, no forwarding to
        // syslog, kmsg or console: the header systemd sends (sd-journal's stdout protocol).
        write!(stream, "{identifier}\n\n6\n1\n0\n0\n0\n").expect("stream header");
        let meta = std::fs::File::from(std::os::fd::OwnedFd::from(stream.try_clone().unwrap()))
            .metadata()
            .expect("fstat the stream");
        (stream, format!("{}:{}", meta.dev(), meta.ino()))
    }

    /// Every entry under `identifier`, as journalctl's JSON.
    pub fn entries(&self, identifier: &str) -> Vec<Value> {
        let out = Command::new("journalctl")
            .env_clear()
            .arg(format!("--namespace={}", self.name))
            .args(["-o", "json", "--no-pager"])
            .arg(format!("SYSLOG_IDENTIFIER={identifier}"))
            .output()
            .expect("run journalctl");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

impl Drop for Journald {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(format!("/run/systemd/journal.{}", self.name));
        if let Ok(id) = std::fs::read_to_string("/etc/machine-id") {
            let _ =
                std::fs::remove_dir_all(format!("/var/log/journal/{}.{}", id.trim(), self.name));
            let _ =
                std::fs::remove_dir_all(format!("/run/log/journal/{}.{}", id.trim(), self.name));
        }
    }
}
