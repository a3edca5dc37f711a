//! Instants as the CLI prints and reads them.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Failure;
pub use crate::core::civil::rfc3339_in;
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

/// A short local time for people: `17:00` today, `Tue 09:00` within a week, else the date.
pub fn human(tz: Tz, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz);
    let days = (local.date_naive() - now.with_timezone(&tz).date_naive()).num_days();
    match days {
        0 => local.format("%H:%M").to_string(),
        1 => local.format("tomorrow %H:%M").to_string(),
        2..=6 => local.format("%a %H:%M").to_string(),
        _ => local.format("%a %-d %b %Y %H:%M").to_string(),
    }
}
