//! What setup changes in the worker's config file (toml_edit): the keys it answers are set,
//! everything else (comments, order, keys it does not ask about) is kept as written.

use toml_edit::{Array, DocumentMut, Item, Table, TableLike, Value};

use super::answers::Week;
use crate::cli::config_file;
use crate::core::hours::WEEKDAYS;

/// What setup sets; `None` leaves a key as the file has it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settings {
    pub hours: Option<Week>,
    pub timezone: Option<String>,
    pub region: Option<String>,
    pub contracted: Option<String>,
    pub report: Option<Report>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Off,
    To {
        dashboard: String,
        token_file: String,
    },
}

/// `existing` (the file's text, if there is one) with `settings` applied.
pub fn apply(existing: Option<&str>, settings: &Settings) -> Result<String, String> {
    let mut doc = config_file::parse(existing)?;
    let header = opening_comment(&mut doc);
    if let Some(zone) = &settings.timezone {
        set(doc.as_table_mut(), "timezone", zone.as_str().into());
    }
    if let Some(contracted) = &settings.contracted {
        set(doc.as_table_mut(), "contracted", contracted.as_str().into());
    }
    put_first(&mut doc, header);
    if let Some(week) = &settings.hours {
        set_hours(config_file::table(&mut doc, "hours")?, week);
    }
    if let Some(region) = &settings.region {
        set(
            config_file::table(&mut doc, "holidays")?,
            "region",
            region.as_str().into(),
        );
    }
    match &settings.report {
        None => {}
        Some(Report::Off) => set(
            config_file::table(&mut doc, "report")?,
            "enabled",
            false.into(),
        ),
        Some(Report::To {
            dashboard,
            token_file,
        }) => {
            let report = config_file::table(&mut doc, "report")?;
            set(report, "enabled", true.into());
            set(report, "dashboard", dashboard.as_str().into());
            set(report, "token_file", token_file.as_str().into());
        }
    }
    Ok(config_file::render(existing, &doc))
}

/// In a file that begins with a table, the comment above it, which is the file's opening
/// comment too: taken off, to stay at the top when keys are put above the table.
fn opening_comment(doc: &mut DocumentMut) -> Option<String> {
    if doc.iter().any(|(_, item)| item.is_value()) {
        return None;
    }
    let first = doc
        .iter_mut()
        .filter_map(|(_, item)| item.as_table_mut())
        .min_by_key(|table| table.position())?;
    let comment = first.decor().prefix()?.as_str()?.to_string();
    first.decor_mut().set_prefix("\n");
    Some(comment)
}

/// Puts the opening comment back at the top of the file.
fn put_first(doc: &mut DocumentMut, header: Option<String>) {
    let Some(header) = header else { return };
    let root = doc.as_table_mut();
    let first_key = root
        .iter()
        .find(|(_, item)| item.is_value())
        .map(|(key, _)| key.to_string());
    match first_key.and_then(|key| root.key_mut(&key)) {
        Some(mut key) => key.leaf_decor_mut().set_prefix(header),
        None => {
            if let Some(table) = doc
                .iter_mut()
                .filter_map(|(_, item)| item.as_table_mut())
                .min_by_key(|t| t.position())
            {
                table.decor_mut().set_prefix(header);
            }
        }
    }
}

/// Sets `key` to `new`, keeping the comments around the old value.
fn set(table: &mut impl TableLike, key: &str, mut new: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        None => {
            table.insert(key, Item::Value(new));
        }
    }
}

/// Sets every day's ranges, keeping the comments on the days kept; days with none are left
/// out (no working time), and the days are in week order.
fn set_hours(hours: &mut Table, week: &Week) {
    for ((day, _), ranges) in WEEKDAYS.iter().zip(week) {
        if ranges.is_empty() {
            hours.remove(day);
        } else {
            let array: Array = ranges.iter().map(String::as_str).collect();
            set(hours, day, array.into());
        }
    }
    let rank = |key: &toml_edit::Key| WEEKDAYS.iter().position(|(d, _)| *d == key.get());
    hours.sort_values_by(|a, _, b, _| rank(a).cmp(&rank(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::setup::answers;

    #[test]
    fn comments_and_other_keys_are_kept() {
        let existing = "\
# my notes on my hours
timezone = \"Europe/Paris\" # was in France
[hours]
# term time only
monday = [\"08:00-16:00\"]
friday = [\"08:00-12:00\"]

[activity]
idle_after = \"10m\" # slow reader
";
        let settings = Settings {
            hours: Some(answers::hours(&["mon-thu 09:00-17:00"]).unwrap()),
            timezone: Some("Europe/London".into()),
            region: Some("scotland".into()),
            contracted: None,
            report: Some(Report::Off),
        };
        let text = apply(Some(existing), &settings).unwrap();
        assert!(
            text.starts_with("# my notes on my hours\ntimezone = \"Europe/London\""),
            "{text}"
        );
        assert!(
            text.contains("[hours]\n# term time only\nmonday = [\"09:00-17:00\"]\ntuesday"),
            "{text}"
        );
        assert!(!text.contains("friday"), "{text}");
        assert!(
            text.contains("idle_after = \"10m\" # slow reader"),
            "{text}"
        );
        assert!(text.contains("[holidays]\nregion = \"scotland\""), "{text}");
        assert!(text.contains("[report]\nenabled = false"), "{text}");
        crate::config::from_text("setup", &text).unwrap();
        // Applying the same again changes nothing.
        assert_eq!(apply(Some(&text), &settings).unwrap(), text);
    }

    #[test]
    fn a_new_file_says_where_it_came_from() {
        let settings = Settings {
            timezone: Some("Europe/London".into()),
            report: Some(Report::To {
                dashboard: "https://dash.example.org".into(),
                token_file: "~/.config/clockoff/team-token".into(),
            }),
            ..Settings::default()
        };
        let text = apply(None, &settings).unwrap();
        assert!(text.starts_with(config_file::NEW_FILE), "{text}");
        assert!(
            text.contains("dashboard = \"https://dash.example.org\""),
            "{text}"
        );
        crate::config::from_text("setup", &text).unwrap();
    }

    #[test]
    fn a_key_that_is_not_a_table_is_refused() {
        let settings = Settings {
            region: Some("none".into()),
            ..Settings::default()
        };
        let refused = apply(Some("holidays = 3\n"), &settings).unwrap_err();
        assert!(refused.contains("not a [holidays] table"), "{refused}");
    }
}
