//! The sync holders against real peers: Syncthing instances paired on loopback, dbusmock's
//! systemd user manager on a private session bus, and real shell commands. Every wait has a
//! deadline; nothing here asserts how long anything took.

use crate::support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clockoff::config::quiet::SyncSpec;
use clockoff::hold::{Holder, Undo};
use clockoff::sync::command::{Commands, LOG_PREFIX};
use clockoff::sync::holder;
use serde_json::json;

use support::{DEADLINE, DbusDaemon, Syncthing, SystemdMock, or_skip};

/// The requests' helper, as the agent runs it: `clockoff fetch` from this build.
fn helper() -> std::sync::Arc<clockoff::fetch::Helper> {
    std::sync::Arc::new(clockoff::fetch::Helper::at(
        support::process::workspace_binary("clockoff"),
    ))
}

/// A session bus for `holder`; only the systemd holder uses it.
async fn session() -> Option<(DbusDaemon, zbus::Connection)> {
    let bus = or_skip(DbusDaemon::start())?;
    let conn = bus.connect().await;
    Some((bus, conn))
}

fn syncthing_spec(st: &Syncthing, api_key: Option<&str>, devices: &[&str]) -> SyncSpec {
    SyncSpec::Syncthing {
        url: st.url(),
        api_key: api_key.map(str::to_string),
        config_xml: Some(st.config_xml()),
        devices: devices.iter().map(|d| d.to_string()).collect(),
    }
}

/// Two instances paired both ways and connected, plus a third device `a` knows of that is
/// never online (a phone left at the office).
fn paired() -> Option<(Syncthing, Syncthing, String)> {
    let (a, b) = or_skip(Syncthing::connected_pair())?;
    let offline = or_skip(Syncthing::offline_device_id())?;
    a.add_device_id(&offline, None);
    Some((a, b, offline))
}

async fn hold(h: &dyn Holder) -> Undo {
    match tokio::time::timeout(DEADLINE, h.hold()).await {
        Ok(Ok(undo)) => undo,
        Ok(Err(e)) => panic!("hold {}: {e}", h.name()),
        Err(_) => panic!("hold {}: no answer", h.name()),
    }
}

async fn release(h: &dyn Holder, undo: &Undo) {
    match tokio::time::timeout(DEADLINE, h.release(undo)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("release {}: {e}", h.name()),
        Err(_) => panic!("release {}: no answer", h.name()),
    }
}

async fn hold_error(h: &dyn Holder) -> String {
    match tokio::time::timeout(DEADLINE, h.hold()).await {
        Ok(Ok(undo)) => panic!("hold {} succeeded: {undo:?}", h.name()),
        Ok(Err(e)) => e.0,
        Err(_) => panic!("hold {}: no answer", h.name()),
    }
}

// ---- Syncthing

/// The whole cycle against a real connection: the key from config.xml, the drop, the
/// second hold changing nothing, the return.
#[tokio::test]
async fn syncthing_hold_drops_the_connection_and_release_restores_it() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let Some((a, b, offline)) = paired() else {
        return;
    };
    let spec = syncthing_spec(&a, None, &[]);
    let h = holder(&spec, &conn, helper());
    assert_eq!(
        h.name(),
        spec.describe(),
        "the name the ledger knows the hold by"
    );

    let undo = hold(&*h).await;
    let mut want = [b.device_id().to_string(), offline.clone()];
    want.sort(); // recorded in order, whatever order Syncthing lists them in
    assert_eq!(
        undo.0,
        json!({ "paused": want }),
        "every remote device, not our own"
    );
    assert!(a.paused(b.device_id()) && a.paused(&offline));
    a.wait_connected(b.device_id(), false);
    assert_eq!(a.connection(b.device_id())["paused"], json!(true));
    b.wait_connected(a.device_id(), false);

    assert_eq!(hold(&*h).await, Undo::NOTHING, "already held: nothing more");
    release(&*h, &Undo::NOTHING).await;
    assert!(a.paused(b.device_id()), "releasing nothing resumes nothing");

    release(&*h, &undo).await;
    assert!(!a.paused(b.device_id()) && !a.paused(&offline));
    a.wait_connected(b.device_id(), true);
    b.wait_connected(a.device_id(), true);
}

/// A device the worker paused before quiet hours is not ours to resume.
#[tokio::test]
async fn syncthing_device_the_worker_paused_stays_paused() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let Some((a, b, offline)) = paired() else {
        return;
    };
    a.pause(b.device_id());
    a.wait_connected(b.device_id(), false);
    // The configured key this time, rather than config.xml's.
    let h = holder(&syncthing_spec(&a, Some(a.api_key()), &[]), &conn, helper());

    let undo = hold(&*h).await;
    assert_eq!(undo.0, json!({ "paused": [offline] }));
    release(&*h, &undo).await;

    assert!(!a.paused(&offline), "the device we paused is resumed");
    assert!(a.paused(b.device_id()), "the worker's pause is left alone");
    assert_eq!(a.connection(b.device_id())["connected"], json!(false));
}

/// `devices` limits the hold to those listed (written in any case, with or without
/// dashes); a listed device Syncthing does not have is an error before anything is paused.
#[tokio::test]
async fn syncthing_only_listed_devices_are_paused() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let Some(mut a) = or_skip(Syncthing::start("a")) else {
        return;
    };
    let (Some(laptop), Some(phone)) = (
        or_skip(Syncthing::offline_device_id()),
        or_skip(Syncthing::offline_device_id()),
    ) else {
        return;
    };
    a.wait_ready();
    a.add_device_id(&laptop, None);
    a.add_device_id(&phone, None);

    let unknown = or_skip(Syncthing::offline_device_id()).expect("syncthing was found above");
    let h = holder(
        &syncthing_spec(&a, None, &[&phone, &unknown]),
        &conn,
        helper(),
    );
    let e = hold_error(&*h).await;
    assert!(
        e.contains(&format!("has no remote device {unknown}")),
        "{e}"
    );
    assert!(!a.paused(&phone), "nothing paused when the list is wrong");

    let spelt = phone.replace('-', "").to_lowercase();
    let spec = syncthing_spec(&a, None, &[&spelt]);
    let h = holder(&spec, &conn, helper());
    assert_eq!(h.name(), spec.describe());
    let undo = hold(&*h).await;
    assert_eq!(undo.0, json!({ "paused": [phone] }));
    assert!(a.paused(&phone) && !a.paused(&laptop));
    release(&*h, &undo).await;
    assert!(!a.paused(&phone));
}

/// A wrong key and a stopped Syncthing are errors a worker can act on.
#[tokio::test]
async fn syncthing_wrong_key_and_stopped_syncthing_are_clear_errors() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let Some(mut a) = or_skip(Syncthing::start("a")) else {
        return;
    };
    a.wait_ready();

    let wrong = holder(
        &syncthing_spec(&a, Some("not-the-key"), &[]),
        &conn,
        helper(),
    );
    let e = hold_error(&*wrong).await;
    assert_eq!(
        e,
        format!(
            "Syncthing at {} refused the API key (the configured api_key)",
            a.url()
        )
    );
    let undo = Undo(json!({ "paused": [a.device_id()] }));
    let e = wrong
        .release(&undo)
        .await
        .expect_err("release with a wrong key");
    assert!(e.0.contains("refused the API key"), "{e}");

    let no_file = SyncSpec::Syncthing {
        url: a.url(),
        api_key: None,
        config_xml: Some(a.home().join("missing.xml")),
        devices: vec![],
    };
    let e = hold_error(&*holder(&no_file, &conn, helper())).await;
    assert!(e.contains("missing.xml"), "{e}");

    a.stop();
    let right = holder(&syncthing_spec(&a, None, &[]), &conn, helper());
    let e = hold_error(&*right).await;
    assert_eq!(e, format!("Syncthing is not answering at {}", a.url()));
}

/// Something that accepts connections and never answers: the request gives up.
#[tokio::test]
async fn syncthing_that_hangs_times_out() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    // The kernel completes the handshake into the backlog; nobody ever reads the request.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let spec = SyncSpec::Syncthing {
        url: url.clone(),
        api_key: Some("k".into()),
        config_xml: None,
        devices: vec![],
    };
    let e = hold_error(&*holder(&spec, &conn, helper())).await;
    assert_eq!(e, format!("Syncthing at {url} did not answer within 5 s"));
}

// ---- systemd user units

const UNIT: &str = "rclone-sync.service";

#[tokio::test]
async fn systemd_running_unit_is_stopped_then_started_again() {
    let Some((bus, conn)) = session().await else {
        return;
    };
    let Some(systemd) = or_skip(SystemdMock::start(&bus).await) else {
        return;
    };
    systemd.add_unit(UNIT).await;
    systemd.start_unit(UNIT).await;
    let spec = SyncSpec::Systemd {
        unit: UNIT.to_string(),
    };
    let h = holder(&spec, &conn, helper());
    assert_eq!(h.name(), spec.describe());

    let undo = hold(&*h).await;
    assert_eq!(undo.0, json!({ "stopped": UNIT }));
    assert_eq!(systemd.active_state(UNIT).await, "inactive");
    assert_eq!(hold(&*h).await, Undo::NOTHING, "stopped already");
    release(&*h, &Undo::NOTHING).await;
    assert_eq!(systemd.active_state(UNIT).await, "inactive");

    release(&*h, &undo).await;
    assert_eq!(systemd.active_state(UNIT).await, "active");
}

/// A unit the worker had not started is not started by the release either.
#[tokio::test]
async fn systemd_stopped_unit_is_left_alone() {
    let Some((bus, conn)) = session().await else {
        return;
    };
    let Some(systemd) = or_skip(SystemdMock::start(&bus).await) else {
        return;
    };
    systemd.add_unit(UNIT).await;
    let h = holder(
        &SyncSpec::Systemd {
            unit: UNIT.to_string(),
        },
        &conn,
        helper(),
    );
    let undo = hold(&*h).await;
    assert_eq!(undo, Undo::NOTHING);
    release(&*h, &undo).await;
    assert_eq!(systemd.active_state(UNIT).await, "inactive");
}

#[tokio::test]
async fn systemd_errors_name_the_unit() {
    let Some((bus, conn)) = session().await else {
        return;
    };
    let spec = SyncSpec::Systemd {
        unit: UNIT.to_string(),
    };
    let e = hold_error(&*holder(&spec, &conn, helper())).await;
    assert_eq!(
        e,
        format!("{UNIT}: no systemd user manager on the session bus (org.freedesktop.systemd1)")
    );

    let Some(_systemd) = or_skip(SystemdMock::start(&bus).await) else {
        return;
    };
    // The mock answers an unknown unit with a KeyError where systemd says NoSuchUnit.
    let e = hold_error(&*holder(&spec, &conn, helper())).await;
    assert!(e.starts_with(&format!("{UNIT}: systemd GetUnit: ")), "{e}");
}

// ---- commands

/// Lines a command logged, collected instead of going to stderr.
fn collecting() -> (Arc<Mutex<Vec<String>>>, clockoff::sync::command::Log) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string()));
    (lines, log)
}

fn command_spec(on_hold: &str, on_release: &str) -> SyncSpec {
    SyncSpec::Command {
        on_hold: on_hold.into(),
        on_release: on_release.into(),
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn command_runs_and_its_output_is_logged() {
    let dir = support::tmp::temp_dir("sync-command");
    let d = dir.path().display();
    let (lines, log) = collecting();
    let h = Commands::new(
        &format!("echo pausing; echo 'from stderr' >&2; touch {d}/held"),
        &format!("echo resuming; touch {d}/released"),
        Duration::from_secs(10),
    )
    .with_log(log);

    let undo = hold(&h).await;
    assert!(undo.changed_something());
    assert!(dir.path().join("held").exists());
    assert!(!dir.path().join("released").exists());
    release(&h, &undo).await;
    assert!(dir.path().join("released").exists());

    let mut logged = lines.lock().unwrap().clone();
    logged.sort(); // stdout and stderr are read side by side
    assert_eq!(
        logged,
        [
            format!("{LOG_PREFIX}from stderr"),
            format!("{LOG_PREFIX}pausing"),
            format!("{LOG_PREFIX}resuming"),
        ]
    );
}

#[tokio::test]
async fn command_output_is_bounded() {
    let (lines, log) = collecting();
    let long = "x".repeat(1000);
    let h = Commands::new(
        &format!("echo {long}; seq 2 100"),
        "true",
        Duration::from_secs(10),
    )
    .with_log(log);
    hold(&h).await;
    let logged = lines.lock().unwrap().clone();
    assert_eq!(logged.len(), 41, "{logged:?}");
    assert_eq!(logged[0], format!("{LOG_PREFIX}{}", "x".repeat(300)));
    assert_eq!(logged[39], format!("{LOG_PREFIX}40"));
    assert_eq!(logged[40], format!("{LOG_PREFIX}(60 more lines not shown)"));
}

#[tokio::test]
async fn command_failure_is_an_error_with_status_and_last_stderr_line() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let h = holder(
        &command_spec(
            "echo starting >&2; echo 'rclone: no network' >&2; echo done; exit 3",
            "true",
        ),
        &conn,
        helper(),
    );
    let e = hold_error(&*h).await;
    assert_eq!(e, "on_hold failed (exit status: 3): rclone: no network");
}

/// A command that hangs is killed at its timeout with the processes it started, even ones
/// that ignore SIGTERM.
#[tokio::test]
async fn command_that_hangs_is_killed_with_its_children() {
    let dir = support::tmp::temp_dir("sync-command");
    let pids = dir.path().join("pids");
    let (_lines, log) = collecting();
    let script = format!(
        "sh -c 'trap \"\" TERM; sleep 300' & echo $! > {p}; sleep 300 & echo $! >> {p}; wait",
        p = pids.display()
    );
    let h = Commands::new(&script, "true", Duration::from_secs(1)).with_log(log);
    let e = hold_error(&h).await;
    assert_eq!(
        e,
        "on_hold did not finish within 1 s and was killed, with everything it started"
    );
    let text = std::fs::read_to_string(&pids).expect("the command wrote its children's pids");
    let children: Vec<&str> = text.lines().collect();
    assert_eq!(children.len(), 2, "{text}");
    for pid in children {
        wait_until_gone(pid);
    }
}

/// Whether process `pid` is running (not gone, and not a zombie its new parent has yet to
/// reap).
fn alive(pid: &str) -> bool {
    let stat = Path::new("/proc").join(pid).join("stat");
    std::fs::read_to_string(stat).is_ok_and(|s| {
        // The state follows the parenthesised command name.
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

fn wait_until_gone(pid: &str) {
    support::eventually_blocking(&format!("process {pid} to end"), || !alive(pid));
}

#[tokio::test]
async fn command_on_release_runs_only_after_on_hold() {
    let Some((_bus, conn)) = session().await else {
        return;
    };
    let dir = support::tmp::temp_dir("sync-command");
    let released = dir.path().join("released");
    let spec = command_spec("true", &format!("echo x >> {}", released.display()));
    let h = holder(&spec, &conn, helper());
    assert_eq!(h.name(), spec.describe());
    release(&*h, &Undo::NOTHING).await;
    assert!(!released.exists(), "no on_hold ran, so no on_release");

    let undo = hold(&*h).await;
    release(&*h, &undo).await;
    assert_eq!(std::fs::read_to_string(&released).unwrap(), "x\n");
}

/// A command may start something that outlives it (an on_release that restarts a sync
/// daemon): once the shell exits the run is over, even though that process still holds the
/// output pipe open, and it is left running.
#[tokio::test]
async fn command_background_process_is_left_running() {
    let dir = support::tmp::temp_dir("sync-command");
    let pid_file = dir.path().join("pid");
    let (_lines, log) = collecting();
    let script = format!("sleep 300 & echo $! > {}", pid_file.display());
    let h = Commands::new(&script, "true", Duration::from_secs(60)).with_log(log);
    hold(&h).await;
    let pid = std::fs::read_to_string(&pid_file).expect("pid written");
    let pid = pid.trim();
    let running = alive(pid);
    // Ours to clean up: the holder rightly left it running.
    if let Some(p) = pid.parse().ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
    assert!(running, "the background process was killed");
}

/// The agent may give up on a hold midway (shutdown, its own timeout): dropping the future
/// kills the command and everything it started.
#[tokio::test]
async fn command_abandoned_midway_is_killed_with_its_children() {
    let dir = support::tmp::temp_dir("sync-command");
    let pid_file = dir.path().join("pid");
    let (_lines, log) = collecting();
    let script = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
    let h = Commands::new(&script, "true", Duration::from_secs(60)).with_log(log);
    let started = async {
        support::eventually("the command to start", async || {
            // Whole once the newline is there.
            let pid = std::fs::read_to_string(&pid_file).ok()?;
            pid.ends_with('\n').then(|| pid.trim().to_string())
        })
        .await
    };
    let pid = tokio::select! {
        result = h.hold() => panic!("the hold finished: {result:?}"),
        pid = started => pid,
    };
    wait_until_gone(&pid);
}
