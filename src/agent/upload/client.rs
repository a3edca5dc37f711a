//! The laptop's requests of the dashboard, made by the fetch helper over rustls
//! ([`crate::fetch`]): `POST {dashboard}/api/v1/reports` with a week's summary as JSON, the
//! team's token and the week token ([`Dashboard::post`]); and the enrolment and week-token
//! requests before it ([`Dashboard::call`], used by [`super::week_token`]). What comes back
//! is sorted by [`verdict`] into delivered, retry soon, or refused, with a short reason that
//! never carries a token.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::backoff::{Verdict, verdict};
use super::token::Token;
use crate::core::week_token::{self, WeekToken};
use crate::fetch::{Failure, Fetch, Helper, Request};

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
    fetch: Arc<dyn Fetch>,
}

impl Dashboard {
    /// Requests made by the fetch helper beside this binary.
    pub fn through_helper() -> Self {
        Self::with(Arc::new(Helper::beside_this_binary()))
    }

    pub fn with(fetch: Arc<dyn Fetch>) -> Self {
        Self { fetch }
    }

    fn request(url: &str, body: Option<String>) -> Request {
        let mut request = match body {
            Some(body) => Request::post(url, TOTAL_TIMEOUT).json(body),
            None => Request::get(url, TOTAL_TIMEOUT),
        };
        request.connect_timeout_ms = CONNECT_TIMEOUT.as_millis() as u64;
        request.user_agent = Some(concat!("clockoff/", env!("CARGO_PKG_VERSION")).into());
        request
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
        let proof = week_token.to_string();
        if !header_value(&proof) {
            return Sent::Refused("the week token is not a valid header".into());
        }
        let request = Self::request(url, Some(body))
            .header("authorization", auth)
            .header(week_token::HEADER, proof);
        let response = match self.fetch.fetch(request).await {
            Ok(r) => r,
            Err(e) => return Sent::Retry(redact(&failure(&e), token)),
        };
        let status = response.status;
        match verdict(status) {
            Verdict::Delivered => Sent::Delivered(status),
            v => {
                let why = redact(&format!("HTTP {status}{}", reason(&response.body)), token);
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
        let mut request = Self::request(url, body);
        if let Some(text) = bearer_text {
            let auth = bearer(text).ok_or("a credential is not a valid header")?;
            request = request.header("authorization", auth);
        }
        let hide = |text: String| match bearer_text {
            Some(secret) => text.replace(secret, "[token]"),
            None => text,
        };
        let response = self
            .fetch
            .fetch(request)
            .await
            .map_err(|e| hide(failure(&e)))?;
        Ok((
            response.status,
            serde_json::from_str(&response.body).unwrap_or(Value::Null),
        ))
    }
}

/// `Bearer <text>`, if it can be a header's value.
fn bearer(text: &str) -> Option<String> {
    let value = format!("Bearer {text}");
    header_value(&value).then_some(value)
}

/// Whether `text` can be sent as a header's value: visible ASCII and spaces only.
fn header_value(text: &str) -> bool {
    text.bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

/// The `error` of a refusal's JSON body, printable and short (": why", or nothing).
pub fn refusal_reason(body: &Value) -> String {
    reason(&body.to_string())
}

/// A transport failure in a person's words.
fn failure(e: &Failure) -> String {
    match e {
        Failure::Timeout => format!(
            "no answer within {} s (connecting: {} s)",
            TOTAL_TIMEOUT.as_secs(),
            CONNECT_TIMEOUT.as_secs()
        ),
        Failure::Connect(why) => format!("could not connect: {why}"),
        Failure::Other(why) => why.clone(),
    }
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
        let fetch = crate::fetch::in_process::InProcess;
        let dashboard = Dashboard::with(std::sync::Arc::new(fetch));
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
