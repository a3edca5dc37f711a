//! The ingest benchmark's two helpers (scripts/bench-dashboard runs them):
//!
//! - `dashboard_load reference`: the reference server, a bare tokio + axum process that
//!   accepts the same POST and parses its JSON, with no tokens, checks or storage: what any
//!   service on this stack costs, measured in the same run. Prints its port, then serves.
//!   It answers the enrolment and week-token requests too, with JSON and no cryptography.
//! - `dashboard_load tokens URL TOKENS N CONCURRENCY WEEKS OUT`: what the laptops do before
//!   they report: enrols as many laptops as report `N`'s teams and weeks need (one per team
//!   and slot), then has report `i`'s week token issued (blinded as an agent blinds, from a
//!   seed that follows from `i`, so asking again is answered again) and writes the tokens to
//!   OUT, one a line. Prints how long each part took. Against the reference, the answers
//!   are not finished (they prove nothing).
//! - `dashboard_load load URL TOKENS N CONCURRENCY WEEKS [WEEKTOKENS]`: sends N distinct
//!   weekly summaries over CONCURRENCY keep-alive connections, spread over the reporter
//!   tokens in the file TOKENS (one a line, one a team) and the comma-separated ISO WEEKS,
//!   each with its week token from WEEKTOKENS, and prints how many got which status and how
//!   long it took.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use clockoff_core::hex::hex;
use clockoff_core::record::week;
use clockoff_core::summary::Pseudonym;
use clockoff_core::week_token::{self, PublicKey, Scope};
use sha2::{Digest, Sha256};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["reference"] => runtime.block_on(reference()),
        ["tokens", url, tokens, n, concurrency, weeks, out] => {
            let run = Run::read(url, tokens, n, concurrency, weeks)?;
            runtime.block_on(issue(run, out.to_owned()))
        }
        [
            "load",
            url,
            tokens,
            n,
            concurrency,
            weeks,
            ref week_tokens @ ..,
        ] => {
            let run = Run::read(url, tokens, n, concurrency, weeks)?;
            let week_tokens = match week_tokens {
                [file] => lines(file)?,
                _ => Vec::new(),
            };
            runtime.block_on(load(run, week_tokens))
        }
        _ => Err(
            "usage: dashboard_load reference | tokens URL TOKENS N CONCURRENCY WEEKS OUT \
                  | load URL TOKENS N CONCURRENCY WEEKS [WEEKTOKENS]"
                .into(),
        ),
    }
}

fn lines(file: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// A run's common arguments.
#[derive(Clone)]
struct Run {
    url: String,
    tokens: Arc<Vec<String>>,
    n: u64,
    concurrency: u64,
    weeks: Arc<Vec<String>>,
}

impl Run {
    fn read(
        url: &str,
        tokens: &str,
        n: &str,
        concurrency: &str,
        weeks: &str,
    ) -> Result<Run, String> {
        Ok(Run {
            url: url.to_owned(),
            tokens: Arc::new(lines(tokens)?),
            n: n.parse().map_err(|_| format!("N: {n}"))?,
            concurrency: concurrency
                .parse()
                .map_err(|_| format!("C: {concurrency}"))?,
            weeks: Arc::new(weeks.split(',').map(str::to_owned).collect()),
        })
    }

    fn teams(&self) -> u64 {
        self.tokens.len() as u64
    }

    /// Report `i`'s team, week and slot (its laptop among the team's that week).
    fn place(&self, i: u64) -> (u64, usize, u64) {
        let (teams, weeks) = (self.teams(), self.weeks.len() as u64);
        (
            i % teams,
            ((i / teams) % weeks) as usize,
            i / (teams * weeks),
        )
    }

    /// Runs `job(i)` for every `i` below `n` over `concurrency` tasks.
    async fn each<F, Fut>(&self, n: u64, job: F)
    where
        F: Fn(u64) -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let next = Arc::new(AtomicU64::new(0));
        let mut workers = Vec::new();
        for _ in 0..self.concurrency {
            let (next, job) = (next.clone(), job.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    job(i).await;
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
    }
}

/// A laptop as enrolled: its credential, unit and the key it pinned (`None`: the
/// reference, which proves nothing).
#[derive(Clone)]
struct Laptop {
    credential: String,
    unit: String,
    key: Option<PublicKey>,
}

/// Enrols `devices` laptops, spread over the teams' tokens: by device number.
async fn enrol_all(run: &Run, client: &reqwest::Client, devices: u64) -> HashMap<u64, Laptop> {
    let laptops: Arc<Mutex<HashMap<u64, Laptop>>> = Arc::default();
    let enrol = {
        let (client, run2, laptops) = (client.clone(), run.clone(), laptops.clone());
        move |d: u64| {
            let (client, run, laptops) = (client.clone(), run2.clone(), laptops.clone());
            async move {
                let token = &run.tokens[(d % run.teams()) as usize];
                let reply = client
                    .post(format!("{}/api/v1/devices", run.url))
                    .header("Authorization", format!("Bearer {token}"))
                    .send()
                    .await;
                let Ok(reply) = reply else { return };
                let body: serde_json::Value =
                    serde_json::from_str(&reply.text().await.unwrap_or_default())
                        .unwrap_or_default();
                let laptop = Laptop {
                    credential: body["device"].as_str().unwrap_or_default().to_owned(),
                    unit: body["unit"].as_str().unwrap_or_default().to_owned(),
                    key: body["key"].as_str().and_then(|k| k.parse().ok()),
                };
                laptops.lock().unwrap().insert(d, laptop);
            }
        }
    };
    run.each(devices, enrol).await;
    laptops.lock().unwrap().clone()
}

async fn issue(run: Run, out: String) -> Result<(), String> {
    let client = reqwest::Client::new();
    let slots = run.n.div_ceil(run.teams() * run.weeks.len() as u64).max(1);
    let devices = run.teams() * slots;
    let started = Instant::now();
    let laptops = enrol_all(&run, &client, devices).await;
    let enrolled = started.elapsed().as_secs_f64();
    let laptops = Arc::new(laptops);
    let issued: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(vec![String::new(); run.n as usize]));
    let started = Instant::now();
    let ask = {
        let (client, run2, issued) = (client.clone(), run.clone(), issued.clone());
        move |i: u64| {
            let (client, run, laptops, issued) = (
                client.clone(),
                run2.clone(),
                laptops.clone(),
                issued.clone(),
            );
            async move {
                let (team, w, slot) = run.place(i);
                let Some(laptop) = laptops.get(&(slot * run.teams() + team)) else {
                    return;
                };
                let pseudonym: Pseudonym = pseudonym(i).parse().unwrap_or_else(|_| unreachable!());
                let seed: [u8; 32] =
                    Sha256::digest([b"seed".as_slice(), &i.to_le_bytes()].concat()).into();
                let Ok(blinding) = week_token::blind_pseudonym(pseudonym, seed) else {
                    return;
                };
                let week = &run.weeks[w];
                let body = format!(
                    "{{\"week\":\"{week}\",\"request\":\"{}\"}}",
                    blinding.request()
                );
                let reply = client
                    .post(format!("{}/api/v1/tokens", run.url))
                    .header("Authorization", format!("Bearer {}", laptop.credential))
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let Ok(reply) = reply else { return };
                let answer: serde_json::Value =
                    serde_json::from_str(&reply.text().await.unwrap_or_default())
                        .unwrap_or_default();
                let (Some(key), Ok(evaluated), Ok(proof)) = (
                    laptop.key,
                    answer["evaluated"].as_str().unwrap_or_default().parse(),
                    answer["proof"].as_str().unwrap_or_default().parse(),
                ) else {
                    return;
                };
                let Ok(w) = week::parse(week) else { return };
                let scope = Scope {
                    unit: &laptop.unit,
                    week: w,
                };
                if let Ok(token) = blinding.finish(&evaluated, &proof, &key, &scope) {
                    issued.lock().unwrap()[i as usize] = token.to_string();
                }
            }
        }
    };
    run.each(run.n, ask).await;
    let seconds = started.elapsed().as_secs_f64();
    let issued = issued.lock().unwrap().clone();
    let finished = issued.iter().filter(|t| !t.is_empty()).count();
    std::fs::write(&out, issued.join("\n") + "\n").map_err(|e| format!("{out}: {e}"))?;
    println!(
        "enrolled {devices} laptops in {enrolled:.2} s; issued {} tokens in {seconds:.2} s, \
         {finished} of them proved",
        run.n
    );
    Ok(())
}

/// Report `i`'s pseudonym: distinct for every `i`.
fn pseudonym(i: u64) -> String {
    hex(&Sha256::digest(i.to_le_bytes()))
}

async fn reference() -> Result<(), String> {
    let parsed = |created: StatusCode, answer: &'static str| {
        move |body: axum::body::Bytes| async move {
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(_) => (created, answer),
                Err(_) => (StatusCode::BAD_REQUEST, "{\"error\":\"bad JSON\"}"),
            }
        }
    };
    let app = Router::new()
        .route(
            "/api/v1/reports",
            post(parsed(StatusCode::CREATED, "{\"stored\":\"new\"}")),
        )
        .route(
            "/api/v1/tokens",
            post(parsed(
                StatusCode::OK,
                "{\"evaluated\":\"\",\"proof\":\"\"}",
            )),
        )
        .route(
            "/api/v1/devices",
            post(|| async { (StatusCode::CREATED, "{\"device\":\"cod_d_\",\"unit\":\"\"}") }),
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
    let hash = pseudonym(i);
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

async fn load(run: Run, week_tokens: Vec<String>) -> Result<(), String> {
    let Run {
        url,
        tokens,
        n,
        concurrency,
        weeks,
    } = run;
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicU64::new(0));
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let week_tokens = Arc::new(week_tokens);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, next, counts) = (client.clone(), next.clone(), counts.clone());
        let (tokens, weeks, url) = (tokens.clone(), weeks.clone(), url.clone());
        let week_tokens = week_tokens.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let teams = tokens.len() as u64;
                let token = &tokens[(i % teams) as usize];
                let week_token = week_tokens.get(i as usize).map_or("", String::as_str);
                let sent = client
                    .post(format!("{url}/api/v1/reports"))
                    .header("Authorization", format!("Bearer {token}"))
                    .header(week_token::HEADER, week_token)
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
