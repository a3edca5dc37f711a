//! The two ids a summary carries, neither of which names the worker or the device.
//!
//! - [`Pseudonym`]: HMAC-SHA256 of the week's name under a 32-byte device secret that never
//!   leaves the laptop. The same device always gives the same pseudonym for a week (so the
//!   server keeps one summary per worker per week); without the secret, two weeks'
//!   pseudonyms cannot be linked, nor a pseudonym traced to a device.
//! - [`ReportId`]: 128 random bits drawn once per week and kept with the queued report, so a
//!   retry carries the same id and the server can tell it from a new report.
//!
//! Pure: the random bytes come in from the caller (`crate::report` draws them).

use std::fmt;

use chrono::IsoWeek;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::hex::{hex, unhex};
use crate::record::week;

/// The device secret's length in bytes.
pub const SECRET_BYTES: usize = 32;
/// A report id's length in bytes.
pub const REPORT_ID_BYTES: usize = 16;

/// Prefixed to the week's name before hashing, so a hash of the same secret made for another
/// purpose can never equal a pseudonym. Fixed across schema versions: a pseudonym must not
/// change with the format.
const PSEUDONYM_LABEL: &[u8] = b"clockoff pseudonym v1\n";

/// The label of [`DeviceSecret::blinding_seed`].
const BLINDING_LABEL: &[u8] = b"clockoff token blinding v1\n";

/// The device's secret key for pseudonyms. Never printed, never sent.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSecret([u8; SECRET_BYTES]);

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret(..)")
    }
}

impl DeviceSecret {
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(bytes)
    }

    /// As stored on disk: 64 lowercase hex digits.
    pub fn to_text(&self) -> String {
        hex(&self.0)
    }

    /// Reads [`DeviceSecret::to_text`]'s form (surrounding whitespace allowed).
    pub fn from_text(text: &str) -> Result<Self, String> {
        unhex(text.trim())
            .map(Self)
            .ok_or_else(|| format!("expected {} hex digits", SECRET_BYTES * 2))
    }

    /// The seed of the blinding factor for `week`'s token request ([`crate::week_token`]):
    /// a keyed hash like the pseudonym, under another label. The same request each time, so
    /// a request whose answer was lost can be made again and gets the same token.
    pub fn blinding_seed(&self, week: IsoWeek) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(BLINDING_LABEL);
        mac.update(week::name(week).as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// This device's pseudonym for `week`.
    pub fn pseudonym(&self, week: IsoWeek) -> Pseudonym {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(PSEUDONYM_LABEL);
        mac.update(week::name(week).as_bytes());
        Pseudonym(mac.finalize().into_bytes().into())
    }
}

/// A per-week pseudonym: 64 lowercase hex digits on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Pseudonym([u8; 32]);

/// A report id: 32 lowercase hex digits on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ReportId([u8; REPORT_ID_BYTES]);

impl ReportId {
    /// The id made of these (random) bytes.
    pub fn from_bytes(bytes: [u8; REPORT_ID_BYTES]) -> Self {
        Self(bytes)
    }
}

crate::hex::hex_id!(Pseudonym, "pseudonym");

impl Pseudonym {
    /// The 32 bytes: the input of the week's token ([`crate::week_token`]).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}
crate::hex::hex_id!(ReportId, "report id");

#[cfg(test)]
mod tests {
    use super::*;

    fn week(text: &str) -> IsoWeek {
        week::parse(text).unwrap()
    }

    #[test]
    fn a_pseudonym_is_stable_for_a_week_and_unrelated_across_weeks_and_devices() {
        let a = DeviceSecret::from_bytes([7; 32]);
        let b = DeviceSecret::from_bytes([8; 32]);
        let w47 = week("2026-W47");
        assert_eq!(a.pseudonym(w47), a.pseudonym(w47));
        assert_eq!(a.pseudonym(w47), a.clone().pseudonym(week("2026-W47")));
        assert_ne!(a.pseudonym(w47), a.pseudonym(week("2026-W48")));
        assert_ne!(a.pseudonym(w47), b.pseudonym(w47));
        // Unrelated, not merely different: consecutive weeks share no more bytes than chance.
        let (p, q) = (
            a.pseudonym(w47).to_string(),
            a.pseudonym(week("2026-W48")).to_string(),
        );
        let same = p.chars().zip(q.chars()).filter(|(x, y)| x == y).count();
        assert!(same < 16, "{p} and {q} share {same} of 64 digits");
    }

    #[test]
    fn the_pseudonym_is_hmac_sha256_of_the_label_and_week() {
        // As computed by OpenSSL and Python's hmac: printf 'clockoff pseudonym v1\n2026-W47' |
        //   openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '07%.0s' $(seq 32))
        let a = DeviceSecret::from_bytes([7; 32]);
        assert_eq!(
            a.pseudonym(week("2026-W47")).to_string(),
            "2615c9ca5ae749f8491c5c6aeec7a134080e756d8102b4dff039c0f8e8b1a467"
        );
    }

    #[test]
    fn ids_have_one_spelling_and_the_secret_never_prints() {
        let id = ReportId::from_bytes([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!("ab".repeat(16).parse::<ReportId>(), Ok(id));
        for bad in [
            "AB".repeat(16),
            "ab".repeat(15),
            "ab".repeat(17),
            "zz".repeat(16),
        ] {
            assert!(bad.parse::<ReportId>().is_err(), "{bad}");
        }
        let secret = DeviceSecret::from_bytes([0x5a; 32]);
        assert_eq!(
            DeviceSecret::from_text(&secret.to_text()),
            Ok(secret.clone())
        );
        assert_eq!(
            DeviceSecret::from_text(&format!("{}\n", secret.to_text())),
            Ok(secret.clone())
        );
        assert!(DeviceSecret::from_text("5a5a").is_err());
        assert_eq!(format!("{secret:?}"), "DeviceSecret(..)");
    }
}
