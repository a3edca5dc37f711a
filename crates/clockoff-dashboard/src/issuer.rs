//! The week tokens' issuing side ([`clockoff_core::week_token`]): one issuing key per
//! database, made by the first dashboard to start on it, and the keys it replaced, still
//! good for the tokens they issued while those weeks are accepted.
//!
//! Loaded at start: `clockoff-dashboard issuer rotate` (another process) takes effect when
//! the service is restarted.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::store::{Store, StoreError};
use clockoff_core::summary::Pseudonym;
use clockoff_core::week_token::{
    BlindedRequest, Evaluated, IssueProof, IssuerKey, PublicKey, Scope, TokenError, WeekToken,
};

#[derive(Debug)]
pub struct Issuer {
    current: IssuerKey,
    /// Older keys, newest first, with when each was retired.
    retired: Vec<(IssuerKey, DateTime<Utc>)>,
}

#[derive(Debug)]
pub enum IssuerError {
    Store(StoreError),
    Random(getrandom::Error),
    /// A stored key this version cannot read.
    Key(TokenError),
}

impl std::fmt::Display for IssuerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssuerError::Store(e) => write!(f, "the issuing key: {e}"),
            IssuerError::Random(e) => write!(f, "the system's random source failed: {e}"),
            IssuerError::Key(e) => write!(f, "the issuing key: {e}"),
        }
    }
}

impl std::error::Error for IssuerError {}

/// 32 bytes from the system's random source.
pub fn fresh_seed() -> Result<[u8; 32], getrandom::Error> {
    let mut seed = [0; 32];
    getrandom::fill(&mut seed)?;
    Ok(seed)
}

/// A new key's stored form.
pub fn new_key() -> Result<Vec<u8>, IssuerError> {
    let seed = fresh_seed().map_err(IssuerError::Random)?;
    IssuerKey::generate(seed)
        .map(|k| k.to_bytes())
        .map_err(IssuerError::Key)
}

impl Issuer {
    /// The keys stored in `store`, making the first if there is none.
    pub async fn load<S: Store>(store: &S, now: DateTime<Utc>) -> Result<Issuer, IssuerError> {
        let keys = store
            .issuer_keys(new_key()?, now)
            .await
            .map_err(IssuerError::Store)?;
        let mut keys = keys.into_iter();
        let current = keys
            .next()
            .ok_or_else(|| IssuerError::Store(StoreError::Corrupt("no issuing key".into())))?;
        let read = |secret: &[u8]| IssuerKey::from_bytes(secret).map_err(IssuerError::Key);
        let retired = keys
            .map(|k| Ok((read(&k.secret)?, k.retired.unwrap_or(k.created))))
            .collect::<Result<_, IssuerError>>()?;
        Ok(Issuer {
            current: read(&current.secret)?,
            retired,
        })
    }

    pub fn public(&self) -> PublicKey {
        self.current.public()
    }

    /// Evaluates `request` for `scope` with the current key.
    pub fn issue(
        &self,
        request: &BlindedRequest,
        scope: &Scope,
    ) -> Result<(Evaluated, IssueProof), IssueFailure> {
        let seed = fresh_seed().map_err(IssueFailure::Random)?;
        self.current
            .issue(seed, request, scope)
            .map_err(IssueFailure::Request)
    }

    /// Whether `token` was issued for `pseudonym` in `scope`, by the current key or one it
    /// replaced (a token fetched during the week, spent after a rotation).
    pub fn redeem(&self, pseudonym: &Pseudonym, scope: &Scope, token: &WeekToken) -> bool {
        std::iter::once(&self.current)
            .chain(self.retired.iter().map(|(k, _)| k))
            .any(|key| key.redeem(pseudonym, scope, token))
    }

    /// The published key document: the current key, and the one it replaced (the rotation
    /// notice an agent that pinned the older key accepts the new one by).
    pub fn document(&self) -> Value {
        let key = self.current.public();
        json!({
            "suite": "POPRF(ristretto255, SHA-512), RFC 9497",
            "key": key.to_string(),
            "fingerprint": key.fingerprint(),
            "replaces": self.retired.first().map(|(k, _)| k.public().to_string()),
        })
    }
}

#[derive(Debug)]
pub enum IssueFailure {
    Random(getrandom::Error),
    /// The request is not a group element.
    Request(TokenError),
}
