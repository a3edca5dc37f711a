//! The end-of-hours notice: one gentle notification when working hours end, offering to
//! clock off now or to work 30 more minutes, and the worker's answer.
//!
//! Sent with zbus on the caller's session connection, not with notify-rust: servers send
//! ActionInvoked and NotificationClosed to the connection that called Notify, and
//! notify-rust 4.18 always opens its own. Its wait also subscribes only after Notify has
//! returned and makes a fresh message stream per message, so an early answer can be lost
//! and the wait never ends; it unwraps on bus errors; and it cannot tell the caller that the
//! bus went away.

use futures_util::StreamExt;
use std::collections::HashMap;
use zbus::names::UniqueName;
use zbus::zvariant::Value;
use zbus::{Connection, Message, MessageStream};

use super::{ANSWER_WITHIN, APP_NAME};
use crate::html::escape_content;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const SIGNALS: &str = "type='signal',interface='org.freedesktop.Notifications',\
                       path='/org/freedesktop/Notifications'";
const CLOCK_OFF: &str = "clock-off";
const WORK_MORE: &str = "work-more";

/// What the worker did with the end-of-hours notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOfHours {
    /// "Clock off": hold notifications now.
    ClockOff,
    /// "Work 30 more minutes".
    WorkMore,
    /// Closed without choosing, or expired.
    Dismissed,
}

/// Shows "Working hours are over" with `body` and the two choices on `session`, and waits
/// for the worker to pick one or close it. The wait has no deadline by design (the worker
/// may be away): the caller drops the future when it no longer needs the answer. Errors when
/// no server answers, or when the bus goes before the answer comes.
pub async fn end_of_hours(session: &Connection, body: &str) -> Result<EndOfHours, String> {
    let fail = |what: &str| format!("showing the end-of-hours notice: {what}");
    // Subscribed before Notify is sent: the answer can come before the reply is read.
    let subscribe = MessageStream::for_match_rule(SIGNALS, session, None);
    let mut signals = within(subscribe).await.map_err(|e| fail(&e))?;
    let (server, id) = within(notify(session, body)).await.map_err(|e| fail(&e))?;
    // Taken away if the caller stops waiting (quiet hours began, or work did): a notice
    // about the end of hours must not be held overnight and shown in the morning.
    let mut shown = Shown {
        session: session.clone(),
        id: Some(id),
    };

    while let Some(msg) = signals.next().await {
        let Ok(msg) = msg else { break };
        match answer(&msg, server.as_ref(), id) {
            Some(EndOfHours::Dismissed) => {
                shown.id = None;
                return Ok(EndOfHours::Dismissed);
            }
            Some(choice) => {
                // Servers may leave a notification up after an action (dunst does); the
                // worker has answered, so it goes. Best effort: the answer stands regardless.
                shown.id = None;
                let _ = within(close(session, id)).await;
                return Ok(choice);
            }
            None => {}
        }
    }
    Err("the session bus closed before the worker answered the end-of-hours notice".into())
}

/// Sends the notice; returns the id the server gave it and the server's unique name (only
/// its signals are answers).
async fn notify(
    session: &Connection,
    body: &str,
) -> zbus::Result<(Option<UniqueName<'static>>, u32)> {
    let actions = [CLOCK_OFF, "Clock off", WORK_MORE, "Work 30 more minutes"];
    let hints: HashMap<&str, Value<'_>> = HashMap::new();
    let reply = session
        .call_method(
            Some(NAME),
            PATH,
            Some(NAME),
            "Notify",
            &(
                APP_NAME,
                0u32,
                "",
                "Working hours are over",
                escape_content(body),
                &actions[..],
                hints,
                -1i32, // the server's usual expiry: gentle, and an expired notice is an answer
            ),
        )
        .await?;
    let id: u32 = reply.body().deserialize()?;
    let server = reply.header().sender().map(|s| s.to_owned());
    Ok((server, id))
}

/// The worker's answer if `msg` is one for notification `id` from `server`.
fn answer(msg: &Message, server: Option<&UniqueName<'_>>, id: u32) -> Option<EndOfHours> {
    let header = msg.header();
    if server.is_some() && header.sender() != server {
        return None;
    }
    match header.member()?.as_str() {
        "ActionInvoked" => match msg.body().deserialize::<(u32, &str)>().ok()? {
            (n, CLOCK_OFF) if n == id => Some(EndOfHours::ClockOff),
            (n, WORK_MORE) if n == id => Some(EndOfHours::WorkMore),
            _ => None,
        },
        "NotificationClosed" => match msg.body().deserialize::<(u32, u32)>().ok()? {
            (n, _reason) if n == id => Some(EndOfHours::Dismissed),
            _ => None,
        },
        _ => None,
    }
}

/// A notice on screen, closed when dropped unless answered.
struct Shown {
    session: Connection,
    id: Option<u32>,
}

impl Drop for Shown {
    fn drop(&mut self) {
        let (Some(id), Ok(runtime)) = (self.id, tokio::runtime::Handle::try_current()) else {
            return;
        };
        let session = self.session.clone();
        runtime.spawn(async move {
            let _ = within(close(&session, id)).await;
        });
    }
}

async fn close(session: &Connection, id: u32) -> zbus::Result<()> {
    session
        .call_method(Some(NAME), PATH, Some(NAME), "CloseNotification", &(id,))
        .await
        .map(drop)
}

/// `call`, or an error if the server has not answered within [`ANSWER_WITHIN`].
async fn within<T>(call: impl Future<Output = zbus::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(ANSWER_WITHIN, call).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", ANSWER_WITHIN.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = ":1.7";

    fn signal(
        member: &str,
        body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
    ) -> Message {
        Message::signal(PATH, NAME, member)
            .and_then(|b| b.sender(SERVER))
            .and_then(|b| b.build(body))
            .expect("a signal")
    }

    fn answer_to_3(msg: &Message) -> Option<EndOfHours> {
        let server = UniqueName::try_from(SERVER).expect("a unique name");
        answer(msg, Some(&server), 3)
    }

    #[test]
    fn the_two_actions_and_closing_are_answers() {
        let clock_off = signal("ActionInvoked", &(3u32, CLOCK_OFF));
        assert_eq!(answer_to_3(&clock_off), Some(EndOfHours::ClockOff));
        let work_more = signal("ActionInvoked", &(3u32, WORK_MORE));
        assert_eq!(answer_to_3(&work_more), Some(EndOfHours::WorkMore));
        let closed = signal("NotificationClosed", &(3u32, 2u32));
        assert_eq!(answer_to_3(&closed), Some(EndOfHours::Dismissed));
    }

    #[test]
    fn other_notifications_actions_and_senders_are_not() {
        assert_eq!(
            answer_to_3(&signal("ActionInvoked", &(4u32, CLOCK_OFF))),
            None
        );
        assert_eq!(
            answer_to_3(&signal("ActionInvoked", &(3u32, "default"))),
            None
        );
        assert_eq!(
            answer_to_3(&signal("NotificationClosed", &(4u32, 2u32))),
            None
        );
        assert_eq!(
            answer_to_3(&signal("ActionInvoked", &("3", CLOCK_OFF))),
            None
        );
        let other = UniqueName::try_from(":1.8").expect("a unique name");
        let closed = signal("NotificationClosed", &(3u32, 2u32));
        assert_eq!(answer(&closed, Some(&other), 3), None);
    }
}
