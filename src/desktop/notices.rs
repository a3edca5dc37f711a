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

/// Shows one notification from "clockoff" (the body's markup escaped).
///
/// notify-rust's async API: it connects to the session bus (DBUS_SESSION_BUS_ADDRESS) on its
/// own connection. An error, never a hang, when no server runs or it does not answer.
pub async fn show(summary: &str, body: &str) -> Result<(), String> {
    let body = crate::html::escape_content(body);
    let mut notification = notify_rust::Notification::new();
    notification.appname(APP_NAME).summary(summary).body(&body);
    let shown = notification.show_async();
    match tokio::time::timeout(ANSWER_WITHIN, shown).await {
        Ok(Ok(_handle)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "the notification server did not answer within {} s",
            ANSWER_WITHIN.as_secs()
        )),
    }
}
