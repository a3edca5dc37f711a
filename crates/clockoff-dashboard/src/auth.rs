//! Who is asking: a token (from a `Bearer` header today, a sign-in session's cookie later)
//! resolved to the unit and role it was made for, and what that may read. The API and the
//! pages both come through here.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use super::org::Org;
use super::rule::units::UnitIndex;
use super::store::{Store, StoreError};
use super::token::{Role, TokenHash, claimed_role};

/// A resolved token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub unit: UnitIndex,
    pub role: Role,
}

#[derive(Debug)]
pub enum AuthError {
    /// Credentials given but not a token we issued (or its unit is no longer configured).
    Invalid,
    Store(StoreError),
}

/// The token in an `Authorization: Bearer ...` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The unit and role `token` was made for.
pub async fn resolve<S: Store>(store: &S, org: &Org, token: &str) -> Result<Principal, AuthError> {
    // Malformed text cannot be a token of ours: refuse it without touching the database.
    let claimed = claimed_role(token).ok_or(AuthError::Invalid)?;
    // Found by its hash: a lookup's timing can tell only about hashes, which give no token.
    let record = store
        .token(TokenHash::of(token))
        .await
        .map_err(AuthError::Store)?
        .ok_or(AuthError::Invalid)?;
    if record.role != claimed {
        return Err(AuthError::Invalid);
    }
    // A token for a unit since removed from the configuration grants nothing.
    let unit = org.tree().index(&record.unit).ok_or(AuthError::Invalid)?;
    Ok(Principal {
        unit,
        role: record.role,
    })
}

/// Whether `who` may read `unit` (by id): a viewer reads its own unit and every unit below
/// it. `false` for a unit that does not exist, so the answer says nothing about existence.
pub fn may_read(org: &Org, who: Principal, unit: &str) -> Option<UnitIndex> {
    let tree = org.tree();
    let u = tree.index(unit)?;
    (who.role == Role::Viewer && tree.covers(who.unit, u)).then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::units::UnitTree;

    #[test]
    fn viewers_read_their_unit_and_below_only() {
        let tree = UnitTree::new([
            ("org", None),
            ("svc", Some("org")),
            ("team-a", Some("svc")),
            ("team-b", Some("svc")),
        ])
        .unwrap();
        let org = Org::new(tree, []);
        let at = |id: &str, role| Principal {
            unit: org.tree().index(id).unwrap(),
            role,
        };
        let svc = at("svc", Role::Viewer);
        assert!(may_read(&org, svc, "team-a").is_some());
        assert!(may_read(&org, svc, "svc").is_some());
        assert!(may_read(&org, svc, "org").is_none());
        assert!(may_read(&org, svc, "nowhere").is_none());
        let a = at("team-a", Role::Viewer);
        assert!(may_read(&org, a, "team-b").is_none());
        assert!(may_read(&org, a, "svc").is_none());
        assert!(may_read(&org, at("svc", Role::Reporter), "svc").is_none());
    }

    #[test]
    fn bearer_reads_the_header_case_insensitively() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer cod_v_x".parse().unwrap());
        assert_eq!(bearer(&h), Some("cod_v_x"));
        h.insert(AUTHORIZATION, "bearer  cod_v_x ".parse().unwrap());
        assert_eq!(bearer(&h), Some("cod_v_x"));
        h.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
