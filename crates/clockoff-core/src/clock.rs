//! The only place that reads the wall clock. Everything else takes a `&dyn Clock`, so tests
//! can stand at any instant: either side of a DST change, mid-suspend, after a clock jump.

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's real-time clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned wall-clock read
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The clock a binary runs on: the system's, or in a debug build the test rig's.
///
/// A debug build (what `cargo test` runs) honours [`TEST_NOW_ENV`]: an RFC 3339 instant the
/// process's clock reads at start, moving on in real time from there, so a test of the
/// binary stands on a date of its choosing whatever day the suite runs. A release build never
/// reads the variable, so no installed agent can be told the time by its environment.
pub fn process_clock() -> Result<std::sync::Arc<dyn Clock>, String> {
    #[cfg(debug_assertions)]
    if let Some(value) = std::env::var_os(TEST_NOW_ENV) {
        let value = value.to_string_lossy();
        let start = DateTime::parse_from_rfc3339(value.trim())
            .map_err(|e| format!("{TEST_NOW_ENV}=\"{value}\": {e} (expected RFC 3339)"))?;
        return Ok(std::sync::Arc::new(ShiftedClock::starting_at(
            start.to_utc(),
        )));
    }
    Ok(std::sync::Arc::new(SystemClock))
}

/// Runs a binary's `main` on [`process_clock`]; a test clock it cannot read is a usage
/// error (exit 2), said on stderr.
pub fn with_process_clock(
    main: impl FnOnce(std::sync::Arc<dyn Clock>) -> std::process::ExitCode,
) -> std::process::ExitCode {
    match process_clock() {
        Ok(clock) => main(clock),
        Err(message) => {
            eprintln!("{message}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Names the instant a debug build's clock starts at (see [`process_clock`]).
pub const TEST_NOW_ENV: &str = "CLOCKOFF_TEST_NOW";

/// The system's clock moved by a fixed offset: it ticks in real time from another instant.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset: TimeDelta,
}

impl ShiftedClock {
    /// A clock that reads `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            offset: start - SystemClock.now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + self.offset
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<DateTime<Utc>>,
}

impl FakeClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A poisoned lock still holds a valid instant; keep going.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-03-29T00:30:00Z")
            .unwrap()
            .to_utc();
        let clock = FakeClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::hours(1));
        assert_eq!(clock.now(), start + TimeDelta::hours(1));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn a_shifted_clock_starts_where_asked_and_keeps_real_time() {
        let start = DateTime::parse_from_rfc3339("2031-10-26T00:59:59Z")
            .unwrap()
            .to_utc();
        let clock = ShiftedClock::starting_at(start);
        let first = clock.now();
        assert!((first - start).abs() < TimeDelta::seconds(5), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let later = clock.now();
        assert!(
            later - first >= TimeDelta::milliseconds(20),
            "{first} then {later}"
        );
    }
}
