//! A program at a real terminal: a pseudo-terminal the kernel gives (`posix_openpt`), the
//! program started on its far end as its controlling terminal (util-linux `setsid --ctty`),
//! and the test typing at it and reading what it shows, as a worker would. Ctrl-C reaches
//! the program as the terminal's SIGINT, not as a signal the test sends.

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

use super::{DEADLINE, Missing};
use crate::CleanEnv;
use crate::process::find_program;

pub struct Pty {
    terminal: File,
    child: Child,
    shown: Arc<Mutex<Vec<u8>>>,
    /// Reads until the far end closes: joined by `wait`, so what the program wrote last is
    /// in the transcript by then.
    reader: Option<std::thread::JoinHandle<()>>,
    /// How much of `shown` an `expect` has already matched.
    read_up_to: usize,
}

impl Pty {
    /// Starts `program` with `args` and `env` (nothing else of the test's environment) on a
    /// new terminal.
    pub fn spawn(
        program: &str,
        args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Result<Self, Missing> {
        let setsid = find_program("setsid")?;
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("posix_openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let far_end = || {
            File::options()
                .read(true)
                .write(true)
                .open(name.to_str().expect("a UTF-8 pty name"))
                .expect("open the pty's far end")
        };
        let mut command = Command::new(setsid);
        command
            .args(["--ctty", program])
            .args(args)
            // As every peer: what moves the clock (libfaketime) is kept.
            .clean_env()
            .envs(env.iter().copied())
            .env("TERM", "dumb")
            .stdin(Stdio::from(far_end()))
            .stdout(Stdio::from(far_end()))
            .stderr(Stdio::from(far_end()));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {program}: {e}"));
        let terminal = File::from(master);
        let shown = Arc::new(Mutex::new(Vec::new()));
        let mut near_end = terminal.try_clone().expect("dup the pty");
        let sink = shown.clone();
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once the program and everything it started have closed the far end.
            while let Ok(n @ 1..) = near_end.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Ok(Self {
            terminal,
            child,
            shown,
            reader: Some(reader),
            read_up_to: 0,
        })
    }

    /// Everything the terminal has shown, with the terminal's \r\n as \n.
    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).replace("\r\n", "\n")
    }

    /// Waits until the terminal shows `text` after what the last `expect` matched.
    pub fn expect(&mut self, text: &str) {
        let started = Instant::now();
        loop {
            let shown = self.transcript();
            if let Some(at) = shown
                .get(self.read_up_to..)
                .and_then(|rest| rest.find(text))
            {
                self.read_up_to += at + text.len();
                return;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the terminal never showed {text:?}; it showed:\n{shown}"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Types `line` and Enter.
    pub fn type_line(&mut self, line: &str) {
        self.terminal
            .write_all(format!("{line}\r").as_bytes())
            .expect("type at the terminal");
    }

    /// Ctrl-C, as the terminal sends it.
    pub fn interrupt(&mut self) {
        self.terminal.write_all(b"\x03").expect("type Ctrl-C");
    }

    /// Waits for the program to end.
    pub fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the program") {
                // Within the same deadline: a child the program left behind could keep the
                // far end open, and the transcript is whatever came by then.
                while self.reader.as_ref().is_some_and(|r| !r.is_finished())
                    && started.elapsed() < DEADLINE
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                if let Some(reader) = self.reader.take().filter(|r| r.is_finished()) {
                    let _ = reader.join();
                }
                return status;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the program did not end; the terminal showed:\n{}",
                self.transcript()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
