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
/// `dir`, creating it; hidden commands get none. Prints the pages' names.
pub fn man(dir: &Path) -> Result<(), Failure> {
    let failed =
        |what: &str, e: std::io::Error| Failure::Runtime(format!("{what} {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| failed("creating", e))?;
    let mut command = Cli::command();
    command.build();
    for page in pages(&command, "clockoff") {
        let path = dir.join(format!("{}.1", page.get_name()));
        let mut out = Vec::new();
        clap_mangen::Man::new(page.clone())
            .render(&mut out)
            .map_err(|e| failed("rendering a page for", e))?;
        std::fs::write(&path, out).map_err(|e| failed("writing into", e))?;
        println!("{}", path.display());
    }
    Ok(())
}

/// The command and every visible subcommand below it (clap's `help` aside), each named by its whole path
/// (`clockoff-report-preview`), as man pages of git-like tools are.
fn pages(command: &clap::Command, name: &str) -> Vec<clap::Command> {
    // clap names are `&'static str` (without its `string` feature, which would grow every
    // binary): leaked here, in a command that runs once and exits.
    let static_name: &'static str = Box::leak(name.to_string().into_boxed_str());
    let mut all = vec![command.clone().name(static_name)];
    // clap's own `help` subcommand only repeats the pages above it.
    let visible = |s: &&clap::Command| !s.is_hide_set() && s.get_name() != "help";
    for sub in command.get_subcommands().filter(visible) {
        let sub_name = format!("{name}-{}", sub.get_name());
        all.extend(pages(sub, &sub_name));
    }
    all
}
