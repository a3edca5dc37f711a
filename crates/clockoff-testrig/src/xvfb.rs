//! A private X server (Xvfb) on a free display, and xdotool to give it input.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU16, Ordering};

use super::Missing;
use super::process::{Peer, find_program, run};
use super::tmp::{TempDir, temp_dir};

#[derive(Debug)]
pub struct Xvfb {
    #[allow(dead_code)] // held for its Drop
    peer: Peer,
    display: String,
    xdotool: Result<PathBuf, String>,
    moves: AtomicU16,
    #[allow(dead_code)] // held for its Drop
    dir: TempDir,
}

impl Xvfb {
    /// Starts Xvfb; it picks a free display and prints its number on stdout (`-displayfd 1`).
    pub fn start() -> Result<Self, Missing> {
        let program = find_program("Xvfb")?;
        let dir = temp_dir("xvfb");
        let mut cmd = Command::new(program);
        cmd.args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "1280x800x24",
        ]);
        let mut peer = Peer::spawn(cmd, "Xvfb", &dir.path().join("xvfb.log"), true);
        let number = peer.first_line();
        if number.parse::<u32>().is_err() {
            peer.fail(&format!("printed {number:?}, not a display number"));
        }
        Ok(Self {
            peer,
            display: format!(":{number}"),
            xdotool: find_program("xdotool").map_err(|Missing(m)| m),
            moves: AtomicU16::new(0),
            dir,
        })
    }

    /// The display name, for DISPLAY.
    pub fn display(&self) -> &str {
        &self.display
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![("DISPLAY".into(), self.display.clone())]
    }

    /// Whether [`Xvfb::mousemove`] can work; tests that give input should skip without it.
    pub fn can_move(&self) -> Result<(), Missing> {
        self.xdotool
            .as_ref()
            .map(|_| ())
            .map_err(|m| Missing(m.clone()))
    }

    /// Moves the pointer to (x, y) with xdotool: user input, as far as the server knows.
    pub fn mousemove(&self, x: u16, y: u16) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
    }

    /// Input as a device gives it: a relative pointer move through XTEST, which the server
    /// treats like a real mouse (raw events included). Alternates direction to stay on screen.
    pub fn input(&self) {
        let n = self.moves.fetch_add(1, Ordering::Relaxed);
        let step = if n.is_multiple_of(2) { "5" } else { "-5" };
        self.xdotool(&["mousemove_relative", "--", step, step]);
    }

    /// Runs xdotool against this display; panics if it fails.
    pub fn xdotool(&self, args: &[&str]) {
        let xdotool = self.xdotool.as_ref().expect("xdotool is installed");
        run(
            Command::new(xdotool)
                .env("DISPLAY", &self.display)
                .args(args),
            &format!("xdotool {}", args.join(" ")),
        );
    }
}
