//! The last good copy of each calendar, and what the last fetch learned, beside the ledger
//! (`~/.local/share/clockoff/calendars/`). Private: leave and rotas say where a worker is
//! (files 0600, the folder 0700). A copy is written only once it has been read without a
//! problem.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{CalendarLocation, CalendarSpec};

/// What is known of a calendar besides its copy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The server's validators for a conditional request.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When the copy in use was last found current (read, fetched, or answered "not
    /// modified").
    pub good_at: Option<DateTime<Utc>>,
    pub checked_at: Option<DateTime<Utc>>,
    pub problem: Option<String>,
}

/// A copy no calendar of this config names is forgotten once it is this old: another
/// `--config` may still use it, and a team rota names colleagues.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Beside the ledger; `None` with no home to put it in.
    pub fn standard() -> Option<Cache> {
        let ledger = crate::ledger::default_path()?;
        Some(Cache::at(ledger.parent()?.join("calendars")))
    }

    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A calendar's files are named by a digest of where it is and how it is read, so the
    /// address itself is in no file name, a renamed calendar keeps its copy, and a changed
    /// address starts afresh.
    fn stem(spec: &CalendarSpec) -> String {
        let location = match &spec.location {
            CalendarLocation::File(f) => format!("file {f}"),
            CalendarLocation::Url(u) => format!("url {u}"),
        };
        let digest = Sha256::digest(format!("{location}\n{:?}", spec.format).as_bytes());
        crate::core::hex::hex(&digest)[..16].to_string()
    }

    fn path(&self, spec: &CalendarSpec, ending: &str) -> PathBuf {
        self.dir.join(format!("{}.{ending}", Self::stem(spec)))
    }

    /// What is known of `spec`; nothing for a calendar never fetched (or a meta file a crash
    /// left unreadable: the next fetch is then unconditional, which is safe).
    pub fn meta(&self, spec: &CalendarSpec) -> Meta {
        std::fs::read(self.path(spec, "json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn copy(&self, spec: &CalendarSpec) -> Option<String> {
        std::fs::read_to_string(self.path(spec, "copy")).ok()
    }

    /// Keeps `text` as the good copy, then `meta`: a crash between the two leaves a copy
    /// newer than its validators, which costs one full fetch.
    pub fn keep(&self, spec: &CalendarSpec, text: &str, meta: &Meta) -> std::io::Result<()> {
        crate::files::write_private(&self.path(spec, "copy"), text)?;
        self.note(spec, meta)
    }

    pub fn note(&self, spec: &CalendarSpec, meta: &Meta) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(meta).map_err(std::io::Error::other)?;
        crate::files::write_private(&self.path(spec, "json"), &text)
    }

    /// Removes the files of calendars none of `specs` names, untouched for 30 days.
    pub fn forget_unused(&self, specs: &[CalendarSpec], now: SystemTime) {
        let used: Vec<String> = specs.iter().map(Self::stem).collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stem = name.split('.').next().unwrap_or_default();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > UNUSED_FOR));
            if !used.iter().any(|u| u == stem) && old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::{Filter, Format, Use};

    fn spec(name: &str, url: &str) -> CalendarSpec {
        CalendarSpec {
            name: name.into(),
            location: CalendarLocation::Url(url.into()),
            use_: Use::OnCall,
            filter: Filter::default(),
            format: Format::Ics,
        }
    }

    #[test]
    fn a_renamed_calendar_keeps_its_copy_and_an_unused_one_is_forgotten_after_30_days() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("calendars"));
        let rota = spec("EDT rota", "https://cal.example.org/rota.ics");
        cache
            .keep(&rota, "BEGIN:VCALENDAR", &Meta::default())
            .unwrap();
        let renamed = spec("Weekend rota", "https://cal.example.org/rota.ics");
        assert_eq!(cache.copy(&renamed).as_deref(), Some("BEGIN:VCALENDAR"));
        let other = spec("Other", "https://cal.example.org/other.ics");
        let written = std::fs::metadata(cache.path(&rota, "copy"))
            .unwrap()
            .modified()
            .unwrap();
        let now = written + Duration::from_secs(10);
        cache.forget_unused(std::slice::from_ref(&other), now);
        assert!(cache.copy(&rota).is_some(), "unused for seconds: kept");
        cache.forget_unused(std::slice::from_ref(&other), now + UNUSED_FOR);
        assert!(cache.copy(&rota).is_none(), "unused for 30 days: forgotten");
        assert_eq!(cache.meta(&rota), Meta::default());
    }
}
