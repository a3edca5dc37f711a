//! Holding the session's notification server: one [`Holder`] per server, each using the
//! server's own do-not-disturb, so the worker sees the state in the server's own UI, and
//! [`detect`] to find which one the session runs.

mod dunst;
mod gnome;
mod kde;
mod mako;
mod tool;
mod xfce;

use std::future::Future;
use std::time::Duration;

use zbus::proxy;
use zbus::proxy::CacheProperties;

use crate::config::quiet::{NotificationServer, ServerChoice};
use crate::hold::{HoldError, Holder, is_unowned};

pub use dunst::Dunst;
pub use gnome::Gnome;
pub use kde::Kde;
pub use mako::Mako;
pub use tool::Tool;
pub use xfce::Xfce;

/// The longest a server (or its command-line tool) may take to answer one request: a hold
/// that hangs would hold up the controller's retries.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

#[proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications",
    gen_blocking = false
)]
trait Notifications {
    /// (name, vendor, version, spec_version). Never starts a server: on a bus with a
    /// notification daemon's .service file, asking would launch one the desktop did not.
    #[zbus(no_autostart)]
    fn get_server_information(&self) -> zbus::Result<(String, String, String, String)>;
}

/// The holder for the session's notification server: the one named by `choice`, or (Auto)
/// the one `GetServerInformation` on org.freedesktop.Notifications reports.
pub async fn detect(
    session: &zbus::Connection,
    choice: ServerChoice,
) -> Result<Box<dyn Holder>, HoldError> {
    let server = match choice {
        ServerChoice::Only(server) => server,
        ServerChoice::Auto => {
            let name = server_name(session).await?;
            identify(&name).ok_or_else(|| cannot_hold(&name))?
        }
    };
    Ok(holder(session, server))
}

/// The name the running notification server reports, e.g. "dunst" or "Xfce Notify Daemon".
pub async fn server_name(session: &zbus::Connection) -> Result<String, HoldError> {
    let ask = async {
        let proxy = NotificationsProxy::builder(session)
            .cache_properties(CacheProperties::No)
            .build()
            .await?;
        proxy.get_server_information().await
    };
    match within("the notification server", ask).await? {
        Ok((name, ..)) => Ok(name),
        Err(e) if is_unowned(&e) => Err(HoldError(
            "no notification server is running: nothing owns org.freedesktop.Notifications \
             on the session bus"
                .into(),
        )),
        Err(e) => Err(HoldError(format!(
            "could not ask the notification server who it is: {e}"
        ))),
    }
}

/// The server behind a `GetServerInformation` name, as each reports itself.
pub fn identify(name: &str) -> Option<NotificationServer> {
    match name {
        "dunst" => Some(NotificationServer::Dunst),
        "Xfce Notify Daemon" => Some(NotificationServer::Xfce),
        "gnome-shell" => Some(NotificationServer::Gnome),
        "Plasma" => Some(NotificationServer::Kde),
        "mako" => Some(NotificationServer::Mako),
        _ => None,
    }
}

/// The holder for `server`, talking to it on `session` (or, for GNOME and mako, through the
/// command-line tool, which finds the session from the environment).
pub fn holder(session: &zbus::Connection, server: NotificationServer) -> Box<dyn Holder> {
    match server {
        NotificationServer::Dunst => Box::new(Dunst::new(session)),
        NotificationServer::Xfce => Box::new(Xfce::new(session)),
        NotificationServer::Gnome => Box::new(Gnome::new(Tool::new("gsettings"))),
        NotificationServer::Kde => Box::new(Kde::new(session)),
        NotificationServer::Mako => Box::new(Mako::new(Tool::new("makoctl"), mako::config_paths())),
    }
}

fn cannot_hold(name: &str) -> HoldError {
    let known = NotificationServer::ALL.map(|s| s.name()).join(", ");
    HoldError(format!(
        "the notification server \"{name}\" is not one clockoff can hold (it holds {known}); \
         if it is one of those under another name, set quiet.server to it, otherwise set \
         quiet.notifications = \"allow\""
    ))
}

/// `work`, or an error naming `who` if it takes longer than [`ANSWER_TIMEOUT`].
async fn within<T>(who: &str, work: impl Future<Output = T>) -> Result<T, HoldError> {
    tokio::time::timeout(ANSWER_TIMEOUT, work)
        .await
        .map_err(|_| HoldError(format!("{who} did not answer within {ANSWER_TIMEOUT:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_is_known_by_the_name_it_reports() {
        for server in NotificationServer::ALL {
            let reported = match server {
                NotificationServer::Dunst => "dunst",
                NotificationServer::Xfce => "Xfce Notify Daemon",
                NotificationServer::Gnome => "gnome-shell",
                NotificationServer::Kde => "Plasma",
                NotificationServer::Mako => "mako",
            };
            assert_eq!(identify(reported), Some(server));
        }
        assert_eq!(identify("notification-daemon"), None);
        assert_eq!(identify("Dunst"), None, "names are matched exactly");
    }

    #[test]
    fn an_unknown_server_is_named_and_the_setting_given() {
        let HoldError(message) = cannot_hold("Notification Daemon");
        assert!(message.contains("\"Notification Daemon\""), "{message}");
        assert!(message.contains("set quiet.server"), "{message}");
    }
}
