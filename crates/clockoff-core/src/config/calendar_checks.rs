//! `[[calendar]]` checked: where each calendar is (a file, or an https address), what its
//! events mean, and which of them count.

use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;

use super::error::ConfigError;
use super::layers::Merged;
use super::raw::RawCalendar;
use super::report_checks::{UrlProblem, is_full_path, secure_url};
use crate::calendar::{Filter, Format, Use};

/// One calendar the schedule reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSpec {
    /// What status and the schedule call it: `name`, or the file's or address's last part.
    pub name: String,
    pub location: CalendarLocation,
    pub use_: Use,
    pub filter: Filter,
    pub format: Format,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarLocation {
    /// As written: from / or ~/.
    File(String),
    Url(String),
}

pub fn calendars(merged: &Merged, errors: &mut Vec<ConfigError>) -> Vec<CalendarSpec> {
    let mut specs = Vec::new();
    let mut names = HashSet::new();
    for list in &merged.calendars {
        for item in list.value.get_ref() {
            let at = |span: Range<usize>, message: String| list.layer.error_at(&span, message);
            let mut problems = Vec::new();
            let spec = calendar(item, &mut problems);
            if let Some(spec) = &spec
                && !names.insert(spec.name.clone())
            {
                let span = item
                    .get_ref()
                    .name
                    .as_ref()
                    .map_or_else(|| item.span(), Spanned::span);
                problems.push((
                    span,
                    format!(
                        "calendar: two calendars are called \"{}\"; give each its own `name`",
                        spec.name
                    ),
                ));
            }
            match (spec, problems.is_empty()) {
                (Some(spec), true) => specs.push(spec),
                _ => errors.extend(
                    problems
                        .into_iter()
                        .map(|(span, message)| at(span, message)),
                ),
            }
        }
    }
    specs
}

type Problems = Vec<(Range<usize>, String)>;

/// One `[[calendar]]` checked, or `None` with its problems.
fn calendar(item: &Spanned<RawCalendar>, problems: &mut Problems) -> Option<CalendarSpec> {
    let raw = item.get_ref();
    let location = location(item, problems)?;
    let use_ = match &raw.use_ {
        Some(u) => u
            .get_ref()
            .parse::<Use>()
            .map_err(|e| problems.push((u.span(), format!("calendar.use: {e}"))))
            .ok(),
        None => {
            problems.push((
                item.span(),
                "calendar: needs `use`: \"leave\", \"on_call\" or \"closure\"".into(),
            ));
            None
        }
    };
    let format = match &raw.format {
        Some(f) => match f.get_ref().as_str() {
            "ics" => Some(Format::Ics),
            "csv" => Some(Format::Csv),
            other => {
                problems.push((
                    f.span(),
                    format!("calendar.format: expected \"ics\" or \"csv\", found \"{other}\""),
                ));
                None
            }
        },
        None => Some(format_of(&location)),
    };
    let filter = Filter {
        summary: non_empty(raw.summary.as_ref(), "summary", problems),
        category: non_empty(raw.category.as_ref(), "category", problems),
    };
    let name = raw
        .name
        .as_ref()
        .map_or_else(|| default_name(&location), |n| n.get_ref().clone());
    Some(CalendarSpec {
        name,
        location,
        use_: use_?,
        filter,
        format: format?,
    })
}

fn location(item: &Spanned<RawCalendar>, problems: &mut Problems) -> Option<CalendarLocation> {
    let raw = item.get_ref();
    match (&raw.file, &raw.url) {
        (Some(file), None) => {
            if !is_full_path(file.get_ref()) {
                problems.push((
                    file.span(),
                    format!(
                        "calendar.file: \"{}\" is not a full path: write it from / or ~/, e.g. \"~/rota.ics\"",
                        file.get_ref()
                    ),
                ));
            }
            Some(CalendarLocation::File(file.get_ref().clone()))
        }
        (None, Some(url)) => {
            if let Err(problem) = secure_url(url.get_ref()) {
                let why = match problem {
                    UrlProblem::NotAnAddress(e) => format!("is not an address ({e})"),
                    UrlProblem::PlainHttp => "is not https: a calendar says who is where, so it is fetched only over https (http only to localhost)".into(),
                    UrlProblem::OtherScheme => "is not an https address: for webcal:// write https://".into(),
                };
                problems.push((
                    url.span(),
                    format!("calendar.url: \"{}\" {why}", url.get_ref()),
                ));
            }
            Some(CalendarLocation::Url(url.get_ref().clone()))
        }
        (Some(_), Some(url)) => {
            problems.push((
                url.span(),
                "calendar: give `file` or `url`, not both".into(),
            ));
            None
        }
        (None, None) => {
            problems.push((
                item.span(),
                "calendar: needs `file` (a calendar or CSV rota on this computer) or `url` (an https address)".into(),
            ));
            None
        }
    }
}

/// A filter's text, refused when blank: a blank filter would quietly take every event.
fn non_empty(
    value: Option<&Spanned<String>>,
    key: &str,
    problems: &mut Problems,
) -> Option<String> {
    let value = value?;
    if value.get_ref().trim().is_empty() {
        problems.push((
            value.span(),
            format!("calendar.{key}: empty; leave it out to take every event"),
        ));
        None
    } else {
        Some(value.get_ref().clone())
    }
}

fn format_of(location: &CalendarLocation) -> Format {
    let path = match location {
        CalendarLocation::File(f) => f.as_str(),
        CalendarLocation::Url(u) => u.split(['?', '#']).next().unwrap_or(u),
    };
    if path.to_ascii_lowercase().ends_with(".csv") {
        Format::Csv
    } else {
        Format::Ics
    }
}

/// The last part of the path ("rota.ics"), or the host for an address with none.
fn default_name(location: &CalendarLocation) -> String {
    match location {
        CalendarLocation::File(f) => f.rsplit('/').next().unwrap_or(f).to_string(),
        CalendarLocation::Url(u) => match url::Url::parse(u) {
            Ok(url) => url
                .path_segments()
                .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_string))
                .unwrap_or_else(|| url.host_str().unwrap_or(u).to_string()),
            Err(_) => u.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::calendar::{Format, Use};
    use crate::config::{CalendarLocation, from_text};

    #[test]
    fn calendars_from_files_and_addresses_with_their_use_filter_and_format() {
        let config = from_text(
            "c.toml",
            "[[calendar]]\nname = \"EDT rota\"\nurl = \"https://cal.example.org/edt/rota.ics\"\nuse = \"on_call\"\nsummary = \"on call\"\n\n\
             [[calendar]]\nfile = \"~/rota.csv\"\nuse = \"on_call\"\n\n\
             [[calendar]]\nfile = \"/srv/closures.txt\"\nuse = \"closure\"\nformat = \"ics\"\ncategory = \"Closure\"\n",
        )
        .unwrap();
        let [rota, csv, closures] = &config.calendars[..] else {
            panic!("{:?}", config.calendars)
        };
        assert_eq!(rota.name, "EDT rota");
        assert_eq!(rota.filter.summary.as_deref(), Some("on call"));
        assert_eq!(
            (csv.name.as_str(), csv.format, csv.use_),
            ("rota.csv", Format::Csv, Use::OnCall)
        );
        assert_eq!(csv.location, CalendarLocation::File("~/rota.csv".into()));
        assert_eq!(
            (closures.format, closures.use_),
            (Format::Ics, Use::Closure)
        );
    }

    #[test]
    fn mistakes_are_named_at_their_place() {
        for (text, place, words) in [
            (
                "[[calendar]]\nuse = \"leave\"\n",
                "c.toml:1:1",
                "needs `file`",
            ),
            (
                "[[calendar]]\nfile = \"rota.ics\"\nuse = \"leave\"\n",
                "c.toml:2:8",
                "not a full path",
            ),
            (
                "[[calendar]]\nurl = \"http://cal.example.org/a.ics\"\nuse = \"leave\"\n",
                "c.toml:2:7",
                "is not https",
            ),
            (
                "[[calendar]]\nurl = \"webcal://cal.example.org/a.ics\"\nuse = \"leave\"\n",
                "c.toml:2:7",
                "write https://",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\nuse = \"holiday\"\n",
                "c.toml:3:7",
                "expected \"leave\", \"on_call\" or \"closure\"",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\n",
                "c.toml:1:1",
                "needs `use`",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\nurl = \"https://x.org/a.ics\"\nuse = \"leave\"\n",
                "c.toml:3:7",
                "not both",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\nuse = \"leave\"\nformat = \"xls\"\n",
                "c.toml:4:10",
                "expected \"ics\" or \"csv\"",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\nuse = \"leave\"\nsummary = \" \"\n",
                "c.toml:4:11",
                "empty",
            ),
            (
                "[[calendar]]\nfile = \"/a/r.ics\"\nuse = \"leave\"\n[[calendar]]\nfile = \"/b/r.ics\"\nuse = \"leave\"\n",
                "c.toml:4:1",
                "two calendars are called \"r.ics\"",
            ),
            (
                "[[calendar]]\nfile = \"/a.ics\"\nuse = \"leave\"\nwhen = 1\n",
                "c.toml:4:1",
                "unknown field `when`",
            ),
        ] {
            let errors = from_text("c.toml", text).unwrap_err().to_string();
            assert!(
                errors.contains(place) && errors.contains(words),
                "{text}\n{errors}"
            );
        }
    }
}
