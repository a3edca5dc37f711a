//! `clockoff export`: the worker's record for a range of days as CSV, JSON or one HTML page,
//! to a file, to standard output, or opened in the browser.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::{Failure, ledger_path, load_schedule_config, read_failed};
use crate::config::ConfigPaths;
use crate::core::civil::local_date;
use crate::core::clock::Clock;
use crate::export::{self, Format, Inputs};
use crate::ledger::Reader;

/// A report longer than this is refused: the record's retention is 2 years.
const LONGEST: i64 = 800;

pub struct Request {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub format: String,
    pub output: Option<PathBuf>,
    pub open: bool,
}

pub fn export(req: Request, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    let format: Format = req.format.parse().map_err(Failure::Usage)?;
    if req.open && format != Format::Html {
        return Err(Failure::Usage(
            "--open opens the HTML report; leave out --format or use --format html".into(),
        ));
    }
    let config = load_schedule_config(paths, clock)?;
    let tz = config.timezone;
    let (from, to) = match (req.from, req.to) {
        (Some(from), Some(to)) => (from, to),
        (None, None) => {
            let today = local_date(tz, clock.now());
            let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
            (monday, monday + TimeDelta::days(6))
        }
        _ => {
            return Err(Failure::Usage(
                "give both --from and --to, or neither for this week".into(),
            ));
        }
    };
    if to < from {
        return Err(Failure::Usage(format!("--to {to} is before --from {from}")));
    }
    if (to - from).num_days() >= LONGEST {
        return Err(Failure::Usage(format!(
            "a report covers at most {LONGEST} days; split the range"
        )));
    }

    let failed = read_failed;
    let path = ledger_path()?;
    let needed = export::needed(tz, from, to);
    let reader = Reader::open(&path).map_err(read_failed)?;
    let (day_from, day_to) = (
        crate::core::civil::midnight(tz, from),
        crate::core::civil::midnight(tz, to + TimeDelta::days(1)),
    );
    let (work, logged, superseded, since, chain, forgotten) = match &reader {
        Some(reader) => (
            reader.work(needed.start, needed.end).map_err(failed)?,
            reader.logged(day_from, day_to).map_err(failed)?,
            reader.superseded(day_from, day_to).map_err(failed)?,
            reader.first_record().map_err(failed)?,
            reader.chain_head().map_err(failed)?,
            reader.forgotten().map_err(failed)?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new(), None, None, None),
    };
    let toil_to_end = super::toil_cmd::balance_through(
        reader.as_ref(),
        &config.toil_policy(),
        tz,
        to.iso_week(),
        Some(to),
    )?;
    let schedule = config.schedule();
    let report = export::build(Inputs {
        tz,
        schedule: &schedule,
        contracted: config.contracted,
        from,
        to,
        work: &work,
        logged,
        superseded,
        recorded_since: since,
        generated_at: clock.now(),
        chain,
        forgotten,
        toil_to_end,
    });
    let text = match format {
        Format::Csv => export::csv::csv(&report),
        Format::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?,
        Format::Html => export::html::html(&report),
    };

    let output = match (req.output, req.open) {
        (Some(path), _) => Some(path),
        (None, true) => Some(reports_dir(&path)?.join(format!("clockoff-{from}-to-{to}.html"))),
        (None, false) => None,
    };
    match output {
        Some(file) => {
            write_private(&file, text.as_bytes())?;
            if req.open {
                open(&file)?;
            } else {
                eprintln!("wrote {}", file.display());
            }
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Failure::Runtime(format!("writing the report: {e}")))?,
    }
    Ok(())
}

/// Reports opened from the tray or with `--open` live beside the ledger, as private as it.
fn reports_dir(ledger: &Path) -> Result<PathBuf, Failure> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = ledger
        .parent()
        .map_or_else(|| PathBuf::from("."), |p| p.join("reports"));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| Failure::Runtime(format!("creating {}: {e}", dir.display())))?;
    Ok(dir)
}

/// The report is the worker's own: readable by them alone.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let failed = |e: std::io::Error| Failure::Runtime(format!("writing {}: {e}", path.display()));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(failed)?;
    file.write_all(bytes).map_err(failed)
}

fn open(path: &Path) -> Result<(), Failure> {
    let status = std::process::Command::new("xdg-open")
        .arg(path)
        .status()
        .map_err(|e| {
            Failure::Runtime(format!(
                "wrote {} but could not open it (xdg-open: {e})",
                path.display()
            ))
        })?;
    if !status.success() {
        return Err(Failure::Runtime(format!(
            "wrote {} but xdg-open failed ({status})",
            path.display()
        )));
    }
    Ok(())
}
