//! HTTP requests made for the agent by a short-lived helper process, so the agent that idles
//! all day never maps an HTTP or TLS stack (reqwest, hyper, rustls and aws-lc are about a
//! megabyte of code, touched at start: docs/benchmarks.md). The agent asks a few times a
//! week (a summary, a week token) and at quiet-hours boundaries (Syncthing's local API).
//!
//! The helper is `clockoff fetch` (hidden), found beside the running binary
//! ([`crate::programs`]). A [`Request`] goes to its stdin as JSON, so a token is never on a
//! command line; its [`Outcome`] comes back on stdout. [`in_process`] is what the helper runs (and what tests may call directly).

pub mod in_process;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::hold::BoxFuture;

/// Unknown fields are refused: a helper from another build must not drop one (`no_proxy`)
/// without saying so.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    /// A local API: an `HTTP_PROXY` meant for the internet must not see its key.
    pub no_proxy: bool,
    pub user_agent: Option<String>,
    /// The most of the answer's body read; a longer one fails the request (a calendar).
    /// Only for requests made in this process (`in_process`): the helper is never sent it.
    #[serde(skip)]
    pub max_body: Option<u64>,
    /// Follow up to 3 redirects to https (a published calendar's address may move); other
    /// requests never follow one, which would carry them somewhere nobody configured. Only
    /// for requests made in this process, as `max_body`.
    #[serde(skip)]
    pub follow_redirects: bool,
}

/// Headers carry tokens and keys: their values are never printed.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &self.body.as_ref().map(String::len))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    /// The body as text (the APIs spoken here answer JSON or plain text).
    pub body: String,
    /// The validators a conditional request sends back (a calendar's).
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    /// Nothing accepted the connection (or it failed while connecting), in words.
    Connect(String),
    /// No answer within the request's timeout.
    Timeout,
    /// Anything else, in words (a TLS failure, a malformed answer, no helper).
    Other(String),
}

pub type Outcome = Result<Response, Failure>;

impl Request {
    pub fn get(url: impl Into<String>, timeout: Duration) -> Request {
        Request {
            method: Method::Get,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            connect_timeout_ms: millis(timeout),
            timeout_ms: millis(timeout),
            no_proxy: false,
            user_agent: None,
            max_body: None,
            follow_redirects: false,
        }
    }

    pub fn post(url: impl Into<String>, timeout: Duration) -> Request {
        Request {
            method: Method::Post,
            ..Request::get(url, timeout)
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json(mut self, body: String) -> Request {
        self.body = Some(body);
        self.header("content-type", "application/json")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Makes requests.
pub trait Fetch: Send + Sync {
    fn fetch(&self, request: Request) -> BoxFuture<'_, Outcome>;
}

/// The helper process: `clockoff fetch`, beside this binary.
pub struct Helper {
    program: PathBuf,
}

/// Time the helper may take beyond the request's own timeout (starting, TLS setup) before
/// it is killed.
const SLACK: Duration = Duration::from_secs(10);
/// The most of the helper's answer read: a summary's answer or Syncthing's device list is a
/// few KiB.
const ANSWER_LIMIT: u64 = 4 << 20;

impl Helper {
    /// The `clockoff` beside the running binary (`clockoff-agent` is installed beside it).
    pub fn beside_this_binary() -> Helper {
        Helper::at(crate::programs::beside_this_one(crate::programs::CLI))
    }

    /// `program fetch` (a test's, which has no `clockoff` beside it).
    pub fn at(program: PathBuf) -> Helper {
        Helper { program }
    }

    async fn run(&self, request: &Request) -> Outcome {
        let input = serde_json::to_vec(request).map_err(|e| Failure::Other(e.to_string()))?;
        let mut child = tokio::process::Command::new(&self.program)
            .arg("fetch")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                Failure::Other(format!(
                    "cannot start {} for the request: {e}",
                    self.program.display()
                ))
            })?;
        let mut stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let exchange = async {
            // A helper that stops without reading (an older build refusing `fetch`) closes
            // the pipe; what it said on stderr is the reason, read below.
            let _ = stdin.write_all(&input).await;
            drop(stdin);
            let (mut output, mut said) = (Vec::new(), Vec::new());
            let (mut stdout, mut stderr) = (stdout.take(ANSWER_LIMIT), stderr.take(ANSWER_LIMIT));
            tokio::try_join!(
                stdout.read_to_end(&mut output),
                stderr.read_to_end(&mut said),
            )?;
            child.wait().await?;
            Ok::<_, std::io::Error>((output, said))
        };
        let limit = Duration::from_millis(request.timeout_ms).saturating_add(SLACK);
        let (output, said) = match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(exchanged)) => exchanged,
            Ok(Err(e)) => return Err(Failure::Other(format!("the request's helper: {e}"))),
            // The child is killed on drop.
            Err(_) => {
                return Err(Failure::Other(format!(
                    "the request's helper did not finish within {} s and was stopped",
                    limit.as_secs()
                )));
            }
        };
        let outcome: Outcome = serde_json::from_slice(&output).map_err(|e| {
            // What the helper said of itself (an older build refusing the request, a
            // panic): its last line.
            let said = String::from_utf8_lossy(&said);
            let last = said.trim().lines().last().unwrap_or("it said nothing");
            Failure::Other(format!(
                "the request's helper answered nothing readable ({e}): {last}"
            ))
        })?;
        outcome
    }
}

impl Fetch for Helper {
    fn fetch(&self, request: Request) -> BoxFuture<'_, Outcome> {
        Box::pin(async move { self.run(&request).await })
    }
}

/// `clockoff fetch`: one request from stdin, its outcome to stdout.
pub fn serve_one(input: &[u8]) -> Vec<u8> {
    let outcome: Outcome = match serde_json::from_slice::<Request>(input) {
        Ok(request) => in_process::fetch_blocking(&request),
        Err(e) => Err(Failure::Other(format!("not a request: {e}"))),
    };
    serde_json::to_vec(&outcome).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_a_field_this_build_does_not_know_is_refused() {
        let mut json =
            serde_json::to_value(Request::get("http://127.0.0.1:9/", Duration::ZERO)).unwrap();
        json["follow_redirects"] = true.into();
        let answer = serve_one(json.to_string().as_bytes());
        let outcome: Outcome = serde_json::from_slice(&answer).unwrap();
        match outcome {
            Err(Failure::Other(why)) => assert!(why.contains("unknown field"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_are_never_printed() {
        let request = Request::get("http://127.0.0.1:9/", Duration::ZERO)
            .header("authorization", "Bearer cod_r_secret");
        let printed = format!("{request:?}");
        assert!(
            printed.contains("authorization") && !printed.contains("secret"),
            "{printed}"
        );
    }

    #[tokio::test]
    async fn a_helper_that_answers_nothing_is_reported_with_its_last_words() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("helper");
        clockoff_testrig::process::install_script(
            &helper,
            "#!/bin/sh\necho 'starting' >&2\necho 'unknown command fetch' >&2\nexit 2\n",
        );
        let outcome = Helper::at(helper)
            .fetch(Request::get("http://127.0.0.1:9/", Duration::from_secs(5)))
            .await;
        match outcome {
            Err(Failure::Other(why)) => {
                assert!(why.ends_with("unknown command fetch"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
}
