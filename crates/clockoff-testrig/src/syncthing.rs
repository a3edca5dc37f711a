//! Real Syncthing instances on loopback: each generated fresh, its GUI/REST and its sync
//! listener on free 127.0.0.1 ports, with discovery, relays, NAT, usage and crash reporting
//! off, so nothing leaves the machine. Paired instances connect to each other directly.
//!
//! The rig talks to Syncthing with curl, not with the code under test, so a test's view of
//! what happened does not depend on the client it is testing.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::bus::isolate;
use super::process::{Peer, find_program, run};
use super::tmp::{TempDir, temp_dir};
use super::{DEADLINE, Missing};

#[derive(Debug)]
pub struct Syncthing {
    // Field order: the process is stopped before its home is removed.
    peer: Option<Peer>,
    program: PathBuf,
    gui_port: u16,
    listen_port: u16,
    api_key: String,
    device_id: String,
    dir: TempDir,
}

impl Syncthing {
    /// Generates and starts an instance, not yet waiting for it to answer (start several,
    /// then [`Syncthing::wait_ready`] each, so their start-ups overlap).
    pub fn start(label: &str) -> Result<Self, Missing> {
        find_program("curl")?;
        let program = find_program("syncthing")?;
        let dir = temp_dir(&format!("syncthing-{label}"));
        let (device_id, api_key) = generate(&program, &dir);
        let (gui_port, listen_port) = (free_port(), free_port());
        configure(&dir, gui_port, listen_port);
        let mut st = Self {
            peer: None,
            program,
            gui_port,
            listen_port,
            api_key,
            device_id,
            dir,
        };
        st.spawn(label);
        Ok(st)
    }

    /// Two instances on loopback, paired both ways and connected. The listen ports are
    /// picked free and then released, so a parallel test can take one in between; a pair
    /// that never connects is set up afresh once (this is the rig, not what is tested) and
    /// fails with both logs the second time.
    pub fn connected_pair() -> Result<(Self, Self), Missing> {
        let mut tries = 0;
        loop {
            let mut a = Self::start("a")?;
            let mut b = Self::start("b")?;
            a.wait_ready();
            b.wait_ready();
            a.add_device(&b);
            b.add_device(&a);
            if a.connected_within(b.device_id(), true, DEADLINE) {
                return Ok((a, b));
            }
            tries += 1;
            if tries == 2 {
                let log = std::fs::read_to_string(b.dir.path().join("syncthing.log"));
                eprintln!("syncthing b's log:\n{}", log.unwrap_or_default());
                a.wait_connected(b.device_id(), true);
            }
            eprintln!("the Syncthing pair did not connect; setting up a new pair");
        }
    }

    /// Whether the connection to `id` reaches `connected` within `limit`.
    fn connected_within(&self, id: &str, connected: bool, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.connection(id)["connected"].as_bool() == Some(connected) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Generates a device ID that no running instance has: a peer that is configured but
    /// never online, as a worker's phone often is.
    pub fn offline_device_id() -> Result<String, Missing> {
        let program = find_program("syncthing")?;
        let dir = temp_dir("syncthing-offline");
        Ok(generate(&program, &dir).0)
    }

    fn spawn(&mut self, label: &str) {
        let mut cmd = Command::new(&self.program);
        cmd.arg("serve")
            .arg(format!("--home={}", self.home().display()))
            .args(["--no-browser", "--no-restart", "--no-default-folder"]);
        isolate(&mut cmd, &self.dir);
        cmd.env("STNOUPGRADE", "1");
        // Even with --no-restart, `serve` runs a monitor that forks the real instance, and
        // killing the monitor (as a dropped Peer does) orphans it. This is the variable the
        // monitor sets for its child: with it, there is only the one process.
        cmd.env("STMONITORED", "1");
        let log = self.dir.path().join("syncthing.log");
        self.peer = Some(Peer::spawn(cmd, &format!("syncthing {label}"), &log, false));
    }

    /// Waits until the REST API answers.
    pub fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            self.peer().check_running();
            if self.try_get("/rest/system/ping").is_some() {
                return;
            }
            if start.elapsed() > DEADLINE {
                self.peer().fail("did not answer on its REST API in time");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn peer(&mut self) -> &mut Peer {
        self.peer.as_mut().expect("syncthing is running")
    }

    /// Stops the instance (SIGTERM, clean exit), leaving its home in place.
    pub fn stop(&mut self) {
        if let Some(peer) = self.peer.take() {
            peer.terminate();
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn config_xml(&self) -> PathBuf {
        self.home().join("config.xml")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.gui_port)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Adds `other` as a remote device at its loopback listener, as the GUI's "Add Remote
    /// Device" does.
    pub fn add_device(&self, other: &Syncthing) {
        self.add_device_id(&other.device_id, Some(other.listen_port));
    }

    /// Adds a device by ID; with no port it is never reachable.
    pub fn add_device_id(&self, id: &str, port: Option<u16>) {
        let addresses = match port {
            Some(port) => vec![format!("tcp://127.0.0.1:{port}")],
            None => vec![],
        };
        let body = serde_json::json!({ "deviceID": id, "name": &id[..7], "addresses": addresses });
        self.curl("POST", "/rest/config/devices", Some(&body.to_string()));
    }

    /// Pauses a device as the worker would in the GUI.
    pub fn pause(&self, id: &str) {
        self.curl("POST", &format!("/rest/system/pause?device={id}"), None);
    }

    pub fn resume(&self, id: &str) {
        self.curl("POST", &format!("/rest/system/resume?device={id}"), None);
    }

    /// The next `DevicePaused` event after event `since`: its id and its time as Syncthing
    /// stamped it (RFC 3339). Waits up to the deadline. (The default subscription is read:
    /// one filtered by type only buffers events from its own creation on.)
    pub fn next_pause_event(&self, mut since: u64) -> (u64, String) {
        let start = Instant::now();
        loop {
            let events = self.get(&format!("/rest/events?since={since}&timeout=2"));
            for event in events.as_array().into_iter().flatten() {
                let id = event["id"].as_u64().expect("event id");
                since = since.max(id);
                if event["type"] == "DevicePaused" {
                    return (id, event["time"].as_str().expect("event time").to_string());
                }
            }
            assert!(start.elapsed() < DEADLINE, "no DevicePaused event in time");
        }
    }

    /// The id of the latest event, to wait for what comes after.
    pub fn last_event_id(&self) -> u64 {
        let events = self.get("/rest/events?limit=1&timeout=0");
        events
            .as_array()
            .and_then(|e| e.last())
            .and_then(|e| e["id"].as_u64())
            .unwrap_or(0)
    }

    /// The device's `paused` in Syncthing's config.
    pub fn paused(&self, id: &str) -> bool {
        let device = self.get(&format!("/rest/config/devices/{id}"));
        device["paused"]
            .as_bool()
            .unwrap_or_else(|| panic!("no paused flag for {id}: {device}"))
    }

    /// The device's entry in `/rest/system/connections`.
    pub fn connection(&self, id: &str) -> Value {
        self.get("/rest/system/connections")["connections"][id].clone()
    }

    /// Waits until the connection to `id` is up (`true`) or down (`false`).
    pub fn wait_connected(&self, id: &str, connected: bool) {
        let start = Instant::now();
        loop {
            let conn = self.connection(id);
            if conn["connected"].as_bool() == Some(connected) {
                return;
            }
            if start.elapsed() > DEADLINE {
                let log = std::fs::read_to_string(self.dir.path().join("syncthing.log"));
                panic!(
                    "connection to {id} not {} in time: {conn}\nlog:\n{}",
                    if connected { "up" } else { "down" },
                    log.unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn get(&self, path: &str) -> Value {
        let text = self.curl("GET", path, None);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    fn try_get(&self, path: &str) -> Option<String> {
        let out = self.curl_cmd("GET", path, None).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn curl(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let out = self
            .curl_cmd(method, path, body)
            .output()
            .unwrap_or_else(|e| panic!("curl {method} {path}: {e}"));
        if !out.status.success() {
            panic!(
                "curl {method} {path}: {}: {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn curl_cmd(&self, method: &str, path: &str, body: Option<&str>) -> Command {
        let mut cmd = Command::new("curl");
        cmd.args([
            "--silent",
            "--show-error",
            "--fail-with-body",
            "--noproxy",
            "*",
        ])
        .args(["--max-time", "5", "-X", method])
        .args(["-H", &format!("X-API-Key: {}", self.api_key)])
        .arg(format!("{}{path}", self.url()))
        .stdin(Stdio::null());
        if let Some(body) = body {
            cmd.args(["-H", "Content-Type: application/json", "--data", body]);
        }
        cmd
    }
}

/// `syncthing generate` into `dir/home`: the new device ID and API key.
fn generate(program: &PathBuf, dir: &TempDir) -> (String, String) {
    let home = dir.path().join("home");
    let mut cmd = Command::new(program);
    cmd.arg("generate")
        .arg(format!("--home={}", home.display()))
        .arg("--no-default-folder");
    isolate(&mut cmd, dir);
    run(&mut cmd, "syncthing generate");
    let config = std::fs::read_to_string(home.join("config.xml")).expect("read config.xml");
    let between = |start: &str, end: &str| {
        let (_, rest) = config.split_once(start).expect(start);
        rest.split_once(end).expect(end).0.to_string()
    };
    (
        between("<device id=\"", "\""),
        between("<apikey>", "</apikey>"),
    )
}

/// Loopback only, and nothing that reaches out: no discovery, relays, NAT, upgrades, usage
/// or crash reports. A short reconnection interval so a resumed device comes back quickly.
fn configure(dir: &TempDir, gui_port: u16, listen_port: u16) {
    let path = dir.path().join("home/config.xml");
    let mut text = std::fs::read_to_string(&path).expect("read config.xml");
    let edits = [
        (
            "<address>127.0.0.1:8384</address>",
            format!("<address>127.0.0.1:{gui_port}</address>"),
        ),
        (
            "<listenAddress>default</listenAddress>",
            format!("<listenAddress>tcp://127.0.0.1:{listen_port}</listenAddress>"),
        ),
        (
            "<globalAnnounceEnabled>true</globalAnnounceEnabled>",
            "<globalAnnounceEnabled>false</globalAnnounceEnabled>".into(),
        ),
        (
            "<localAnnounceEnabled>true</localAnnounceEnabled>",
            "<localAnnounceEnabled>false</localAnnounceEnabled>".into(),
        ),
        (
            "<relaysEnabled>true</relaysEnabled>",
            "<relaysEnabled>false</relaysEnabled>".into(),
        ),
        (
            "<natEnabled>true</natEnabled>",
            "<natEnabled>false</natEnabled>".into(),
        ),
        (
            "<urAccepted>0</urAccepted>",
            "<urAccepted>-1</urAccepted>".into(),
        ),
        (
            "<crashReportingEnabled>true</crashReportingEnabled>",
            "<crashReportingEnabled>false</crashReportingEnabled>".into(),
        ),
        (
            "<autoUpgradeIntervalH>12</autoUpgradeIntervalH>",
            "<autoUpgradeIntervalH>0</autoUpgradeIntervalH>".into(),
        ),
        (
            "<reconnectionIntervalS>60</reconnectionIntervalS>",
            "<reconnectionIntervalS>1</reconnectionIntervalS>".into(),
        ),
        (
            "<stunKeepaliveStartS>180</stunKeepaliveStartS>",
            "<stunKeepaliveStartS>0</stunKeepaliveStartS>".into(),
        ),
    ];
    for (from, to) in edits {
        assert!(text.contains(from), "config.xml has no {from}:\n{text}");
        text = text.replace(from, &to);
    }
    std::fs::write(&path, text).expect("write config.xml");
}

/// A port nothing listens on right now (the kernel's pick, released for the peer to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
