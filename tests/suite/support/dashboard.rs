//! A real `clockoff-dashboard` (the workspace's binary) for the agent's tests: configured by
//! `dashboard.toml` in its directory, its data under `home/` there, on a free loopback port.

use std::path::Path;
use std::process::Command;

use super::CleanEnv;
use super::DEADLINE;
use super::agent::text;
use super::process::Peer;

/// `clockoff-dashboard ARGS --config DIR/dashboard.toml`, with its home in `DIR/home`.
pub fn dashboard(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(super::process::workspace_binary("clockoff-dashboard"));
    cmd.clean_env()
        .env("HOME", dir.join("home"))
        .args(args)
        .arg("--config")
        .arg(dir.join("dashboard.toml"));
    cmd
}

/// A new token, as `clockoff-dashboard token create` prints it.
pub fn token(dir: &Path, unit: &str, role: &str) -> String {
    let out = dashboard(dir, &["token", "create", "--unit", unit, "--role", role])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// Starts the dashboard on a free port; its address, from its log.
pub fn serve(dir: &Path) -> (Peer, String) {
    let log = dir.join("dashboard.log");
    let cmd = dashboard(dir, &["serve", "--listen", "127.0.0.1:0"]);
    let peer = Peer::spawn(cmd, "clockoff-dashboard", &log, false);
    let start = std::time::Instant::now();
    loop {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(at) = said.find("listening on http://") {
            let rest = &said[at + "listening on ".len()..];
            let url = rest.split_whitespace().next().unwrap().to_owned();
            return (peer, url);
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the dashboard did not start: {said}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
