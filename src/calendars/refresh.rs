//! Bringing each calendar's copy up to date: a file is read, an address fetched with a
//! conditional request (If-None-Match, If-Modified-Since), all at once, and what comes back
//! is kept only if it reads without a problem. Any failure keeps the last good copy and is
//! noted for status. Run by `clockoff calendar refresh`, in its own process: HTTP never
//! runs in the agent (see [`crate::fetch`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::cache::{Cache, Meta};
use super::reading;
use crate::config::{CalendarLocation, CalendarSpec, Config};
use crate::core::calendar::{self, Format, MAX_BYTES};
use crate::fetch::{Failure, Request};

const TIMEOUT: Duration = Duration::from_secs(30);

/// What one calendar's refresh did, in words for the terminal and the log (never its
/// address whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub name: String,
    pub outcome: Result<String, String>,
    /// The copy in use changed, or its problem did: the schedule should be read again.
    pub changed: bool,
}

pub async fn refresh_all(config: &Config, cache: &Cache, now: DateTime<Utc>) -> Vec<Refreshed> {
    let all = config
        .calendars
        .iter()
        .map(|spec| refresh(spec, config, cache, now));
    let done = futures_util::future::join_all(all).await;
    cache.forget_unused(&config.calendars, now.into());
    done
}

async fn refresh(
    spec: &CalendarSpec,
    config: &Config,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Refreshed {
    let how = reading(spec, config, now);
    let before = cache.meta(spec);
    let copy = cache.copy(spec);
    let fetched = match &spec.location {
        CalendarLocation::File(file) => read_file(file, spec.format),
        CalendarLocation::Url(url) => {
            // Validators are sent only for a copy that still reads: "not modified" must
            // not keep one a newer build cannot read.
            let copy_reads = copy
                .as_deref()
                .is_some_and(|text| calendar::read(text, &how).is_ok());
            fetch(url, copy_reads.then_some(&before)).await
        }
    };
    let mut new_copy = false;
    let mut meta = Meta {
        checked_at: Some(now),
        problem: None,
        ..before.clone()
    };
    let outcome = match fetched {
        Ok(Fetched::Unchanged) => {
            meta.good_at = Some(now);
            cache
                .note(spec, &meta)
                .map(|()| "unchanged since the last fetch".to_string())
                .map_err(|e| format!("cannot note the fetch in {}: {e}", cache.dir().display()))
        }
        Ok(Fetched::Text {
            text,
            etag,
            last_modified,
        }) => match calendar::read(&text, &how) {
            Ok(entries) => {
                meta.etag = etag;
                meta.last_modified = last_modified;
                meta.good_at = Some(now);
                new_copy = copy.as_deref() != Some(text.as_str());
                let kept = if new_copy {
                    cache.keep(spec, &text, &meta)
                } else {
                    cache.note(spec, &meta)
                };
                kept.map(|()| format!("{} entries ahead and behind", entries.len()))
                    .map_err(|e| format!("cannot keep a copy in {}: {e}", cache.dir().display()))
            }
            Err(problem) => Err(problem.to_string()),
        },
        Err(why) => Err(why),
    };
    let outcome = outcome.map_err(|why| format!("{why}; the last good copy is kept"));
    if let Err(why) = &outcome {
        meta.problem = Some(why.clone());
        // Noting the try is best effort: the outcome is said either way.
        let _ = cache.note(spec, &meta);
    }
    let changed = (new_copy && outcome.is_ok()) || meta.problem != before.problem;
    Refreshed {
        name: spec.name.clone(),
        outcome,
        changed,
    }
}

enum Fetched {
    Unchanged,
    Text {
        text: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn read_file(file: &str, format: Format) -> Result<Fetched, String> {
    let path =
        crate::files::resolve_in_home(file).ok_or_else(|| format!("{file}: HOME is not set"))?;
    let size = std::fs::metadata(&path)
        .map_err(|e| format!("{file}: {e}"))?
        .len();
    if size > MAX_BYTES as u64 {
        return Err(format!(
            "{file}: {} MB, larger than the {} MB a calendar may be",
            size / 1_000_000,
            MAX_BYTES / 1_000_000
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("{file}: {e}"))?;
    let text = text_of(bytes, format).ok_or_else(|| format!("{file}: not UTF-8 text"))?;
    Ok(Fetched::Text {
        text,
        etag: None,
        last_modified: None,
    })
}

async fn fetch(url: &str, validators: Option<&Meta>) -> Result<Fetched, String> {
    let mut request = Request::get(url, TIMEOUT);
    request.max_body = Some(MAX_BYTES as u64);
    request.follow_redirects = true;
    request.user_agent = Some(format!("clockoff/{}", env!("CARGO_PKG_VERSION")));
    if let Some(meta) = validators {
        if let Some(etag) = &meta.etag {
            request = request.header("if-none-match", etag.clone());
        }
        if let Some(date) = &meta.last_modified {
            request = request.header("if-modified-since", date.clone());
        }
    }
    // The calendar is named by whoever says this; its address is not repeated.
    let response = crate::fetch::in_process::fetch(&request)
        .await
        .map_err(|f| match f {
            Failure::Connect(why) => format!("cannot connect ({why})"),
            Failure::Timeout => format!("no answer within {} s", TIMEOUT.as_secs()),
            Failure::Other(why) => why,
        })?;
    match response.status {
        304 if validators.is_some() => Ok(Fetched::Unchanged),
        200 => Ok(Fetched::Text {
            text: response.body,
            etag: response.etag,
            last_modified: response.last_modified,
        }),
        status => Err(format!("the server answered {status}")),
    }
}

/// A file's text: UTF-8, or for a CSV rota Windows-1252, which Excel's plain "CSV (Comma
/// delimited)" writes (an iCalendar file is UTF-8 by its standard).
fn text_of(bytes: Vec<u8>, format: Format) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) if format == Format::Csv => {
            Some(e.into_bytes().iter().map(|b| windows_1252(*b)).collect())
        }
        Err(_) => None,
    }
}

/// One Windows-1252 byte as a character: Latin-1, but for 0x80 to 0x9F.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_rota_saved_by_excel_in_windows_1252_reads() {
        let excel =
            b"date,start,end,role\r\n2027-01-08,17:00,09:00,Si\xe2n \x96 EDT \x80\r\n".to_vec();
        assert_eq!(
            text_of(excel.clone(), Format::Csv).unwrap(),
            "date,start,end,role\r\n2027-01-08,17:00,09:00,Siân – EDT €\r\n"
        );
        assert_eq!(text_of(excel, Format::Ics), None, "iCalendar is UTF-8");
        assert_eq!(
            text_of("Siân".as_bytes().to_vec(), Format::Csv).unwrap(),
            "Siân"
        );
    }
}
