//! Wayland: the compositor's `ext-idle-notify-v1` (KWin since Plasma 5.27, sway since 1.8,
//! Hyprland, COSMIC, niri). One notification with the `idle_after` timeout: `idled` when no
//! input came for that long, `resumed` on the next input. Both are events on the Wayland
//! socket, so nothing is polled and an idle worker costs no wakeups.
//!
//! Version 2 of the protocol adds `get_input_idle_notification`, which counts only input, so a
//! video player that inhibits idle does not count as the worker at the laptop. Version 1's
//! notification honours inhibitors; [`Flavour`] says which one runs, for `clockoff status`.
//!
//! The connection is the pure-Rust client's; its one blocking round trip (the registry) runs
//! at open, off the runtime. Reading then waits on the socket through tokio (`AsyncFd`).

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use wayland_client::globals::{GlobalList, GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, Proxy, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::{
    ext_idle_notification_v1::{self, ExtIdleNotificationV1},
    ext_idle_notifier_v1::ExtIdleNotifierV1,
};

use super::{Out, Reported, Stop};

/// The global this source needs, as `wayland-info` names it.
pub const NOTIFIER: &str = "ext_idle_notifier_v1";

/// Which notification the compositor gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Version 2's input-only notification: idle inhibitors (a video playing) are ignored.
    InputOnly,
    /// Version 1's: an app inhibiting idle keeps the worker "at the laptop".
    InhibitorsCount,
}

impl Flavour {
    /// For `clockoff status`, after the source's name.
    pub fn describe(self) -> &'static str {
        match self {
            Flavour::InputOnly => "ext-idle-notify v2, input only",
            Flavour::InhibitorsCount => {
                "ext-idle-notify v1: an app keeping the screen awake counts as activity"
            }
        }
    }
}

/// The compositor's socket for `WAYLAND_DISPLAY` (a name under `XDG_RUNTIME_DIR`, or a path),
/// as libwayland resolves it.
pub fn socket_path(display: &str, runtime_dir: Option<&Path>) -> Option<PathBuf> {
    let display = Path::new(display);
    if display.is_absolute() {
        return Some(display.to_path_buf());
    }
    runtime_dir.map(|dir| dir.join(display))
}

/// A connection with the idle notification made, ready to run.
pub struct Wayland {
    conn: Connection,
    queue: EventQueue<State>,
    pub flavour: Flavour,
    /// Held so the compositor keeps sending; destroyed with the connection.
    _notification: ExtIdleNotificationV1,
}

/// Connects to the compositor at `socket` and asks to hear when the seat has had no input
/// for `idle_after`. Blocking (one round trip).
pub fn open(socket: &Path, idle_after: Duration) -> Result<Wayland, String> {
    let stream = UnixStream::connect(socket).map_err(|e| format!("{}: {e}", socket.display()))?;
    let conn = Connection::from_socket(stream).map_err(|e| format!("{}: {e}", socket.display()))?;
    let (globals, queue) = registry_queue_init::<State>(&conn)
        .map_err(|e| format!("{}: listing globals: {e}", socket.display()))?;
    let qh = queue.handle();
    let notifier: ExtIdleNotifierV1 = globals
        .bind(&qh, 1..=2, ())
        .map_err(|_| format!("the compositor does not offer {NOTIFIER}"))?;
    let seat = first_seat(&globals, &qh)?;
    let timeout = u32::try_from(idle_after.as_millis()).unwrap_or(u32::MAX);
    let (notification, flavour) = if notifier.version() >= 2 {
        let n = notifier.get_input_idle_notification(timeout, &seat, &qh, ());
        (n, Flavour::InputOnly)
    } else {
        let n = notifier.get_idle_notification(timeout, &seat, &qh, ());
        (n, Flavour::InhibitorsCount)
    };
    // The notification lives on; the factory and the seat are not needed again.
    notifier.destroy();
    if seat.version() >= 5 {
        seat.release();
    }
    conn.flush()
        .map_err(|e| format!("{}: {e}", socket.display()))?;
    Ok(Wayland {
        conn,
        queue,
        flavour,
        _notification: notification,
    })
}

/// The session's seat (desktops have one; with several, the first is the worker's).
fn first_seat(globals: &GlobalList, qh: &QueueHandle<State>) -> Result<wl_seat::WlSeat, String> {
    globals
        .bind(qh, 1..=5, ())
        .map_err(|_| "the compositor offers no seat".to_string())
}

impl Wayland {
    pub(crate) async fn run(self, idle_after: Duration, out: Out) -> Result<(), Stop> {
        let Wayland {
            conn,
            mut queue,
            _notification,
            ..
        } = self;
        // SAFETY: the connection owns its socket until its last clone drops, and `Socket` holds
        // one for as long as the AsyncFd lives; `poll_fd()` is always that same socket.
        let fd =
            unsafe { AsyncFd::register_with_interest(Socket(conn.clone()), Interest::READABLE) }
                .map_err(|e| Stop::failed("watching the Wayland socket", e))?;
        let mut reported = Reported::default();
        // Created "not idle": the worker counts as here from now until the compositor says
        // otherwise, and if nobody touches anything, `idled` puts the stretch's end back here.
        reported.active(&out, out.now())?;
        let mut state = State::default();
        loop {
            queue
                .dispatch_pending(&mut state)
                .map_err(|e| gone(&mut reported, &out, "Wayland protocol", e))?;
            for change in state.changes.drain(..) {
                match change {
                    Change::Idled => reported.idle(&out, out.ago(idle_after))?,
                    Change::Resumed => reported.active(&out, out.now())?,
                }
            }
            queue
                .flush()
                .map_err(|e| gone(&mut reported, &out, "Wayland socket", e))?;
            let Some(guard) = queue.prepare_read() else {
                continue;
            };
            let mut ready = fd
                .readable()
                .await
                .map_err(|e| gone(&mut reported, &out, "Wayland socket", e))?;
            match guard.read() {
                Ok(_) => {}
                Err(wayland_client::backend::WaylandError::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock =>
                {
                    ready.clear_ready();
                }
                Err(e) => return Err(gone(&mut reported, &out, "the compositor went away", e)),
            }
        }
    }
}

/// The compositor is gone (logout, crash): whoever was here is no longer seen, so the stretch
/// ends now rather than running on with no one watching.
fn gone(reported: &mut Reported, out: &Out, what: &str, e: impl std::fmt::Display) -> Stop {
    match reported.idle(out, out.now()) {
        Ok(()) => Stop::failed(what, e),
        Err(gone) => gone.into(),
    }
}

/// What the compositor said since the last look, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Idled,
    Resumed,
}

#[derive(Default)]
struct State {
    changes: Vec<Change>,
}

impl Dispatch<ExtIdleNotificationV1, ()> for State {
    fn event(
        state: &mut Self,
        _: &ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => state.changes.push(Change::Idled),
            ext_idle_notification_v1::Event::Resumed => state.changes.push(Change::Resumed),
            _ => {}
        }
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for State {
    /// Globals coming and going later (an output plugged in) do not concern this source.
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

// The factory and the seat send nothing this source needs (the seat's name and
// capabilities: the notification covers the whole seat).
wayland_client::delegate_noop!(State: ignore ExtIdleNotifierV1);
wayland_client::delegate_noop!(State: ignore wl_seat::WlSeat);

/// The connection, exposing its socket so tokio can wait on it.
struct Socket(Connection);

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.0.backend().poll_fd().as_raw_fd()
    }
}
