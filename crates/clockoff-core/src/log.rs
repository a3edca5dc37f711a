//! The programs' logs: `tracing` events, one line each on stderr. Where stderr is the
//! journal (systemd connects a unit's, and says so in `JOURNAL_STREAM`), each line starts
//! with its syslog priority (`<4>`), which journald keeps as the entry's PRIORITY, so
//! `journalctl --user -u clockoff -p warning` works; elsewhere lines read
//! `clockoff: warning: ...`. `CLOCKOFF_LOG` filters: `debug`, `warn`, or per module,
//! `info,clockoff::agent::quiet=debug,zbus=debug`.
//!
//! At info level and above, no line names what a worker does: no notification's app or
//! text, no note, no token (the suite reads the agent's journal to check).

use std::fmt;
use std::str::FromStr;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub const FILTER_ENV: &str = "CLOCKOFF_LOG";

/// Set by [`init`] when the lines go to the journal.
static TO_JOURNAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether [`init`] found stderr to be the journal: a program's last words (why it stopped)
/// then go through `tracing::error!` too, so the journal has them at priority "err".
pub fn to_journal() -> bool {
    TO_JOURNAL.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sends the process's `tracing` events to stderr, as [the module](self) says. Returns
/// what was wrong with `CLOCKOFF_LOG`, if anything (the default filter is used then).
pub fn init(program: &'static str) -> Option<String> {
    let (filter, problem) = filter(std::env::var(FILTER_ENV).ok().as_deref());
    let journal = stderr_is_the_journal();
    TO_JOURNAL.store(journal, std::sync::atomic::Ordering::Relaxed);
    let lines = Lines { program, journal };
    let subscriber = tracing_subscriber::fmt()
        .event_format(lines)
        .with_writer(std::io::stderr)
        .with_max_level(LevelFilter::TRACE)
        .finish();
    use tracing_subscriber::layer::SubscriberExt;
    // A second init (tests that run the agent in-process) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber.with(filter));
    problem
}

/// Our own crates at info, everything else (zbus, hyper) at warn; or what `CLOCKOFF_LOG`
/// says, with the reason it was not understood.
fn filter(setting: Option<&str>) -> (Targets, Option<String>) {
    let default = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("clockoff", LevelFilter::INFO)
        .with_target("clockoff_core", LevelFilter::INFO)
        .with_target("clockoff_dashboard", LevelFilter::INFO);
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        None => (default, None),
        Some(text) => match understood(text)
            .and_then(|()| Targets::from_str(text).map_err(|e| e.to_string()))
        {
            Ok(targets) => (targets, None),
            Err(e) => (
                default,
                Some(format!(
                    "{FILTER_ENV}={text:?} is not a filter ({e}): expected a level (error, warn, info, debug, trace) or module=level pairs, e.g. \"info,clockoff::agent=debug\"; logging at the default levels"
                )),
            ),
        },
    }
}

/// Each directive a level, or module=level: tracing's parser takes a bare word as a module
/// to log at every level, which is never what "loud" or "verbose" meant.
fn understood(text: &str) -> Result<(), String> {
    for directive in text.split(',') {
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level);
        if LevelFilter::from_str(level.trim()).is_err() {
            return Err(format!("{:?} is not a level", level.trim()));
        }
    }
    Ok(())
}

/// Whether stderr is the stream `JOURNAL_STREAM` names ("device:inode"): set by systemd
/// for the process it started, and inherited by children whose stderr is elsewhere, so
/// the inode is compared, not just the variable's presence.
fn stderr_is_the_journal() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(stderr) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    let Ok(meta) = std::fs::File::from(stderr).metadata() else {
        return false;
    };
    stream.to_str() == Some(format!("{}:{}", meta.dev(), meta.ino()).as_str())
}

struct Lines {
    program: &'static str,
    journal: bool,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = *event.metadata().level();
        if self.journal {
            write!(writer, "<{}>", priority(level))?;
        } else {
            write!(writer, "{}: {}", self.program, word(level))?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// syslog's priorities, as sd-daemon(3) prefixes them.
fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// Info lines read as they always have; the others say what they are.
fn word(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error: ",
        Level::WARN => "warning: ",
        Level::INFO => "",
        Level::DEBUG => "debug: ",
        Level::TRACE => "trace: ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled(targets: &Targets, target: &str, level: Level) -> bool {
        targets.would_enable(target, &level)
    }

    #[test]
    fn ours_at_info_and_the_rest_at_warn_by_default() {
        let (targets, problem) = filter(None);
        assert_eq!(problem, None);
        assert!(enabled(&targets, "clockoff::agent::quiet", Level::INFO));
        assert!(!enabled(&targets, "clockoff::agent::quiet", Level::DEBUG));
        assert!(enabled(&targets, "clockoff_dashboard::server", Level::INFO));
        assert!(!enabled(&targets, "zbus::connection", Level::INFO));
        assert!(enabled(&targets, "zbus::connection", Level::WARN));
    }

    #[test]
    fn clockoff_log_sets_levels_and_a_bad_one_is_said() {
        let (targets, _) = filter(Some("warn,clockoff::agent::quiet=debug"));
        assert!(enabled(
            &targets,
            "clockoff::agent::quiet::slot",
            Level::DEBUG
        ));
        assert!(!enabled(&targets, "clockoff::agent::engine", Level::INFO));
        let (targets, problem) = filter(Some("loud"));
        assert!(
            problem
                .unwrap()
                .contains("CLOCKOFF_LOG=\"loud\" is not a filter")
        );
        assert!(
            enabled(&targets, "clockoff::agent", Level::INFO),
            "the default stays"
        );
    }

    #[test]
    fn journal_priorities_are_syslogs() {
        assert_eq!(
            [Level::ERROR, Level::WARN, Level::INFO, Level::DEBUG].map(priority),
            [3, 4, 6, 7]
        );
    }
}
