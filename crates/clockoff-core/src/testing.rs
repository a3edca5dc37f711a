//! Helpers for the workspace's tests: built for the core's own tests and, through the
//! `testing` feature that the other crates' dev-dependencies turn on, for theirs. Never part
//! of an agent or dashboard build.

use chrono::{DateTime, Utc};

/// An instant a test writes as RFC 3339; a malformed one is a mistake in the test.
pub fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .to_utc()
}
