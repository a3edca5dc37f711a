//! The agent's one loop: it owns the [`Engine`] and the activity sources, takes every
//! [`Event`] from one channel, and otherwise sleeps until the engine's next wake.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::AbortHandle;

use super::activity::{self, SignalSender};
use super::engine::Engine;
use super::event::{Event, EventSender};
use super::sleep_for;
use crate::config::{ActivitySettings, Config};
use crate::core::clock::Clock;

/// What the loop keeps besides the engine.
pub(super) struct Loop {
    pub engine: Engine,
    pub sources: Sources,
    pub clock: Arc<dyn Clock>,
    /// The engine's config as the upload task follows it, reloads included.
    pub config_out: watch::Sender<Config>,
    /// Wakes the upload task: a week may have ended while asleep.
    pub report_changed: Arc<Notify>,
    /// Tells the upload task a reload happened.
    pub reloaded: Arc<Notify>,
    /// Asks for the calendars to be fetched again (a reload, a resume).
    pub refresh_wanted: mpsc::UnboundedSender<super::calendar_refresh::Wanted>,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    Shutdown,
    Quit,
    BusLost,
}

impl Loop {
    /// Serves events until `shutdown` completes, the tray quits, or the bus is lost; then
    /// hands the engine and the sources back for stopping.
    pub async fn serve(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        shutdown: impl Future<Output = ()>,
    ) -> (Engine, Sources, Ended) {
        let mut reloads_seen = self.engine.reloads();
        let mut shutdown = pin!(shutdown);
        let ended = loop {
            let wait = self
                .engine
                .next_wake()
                .map(|t| (t - self.clock.now()).to_std().unwrap_or_default());
            tokio::select! {
                () = &mut shutdown => break Ended::Shutdown,
                Some(event) = events.recv() => {
                    if let Some(ended) = self.event(event).await {
                        break ended;
                    }
                }
                () = sleep_for(wait) => self.engine.wake().await,
            }
            // Every reload reaches sending (it retries what failed), changed config or not;
            // one that changed the calendars fetches them again.
            if self.engine.reloads() != reloads_seen {
                reloads_seen = self.engine.reloads();
                let calendars_changed =
                    self.config_out.borrow().calendars != self.engine.config().calendars;
                self.config_out.send_replace(self.engine.config().clone());
                self.reloaded.notify_one();
                if calendars_changed {
                    let _ = self
                        .refresh_wanted
                        .send(super::calendar_refresh::Wanted::Reloaded);
                }
            }
            // A reload that changed how activity is read restarts the sources.
            if self.engine.activity_settings() != self.sources.settings {
                self.sources.settings = self.engine.activity_settings();
                self.sources.start();
                self.engine.activity_sources_stopped().await;
            }
        };
        (self.engine, self.sources, ended)
    }

    /// Handles one event; `Some` when the loop must end.
    async fn event(&mut self, event: Event) -> Option<Ended> {
        match event {
            Event::Request(request) => self.engine.handle(request).await,
            Event::Activity(signal) => self.engine.activity(signal).await,
            Event::SourcesStarted {
                generation,
                started,
            } => {
                if let Some(describe) = self.sources.started(generation, started) {
                    tracing::info!("activity from {describe}");
                    self.engine.activity_sources_started(describe);
                }
            }
            Event::SourceStopped {
                generation,
                stopped,
            } if generation == self.sources.generation => {
                let delay = self.sources.restart_delay();
                tracing::warn!(
                    "activity source {stopped}; starting the sources again in {} s",
                    delay.as_secs()
                );
                self.sources.start_after(delay);
                self.engine.activity_sources_stopped().await;
            }
            // A source of a start already replaced: its news is stale.
            Event::SourceStopped { .. } => {}
            Event::WallClockChanged => {
                self.engine.wall_clock_changed().await;
                // Its timer is monotonic too: a week may have ended while asleep.
                self.report_changed.notify_one();
                let _ = self
                    .refresh_wanted
                    .send(super::calendar_refresh::Wanted::Resumed);
            }
            Event::ConfigChanged => match self.engine.reload().await {
                Ok(message) => tracing::info!("config changed on disk; {message}"),
                Err(refusal) => tracing::warn!("config changed on disk; {refusal}"),
            },
            Event::CalendarFileChanged => {
                let _ = self
                    .refresh_wanted
                    .send(super::calendar_refresh::Wanted::FileChanged);
            }
            Event::CalendarsRefreshed => {
                self.engine.calendars_refreshed().await;
                // The leave and on-call calendars give shape the weekly figures.
                self.config_out.send_replace(self.engine.config().clone());
            }
            Event::Quit => {
                tracing::info!("quit from the tray; stopping");
                return Some(Ended::Quit);
            }
            Event::BusLost => {
                tracing::info!("the session bus went away (the session ended); stopping");
                return Some(Ended::BusLost);
            }
        }
        None
    }
}

/// How long after a source dies the sources start again: long enough for a compositor to
/// come back after a crash (KWin's wrapper restarts it at once).
const RESTART_AFTER: Duration = Duration::from_secs(2);

/// A source that lived this long had not been dying over and over: the next restart is quick.
const LIVED_LONG_ENOUGH: Duration = Duration::from_secs(60);

/// The longest wait between restarts of a source that keeps dying.
const RESTART_AT_MOST: Duration = Duration::from_secs(300);

/// The wait before restart number `n` in a row of quick deaths (0 for the first): doubling
/// from [`RESTART_AFTER`], so a peer that fails at once cannot fill the log or keep ending
/// the stretch every 2 seconds.
fn backoff(n: u32) -> Duration {
    RESTART_AFTER
        .saturating_mul(1 << n.min(16))
        .min(RESTART_AT_MOST)
}

/// The activity sources: started in the background, so a slow or hung peer never keeps the
/// loop (and D-Bus callers) waiting. Each start is numbered; what an older start reports
/// after a newer one began is stopped and dropped.
pub(super) struct Sources {
    pub settings: ActivitySettings,
    clock: Arc<dyn Clock>,
    session: zbus::Connection,
    events: EventSender,
    generation: u64,
    running: Option<activity::Started>,
    /// The start in progress, aborted by [`Sources::stop`].
    starting: Option<AbortHandle>,
    /// When the latest start began (monotonic), and how many starts in a row died soon
    /// after: the restart's backoff.
    started_at: Option<tokio::time::Instant>,
    quick_deaths: u32,
}

impl Sources {
    pub fn new(
        settings: ActivitySettings,
        clock: Arc<dyn Clock>,
        session: zbus::Connection,
        events: EventSender,
    ) -> Self {
        Self {
            settings,
            clock,
            session,
            events,
            generation: 0,
            running: None,
            starting: None,
            started_at: None,
            quick_deaths: 0,
        }
    }

    /// Stops whatever runs and starts the sources for `settings` in the background; the loop
    /// hears of them as [`Event::SourcesStarted`], with nothing running if the start failed
    /// outright (a panic), so the engine knows no source watches the worker.
    pub fn start(&mut self) {
        self.start_after(Duration::ZERO);
    }

    /// [`Sources::start`], after `delay`: a source that died is given a moment (a compositor
    /// restarting after a crash), and one that dies at once cannot spin the loop.
    pub fn start_after(&mut self, delay: Duration) {
        self.stop();
        self.generation += 1;
        // From when it was asked for: a source can die before the start's news arrives.
        self.started_at = Some(tokio::time::Instant::now() + delay);
        let generation = self.generation;
        let (settings, clock) = (self.settings, self.clock.clone());
        let (session, events) = (self.session.clone(), self.events.clone());
        let signals = SignalSender::to_loop(events.clone(), generation);
        let starting = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let started = activity::start(
                settings.source,
                settings.idle_after,
                clock,
                Some(&session),
                signals,
            )
            .await;
            for skipped in &started.skipped {
                tracing::info!("activity source {skipped}");
            }
            started
        });
        self.starting = Some(starting.abort_handle());
        tokio::spawn(async move {
            let started = match starting.await {
                Ok(started) => started,
                Err(e) if e.is_panic() => activity::Started::nothing(),
                // Aborted by a newer start or the stop: its news would be stale.
                Err(_) => return,
            };
            let _ = events.send(Event::SourcesStarted {
                generation,
                started,
            });
        });
    }

    /// How long to wait before starting again after a running source died.
    pub fn restart_delay(&mut self) -> Duration {
        let lived = self.started_at.map(|at| at.elapsed());
        if lived.is_some_and(|lived| lived >= LIVED_LONG_ENOUGH) {
            self.quick_deaths = 0;
        }
        let delay = backoff(self.quick_deaths);
        self.quick_deaths = self.quick_deaths.saturating_add(1);
        delay
    }

    pub fn stop(&mut self) {
        if let Some(starting) = self.starting.take() {
            starting.abort();
        }
        for task in self.running.take().iter().flat_map(|s| &s.tasks) {
            task.abort();
        }
    }

    /// What start number `generation` got running: kept, and described, if it is the
    /// latest start; stopped otherwise.
    fn started(&mut self, generation: u64, started: activity::Started) -> Option<String> {
        if generation != self.generation {
            for task in &started.tasks {
                task.abort();
            }
            return None;
        }
        self.starting = None;
        let describe = started.describe();
        self.running = Some(started);
        Some(describe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_to_five_minutes() {
        let waits: Vec<u64> = (0..10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(u32::MAX), RESTART_AT_MOST);
    }
}
