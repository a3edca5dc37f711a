//! `POST /api/v1/devices`: a laptop enrols with its team's reporter token and receives a
//! device credential of its own (`cod_d_...`, shown once; only its hash is kept), with the
//! issuing key it pins and how many laptops its team has enrolled.
//!
//! 401/403 as for reports; 403 when the unit declares no `max_devices` (its headcount): a
//! unit without one could be padded with laptops without limit, and through it every unit
//! above it; 409 when the unit has its `max_devices` enrolled already (logged with the unit:
//! an administrator must know a team is full, or padded). No body is read.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::store::{Enrolment, Store};
use crate::token::{self, Role};

pub async fn post_device<S: Store>(
    State(app): State<AppState<S>>,
    req: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = app.require(req.headers(), Role::Reporter).await?;
    let org = &app.service.org;
    let unit = org.tree().id(who.unit).to_string();
    let Some(max) = org.max_devices(who.unit) else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{} has no max_devices (its headcount) in the dashboard's configuration, and \
                 laptops enrol only where one is declared: ask the dashboard's administrator",
                org.name_of(who.unit)
            ),
        ));
    };
    let device = token::generate_device().map_err(|e| app.failed(&e))?;
    let enrolment = app
        .store
        .enrol_device(device.hash, unit.clone(), app.clock.now(), Some(max))
        .await
        .map_err(|e| app.failed(&e))?;
    match enrolment {
        // Not logged beyond the access log's line: when a team's laptops enrol says who
        // is new, and the team page shows the count.
        Enrolment::Enrolled { devices } => {
            let key = app.issuer.public();
            Ok((
                StatusCode::CREATED,
                Json(json!({
                    "device": device.text,
                    "unit": unit,
                    "unit_name": org.name_of(who.unit),
                    "key": key.to_string(),
                    "fingerprint": key.fingerprint(),
                    "enrolled": devices,
                    "max_devices": max,
                })),
            ))
        }
        Enrolment::Full { devices } => {
            (app.log)(&format!(
                "enrolment refused: unit {unit} has {devices} laptops enrolled, its max_devices"
            ));
            Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "{} has all {devices} of its laptops enrolled (max_devices); if a laptop \
                     was replaced, the dashboard's administrator revokes the old one",
                    org.name_of(who.unit)
                ),
            ))
        }
    }
}
