//! Keeping `[[calendar]]` copies fresh: `clockoff calendar refresh` runs at start, after
//! each reload and every few hours, in its own process (HTTP stays out of the agent), and
//! the engine then reads the copies it kept. A refresh that fails keeps the last good copy;
//! nothing is held or released because of it.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::watch;

use super::event::{Event, EventSender};
use crate::config::Config;

/// Calendars change a few times a week; published Outlook and Google calendars are
/// themselves refreshed a few times a day.
const EVERY: Duration = Duration::from_secs(3 * 3600);
/// A refresh fetches each calendar with a 30 s timeout; this is for a stuck one.
const AT_MOST: Duration = Duration::from_secs(300);

pub async fn keep_fresh(
    mut config: watch::Receiver<Config>,
    config_file: Option<PathBuf>,
    events: EventSender,
) {
    loop {
        let has_calendars = !config.borrow_and_update().calendars.is_empty();
        if has_calendars {
            run_refresh(config_file.as_deref()).await;
            if events.send(Event::CalendarsRefreshed).is_err() {
                return;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            changed = config.changed() => if changed.is_err() { return },
        }
    }
}

async fn run_refresh(config_file: Option<&std::path::Path>) {
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
        }
        Ok(Ok(output)) => {
            // Its stderr names each calendar and why; status has the same.
            let said = String::from_utf8_lossy(&output.stderr);
            for line in said.lines().filter(|l| !l.trim().is_empty()) {
                tracing::warn!(
                    "calendar refresh: {}",
                    line.trim_start_matches("clockoff: ")
                );
            }
        }
        Ok(Err(e)) => tracing::warn!("cannot run {} calendar refresh: {e}", program.display()),
        Err(_) => tracing::warn!(
            "calendar refresh took over {} s and was stopped",
            AT_MOST.as_secs()
        ),
    }
}
