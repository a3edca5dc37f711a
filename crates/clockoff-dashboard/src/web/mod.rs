//! The pages, served: sign-in with a viewer token, a session cookie, and each unit's page or
//! CSV within the viewer's scope. Rendering is [`crate::pages`]; figures come from
//! [`crate::history`], as the API's do.
//!
//! - `GET /`: the viewer's own unit page (303), or the sign-in page (303 to `/sign-in`).
//! - `GET /sign-in`, `POST /sign-in` (form field `token`): a viewer token starts a session
//!   ([`crate::sessions`]) and 303s to `/units/{unit}`; anything else is the form again, 401, with
//!   the same words whatever was wrong.
//! - `POST /sign-out`: ends the session and clears the cookie.
//! - `GET /units/{id}?weeks=26|52[&format=csv]`: with a session or a viewer `Bearer` token;
//!   a unit out of scope and an unknown unit get the same 403 page.
//!
//! Every response here carries [`guard::page_headers`]; form posts pass [`guard::same_origin`].
//! Nothing here logs a token, a session id or a unit from a URL (the access log names the
//! route's template only).

pub mod guard;
mod view;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::api::AppState;
use super::auth::{self, AuthError, Principal};
use super::pages::{self, Period};
use super::store::Store;
use super::token::{Role, TokenHash};

pub const SIGN_IN_PATH: &str = "/sign-in";
/// A sign-in form is one token: a few hundred bytes at most.
const MAX_FORM: usize = 4096;
const REFUSED: &str = "That token was not accepted. Check that you pasted all of it, or ask \
                       your dashboard administrator for a viewer token.";

/// The page routes, with their headers; [`super::server::router`] merges them in.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(home::<S>))
        .route(
            SIGN_IN_PATH,
            get(sign_in_form::<S>)
                .post(sign_in::<S>)
                .layer(DefaultBodyLimit::max(MAX_FORM)),
        )
        .route(
            pages::SIGN_OUT_PATH,
            post(sign_out::<S>).layer(DefaultBodyLimit::max(MAX_FORM)),
        )
        .route("/units/{unit}", get(unit::<S>))
        .layer(middleware::map_response(guard::page_headers))
}

/// No route matched. A person's browser (one that asks for HTML, outside `/api/`) gets a
/// page that says so and links home, with the pages' headers; programs get the API's JSON.
pub async fn not_found(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let wants_page = !uri.path().starts_with("/api/")
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    if !wants_page {
        return super::api::error::ApiError::new(StatusCode::NOT_FOUND, "no such resource")
            .into_response();
    }
    guard::page_headers(notice(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. Check it, or start from your unit's page.",
    ))
    .await
}

fn page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

fn notice(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, pages::notice(title, message))
}

fn not_yours() -> Response {
    notice(
        StatusCode::FORBIDDEN,
        "Not available",
        "Your sign-in does not cover that page. You can open your own unit and the units below it.",
    )
}

fn failed<S>(app: &AppState<S>, e: &dyn std::fmt::Display) -> Response {
    (app.log)(&format!("error: {e}"));
    notice(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The dashboard could not complete the request; try again later.",
    )
}

fn home_of<S>(app: &AppState<S>, who: Principal) -> Response {
    Redirect::to(&pages::unit_path(app.service.org.tree().id(who.unit))).into_response()
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .find_map(|v| crate::sessions::from_cookie_header(v.as_bytes()))
}

/// The viewer asking: by session cookie, else by `Bearer` viewer token; `Ok(None)` with
/// neither. A bad or reporter token is refused here (pages are for viewers only).
async fn viewer<S: Store>(
    app: &AppState<S>,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Response> {
    let now = app.clock.now();
    if let Some(id) = session_id(headers)
        && let Some((unit, token)) = app.sessions.find(id, now)
    {
        // The token it was started with must still stand: revoking it ends its sessions.
        match app.store.token(token).await {
            Ok(Some(_)) => {
                return Ok(Some(Principal {
                    unit,
                    role: Role::Viewer,
                }));
            }
            Ok(None) => app.sessions.end(id),
            Err(e) => return Err(failed(app, &e)),
        }
    }
    let Some(token) = auth::bearer(headers) else {
        return Ok(None);
    };
    match auth::resolve(&app.store, &app.service.org, token).await {
        Ok(who) if who.role == Role::Viewer => Ok(Some(who)),
        Ok(_) => Err(not_yours()),
        Err(AuthError::Invalid) => Err(notice(
            StatusCode::UNAUTHORIZED,
            "Not signed in",
            "The token was not accepted.",
        )),
        Err(AuthError::Store(e)) => Err(failed(app, &e)),
    }
}

async fn home<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    match viewer(&app, &headers).await {
        Ok(Some(who)) => home_of(&app, who),
        Ok(None) => Redirect::to(SIGN_IN_PATH).into_response(),
        Err(refused) => refused,
    }
}

async fn sign_in_form<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    match viewer(&app, &headers).await {
        Ok(Some(who)) => home_of(&app, who),
        _ => page(StatusCode::OK, pages::sign_in(None)),
    }
}

async fn sign_in<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !guard::same_origin(&headers) {
        return page(
            StatusCode::FORBIDDEN,
            pages::sign_in(Some("Sign in from this dashboard's own sign-in page.")),
        );
    }
    let refused = || page(StatusCode::UNAUTHORIZED, pages::sign_in(Some(REFUSED)));
    let form = headers.get(CONTENT_TYPE).is_some_and(|c| {
        c.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    let Some(token) = form.then(|| form_field(&body, "token")).flatten() else {
        return refused();
    };
    let who = match auth::resolve(&app.store, &app.service.org, token.trim()).await {
        Ok(who) if who.role == Role::Viewer => who,
        Ok(_) | Err(AuthError::Invalid) => return refused(),
        Err(AuthError::Store(e)) => return failed(&app, &e),
    };
    // A browser that was signed in gets a fresh id; the old one is forgotten.
    if let Some(old) = session_id(&headers) {
        app.sessions.end(old);
    }
    let hash = TokenHash::of(token.trim());
    let id = match app.sessions.start(who.unit, hash, app.clock.now()) {
        Ok(id) => id,
        Err(e) => return failed(&app, &e),
    };
    let cookie = crate::sessions::set_cookie(&id, guard::secure_cookie(&headers));
    let mut response = home_of(&app, who);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

async fn sign_out<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    if !guard::same_origin(&headers) {
        return notice(
            StatusCode::FORBIDDEN,
            "Not signed out",
            "Sign out from this dashboard's own pages.",
        );
    }
    if let Some(id) = session_id(&headers) {
        app.sessions.end(id);
    }
    let mut response = Redirect::to(SIGN_IN_PATH).into_response();
    let cookie = crate::sessions::clear_cookie(guard::secure_cookie(&headers));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

async fn unit<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    unit: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let who = match viewer(&app, &headers).await {
        Ok(Some(who)) => who,
        Ok(None) => return Redirect::to(SIGN_IN_PATH).into_response(),
        Err(refused) => return refused,
    };
    let service = &app.service;
    let Some(unit) = unit
        .ok()
        .and_then(|Path(id)| auth::may_read(&service.org, who, &id))
    else {
        return not_yours();
    };
    let query = query.unwrap_or_default();
    let period = Period::from_query(query_value(&query, "weeks"));
    let Some(range) = view::range(&app.service, period, app.clock.now()) else {
        return failed(&app, &"the clock is outside the calendar");
    };
    let weeks = match app.released(range).await {
        Ok(weeks) => weeks,
        Err(e) => return failed(&app, &e),
    };
    let devices = match app.store.devices().await {
        Ok(devices) => devices,
        Err(e) => return failed(&app, &e),
    };
    let published = match app.store.publications(range.0, range.1).await {
        Ok(published) => published,
        Err(e) => return failed(&app, &e),
    };
    let view = pages::UnitView {
        enrolled: Some(view::enrolled(service, unit, &devices)),
        nothing_published: published
            .is_empty()
            .then(|| view::first_publication(service, app.clock.now()))
            .flatten(),
        ..view::unit_view(service, unit, period, &weeks)
    };
    if query_value(&query, "format") == Some("csv") {
        csv(&view, range.1)
    } else {
        page(StatusCode::OK, pages::unit_page(&view))
    }
}

fn csv(view: &pages::UnitView, to: chrono::IsoWeek) -> Response {
    // The id is from the config, not the URL, but may hold anything: keep the file name plain.
    let id: String = view
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!(
        "attachment; filename=\"clockoff-{id}-{}-weeks-to-{}.csv\"",
        view.period.weeks(),
        clockoff_core::record::week::name(to)
    );
    let mut response = pages::csv(view).into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        h.insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// The raw value of `key` in a query string (values here are plain words: no decoding).
fn query_value<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// The decoded value of `key` in an `application/x-www-form-urlencoded` body; `None` when
/// absent or malformed (bad escapes, not UTF-8).
fn form_field<'b>(body: &'b [u8], key: &str) -> Option<String> {
    body.split(|&b| b == b'&')
        .filter_map(|pair| {
            let at = pair.iter().position(|&b| b == b'=')?;
            Some((&pair[..at], &pair[at + 1..]))
        })
        .find(|(k, _)| *k == key.as_bytes())
        .and_then(|(_, v): (&'b [u8], &'b [u8])| percent_decode(v))
}

fn percent_decode(bytes: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded_or_refused() {
        assert_eq!(
            form_field(b"token=cod_v_ab%2Bc+d", "token").as_deref(),
            Some("cod_v_ab+c d")
        );
        assert_eq!(
            form_field(b"x=1&token=abc", "token").as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"tok=abc", "token"), None);
        assert_eq!(form_field(b"token=%zz", "token"), None);
        assert_eq!(form_field(b"token=%4", "token"), None);
        assert_eq!(form_field(b"token=%ff", "token"), None);
        assert_eq!(form_field(b"token", "token"), None);
        assert_eq!(form_field(b"", "token"), None);
    }

    #[test]
    fn query_values_are_found_by_key() {
        assert_eq!(query_value("weeks=52&format=csv", "format"), Some("csv"));
        assert_eq!(query_value("weeks=52", "format"), None);
        assert_eq!(query_value("", "weeks"), None);
    }
}
