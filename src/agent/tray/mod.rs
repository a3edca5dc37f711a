//! The tray icon: state at a glance, today's and this week's time, and the worker's choices
//! (work now, end an override, hold now, keep last week from being reported, quit) one click
//! away. A task beside the engine reads the agent's [`Status`] from its loop, turns it into a
//! [`view::View`] and hands it to the item's own thread ([`host`]); clicks come back as
//! [`menu::Action`]s and become the same requests the D-Bus interface, the command line and
//! the end-of-hours notice make.

mod host;
pub mod icons;
pub mod menu;
mod status;
pub mod view;
mod watcher;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::select_all;
use tokio::sync::{mpsc, oneshot, watch};

use crate::agent::event::{Event, EventSender, Length, RecordRequest, Reply, Request};
use crate::agent::quiet::{self, QuietStatus};
use crate::agent::snapshot::Snapshot;
use crate::agent::upload::UploadStatus;
use crate::core::clock::Clock;
use crate::core::schedule::State;
use crate::desktop::notices;
use crate::status::Status;
use host::Host;
use menu::Action;
pub use status::{TrayOff, TrayStatus};

pub struct TrayParts {
    pub session: zbus::Connection,
    pub events: EventSender,
    pub snapshot: watch::Receiver<Snapshot>,
    pub quiet_status: watch::Receiver<QuietStatus>,
    /// Sending the weekly summaries: it changes when reporting is turned on or off, a week
    /// is paused or resumed (from the command line too) or delivered, and the reporting
    /// item follows.
    pub report: watch::Receiver<UploadStatus>,
    pub status: watch::Sender<TrayStatus>,
    /// `--no-tray` was given: the config cannot turn it on.
    pub turned_off: bool,
    /// The `--config` the agent was given, for the `clockoff export` "Open my week" runs.
    pub config_file: Option<std::path::PathBuf>,
    pub clock: Arc<dyn Clock>,
}

/// How often the numbers are refreshed while they change: at the laptop (today's time grows)
/// or in an override (its time left). Otherwise only changes wake the tray.
const REFRESH: Duration = Duration::from_secs(60);
/// How long after a failed start the tray is tried again.
const RETRY: Duration = Duration::from_secs(60);

/// How long the item may take to leave the panel when the agent stops; past it, the item's
/// thread is left to finish alone, so quiet hours can still release what they hold.
const TAKE_AWAY_LIMIT: Duration = Duration::from_secs(2);

/// The item while it is up, its clicks, and what it last showed.
#[derive(Default)]
struct Shown {
    host: Option<Host>,
    follower: Option<tokio::task::JoinHandle<()>>,
    /// Each item has its own: a click queued for an item taken away dies with it.
    actions: Option<mpsc::UnboundedReceiver<Action>>,
    view: Option<view::View>,
}

impl Shown {
    /// Takes the item away; `exiting`: the agent is stopping, and the item goes with it.
    async fn take_away(&mut self, exiting: bool) {
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        if let Some(host) = self.host.take() {
            let stopping = tokio::task::spawn_blocking(move || host.stop(exiting));
            if tokio::time::timeout(TAKE_AWAY_LIMIT, stopping)
                .await
                .is_err()
            {
                tracing::warn!("the tray did not leave the panel in time; going on");
            }
        }
        self.actions = None;
        self.view = None;
    }

    /// The next click on the item shown; pending with none.
    async fn click(&mut self) -> Option<Action> {
        match self.actions.as_mut() {
            Some(actions) => actions.recv().await,
            None => std::future::pending().await,
        }
    }
}

/// Runs until `stop` completes; the item is taken away before it returns. The stop is
/// raced against everything else: a request the stopping engine will never answer must not
/// keep the agent from exiting.
pub async fn run(mut parts: TrayParts, stop: oneshot::Receiver<()>) {
    let mut shown = Shown::default();
    tokio::select! {
        _ = stop => {}
        () = follow(&mut parts, &mut shown) => {}
    }
    shown.take_away(true).await;
}

async fn follow(parts: &mut TrayParts, shown: &mut Shown) {
    // After a failed start, the next try waits (a panel that refuses us refuses again).
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let snap = parts.snapshot.borrow_and_update().clone();
        let wanted = !parts.turned_off && snap.tray;
        let may_try = retry_at.is_none_or(|t| tokio::time::Instant::now() >= t);
        match (wanted, shown.host.is_some()) {
            (true, false) if may_try => match start(parts).await {
                Ok((started, actions)) => {
                    retry_at = None;
                    shown.host = Some(started);
                    shown.actions = Some(actions);
                    shown.follower = Some(tokio::spawn(watcher::follow(
                        parts.session.clone(),
                        parts.status.clone(),
                    )));
                }
                Err(e) => {
                    tracing::warn!("the tray: {e}; trying again in {} s", RETRY.as_secs());
                    retry_at = Some(tokio::time::Instant::now() + RETRY);
                    parts.status.send_replace(TrayStatus::Failed(e));
                }
            },
            (false, _) => {
                retry_at = None;
                shown.take_away(false).await;
                let why = if parts.turned_off {
                    TrayOff::Flag
                } else {
                    TrayOff::Config
                };
                parts.status.send_replace(TrayStatus::Off(why));
            }
            _ => {}
        }
        let Some(host) = &shown.host else {
            // Nothing shown: only the config (or the retry) can change that.
            let retry = retry_at.map(|t| t.saturating_duration_since(tokio::time::Instant::now()));
            tokio::select! {
                changed = parts.snapshot.changed() => if changed.is_err() { return },
                () = crate::agent::sleep_for(retry) => {}
            }
            continue;
        };
        // What is seen now: a change from here on wakes the loop, none before it does.
        parts.quiet_status.mark_unchanged();
        parts.report.mark_unchanged();
        let mut holders = parts.quiet_status.borrow().holders.clone();
        for holder in &mut holders {
            holder.mark_unchanged();
        }
        let mut refresh = None;
        if let Some(status) = status(&parts.events).await {
            let next = view::view(&status, parts.clock.now());
            if shown.view.as_ref() != Some(&next) {
                host.show(next.clone());
                shown.view = Some(next);
            }
            let ticking = status.present || status.state == State::Override;
            // "Today" and "tomorrow" change at midnight even when nothing else does.
            let midnight = until_midnight(status.zone(), parts.clock.now());
            refresh = Some(if ticking {
                REFRESH.min(midnight)
            } else {
                midnight
            });
        }
        tokio::select! {
            changed = parts.snapshot.changed() => if changed.is_err() { return },
            _ = parts.quiet_status.changed() => {}
            // Its sender lives as long as the agent; were it gone, nothing more would change.
            Ok(()) = parts.report.changed() => {}
            () = any_changed(holders) => {}
            () = crate::agent::sleep_for(refresh) => {}
            Some(action) = shown.click() => act(parts, action).await,
        }
    }
}

/// How long until the next local midnight (at least a second, so a clock at midnight does
/// not spin).
fn until_midnight(tz: chrono_tz::Tz, now: chrono::DateTime<chrono::Utc>) -> Duration {
    let today = crate::core::civil::local_date(tz, now);
    let next = crate::core::civil::midnight(tz, today.succ_opt().unwrap_or(today));
    (next - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_secs(1))
}

async fn start(parts: &TrayParts) -> Result<(Host, mpsc::UnboundedReceiver<Action>), String> {
    let (actions, clicks) = mpsc::unbounded_channel();
    let first = match status(&parts.events).await {
        Some(g) => view::view(&g, parts.clock.now()),
        None => view::starting(),
    };
    let runtime = tokio::runtime::Handle::current();
    // Building the item blocks its thread until the item is on the bus, while its
    // connection's I/O runs on this runtime: wait off the runtime's own threads.
    let host = tokio::task::spawn_blocking(move || Host::start(first, actions, runtime))
        .await
        .map_err(|e| format!("starting the tray: {e}"))??;
    Ok((host, clicks))
}

/// The agent's status: the one the D-Bus method and `clockoff status` give.
async fn status(events: &EventSender) -> Option<Status> {
    let (reply, answer) = oneshot::channel();
    events.send(Event::Request(Request::Status(reply))).ok()?;
    match answer.await {
        Ok(Ok(status)) => Some(status),
        Ok(Err(refusal)) => {
            tracing::warn!("the tray could not read the status: {refusal}");
            None
        }
        Err(_) => None,
    }
}

/// Resolves when any holder's status changes (it held, or failed): pending with none.
async fn any_changed(mut holders: Vec<watch::Receiver<quiet::slot::SlotStatus>>) {
    if holders.is_empty() {
        return std::future::pending().await;
    }
    let changes = holders.iter_mut().map(|h| Box::pin(h.changed()));
    let (result, _, _) = select_all(changes).await;
    if result.is_err() {
        // A slot that ended is replaced, and quiet status says so; wait for that.
        std::future::pending::<()>().await;
    }
}

async fn act(parts: &TrayParts, action: Action) {
    let work = |length| {
        move |reply| Request::Override {
            length,
            reason: None,
            reply,
        }
    };
    match action {
        Action::WorkFor(duration) => ask(parts, work(Length::For(duration))).await,
        Action::WorkUntilStop => ask(parts, work(Length::UntilAway)).await,
        Action::EndOverride => ask(parts, Request::EndOverride).await,
        // The engine ends any override first: the worker stopped working.
        Action::HoldNow => ask(parts, Request::FinishEarly).await,
        Action::Resume => ask(parts, Request::Resume).await,
        Action::OpenWeek => run_cli(parts.config_file.clone(), &OPEN_WEEK),
        Action::LeaveToday => run_cli(parts.config_file.clone(), &LEAVE_TODAY),
        // The request `clockoff report pause` and `resume` make of a running agent.
        Action::PauseReport(week) => ask(parts, pause_report(week, true)).await,
        Action::ResumeReport(week) => ask(parts, pause_report(week, false)).await,
        Action::Quit => {
            let _ = parts.events.send(Event::Quit);
        }
    }
}

fn pause_report(
    week: chrono::IsoWeek,
    paused: bool,
) -> impl FnOnce(Reply<crate::ledger::ReportWeek>) -> Request {
    move |reply| {
        Request::Record(RecordRequest::PauseReport {
            week,
            paused,
            reply,
        })
    }
}

/// What a tray item runs as the command line, and what the worker is told if it fails.
struct CliRun {
    args: &'static [&'static str],
    failed: &'static str,
    instead: &'static str,
    /// Whether the reason is the command's last line only: `export --open` runs a browser,
    /// which may say things before it; `leave add` says nothing else, and a refused config
    /// takes several lines.
    last_line: bool,
}

/// "Open my week": `clockoff export --open` (this week's HTML report, opened in the
/// browser).
const OPEN_WEEK: CliRun = CliRun {
    args: &["export", "--open"],
    failed: "Your week could not be opened",
    instead: "The report can be opened in a browser from there.",
    last_line: true,
};

/// "I'm on leave today": `clockoff leave add today`, which writes the worker's config (the
/// agent links no TOML editor) and has this agent read it.
const LEAVE_TODAY: CliRun = CliRun {
    args: &["leave", "add", "today"],
    failed: "Your leave could not be added",
    instead: "Add it with `clockoff leave add today`.",
    last_line: false,
};

/// Runs `clockoff` with `run`'s arguments as its own process, so a slow browser or a failed
/// command never touches the agent; a failure is said where the click was made.
fn run_cli(config_file: Option<std::path::PathBuf>, run: &'static CliRun) {
    let cli = crate::programs::beside_this_one(crate::programs::CLI);
    let mut command = tokio::process::Command::new(cli);
    if let Some(file) = config_file {
        command.arg("--config").arg(file);
    }
    command.args(run.args);
    tokio::spawn(async move {
        let why = match command.output().await {
            Ok(out) if out.status.success() => return,
            Ok(out) => {
                let said = String::from_utf8_lossy(&out.stderr);
                let said = said.trim();
                match run.last_line {
                    true => said.lines().last().unwrap_or_default().to_string(),
                    false => said.to_string(),
                }
            }
            Err(e) => e.to_string(),
        };
        tracing::warn!("{}: {why}", run.failed);
        // Said where the click was made, not only in a log the worker never reads.
        let body = format!("{why}. {}", run.instead);
        if let Err(e) = notices::show(run.failed, &body).await {
            tracing::warn!("{e}");
        }
    });
}

/// Makes a request of the engine as the D-Bus interface does; a refusal is logged.
async fn ask<T>(parts: &TrayParts, request: impl FnOnce(Reply<T>) -> Request) {
    let (reply, answer) = oneshot::channel();
    if parts.events.send(Event::Request(request(reply))).is_err() {
        return;
    }
    if let Ok(Err(refusal)) = answer.await {
        tracing::info!("from the tray: {refusal}");
    }
}
