//! A fake `org.freedesktop.ScreenSaver` (no KDE here), with the real names and signatures.
//! Idle time counts up from the last input the test gives; locking emits `ActiveChanged`.
//! With `kde`, it behaves as kscreenlocker does: it also owns `org.kde.screensaver` and
//! reports idle time in milliseconds, not the spec's seconds.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use zbus::object_server::SignalEmitter;
use zbus::{Connection, interface};

use super::DbusDaemon;

pub const NAME: &str = "org.freedesktop.ScreenSaver";
pub const KDE_NAME: &str = "org.kde.screensaver";
/// The spec's path; KDE also serves (and older clients use) `/ScreenSaver`.
pub const PATH: &str = "/org/freedesktop/ScreenSaver";
pub const KDE_PATH: &str = "/ScreenSaver";

#[derive(Debug)]
pub struct FakeScreenSaver {
    conn: Connection,
    path: &'static str,
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    last_input: Instant,
    locked_at: Option<Instant>,
    kde: bool,
    next_cookie: u32,
}

struct ScreenSaver {
    state: Arc<Mutex<State>>,
}

impl FakeScreenSaver {
    /// Serves the interface at `path` only (so a client's fallback path can be tested).
    pub async fn start(bus: &DbusDaemon, path: &'static str, kde: bool) -> Self {
        let state = Arc::new(Mutex::new(State {
            last_input: Instant::now(),
            locked_at: None,
            kde,
            next_cookie: 1,
        }));
        let saver = ScreenSaver {
            state: state.clone(),
        };
        let mut builder = zbus::connection::Builder::address(bus.address())
            .and_then(|b| b.name(NAME))
            .and_then(|b| b.serve_at(path, saver))
            .expect("fake ScreenSaver builder");
        if kde {
            builder = builder.name(KDE_NAME).expect("KDE name");
        }
        let conn = builder.build().await.expect("fake ScreenSaver on the bus");
        Self { conn, path, state }
    }

    /// User input now.
    pub fn input(&self) {
        lock(&self.state).last_input = Instant::now();
    }

    /// Makes the last input `ago` in the past.
    pub fn idle_since(&self, ago: Duration) {
        lock(&self.state).last_input = Instant::now().checked_sub(ago).expect("instant in range");
    }

    /// Locks or unlocks the screen, emitting ActiveChanged.
    pub async fn set_locked(&self, locked: bool) {
        set_locked(&self.state, &self.conn, self.path, locked).await;
    }
}

async fn set_locked(state: &Mutex<State>, conn: &Connection, path: &str, locked: bool) {
    {
        let mut state = lock(state);
        if state.locked_at.is_some() == locked {
            return;
        }
        state.locked_at = locked.then(Instant::now);
    }
    let emitter = SignalEmitter::new(conn, path).expect("signal emitter");
    ScreenSaver::active_changed(&emitter, locked)
        .await
        .expect("emit ActiveChanged");
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaver {
    async fn lock(
        &self,
        #[zbus(connection)] conn: &Connection,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        set_locked(&self.state, conn, emitter.path().as_str(), true).await;
    }

    fn simulate_user_activity(&self) {
        lock(&self.state).last_input = Instant::now();
    }

    fn get_active(&self) -> bool {
        lock(&self.state).locked_at.is_some()
    }

    /// Seconds the screen saver has been on.
    fn get_active_time(&self) -> u32 {
        lock(&self.state)
            .locked_at
            .map_or(0, |at| at.elapsed().as_secs() as u32)
    }

    /// Seconds since input (milliseconds in KDE's implementation).
    fn get_session_idle_time(&self) -> u32 {
        let state = lock(&self.state);
        let idle = state.last_input.elapsed();
        match state.kde {
            true => idle.as_millis() as u32,
            false => idle.as_secs() as u32,
        }
    }

    async fn set_active(
        &self,
        active: bool,
        #[zbus(connection)] conn: &Connection,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> bool {
        // As KDE: SetActive(true) locks, SetActive(false) is ignored.
        if active {
            set_locked(&self.state, conn, emitter.path().as_str(), true).await;
        }
        active
    }

    fn inhibit(&self, _application_name: &str, _reason_for_inhibit: &str) -> u32 {
        let mut state = lock(&self.state);
        state.next_cookie += 1;
        state.next_cookie
    }

    fn un_inhibit(&self, _cookie: u32) {}

    fn throttle(&self, _application_name: &str, _reason_for_inhibit: &str) -> u32 {
        0
    }

    fn un_throttle(&self, _cookie: u32) {}

    #[zbus(signal)]
    async fn active_changed(emitter: &SignalEmitter<'_>, new_value: bool) -> zbus::Result<()>;
}
