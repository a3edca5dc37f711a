//! clockoff's own notices: the digest of what was held while the worker was off, and the
//! gentle question when working hours end.

mod digest;
mod end_of_hours;

pub use digest::{Digest, digest, show_digest};
pub use end_of_hours::{EndOfHours, end_of_hours};

/// The app name on clockoff's own notifications. A monitor running while one is shown counts
/// it like any other; a caller can leave it out by this name.
pub const APP_NAME: &str = "clockoff";

/// How long a notification server may take to answer a call: it answers at once when it
/// works, and a hung server must not hang the agent.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);
