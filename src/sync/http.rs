//! JSON over HTTP for local APIs, with a timeout on every request and failures sorted into
//! the few cases a person can act on (not running, too slow, refused, other).

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::fetch::{Failure, Fetch, Request};

/// A local service's REST API: a base address and the headers every request carries.
pub struct Api {
    fetch: Arc<dyn Fetch>,
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
    pub fn with(
        fetch: Arc<dyn Fetch>,
        base: &str,
        headers: Vec<(&'static str, String)>,
        timeout: Duration,
    ) -> Self {
        Self {
            fetch,
            base: base.trim_end_matches('/').to_string(),
            headers,
            timeout,
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, HttpError> {
        let body = self
            .send(Request::get(self.url(path), self.timeout))
            .await?;
        serde_json::from_str(&body)
            .map_err(|e| HttpError::Other(format!("unexpected answer to GET {path}: {e}")))
    }

    pub async fn post(&self, path: &str) -> Result<(), HttpError> {
        self.send(Request::post(self.url(path), self.timeout))
            .await
            .map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, mut request: Request) -> Result<String, HttpError> {
        // A local API: an HTTP_PROXY meant for the internet must not see its key.
        request.no_proxy = true;
        for (name, value) in &self.headers {
            request = request.header(name, value.clone());
        }
        let response = self.fetch.fetch(request).await.map_err(|e| match e {
            Failure::Timeout => HttpError::TimedOut(self.timeout),
            Failure::Connect(_) => HttpError::NotAnswering,
            Failure::Other(why) => HttpError::Other(why),
        })?;
        if !(200..300).contains(&response.status) {
            let first = response.body.lines().next().unwrap_or("").trim();
            return Err(HttpError::Status(response.status, first.to_string()));
        }
        Ok(response.body)
    }
}
