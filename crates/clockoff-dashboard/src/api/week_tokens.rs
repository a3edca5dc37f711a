//! `POST /api/v1/tokens`: an enrolled laptop asks for its week token
//! ([`clockoff_core::week_token`]) with its device credential and a blinded request; and
//! `GET /.well-known/clockoff-issuer`, the key the answers are proved against.
//!
//! One token per laptop per week: the same request again is answered again (its answer may
//! have been lost; it gives the same token), another request for the same week is refused
//! (409). The week must have begun somewhere and still be accepted (422, 410). What is
//! stored is which laptop had its token for which week, never the token: the dashboard
//! cannot tell later which report it belongs to.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use crate::issuer::IssueFailure;
use crate::rule::window;
use crate::store::{Issuance, Store};
use clockoff_core::hex::hex;
use clockoff_core::record::week;
use clockoff_core::week_token::{BlindedRequest, Scope};

/// A request is about 110 bytes.
pub const MAX_BODY: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    week: String,
    request: BlindedRequest,
}

pub async fn post_token<S: Store>(
    State(app): State<AppState<S>>,
    req: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (device, record) = app.require_device(req.headers()).await?;
    if !super::ingest::is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
        ));
    }
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large"))?;
    let asked: TokenRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("not a week token request: {e}")))?;
    let w = week::parse(&asked.week).map_err(ApiError::bad_request)?;
    let name = week::name(w);
    if let Err(refusal) = window::issues(w, app.clock.now(), app.service.weeks_accepted) {
        let status = match refusal {
            window::Refusal::TooOld => StatusCode::GONE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let why = refusal.message(app.service.weeks_accepted);
        return Err(ApiError::new(status, format!("{name}: {why}")));
    }
    // Evaluated before it is recorded: a request that is not a group element takes no
    // week from the laptop.
    let scope = Scope {
        unit: &record.unit,
        week: w,
    };
    let (evaluated, proof) = app
        .issuer
        .issue(&asked.request, &scope)
        .map_err(|e| match e {
            IssueFailure::Request(e) => ApiError::bad_request(format!("request: {e}")),
            IssueFailure::Random(e) => app.failed(&e),
        })?;
    let request_hash = hex(&Sha256::digest(asked.request.to_string().as_bytes()));
    let issuance = app
        .store
        .record_issuance(w, device, request_hash)
        .await
        .map_err(|e| app.failed(&e))?;
    if issuance == Issuance::Taken {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("this laptop has had its token for {name}"),
        ));
    }
    let enrolled = app
        .store
        .enrolled_devices(record.unit.clone())
        .await
        .map_err(|e| app.failed(&e))?;
    let key = app.issuer.public();
    Ok((
        StatusCode::OK,
        Json(json!({
            "week": name,
            "unit": record.unit,
            "evaluated": evaluated.to_string(),
            "proof": proof.to_string(),
            "key": key.to_string(),
            "enrolled": enrolled,
        })),
    ))
}

/// The issuing key, for anyone: an agent pins it at enrolment and checks it after.
pub async fn get_issuer<S: Store>(State(app): State<AppState<S>>) -> Json<Value> {
    Json(app.issuer.document())
}
