//! Keeping `[[calendar]]` copies fresh: `clockoff calendar refresh` runs in its own process
//! (HTTP stays out of the agent) when the agent starts, after a reload that changed the
//! calendars, when a calendar file is saved, after a resume
//! when the last try is an hour old, and every 3 hours; sooner again after a failure. The
//! engine then reads the copies it kept. A refresh that fails keeps the last good copy;
//! nothing is held or released because of it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::event::{Event, EventSender};
use crate::config::Config;
use crate::core::clock::Clock;

/// Calendars change a few times a week; published Outlook and Google calendars are
/// themselves refreshed a few times a day.
const EVERY: Duration = Duration::from_secs(3 * 3600);
/// After a failure (the network not up yet after a resume), tries again sooner: 10 minutes,
/// doubling up to [`EVERY`].
const FIRST_RETRY: Duration = Duration::from_secs(10 * 60);
/// A resume refreshes only when the last try is older than this.
const AFTER_RESUME: TimeDelta = TimeDelta::hours(1);
/// Each calendar is fetched with a 30 s timeout, all at once; this is for a stuck one.
const AT_MOST: Duration = Duration::from_secs(120);

/// Why a refresh is wanted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// The config was read again with other calendars in it.
    Reloaded,
    /// A calendar file was saved.
    FileChanged,
    /// The machine resumed or the clock was set: the 3-hour timer did not run while asleep.
    Resumed,
}

pub struct RefreshParts {
    pub config: watch::Receiver<Config>,
    pub wanted: mpsc::UnboundedReceiver<Wanted>,
    pub config_file: Option<PathBuf>,
    pub events: EventSender,
    pub clock: Arc<dyn Clock>,
}

pub async fn keep_fresh(parts: RefreshParts) {
    let RefreshParts {
        config,
        mut wanted,
        config_file,
        events,
        clock,
    } = parts;
    let mut next = Instant::now();
    let mut retry = FIRST_RETRY;
    let mut last_tried: Option<DateTime<Utc>> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            why = wanted.recv() => match why {
                None => return,
                Some(Wanted::Resumed)
                    if last_tried.is_some_and(|t| clock.now() - t < AFTER_RESUME) => continue,
                Some(_) => {}
            },
        }
        // What else was asked meanwhile is answered by this one refresh.
        while wanted.try_recv().is_ok() {}
        if config.borrow().calendars.is_empty() {
            next = Instant::now() + EVERY;
            continue;
        }
        last_tried = Some(clock.now());
        let refreshed = run_refresh(config_file.as_deref()).await;
        if events.send(Event::CalendarsRefreshed).is_err() {
            return;
        }
        if refreshed {
            retry = FIRST_RETRY;
            next = Instant::now() + EVERY;
        } else {
            next = Instant::now() + retry;
            retry = (retry * 2).min(EVERY);
        }
    }
}

/// Runs the refresh; `false` when any calendar could not be refreshed.
async fn run_refresh(config_file: Option<&std::path::Path>) -> bool {
    let program = crate::programs::beside_this_one(crate::programs::CLI);
    let mut command = tokio::process::Command::new(&program);
    if let Some(file) = config_file {
        command.arg("--config").arg(file);
    }
    command
        .args(["calendar", "refresh", "--for-agent"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(AT_MOST, command.output()).await {
        Ok(Ok(output)) if output.status.success() => {
            tracing::info!("calendars refreshed");
            true
        }
        Ok(Ok(output)) => {
            // The engine warns of each calendar's problem when it reads the copies; the
            // refresh's own words (the same, never a secret address) are for debugging.
            let said = String::from_utf8_lossy(&output.stderr);
            for line in said.lines().filter(|l| !l.trim().is_empty()) {
                tracing::debug!("calendar refresh: {line}");
            }
            false
        }
        Ok(Err(e)) => {
            tracing::warn!("cannot run {} calendar refresh: {e}", program.display());
            false
        }
        Err(_) => {
            tracing::warn!(
                "calendar refresh took over {} s and was stopped",
                AT_MOST.as_secs()
            );
            false
        }
    }
}
