//! The state the agent's loop owns, and what each event does to it. Everything here runs on
//! the loop's task; nothing else touches this state.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::event::{Length, Refusal, Request, UNTIL_AWAY_AT_MOST};
use super::quiet::QuietStatus;
use super::record_requests::{self, RecordDesk};
use super::snapshot::Snapshot;
use super::status;
use crate::agent::tray::TrayStatus;
use crate::agent::upload::UploadStatus;
use crate::config::{self, Config, ConfigPaths};
use crate::core::activity::Class;
use crate::core::clock::Clock;
use crate::core::presence::{Edge, Presence, Signal};
use crate::core::quiet::next_release;
use crate::core::recorder::{Key, Op, Recorder};
use crate::core::schedule::State;
use crate::core::spans::Span;
use crate::core::timeline::Timeline;
use crate::ledger::{EarlyFinish, IntervalId, Ledger, OverrideRecord};
use crate::status::Status;

/// An open interval's end is written at least this often, so a crash loses at most this much.
pub const CHECKPOINT_EVERY: TimeDelta = TimeDelta::seconds(60);
/// How far wall time may drift from monotonic time between two looks before it counts as a
/// jump (clock set, or a suspend nobody told us about).
const JUMP_TOLERANCE: TimeDelta = TimeDelta::seconds(2);
/// Transitions walked one by one after a jump; beyond this the agent resumes from "now".
const MAX_CATCH_UP: usize = 256;
/// The longest override one request can start.
const MAX_OVERRIDE: Duration = Duration::from_secs(24 * 3600);

/// The schedule's answer for an instant, with both timelines folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    state: State,
    class: Class,
    /// When the effective state began and ends (what the worker sees).
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    /// The next instant either timeline changes: the class can change under an override.
    next_change: Option<DateTime<Utc>>,
}

pub struct Engine {
    clock: Arc<dyn Clock>,
    paths: ConfigPaths,
    config: Config,
    config_sources: Vec<String>,
    /// Each `[[calendar]]` as last read, for status.
    calendars: Vec<crate::calendars::CalendarState>,
    /// The schedule as configured, and with the worker's overrides and early finishes on top.
    base: Timeline,
    effective: Timeline,
    overrides: Vec<OverrideRecord>,
    /// The worker's finish for the day in force (one at a time), until it ends.
    early_finish: Option<EarlyFinish>,
    position: Position,
    presence: Presence,
    recorder: Recorder,
    ids: HashMap<Key, IntervalId>,
    last_checkpoint: Option<DateTime<Utc>>,
    ledger: Ledger,
    ledger_path: PathBuf,
    activity_source: String,
    snapshot: watch::Sender<Snapshot>,
    quiet: watch::Receiver<QuietStatus>,
    tray: watch::Receiver<TrayStatus>,
    upload: watch::Receiver<UploadStatus>,
    /// Told when a week is paused or resumed, so sending looks at the queue again.
    report_changed: Arc<Notify>,
    /// Successful reloads so far: a reload counts even when nothing in the config changed
    /// (the worker may have fixed a file the config only names, such as the token file).
    reloads: u64,
    /// The last time the loop looked, on both clocks, to tell a jump from time passing.
    seen: (DateTime<Utc>, Instant),
    /// Input reported from before this start was recorded (or not) by the previous run.
    started_at: DateTime<Utc>,
}

pub struct EngineParts {
    pub clock: Arc<dyn Clock>,
    pub paths: ConfigPaths,
    pub config: Config,
    pub config_sources: Vec<String>,
    pub ledger: Ledger,
    pub ledger_path: PathBuf,
    pub activity_source: String,
    /// What quiet hours and the tray are doing, for status.
    pub quiet: watch::Receiver<QuietStatus>,
    pub tray: watch::Receiver<TrayStatus>,
    /// What sending the weekly summaries is doing, for status.
    pub upload: watch::Receiver<UploadStatus>,
    pub report_changed: Arc<Notify>,
}

impl Engine {
    /// Loads overrides still running from the ledger and records where the schedule stands.
    pub async fn start(parts: EngineParts, snapshot: watch::Sender<Snapshot>) -> Self {
        let now = parts.clock.now();
        let overrides = match parts
            .ledger
            .overrides_overlapping(now, now + TimeDelta::days(2))
            .await
        {
            Ok(list) => list,
            Err(e) => {
                tracing::error!("could not read overrides from the ledger: {e}");
                Vec::new()
            }
        };
        // An override "until I stop" cannot outlive the run that watched for the stop: with
        // the agent down (shut down, crashed, laptop off) nobody saw whether the worker went
        // on, so it ends here rather than running to its 12-hour cap.
        let mut overrides = overrides;
        for o in overrides.iter_mut().filter(|o| o.until_away && o.end > now) {
            match parts.ledger.end_override(o.id, now).await {
                Ok(ended) => *o = ended,
                Err(e) => tracing::error!("ending an override left by the last run: {e}"),
            }
        }
        overrides.retain(|o| o.end > now);
        // A finish for the day outlives a restart: the worker said they had stopped.
        let early_finish = parts.ledger.early_finish_at(now).await.unwrap_or_else(|e| {
            tracing::error!("could not read an early finish from the ledger: {e}");
            None
        });
        let (config, calendars) = crate::calendars::with_cached(parts.config, now);
        let (base, effective) = timelines(&config, &overrides, early_finish);
        let position = locate(&base, &effective, now);
        let engine = Self {
            clock: parts.clock,
            paths: parts.paths,
            config,
            config_sources: parts.config_sources,
            calendars,
            base,
            effective,
            overrides,
            early_finish,
            position,
            presence: Presence::default(),
            recorder: Recorder::default(),
            ids: HashMap::new(),
            last_checkpoint: None,
            ledger: parts.ledger,
            ledger_path: parts.ledger_path,
            activity_source: parts.activity_source,
            snapshot,
            quiet: parts.quiet,
            tray: parts.tray,
            upload: parts.upload,
            report_changed: parts.report_changed,
            reloads: 0,
            seen: (now, Instant::now()),
            started_at: now,
        };
        // The state the agent found on starting is a transition it saw.
        engine.note_transition(now, position.state).await;
        engine.publish();
        engine
    }

    /// The config in force (the one last loaded that passed its checks).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many reloads have succeeded since the start.
    pub fn reloads(&self) -> u64 {
        self.reloads
    }

    pub fn activity_settings(&self) -> config::ActivitySettings {
        self.config.activity
    }

    /// The activity sources are being replaced: what they said no longer holds, so the
    /// stretch in progress ends now and presence is unknown until the new ones report.
    pub async fn activity_sources_stopped(&mut self) {
        let now = self.look().await;
        self.end_stretch(now).await;
        self.presence = Presence::default();
        self.activity_source = "starting".into();
        self.publish();
    }

    pub fn activity_sources_started(&mut self, describe: String) {
        self.activity_source = describe;
        self.publish();
    }

    /// When the loop must next wake with nothing else happening: the next schedule change,
    /// or the next checkpoint while someone is being recorded.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        let checkpoint = self
            .recorder
            .open()
            .and(self.last_checkpoint)
            .map(|t| t + CHECKPOINT_EVERY);
        [self.position.next_change, checkpoint]
            .into_iter()
            .flatten()
            .min()
    }

    /// A deadline passed (or anything else happened): bring everything up to now.
    pub async fn wake(&mut self) {
        let now = self.look().await;
        if self
            .last_checkpoint
            .is_some_and(|t| now >= t + CHECKPOINT_EVERY)
        {
            self.checkpoint(now).await;
        }
    }

    pub async fn activity(&mut self, signal: Signal) {
        let now = self.look().await;
        match self.presence.apply(signal) {
            Some(Edge::Arrived(at)) => self.arrive(at.min(now), now).await,
            Some(Edge::Left(at)) => {
                let at = at.min(now);
                self.end_stretch(at).await;
                self.end_override_on_leaving(at, now).await;
            }
            // Not there, and never seen to leave (the sources just started and the first word
            // was "idle"): an override "until I stop" has nobody to wait for.
            None if !self.presence.is_present() => self.end_override_on_leaving(now, now).await,
            None => {}
        }
        self.publish();
    }

    /// The kernel says the wall clock was set, or the machine resumed: look now.
    pub async fn wall_clock_changed(&mut self) {
        self.look().await;
        self.publish();
        self.snapshot.send_modify(|s| s.wall_clock_changes += 1);
    }

    pub async fn handle(&mut self, request: Request) {
        let now = self.look().await;
        match request {
            Request::Status(reply) => {
                let _ = reply.send(self.status(now).await);
            }
            Request::Override {
                length,
                reason,
                reply,
            } => {
                let _ = reply.send(self.start_override(now, length, reason).await);
            }
            Request::EndOverride(reply) => {
                let _ = reply.send(self.end_override(now).await);
            }
            Request::FinishEarly(reply) => {
                let _ = reply.send(self.finish_early(now).await);
            }
            Request::Resume(reply) => {
                let _ = reply.send(self.resume(now).await);
            }
            Request::Record(request) => {
                let desk = RecordDesk {
                    ledger: &self.ledger,
                    ledger_path: &self.ledger_path,
                    config: &self.config,
                    report_changed: &self.report_changed,
                };
                record_requests::handle(desk, now, request).await;
            }
            Request::Reload(reply) => {
                let _ = reply.send(self.reload().await);
            }
        }
    }

    /// Reads the config files again. A broken config is refused and the running one kept.
    pub async fn reload(&mut self) -> Result<String, Refusal> {
        let now = self.look().await;
        let (config, sources) = config::load(&self.paths).map_err(|errors| {
            Refusal::Failed(format!(
                "the new configuration was refused; the running one is kept:\n{errors}"
            ))
        })?;
        (self.config, self.calendars) = crate::calendars::with_cached(config, now);
        self.config_sources = sources;
        self.reloads += 1;
        self.rebuild(now).await;
        Ok(format!("reloaded: {}", self.config_sources.join(", ")))
    }

    /// The calendars' copies were brought up to date: read them into the schedule.
    pub async fn calendars_refreshed(&mut self) {
        let now = self.look().await;
        // The old entries are replaced whole: not worth copying with the rest.
        self.config.from_calendars.clear();
        (self.config, self.calendars) = crate::calendars::with_cached(self.config.clone(), now);
        for calendar in &self.calendars {
            if let Some(problem) = &calendar.problem {
                tracing::warn!("calendar \"{}\": {problem}", calendar.name);
            }
        }
        self.rebuild(now).await;
    }

    /// Shutting down: the stretch in progress ends now, written before the ledger closes, and
    /// so does an override "until I stop" (nobody will be watching for the stop).
    pub async fn stop(mut self) {
        let now = self.look().await;
        self.end_stretch(now).await;
        self.end_override_on_leaving(now, now).await;
        if let Err(e) = self.ledger.close().await {
            tracing::error!("closing the ledger: {e}");
        }
    }

    /// Every event starts here: reads the wall clock and brings the state up to it. If wall
    /// time moved differently from monotonic time since the last look (the clock was set, or
    /// the machine slept without telling us first), the time the loop did not see pass is
    /// not active time: the stretch ends where monotonic time says we were, and the schedule
    /// is read afresh. This runs before any event is handled, whichever comes first.
    async fn look(&mut self) -> DateTime<Utc> {
        let now = self.clock.now();
        let (before, then) = self.seen;
        let expected = TimeDelta::from_std(then.elapsed())
            .ok()
            .and_then(|elapsed| before.checked_add_signed(elapsed))
            .unwrap_or(now);
        self.seen = (now, Instant::now());
        if (now - expected).abs() > JUMP_TOLERANCE {
            self.end_stretch(expected).await;
            self.resync(now).await;
            if self.presence.is_present() {
                self.arrive(now, now).await;
            }
        } else {
            self.catch_up(now).await;
        }
        now
    }

    /// The person left (or can no longer be seen) at `at`.
    async fn end_stretch(&mut self, at: DateTime<Utc>) {
        let ops = self.recorder.leave(at);
        self.apply(ops).await;
        self.ids.clear();
        self.last_checkpoint = None;
    }

    async fn arrive(&mut self, at: DateTime<Utc>, now: DateTime<Utc>) {
        // `at` may be a little in the past (the first input); walk the changes since. Input
        // from before this run started belongs to the previous run's record.
        let at = at.max(self.started_at);
        let mut position = locate(&self.base, &self.effective, at);
        let ops = self.recorder.arrive(at, position.state, position.class);
        if ops.is_empty() {
            return; // already recording
        }
        self.apply(ops).await;
        self.last_checkpoint = Some(at);
        while let Some(change) = position.next_change.filter(|t| *t <= now) {
            position = locate(&self.base, &self.effective, change);
            let ops = self.recorder.split(change, position.state, position.class);
            self.apply(ops).await;
        }
    }

    /// Walks every schedule change up to `now`, splitting the open interval at each.
    async fn catch_up(&mut self, now: DateTime<Utc>) {
        let mut steps = 0;
        while let Some(change) = self.position.next_change.filter(|t| *t <= now) {
            if steps == MAX_CATCH_UP {
                self.resync(now).await;
                return;
            }
            self.enter(locate(&self.base, &self.effective, change), change)
                .await;
            steps += 1;
        }
    }

    /// Re-reads the position at `now` from scratch (after a jump, reload or override).
    async fn resync(&mut self, now: DateTime<Utc>) {
        let position = locate(&self.base, &self.effective, now);
        self.enter(position, now).await;
    }

    async fn enter(&mut self, position: Position, at: DateTime<Utc>) {
        if position.state != self.position.state {
            self.note_transition(at, position.state).await;
        }
        let ops = self.recorder.split(at, position.state, position.class);
        self.apply(ops).await;
        self.position = position;
        self.publish();
    }

    async fn note_transition(&self, at: DateTime<Utc>, state: State) {
        if let Err(e) = self.ledger.record_transition(at, state).await {
            tracing::error!("recording a transition: {e}");
        }
    }

    async fn checkpoint(&mut self, now: DateTime<Utc>) {
        if let Some(op) = self.recorder.checkpoint(now) {
            self.apply(vec![op]).await;
            self.last_checkpoint = Some(now);
        }
    }

    /// Carries out the recorder's operations. A ledger error is reported and the agent goes
    /// on: losing one write must not stop the rest of the record.
    async fn apply(&mut self, ops: Vec<Op>) {
        for op in ops {
            let result = match op {
                Op::Open {
                    key,
                    start,
                    class,
                    state,
                } => self
                    .ledger
                    .open_interval(start, class, state, &self.activity_source)
                    .await
                    .map(|id| {
                        self.ids.insert(key, id);
                    }),
                Op::Checkpoint { key, to } => match self.ids.get(&key) {
                    Some(id) => self.ledger.checkpoint(*id, to).await,
                    None => Ok(()),
                },
                Op::Close { key, end } => match self.ids.get(&key) {
                    Some(id) => self.ledger.close_interval(*id, end).await,
                    None => Ok(()),
                },
            };
            if let Err(e) = result {
                tracing::error!("writing the ledger: {e}");
            }
        }
    }

    fn publish(&self) {
        let position = self.position;
        let present = self.presence.is_present();
        let source = &self.activity_source;
        let tz = self.config.timezone;
        let quiet = &self.config.quiet;
        let config_tray = self.config.tray;
        let finished_early = self.finished_early(self.clock.now()).map(|f| f.start);
        self.snapshot.send_if_modified(|s| {
            let next = Snapshot {
                state: position.state,
                since: position.since,
                until: position.until,
                finished_early,
                timezone: tz,
                present,
                activity_source: source.clone(),
                quiet: quiet.clone(),
                tray: config_tray,
                wall_clock_changes: s.wall_clock_changes,
            };
            let changed = *s != next;
            *s = next;
            changed
        });
    }

    async fn status(&mut self, now: DateTime<Utc>) -> Result<Status, Refusal> {
        // Bring the open interval's end up to now so the totals include it.
        self.checkpoint(now).await;
        let tz = self.config.timezone;
        let day = status::today(tz, now);
        let week = status::this_week(tz, now);
        let today = self.ledger.totals(day.start, day.end).await?;
        let this_week = self.ledger.totals(week.start, week.end).await?;
        let running = self.running_override(now);
        let quiet = self.quiet.borrow().clone();
        let held = match quiet.quiet_since {
            Some(since) => self.ledger.held_counts(since, now).await?,
            None => Vec::new(),
        };
        let held = held.iter().map(|(_, n)| n).sum();
        let last_week = self.last_week(now).await?;
        Ok(status::StatusParts {
            snapshot: &self.snapshot.borrow(),
            running_override: running,
            work_resumes: next_release(&self.base, now),
            day,
            today: &today,
            week,
            this_week: &this_week,
            ledger: &self.ledger_path,
            config_sources: &self.config_sources,
            timezone_source: self.config.timezone_source,
            quiet: quiet.to_status(tz, held),
            tray: self.tray.borrow().to_status(),
            report: self.upload.borrow().to_status(tz, last_week.to_status()),
            source: self.config.source_of(self.position.state, now),
            calendars: &self.calendars,
        }
        .into_status())
    }

    /// Where the last week that has ended stands, read from the ledger (not from the upload
    /// task's status, which catches up with a pause only after this request is answered).
    async fn last_week(&self, now: DateTime<Utc>) -> Result<status::LastWeek, Refusal> {
        let week = crate::report::last_completed_week(self.config.timezone, now);
        let stored = self.ledger.report_week(week).await?;
        let delivered = self
            .ledger
            .queued_reports()
            .await?
            .iter()
            .any(|q| q.week == week && q.delivered.is_some());
        Ok(status::LastWeek {
            week,
            paused: stored.paused,
            delivered,
        })
    }

    fn running_override(&self, now: DateTime<Utc>) -> Option<&OverrideRecord> {
        self.overrides
            .iter()
            .find(|o| Span::new(o.start, o.end).contains(now))
    }

    async fn start_override(
        &mut self,
        now: DateTime<Utc>,
        length: Length,
        reason: Option<String>,
    ) -> Result<crate::status::Time, Refusal> {
        let (duration, until_away) = match length {
            Length::For(duration) => (duration, false),
            Length::UntilAway if crate::status::sees_no_input(&self.activity_source) => {
                return Err(Refusal::Failed(
                    "clockoff cannot tell when you stop: no activity source runs (see `clockoff \
                     status`); choose how long instead, e.g. `clockoff override 1h`"
                        .into(),
                ));
            }
            Length::UntilAway => (UNTIL_AWAY_AT_MOST, true),
        };
        if duration.is_zero() || duration > MAX_OVERRIDE {
            return Err(Refusal::InvalidArgs(
                "an override lasts from 1 second to 24 hours".into(),
            ));
        }
        // Whole seconds, rounded up so the override is never shorter than asked: the end is
        // shown to people and compared by scripts.
        let end = now + TimeDelta::from_std(duration).unwrap_or(TimeDelta::hours(24));
        let end = end.duration_round_up(TimeDelta::seconds(1)).unwrap_or(end);
        // A new override replaces a running one rather than stacking on it.
        if let Some(id) = self.running_override(now).map(|o| o.id) {
            self.ledger.end_override(id, now).await?;
            self.overrides.retain(|o| o.id != id);
        }
        let added = self
            .ledger
            .add_override(now, end, reason.clone(), until_away)
            .await;
        if let Ok(id) = added {
            self.overrides.push(OverrideRecord {
                id,
                start: now,
                end,
                reason,
                until_away,
            });
        }
        // Rebuilt either way: a replaced override has ended even if the new one failed.
        self.rebuild(now).await;
        added?;
        Ok(crate::status::time_in(self.config.timezone, end))
    }

    /// An override "until I stop" ends where the worker stopped: their last input before
    /// going idle, locking the screen or sleeping.
    async fn end_override_on_leaving(&mut self, left: DateTime<Utc>, now: DateTime<Utc>) {
        let Some(id) = self
            .running_override(now)
            .filter(|o| o.until_away)
            .map(|o| o.id)
        else {
            return;
        };
        match self.ledger.end_override(id, left).await {
            Ok(_) => self.overrides.retain(|o| o.id != id),
            Err(e) => tracing::error!("ending the override on leaving: {e}"),
        }
        self.rebuild(now).await;
    }

    async fn end_override(&mut self, now: DateTime<Utc>) -> Result<State, Refusal> {
        let Some(id) = self.running_override(now).map(|o| o.id) else {
            return Err(Refusal::Failed("no override is running".into()));
        };
        self.ledger.end_override(id, now).await?;
        self.overrides.retain(|o| o.id != id);
        self.rebuild(now).await;
        Ok(self.position.state)
    }

    /// The early finish in force at `now`.
    fn finished_early(&self, now: DateTime<Utc>) -> Option<&EarlyFinish> {
        self.early_finish
            .as_ref()
            .filter(|f| Span::new(f.start, f.end).contains(now))
    }

    /// "Finish for the day": working hours are off from now until work next begins, so the
    /// laptop is quiet at once, with no grace. An override ends first (the worker stopped
    /// working). Refused on call (a call must get through) and where nothing is to finish.
    async fn finish_early(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::status::Time>, Refusal> {
        match self.position.state {
            State::OnCall => {
                return Err(Refusal::Failed(
                    "you are on call: notifications are not held while a call may come".into(),
                ));
            }
            State::Leave | State::Holiday => {
                return Err(Refusal::Failed(format!(
                    "you are already off ({}): nothing to finish",
                    self.position.state
                )));
            }
            State::Working | State::Off | State::Override => {}
        }
        if self.running_override(now).is_some() {
            self.end_override(now).await?;
        }
        let resumes = next_release(&self.base, now);
        // Beyond the schedule's horizon (no working hours at all), a day is what was asked.
        let end = resumes.unwrap_or(now + TimeDelta::days(1));
        // The ledger ends one already in force; this one takes its place.
        self.early_finish = Some(self.ledger.finish_early(now, end).await?);
        self.rebuild(now).await;
        Ok(resumes.map(|t| crate::status::time_in(self.config.timezone, t)))
    }

    /// Undoes an early finish: the schedule decides again from now.
    async fn resume(&mut self, now: DateTime<Utc>) -> Result<State, Refusal> {
        if self.finished_early(now).is_none() {
            return Err(Refusal::Failed(
                "you have not finished for the day: there is nothing to resume".into(),
            ));
        }
        // The ledger ends it at `now`: none is in force from here.
        self.ledger.resume(now).await?;
        self.early_finish = None;
        self.rebuild(now).await;
        Ok(self.position.state)
    }

    /// New schedule, overrides or early finishes: rebuild both timelines and re-read the
    /// position.
    async fn rebuild(&mut self, now: DateTime<Utc>) {
        self.overrides.retain(|o| o.end > now);
        self.early_finish = self.early_finish.filter(|f| f.end > now);
        (self.base, self.effective) = timelines(&self.config, &self.overrides, self.early_finish);
        self.resync(now).await;
    }
}

/// The schedule as configured, and with the overrides and early finishes on top.
fn timelines(
    config: &Config,
    overrides: &[OverrideRecord],
    early_finish: Option<EarlyFinish>,
) -> (Timeline, Timeline) {
    let schedule = config.schedule();
    let effective = schedule
        .with_overrides(overrides.iter().map(|o| Span::new(o.start, o.end)))
        .with_early_finishes(early_finish.map(|f| Span::new(f.start, f.end)));
    (Timeline::new(schedule), Timeline::new(effective))
}

fn locate(base: &Timeline, effective: &Timeline, t: DateTime<Utc>) -> Position {
    let eff = effective.state_at(t);
    let base_span = base.state_at(t);
    Position {
        state: eff.state,
        class: Class::of_states(eff.state, base_span.state),
        since: eff.since,
        until: eff.until,
        next_change: [eff.until, base_span.until].into_iter().flatten().min(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::event::RecordRequest;
    use crate::config::UserFile;
    use crate::core::clock::FakeClock;
    use crate::core::testing::utc;
    use crate::ledger::ManualId;
    use crate::ledger::Totals;

    const CONFIG: &str = "timezone = \"Europe/London\"\n";

    struct Rig {
        engine: Engine,
        clock: Arc<FakeClock>,
        ledger: Ledger,
        snapshot: watch::Receiver<Snapshot>,
        dir: tempfile::TempDir,
    }

    /// An engine on the default hours (Mon-Fri 09:00-17:00, London) with a fresh ledger.
    async fn rig(now: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
        rig_in(dir, Arc::new(FakeClock::new(utc(now)))).await
    }

    /// An engine on the config and ledger in `dir`.
    async fn rig_in(dir: tempfile::TempDir, clock: Arc<FakeClock>) -> Rig {
        let user = dir.path().join("config.toml");
        let paths = ConfigPaths {
            policy: dir.path().join("no-policy.toml"),
            user: UserFile::Explicit(user),
        };
        let (config, config_sources) = config::load(&paths).unwrap();
        let ledger_path = dir.path().join("ledger.sqlite3");
        let (ledger, _) = Ledger::open(&ledger_path).await.unwrap();
        let (tx, snapshot) = watch::channel(Snapshot {
            state: State::Off,
            since: None,
            until: None,
            finished_early: None,
            timezone: config.timezone,
            present: false,
            activity_source: String::new(),
            quiet: config.quiet.clone(),
            tray: config.tray,
            wall_clock_changes: 0,
        });
        let engine = Engine::start(
            EngineParts {
                clock: clock.clone(),
                paths,
                config,
                config_sources,
                ledger: ledger.clone(),
                ledger_path,
                activity_source: "test".into(),
                quiet: watch::channel(QuietStatus::default()).1,
                tray: watch::channel(TrayStatus::Off(crate::agent::tray::TrayOff::Flag)).1,
                upload: watch::channel(UploadStatus::default()).1,
                report_changed: Arc::new(Notify::new()),
            },
            tx,
        )
        .await;
        Rig {
            engine,
            clock,
            ledger,
            snapshot,
            dir,
        }
    }

    impl Rig {
        /// Input from `since` on.
        async fn active_since(&mut self, since: &str) {
            let since = utc(since);
            self.engine.activity(Signal::Active { since }).await;
        }

        /// Time passes: the wall clock and tokio's (monotonic) clock move together.
        async fn at(&self, t: &str) {
            let by = utc(t) - self.clock.now();
            self.clock.set(utc(t));
            tokio::time::advance(by.to_std().unwrap()).await;
        }

        /// No input since `last_input`, as a source reports it.
        async fn idle_since(&mut self, last_input: &str) {
            let last_input = utc(last_input);
            self.engine.activity(Signal::Idle { last_input }).await;
        }

        /// The wall clock alone moves, as when it is set or the machine slept unannounced.
        /// `clockoff log` of a running agent, answered now.
        async fn log(
            &mut self,
            start: DateTime<Utc>,
            end: DateTime<Utc>,
            note: &str,
        ) -> Result<ManualId, Refusal> {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let note = note.to_owned();
            let request = RecordRequest::LogManual {
                start,
                end,
                note,
                reply,
            };
            self.engine.handle(Request::Record(request)).await;
            answer.await.unwrap()
        }

        fn jump_to(&self, t: &str) {
            self.clock.set(utc(t));
        }

        /// Stops the engine as a shutdown would and starts a new one on the same files.
        async fn restart(self) -> Rig {
            let clock = self.clock.clone();
            self.engine.stop().await;
            drop(self.ledger);
            rig_in(self.dir, clock).await
        }

        /// Stops the engine as a shutdown would, and reads the ledger it leaves.
        async fn stop(self) -> (Ledger, tempfile::TempDir) {
            self.engine.stop().await;
            drop(self.ledger);
            let (ledger, _) = Ledger::open(self.dir.path().join("ledger.sqlite3"))
                .await
                .unwrap();
            (ledger, self.dir)
        }

        /// Stops the engine and totals Monday 23 November 2026 from the ledger it leaves.
        async fn stop_and_total_the_day(self) -> Totals {
            let (ledger, _dir) = self.stop().await;
            day_totals(&ledger).await
        }
    }

    /// Monday 19:00, at the laptop, working on by choice for `length`; with the end the
    /// engine gave the override.
    async fn working_on(length: Length) -> (Rig, String) {
        let mut r = rig("2026-11-23T19:00:00Z").await;
        r.active_since("2026-11-23T19:00:00Z").await;
        let until = r
            .engine
            .start_override(utc("2026-11-23T19:00:00Z"), length, None)
            .await
            .unwrap();
        (r, until.rfc3339())
    }

    async fn day_totals(ledger: &Ledger) -> Totals {
        ledger
            .totals(utc("2026-11-23T00:00:00Z"), utc("2026-11-24T00:00:00Z"))
            .await
            .unwrap()
    }

    fn minutes(totals: &Totals, class: Class) -> u64 {
        totals.minutes(class)
    }

    #[tokio::test(start_paused = true)]
    async fn active_time_is_split_and_classed_at_each_boundary() {
        // Monday 16:30 to 17:20 at the laptop: 30 min working, 20 min out of hours.
        let mut r = rig("2026-11-23T16:30:00Z").await;
        r.active_since("2026-11-23T16:30:00Z").await;
        assert_eq!(r.engine.next_wake(), Some(utc("2026-11-23T16:31:00Z")));
        r.at("2026-11-23T17:00:00Z").await;
        r.engine.wake().await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        r.at("2026-11-23T17:25:00Z").await;
        r.idle_since("2026-11-23T17:20:00Z").await;
        let day = day_totals(&r.ledger).await;
        assert_eq!(minutes(&day, Class::Working), 30);
        assert_eq!(minutes(&day, Class::OutOfHours), 20);
        // Nothing open: no checkpoint to wake for, only tomorrow's 09:00.
        assert_eq!(r.engine.next_wake(), Some(utc("2026-11-24T09:00:00Z")));
    }

    #[tokio::test(start_paused = true)]
    async fn leaving_just_before_a_boundary_is_trimmed_back_across_it() {
        // Last input 16:58; idleness is only noticed at 17:03, after the 17:00 split.
        let mut r = rig("2026-11-23T16:00:00Z").await;
        r.active_since("2026-11-23T16:00:00Z").await;
        r.at("2026-11-23T17:03:00Z").await;
        r.idle_since("2026-11-23T16:58:00Z").await;
        let day = day_totals(&r.ledger).await;
        assert_eq!(minutes(&day, Class::Working), 58);
        assert_eq!(minutes(&day, Class::OutOfHours), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn an_override_is_chosen_work_out_of_hours_but_working_time_in_hours() {
        let mut r = rig("2026-11-23T16:50:00Z").await;
        r.active_since("2026-11-23T16:50:00Z").await;
        let until = r
            .engine
            .start_override(
                utc("2026-11-23T16:50:00Z"),
                Length::For(Duration::from_secs(30 * 60)),
                None,
            )
            .await
            .unwrap();
        assert_eq!(until.rfc3339(), "2026-11-23T17:20:00+00:00");
        assert_eq!(r.snapshot.borrow().state, State::Override);
        r.at("2026-11-23T17:30:00Z").await;
        r.engine.wake().await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::Working), 10);
        assert_eq!(minutes(&day, Class::Override), 20);
        assert_eq!(minutes(&day, Class::OutOfHours), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wall_clock_jump_is_not_active_time_and_the_state_is_read_afresh() {
        // Active at 08:00; the wall clock jumps to 10:00 with no time passing for the loop
        // (a suspend nobody announced): not two hours of work, and it is working time now.
        let mut r = rig("2026-11-23T08:00:00Z").await;
        r.active_since("2026-11-23T08:00:00Z").await;
        r.jump_to("2026-11-23T10:00:00Z");
        // Whatever the loop hears first after the jump (here a status request, before the
        // kernel's clock-change event), the unseen two hours are not counted.
        let (reply, answer) = tokio::sync::oneshot::channel();
        r.engine.handle(Request::Status(reply)).await;
        let status = answer.await.unwrap().unwrap();
        assert_eq!(status.today.out_of_hours_minutes, 0);
        assert_eq!(status.state, State::Working);
        r.engine.wall_clock_changed().await;
        assert_eq!(r.snapshot.borrow().state, State::Working);
        assert_eq!(r.engine.next_wake(), Some(utc("2026-11-23T10:01:00Z")));
        r.at("2026-11-23T10:30:00Z").await;
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::OutOfHours), 0);
        assert_eq!(minutes(&day, Class::Working), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_announced_only_after_resume_is_still_not_active_time() {
        // Without a delay inhibitor logind's PrepareForSleep(true) can be read after resume.
        let mut r = rig("2026-11-23T16:40:00Z").await;
        r.active_since("2026-11-23T16:40:00Z").await;
        r.at("2026-11-23T16:45:00Z").await;
        r.jump_to("2026-11-23T23:00:00Z");
        for sleeping in [true, false] {
            let at = utc("2026-11-23T23:00:00Z");
            r.engine.activity(Signal::Sleeping { sleeping, at }).await;
        }
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::Working), 5);
        assert_eq!(minutes(&day, Class::OutOfHours), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reload_mid_stretch_still_splits_at_the_boundary_it_passed() {
        let mut r = rig("2026-11-23T16:50:00Z").await;
        r.active_since("2026-11-23T16:50:00Z").await;
        r.at("2026-11-23T17:10:00Z").await;
        r.engine.reload().await.unwrap();
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::Working), 10);
        assert_eq!(minutes(&day, Class::OutOfHours), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn input_from_before_a_start_belongs_to_the_previous_run() {
        let mut r = rig("2026-11-23T12:00:00Z").await;
        r.active_since("2026-11-23T11:50:00Z").await;
        assert_eq!(
            r.engine.recorder.open(),
            Some((utc("2026-11-23T12:00:00Z"), Class::Working))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sleeping_across_a_boundary_records_neither_side_of_the_sleep() {
        let mut r = rig("2026-11-23T16:40:00Z").await;
        r.active_since("2026-11-23T16:40:00Z").await;
        r.at("2026-11-23T16:45:00Z").await;
        r.engine
            .activity(Signal::Sleeping {
                sleeping: true,
                at: utc("2026-11-23T16:45:00Z"),
            })
            .await;
        r.at("2026-11-23T18:00:00Z").await;
        r.engine
            .activity(Signal::Sleeping {
                sleeping: false,
                at: utc("2026-11-23T18:00:00Z"),
            })
            .await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        r.at("2026-11-23T18:10:00Z").await;
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::Working), 5);
        assert_eq!(minutes(&day, Class::OutOfHours), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_broken_config_is_refused_and_the_running_one_kept() {
        let mut r = rig("2026-11-23T12:00:00Z").await;
        let user = r.dir.path().join("config.toml");
        std::fs::write(&user, "timezone = \"Mars/Olympus\"\n").unwrap();
        let refusal = r.engine.reload().await.unwrap_err();
        assert!(
            refusal
                .to_string()
                .contains("config.toml:1:12: unknown time zone"),
            "{refusal}"
        );
        assert_eq!(r.snapshot.borrow().state, State::Working);
        // A good new config takes effect at once: no hours at all means off.
        std::fs::write(&user, "timezone = \"Europe/London\"\n[hours]\n").unwrap();
        r.engine.reload().await.unwrap();
        assert_eq!(r.snapshot.borrow().state, State::Off);
    }

    #[tokio::test(start_paused = true)]
    async fn overrides_survive_a_restart_and_manual_entries_are_checked() {
        let mut r = rig("2026-11-23T19:00:00Z").await;
        r.engine
            .start_override(
                utc("2026-11-23T19:00:00Z"),
                Length::For(Duration::from_secs(3600)),
                Some("court report".into()),
            )
            .await
            .unwrap();
        let now = utc("2026-11-23T19:00:00Z");
        let refused = |e: Result<ManualId, Refusal>| matches!(e, Err(Refusal::InvalidArgs(_)));
        let later = utc("2026-11-23T21:00:00Z");
        assert!(refused(r.log(later, later, "visit").await));
        assert!(refused(
            r.log(later, later + TimeDelta::hours(1), "visit").await
        ));
        assert!(refused(r.log(now - TimeDelta::hours(1), now, " ").await));
        r.log(now - TimeDelta::hours(1), now, "late visit")
            .await
            .unwrap();
        // A restart in the middle of the override picks it up from the ledger.
        let r = r.restart().await;
        assert_eq!(r.snapshot.borrow().state, State::Override);
        let (ledger, _dir) = r.stop().await;
        let overrides = ledger
            .overrides_overlapping(utc("2026-11-23T19:30:00Z"), utc("2026-11-24T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(overrides.len(), 1);
        assert_eq!(overrides[0].reason.as_deref(), Some("court report"));
        assert_eq!(day_totals(&ledger).await.manual_minutes(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn an_override_until_i_stop_ends_at_the_last_input_before_going_away() {
        let (mut r, until) = working_on(Length::UntilAway).await;
        assert_eq!(until, "2026-11-24T07:00:00+00:00", "12 hours at most");
        assert_eq!(r.snapshot.borrow().state, State::Override);
        // Away from 20:10 (seen at 20:15): the override ends at 20:10, and it is off again.
        r.at("2026-11-23T20:15:00Z").await;
        r.idle_since("2026-11-23T20:10:00Z").await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        // Back at 20:30: out of hours again, not an override.
        r.at("2026-11-23T20:30:00Z").await;
        r.active_since("2026-11-23T20:30:00Z").await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        r.at("2026-11-23T20:40:00Z").await;
        let (ledger, _dir) = r.stop().await;
        let overrides = ledger
            .overrides_overlapping(utc("2026-11-23T00:00:00Z"), utc("2026-11-25T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(overrides.len(), 1);
        assert!(overrides[0].until_away);
        assert_eq!(overrides[0].end, utc("2026-11-23T20:10:00Z"));
        let totals = day_totals(&ledger).await;
        assert_eq!(minutes(&totals, Class::Override), 70);
        assert_eq!(minutes(&totals, Class::OutOfHours), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn an_override_for_a_set_time_carries_on_while_the_worker_is_away() {
        let (mut r, _) = working_on(Length::For(Duration::from_secs(3600))).await;
        r.at("2026-11-23T19:20:00Z").await;
        r.idle_since("2026-11-23T19:15:00Z").await;
        assert_eq!(r.snapshot.borrow().state, State::Override);
    }

    #[tokio::test(start_paused = true)]
    async fn an_override_until_i_stop_ends_with_the_run_that_watched_for_the_stop() {
        let (r, _) = working_on(Length::UntilAway).await;
        r.at("2026-11-23T19:30:00Z").await;
        // The agent stops (a shutdown): the override ends then, not at 07:00 tomorrow.
        let r = r.restart().await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
        let (ledger, _dir) = r.stop().await;
        let found = ledger
            .overrides_overlapping(utc("2026-11-23T00:00:00Z"), utc("2026-11-25T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].end, utc("2026-11-23T19:30:00Z"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_override_until_i_stop_ends_when_the_first_word_from_new_sources_is_idle() {
        let (mut r, _) = working_on(Length::UntilAway).await;
        // A reload restarts the sources: presence is unknown again, then "idle".
        r.engine.activity_sources_stopped().await;
        r.at("2026-11-23T19:10:00Z").await;
        r.idle_since("2026-11-23T19:08:00Z").await;
        assert_eq!(r.snapshot.borrow().state, State::Off);
    }

    #[tokio::test(start_paused = true)]
    async fn until_i_stop_is_refused_when_nothing_can_tell_the_stop() {
        let mut r = rig("2026-11-23T19:00:00Z").await;
        r.engine.activity_source = "none".into();
        let refused = r
            .engine
            .start_override(utc("2026-11-23T19:00:00Z"), Length::UntilAway, None)
            .await;
        assert!(
            matches!(&refused, Err(Refusal::Failed(why)) if why.contains("cannot tell when you stop")),
            "{refused:?}"
        );
        assert_eq!(r.snapshot.borrow().state, State::Off);
    }

    #[tokio::test(start_paused = true)]
    async fn finishing_for_the_day_is_off_until_tomorrow_survives_a_restart_and_resumes() {
        let mut r = rig("2026-11-23T15:30:00Z").await;
        let back = r.engine.finish_early(utc("2026-11-23T15:30:00Z")).await;
        assert_eq!(
            back.unwrap().map(|t| t.to_utc()),
            Some(utc("2026-11-24T09:00:00Z"))
        );
        let seen = |r: &Rig| {
            let s = r.snapshot.borrow();
            (s.state, s.since, s.until, s.finished_early)
        };
        let finished = (
            State::Off,
            Some(utc("2026-11-23T15:30:00Z")),
            Some(utc("2026-11-24T09:00:00Z")),
            Some(utc("2026-11-23T15:30:00Z")),
        );
        assert_eq!(seen(&r), finished);
        // Working meanwhile, in the hours, is still working time (not overtime); after
        // 17:00 it would be out of hours as any evening's.
        r.at("2026-11-23T16:00:00Z").await;
        r.active_since("2026-11-23T16:00:00Z").await;
        r.at("2026-11-23T16:30:00Z").await;
        // A restart keeps it: status, tray and quiet hours all read the same state.
        r.at("2026-11-23T16:45:00Z").await;
        let mut r = r.restart().await;
        assert_eq!(seen(&r), finished);
        // Resumed at 16:50: working until 17:00 again, and nothing is left to resume.
        r.at("2026-11-23T16:50:00Z").await;
        assert_eq!(
            r.engine.resume(utc("2026-11-23T16:50:00Z")).await,
            Ok(State::Working)
        );
        assert_eq!(r.snapshot.borrow().finished_early, None);
        assert!(r.engine.resume(utc("2026-11-23T16:50:00Z")).await.is_err());
        let day = r.stop_and_total_the_day().await;
        assert_eq!(minutes(&day, Class::Working), 45);
        assert_eq!(minutes(&day, Class::OutOfHours), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn finishing_ends_an_override_and_is_refused_on_call() {
        let (mut r, _) = working_on(Length::For(Duration::from_secs(3600))).await;
        assert_eq!(r.snapshot.borrow().state, State::Override);
        r.engine
            .finish_early(utc("2026-11-23T19:00:00Z"))
            .await
            .unwrap();
        assert_eq!(r.snapshot.borrow().state, State::Off);
        assert!(
            r.engine
                .running_override(utc("2026-11-23T19:00:00Z"))
                .is_none()
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "timezone = \"Europe/London\"\n[[on_call]]\nfrom = \"2026-11-23T17:00\"\nto = \"2026-11-24T09:00\"\n",
        )
        .unwrap();
        let mut r = rig_in(dir, Arc::new(FakeClock::new(utc("2026-11-23T20:00:00Z")))).await;
        assert_eq!(r.snapshot.borrow().state, State::OnCall);
        let refusal = r.engine.finish_early(utc("2026-11-23T20:00:00Z")).await;
        assert!(
            matches!(&refusal, Err(Refusal::Failed(why)) if why.contains("on call")),
            "{refusal:?}"
        );
        assert_eq!(r.snapshot.borrow().state, State::OnCall);
    }
}
