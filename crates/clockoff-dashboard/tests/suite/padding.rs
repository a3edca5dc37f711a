//! Padding attacks on the release threshold, from outside over HTTP against the real server,
//! each test on SQLite and on PostgreSQL.
//!
//! The attacker holds a team's reporter token (it is in every team laptop's configuration)
//! and wants a team of one to look like k people, so that its figures, which are one
//! person's week, are released.
//!
//! What the attacker cannot do now:
//! - count a summary that has no week token, or a made-up one, or a real laptop's token under
//!   another pseudonym, or a token issued for another team or another week (403): a token is
//!   bound to one pseudonym, one unit and one week;
//! - have a second token for a week from one laptop (409: the same request again is answered
//!   again, with the same token), even with requests sent at once;
//! - enrol more laptops than the unit's `max_devices`, real ones included, even all at once
//!   (409, and the log names the unit);
//! - have tokens with a revoked laptop's credential, or with a reporter or viewer token in
//!   place of a device credential (401); nor use a device credential as a team's token;
//! - link one laptop's weeks through anything the dashboard stores.
//!
//! - enrol at all in a unit that declares no `max_devices` (403): such a unit, a sibling or a
//!   parent of the victim's team, would otherwise take all-zero reports without limit and
//!   lift the lines above it (the service's, the organisation's) to k, showing the one real
//!   person's figures however small that person's team's limit.
//!
//! What the attacker still can: enrol laptops with a reporter token up to that unit's
//! `max_devices` and report once a week from each (every team laptop is told how many are
//! enrolled). Places a unit's people have not taken are room for padding, in its own line
//! and the lines above it; the count every team laptop shows is what exposes it. Tokens a
//! laptop had before it was revoked still count (the dashboard cannot tell them from
//! others).

use crate::support;

use chrono::{DateTime, IsoWeek, TimeDelta, Utc};
use clockoff_core::clock::Clock;
use clockoff_core::record::week;
use clockoff_core::summary::{DeviceSecret, Pseudonym};
use clockoff_core::week_token::{self, WeekToken};
use clockoff_dashboard::rule::window;
use clockoff_dashboard::store::Store;
use clockoff_dashboard::token::{Role, TokenHash};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::dashboard::{Backend, Dashboard, Reply, on_each_backend, send};
use support::laptop::{Laptop, Refused, WEEK_TOKEN_HEADER};

/// Monday of 2026-W49, 08:00 UTC: 2026-W48 has just ended.
const NOW: &str = "2026-11-30T08:00:00Z";
const K: u32 = 10;
const WEEKS_ACCEPTED: u32 = 8;
/// org > svc > {team-a, team-b}.
const UNITS: [(&str, Option<&str>, &str); 4] = [
    ("org", None, "Unit org"),
    ("svc", Some("org"), "Unit svc"),
    ("team-a", Some("svc"), "Unit team-a"),
    ("team-b", Some("svc"), "Unit team-b"),
];

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

fn w(name: &str) -> IsoWeek {
    week::parse(name).unwrap()
}

/// `bytes` fresh random bytes as hex: a pseudonym (32), a report id (16), a token (64).
fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn random_seed() -> [u8; 32] {
    let mut seed = [0; 32];
    getrandom::fill(&mut seed).unwrap();
    seed
}

fn fresh_pseudonym() -> Pseudonym {
    random_hex(32).parse().unwrap()
}

/// A summary of `week` under `pseudonym` with a fresh report id and these figures: the five
/// minute figures (out of hours, self-reported, weekend, late evening, on call), then days
/// with out-of-hours work and notifications held.
fn summary(week: &str, pseudonym: &Pseudonym, figures: [u32; 7]) -> Value {
    let [out, own, weekend, late, call, days, held] = figures;
    json!({
        "schema": "clockoff.summary/1",
        "week": week,
        "report_id": random_hex(16),
        "pseudonym": pseudonym.to_string(),
        "out_of_hours_minutes": out,
        "self_reported_out_of_hours_minutes": own,
        "weekend_minutes": weekend,
        "late_evening_minutes": late,
        "on_call_callout_minutes": call,
        "days_with_out_of_hours_work": days,
        "notifications_held_out_of_hours": held,
    })
}

const ZERO: [u32; 7] = [0; 7];

/// A refusal: `status`, with a JSON `error` saying why (returned, to check its words).
fn refused<'a>(reply: &'a Reply, status: u16, what: &str) -> &'a str {
    assert_eq!(reply.status, status, "{what}: {:?}", reply.body);
    let error = reply.body["error"].as_str().unwrap_or("");
    assert!(
        !error.is_empty(),
        "{what}: no JSON error in {:?}",
        reply.body
    );
    error
}

/// An enrolment's refusal, as [`refused`].
fn refused_enrolment(refusal: &Refused, status: u16, what: &str) -> String {
    assert_eq!(refusal.0, status, "{what}: {:?}", refusal.1);
    let error = refusal.1["error"].as_str().unwrap_or("");
    assert!(
        !error.is_empty(),
        "{what}: no JSON error in {:?}",
        refusal.1
    );
    error.to_string()
}

/// The real server (tests/suite/support/dashboard.rs) with k = 10 and 8 weeks accepted.
struct Server {
    dash: Dashboard,
    base: String,
    http: reqwest::Client,
}

impl Server {
    /// `None` (the test skipped, or failed under CLOCKOFF_REQUIRE_PEERS=1) when the backend
    /// is PostgreSQL and it is not installed.
    /// Every unit's `max_devices` is 100 but those given in `limits`.
    async fn start(backend: Backend, limits: &[(&str, u32)]) -> Option<Server> {
        Server::start_with(backend, limits, &[]).await
    }

    /// As [`Server::start`], with the units in `undeclared` declaring no `max_devices`.
    async fn start_with(
        backend: Backend,
        limits: &[(&str, u32)],
        undeclared: &[&str],
    ) -> Option<Server> {
        let max_devices: Vec<(&str, u32)> = UNITS
            .iter()
            .map(|&(id, _, _)| id)
            .filter(|id| !undeclared.contains(id))
            .map(|id| {
                let limit = limits.iter().find(|(unit, _)| *unit == id);
                (id, limit.map_or(100, |&(_, max)| max))
            })
            .collect();
        let started = Dashboard::start_with_max_devices(
            backend,
            &UNITS,
            K,
            WEEKS_ACCEPTED,
            at(NOW),
            &max_devices,
        );
        let dash = support::or_skip(started.await)?;
        Some(Server {
            base: dash.base.clone(),
            http: reqwest::Client::new(),
            dash,
        })
    }

    async fn token(&self, unit: &str, role: Role) -> String {
        self.dash.token(unit, role).await
    }

    async fn try_enrol(&self, reporter: &str) -> Result<Laptop, Refused> {
        Laptop::enrol(&self.http, &self.base, reporter).await
    }

    async fn enrol(&self, reporter: &str) -> Laptop {
        self.try_enrol(reporter).await.expect("enrolled")
    }

    /// `laptop`'s token for `pseudonym` in `week`, blinded afresh.
    async fn week_token(&self, laptop: &Laptop, pseudonym: Pseudonym, week: &str) -> WeekToken {
        laptop
            .week_token(&self.http, &self.base, pseudonym, w(week), random_seed())
            .await
            .unwrap_or_else(|(status, body)| panic!("no token for {week}: {status} {body}"))
    }

    /// POST /api/v1/tokens with any bearer and body.
    async fn ask(&self, bearer: &str, body: &Value) -> Reply {
        ask(&self.http, &self.base, bearer, body).await
    }

    /// POST /api/v1/reports with `reporter` and, if given, the week token header.
    async fn report(&self, reporter: &str, summary: &Value, week_token: Option<&str>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/v1/reports", self.base))
            .bearer_auth(reporter)
            .header("content-type", "application/json")
            .body(summary.to_string());
        if let Some(t) = week_token {
            request = request.header(WEEK_TOKEN_HEADER, t);
        }
        send(request).await
    }

    /// A summary sent with its own laptop's token, as an agent sends it: 201.
    async fn report_counted(&self, reporter: &str, laptop: &Laptop, summary: &Value) {
        let pseudonym = summary["pseudonym"].as_str().unwrap().parse().unwrap();
        let week = summary["week"].as_str().unwrap();
        let token = self.week_token(laptop, pseudonym, week).await.to_string();
        let r = self.report(reporter, summary, Some(&token)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    /// How many summaries the store holds for `week`, whatever their unit.
    async fn stored(&self, week: &str) -> usize {
        let contributions = self.dash.store.contributions(w(week), w(week));
        contributions.await.unwrap().len()
    }

    /// Moves the clock to the instant `week` is published (weeks_accepted weeks and an hour
    /// after its end): what a manager sees from then on is final.
    fn publish(&self, week: &str) {
        let published = window::published_at(w(week), WEEKS_ACCEPTED).unwrap();
        self.dash.clock.set(published);
    }

    /// What `viewer` is shown of `unit` in `week` on `unit`'s page, or of the organisation
    /// there with `org` (the read API's entries for them).
    async fn shown(&self, viewer: &str, unit: &str, week: &str, org: bool) -> Value {
        let url = format!(
            "{}/api/v1/units/{unit}/weeks?from={week}&to={week}",
            self.base
        );
        let r = send(self.http.get(url).bearer_auth(viewer)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["weeks"][0]["week"], week, "{:?}", r.body);
        r.body["weeks"][0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == if org { UNITS[0].0 } else { unit })
            .unwrap_or_else(|| panic!("{unit} not in {:?}", r.body))
            .clone()
    }
}

/// POST /api/v1/tokens at `base` with any bearer and body.
async fn ask(http: &reqwest::Client, base: &str, bearer: &str, body: &Value) -> Reply {
    let request = http
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(bearer)
        .header("content-type", "application/json")
        .body(body.to_string());
    send(request).await
}

/// A request for `week`'s token for a fresh pseudonym: what a second laptop's would be.
fn fresh_request(week: &str) -> Value {
    let blinding = week_token::blind_pseudonym(fresh_pseudonym(), random_seed()).unwrap();
    json!({ "week": week, "request": blinding.request().to_string() })
}

on_each_backend!(
    the_reporter_token_alone_pads_nothing,
    enrolment_stops_at_max_devices_and_a_revoked_laptop_frees_its_place,
    one_laptop_has_one_token_a_week,
    a_token_counts_only_for_its_team_and_week,
    a_laptops_weeks_cannot_be_linked_in_the_store,
    a_revoked_laptop_or_a_team_token_gets_no_week_token,
    requests_sent_at_once_take_no_more_than_one_at_a_time,
    a_unit_without_a_headcount_takes_no_laptops_to_pad_the_lines_above,
);

/// Padding around the victim's team: team-a holds one real laptop (its max_devices is 1);
/// the attacker holds the reporter tokens of its sibling team-b and of their service, svc,
/// neither of which declares a headcount. Without the refusal, nine all-zero laptops there
/// would release svc and the organisation as ten people with one person's figures.
async fn a_unit_without_a_headcount_takes_no_laptops_to_pad_the_lines_above(backend: Backend) {
    let Some(s) = Server::start_with(backend, &[("team-a", 1)], &["team-b", "svc"]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let viewer = s.token("svc", Role::Viewer).await;
    let laptop = s.enrol(&reporter).await;
    let mine = summary("2026-W48", &fresh_pseudonym(), [600, 0, 120, 60, 0, 5, 3]);
    s.report_counted(&reporter, &laptop, &mine).await;
    for unit in ["team-b", "svc"] {
        let theirs = s.token(unit, Role::Reporter).await;
        for n in 1..K {
            let refusal = s.try_enrol(&theirs).await.err().expect("refused");
            let error = refused_enrolment(&refusal, 403, &format!("laptop {n} in {unit}"));
            assert!(error.contains("max_devices"), "{error}");
        }
    }
    assert_eq!(s.stored("2026-W48").await, 1, "only the real report");
    s.publish("2026-W48");
    for line in ["svc", "org"] {
        let shown = s.shown(&viewer, "svc", "2026-W48", line == "org").await;
        assert_eq!(shown["status"], "suppressed", "{line}: {shown}");
        assert!(shown.get("figures").is_none(), "{line}: {shown}");
    }
}

/// The original attack: one person reports; the attacker, with the same reporter token,
/// posts k - 1 all-zero summaries under fresh pseudonyms to make the team look like k.
async fn the_reporter_token_alone_pads_nothing(backend: Backend) {
    let Some(s) = Server::start(backend, &[]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let viewer = s.token("team-a", Role::Viewer).await;
    let laptop = s.enrol(&reporter).await;
    let real = fresh_pseudonym();
    let real_token = s.week_token(&laptop, real, "2026-W48").await.to_string();
    let mine = summary("2026-W48", &real, [600, 0, 120, 60, 0, 5, 3]);
    let r = s.report(&reporter, &mine, Some(&real_token)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    for n in 1..K {
        let padding = summary("2026-W48", &fresh_pseudonym(), ZERO);
        let made_up = random_hex(64);
        for (how, token) in [
            ("no week token", None),
            ("a made-up token", Some(made_up.as_str())),
            ("the real laptop's token", Some(real_token.as_str())),
        ] {
            let r = s.report(&reporter, &padding, token).await;
            let error = refused(&r, 403, &format!("padding {n} with {how}"));
            assert!(error.contains("week token"), "{error}");
        }
    }
    assert_eq!(s.stored("2026-W48").await, 1, "only the real report");

    // The same team with ten real laptops in 2026-W47, to show what ten would look like.
    let mut laptops = vec![laptop];
    for _ in 1..K {
        laptops.push(s.enrol(&reporter).await);
    }
    for laptop in &laptops {
        let colleague = summary("2026-W47", &fresh_pseudonym(), [60, 0, 0, 0, 0, 1, 0]);
        s.report_counted(&reporter, laptop, &colleague).await;
    }

    s.publish("2026-W48");
    let w47 = s.shown(&viewer, "team-a", "2026-W47", false).await;
    assert_eq!(w47["status"], "released", "{w47}");
    assert_eq!(w47["figures"]["reporters"], K, "{w47}");
    let w48 = s.shown(&viewer, "team-a", "2026-W48", false).await;
    assert_eq!(w48["status"], "suppressed", "not 10 people: {w48}");
    assert_eq!(w48["reason"], "fewer_than_k", "{w48}");
    assert!(w48.get("figures").is_none(), "{w48}");
    let org = s.shown(&viewer, "team-a", "2026-W48", true).await;
    assert_eq!(
        org["status"], "suppressed",
        "the org's line is the same one person: {org}"
    );
}

/// Padding by enrolment: the reporter token enrols laptops, each with its own week tokens,
/// until the unit's `max_devices` (its real laptops included) is reached.
async fn enrolment_stops_at_max_devices_and_a_revoked_laptop_frees_its_place(backend: Backend) {
    const MAX: u32 = 4;
    let Some(s) = Server::start(backend, &[("team-a", MAX)]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let real = s.enrol(&reporter).await;
    assert_eq!(real.enrolled, 1);

    let mut laptops = vec![real];
    let refusal = loop {
        match s.try_enrol(&reporter).await {
            Ok(laptop) => laptops.push(laptop),
            Err(refusal) => break refusal,
        }
        assert!(
            laptops.len() <= 100,
            "no limit: {} laptops enrolled",
            laptops.len()
        );
    };
    assert_eq!(
        laptops.len(),
        MAX as usize,
        "the real laptop and MAX - 1 more"
    );
    let counts: Vec<u64> = laptops.iter().map(|l| l.enrolled).collect();
    assert_eq!(counts, [1, 2, 3, 4]);
    let error = refused_enrolment(&refusal, 409, "the fifth laptop");
    assert!(
        error.contains("Unit team-a") && error.contains("max_devices"),
        "{error}"
    );
    let log = s.dash.log_lines();
    let full: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("enrolment refused"))
        .collect();
    assert_eq!(full.len(), 1, "{log:#?}");
    assert!(
        full[0].contains("team-a"),
        "the log names the unit: {}",
        full[0]
    );
    // Refused again; another team is not affected.
    let again = s.try_enrol(&reporter).await.err().expect("still full");
    refused_enrolment(&again, 409, "still full");
    let team_b = s.token("team-b", Role::Reporter).await;
    assert_eq!(s.enrol(&team_b).await.unit, "team-b");

    // The most the attacker makes of it: a report a week from each enrolled laptop.
    for laptop in &laptops {
        let padding = summary("2026-W48", &fresh_pseudonym(), ZERO);
        s.report_counted(&reporter, laptop, &padding).await;
    }
    assert_eq!(s.stored("2026-W48").await, MAX as usize);
    // Which the team's real laptop is told: its team has MAX laptops enrolled.
    let r = s
        .ask(&laptops[0].credential, &fresh_request("2026-W49"))
        .await;
    assert_eq!(
        (r.status, &r.body["enrolled"]),
        (200, &json!(MAX)),
        "{:?}",
        r.body
    );

    // `clockoff-dashboard device revoke` (another process on the database) frees a place.
    let revoked = laptops.pop().unwrap();
    let hash = TokenHash::of(&revoked.credential);
    let other = s.dash.another_store().await;
    assert!(other.revoke_device(hash, s.dash.clock.now()).await.unwrap());
    let replacement = s.enrol(&reporter).await;
    assert_eq!(replacement.enrolled, u64::from(MAX));
    let full = s.try_enrol(&reporter).await.err().expect("full again");
    refused_enrolment(&full, 409, "full again");
}

/// A laptop asks once for each week: another request for the same week is refused; the
/// same request again is answered with the same token; another week is a new token.
async fn one_laptop_has_one_token_a_week(backend: Backend) {
    let Some(s) = Server::start(backend, &[]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let laptop = s.enrol(&reporter).await;
    let me = fresh_pseudonym();
    let first = week_token::blind_pseudonym(me, random_seed()).unwrap();
    let w48 = w("2026-W48");
    let token = laptop.finish(&s.http, &s.base, &first, w48).await;
    let token = token.expect("the week's first request");

    let body = |request: &week_token::Blinding, week: &str| json!({ "week": week, "request": request.request().to_string() });
    // Another pseudonym, or the same one blinded again: a second token for the week.
    let someone_else = week_token::blind_pseudonym(fresh_pseudonym(), random_seed()).unwrap();
    let reblinded = week_token::blind_pseudonym(me, random_seed()).unwrap();
    for (what, request) in [
        ("another pseudonym", &someone_else),
        ("reblinded", &reblinded),
    ] {
        let r = s.ask(&laptop.credential, &body(request, "2026-W48")).await;
        let error = refused(&r, 409, what);
        assert!(error.contains("2026-W48"), "{error}");
    }
    // The first request again (its answer lost): answered, and it gives the same token.
    let again = laptop.finish(&s.http, &s.base, &first, w48).await;
    let again = again.expect("the same request again");
    assert_eq!(again, token);
    // Other weeks: the week before, and the week in progress.
    for week in ["2026-W47", "2026-W49"] {
        let r = s.ask(&laptop.credential, &body(&reblinded, week)).await;
        assert_eq!(r.status, 200, "{week}: {:?}", r.body);
        assert_eq!(r.body["week"], week);
    }
    // The limit is the laptop's: a colleague's laptop asks with the request refused above.
    let colleague = s.enrol(&reporter).await;
    let r = s
        .ask(&colleague.credential, &body(&someone_else, "2026-W48"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // And the one token counts.
    let mine = summary("2026-W48", &me, [30, 0, 0, 0, 0, 1, 0]);
    let r = s.report(&reporter, &mine, Some(&token.to_string())).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

/// A token issued to a team-a laptop for 2026-W47 counts for team-a's 2026-W47 only: not
/// with team-b's reporter token, not for 2026-W48 (a week the dashboard accepts).
async fn a_token_counts_only_for_its_team_and_week(backend: Backend) {
    let Some(s) = Server::start(backend, &[]).await else {
        return;
    };
    let team_a = s.token("team-a", Role::Reporter).await;
    let team_b = s.token("team-b", Role::Reporter).await;
    let laptop_a = s.enrol(&team_a).await;
    let laptop_b = s.enrol(&team_b).await;
    let me = fresh_pseudonym();
    let w47 = s.week_token(&laptop_a, me, "2026-W47").await.to_string();
    let in_w47 = summary("2026-W47", &me, [45, 0, 0, 0, 0, 1, 0]);
    let in_w48 = summary("2026-W48", &me, [45, 0, 0, 0, 0, 1, 0]);
    // And the other way round: team-b's laptop's token with team-a's reporter token.
    let other = fresh_pseudonym();
    let b_w47 = s.week_token(&laptop_b, other, "2026-W47").await.to_string();
    let other_in_w47 = summary("2026-W47", &other, [45, 0, 0, 0, 0, 1, 0]);

    for (what, reporter, body, token) in [
        ("team-a's token, team-b's report", &team_b, &in_w47, &w47),
        ("2026-W47's token on 2026-W48", &team_a, &in_w48, &w47),
        (
            "team-b's token, team-a's report",
            &team_a,
            &other_in_w47,
            &b_w47,
        ),
    ] {
        let r = s.report(reporter, body, Some(token)).await;
        let error = refused(&r, 403, what);
        assert!(error.contains("week token"), "{what}: {error}");
    }
    assert_eq!(s.stored("2026-W47").await + s.stored("2026-W48").await, 0);

    // Each refusal was the token's: the same reports with their own tokens count.
    let r = s.report(&team_a, &in_w47, Some(&w47)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = s.report(&team_b, &other_in_w47, Some(&b_w47)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let w48 = s.week_token(&laptop_a, me, "2026-W48").await.to_string();
    let r = s.report(&team_a, &in_w48, Some(&w48)).await;
    assert_eq!(r.status, 201, "2026-W48 is accepted: {:?}", r.body);
}

/// Every row of every table, each as column -> value in text (a blob in hex).
type Dump = BTreeMap<String, Vec<BTreeMap<String, String>>>;

/// Everything the dashboard stores, read from its database directly.
async fn dump(dash: &Dashboard) -> Dump {
    match (dash.sqlite_path(), dash.postgres_url()) {
        (Some(path), _) => dump_sqlite(&path),
        (None, Some(url)) => dump_postgres(url).await,
        (None, None) => unreachable!("a dashboard has a database"),
    }
}

fn dump_sqlite(path: &std::path::Path) -> Dump {
    use rusqlite::types::ValueRef;
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap();
    let names: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut dump = Dump::new();
    for table in names {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let rows = stmt
            .query_map([], |r| {
                let mut row = BTreeMap::new();
                for (i, column) in columns.iter().enumerate() {
                    let value = match r.get_ref(i)? {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(x) => x.to_string(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
                    };
                    row.insert(column.clone(), value);
                }
                Ok(row)
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        dump.insert(table, rows);
    }
    dump
}

async fn dump_postgres(url: &str) -> Dump {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut dump = Dump::new();
    for (table,) in names {
        let rows: Vec<(String,)> =
            // The names are the database's own (information_schema), quoted.
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT row_to_json(t)::text FROM \"{table}\" t"
            )))
                .fetch_all(&pool)
                .await
                .unwrap();
        let rows = rows
            .into_iter()
            .map(|(json,)| {
                let object: BTreeMap<String, Value> = serde_json::from_str(&json).unwrap();
                object
                    .into_iter()
                    .map(|(column, value)| {
                        let text = match value {
                            Value::Null => "NULL".to_string(),
                            // A bytea is "\x" and hex digits.
                            Value::String(s) => s.strip_prefix("\\x").unwrap_or(&s).to_string(),
                            other => other.to_string(),
                        };
                        (column, text)
                    })
                    .collect()
            })
            .collect();
        dump.insert(table, rows);
    }
    pool.close().await;
    dump
}

/// The values of a row other than those in `except`.
fn values<'a>(row: &'a BTreeMap<String, String>, except: &[&str]) -> BTreeSet<&'a str> {
    row.iter()
        .filter(|(column, _)| !except.contains(&column.as_str()))
        .map(|(_, value)| value.as_str())
        .collect()
}

/// One laptop reports three weeks running, as the agent does (its pseudonyms and blinded
/// requests from its device secret). Nothing the dashboard keeps ties the three together.
async fn a_laptops_weeks_cannot_be_linked_in_the_store(backend: Backend) {
    let Some(s) = Server::start(backend, &[]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    // Enrolled once, in 2026-W46, before it reports.
    s.dash.clock.set(at("2026-11-12T10:17:00Z"));
    let laptop = s.enrol(&reporter).await;
    let secret = DeviceSecret::from_bytes(random_seed());

    let weeks = ["2026-W46", "2026-W47", "2026-W48"];
    // What the laptop alone knows: its tokens and blinded requests (hex), and its credential.
    let mut secrets = Vec::new();
    for (i, name) in weeks.iter().enumerate() {
        let week = w(name);
        // The Monday after the week, each at another time of day.
        let monday = window::end_utc(week) + TimeDelta::minutes(481 + 67 * i as i64);
        s.dash.clock.set(monday);
        let blinding = week_token::blind(&secret, week).unwrap();
        let token = laptop.finish(&s.http, &s.base, &blinding, week).await;
        let token = token.expect("the week's token").to_string();
        // Figures no two reports share: 15..75, 90..150, 165..225 minutes; days and
        // notifications 1 and 2, 3 and 4, 5 and 6.
        let base = 15 * 5 * i as u32;
        let minutes = |j: u32| base + 15 * j;
        let n = 2 * i as u32;
        let figures = [
            minutes(1),
            minutes(2),
            minutes(3),
            minutes(4),
            minutes(5),
            n + 1,
            n + 2,
        ];
        let report = summary(name, &secret.pseudonym(week), figures);
        let r = s.report(&reporter, &report, Some(&token)).await;
        assert_eq!(r.status, 201, "{name}: {:?}", r.body);
        secrets.extend([token, blinding.request().to_string()]);
    }

    let dump = dump(&s.dash).await;
    let text = format!("{dump:?}");
    let reports = &dump["reports"];
    assert_eq!(reports.len(), 3, "{dump:#?}");
    for (i, a) in reports.iter().enumerate() {
        assert_eq!(a["unit"], "team-a");
        for b in &reports[i + 1..] {
            let (a_values, b_values) = (values(a, &["unit"]), values(b, &["unit"]));
            let shared: Vec<&&str> = a_values.intersection(&b_values).collect();
            assert!(shared.is_empty(), "{shared:?} in {a:?} and {b:?}");
        }
    }
    let in_reports: BTreeSet<&str> = reports.iter().flat_map(|r| values(r, &[])).collect();
    // Which laptop had a token for which week: three rows, none of their device or request
    // hashes in a report; nor anything of the laptop's enrolment but its unit.
    let issued = &dump["issued"];
    assert_eq!(issued.len(), 3, "{dump:#?}");
    let hash = TokenHash::of(&laptop.credential);
    for row in issued {
        assert_eq!(row["device"], hash.as_str(), "{row:?}");
        for value in values(row, &["week"]) {
            assert!(
                !in_reports.contains(value),
                "{value} of {row:?} is in a report"
            );
        }
    }
    let requests: BTreeSet<&str> = issued.iter().map(|r| r["request_hash"].as_str()).collect();
    assert_eq!(requests.len(), 3, "{issued:?}");
    let devices = &dump["devices"];
    assert_eq!(devices.len(), 1, "{dump:#?}");
    for value in values(&devices[0], &["unit"]) {
        assert!(
            !in_reports.contains(value),
            "{value} of {devices:?} is in a report"
        );
    }
    // The tokens, the blinded requests and the device credential are nowhere.
    for secret in secrets.iter().chain([&laptop.credential]) {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} is stored:\n{dump:#?}"
        );
    }
    // Not in the SQLite files either (the database and its log), as text or as bytes.
    if let Some(path) = s.dash.sqlite_path() {
        let mut raw = Vec::new();
        for entry in std::fs::read_dir(path.parent().unwrap()).unwrap() {
            raw.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let found = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
        for secret in secrets.iter().chain([&laptop.credential]) {
            assert!(!found(secret.as_bytes()), "{secret} is in the files");
        }
        for secret in &secrets {
            let bytes: Vec<u8> = (0..secret.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&secret[i..i + 2], 16).unwrap())
                .collect();
            assert!(!found(&bytes), "{secret} is in the files as bytes");
        }
    }
}

/// Only an enrolled laptop's own credential has week tokens: not a revoked one, not a team's
/// reporter or viewer token; and a device credential is no team token either.
async fn a_revoked_laptop_or_a_team_token_gets_no_week_token(backend: Backend) {
    let Some(s) = Server::start(backend, &[]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let viewer = s.token("team-a", Role::Viewer).await;
    let laptop = s.enrol(&reporter).await;
    let w47 = fresh_request("2026-W47");
    let r = s.ask(&laptop.credential, &w47).await;
    assert_eq!(r.status, 200, "enrolled: {:?}", r.body);

    let hash = TokenHash::of(&laptop.credential);
    let other = s.dash.another_store().await;
    assert!(other.revoke_device(hash, s.dash.clock.now()).await.unwrap());
    let made_up = format!("cod_d_{}", random_hex(32));
    let w48 = fresh_request("2026-W48");
    for (what, bearer, body) in [
        (
            "revoked, a week it never asked for",
            laptop.credential.as_str(),
            &w48,
        ),
        (
            "revoked, the request answered before",
            &laptop.credential,
            &w47,
        ),
        ("the reporter token", &reporter, &w48),
        ("the viewer token", &viewer, &w48),
        ("a made-up device credential", &made_up, &w48),
    ] {
        let r = s.ask(bearer, body).await;
        refused(&r, 401, what);
        let challenge = r
            .headers
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap());
        assert_eq!(challenge, Some("Bearer"), "{what}");
    }

    // A device credential in place of the team's token: no report, no enrolment, no read.
    let live = s.enrol(&reporter).await;
    let me = fresh_pseudonym();
    let token = s.week_token(&live, me, "2026-W48").await.to_string();
    let mine = summary("2026-W48", &me, [15, 0, 0, 0, 0, 1, 0]);
    let r = s.report(&live.credential, &mine, Some(&token)).await;
    refused(&r, 401, "a report sent with a device credential");
    let enrolment = s.try_enrol(&live.credential).await.err().expect("refused");
    refused_enrolment(&enrolment, 401, "an enrolment with a device credential");
    let url = format!("{}/api/v1/units/team-a/weeks", s.base);
    let r = send(s.http.get(url).bearer_auth(&live.credential)).await;
    refused(&r, 401, "a read with a device credential");
    // The same report with the team's token counts.
    let r = s.report(&reporter, &mine, Some(&token)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

/// The attacker races: enrolments sent at once take no more than the unit's places, and one
/// laptop's requests for a week sent at once have one token between them.
async fn requests_sent_at_once_take_no_more_than_one_at_a_time(backend: Backend) {
    const MAX: u32 = 4;
    let Some(s) = Server::start(backend, &[("team-a", MAX)]).await else {
        return;
    };
    let reporter = s.token("team-a", Role::Reporter).await;
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (http, base, reporter) = (s.http.clone(), s.base.clone(), reporter.clone());
        racing.spawn(async move { Laptop::enrol(&http, &base, &reporter).await });
    }
    let (enrolled, full): (Vec<_>, Vec<_>) =
        racing.join_all().await.into_iter().partition(Result::is_ok);
    let enrolled: Vec<Laptop> = enrolled.into_iter().map(Result::unwrap).collect();
    let mut counts: Vec<u64> = enrolled.iter().map(|l| l.enrolled).collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 3, 4], "one place each");
    for refusal in full {
        refused_enrolment(
            &refusal.err().unwrap(),
            409,
            "an enrolment past the last place",
        );
    }

    let credential = enrolled[0].credential.clone();
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (http, base, credential) = (s.http.clone(), s.base.clone(), credential.clone());
        racing
            .spawn(async move { ask(&http, &base, &credential, &fresh_request("2026-W48")).await });
    }
    let replies = racing.join_all().await;
    let answered = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(answered, 1, "one token for the week");
    for r in replies.iter().filter(|r| r.status != 200) {
        refused(r, 409, "a second request for the week at once");
    }
}
