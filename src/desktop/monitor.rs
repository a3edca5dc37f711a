//! Counting what arrives while notifications are held, without reading it.
//!
//! A D-Bus monitor sees a copy of every `Notify` call on the session bus. Of each call only
//! the app name (the first argument) and the urgency hint are read: the name so the digest
//! can say "Teams 9", the urgency so an urgent (critical) notification is never held. The
//! summary, body and actions are parsed past, never kept or looked at, and dropped with the
//! message.

use std::collections::HashMap;

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use zbus::message::Type;
use zbus::zvariant::Value;
use zbus::{Message, MessageStream};

use crate::ledger::clean_app_name;

/// The only messages the bus copies to us: `Notify` calls, not their replies, nothing else.
const NOTIFY_RULE: &str =
    "type='method_call',interface='org.freedesktop.Notifications',member='Notify'";
const NOTIFY_SIGNATURE: &str = "susssasa{sv}i";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// How long connecting and becoming a monitor may take: the bus itself always answers.
const SETUP_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// One Notify call as the monitor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrived {
    /// The app name (empty → "unknown").
    pub app: String,
    /// The `urgency` hint is 2 (critical): a child protection referral, an on-call page.
    pub urgent: bool,
}

/// The spec's critical urgency level.
const CRITICAL: u8 = 2;

/// Becomes a monitor of org.freedesktop.Notifications.Notify method calls on its own
/// connection (a monitor connection can do nothing else) and sends each call's app name and
/// urgency to `apps` until the task is aborted or the bus goes.
///
/// The task also ends when `apps` is closed. Calls whose arguments do not have Notify's
/// signature are skipped: the server refuses them, so nothing was held.
pub async fn start(
    builder: zbus::connection::Builder<'static>,
    apps: UnboundedSender<Arrived>,
) -> Result<JoinHandle<()>, zbus::Error> {
    let setup = async {
        let conn = builder.build().await?;
        // The stream exists before BecomeMonitor so no call copied right after the reply is
        // missed. It takes the connection's unfiltered messages: a stream for a match rule
        // would send AddMatch, and a monitor that sends anything is disconnected by the bus.
        let stream = MessageStream::from(&conn);
        conn.call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus.Monitoring"),
            "BecomeMonitor",
            &(&[NOTIFY_RULE][..], 0u32),
        )
        .await?;
        Ok::<_, zbus::Error>(stream)
    };
    let stream = match tokio::time::timeout(SETUP_WITHIN, setup).await {
        Ok(stream) => stream?,
        Err(_) => {
            return Err(zbus::Error::Failure(
                "the bus did not make us a monitor in time".into(),
            ));
        }
    };
    Ok(tokio::spawn(forward(stream, apps)))
}

/// Sends the app name of each Notify call until the bus goes or nobody listens. The stream
/// keeps the connection alive; nothing here ever sends on it.
async fn forward(mut stream: MessageStream, apps: UnboundedSender<Arrived>) {
    // zbus yields an error only when reading the socket fails, and then stops reading.
    while let Some(Ok(msg)) = stream.next().await {
        if let Some(arrived) = notify_call(&msg)
            && apps.send(arrived).is_err()
        {
            break;
        }
    }
}

/// Notify's arguments, borrowed from the message: only `app` and the urgency hint are read.
type NotifyArgs<'m> = (
    &'m str,
    u32,
    &'m str,
    &'m str,
    &'m str,
    Vec<&'m str>,
    HashMap<&'m str, Value<'m>>,
    i32,
);

/// The app name and urgency of a well-formed Notify call; `None` for anything else (the bus's
/// own signals to a new monitor, or a call with the wrong arguments).
fn notify_call(msg: &Message) -> Option<Arrived> {
    let header = msg.header();
    let is_notify = header.message_type() == Type::MethodCall
        && header.interface().is_some_and(|i| i.as_str() == INTERFACE)
        && header.member().is_some_and(|m| m.as_str() == "Notify");
    let body = msg.body();
    if !is_notify || *body.signature() != NOTIFY_SIGNATURE {
        return None;
    }
    let (app, _, _, _, _, _, hints, _): NotifyArgs = body.deserialize().ok()?;
    Some(Arrived {
        app: clean_app_name(app),
        urgent: hints.get("urgency").and_then(urgency) == Some(CRITICAL),
    })
}

/// The urgency hint's level: a byte by the spec; some senders use another integer type.
fn urgency(value: &Value) -> Option<u8> {
    match value {
        Value::U8(n) => Some(*n),
        Value::I16(n) => u8::try_from(*n).ok(),
        Value::U16(n) => u8::try_from(*n).ok(),
        Value::I32(n) => u8::try_from(*n).ok(),
        Value::U32(n) => u8::try_from(*n).ok(),
        Value::I64(n) => u8::try_from(*n).ok(),
        Value::U64(n) => u8::try_from(*n).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use zbus::zvariant::OwnedValue;

    use super::*;

    fn notify(body: &(impl serde::Serialize + zbus::zvariant::DynamicType)) -> Message {
        Message::method_call("/org/freedesktop/Notifications", "Notify")
            .and_then(|b| b.interface(INTERFACE))
            .and_then(|b| b.build(body))
            .expect("a Notify message")
    }

    fn hints(value: zbus::zvariant::Value<'static>) -> HashMap<&'static str, OwnedValue> {
        HashMap::from([("x-odd", OwnedValue::try_from(value).expect("owned"))])
    }

    #[test]
    fn a_notify_call_gives_its_app_name_whatever_its_hints_hold() {
        let odd = zbus::zvariant::Value::from(vec![(1u8, vec!["nested"])]);
        let actions: Vec<&str> = vec![];
        let msg = notify(&(
            "Teams",
            0u32,
            "",
            "secret",
            "secret",
            actions,
            hints(odd),
            -1i32,
        ));
        assert_eq!(
            notify_call(&msg),
            Some(Arrived {
                app: "Teams".into(),
                urgent: false
            })
        );
    }

    #[test]
    fn the_urgency_hint_says_which_are_urgent() {
        let with = |value: zbus::zvariant::Value<'static>| {
            let actions: Vec<&str> = vec![];
            let hints = HashMap::from([("urgency", OwnedValue::try_from(value).expect("owned"))]);
            let msg = notify(&("Case system", 0u32, "", "s", "b", actions, hints, -1i32));
            notify_call(&msg).map(|a| a.urgent)
        };
        assert_eq!(with(2u8.into()), Some(true));
        assert_eq!(
            with(2i32.into()),
            Some(true),
            "an int from a careless sender"
        );
        assert_eq!(with(1u8.into()), Some(false));
        assert_eq!(with(0u8.into()), Some(false));
        assert_eq!(with("critical".into()), Some(false));
    }

    #[test]
    fn calls_with_other_arguments_or_members_are_skipped() {
        assert_eq!(notify_call(&notify(&("Teams",))), None);
        assert_eq!(notify_call(&notify(&(7u32, "Teams"))), None);
        assert_eq!(notify_call(&notify(&())), None);
        let close = Message::method_call("/org/freedesktop/Notifications", "CloseNotification")
            .and_then(|b| b.interface(INTERFACE))
            .and_then(|b| b.build(&(1u32,)))
            .expect("a CloseNotification message");
        assert_eq!(notify_call(&close), None);
    }
}
