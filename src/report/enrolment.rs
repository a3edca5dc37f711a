//! The laptop's enrolment with its team's dashboard, kept beside the device secret in
//! `enrolment.json` (0600, written whole and renamed into place): the device credential,
//! the unit, the issuing key pinned at enrolment, how many laptops the team has enrolled,
//! and the week tokens had so far ([`crate::core::week_token`]). Never in the config or a log.
//!
//! Losing it costs little: the laptop enrols again with the team's token and pins the key
//! the dashboard then shows; the weeks whose tokens it had are asked for again with the same
//! blinded request (made from the device secret), which the dashboard answers again.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::IsoWeek;
use serde::{Deserialize, Serialize};

use crate::core::record::week;
use crate::core::week_token::{PublicKey, WeekToken};

/// The week tokens kept: enough for every week the upload may still send.
const TOKENS_KEPT: usize = 8;

/// Where the enrolment lives for the ledger at `ledger`.
pub fn path_beside(ledger: &Path) -> PathBuf {
    ledger.with_file_name("enrolment.json")
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// The dashboard it is enrolled with: another address is a new enrolment.
    pub dashboard: String,
    /// `None` once the dashboard stopped honouring it: the laptop enrols again.
    pub device: Option<String>,
    pub unit: String,
    pub unit_name: String,
    /// The issuing key pinned at enrolment (or accepted since as a rotation).
    pub key: PublicKey,
    /// Laptops enrolled in the team, as the dashboard last said.
    pub enrolled: u32,
    pub max_devices: Option<u32>,
    /// By week name.
    pub tokens: BTreeMap<String, WeekToken>,
    /// A key the dashboard switched to without a rotation notice: nothing is sent until it
    /// shows the pinned key again (or the worker enrols afresh).
    pub refused_key: Option<PublicKey>,
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credential is a secret; the rest says nothing about the worker.
        f.debug_struct("Enrolment")
            .field("dashboard", &self.dashboard)
            .field("unit", &self.unit)
            .field("key", &self.key)
            .field("enrolled", &self.enrolled)
            .field("weeks", &self.tokens.keys().collect::<Vec<_>>())
            .field("refused_key", &self.refused_key)
            .finish_non_exhaustive()
    }
}

impl Enrolment {
    pub fn token(&self, w: IsoWeek) -> Option<WeekToken> {
        self.tokens.get(&week::name(w)).copied()
    }

    /// Keeps `token` for `w`, and only the latest [`TOKENS_KEPT`] weeks'.
    pub fn keep_token(&mut self, w: IsoWeek, token: WeekToken) {
        self.tokens.insert(week::name(w), token);
        while self.tokens.len() > TOKENS_KEPT {
            self.tokens.pop_first();
        }
    }
}

/// What the worker is told when the key changed without notice.
pub fn key_changed(pinned: &PublicKey, served: &PublicKey) -> String {
    format!(
        "the dashboard's issuing key changed without notice (from {} to {}): nothing is \
         sent, as a key of its own for each laptop would tell workers apart; ask the \
         dashboard's administrator, and compare keys with a colleague",
        pinned.fingerprint(),
        served.fingerprint()
    )
}

/// The enrolment at `path`, if there is one.
pub fn load(path: &Path) -> Result<Option<Enrolment>, String> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        format!(
            "{} is damaged ({e}); remove it and the laptop enrols again",
            path.display()
        )
    })
}

/// Writes `enrolment` to `path`: a private file beside it, synced, then renamed over it, so
/// a crash leaves the old one or the new one, never half of either.
pub fn save(path: &Path, enrolment: &Enrolment) -> Result<(), String> {
    let text = serde_json::to_string_pretty(enrolment).map_err(|e| e.to_string())?;
    crate::files::write_private(path, &text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn enrolment() -> Enrolment {
        Enrolment {
            dashboard: "https://dash.example".into(),
            device: Some(format!("cod_d_{}", "ab".repeat(32))),
            unit: "team-a".into(),
            unit_name: "Team A".into(),
            key: "11".repeat(32).parse().unwrap(),
            enrolled: 7,
            max_devices: Some(12),
            tokens: BTreeMap::new(),
            refused_key: None,
        }
    }

    #[test]
    fn saved_privately_read_back_and_never_shown_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("ledger.sqlite3"));
        assert_eq!(load(&path).unwrap(), None);
        let mut e = enrolment();
        for n in 40..50 {
            let w = week::parse(&format!("2026-W{n}")).unwrap();
            e.keep_token(w, format!("{n:02}").repeat(64).parse().unwrap());
        }
        assert_eq!(e.tokens.len(), TOKENS_KEPT, "the oldest go");
        assert!(e.token(week::parse("2026-W41").unwrap()).is_none());
        assert!(e.token(week::parse("2026-W49").unwrap()).is_some());
        save(&path, &e).unwrap();
        assert_eq!(load(&path).unwrap(), Some(e.clone()));
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no draft left"
        );
        assert!(!format!("{e:?}").contains("abab"), "{e:?}");
        fs::write(&path, "{").unwrap();
        assert!(load(&path).unwrap_err().contains("enrols again"));
    }
}
