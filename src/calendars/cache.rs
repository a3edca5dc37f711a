//! The last good copy of each calendar, and what the last fetch learned, beside the ledger
//! (`~/.local/share/clockoff/calendars/`). Private files: leave and rotas say where a
//! worker is. A copy is written only once it has been read without a problem.

use std::path::{Path, PathBuf};

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
    pub good_at: Option<DateTime<Utc>>,
    pub checked_at: Option<DateTime<Utc>>,
    pub problem: Option<String>,
}

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

    /// A calendar's files are named by a digest of its name and where it is, so a changed
    /// address starts afresh and the address itself is not in a file name.
    fn path(&self, spec: &CalendarSpec, ending: &str) -> PathBuf {
        let location = match &spec.location {
            CalendarLocation::File(f) => format!("file {f}"),
            CalendarLocation::Url(u) => format!("url {u}"),
        };
        let digest = Sha256::digest(format!("{}\n{location}", spec.name).as_bytes());
        self.dir.join(format!(
            "{}.{ending}",
            &crate::core::hex::hex(&digest)[..16]
        ))
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

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
