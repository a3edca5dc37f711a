//! The worker's record as the ledger and the rules make it together: the running TOIL
//! balance (every week since the record began, plus what forgotten weeks left), and where a
//! forgetting cuts. Shared by the commands that read the ledger and the agent that keeps it.

use std::path::Path;

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::core::civil::{local_date, midnight};
use crate::core::record::keep::week_start;
use crate::core::record::toil::{self, Balance, Policy, WeekMinutes};
use crate::core::record::week;
use crate::ledger::{Cutoff, Forgot, Ledger, Reader, StoreError};

/// Each week's figures from the first recorded week through `last`: TOIL is a running
/// balance, so every week since the record began counts. After a forgetting the record
/// begins at its cut-off, whatever straddles it: the weeks before are in the carried balance.
pub fn weeks_through(
    reader: &Reader,
    tz: Tz,
    last: IsoWeek,
) -> Result<Vec<WeekMinutes>, StoreError> {
    let Some(first) = reader.first_record()? else {
        return Ok(Vec::new());
    };
    // After a forgetting this is its cut-off (see `Reader::first_record`).
    let first = local_date(tz, first).iso_week();
    let (from, to) = (week::span(tz, first).start, week::span(tz, last).end);
    if to <= from {
        return Ok(Vec::new());
    }
    let work = reader.work(from, to)?;
    Ok(toil::weeks(tz, first, last, &work))
}

/// The balance at the end of `last`, with TOIL taken on days up to `taken_up_to` (all of it
/// with `None`), from the ledger (`None`: there is none yet).
pub fn toil_balance(
    reader: Option<&Reader>,
    policy: &Policy,
    tz: Tz,
    last: IsoWeek,
    taken_up_to: Option<NaiveDate>,
) -> Result<Balance, StoreError> {
    let Some(reader) = reader else {
        return Ok(toil::balance(policy, &[], Vec::new()));
    };
    let carried = reader.forgotten()?.map_or(0, |f| f.toil_carried_minutes);
    let weeks = weeks_through(reader, tz, last)?;
    let taken = reader.toil_taken(taken_up_to)?;
    Ok(toil::balance(policy, &weeks, taken).carrying(carried))
}

/// A forgetting worked out: where it cuts, the TOIL balance it carries, and what it removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgetting {
    pub cut: Cutoff,
    pub toil_carried_minutes: i64,
    pub removes: Forgot,
}

/// Forgetting records before the week `before` falls in (cut-offs are Mondays, so no week
/// is half forgotten). The balance carried is the one at the end of the week before, with
/// TOIL taken on the days before the cut.
pub fn forgetting(
    reader: &Reader,
    policy: &Policy,
    tz: Tz,
    before: NaiveDate,
) -> Result<Forgetting, StoreError> {
    let date = week_start(before);
    let cut = Cutoff {
        before: midnight(tz, date),
        date,
    };
    let day_before = date - TimeDelta::days(1);
    let carried = toil_balance(
        Some(reader),
        policy,
        tz,
        day_before.iso_week(),
        Some(day_before),
    )?;
    Ok(Forgetting {
        cut,
        toil_carried_minutes: carried.balance_minutes,
        removes: reader.forget_plan(cut)?,
    })
}

/// What a forgetting did: the day it cut before, and what it removed (`None`: nothing, as
/// an earlier forgetting had already cut there or later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForgetOutcome {
    pub date: NaiveDate,
    pub removed: Option<Forgot>,
}

impl ForgetOutcome {
    pub fn did_anything(&self) -> bool {
        self.removed
            .is_some_and(|f| f.records() + f.chain_entries > 0)
    }

    pub fn describe(&self) -> String {
        describe_forgot(self.removed.as_ref(), self.date)
    }
}

/// Forgets records before the week `before` falls in, through `ledger` (the one writer),
/// working the plan out from the ledger as it is now, so the TOIL carried includes
/// everything written up to this moment.
pub async fn forget_now(
    ledger: &Ledger,
    ledger_path: &Path,
    policy: &Policy,
    tz: Tz,
    before: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ForgetOutcome, StoreError> {
    let date = week_start(before);
    let nothing = ForgetOutcome {
        date,
        removed: None,
    };
    let Some(reader) = Reader::open(ledger_path)? else {
        return Ok(nothing);
    };
    // Already cut there or later (the agent asks daily; the cut moves weekly): the TOIL
    // balance, every week since the record began, need not be worked out to learn that.
    if reader.forgotten()?.is_some_and(|f| f.date >= date) {
        return Ok(nothing);
    }
    let plan = forgetting(&reader, policy, tz, before)?;
    drop(reader);
    let removed = ledger
        .forget(plan.cut, plan.toil_carried_minutes, now)
        .await?;
    Ok(ForgetOutcome { date, removed })
}

/// What a forgetting did, in words.
fn describe_forgot(forgot: Option<&Forgot>, date: NaiveDate) -> String {
    let day = date.format("%a %-d %b %Y");
    match forgot.filter(|f| f.records() + f.chain_entries > 0) {
        Some(f) => format!("Forgot everything recorded before {day}: {}.", contents(f)),
        None => format!("Nothing from before {day} was left to forget."),
    }
}

/// What a forgetting removes, as a list a worker can read.
pub fn contents(f: &Forgot) -> String {
    let parts: Vec<String> = [
        (
            f.intervals,
            "stretch at the laptop",
            "stretches at the laptop",
        ),
        (f.manual_entries, "entry you logged", "entries you logged"),
        (
            f.manual_corrections,
            "correction of one",
            "corrections of them",
        ),
        (f.overrides, "override", "overrides"),
        (f.toil_taken, "day of TOIL taken", "days of TOIL taken"),
        (
            f.transitions + f.quiet_periods,
            "change of state",
            "changes of state",
        ),
        (
            f.held_notifications,
            "held notification",
            "held notifications",
        ),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "only chain entries".to_owned()
    } else {
        parts.join(", ")
    }
}
