//! The programs clockoff is made of, installed side by side: `clockoff`, the command line
//! (which the agent also runs for an HTTP request or to open the week), and
//! `clockoff-agent`, the agent that idles all day, which `clockoff run` becomes. Apart, the
//! agent maps none of the command line's code (docs/benchmarks.md).

use std::path::PathBuf;

pub const CLI: &str = "clockoff";
pub const AGENT: &str = "clockoff-agent";

/// The program `name` in the folder of the running one (by its bare name, for `PATH`, when
/// that folder is unknown).
pub fn beside_this_one(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}
