//! `POST /api/v1/reports`: an agent sends one weekly summary with its team's reporter token,
//! and the week token ([`super::week_tokens`]) for its pseudonym in the header
//! [`week_token::HEADER`]: one report per enrolled laptop per week, and no way to tell whose.
//!
//! Checked in this order, and nothing is stored unless every check passes:
//! token (401 none or unknown, 403 not a reporter token), `Content-Type: application/json`
//! (415), size (413 over [`MAX_BODY`]), shape (400: not JSON, an unknown or missing field, a
//! malformed id or week), values (400: [`WeeklySummary::check`]), week (422: not ended yet;
//! 410, final: ended more than `weeks_accepted` weeks ago, unless it is a retry of a report
//! received in time: 200), the week token (403: none, or not the one issued for this
//! pseudonym, team and week). Then the store: 201 stored (or replacing the same pseudonym's
//! earlier summary for the week), 200 a retry of a report already received (under its week
//! and pseudonym), 410 a week published already.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::rule::window;
use crate::store::{Put, Store};
use crate::token::Role;
use clockoff_core::record::week;
use clockoff_core::summary::WeeklySummary;
use clockoff_core::week_token::{self, Scope, WeekToken};

/// A summary is about 400 bytes; 4 KiB leaves room and refuses anything else early.
pub const MAX_BODY: usize = 4096;

pub async fn post_report<S: Store>(
    State(app): State<AppState<S>>,
    req: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = app.require(req.headers(), Role::Reporter).await?;
    // Read now (the body read takes the request), refused in its turn below.
    let token = week_token(req.headers());
    if !is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
        ));
    }
    // The route's DefaultBodyLimit caps this read at MAX_BODY.
    let body = Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a report is at most {MAX_BODY} bytes"),
            )
        } else {
            ApiError::bad_request("the body could not be read")
        }
    })?;
    let summary = read_summary(&body)?;
    let answer = |status, stored: &str| {
        (
            status,
            Json(json!({ "stored": stored, "week": week::name(summary.week) })),
        )
    };
    if let Err(refusal) = window::accepts(summary.week, app.clock.now(), app.service.weeks_accepted)
    {
        // A report that counted, its 201 lost and the laptop away until the window closed,
        // is told so: "not counted" would be untrue, and the agent would say it.
        let received_in_time = matches!(refusal, window::Refusal::TooOld)
            && app
                .store
                .was_received(&summary)
                .await
                .map_err(|e| app.failed(&e))?;
        if received_in_time {
            return Ok(answer(StatusCode::OK, "already"));
        }
        return Err(outside_window(
            &summary,
            refusal,
            app.service.weeks_accepted,
        ));
    }
    let unit = app.service.org.tree().id(who.unit).to_string();
    let scope = Scope {
        unit: &unit,
        week: summary.week,
    };
    if !app.issuer.redeem(&summary.pseudonym, &scope, &token?) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "the week token is not the one this team's laptop was issued for {}",
                week::name(summary.week)
            ),
        ));
    }
    let put = app
        .store
        .put_report(unit, summary.clone(), app.clock.now())
        .await
        .map_err(|e| app.failed(&e))?;
    match put {
        Put::Stored => Ok(answer(StatusCode::CREATED, "new")),
        Put::Replaced => Ok(answer(StatusCode::CREATED, "replaced")),
        Put::Replay => Ok(answer(StatusCode::OK, "already")),
        // Published already (under a shorter `weeks_accepted`, or by another dashboard on
        // the database): the week is shown as it was and this report would never count.
        Put::Closed => Err(ApiError::new(
            StatusCode::GONE,
            format!(
                "{}: the week's figures are published and no longer change",
                week::name(summary.week)
            ),
        )),
    }
}

/// The week token a report carries: 403 without one (an agent from before enrolment).
fn week_token(headers: &HeaderMap) -> Result<WeekToken, ApiError> {
    let value = headers.get(week_token::HEADER).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "a report needs its week token (one per enrolled laptop and week): update clockoff",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("{}: not 128 hex digits", week_token::HEADER)))
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The body as a summary: strict shape, checked values.
fn read_summary(body: &[u8]) -> Result<WeeklySummary, ApiError> {
    let summary: WeeklySummary = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("not a weekly summary: {e}")))?;
    summary.check().map_err(ApiError::bad_request)?;
    Ok(summary)
}

/// The answer to a week outside the window: too old is final (410: the agent stops trying);
/// not ended yet is not (422).
fn outside_window(
    summary: &WeeklySummary,
    refusal: window::Refusal,
    weeks_accepted: u32,
) -> ApiError {
    let status = match refusal {
        window::Refusal::NotStarted | window::Refusal::NotEnded => StatusCode::UNPROCESSABLE_ENTITY,
        window::Refusal::TooOld => StatusCode::GONE,
    };
    ApiError::new(
        status,
        format!(
            "{}: {}",
            week::name(summary.week),
            refusal.message(weeks_accepted)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("Application/JSON"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
