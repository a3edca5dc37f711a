//! One row per day, for a spreadsheet. The columns are a contract: add at the end, never
//! rename or reorder.

use chrono::Datelike;

use super::Export;

pub const HEADER: &str = "date,weekday,in_hours_minutes,out_of_hours_minutes,chosen_minutes,on_call_minutes,logged_minutes,weekend_minutes,late_minutes,total_minutes";

pub fn csv(e: &Export) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for d in &e.days {
        let m = &d.day.minutes;
        out += &format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            d.day.date,
            d.day.date.weekday(),
            m.in_hours,
            m.out_of_hours,
            m.chosen,
            m.on_call,
            m.manual,
            m.weekend,
            m.late,
            m.total()
        );
    }
    out
}
