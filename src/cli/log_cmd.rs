//! `clockoff log`: time worked away from the laptop, and corrections to it; `clockoff logged`:
//! the entries with their numbers. A correction never rewrites history: it is a new entry
//! standing in for the old one (`--corrects`), or a withdrawal (`--withdraw`); the old entry
//! stays in the record, shown as corrected or withdrawn, and no figure counts it.
//!
//! Writing goes through the agent while it runs, else directly (see [`super::ledger_write`]);
//! listing reads the ledger like `week`, so the agent need not be running.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use clap::Args;
use serde::Serialize;

use super::{Failure, ledger_write, load_config, open_ledger, read_failed};
use crate::config::ConfigPaths;
use crate::core::civil::{local_date, rfc3339_in};
use crate::core::clock::Clock;
use crate::core::duration::minutes_text;
use crate::core::hours::DailyRange;
use crate::core::record::manual::{check_new, named_day};
use crate::core::record::week;
use crate::core::record::{Logged, Superseded};
use crate::ledger::ManualId;

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Local times, HH:MM-HH:MM
    #[arg(required_unless_present = "withdraw")]
    range: Option<String>,
    /// What it was for
    #[arg(required_unless_present = "withdraw")]
    note: Option<String>,
    /// The day it started: YYYY-MM-DD, today, yesterday or a weekday (default: today, or
    /// yesterday for times that have not come yet today)
    #[arg(long, value_name = "DAY")]
    date: Option<String>,
    /// This entry replaces entry ID (from `clockoff logged`), which is kept but no longer counts
    #[arg(long, value_name = "ID", conflicts_with = "withdraw")]
    corrects: Option<ManualId>,
    /// Withdraw entry ID: kept in your record, marked withdrawn, no longer counted
    #[arg(long, value_name = "ID", conflicts_with_all = ["range", "note", "date"], requires = "reason")]
    withdraw: Option<ManualId>,
    /// Why you corrected or withdrew an entry (required with --withdraw)
    #[arg(long)]
    reason: Option<String>,
}

pub fn log(args: LogArgs, paths: &ConfigPaths, clock: &dyn Clock) -> Result<(), Failure> {
    let reason = args.reason.unwrap_or_default();
    if let Some(old) = args.withdraw {
        return withdraw(old, &reason, clock.now());
    }
    if args.corrects.is_none() && !reason.is_empty() {
        return Err(Failure::Usage(
            "--reason goes with --corrects ID or --withdraw ID".into(),
        ));
    }
    // Both are required by clap unless --withdraw is given.
    let (Some(range), Some(note)) = (args.range, args.note) else {
        return Err(Failure::Usage(
            "give the times and what they were for, e.g. clockoff log 18:00-19:30 \"late visit\""
                .into(),
        ));
    };
    let range = DailyRange::parse(&range).map_err(|e| Failure::Usage(e.0))?;
    if note.trim().is_empty() {
        return Err(Failure::Usage(
            "say what the time was for, e.g. clockoff log 18:00-19:30 \"late visit\"".into(),
        ));
    }
    let tz = load_config(paths)?.timezone;
    let now = clock.now();
    let today = local_date(tz, now);
    let (date, after_midnight) = match &args.date {
        Some(text) => {
            let day = named_day(text, today).map_err(|e| Failure::Usage(format!("--date: {e}")))?;
            (day, false)
        }
        None => day_of(&range, tz, today, now),
    };
    let (start, end) = range.instants_on(tz, date);
    check_new(start, end, &note, now).map_err(Failure::Usage)?;
    let (start_text, end_text) = (rfc3339_in(tz, start), rfc3339_in(tz, end));
    let (s, e, n, r) = (
        start_text.clone(),
        end_text.clone(),
        note.clone(),
        reason.clone(),
    );
    let (id, route) = match args.corrects {
        None => ledger_write::write(
            |ledger| async move {
                Ok(ledger.add_manual(start, end, &note, now).await?.to_string())
            },
            |agent| async move { agent.log_manual(&s, &e, &n).await },
        ),
        Some(old) => ledger_write::write(
            |ledger| async move {
                let id = ledger
                    .correct_manual(old, start, end, &note, &reason, now)
                    .await?;
                Ok(id.to_string())
            },
            |agent| async move { agent.correct_manual(old.get(), &s, &e, &n, &r).await },
        ),
    }
    .map_err(with_hint)?;
    let corrects = args.corrects.map_or(String::new(), |old| {
        format!(", correcting {old} (kept in your record, no longer counted)")
    });
    let read_as = if after_midnight {
        " (yesterday: that time has not come yet today)"
    } else {
        ""
    };
    println!(
        "Logged {range} on {date}{read_as} ({start_text} to {end_text}) as entry {id}{corrects}, \
         marked as self-reported ({}).",
        route.words()
    );
    Ok(())
}

/// The day a range logged without `--date` is on: today, or yesterday when it has not begun
/// yet today but had yesterday (last night's visit, logged after midnight). `true`: read as
/// yesterday.
fn day_of(range: &DailyRange, tz: Tz, today: NaiveDate, now: DateTime<Utc>) -> (NaiveDate, bool) {
    let (start_today, _) = range.instants_on(tz, today);
    match today.pred_opt() {
        Some(yesterday) if start_today > now && range.instants_on(tz, yesterday).0 <= now => {
            (yesterday, true)
        }
        _ => (today, false),
    }
}

fn withdraw(old: ManualId, reason: &str, now: DateTime<Utc>) -> Result<(), Failure> {
    if reason.trim().is_empty() {
        return Err(Failure::Usage(
            "say why you withdraw it, e.g. --reason \"logged twice\"".into(),
        ));
    }
    let r = reason.to_owned();
    let (_, route) = ledger_write::write(
        |ledger| async move {
            let id = ledger.withdraw_manual(old, reason, now).await?;
            Ok(id.to_string())
        },
        |agent| async move { agent.withdraw_manual(old.get(), &r).await },
    )
    .map_err(with_hint)?;
    println!(
        "Withdrew entry {old}: it stays in your record, marked withdrawn (\"{}\"), and no longer \
         counts ({}).",
        reason.trim(),
        route.words()
    );
    Ok(())
}

/// A refusal about an entry's number points to where the numbers are.
fn with_hint(failure: Failure) -> Failure {
    match failure {
        Failure::Usage(why) if why.contains("logged entry") => {
            Failure::Usage(format!("{why} (see your entries with `clockoff logged`)"))
        }
        other => other,
    }
}

/// `clockoff logged [--week 2026-W47] [--json]`.
pub fn logged(
    which: Option<&str>,
    json: bool,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    let tz = load_config(paths)?.timezone;
    let week = match which {
        Some(text) => week::parse(text).map_err(Failure::Usage)?,
        None => local_date(tz, clock.now()).iso_week(),
    };
    let span = week::span(tz, week);
    let (counted, superseded) = match open_ledger()? {
        Some(reader) => (
            reader.logged(span.start, span.end).map_err(read_failed)?,
            reader
                .superseded(span.start, span.end)
                .map_err(read_failed)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let listing = Listing::new(week::name(week), week::monday(week), counted, &superseded);
    if json {
        let text = serde_json::to_string(&listing)
            .map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", listing.describe(tz));
    }
    Ok(())
}

/// A week's entries, counted or not, in time order.
#[derive(Debug, Serialize)]
struct Listing {
    week: String,
    from: NaiveDate,
    to: NaiveDate,
    entries: Vec<Listed>,
    /// The counted entries' whole length (an entry crossing into the next week counts whole).
    counted_minutes: i64,
}

#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    entry: Logged,
    /// "counted", "corrected" or "withdrawn".
    status: &'static str,
    replaced_by: Option<i64>,
    reason: Option<String>,
    /// When it was corrected or withdrawn.
    superseded_at: Option<DateTime<Utc>>,
}

fn minutes(l: &Logged) -> i64 {
    (l.end - l.start).num_minutes()
}

impl Listing {
    fn new(week: String, monday: NaiveDate, counted: Vec<Logged>, gone: &[Superseded]) -> Self {
        let counted_minutes = counted.iter().map(minutes).sum();
        let mut entries: Vec<Listed> = counted
            .into_iter()
            .map(|entry| Listed {
                entry,
                status: "counted",
                replaced_by: None,
                reason: None,
                superseded_at: None,
            })
            .collect();
        entries.extend(gone.iter().map(|s| Listed {
            entry: s.entry.clone(),
            status: if s.replaced_by.is_some() {
                "corrected"
            } else {
                "withdrawn"
            },
            replaced_by: s.replaced_by,
            reason: Some(s.reason.clone()),
            superseded_at: Some(s.superseded_at),
        }));
        entries.sort_by_key(|l| (l.entry.start, l.entry.id));
        Listing {
            week,
            from: monday,
            to: monday + chrono::TimeDelta::days(6),
            entries,
            counted_minutes,
        }
    }

    fn describe(&self, tz: Tz) -> String {
        let day = |d: NaiveDate| d.format("%a %-d %b %Y");
        let mut out = format!(
            "Logged by you, week {} ({} to {})\n\n",
            self.week,
            day(self.from),
            day(self.to)
        );
        if self.entries.is_empty() {
            out += "Nothing logged this week. Log work away from the laptop with \
                    clockoff log 18:00-19:30 \"late visit\".\n";
            return out;
        }
        let at = |t: DateTime<Utc>| t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string();
        for l in &self.entries {
            let e = &l.entry;
            let (start, end) = (e.start.with_timezone(&tz), e.end.with_timezone(&tz));
            let id = format!("#{}", e.id);
            out += &format!(
                "{id:>5}  {}  {}-{}  {:>7}  {}\n",
                start.format("%a %-d %b"),
                start.format("%H:%M"),
                end.format("%H:%M"),
                minutes_text(minutes(e)),
                e.note
            );
            let mut history = format!("logged {}", at(e.recorded_at));
            if let Some(old) = e.corrects {
                history += &format!("; corrects #{old}");
            }
            let reason = l.reason.as_deref().filter(|r| !r.is_empty());
            let why = reason.map_or(String::new(), |r| format!(" (\"{r}\")"));
            match (l.status, l.replaced_by, l.superseded_at) {
                ("corrected", Some(new), Some(when)) => {
                    history += &format!("; corrected by #{new} on {}{why}, not counted", at(when));
                }
                ("withdrawn", _, Some(when)) => {
                    history += &format!("; withdrawn on {}{why}, not counted", at(when));
                }
                _ => {}
            }
            out += &format!("       {history}\n");
        }
        out += &format!(
            "\nCounted   {} (corrected and withdrawn entries stay in your record, not counted)\n\
             Fix one   clockoff log HH:MM-HH:MM \"what for\" --corrects ID [--date DAY]\n\
             Withdraw  clockoff log --withdraw ID --reason \"why\"\n",
            minutes_text(self.counted_minutes)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn entry(id: i64, from: &str, to: &str, note: &str, corrects: Option<i64>) -> Logged {
        Logged {
            id,
            start: t(from),
            end: t(to),
            note: note.into(),
            recorded_at: t("2026-11-23T21:00:00Z"),
            corrects,
        }
    }

    #[test]
    fn the_list_shows_every_version_and_counts_only_the_current_one() {
        let fixed = entry(
            3,
            "2026-11-23T18:00:00Z",
            "2026-11-23T19:00:00Z",
            "late visit (times fixed)",
            Some(1),
        );
        let gone = [
            Superseded {
                entry: entry(
                    1,
                    "2026-11-23T18:00:00Z",
                    "2026-11-23T20:00:00Z",
                    "late visit",
                    None,
                ),
                replaced_by: Some(3),
                reason: String::new(),
                superseded_at: t("2026-11-24T09:00:00Z"),
            },
            Superseded {
                entry: entry(
                    2,
                    "2026-11-23T22:00:00Z",
                    "2026-11-23T23:00:00Z",
                    "call",
                    None,
                ),
                replaced_by: None,
                reason: "logged twice".into(),
                superseded_at: t("2026-11-24T09:05:00Z"),
            },
        ];
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let listing = Listing::new("2026-W48".into(), monday, vec![fixed], &gone);
        assert_eq!(listing.counted_minutes, 60);
        let text = listing.describe(chrono_tz::Europe::London);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..8],
            [
                "Logged by you, week 2026-W48 (Mon 23 Nov 2026 to Sun 29 Nov 2026)",
                "",
                "   #1  Mon 23 Nov  18:00-20:00       2h  late visit",
                "       logged Mon 23 Nov 21:00; corrected by #3 on Tue 24 Nov 09:00, not counted",
                "   #3  Mon 23 Nov  18:00-19:00       1h  late visit (times fixed)",
                "       logged Mon 23 Nov 21:00; corrects #1",
                "   #2  Mon 23 Nov  22:00-23:00       1h  call",
                "       logged Mon 23 Nov 21:00; withdrawn on Tue 24 Nov 09:05 (\"logged twice\"), not counted",
            ],
            "{text}"
        );
        assert!(lines[9].starts_with("Counted   1h"), "{text}");
        let json = serde_json::to_value(&listing).unwrap();
        assert_eq!(json["entries"][0]["status"], "corrected");
        assert_eq!(json["entries"][0]["replaced_by"], 3);
        assert_eq!(json["entries"][1]["corrects"], 1);
        assert_eq!(json["entries"][2]["status"], "withdrawn");
        assert_eq!(json["entries"][2]["reason"], "logged twice");
    }
}
