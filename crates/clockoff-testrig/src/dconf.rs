//! GSettings through a real dconf: dconf-service activated on the test's bus from its own
//! service dir, so writes land in the bus's isolated XDG_CONFIG_HOME, never the real home.
//! `gsettings` here is the test's own view of the settings, run with the same environment.

use super::CleanEnv;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::Missing;
use super::bus::DbusDaemon;
use super::process::find_program;

pub const DCONF_SERVICE: &str = "/usr/libexec/dconf-service";
pub const SCHEMA: &str = "org.gnome.desktop.notifications";
pub const KEY: &str = "show-banners";

#[derive(Debug)]
pub struct Dconf {
    gsettings: PathBuf,
    env: Vec<(String, String)>,
    home: PathBuf,
}

impl Dconf {
    /// Lets the bus start dconf-service on demand; `Missing` without dconf, gsettings, or
    /// GNOME's notification schema.
    pub fn install(bus: &DbusDaemon) -> Result<Self, Missing> {
        let service = find_program(DCONF_SERVICE)?;
        let gsettings = find_program("gsettings")?;
        let text = format!(
            "[D-BUS Service]\nName=ca.desrt.dconf\nExec={}\n",
            service.display()
        );
        std::fs::write(bus.service_dir().join("ca.desrt.dconf.service"), text)
            .expect("write ca.desrt.dconf.service");
        let dconf = Self {
            gsettings,
            env: bus.session_env(),
            home: bus.home(),
        };
        let schemas = dconf.gsettings(&["list-schemas"]);
        if !schemas.lines().any(|s| s == SCHEMA) {
            return Err(Missing(format!(
                "the {SCHEMA} schema (gsettings-desktop-schemas)"
            )));
        }
        Ok(dconf)
    }

    /// The environment a gsettings user on this bus needs: the bus and its isolated dirs.
    pub fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }

    pub fn show_banners(&self) -> bool {
        match self.gsettings(&["get", SCHEMA, KEY]).trim() {
            "true" => true,
            "false" => false,
            other => panic!("gsettings get {SCHEMA} {KEY} printed {other:?}"),
        }
    }

    /// Sets the key as the worker would (GNOME's Do Not Disturb switch is `false`).
    pub fn set_show_banners(&self, on: bool) {
        self.gsettings(&["set", SCHEMA, KEY, if on { "true" } else { "false" }]);
    }

    /// dconf's user database under the bus's isolated XDG_CONFIG_HOME.
    pub fn user_db(&self) -> PathBuf {
        self.home.join(".config/dconf/user")
    }

    /// Runs gsettings with only this bus's environment; panics if it fails.
    fn gsettings(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(&self.gsettings);
        cmd.clean_env().envs(self.env.iter().cloned()).args(args);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let output = run_with_deadline(cmd, &format!("gsettings {}", args.join(" ")));
        String::from_utf8_lossy(&output).into_owned()
    }
}

/// Runs `cmd` to completion within the deadline, returning its stdout.
fn run_with_deadline(mut cmd: Command, what: &str) -> Vec<u8> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(super::DEADLINE) {
        Ok(Ok(output)) if output.status.success() => output.stdout,
        Ok(Ok(output)) => panic!(
            "{what}: {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Ok(Err(e)) => panic!("{what}: {e}"),
        Err(_) => {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            panic!("{what}: did not finish in time")
        }
    }
}
