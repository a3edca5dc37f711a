//! Quiet hours, measured: how long after a schedule boundary the agent has paused dunst and
//! Syncthing, beside a reference measured in the same run, and what the held-notification
//! monitor adds to the idle agent. Run with `scripts/bench-quiet` (or `cargo bench --bench quiet`).
//!
//! Boundaries are the ends of short overrides on an always-off schedule with no grace, so
//! each is a real schedule change the agent sleeps until. The time the pause happened is
//! when the bus carried the agent's `Set(paused = true)` to dunst, seen by a D-Bus monitor
//! (no polling); Syncthing's pause is when Syncthing stamped its `DevicePaused` event. The
//! reference is a bare tokio + zbus process that sleeps until the same boundary and makes the
//! same calls: the Set to a stand-in object this bench serves, and a plain HTTP pause to the
//! other Syncthing instance. It is the floor for "wake at an instant and make one call" on
//! this machine, at this moment.

#[path = "../tests/suite/support/mod.rs"]
#[allow(dead_code)] // the bench uses a part of it
mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use clockoff::agent::bus::AgentProxy;
use futures_util::StreamExt;
use support::agent::Clockoff;
use support::tmp::temp_dir;
use support::{DbusDaemon, Dunst, Syncthing, Xvfb};
use tokio::sync::mpsc;

const REFERENCE_NAME: &str = "org.clockoff.BenchTarget";
const DUNST_PATH: &str = "/org/freedesktop/Notifications";
const DUNST_INTERFACE: &str = "org.dunstproject.cmd0";
/// Nobody at the laptop (idle after 1 s with no input), or the agent would wake each minute
/// to checkpoint the active stretch, by design.
const ALWAYS_OFF: &str = "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
[activity]\nsource = \"x11\"\nidle_after = \"1s\"\n[quiet]\ngrace = \"0s\"\n";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The reference, started as its own process:
    // `quiet --reference <unix ms> <syncthing address> <api key> <device>`.
    if let Some(i) = args.iter().position(|a| a == "--reference") {
        let at: u64 = args[i + 1].parse().expect("unix ms");
        return reference(at, &args[i + 2], &args[i + 3], &args[i + 4]);
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks; there is nothing to list.
    }
    let rounds: usize = env_number("BENCH_ROUNDS", 20);
    let idle: u64 = env_number("BENCH_IDLE_SECONDS", 60);
    let settle: u64 = env_number("BENCH_SETTLE_SECONDS", 30);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench(
            rounds,
            Duration::from_secs(idle),
            Duration::from_secs(settle),
        ));
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bare reference: a current-thread runtime and one session connection sleep until the
/// instant, then make one property Set and, at the same time, one plain HTTP/1.1 pause
/// request to the other Syncthing (a fresh connection, as after an evening's quiet).
fn reference(at_ms: u64, syncthing: &str, api_key: &str, device: &str) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let conn = zbus::Connection::session().await.expect("session bus");
            let target = zbus::Proxy::new(&conn, REFERENCE_NAME, DUNST_PATH, DUNST_INTERFACE)
                .await
                .expect("proxy");
            let wait = Duration::from_millis(at_ms).saturating_sub(since_epoch());
            tokio::time::sleep(wait).await;
            let set = async { target.set_property("paused", true).await.expect("Set") };
            tokio::join!(set, http_pause(syncthing, api_key, device));
        });
}

async fn http_pause(address: &str, api_key: &str, device: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "POST /rest/system/pause?device={device} HTTP/1.1\r\nHost: {address}\r\n\
         X-API-Key: {api_key}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("reply");
    assert!(reply.starts_with(b"HTTP/1.1 200"), "pause refused");
}

/// The bench stands outside the agent, on real time.
#[allow(clippy::disallowed_methods)]
fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

/// Stands in for dunst's pause property, for the reference to set.
struct Target;

#[zbus::interface(name = "org.dunstproject.cmd0")]
impl Target {
    #[zbus(property, name = "paused")]
    fn paused(&self) -> bool {
        false
    }

    #[zbus(property, name = "paused")]
    fn set_paused(&mut self, _paused: bool) {}
}

/// Reports (destination, when) for every `Set(org.dunstproject.cmd0, paused, true)` call.
async fn watch_pauses(bus: &DbusDaemon, seen: mpsc::UnboundedSender<(String, Duration)>) {
    let conn = bus.connect().await;
    let mut stream = zbus::MessageStream::from(&conn);
    conn.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus.Monitoring"),
        "BecomeMonitor",
        &(
            &["type='method_call',interface='org.freedesktop.DBus.Properties',member='Set'"][..],
            0u32,
        ),
    )
    .await
    .expect("BecomeMonitor");
    tokio::spawn(async move {
        let _conn = conn;
        while let Some(Ok(msg)) = stream.next().await {
            let at = since_epoch();
            let body = msg.body();
            let Ok((interface, property, value)) =
                body.deserialize::<(String, String, zbus::zvariant::Value)>()
            else {
                continue;
            };
            let paused = matches!(value, zbus::zvariant::Value::Bool(true));
            if interface == DUNST_INTERFACE && property == "paused" && paused {
                let to = msg
                    .header()
                    .destination()
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let _ = seen.send((to, at));
            }
        }
    });
}

#[expect(clippy::too_many_lines, reason = "one measured scenario, start to end")]
async fn bench(rounds: usize, idle: Duration, settle: Duration) {
    let (Ok(bus), Ok(x)) = (DbusDaemon::start(), Xvfb::start()) else {
        eprintln!("bench-quiet needs dbus-daemon and Xvfb");
        std::process::exit(2);
    };
    let Ok(dunst) = Dunst::start(&bus, &x).await else {
        eprintln!("bench-quiet needs dunst");
        std::process::exit(2);
    };
    let Ok((a, b)) = Syncthing::connected_pair() else {
        eprintln!("bench-quiet needs syncthing and curl");
        std::process::exit(2);
    };
    let dir = temp_dir("bench-quiet");
    let clockoff = Clockoff::new(&bus, x.env(), dir.path());
    clockoff.write_config(&format!(
        "{ALWAYS_OFF}[[sync]]\nkind = \"syncthing\"\nurl = \"{}\"\nconfig = \"{}\"\n",
        a.url(),
        a.config_xml().display()
    ));
    let b_address = b.url().trim_start_matches("http://").to_string();

    let serving = bus.connect().await;
    serving
        .object_server()
        .at(DUNST_PATH, Target)
        .await
        .unwrap();
    serving.request_name(REFERENCE_NAME).await.unwrap();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    watch_pauses(&bus, seen_tx).await;

    let agent = clockoff.agent(&bus, "agent.log").await;
    let conn = bus.connect().await;
    let proxy = AgentProxy::new(&conn).await.unwrap();
    wait_for(&mut seen, "the first hold").await;
    let ours = bus_name_of(&conn, "org.freedesktop.Notifications").await;

    // What the monitor connection costs: the idle agent holding (monitor on) against the
    // same agent working by choice (monitor off), each for `idle`.
    let pid = agent.id();
    // Each window opens once the last change has settled (tokio's blocking threads end
    // after 10 s idle).
    tokio::time::sleep(settle).await;
    let holding = sample(pid, idle).await;
    proxy
        .start_override((settle + idle).as_secs() + 60, "bench")
        .await
        .unwrap();
    tokio::time::sleep(settle).await;
    let working = sample(pid, idle).await;
    proxy.end_override().await.unwrap();
    wait_for(&mut seen, "the hold after the override").await;
    println!(
        "{:<34} {:>12} {:>12} {:>8}",
        "idle agent", "not holding", "holding", "added"
    );
    println!(
        "{:<34} {:>9.2} MiB {:>9.2} MiB {:>+5.2} MiB",
        "RSS",
        working.rss_kib as f64 / 1024.0,
        holding.rss_kib as f64 / 1024.0,
        (holding.rss_kib as f64 - working.rss_kib as f64) / 1024.0
    );
    println!(
        "{:<34} {:>8.1} /min {:>8.1} /min {:>+5.1}",
        "wakeups",
        working.wakeups_per_min,
        holding.wakeups_per_min,
        holding.wakeups_per_min - working.wakeups_per_min
    );

    let mut agent_ms = Vec::new();
    let mut reference_ms = Vec::new();
    let mut agent_sync_ms = Vec::new();
    let mut reference_sync_ms = Vec::new();
    for round in 0..rounds {
        let (a_last, b_last) = block(|| (a.last_event_id(), b.last_event_id()));
        // Release (an override), then the boundary: the override's end.
        let until = proxy.start_override(2, "bench").await.expect("Override");
        let boundary = DateTime::parse_from_rfc3339(&until).unwrap().to_utc();
        let at_ms = u64::try_from(boundary.timestamp_millis()).unwrap();
        let mut reference = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--reference")
            .args([&at_ms.to_string(), &b_address, b.api_key(), a.device_id()])
            .env_clear()
            .envs(bus.session_env())
            .spawn()
            .expect("start the reference");
        for _ in 0..2 {
            let (to, at) = wait_for(&mut seen, "a pause").await;
            let ms = (at.as_secs_f64() - boundary_secs(boundary)) * 1000.0;
            if to == REFERENCE_NAME {
                reference_ms.push(ms);
            } else if to == "org.freedesktop.Notifications" || to == ours {
                agent_ms.push(ms);
            }
        }
        let _ = reference.wait();
        let paused_at = |(_, time): (u64, String)| {
            let t = DateTime::parse_from_rfc3339(&time).unwrap().to_utc();
            (t - boundary).num_microseconds().unwrap() as f64 / 1000.0
        };
        agent_sync_ms.push(paused_at(block(|| a.next_pause_event(a_last))));
        reference_sync_ms.push(paused_at(block(|| b.next_pause_event(b_last))));
        block(|| b.resume(a.device_id()));
        eprint!("\rround {}/{rounds}", round + 1);
    }
    eprintln!();
    report("boundary -> dunst paused", &agent_ms, &reference_ms);
    report_row(
        "boundary -> Syncthing paused",
        &agent_sync_ms,
        &reference_sync_ms,
    );

    agent.terminate();
    drop(dunst);
}

fn boundary_secs(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

async fn wait_for(
    seen: &mut mpsc::UnboundedReceiver<(String, Duration)>,
    what: &str,
) -> (String, Duration) {
    match tokio::time::timeout(support::DEADLINE, seen.recv()).await {
        Ok(Some(pause)) => pause,
        _ => panic!("no {what} in time"),
    }
}

async fn bus_name_of(conn: &zbus::Connection, name: &str) -> String {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.unwrap();
    dbus.get_name_owner(name.try_into().unwrap())
        .await
        .map(|o| o.to_string())
        .unwrap_or_default()
}

/// Runs blocking rig calls (curl) from the bench's runtime.
fn block<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn report(what: &str, ours: &[f64], reference: &[f64]) {
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "over boundaries", "median", "max", "ref median", "ref max", "ratio"
    );
    report_row(what, ours, reference);
}

fn report_row(what: &str, ours: &[f64], reference: &[f64]) {
    let stats = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() - 1])
    };
    let (median, max) = stats(ours);
    let (ref_median, ref_max) = stats(reference);
    println!(
        "{:<34} {:>7.1} ms {:>7.1} ms {:>7.1} ms {:>7.1} ms {:>7.1}x   ({} boundaries)",
        what,
        median,
        max,
        ref_median,
        ref_max,
        median / ref_median,
        ours.len()
    );
}

struct Sample {
    rss_kib: u64,
    wakeups_per_min: f64,
}

/// VmRSS at the end of the window, and context switches during it summed over every thread:
/// read each second per thread, so a thread that ends in the window (tokio's blocking pool)
/// keeps what it did, and one that starts counts from zero.
async fn sample(pid: u32, window: Duration) -> Sample {
    let mut last = switches(pid);
    let mut total = 0;
    let start = tokio::time::Instant::now();
    while start.elapsed() < window {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = switches(pid);
        for (tid, n) in &now {
            total += n - last.get(tid).copied().unwrap_or(0).min(*n);
        }
        last = now;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    Sample {
        rss_kib: field(&status, "VmRSS:"),
        wakeups_per_min: total as f64 * 60.0 / window.as_secs_f64(),
    }
}

/// Context switches so far, per thread.
fn switches(pid: u32) -> std::collections::HashMap<String, u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| {
            let status = std::fs::read_to_string(t.path().join("status")).ok()?;
            let n = field(&status, "voluntary_ctxt_switches:")
                + field(&status, "nonvoluntary_ctxt_switches:");
            Some((t.file_name().to_string_lossy().into_owned(), n))
        })
        .collect()
}

fn field(status: &str, name: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
