//! A real CalDAV server on loopback: Radicale, serving calendars over plain HTTP as Outlook,
//! Google Calendar and Nextcloud publish one, so a test can hand a worker's calendar to the
//! code under test and change it between fetches. A GET of a calendar collection's URL
//! (`/<user>/<calendar>/`) answers the whole calendar as one `text/calendar` document, with
//! an ETag computed from the content (the same content, the same ETag).
//!
//! Each server is private to its test: its own config (read instead of /etc/radicale and
//! ~/.config/radicale), storage in a temporary folder, no authentication, every user's
//! calendars writable, and a port Radicale picks itself (`127.0.0.1:0`), read from its log.
//!
//! What Radicale 3.1.8 serves is not byte for byte what was put: it re-serialises through
//! vobject (its own PRODID, CRLF line endings, long lines folded, properties reordered), keeps
//! one VTIMEZONE per TZID that an event uses (rewritten) and drops the rest, drops
//! calendar-level properties other than X-WR-CALNAME (METHOD, CALSCALE, X-WR-TIMEZONE...),
//! gives an event without a UID a random one, and lists events in storage order, not in the
//! order put. It ignores If-None-Match and If-Modified-Since on a GET: always a 200 with the
//! whole body, never a 304.
//!
//! The rig talks to Radicale with curl, not with the code under test.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::bus::isolate;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, temp_dir};
use super::{DEADLINE, Missing};

#[derive(Debug)]
pub struct Radicale {
    // Field order: the server is killed before its storage is removed.
    peer: Peer,
    curl: PathBuf,
    port: u16,
    #[allow(dead_code)] // held for its Drop
    dir: TempDir,
}

/// An answer as curl saw it; header names are lower case.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Radicale {
    /// Starts a server and waits until it answers HTTP.
    pub fn start(label: &str) -> Result<Self, Missing> {
        let curl = find_program("curl")?;
        let program = find_program("radicale")?;
        let dir = temp_dir(&format!("radicale-{label}"));
        let config = dir.path().join("config");
        std::fs::write(&config, config_text(&dir.path().join("collections")))
            .expect("write radicale's config");
        let mut cmd = Command::new(program);
        cmd.arg("--config").arg(&config);
        isolate(&mut cmd, &dir);
        let log = dir.path().join("radicale.log");
        let mut peer = Peer::spawn(cmd, &format!("radicale {label}"), &log, false);
        let port = listening_port(&mut peer, &log);
        let radicale = Self {
            peer,
            curl,
            port,
            dir,
        };
        radicale.wait_ready();
        Ok(radicale)
    }

    /// `http://127.0.0.1:<port>/<path>`; `path` with or without its leading slash.
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// Creates the calendar collection at `path` (`<user>/<calendar>`) or replaces all it
    /// holds with `ics`, one VCALENDAR: after this, a GET of [`Radicale::url`]`(path)` with its
    /// trailing slash answers this calendar. Returns the collection's new ETag (quoted), the
    /// one that GET sends.
    pub fn put_calendar(&self, path: &str, ics: &str) -> String {
        let path = path.trim_matches('/');
        let Some((user, _)) = path.split_once('/').filter(|(_, c)| !c.contains('/')) else {
            panic!("a calendar's path is <user>/<calendar>, not {path:?}");
        };
        // The user's (principal) collection must exist first; 405: it already does.
        let made = self.request("MKCOL", &format!("{user}/"), &[], None);
        if made.status != 201 && made.status != 405 {
            self.fail(&format!("MKCOL /{user}/"), &made);
        }
        let headers = ["Content-Type: text/calendar; charset=utf-8"];
        let put = self.request("PUT", &format!("{path}/"), &headers, Some(ics));
        if put.status != 201 {
            self.fail(&format!("PUT /{path}/"), &put);
        }
        put.header("etag")
            .unwrap_or_else(|| self.fail(&format!("PUT /{path}/ (no ETag)"), &put))
            .to_string()
    }

    /// Asks `/` until Radicale answers (a redirect to its web interface, which is off).
    fn wait_ready(&self) {
        let start = Instant::now();
        loop {
            let answer = self.try_request("GET", "/", &[], None);
            if answer.is_ok_and(|a| a.status != 0) {
                return;
            }
            if start.elapsed() > DEADLINE {
                self.peer.fail("did not answer HTTP in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn request(&self, method: &str, path: &str, headers: &[&str], body: Option<&str>) -> Answer {
        self.try_request(method, path, headers, body)
            .unwrap_or_else(|e| self.peer.fail(&format!("{method} /{path}: {e}")))
    }

    /// One request with curl; status 0 when nothing answered.
    fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: Option<&str>,
    ) -> Result<Answer, String> {
        let mut cmd = Command::new(&self.curl);
        cmd.args(["--silent", "--show-error", "--include", "--noproxy", "*"])
            .args(["--max-time", &DEADLINE.as_secs().to_string()])
            .args(["-X", method, "-H", "Expect:"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for header in headers {
            cmd.args(["-H", header]);
        }
        if body.is_some() {
            cmd.args(["--data-binary", "@-"]);
        }
        cmd.arg(self.url(path));
        let mut child = cmd.spawn().map_err(|e| format!("curl: {e}"))?;
        let mut stdin = child.stdin.take().expect("curl's stdin is piped");
        let body = body.unwrap_or_default().to_string();
        let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
        let out = child.wait_with_output().map_err(|e| format!("curl: {e}"))?;
        let _ = writer.join();
        if !out.status.success() {
            // Connection refused (7) before the server listens, and the like.
            return match out.status.code() {
                Some(7) => Ok(Answer {
                    status: 0,
                    headers: Vec::new(),
                    body: String::new(),
                }),
                _ => Err(format!(
                    "curl {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )),
            };
        }
        parse_answer(&String::from_utf8_lossy(&out.stdout))
    }

    fn fail(&self, what: &str, answer: &Answer) -> ! {
        self.peer.fail(&format!(
            "answered {what} with {}: {}",
            answer.status, answer.body
        ))
    }
}

/// Splits what `curl --include` printed into the status, headers and body.
fn parse_answer(text: &str) -> Result<Answer, String> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line in {text:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

/// No authentication, and `authenticated` rights (with no authentication: everyone), which
/// let anyone create a user's collection and read and write the calendars in it. The log at
/// `info` says which port the server took, and each request.
fn config_text(storage: &std::path::Path) -> String {
    format!(
        "[server]\nhosts = 127.0.0.1:0\n\n\
         [auth]\ntype = none\n\n\
         [rights]\ntype = authenticated\n\n\
         [storage]\nfilesystem_folder = {}\n\n\
         [web]\ntype = none\n\n\
         [logging]\nlevel = info\n",
        storage.display()
    )
}

/// The port in the log's `Listening on '[127.0.0.1]:<port>'`, once Radicale is ready.
fn listening_port(peer: &mut Peer, log: &std::path::Path) -> u16 {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("Radicale server ready") {
            let port = text
                .split("Listening on '[127.0.0.1]:")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .and_then(|port| port.parse().ok());
            return port.unwrap_or_else(|| peer.fail("is ready, but its log names no port"));
        }
        peer.check_running();
        if start.elapsed() > DEADLINE {
            peer.fail("was not ready in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::or_skip;

    fn calendar(uid: &str, summary: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//clockoff//rig//EN\r\n\
             X-WR-CALNAME:Work\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\n\
             DTEND:20260105T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    fn get(radicale: &Radicale, path: &str, etag: Option<&str>) -> Answer {
        let header = etag.map(|e| format!("If-None-Match: {e}"));
        let answer = radicale.request("GET", path, &Vec::from_iter(header.as_deref()), None);
        assert_eq!(answer.status, 200, "GET /{path}: {answer:?}");
        answer
    }

    #[test]
    fn radicale_serves_a_calendar_that_changes_between_fetches() {
        let Some(radicale) = or_skip(Radicale::start("test")) else {
            return;
        };
        let put =
            radicale.put_calendar("alice/work", &calendar("standup@clockoff.test", "Standup"));

        let first = get(&radicale, "alice/work/", None);
        assert_eq!(
            first.header("content-type"),
            Some("text/calendar; charset=utf-8")
        );
        assert!(
            first.body.starts_with("BEGIN:VCALENDAR\r\n"),
            "{}",
            first.body
        );
        assert!(
            first.body.contains("UID:standup@clockoff.test\r\n"),
            "{}",
            first.body
        );
        let etag = first.header("etag").expect("an ETag").to_string();
        assert_eq!(etag, put, "the ETag the PUT answered is the one GET sends");

        // Radicale does not answer a conditional GET with a 304: the whole calendar again,
        // with the same ETag.
        let again = get(&radicale, "alice/work/", Some(&etag));
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert_eq!(again.body, first.body);

        // The ETag follows the content: the same calendar put again keeps it.
        let same =
            radicale.put_calendar("alice/work", &calendar("standup@clockoff.test", "Standup"));
        assert_eq!(same, etag);

        let changed =
            radicale.put_calendar("alice/work", &calendar("review@clockoff.test", "Review"));
        assert_ne!(changed, etag);
        let second = get(&radicale, "/alice/work/", Some(&etag));
        assert_eq!(second.header("etag"), Some(changed.as_str()));
        assert!(
            second.body.contains("UID:review@clockoff.test\r\n"),
            "{}",
            second.body
        );
        assert!(
            !second.body.contains("standup"),
            "replaced, not added to: {}",
            second.body
        );
    }
}
