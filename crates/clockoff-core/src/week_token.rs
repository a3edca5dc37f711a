//! Week tokens: how the dashboard counts each enrolled laptop at most once a week without
//! being able to tell whose report is whose.
//!
//! The protocol is the partially-oblivious PRF of RFC 9497 (POPRF, ristretto255-SHA512), the
//! primitive Privacy Pass issues its tokens with:
//! 1. The laptop blinds its week's pseudonym ([`blind`]) and sends the blinded element with
//!    its device credential. The dashboard evaluates it under its issuing key, tweaked by the
//!    public [`Scope`] (the unit and the week), and proves (DLEQ) that it used the key it
//!    publishes ([`IssuerKey::issue`]). It sees a random-looking group element, so it cannot
//!    later tell which pseudonym it evaluated.
//! 2. The laptop unblinds the answer ([`Blinding::finish`]), checking the proof against the
//!    key it pinned at enrolment, and holds the token: the PRF's output on its pseudonym.
//! 3. The report carries the pseudonym and the token; the dashboard computes the PRF on the
//!    pseudonym under the report's unit and week ([`IssuerKey::redeem`]) and compares.
//!
//! A token is good for one pseudonym, one unit and one week. The dashboard issues one per
//! device per week and keeps one report per pseudonym and week, so a team's reports are at
//! most its enrolled laptops.
//!
//! Why a POPRF and not RSA blind signatures (RFC 9474): the unit and the week are bound into
//! the evaluation as public metadata, so a token issued for one team's week cannot be spent
//! on another team or week; RFC 9474 carries no metadata (its partially blind variant is a
//! draft), and an RSA key per unit and week would be a key the laptop has no way to check.
//! The dashboard both issues and redeems, so a privately verifiable token is enough.

use std::fmt;

use chrono::IsoWeek;
use hmac::{Hmac, KeyInit, Mac};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use voprf::{
    BlindedElement, EvaluationElement, Group, PoprfClient, PoprfServer, Proof, Ristretto255,
};

use crate::hex::{hex, hex_id};
use crate::record::week;
use crate::summary::{DeviceSecret, Pseudonym};

/// The request header a report's week token travels in.
pub const HEADER: &str = "clockoff-week-token";

/// Where a dashboard publishes its issuing key (`GET`), for laptops to pin and check.
pub const ISSUER_PATH: &str = "/.well-known/clockoff-issuer";

/// What a token is good for: one unit's reports for one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    pub unit: &'a str,
    pub week: IsoWeek,
}

impl Scope<'_> {
    /// The POPRF's public input: a label, the unit (length first, so no unit and week can be
    /// read as another pair) and the week's name.
    fn info(&self) -> Vec<u8> {
        let unit = self.unit.as_bytes();
        let mut info = Vec::with_capacity(LABEL.len() + 2 + unit.len() + 8);
        info.extend_from_slice(LABEL);
        // Unit ids are short names; a longer one cannot be a unit and fails as input.
        info.extend_from_slice(&u16::try_from(unit.len()).unwrap_or(u16::MAX).to_be_bytes());
        info.extend_from_slice(unit);
        info.extend_from_slice(week::name(self.week).as_bytes());
        info
    }
}

const LABEL: &[u8] = b"clockoff week token v1\n";

/// The dashboard's public issuing key: a ristretto255 element, 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct PublicKey([u8; 32]);
hex_id!(PublicKey, "issuing key");

impl PublicKey {
    /// Short enough to read aloud and compare with a colleague's: the first 64 bits of the
    /// key's SHA-256, in four groups ("3f2a 91c0 77de 0b41").
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0);
        hex(&digest[..8])
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A blinded pseudonym, as the laptop sends it to be evaluated: 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct BlindedRequest([u8; 32]);
hex_id!(BlindedRequest, "blinded request");

/// The dashboard's evaluation of a [`BlindedRequest`]: 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Evaluated([u8; 32]);
hex_id!(Evaluated, "evaluated element");

/// The proof that an [`Evaluated`] was made with the published key: 128 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct IssueProof([u8; 64]);
hex_id!(IssueProof, "proof");

/// A week's token, as the report carries it: 128 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct WeekToken([u8; 64]);
hex_id!(WeekToken, "week token");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Bytes that are not a group element or scalar of the suite.
    Malformed(&'static str),
    /// The answer was not made with the key the laptop expects.
    WrongKey,
    /// The key's random source failed.
    Random,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed(what) => write!(f, "{what} is not a valid ristretto255 value"),
            TokenError::WrongKey => {
                f.write_str("the dashboard's answer was not made with its published issuing key")
            }
            TokenError::Random => f.write_str("the random source failed"),
        }
    }
}

impl std::error::Error for TokenError {}

/// The dashboard's secret issuing key.
pub struct IssuerKey {
    server: PoprfServer<Ristretto255>,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuerKey({:?})", self.public())
    }
}

impl IssuerKey {
    /// A new key from 32 fresh random bytes (the caller draws them: the core reads no
    /// random source).
    pub fn generate(seed: [u8; 32]) -> Result<IssuerKey, TokenError> {
        let server = PoprfServer::new(&mut SeededRng::new(seed)).map_err(|_| TokenError::Random)?;
        Ok(IssuerKey { server })
    }

    /// As stored by the dashboard: [`IssuerKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<IssuerKey, TokenError> {
        let server = PoprfServer::deserialize(bytes)
            .map_err(|_| TokenError::Malformed("the stored issuing key"))?;
        Ok(IssuerKey { server })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.server.serialize().to_vec()
    }

    pub fn public(&self) -> PublicKey {
        let bytes = <Ristretto255 as Group>::serialize_elem(self.server.get_public_key());
        PublicKey(bytes.into())
    }

    /// Evaluates a laptop's blinded request for `scope`, with the proof that this key did;
    /// `seed` is 32 fresh random bytes for the proof's nonce.
    pub fn issue(
        &self,
        seed: [u8; 32],
        request: &BlindedRequest,
        scope: &Scope,
    ) -> Result<(Evaluated, IssueProof), TokenError> {
        let blinded = BlindedElement::<Ristretto255>::deserialize(&request.0)
            .map_err(|_| TokenError::Malformed("the blinded request"))?;
        let result = self
            .server
            .blind_evaluate(&mut SeededRng::new(seed), &blinded, Some(&scope.info()))
            .map_err(|_| TokenError::Malformed("the blinded request"))?;
        Ok((
            Evaluated(result.message.serialize().into()),
            IssueProof(result.proof.serialize().into()),
        ))
    }

    /// Whether `token` is the one issued for `pseudonym` in `scope`. Constant time in the
    /// token, so a guesser learns nothing from how long a refusal takes.
    pub fn redeem(&self, pseudonym: &Pseudonym, scope: &Scope, token: &WeekToken) -> bool {
        let Ok(expected) = self
            .server
            .evaluate(pseudonym.as_bytes(), Some(&scope.info()))
        else {
            return false;
        };
        let differ = expected
            .iter()
            .zip(token.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        expected.len() == token.0.len() && differ == 0
    }
}

/// A laptop's request for one week's token, kept until the answer comes back.
pub struct Blinding {
    client: PoprfClient<Ristretto255>,
    request: BlindedRequest,
    pseudonym: Pseudonym,
}

/// Blinds `week`'s pseudonym. Deterministic in the device secret and the week: asked again
/// after a lost answer, the dashboard sees the same request (and may answer it again).
pub fn blind(secret: &DeviceSecret, week: IsoWeek) -> Result<Blinding, TokenError> {
    blind_pseudonym(secret.pseudonym(week), secret.blinding_seed(week))
}

/// Blinds `pseudonym` with a blinding factor drawn from `seed` (secret: whoever knows it can
/// link the request to the token). [`blind`] is the laptop's use; tests and benchmarks blind
/// pseudonyms of their own.
pub fn blind_pseudonym(pseudonym: Pseudonym, seed: [u8; 32]) -> Result<Blinding, TokenError> {
    let mut rng = SeededRng::new(seed);
    let result = PoprfClient::<Ristretto255>::blind(pseudonym.as_bytes(), &mut rng)
        .map_err(|_| TokenError::Malformed("the pseudonym"))?;
    Ok(Blinding {
        client: result.state,
        request: BlindedRequest(result.message.serialize().into()),
        pseudonym,
    })
}

impl Blinding {
    pub fn request(&self) -> BlindedRequest {
        self.request
    }

    /// The token, once the proof shows the answer was made with `key` for `scope`.
    pub fn finish(
        &self,
        evaluated: &Evaluated,
        proof: &IssueProof,
        key: &PublicKey,
        scope: &Scope,
    ) -> Result<WeekToken, TokenError> {
        let element = EvaluationElement::<Ristretto255>::deserialize(&evaluated.0)
            .map_err(|_| TokenError::Malformed("the evaluated element"))?;
        let proof = Proof::<Ristretto255>::deserialize(&proof.0)
            .map_err(|_| TokenError::Malformed("the proof"))?;
        let key = <Ristretto255 as Group>::deserialize_elem(&key.0)
            .map_err(|_| TokenError::Malformed("the issuing key"))?;
        let output = self
            .client
            .finalize(
                self.pseudonym.as_bytes(),
                &element,
                &proof,
                key,
                Some(&scope.info()),
            )
            .map_err(|_| TokenError::WrongKey)?;
        let mut token = [0; 64];
        token.copy_from_slice(&output);
        Ok(WeekToken(token))
    }
}

/// A deterministic random stream from a 32-byte secret seed: HMAC-SHA256 of a counter (the
/// HMAC-based expansion of HKDF and HMAC_DRBG). The seed is fresh randomness (a key, a
/// proof's nonce) or, for the blinding factor, derived from the device secret, which never
/// leaves the laptop.
struct SeededRng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl SeededRng {
    fn new(seed: [u8; 32]) -> SeededRng {
        SeededRng {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }
}

impl RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            if self.used == self.block.len() {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.seed)
                    .expect("HMAC takes a key of any length");
                mac.update(&self.counter.to_be_bytes());
                self.block = mac.finalize().into_bytes().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(name: &str) -> IsoWeek {
        week::parse(name).unwrap()
    }

    /// A test key from a fixed seed.
    fn issuer(seed: u8) -> IssuerKey {
        IssuerKey::generate([seed; 32]).unwrap()
    }

    fn token_for(
        issuer: &IssuerKey,
        secret: &DeviceSecret,
        scope: &Scope,
    ) -> Result<WeekToken, TokenError> {
        let blinding = blind(secret, scope.week)?;
        let (evaluated, proof) = issuer.issue([9; 32], &blinding.request(), scope)?;
        blinding.finish(&evaluated, &proof, &issuer.public(), scope)
    }

    #[test]
    fn a_token_redeems_for_its_pseudonym_unit_and_week_only() {
        let issuer = issuer(1);
        let secret = DeviceSecret::from_bytes([7; 32]);
        let w49 = week("2026-W49");
        let scope = Scope {
            unit: "north/team-a",
            week: w49,
        };
        let token = token_for(&issuer, &secret, &scope).unwrap();
        let pseudonym = secret.pseudonym(w49);
        assert!(issuer.redeem(&pseudonym, &scope, &token));
        // Another unit, another week, another pseudonym, another key: refused.
        let other_unit = Scope {
            unit: "north/team-b",
            ..scope
        };
        assert!(!issuer.redeem(&pseudonym, &other_unit, &token));
        let other_week = Scope {
            week: week("2026-W50"),
            ..scope
        };
        assert!(!issuer.redeem(&pseudonym, &other_week, &token));
        let someone_else = DeviceSecret::from_bytes([8; 32]).pseudonym(w49);
        assert!(!issuer.redeem(&someone_else, &scope, &token));
        assert!(!self::issuer(2).redeem(&pseudonym, &scope, &token));
        // A unit and week cannot be shifted into each other.
        let shifted = Scope {
            unit: "north/team-a2026-W4",
            week: week("2026-W09"),
        };
        assert_ne!(shifted.info(), scope.info());
    }

    #[test]
    fn the_laptop_refuses_an_answer_made_with_another_key() {
        let honest = issuer(1);
        let tagging = issuer(2);
        let secret = DeviceSecret::from_bytes([7; 32]);
        let scope = Scope {
            unit: "team",
            week: week("2026-W49"),
        };
        let blinding = blind(&secret, scope.week).unwrap();
        let (evaluated, proof) = tagging.issue([3; 32], &blinding.request(), &scope).unwrap();
        assert_eq!(
            blinding.finish(&evaluated, &proof, &honest.public(), &scope),
            Err(TokenError::WrongKey)
        );
        // Nor an answer for another scope under the right key.
        let (evaluated, proof) = honest
            .issue(
                [3; 32],
                &blinding.request(),
                &Scope {
                    unit: "other",
                    ..scope
                },
            )
            .unwrap();
        assert_eq!(
            blinding.finish(&evaluated, &proof, &honest.public(), &scope),
            Err(TokenError::WrongKey)
        );
    }

    #[test]
    fn a_request_is_the_same_each_time_and_unlinkable_to_the_pseudonym() {
        let secret = DeviceSecret::from_bytes([7; 32]);
        let w49 = week("2026-W49");
        let a = blind(&secret, w49).unwrap();
        assert_eq!(a.request(), blind(&secret, w49).unwrap().request());
        assert_ne!(
            a.request(),
            blind(&secret, week("2026-W50")).unwrap().request()
        );
        // What the dashboard sees at issuance shares nothing with what it sees in the report.
        let request = a.request().to_string();
        assert_ne!(request, secret.pseudonym(w49).to_string());
        let token = token_for(
            &issuer(1),
            &secret,
            &Scope {
                unit: "t",
                week: w49,
            },
        )
        .unwrap()
        .to_string();
        assert!(!token.contains(&request[..16]) && !request.contains(&token[..16]));
    }

    #[test]
    fn keys_round_trip_and_bad_bytes_are_errors_not_panics() {
        let key = issuer(1);
        let again = IssuerKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(again.public(), key.public());
        assert_eq!(key.public().to_string().len(), 64);
        assert_eq!(key.public().fingerprint().len(), 19);
        assert!(IssuerKey::from_bytes(&[0xff; 32]).is_err());
        assert!(IssuerKey::from_bytes(&[]).is_err());
        let request: BlindedRequest = "ff".repeat(32).parse().unwrap();
        let scope = Scope {
            unit: "t",
            week: week("2026-W49"),
        };
        assert!(matches!(
            key.issue([0; 32], &request, &scope),
            Err(TokenError::Malformed(_))
        ));
        let blinding = blind(&DeviceSecret::from_bytes([7; 32]), scope.week).unwrap();
        let bad_key: PublicKey = "ff".repeat(32).parse().unwrap();
        let (e, p) = key.issue([0; 32], &blinding.request(), &scope).unwrap();
        assert!(blinding.finish(&e, &p, &bad_key, &scope).is_err());
    }

    #[test]
    fn the_seeded_stream_is_hmac_sha256_of_a_counter() {
        let mut rng = SeededRng::new([0; 32]);
        let mut first = [0; 40];
        rng.fill_bytes(&mut first);
        let block = |n: u64| -> [u8; 32] {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[0; 32]).unwrap();
            mac.update(&n.to_be_bytes());
            mac.finalize().into_bytes().into()
        };
        assert_eq!(first[..32], block(0));
        assert_eq!(first[32..], block(1)[..8]);
    }
}
