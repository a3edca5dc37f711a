//! The control interface `org.clockoff.Agent1` at `/org/clockoff/Agent` on the session bus.
//! Methods only send a request to the loop and wait for its reply; properties read the
//! loop's published [`Snapshot`]; a task turns each new snapshot into signals.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{oneshot, watch};
use zbus::object_server::SignalEmitter;
use zbus::{fdo, interface, proxy};

use super::event::{Event, EventSender, Length, RecordRequest, Refusal, Reply, Request};
use super::snapshot::Snapshot;

pub const BUS_NAME: &str = "org.clockoff.Agent1";
pub const OBJECT_PATH: &str = "/org/clockoff/Agent";

pub struct AgentInterface {
    events: EventSender,
    snapshot: watch::Receiver<Snapshot>,
}

impl AgentInterface {
    pub fn new(events: EventSender, snapshot: watch::Receiver<Snapshot>) -> Self {
        Self { events, snapshot }
    }

    /// Sends a request to the loop and waits for its typed reply; a refusal becomes the
    /// D-Bus error the caller sees.
    async fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> fdo::Result<T> {
        let (reply, answer) = oneshot::channel();
        self.events
            .send(Event::Request(request(reply)))
            .map_err(|_| fdo::Error::Failed("the agent is shutting down".into()))?;
        match answer.await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(Refusal::InvalidArgs(why))) => Err(fdo::Error::InvalidArgs(why)),
            Ok(Err(Refusal::Failed(why))) => Err(fdo::Error::Failed(why)),
            Err(_) => Err(fdo::Error::Failed("the agent is shutting down".into())),
        }
    }

    /// [`Self::ask`] for a change to the worker's record.
    async fn record<T>(&self, request: impl FnOnce(Reply<T>) -> RecordRequest) -> fdo::Result<T> {
        self.ask(|reply| Request::Record(request(reply))).await
    }
}

fn instant(what: &str, text: &str) -> fdo::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|_| fdo::Error::InvalidArgs(format!("{what}: \"{text}\" is not RFC 3339")))
}

#[interface(name = "org.clockoff.Agent1")]
impl AgentInterface {
    /// JSON: the state, until when, today's and this week's active minutes.
    async fn status(&self) -> fdo::Result<String> {
        let status = self.ask(Request::Status).await?;
        serde_json::to_string(&status).map_err(|e| fdo::Error::Failed(e.to_string()))
    }

    /// Work now for `duration_s` seconds (recorded as chosen out-of-hours work). Returns when
    /// the override ends, RFC 3339.
    #[zbus(name = "Override")]
    async fn start_override(&self, duration_s: u64, reason: &str) -> fdo::Result<String> {
        let reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
        let until = self
            .ask(|reply| Request::Override {
                length: Length::For(Duration::from_secs(duration_s)),
                reason,
                reply,
            })
            .await?;
        Ok(until.rfc3339())
    }

    /// Work now "until I stop": the override ends at the last input before the worker goes
    /// idle, locks the screen or sleeps (12 hours at most). Returns its latest end, RFC 3339.
    async fn override_until_stop(&self, reason: &str) -> fdo::Result<String> {
        let reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
        let until = self
            .ask(|reply| Request::Override {
                length: Length::UntilAway,
                reason,
                reply,
            })
            .await?;
        Ok(until.rfc3339())
    }

    /// End the running override now. Returns the state the schedule is in.
    async fn end_override(&self) -> fdo::Result<String> {
        let state = self.ask(Request::EndOverride).await?;
        Ok(state.name().to_owned())
    }

    /// Finish for the day: off (holding notifications and sync at once) until work next
    /// begins, ending any override. Returns when work next begins, RFC 3339, or "".
    async fn finish_early(&self) -> fdo::Result<String> {
        let resumes = self.ask(Request::FinishEarly).await?;
        Ok(resumes.map(|t| t.rfc3339()).unwrap_or_default())
    }

    /// Undo finishing for the day. Returns the state the schedule is in.
    async fn resume(&self) -> fdo::Result<String> {
        let state = self.ask(Request::Resume).await?;
        Ok(state.name().to_owned())
    }

    /// Record work done away from the laptop, self-reported. `start` and `end` are RFC 3339.
    async fn log_manual(&self, start: &str, end: &str, note: &str) -> fdo::Result<String> {
        let (start, end) = (instant("start", start)?, instant("end", end)?);
        let note = note.trim().to_owned();
        let id = self
            .record(|reply| RecordRequest::LogManual {
                start,
                end,
                note,
                reply,
            })
            .await?;
        Ok(id.to_string())
    }

    /// Correct logged entry `corrects` (its number, as `clockoff logged` shows it): a new entry
    /// from `start` to `end` (RFC 3339) with `note` takes its place; the old one is kept but no
    /// longer counts. `reason` may be empty. Returns the new entry's id.
    async fn correct_manual(
        &self,
        corrects: i64,
        start: &str,
        end: &str,
        note: &str,
        reason: &str,
    ) -> fdo::Result<String> {
        let (start, end) = (instant("start", start)?, instant("end", end)?);
        let (note, reason) = (note.trim().to_owned(), reason.trim().to_owned());
        let id = self
            .record(|reply| RecordRequest::CorrectManual {
                old: crate::ledger::ManualId::new(corrects),
                start,
                end,
                note,
                reason,
                reply,
            })
            .await?;
        Ok(id.to_string())
    }

    /// Withdraw logged entry `id`: it is kept but no longer counts. `reason` is required.
    /// Returns the withdrawal's id.
    async fn withdraw_manual(&self, id: i64, reason: &str) -> fdo::Result<String> {
        let reason = reason.trim().to_owned();
        let id = self
            .record(|reply| RecordRequest::WithdrawManual {
                old: crate::ledger::ManualId::new(id),
                reason,
                reply,
            })
            .await?;
        Ok(id.to_string())
    }

    /// Record time off in lieu taken on `date` (a local day, YYYY-MM-DD): `minutes` from 1 to
    /// 1440, with an optional note. Returns the entry's id.
    async fn take_toil(&self, date: &str, minutes: u64, note: &str) -> fdo::Result<String> {
        let date = date
            .parse::<chrono::NaiveDate>()
            .map_err(|_| fdo::Error::InvalidArgs(format!("date: \"{date}\" is not YYYY-MM-DD")))?;
        // Out-of-range values are refused by the loop with the ledger's own message.
        let minutes = i64::try_from(minutes).unwrap_or(i64::MAX);
        let note = note.trim().to_owned();
        let id = self
            .record(|reply| RecordRequest::TakeToil {
                date,
                minutes,
                note,
                reply,
            })
            .await?;
        Ok(id.to_string())
    }

    /// Forget every record from before the week `before` (YYYY-MM-DD) falls in, keeping the
    /// chain verifiable and the TOIL balance. `clockoff forget` confirms with the worker first.
    async fn forget(&self, before: &str) -> fdo::Result<String> {
        let before = before.parse::<chrono::NaiveDate>().map_err(|_| {
            fdo::Error::InvalidArgs(format!("before: \"{before}\" is not YYYY-MM-DD"))
        })?;
        self.record(|reply| RecordRequest::Forget {
            before: Some(before),
            reply,
        })
        .await
    }

    /// Pause (`true`) or resume reporting an ISO week ("2026-W47"). Returns JSON:
    /// `{"week":…,"paused":…,"queued":…}`.
    async fn pause_report(&self, week: &str, paused: bool) -> fdo::Result<String> {
        let week = crate::core::record::week::parse(week).map_err(fdo::Error::InvalidArgs)?;
        let stored = self
            .record(|reply| RecordRequest::PauseReport {
                week,
                paused,
                reply,
            })
            .await?;
        Ok(crate::report::pause_reply(&stored))
    }

    /// Re-read the config; a broken one is refused with its errors and the old one kept.
    async fn reload(&self) -> fdo::Result<String> {
        self.ask(Request::Reload).await
    }

    #[zbus(property)]
    async fn state(&self) -> String {
        self.snapshot.borrow().state.name().to_owned()
    }

    /// When the state ends, RFC 3339 in the configured zone; empty if it never does.
    #[zbus(property)]
    async fn until(&self) -> String {
        self.snapshot.borrow().until_text()
    }

    #[zbus(property)]
    async fn activity_source(&self) -> String {
        self.snapshot.borrow().activity_source.clone()
    }

    /// Sent on every change of state.
    #[zbus(signal, name = "StateChanged")]
    async fn announce_state(
        emitter: &SignalEmitter<'_>,
        state: &str,
        since: &str,
        until: &str,
    ) -> zbus::Result<()>;
}

/// Emits `StateChanged` and `PropertiesChanged` for every snapshot the loop publishes.
pub async fn announce(connection: zbus::Connection, mut snapshots: watch::Receiver<Snapshot>) {
    let Ok(iface) = connection
        .object_server()
        .interface::<_, AgentInterface>(OBJECT_PATH)
        .await
    else {
        return;
    };
    let mut last = snapshots.borrow_and_update().clone();
    while snapshots.changed().await.is_ok() {
        let now = snapshots.borrow_and_update().clone();
        let agent = iface.get().await;
        let emitter = iface.signal_emitter();
        // Signals are best effort: a full bus must not stop the agent.
        if (now.state, now.since, now.until) != (last.state, last.since, last.until) {
            let _ = AgentInterface::announce_state(
                emitter,
                now.state.name(),
                &now.since_text(),
                &now.until_text(),
            )
            .await;
            let _ = agent.state_changed(emitter).await;
            let _ = agent.until_changed(emitter).await;
        }
        if now.activity_source != last.activity_source {
            let _ = agent.activity_source_changed(emitter).await;
        }
        last = now;
    }
}

/// The client side, for the CLI (and anyone else in Rust).
#[proxy(
    interface = "org.clockoff.Agent1",
    default_service = "org.clockoff.Agent1",
    default_path = "/org/clockoff/Agent"
)]
pub trait Agent {
    fn status(&self) -> zbus::Result<String>;
    #[zbus(name = "Override")]
    fn start_override(&self, duration_s: u64, reason: &str) -> zbus::Result<String>;
    fn override_until_stop(&self, reason: &str) -> zbus::Result<String>;
    fn end_override(&self) -> zbus::Result<String>;
    fn finish_early(&self) -> zbus::Result<String>;
    fn resume(&self) -> zbus::Result<String>;
    fn log_manual(&self, start: &str, end: &str, note: &str) -> zbus::Result<String>;
    fn correct_manual(
        &self,
        corrects: i64,
        start: &str,
        end: &str,
        note: &str,
        reason: &str,
    ) -> zbus::Result<String>;
    fn withdraw_manual(&self, id: i64, reason: &str) -> zbus::Result<String>;
    fn take_toil(&self, date: &str, minutes: u64, note: &str) -> zbus::Result<String>;
    fn forget(&self, before: &str) -> zbus::Result<String>;
    fn pause_report(&self, week: &str, paused: bool) -> zbus::Result<String>;
    fn reload(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn state(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn until(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn activity_source(&self) -> zbus::Result<String>;
    #[zbus(signal, name = "StateChanged")]
    fn announce_state(&self, state: &str, since: &str, until: &str) -> zbus::Result<()>;
}
