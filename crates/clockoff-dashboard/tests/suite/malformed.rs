//! Malformed requests against the real server, over raw TCP (an HTTP client would refuse to
//! send them): each gets its 4xx with `{"error": "..."}` and the connection closed, after
//! the answers to the requests before it on the connection. Heads that pass, and their
//! bodies, reach the routes untouched.

use std::time::Duration;

use chrono::DateTime;
use clockoff_dashboard::token::Role;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::dashboard::Dashboard;

async fn server() -> Dashboard {
    let now = DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z")
        .unwrap()
        .to_utc();
    Dashboard::start(&[("org", None, "Org")], 5, 2, now).await
}

async fn connect(d: &Dashboard) -> TcpStream {
    TcpStream::connect(d.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// Lowercased.
    head: String,
    body: String,
}

impl Answer {
    /// The JSON reason, or "" when the body is not `{"error": "..."}`.
    fn error(&self) -> String {
        let json: Value = serde_json::from_str(&self.body).unwrap_or_default();
        json["error"].as_str().unwrap_or_default().to_string()
    }
}

/// Every whole answer in `raw`, in order.
fn answers(mut raw: &[u8]) -> Vec<Answer> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        let Some(body) = raw.get(end + 4..end + 4 + length) else {
            break;
        };
        out.push(Answer {
            status: head[9..12].parse().unwrap(),
            body: String::from_utf8_lossy(body).into_owned(),
            head,
        });
        raw = &raw[end + 4 + length..];
    }
    out
}

/// Sends `bytes` and reads until the server closes the connection: every answer. Fails
/// if the server keeps it open for 5 seconds.
async fn until_closed(stream: &mut TcpStream, bytes: &[u8]) -> Vec<Answer> {
    stream.write_all(bytes).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection")
        .unwrap();
    answers(&raw)
}

/// Reads until one whole answer has come, leaving the connection open.
async fn one_answer(stream: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before an answer");
        raw.extend_from_slice(&chunk[..n]);
        if let Some(answer) = answers(&raw).pop() {
            return answer;
        }
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const HEALTHZ_THEN_CLOSE: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const NUL: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n";

fn is_refusal(a: &Answer, status: u16, words: &str) -> bool {
    a.status == status
        && a.head.contains("content-type: application/json")
        && a.head.contains("connection: close")
        && a.error().contains(words)
}

#[tokio::test]
async fn each_malformed_head_gets_its_status_and_a_json_reason() {
    let d = server().await;
    let many = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-A: b\r\n".repeat(101)
    );
    let cases: [(&str, &[u8], u16, &str); 11] = [
        ("a NUL in a header", NUL, 400, "control character"),
        (
            "a CR in a header",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\rb\r\n\r\n",
            400,
            "control character",
        ),
        (
            "two Content-Lengths that disagree",
            b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            400,
            "Content-Length",
        ),
        (
            "a signed Content-Length",
            b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}",
            400,
            "Content-Length",
        ),
        (
            "a Transfer-Encoding that does not end in chunked",
            b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            400,
            "Transfer-Encoding",
        ),
        (
            "a Transfer-Encoding in HTTP/1.0",
            b"POST /api/v1/reports HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "Transfer-Encoding",
        ),
        (
            "a space in a header name",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX Note: b\r\n\r\n",
            400,
            "header name",
        ),
        (
            "a bad method",
            b"G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
            "method",
        ),
        (
            "HTTP/2.1",
            b"GET /healthz HTTP/2.1\r\nHost: x\r\n\r\n",
            400,
            "version",
        ),
        (
            "a path that is not a URI",
            b"GET http:/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
            "URI",
        ),
        (
            "101 header fields",
            many.as_bytes(),
            431,
            "more than 100 header fields",
        ),
    ];
    for (what, bytes, status, words) in cases {
        let got = until_closed(&mut connect(&d).await, bytes).await;
        assert!(
            got.len() == 1 && is_refusal(&got[0], status, words),
            "{what}: {got:?}"
        );
    }
    // Logged as any refusal is, by its route's template.
    let logged = d
        .log_lines()
        .iter()
        .filter(|l| l.contains("route=/.malformed/{reason} status=400"))
        .count();
    assert_eq!(logged, 10, "{:?}", d.log_lines());
}

#[tokio::test]
async fn a_malformed_head_after_good_ones_is_answered_after_them() {
    let d = server().await;
    // Sent together: the first is answered, then the second refused.
    let got = until_closed(&mut connect(&d).await, &[HEALTHZ, NUL].concat()).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[0].status, got[0].body.as_str()), (200, "ok\n"));
    assert!(is_refusal(&got[1], 400, "control character"), "{got:?}");

    // One after the other on a connection kept alive.
    let mut stream = connect(&d).await;
    stream.write_all(HEALTHZ).await.unwrap();
    let first = one_answer(&mut stream).await;
    assert_eq!((first.status, first.body.as_str()), (200, "ok\n"));
    let got = until_closed(&mut stream, NUL).await;
    assert!(
        got.len() == 1 && is_refusal(&got[0], 400, "control character"),
        "{got:?}"
    );
}

#[tokio::test]
async fn bodies_are_not_heads_and_what_hyper_takes_still_passes() {
    let d = server().await;
    let token = d.token("org", Role::Reporter).await;
    // A body that would be a malformed head, sent with a Content-Length, then chunked: each
    // reaches the route (which refuses it as a summary), and the next request is answered.
    let body = "GET / HTTP/1.1\r\nX-Note: a\0b\r\n\r\n";
    let report = |framing: String, body: &str| {
        format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\n{framing}\r\n{body}"
        )
    };
    let sized = report(format!("Content-Length: {}\r\n", body.len()), body);
    let chunked = report(
        "Transfer-Encoding: chunked\r\n".into(),
        &format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()),
    );
    // Two Content-Lengths that agree are taken, as hyper takes them.
    let twice = report(
        format!("Content-Length: {0}\r\nContent-Length: {0}\r\n", body.len()),
        body,
    );
    for request in [sized, chunked, twice] {
        let sent = [request.as_bytes(), HEALTHZ_THEN_CLOSE].concat();
        let got = until_closed(&mut connect(&d).await, &sent).await;
        assert_eq!(got.len(), 2, "{request:?}: {got:?}");
        assert_eq!(got[0].status, 400, "{request:?}: {got:?}");
        assert!(
            got[0].error().starts_with("not a weekly summary"),
            "{request:?}: {got:?}"
        );
        assert_eq!((got[1].status, got[1].body.as_str()), (200, "ok\n"));
    }
}
