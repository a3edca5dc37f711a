//! Waiting on activity signals with a deadline, and comparing instants with a tolerance.

use chrono::{DateTime, TimeDelta, Utc};
use clockoff::agent::activity::Signal;
use tokio::sync::mpsc::UnboundedReceiver;

use super::DEADLINE;

/// The next signal; panics if none comes within the deadline or the senders are gone.
pub async fn next(rx: &mut UnboundedReceiver<Signal>) -> Signal {
    match tokio::time::timeout(DEADLINE, rx.recv()).await {
        Ok(Some(signal)) => signal,
        Ok(None) => panic!("every source stopped"),
        Err(_) => panic!("no signal within {DEADLINE:?}"),
    }
}

/// The next signal that `wanted` accepts, skipping others (they are listed if none comes).
pub async fn wait_for(
    rx: &mut UnboundedReceiver<Signal>,
    what: &str,
    wanted: impl Fn(&Signal) -> bool,
) -> Signal {
    let mut skipped = Vec::new();
    let wait = async {
        loop {
            match rx.recv().await {
                Some(signal) if wanted(&signal) => return Some(signal),
                Some(signal) => skipped.push(signal),
                None => return None,
            }
        }
    };
    match tokio::time::timeout(DEADLINE, wait).await {
        Ok(Some(signal)) => signal,
        Ok(None) => panic!("sources stopped before {what}; saw {skipped:?}"),
        Err(_) => panic!("no {what} within {DEADLINE:?}; saw {skipped:?}"),
    }
}

/// Asserts `actual` is within `[from - slack, to + slack]`.
#[track_caller]
pub fn assert_between(
    what: &str,
    actual: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    slack_ms: i64,
) {
    let slack = TimeDelta::milliseconds(slack_ms);
    assert!(
        actual >= from - slack && actual <= to + slack,
        "{what} {actual} is not within {slack_ms} ms of [{from}, {to}]"
    );
}
