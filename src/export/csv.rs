//! One row per day, for a spreadsheet. The columns are a contract: add at the end, never
//! rename or reorder.
//!
//! The last three name the logged entries by their ids (`;` between ids), by the local day
//! each starts on: `logged_ids` the entries counted in `logged_minutes`, `corrects_ids` the
//! entries those correct (replaced, no longer counted), `withdrawn_ids` entries withdrawn.

use chrono::Datelike;
use chrono_tz::Tz;

use super::Export;
use crate::core::civil::local_date;

pub const HEADER: &str = "date,weekday,in_hours_minutes,out_of_hours_minutes,chosen_minutes,on_call_minutes,logged_minutes,weekend_minutes,late_minutes,total_minutes,logged_ids,corrects_ids,withdrawn_ids";

pub fn csv(e: &Export) -> String {
    let tz: Tz = e.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut out = String::from(HEADER);
    out.push('\n');
    for d in &e.days {
        let m = &d.day.minutes;
        let on_day = |start| local_date(tz, start) == d.day.date;
        let logged = e.logged.iter().filter(|l| on_day(l.start));
        let ids = |ids: &mut dyn Iterator<Item = i64>| {
            ids.map(|id| id.to_string()).collect::<Vec<_>>().join(";")
        };
        let withdrawn = e
            .superseded
            .iter()
            .filter(|s| s.replaced_by.is_none() && on_day(s.entry.start));
        out += &format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            d.day.date,
            d.day.date.weekday(),
            m.in_hours,
            m.out_of_hours,
            m.chosen,
            m.on_call,
            m.manual,
            m.weekend,
            m.late,
            m.total(),
            ids(&mut logged.clone().map(|l| l.id)),
            ids(&mut logged.filter_map(|l| l.corrects)),
            ids(&mut withdrawn.map(|s| s.entry.id)),
        );
    }
    out
}
