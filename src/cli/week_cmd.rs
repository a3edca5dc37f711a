//! `clockoff week`: the worker's own week at a glance, read straight from the ledger (the
//! agent need not be running): each day as a bar, the totals, overtime, and the Working
//! Time Regulations checks.

use chrono::{Datelike, TimeDelta};

use super::{Failure, load_config, open_ledger, read_failed, toil_cmd};
use crate::config::ConfigPaths;
use crate::core::civil::local_date;
use crate::core::clock::Clock;
use crate::core::duration::minutes_text;
use crate::core::record::day::{LATE_FROM, LATE_UNTIL, Minutes};
use crate::core::record::week::{self, WeekReport};

/// One character of a day's bar is this many minutes.
const BAR_MINUTES: i64 = 30;
/// Longest bar drawn (16 hours); longer days end in "+".
const BAR_WIDTH: i64 = 32;

pub fn week(
    which: Option<&str>,
    json: bool,
    paths: &ConfigPaths,
    clock: &dyn Clock,
) -> Result<(), Failure> {
    let config = load_config(paths)?;
    let tz = config.timezone;
    let week = match which {
        Some(text) => week::parse(text).map_err(Failure::Usage)?,
        None => local_date(tz, clock.now()).iso_week(),
    };
    let reader = open_ledger()?;
    let (work, since) = match &reader {
        Some(reader) => {
            let needed = week::needed(tz, week);
            let work = reader.work(needed.start, needed.end).map_err(read_failed)?;
            (work, reader.first_record().map_err(read_failed)?)
        }
        None => (Vec::new(), None),
    };
    let report = week::report(tz, week, config.contracted, &work, since);
    // The balance at the week's end: every week since the record began, and TOIL taken on
    // days up to its Sunday.
    let policy = config.toil_policy();
    let sunday = week::monday(week) + TimeDelta::days(6);
    let balance = toil_cmd::balance_through(reader.as_ref(), &policy, tz, week, Some(sunday))?;
    let toil = WeekToil {
        rule: policy.rule.name(),
        rule_text: balance.rule_text,
        week_minutes: policy.accrual(&report.totals),
        balance_minutes: balance.balance_minutes,
    };
    if json {
        let mut value = serde_json::to_value(&report)
            .map_err(|e| Failure::Runtime(format!("writing JSON: {e}")))?;
        if let (Some(object), Ok(toil)) = (value.as_object_mut(), serde_json::to_value(&toil)) {
            object.insert("toil".into(), toil);
        }
        println!("{value}");
    } else {
        print!("{}", describe(&report, Some(&toil)));
    }
    Ok(())
}

/// The week's line of time off in lieu.
#[derive(Debug, serde::Serialize)]
pub struct WeekToil {
    pub rule: &'static str,
    pub rule_text: String,
    /// Earned by this week's work.
    pub week_minutes: i64,
    /// Everything earned to the week's end less everything taken on days up to it.
    pub balance_minutes: i64,
}

/// A day's bar: in hours, then out of hours and on call, then logged by hand.
fn bar(m: &Minutes) -> String {
    let cells = |minutes: i64| (minutes + BAR_MINUTES / 2) / BAR_MINUTES;
    let parts = [
        ('█', cells(m.in_hours)),
        ('▒', cells(m.out_of_hours + m.on_call)),
        ('░', cells(m.manual)),
    ];
    let mut out = String::new();
    let mut drawn = 0;
    for (glyph, n) in parts {
        for _ in 0..n {
            if drawn == BAR_WIDTH {
                out.push('+');
                return out;
            }
            out.push(glyph);
            drawn += 1;
        }
    }
    out
}

pub fn describe(r: &WeekReport, toil: Option<&WeekToil>) -> String {
    let first = r.days[0].date;
    let last = first + TimeDelta::days(6);
    let mut out = format!(
        "Week {}, {} to {} ({})\n\n",
        r.week,
        first.format("%a %-d %b"),
        last.format("%a %-d %b %Y"),
        r.timezone
    );
    for day in &r.days {
        let m = &day.minutes;
        let mut note = Vec::new();
        if m.out_of_hours + m.on_call > 0 {
            note.push(format!(
                "{} out of hours",
                minutes_text(m.out_of_hours + m.on_call)
            ));
        }
        if m.manual > 0 {
            note.push(format!("{} logged", minutes_text(m.manual)));
        }
        let line = format!(
            "{}  {:<33} {:>7}  {}",
            day.date.format("%a %-d"),
            bar(m),
            minutes_text(m.total()),
            note.join(", ")
        );
        out += line.trim_end();
        out.push('\n');
    }
    out += "        █ in hours  ▒ out of hours or on call  ░ logged by you (each 30m)\n\n";
    let t = &r.totals;
    out += &format!(
        "Worked    {}: {} in hours, {} out of hours ({} by choice), {} on call, {} logged by you\n",
        minutes_text(t.total()),
        minutes_text(t.in_hours),
        minutes_text(t.out_of_hours),
        minutes_text(t.chosen),
        minutes_text(t.on_call),
        minutes_text(t.manual)
    );
    if r.contracted_minutes > 0 {
        out += &format!(
            "Contract  {} a week: {} over\n",
            minutes_text(r.contracted_minutes),
            minutes_text(r.overtime_minutes)
        );
    } else {
        out += "Contract  not set (`contracted` in your config), so no overtime is counted\n";
    }
    if let Some(t) = toil.filter(|t| t.rule != "off") {
        out += &format!(
            "TOIL      {} earned this week ({}); balance {} at the week's end\n",
            minutes_text(t.week_minutes),
            t.rule_text,
            minutes_text(t.balance_minutes)
        );
    }
    out += &format!(
        "Weekend   {}; late ({LATE_FROM:02}:00-{LATE_UNTIL:02}:00) {}\n",
        minutes_text(t.weekend),
        minutes_text(t.late)
    );
    if let Some(average) = r.average_minutes {
        let plural = if r.average_weeks == 1 { "" } else { "s" };
        out += &format!(
            "Average   {} a week over the {} week{plural} recorded of the last 17\n",
            minutes_text(average),
            r.average_weeks
        );
    }
    out += "\nWorking Time Regulations, checked on recorded activity (not legal advice):\n";
    if r.findings.is_empty() {
        out += "  nothing found: daily and weekly rest, breaks and the 48-hour average are within the rules\n";
    }
    for finding in &r.findings {
        out += &format!("  ! {}\n", finding.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_shows_each_kind_of_time_and_stops_at_sixteen_hours() {
        let m = Minutes {
            in_hours: 450,
            out_of_hours: 90,
            manual: 60,
            ..Minutes::default()
        };
        assert_eq!(
            bar(&m),
            format!("{}{}{}", "█".repeat(15), "▒".repeat(3), "░".repeat(2))
        );
        let long = Minutes {
            in_hours: 20 * 60,
            ..Minutes::default()
        };
        assert_eq!(bar(&long), format!("{}+", "█".repeat(32)));
    }
}
