//! Headless Chromium driven over the Chrome DevTools Protocol, with a minimal WebSocket
//! client written here (CDP messages are text frames; no extensions, no TLS), so the tests
//! need no WebSocket crate. Chromium is launched as [`super::chromium`] runs it, with
//! `--remote-debugging-port=0`; the port comes from `<profile>/DevToolsActivePort`.
//!
//! Every read has a deadline ([`super::DEADLINE`]): a stuck browser fails the test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use super::DEADLINE;
use super::process::Peer;

/// A browser and one page's DevTools connection. The browser is killed on drop.
pub struct Browser {
    page: WebSocket,
    next_id: u64,
    /// Events not yet taken by [`Browser::wait_for`], in arrival order.
    events: Vec<Value>,
    /// Every `Network.requestWillBeSent` URL since `Network.enable`.
    pub requests: Vec<String>,
    _peer: Peer,
}

impl Browser {
    /// Chromium headless, with its profile (and log) in `profile`, a `width` x `height`
    /// window, on about:blank, with the Page and Network domains enabled.
    pub fn launch(chrome: &Path, profile: &Path, width: u32, height: u32) -> Browser {
        let mut cmd = Command::new(chrome);
        // On the real clock, as `super::chromium::chromium` says.
        cmd.env_remove("LD_PRELOAD")
            .args(super::chromium::HEADLESS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={width},{height}"))
            .arg("about:blank");
        let peer = Peer::spawn(cmd, "chromium", &profile.join("chromium.log"), false);
        let port = active_port(profile, &peer);
        let targets = http_get(port, "/json/list");
        let targets: Value = serde_json::from_str(&targets).expect("targets are JSON");
        let url = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .unwrap_or_else(|| panic!("no page target in {targets}"))
            .to_string();
        let path = url
            .split_once("/devtools/")
            .map(|(_, p)| format!("/devtools/{p}"))
            .expect("a devtools path");
        let mut browser = Browser {
            page: WebSocket::connect(port, &path),
            next_id: 0,
            events: Vec::new(),
            requests: Vec::new(),
            _peer: peer,
        };
        browser.call("Page.enable", json!({}));
        browser.call("Network.enable", json!({}));
        browser
    }

    /// Sends a command and returns its `result`; panics on a protocol error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.page
            .send(&json!({ "id": id, "method": method, "params": params }).to_string());
        loop {
            let message = self.receive();
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method}: {error}");
                }
                return message["result"].clone();
            }
        }
    }

    /// Waits for the next event named `method` (one that arrived earlier counts).
    pub fn wait_for(&mut self, method: &str) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(at);
        }
        loop {
            let message = self.receive();
            if message["method"] == method {
                return message;
            }
        }
    }

    /// Forgets events received so far (before an action whose events are awaited).
    pub fn clear_events(&mut self) {
        self.events.clear();
    }

    fn receive(&mut self) -> Value {
        let text = self.page.receive();
        let message: Value = serde_json::from_str(&text).expect("CDP messages are JSON");
        if message["method"] == "Network.requestWillBeSent"
            && let Some(url) = message["params"]["request"]["url"].as_str()
        {
            self.requests.push(url.to_string());
        }
        if message.get("method").is_some() {
            self.events.push(message.clone());
        }
        message
    }

    /// Loads `url` and waits for its load event.
    pub fn navigate(&mut self, url: &str) {
        self.clear_events();
        let r = self.call("Page.navigate", json!({ "url": url }));
        assert!(r.get("errorText").is_none(), "navigate {url}: {r}");
        self.wait_for("Page.loadEventFired");
    }

    /// Runs `expression` in the page; its value (by value, so arrays and objects come back).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Runs `expression`, which starts a navigation (a form submit), and waits for the next
    /// page's load event.
    pub fn eval_and_wait(&mut self, expression: &str) {
        self.clear_events();
        self.eval(expression);
        self.wait_for("Page.loadEventFired");
    }

    /// A PNG of the whole page (beyond the window), written to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let r = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": size["width"], "height": size["height"],
                          "scale": 1 },
            }),
        );
        let png = base64_decode(r["data"].as_str().expect("screenshot data"));
        std::fs::write(path, png).unwrap();
    }
}

/// The port Chromium chose, from the first line of `DevToolsActivePort` once written.
fn active_port(profile: &Path, peer: &Peer) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let start = Instant::now();
    loop {
        let port = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()));
        if let Some(port) = port {
            return port;
        }
        if start.elapsed() > DEADLINE {
            peer.fail("wrote no DevToolsActivePort");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    stream
}

/// A plain HTTP/1.1 GET to the DevTools server; the body (by its Content-Length: the
/// server keeps the connection open).
fn http_get(port: u16, path: &str) -> String {
    let mut stream = connect(port);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let head = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length: {head}"));
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    String::from_utf8(body).expect("a UTF-8 body")
}

/// An HTTP response's head, read byte by byte so nothing after it is consumed.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).expect("an HTTP response head");
        head.push(b[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A client WebSocket (RFC 6455): text frames out (masked, as a client must), text frames
/// in (reassembled from continuations), pings answered.
struct WebSocket {
    stream: TcpStream,
}

impl WebSocket {
    fn connect(port: u16, path: &str) -> WebSocket {
        let mut stream = connect(port);
        // The key's value is not secret; the accept hash is not checked (a test's own peer).
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let head = read_head(&mut stream);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        WebSocket { stream }
    }

    fn send(&mut self, text: &str) {
        self.frame(0x1, text.as_bytes());
    }

    fn frame(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        let len = payload.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else if len <= usize::from(u16::MAX) {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
        let mask = [0x5a, 0x13, 0xc7, 0x2e];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream
                .read_exact(&mut head)
                .expect("a WebSocket frame");
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let masked = head[1] & 0x80 != 0;
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b).unwrap();
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut mask = [0u8; 4];
            if masked {
                self.stream.read_exact(&mut mask).unwrap();
            }
            let mut payload = vec![0u8; usize::try_from(len).unwrap()];
            self.stream.read_exact(&mut payload).unwrap();
            if masked {
                payload
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, b)| *b ^= mask[i % 4]);
            }
            match opcode {
                0x0 | 0x1 => message.extend_from_slice(&payload),
                0x8 => panic!("DevTools closed the connection"),
                0x9 => {
                    self.frame(0xA, &payload);
                    continue;
                }
                _ => continue,
            }
            if fin {
                return String::from_utf8(message).expect("text frames are UTF-8");
            }
        }
    }
}

/// Standard base64 (screenshots come back in it).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let n = digits
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..digits.len().max(1)]);
    }
    out
}
