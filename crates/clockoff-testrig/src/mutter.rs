//! A fake of GNOME Mutter's `org.gnome.Mutter.IdleMonitor` (no gnome-shell runs headless),
//! with the real names, path and signatures, and Mutter's behaviour: the idle time counts up
//! from the last input; an idle watch fires each time it crosses the watch's interval (at
//! once if it already has); a user-active watch fires once, on the next input, and is gone.
//! The test gives the input.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use zbus::object_server::SignalEmitter;
use zbus::{Connection, interface};

use super::DbusDaemon;

pub const NAME: &str = "org.gnome.Mutter.IdleMonitor";
pub const PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";

#[derive(Debug)]
pub struct FakeMutter {
    conn: Connection,
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    last_input: Instant,
    /// Bumped on input: a timer armed before it is stale.
    generation: u64,
    next_id: u32,
    idle: BTreeMap<u32, Duration>,
    active: BTreeSet<u32>,
}

struct IdleMonitor {
    state: Arc<Mutex<State>>,
}

impl FakeMutter {
    /// Owns the IdleMonitor name on `bus`; the last input was just now.
    pub async fn start(bus: &DbusDaemon) -> Self {
        let state = Arc::new(Mutex::new(State {
            last_input: Instant::now(),
            generation: 0,
            next_id: 1,
            idle: BTreeMap::new(),
            active: BTreeSet::new(),
        }));
        let monitor = IdleMonitor {
            state: state.clone(),
        };
        let conn = zbus::connection::Builder::address(bus.address())
            .and_then(|b| b.name(NAME))
            .and_then(|b| b.serve_at(PATH, monitor))
            .expect("fake Mutter builder")
            .build()
            .await
            .expect("fake Mutter on the bus");
        Self { conn, state }
    }

    /// User input now: fires (and drops) user-active watches, restarts idle watches.
    pub async fn input(&self) {
        self.set_last_input(Instant::now()).await;
    }

    /// Makes the last input `ago` in the past, as if the person left then.
    pub async fn idle_since(&self, ago: Duration) {
        let at = Instant::now().checked_sub(ago).expect("instant in range");
        self.set_last_input(at).await;
    }

    /// (idle watches, user-active watches) currently registered.
    pub fn watches(&self) -> (usize, usize) {
        let state = lock(&self.state);
        (state.idle.len(), state.active.len())
    }

    async fn set_last_input(&self, at: Instant) {
        let (fired, rearm) = {
            let mut state = lock(&self.state);
            state.last_input = at;
            state.generation += 1;
            let fired = std::mem::take(&mut state.active);
            let rearm: Vec<_> = state.idle.iter().map(|(&id, &i)| (id, i)).collect();
            (fired, rearm)
        };
        let emitter = emitter(&self.conn);
        for id in fired {
            IdleMonitor::watch_fired(&emitter, id)
                .await
                .expect("emit WatchFired");
        }
        for (id, interval) in rearm {
            arm(&self.state, &self.conn, id, interval);
        }
    }
}

/// Fires idle watch `id` when the idle time reaches `interval`, unless input comes first.
fn arm(state: &Arc<Mutex<State>>, conn: &Connection, id: u32, interval: Duration) {
    let (due, generation) = {
        let state = lock(state);
        (state.last_input + interval, state.generation)
    };
    let state = state.clone();
    let conn = conn.clone();
    tokio::spawn(async move {
        tokio::time::sleep_until(due.into()).await;
        let still = {
            let state = lock(&state);
            state.generation == generation && state.idle.contains_key(&id)
        };
        if still {
            let _ = IdleMonitor::watch_fired(&emitter(&conn), id).await;
        }
    });
}

fn emitter(conn: &Connection) -> SignalEmitter<'static> {
    SignalEmitter::new(conn, PATH).expect("signal emitter")
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[interface(name = "org.gnome.Mutter.IdleMonitor")]
impl IdleMonitor {
    #[zbus(name = "GetIdletime")]
    fn get_idletime(&self) -> u64 {
        lock(&self.state).last_input.elapsed().as_millis() as u64
    }

    fn add_idle_watch(&mut self, interval: u64, #[zbus(connection)] conn: &Connection) -> u32 {
        let id = {
            let mut state = lock(&self.state);
            let id = state.next_id;
            state.next_id += 1;
            state.idle.insert(id, Duration::from_millis(interval));
            id
        };
        // Fires from a timer, after this reply (at once if already idle that long).
        arm(&self.state, conn, id, Duration::from_millis(interval));
        id
    }

    fn add_user_active_watch(&mut self) -> u32 {
        let mut state = lock(&self.state);
        let id = state.next_id;
        state.next_id += 1;
        state.active.insert(id);
        id
    }

    fn remove_watch(&mut self, id: u32) {
        let mut state = lock(&self.state);
        state.idle.remove(&id);
        state.active.remove(&id);
    }

    #[zbus(signal)]
    async fn watch_fired(emitter: &SignalEmitter<'_>, id: u32) -> zbus::Result<()>;
}
