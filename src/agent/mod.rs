//! The daemon behind `clockoff run`: one event loop that owns the state ([`engine`]); D-Bus
//! methods, activity sources, the wall-clock watcher and the config watcher only send it
//! events. It sleeps until the next schedule change, or the next checkpoint while someone is
//! at the laptop.

pub mod activity;
pub mod bus;
mod calendar_refresh;
mod config_watch;
mod engine;
pub mod event;
mod event_loop;
mod keep;
pub mod quiet;
mod record_requests;
pub mod snapshot;
mod status;
pub mod tray;
mod trim;
pub mod upload;
mod wallclock;

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use zbus::fdo::{RequestNameFlags, RequestNameReply};

use crate::config::{Config, ConfigPaths};
use crate::core::clock::Clock;
use crate::ledger::{self, Ledger, LockError, StoreError};
use bus::{AgentInterface, BUS_NAME, OBJECT_PATH};
use engine::{Engine, EngineParts};
use event::{Event, EventSender};
use event_loop::{Loop, Sources};
use snapshot::Snapshot;
use tray::{TrayOff, TrayStatus};
use upload::UploadStatus;

/// What the agent runs with. The session connection is made by the caller, so tests can
/// hand in a private bus.
pub struct Deps {
    pub clock: Arc<dyn Clock>,
    pub paths: ConfigPaths,
    pub config: Config,
    pub config_sources: Vec<String>,
    pub ledger_path: PathBuf,
    pub session: zbus::Connection,
    /// `--no-tray`: no tray icon, whatever the config says.
    pub no_tray: bool,
    /// The retry schedule's minute: 60 s, except in tests (see [`upload::Timing`]).
    pub upload_timing: upload::Timing,
}

/// How long the upload task may take to stop before it is cut off: a send it cuts short is
/// tried again after the next start, under the same report id.
const UPLOAD_STOP: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug)]
pub enum AgentError {
    /// Another agent owns the bus name.
    AlreadyRunning,
    Bus(zbus::Error),
    Ledger(StoreError),
    /// Another agent (in another session) is writing the same ledger, or its lock failed.
    Lock(LockError),
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentError::AlreadyRunning => write!(
                f,
                "another clockoff agent is already running in this session ({BUS_NAME} is taken on the session bus); see it with `clockoff status`"
            ),
            AgentError::Bus(e) => write!(f, "the session bus: {e}"),
            AgentError::Ledger(e) => write!(f, "the ledger: {e}"),
            AgentError::Lock(LockError::InUse(path)) => write!(
                f,
                "another clockoff agent, in another session, is already keeping the ledger at {}",
                path.display()
            ),
            AgentError::Lock(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AgentError {}

/// Runs the agent until `shutdown` completes, then closes the interval in progress and the
/// ledger cleanly. It builds the parts, spawns the tasks, hands the loop (`event_loop`)
/// the one event channel, and stops everything in order when the loop ends.
pub async fn run(deps: Deps, shutdown: impl Future<Output = ()>) -> Result<(), AgentError> {
    let (events_tx, events) = mpsc::unbounded_channel::<Event>();
    let (snapshot_tx, snapshot_rx) = watch::channel(first_snapshot(&deps));
    let session = deps.session.clone();
    serve_on_the_bus(&session, &events_tx, &snapshot_rx).await?;
    let name_lost = zbus::fdo::DBusProxy::new(&session)
        .await
        .map_err(AgentError::Bus)?
        .receive_name_lost_with_args(&[(0, BUS_NAME)])
        .await
        .map_err(AgentError::Bus)?;

    // A second agent in another session (another bus) must not share the ledger either.
    let _ledger_lock = ledger::lock(&deps.ledger_path).map_err(AgentError::Lock)?;
    let (ledger, recovery) = Ledger::open(&deps.ledger_path)
        .await
        .map_err(AgentError::Ledger)?;
    if recovery.closed_intervals > 0 {
        tracing::warn!(
            "closed {} interval(s) left open by an unclean stop, at their last checkpoint",
            recovery.closed_intervals
        );
    }

    let mut sources = Sources::new(
        deps.config.activity,
        deps.clock.clone(),
        session.clone(),
        events_tx.clone(),
    );
    sources.start();
    let shared = Shared::new(&deps.config);
    let spawn = Spawn::new(&deps, session.clone(), ledger.clone(), events_tx);
    let engine = Engine::start(
        EngineParts {
            clock: deps.clock.clone(),
            paths: deps.paths,
            config: deps.config,
            config_sources: deps.config_sources,
            ledger,
            ledger_path: deps.ledger_path.clone(),
            activity_source: "starting".into(),
            quiet: shared.quiet.subscribe(),
            tray: shared.tray.subscribe(),
            upload: shared.upload.subscribe(),
            report_changed: shared.report_changed.clone(),
        },
        snapshot_tx,
    )
    .await;
    let ledger_shown = deps.ledger_path.display().to_string();
    tracing::info!("{}", describe_start(&snapshot_rx.borrow(), &ledger_shown));

    let (refresh_wanted, wanted) = tokio::sync::mpsc::unbounded_channel();
    let main = Loop {
        engine,
        sources,
        clock: deps.clock,
        config_out: shared.config.clone(),
        report_changed: shared.report_changed.clone(),
        reloaded: shared.reloaded.clone(),
        refresh_wanted,
    };
    // Held until everything has stopped: the upload task reads its config from this channel
    // and must not see it close before it is told to stop.
    let config_kept = shared.config.clone();
    let tasks = spawn.tasks(shared, snapshot_rx, name_lost, wanted);
    // Read and advised in about a millisecond, on this thread: a thread of its own would
    // be one more wakeup.
    let trimming = tokio::spawn(async {
        tokio::time::sleep(trim::AFTER).await;
        let announce = |kib| match kib {
            0 => tracing::info!("started; no start-up code found to hand back"),
            kib => tracing::info!("started; handing back {kib} KiB of start-up code"),
        };
        if let Err(e) = trim::startup_pages(announce) {
            tracing::warn!("keeping the start-up code mapped: {e}");
        }
    });
    let (engine, sources, _ended) = main.serve(events, shutdown).await;
    trimming.abort();
    tasks.stop(engine, sources).await;
    drop(config_kept);
    let _ = session.release_name(BUS_NAME).await;
    Ok(())
}

/// What the engine and the tasks beside it share: each status has one writer and is read by
/// the others (the engine reads them all for its status).
struct Shared {
    quiet: watch::Sender<quiet::QuietStatus>,
    tray: watch::Sender<TrayStatus>,
    upload: watch::Sender<UploadStatus>,
    /// Sending the weekly summaries follows the engine's config, reloads included.
    config: watch::Sender<Config>,
    /// Wakes the upload task (a week paused or resumed, the clock jumped).
    report_changed: Arc<Notify>,
    /// Tells the upload task a reload happened: what failed is tried again.
    reloaded: Arc<Notify>,
}

impl Shared {
    fn new(config: &Config) -> Self {
        Self {
            quiet: watch::Sender::new(quiet::QuietStatus::default()),
            tray: watch::Sender::new(TrayStatus::Off(TrayOff::Config)),
            upload: watch::Sender::new(UploadStatus::default()),
            config: watch::Sender::new(config.clone()),
            report_changed: Arc::new(Notify::new()),
            reloaded: Arc::new(Notify::new()),
        }
    }
}

/// What the tasks beside the loop are started with.
struct Spawn {
    clock: Arc<dyn Clock>,
    session: zbus::Connection,
    ledger: Ledger,
    ledger_path: PathBuf,
    events: EventSender,
    /// The config files watched for changes.
    watched: Vec<PathBuf>,
    /// The calendar files the config names, watched for changes.
    calendar_files: Vec<PathBuf>,
    /// The `--config` the agent was given, for the tray's "Open my week" (`clockoff export`).
    config_file: Option<PathBuf>,
    no_tray: bool,
    upload_timing: upload::Timing,
}

impl Spawn {
    fn new(deps: &Deps, session: zbus::Connection, ledger: Ledger, events: EventSender) -> Self {
        let config_file = match &deps.paths.user {
            crate::config::UserFile::Explicit(file) => Some(file.clone()),
            _ => None,
        };
        let watched = std::iter::once(deps.paths.policy.clone())
            .chain(deps.paths.user_path().map(PathBuf::from))
            .collect();
        // A calendar file the worker edits (a rota saved from a spreadsheet) is fetched
        // again when saved.
        let calendar_files = deps
            .config
            .calendars
            .iter()
            .filter_map(|c| match &c.location {
                crate::config::CalendarLocation::File(file) => crate::files::resolve_in_home(file),
                crate::config::CalendarLocation::Url(_) => None,
            })
            .collect();
        Self {
            clock: deps.clock.clone(),
            session,
            ledger,
            ledger_path: deps.ledger_path.clone(),
            events,
            watched,
            calendar_files,
            config_file,
            no_tray: deps.no_tray,
            upload_timing: deps.upload_timing,
        }
    }

    /// Starts quiet hours, sending, the tray and the watchers.
    fn tasks(
        self,
        shared: Shared,
        snapshot: watch::Receiver<Snapshot>,
        name_lost: zbus::fdo::NameLostStream,
        wanted: tokio::sync::mpsc::UnboundedReceiver<calendar_refresh::Wanted>,
    ) -> Tasks {
        let Spawn {
            clock,
            session,
            ledger,
            ledger_path,
            events,
            watched,
            calendar_files,
            config_file,
            no_tray,
            upload_timing,
        } = self;
        let quiet_watch = shared.quiet.subscribe();
        let (stop, quiet_stop) = oneshot::channel();
        let quiet = Stoppable::spawn(
            stop,
            quiet::run(quiet::QuietParts {
                clock: clock.clone(),
                ledger: ledger.clone(),
                desktop: Arc::new(quiet::desktop::SessionDesktop::new(session.clone())),
                snapshot: snapshot.clone(),
                events: events.clone(),
                status: shared.quiet,
                stop: quiet_stop,
            }),
        );
        let (stop, upload_stop) = oneshot::channel();
        let upload = Stoppable::spawn(
            stop,
            upload::run(
                upload::UploadParts {
                    clock: clock.clone(),
                    ledger,
                    ledger_path,
                    config: shared.config.subscribe(),
                    reloaded: shared.reloaded,
                    wake: shared.report_changed,
                    status: shared.upload.clone(),
                    timing: upload_timing,
                    jitter: Box::new(upload::OsJitter),
                },
                upload_stop,
            ),
        );
        let (stop, tray_stop) = oneshot::channel();
        let tray = Stoppable::spawn(
            stop,
            tray::run(
                tray::TrayParts {
                    session: session.clone(),
                    events: events.clone(),
                    snapshot: snapshot.clone(),
                    quiet_status: quiet_watch,
                    report: shared.upload.subscribe(),
                    status: shared.tray,
                    turned_off: no_tray,
                    config_file: config_file.clone(),
                    clock: clock.clone(),
                },
                tray_stop,
            ),
        );
        let background = vec![
            tokio::spawn(bus::announce(session.clone(), snapshot)),
            tokio::spawn(report_exit(
                "the wall-clock watcher",
                wallclock::watch(events.clone()),
            )),
            tokio::spawn(keep::daily(events.clone())),
            tokio::spawn(calendar_refresh::keep_fresh(
                calendar_refresh::RefreshParts {
                    config: shared.config.subscribe(),
                    wanted,
                    config_file,
                    events: events.clone(),
                    clock,
                },
            )),
            tokio::spawn(report_exit(
                "the config watcher",
                config_watch::watch(watched, || Event::ConfigChanged, events.clone()),
            )),
            tokio::spawn(report_exit(
                "the calendar file watcher",
                config_watch::watch(
                    calendar_files,
                    || Event::CalendarFileChanged,
                    events.clone(),
                ),
            )),
            tokio::spawn(watch_name(name_lost, events)),
        ];
        Tasks {
            quiet,
            upload,
            tray,
            background,
        }
    }
}

/// A task that stops when told (and is waited for).
struct Stoppable {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Stoppable {
    fn spawn(stop: oneshot::Sender<()>, task: impl Future<Output = ()> + Send + 'static) -> Self {
        Self {
            stop,
            task: tokio::spawn(task),
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// The tasks beside the loop.
struct Tasks {
    quiet: Stoppable,
    upload: Stoppable,
    tray: Stoppable,
    /// Watchers and announcers: aborted at the end.
    background: Vec<JoinHandle<()>>,
}

impl Tasks {
    /// Stops everything in order once the loop has ended.
    async fn stop(self, engine: Engine, mut sources: Sources) {
        // The tray goes first, so nothing is asked of a loop that has stopped; then quiet
        // hours release what they hold while the ledger can still record it.
        self.tray.stop().await;
        self.quiet.stop().await;
        // Sending stops before the ledger closes ([`UPLOAD_STOP`]).
        let _ = self.upload.stop.send(());
        let abort = self.upload.task.abort_handle();
        if tokio::time::timeout(UPLOAD_STOP, self.upload.task)
            .await
            .is_err()
        {
            abort.abort();
        }
        engine.stop().await;
        sources.stop();
        for task in self.background {
            task.abort();
        }
    }
}

/// Serves the D-Bus interface, then takes the name: a caller who sees the name can call at
/// once (queued until the loop runs). The name is taken before the ledger opens, so a second
/// agent never touches a ledger the first one is writing.
async fn serve_on_the_bus(
    session: &zbus::Connection,
    events: &EventSender,
    snapshot: &watch::Receiver<Snapshot>,
) -> Result<(), AgentError> {
    session
        .object_server()
        .at(
            OBJECT_PATH,
            AgentInterface::new(events.clone(), snapshot.clone()),
        )
        .await
        .map_err(AgentError::Bus)?;
    let reply = session
        .request_name_with_flags(BUS_NAME, RequestNameFlags::DoNotQueue.into())
        .await
        .map_err(|e| match e {
            zbus::Error::NameTaken => AgentError::AlreadyRunning,
            e => AgentError::Bus(e),
        })?;
    if reply != RequestNameReply::PrimaryOwner {
        return Err(AgentError::AlreadyRunning);
    }
    Ok(())
}

/// Sends [`Event::BusLost`] when the session bus goes away (the session ended, and the stream
/// ends) or our name is taken from us: either way nobody can reach this agent, and it must
/// not linger after logout.
async fn watch_name(mut name_lost: zbus::fdo::NameLostStream, events: EventSender) {
    let _ = name_lost.next().await;
    let _ = events.send(Event::BusLost);
}

/// Sleeps for `wait`, or forever when there is nothing to wait for.
pub(crate) async fn sleep_for(wait: Option<std::time::Duration>) {
    match wait {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn report_exit(what: &str, task: impl Future<Output = std::io::Result<()>>) {
    if let Err(e) = task.await {
        tracing::error!("{what} stopped: {e}");
    }
}

/// One line for whoever started us: where the schedule stands and where the record goes.
fn describe_start(snapshot: &Snapshot, ledger: &str) -> String {
    let until = match snapshot.until_text() {
        text if text.is_empty() => String::new(),
        text => format!(" until {text}"),
    };
    // The activity sources are still starting; they say what runs when they have.
    format!("running; {}{until}; ledger at {ledger}", snapshot.state)
}

fn first_snapshot(deps: &Deps) -> Snapshot {
    let span = deps.config.schedule().state_at(deps.clock.now());
    Snapshot {
        state: span.state,
        since: span.since,
        until: span.until,
        finished_early: None,
        timezone: deps.config.timezone,
        present: false,
        activity_source: "starting".into(),
        quiet: deps.config.quiet.clone(),
        tray: deps.config.tray,
        wall_clock_changes: 0,
    }
}
