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
    let look = async || -> TrayStatus {
        let present = dbus
            .name_has_owner(BusName::try_from(WATCHER).expect("a valid name"))
            .await
            .unwrap_or(false);
        if !present {
            return TrayStatus::NoHost;
        }
        let listed = watcher
            .registered_status_notifier_items()
            .await
            .unwrap_or_default();
        let ours = our_names(&dbus).await;
        if listed.iter().any(|entry| is_ours(entry, &ours)) {
            TrayStatus::Shown
        } else {
            TrayStatus::Registering
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

/// The item's well-known names (ksni's `org.kde.StatusNotifierItem-PID-N`) and their
/// unique names: Plasma lists an item by the name it registered with, GNOME's AppIndicator
/// extension may list the sender's unique name.
async fn our_names(dbus: &DBusProxy<'_>) -> Vec<String> {
    let prefix = format!("org.kde.StatusNotifierItem-{}-", std::process::id());
    let mut names = Vec::new();
    for name in dbus.list_names().await.unwrap_or_default() {
        if !name.starts_with(&prefix) {
            continue;
        }
        if let Ok(owner) = dbus.get_name_owner(name.inner().clone()).await {
            names.push(owner.to_string());
        }
        names.push(name.to_string());
    }
    names
}

/// A listed entry is `service` or `service/path`.
fn is_ours(entry: &str, ours: &[String]) -> bool {
    let service = entry.split_once('/').map_or(entry, |(service, _)| service);
    ours.iter().any(|name| name == service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_ours_by_well_known_or_unique_name_with_or_without_a_path() {
        let ours = [
            "org.kde.StatusNotifierItem-42-1".to_string(),
            ":1.7".to_string(),
        ];
        assert!(is_ours(
            "org.kde.StatusNotifierItem-42-1/StatusNotifierItem",
            &ours
        ));
        assert!(is_ours(":1.7/StatusNotifierItem", &ours));
        assert!(is_ours(":1.7", &ours));
        assert!(!is_ours(":1.70/StatusNotifierItem", &ours));
        assert!(!is_ours(
            "org.kde.StatusNotifierItem-421-1/StatusNotifierItem",
            &ours
        ));
    }
}
