//! The HTTP API's handlers, generic over the store. Routing and serving are in
//! [`super::server`].

pub mod devices;
pub mod error;
pub mod ingest;
pub mod read;
pub mod week_tokens;

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};

use chrono::IsoWeek;

use super::access_log::LogSink;
use super::auth::{self, AuthError, Principal};
use super::history::{self, PublishedWeeks, WeekOutcomes};
use super::issuer::Issuer;
use super::service::Service;
use super::sessions::Sessions;
use super::store::{DeviceRecord, Store, StoreError};
use super::token::{self, Role, TokenHash};
use clockoff_core::clock::Clock;
use error::ApiError;

/// Everything a handler needs. Cheap to clone (axum clones it per request).
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub service: Arc<Service>,
    /// The only source of "now" (the week window, received times).
    pub clock: Arc<dyn Clock>,
    pub log: LogSink,
    /// Sign-in sessions of the pages (in memory: a restart signs everyone out).
    pub sessions: Sessions,
    /// Weeks released once and kept, as no report can change them any more.
    pub published_weeks: PublishedWeeks,
    /// The week tokens' keys.
    pub issuer: Arc<Issuer>,
}

impl<S: Store> AppState<S> {
    /// Every unit's outcome for each week of `range` ([`history::released`]).
    pub async fn released(
        &self,
        range: (IsoWeek, IsoWeek),
    ) -> Result<Vec<Arc<WeekOutcomes>>, StoreError> {
        let now = self.clock.now();
        history::released(
            &self.store,
            &self.service,
            &self.published_weeks,
            range,
            now,
        )
        .await
    }

    /// The caller's token, which must be of `role`: 401 without a valid token, 403 with one
    /// of the other role.
    pub async fn require(&self, headers: &HeaderMap, role: Role) -> Result<Principal, ApiError> {
        let token = auth::bearer(headers).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "an Authorization: Bearer token is needed",
            )
        })?;
        let who = auth::resolve(&self.store, &self.service.org, token)
            .await
            .map_err(|e| match e {
                AuthError::Invalid => {
                    ApiError::new(StatusCode::UNAUTHORIZED, "the token is not valid")
                }
                AuthError::Store(e) => self.failed(&e),
            })?;
        if who.role != role {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("this needs a {role} token"),
            ));
        }
        Ok(who)
    }

    /// The enrolled laptop whose device credential the caller presents: 401 otherwise.
    pub async fn require_device(
        &self,
        headers: &HeaderMap,
    ) -> Result<(TokenHash, DeviceRecord), ApiError> {
        let refused = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "this laptop's device credential is not valid here (revoked, or enrolled with \
                 another dashboard): it enrols again with the team's token",
            )
        };
        let credential = auth::bearer(headers)
            .filter(|t| token::is_device_credential(t))
            .ok_or_else(refused)?;
        let hash = TokenHash::of(credential);
        match self.store.device(hash.clone()).await {
            Ok(Some(record)) => Ok((hash, record)),
            Ok(None) => Err(refused()),
            Err(e) => Err(self.failed(&e)),
        }
    }

    /// Logs a storage failure (its cause names no person) and gives the client a plain 500.
    pub fn failed(&self, e: &dyn std::fmt::Display) -> ApiError {
        (self.log)(&format!("error: {e}"));
        ApiError::internal()
    }
}
