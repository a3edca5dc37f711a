//! JSON over HTTP for local APIs, with a timeout on every request and failures sorted into
//! the few cases a person can act on (not running, too slow, refused, other).

use std::time::Duration;

use serde::de::DeserializeOwned;

/// A local service's REST API: a base address and the headers every request carries.
pub struct Api {
    client: reqwest::Client,
    base: String,
    headers: Vec<(&'static str, String)>,
    timeout: Duration,
}

#[derive(Debug)]
pub enum HttpError {
    /// Nothing accepted the connection: the service is not running there.
    NotAnswering,
    /// It accepted but did not answer in time.
    TimedOut(Duration),
    /// It answered with an error status; the body's first line says why.
    Status(u16, String),
    /// Anything else: a malformed answer, an unusable address.
    Other(String),
}

impl Api {
    pub fn new(
        base: &str,
        headers: Vec<(&'static str, String)>,
        timeout: Duration,
    ) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A local API: an HTTP_PROXY meant for the internet must not see its key.
            .no_proxy()
            // One request per hold: no idle connection kept open all day.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| HttpError::Other(chain(&e)))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_string(),
            headers,
            timeout,
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        let body = self.send(self.client.get(self.url(path))).await?;
        serde_json::from_slice(&body)
            .map_err(|e| HttpError::Other(format!("unexpected answer to GET {path}: {e}")))
    }

    pub async fn post(&self, path: &str) -> Result<(), HttpError> {
        self.send(self.client.post(self.url(path))).await.map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Result<Vec<u8>, HttpError> {
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.classify(e))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let first = text.lines().next().unwrap_or("").trim();
            return Err(HttpError::Status(status.as_u16(), first.to_string()));
        }
        Ok(body.to_vec())
    }

    fn classify(&self, e: reqwest::Error) -> HttpError {
        if e.is_timeout() {
            HttpError::TimedOut(self.timeout)
        } else if e.is_connect() {
            HttpError::NotAnswering
        } else {
            HttpError::Other(chain(&e))
        }
    }
}

/// The error and its causes on one line: reqwest's own message is often just "error
/// sending request".
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
