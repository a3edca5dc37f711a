//! Any text as a user's config file: parsing must never panic, and a config that parses must
//! give a schedule that answers without panicking or looping.
#![no_main]

use chrono::{DateTime, TimeDelta};
use clockoff_core::config::from_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = from_text("fuzz.toml", text) else {
        return;
    };
    let schedule = config.schedule();
    // Near a UK clock change, and at the horizon's edges.
    for t in ["2026-03-28T12:00:00Z", "1970-01-01T00:00:00Z", "2100-12-31T23:59:59Z"] {
        let t = DateTime::parse_from_rfc3339(t).expect("valid instant").to_utc();
        let at = schedule.state_at(t);
        assert!(at.since.is_none_or(|s| s <= t) && at.until.is_none_or(|u| u > t));
        let _ = schedule.transitions(t, t + TimeDelta::days(3)).count();
    }
});
