//! GNOME: Mutter's IdleMonitor tells us both ways by signal. An idle watch fires each time
//! input stops for `idle_after`; a user-active watch fires once, on the next input. Nothing
//! here wakes unless the person leaves or comes back.

use std::time::Duration;

use futures_util::StreamExt;
use zbus::proxy;

use super::{Out, Reported, Stop};

pub(crate) const NAME: &str = "org.gnome.Mutter.IdleMonitor";

#[proxy(
    interface = "org.gnome.Mutter.IdleMonitor",
    default_service = "org.gnome.Mutter.IdleMonitor",
    default_path = "/org/gnome/Mutter/IdleMonitor/Core",
    gen_blocking = false
)]
trait IdleMonitor {
    /// Milliseconds since the last input.
    #[zbus(name = "GetIdletime")]
    fn get_idletime(&self) -> zbus::Result<u64>;

    fn add_idle_watch(&self, interval: u64) -> zbus::Result<u32>;

    fn add_user_active_watch(&self) -> zbus::Result<u32>;

    fn remove_watch(&self, id: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    fn watch_fired(&self, id: u32) -> zbus::Result<()>;
}

/// A subscribed idle watch, ready to run.
pub struct Mutter {
    proxy: IdleMonitorProxy<'static>,
    fired: WatchFiredStream,
    owner: zbus::proxy::OwnerChangedStream<'static>,
    idle_watch: u32,
    idle_after: Duration,
    idletime: Duration,
}

pub(crate) async fn open(
    session: &zbus::Connection,
    idle_after: Duration,
) -> Result<Mutter, String> {
    let e = |e: zbus::Error| e.to_string();
    let proxy = IdleMonitorProxy::new(session).await.map_err(e)?;
    // Subscribe before adding the watch, so its first firing cannot be missed.
    let fired = proxy.receive_watch_fired().await.map_err(e)?;
    let owner = proxy.inner().receive_owner_changed().await.map_err(e)?;
    let interval = u64::try_from(idle_after.as_millis()).unwrap_or(u64::MAX);
    let idle_watch = proxy.add_idle_watch(interval).await.map_err(e)?;
    let idletime = Duration::from_millis(proxy.get_idletime().await.map_err(e)?);
    Ok(Mutter {
        proxy,
        fired,
        owner,
        idle_watch,
        idle_after,
        idletime,
    })
}

impl Mutter {
    pub(crate) async fn run(mut self, out: Out) -> Result<(), Stop> {
        let failed = |e: zbus::Error| Stop::failed("IdleMonitor", e);
        let mut reported = Reported::default();
        let mut active_watch = None;
        if self.idletime < self.idle_after {
            reported.active(&out, out.ago(self.idletime))?;
        } else {
            reported.idle(&out, out.ago(self.idletime))?;
            active_watch = Some(self.proxy.add_user_active_watch().await.map_err(failed)?);
        }
        loop {
            tokio::select! {
                fired = self.fired.next() => {
                    let Some(fired) = fired else {
                        return Err(Stop::Failed("session bus closed".into()));
                    };
                    // An odd message is skipped, not fatal.
                    let Ok(id) = fired.args().map(|a| a.id) else { continue };
                    if id == self.idle_watch && reported != Reported::Idle {
                        // The watch fires exactly `idle_after` after the last input.
                        reported.idle(&out, out.ago(self.idle_after))?;
                        // One-shot: added afresh for each idle stretch.
                        active_watch =
                            Some(self.proxy.add_user_active_watch().await.map_err(failed)?);
                    } else if active_watch == Some(id) {
                        active_watch = None;
                        reported.active(&out, out.now())?;
                    }
                }
                Some(owner) = self.owner.next() => {
                    // Our watches lived in the old Mutter; a new one does not know them.
                    let what = if owner.is_some() { "restarted" } else { "left the session bus" };
                    return Err(Stop::Failed(format!("Mutter {what}")));
                }
            }
        }
    }
}
