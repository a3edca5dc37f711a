//! Activity sources: "is the person at the laptop?". Each source runs as its own task and
//! reports what it sees as [`Signal`]s, stamped with wall-clock time, to the agent's loop.
//! The loop combines them (see `core::presence`); sources never touch the ledger.
//!
//! One *input* source says Active/Idle (Mutter, Wayland's ext-idle-notify, X11,
//! org.freedesktop.ScreenSaver, or logind's IdleHint as a last resort); logind adds lock and
//! sleep alongside whichever runs. A source that dies (the compositor crashed, the session
//! ended) says so through [`SignalSender::stopped`], so the agent can start them again.

pub mod logind;
pub mod mutter;
pub mod screensaver;
pub mod wayland;
pub mod x11;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::task::JoinHandle;

use super::event::{Event, EventSender};
use crate::core::clock::Clock;

pub use crate::config::activity_source::{Choice, SourceKind};
pub use crate::core::presence::Signal;

/// Where the sources' signals go: the agent's loop, as [`Event::Activity`], or a channel of
/// a test's own. A source that dies is reported apart, once.
#[derive(Clone)]
pub struct SignalSender {
    signal: Arc<dyn Fn(Signal) -> Result<(), Gone> + Send + Sync>,
    stopped: Arc<dyn Fn(Skipped) + Send + Sync>,
}

impl SignalSender {
    /// Signals become the loop's [`Event::Activity`]; a source's death, its
    /// [`Event::SourceStopped`] for start number `generation`.
    pub fn to_loop(events: EventSender, generation: u64) -> Self {
        let deaths = events.clone();
        Self {
            signal: Arc::new(move |signal| events.send(Event::Activity(signal)).map_err(|_| Gone)),
            stopped: Arc::new(move |stopped| {
                let _ = deaths.send(Event::SourceStopped {
                    generation,
                    stopped,
                });
            }),
        }
    }

    /// Signals to `signals`, deaths to `stopped`: a test's own channels.
    pub fn channels(
        signals: tokio::sync::mpsc::UnboundedSender<Signal>,
        stopped: tokio::sync::mpsc::UnboundedSender<Skipped>,
    ) -> Self {
        Self {
            signal: Arc::new(move |signal| signals.send(signal).map_err(|_| Gone)),
            stopped: Arc::new(move |skipped| {
                let _ = stopped.send(skipped);
            }),
        }
    }
}

impl From<tokio::sync::mpsc::UnboundedSender<Signal>> for SignalSender {
    fn from(tx: tokio::sync::mpsc::UnboundedSender<Signal>) -> Self {
        Self {
            signal: Arc::new(move |signal| tx.send(signal).map_err(|_| Gone)),
            stopped: Arc::new(|_| {}),
        }
    }
}

/// How the sources behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub choice: Choice,
    /// No input for this long means the person has left.
    pub idle_after: Duration,
    /// The poll interval where only polling can notice input coming back (ScreenSaver, an X
    /// server without XInput2). Only used while idle.
    pub slow_poll: Duration,
}

impl Options {
    pub const DEFAULT_SLOW_POLL: Duration = Duration::from_secs(60);

    pub fn new(choice: Choice, idle_after: Duration) -> Self {
        Self {
            choice,
            idle_after,
            slow_poll: Self::DEFAULT_SLOW_POLL,
        }
    }
}

/// Where the peers are. [`Peers::from_env`] reads the process environment; tests fill it in.
#[derive(Debug, Clone)]
pub struct Peers {
    pub session_bus: Option<zbus::Connection>,
    /// The system bus, or why it could not be reached.
    pub system_bus: Result<zbus::Connection, String>,
    /// The X display name (`DISPLAY`).
    pub display: Option<String>,
    /// The Wayland compositor's socket (`WAYLAND_DISPLAY` under `XDG_RUNTIME_DIR`).
    pub wayland_socket: Option<PathBuf>,
    /// A Wayland session: an X display there is Xwayland, which sees only X clients' input.
    pub wayland: bool,
    /// logind's id for our session (`XDG_SESSION_ID`), when set.
    pub session_id: Option<String>,
}

impl Peers {
    pub async fn from_env(session_bus: Option<&zbus::Connection>) -> Self {
        let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
        let system_bus = match tokio::time::timeout(OPEN_TIMEOUT, zbus::Connection::system()).await
        {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(format!("system bus: {e}")),
            Err(_) => Err("system bus: no answer".to_string()),
        };
        Self {
            session_bus: session_bus.cloned(),
            system_bus,
            display: var("DISPLAY"),
            wayland_socket: var("WAYLAND_DISPLAY").and_then(|display| {
                let runtime_dir = var("XDG_RUNTIME_DIR").map(PathBuf::from);
                wayland::socket_path(&display, runtime_dir.as_deref())
            }),
            wayland: var("WAYLAND_DISPLAY").is_some()
                || var("XDG_SESSION_TYPE").as_deref() == Some("wayland"),
            session_id: var("XDG_SESSION_ID"),
        }
    }
}

/// A source that could not start, and why, for `clockoff status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub source: SourceKind,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// What [`start`] got running.
#[derive(Debug)]
pub struct Started {
    /// The input source (Active/Idle), if any started.
    pub input: Option<SourceKind>,
    /// What the user should know of how it tells (Wayland's protocol version), if anything.
    pub detail: Option<&'static str>,
    /// Whether logind lock and sleep watching runs.
    pub logind: bool,
    pub skipped: Vec<Skipped>,
    /// The source tasks; aborting them stops the sources.
    pub tasks: Vec<JoinHandle<()>>,
}

impl Started {
    /// No source running.
    pub fn nothing() -> Self {
        Self {
            input: None,
            detail: None,
            logind: false,
            skipped: Vec::new(),
            tasks: Vec::new(),
        }
    }

    /// "x11 + logind", "mutter", "logind", "none + logind", "none", and a detail in brackets
    /// after the input: "wayland (ext-idle-notify v2, input only) + logind".
    pub fn describe(&self) -> String {
        let input = match (self.input, self.detail) {
            (Some(kind), Some(detail)) => format!("{kind} ({detail})"),
            (Some(kind), None) => kind.name().to_string(),
            (None, _) => "none".to_string(),
        };
        match (self.input, self.logind) {
            (Some(SourceKind::Logind), _) => input,
            (_, true) => format!("{input} + logind"),
            (_, false) => input,
        }
    }
}

/// Starts the configured sources from the process environment (DISPLAY, XDG_SESSION_ID, the
/// system bus at DBUS_SYSTEM_BUS_ADDRESS or its default).
pub async fn start(
    choice: Choice,
    idle_after: Duration,
    clock: Arc<dyn Clock>,
    session: Option<&zbus::Connection>,
    tx: impl Into<SignalSender>,
) -> Started {
    let peers = Peers::from_env(session).await;
    start_with(Options::new(choice, idle_after), peers, clock, tx).await
}

/// Starts the input source (the chosen one, or the first that works) and logind lock/sleep.
pub async fn start_with(
    options: Options,
    peers: Peers,
    clock: Arc<dyn Clock>,
    tx: impl Into<SignalSender>,
) -> Started {
    let out = Out {
        tx: tx.into(),
        clock,
    };
    let mut started = Started::nothing();
    // logind's session is needed both for lock/sleep and as the last-resort input source.
    let session = match &peers.system_bus {
        Ok(system) => within(logind::find_session(system, peers.session_id.as_deref())).await,
        Err(e) => Err(e.clone()),
    };
    start_input(&options, &peers, &session, &out, &mut started).await;

    let idle_hint = started.input == Some(SourceKind::Logind);
    let logind = match (&peers.system_bus, session) {
        (Ok(system), Ok(path)) => within(logind::open(system, path, idle_hint)).await,
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(e),
    };
    match logind {
        Ok(source) => {
            started.logind = true;
            let task = spawn(SourceKind::Logind, source.run(out.clone()), &out);
            started.tasks.push(task);
        }
        Err(reason) => {
            if idle_hint {
                started.input = None;
            }
            // Said once, even when logind was also tried as the input source.
            if !started
                .skipped
                .iter()
                .any(|s| s.source == SourceKind::Logind)
            {
                started.skipped.push(Skipped {
                    source: SourceKind::Logind,
                    reason,
                });
            }
        }
    }
    started
}

/// Tries the candidates in order until one starts, noting why the others did not. A named
/// source is the only one tried: the worker asked for it, and `status` says why it failed.
async fn start_input(
    options: &Options,
    peers: &Peers,
    session: &Result<zbus::zvariant::OwnedObjectPath, String>,
    out: &Out,
    started: &mut Started,
) {
    let only;
    let candidates: &[SourceKind] = match options.choice {
        Choice::Auto => &SourceKind::AUTO_ORDER,
        Choice::Only(kind) => {
            only = [kind];
            &only
        }
    };
    for &kind in candidates {
        let opened = match kind {
            SourceKind::Mutter => open_mutter(options, peers, out).await.map(Some),
            SourceKind::Wayland => match open_wayland(options, peers, out).await {
                Ok((task, flavour)) => {
                    started.detail = Some(flavour.describe());
                    Ok(Some(task))
                }
                Err(e) => Err(e),
            },
            SourceKind::X11 => open_x11(options, peers, out).await.map(Some),
            SourceKind::ScreenSaver => open_screensaver(options, peers, out).await.map(Some),
            // logind as input runs inside the lock/sleep task, started after this.
            SourceKind::Logind => session.as_ref().map(|_| None).map_err(Clone::clone),
        };
        match opened {
            Ok(task) => {
                started.input = Some(kind);
                started.tasks.extend(task);
                return;
            }
            Err(reason) => started.skipped.push(Skipped {
                source: kind,
                reason,
            }),
        }
    }
}

async fn open_mutter(
    options: &Options,
    peers: &Peers,
    out: &Out,
) -> Result<JoinHandle<()>, String> {
    let bus = owned(peers, mutter::NAME).await?;
    let source = within(mutter::open(bus, options.idle_after)).await?;
    Ok(spawn(SourceKind::Mutter, source.run(out.clone()), out))
}

async fn open_wayland(
    options: &Options,
    peers: &Peers,
    out: &Out,
) -> Result<(JoinHandle<()>, wayland::Flavour), String> {
    let socket = peers
        .wayland_socket
        .clone()
        .ok_or("not a Wayland session (WAYLAND_DISPLAY not set)")?;
    let idle_after = options.idle_after;
    // Connecting and listing the globals is a blocking round trip.
    let open = move || wayland::open(&socket, idle_after);
    let source = within_blocking(open, "the compositor did not answer").await?;
    let flavour = source.flavour;
    let task = spawn(
        SourceKind::Wayland,
        source.run(idle_after, out.clone()),
        out,
    );
    Ok((task, flavour))
}

async fn open_x11(options: &Options, peers: &Peers, out: &Out) -> Result<JoinHandle<()>, String> {
    if peers.wayland {
        return Err("Wayland session: Xwayland sees only X clients' input".into());
    }
    let display = peers.display.clone().ok_or("DISPLAY not set")?;
    let source = within_blocking(move || x11::open(&display), "X server did not answer").await?;
    let task = source.run(options.idle_after, options.slow_poll, out.clone());
    Ok(spawn(SourceKind::X11, task, out))
}

async fn open_screensaver(
    options: &Options,
    peers: &Peers,
    out: &Out,
) -> Result<JoinHandle<()>, String> {
    let bus = owned(peers, screensaver::NAME).await?;
    let source = within(screensaver::open(bus)).await?;
    let task = source.run(options.idle_after, options.slow_poll, out.clone());
    Ok(spawn(SourceKind::ScreenSaver, task, out))
}

/// The session bus, if `name` has an owner there. Checked first so that calling the service
/// never auto-starts one through D-Bus activation.
async fn owned<'a>(peers: &'a Peers, name: &'static str) -> Result<&'a zbus::Connection, String> {
    let bus = peers.session_bus.as_ref().ok_or("no session bus")?;
    let has_owner = async {
        let dbus = zbus::fdo::DBusProxy::new(bus).await?;
        let name = zbus::names::BusName::try_from(name).map_err(zbus::Error::from)?;
        dbus.name_has_owner(name).await.map_err(zbus::Error::from)
    };
    match within(async { has_owner.await.map_err(|e| e.to_string()) }).await? {
        true => Ok(bus),
        false => Err(format!("{name} is not on the session bus")),
    }
}

/// How long a peer may take to answer while a source starts.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// Bounds a source's start so a peer that never answers cannot stall the agent.
async fn within<T>(open: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    tokio::time::timeout(OPEN_TIMEOUT, open)
        .await
        .unwrap_or_else(|_| Err("no answer".to_string()))
}

/// [`within`] for a peer's blocking open (connecting to a display server): run off the
/// runtime, so a server that hangs stalls neither the agent nor its time limit.
async fn within_blocking<T: Send + 'static>(
    open: impl FnOnce() -> Result<T, String> + Send + 'static,
    no_answer: &str,
) -> Result<T, String> {
    match tokio::time::timeout(OPEN_TIMEOUT, tokio::task::spawn_blocking(open)).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => Err(format!("connecting: {e}")),
        Err(_) => Err(no_answer.to_string()),
    }
}

/// Runs a source; when it dies, says so once and sends nothing more.
fn spawn(
    kind: SourceKind,
    run: impl Future<Output = Result<(), Stop>> + Send + 'static,
    out: &Out,
) -> JoinHandle<()> {
    let stopped = out.tx.stopped.clone();
    tokio::spawn(async move {
        if let Err(Stop::Failed(reason)) = run.await {
            stopped(Skipped {
                source: kind,
                reason,
            });
        }
    })
}

/// A source's way out: stamps signals with the clock and sends them to the loop.
#[derive(Clone)]
pub(crate) struct Out {
    tx: SignalSender,
    clock: Arc<dyn Clock>,
}

/// The loop has gone (the agent is stopping); the source ends quietly.
pub struct Gone;

/// Why a running source ended.
pub(crate) enum Stop {
    Gone,
    Failed(String),
}

impl Stop {
    pub(crate) fn failed(what: &str, e: impl fmt::Display) -> Stop {
        Stop::Failed(format!("{what}: {e}"))
    }
}

impl From<Gone> for Stop {
    fn from(_: Gone) -> Stop {
        Stop::Gone
    }
}

impl Out {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The instant `d` before now.
    pub(crate) fn ago(&self, d: Duration) -> DateTime<Utc> {
        let now = self.now();
        TimeDelta::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(now)
    }

    pub(crate) fn send(&self, signal: Signal) -> Result<(), Gone> {
        (self.tx.signal)(signal)
    }
}

/// What an input source last reported, so it reports changes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Reported {
    #[default]
    Nothing,
    Active,
    Idle,
}

impl Reported {
    /// Sends `Active { since }` unless that is already the state.
    pub(crate) fn active(&mut self, out: &Out, since: DateTime<Utc>) -> Result<(), Gone> {
        if *self != Reported::Active {
            out.send(Signal::Active { since })?;
            *self = Reported::Active;
        }
        Ok(())
    }

    /// Sends `Idle { last_input }` unless that is already the state.
    pub(crate) fn idle(&mut self, out: &Out, last_input: DateTime<Utc>) -> Result<(), Gone> {
        if *self != Reported::Idle {
            out.send(Signal::Idle { last_input })?;
            *self = Reported::Idle;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_from_config_strings() {
        assert_eq!("auto".parse::<Choice>(), Ok(Choice::Auto));
        for kind in SourceKind::AUTO_ORDER {
            assert_eq!(kind.name().parse::<Choice>(), Ok(Choice::Only(kind)));
            assert_eq!(Choice::Only(kind).to_string(), kind.name());
        }
        assert!("wayland2".parse::<Choice>().is_err());
    }

    #[test]
    fn describe_names_input_and_logind() {
        let started = |input, logind| Started {
            input,
            detail: None,
            logind,
            skipped: Vec::new(),
            tasks: Vec::new(),
        };
        assert_eq!(
            started(Some(SourceKind::X11), true).describe(),
            "x11 + logind"
        );
        assert_eq!(
            started(Some(SourceKind::Mutter), false).describe(),
            "mutter"
        );
        assert_eq!(started(Some(SourceKind::Logind), true).describe(), "logind");
        assert_eq!(started(None, true).describe(), "none + logind");
        assert_eq!(started(None, false).describe(), "none");
        let wayland = Started {
            detail: Some(wayland::Flavour::InputOnly.describe()),
            ..started(Some(SourceKind::Wayland), true)
        };
        assert_eq!(
            wayland.describe(),
            "wayland (ext-idle-notify v2, input only) + logind"
        );
    }
}
