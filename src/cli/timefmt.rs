//! Instants as the CLI prints and reads them.

use chrono::{DateTime, Utc};

use super::Failure;
pub use crate::core::civil::{human, human_rfc3339, rfc3339_in};
use crate::core::schedule::horizon;

/// An RFC 3339 instant within the schedule's horizon; `what` names the argument.
pub fn parse_instant(what: &str, text: &str) -> Result<DateTime<Utc>, Failure> {
    parse_instant_up_to(what, text, false)
}

/// The same for an exclusive end, which may be the horizon's end itself.
pub fn parse_end_instant(what: &str, text: &str) -> Result<DateTime<Utc>, Failure> {
    parse_instant_up_to(what, text, true)
}

fn parse_instant_up_to(
    what: &str,
    text: &str,
    end_allowed: bool,
) -> Result<DateTime<Utc>, Failure> {
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|_| {
            Failure::Usage(format!(
                "{what}: \"{text}\" is not an RFC 3339 instant; write e.g. 2026-11-23T17:30:00Z or 2026-11-23T17:30:00+00:00"
            ))
        })?
        .to_utc();
    let h = horizon();
    if !(h.contains(t) || end_allowed && t == h.end) {
        return Err(Failure::Usage(format!(
            "{what}: {text} is outside the supported range 1970-01-01 to 2100-12-31"
        )));
    }
    Ok(t)
}
