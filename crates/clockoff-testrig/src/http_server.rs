//! A tiny HTTP/1.1 server on loopback in front of the dashboard's reports endpoint: it
//! records every report and answers from a script (e.g. 503 once, then 201), so a test can
//! make the dashboard fail on cue. Every other request (enrolment, week tokens, the issuing
//! key) goes on to a real dashboard when one is given ([`HttpServer::in_front_of`]), and is
//! recorded apart. One request per connection, answered with `Connection: close`. Bound
//! before the test starts anything, so nothing waits for it to come up; stopped when dropped.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::DEADLINE;

/// A request as it arrived; header names are lower case.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Recorded {
    /// The body as JSON (the summary sent).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

/// The path whose answers are scripted.
const SCRIPTED: &str = "/api/v1/reports";

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    /// Requests passed on to `upstream`.
    forwarded: Vec<Recorded>,
    /// A real dashboard (`127.0.0.1:port`) for everything but the reports endpoint.
    upstream: Option<String>,
    /// Statuses to answer, in order; then `otherwise`.
    script: VecDeque<u16>,
    otherwise: u16,
}

pub struct HttpServer {
    port: u16,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Listens on 127.0.0.1 (a free port); answers `script` in turn, then `otherwise`.
    pub async fn start(script: &[u16], otherwise: u16) -> Self {
        Self::in_front_of(None, script, otherwise).await
    }

    /// As [`HttpServer::start`], passing every request but a report on to the dashboard at
    /// `upstream` (`http://127.0.0.1:port`).
    pub async fn in_front_of(upstream: Option<&str>, script: &[u16], otherwise: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State {
            requests: Vec::new(),
            script: script.iter().copied().collect(),
            otherwise,
            forwarded: Vec::new(),
            upstream: upstream.map(|u| u.trim_start_matches("http://").to_owned()),
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { port, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on, answer `status` (after what is left of the script).
    pub fn answer(&self, status: u16) {
        self.lock().otherwise = status;
    }

    /// Passes requests on to `upstream` from now on (the dashboard restarted elsewhere).
    pub fn set_upstream(&self, upstream: &str) {
        self.lock().upstream = Some(upstream.trim_start_matches("http://").to_owned());
    }

    /// The reports received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The requests passed on to the real dashboard, in order.
    pub fn forwarded(&self) -> Vec<Recorded> {
        self.lock().forwarded.clone()
    }

    /// Waits (up to the rig's deadline) until `done` holds for the requests so far.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Recorded]) -> bool) -> Vec<Recorded> {
        let start = Instant::now();
        loop {
            let requests = self.requests();
            if done(&requests) {
                return requests;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "waiting for {what}; requests so far: {requests:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let upstream = {
        let s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.upstream.clone().filter(|_| request.path != SCRIPTED)
    };
    if let Some(upstream) = upstream {
        let answer = forward(&upstream, &request).await;
        state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forwarded
            .push(request);
        let _ = stream.write_all(&answer).await;
        let _ = stream.shutdown().await;
        return;
    }
    let status = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push(request);
        let otherwise = s.otherwise;
        s.script.pop_front().unwrap_or(otherwise)
    };
    let body = match status {
        200 => "{\"status\":\"replay\"}",
        201 => "{\"status\":\"stored\"}",
        401 => "{\"error\":\"unknown team token\"}",
        _ => "{\"error\":\"down for maintenance\"}",
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// `request` sent on to `upstream` as it came (on a connection of its own, closed after),
/// and the whole answer as it came back; a 502 if the dashboard cannot be reached.
async fn forward(upstream: &str, request: &Recorded) -> Vec<u8> {
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
    for (name, value) in &request.headers {
        if name != "connection" {
            head += &format!("{name}: {value}\r\n");
        }
    }
    head += "connection: close\r\n\r\n";
    let exchange = async {
        let mut to = TcpStream::connect(upstream).await?;
        to.write_all(head.as_bytes()).await?;
        to.write_all(request.body.as_bytes()).await?;
        let mut answer = Vec::new();
        to.read_to_end(&mut answer).await?;
        std::io::Result::Ok(answer)
    };
    exchange.await.unwrap_or_else(|_| {
        b"HTTP/1.1 502 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
    })
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
