//! The `clockoff` command line. `main` calls [`run`]; each subcommand lives in its own module.

mod agent_cmd;
mod calendar_cmd;
mod config_cmd;
mod config_file;
mod export_cmd;
mod forget_cmd;
mod leave_cmd;
mod ledger_write;
mod log_cmd;
mod oncall_cmd;
mod report_cmd;
mod report_status;
mod schedule_cmd;
mod setup;
mod shell_cmd;
mod timefmt;
mod toil_cmd;
mod verify_cmd;
mod week_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::config::{self, Config, ConfigPaths};
use crate::core::clock::Clock;

#[derive(Debug, Parser)]
#[command(
    name = "clockoff",
    version,
    about = "Keeps your laptop quiet outside your working hours, and keeps your own record of the time you work anyway.",
    after_help = "With no command, runs the agent (`clockoff run`).\n\n\
Examples:\n  clockoff status\n  clockoff override 45m --reason \"court report\"\n  clockoff log 18:00-19:30 \"late visit\"\n  clockoff logged\n  clockoff schedule week\n  clockoff config check"
)]
pub struct Cli {
    /// Use this file instead of ~/.config/clockoff/config.toml
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ask the schedule: working, off, on call, leave, holiday?
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff schedule now\n  clockoff schedule week\n  clockoff schedule at 2026-11-23T17:30:00Z\n  \
clockoff schedule transitions --from 2026-11-23T00:00:00Z --to 2026-11-30T00:00:00Z"
    )]
    Schedule(schedule_cmd::ScheduleCommand),
    /// Check or print the configuration.
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff config check\n  mkdir -p ~/.config/clockoff && clockoff config default > ~/.config/clockoff/config.toml"
    )]
    Config(config_cmd::ConfigCommand),
    /// Set up your hours, time zone, bank holidays, contract and reporting, in plain words.
    #[command(
        after_help = "Asks each question in a terminal, showing what you have now: Enter keeps it. \
Running it again edits your config and keeps your own comments in it. With --yes it asks \
nothing and takes the flags (for IT's scripts). Nothing is written unless the whole file \
passes `clockoff config check`.

Examples:
  clockoff setup
  clockoff setup --yes --hours \"mon-fri 09:00-17:00\" --timezone Europe/London --region england-and-wales
  clockoff setup --yes --hours \"mon-thu 08:00-18:00\" --hours \"fri 08:00-12:00\" --contracted 37h
  clockoff setup --yes --dashboard https://clockoff.example.org --token-file ~/.config/clockoff/team-token"
    )]
    Setup(setup::SetupArgs),
    /// Your leave: add, list or remove it (kept in your config; the agent reads it at once).
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff leave add 2026-12-24 2027-01-02 --note Christmas\n  clockoff leave add tomorrow\n  \
clockoff leave list\n  clockoff leave remove 2"
    )]
    Leave(leave_cmd::LeaveCommand),
    /// Days your workplace is closed, counted as holidays: add, list or remove them.
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff closure add 2026-12-29 2026-12-30 2026-12-31\n  clockoff closure list\n  \
clockoff closure remove 2026-12-29"
    )]
    Closure(leave_cmd::ClosureCommand),
    /// Your on-call windows: add, list or remove them (nothing is held while on call).
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff oncall add \"Fri 17:00\" \"Mon 09:00\"\n  \
clockoff oncall add \"2026-12-24 17:00\" \"2026-12-27 09:00\" --note \"Christmas rota\"\n  clockoff oncall list\n  \
clockoff oncall remove 1"
    )]
    Oncall(oncall_cmd::OncallCommand),
    /// Calendars your leave, rota and closures are read from ([[calendar]] in your config).
    #[command(
        subcommand,
        after_help = "Examples:\n  clockoff calendar list\n  clockoff calendar refresh\n\n\
In your config:\n  [[calendar]]\n  name = \"EDT rota\"\n  url = \"https://calendar.example.org/edt/rota.ics\"\n  use = \"on_call\"\n  summary = \"on call\""
    )]
    Calendar(calendar_cmd::CalendarCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(
        after_help = "Examples:\n  clockoff completions bash >> ~/.bash_completion\n  \
clockoff completions fish > ~/.config/fish/completions/clockoff.fish"
    )]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Write the man pages (clockoff.1 and one per command) into a folder, for packaging.
    #[command(hide = true)]
    Man {
        /// Where to write them
        dir: PathBuf,
    },
    /// Run the agent: follow your hours and keep your record of time at the laptop.
    #[command(after_help = "Usually started by your desktop session \
(`systemctl --user enable --now clockoff`). Stop it with Ctrl-C, SIGTERM or the tray's \
\"Quit clockoff\".")]
    Run {
        /// Show no tray icon (the config's [tray] enabled = false does the same)
        #[arg(long)]
        no_tray: bool,
    },
    /// Where you stand now: state, today's and this week's time (asks the running agent).
    #[command(after_help = "Examples:\n  clockoff status\n  clockoff status --json")]
    Status {
        /// Print the agent's JSON as it is
        #[arg(long)]
        json: bool,
    },
    /// Choose to work now for a while (recorded as out-of-hours work), or end that early.
    #[command(
        name = "override",
        after_help = "Examples:\n  clockoff override 45m --reason \"court report\"\n  clockoff override 1h30m\n  clockoff override until-stop   (ends when you go idle, lock or sleep)\n  clockoff override end"
    )]
    Override {
        /// How long, e.g. 30m, 1h, 1h30m; `until-stop`; or `end`
        #[arg(value_name = "DURATION|until-stop|end")]
        what: String,
        /// Why, for your own record
        #[arg(long)]
        reason: Option<String>,
    },
    /// Finish for the day now: hold notifications and sync until work next begins.
    #[command(
        after_help = "Any override ends. Your state is off until your next working hours begin; time \
you work meanwhile is still recorded. Undo it with `clockoff resume`. Not while on call: a call \
must get through.\n\nExamples:\n  clockoff finish\n  clockoff resume"
    )]
    Finish,
    /// Undo `clockoff finish` (or the tray's "Hold now"): back to your working hours.
    Resume,
    /// For the agent: one HTTP request, as JSON on standard input, its outcome on standard
    /// output (`clockoff::fetch`). The agent keeps no HTTP or TLS code of its own.
    #[command(hide = true)]
    Fetch,
    /// Record work done away from the laptop (self-reported, marked as such), or correct it.
    #[command(
        after_help = "A range whose end is not after its start crosses midnight. A correction never \
rewrites history: --corrects adds a new entry that replaces the old one, --withdraw marks one as \
no longer counting; the old entry stays in your record and the reports show both. See the entries' \
numbers with `clockoff logged`. Written through the agent while it runs, else to your ledger \
directly.\n\n\
Examples:\n  clockoff log 18:00-19:30 \"late visit\"\n  clockoff log 22:30-01:00 \"police protection call\" --date 2026-11-20\n  \
clockoff log 18:30-19:30 \"late visit (times fixed)\" --corrects 12\n  \
clockoff log --withdraw 12 --reason \"logged twice\""
    )]
    Log(log_cmd::LogArgs),
    /// The time you logged yourself, with each entry's number and whether it was corrected.
    #[command(
        after_help = "Read from your own ledger; the agent need not be running. Corrected and \
withdrawn entries are listed with what became of them; only current ones count.\n\n\
Examples:\n  clockoff logged\n  clockoff logged --week 2026-W47\n  clockoff logged --json"
    )]
    Logged {
        /// An ISO week such as 2026-W47 (default: this week)
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Make the running agent re-read its configuration.
    Reload,
    /// Your record for a range of days, as CSV, JSON or one HTML page you can show someone.
    #[command(
        after_help = "With no dates, this week. Read from your own ledger; the agent need not be running.\n\nExamples:\n  clockoff export --open\n  clockoff export --from 2026-11-01 --to 2026-11-30 --format html -o november.html\n  clockoff export --from 2026-11-23 --to 2026-11-29 --format csv > week.csv"
    )]
    Export {
        /// First day, YYYY-MM-DD
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<chrono::NaiveDate>,
        /// Last day, YYYY-MM-DD (included)
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<chrono::NaiveDate>,
        /// csv, json or html
        #[arg(long, default_value = "html")]
        format: String,
        /// Write to this file (default: standard output)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the HTML report beside the ledger and open it in your browser
        #[arg(long)]
        open: bool,
    },
    /// Your week at a glance: each day, overtime, and Working Time Regulations checks.
    #[command(
        after_help = "Read from your own ledger; the agent need not be running.\n\nExamples:\n  clockoff week\n  clockoff week --week 2026-W47\n  clockoff week --json"
    )]
    Week {
        /// An ISO week such as 2026-W47 (default: this week)
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Time off in lieu: what you have earned, taken and have left; `take` records time taken.
    #[command(
        after_help = "Read from your own ledger; the agent need not be running. What earns TOIL is \
set in your config's [record] table (toil, toil_rate).\n\n\
Examples:\n  clockoff toil\n  clockoff toil --json\n  clockoff toil take 2h --note \"Friday afternoon\"\n  \
clockoff toil take 1h30m --date 2026-11-27"
    )]
    Toil {
        #[command(subcommand)]
        action: Option<toil_cmd::ToilCommand>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// The weekly summary for your team's dashboard: see what would be sent, or keep a week back.
    #[command(
        subcommand,
        after_help = "Only the summary `preview` shows ever leaves the laptop, and only when [report] enabled = true.\n\n\
Examples:\n  clockoff report preview\n  clockoff report preview --week 2026-W47\n  clockoff report pause --week 2026-W47\n  clockoff report resume --week 2026-W47"
    )]
    Report(report_cmd::ReportCommand),
    /// Check that your ledger has not been edited since it was written (its hash chain).
    #[command(
        after_help = "Read-only; the agent need not be running. Exits 0 when the ledger is intact, \
1 when the chain breaks or a record differs from what the chain recorded.\n\n\
Examples:\n  clockoff verify\n  clockoff verify --json"
    )]
    Verify {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete your record from before a date, for good (after saying what goes, and asking).
    #[command(
        after_help = "Records go whole weeks at a time: from before the Monday of DATE's week. \
The agent does this by itself for records older than `[record] keep` (2 years by default).\n\n\
Examples:\n  clockoff forget --before 2025-01-01\n  clockoff forget --before 2025-01-01 --yes"
    )]
    Forget {
        /// Forget what was recorded before the week this day falls in
        #[arg(long, value_name = "YYYY-MM-DD")]
        before: chrono::NaiveDate,
        /// Do not ask (for scripts)
        #[arg(long)]
        yes: bool,
    },
}

/// How a command failed; decides the exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad configuration or bad arguments: exit 2.
    Usage(String),
    /// Something else went wrong: exit 1.
    Runtime(String),
}

impl Failure {
    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Runtime(_) => ExitCode::from(1),
        }
    }
}

/// A command's outcome as the process ends: a failure's message on stderr, and its status.
fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (Failure::Usage(message) | Failure::Runtime(message)) = &failure;
            crate::core::log::last_words("", message);
            failure.exit_code()
        }
    }
}

/// Runs the command line; `clock` is the only source of "now".
pub fn run(cli: Cli, clock: Arc<dyn Clock>) -> ExitCode {
    let config_file = cli.config.clone();
    let paths = ConfigPaths::standard(cli.config);
    let clock_ref = clock.as_ref();
    let result = match cli.command {
        None => agent_cmd::run(config_file, paths, clock, false),
        Some(Command::Run { no_tray }) => agent_cmd::run(config_file, paths, clock, no_tray),
        Some(Command::Status { json }) => agent_cmd::status(json, clock_ref),
        Some(Command::Override { what, reason }) => {
            agent_cmd::override_cmd(&what, reason, clock_ref)
        }
        Some(Command::Finish) => agent_cmd::finish(clock_ref),
        Some(Command::Resume) => agent_cmd::resume(),
        Some(Command::Fetch) => fetch(),
        Some(Command::Log(args)) => log_cmd::log(args, &paths, clock_ref),
        Some(Command::Logged { week, json }) => {
            log_cmd::logged(week.as_deref(), json, &paths, clock_ref)
        }
        Some(Command::Reload) => agent_cmd::reload(),
        Some(Command::Export {
            from,
            to,
            format,
            output,
            open,
        }) => export_cmd::export(
            export_cmd::Request {
                from,
                to,
                format,
                output,
                open,
            },
            &paths,
            clock_ref,
        ),
        Some(Command::Week { week, json }) => {
            week_cmd::week(week.as_deref(), json, &paths, clock_ref)
        }
        Some(Command::Toil { action, json }) => toil_cmd::run(action, json, &paths, clock_ref),
        Some(Command::Verify { json }) => verify_cmd::verify(json),
        Some(Command::Forget { before, yes }) => forget_cmd::forget(before, yes, &paths, clock_ref),
        Some(Command::Report(cmd)) => report_cmd::run(cmd, &paths, clock_ref),
        Some(Command::Schedule(cmd)) => schedule_cmd::run(cmd, &paths, clock_ref),
        Some(Command::Config(cmd)) => config_cmd::run(cmd, &paths),
        Some(Command::Setup(args)) => setup::setup(args, &paths),
        Some(Command::Leave(cmd)) => leave_cmd::leave(cmd, &paths, clock_ref),
        Some(Command::Closure(cmd)) => leave_cmd::closure(cmd, &paths, clock_ref),
        Some(Command::Oncall(cmd)) => oncall_cmd::oncall(cmd, &paths, clock_ref),
        Some(Command::Calendar(cmd)) => calendar_cmd::run(cmd, &paths, clock_ref),
        Some(Command::Completions { shell }) => shell_cmd::completions(shell),
        Some(Command::Man { dir }) => shell_cmd::man(&dir),
    };
    exit(result)
}

/// `clockoff fetch`: the agent's helper for one HTTP request.
fn fetch() -> Result<(), Failure> {
    use std::io::{Read, Write};
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| Failure::Runtime(format!("reading the request: {e}")))?;
    std::io::stdout()
        .write_all(&crate::fetch::serve_one(&input))
        .map_err(|e| Failure::Runtime(format!("writing the answer: {e}")))
}

/// The agent alone (`clockoff-agent`): what `clockoff run` does, without the rest of the CLI.
pub fn run_agent_only(config: Option<PathBuf>, no_tray: bool, clock: Arc<dyn Clock>) -> ExitCode {
    exit(agent_cmd::run_agent(
        ConfigPaths::standard(config),
        clock,
        no_tray,
    ))
}

/// Where the ledger is, or why it cannot be found.
fn ledger_path() -> Result<PathBuf, Failure> {
    crate::ledger::default_path()
        .ok_or_else(|| Failure::Runtime("cannot find the ledger: set XDG_DATA_HOME or HOME".into()))
}

/// A ledger error met while reading it for a command.
fn read_failed(e: crate::ledger::StoreError) -> Failure {
    Failure::Runtime(format!("reading the ledger: {e}"))
}

/// The ledger opened read-only for the record's commands; `None` before it exists.
fn open_ledger() -> Result<Option<crate::ledger::Reader>, Failure> {
    crate::ledger::Reader::open(&ledger_path()?).map_err(read_failed)
}

/// Loads the layered configuration, or fails with every error found.
fn load_config(paths: &ConfigPaths) -> Result<Config, Failure> {
    load_config_and_sources(paths).map(|(config, _)| config)
}

/// The configuration with what its calendars' kept copies give, for what reads the
/// schedule; a calendar with a problem is named on stderr.
fn load_schedule_config(paths: &ConfigPaths, clock: &dyn Clock) -> Result<Config, Failure> {
    let (config, states) = crate::calendars::with_cached(load_config(paths)?, clock.now());
    for state in states {
        if let Some(problem) = state.problem {
            eprintln!("note: calendar \"{}\": {problem}", state.name);
        }
    }
    Ok(config)
}

/// The same, with the names of the files it was read from.
fn load_config_and_sources(paths: &ConfigPaths) -> Result<(Config, Vec<String>), Failure> {
    let (config, sources) =
        config::load(paths).map_err(|errors| Failure::Usage(format!("{errors}")))?;
    if config.timezone_source == config::ZoneSource::FallbackUtc {
        eprintln!(
            "note: the system time zone could not be read; using UTC (set `timezone` in your config)"
        );
    }
    Ok((config, sources))
}
