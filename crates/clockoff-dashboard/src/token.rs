//! Access tokens: `cod_r_` (reporter: a team's laptops enrol and send with it) or `cod_v_`
//! (viewer: a manager reads with it), then 32 random bytes as 64 lowercase hex digits; and
//! device credentials, `cod_d_` in the same form, one per enrolled laptop ([`generate_device`]). The prefix makes
//! a leaked token recognisable (secret scanners, logs); the server keeps only its SHA-256, so
//! a copy of the database gives no working token.

use std::fmt;

use clockoff_core::hex::{hex, unhex};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends weekly summaries for its unit.
    Reporter,
    /// Reads released figures for its unit and the units below it.
    Viewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "reporter" => Some(Role::Reporter),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Role::Reporter => "cod_r_",
            Role::Viewer => "cod_v_",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A token's SHA-256, as stored: 64 lowercase hex digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of whatever was presented (a well-formed token or not).
    pub fn of(token: &str) -> TokenHash {
        TokenHash(hex(&Sha256::digest(token.as_bytes())))
    }

    pub fn from_stored(text: String) -> TokenHash {
        TokenHash(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How `token list` and `token revoke` name the token: the hash's first 12 hex digits.
    /// Safe to show and to log: it gives no way back to the token.
    pub fn id(&self) -> &str {
        self.0.get(..ID_LEN).unwrap_or(&self.0)
    }
}

/// Hex digits of a token's [`TokenHash::id`].
pub const ID_LEN: usize = 12;

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Short: enough to tell two apart in a test failure.
        write!(f, "TokenHash({}..)", self.0.get(..8).unwrap_or(""))
    }
}

/// A newly made token: the text is shown once, then only the hash is kept.
pub struct NewToken {
    pub text: String,
    pub hash: TokenHash,
    pub role: Role,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NewToken({}, {:?})", self.role, self.hash)
    }
}

/// A token of `role` from 32 bytes of the system's random source.
pub fn generate(role: Role) -> Result<NewToken, getrandom::Error> {
    Ok(from_bytes(role, random_bytes()?))
}

fn random_bytes() -> Result<[u8; 32], getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// Whether `text` is `prefix` then 64 lowercase hex digits: the shape of all we hand out.
fn shaped(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|digits| unhex::<32>(digits).is_some())
}

fn from_bytes(role: Role, bytes: [u8; 32]) -> NewToken {
    let text = format!("{}{}", role.prefix(), hex(&bytes));
    NewToken {
        hash: TokenHash::of(&text),
        text,
        role,
    }
}

/// A laptop's device credential, made when it enrols: shown to the laptop once, then only
/// its hash is kept (in the `devices` table, not beside the access tokens: it grants
/// nothing but week tokens for its unit).
pub struct NewDevice {
    pub text: String,
    pub hash: TokenHash,
}

const DEVICE_PREFIX: &str = "cod_d_";

pub fn generate_device() -> Result<NewDevice, getrandom::Error> {
    let text = format!("{DEVICE_PREFIX}{}", hex(&random_bytes()?));
    Ok(NewDevice {
        hash: TokenHash::of(&text),
        text,
    })
}

/// Whether `text` is shaped like a device credential (only a stored hash grants anything).
pub fn is_device_credential(text: &str) -> bool {
    shaped(text, DEVICE_PREFIX)
}

/// The role a token's text claims, if it is shaped like one of ours. Only a stored hash
/// grants anything; this lets a request with a malformed token be refused without a lookup.
pub fn claimed_role(token: &str) -> Option<Role> {
    [Role::Reporter, Role::Viewer]
        .into_iter()
        .find(|r| shaped(token, r.prefix()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = generate(Role::Reporter).unwrap();
        let b = generate(Role::Reporter).unwrap();
        assert!(a.text.starts_with("cod_r_"), "{}", a.text);
        assert_eq!(a.text.len(), 6 + 64);
        assert_ne!(a.text, b.text);
        assert_eq!(a.hash, TokenHash::of(&a.text));
        assert!(!format!("{a:?}").contains(&a.text[6..]));
        assert_eq!(claimed_role(&a.text), Some(Role::Reporter));
        let v = from_bytes(Role::Viewer, [0xab; 32]);
        assert_eq!(v.text, format!("cod_v_{}", "ab".repeat(32)));
        assert_eq!(claimed_role(&v.text), Some(Role::Viewer));
        // sha256("cod_v_abab...") is not the text, and has the stored shape.
        assert_eq!(v.hash.as_str().len(), 64);
        for bad in [
            "",
            "cod_r_",
            "cod_x_00",
            &v.text[..69],
            &v.text.to_uppercase(),
        ] {
            assert_eq!(claimed_role(bad), None, "{bad}");
        }
    }

    #[test]
    fn device_credentials_are_their_own_kind() {
        let d = generate_device().unwrap();
        assert!(d.text.starts_with("cod_d_") && is_device_credential(&d.text));
        assert_eq!(d.hash, TokenHash::of(&d.text));
        assert_eq!(claimed_role(&d.text), None);
        let reporter = generate(Role::Reporter).unwrap();
        assert!(!is_device_credential(&reporter.text));
        assert!(!is_device_credential(&d.text[..69]));
    }

    #[test]
    fn the_hash_is_sha256_of_the_whole_text() {
        // printf 'cod_r_test' | sha256sum
        assert_eq!(
            TokenHash::of("cod_r_test").as_str(),
            "d3af09dc74aa7eead0a67e154de16dde957226e7e82e1d56229a353958bab152"
        );
    }
}
