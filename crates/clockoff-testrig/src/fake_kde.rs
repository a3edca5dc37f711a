//! A fake of Plasma's notification server (no KDE here), limited to what holding it uses, with
//! Plasma's names, signatures and behaviour (plasma-workspace libnotificationmanager):
//! `GetServerInformation` says "Plasma"; `Inhibit(s desktop_entry, s reason, a{sv} hints) -> u`
//! and `UnInhibit(u)` (an unknown cookie is ignored); the `Inhibited` property is true under
//! the worker's own Do Not Disturb or any inhibition; and an inhibition is dropped when the
//! client that made it leaves the bus.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::StreamExt;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;
use zbus::{Connection, interface};

use super::DbusDaemon;

pub const NAME: &str = "org.freedesktop.Notifications";
pub const PATH: &str = "/org/freedesktop/Notifications";

/// One inhibition, as Plasma's applet lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inhibition {
    pub desktop_entry: String,
    pub reason: String,
    /// The unique bus name of the client that asked.
    pub client: String,
}

#[derive(Debug, Default)]
struct State {
    worker_dnd: bool,
    next_cookie: u32,
    inhibitions: BTreeMap<u32, Inhibition>,
}

impl State {
    fn inhibited(&self) -> bool {
        self.worker_dnd || !self.inhibitions.is_empty()
    }
}

#[derive(Debug)]
pub struct FakeKde {
    conn: Connection,
    state: Arc<Mutex<State>>,
    watcher: tokio::task::JoinHandle<()>,
}

struct Server {
    state: Arc<Mutex<State>>,
}

impl FakeKde {
    pub async fn start(bus: &DbusDaemon) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let server = Server {
            state: state.clone(),
        };
        let conn = zbus::connection::Builder::address(bus.address())
            .and_then(|b| b.name(NAME))
            .and_then(|b| b.serve_at(PATH, server))
            .expect("fake Plasma builder")
            .build()
            .await
            .expect("fake Plasma on the bus");
        // Subscribed before anyone can inhibit, so no client can leave unseen.
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("DBus proxy");
        let leavers = dbus
            .receive_name_owner_changed()
            .await
            .expect("NameOwnerChanged");
        let watcher = tokio::spawn(drop_inhibitions_of_leavers(leavers, state.clone()));
        Self {
            conn,
            state,
            watcher,
        }
    }

    /// Turns Do Not Disturb on or off as the worker would, in Plasma's applet.
    pub async fn set_worker_dnd(&self, on: bool) {
        let changed = {
            let mut state = lock(&self.state);
            let before = state.inhibited();
            state.worker_dnd = on;
            before != state.inhibited()
        };
        if changed {
            self.emit_inhibited().await;
        }
    }

    pub fn inhibited(&self) -> bool {
        lock(&self.state).inhibited()
    }

    pub fn inhibitions(&self) -> Vec<Inhibition> {
        lock(&self.state).inhibitions.values().cloned().collect()
    }

    async fn emit_inhibited(&self) {
        let iface = self
            .conn
            .object_server()
            .interface::<_, Server>(PATH)
            .await
            .expect("fake Plasma interface");
        iface
            .get()
            .await
            .inhibited_changed(iface.signal_emitter())
            .await
            .expect("emit Inhibited changed");
    }
}

impl Drop for FakeKde {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

/// As Plasma's QDBusServiceWatcher: when a client's unique name goes, its inhibitions go.
async fn drop_inhibitions_of_leavers(
    mut changes: zbus::fdo::NameOwnerChangedStream,
    state: Arc<Mutex<State>>,
) {
    while let Some(change) = changes.next().await {
        let Ok(args) = change.args() else { continue };
        if args.new_owner().is_some() {
            continue;
        }
        let gone = args.name().to_string();
        lock(&state).inhibitions.retain(|_, i| i.client != gone);
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[interface(name = "org.freedesktop.Notifications")]
impl Server {
    fn get_server_information(&self) -> (String, String, String, String) {
        ("Plasma".into(), "KDE".into(), "6.0.0".into(), "1.2".into())
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into(), "inhibitions".into()]
    }

    async fn inhibit(
        &self,
        desktop_entry: String,
        reason: String,
        _hints: HashMap<String, OwnedValue>,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<u32> {
        // Plasma resolves an empty desktop entry from the caller's process name; a fake
        // cannot, so it refuses as Plasma does when that fails too.
        if desktop_entry.is_empty() {
            return Err(zbus::fdo::Error::InvalidArgs(
                "No meaningful desktop_entry provided".into(),
            ));
        }
        let client = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let (cookie, changed) = {
            let mut state = lock(&self.state);
            let before = state.inhibited();
            state.next_cookie += 1;
            let cookie = state.next_cookie;
            state.inhibitions.insert(
                cookie,
                Inhibition {
                    desktop_entry,
                    reason,
                    client,
                },
            );
            (cookie, before != state.inhibited())
        };
        if changed {
            let _ = self.inhibited_changed(&emitter).await;
        }
        Ok(cookie)
    }

    async fn un_inhibit(&self, cookie: u32, #[zbus(signal_emitter)] emitter: SignalEmitter<'_>) {
        let changed = {
            let mut state = lock(&self.state);
            let before = state.inhibited();
            state.inhibitions.remove(&cookie);
            before != state.inhibited()
        };
        if changed {
            let _ = self.inhibited_changed(&emitter).await;
        }
    }

    #[zbus(property)]
    fn inhibited(&self) -> bool {
        lock(&self.state).inhibited()
    }
}
