//! The real `clockoff` binary against a rig's private buses: its config file, its commands,
//! `clockoff run` as a peer, and its status read over the bus.

use super::CleanEnv;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use clockoff::agent::bus::AgentProxy;
use serde_json::Value;

use super::bus::DbusDaemon;
use super::process::Peer;

/// The session id the rig's logind (when there is one) knows the agent's session by.
pub const SESSION: &str = "c1";

pub struct Clockoff {
    /// The session bus's address and isolated HOME/XDG dirs, plus whatever else the rig
    /// adds (DISPLAY, the system bus).
    env: Vec<(String, String)>,
    bus_address: String,
    home: PathBuf,
    dir: PathBuf,
}

impl Clockoff {
    /// Runs clockoff on `bus` with `env` added, its config and logs in `dir`.
    pub fn new(bus: &DbusDaemon, env: Vec<(String, String)>, dir: &Path) -> Self {
        let mut all = bus.session_env();
        all.extend(env);
        Self {
            env: all,
            bus_address: bus.address().to_string(),
            home: bus.home(),
            dir: dir.to_path_buf(),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// Replaces the config file as editors do: written aside, then renamed over.
    pub fn write_config(&self, text: &str) {
        let aside = self.dir.join("config.toml.new");
        std::fs::write(&aside, text).unwrap();
        std::fs::rename(aside, self.config_path()).unwrap();
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.home.join(".local/share/clockoff/ledger.sqlite3")
    }

    pub fn log_path(&self, log: &str) -> PathBuf {
        self.dir.join(log)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(Path::new(env!("CARGO_BIN_EXE_clockoff")), args)
    }

    /// [`Clockoff::command`] of another copy of the program.
    pub fn command_of(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.clean_env()
            .envs(self.env.iter().cloned())
            .env("PATH", self.path())
            .env("XDG_SESSION_ID", SESSION)
            .env("TZ", "Europe/London")
            .env("CLOCKOFF_POLICY", self.dir.join("no-policy.toml"))
            .arg("--config")
            .arg(self.config_path())
            .args(args);
        cmd
    }

    /// The rig's PATH if it set one (a test's fake programs first), else the test's own.
    fn path(&self) -> std::ffi::OsString {
        self.env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.into())
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default()
    }

    pub fn clockoff(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run clockoff")
    }

    /// Starts `clockoff run` (logging to `log` in the rig's directory) and waits until it
    /// owns its bus name.
    pub async fn agent(&self, bus: &DbusDaemon, log: &str) -> Peer {
        let mut agent = Peer::spawn(
            self.command(&["run"]),
            "clockoff run",
            &self.log_path(log),
            false,
        );
        bus.wait_for_name("org.clockoff.Agent1", &mut agent).await;
        agent
    }

    /// The status as `clockoff status --json` prints it.
    pub fn cli_status(&self) -> Value {
        let out = self.clockoff(&["status", "--json"]);
        assert!(out.status.success(), "status: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("status is JSON")
    }

    /// The same status straight from the bus: quick enough to time the agent by.
    pub fn status(&self) -> Value {
        let json = wait(async {
            let conn = zbus::connection::Builder::address(self.bus_address.as_str())
                .expect("bus address")
                .build()
                .await
                .expect("connect");
            let agent = AgentProxy::new(&conn).await.expect("agent proxy");
            agent.status().await.expect("Status")
        });
        serde_json::from_str(&json).expect("status is JSON")
    }

    /// Polls the agent's status until `done` holds. A failure shows the last status and
    /// the end of each log in the rig's directory (the agent's says why a source failed).
    pub fn wait_status(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        super::eventually_blocking(what, || {
            let status = self.status();
            if done(&status) {
                Ok(status)
            } else {
                Err(format!("{status}\n{}", self.log_tails()))
            }
        })
    }

    /// The last lines of every `.log` in the rig's directory.
    fn log_tails(&self) -> String {
        let mut tails = String::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return tails;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(30)..].join("\n");
                tails.push_str(&format!("--- {}:\n{tail}\n", path.display()));
            }
        }
        tails
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn now() -> DateTime<Utc> {
    #[allow(clippy::disallowed_methods)] // the test stands outside the agent, on real time
    Utc::now()
}

/// Runs a rig call from synchronous test code (inside a multi-threaded test runtime).
pub fn wait<F: Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}
