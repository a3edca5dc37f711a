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

/// A program's last words (why it stopped): `prefix` and the message on a terminal; in the
/// journal each line at priority "err", whatever `CLOCKOFF_LOG` filters, as a stopped
/// program's reason must never be filtered away.
pub fn last_words(prefix: &str, message: &str) {
    if stderr_is_the_journal() {
        eprintln!(
            "{}",
            prefixed(&format!("<{}>", priority(Level::ERROR)), message)
        );
    } else {
        eprintln!("{prefix}{message}");
    }
}

/// Sends the process's `tracing` events to stderr, as [the module](self) says, once (a
/// second call does nothing). Returns what was wrong with `CLOCKOFF_LOG`, if anything (the
/// default filter is used then).
pub fn init(program: &'static str) -> Option<String> {
    static STARTED: std::sync::Once = std::sync::Once::new();
    let mut problem = None;
    STARTED.call_once(|| problem = start(program));
    problem
}

fn start(program: &'static str) -> Option<String> {
    let (filter, problem) = filter(std::env::var(FILTER_ENV).ok().as_deref());
    let journal = stderr_is_the_journal();
    let lines = Lines { program, journal };
    let subscriber = tracing_subscriber::fmt()
        .event_format(lines)
        .with_writer(std::io::stderr)
        .with_max_level(LevelFilter::TRACE)
        .finish();
    use tracing_subscriber::layer::SubscriberExt;
    // Tests that run the agent in-process may have set one already: it is kept.
    let _ = tracing::subscriber::set_global_default(subscriber.with(filter));
    problem
}

/// Our own crates at info, everything else (zbus, hyper) at warn; or what `CLOCKOFF_LOG`
/// says, with the reason it was not understood.
fn filter(setting: Option<&str>) -> (Targets, Option<String>) {
    let default = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("clockoff", LevelFilter::INFO)
        .with_target("clockoff_dashboard", LevelFilter::INFO);
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        None => (default, None),
        Some(text) => match targets(text) {
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

/// Each directive a level, or module=level, spaces around either allowed. Read here rather
/// than by tracing's parser, which takes a bare word ("loud") as a module to log at every
/// level, keeps the spaces in a module's name and reads an empty level as "error".
fn targets(text: &str) -> Result<Targets, String> {
    let level = |word: &str| match word.trim() {
        "" => Err("an empty level".to_string()),
        word => LevelFilter::from_str(word).map_err(|_| format!("{word:?} is not a level")),
    };
    let mut targets = Targets::new();
    for directive in text.split(',') {
        targets = match directive.split_once('=') {
            Some((module, _)) if module.trim().is_empty() => {
                return Err(format!("{directive:?} names no module"));
            }
            Some((module, word)) => targets.with_target(module.trim(), level(word)?),
            None => targets.with_default(level(directive)?),
        };
    }
    Ok(targets)
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
        let mut text = String::new();
        ctx.field_format()
            .format_fields(Writer::new(&mut text), event)?;
        if self.journal {
            // journald makes each line an entry of its own: each carries the priority.
            writeln!(
                writer,
                "{}",
                prefixed(&format!("<{}>", priority(level)), &text)
            )
        } else {
            writeln!(writer, "{}: {}{text}", self.program, word(level))
        }
    }
}

/// `text` with `prefix` before each of its lines.
fn prefixed(prefix: &str, text: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
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
        // Spaces after the commas, as people type them; an empty level is not "error".
        let (targets, problem) = filter(Some("warn, clockoff::agent = debug"));
        assert_eq!(problem, None);
        assert!(enabled(&targets, "clockoff::agent::engine", Level::DEBUG));
        for bad in ["info,", "clockoff=", "=debug"] {
            assert!(filter(Some(bad)).1.is_some(), "{bad}");
        }
    }

    #[test]
    fn in_the_journal_every_line_of_a_message_carries_the_priority() {
        assert_eq!(prefixed("<4>", "kept:\nline 2"), "<4>kept:\n<4>line 2");
    }

    #[test]
    fn journal_priorities_are_syslogs() {
        assert_eq!(
            [Level::ERROR, Level::WARN, Level::INFO, Level::DEBUG].map(priority),
            [3, 4, 6, 7]
        );
    }
}
