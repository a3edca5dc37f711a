//! The dashboard's HTTP API against the real server on 127.0.0.1:0, each test twice: with a
//! temporary SQLite database and with a private PostgreSQL server. Ingest (stored, replay,
//! replacement, every refusal), token scope, the release rule as the read API shows it, and
//! an access log that names nobody. Two tests run the real binary, one per backend (config
//! errors, `token create`, `serve` and its stderr log).

use crate::support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use clockoff_core::clock::{Clock, SystemClock};
use clockoff_dashboard::store::{AnyStore, Store};
use clockoff_dashboard::token::Role;
use serde_json::{Value, json};
use support::dashboard::{Backend, Dashboard, Reply, on_each_backend, send};
use support::laptop::{Laptops, WEEK_TOKEN_HEADER};
use support::postgres::Postgres;

/// Monday of 2026-W49, 08:00 UTC: 2026-W48 has just ended.
const NOW: &str = "2026-11-30T08:00:00Z";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// The real server (tests/support/dashboard.rs), and every token handed out, so the log
/// test can look for each.
struct Server {
    dash: Dashboard,
    base: String,
    http: reqwest::Client,
    store: AnyStore,
    tokens: Vec<String>,
    /// A laptop for each pseudonym a test reports under, enrolled as an agent enrols.
    laptops: tokio::sync::Mutex<Laptops>,
}

impl Server {
    /// org > svc > {team-a, team-b, team-c}; org > other > team-d. k = 5. `None` (the test
    /// skipped, saying why) when the backend is PostgreSQL and it is not installed.
    async fn start(backend: Backend) -> Option<Server> {
        let units = [
            ("org", None, "Unit org"),
            ("svc", Some("org"), "Unit svc"),
            ("team-a", Some("svc"), "Unit team-a"),
            ("team-b", Some("svc"), "Unit team-b"),
            ("team-c", Some("svc"), "Unit team-c"),
            ("other", Some("org"), "Unit other"),
            ("team-d", Some("other"), "Unit team-d"),
        ];
        let now = DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
        let dash = support::or_skip(Dashboard::start_on(backend, &units, 5, 8, now).await)?;
        Some(Server {
            base: dash.base.clone(),
            http: reqwest::Client::new(),
            store: dash.store.clone(),
            tokens: Vec::new(),
            laptops: Default::default(),
            dash,
        })
    }

    /// A token made the way `token create` makes one.
    async fn token(&mut self, unit: &str, role: Role) -> String {
        let text = self.dash.token(unit, role).await;
        self.tokens.push(text.clone());
        text
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        send(request).await
    }

    /// Posts `body` as a report, with the week token its pseudonym's laptop was issued
    /// when the body names a pseudonym and week it can have one for.
    async fn post(&self, token: Option<&str>, content_type: Option<&str>, body: String) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/v1/reports", self.base))
            .body(body.clone());
        if let Some(t) = token {
            request = request.bearer_auth(t);
            let report = serde_json::from_str(&body).unwrap_or(Value::Null);
            let mut laptops = self.laptops.lock().await;
            if let Some(week_token) = laptops.token_for(&self.http, &self.base, t, &report).await {
                request = request.header(WEEK_TOKEN_HEADER, week_token.to_string());
            }
        }
        if let Some(c) = content_type {
            request = request.header("content-type", c);
        }
        self.send(request).await
    }

    async fn report(&self, token: &str, report: &Value) -> Reply {
        self.post(Some(token), Some("application/json"), report.to_string())
            .await
    }

    async fn weeks(&self, token: &str, unit: &str, query: &str) -> Reply {
        let request = self
            .http
            .get(format!("{}/api/v1/units/{unit}/weeks?{query}", self.base))
            .bearer_auth(token);
        self.send(request).await
    }

    async fn stored(&self) -> usize {
        let w = |s| clockoff_core::record::week::parse(s).unwrap();
        self.store
            .contributions(w("2026-W01"), w("2026-W53"))
            .await
            .unwrap()
            .len()
    }
}

/// A valid report: person `who` (distinct pseudonyms), report id `id`, in `week`.
fn report(id: u32, who: u32, week: &str) -> Value {
    json!({
        "schema": "clockoff.summary/1",
        "week": week,
        "report_id": format!("{id:032x}"),
        "pseudonym": format!("{who:064x}"),
        "out_of_hours_minutes": 0,
        "self_reported_out_of_hours_minutes": 0,
        "weekend_minutes": 0,
        "late_evening_minutes": 0,
        "days_with_out_of_hours_work": 0,
        "notifications_held_out_of_hours": 0,
        "on_call_callout_minutes": 0,
    })
}

fn with(mut r: Value, field: &str, value: Value) -> Value {
    r[field] = value;
    r
}

fn error_of(reply: &Reply) -> &str {
    reply.body["error"].as_str().unwrap_or("")
}

on_each_backend!(
    reports_are_stored_once_replays_are_acknowledged_and_resubmissions_replace,
    every_refusal_has_its_status_and_stores_nothing,
    a_viewer_reads_its_unit_and_below_and_nothing_else,
    figures_are_released_for_k_or_more_and_equal_a_hand_computation,
    the_log_names_no_token_pseudonym_or_address,
);

async fn reports_are_stored_once_replays_are_acknowledged_and_resubmissions_replace(
    backend: Backend,
) {
    let Some(mut s) = Server::start(backend).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;

    let first = with(report(1, 1, "2026-W48"), "out_of_hours_minutes", json!(30));
    let r = s.report(&reporter, &first).await;
    assert_eq!(
        (r.status, &r.body["stored"]),
        (201, &json!("new")),
        "{:?}",
        r.body
    );

    let r = s.report(&reporter, &first).await;
    assert_eq!((r.status, &r.body["stored"]), (200, &json!("already")));

    let second = with(report(2, 1, "2026-W48"), "out_of_hours_minutes", json!(90));
    let r = s.report(&reporter, &second).await;
    assert_eq!((r.status, &r.body["stored"]), (201, &json!("replaced")));
    // A late retry of the replaced report changes nothing.
    let r = s.report(&reporter, &first).await;
    assert_eq!(r.status, 200);

    // The golden fixture, as the agent sends it, is accepted byte for byte.
    // The same file clockoff-core's summary tests pin the agent's output to.
    let golden = include_str!("../../../../tests/fixtures/summary-2026-W48.json").to_owned();
    let r = s
        .post(
            Some(&reporter),
            Some("application/json; charset=utf-8"),
            golden,
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // Ids are known under their week and pseudonym: the same id from another person is
    // that person's report (ids are random; a clash is a broken agent, and refusing it
    // protected nothing).
    let other = with(report(2, 7, "2026-W48"), "out_of_hours_minutes", json!(15));
    assert_eq!(s.report(&reporter, &other).await.status, 201);

    let w = |n| clockoff_core::record::week::parse(n).unwrap();
    let stored = s
        .store
        .contributions(w("2026-W48"), w("2026-W48"))
        .await
        .unwrap();
    let mut minutes: Vec<u32> = stored
        .iter()
        .map(|c| c.contribution.out_of_hours_minutes)
        .collect();
    minutes.sort();
    assert_eq!(minutes, [15, 90, 225]);
    assert!(stored.iter().all(|c| c.unit == "team-a"));
}

async fn every_refusal_has_its_status_and_stores_nothing(backend: Backend) {
    let Some(mut s) = Server::start(backend).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let viewer = s.token("team-a", Role::Viewer).await;
    let good = report(1, 1, "2026-W48");
    let json_type = Some("application/json");

    let mut unknown = good.clone();
    unknown["colour"] = json!("red");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("weekend_minutes");
    let cases: Vec<(&str, Reply, u16)> = vec![
        (
            "malformed JSON",
            s.post(Some(&reporter), json_type, "{\"schema\":".into())
                .await,
            400,
        ),
        ("unknown field", s.report(&reporter, &unknown).await, 400),
        ("missing field", s.report(&reporter, &missing).await, 400),
        (
            "not a multiple of 15",
            s.report(
                &reporter,
                &with(good.clone(), "out_of_hours_minutes", json!(20)),
            )
            .await,
            400,
        ),
        (
            "longer than a week",
            s.report(
                &reporter,
                &with(good.clone(), "weekend_minutes", json!(20_000)),
            )
            .await,
            400,
        ),
        (
            "other schema",
            s.report(
                &reporter,
                &with(good.clone(), "schema", json!("clockoff.summary/2")),
            )
            .await,
            400,
        ),
        (
            "malformed pseudonym",
            s.report(&reporter, &with(good.clone(), "pseudonym", json!("abc")))
                .await,
            400,
        ),
        (
            "oversized body",
            s.post(
                Some(&reporter),
                json_type,
                format!("{{\"schema\": \"{}\"}}", "x".repeat(5000)),
            )
            .await,
            413,
        ),
        (
            "text/plain",
            s.post(Some(&reporter), Some("text/plain"), good.to_string())
                .await,
            415,
        ),
        (
            "no content type",
            s.post(Some(&reporter), None, good.to_string()).await,
            415,
        ),
        (
            "this week, not ended",
            s.report(&reporter, &report(2, 2, "2026-W49")).await,
            422,
        ),
        (
            "a future week",
            s.report(&reporter, &report(3, 3, "2027-W10")).await,
            422,
        ),
        (
            "ended more than 8 weeks ago: gone for good",
            s.report(&reporter, &report(4, 4, "2026-W40")).await,
            410,
        ),
        (
            "no token",
            s.post(None, json_type, good.to_string()).await,
            401,
        ),
        ("malformed token", s.report("not-a-token", &good).await, 401),
        (
            "well-formed unknown token",
            s.report(&format!("cod_r_{}", "0".repeat(64)), &good).await,
            401,
        ),
        (
            "a viewer token cannot send",
            s.report(&viewer, &good).await,
            403,
        ),
        (
            "the last week chrono knows: a six-digit year",
            s.report(&reporter, &report(6, 6, "262142-W52")).await,
            400,
        ),
        (
            "a Basic header",
            s.send(
                s.http
                    .post(format!("{}/api/v1/reports", s.base))
                    .header("authorization", "Basic dXNlcjpwYXNz")
                    .header("content-type", "application/json")
                    .body(good.to_string()),
            )
            .await,
            401,
        ),
    ];
    for (what, reply, status) in &cases {
        assert_eq!(reply.status, *status, "{what}: {:?}", reply.body);
        assert!(!error_of(reply).is_empty(), "{what}: {:?}", reply.body);
    }
    // Another spelling of a week in the window is not that week: one week, one spelling.
    for week in [
        "2026-W044",
        "+2026-W44",
        "02026-W44",
        "2026-W+44",
        "2026-W4",
        " 2026-W44",
        "2026-W44 ",
    ] {
        let r = s.report(&reporter, &report(7, 7, week)).await;
        assert_eq!(r.status, 400, "{week:?}: {:?}", r.body);
        assert!(
            error_of(&r).contains("is not an ISO week"),
            "{week:?}: {:?}",
            r.body
        );
    }
    // The longest week is 10,140 minutes (168 hours and the hour the clocks go back).
    let over = with(report(8, 8, "2026-W44"), "weekend_minutes", json!(10_155));
    let r = s.report(&reporter, &over).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(error_of(&r).contains("10140 at most"), "{:?}", r.body);
    // One report cannot swamp a team's notifications: 10,000 a week at most.
    let swamp = with(
        report(9, 9, "2026-W44"),
        "notifications_held_out_of_hours",
        json!(u32::MAX),
    );
    let r = s.report(&reporter, &swamp).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(
        error_of(&r).contains("more than 10000 a week"),
        "{:?}",
        r.body
    );
    let www = |r: &Reply| {
        r.headers
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(www(&cases[13].1).as_deref(), Some("Bearer"));
    assert!(error_of(&cases[3].1).contains("multiple of 15"));
    assert!(error_of(&cases[1].1).contains("colour"));
    assert!(error_of(&cases[12].1).contains("more than 8 weeks"));
    assert_eq!(s.stored().await, 0, "nothing is stored on error");

    // A week just inside the window is accepted: the refusals were for the reasons given.
    let r = s.report(&reporter, &report(5, 5, "2026-W41")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // And on the read side.
    let r = s.weeks(&reporter, "team-a", "").await;
    assert_eq!(r.status, 403, "a reporter token cannot read");
    let r = s.weeks("cod_v_nope", "team-a", "").await;
    assert_eq!(r.status, 401);
    for bad in [
        "from=2026-W48&to=2026-W40",
        "from=2020-W01&to=2026-W48",
        "from=soon",
        "unit=x",
    ] {
        let r = s.weeks(&viewer, "team-a", bad).await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
    }
    let r = s
        .send(s.http.get(format!("{}/api/v1/nothing", s.base)))
        .await;
    assert_eq!(r.status, 404);
}

async fn a_viewer_reads_its_unit_and_below_and_nothing_else(backend: Backend) {
    let Some(mut s) = Server::start(backend).await else {
        return;
    };
    let team_a = s.token("team-a", Role::Viewer).await;
    let svc = s.token("svc", Role::Viewer).await;
    let q = "from=2026-W48&to=2026-W48";

    for unit in ["team-b", "svc", "org", "other", "no-such-unit"] {
        let r = s.weeks(&team_a, unit, q).await;
        assert_eq!(r.status, 403, "team-a's viewer reading {unit}");
        // The same answer whether or not the unit exists.
        assert_eq!(error_of(&r), "this token may not read that unit");
    }
    for unit in ["team-a", "team-b", "team-c", "svc"] {
        let r = s.weeks(&svc, unit, q).await;
        assert_eq!(r.status, 200, "svc's viewer reading {unit}: {:?}", r.body);
    }
    assert_eq!(s.weeks(&svc, "team-d", q).await.status, 403);
    assert_eq!(s.weeks(&svc, "org", q).await.status, 403);

    // A team's page shows the team, its children (none) and the organisation's line.
    let r = s.weeks(&team_a, "team-a", q).await;
    let units: Vec<(&str, &str)> = r.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), u["relation"].as_str().unwrap()))
        .collect();
    assert_eq!(units, [("team-a", "unit"), ("org", "org")]);
    let r = s.weeks(&svc, "svc", q).await;
    let ids: Vec<&str> = r.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["svc", "team-a", "team-b", "team-c", "org"]);
    assert_eq!(r.body["units"][1]["name"], "Unit team-a");
}

async fn figures_are_released_for_k_or_more_and_equal_a_hand_computation(backend: Backend) {
    let Some(mut s) = Server::start(backend).await else {
        return;
    };
    let viewer = s.token("svc", Role::Viewer).await;
    let (a, b, c) = (
        s.token("team-a", Role::Reporter).await,
        s.token("team-b", Role::Reporter).await,
        s.token("team-c", Role::Reporter).await,
    );
    // team-a: six people, by hand below.
    let team_a = [
        // out of hours, weekend, late, self-reported, days, held, on call
        [0, 0, 0, 0, 0, 0, 0],
        [30, 0, 15, 0, 1, 1, 0],
        [60, 15, 0, 0, 1, 2, 0],
        [120, 0, 0, 15, 2, 3, 0],
        [300, 60, 0, 0, 3, 4, 0],
        [600, 0, 30, 0, 5, 5, 45],
    ];
    let fields = [
        "out_of_hours_minutes",
        "weekend_minutes",
        "late_evening_minutes",
        "self_reported_out_of_hours_minutes",
        "days_with_out_of_hours_work",
        "notifications_held_out_of_hours",
        "on_call_callout_minutes",
    ];
    let mut id = 0;
    for (who, values) in team_a.iter().enumerate() {
        let mut r = report(100 + who as u32, 100 + who as u32, "2026-W48");
        for (f, v) in fields.iter().zip(values) {
            r[*f] = json!(v);
        }
        assert_eq!(s.report(&a, &r).await.status, 201);
        id += 1;
    }
    // team-b: five people; team-c: two, below k.
    for who in 0..5 {
        let r = with(
            report(200 + who, 200 + who, "2026-W48"),
            "out_of_hours_minutes",
            json!(45),
        );
        assert_eq!(s.report(&b, &r).await.status, 201);
    }
    for who in 0..2 {
        let r = with(
            report(300 + who, 300 + who, "2026-W48"),
            "out_of_hours_minutes",
            json!(900),
        );
        assert_eq!(s.report(&c, &r).await.status, 201);
    }
    // A resubmission in team-a does not count twice.
    let again = with(
        report(999, 100, "2026-W48"),
        "out_of_hours_minutes",
        json!(0),
    );
    assert_eq!(s.report(&a, &again).await.status, 201);
    assert_eq!(id, 6);

    // Until no more reports can arrive (8 weeks after the week), nothing is shown.
    let unpublished = s.weeks(&viewer, "svc", "from=2026-W47&to=2026-W48").await;
    assert_eq!(unpublished.status, 200, "{:?}", unpublished.body);
    for w in unpublished.body["weeks"].as_array().unwrap() {
        for u in w["units"].as_array().unwrap() {
            assert_eq!(u["status"], "suppressed", "{u}");
            assert_eq!(u["reason"], "not_published", "{u}");
        }
    }
    // 2026-W48 ended on 30 November: it takes reports until 25 January 2027, 00:00, and is
    // published an hour later.
    // (Resubmissions of team-c's reports with the same figures, so the sums below stand.)
    let resubmit = |id, who| {
        with(
            report(id, who, "2026-W48"),
            "out_of_hours_minutes",
            json!(900),
        )
    };
    s.dash.clock.set(at("2027-01-24T23:59:59Z"));
    assert_eq!(s.report(&c, &resubmit(303, 300)).await.status, 201);
    s.dash.clock.set(at("2027-01-25T00:00:00Z"));
    let refused = s.report(&c, &resubmit(304, 301)).await;
    assert_eq!(refused.status, 410, "{:?}", refused.body);
    // A retry of a report that counted (its 201 lost, the laptop away until now) is told it
    // counted, whether it is the current summary or one since replaced; any other id for a
    // pseudonym already stored is too late. At the window's close and months later alike.
    let stored = s.stored().await;
    let retries = [
        (&c, resubmit(303, 300), 200),
        (&a, report(100, 100, "2026-W48"), 200),
        (&c, resubmit(305, 300), 410),
    ];
    for instant in ["2027-01-25T00:00:00Z", "2027-06-01T00:00:00Z"] {
        s.dash.clock.set(at(instant));
        for (token, body, status) in &retries {
            let reply = s.report(token, body).await;
            assert_eq!(reply.status, *status, "{instant} {body}: {:?}", reply.body);
            if *status == 200 {
                assert_eq!(reply.body["stored"], "already", "{:?}", reply.body);
            }
        }
    }
    assert_eq!(s.stored().await, stored, "a late retry stores nothing");
    s.dash.clock.set(at("2027-01-25T00:59:59Z"));
    let r = s.weeks(&viewer, "svc", "from=2026-W48&to=2026-W48").await;
    assert_eq!(r.body["weeks"][0]["units"][0]["reason"], "not_published");
    s.dash.clock.set(at("2027-01-25T01:00:00Z"));
    // With both weeks published: figures.
    let r = s.weeks(&viewer, "svc", "from=2026-W47&to=2026-W48").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["k"], 5);
    let weeks = r.body["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 2);
    assert_eq!(weeks[0]["week"], "2026-W47");
    // Nobody reported in W47: nothing is released.
    assert!(
        weeks[0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["status"] == "suppressed" && u["reason"] == "fewer_than_k")
    );

    let w48 = &weeks[1];
    assert_eq!(w48["week"], "2026-W48");
    let unit = |id: &str| {
        w48["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == id)
            .unwrap()
            .clone()
    };
    // team-c has 2 < k; showing team-b (5) beside svc would give team-c by subtraction, so
    // the rule hides the smallest sibling that covers it; team-a and svc stay on show.
    assert_eq!(unit("team-c")["status"], "suppressed");
    assert_eq!(unit("team-c")["reason"], "fewer_than_k");
    assert_eq!(unit("team-b")["status"], "suppressed");
    assert_eq!(unit("team-b")["reason"], "protects_small_group");

    let f = &unit("team-a")["figures"];
    assert_eq!(unit("team-a")["status"], "released");
    assert_eq!(f["reporters"], 6);
    assert_eq!(f["with_out_of_hours"], 5);
    assert_eq!(f["with_weekend"], 2);
    assert_eq!(f["with_late_evening"], 2);
    let bands: Vec<(&str, u64)> = f["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["band"].as_str().unwrap(),
                b["reporters"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [
            ("0", 1),
            ("<1 h", 1),
            ("1-3 h", 2),
            ("3-5 h", 0),
            ("5-10 h", 1),
            (">10 h", 1)
        ]
    );
    assert_eq!(
        f["totals"],
        json!({
            "out_of_hours_minutes": 1110,
            "self_reported_out_of_hours_minutes": 15,
            "weekend_minutes": 75,
            "late_evening_minutes": 45,
            "days_with_out_of_hours_work": 12,
            "notifications_held_out_of_hours": 15,
            "on_call_callout_minutes": 45,
        })
    );
    // Sorted 0 30 60 120 300 600: the middle two are 60 and 120.
    assert_eq!(f["median_out_of_hours_minutes"], 90.0);
    assert_eq!(f["mean_out_of_hours_minutes"], 185.0);

    let svc = &unit("svc")["figures"];
    assert_eq!(unit("svc")["status"], "released");
    assert_eq!(svc["reporters"], 13);
    assert_eq!(
        svc["totals"]["out_of_hours_minutes"],
        1110 + 5 * 45 + 2 * 900
    );
    // The organisation is svc (team-d's service has nobody): the same figures.
    assert_eq!(unit("org")["figures"], unit("svc")["figures"]);
}

/// The access log of a whole session of requests, good and bad, names no token, pseudonym,
/// report id, unit from a URL or client address.
async fn the_log_names_no_token_pseudonym_or_address(backend: Backend) {
    let Some(mut s) = Server::start(backend).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let viewer = s.token("team-a", Role::Viewer).await;
    let r = report(0xabcdef, 0x5eed, "2026-W48");
    assert_eq!(s.report(&reporter, &r).await.status, 201);
    assert_eq!(s.report(&reporter, &r).await.status, 200);
    assert_eq!(s.report(&viewer, &r).await.status, 403);
    assert_eq!(s.report(&format!("{reporter}x"), &r).await.status, 401);
    assert_eq!(
        s.weeks(&viewer, "team-a", "from=2026-W48&to=2026-W48")
            .await
            .status,
        200
    );
    assert_eq!(s.weeks(&viewer, "team-b", "").await.status, 403);
    let log = s.dash.log_lines().join("\n");
    // Six reads and reports, and before them the laptop's enrolment and its one token
    // request (the report's token is then reused with the other credentials).
    assert_eq!(log.lines().count(), 6 + 2, "one line a request:\n{log}");
    for line in [
        "method=POST route=/api/v1/reports status=201",
        "method=POST route=/api/v1/devices status=201",
        "method=POST route=/api/v1/tokens status=200",
    ] {
        assert!(log.contains(line), "{line} in\n{log}");
    }
    let credentials = s.laptops.lock().await.credentials();
    assert_eq!(credentials.len(), 1);
    for c in &credentials {
        assert!(!log.contains(&c[6..20]), "{log}");
    }
    assert!(
        log.contains("route=/api/v1/units/{unit}/weeks status=403"),
        "{log}"
    );
    let secrets = [
        r["pseudonym"].as_str().unwrap(),
        r["report_id"].as_str().unwrap(),
        "team-a",
        "team-b",
        "127.0.0.1",
        "2026-W48",
    ];
    for secret in secrets
        .iter()
        .copied()
        .chain(s.tokens.iter().map(String::as_str))
    {
        assert!(!log.contains(secret), "the log contains {secret}:\n{log}");
    }
    // Token texts in part: a prefix of a token's random digits never shows either.
    for t in &s.tokens {
        assert!(!log.contains(&t[6..20]), "{log}");
    }
}

/// The real binary: config errors exit 2 naming file:line:col, `token create` prints a token
/// once, `serve` works with the example config and its stderr log names nobody.
#[test]
fn the_binary_creates_tokens_serves_and_logs_nothing_personal() {
    binary_round_trip(None);
}

/// The same with the example organisation's config pointed at a PostgreSQL server.
#[test]
fn the_binary_does_the_same_on_postgres() {
    let Some(server) = support::or_skip(Postgres::start()) else {
        return;
    };
    binary_round_trip(Some(&server));
}

fn binary_round_trip(postgres: Option<&Postgres>) {
    let bin = env!("CARGO_BIN_EXE_clockoff-dashboard");
    let dir = tempfile::tempdir().unwrap();
    // No --config: the built-in example. With PostgreSQL: the example plus its address.
    let config: Vec<String> = match postgres {
        None => Vec::new(),
        Some(pg) => {
            let path = dir.path().join("dashboard.toml");
            let example = clockoff_dashboard::config::DEFAULT_CONFIG;
            std::fs::write(&path, format!("database = \"{}\"\n{example}", pg.url)).unwrap();
            vec!["--config".into(), path.display().to_string()]
        }
    };
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .args(&config)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("HOME")
            .output()
            .unwrap()
    };

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "k = 10\nweeks_accepted = 0\n[[units]]\nid = \"org\"\nname = \"O\"\n",
    )
    .unwrap();
    let out = Command::new(bin)
        .args(["serve", "--config", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:18: weeks_accepted", bad.display())),
        "{stderr}"
    );

    let out = run(&["token", "create", "--unit", "nowhere", "--role", "viewer"]);
    assert_eq!(out.status.code(), Some(2));
    // The units that do exist are named (issue 19).
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("its units are: ") && said.contains(" org, "),
        "{said}"
    );
    assert!(said.contains("team-north"), "{said}");

    let out = run(&[
        "token",
        "create",
        "--unit",
        "team-north",
        "--role",
        "reporter",
    ]);
    assert!(out.status.success(), "{out:?}");
    let reporter = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        reporter.starts_with("cod_r_") && reporter.len() == 70,
        "{reporter}"
    );
    let out = run(&[
        "token",
        "create",
        "--unit",
        "safeguarding",
        "--role",
        "viewer",
    ]);
    let viewer = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(viewer.starts_with("cod_v_"), "{viewer}");

    // A third token, revoked by the first 8 digits of the id `token list` shows.
    let out = run(&[
        "token",
        "create",
        "--unit",
        "team-south",
        "--role",
        "reporter",
    ]);
    let revoked = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let id = clockoff_dashboard::token::TokenHash::of(&revoked)
        .id()
        .to_string();
    let out = run(&["token", "list"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listed.lines().count(), 4, "{listed}");
    assert!(
        listed.contains(&format!("{id}  reporter  team-south")),
        "{listed}"
    );
    assert!(!listed.contains("revoked"), "{listed}");
    let out = run(&["token", "revoke", &id[..8]]);
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    let line = listed.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(line.contains("revoked "), "{listed}");
    // Unknown and malformed ids are the user's to fix: exit 2.
    assert_eq!(run(&["token", "revoke", "00000000"]).status.code(), Some(2));
    assert_eq!(run(&["token", "revoke", "xyz"]).status.code(), Some(2));
    // Revoking again says so and changes nothing.
    let out = run(&["token", "revoke", &revoked]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already revoked"));

    // The database keeps hashes only.
    let raw = match postgres {
        None => {
            // The database and its write-ahead log: whether the log was checkpointed into
            // the file before the command exited is up to SQLite.
            let data = dir.path().join("data/clockoff-dashboard");
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(&data).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with("dashboard.sqlite3") {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Some(pg) => stored_tokens(&pg.url),
    };
    assert!(raw.contains("team-north"), "{raw}");
    assert!(!raw.contains(&reporter[6..]) && !raw.contains(&viewer[6..]));

    let mut child = Running(
        Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(&config)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("HOME")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();

    // This week, by the real clock: the last week ended in UTC.
    let week = clockoff_core::record::week::last_completed_week(chrono_tz::UTC, SystemClock.now());
    let week = clockoff_core::record::week::name(week);
    let body = report(0x1234, 0x777, &week);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (posted, read) = rt.block_on(async {
        let http = reqwest::Client::new();
        let base = format!("http://{addr}");
        let week_token = Laptops::default()
            .token_for(&http, &base, &reporter, &body)
            .await
            .expect("the laptop enrols and has its week token");
        let post = async |token: &str| {
            http.post(format!("http://{addr}/api/v1/reports"))
                .bearer_auth(token)
                .header(WEEK_TOKEN_HEADER, week_token.to_string())
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(post(&revoked).await, 401, "a revoked token sends nothing");
        let posted = post(&reporter).await;
        let read = http
            .get(format!(
                "http://{addr}/api/v1/units/team-north/weeks?from={week}&to={week}"
            ))
            .bearer_auth(&viewer)
            .send()
            .await
            .unwrap();
        let status = read.status().as_u16();
        let body: Value = read.json_or_text().await;
        (posted, (status, body))
    });
    assert_eq!(posted, 201);
    assert_eq!(read.0, 200, "{:?}", read.1);
    let last = read.1["weeks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["week"], week.as_str());
    // The week is still taking reports, so not published.
    assert_eq!(last["units"][0]["status"], "suppressed");
    assert_eq!(last["units"][0]["reason"], "not_published");

    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child.0),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("route=/api/v1/reports status=201"), "{rest}");
    assert!(
        rest.contains("route=/api/v1/units/{unit}/weeks status=200"),
        "{rest}"
    );
    assert!(rest.ends_with("clockoff-dashboard: stopped\n"), "{rest}");
    // At start it says where managers sign in and how teams start reporting (issue 19).
    assert!(
        rest.contains("managers sign in at /sign-in (on that address) with a viewer token"),
        "{rest}"
    );
    for secret in [
        revoked.as_str(),
        reporter.as_str(),
        viewer.as_str(),
        body["pseudonym"].as_str().unwrap(),
        body["report_id"].as_str().unwrap(),
        "team-north",
        "127.0.0.1:",
    ] {
        assert!(!rest.contains(secret), "the log contains {secret}:\n{rest}");
    }
}

/// Every stored token row, as text.
fn stored_tokens(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT hash, unit, role FROM tokens")
                .fetch_all(&pool)
                .await
                .unwrap();
        format!("{rows:?}")
    })
}

/// A child process killed if a test fails before stopping it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

trait JsonOrText {
    async fn json_or_text(self) -> Value;
}

impl JsonOrText for reqwest::Response {
    async fn json_or_text(self) -> Value {
        let text = self.text().await.unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}
