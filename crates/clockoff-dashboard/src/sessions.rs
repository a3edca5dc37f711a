//! Sign-in sessions: a random id in a cookie, mapped here to the viewer's unit, the hash of
//! the token they signed in with (so revoking the token ends the session) and an expiry. In memory only: a restart signs everyone out, which costs a viewer one paste of
//! their token and keeps no session on disk. Ids are kept by their SHA-256, as tokens are,
//! so a memory dump holds nothing a browser could replay.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::rule::units::UnitIndex;
use crate::token::TokenHash;

/// The cookie's name. Not `__Host-`: that prefix needs `Secure`, which a dashboard on
/// loopback over plain http cannot have (see [`crate::web::guard::secure_cookie`]).
pub const COOKIE: &str = "clockoff_session";
/// How long a sign-in lasts: a working day.
pub const LIFETIME: TimeDelta = TimeDelta::hours(8);
/// At most this many live sessions: a flood of sign-ins cannot grow memory without bound.
/// When full, the session nearest its expiry makes room.
pub const MAX_SESSIONS: usize = 10_000;
/// 32 random bytes, as 64 hex digits.
const ID_LEN: usize = 64;

#[derive(Debug, Clone)]
struct Session {
    unit: UnitIndex,
    token: TokenHash,
    expires: DateTime<Utc>,
}

type Key = [u8; 32];

/// The live sessions. Cheap to clone: every clone is the same table.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    table: Arc<Mutex<HashMap<Key, Session>>>,
}

fn key(id: &str) -> Key {
    Sha256::digest(id.as_bytes()).into()
}

impl Sessions {
    /// A new session for a viewer of `unit` who signed in with `token`; its id, for the
    /// cookie.
    pub fn start(
        &self,
        unit: UnitIndex,
        token: TokenHash,
        now: DateTime<Utc>,
    ) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if table.len() >= MAX_SESSIONS {
            table.retain(|_, s| s.expires > now);
        }
        if table.len() >= MAX_SESSIONS {
            let soonest = table.iter().min_by_key(|(_, s)| s.expires).map(|(k, _)| *k);
            if let Some(k) = soonest {
                table.remove(&k);
            }
        }
        table.insert(
            key(&id),
            Session {
                unit,
                token,
                expires: now + LIFETIME,
            },
        );
        Ok(id)
    }

    /// The unit of a live session and the token it was started with; an expired one is
    /// forgotten.
    pub fn find(&self, id: &str, now: DateTime<Utc>) -> Option<(UnitIndex, TokenHash)> {
        if !well_formed(id) {
            return None;
        }
        let k = key(id);
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let session = table.get(&k)?;
        if session.expires <= now {
            table.remove(&k);
            return None;
        }
        Some((session.unit, session.token.clone()))
    }

    pub fn end(&self, id: &str) {
        if well_formed(id) {
            let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            table.remove(&key(id));
        }
    }

    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn well_formed(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The session id in a `Cookie` header's value, if it has one of the right shape. Headers
/// over 8 KiB are ignored whole rather than parsed.
pub fn from_cookie_header(value: &[u8]) -> Option<&str> {
    if value.len() > 8192 {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    text.split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, id)| id.trim())
        .filter(|id| well_formed(id))
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{}",
        LIFETIME.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends one.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + hours * 3600, 0).unwrap()
    }

    #[test]
    fn sessions_expire_end_and_are_unguessable_text() {
        let s = Sessions::default();
        let id = s.start(3, TokenHash::of("t"), at(0)).unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(id, s.start(3, TokenHash::of("t"), at(0)).unwrap());
        assert_eq!(s.find(&id, at(7)), Some((3, TokenHash::of("t"))));
        assert_eq!(s.find(&id, at(8)), None);
        assert_eq!(s.len(), 1, "the expired one is forgotten");
        let id = s.start(4, TokenHash::of("t"), at(0)).unwrap();
        s.end(&id);
        assert_eq!(s.find(&id, at(0)), None);
        assert_eq!(s.find("not-an-id", at(0)), None);
        assert_eq!(s.find(&"0".repeat(64), at(0)), None);
    }

    #[test]
    fn the_table_is_bounded() {
        let s = Sessions::default();
        let first = s.start(0, TokenHash::of("t"), at(0)).unwrap();
        for i in 1..=MAX_SESSIONS {
            s.start(1, TokenHash::of("t"), at(0) + TimeDelta::seconds(i as i64))
                .unwrap();
        }
        assert_eq!(s.len(), MAX_SESSIONS);
        assert_eq!(s.find(&first, at(0)), None, "the oldest made room");
    }

    #[test]
    fn cookies_are_found_among_others_and_odd_headers_are_ignored() {
        let id = "a".repeat(64);
        let header = format!("theme=dark; {COOKIE}={id}; x=y");
        assert_eq!(from_cookie_header(header.as_bytes()), Some(id.as_str()));
        assert_eq!(from_cookie_header(b"clockoff_session=short"), None);
        assert_eq!(from_cookie_header(b"\xff\xfe"), None);
        let huge = format!("{}; {COOKIE}={id}", "x=1; ".repeat(3000));
        assert_eq!(from_cookie_header(huge.as_bytes()), None);
        assert_eq!(
            set_cookie(&id, true),
            format!("{COOKIE}={id}; Max-Age=28800; Path=/; HttpOnly; SameSite=Strict; Secure")
        );
        assert!(!clear_cookie(false).contains("Secure"));
    }
}
