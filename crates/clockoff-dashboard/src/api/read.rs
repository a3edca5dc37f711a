//! `GET /api/v1/units/{unit}/weeks?from=2026-W01&to=2026-W48`: with a viewer token for the
//! unit or a unit above it, the released figures per week for the unit, its children and the
//! organisation (the "org's line" on a chart). Every figure comes from
//! [`crate::rule::week::Week::release`] over all of that week's stored reports, so a
//! unit is shown exactly when the release rule allows.
//!
//! 400 a malformed or too long range, 401 no or unknown token, 403 a reporter token, or a
//! unit the token may not read (or that does not exist: the same answer).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use chrono::{Datelike, IsoWeek, TimeDelta};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use crate::rule::figures::{Band, Figures};
use crate::service::Service;
use clockoff_core::record::week;
use std::sync::Arc;

use crate::history::WeekOutcomes;
use crate::rule::release::Reason;
use crate::rule::units::UnitIndex;
use crate::rule::week::Outcome;
use crate::rule::window;
use crate::store::Store;
use crate::token::Role;

/// The longest range one request may ask for: two years.
pub const MAX_WEEKS: i64 = 106;
/// Without `from`, this many weeks up to `to`.
pub const DEFAULT_WEEKS: i64 = 12;

pub async fn get_weeks<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    unit: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let who = app.require(&headers, Role::Viewer).await?;
    let Ok(Path(unit)) = unit else {
        return Err(ApiError::not_yours());
    };
    let service = &app.service;
    let unit = crate::auth::may_read(&service.org, who, &unit).ok_or_else(ApiError::not_yours)?;
    let (from, to) = range(query.as_deref(), app.clock.now(), service.weeks_accepted)?;
    let weeks = app.released((from, to)).await.map_err(|e| app.failed(&e))?;
    Ok(Json(answer(service, unit, from, to, &weeks)))
}

/// `from` and `to` from the query string; `to` defaults to the last week published.
fn range(
    query: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    weeks_accepted: u32,
) -> Result<(IsoWeek, IsoWeek), ApiError> {
    let (mut from, mut to) = (None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let parsed =
            week::parse(value).map_err(|e| ApiError::bad_request(format!("{key}: {e}")))?;
        match key {
            "from" => from = Some(parsed),
            "to" => to = Some(parsed),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter \"{key}\": expected from and to"
                )));
            }
        }
    }
    let to = match to {
        Some(to) => to,
        None => window::latest_published(now, weeks_accepted)
            .ok_or_else(|| ApiError::bad_request("too early"))?,
    };
    // Checked: a hostile `to` near the start of chrono's calendar must not panic.
    let from = match from {
        Some(from) => from,
        None => week::monday(to)
            .checked_sub_signed(TimeDelta::weeks(DEFAULT_WEEKS - 1))
            .ok_or_else(|| ApiError::bad_request("to: too early"))?
            .iso_week(),
    };
    let weeks = (week::monday(to) - week::monday(from)).num_weeks() + 1;
    if weeks < 1 {
        return Err(ApiError::bad_request("from is after to"));
    }
    if weeks > MAX_WEEKS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_WEEKS} weeks at a time"
        )));
    }
    Ok((from, to))
}

/// The units shown for `unit`: itself, its children, then the organisation.
fn shown(service: &Service, unit: UnitIndex) -> Vec<(UnitIndex, &'static str)> {
    let tree = service.org.tree();
    let mut units = vec![(unit, "unit")];
    units.extend(tree.children(unit).iter().map(|&c| (c, "child")));
    if tree.root() != unit {
        units.push((tree.root(), "org"));
    }
    units
}

fn answer(
    service: &Service,
    unit: UnitIndex,
    from: IsoWeek,
    to: IsoWeek,
    weeks: &[Arc<WeekOutcomes>],
) -> Value {
    let tree = service.org.tree();
    let shown = shown(service, unit);
    let weeks: Vec<Value> = weeks
        .iter()
        .map(|w| {
            let units: Vec<Value> = shown
                .iter()
                .map(|&(u, _)| outcome(tree.id(u), &w.outcomes[u]))
                .collect();
            json!({
                "week": week::name(w.week),
                "ends": window::end_utc(w.week).to_rfc3339(),
                "units": units,
            })
        })
        .collect();
    json!({
        "unit": tree.id(unit),
        "k": service.k.get(),
        "from": week::name(from),
        "to": week::name(to),
        "units": shown.iter().map(|&(u, relation)| json!({
            "id": tree.id(u),
            "name": service.org.name_of(u),
            "relation": relation,
        })).collect::<Vec<_>>(),
        "weeks": weeks,
    })
}

fn outcome(id: &str, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Released(f) => json!({ "unit": id, "status": "released", "figures": figures(f) }),
        Outcome::Suppressed { reason } => json!({
            "unit": id,
            "status": "suppressed",
            "reason": match reason {
                Reason::FewerThanK => "fewer_than_k",
                Reason::ProtectsSmallGroup => "protects_small_group",
                Reason::NotPublished => "not_published",
                Reason::NotInPublication => "not_in_publication",
                Reason::NoLongerKept => "no_longer_kept",
            },
            "explanation": reason.to_string(),
        }),
    }
}

/// A released unit-week: exact counts and sums, the median, and the mean for convenience.
fn figures(f: &Figures) -> Value {
    let t = &f.totals;
    json!({
        "reporters": f.reporters,
        "with_out_of_hours": f.with_out_of_hours,
        "with_weekend": f.with_weekend,
        "with_late_evening": f.with_late_evening,
        "bands": Band::ALL.iter().map(|&b| json!({
            "band": b.label(),
            "reporters": f.bands[b as usize],
        })).collect::<Vec<_>>(),
        "totals": {
            "out_of_hours_minutes": t.out_of_hours_minutes,
            "self_reported_out_of_hours_minutes": t.self_reported_out_of_hours_minutes,
            "weekend_minutes": t.weekend_minutes,
            "late_evening_minutes": t.late_evening_minutes,
            "days_with_out_of_hours_work": t.days_with_out_of_hours_work,
            "notifications_held_out_of_hours": t.notifications_held_out_of_hours,
            "on_call_callout_minutes": t.on_call_callout_minutes,
        },
        "median_out_of_hours_minutes": f.median_out_of_hours_minutes,
        "mean_out_of_hours_minutes": f.mean_out_of_hours_minutes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_default_and_are_bounded() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z")
            .unwrap()
            .to_utc();
        let names = |q: Option<&str>| range(q, now, 2).map(|(f, t)| (week::name(f), week::name(t)));
        // By default the twelve weeks ending with the latest published: 2026-W46, which
        // took reports until 30 November 00:00.
        assert_eq!(names(None), Ok(("2026-W35".into(), "2026-W46".into())));
        assert_eq!(
            names(Some("from=2026-W01&to=2026-W48")),
            Ok(("2026-W01".into(), "2026-W48".into()))
        );
        assert_eq!(
            names(Some("from=2025-W50&to=2026-W02")),
            Ok(("2025-W50".into(), "2026-W02".into()))
        );
        for bad in [
            "from=2026-W49&to=2026-W48",
            "from=2020-W01&to=2026-W01",
            "from=x",
            "from=2026-W001&to=2026-W48",
            "from=+2026-W01&to=2026-W48",
            "colour=red",
            "from",
            "to=-262143-W02",
        ] {
            assert_eq!(
                names(Some(bad)).map_err(|e| e.status),
                Err(axum::http::StatusCode::BAD_REQUEST),
                "{bad}"
            );
        }
    }
}
