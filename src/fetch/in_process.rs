//! The request made here, with reqwest over rustls: what the `clockoff fetch` helper runs.
//! The agent never calls this (see the module above).

use std::time::Duration;

use super::{Failure, Method, Outcome, Request, Response};

pub async fn fetch(request: &Request) -> Outcome {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(request.connect_timeout_ms))
        .timeout(Duration::from_millis(request.timeout_ms))
        .redirect(if request.follow_redirects {
            https_redirects()
        } else {
            // A redirect would carry a request somewhere nobody configured.
            reqwest::redirect::Policy::none()
        })
        // One request per process: no connection kept.
        .pool_max_idle_per_host(0);
    if request.no_proxy {
        builder = builder.no_proxy();
    }
    if let Some(agent) = &request.user_agent {
        builder = builder.user_agent(agent);
    }
    let client = builder
        .build()
        .map_err(|e| Failure::Other(format!("cannot make an HTTP client: {}", chain(&e))))?;
    let mut call = match request.method {
        Method::Get => client.get(&request.url),
        Method::Post => client.post(&request.url),
    };
    for (name, value) in &request.headers {
        let mut value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Failure::Other(format!("the {name} header is not a valid value")))?;
        // Kept out of reqwest's debug output.
        value.set_sensitive(true);
        call = call.header(name.as_str(), value);
    }
    if let Some(body) = &request.body {
        call = call.body(body.clone());
    }
    let mut response = call.send().await.map_err(classify)?;
    let status = response.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let body = match request.max_body {
        // The status is the answer; a body cut short only loses the reason, never the
        // status (a report the dashboard took, a week it refused).
        None => response.text().await.unwrap_or_default(),
        Some(limit) => {
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > limit {
                    return Err(Failure::Other(format!(
                        "the answer is larger than {} MB",
                        limit / 1_000_000
                    )));
                }
            }
            String::from_utf8(bytes)
                .map_err(|_| Failure::Other("the answer is not UTF-8 text".into()))?
        }
    };
    Ok(Response {
        status,
        body,
        etag,
        last_modified,
    })
}

/// Up to 3 redirects, each to https: a calendar's secret address never goes in clear.
fn https_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 3 {
            attempt.error("more than 3 redirects")
        } else if attempt.url().scheme() != "https" {
            attempt.error("a redirect away from https")
        } else {
            attempt.follow()
        }
    })
}

/// [`fetch`] on a runtime of its own, for the helper's `main`.
pub fn fetch_blocking(request: &Request) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?
        .block_on(fetch(request))
}

/// reqwest's error in words, without the address: a published calendar's address carries
/// its secret, and these words reach logs and status.
fn classify(e: reqwest::Error) -> Failure {
    let e = e.without_url();
    if e.is_timeout() {
        Failure::Timeout
    } else if e.is_connect() {
        Failure::Connect(chain(&e))
    } else {
        Failure::Other(chain(&e))
    }
}

/// The error and its causes on one line, each said once (reqwest's own message is often
/// just "error sending request").
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

/// Requests made in this process: for tests, which have no helper binary beside them.
pub struct InProcess;

impl super::Fetch for InProcess {
    fn fetch(&self, request: Request) -> crate::hold::BoxFuture<'_, Outcome> {
        Box::pin(async move { fetch(&request).await })
    }
}
