//! The laptop's requests of the dashboard, over rustls: `POST {dashboard}/api/v1/reports`
//! with a week's summary as JSON, the team's token and the week token ([`Dashboard::post`]);
//! and the enrolment and week-token requests before it ([`Dashboard::call`], used by
//! [`super::week_token`]). What comes back is sorted by [`verdict`] into delivered, retry
//! soon, or refused, with a short reason that never carries a token.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use super::backoff::{Verdict, verdict};
use super::token::Token;
use crate::core::week_token::{self, WeekToken};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of the dashboard's reason kept.
const REASON_CHARS: usize = 200;

/// How one request went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Delivered(u16),
    Retry(String),
    /// The dashboard will never take the week (410).
    Closed(String),
    Refused(String),
}

/// The reports endpoint under a dashboard's address.
pub fn reports_url(dashboard: &str) -> String {
    endpoint(dashboard, "/api/v1/reports")
}

/// `path` (from `/`) under a dashboard's address.
pub fn endpoint(dashboard: &str, path: &str) -> String {
    format!("{}{path}", dashboard.trim_end_matches('/'))
}

pub struct Dashboard {
    client: reqwest::Client,
}

impl Dashboard {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            // A redirect would carry the summary somewhere the worker did not configure.
            .redirect(reqwest::redirect::Policy::none())
            // One request a week: no connection kept open between them.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("clockoff/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make an HTTPS client: {}", chain(&e)))?;
        Ok(Self { client })
    }

    /// Posts `body` (a summary's wire JSON) to `url` with `token` and the week's token.
    pub async fn post(
        &self,
        url: &str,
        token: &Token,
        week_token: &WeekToken,
        body: String,
    ) -> Sent {
        let Some(auth) = bearer(token.expose()) else {
            return Sent::Refused("the reporter token is not a valid header".into());
        };
        let Ok(mut proof) = HeaderValue::from_str(&week_token.to_string()) else {
            return Sent::Refused("the week token is not a valid header".into());
        };
        proof.set_sensitive(true);
        let response = self
            .client
            .post(url)
            .header(AUTHORIZATION, auth)
            .header(week_token::HEADER, proof)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Sent::Retry(redact(&failure(&e), token)),
        };
        let status = response.status().as_u16();
        match verdict(status) {
            Verdict::Delivered => Sent::Delivered(status),
            v => {
                // The body is only read for a reason; a slow or broken one is no reason.
                let body = response.text().await.unwrap_or_default();
                let why = redact(&format!("HTTP {status}{}", reason(&body)), token);
                match v {
                    Verdict::Retry => Sent::Retry(why),
                    Verdict::Closed => Sent::Closed(why),
                    _ => Sent::Refused(why),
                }
            }
        }
    }
}

/// What a JSON request got: its status and body (`Null` when it had none).
pub type Answer = (u16, Value);

impl Dashboard {
    /// `GET` (no `body`) or `POST` (JSON) to `url` with `bearer`. `Err` is a transport
    /// failure in words, with `bearer` taken out.
    pub async fn call(
        &self,
        url: &str,
        bearer_text: Option<&str>,
        body: Option<String>,
    ) -> Result<Answer, String> {
        let mut request = match &body {
            Some(_) => self.client.post(url),
            None => self.client.get(url),
        };
        if let Some(text) = bearer_text {
            let auth = bearer(text).ok_or("a credential is not a valid header")?;
            request = request.header(AUTHORIZATION, auth);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }
        let hide = |text: String| match bearer_text {
            Some(secret) => text.replace(secret, "[token]"),
            None => text,
        };
        let response = request.send().await.map_err(|e| hide(failure(&e)))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

/// `Authorization: Bearer <text>`, marked sensitive (kept out of reqwest's debug output).
fn bearer(text: &str) -> Option<HeaderValue> {
    let mut auth = HeaderValue::from_str(&format!("Bearer {text}")).ok()?;
    auth.set_sensitive(true);
    Some(auth)
}

/// The `error` of a refusal's JSON body, printable and short (": why", or nothing).
pub fn refusal_reason(body: &Value) -> String {
    reason(&body.to_string())
}

/// A transport failure in a person's words.
fn failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!(
            "no answer within {} s (connecting: {} s)",
            TOTAL_TIMEOUT.as_secs(),
            CONNECT_TIMEOUT.as_secs()
        )
    } else if e.is_connect() {
        format!("could not connect: {}", chain(e))
    } else {
        chain(e)
    }
}

/// The error and its causes, without the URL reqwest repeats in each.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// ": <why>" from an error body: a JSON `error` or `message` if there is one, else its first
/// line; printable characters only, cut short.
fn reason(body: &str) -> String {
    let json = serde_json::from_str::<serde_json::Value>(body).ok();
    let text = json
        .as_ref()
        .and_then(|v| v.get("error").or_else(|| v.get("message")))
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| body.lines().next().unwrap_or(""));
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(REASON_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        String::new()
    } else {
        format!(": {clean}")
    }
}

/// A server that echoes the token back must not get it into the ledger or the log.
fn redact(text: &str, token: &Token) -> String {
    text.replace(token.expose(), "[token]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_sits_under_the_dashboard_address() {
        assert_eq!(
            reports_url("https://dash.example.org/"),
            "https://dash.example.org/api/v1/reports"
        );
        assert_eq!(
            reports_url("https://dash.example.org/team"),
            "https://dash.example.org/team/api/v1/reports"
        );
    }

    #[test]
    fn a_reason_is_short_plain_and_never_the_token() {
        assert_eq!(
            reason("{\"error\":\"unknown team token\"}"),
            ": unknown team token"
        );
        assert_eq!(reason("bad week\nstack trace…"), ": bad week");
        assert_eq!(reason(""), "");
        assert_eq!(reason(&"x".repeat(500)).len(), 2 + REASON_CHARS);
        assert_eq!(reason("a\u{1b}[31mb"), ": a[31mb");
        let token = Token::from_text("abc123").unwrap();
        assert_eq!(
            redact("HTTP 401: token abc123 revoked", &token),
            "HTTP 401: token [token] revoked"
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_a_retry() {
        // Bind then drop: the port is free and nothing answers on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dashboard = Dashboard::new().unwrap();
        let token = Token::from_text("t0ken").unwrap();
        let week_token = "00".repeat(64).parse().unwrap();
        let sent = dashboard
            .post(
                &format!("http://127.0.0.1:{port}/api/v1/reports"),
                &token,
                &week_token,
                "{}".into(),
            )
            .await;
        match sent {
            Sent::Retry(why) => assert!(why.contains("could not connect"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
