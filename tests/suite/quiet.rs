//! Quiet hours end to end: the real `clockoff` binary and a real dunst, on a private session
//! bus and X server. The config has no working hours and no grace, so the agent holds as
//! soon as it starts, and an override is the boundary that releases.

use crate::support;

use support::CleanEnv;

use serde_json::Value;
use support::agent::{Clockoff, text, wait};
use support::tmp::{TempDir, temp_dir};
use support::{DbusDaemon, Dunst, Syncthing, Xvfb, or_skip};

const ALWAYS_OFF: &str = "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
[activity]\nsource = \"x11\"\n[quiet]\ngrace = \"0s\"\n";

struct Desk {
    clockoff: Clockoff,
    dunst: Dunst,
    x: Xvfb,
    bus: DbusDaemon,
    _dir: TempDir,
}

impl std::ops::Deref for Desk {
    type Target = Clockoff;

    fn deref(&self) -> &Clockoff {
        &self.clockoff
    }
}

impl Desk {
    async fn start(config: &str) -> Option<Desk> {
        let bus = or_skip(DbusDaemon::start())?;
        let x = or_skip(Xvfb::start())?;
        let dunst = or_skip(Dunst::start(&bus, &x).await)?;
        let dir = temp_dir("quiet");
        let clockoff = Clockoff::new(&bus, x.env(), dir.path());
        clockoff.write_config(config);
        Some(Desk {
            clockoff,
            dunst,
            x,
            bus,
            _dir: dir,
        })
    }

    /// Whether dunst is paused, read as `dunstctl is-paused` does.
    fn paused(&self) -> bool {
        wait(async {
            let conn = self.bus.connect().await;
            self.dunst.paused(&conn).await
        })
    }

    fn counts(&self) -> (u32, u32) {
        wait(async {
            let conn = self.bus.connect().await;
            (
                self.dunst.waiting(&conn).await,
                self.dunst.displayed(&conn).await,
            )
        })
    }

    fn wait_until(&self, what: &str, done: impl Fn(&Desk) -> bool) {
        support::eventually_blocking(what, || done(self));
    }

    fn notify(&self, app: &str, summary: &str) {
        self.notify_with(app, summary, &[]);
    }

    /// As [`Desk::notify`], with more of notify-send's options (`-u critical`).
    fn notify_with(&self, app: &str, summary: &str, options: &[&str]) {
        let out = std::process::Command::new("notify-send")
            .clean_env()
            .envs(self.bus.session_env())
            .args(["-a", app])
            .args(options)
            .args([summary, "case note due"])
            .output()
            .expect("notify-send");
        assert!(out.status.success(), "notify-send: {}", text(&out.stderr));
    }

    fn run(&self, args: &[&str]) {
        let out = self.clockoff(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
}

/// The holder whose name starts with `name`; null until the agent has started it.
fn holder<'a>(status: &'a Value, name: &str) -> &'a Value {
    static NONE: Value = Value::Null;
    status["quiet"]["holders"]
        .as_array()
        .and_then(|hs| {
            hs.iter()
                .find(|h| h["name"].as_str().unwrap_or("").starts_with(name))
        })
        .unwrap_or(&NONE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_held_counted_and_released_with_a_digest() {
    let Some(desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    let agent = desk.agent(&desk.bus, "agent.log").await;
    desk.wait_until("dunst paused", Desk::paused);
    let status = desk.wait_status("held", |s| holder(s, "notifications")["held"] == true);
    assert_eq!(status["quiet"]["quiet"], true);
    assert_eq!(holder(&status, "notifications")["holder"], "dunst");
    assert_eq!(holder(&status, "notifications")["held_by_worker"], false);

    desk.notify("Teams", "Strategy meeting moved");
    desk.notify("Outlook", "Re: child protection conference");
    desk.notify("Teams", "Can you call me?");
    desk.wait_until("three waiting", |d| d.counts() == (3, 0));
    desk.wait_status("three counted", |s| s["quiet"]["held_notifications"] == 3);

    // Work starts (an override): everything held is shown, then the digest.
    desk.run(&["override", "1h", "--reason", "urgent visit"]);
    desk.wait_until("dunst unpaused", |d| !d.paused());
    desk.wait_until("held ones and the digest shown", |d| d.counts() == (0, 4));
    let status = desk.status();
    assert_eq!(status["quiet"]["quiet"], false);
    assert_eq!(status["quiet"]["held_notifications"], 0);

    // Work ends again: held at once (no grace).
    desk.run(&["override", "end"]);
    desk.wait_until("dunst paused again", Desk::paused);
    agent.terminate();
    // Stopping releases: nothing stays held with no agent to release it.
    assert!(!desk.paused(), "the agent stopped and left dunst paused");
}

/// An urgent (critical) notification is never held (issue 19): dunst holds critical ones too,
/// so the agent lifts dunst's pause until the worker has closed it (what waited is shown
/// with it), then holds again; what comes after waits as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_notification_reaches_the_worker_through_the_hold() {
    let Some(desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    let agent = desk.agent(&desk.bus, "agent.log").await;
    desk.wait_until("dunst paused", Desk::paused);
    desk.wait_status("held", |s| holder(s, "notifications")["held"] == true);
    desk.notify("Teams", "Strategy meeting moved");
    desk.wait_until("one waiting", |d| d.counts() == (1, 0));

    desk.notify_with(
        "Case system",
        "Urgent: child protection referral",
        &["-u", "critical"],
    );
    desk.wait_until("the urgent one shown, with what waited", |d| {
        !d.paused() && d.counts() == (0, 2)
    });
    // The worker closes what is shown: held again, and the next one waits.
    wait(async {
        let conn = desk.bus.connect().await;
        let proxy = desk.dunst.proxy(&conn).await;
        let _: () = proxy.call("NotificationCloseAll", &()).await.unwrap();
    });
    desk.wait_until("dunst paused again", Desk::paused);
    desk.notify("Teams", "Can you call me?");
    desk.wait_until("the next one waits", |d| d.counts() == (1, 0));
    let status = desk.wait_status("counted", |s| s["quiet"]["held_notifications"] == 2);
    assert_eq!(holder(&status, "notifications")["held"], true, "{status}");
    agent.terminate();
    let log = std::fs::read_to_string(desk.log_path("agent.log")).unwrap();
    assert!(
        log.contains("an urgent notification arrived: dunst lets it through"),
        "{log}"
    );
    assert!(
        !log.contains("Urgent: child protection"),
        "nothing of it is read: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_own_pause_is_left_on_when_work_starts() {
    let Some(desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    wait(async {
        let conn = desk.bus.connect().await;
        desk.dunst.set_paused(&conn, true).await;
    });
    let agent = desk.agent(&desk.bus, "agent.log").await;
    let status = desk.wait_status("held", |s| holder(s, "notifications")["held"] == true);
    assert_eq!(holder(&status, "notifications")["held_by_worker"], true);
    desk.run(&["override", "30m"]);
    desk.wait_status("released", |s| holder(s, "notifications")["held"] == false);
    assert!(desk.paused(), "the worker's own pause was switched off");
    agent.terminate();
    assert!(desk.paused());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_held_is_released_by_a_restart_in_working_hours() {
    let Some(desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    let agent = desk.agent(&desk.bus, "first.log").await;
    desk.wait_until("dunst paused", Desk::paused);
    desk.notify("Teams", "Are you free?");
    desk.wait_status("counted", |s| s["quiet"]["held_notifications"] == 1);
    agent.kill();
    assert!(
        desk.paused(),
        "still held after the crash, as nobody released it"
    );

    // The next morning: every day is working time now.
    let all_day = "\"00:00-24:00\"";
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .map(|d| format!("{d} = [{all_day}]"))
    .join("\n");
    desk.write_config(&ALWAYS_OFF.replace("[hours]\n", &format!("[hours]\n{days}\n")));
    let agent = desk.agent(&desk.bus, "second.log").await;
    desk.wait_until("released after the restart", |d| !d.paused());
    desk.wait_until("the held one and the digest shown", |d| {
        d.counts() == (0, 2)
    });
    let status = desk.status();
    assert_eq!(status["state"], "working");
    assert_eq!(holder(&status, "notifications")["held"], false);
    agent.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_notification_server_is_held_again() {
    let Some(mut desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    let agent = desk.agent(&desk.bus, "agent.log").await;
    desk.wait_until("dunst paused", Desk::paused);
    // dunst crashes and comes back, knowing nothing of the pause.
    desk.dunst.restart(&desk.bus, &desk.x).await;
    desk.wait_until("the new dunst paused", Desk::paused);
    desk.notify("Teams", "After the restart");
    desk.wait_until("held by the new dunst", |d| d.counts() == (1, 0));
    agent.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_pauses_while_quiet_and_a_failing_holder_never_stops_the_others() {
    let Some((a, b)) = or_skip(Syncthing::connected_pair()) else {
        return;
    };
    let marks = temp_dir("quiet-marks");
    let mark = |name: &str| marks.path().join(name);
    // Syncthing (key read from its config.xml), a systemd unit with no systemd user manager
    // on this bus (so it fails, and is retried), and the worker's own commands.
    let config = format!(
        "{ALWAYS_OFF}\n[[sync]]\nkind = \"syncthing\"\nurl = \"{url}\"\nconfig = \"{xml}\"\n\
         [[sync]]\nkind = \"systemd\"\nunit = \"onedrive.service\"\n\
         [[sync]]\nkind = \"command\"\non_hold = \"touch {held}\"\non_release = \"touch {released}\"\n",
        url = a.url(),
        xml = a.config_xml().display(),
        held = mark("held").display(),
        released = mark("released").display(),
    );
    let Some(desk) = Desk::start(&config).await else {
        return;
    };
    let agent = desk.agent(&desk.bus, "agent.log").await;
    b.wait_connected(a.device_id(), false);
    assert!(a.paused(b.device_id()));
    desk.wait_until("dunst paused", Desk::paused);
    assert!(mark("held").exists() && !mark("released").exists());
    let status = desk.wait_status("the systemd holder failing", |s| {
        !holder(s, "sync: systemd")["error"].is_null()
    });
    let systemd = holder(&status, "sync: systemd");
    assert_eq!(systemd["held"], false);
    assert!(systemd["retry_at"].is_string(), "{systemd}");
    assert_eq!(holder(&status, "sync: syncthing")["held"], true);
    assert_eq!(holder(&status, "sync: command")["held"], true);
    let cli = desk.clockoff(&["status"]);
    let shown = text(&cli.stdout);
    assert!(
        shown.contains("! sync: systemd onedrive.service:"),
        "status does not say what failed:\n{shown}"
    );

    desk.run(&["override", "1h"]);
    a.wait_connected(b.device_id(), true);
    assert!(!a.paused(b.device_id()));
    desk.wait_until("dunst unpaused", |d| !d.paused());
    support::eventually_blocking("on_release to run", || mark("released").exists());
    agent.terminate();
}

/// Under systemd the agent's stderr is the journal: each line has its priority, and at
/// info level none says which apps notified, what they said, or why the worker worked on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_has_each_line_at_its_priority_and_nothing_the_worker_did() {
    let Some(journal) = or_skip(support::journald::Journald::start()) else {
        return;
    };
    let Some(desk) = Desk::start(ALWAYS_OFF).await else {
        return;
    };
    let (stream, journal_stream) = journal.stream("clockoff");
    let mut agent = desk
        .command(&["run"])
        .env("JOURNAL_STREAM", journal_stream)
        // Not a filter: said as a warning, and the default levels kept.
        .env("CLOCKOFF_LOG", "loud")
        .stdin(std::process::Stdio::null())
        .stdout(std::os::fd::OwnedFd::from(stream.try_clone().unwrap()))
        .stderr(std::os::fd::OwnedFd::from(stream))
        .spawn()
        .expect("start clockoff run");
    support::eventually_blocking("the agent on the bus", || {
        desk.clockoff(&["status", "--json"]).status.success()
    });
    desk.wait_status("held", |s| holder(s, "notifications")["held"] == true);
    // A second agent in the session stops at once; its reason is in the journal at "err".
    let (second_stream, second_journal_stream) = journal.stream("clockoff");
    let second = desk
        .command(&["run"])
        .env("JOURNAL_STREAM", second_journal_stream)
        .stdin(std::process::Stdio::null())
        .stdout(std::os::fd::OwnedFd::from(
            second_stream.try_clone().unwrap(),
        ))
        .stderr(std::os::fd::OwnedFd::from(second_stream))
        .status()
        .expect("run a second agent");
    assert_eq!(second.code(), Some(1));
    desk.notify("Teams", "Strategy meeting moved");
    desk.wait_status("counted", |s| s["quiet"]["held_notifications"] == 1);
    desk.run(&["override", "1h", "--reason", "police protection for Jamie"]);
    desk.wait_until("dunst unpaused", |d| !d.paused());
    desk.run(&["override", "end"]);
    desk.wait_until("dunst paused again", Desk::paused);
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&agent),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    assert!(agent.wait().unwrap().success());

    let entries = support::eventually_blocking("the agent's last line in the journal", || {
        let entries = journal.entries("clockoff");
        let said = |text: &str| {
            entries
                .iter()
                .filter(|e| e["MESSAGE"].as_str().is_some_and(|m| m.contains(text)))
                .count()
        };
        if said("quiet hours: holding") == 2 && said("quiet hours over") == 1 {
            Ok(entries)
        } else {
            Err(format!("{entries:?}"))
        }
    });
    let at = |priority: &str, text: &str| {
        entries.iter().any(|e| {
            e["PRIORITY"] == priority && e["MESSAGE"].as_str().is_some_and(|m| m.contains(text))
        })
    };
    assert!(
        at("4", "CLOCKOFF_LOG=\"loud\" is not a filter"),
        "{entries:#?}"
    );
    assert!(
        at("3", "another clockoff agent is already running"),
        "{entries:#?}"
    );
    assert!(
        at("6", "quiet hours: holding notifications and sync"),
        "{entries:#?}"
    );
    assert!(
        at("6", "quiet hours over: releasing notifications and sync"),
        "{entries:#?}"
    );
    for entry in &entries {
        let message = entry["MESSAGE"].as_str().unwrap_or_default();
        assert!(
            ["3", "4", "6"].contains(&entry["PRIORITY"].as_str().unwrap_or_default()),
            "{entry}"
        );
        assert!(
            !message.starts_with('<') && !message.starts_with("clockoff:"),
            "{entry}"
        );
        for personal in ["Teams", "Strategy", "police", "Jamie", "case note"] {
            assert!(
                !message.contains(personal),
                "{personal} in the journal: {entry}"
            );
        }
    }
}
