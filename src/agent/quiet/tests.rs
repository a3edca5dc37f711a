//! The quiet-hours policy against an in-memory desktop: holders that keep a held flag as a
//! server would, a fake clock and paused tokio time. Real servers are in tests/quiet.rs.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::TimeDelta;
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::*;
use crate::config::quiet::SyncSpec;
use crate::core::clock::FakeClock;
use crate::core::schedule::State;
use crate::core::testing::utc;
use crate::hold::Undo;

/// A peer with a held flag: holding what is already held changes nothing, as real servers'
/// do-not-disturb does.
struct FakeHolder {
    name: String,
    held: Mutex<bool>,
    calls: Mutex<Vec<String>>,
    /// Fail this many calls before succeeding.
    failures: Mutex<u32>,
}

impl FakeHolder {
    fn new(name: &str) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            held: Mutex::new(false),
            calls: Mutex::new(Vec::new()),
            failures: Mutex::new(0),
        })
    }

    fn held(&self) -> bool {
        *self.held.lock().unwrap()
    }

    /// The worker (or a restart) sets the peer's state behind our back.
    fn set_held(&self, held: bool) {
        *self.held.lock().unwrap() = held;
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn fail_next(&self, n: u32) {
        *self.failures.lock().unwrap() = n;
    }

    fn failing(&self, call: &str) -> Result<(), HoldError> {
        self.calls.lock().unwrap().push(call.into());
        let mut failures = self.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return Err(HoldError(format!("{} is not answering", self.name)));
        }
        Ok(())
    }
}

impl Holder for FakeHolder {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(async move {
            self.failing("hold")?;
            let mut held = self.held.lock().unwrap();
            if *held {
                return Ok(Undo::NOTHING);
            }
            *held = true;
            Ok(Undo(json!({ "set": true })))
        })
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(async move {
            self.failing(if undo.changed_something() {
                "release"
            } else {
                "release nothing"
            })?;
            if undo.changed_something() {
                *self.held.lock().unwrap() = false;
            }
            Ok(())
        })
    }

    fn let_through(&self) -> BoxFuture<'_, Result<(), HoldError>> {
        Box::pin(async move { self.failing("let through") })
    }
}

struct FakeDesktop {
    server: Arc<FakeHolder>,
    /// No notification server runs: finding one fails. Counts the attempts.
    no_server: Mutex<Option<u32>>,
    sync: Mutex<HashMap<String, Arc<FakeHolder>>>,
    restarted: Mutex<Option<UnboundedSender<()>>>,
    monitor: Mutex<Option<UnboundedSender<Arrived>>>,
    digests: Mutex<Vec<Vec<(String, u64)>>>,
    notices: UnboundedSender<(String, oneshot::Sender<NoticeChoice>)>,
}

impl Desktop for FakeDesktop {
    fn notification_holder(
        &self,
        _choice: ServerChoice,
    ) -> BoxFuture<'static, Result<Arc<dyn Holder>, HoldError>> {
        if let Some(tries) = self.no_server.lock().unwrap().as_mut() {
            *tries += 1;
            return Box::pin(async { Err(HoldError("no notification server is running".into())) });
        }
        let server: Arc<dyn Holder> = self.server.clone();
        Box::pin(async move { Ok(server) })
    }

    fn sync_holder(&self, spec: &SyncSpec) -> Arc<dyn Holder> {
        let name = spec.describe();
        self.sync
            .lock()
            .unwrap()
            .entry(name.clone())
            .or_insert_with(|| FakeHolder::new(&name))
            .clone()
    }

    fn watch_server(&self, restarted: UnboundedSender<()>) -> JoinHandle<()> {
        *self.restarted.lock().unwrap() = Some(restarted);
        tokio::spawn(async {})
    }

    fn start_monitor(
        &self,
        apps: UnboundedSender<Arrived>,
    ) -> BoxFuture<'static, Result<JoinHandle<()>, String>> {
        *self.monitor.lock().unwrap() = Some(apps);
        Box::pin(async { Ok(tokio::spawn(std::future::pending())) })
    }

    fn show_digest(&self, counts: Vec<(String, u64)>) -> BoxFuture<'static, Result<(), String>> {
        self.digests.lock().unwrap().push(counts);
        Box::pin(async { Ok(()) })
    }

    fn end_of_hours(&self, body: String) -> BoxFuture<'static, Result<NoticeChoice, String>> {
        let (tx, rx) = oneshot::channel();
        let _ = self.notices.send((body, tx));
        Box::pin(async move { rx.await.map_err(|_| "closed".to_string()) })
    }
}

struct Rig {
    clock: Arc<FakeClock>,
    desktop: Arc<FakeDesktop>,
    ledger: Ledger,
    snapshot: watch::Sender<Snapshot>,
    status: watch::Receiver<QuietStatus>,
    events: UnboundedReceiver<Event>,
    notices: UnboundedReceiver<(String, oneshot::Sender<NoticeChoice>)>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _busy: Busy,
    _dir: tempfile::TempDir,
}

struct Busy(JoinHandle<()>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn settings(sync: &[&str]) -> QuietSettings {
    QuietSettings {
        sync: sync
            .iter()
            .map(|unit| SyncSpec::Systemd {
                unit: (*unit).into(),
            })
            .collect(),
        ..QuietSettings::default()
    }
}

fn snapshot(state: State, since: &str, quiet: QuietSettings) -> Snapshot {
    Snapshot {
        state,
        since: Some(utc(since)),
        until: None,
        finished_early: None,
        timezone: chrono_tz::Europe::London,
        present: false,
        activity_source: "test".into(),
        quiet,
        tray: true,
        wall_clock_changes: 0,
    }
}

impl Rig {
    async fn start(now: &str, first: Snapshot) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, _) = Ledger::open(dir.path().join("ledger.sqlite3"))
            .await
            .unwrap();
        Self::start_with(now, first, ledger, dir, FakeHolder::new("dunst")).await
    }

    async fn start_with(
        now: &str,
        first: Snapshot,
        ledger: Ledger,
        dir: tempfile::TempDir,
        server: Arc<FakeHolder>,
    ) -> Rig {
        let clock = Arc::new(FakeClock::new(utc(now)));
        let (notices_tx, notices) = mpsc::unbounded_channel();
        let desktop = Arc::new(FakeDesktop {
            server,
            no_server: Mutex::new(None),
            sync: Mutex::new(HashMap::new()),
            restarted: Mutex::new(None),
            monitor: Mutex::new(None),
            digests: Mutex::new(Vec::new()),
            notices: notices_tx,
        });
        let (snapshot, snapshot_rx) = watch::channel(first);
        let status_tx = watch::Sender::new(QuietStatus::default());
        let status = status_tx.subscribe();
        let (events_tx, events) = mpsc::unbounded_channel();
        let (stop_tx, stop) = oneshot::channel();
        let task = tokio::spawn(run(QuietParts {
            clock: clock.clone(),
            ledger: ledger.clone(),
            desktop: desktop.clone(),
            snapshot: snapshot_rx,
            events: events_tx,
            status: status_tx,
            stop,
        }));
        // The ledger answers from its own thread. While the runtime waits for it, paused tokio
        // time would jump to the next timer (the end of the grace) on its own; a task that
        // always has work keeps time still until the test moves it.
        let busy = Busy(tokio::spawn(async {
            loop {
                tokio::task::yield_now().await;
            }
        }));
        let rig = Rig {
            _busy: busy,
            clock,
            desktop,
            ledger,
            snapshot,
            status,
            events,
            notices,
            stop: Some(stop_tx),
            task: Some(task),
            _dir: dir,
        };
        rig.settle().await;
        rig
    }

    /// Lets every task run until all wait on something: each round lets the tasks run, then
    /// waits for the ledger to answer everything queued before (its queue is first in,
    /// first out); the chain of work after one change is a few ledger writes deep.
    async fn settle(&self) {
        for _ in 0..20 {
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            self.ledger.current_quiet().await.unwrap();
        }
    }

    /// Moves both clocks on, as time passing does.
    async fn pass(&self, by: Duration) {
        self.clock.advance(TimeDelta::from_std(by).unwrap());
        tokio::time::advance(by).await;
        self.settle().await;
    }

    async fn publish(&self, snap: Snapshot) {
        self.snapshot.send_replace(snap);
        self.settle().await;
    }

    fn holder(&self, unit: &str) -> Arc<FakeHolder> {
        let key = SyncSpec::Systemd { unit: unit.into() }.describe();
        self.desktop.sync.lock().unwrap()[&key].clone()
    }

    fn digests(&self) -> Vec<Vec<(String, u64)>> {
        self.desktop.digests.lock().unwrap().clone()
    }

    async fn notify(&self, app: &str) {
        self.arrive(app, false).await;
    }

    async fn arrive(&self, app: &str, urgent: bool) {
        let monitor = self.desktop.monitor.lock().unwrap().clone();
        let arrived = Arrived {
            app: app.into(),
            urgent,
        };
        monitor.expect("monitor running").send(arrived).unwrap();
        self.settle().await;
    }

    fn holder_status(&self) -> Vec<SlotStatus> {
        self.status
            .borrow()
            .holders
            .iter()
            .map(|h| h.borrow().clone())
            .collect()
    }

    /// Stops the task as the agent does (it releases what it holds).
    async fn stop(mut self) -> (Ledger, tempfile::TempDir, Arc<FakeHolder>) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap();
        (self.ledger, self._dir, self.desktop.server.clone())
    }

    /// Ends the task without releasing anything, as a crash would.
    async fn crash(mut self) -> (Ledger, tempfile::TempDir, Arc<FakeHolder>) {
        self.task.take().unwrap().abort();
        self.settle().await;
        (self.ledger, self._dir, self.desktop.server.clone())
    }
}

#[tokio::test(start_paused = true)]
async fn holds_after_the_grace_counts_what_arrives_and_releases_with_a_digest_when_work_starts() {
    let quiet = settings(&["a.service"]);
    let r = Rig::start(
        "2026-11-23T17:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
    )
    .await;
    let a = r.holder("a.service");
    assert!(!r.desktop.server.held() && !a.held(), "held in the grace");
    assert_eq!(
        r.status.borrow().quiet_at,
        Some(utc("2026-11-23T17:10:00Z"))
    );

    r.pass(Duration::from_secs(599)).await;
    assert!(!r.desktop.server.held());
    r.pass(Duration::from_secs(1)).await;
    assert!(r.desktop.server.held() && a.held());
    assert_eq!(
        r.status.borrow().quiet_since,
        Some(utc("2026-11-23T17:10:00Z"))
    );

    for app in ["Teams", "Outlook", "Teams"] {
        r.notify(app).await;
    }
    // An urgent one is let through, not held: not in the digest.
    r.arrive("Case system", true).await;
    let through = |r: &Rig| {
        let calls = r.desktop.server.calls();
        calls.iter().filter(|c| *c == "let through").count()
    };
    assert_eq!(through(&r), 1);
    r.pass(Duration::from_secs(15 * 3600)).await;
    r.publish(snapshot(State::Working, "2026-11-24T09:00:00Z", quiet))
        .await;
    assert!(!r.desktop.server.held() && !a.held());
    assert_eq!(
        r.digests(),
        [vec![("Teams".to_string(), 2), ("Outlook".to_string(), 1)]]
    );
    assert_eq!(r.ledger.current_quiet().await.unwrap(), None);
    assert_eq!(r.ledger.holds().await.unwrap(), []);
}

/// The engine's snapshot after the worker finished for the day at `at`: off until work next
/// begins (the schedule turns the working hours left into off).
fn finished(since: &str, at: &str, quiet: QuietSettings) -> Snapshot {
    Snapshot {
        finished_early: Some(utc(at)),
        ..snapshot(State::Off, since, quiet)
    }
}

#[tokio::test(start_paused = true)]
async fn finishing_for_the_day_holds_at_once_until_work_begins_again() {
    let quiet = settings(&["a.service"]);
    let r = Rig::start(
        "2026-11-23T15:30:00Z",
        snapshot(State::Working, "2026-11-23T09:00:00Z", quiet.clone()),
    )
    .await;
    assert!(!r.desktop.server.held());
    // Finished at 15:30 in working hours: off from then, and held with no grace.
    r.publish(finished(
        "2026-11-23T15:30:00Z",
        "2026-11-23T15:30:00Z",
        quiet.clone(),
    ))
    .await;
    assert!(r.desktop.server.held() && r.holder("a.service").held());
    // Working by choice meanwhile releases; when it ends, held again at once.
    r.publish(snapshot(
        State::Override,
        "2026-11-23T16:00:00Z",
        quiet.clone(),
    ))
    .await;
    assert!(!r.desktop.server.held());
    r.pass(Duration::from_secs(30 * 60)).await;
    r.publish(finished(
        "2026-11-23T16:30:00Z",
        "2026-11-23T15:30:00Z",
        quiet.clone(),
    ))
    .await;
    assert!(r.desktop.server.held());
    // The next morning's work (or `clockoff resume`) releases it.
    r.pass(Duration::from_secs(16 * 3600)).await;
    r.publish(snapshot(State::Working, "2026-11-24T09:00:00Z", quiet))
        .await;
    assert!(!r.desktop.server.held() && !r.holder("a.service").held());
}

#[tokio::test(start_paused = true)]
async fn clock_off_on_the_notice_asks_the_engine_to_finish_for_the_day() {
    let quiet = settings(&[]);
    let mut r = Rig::start(
        "2026-11-23T17:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
    )
    .await;
    let (_, choose) = r.notices.try_recv().expect("a notice");
    choose.send(NoticeChoice::ClockOff).unwrap();
    r.settle().await;
    assert!(
        matches!(
            r.events.try_recv(),
            Ok(Event::Request(Request::FinishEarly(_)))
        ),
        "clock off must be the engine's finish for the day"
    );
    // Still in the grace until the engine answers with its snapshot.
    assert!(!r.desktop.server.held());
    r.publish(finished(
        "2026-11-23T17:00:00Z",
        "2026-11-23T17:01:00Z",
        quiet,
    ))
    .await;
    assert!(r.desktop.server.held(), "finishing did not hold at once");
}

#[tokio::test(start_paused = true)]
async fn the_workers_own_do_not_disturb_is_left_on_and_on_call_holds_nothing() {
    let quiet = settings(&[]);
    let server = FakeHolder::new("dunst");
    server.set_held(true);
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path().join("l.sqlite3")).await.unwrap();
    let r = Rig::start_with(
        "2026-11-23T20:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
        ledger,
        dir,
        server,
    )
    .await;
    assert!(r.holder_status()[0].held_by_worker);
    r.publish(snapshot(State::OnCall, "2026-11-23T21:00:00Z", quiet))
        .await;
    assert_eq!(r.desktop.server.calls(), ["hold", "release nothing"]);
    assert!(r.desktop.server.held(), "the worker's DND was switched off");
}

#[tokio::test(start_paused = true)]
async fn a_crash_while_held_is_undone_by_a_start_in_working_hours_and_a_restart_while_off_keeps_holding()
 {
    let quiet = settings(&["a.service"]);
    let off = snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone());
    let r = Rig::start("2026-11-23T20:00:00Z", off.clone()).await;
    r.notify("Teams").await;
    let (ledger, dir, server) = r.crash().await;
    assert!(server.held());

    // Restarted while still off: nothing is released in between; the hold is put on again
    // (finding it on, it keeps what the first hold changed).
    let r = Rig::start_with("2026-11-23T21:00:00Z", off, ledger, dir, server).await;
    assert_eq!(r.desktop.server.calls(), ["hold", "hold"]);
    r.notify("Outlook").await;
    let (ledger, dir, server) = r.crash().await;

    // Restarted in the morning: released with what the first hold saved, one digest.
    let working = snapshot(State::Working, "2026-11-24T09:00:00Z", quiet);
    let r = Rig::start_with("2026-11-24T09:05:00Z", working, ledger, dir, server).await;
    assert!(!r.desktop.server.held());
    assert_eq!(r.desktop.server.calls(), ["hold", "hold", "release"]);
    assert_eq!(
        r.digests(),
        [vec![("Outlook".to_string(), 1), ("Teams".to_string(), 1)]]
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_holder_is_retried_with_backoff_and_never_stops_the_others() {
    let quiet = settings(&["a.service", "b.service"]);
    let r = Rig::start(
        "2026-11-23T16:59:00Z",
        snapshot(State::Working, "2026-11-23T09:00:00Z", quiet.clone()),
    )
    .await;
    let (a, b) = (r.holder("a.service"), r.holder("b.service"));
    a.fail_next(3);
    r.publish(snapshot(State::Off, "2026-11-23T16:59:00Z", {
        let mut q = quiet;
        q.grace = Duration::ZERO;
        q
    }))
    .await;
    assert!(b.held() && r.desktop.server.held(), "the others held");
    let status = r.holder_status();
    let a_status = status.iter().find(|s| s.key.contains("a.service")).unwrap();
    assert_eq!(
        a_status.error.as_deref(),
        Some("systemd a.service is not answering")
    );
    assert!(a_status.retry_at.is_some());
    // Retries after 1 s, then 2 s, then 4 s.
    r.pass(Duration::from_secs(1)).await;
    assert_eq!(a.calls().len(), 2);
    r.pass(Duration::from_secs(2)).await;
    assert_eq!(a.calls().len(), 3);
    assert!(!a.held());
    r.pass(Duration::from_secs(3)).await;
    assert!(!a.held(), "retried before its backoff");
    r.pass(Duration::from_secs(1)).await;
    assert!(a.held());
    let status = r.holder_status();
    assert!(status.iter().all(|s| s.error.is_none() && s.held));
}

#[tokio::test(start_paused = true)]
async fn a_restarted_notification_server_is_held_again_and_still_released_in_the_morning() {
    let quiet = settings(&[]);
    let r = Rig::start(
        "2026-11-23T20:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
    )
    .await;
    assert!(r.desktop.server.held());
    // The server restarts: a fresh process, not paused.
    r.desktop.server.set_held(false);
    let restarted = r.desktop.restarted.lock().unwrap().clone().unwrap();
    restarted.send(()).unwrap();
    r.settle().await;
    assert!(r.desktop.server.held(), "not held again after the restart");
    assert_eq!(r.desktop.server.calls(), ["hold", "hold"]);

    // A restart while it stayed held (the setting lives on, as xfconf's does) keeps what
    // the first hold changed, so the morning still undoes it.
    restarted.send(()).unwrap();
    r.settle().await;
    r.publish(snapshot(State::Working, "2026-11-24T09:00:00Z", quiet))
        .await;
    assert!(!r.desktop.server.held());
    assert_eq!(
        r.desktop.server.calls(),
        ["hold", "hold", "hold", "release"]
    );
}

#[tokio::test(start_paused = true)]
async fn the_end_of_hours_notice_offers_work_more_or_clock_off_once_per_evening() {
    let quiet = settings(&[]);
    let mut r = Rig::start(
        "2026-11-23T17:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
    )
    .await;
    let (body, choose) = r.notices.try_recv().expect("a notice");
    assert!(body.contains("held from 17:10"), "{body}");
    assert!(
        body.contains("urgent (critical) notifications still reach you"),
        "{body}"
    );
    choose.send(NoticeChoice::WorkMore).unwrap();
    r.settle().await;
    match r.events.try_recv() {
        Ok(Event::Request(Request::Override { length, .. })) => {
            assert_eq!(length, Length::For(WORK_MORE));
        }
        other => panic!("expected an override request, got {other:?}"),
    }
    // The engine answers with an override; when it ends, a new evening begins.
    r.publish(snapshot(
        State::Override,
        "2026-11-23T17:01:00Z",
        quiet.clone(),
    ))
    .await;
    assert!(r.notices.try_recv().is_err());
    r.pass(Duration::from_secs(30 * 60)).await;
    r.publish(snapshot(State::Off, "2026-11-23T17:31:00Z", quiet.clone()))
        .await;
    let (_, choose) = r.notices.try_recv().expect("a notice after the override");
    choose.send(NoticeChoice::Dismissed).unwrap();
    r.settle().await;
    // The same evening republished (a reload) does not ask again.
    r.publish(snapshot(State::Off, "2026-11-23T17:31:00Z", quiet))
        .await;
    assert!(r.notices.try_recv().is_err());
}

#[tokio::test(start_paused = true)]
async fn a_sync_entry_removed_from_the_config_is_released_and_the_rest_stay_held() {
    let both = settings(&["a.service", "b.service"]);
    let r = Rig::start(
        "2026-11-23T20:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", both),
    )
    .await;
    let (a, b) = (r.holder("a.service"), r.holder("b.service"));
    assert!(a.held() && b.held());
    r.publish(snapshot(
        State::Off,
        "2026-11-23T17:00:00Z",
        settings(&["b.service"]),
    ))
    .await;
    assert!(!a.held() && b.held());
    assert_eq!(b.calls(), ["hold"], "an unchanged entry was touched");
    assert_eq!(r.desktop.server.calls(), ["hold"]);
    // Stopping the agent releases the rest; the quiet period stays open for the digest.
    let (ledger, _dir, server) = r.stop().await;
    assert!(!b.held() && !server.held());
    assert!(ledger.current_quiet().await.unwrap().is_some());
    assert_eq!(ledger.holds().await.unwrap(), []);
}

#[tokio::test(start_paused = true)]
async fn off_handing_over_to_a_bank_holiday_at_midnight_stays_held_with_no_digest_or_notice() {
    let quiet = settings(&[]);
    let mut r = Rig::start(
        "2026-12-24T23:00:00Z",
        snapshot(State::Off, "2026-12-24T17:00:00Z", quiet.clone()),
    )
    .await;
    r.notify("Teams").await;
    r.pass(Duration::from_secs(3600)).await;
    r.publish(snapshot(State::Holiday, "2026-12-25T00:00:00Z", quiet))
        .await;
    assert!(r.desktop.server.held());
    assert_eq!(r.desktop.server.calls(), ["hold"]);
    assert_eq!(r.digests(), Vec::<Vec<(String, u64)>>::new());
    assert!(
        r.notices.try_recv().is_err(),
        "an end-of-hours notice at midnight"
    );
}

#[tokio::test(start_paused = true)]
async fn a_suspend_through_the_grace_holds_as_soon_as_the_clock_change_is_seen() {
    let quiet = settings(&[]);
    let off = snapshot(State::Off, "2026-11-23T17:00:00Z", quiet);
    let r = Rig::start("2026-11-23T17:02:00Z", off.clone()).await;
    assert!(!r.desktop.server.held());
    // Two hours asleep: the wall clock moves, the monotonic timers do not.
    r.clock.advance(TimeDelta::hours(2));
    r.publish(Snapshot {
        wall_clock_changes: 1,
        ..off
    })
    .await;
    assert!(
        r.desktop.server.held(),
        "held only when the grace timer fires"
    );
}

#[tokio::test(start_paused = true)]
async fn a_notification_server_restart_re_holds_only_notifications() {
    let r = Rig::start(
        "2026-11-23T20:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", settings(&["a.service"])),
    )
    .await;
    let a = r.holder("a.service");
    let restarted = r.desktop.restarted.lock().unwrap().clone().unwrap();
    restarted.send(()).unwrap();
    r.settle().await;
    assert_eq!(r.desktop.server.calls(), ["hold", "hold"]);
    assert_eq!(a.calls(), ["hold"], "a sync holder was held again");
}

#[tokio::test(start_paused = true)]
async fn an_edited_or_removed_entry_is_released_even_when_its_first_release_fails() {
    let quiet = settings(&["a.service"]);
    let r = Rig::start(
        "2026-11-23T20:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet),
    )
    .await;
    let a = r.holder("a.service");
    assert!(a.held());
    a.fail_next(2);
    r.publish(snapshot(State::Off, "2026-11-23T17:00:00Z", settings(&[])))
        .await;
    assert!(a.held(), "released despite failing");
    r.pass(Duration::from_secs(1)).await;
    r.pass(Duration::from_secs(2)).await;
    assert!(
        !a.held(),
        "a removed entry's hold was left behind: {:?}",
        a.calls()
    );
    assert_eq!(
        r.ledger.holds().await.unwrap().len(),
        1,
        "only notifications"
    );
}

#[tokio::test(start_paused = true)]
async fn with_no_notification_server_the_agent_waits_for_one_instead_of_polling() {
    let quiet = settings(&[]);
    let off = snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone());
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path().join("l.sqlite3")).await.unwrap();
    let server = FakeHolder::new("dunst");
    let r = Rig::start_with(
        "2026-11-23T20:00:00Z",
        snapshot(State::Working, "2026-11-23T09:00:00Z", quiet),
        ledger,
        dir,
        server,
    )
    .await;
    *r.desktop.no_server.lock().unwrap() = Some(0);
    r.publish(off).await;
    r.pass(Duration::from_secs(60)).await;
    assert_eq!(
        *r.desktop.no_server.lock().unwrap(),
        Some(1),
        "polled for a server"
    );
    assert!(r.holder_status()[0].error.is_some());
    // dunst starts: held at once.
    *r.desktop.no_server.lock().unwrap() = None;
    let restarted = r.desktop.restarted.lock().unwrap().clone().unwrap();
    restarted.send(()).unwrap();
    r.settle().await;
    assert!(r.desktop.server.held());
}

#[tokio::test(start_paused = true)]
async fn allowed_apps_get_through_and_urgent_ones_wait_only_when_critical_is_hold() {
    let quiet = QuietSettings {
        critical: crate::config::quiet::CriticalPolicy::Hold,
        allow: vec!["On-Call Pager".into()],
        ..settings(&[])
    };
    let r = Rig::start(
        "2026-11-23T17:00:00Z",
        snapshot(State::Off, "2026-11-23T17:00:00Z", quiet.clone()),
    )
    .await;
    r.pass(Duration::from_secs(600)).await;
    assert!(r.desktop.server.held());
    r.arrive("Case system", true).await;
    r.arrive("on-call pager", false).await;
    let calls = r.desktop.server.calls();
    assert_eq!(
        calls.iter().filter(|c| *c == "let through").count(),
        1,
        "only the allowed app, named in any case: {calls:?}"
    );
    assert!(r.desktop.server.held());
    r.pass(Duration::from_secs(15 * 3600)).await;
    r.publish(snapshot(State::Working, "2026-11-24T09:00:00Z", quiet))
        .await;
    assert_eq!(
        r.digests(),
        [vec![("Case system".to_string(), 1)]],
        "the urgent one was held, so it is in the digest"
    );
}
