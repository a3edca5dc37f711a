//! Bringing each calendar's copy up to date: a file is read, an address fetched with a
//! conditional request (If-None-Match, If-Modified-Since), and what comes back is kept only
//! if it reads without a problem. Any failure keeps the last good copy and is noted for
//! status. Run by `clockoff calendar refresh`, in its own process: HTTP never runs in the
//! agent (see [`crate::fetch`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::cache::{Cache, Meta};
use super::{count, reading, shown_location};
use crate::config::{CalendarLocation, CalendarSpec, Config};
use crate::core::calendar::{self, MAX_BYTES};
use crate::fetch::{Failure, Request};

const TIMEOUT: Duration = Duration::from_secs(30);

/// What one calendar's refresh did, in words for the terminal and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub name: String,
    pub outcome: Result<String, String>,
    /// The copy in use changed (or its problem did): the schedule should be read again.
    pub changed: bool,
}

pub async fn refresh_all(config: &Config, cache: &Cache, now: DateTime<Utc>) -> Vec<Refreshed> {
    let mut out = Vec::new();
    for spec in &config.calendars {
        out.push(refresh(spec, config, cache, now).await);
    }
    out
}

async fn refresh(
    spec: &CalendarSpec,
    config: &Config,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Refreshed {
    let before = cache.meta(spec);
    let mut meta = Meta {
        checked_at: Some(now),
        problem: None,
        ..before.clone()
    };
    let fetched = match &spec.location {
        CalendarLocation::File(file) => read_file(file),
        CalendarLocation::Url(url) => fetch(url, &before, cache.copy(spec).is_some()).await,
    };
    let outcome = match fetched {
        Ok(Fetched::Unchanged) => Ok("unchanged since the last fetch".to_string()),
        Ok(Fetched::Text {
            text,
            etag,
            last_modified,
        }) => match calendar::read(&text, &reading(spec, config, now)) {
            Ok(entries) => {
                let same = cache.copy(spec).as_deref() == Some(text.as_str());
                meta.etag = etag;
                meta.last_modified = last_modified;
                meta.good_at = Some(now);
                let kept = if same {
                    cache.note(spec, &meta)
                } else {
                    cache.keep(spec, &text, &meta)
                };
                match kept {
                    Ok(()) => {
                        let said = format!("{} entries ahead and behind", count(&entries));
                        return Refreshed {
                            name: spec.name.clone(),
                            changed: !same || before.problem.is_some(),
                            outcome: Ok(said),
                        };
                    }
                    Err(e) => Err(format!(
                        "cannot keep a copy in {}: {e}",
                        cache.dir().display()
                    )),
                }
            }
            Err(problem) => Err(format!("{problem}; the last good copy is kept")),
        },
        Err(why) => Err(format!("{why}; the last good copy is kept")),
    };
    meta.problem = outcome.as_ref().err().cloned();
    let changed = meta.problem != before.problem;
    // Noting the try is best effort: the outcome is said either way.
    let _ = cache.note(spec, &meta);
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

fn read_file(file: &str) -> Result<Fetched, String> {
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
    let text = String::from_utf8(bytes).map_err(|_| format!("{file}: not UTF-8 text"))?;
    Ok(Fetched::Text {
        text,
        etag: None,
        last_modified: None,
    })
}

async fn fetch(url: &str, before: &Meta, have_copy: bool) -> Result<Fetched, String> {
    let mut request = Request::get(url, TIMEOUT);
    request.max_body = Some(MAX_BYTES as u64);
    request.user_agent = Some(format!("clockoff/{}", env!("CARGO_PKG_VERSION")));
    // Without a copy, "not modified" would leave nothing to read.
    if have_copy {
        if let Some(etag) = &before.etag {
            request = request.header("if-none-match", etag.clone());
        }
        if let Some(date) = &before.last_modified {
            request = request.header("if-modified-since", date.clone());
        }
    }
    let shown = shown_location(&CalendarLocation::Url(url.to_string()));
    let response = crate::fetch::in_process::fetch(&request)
        .await
        .map_err(|f| match f {
            Failure::Connect(why) => format!("{shown}: cannot connect ({why})"),
            Failure::Timeout => format!("{shown}: no answer within {} s", TIMEOUT.as_secs()),
            Failure::Other(why) => format!("{shown}: {why}"),
        })?;
    match response.status {
        304 if have_copy => Ok(Fetched::Unchanged),
        200 => Ok(Fetched::Text {
            text: response.body,
            etag: response.etag,
            last_modified: response.last_modified,
        }),
        status => Err(format!("{shown}: the server answered {status}")),
    }
}
