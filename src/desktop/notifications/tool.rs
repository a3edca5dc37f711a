//! Running a server's command-line tool (gsettings, makoctl) with a deadline, for the servers
//! clockoff cannot reach over D-Bus without a C library.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;

use super::ANSWER_TIMEOUT;
use crate::hold::HoldError;

/// A command-line tool and the environment it runs with (by default, the agent's own: the
/// session bus and config dirs it finds there are the worker's).
#[derive(Debug, Clone)]
pub struct Tool {
    program: PathBuf,
    env: Vec<(OsString, OsString)>,
}

impl Tool {
    /// `program` is a path, or a name looked up on PATH.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            env: Vec::new(),
        }
    }

    /// Sets these variables for the tool on top of the inherited environment.
    pub fn env<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Runs the tool with `args` and returns what it printed; a failure names the command and
    /// says what the tool printed on stderr.
    pub(crate) async fn run(&self, args: &[&str]) -> Result<String, HoldError> {
        let command = format!("{} {}", self.program.display(), args.join(" "));
        let output = tokio::process::Command::new(&self.program)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A tool stuck past the deadline is killed, not left behind.
            .kill_on_drop(true)
            .output();
        let output = match tokio::time::timeout(ANSWER_TIMEOUT, output).await {
            Err(_) => {
                return Err(HoldError(format!(
                    "`{command}` did not finish within {ANSWER_TIMEOUT:?}"
                )));
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(HoldError(format!(
                    "`{command}`: {} is not installed (or not on PATH)",
                    self.program.display()
                )));
            }
            Ok(Err(e)) => return Err(HoldError(format!("`{command}` could not run: {e}"))),
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(HoldError(format!(
                "`{command}` failed ({}): {}",
                output.status,
                stderr.trim()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
