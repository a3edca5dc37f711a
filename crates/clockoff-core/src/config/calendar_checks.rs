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
    if let (Some(Format::Csv), Some(category)) = (format, &raw.category) {
        problems.push((
            category.span(),
            "calendar.category: a CSV rota has no categories; `summary` matches its role column"
                .into(),
        ));
    }
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
            // Apple's and Outlook's "subscribe" links: the same calendar over https.
            let text = match url.get_ref().split_once("://") {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("webcal") => {
                    format!("https://{rest}")
                }
                _ => url.get_ref().clone(),
            };
            if let Err(problem) = secure_url(&text) {
                let why = match problem {
                    UrlProblem::NotAnAddress(e) => format!("is not an address ({e})"),
                    UrlProblem::PlainHttp => "is not https: a calendar says who is where, so it is fetched only over https (http only to localhost)".into(),
                    UrlProblem::OtherScheme => "is not an https address".into(),
                };
                // Not repeated whole: a published calendar's address carries its secret.
                problems.push((
                    url.span(),
                    format!("calendar.url: {} {why}", shown_url(&text)),
                ));
            }
            Some(CalendarLocation::Url(text))
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

/// The file's name ("rota.csv"), or for an address what [`shown_url`] shows of it.
fn default_name(location: &CalendarLocation) -> String {
    match location {
        CalendarLocation::File(f) => f.rsplit('/').next().unwrap_or(f).to_string(),
        CalendarLocation::Url(u) => shown_url(u),
    }
}

/// An address as it may be shown, logged or used as a name: its host, and the last part
/// of its path only when that is a file's name ("basic.ics"). Google, Outlook, iCloud and
/// Nextcloud put the secret of a published calendar in the path or the query.
pub fn shown_url(text: &str) -> String {
    let Ok(url) = url::Url::parse(text) else {
        return "(an address that cannot be read)".into();
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let file = url
        .path_segments()
        .and_then(|mut s| s.rfind(|p| !p.is_empty()))
        .filter(|last| {
            let lower = last.to_ascii_lowercase();
            last.len() <= 40 && [".ics", ".ical", ".csv"].iter().any(|e| lower.ends_with(e))
        });
    match file {
        Some(file) => format!("{}://{host}{port}/…/{file}", url.scheme()),
        None => format!("{}://{host}{port}/…", url.scheme()),
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
    fn an_address_is_shown_without_its_secret() {
        for (url, shown) in [
            (
                "https://calendar.google.com/calendar/ical/team%40group.calendar.google.com/private-0123abcd/basic.ics",
                "https://calendar.google.com/…/basic.ics",
            ),
            (
                "https://outlook.office365.com/owa/calendar/00aa@council.gov.uk/5ecre7/calendar.ics",
                "https://outlook.office365.com/…/calendar.ics",
            ),
            (
                "https://cloud.example.org/remote.php/dav/public-calendars/Sec7etToken?export",
                "https://cloud.example.org/…",
            ),
            (
                "https://p01-calendars.icloud.com/published/2/MTIzNDU2Nzg5",
                "https://p01-calendars.icloud.com/…",
            ),
            (
                "http://127.0.0.1:5232/edt/rota/?token=s3cret",
                "http://127.0.0.1:5232/…",
            ),
        ] {
            assert_eq!(super::shown_url(url), shown, "{url}");
        }
        let errors = from_text(
            "c.toml",
            "[[calendar]]\nurl = \"http://x.org/private-s3cret/a.ics\"\nuse = \"leave\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(!errors.contains("s3cret"), "{errors}");
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
                "[[calendar]]\nurl = \"ftp://cal.example.org/a.ics\"\nuse = \"leave\"\n",
                "c.toml:2:7",
                "is not an https address",
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
            (
                "[[calendar]]\nfile = \"/r.csv\"\nuse = \"on_call\"\ncategory = \"EDT\"\n",
                "c.toml:4:12",
                "no categories",
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
