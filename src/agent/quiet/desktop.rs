//! The real desktop behind [`Desktop`]: the session bus's notification server, Syncthing and
//! systemd and the worker's commands, the Notify monitor, and our own notices.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Desktop, NoticeChoice};
use crate::config::quiet::{ServerChoice, SyncSpec};
use crate::desktop::notices::{self, EndOfHours};
use crate::desktop::{monitor, notifications};
use crate::hold::{BoxFuture, HoldError, Holder};

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";

pub struct SessionDesktop {
    session: zbus::Connection,
}

impl SessionDesktop {
    pub fn new(session: zbus::Connection) -> Self {
        Self { session }
    }
}

impl Desktop for SessionDesktop {
    fn notification_holder(
        &self,
        choice: ServerChoice,
    ) -> BoxFuture<'static, Result<Arc<dyn Holder>, HoldError>> {
        let session = self.session.clone();
        Box::pin(async move { notifications::detect(&session, choice).await.map(Arc::from) })
    }

    fn sync_holder(&self, spec: &SyncSpec) -> Arc<dyn Holder> {
        let fetch = Arc::new(crate::fetch::Helper::beside_this_binary());
        Arc::from(crate::sync::holder(spec, &self.session, fetch))
    }

    fn watch_server(&self, restarted: mpsc::UnboundedSender<()>) -> JoinHandle<()> {
        let session = self.session.clone();
        tokio::spawn(async move {
            let changes = async {
                zbus::fdo::DBusProxy::new(&session)
                    .await?
                    .receive_name_owner_changed_with_args(&[(0, NOTIFICATIONS)])
                    .await
            };
            let mut changes = match changes.await {
                Ok(changes) => changes,
                Err(e) => {
                    tracing::warn!(
                        "cannot watch the notification server ({e}); a restarted one will not be held again"
                    );
                    return;
                }
            };
            while let Some(change) = changes.next().await {
                let has_owner = change.args().is_ok_and(|a| a.new_owner().is_some());
                if has_owner && restarted.send(()).is_err() {
                    return;
                }
            }
        })
    }

    fn start_monitor(
        &self,
        apps: mpsc::UnboundedSender<monitor::Arrived>,
    ) -> BoxFuture<'static, Result<JoinHandle<()>, String>> {
        Box::pin(async move {
            // A monitor needs a connection of its own; it goes to the same session bus.
            let builder = zbus::connection::Builder::session().map_err(|e| e.to_string())?;
            monitor::start(builder, apps)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn show_digest(&self, counts: Vec<(String, u64)>) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(async move {
            match notices::digest(&counts) {
                Some(digest) => notices::show_digest(&digest).await,
                None => Ok(()),
            }
        })
    }

    fn end_of_hours(&self, body: String) -> BoxFuture<'static, Result<NoticeChoice, String>> {
        let session = self.session.clone();
        Box::pin(async move {
            let choice = notices::end_of_hours(&session, &body).await?;
            Ok(match choice {
                EndOfHours::ClockOff => NoticeChoice::ClockOff,
                EndOfHours::WorkMore => NoticeChoice::WorkMore,
                EndOfHours::Dismissed => NoticeChoice::Dismissed,
            })
        })
    }
}
