//! The answers `clockoff setup` takes, read as a worker types them and checked by the
//! configuration's own checks, so a bad answer gets the reason `clockoff config check`
//! would give for it in a file.

use crate::config::{self, Config};
use crate::core::hours::WEEKDAYS;

/// Working hours as the config writes them: each day's ranges ("09:00-17:00").
pub type Week = [Vec<String>; 7];

/// Reads lines such as `mon-fri 09:00-17:00`, `tue 09:00-12:30,13:30-17:30` or
/// `sun-thu 22:00-06:00` (a day range may wrap past Sunday; a range whose end is not after
/// its start ends the next morning) into a week, checked as `[hours]` is.
pub fn hours<S: AsRef<str>>(lines: &[S]) -> Result<Week, String> {
    let mut week: Week = Default::default();
    for line in lines {
        let line = line.as_ref().trim();
        let (days, ranges) = line.split_once(char::is_whitespace).ok_or_else(|| {
            format!("\"{line}\": expected days, then times, e.g. \"mon-fri 09:00-17:00\"")
        })?;
        let ranges: Vec<String> = ranges
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        for day in day_list(days)? {
            week[day].extend(ranges.iter().cloned());
        }
    }
    if week.iter().all(Vec::is_empty) {
        return Err(
            "no working hours at all: everything would be held all week; give at least one day"
                .into(),
        );
    }
    check(&hours_table(&week))?;
    Ok(week)
}

/// `[hours]` as TOML text.
fn hours_table(week: &Week) -> String {
    let mut table = String::from("[hours]\n");
    for ((day, _), ranges) in WEEKDAYS.iter().zip(week) {
        if !ranges.is_empty() {
            let array: toml_edit::Array = ranges.iter().map(String::as_str).collect();
            table.push_str(&format!("{day} = {array}\n"));
        }
    }
    table
}

/// "mon-fri", "sat,sun", "sun-thu" (wrapping), "wednesday": indexes into [`WEEKDAYS`].
fn day_list(text: &str) -> Result<Vec<usize>, String> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (day(first)?, day(last)?);
                let count = (last + 7 - first) % 7 + 1;
                days.extend((0..count).map(|i| (first + i) % 7));
            }
            None => days.push(day(part)?),
        }
    }
    Ok(days)
}

/// A day by its name or the first three letters or more of it.
fn day(name: &str) -> Result<usize, String> {
    let name = name.trim().to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|(day, _)| name.len() >= 3 && day.starts_with(&name))
        .ok_or_else(|| format!("\"{name}\" is not a day: use mon, tue, wed, thu, fri, sat, sun (or a range such as mon-fri)"))
}

/// An IANA zone such as "Europe/London".
pub fn timezone(answer: &str) -> Result<String, String> {
    let answer = answer.trim();
    check(&format!("timezone = {}", quoted(answer)))?;
    Ok(answer.to_string())
}

/// A holiday region: england-and-wales, scotland, northern-ireland or none.
pub fn region(answer: &str) -> Result<String, String> {
    let answer = answer.trim().to_ascii_lowercase();
    check(&format!("[holidays]\nregion = {}", quoted(&answer)))?;
    Ok(answer)
}

/// Contracted hours a week: "37h", "22h30m".
pub fn contracted(answer: &str) -> Result<String, String> {
    let answer = answer.trim().replace(' ', "");
    check(&format!("contracted = {}", quoted(&answer)))?;
    Ok(answer)
}

/// A dashboard's address: https, or http to this machine.
pub fn dashboard(answer: &str) -> Result<String, String> {
    let answer = answer.trim();
    check(&format!(
        "[report]\nenabled = true\ndashboard = {}\ntoken_file = \"~/.config/clockoff/team-token\"",
        quoted(answer)
    ))?;
    Ok(answer.to_string())
}

/// A reporter token as the dashboard makes them: `cod_r_` and 64 hex digits.
pub fn token(answer: &str) -> Result<String, String> {
    let answer = answer.trim();
    let well_formed = answer
        .strip_prefix("cod_r_")
        .is_some_and(|digits| crate::core::hex::unhex::<32>(digits).is_some());
    if well_formed {
        Ok(answer.to_string())
    } else {
        Err(
            "a team's reporter token is cod_r_ and 64 hex digits, as the dashboard printed it"
                .into(),
        )
    }
}

fn quoted(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_string()
}

/// The config's own check of one setting, on top of the built-in default; its reasons
/// without the place in the (made-up) file.
fn check(snippet: &str) -> Result<(), String> {
    config::from_text("answer", snippet)
        .map(|_| ())
        .map_err(|errors| {
            errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// A week as the lines [`hours`] reads, consecutive days with the same ranges together:
/// "mon-fri 09:00-17:00".
pub fn describe_hours(week: &Week) -> Vec<String> {
    let short = |day: usize| &WEEKDAYS[day].0[..3];
    let mut lines = Vec::new();
    let mut day = 0;
    while day < 7 {
        let mut last = day;
        while last + 1 < 7 && week[last + 1] == week[day] {
            last += 1;
        }
        if !week[day].is_empty() {
            let days = if last == day {
                short(day).to_string()
            } else {
                format!("{}-{}", short(day), short(last))
            };
            lines.push(format!("{days} {}", week[day].join(",")));
        }
        day = last + 1;
    }
    lines
}

/// The week a config has now.
pub fn week_of(config: &Config) -> Week {
    WEEKDAYS.map(|(_, day)| {
        let ranges = config.hours.on(day);
        ranges.iter().map(ToString::to_string).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_people_write_them() {
        let week = hours(&[
            "mon-fri 09:00-17:00",
            "tue 18:00-20:00",
            "Sun-Mon 22:00-06:00",
        ])
        .unwrap();
        assert_eq!(week[0], ["09:00-17:00", "22:00-06:00"]);
        assert_eq!(week[1], ["09:00-17:00", "18:00-20:00"]);
        assert_eq!(week[5], Vec::<String>::new());
        assert_eq!(week[6], ["22:00-06:00"]);
        let split = hours(&["wednesday 09:00-12:30, 13:30-17:30"]).unwrap();
        assert_eq!(split[2], ["09:00-12:30", "13:30-17:30"]);
    }

    #[test]
    fn bad_hours_say_why() {
        let late = hours(&["mon 25:00-17:00"]).unwrap_err();
        assert!(late.contains("bad time range \"25:00-17:00\""), "{late}");
        let overlap = hours(&["mon 09:00-13:00,12:00-17:00"]).unwrap_err();
        assert!(overlap.contains("overlaps"), "{overlap}");
        assert!(
            hours(&["funday 09:00-17:00"])
                .unwrap_err()
                .contains("is not a day")
        );
        assert!(
            hours(&["mon-fri"])
                .unwrap_err()
                .contains("expected days, then times")
        );
        assert!(hours::<&str>(&[]).unwrap_err().contains("no working hours"));
    }

    #[test]
    fn a_week_reads_back_as_the_lines_that_make_it() {
        let lines = ["mon-thu 09:00-17:00", "fri 09:00-16:30", "sun 22:00-06:00"];
        assert_eq!(describe_hours(&hours(&lines).unwrap()), lines);
    }

    #[test]
    fn other_answers_are_checked_as_the_config_checks_them() {
        assert_eq!(timezone(" Europe/London ").unwrap(), "Europe/London");
        assert!(
            timezone("Europe/Londres")
                .unwrap_err()
                .contains("unknown time zone \"Europe/Londres\"")
        );
        assert_eq!(region("Scotland").unwrap(), "scotland");
        assert!(region("wales").unwrap_err().contains("england-and-wales"));
        assert_eq!(contracted("22h 30m").unwrap(), "22h30m");
        assert!(contracted("lots").is_err());
        assert!(dashboard("https://dash.example.org").is_ok());
        assert!(dashboard("http://127.0.0.1:8080").is_ok());
        let plain = dashboard("http://dash.example.org").unwrap_err();
        assert!(plain.contains("https"), "{plain}");
        let digits = "0123456789abcdef".repeat(4);
        assert!(token(&format!(" cod_r_{digits}\n")).is_ok());
        assert!(token(&format!("cod_v_{digits}")).is_err());
        assert!(token("cod_r_abc123").is_err());
        assert!(token("\"; rm -rf").is_err());
    }
}
