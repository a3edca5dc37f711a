//! The ingest benchmark's two helpers (scripts/bench-dashboard runs them):
//!
//! - `dashboard_load reference`: the reference server, a bare tokio + axum process that
//!   accepts the same POST and parses its JSON, with no tokens, checks or storage: what any
//!   service on this stack costs, measured in the same run. Prints its port, then serves.
//! - `dashboard_load load URL TOKENS N CONCURRENCY WEEKS`: sends N distinct weekly summaries
//!   over CONCURRENCY keep-alive connections, spread over the reporter tokens in the file
//!   TOKENS (one a line, one a team) and the comma-separated ISO WEEKS, and prints how many
//!   got which status and how long it took.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use clockoff_core::hex::hex;
use sha2::{Digest, Sha256};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["reference"] => runtime.block_on(reference()),
        ["load", url, tokens, n, concurrency, weeks] => {
            let tokens = std::fs::read_to_string(tokens).map_err(|e| format!("{tokens}: {e}"))?;
            let tokens: Vec<String> = tokens.lines().map(str::to_owned).collect();
            let n: u64 = n.parse().map_err(|_| format!("N: {n}"))?;
            let concurrency: u64 = concurrency
                .parse()
                .map_err(|_| format!("C: {concurrency}"))?;
            let weeks: Vec<String> = weeks.split(',').map(str::to_owned).collect();
            runtime.block_on(load(url.to_owned(), tokens, n, concurrency, weeks))
        }
        _ => Err("usage: dashboard_load reference | load URL TOKENS N CONCURRENCY WEEKS".into()),
    }
}

async fn reference() -> Result<(), String> {
    let app = Router::new().route(
        "/api/v1/reports",
        post(|body: axum::body::Bytes| async move {
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(_) => (StatusCode::CREATED, "{\"stored\":\"new\"}"),
                Err(_) => (StatusCode::BAD_REQUEST, "{\"error\":\"bad JSON\"}"),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("{port}");
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("serve: {e}"))
}

/// Report `i`: its team, week and figures follow from `i`, so runs are repeatable, and its
/// pseudonym and report id are distinct for every `i`.
fn report(i: u64, weeks: &[String], teams: u64) -> String {
    let week = &weeks[((i / teams) % weeks.len() as u64) as usize];
    let hash = hex(&Sha256::digest(i.to_le_bytes()));
    let quarter = |salt: u64, max: u64| ((i.wrapping_mul(2_654_435_761) ^ salt) % max) * 15;
    format!(
        "{{\"schema\":\"clockoff.summary/1\",\"week\":\"{week}\",\"report_id\":\"{}\",\
         \"pseudonym\":\"{hash}\",\"out_of_hours_minutes\":{},\
         \"self_reported_out_of_hours_minutes\":{},\"weekend_minutes\":{},\
         \"late_evening_minutes\":{},\"days_with_out_of_hours_work\":{},\
         \"notifications_held_out_of_hours\":{},\"on_call_callout_minutes\":{}}}",
        &hash[..32],
        quarter(1, 48),
        quarter(2, 12),
        quarter(3, 16),
        quarter(4, 20),
        i % 8,
        i % 40,
        quarter(5, 8),
    )
}

async fn load(
    url: String,
    tokens: Vec<String>,
    n: u64,
    concurrency: u64,
    weeks: Vec<String>,
) -> Result<(), String> {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicU64::new(0));
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let tokens = Arc::new(tokens);
    let weeks = Arc::new(weeks);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, next, counts) = (client.clone(), next.clone(), counts.clone());
        let (tokens, weeks, url) = (tokens.clone(), weeks.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let teams = tokens.len() as u64;
                let token = &tokens[(i % teams) as usize];
                let sent = client
                    .post(format!("{url}/api/v1/reports"))
                    .header("Authorization", format!("Bearer {token}"))
                    .header("Content-Type", "application/json")
                    .body(report(i, &weeks, teams))
                    .send()
                    .await;
                let slot = match sent.map(|r| r.status().as_u16()) {
                    Ok(201) => 0,
                    Ok(200) => 1,
                    Ok(_) => 2,
                    Err(_) => 3,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for w in workers {
        w.await.map_err(|e| format!("a worker failed: {e}"))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let [created, replayed, other, failed] =
        [0, 1, 2, 3].map(|i| counts[i].load(Ordering::Relaxed));
    println!(
        "sent {n} in {seconds:.2} s: {created} stored, {replayed} acknowledged, {other} refused, {failed} failed"
    );
    Ok(())
}
