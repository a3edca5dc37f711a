//! The HTTP service: routes, layers and the serve loop. `run` takes a bound listener and a
//! shutdown future, so `main` passes SIGTERM/SIGINT and tests a oneshot on 127.0.0.1:0.

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use super::access_log;
use super::api::{AppState, devices, ingest, read, week_tokens};
use super::store::Store;
use super::{malformed, web};
use clockoff_core::week_token;

/// Every route, with the access log around them all.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let log = state.log.clone();
    Router::new()
        .route(
            "/api/v1/reports",
            post(ingest::post_report::<S>).layer(DefaultBodyLimit::max(ingest::MAX_BODY)),
        )
        .route("/api/v1/devices", post(devices::post_device::<S>))
        .route(
            "/api/v1/tokens",
            post(week_tokens::post_token::<S>).layer(DefaultBodyLimit::max(week_tokens::MAX_BODY)),
        )
        .route(week_token::ISSUER_PATH, get(week_tokens::get_issuer::<S>))
        .route("/api/v1/units/{unit}/weeks", get(read::get_weeks::<S>))
        .route("/healthz", get(|| async { "ok\n" }))
        .route(malformed::PATH, get(malformed::answer))
        .merge(web::routes::<S>())
        .route_layer(middleware::from_fn(access_log::mark_route))
        .fallback(web::not_found)
        .with_state(state)
        .layer(middleware::from_fn_with_state(log, access_log::log))
}

/// Serves until `shutdown` completes, then lets requests in flight finish. Request heads are
/// checked on the way in ([`malformed`]).
pub async fn run<S: Store>(
    listener: TcpListener,
    state: AppState<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(malformed::Listener(listener), router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
