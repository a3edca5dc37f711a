//! `clockoff setup`, the first run: the working hours, the time zone (detected, to confirm),
//! the holiday region, the contracted hours and reporting, asked in plain words or given as
//! flags (`--yes` for IT's scripts). The whole file is checked with the organisation's policy
//! before it is written, and written whole or not at all, so an interrupted setup leaves the
//! old file as it was.

mod answers;
mod document;
mod questions;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::config::{self, ConfigPaths, ZoneSource};
use crate::core::duration::hours_minutes;

use super::{Failure, config_file};
use document::{Report, Settings};
use questions::{Asker, Current};

/// Where a token typed in is kept, unless the config names another file.
const TOKEN_FILE: &str = "~/.config/clockoff/team-token";

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Working hours: days, then times ("mon-fri 09:00-17:00"); repeat for more lines,
    /// e.g. "tue 09:00-12:30,13:30-17:30" or "sun-thu 22:00-06:00"
    #[arg(long = "hours", value_name = "DAYS TIMES")]
    hours: Vec<String>,
    /// An IANA time zone such as Europe/London
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// Bank holidays: england-and-wales, scotland, northern-ireland or none
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Contracted hours a week, e.g. 37h or 22h30m
    #[arg(long, value_name = "HOURS")]
    contracted: Option<String>,
    /// Send the weekly summary to this dashboard (https://, or http:// to this machine)
    #[arg(long, value_name = "URL", conflicts_with = "no_report")]
    dashboard: Option<String>,
    /// The file holding the team's reporter token [default: ~/.config/clockoff/team-token]
    #[arg(long, value_name = "FILE", requires = "dashboard")]
    token_file: Option<String>,
    /// Send nothing to a dashboard
    #[arg(long)]
    no_report: bool,
    /// Ask nothing: take the flags and keep the rest as the file has it (writing the
    /// detected time zone if none is set)
    #[arg(long)]
    yes: bool,
}

pub fn setup(args: SetupArgs, paths: &ConfigPaths) -> Result<(), Failure> {
    let path = config_file::user_path(paths)?;
    let existing = config_file::read(&path)?;
    let now = current(paths);
    let locks = config::locked_keys(paths);
    let locked = |key: &str| config::is_locked(&locks, key);
    let mut settings = from_flags(&args, &locked)?;
    let mut token = None;
    if args.yes {
        if settings.timezone.is_none() && now.timezone_detected && !locked("timezone") {
            settings.timezone = Some(now.timezone.clone());
        }
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Usage(
                "clockoff setup asks its questions in a terminal; from a script, give the answers as flags with --yes (clockoff setup --help)".into(),
            ));
        }
        let mut asker = Asker {
            input: std::io::stdin().lock(),
            output: std::io::stdout().lock(),
        };
        let answered = asker
            .ask_all(settings, &now, &locked)
            .map_err(|_| stopped())?;
        settings = answered.settings;
        token = answered.token;
        if !asker
            .confirm(&format!("\nWrite {}?", path.display()))
            .map_err(|_| stopped())?
        {
            return Err(stopped());
        }
    }
    let text = document::apply(existing.as_deref(), &settings)
        .map_err(|e| Failure::Usage(format!("{}: {e}; nothing written", path.display())))?;
    config::load_candidate(paths, &text)
        .map_err(|errors| Failure::Usage(format!("{errors}\nnothing written")))?;
    if let Some(token) = token {
        let configured = token_file(&settings);
        let home = std::env::var_os("HOME").map(PathBuf::from);
        // Where the agent will read it from.
        let file = crate::files::resolve(&configured, home.as_deref())
            .ok_or_else(|| Failure::Usage(format!("{configured}: HOME is not set")))?;
        // 0600 even where a token file was there already, readable by others.
        crate::files::write_private(&file, &format!("{token}\n")).map_err(|e| {
            Failure::Runtime(format!("writing {}: {e}; nothing written", file.display()))
        })?;
        println!(
            "Kept your team's token in {} (readable by you alone).",
            file.display()
        );
    }
    crate::files::write_whole(&path, &text, 0o644).map_err(|e| {
        Failure::Runtime(format!("writing {}: {e}; nothing written", path.display()))
    })?;
    println!("Wrote {}.", path.display());
    next_steps();
    Ok(())
}

const FROM_CONFIG: &str = "from your config";

/// What the file (with the policy) gives now; the built-in default where it cannot be
/// read, so setup can still mend it.
fn current(paths: &ConfigPaths) -> Current {
    let config = config::load(paths)
        .map(|(config, _)| config)
        .or_else(|_| config::from_text("default", ""))
        .ok();
    // The zone the config gives, and whether it is the laptop's, read (not configured, nor
    // UTC for want of one).
    let source = config.as_ref().map(|c| c.timezone_source);
    let (timezone, timezone_origin) = match (&config, source) {
        (Some(c), Some(ZoneSource::Configured)) => (c.timezone.name().to_string(), FROM_CONFIG),
        (Some(c), Some(ZoneSource::System)) => (c.timezone.name().to_string(), "this laptop's"),
        _ => (
            "Europe/London".to_string(),
            "this laptop's zone could not be read",
        ),
    };
    Current {
        hours: config.as_ref().map(answers::week_of).unwrap_or_default(),
        timezone,
        timezone_origin,
        timezone_detected: source == Some(ZoneSource::System),
        region: config
            .as_ref()
            .map_or("england-and-wales", |c| c.holidays.region.name())
            .to_string(),
        contracted: config.as_ref().map_or("37h".to_string(), |c| {
            hours_minutes(c.contracted.as_secs() / 60).replace(' ', "")
        }),
        dashboard: config
            .as_ref()
            .filter(|c| c.report.enabled)
            .and_then(|c| c.report.dashboard.clone()),
        token_file: config
            .as_ref()
            .and_then(|c| c.report.token_file.clone())
            .unwrap_or_else(|| TOKEN_FILE.to_string()),
    }
}

/// The flags, each checked as its answer would be; a flag for a locked key is refused.
fn from_flags(args: &SetupArgs, locked: &dyn Fn(&str) -> bool) -> Result<Settings, Failure> {
    fn take<T>(
        flag: &str,
        key: &str,
        given: Option<&str>,
        locked: &dyn Fn(&str) -> bool,
        read: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, Failure> {
        let Some(given) = given else { return Ok(None) };
        if locked(key) {
            return Err(Failure::Usage(format!(
                "{flag}: your organisation's policy sets `{key}` and locks it"
            )));
        }
        read(given)
            .map(Some)
            .map_err(|reason| Failure::Usage(format!("{flag}: {reason}")))
    }
    let hours = (!args.hours.is_empty()).then_some("");
    let report = if args.no_report {
        Some(Report::Off)
    } else {
        take(
            "--dashboard",
            "report.dashboard",
            args.dashboard.as_deref(),
            locked,
            answers::dashboard,
        )?
        .map(|dashboard| Report::To {
            dashboard,
            token_file: args
                .token_file
                .clone()
                .unwrap_or_else(|| TOKEN_FILE.to_string()),
        })
    };
    Ok(Settings {
        hours: take("--hours", "hours", hours, locked, |_| {
            answers::hours(&args.hours)
        })?,
        timezone: take(
            "--timezone",
            "timezone",
            args.timezone.as_deref(),
            locked,
            answers::timezone,
        )?,
        region: take(
            "--region",
            "holidays.region",
            args.region.as_deref(),
            locked,
            answers::region,
        )?,
        contracted: take(
            "--contracted",
            "contracted",
            args.contracted.as_deref(),
            locked,
            answers::contracted,
        )?,
        report,
    })
}

fn token_file(settings: &Settings) -> String {
    match &settings.report {
        Some(Report::To { token_file, .. }) => token_file.clone(),
        _ => TOKEN_FILE.to_string(),
    }
}

fn stopped() -> Failure {
    Failure::Runtime("stopped: nothing written".into())
}

/// Has a running agent read the new file, or says how to start one.
fn next_steps() {
    match super::agent_cmd::reload_quietly() {
        Ok(message) => println!("The running agent has read it: {message}"),
        Err(_) => println!(
            "Start the agent: it starts by itself at your next login when installed from the package, \
             or now with `systemctl --user start clockoff` (or `clockoff run` in a terminal).\n\
             Then `clockoff status` shows where you stand."
        ),
    }
}
