//! A worker's home of the test's own, and `clockoff` run in it on a fixed Wednesday: the
//! commands that edit the config and read calendars (`setup`, `leave`, `oncall`,
//! `calendar`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Output};

use super::CleanEnv;
use super::tmp::{TempDir, temp_dir};

/// Wednesday 9 December 2026, 10:00 in London: the commands' "now".
pub const NOW: &str = "2026-12-09T10:00:00Z";

pub struct Home {
    pub dir: TempDir,
}

impl Home {
    /// A home whose `~/.config/clockoff/config.toml` is `config`.
    pub fn new(label: &str, config: &str) -> Self {
        let home = Self {
            dir: temp_dir(label),
        };
        std::fs::create_dir_all(home.config().parent().unwrap()).unwrap();
        std::fs::write(home.config(), config).unwrap();
        home
    }

    /// A fresh account: no config file, no folder for it.
    pub fn empty(label: &str) -> Self {
        Self {
            dir: temp_dir(label),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join(".config/clockoff/config.toml")
    }

    /// The organisation policy's path (absent unless a test writes it).
    pub fn policy(&self) -> PathBuf {
        self.dir.path().join("policy.toml")
    }

    /// What `clockoff` runs with here: this home, its own policy path, London's zone, and
    /// [`NOW`] ("today" and "Fri 17:00" are read from a fixed Wednesday, not the day the
    /// suite runs).
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("HOME", self.dir.path().into()),
            ("CLOCKOFF_POLICY", self.policy().into()),
            ("TZ", "Europe/London".into()),
            (clockoff::core::clock::TEST_NOW_ENV, NOW.into()),
        ]
    }

    /// `clockoff args` run with [`Home::env`].
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_clockoff"))
            .clean_env()
            .envs(self.env())
            .args(args)
            .output()
            .expect("run clockoff")
    }

    /// The command's stdout; it must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", said(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the command said; it must exit 2 and leave the config as it was.
    pub fn refused(&self, args: &[&str]) -> String {
        let before = std::fs::read_to_string(self.config()).unwrap();
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", said(&out));
        assert_eq!(
            std::fs::read_to_string(self.config()).unwrap(),
            before,
            "{args:?} wrote"
        );
        said(&out)
    }

    /// The schedule's state at an RFC 3339 instant.
    pub fn state_at(&self, instant: &str) -> String {
        let at = self.ok(&["schedule", "at", instant]);
        let json: serde_json::Value = serde_json::from_str(&at).unwrap();
        json["state"].as_str().unwrap().to_string()
    }
}

/// stdout then stderr.
pub fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
