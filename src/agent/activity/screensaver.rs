//! org.freedesktop.ScreenSaver (KDE on X11, and others): the screen saver's `ActiveChanged`
//! signal means locked/unlocked; idle time has no signal, so this is the one source that polls.
//! While active it sleeps until the idle deadline (as X11 does); only while idle does it poll,
//! every `slow_poll` (a minute), to notice the person coming back.

use std::time::Duration;

use futures_util::StreamExt;
use zbus::names::BusName;
use zbus::proxy;

use super::{Out, Reported, Signal, Stop};

pub(crate) const NAME: &str = "org.freedesktop.ScreenSaver";

#[proxy(
    interface = "org.freedesktop.ScreenSaver",
    default_service = "org.freedesktop.ScreenSaver",
    default_path = "/org/freedesktop/ScreenSaver",
    gen_blocking = false
)]
trait ScreenSaver {
    fn get_session_idle_time(&self) -> zbus::Result<u32>;

    fn get_active(&self) -> zbus::Result<bool>;

    #[zbus(signal)]
    fn active_changed(&self, active: bool) -> zbus::Result<()>;
}

/// The paths the interface is served at: the spec's, and KDE's older one.
const PATHS: [&str; 2] = ["/org/freedesktop/ScreenSaver", "/ScreenSaver"];

/// A screen saver that answered, ready to run.
pub struct ScreenSaver {
    proxy: ScreenSaverProxy<'static>,
    changed: ActiveChangedStream,
    /// KDE's kscreenlocker reports idle time in milliseconds; the spec (and GNOME's old
    /// screensaver) in seconds.
    unit: Duration,
}

pub(crate) async fn open(session: &zbus::Connection) -> Result<ScreenSaver, String> {
    let mut why = String::from("not on the session bus");
    for path in PATHS {
        let proxy = ScreenSaverProxy::builder(session)
            .path(path)
            .map_err(|e| e.to_string())?
            .build()
            .await
            .map_err(|e| e.to_string())?;
        // KDE on Wayland answers NotSupported here: then this source cannot work.
        match proxy.get_session_idle_time().await {
            Ok(_) => {
                let changed = proxy
                    .receive_active_changed()
                    .await
                    .map_err(|e| e.to_string())?;
                let unit = if is_kde(session).await {
                    Duration::from_millis(1)
                } else {
                    Duration::from_secs(1)
                };
                return Ok(ScreenSaver {
                    proxy,
                    changed,
                    unit,
                });
            }
            Err(e) => why = format!("GetSessionIdleTime: {e}"),
        }
    }
    Err(why)
}

/// kscreenlocker owns org.kde.screensaver alongside org.freedesktop.ScreenSaver.
async fn is_kde(session: &zbus::Connection) -> bool {
    let Ok(dbus) = zbus::fdo::DBusProxy::new(session).await else {
        return false;
    };
    let owner = |name: &'static str| {
        let dbus = dbus.clone();
        async move {
            let name = BusName::try_from(name).ok()?;
            dbus.get_name_owner(name).await.ok()
        }
    };
    match (
        owner("org.kde.screensaver").await,
        owner("org.freedesktop.ScreenSaver").await,
    ) {
        (Some(kde), Some(fdo)) => kde == fdo,
        _ => false,
    }
}

impl ScreenSaver {
    pub(crate) async fn run(
        mut self,
        idle_after: Duration,
        slow_poll: Duration,
        out: Out,
    ) -> Result<(), Stop> {
        let failed = |e: zbus::Error| Stop::failed("ScreenSaver", e);
        let locked = self.proxy.get_active().await.map_err(failed)?;
        out.send(Signal::Locked {
            locked,
            at: out.now(),
        })?;
        let mut reported = Reported::default();
        loop {
            let units = self.proxy.get_session_idle_time().await.map_err(failed)?;
            let since_input = self.unit * units;
            let wait = if since_input < idle_after {
                reported.active(&out, out.ago(since_input))?;
                // Whole seconds may round the deadline down; never spin on it.
                (idle_after - since_input).max(MIN_WAIT)
            } else {
                reported.idle(&out, out.ago(since_input))?;
                slow_poll
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = self.changed.next() => {
                    let Some(changed) = changed else {
                        return Err(Stop::Failed("session bus closed".into()));
                    };
                    if let Ok(args) = changed.args() {
                        out.send(Signal::Locked { locked: args.active, at: out.now() })?;
                    }
                }
            }
        }
    }
}

const MIN_WAIT: Duration = Duration::from_secs(1);
