//! `clockoff completions SHELL` and `clockoff man DIR`: the shell completions and man pages,
//! made from the same clap definition the command line parses with, so they cannot drift
//! from it. Packages install what these print; without a package a worker can run
//! `clockoff completions bash >> ~/.bash_completion`.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Failure};

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<(), Failure> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "clockoff", &mut std::io::stdout());
    Ok(())
}

/// Writes `clockoff.1` and one page per subcommand (`clockoff-schedule-week.1`, ...) into
/// `dir`, creating it; hidden commands and clap's own `help` get none. Prints the pages'
/// names.
pub fn man(dir: &Path) -> Result<(), Failure> {
    let failed =
        |what: &str, e: std::io::Error| Failure::Runtime(format!("{what} {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| failed("creating", e))?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| failed("writing into", e))?;
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| failed("listing", e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "1"))
        .collect();
    pages.sort();
    for page in pages {
        println!("{}", page.display());
    }
    Ok(())
}
