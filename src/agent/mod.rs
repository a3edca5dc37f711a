//! The daemon behind `clockoff run`: one event loop that owns the state ([`engine`]); D-Bus
//! methods, activity sources, the wall-clock watcher and the config watcher only send it
//! events. It sleeps until the next schedule change, or the next checkpoint while someone is
//! at the laptop.

pub mod activity;
pub mod bus;
mod config_watch;
mod engine;
pub mod event;
pub mod quiet;
mod retention;
pub mod snapshot;
mod status;
mod wallclock;

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use zbus::fdo::{RequestNameFlags, RequestNameReply};

use crate::config::{ActivitySettings, Config, ConfigPaths};
use crate::core::clock::Clock;
use crate::core::presence::Signal;
use crate::store::{Ledger, StoreError};
use crate::tray::{self, TrayOff, TrayStatus};
use crate::upload::{self, UploadStatus};
use bus::{AgentInterface, BUS_NAME, OBJECT_PATH};
use engine::{Engine, EngineParts};
use event::Event;
use snapshot::Snapshot;

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
    /// Another agent (in another session) is writing the same ledger.
    LedgerInUse(PathBuf),
    Lock(PathBuf, std::io::Error),
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
            AgentError::LedgerInUse(path) => write!(
                f,
                "another clockoff agent, in another session, is already keeping the ledger at {}",
                path.display()
            ),
            AgentError::Lock(path, e) => write!(f, "cannot lock {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for AgentError {}

/// Runs the agent until `shutdown` completes, then closes the interval in progress and the
/// ledger cleanly.
#[expect(
    clippy::too_many_lines,
    reason = "one check or case after another; split when next touched"
)]
pub async fn run(deps: Deps, shutdown: impl Future<Output = ()>) -> Result<(), AgentError> {
    let (events_tx, mut events) = mpsc::unbounded_channel::<Event>();
    let (signals_tx, mut signals) = mpsc::unbounded_channel::<Signal>();
    let (snapshot_tx, snapshot_rx) = watch::channel(first_snapshot(&deps));
    let quiet_status = watch::Sender::new(quiet::QuietStatus::default());
    let tray_status = watch::Sender::new(TrayStatus::Off(TrayOff::Config));

    // Serve first, then take the name: a caller who sees the name can call at once (queued
    // until the loop runs). The name is taken before the ledger opens, so a second agent
    // never touches a ledger the first one is writing.
    let session = deps.session;
    session
        .object_server()
        .at(
            OBJECT_PATH,
            AgentInterface::new(events_tx.clone(), snapshot_rx.clone()),
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

    // A second agent in another session (another bus) must not share the ledger either.
    let _ledger_lock = lock_ledger(&deps.ledger_path)?;
    let (ledger, recovery) = Ledger::open(&deps.ledger_path)
        .await
        .map_err(AgentError::Ledger)?;
    if recovery.closed_intervals > 0 {
        eprintln!(
            "clockoff: closed {} interval(s) left open by an unclean stop, at their last checkpoint",
            recovery.closed_intervals
        );
    }

    let mut sources = Sources {
        settings: deps.config.activity,
        clock: deps.clock.clone(),
        session: session.clone(),
        signals: signals_tx,
        running: None,
        starting: None,
    };
    sources.start();
    // "Open my week" runs `clockoff export` with the same config the agent was given.
    let config_file = match &deps.paths.user {
        crate::config::UserFile::Explicit(file) => Some(file.clone()),
        _ => None,
    };
    let watched: Vec<PathBuf> = std::iter::once(deps.paths.policy.clone())
        .chain(deps.paths.user_path().map(PathBuf::from))
        .collect();
    let ledger_shown = deps.ledger_path.display().to_string();
    // Sending the weekly summaries follows the engine's config, reloads included.
    let config_out = watch::Sender::new(deps.config.clone());
    let upload_status = watch::Sender::new(UploadStatus::default());
    let report_changed = Arc::new(Notify::new());
    let upload_parts = upload::UploadParts {
        clock: deps.clock.clone(),
        ledger: ledger.clone(),
        ledger_path: deps.ledger_path.clone(),
        config: config_out.subscribe(),
        wake: report_changed.clone(),
        status: upload_status.clone(),
        timing: deps.upload_timing,
        jitter: Box::new(upload::OsJitter),
    };
    let mut engine = Engine::start(
        EngineParts {
            clock: deps.clock.clone(),
            paths: deps.paths,
            config: deps.config,
            config_sources: deps.config_sources,
            ledger: ledger.clone(),
            ledger_path: deps.ledger_path,
            activity_source: "starting".into(),
            quiet: quiet_status.subscribe(),
            tray: tray_status.subscribe(),
            upload: upload_status.subscribe(),
            report_changed: report_changed.clone(),
        },
        snapshot_tx,
    )
    .await;

    eprintln!(
        "clockoff: {}",
        describe_start(&snapshot_rx.borrow(), &ledger_shown)
    );
    let (stop_quiet, quiet_stop) = oneshot::channel();
    let (quiet_commands, commands) = mpsc::unbounded_channel();
    let quiet_watch = quiet_status.subscribe();
    let quiet_task = tokio::spawn(quiet::run(quiet::QuietParts {
        clock: deps.clock.clone(),
        ledger,
        desktop: Arc::new(quiet::desktop::SessionDesktop::new(session.clone())),
        snapshot: snapshot_rx.clone(),
        events: events_tx.clone(),
        status: quiet_status,
        commands,
        stop: quiet_stop,
    }));
    let (stop_upload, upload_stop) = oneshot::channel();
    let upload_task = tokio::spawn(upload::run(upload_parts, upload_stop));
    let (quit_tx, mut quit) = mpsc::unbounded_channel();
    let (stop_tray, tray_stop) = oneshot::channel();
    let tray_task = tokio::spawn(tray::run(
        tray::TrayParts {
            session: session.clone(),
            events: events_tx.clone(),
            quiet: quiet_commands,
            snapshot: snapshot_rx.clone(),
            quiet_status: quiet_watch,
            report: upload_status.subscribe(),
            status: tray_status,
            quit: quit_tx,
            turned_off: deps.no_tray,
            config_file,
            clock: deps.clock.clone(),
        },
        tray_stop,
    ));
    let background = [
        tokio::spawn(bus::announce(session.clone(), snapshot_rx)),
        tokio::spawn(report_exit(
            "the wall-clock watcher",
            wallclock::watch(events_tx.clone()),
        )),
        tokio::spawn(retention::keep(events_tx.clone())),
        tokio::spawn(report_exit(
            "the config watcher",
            config_watch::watch(watched, events_tx.clone()),
        )),
    ];
    drop(events_tx);

    let clock = deps.clock;
    let mut reloads_seen = engine.reloads();
    let mut shutdown = pin!(shutdown);
    // Ends when the session bus goes away (the session ended), or yields if our name is taken
    // from us: either way nobody can reach this agent, and it must not linger after logout.
    let mut name_lost = zbus::fdo::DBusProxy::new(&session)
        .await
        .map_err(AgentError::Bus)?
        .receive_name_lost_with_args(&[(0, BUS_NAME)])
        .await
        .map_err(AgentError::Bus)?;
    loop {
        let wait = engine
            .next_wake()
            .map(|t| (t - clock.now()).to_std().unwrap_or_default());
        tokio::select! {
            () = &mut shutdown => break,
            Some(()) = quit.recv() => {
                eprintln!("clockoff: quit from the tray; stopping");
                break;
            }
            _ = name_lost.next() => {
                eprintln!("clockoff: the session bus went away (the session ended); stopping");
                break;
            }
            Some(event) = events.recv() => match event {
                Event::WallClockChanged => {
                    engine.wall_clock_changed().await;
                    // Its timer is monotonic too: a week may have ended while asleep.
                    report_changed.notify_one();
                }
                Event::ConfigChanged => {
                    match engine.reload().await {
                        Ok(message) => eprintln!("clockoff: config changed on disk; {message}"),
                        Err(refusal) => eprintln!("clockoff: config changed on disk; {refusal}"),
                    }
                }
                Event::Request(request) => engine.handle(request).await,
            },
            Some(signal) = signals.recv() => engine.activity(signal).await,
            describe = sources.started() => {
                eprintln!("clockoff: activity from {describe}");
                engine.activity_sources_started(describe);
            }
            () = sleep_for(wait) => engine.wake().await,
        }
        // Every reload reaches sending (it retries what failed), changed config or not.
        if engine.reloads() != reloads_seen {
            reloads_seen = engine.reloads();
            config_out.send_replace(engine.config().clone());
        }
        // A reload that changed how activity is read restarts the sources.
        if engine.activity_settings() != sources.settings {
            sources.settings = engine.activity_settings();
            sources.start();
            engine.activity_sources_stopped().await;
        }
    }
    // The tray goes first, so nothing is asked of a loop that has stopped; then quiet hours
    // release what they hold while the ledger can still record it.
    let _ = stop_tray.send(());
    let _ = tray_task.await;
    let _ = stop_quiet.send(());
    let _ = quiet_task.await;
    // Sending stops before the ledger closes.
    let _ = stop_upload.send(());
    let abort = upload_task.abort_handle();
    if tokio::time::timeout(UPLOAD_STOP, upload_task)
        .await
        .is_err()
    {
        abort.abort();
    }
    engine.stop().await;
    sources.stop();
    for task in background {
        task.abort();
    }
    let _ = session.release_name(BUS_NAME).await;
    Ok(())
}

/// The activity sources: started in the background, so a slow or hung peer never keeps the
/// loop (and D-Bus callers) waiting.
struct Sources {
    settings: ActivitySettings,
    clock: Arc<dyn Clock>,
    session: zbus::Connection,
    signals: mpsc::UnboundedSender<Signal>,
    running: Option<activity::Started>,
    starting: Option<JoinHandle<activity::Started>>,
}

impl Sources {
    /// Stops whatever runs and starts the sources for `settings` in the background.
    fn start(&mut self) {
        self.stop();
        let (settings, clock) = (self.settings, self.clock.clone());
        let (session, signals) = (self.session.clone(), self.signals.clone());
        self.starting = Some(tokio::spawn(async move {
            let started = activity::start(
                settings.source,
                settings.idle_after,
                clock,
                Some(&session),
                signals,
            )
            .await;
            for skipped in &started.skipped {
                eprintln!("clockoff: activity source {skipped}");
            }
            started
        }));
    }

    fn stop(&mut self) {
        if let Some(starting) = self.starting.take() {
            starting.abort();
        }
        for task in self.running.take().iter().flat_map(|s| &s.tasks) {
            task.abort();
        }
    }

    /// Resolves once a background start finishes, with what runs; pending otherwise.
    async fn started(&mut self) -> String {
        let Some(starting) = self.starting.as_mut() else {
            return std::future::pending().await;
        };
        let result = starting.await;
        self.starting = None;
        match result {
            Ok(started) => {
                let describe = started.describe();
                self.running = Some(started);
                describe
            }
            Err(_) => "none".into(),
        }
    }
}

/// Holds an exclusive lock beside the ledger for as long as the agent runs.
pub(crate) fn lock_ledger(ledger: &Path) -> Result<std::fs::File, AgentError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let path = ledger.with_extension("lock");
    let failed = |e: std::io::Error| AgentError::Lock(path.clone(), e);
    if let Some(dir) = ledger.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(failed)?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(AgentError::LedgerInUse(ledger.to_path_buf())),
        Err(e) => Err(failed(e.into())),
    }
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
        eprintln!("clockoff: {what} stopped: {e}");
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
        timezone: deps.config.timezone,
        present: false,
        activity_source: "starting".into(),
        quiet: deps.config.quiet.clone(),
        tray: deps.config.tray,
        wall_clock_changes: 0,
    }
}
