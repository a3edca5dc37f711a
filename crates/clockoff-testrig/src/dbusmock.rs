//! python3-dbusmock templates as peers: the system's own python (dbusmock is a Debian
//! package, not a pip one), each mock with an isolated HOME in its own directory.

use std::process::Command;

use super::Missing;
use super::bus::isolate;
use super::process::find_program;
use super::tmp::{TempDir, temp_dir};

const PYTHON: &str = "/usr/bin/python3";

/// The command that runs `template` on the bus `bus_flag` names (`--system` or
/// `--session`; the caller sets that bus's address), and a directory for its log.
pub fn command(template: &str, bus_flag: &str) -> Result<(Command, TempDir), Missing> {
    let python = find_program(PYTHON)?;
    let has_dbusmock = Command::new(&python)
        .args(["-c", "import dbusmock"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !has_dbusmock {
        return Err(Missing("python3-dbusmock".into()));
    }
    let dir = temp_dir(template);
    let mut cmd = Command::new(python);
    cmd.args(["-m", "dbusmock", "--template", template, bus_flag]);
    isolate(&mut cmd, &dir);
    Ok((cmd, dir))
}
