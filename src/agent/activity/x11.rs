//! X11: MIT-SCREEN-SAVER says how long since the last input; XInput2 raw events say when input
//! comes back. No periodic polling: while active we sleep until the idle deadline, while idle
//! we wait for one raw event and then stop listening, so a typing person costs no wakeups.
//!
//! x11rb's `RustConnection` is blocking; its round trips here are a few per idle stretch on a
//! local socket, so they run inline. Waiting for events goes through tokio (`AsyncFd`).

use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::Event;
use x11rb::protocol::screensaver;
use x11rb::protocol::xinput::{self, Device, EventMask, XIEventMask};
use x11rb::protocol::xproto::Window;
use x11rb::rust_connection::RustConnection;

use super::{Out, Reported, Stop};

/// A connection to the X server, ready to run.
pub struct X11 {
    conn: RustConnection,
    root: Window,
    /// XInput 2 is there: input coming back is an event, not something to poll for.
    xi2: bool,
}

/// Connects to `display` and checks MIT-SCREEN-SAVER answers. Blocking.
pub fn open(display: &str) -> Result<X11, String> {
    let (conn, screen) =
        RustConnection::connect(Some(display)).map_err(|e| format!("{display}: {e}"))?;
    let root = conn
        .setup()
        .roots
        .get(screen)
        .ok_or_else(|| format!("{display}: no screen {screen}"))?
        .root;
    let has = |name| matches!(conn.extension_information(name), Ok(Some(_)));
    if !has(screensaver::X11_EXTENSION_NAME) {
        return Err(format!("{display}: no MIT-SCREEN-SAVER extension"));
    }
    if idle_time(&conn, root).is_err() {
        return Err(format!("{display}: MIT-SCREEN-SAVER does not answer"));
    }
    let xi2 = has(xinput::X11_EXTENSION_NAME)
        && xinput::xi_query_version(&conn, 2, 2)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
            .is_some_and(|v| v.major_version >= 2);
    Ok(X11 { conn, root, xi2 })
}

impl X11 {
    pub(crate) async fn run(
        self,
        idle_after: Duration,
        slow_poll: Duration,
        out: Out,
    ) -> Result<(), Stop> {
        let X11 { conn, root, xi2 } = self;
        // SAFETY: the connection owns its socket until it is dropped, which is when the AsyncFd
        // is dropped, and `stream()` always returns that same socket.
        let fd = unsafe { AsyncFd::register_with_interest(Fd(conn), Interest::READABLE) }
            .map_err(|e| Stop::failed("watching the X socket", e))?;
        let conn = &fd.get_ref().0;
        let mut reported = Reported::default();
        loop {
            let since_input = idle_time(conn, root)?;
            if since_input < idle_after {
                // At start the stretch's first input is unknown; its last is the best we have.
                reported.active(&out, out.ago(since_input))?;
                tokio::time::sleep(idle_after - since_input).await;
                continue;
            }
            if !xi2 {
                // No XInput 2 (very old servers): the only way to see input return is to poll,
                // slowly and only while idle.
                reported.idle(&out, out.ago(since_input))?;
                tokio::time::sleep(slow_poll).await;
                continue;
            }
            // Listen first, then look again: input between the two queries is not lost.
            listen(conn, root, true)?;
            let since_input = idle_time(conn, root)?;
            if since_input < idle_after {
                listen(conn, root, false)?;
                continue;
            }
            reported.idle(&out, out.ago(since_input))?;
            next_input(&fd).await?;
            listen(conn, root, false)?;
            reported.active(&out, out.now())?;
        }
    }
}

/// Time since the last input, from MIT-SCREEN-SAVER.
fn idle_time(conn: &RustConnection, root: Window) -> Result<Duration, Stop> {
    let info = screensaver::query_info(conn, root)
        .map_err(|e| Stop::failed("X connection", e))?
        .reply()
        .map_err(|e| Stop::failed("MIT-SCREEN-SAVER", e))?;
    Ok(Duration::from_millis(info.ms_since_user_input.into()))
}

/// Selects (or deselects) raw key, button and motion events from every master device, and
/// pointer motion on the root window: a pointer warp (`xdotool mousemove`, some remote-desktop
/// tools) moves the pointer and resets the idle time without any raw event.
fn listen(conn: &RustConnection, root: Window, on: bool) -> Result<(), Stop> {
    let mask = if on {
        XIEventMask::RAW_KEY_PRESS
            | XIEventMask::RAW_BUTTON_PRESS
            | XIEventMask::RAW_MOTION
            | XIEventMask::MOTION
    } else {
        XIEventMask::from(0u32)
    };
    let masks = [EventMask {
        deviceid: Device::ALL_MASTER.into(),
        mask: vec![mask],
    }];
    xinput::xi_select_events(conn, root, &masks)
        .map_err(|e| Stop::failed("X connection", e))?
        .check()
        .map_err(|e| Stop::failed("XISelectEvents", e))?;
    if !on {
        // The round trip above means every event sent before the deselect has arrived; drop
        // them so the next idle stretch does not end on stale input.
        while poll(conn)?.is_some() {}
    }
    Ok(())
}

/// Waits for the first raw input event.
async fn next_input(fd: &AsyncFd<Fd>) -> Result<(), Stop> {
    loop {
        // Replies read earlier may have queued events: drain before waiting on the socket.
        while let Some(event) = poll(&fd.get_ref().0)? {
            if is_input(&event) {
                return Ok(());
            }
        }
        let mut ready = fd
            .readable()
            .await
            .map_err(|e| Stop::failed("X socket", e))?;
        // Nothing queued and nothing left to read: wait for the socket again.
        match poll(&fd.get_ref().0)? {
            Some(event) if is_input(&event) => return Ok(()),
            Some(_) => {}
            None => ready.clear_ready(),
        }
    }
}

fn poll(conn: &RustConnection) -> Result<Option<Event>, Stop> {
    conn.poll_for_event()
        .map_err(|e| Stop::failed("X connection", e))
}

fn is_input(event: &Event) -> bool {
    matches!(
        event,
        Event::XinputRawKeyPress(_)
            | Event::XinputRawButtonPress(_)
            | Event::XinputRawMotion(_)
            | Event::XinputMotion(_)
    )
}

/// The connection, exposing its socket so tokio can wait on it.
struct Fd(RustConnection);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.stream().as_raw_fd()
    }
}
