//! The worker's own commands: `on_hold` run with `sh -c` when the hold starts, `on_release`
//! when it ends (only after an `on_hold` that ran). Each runs in its own process group, so a
//! command that hangs past its timeout is killed together with everything it started.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use crate::hold::{BoxFuture, HoldError, Holder, Undo};

/// Where each line of output goes: the agent's stderr, or a test's list.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

pub const LOG_PREFIX: &str = "sync command: ";
/// A chatty command must not flood the agent's log: this many lines a run, each cut short.
const MAX_LINES: usize = 40;
const MAX_LINE_CHARS: usize = 300;
/// After SIGTERM to the group, how long before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// After the shell exits, how long to keep reading output that a background child it left
/// holds open; past this the pipes are closed and the child left running.
const DRAIN: Duration = Duration::from_millis(500);

pub struct Commands {
    on_hold: String,
    on_release: String,
    timeout: Duration,
    log: Log,
}

/// What a hold changed: on_hold ran (and succeeded).
#[derive(Debug, Serialize, Deserialize)]
struct Ran {
    on_hold: String,
}

impl Commands {
    pub fn new(on_hold: &str, on_release: &str, timeout: Duration) -> Self {
        Self {
            on_hold: on_hold.to_string(),
            on_release: on_release.to_string(),
            timeout,
            log: Arc::new(|line| tracing::info!("{line}")),
        }
    }

    /// Sends output lines (each already prefixed with [`LOG_PREFIX`]) to `log` instead of
    /// stderr.
    pub fn with_log(mut self, log: Log) -> Self {
        self.log = log;
        self
    }

    async fn hold_now(&self) -> Result<Undo, HoldError> {
        self.run("on_hold", &self.on_hold).await?;
        let on_hold = self.on_hold.clone();
        Undo::of("sync command", Ran { on_hold })
    }

    async fn release_now(&self, undo: &Undo) -> Result<(), HoldError> {
        if !undo.changed_something() {
            return Ok(());
        }
        self.run("on_release", &self.on_release).await
    }

    async fn run(&self, which: &str, script: &str) -> Result<(), HoldError> {
        let mut child = Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| HoldError(format!("{which}: starting sh: {e}")))?;
        let pgid = child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(id as i32));
        let mut abandoned = KillOnDrop(pgid);
        let output = Output::new(self.log.clone());
        let readers = [
            tokio::spawn(output.clone().read(child.stdout.take(), false)),
            tokio::spawn(output.clone().read(child.stderr.take(), true)),
        ];
        let status = match tokio::time::timeout(self.timeout, child.wait()).await {
            Ok(status) => status.map_err(|e| HoldError(format!("{which}: waiting for sh: {e}")))?,
            Err(_) => {
                abandoned.disarm();
                kill_group(pgid, &mut child).await;
                for reader in readers {
                    reader.abort();
                }
                output.finish();
                return Err(HoldError(format!(
                    "{which} did not finish within {} s and was killed, with everything it started",
                    self.timeout.as_secs_f64()
                )));
            }
        };
        // Whatever the command left running in the background is meant to be.
        abandoned.disarm();
        for reader in readers {
            let abort = reader.abort_handle();
            if tokio::time::timeout(DRAIN, reader).await.is_err() {
                abort.abort();
            }
        }
        output.finish();
        check(which, status, output.last_stderr())
    }
}

fn check(which: &str, status: ExitStatus, last_stderr: Option<String>) -> Result<(), HoldError> {
    if status.success() {
        return Ok(());
    }
    let why = last_stderr.map(|l| format!(": {l}")).unwrap_or_default();
    Err(HoldError(format!("{which} failed ({status}){why}")))
}

/// SIGTERM to the whole group, then SIGKILL to whatever is left once the shell has gone or
/// the grace has passed. Children that outlived the shell are in the group too.
async fn kill_group(pgid: Option<rustix::process::Pid>, child: &mut tokio::process::Child) {
    use rustix::process::{Signal, kill_process_group};
    let Some(pgid) = pgid else {
        let _ = child.kill().await;
        return;
    };
    let _ = kill_process_group(pgid, Signal::TERM);
    let _ = tokio::time::timeout(TERM_GRACE, child.wait()).await;
    let _ = kill_process_group(pgid, Signal::KILL);
    let _ = child.kill().await;
}

/// Kills the whole group if a run is abandoned midway (the agent dropped the hold's future):
/// `kill_on_drop` alone would reach only the shell.
struct KillOnDrop(Option<rustix::process::Pid>);

impl KillOnDrop {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
        }
    }
}

/// One run's output, logged line by line as it arrives, with the last stderr line kept for
/// the error message.
#[derive(Clone)]
struct Output {
    log: Log,
    state: Arc<Mutex<OutputState>>,
}

#[derive(Default)]
struct OutputState {
    logged: usize,
    dropped: usize,
    last_stderr: Option<String>,
}

impl Output {
    fn new(log: Log) -> Self {
        Self {
            log,
            state: Arc::default(),
        }
    }

    async fn read(self, pipe: Option<impl AsyncRead + Unpin>, is_stderr: bool) {
        let Some(pipe) = pipe else { return };
        let mut lines = BufReader::new(pipe).lines();
        // A line that is not UTF-8 ends the reading: what came before is still logged.
        while let Ok(Some(line)) = lines.next_line().await {
            self.line(&line, is_stderr);
        }
    }

    fn line(&self, line: &str, is_stderr: bool) {
        let line = line.trim_end();
        let short: String = line.chars().take(MAX_LINE_CHARS).collect();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if is_stderr && !short.trim().is_empty() {
            state.last_stderr = Some(short.trim().to_string());
        }
        if state.logged < MAX_LINES {
            state.logged += 1;
            drop(state);
            (self.log)(&format!("{LOG_PREFIX}{short}"));
        } else {
            state.dropped += 1;
        }
    }

    fn finish(&self) {
        let dropped = self.state.lock().map(|s| s.dropped).unwrap_or(0);
        if dropped > 0 {
            (self.log)(&format!("{LOG_PREFIX}({dropped} more lines not shown)"));
        }
    }

    fn last_stderr(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.last_stderr.clone())
    }
}

impl Holder for Commands {
    /// As [`crate::config::quiet::SyncSpec::describe`] names the entry.
    fn name(&self) -> String {
        format!("command `{}`", self.on_hold)
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(self.hold_now())
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(self.release_now(undo))
    }
}
