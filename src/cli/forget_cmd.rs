//! `clockoff forget --before DATE`: deletes the record from before the week DATE falls in,
//! after saying what goes and asking. The agent does the same by itself for records older
//! than `[record] keep`.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{NaiveDate, TimeDelta};

use super::{Failure, ledger_path, ledger_write, load_config, read_failed};
use crate::config::ConfigPaths;
use crate::core::civil::local_date;
use crate::core::clock::Clock;
use crate::ledger::Reader;
use crate::record::{self, Forgetting};

/// The 17-week reference period of the average weekly hours check.
const AVERAGE_WEEKS: i64 = 17;

pub fn forget(
    before: NaiveDate,
    yes: bool,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    let config = load_config(paths)?;
    let today = local_date(config.timezone, clock.now());
    if before > today {
        return Err(Failure::Usage(format!(
            "clockoff forget: {before} has not come yet: only records from the past can be forgotten"
        )));
    }
    let path = ledger_path()?;
    let Some(reader) = Reader::open(&path).map_err(read_failed)? else {
        println!("No ledger yet at {}: nothing to forget.", path.display());
        return Ok(());
    };
    let plan = record::forgetting(&reader, &config.toil_policy(), config.timezone, before)
        .map_err(read_failed)?;
    drop(reader);
    if plan.removes.records() == 0 {
        let nothing = record::ForgetOutcome {
            date: plan.cut.date,
            removed: None,
        };
        println!("{}", nothing.describe());
        return Ok(());
    }
    print!("{}", consequences(&plan, today));
    if !yes && !confirmed()? {
        println!("Nothing was forgotten.");
        return Ok(());
    }
    // Worked out again once the ledger is ours: anything written while the worker read the
    // question above is in the balance carried.
    let date = plan.cut.date.to_string();
    let policy = config.toil_policy();
    let (text, route) = ledger_write::write(
        |ledger| async move {
            record::forget_now(
                &ledger,
                &path,
                &policy,
                config.timezone,
                before,
                clock.now(),
            )
            .await
            .map(|outcome| outcome.describe())
        },
        |agent| async move { agent.forget(&date).await },
    )?;
    println!("{text} ({})", route.words());
    Ok(())
}

/// What forgetting will do, for the worker to read before saying yes.
fn consequences(plan: &Forgetting, today: NaiveDate) -> String {
    let day = plan.cut.date.format("%a %-d %b %Y");
    let mut out = format!(
        "This deletes everything recorded before {day}, for good:\n  {}\n",
        record::contents(&plan.removes)
    );
    out += "Your time off in lieu balance stays as it is: what those weeks left is carried.\n";
    out += "`clockoff verify` will still check the rest; reports you exported that end before \
            then can no longer be checked against this laptop.\n";
    if plan.cut.date > today - TimeDelta::weeks(AVERAGE_WEEKS) {
        out += &format!(
            "The Working Time Regulations average covers {AVERAGE_WEEKS} weeks: weeks from now \
             until {} will be checked on fewer.\n",
            (plan.cut.date + TimeDelta::weeks(AVERAGE_WEEKS)).format("%-d %b %Y")
        );
    }
    out
}

/// Asks on the terminal; without one, the worker must say `--yes`.
fn confirmed() -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::Usage(
            "clockoff forget: nothing was forgotten; run it in a terminal to confirm, or add --yes"
                .into(),
        ));
    }
    print!("Type \"forget\" to delete them: ");
    std::io::stdout()
        .flush()
        .map_err(|e| Failure::Runtime(format!("writing to the terminal: {e}")))?;
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Runtime(format!("reading the answer: {e}")))?;
    Ok(answer.trim() == "forget")
}
