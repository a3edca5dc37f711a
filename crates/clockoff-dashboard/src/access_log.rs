//! One line per request: method, the route's *template* (`/api/v1/units/{unit}/weeks`, never
//! the path as sent), status and latency. Never a token, a pseudonym, a unit from a URL, a
//! query string or a client address: the log is read by people who must not learn who
//! reports or who reads.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Where log lines go: the service's log (clockoff_core::log: the journal under systemd),
/// a buffer in tests.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

pub fn logged() -> LogSink {
    Arc::new(|line: &str| match line.strip_prefix("error: ") {
        Some(error) => tracing::error!(target: "clockoff_dashboard::access", "{error}"),
        None => tracing::info!(target: "clockoff_dashboard::access", "{line}"),
    })
}

/// The template of the route that answered, passed out to [`log`] on the response (the
/// outer layer runs before routing, so it cannot see [`MatchedPath`] on the request).
#[derive(Debug, Clone)]
struct Route(MatchedPath);

/// Inner layer (`route_layer`): records which route answered.
pub async fn mark_route(route: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Outer layer: times every request, matched or not, and writes its line.
pub async fn log(State(sink): State<LogSink>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.run(req).await;
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("<no route>", |r| r.0.as_str());
    sink(&format!(
        "http method={method} route={route} status={} ms={}",
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}
