//! Sending the weekly summaries: a durable queue in the ledger, and one task in the agent
//! that works through it.
//!
//! - **What is queued.** While `[report] enabled` is on, each ISO week is queued once, when
//!   it has ended (in the config's zone). Turning reporting on queues the last week that has
//!   ended and those after it, never the history before. While it is off nothing is queued
//!   or sent, and turning it on again starts afresh from the last week ended then. A laptop
//!   that was off for weeks queues the [`MAX_CATCH_UP`] latest.
//! - **When it is sent.** A week is first tried [`GRACE`] after it ends (Monday midday), then
//!   retried with capped exponential backoff and jitter ([`backoff`]); every time is kept in
//!   the ledger, so a restart neither starts the schedule over nor sends early.
//! - **What is sent** is built from the ledger at each try, exactly as
//!   `clockoff report preview` shows it: a manual entry or correction made before the
//!   week is delivered counts. The report id is fixed when the week is queued and every
//!   try carries it, so the dashboard stores a week once however often it arrives.
//! - **Never twice, never paused.** The pause is checked right before each send; a delivered
//!   week is final.

pub mod backoff;
pub mod client;
pub mod status;
pub mod token;
pub mod week_token;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, IsoWeek, TimeDelta, Utc};
use tokio::sync::{Notify, oneshot, watch};

use crate::config::Config;
use crate::core::clock::Clock;
use crate::core::record::week;
use crate::core::summary::ReportId;
use crate::ledger::{Attempt, Ledger, Reader, ToQueue};
use crate::report::{self, secret};
pub use backoff::{GRACE, Jitter, MAX_CATCH_UP, OsJitter, Timing};
use client::{Dashboard, Sent};
pub use status::UploadStatus;

pub struct UploadParts {
    pub clock: Arc<dyn Clock>,
    pub ledger: Ledger,
    /// Read afresh for each summary; the device secret lies beside it.
    pub ledger_path: PathBuf,
    /// The agent's config, replaced on each reload and when calendars are read again.
    pub config: watch::Receiver<Config>,
    /// Told on each reload (not when calendars are read again): the token file or the
    /// address may have been fixed.
    pub reloaded: Arc<Notify>,
    /// Look again now: the wall clock jumped, or a week was paused or resumed.
    pub wake: Arc<Notify>,
    pub status: watch::Sender<UploadStatus>,
    pub timing: Timing,
    pub jitter: Box<dyn Jitter>,
}

/// Runs until `stop` fires (or the agent's config channel closes). A send cut short by the
/// stop is simply tried again after the next start, under the same report id.
pub async fn run(mut parts: UploadParts, mut stop: oneshot::Receiver<()>) {
    let dashboard = Dashboard::through_helper();
    let mut config = parts.config.borrow_and_update().clone();
    let mut ahead = None;
    loop {
        let wait = tokio::select! {
            _ = &mut stop => return,
            wait = parts.step(&config, &dashboard, &mut ahead) => wait,
        };
        tokio::select! {
            _ = &mut stop => return,
            changed = parts.config.changed() => {
                if changed.is_err() {
                    return;
                }
                config = parts.config.borrow_and_update().clone();
            }
            () = parts.reloaded.notified() => {
                config = parts.config.borrow_and_update().clone();
                // Perhaps the token file or the address was fixed: what failed is tried now
                // (once each: a reload is rare).
                if let Err(e) = parts.ledger.retry_failed_reports(parts.clock.now()).await {
                    tracing::warn!("reporting: {e}");
                }
            }
            () = parts.wake.notified() => {}
            () = crate::agent::sleep_for(wait) => {}
        }
    }
}

impl UploadParts {
    /// One pass: queue what has ended, send what is due, and say how long to sleep (`None`:
    /// until something changes).
    async fn step(
        &mut self,
        config: &Config,
        dashboard: &Dashboard,
        ahead: &mut Option<Ahead>,
    ) -> Option<Duration> {
        if !config.report.enabled {
            if let Err(e) = self.ledger.stop_queueing_reports().await {
                tracing::warn!("reporting: {e}");
            }
            let queue = self.ledger.queued_reports().await.unwrap_or_default();
            self.status
                .send_replace(UploadStatus::of(&config.report, &queue));
            return None;
        }
        let fetch_at = self.fetch_ahead(config, dashboard, ahead).await;
        let until_fetch = fetch_at.map(|at| (at - self.clock.now()).to_std().unwrap_or_default());
        match self.pass(config, dashboard).await {
            Ok(wait) => Some(until_fetch.map_or(wait, |f| f.min(wait))),
            Err(e) => {
                // The ledger or the random source failed: nothing was lost; look again soon.
                tracing::warn!("reporting: {e}");
                Some(self.timing.minute)
            }
        }
    }

    async fn pass(&mut self, config: &Config, dashboard: &Dashboard) -> Result<Duration, String> {
        let tz = config.timezone;
        let now = self.clock.now();
        let last = report::last_completed_week(tz, now);
        self.ledger
            .queue_reports(candidates(tz, last)?, now)
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let queue = self
                .ledger
                .queued_reports()
                .await
                .map_err(|e| e.to_string())?;
            let base = config.report.dashboard.as_deref().unwrap_or_default();
            let files = week_token::Files::beside(&self.ledger_path);
            let enrolment = files.enrolment(base).await.ok().flatten();
            self.status.send_replace(
                UploadStatus::of(&config.report, &queue).with_enrolment(enrolment.as_ref()),
            );
            let now = self.clock.now();
            let due = crate::ledger::next_due(&queue)
                .and_then(|q| Some((q.week, q.attempts, q.next_attempt?)));
            match due {
                Some((week, failures, at)) if at <= now => {
                    self.attempt(config, dashboard, week, failures).await?;
                }
                due => {
                    // Also wake when this week ends, to queue it.
                    let week_ends = week::span(tz, next_week(last)).end;
                    let wake = due.map_or(week_ends, |(_, _, at)| at.min(week_ends));
                    return Ok((wake - now).to_std().unwrap_or_default());
                }
            }
        }
    }

    /// Fetches this week's token ahead of its report, at a random moment of the week
    /// ([`Ahead`]); when to look again, if it is still to be fetched.
    async fn fetch_ahead(
        &mut self,
        config: &Config,
        dashboard: &Dashboard,
        ahead: &mut Option<Ahead>,
    ) -> Option<DateTime<Utc>> {
        let client = dashboard;
        let base = config.report.dashboard.as_deref()?;
        let token_file = config.report.token_file.as_deref()?;
        let tz = config.timezone;
        let now = self.clock.now();
        let current = crate::core::civil::local_date(tz, now).iso_week();
        let files = week_token::Files::beside(&self.ledger_path);
        let had = files.enrolment(base).await.ok().flatten();
        if had.and_then(|e| e.token(current)).is_some() {
            return None;
        }
        let plan = match ahead.take() {
            Some(plan) if plan.week == current => plan,
            _ => {
                let span = week::span(tz, current);
                Ahead {
                    week: current,
                    at: self.random_moment(now.max(span.start), span.end - TimeDelta::hours(1)),
                }
            }
        };
        let at = plan.at?; // Too late in the week: it is fetched with the report.
        if now < at {
            *ahead = Some(plan);
            return Some(at);
        }
        let fetched = match token::read(token_file) {
            Ok(reporter) => week_token::obtain(client, base, &reporter, &files, current)
                .await
                .map(|_| ()),
            Err(why) => Err(Sent::Retry(why)),
        };
        let Err(sent) = fetched else {
            return None;
        };
        tracing::warn!(
            "reporting: this week's token was not fetched ({}); trying again later",
            match &sent {
                Sent::Retry(why) | Sent::Refused(why) | Sent::Closed(why) => why.as_str(),
                Sent::Delivered(_) => "",
            }
        );
        let again =
            now + TimeDelta::from_std(self.timing.minute * 60).unwrap_or(TimeDelta::hours(1));
        *ahead = Some(Ahead {
            week: current,
            at: Some(again),
        });
        Some(again)
    }

    /// A moment from `from` to `to`, every second equally likely (`None` if `to` is earlier).
    fn random_moment(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let seconds = u64::try_from((to - from).num_seconds()).ok()?;
        let pick = i64::try_from(self.jitter.pick(seconds)).unwrap_or(0);
        Some(from + TimeDelta::seconds(pick))
    }

    /// Tries to send `week` once and records how it went.
    async fn attempt(
        &mut self,
        config: &Config,
        dashboard: &Dashboard,
        week: IsoWeek,
        failures: u32,
    ) -> Result<(), String> {
        let now = self.clock.now();
        // Right before sending: a week paused meanwhile is not sent, and the id is the one
        // it was queued under (one is drawn only for a week paused when queued, then resumed).
        let fresh = report::random_report_id().map_err(|e| e.to_string())?;
        let stored = self
            .ledger
            .assign_report_id(week, fresh, now)
            .await
            .map_err(|e| e.to_string())?;
        let name = week::name(week);
        let sent = match stored.report_id.filter(|_| !stored.paused) {
            None => return Ok(()),
            Some(id) => self.send(config, dashboard, week, id).await,
        };
        let at = self.clock.now();
        let attempt = match sent {
            Sent::Delivered(status) => {
                tracing::info!("reported {name} to the dashboard (HTTP {status})");
                Attempt::Delivered
            }
            Sent::Retry(error) => {
                let delay = backoff::retry_delay(
                    failures.saturating_add(1),
                    self.timing,
                    self.jitter.as_mut(),
                );
                let next = at + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(6));
                tracing::warn!(
                    "reporting {name} failed ({error}); trying again in {}",
                    wait_text(delay)
                );
                Attempt::Failed {
                    error,
                    next,
                    refused: false,
                }
            }
            Sent::Closed(error) => {
                tracing::warn!(
                    "the dashboard no longer takes {name} ({error}); it will not be sent again"
                );
                Attempt::Closed { error }
            }
            Sent::Refused(error) => {
                let delay = backoff::refused_delay(self.timing);
                let next = at + TimeDelta::from_std(delay).unwrap_or(TimeDelta::days(1));
                tracing::warn!(
                    "the dashboard refused {name} ({error}); trying again in {}, or when the config changes",
                    wait_text(delay)
                );
                Attempt::Failed {
                    error,
                    next,
                    refused: true,
                }
            }
        };
        self.ledger
            .record_report_attempt(week, attempt, at)
            .await
            .map_err(|e| e.to_string())
    }

    /// Builds the week's summary from the ledger and posts it. Anything missing on this side
    /// (no token file, an unreadable ledger) is a failure to retry, like a network error.
    async fn send(
        &self,
        config: &Config,
        dashboard: &Dashboard,
        week: IsoWeek,
        id: ReportId,
    ) -> Sent {
        let Some(url) = config.report.dashboard.as_deref().map(client::reports_url) else {
            return Sent::Retry("no report.dashboard is set".into());
        };
        let Some(token_file) = config.report.token_file.as_deref() else {
            return Sent::Retry(
                "no report.token_file is set: ask your team for its reporter token".into(),
            );
        };
        let token = match token::read(token_file) {
            Ok(t) => t,
            Err(why) => return Sent::Retry(why),
        };
        let base = config.report.dashboard.clone().unwrap_or_default();
        let files = week_token::Files::beside(&self.ledger_path);
        let week_token = match week_token::obtain(dashboard, &base, &token, &files, week).await {
            Ok(t) => t,
            Err(sent) => return sent,
        };
        let (path, config) = (self.ledger_path.clone(), config.clone());
        let body = tokio::task::spawn_blocking(move || wire(&path, &config, week, id)).await;
        match body {
            Ok(Ok(body)) => dashboard.post(&url, &token, &week_token, body).await,
            Ok(Err(why)) => Sent::Retry(why),
            Err(e) => Sent::Retry(format!("building the summary: {e}")),
        }
    }
}

/// When the current week's token is fetched: a moment of the week drawn at random once, so
/// the dashboard sees the laptop ask for it days apart from the report it goes with (and
/// cannot pair the two by when they arrived). A laptop that was off until the week ended
/// fetches it when it sends the report.
#[derive(Debug, Clone, Copy)]
struct Ahead {
    week: IsoWeek,
    at: Option<DateTime<Utc>>,
}

/// The week's summary as sent: what `clockoff report preview` prints, compact.
fn wire(
    ledger_path: &std::path::Path,
    config: &Config,
    week: IsoWeek,
    id: ReportId,
) -> Result<String, String> {
    let reader = Reader::open(ledger_path).map_err(|e| format!("reading the ledger: {e}"))?;
    let secret =
        secret::load_or_create(&secret::path_beside(ledger_path)).map_err(|e| e.to_string())?;
    let summary = report::summary(reader.as_ref(), config, week, id, secret.pseudonym(week))
        .map_err(|e| format!("reading the ledger: {e}"))?;
    summary
        .check()
        .map_err(|e| format!("the summary failed its own check: {e}"))?;
    Ok(summary.to_wire())
}

/// The [`MAX_CATCH_UP`] weeks up to `last`, oldest first, each first tried [`GRACE`] after
/// it ends, with an id drawn in case it has none yet.
fn candidates(tz: chrono_tz::Tz, last: IsoWeek) -> Result<Vec<ToQueue>, String> {
    let mut weeks = vec![last];
    while weeks.len() < MAX_CATCH_UP {
        let before = weeks[weeks.len() - 1];
        weeks.push((week::monday(before) - TimeDelta::days(7)).iso_week());
    }
    weeks
        .into_iter()
        .rev()
        .map(|w| {
            Ok(ToQueue {
                week: w,
                first_try: first_try(tz, w),
                fresh: report::random_report_id().map_err(|e| e.to_string())?,
            })
        })
        .collect()
}

fn next_week(w: IsoWeek) -> IsoWeek {
    (week::monday(w) + TimeDelta::days(7)).iso_week()
}

/// "3m", "2h5m", "45 s", "450 ms" (tests).
fn wait_text(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{} ms", d.as_millis()),
        1..=59 => format!("{secs} s"),
        _ => crate::core::duration::hours_minutes(secs / 60),
    }
}

/// When a week is first tried: [`GRACE`] after it ends.
pub fn first_try(tz: chrono_tz::Tz, w: IsoWeek) -> DateTime<Utc> {
    week::span(tz, w).end + GRACE
}
