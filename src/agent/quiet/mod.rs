//! Quiet hours: a task beside the engine that watches its [`Snapshot`] and, outside working
//! hours, holds notifications and sync; when work starts it releases them and shows one
//! digest of what arrived. Each holder runs in its own [`slot`]; the desktop itself (which
//! notification server, the monitor, our own notices) is reached through [`Desktop`], so the
//! policy here is tested with an in-memory desktop and end to end with real ones.

pub mod desktop;
pub mod slot;
mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::event::{Event, EventSender, Length, Request};
use super::sleep_for;
use super::snapshot::Snapshot;
use crate::config::QuietSettings;
use crate::config::quiet::{NotificationPolicy, ServerChoice, SyncSpec};
use crate::core::clock::Clock;
use crate::core::quiet::{Wanted, wanted};
use crate::desktop::monitor::Arrived;
use crate::hold::{BoxFuture, HoldError, Holder};
use crate::ledger::{Ledger, QuietPeriod, SavedHold};
use slot::{FindHolder, Slot, SlotStatus, Want};
pub use status::QuietStatus;

/// What the worker chose on the end-of-hours notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeChoice {
    ClockOff,
    WorkMore,
    Dismissed,
}

/// The desktop as quiet hours needs it.
pub trait Desktop: Send + Sync + 'static {
    /// The holder for the session's notification server (`choice`, or the one running).
    fn notification_holder(
        &self,
        choice: ServerChoice,
    ) -> BoxFuture<'static, Result<Arc<dyn Holder>, HoldError>>;
    fn sync_holder(&self, spec: &SyncSpec) -> Arc<dyn Holder>;
    /// Sends once each time the notification server gets a new owner (it restarted).
    fn watch_server(&self, restarted: mpsc::UnboundedSender<()>) -> JoinHandle<()>;
    /// Watches Notify calls: sends each one's app name and urgency until the task is aborted.
    fn start_monitor(
        &self,
        apps: mpsc::UnboundedSender<Arrived>,
    ) -> BoxFuture<'static, Result<JoinHandle<()>, String>>;
    fn show_digest(&self, counts: Vec<(String, u64)>) -> BoxFuture<'static, Result<(), String>>;
    /// Shows the end-of-hours notice and waits for the worker's choice. Dropping the future
    /// takes the notice away.
    fn end_of_hours(&self, body: String) -> BoxFuture<'static, Result<NoticeChoice, String>>;
}

pub struct QuietParts {
    pub clock: Arc<dyn Clock>,
    pub ledger: Ledger,
    pub desktop: Arc<dyn Desktop>,
    pub snapshot: watch::Receiver<Snapshot>,
    pub events: EventSender,
    pub status: watch::Sender<QuietStatus>,
    /// Completes when the agent stops: holds are released before the ledger closes.
    pub stop: oneshot::Receiver<()>,
}

/// How long "Work 30 more minutes" lasts.
pub const WORK_MORE: Duration = Duration::from_secs(30 * 60);

struct SlotHandle {
    /// Everything the slot was built from: a change to any of it starts a new slot.
    definition: String,
    /// The notification server's slot (the monitor counts only while it holds).
    notifications: bool,
    want: watch::Sender<Want>,
    status: watch::Receiver<SlotStatus>,
    task: JoinHandle<()>,
}

struct Quiet {
    clock: Arc<dyn Clock>,
    ledger: Ledger,
    desktop: Arc<dyn Desktop>,
    events: EventSender,
    status: watch::Sender<QuietStatus>,
    settings: Option<QuietSettings>,
    slots: BTreeMap<String, SlotHandle>,
    /// Slots on their way out; their handles keep them instructed until they finish.
    retiring: Vec<SlotHandle>,
    restarted: watch::Sender<u64>,
    period: Option<QuietPeriod>,
    monitor: Option<JoinHandle<()>>,
    /// The monitor is tried once per quiet period: a bus that refuses it will refuse again.
    monitor_tried: bool,
    apps: mpsc::UnboundedSender<Arrived>,
    /// Bumped for each notification seen while quiet that gets through (urgent, or from an
    /// allowed app): the notification slot lets it through.
    urgent: watch::Sender<u64>,
    /// The state span (by its start) the end-of-hours notice was shown for.
    noticed: Option<Option<DateTime<Utc>>>,
    notice: Option<JoinHandle<Result<NoticeChoice, String>>>,
}

/// Runs until told to stop (or the engine is gone), then releases what it holds.
pub async fn run(parts: QuietParts) {
    let QuietParts {
        clock,
        ledger,
        desktop,
        mut snapshot,
        events,
        status,
        mut stop,
    } = parts;
    let (apps_tx, mut apps) = mpsc::unbounded_channel();
    let (restart_tx, mut restarts) = mpsc::unbounded_channel();
    let watcher = desktop.watch_server(restart_tx);
    let period = ledger.current_quiet().await.unwrap_or_else(|e| {
        tracing::error!("reading quiet hours from the ledger: {e}");
        None
    });
    let mut quiet = Quiet {
        clock,
        ledger,
        desktop,
        events,
        status,
        settings: None,
        slots: BTreeMap::new(),
        retiring: Vec::new(),
        restarted: watch::channel(0).0,
        period,
        monitor: None,
        monitor_tried: false,
        apps: apps_tx,
        urgent: watch::channel(0).0,
        noticed: None,
        notice: None,
    };
    loop {
        let snap = snapshot.borrow_and_update().clone();
        let quiet_at = quiet.apply(&snap).await;
        let sleep = quiet_at.map(|t| (t - quiet.clock.now()).to_std().unwrap_or_default());
        tokio::select! {
            _ = &mut stop => break,
            changed = snapshot.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            () = sleep_for(sleep) => {}
            Some(arrived) = apps.recv() => quiet.arrived(arrived).await,
            Some(()) = restarts.recv() => {
                quiet.restarted.send_modify(|n| *n += 1);
            }
            choice = notice(&mut quiet.notice) => quiet.chosen(choice, &snap),
        }
    }
    watcher.abort();
    quiet.stop().await;
}

async fn notice(task: &mut Option<JoinHandle<Result<NoticeChoice, String>>>) -> NoticeOutcome {
    let Some(running) = task.as_mut() else {
        return std::future::pending().await;
    };
    let result = running.await;
    *task = None;
    match result {
        Ok(Ok(choice)) => NoticeOutcome::Chosen(choice),
        Ok(Err(e)) => NoticeOutcome::Failed(e),
        Err(e) => NoticeOutcome::Failed(e.to_string()),
    }
}

enum NoticeOutcome {
    Chosen(NoticeChoice),
    Failed(String),
}

impl Quiet {
    /// Brings everything in line with the snapshot; returns when to look again.
    async fn apply(&mut self, snap: &Snapshot) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let grace = snap.quiet.grace;
        let quiet_now = self.period.is_some();
        let wanted = wanted(
            snap.state,
            snap.since,
            grace,
            snap.finished_early.is_some(),
            quiet_now,
            now,
        );
        if self.settings.as_ref() != Some(&snap.quiet) {
            // New slots start already wanting the right thing: one left held by a crash
            // must not be released and held again while it is still quiet.
            let want = match wanted {
                Wanted::Quiet => Want::Hold,
                Wanted::Open { .. } => Want::Release,
            };
            self.configure(snap.quiet.clone(), want).await;
        }
        let quiet_at = match wanted {
            Wanted::Quiet => {
                self.close_notice();
                self.enter(now).await;
                None
            }
            Wanted::Open { quiet_at } => {
                self.leave(now).await;
                match quiet_at {
                    Some(at) => self.offer_notice(snap, at),
                    None => self.close_notice(),
                }
                quiet_at
            }
        };
        self.publish(quiet_at);
        quiet_at
    }

    /// Starts quiet hours (or carries on with the period a previous run left open).
    async fn enter(&mut self, now: DateTime<Utc>) {
        // Holders first: the ledger's write (an fsync) need not delay the hold.
        self.want_all(Want::Hold);
        if self.period.is_none() {
            match self.ledger.begin_quiet(now).await {
                Ok(period) => self.period = Some(period),
                Err(e) => {
                    tracing::error!("recording the start of quiet hours: {e}");
                    self.period = Some(QuietPeriod {
                        start: now,
                        end: None,
                    });
                }
            }
            tracing::info!("quiet hours: holding notifications and sync");
        }
        let counting = self
            .settings
            .as_ref()
            .is_some_and(|s| s.notifications == NotificationPolicy::Hold);
        if counting && self.monitor.is_none() && !self.monitor_tried {
            self.monitor_tried = true;
            match self.desktop.start_monitor(self.apps.clone()).await {
                Ok(task) => self.monitor = Some(task),
                Err(e) => tracing::warn!("held notifications will not be counted: {e}"),
            }
        }
    }

    /// Ends quiet hours: releases everything and shows what was held.
    async fn leave(&mut self, now: DateTime<Utc>) {
        self.want_all(Want::Release);
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
        self.monitor_tried = false;
        let Some(period) = self.period.take() else {
            return;
        };
        tracing::info!("quiet hours over: releasing notifications and sync");
        if let Err(e) = self.ledger.end_quiet(now).await {
            tracing::error!("recording the end of quiet hours: {e}");
        }
        let counts = match self.ledger.held_counts(period.start, now).await {
            Ok(counts) => counts,
            Err(e) => {
                tracing::error!("counting held notifications: {e}");
                return;
            }
        };
        if counts.is_empty() {
            return;
        }
        // Shown in the background: a slow server must not delay the release of sync.
        let digest = self.desktop.show_digest(counts);
        tokio::spawn(async move {
            if let Err(e) = digest.await {
                tracing::warn!("showing the digest: {e}");
            }
        });
    }

    /// Counts a notification that arrived, if it was held: quiet, and the server held (by
    /// us or by the worker's own do-not-disturb). Our own notices are not counted.
    /// A notification arrived: an urgent one (unless `[quiet] critical = "hold"`) or one from
    /// an app in `[quiet] allow` is let through, any other counted as held.
    async fn arrived(&self, arrived: Arrived) {
        let held = self
            .slots
            .values()
            .any(|s| s.notifications && s.status.borrow().held);
        let app = arrived.app.as_str();
        if self.period.is_none() || !held || app == crate::desktop::notices::APP_NAME {
            return;
        }
        let through = self
            .settings
            .as_ref()
            .is_some_and(|q| q.lets_through(app, arrived.urgent));
        if through {
            self.urgent.send_modify(|n| *n += 1);
            return;
        }
        match self.ledger.count_held(self.clock.now(), app).await {
            // Those watching (the tray) look again: the count they show is stale.
            Ok(_) => self.status.send_modify(|_| {}),
            Err(e) => tracing::error!("counting a held notification: {e}"),
        }
    }

    /// Shows the end-of-hours notice once per stretch of off time, if anything will be held.
    fn offer_notice(&mut self, snap: &Snapshot, quiet_at: DateTime<Utc>) {
        let holds_anything = !self.slots.is_empty();
        if !holds_anything || self.noticed == Some(snap.since) {
            return;
        }
        self.close_notice();
        self.noticed = Some(snap.since);
        let at = quiet_at.with_timezone(&snap.timezone).format("%H:%M");
        let body = format!(
            "Notifications and sync will be held from {at}; urgent (critical) notifications \
             still reach you. Any work from now on is recorded as out of hours."
        );
        self.notice = Some(tokio::spawn(self.desktop.end_of_hours(body)));
    }

    /// "Clock off" on the end-of-hours notice: finish for the day, as the tray's item does.
    /// The engine owns it (it is recorded, and status, tray and D-Bus say so); the snapshot
    /// it publishes then makes this task hold at once.
    fn clock_off(&self) {
        let (reply, _) = oneshot::channel();
        let _ = self
            .events
            .send(Event::Request(Request::FinishEarly(reply)));
    }

    fn close_notice(&mut self) {
        if let Some(task) = self.notice.take() {
            task.abort();
        }
    }

    fn chosen(&mut self, outcome: NoticeOutcome, snap: &Snapshot) {
        match outcome {
            NoticeOutcome::Chosen(NoticeChoice::ClockOff) => self.clock_off(),
            NoticeOutcome::Chosen(NoticeChoice::WorkMore) => {
                let (reply, answer) = oneshot::channel();
                let request = Request::Override {
                    length: Length::For(WORK_MORE),
                    reason: Some("chose to work on at the end of hours".into()),
                    reply,
                };
                if self.events.send(Event::Request(request)).is_ok() {
                    tokio::spawn(async move {
                        if let Ok(Err(refusal)) = answer.await {
                            tracing::warn!("working on: {refusal}");
                        }
                    });
                }
            }
            NoticeOutcome::Chosen(NoticeChoice::Dismissed) => {}
            NoticeOutcome::Failed(e) => {
                tracing::warn!("the end-of-hours notice (for {}): {e}", snap.state);
            }
        }
    }

    fn want_all(&self, want: Want) {
        for slot in self.slots.values() {
            slot.want.send_if_modified(|w| {
                let changed = *w != want;
                *w = want;
                changed
            });
        }
    }

    /// Starts a slot for every holder the settings name, keeps the ones that did not change,
    /// and retires the rest (each releases what it holds, then ends). A retired slot may
    /// touch what its successor holds (the same server, the same Syncthing), so successors
    /// start only once it has finished, or after [`HANDOVER_LIMIT`].
    async fn configure(&mut self, settings: QuietSettings, want: Want) {
        let mut wanted_slots: Vec<SlotDefinition> = Vec::new();
        if settings.notifications == NotificationPolicy::Hold {
            wanted_slots.push(self.notification_slot(settings.server));
        }
        for spec in &settings.sync {
            let holder = self.desktop.sync_holder(spec);
            let find: FindHolder = Arc::new(move || {
                let holder = holder.clone();
                Box::pin(async move { Ok(holder) })
            });
            wanted_slots.push(SlotDefinition {
                key: format!("sync: {}", spec.describe()),
                definition: format!("{spec:?}"),
                find,
                notifications: false,
            });
        }
        let first = self.settings.is_none();
        let unchanged = |key: &String, slot: &SlotHandle| {
            wanted_slots
                .iter()
                .any(|w| w.key == *key && w.definition == slot.definition)
        };
        let gone: Vec<String> = self
            .slots
            .iter()
            .filter(|(key, slot)| !unchanged(key, slot))
            .map(|(key, _)| key.clone())
            .collect();
        let mut handing_over = Vec::new();
        for key in gone {
            if let Some(slot) = self.slots.remove(&key) {
                let _ = slot.want.send(Want::Retire);
                handing_over.push(slot);
            }
        }
        if !handing_over.is_empty() {
            let all = futures_util::future::join_all(handing_over.iter_mut().map(|s| &mut s.task));
            if tokio::time::timeout(HANDOVER_LIMIT, all).await.is_err() {
                tracing::warn!(
                    "a holder being replaced is still releasing; starting its successor anyway"
                );
            }
            self.retiring.extend(handing_over);
        }
        self.retiring.retain(|slot| !slot.task.is_finished());
        let mut saved = self.saved_holds().await;
        for slot in wanted_slots {
            if !self.slots.contains_key(&slot.key) {
                let saved = saved.remove(&slot.key);
                let handle = self.spawn_slot(&slot, saved, want);
                self.slots.insert(slot.key, handle);
            }
        }
        if first {
            self.release_orphans(saved);
        }
        if settings.notifications == NotificationPolicy::Allow
            && let Some(monitor) = self.monitor.take()
        {
            monitor.abort();
        }
        self.settings = Some(settings);
        // `apply` sets what each slot wants right after.
    }

    fn notification_slot(&self, choice: ServerChoice) -> SlotDefinition {
        let desktop = self.desktop.clone();
        let key = format!("notifications ({choice})");
        SlotDefinition {
            definition: key.clone(),
            key,
            find: Arc::new(move || desktop.notification_holder(choice)),
            notifications: true,
        }
    }

    async fn saved_holds(&self) -> BTreeMap<String, SavedHold> {
        match self.ledger.holds().await {
            Ok(holds) => holds.into_iter().map(|h| (h.holder.clone(), h)).collect(),
            Err(e) => {
                tracing::error!("reading saved holds: {e}");
                BTreeMap::new()
            }
        }
    }

    /// Holds a previous run left that no configured holder owns any more: a notification
    /// server's can still be released (the server is found afresh); a sync entry that was
    /// removed cannot, so the worker is told.
    fn release_orphans(&mut self, orphans: BTreeMap<String, SavedHold>) {
        for (key, hold) in orphans {
            let choice = key
                .strip_prefix("notifications (")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(|name| name.parse::<ServerChoice>().ok());
            match choice {
                Some(choice) => {
                    let slot = self.notification_slot(choice);
                    let handle = self.spawn_slot(&slot, Some(hold), Want::Retire);
                    self.retiring.push(handle);
                }
                None => {
                    tracing::warn!(
                        "{key} was held by clockoff and is no longer in the config; \
                         resume it yourself if it is still paused"
                    );
                    let ledger = self.ledger.clone();
                    tokio::spawn(async move {
                        let _ = ledger.forget_hold(&key).await;
                    });
                }
            }
        }
    }

    fn spawn_slot(
        &self,
        slot: &SlotDefinition,
        saved: Option<SavedHold>,
        want: Want,
    ) -> SlotHandle {
        let (want_tx, want_rx) = watch::channel(want);
        let (report, status) = watch::channel(SlotStatus {
            key: slot.key.clone(),
            holder: None,
            held: saved.is_some(),
            held_by_worker: false,
            error: None,
            retry_at: None,
        });
        let task = Slot {
            key: slot.key.clone(),
            find: slot.find.clone(),
            want: want_rx,
            restarted: slot.notifications.then(|| self.restarted.subscribe()),
            urgent: slot.notifications.then(|| self.urgent.subscribe()),
            ledger: self.ledger.clone(),
            clock: self.clock.clone(),
            report,
            saved,
        };
        SlotHandle {
            definition: slot.definition.clone(),
            notifications: slot.notifications,
            want: want_tx,
            status,
            task: tokio::spawn(task.run()),
        }
    }

    fn publish(&self, quiet_at: Option<DateTime<Utc>>) {
        let next = QuietStatus {
            quiet_since: self.period.as_ref().map(|p| p.start),
            quiet_at,
            holders: self.slots.values().map(|s| s.status.clone()).collect(),
        };
        // Published after every look, but only a change wakes those watching (the tray asks
        // the engine for its status each time it wakes).
        self.status.send_if_modified(|current| {
            let changed = !current.same_as(&next);
            if changed {
                *current = next;
            }
            changed
        });
    }

    /// The agent is stopping: nothing may stay held with no agent to release it, so every
    /// slot releases (once, briefly); the quiet period stays open in the ledger, and a
    /// restart while still off holds again and keeps counting into the same digest.
    async fn stop(mut self) {
        self.close_notice();
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
        for slot in std::mem::take(&mut self.slots).into_values() {
            self.retiring.push(slot);
        }
        for slot in &self.retiring {
            let _ = slot.want.send(Want::Stop);
        }
        let all = futures_util::future::join_all(self.retiring.iter_mut().map(|s| &mut s.task));
        if tokio::time::timeout(STOP_LIMIT, all).await.is_err() {
            tracing::warn!("some holds were not released in time; the next start will");
        }
        // None may outlive the ledger: what is left is in it for the next start.
        for slot in self.retiring {
            slot.task.abort();
        }
    }
}

/// What a slot is built from.
struct SlotDefinition {
    key: String,
    definition: String,
    find: FindHolder,
    notifications: bool,
}

/// How long stopping waits for holds to be released.
const STOP_LIMIT: Duration = Duration::from_secs(3);
/// How long a replaced slot may take to release before its successor starts.
const HANDOVER_LIMIT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests;
