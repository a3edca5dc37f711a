//! The dashboard's pages over HTTP, against the real server on 127.0.0.1:0: sign-in and its
//! cookie, sign-out, expiry, scope, CSV, the headers every page carries, and a log that names
//! no token or session. Cookies are handled by hand, so each test sees exactly what is sent.
//! The end-to-end run in headless Chromium is in `e2e` below.

use crate::support;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use clockoff_core::summary::{DeviceSecret, ReportId, WeeklySummary};
use clockoff_dashboard::pages::CSV_HEADER;
use clockoff_dashboard::store::Store;
use clockoff_dashboard::token::Role;
use reqwest::header::HeaderMap;
use support::dashboard::{Backend, Dashboard};
use support::laptop::{Laptop, Laptops, WEEK_TOKEN_HEADER};

/// Monday of 2026-W49, 08:00 UTC: 2026-W48 has just ended.
const NOW: &str = "2026-11-30T08:00:00Z";

const UNITS: [(&str, Option<&str>, &str); 7] = [
    ("org", None, "Example Children's Services"),
    ("svc", Some("org"), "Assessment Service"),
    ("team-a", Some("svc"), "Team A"),
    ("team-b", Some("svc"), "Team B"),
    ("team-c", Some("svc"), "Team C"),
    ("other", Some("org"), "Other Service"),
    ("team-d", Some("other"), "Team D"),
];

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
}

/// Weeks are accepted for a week after they end here, so a week later, Monday of 2026-W50,
/// 2026-W48 is published.
const WEEKS_ACCEPTED: u32 = 1;

fn w48_published() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z")
        .unwrap()
        .to_utc()
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The session cookie's `name=value`, from `Set-Cookie`.
    fn cookie(&self) -> String {
        self.header("set-cookie")
            .split(';')
            .next()
            .unwrap_or("")
            .to_string()
    }
}

/// A client that follows no redirect and keeps no cookie.
struct Web {
    base: String,
    http: reqwest::Client,
}

impl Web {
    fn new(d: &Dashboard) -> Web {
        Web {
            base: d.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap();
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        self.send(request).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// The form post a browser makes from the sign-in page.
    async fn sign_in(&self, token: &str) -> Reply {
        let form = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
            ("origin", "null"),
        ];
        self.post("/sign-in", &form, &format!("token={token}"))
            .await
    }
}

/// A viewer's session cookie (`name=value`), signed in through the form.
async fn signed_in(web: &Web, token: &str) -> String {
    let r = web.sign_in(token).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.cookie()
}

/// One person's summary for `week`; person `who` has their own device secret.
pub fn summary(week: chrono::IsoWeek, who: u32, minutes: u32) -> WeeklySummary {
    let mut secret = [0u8; 32];
    secret[..4].copy_from_slice(&who.to_be_bytes());
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(&who.to_be_bytes());
    id[4..8].copy_from_slice(&week.year().to_be_bytes());
    id[8..12].copy_from_slice(&week.week().to_be_bytes());
    id[15] = 1;
    WeeklySummary {
        schema: Default::default(),
        week,
        report_id: ReportId::from_bytes(id),
        pseudonym: DeviceSecret::from_bytes(secret).pseudonym(week),
        figures: clockoff_core::summary::WeekFigures {
            out_of_hours_minutes: minutes,
            self_reported_out_of_hours_minutes: 0,
            weekend_minutes: 0,
            late_evening_minutes: 0,
            days_with_out_of_hours_work: u32::from(minutes > 0),
            notifications_held_out_of_hours: 0,
            on_call_callout_minutes: 0,
        },
    }
}

use chrono::Datelike;

/// Delivers `summary` through the real ingest API with a reporter token, from a laptop
/// enrolled for it with its week token.
pub async fn deliver(http: &reqwest::Client, base: &str, reporter: &str, s: &WeeklySummary) {
    let report: serde_json::Value = serde_json::from_str(&s.to_wire()).unwrap();
    let week_token = Laptops::default()
        .token_for(http, base, reporter, &report)
        .await
        .expect("a laptop enrols and has its week token");
    let r = http
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(reporter)
        .header(WEEK_TOKEN_HEADER, week_token.to_string())
        .header("content-type", "application/json")
        .body(s.to_wire())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}

fn assert_page_headers(r: &Reply, what: &str) {
    assert_eq!(
        r.header("content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
         frame-ancestors 'none'",
        "{what}"
    );
    assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(r.header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(r.header("cache-control"), "no-store", "{what}");
}

async fn start() -> Dashboard {
    Dashboard::start(&UNITS, 5, WEEKS_ACCEPTED, now()).await
}

/// A mistyped address in a browser is a page that says so and links home (it was the API's
/// bare JSON); a program, or anything under /api/, still gets the JSON reason.
#[tokio::test]
async fn an_unknown_address_is_a_page_for_a_person_and_json_for_a_program() {
    let d = start().await;
    let web = Web::new(&d);
    let browser = web
        .send(
            web.http
                .get(format!("{}/unit/svc", web.base))
                .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        )
        .await;
    assert_eq!(browser.status, 404);
    assert!(browser.header("content-type").starts_with("text/html"));
    assert!(
        browser.body.contains("<h1>Page not found</h1>"),
        "{}",
        browser.body
    );
    assert!(browser.body.contains("<a href=\"/\">"));
    assert_page_headers(&browser, "not found");
    for (path, accept) in [("/unit/svc", "*/*"), ("/api/v1/nope", "text/html")] {
        let r = web
            .send(
                web.http
                    .get(format!("{}{path}", web.base))
                    .header("accept", accept),
            )
            .await;
        assert_eq!(r.status, 404, "{path}");
        let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(json["error"], "no such resource", "{path}");
    }
}

#[tokio::test]
async fn a_viewer_signs_in_with_a_strict_http_only_cookie_and_lands_on_their_unit() {
    let d = start().await;
    let web = Web::new(&d);
    let token = d.token("svc", Role::Viewer).await;

    let r = web.get("/", None).await;
    assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
    let r = web.get("/sign-in", None).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("name=\"token\"") && r.body.contains("method=\"post\""));
    assert!(r.header("content-type").starts_with("text/html"));

    let r = web.sign_in(&token).await;
    assert_eq!((r.status, r.header("location")), (303, "/units/svc"));
    let set = r.header("set-cookie");
    let (pair, attributes) = set.split_once("; ").unwrap();
    let (name, id) = pair.split_once('=').unwrap();
    assert_eq!(name, "clockoff_session");
    assert!(
        id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(
        attributes, "Max-Age=28800; Path=/; HttpOnly; SameSite=Strict",
        "no Secure over plain http on loopback"
    );
    let cookie = r.cookie();

    let r = web.get("/", Some(&cookie)).await;
    assert_eq!((r.status, r.header("location")), (303, "/units/svc"));
    let r = web.get("/sign-in", Some(&cookie)).await;
    assert_eq!((r.status, r.header("location")), (303, "/units/svc"));
    let r = web.get("/units/svc", Some(&cookie)).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("<h1>Assessment Service: out-of-hours work, the last 26 weeks</h1>")
    );
    assert!(r.body.contains("action=\"/sign-out\""));
    // Nothing reported yet: the page says so and how teams start (issue 19), rather than a
    // table of weeks each "fewer than k".
    assert!(r.body.contains("Nothing published yet"), "{}", r.body);
    // The laptops enrolled in the service and below, against their headcounts (1,000 a unit
    // in the rig): one in team-a, none revoked.
    let reporter = d.token("team-a", Role::Reporter).await;
    let laptop = Laptop::enrol(&web.http, &d.base, &reporter).await.unwrap();
    assert_eq!(laptop.enrolled, 1);
    let r = web.get("/units/svc", Some(&cookie)).await;
    assert!(
        r.body.contains(
            "1 laptop is enrolled to report in Assessment Service and the units below it \
             (their declared headcount: 4000)"
        ),
        "{}",
        r.body
    );

    // Behind a TLS proxy (or reached over https) the cookie is Secure.
    let r = web
        .post(
            "/sign-in",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-forwarded-proto", "https"),
            ],
            &format!("token={token}"),
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        r.header("set-cookie").ends_with("; Secure"),
        "{}",
        r.header("set-cookie")
    );
    // Each sign-in is its own session.
    assert_ne!(r.cookie(), cookie);
}

#[tokio::test]
async fn failed_sign_ins_get_the_form_again_with_the_same_words_and_no_cookie() {
    let d = start().await;
    let web = Web::new(&d);
    let reporter = d.token("team-a", Role::Reporter).await;
    let viewer = d.token("svc", Role::Viewer).await;
    let mut bodies = Vec::new();
    let form = ("content-type", "application/x-www-form-urlencoded");
    for (what, headers, body) in [
        (
            "wrong token",
            vec![form],
            "token=cod_v_nottherightone".to_string(),
        ),
        ("garbage", vec![form], "token=%zz%".into()),
        ("no field", vec![form], "name=x".into()),
        ("empty", vec![form], String::new()),
        ("reporter token", vec![form], format!("token={reporter}")),
        (
            "viewer token as JSON",
            vec![("content-type", "application/json")],
            format!("{{\"token\":\"{viewer}\"}}"),
        ),
        ("no content type", vec![], format!("token={viewer}")),
        ("not UTF-8", vec![form], "token=%FF%FE".into()),
    ] {
        let r = web.post("/sign-in", &headers, &body).await;
        assert_eq!(r.status, 401, "{what}");
        assert_eq!(r.header("set-cookie"), "", "{what}");
        assert!(r.body.contains("role=\"alert\""), "{what}");
        assert_page_headers(&r, what);
        bodies.push(r.body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "no hint which failure it was"
    );

    // From another site: refused before the token is looked at.
    let r = web
        .post(
            "/sign-in",
            &[form, ("sec-fetch-site", "cross-site")],
            &format!("token={viewer}"),
        )
        .await;
    assert_eq!((r.status, r.header("set-cookie")), (403, ""));
    let r = web
        .post(
            "/sign-in",
            &[form, ("origin", "https://evil.example")],
            &format!("token={viewer}"),
        )
        .await;
    assert_eq!((r.status, r.header("set-cookie")), (403, ""));
    // A form far larger than a token is refused unread.
    let huge = format!("token={}", "a".repeat(100_000));
    let r = web.post("/sign-in", &[form], &huge).await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn viewers_open_their_unit_and_below_only() {
    let d = start().await;
    let web = Web::new(&d);
    let team = signed_in(&web, &d.token("team-a", Role::Viewer).await).await;
    let service = signed_in(&web, &d.token("svc", Role::Viewer).await).await;

    assert_eq!(web.get("/units/team-a", Some(&team)).await.status, 200);
    let refused = web.get("/units/team-b", Some(&team)).await;
    assert_eq!(refused.status, 403);
    assert_page_headers(&refused, "403");
    for path in [
        "/units/svc",
        "/units/org",
        "/units/nowhere",
        "/units/team-d",
        "/units/%FF",
        "/units/team-a%2F..",
    ] {
        let r = web.get(path, Some(&team)).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(
            r.body, refused.body,
            "{path}: the same page as for a sibling"
        );
    }
    let long = format!("/units/{}", "x".repeat(10_000));
    assert_eq!(web.get(&long, Some(&team)).await.status, 403);

    for unit in ["svc", "team-a", "team-b", "team-c"] {
        let r = web
            .get(&format!("/units/{unit}?weeks=52"), Some(&service))
            .await;
        assert_eq!(r.status, 200, "{unit}");
    }
    for unit in ["org", "other", "team-d"] {
        let r = web.get(&format!("/units/{unit}"), Some(&service)).await;
        assert_eq!(r.status, 403, "{unit}");
    }
}

#[tokio::test]
async fn without_a_live_session_pages_send_to_sign_in_and_bearer_viewer_tokens_work() {
    let d = start().await;
    let web = Web::new(&d);
    let viewer = d.token("team-a", Role::Viewer).await;
    let reporter = d.token("team-a", Role::Reporter).await;
    let forged = format!("clockoff_session={}", "0".repeat(64));
    let huge = format!("clockoff_session={}", "9".repeat(7000));
    for cookie in [
        None,
        Some(forged.as_str()),
        Some("clockoff_session=x"),
        Some(huge.as_str()),
    ] {
        let r = web.get("/units/team-a", cookie).await;
        assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
    }

    let bearer = |token: &str| {
        web.http
            .get(format!("{}/units/team-a", web.base))
            .bearer_auth(token)
    };
    assert_eq!(web.send(bearer(&viewer)).await.status, 200);
    assert_eq!(web.send(bearer(&reporter)).await.status, 403);
    assert_eq!(web.send(bearer("cod_v_nonsense")).await.status, 401);

    // A session lasts 8 hours of the (test) clock.
    let cookie = signed_in(&web, &viewer).await;
    d.clock.advance(TimeDelta::hours(8) - TimeDelta::seconds(1));
    assert_eq!(web.get("/units/team-a", Some(&cookie)).await.status, 200);
    d.clock.advance(TimeDelta::seconds(1));
    let r = web.get("/units/team-a", Some(&cookie)).await;
    assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
}

#[tokio::test]
async fn sign_out_ends_the_session_and_clears_the_cookie() {
    let d = start().await;
    let web = Web::new(&d);
    let cookie = signed_in(&web, &d.token("svc", Role::Viewer).await).await;

    // Not from another site.
    let r = web
        .post(
            "/sign-out",
            &[("cookie", &cookie), ("sec-fetch-site", "cross-site")],
            "",
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(web.get("/units/svc", Some(&cookie)).await.status, 200);

    let r = web
        .post(
            "/sign-out",
            &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
            "",
        )
        .await;
    assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
    assert_eq!(
        r.header("set-cookie"),
        "clockoff_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"
    );
    let r = web.get("/units/svc", Some(&cookie)).await;
    assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
    // Signing out without a session is harmless.
    assert_eq!(web.post("/sign-out", &[], "").await.status, 303);
}

#[tokio::test]
async fn revoking_a_viewer_token_elsewhere_ends_its_sessions_and_its_bearer_use() {
    // The server trusts a looked-up token for 300 ms here (a minute in service).
    let ttl = std::time::Duration::from_millis(300);
    let d = Dashboard::start_with_token_ttl(Backend::Sqlite, &UNITS, 5, 8, now(), ttl)
        .await
        .unwrap();
    let web = Web::new(&d);
    let token = d.token("svc", Role::Viewer).await;
    let other = d.token("svc", Role::Viewer).await;
    let cookie = signed_in(&web, &token).await;
    let kept = signed_in(&web, &other).await;
    assert_eq!(web.get("/units/svc", Some(&cookie)).await.status, 200);

    // Revoked by another process on the same database, as `token revoke` does.
    let hash = clockoff_dashboard::token::TokenHash::of(&token);
    let elsewhere = d.another_store().await;
    assert!(elsewhere.revoke_token(hash, now()).await.unwrap());
    tokio::time::sleep(ttl + std::time::Duration::from_millis(100)).await;
    let r = web.get("/units/svc", Some(&cookie)).await;
    assert_eq!((r.status, r.header("location")), (303, "/sign-in"));
    let bearer = [("authorization", format!("Bearer {token}"))];
    let request = web.http.get(format!("{}/units/svc", web.base));
    let r = web.send(request.header(bearer[0].0, &bearer[0].1)).await;
    assert_eq!(r.status, 401);
    assert_eq!(web.sign_in(&token).await.status, 401);
    // Another viewer's session is untouched.
    assert_eq!(web.get("/units/svc", Some(&kept)).await.status, 200);
}

#[tokio::test]
async fn csv_downloads_have_the_contract_header_and_are_named_files() {
    let d = start().await;
    let web = Web::new(&d);
    let http = reqwest::Client::new();
    let reporter = d.token("team-a", Role::Reporter).await;
    let w48 = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().iso_week();
    for who in 0..5 {
        deliver(
            &http,
            &d.base,
            &reporter,
            &summary(w48, who, 15 * (who + 1)),
        )
        .await;
    }
    d.clock.set(w48_published());
    let cookie = signed_in(&web, &d.token("svc", Role::Viewer).await).await;

    let r = web
        .get("/units/team-a?weeks=26&format=csv", Some(&cookie))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        r.header("content-disposition"),
        "attachment; filename=\"clockoff-team-a-26-weeks-to-2026-W48.csv\""
    );
    assert_page_headers(&r, "csv");
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 27);
    // The five reports: 15, 30, 45, 60, 75 minutes; median 45, mean 45.
    assert!(
        lines[26].starts_with("2026-W48,2026-11-23,5,5,1.0000,45.0,45.0,"),
        "{}",
        lines[26]
    );
    assert!(lines[25].ends_with(",fewer than 5 people"), "{}", lines[25]);

    let r = web
        .get("/units/svc?weeks=52&format=csv", Some(&cookie))
        .await;
    assert_eq!(r.body.lines().count(), 53);
    assert!(
        r.header("content-disposition")
            .contains("clockoff-svc-52-weeks-to-2026-W48.csv")
    );
}

#[tokio::test]
async fn every_page_response_carries_the_security_headers_and_the_log_names_no_secret() {
    let d = start().await;
    let web = Web::new(&d);
    let token = d.token("team-a", Role::Viewer).await;
    let r = web.sign_in(&token).await;
    assert_page_headers(&r, "sign-in redirect");
    let cookie = r.cookie();
    let id = cookie.split_once('=').unwrap().1.to_string();
    for (path, cookie) in [
        ("/", None),
        ("/sign-in", None),
        ("/units/team-a", Some(cookie.as_str())),
        ("/units/team-a?weeks=52", Some(cookie.as_str())),
        ("/units/svc", Some(cookie.as_str())),
        ("/units/team-a", None),
    ] {
        let r = web.get(path, cookie).await;
        assert_page_headers(&r, path);
    }
    let log = d.log_lines();
    assert!(
        log.iter().any(|l| l.contains("route=/units/{unit}")),
        "{log:?}"
    );
    for line in &log {
        assert!(!line.contains(&token) && !line.contains(&id), "{line}");
        assert!(!line.contains("team-a"), "no unit from a URL: {line}");
    }
}

/// A year of a small organisation delivered through the real ingest API, then a service
/// manager signing in and reading it in headless Chromium, driven over the DevTools
/// Protocol. Screenshots: target/tmp/artefacts/dashboard-e2e-*.png.
mod e2e {
    use super::*;
    use support::axe::{Axe, axe_core};
    use support::cdp::Browser;
    use support::chromium::artefacts;
    use support::or_skip;
    use support::process::find_program;
    use support::tmp::temp_dir;

    /// k = 10. Team Big (12 people) is shown; Team Small (4) is below k; Team Steady (10)
    /// is hidden to protect Team Small: with both hidden, the service minus Team Big is 14
    /// people, not 4.
    const UNITS: [(&str, Option<&str>, &str); 5] = [
        ("org", None, "Example Children's Services"),
        ("svc", Some("org"), "Assessment & Intervention"),
        ("team-big", Some("svc"), "Team Big: Duty & Assessment"),
        ("team-small", Some("svc"), "Team Small: Leaving Care"),
        ("team-steady", Some("svc"), "Team Steady: Child in Need"),
    ];
    const TEAMS: [(&str, u32); 3] = [("team-big", 12), ("team-small", 4), ("team-steady", 10)];

    /// Team Big's last week (2026-W48), in minutes. Sorted, the middle two are 60 and 90, so
    /// the median is 75 minutes, "1h 15m"; 9 of 12 worked out of hours, "75%".
    const BIG_LAST_WEEK: [u32; 12] = [0, 0, 0, 15, 30, 60, 90, 120, 150, 180, 240, 300];

    /// Minutes for person `p` of team `t` in week `i` of 52 (multiples of 15, as agents send).
    fn minutes(t: usize, p: u32, i: usize) -> u32 {
        if t == 0 && i == 51 {
            return BIG_LAST_WEEK[p as usize];
        }
        15 * ((p * 7 + i as u32 * 3 + t as u32) % 13)
    }

    /// The text in a children-table row's cells, by the unit's link.
    fn row_cells(browser: &mut Browser, unit: &str) -> Vec<String> {
        let cells = browser.eval(&format!(
            "[...document.querySelector('a[href=\"/units/{unit}\"]').closest('tr')\
             .querySelectorAll('td')].map(td => td.innerText.trim())"
        ));
        serde_json::from_value(cells).unwrap()
    }

    /// The unit's own figure cells (every `td` but the whole organisation's columns), with
    /// the words for hidden figures taken out: for a unit with nothing to show, no digit
    /// may be left.
    fn leftover_digits(browser: &mut Browser) -> Vec<String> {
        let cells: Vec<String> = serde_json::from_value(browser.eval(
            "[...document.querySelectorAll('main table')].flatMap(table => {\
               const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText);\
               return [...table.querySelectorAll('tbody tr')].flatMap(tr => {\
                 let column = 0;\
                 return [...tr.children].filter(cell => {\
                   const head = heads[column] || '';\
                   column += cell.colSpan;\
                   return cell.tagName === 'TD' && !head.startsWith('Whole organisation');\
                 }).map(td => td.innerText);\
               });\
             })",
        ))
        .unwrap();
        assert!(cells.len() > 52, "the tables were found: {cells:?}");
        cells
            .into_iter()
            .map(|c| {
                c.replace("hidden to protect a group of fewer than 10 people", "")
                    .replace("fewer than 10 people", "")
            })
            .filter(|c| c.bytes().any(|b| b.is_ascii_digit()))
            .collect()
    }

    #[tokio::test]
    async fn a_service_manager_signs_in_and_sees_only_what_the_release_rule_allows() {
        let Some(chrome) = or_skip(find_program("chromium")) else {
            return;
        };
        let Some(axe_core) = or_skip(axe_core()) else {
            return;
        };
        let last_monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let week = |i: usize| (last_monday - TimeDelta::weeks(51 - i as i64)).iso_week();
        let d = Dashboard::start(&UNITS, 10, WEEKS_ACCEPTED, now()).await;
        let http = reqwest::Client::new();
        let mut reporters = Vec::new();
        for (team, _) in TEAMS {
            reporters.push(d.token(team, Role::Reporter).await);
        }
        // Each week is delivered the Monday after it ends, as agents send it.
        for i in 0..52 {
            let monday = clockoff_core::record::week::monday(week(i));
            let sent = monday.and_hms_opt(8, 0, 0).unwrap().and_utc() + TimeDelta::weeks(1);
            d.clock.set(sent);
            for (t, (_, size)) in TEAMS.iter().enumerate() {
                for p in 0..*size {
                    let who = (t as u32 + 1) * 1000 + p;
                    let s = summary(week(i), who, minutes(t, p, i));
                    deliver(&http, &d.base, &reporters[t], &s).await;
                }
            }
        }
        assert_eq!(clockoff_core::clock::Clock::now(&*d.clock), now());
        d.clock.set(w48_published());
        let viewer = d.token("svc", Role::Viewer).await;
        let base = d.base.clone();

        tokio::task::spawn_blocking(move || {
            let dir = temp_dir("dashboard-e2e");
            let shots = artefacts();
            let mut b = Browser::launch(&chrome, dir.path(), 1280, 900);
            // axe-core on every page as served, at a laptop's and a phone's width; all
            // that it finds is reported at the end.
            let axe = Axe::load(&axe_core);
            let mut violations = Vec::new();

            // Sign in as a person would: the form, the token pasted, the button.
            b.navigate(&format!("{base}/"));
            assert_eq!(b.eval("location.pathname"), "/sign-in");
            b.screenshot(&shots.join("dashboard-e2e-sign-in.png"));
            violations.extend(axe.check(&mut b, "dashboard-e2e-sign-in"));
            b.eval_and_wait(
                "document.getElementById('token').value = 'cod_v_wrong'; \
                 document.querySelector('form.sign-in button').click()",
            );
            assert!(
                b.eval("document.querySelector('[role=alert]').innerText")
                    .as_str()
                    .is_some_and(|t| t.starts_with("That token was not accepted"))
            );
            violations.extend(axe.check(&mut b, "dashboard-e2e-sign-in-refused"));
            b.eval_and_wait(&format!(
                "document.getElementById('token').value = '{viewer}'; \
                 document.querySelector('form.sign-in button').click()"
            ));
            assert_eq!(b.eval("location.pathname"), "/units/svc");
            assert_eq!(
                b.eval("document.cookie"),
                "",
                "the session cookie is HttpOnly"
            );
            assert_eq!(
                b.eval("document.querySelector('h1').innerText"),
                "Assessment & Intervention: out-of-hours work, the last 26 weeks"
            );
            b.screenshot(&shots.join("dashboard-e2e-service.png"));
            violations.extend(axe.check(&mut b, "dashboard-e2e-service"));

            // The units below, latest week: numbers for Team Big only.
            let big = row_cells(&mut b, "team-big");
            assert_eq!(big[..3], ["12", "75%", "1h 15m"], "{big:?}");
            let small = row_cells(&mut b, "team-small");
            assert!(
                small.iter().all(|c| c == "fewer than 10 people"),
                "{small:?}"
            );
            let steady = row_cells(&mut b, "team-steady");
            assert!(
                steady
                    .iter()
                    .all(|c| c == "hidden to protect a group of fewer than 10 people"),
                "{steady:?}"
            );

            // Team Big's own page, reached by its link.
            b.eval_and_wait("document.querySelector('a[href=\"/units/team-big\"]').click()");
            assert_eq!(b.eval("location.pathname"), "/units/team-big");
            let newest: String = serde_json::from_value(
                b.eval("document.querySelector('main table tbody tr').innerText"),
            )
            .unwrap();
            assert!(
                newest.contains("w/c 23 Nov 2026") && newest.contains("1h 15m"),
                "{newest}"
            );
            b.screenshot(&shots.join("dashboard-e2e-team-big.png"));
            violations.extend(axe.check(&mut b, "dashboard-e2e-team-big"));

            // The small team and the one hidden to protect it: words, never a number.
            for (unit, shot) in [("team-small", "small"), ("team-steady", "steady")] {
                b.navigate(&format!("{base}/units/{unit}?weeks=52"));
                assert_eq!(
                    b.eval("location.pathname"),
                    format!("/units/{unit}").as_str()
                );
                let text: String =
                    serde_json::from_value(b.eval("document.body.innerText")).unwrap();
                assert!(!text.contains("1h 15m"), "{unit}");
                assert_eq!(leftover_digits(&mut b), Vec::<String>::new(), "{unit}");
                b.screenshot(&shots.join(format!("dashboard-e2e-{shot}.png")));
                violations.extend(axe.check(&mut b, &format!("dashboard-e2e-{shot}")));
            }

            // Out of scope: the organisation's page is refused.
            b.navigate(&format!("{base}/units/org"));
            assert_eq!(
                b.eval("document.querySelector('h1').innerText"),
                "Not available"
            );
            violations.extend(axe.check(&mut b, "dashboard-e2e-not-available"));
            violations.extend(axe.check_url(
                &mut b,
                &format!("{base}/no-such-page"),
                "dashboard-e2e-not-found",
            ));

            // Sign out from the page's button; the pages are then closed.
            b.navigate(&format!("{base}/units/svc"));
            b.eval_and_wait("document.querySelector('form.sign-out button').click()");
            assert_eq!(b.eval("location.pathname"), "/sign-in");
            b.navigate(&format!("{base}/units/svc"));
            assert_eq!(b.eval("location.pathname"), "/sign-in");

            // Nothing was asked of anyone but the dashboard.
            let elsewhere: Vec<&String> = b
                .requests
                .iter()
                .filter(|u| !u.starts_with(&format!("{base}/")) && !u.starts_with("data:"))
                .collect();
            assert!(elsewhere.is_empty(), "{elsewhere:?}");
            assert!(b.requests.len() >= 10, "{:?}", b.requests);
            assert!(violations.is_empty(), "axe-core: {violations:#?}");
        })
        .await
        .unwrap();
    }
}
