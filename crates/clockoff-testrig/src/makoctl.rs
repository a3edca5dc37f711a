//! A stand-in `makoctl` (mako needs Wayland, which this machine lacks): a shell script with
//! makoctl's `mode`, `mode -a NAME` and `mode -r NAME`, keeping mako's set of modes in a file
//! and logging each call, so a test sees exactly what a holder asked of it.

use std::path::PathBuf;

use super::tmp::{TempDir, temp_dir};

#[derive(Debug)]
pub struct FakeMakoctl {
    dir: TempDir,
}

impl Default for FakeMakoctl {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeMakoctl {
    /// A makoctl whose mako is running with only the "default" mode.
    pub fn new() -> Self {
        let dir = temp_dir("makoctl");
        let modes = dir.path().join("modes");
        let calls = dir.path().join("calls");
        std::fs::write(&modes, "default\n").expect("write modes");
        let script = format!(
            r#"#!/bin/sh
[ "$1" = --probe ] && exit 0
modes='{modes}'
echo "$*" >> '{calls}'
case "$1 $2" in
  "mode ") cat "$modes" ;;
  "mode -a") grep -qxF -- "$3" "$modes" || echo "$3" >> "$modes" ;;
  "mode -r") grep -vxF -- "$3" "$modes" > "$modes.new"; mv "$modes.new" "$modes" ;;
  *) echo "makoctl: unsupported: $*" >&2; exit 2 ;;
esac
"#,
            modes = modes.display(),
            calls = calls.display()
        );
        install(&dir, &script);
        Self { dir }
    }

    /// A makoctl that cannot reach mako, failing as the real one does.
    pub fn not_running() -> Self {
        let dir = temp_dir("makoctl");
        let script = "#!/bin/sh\n[ \"$1\" = --probe ] && exit 0\necho 'Failed to call method: org.freedesktop.DBus.Error.ServiceUnknown' >&2\nexit 1\n";
        install(&dir, script);
        Self { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("makoctl")
    }

    /// mako's current modes.
    pub fn modes(&self) -> Vec<String> {
        read_lines(self.dir.path().join("modes"))
    }

    /// Every call so far, as its arguments joined by spaces.
    pub fn calls(&self) -> Vec<String> {
        read_lines(self.dir.path().join("calls"))
    }

    /// Adds a mode as the worker would (`makoctl mode -a NAME`), without logging a call.
    pub fn add_mode(&self, mode: &str) {
        let path = self.dir.path().join("modes");
        let mut modes = read_lines(&path);
        modes.push(mode.to_string());
        std::fs::write(path, modes.join("\n") + "\n").expect("write modes");
    }
}

fn install(dir: &TempDir, script: &str) {
    super::process::install_script(&dir.path().join("makoctl"), script);
}

fn read_lines(path: impl AsRef<std::path::Path>) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}
