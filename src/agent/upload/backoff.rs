//! When a week is tried (again): pure arithmetic on durations, with the randomness passed in
//! so tests can pin it.
//!
//! A week is first tried [`GRACE`] after it ends. A try that failed for a reason that may
//! pass (the dashboard down or overloaded, no network, a timeout) is retried after a delay
//! that doubles from [`FIRST_RETRY_MINUTES`] to at most [`LAST_RETRY_MINUTES`], with full
//! jitter (anywhere from the first delay up to that ceiling), so a team's laptops coming
//! back online together do not arrive together. A try the dashboard refused (a 4xx: a bad
//! token, a rejected summary) is not hammered: it waits [`REFUSED_RETRY_MINUTES`], or until
//! the config changes.

use std::time::Duration;

use chrono::TimeDelta;

/// Monday midday: the worker can preview or pause the week, or log Friday evening's visit,
/// before it leaves the laptop.
pub const GRACE: TimeDelta = TimeDelta::hours(12);
pub const FIRST_RETRY_MINUTES: u64 = 1;
pub const LAST_RETRY_MINUTES: u64 = 6 * 60;
pub const REFUSED_RETRY_MINUTES: u64 = 24 * 60;
/// At most this many weeks are queued at once after the agent was away (the laptop off
/// for a long leave): the latest ones. It also bounds what a clock set years ahead queues.
pub const MAX_CATCH_UP: usize = 8;

/// How long a "minute" of the retry schedule is. Always 60 s, except in tests, which set
/// [`Timing::ENV`] to run the schedule in milliseconds; the agent says so when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub minute: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            minute: Duration::from_secs(60),
        }
    }
}

impl Timing {
    /// Milliseconds per retry-schedule minute, for tests only.
    pub const ENV: &str = "CLOCKOFF_TEST_UPLOAD_MINUTE_MS";

    /// The timing `value` (of [`Timing::ENV`]) asks for: 1 to 60000 ms.
    pub fn from_env_value(value: &str) -> Result<Self, String> {
        value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| (1..=60_000).contains(ms))
            .map(|ms| Self {
                minute: Duration::from_millis(ms),
            })
            .ok_or_else(|| format!("{}=\"{value}\": expected 1 to 60000", Self::ENV))
    }

    fn minutes(self, n: u64) -> Duration {
        self.minute
            .saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// A source of uniform random numbers.
pub trait Jitter: Send + Sync {
    /// A number from 0 to `most`, inclusive, every value equally likely.
    fn pick(&mut self, most: u64) -> u64;
}

/// The system's random source; a failure there only costs the jitter.
#[derive(Debug, Default)]
pub struct OsJitter;

impl Jitter for OsJitter {
    fn pick(&mut self, most: u64) -> u64 {
        let mut bytes = [0u8; 8];
        if getrandom::fill(&mut bytes).is_err() {
            return most / 2;
        }
        // The modulo's bias is below 2^-40 for the spans used here.
        u64::from_le_bytes(bytes) % most.saturating_add(1).max(1)
    }
}

/// The wait after the `failures`-th failed try in a row (1 for the first): uniform between
/// the first delay and `min(last, first * 2^(failures-1))`.
pub fn retry_delay(failures: u32, timing: Timing, jitter: &mut dyn Jitter) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let ceiling = (FIRST_RETRY_MINUTES << doublings).min(LAST_RETRY_MINUTES);
    let first = timing.minutes(FIRST_RETRY_MINUTES);
    let span = timing.minutes(ceiling).saturating_sub(first);
    let span_ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX);
    first + Duration::from_millis(jitter.pick(span_ms))
}

/// The wait after the dashboard refused a week.
pub fn refused_delay(timing: Timing) -> Duration {
    timing.minutes(REFUSED_RETRY_MINUTES)
}

/// What an HTTP status means for the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: stored (201), or recognised as a replay of the same report id (200).
    Delivered,
    /// Worth retrying soon: 5xx, 408 (timeout) and 429 (too many requests).
    Retry,
    /// 410: the dashboard no longer takes the week (published, or too old): never again.
    Closed,
    /// Anything else (4xx, an unexpected redirect): retrying soon would not help.
    Refused,
}

pub fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        408 | 429 | 500..=599 => Verdict::Retry,
        410 => Verdict::Closed,
        _ => Verdict::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Always the largest (or smallest) value allowed.
    struct Top;
    impl Jitter for Top {
        fn pick(&mut self, most: u64) -> u64 {
            most
        }
    }
    struct Bottom;
    impl Jitter for Bottom {
        fn pick(&mut self, _: u64) -> u64 {
            0
        }
    }

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn the_delay_doubles_from_a_minute_to_six_hours() {
        let t = Timing::default();
        let ceilings: Vec<u64> = (1..=12)
            .map(|n| retry_delay(n, t, &mut Top).as_secs() / 60)
            .collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]);
        // Never below a minute, whatever the dice say, and never past the cap however long
        // the dashboard stays down.
        for n in [1, 2, 5, 9, 40, u32::MAX] {
            assert_eq!(retry_delay(n, t, &mut Bottom), MIN);
            assert!(retry_delay(n, t, &mut Top) <= MIN * 360);
        }
        assert_eq!(
            retry_delay(0, t, &mut Top),
            MIN,
            "no failure yet reads as one"
        );
        assert_eq!(refused_delay(t), MIN * 60 * 24);
    }

    #[test]
    fn full_jitter_stays_within_its_bounds_and_spreads() {
        let t = Timing::default();
        let mut os = OsJitter;
        let delays: Vec<Duration> = (0..200).map(|_| retry_delay(6, t, &mut os)).collect();
        assert!(
            delays.iter().all(|d| *d >= MIN && *d <= MIN * 32),
            "{delays:?}"
        );
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 150,
            "jitter barely varies: {}",
            distinct.len()
        );
        // A seeded source gives the same schedule every time.
        struct Fixed(u64);
        impl Jitter for Fixed {
            fn pick(&mut self, most: u64) -> u64 {
                self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
                self.0 % (most + 1)
            }
        }
        let run = || -> Vec<Duration> {
            let mut j = Fixed(7);
            (1..8).map(|n| retry_delay(n, t, &mut j)).collect()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_test_minute_scales_every_delay_and_is_bounded() {
        let t = Timing::from_env_value("20").unwrap();
        assert_eq!(retry_delay(1, t, &mut Top), Duration::from_millis(20));
        assert_eq!(retry_delay(3, t, &mut Top), Duration::from_millis(80));
        assert_eq!(refused_delay(t), Duration::from_millis(20 * 1440));
        for bad in ["0", "-1", "60001", "fast", ""] {
            assert!(Timing::from_env_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_sort_into_delivered_retry_and_refused() {
        for (status, v) in [
            (200, Verdict::Delivered),
            (201, Verdict::Delivered),
            (204, Verdict::Delivered),
            (301, Verdict::Refused),
            (400, Verdict::Refused),
            (401, Verdict::Refused),
            (403, Verdict::Refused),
            (408, Verdict::Retry),
            (409, Verdict::Refused),
            (410, Verdict::Closed),
            (422, Verdict::Refused),
            (429, Verdict::Retry),
            (500, Verdict::Retry),
            (503, Verdict::Retry),
        ] {
            assert_eq!(verdict(status), v, "{status}");
        }
    }
}
