//! Whether a panel shows the item: the StatusNotifierWatcher (KDE, XFCE, GNOME with the
//! AppIndicator extension) lists it. With no watcher (GNOME as shipped) the item waits,
//! ksni registers it when one appears, and status says so meanwhile.

use futures_util::StreamExt;
use tokio::sync::watch;
use zbus::fdo::DBusProxy;
use zbus::names::BusName;
use zbus::proxy::CacheProperties;

use super::TrayStatus;

pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";

#[zbus::proxy(
    interface = "org.kde.StatusNotifierWatcher",
    default_service = "org.kde.StatusNotifierWatcher",
    default_path = "/StatusNotifierWatcher"
)]
trait Watcher {
    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> zbus::Result<Vec<String>>;

    #[zbus(signal)]
    fn status_notifier_item_registered(&self, service: String) -> zbus::Result<()>;
}

/// Keeps `status` up to date until the task is dropped.
pub async fn follow(session: zbus::Connection, status: watch::Sender<TrayStatus>) {
    if let Err(e) = follow_inner(&session, &status).await {
        status.send_replace(TrayStatus::Failed(format!(
            "cannot see the panel's StatusNotifierWatcher: {e}"
        )));
    }
}

async fn follow_inner(
    session: &zbus::Connection,
    status: &watch::Sender<TrayStatus>,
) -> zbus::Result<()> {
    let dbus = DBusProxy::new(session).await?;
    let mut owners = dbus
        .receive_name_owner_changed_with_args(&[(0, WATCHER)])
        .await?;
    let watcher = WatcherProxy::builder(session)
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    // Subscribed before the first look, so a registration in between is not missed.
    let mut registered = watcher.receive_status_notifier_item_registered().await?;
    let ours = format!("StatusNotifierItem-{}-", std::process::id());
    let look = async || -> TrayStatus {
        let present = dbus
            .name_has_owner(BusName::try_from(WATCHER).expect("a valid name"))
            .await
            .unwrap_or(false);
        if !present {
            return TrayStatus::NoHost;
        }
        match watcher.registered_status_notifier_items().await {
            Ok(items) if items.iter().any(|item| item.contains(&ours)) => TrayStatus::Shown,
            _ => TrayStatus::Registering,
        }
    };
    status.send_replace(look().await);
    loop {
        tokio::select! {
            Some(_) = owners.next() => {}
            Some(_) = registered.next() => {}
            else => return Ok(()),
        }
        status.send_replace(look().await);
    }
}
