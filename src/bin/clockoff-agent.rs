//! The agent alone: what `clockoff run` becomes (it execs this program, installed beside it).
//! Apart from the command line, so the process that idles all day maps none of the code of
//! the record's views, export, verify or argument parsing (docs/benchmarks.md).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clockoff::core::clock::with_process_clock;

const USAGE: &str = "usage: clockoff-agent [--config FILE] [--no-tray]\n\
                     The agent `clockoff run` starts; see `clockoff run --help`.";

fn main() -> ExitCode {
    one_malloc_arena();
    match parse(std::env::args_os().skip(1)) {
        Ok((config, no_tray)) => {
            with_process_clock(|clock| clockoff::cli::run_agent_only(config, no_tray, clock))
        }
        Err(why) => {
            eprintln!("clockoff-agent: {why}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `--config FILE` and `--no-tray`, as `clockoff run` passes them.
fn parse(args: impl Iterator<Item = OsString>) -> Result<(Option<PathBuf>, bool), String> {
    let mut config = None;
    let mut no_tray = false;
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--no-tray") => no_tray = true,
            Some("--config") => {
                let file = args.next().ok_or("--config needs a file")?;
                config = Some(PathBuf::from(file));
            }
            _ => return Err(format!("unexpected argument {}", arg.to_string_lossy())),
        }
    }
    Ok((config, no_tray))
}

/// Every thread allocates from one malloc arena. glibc gives each new thread that allocates
/// an arena of its own (up to 8 per core), each keeping the pages it once touched; the
/// agent's threads (the ledger's, the tray's, tokio's) allocate little and seldom, so one
/// arena costs no contention and saves a few hundred KiB resident (docs/benchmarks.md). Set
/// before any thread starts.
fn one_malloc_arena() {
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread
    // exists, so no allocation races it.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
