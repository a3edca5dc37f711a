//! The tray end to end: the real `clockoff` binary on a private session bus, and a panel
//! played by a fake `org.kde.StatusNotifierWatcher` (no panel runs headless) that reads the
//! item's properties and menu and clicks it as Plasma's would.

use crate::support;

use std::time::Duration;

use chrono::{Datelike, TimeDelta, Timelike};
use serde_json::Value;
use support::agent::{Clockoff, SESSION, now, text};
use support::logind::my_uid;
use support::sni_watcher::{Item, Watcher, heard, heard_all};
use support::tmp::{TempDir, temp_dir};
use support::{CleanEnv, DbusDaemon, Dunst, Logind, Xvfb, eventually, or_skip};

/// No working hours: off all the time, and nothing to hold (so no desktop is needed).
const ALWAYS_OFF: &str = "timezone = \"Europe/London\"\n[hours]\n[holidays]\nregion = \"none\"\n\
[activity]\nsource = \"logind\"\n[quiet]\nnotifications = \"allow\"\ngrace = \"0s\"\n";

struct Panel {
    clockoff: Clockoff,
    bus: DbusDaemon,
    _dir: TempDir,
}

impl std::ops::Deref for Panel {
    type Target = Clockoff;

    fn deref(&self) -> &Clockoff {
        &self.clockoff
    }
}

impl Panel {
    fn start(config: &str, env: Vec<(String, String)>, bus: DbusDaemon) -> Panel {
        let dir = temp_dir("tray");
        let clockoff = Clockoff::new(&bus, env, dir.path());
        clockoff.write_config(config);
        Panel {
            clockoff,
            bus,
            _dir: dir,
        }
    }

    fn tray(&self) -> Value {
        self.status()["tray"].clone()
    }
}

/// CPU time (user + system) the process uses while the test sleeps for `window`.
fn cpu_used(pid: u32, window: Duration) -> Duration {
    let ticks = || -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let before = ticks();
    std::thread::sleep(window);
    // /proc counts in USER_HZ, which Linux fixes at 100 for user space.
    Duration::from_millis((ticks() - before) * 10)
}

async fn title_becomes(item: &Item, what: &str, done: impl Fn(&str) -> bool) -> String {
    eventually(what, async || {
        let title = item.string("Title").await;
        done(&title).then_some(title)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_item_registers_and_work_now_starts_an_override_the_agent_reports() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    // logind (dbusmock) says the session is in use: "until I stop" needs something that sees
    // the stop.
    let Some(logind) = or_skip(Logind::start().await) else {
        return;
    };
    logind.add_session(SESSION, my_uid(), true).await;
    // A browser that notes what it was asked to open.
    let programs = temp_dir("tray-programs");
    let opened = programs.path().join("opened");
    let xdg_open = programs.path().join("xdg-open");
    support::process::install_script(
        &xdg_open,
        &format!(
            "#!/bin/sh\n[ \"$1\" = --probe ] && exit 0\necho \"$1\" >> {}\n",
            opened.display()
        ),
    );
    let mut env = logind.env();
    let path = std::env::var("PATH").unwrap_or_default();
    env.push((
        "PATH".into(),
        format!("{}:{path}", programs.path().display()),
    ));
    let panel = Panel::start(ALWAYS_OFF, env, bus);
    let watcher = Watcher::start(&panel.bus).await;
    let agent = panel.agent(&panel.bus, "agent.log").await;
    panel.wait_status("logind", |s| s["activity_source"] == "logind");
    let item = watcher.item().await;
    assert!(
        item.service
            .starts_with(&format!("org.kde.StatusNotifierItem-{}-", agent.id())),
        "{}",
        item.service
    );

    // The item as the panel sees it: our own pixmap, no theme icon, words for every state.
    let props = item.properties().await;
    assert_eq!(item.string("Id").await, "clockoff");
    assert_eq!(item.string("Status").await, "Active");
    assert_eq!(item.string("IconName").await, "", "no icon theme needed");
    let off_pixmaps = item.pixmaps().await;
    assert_eq!(off_pixmaps.len(), 1);
    let (w, h, argb) = &off_pixmaps[0];
    assert_eq!((*w, *h, argb.len()), (32, 32, 32 * 32 * 4));
    assert!(props.contains_key("Menu"));
    let title = title_becomes(&item, "the off title", |t| t.starts_with("Off")).await;
    assert_eq!(title, "Off");
    let (tip_title, tip_text) = item.tooltip().await;
    assert_eq!(tip_title, title);
    assert_eq!(
        tip_text,
        "Today: 0m at the laptop\nThis week: 0m out of hours"
    );
    let menu = item.layout().await;
    assert_eq!(
        menu.outline(),
        [
            "Off (disabled)",
            "--",
            "Work now",
            "  Work for 30 minutes",
            "  Work for 1 hour",
            "  Work until I stop",
            "--",
            "I'm on leave today",
            "Open my week in the browser",
            "Quit clockoff",
        ]
    );
    let tray = panel.tray();
    assert_eq!(tray["state"], "shown", "{tray}");

    // "Work now → 30 minutes": the agent reports the override, the item follows and tells
    // the panel so (a panel re-reads only on these signals).
    let mut changes = item.changes().await;
    let clicked = now();
    item.click("Work for 30 minutes").await;
    let status = panel.wait_status("the override", |s| s["state"] == "override");
    let until = chrono::DateTime::parse_from_rfc3339(status["override"]["until"].as_str().unwrap())
        .unwrap();
    let length = until.to_utc() - clicked;
    assert!(
        (TimeDelta::minutes(29)..=TimeDelta::minutes(31)).contains(&length),
        "{length}"
    );
    assert_eq!(status["override"]["until_away"], false);
    heard(&mut changes, &["NewIcon", "NewToolTip", "NewTitle"]).await;
    let title = title_becomes(&item, "the override title", |t| {
        t.starts_with("Working by choice")
    })
    .await;
    // "tomorrow 00:05" when the half hour crosses midnight, as the tray says it.
    let shown_until =
        clockoff::core::civil::human(chrono_tz::Europe::London, until.to_utc(), now());
    assert!(
        title.starts_with(&format!("Working by choice until {shown_until} (")),
        "{title}"
    );
    assert_eq!(item.tooltip().await.0, title, "the tooltip follows");
    assert_ne!(
        item.pixmaps().await,
        off_pixmaps,
        "the override has its own icon"
    );
    let menu = item.layout().await;
    assert!(
        menu.find("Stop working now").is_some(),
        "{:?}",
        menu.outline()
    );

    // "Until I stop" replaces it; "Stop working now" ends it.
    item.click("Work until I stop").await;
    panel.wait_status("until I stop", |s| s["override"]["until_away"] == true);
    title_becomes(&item, "until you stop", |t| {
        t == "Working by choice until you stop"
    })
    .await;
    item.click("Stop working now").await;
    panel.wait_status("off again", |s| s["state"] == "off");
    title_becomes(&item, "off again", |t| t == "Off").await;
    assert_eq!(item.pixmaps().await, off_pixmaps);

    // "Open my week": this week's report, written beside the ledger and handed to the browser.
    item.click("Open my week in the browser").await;
    let report = eventually("the report opened", async || {
        std::fs::read_to_string(&opened)
            .ok()
            .filter(|s| s.ends_with(".html\n"))
    })
    .await;
    let report = std::path::PathBuf::from(report.trim());
    assert!(
        report.starts_with(panel.ledger_path().parent().unwrap()),
        "{}",
        report.display()
    );
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.starts_with("<!doctype html>"), "{page:.80}");
    // A left click on the icon opens it too (issue 19: it did nothing).
    item.activate().await;
    eventually("opened again by a left click", async || {
        let lines = std::fs::read_to_string(&opened).ok()?;
        (lines.lines().count() == 2).then_some(())
    })
    .await;
    // With no browser to open it, the worker is told where the click was made: a notice
    // from clockoff (watched here as the agent's own monitor watches), with the file's path.
    std::fs::write(&xdg_open, "#!/bin/sh\necho 'no browser here' >&2\nexit 3\n").unwrap();
    let (tx, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let builder = zbus::connection::Builder::address(panel.bus.address()).unwrap();
    let monitor = clockoff::desktop::monitor::start(builder, tx)
        .await
        .unwrap();
    item.click("Open my week in the browser").await;
    let notice = tokio::time::timeout(support::DEADLINE, notices.recv())
        .await
        .expect("a notice in time")
        .expect("the monitor runs");
    assert_eq!(notice.app, "clockoff");
    monitor.abort();
    let log = std::fs::read_to_string(panel.log_path("agent.log")).unwrap();
    assert!(
        log.contains("Your week could not be opened: wrote ") && log.contains("report"),
        "{log}"
    );

    // "Quit clockoff" stops the agent cleanly, and the item leaves the panel.
    let mut agent = agent;
    item.click("Quit clockoff").await;
    let exit = agent.wait_for_exit();
    assert!(exit.success(), "{exit:?}");
    eventually("the item gone", async || {
        watcher.registered().is_empty().then_some(())
    })
    .await;
    let log = std::fs::read_to_string(panel.log_path("agent.log")).unwrap();
    assert!(log.contains("quit from the tray"), "{log}");
    assert!(!log.contains("panicked"), "a clean stop (issue 19): {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_panel_the_agent_runs_says_so_and_appears_when_a_panel_starts() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let panel = Panel::start(ALWAYS_OFF, vec![], bus);
    let agent = panel.agent(&panel.bus, "agent.log").await;
    let status = panel.wait_status("no host", |s| s["tray"]["state"] == "no_host");
    assert_eq!(status["state"], "off", "the agent carries on");
    let out = panel.clockoff(&["status"]);
    let human = text(&out.stdout);
    assert!(
        human.contains("Tray:      this desktop shows no tray icons"),
        "{human}"
    );

    // A panel starts later (GNOME with the extension enabled, or a panel restart).
    let watcher = Watcher::start(&panel.bus).await;
    let item = watcher.item().await;
    assert_eq!(item.string("Id").await, "clockoff");
    panel.wait_status("shown", |s| s["tray"]["state"] == "shown");

    // The panel goes away again: the agent notices, and re-registers with the next one.
    watcher.stop().await;
    panel.wait_status("no host again", |s| s["tray"]["state"] == "no_host");
    let watcher = Watcher::start(&panel.bus).await;
    watcher.item().await;
    panel.wait_status("shown again", |s| s["tray"]["state"] == "shown");
    // Stopped with the item in a panel: cleanly, without a word of panic (issue 19).
    agent.terminate();
    let log = std::fs::read_to_string(panel.log_path("agent.log")).unwrap();
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tray_flag_and_the_config_switch_keep_the_item_away() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let panel = Panel::start(ALWAYS_OFF, vec![], bus);
    let watcher = Watcher::start(&panel.bus).await;
    let mut flagged = support::process::Peer::spawn(
        panel.command(&["run", "--no-tray"]),
        "clockoff run --no-tray",
        &panel.log_path("flag.log"),
        false,
    );
    panel
        .bus
        .wait_for_name("org.clockoff.Agent1", &mut flagged)
        .await;
    let status = panel.wait_status("off by flag", |s| s["tray"]["state"] == "off");
    assert!(
        status["tray"]["detail"]
            .as_str()
            .unwrap()
            .contains("--no-tray"),
        "{status}"
    );
    flagged.terminate();
    assert!(watcher.registered().is_empty());

    // The config switch, changed while the agent runs: the item comes and goes with it.
    panel.write_config(&format!("{ALWAYS_OFF}[tray]\nenabled = false\n"));
    let agent = panel.agent(&panel.bus, "agent.log").await;
    panel.wait_status("off by config", |s| s["tray"]["state"] == "off");
    assert!(watcher.registered().is_empty());
    panel.write_config(&format!("{ALWAYS_OFF}[tray]\nenabled = true\n"));
    watcher.item().await;
    panel.wait_status("shown", |s| s["tray"]["state"] == "shown");
    panel.write_config(&format!("{ALWAYS_OFF}[tray]\nenabled = false\n"));
    eventually("the item taken away", async || {
        watcher.registered().is_empty().then_some(())
    })
    .await;
    agent.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_agent_waits_with_or_without_the_tray_instead_of_spinning() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    // Holding notifications with no server: a holder that failed and waits to retry, the
    // case where one version spun (a holder's status left marked changed).
    let holding = ALWAYS_OFF.replace("notifications = \"allow\"", "notifications = \"hold\"");
    let panel = Panel::start(&holding, vec![], bus);
    let _watcher = Watcher::start(&panel.bus).await;
    for args in [&["run", "--no-tray"][..], &["run"]] {
        let mut agent = support::process::Peer::spawn(
            panel.command(args),
            "clockoff run",
            &panel.log_path("agent.log"),
            false,
        );
        panel
            .bus
            .wait_for_name("org.clockoff.Agent1", &mut agent)
            .await;
        panel.wait_status("the holder tried", |s| {
            s["quiet"]["holders"][0]["error"].is_string()
        });
        // Nearly no CPU over two seconds; a loop that spins takes all of them.
        let used = cpu_used(agent.id(), Duration::from_secs(2));
        assert!(
            used < Duration::from_millis(300),
            "{args:?}: the idle agent used {used:?} of CPU in 2 s"
        );
        agent.terminate();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_call_and_leave_have_their_own_icon_words_and_menu() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let london = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Europe::London);
    let start = london(now() - TimeDelta::hours(1));
    let end = london(now() + TimeDelta::hours(2));
    let on_call = format!(
        "{ALWAYS_OFF}[[on_call]]\nfrom = \"{}\"\nto = \"{}\"\n",
        start.format("%Y-%m-%dT%H:%M"),
        end.format("%Y-%m-%dT%H:%M")
    );
    let panel = Panel::start(&on_call, vec![], bus);
    let watcher = Watcher::start(&panel.bus).await;
    let agent = panel.agent(&panel.bus, "agent.log").await;
    let item = watcher.item().await;
    let title = title_becomes(&item, "on call", |t| t.starts_with("On call")).await;
    // Minutes, as the config has them; "tomorrow" when the window crosses midnight.
    let until = end.with_second(0).unwrap().to_utc();
    let expected = format!(
        "On call until {}",
        clockoff::core::civil::human(chrono_tz::Europe::London, until, now())
    );
    assert_eq!(title, expected);
    assert_eq!(
        item.layout().await.outline(),
        [
            format!("{expected} (disabled)"),
            "--".into(),
            "Open my week in the browser".into(),
            "Quit clockoff".into()
        ],
        "nothing is held on call, so nothing to hold or work now"
    );
    let on_call_icon = item.pixmaps().await;

    // The config changes (leave booked for today): the item follows at once.
    // Listened to from before the change, and read all along, so no signal waits unread
    // behind the title polling. The signals' deadline runs from when the title changed: on
    // a loaded machine the agent may take most of a deadline to see the new config.
    let mut changes = item.changes().await;
    let signals = tokio::spawn(async move {
        heard_all(&mut changes, &["NewIcon", "NewTitle", "NewToolTip"]).await;
    });
    let today = london(now()).format("%Y-%m-%d");
    panel.write_config(&format!(
        "{ALWAYS_OFF}[[leave]]\nfrom = \"{today}\"\nto = \"{today}\"\n"
    ));
    title_becomes(&item, "on leave", |t| t.starts_with("On leave since 00:00")).await;
    tokio::time::timeout(support::DEADLINE, signals)
        .await
        .expect("the item sent NewIcon, NewTitle and NewToolTip with the change")
        .expect("the listener ran");
    let leave_icon = item.pixmaps().await;
    assert_ne!(leave_icon, on_call_icon);
    assert!(
        item.layout().await.find("Work for 1 hour").is_some(),
        "work now is offered on leave"
    );
    agent.terminate();
}

/// Working hours from an hour ago to two hours ahead, London time (the rig's zone).
fn working_now() -> String {
    let start = (now() - TimeDelta::hours(1)).with_timezone(&chrono_tz::Europe::London);
    let end = start + TimeDelta::hours(3);
    let day = start.weekday().to_string().to_lowercase();
    let day = match day.as_str() {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    };
    format!(
        "timezone = \"Europe/London\"\n[hours]\n{day} = [\"{:02}:{:02}-{:02}:{:02}\"]\n\
         [holidays]\nregion = \"none\"\n[activity]\nsource = \"x11\"\n[quiet]\ngrace = \"10m\"\n",
        start.hour(),
        start.minute(),
        end.hour(),
        end.minute()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_now_finishes_early_and_dunst_holds_at_once() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let Some(x) = or_skip(Xvfb::start()) else {
        return;
    };
    let Some(dunst) = or_skip(Dunst::start(&bus, &x).await) else {
        return;
    };
    let panel = Panel::start(&working_now(), x.env(), bus);
    let watcher = Watcher::start(&panel.bus).await;
    let agent = panel.agent(&panel.bus, "agent.log").await;
    let item = watcher.item().await;
    title_becomes(&item, "working", |t| t.starts_with("Working until")).await;
    let menu = item.layout().await;
    assert!(menu.find("Work now").is_none(), "{:?}", menu.outline());
    item.click("Hold now: finish for the day").await;
    let conn = panel.bus.connect().await;
    eventually("dunst paused", async || {
        dunst.paused(&conn).await.then_some(())
    })
    .await;
    // One state everywhere (issue 19): status, JSON, D-Bus and the tray all say off.
    let status = panel.wait_status("finished early", |s| s["finished_early"].is_string());
    assert_eq!(
        status["state"], "off",
        "finishing for the day is off until work begins"
    );
    let human = text(&panel.clockoff(&["status"]).stdout);
    assert!(
        human.starts_with("Off since") && human.contains("you finished for the day"),
        "{human}"
    );
    title_becomes(&item, "finished early", |t| {
        t.starts_with("Finished early at") && t.contains(" · 0 held · back ")
    })
    .await;
    // A notification held shows in the title at once, not at the next minute's refresh
    // (issue 19: "0 held" while status said 6).
    let sent = std::process::Command::new("notify-send")
        .clean_env()
        .envs(panel.bus.session_env())
        .args(["-a", "Teams", "Can you call me?"])
        .status()
        .expect("notify-send");
    assert!(sent.success());
    title_becomes(&item, "one held", |t| t.contains(" · 1 held · ")).await;
    // A restart keeps it: the choice is in the ledger, not in the running agent.
    agent.terminate();
    let agent = panel.agent(&panel.bus, "agent-2.log").await;
    let item = watcher.item().await;
    title_becomes(&item, "still finished early", |t| {
        t.starts_with("Finished early at")
    })
    .await;
    eventually("dunst paused again", async || {
        dunst.paused(&conn).await.then_some(())
    })
    .await;
    // "Resume work" undoes it: working again, and dunst shows what it held.
    item.click("Resume work").await;
    title_becomes(&item, "working again", |t| t.starts_with("Working until")).await;
    eventually("dunst released", async || {
        (!dunst.paused(&conn).await).then_some(())
    })
    .await;
    assert!(panel.status()["finished_early"].is_null());
    // The same from the command line.
    let finish = panel.clockoff(&["finish"]);
    assert!(finish.status.success(), "{}", text(&finish.stderr));
    assert!(
        text(&finish.stdout)
            .starts_with("Finished for the day: notifications and sync are held until"),
        "{}",
        text(&finish.stdout)
    );
    eventually("dunst paused by clockoff finish", async || {
        dunst.paused(&conn).await.then_some(())
    })
    .await;
    let resume = panel.clockoff(&["resume"]);
    assert_eq!(text(&resume.stdout), "Resumed; now working.\n");
    let again = panel.clockoff(&["resume"]);
    assert!(
        !again.status.success() && text(&again.stderr).contains("nothing to resume"),
        "{}",
        text(&again.stderr)
    );
    // Changing their mind after finishing: "Work for 30 minutes" releases again.
    item.click("Hold now: finish for the day").await;
    eventually("dunst paused by the tray again", async || {
        dunst.paused(&conn).await.then_some(())
    })
    .await;
    item.click("Work for 30 minutes").await;
    eventually("dunst released by working now", async || {
        (!dunst.paused(&conn).await).then_some(())
    })
    .await;
    agent.terminate();
}

/// Reporting on or off; on, to a dashboard that is never reached (no token file is set, so
/// sending fails before connecting and the week stays unsent).
fn reporting(enabled: bool) -> String {
    format!("{ALWAYS_OFF}[report]\nenabled = {enabled}\ndashboard = \"http://127.0.0.1:9\"\n")
}

/// The reporting item's label, if the menu has one.
async fn report_label(item: &Item) -> Option<String> {
    item.layout()
        .await
        .outline()
        .into_iter()
        .find(|l| l.starts_with("Don't report week") || l.starts_with("Report week"))
}

async fn report_label_becomes(item: &Item, what: &str, done: impl Fn(&str) -> bool) -> String {
    eventually(what, async || report_label(item).await.filter(|l| done(l))).await
}

/// The week's state as `clockoff report status --json` reads it from the ledger.
fn queued_state(panel: &Panel, week: &str) -> Option<String> {
    let out = panel.clockoff(&["report", "status", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status: Value = serde_json::from_slice(&out.stdout).expect("report status is JSON");
    status["weeks"]
        .as_array()?
        .iter()
        .find(|w| w["week"] == week)
        .map(|w| w["state"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_week_can_be_kept_out_of_the_weekly_report_and_put_back() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let panel = Panel::start(&reporting(true), vec![], bus);
    let watcher = Watcher::start(&panel.bus).await;
    let agent = panel.agent(&panel.bus, "agent.log").await;
    let item = watcher.item().await;
    // "This week" is the week `clockoff report pause` pauses when none is named: the last
    // one that has ended, whose summary is first sent at Monday midday after it.
    let last = clockoff::report::last_completed_week(chrono_tz::Europe::London, now());
    let name = clockoff::core::record::week::name(last);
    let pause = format!("Don't report week {} (", last.week());
    let resume = format!("Report week {} (", last.week());
    let label = report_label_becomes(&item, "the item offering to pause", |l| {
        l.starts_with(&pause)
    })
    .await;
    let outline = item.layout().await.outline();
    let at = outline.iter().position(|l| *l == label).unwrap();
    assert_eq!(outline[at + 1], "I'm on leave today", "{outline:?}");
    let status = panel.status();
    assert_eq!(status["report"]["last_week"]["week"], name, "{status}");
    assert_eq!(status["report"]["last_week"]["paused"], false, "{status}");

    // Clicked: the agent records the pause in the ledger, and the item offers the undoing.
    item.click(&label).await;
    panel.wait_status("paused", |s| s["report"]["last_week"]["paused"] == true);
    eventually("the ledger says paused", async || {
        (queued_state(&panel, &name).as_deref() == Some("paused")).then_some(())
    })
    .await;
    let label = report_label_becomes(&item, "the item offering to resume", |l| {
        l.starts_with(&resume) && l.ends_with(") after all")
    })
    .await;

    // And back.
    item.click(&label).await;
    panel.wait_status("resumed", |s| s["report"]["last_week"]["paused"] == false);
    assert_ne!(queued_state(&panel, &name).as_deref(), Some("paused"));
    report_label_becomes(&item, "the item offering to pause again", |l| {
        l.starts_with(&pause)
    })
    .await;

    // Paused from the command line with no week named: the same week, and the item follows
    // without being clicked.
    let out = panel.clockoff(&["report", "pause"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(&name),
        "{}",
        text(&out.stdout)
    );
    report_label_becomes(&item, "the item following the command line", |l| {
        l.starts_with(&resume)
    })
    .await;

    // Reporting turned off: the item goes.
    panel.write_config(&reporting(false));
    panel.wait_status("reporting off", |s| s["report"]["enabled"] == false);
    eventually("the item gone", async || {
        report_label(&item).await.is_none().then_some(())
    })
    .await;
    let outline = item.layout().await.outline();
    assert!(
        outline.contains(&"Open my week in the browser".to_string()),
        "{outline:?}"
    );
    agent.terminate();
}

/// "I'm on leave today" books today as leave in the worker's config, as `clockoff leave add
/// today` does (issue 22): the item, the status and the file all say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_leave_today_from_the_tray_is_booked_in_the_config() {
    let Some(bus) = or_skip(DbusDaemon::start()) else {
        return;
    };
    let panel = Panel::start(ALWAYS_OFF, vec![], bus);
    let watcher = Watcher::start(&panel.bus).await;
    let agent = panel.agent(&panel.bus, "agent.log").await;
    let item = watcher.item().await;
    title_becomes(&item, "off", |t| t.starts_with("Off")).await;
    // Read on both sides of the click: a run that crosses midnight books either day.
    let london_day = || {
        now()
            .with_timezone(&chrono_tz::Europe::London)
            .format("%Y-%m-%d")
            .to_string()
    };
    let before = london_day();
    item.click("I'm on leave today").await;
    title_becomes(&item, "on leave", |t| t.starts_with("On leave since 00:00")).await;
    assert_eq!(panel.status()["state"], "leave");
    let after = london_day();
    let config = std::fs::read_to_string(panel.config_path()).unwrap();
    let booked =
        |day: &str| config.contains(&format!("[[leave]]\nfrom = \"{day}\"\nto = \"{day}\""));
    assert!(booked(&before) || booked(&after), "{config}");
    assert!(
        item.layout().await.find("I'm on leave today").is_none(),
        "not offered on leave"
    );
    agent.terminate();
}
