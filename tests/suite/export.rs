//! `clockoff export` against a real ledger: the CSV columns and JSON shape other programs
//! rely on, and the HTML report opened in headless Chromium (it renders, on a desktop and a
//! phone, and prints; it asks the network for nothing). Screenshots are kept as artefacts in
//! target/tmp/artefacts.

use crate::support;

use std::path::Path;

use serde_json::{Value, json};
use support::axe::{Axe, axe_core};
use support::cdp::Browser;
use support::chromium::{artefacts, chromium, ink, page_requests, print_to_pdf};
use support::or_skip;
use support::process::find_program;
use support::record::{CONFIG, clockoff, write_week};
use support::tmp::temp_dir;

async fn exported(dir: &Path, format: &str) -> String {
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    write_week(&dir.join("data/clockoff/ledger.sqlite3")).await;
    let out = clockoff(
        dir,
        &[
            "export",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-29",
            "--format",
            format,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_columns_are_a_contract_and_add_up() {
    let dir = temp_dir("export-csv");
    let csv = exported(dir.path(), "csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "date,weekday,in_hours_minutes,out_of_hours_minutes,chosen_minutes,on_call_minutes,logged_minutes,weekend_minutes,late_minutes,total_minutes,logged_ids,corrects_ids,withdrawn_ids"
    );
    assert_eq!(lines.len(), 8, "a header and seven days");
    assert_eq!(lines[1], "2026-11-23,Mon,450,75,0,0,0,0,75,525,,,");
    assert_eq!(lines[4], "2026-11-26,Thu,450,60,60,0,0,0,0,510,,,");
    // The logged visit is entry 1 (tests/corrections.rs has the corrected columns).
    assert_eq!(lines[6], "2026-11-28,Sat,0,0,0,0,90,90,0,90,1,,");
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_schema_is_stable() {
    let dir = temp_dir("export-json");
    let json: Value = serde_json::from_str(&exported(dir.path(), "json").await).unwrap();
    assert_eq!(json["schema"], "clockoff.export/1");
    assert_eq!(
        keys(&json),
        [
            "chain",
            "contracted_minutes",
            "days",
            "forgotten",
            "from",
            "generated_at",
            "logged",
            "schema",
            "superseded",
            "timezone",
            "to",
            "toil",
            "totals",
            "weeks"
        ]
    );
    // Added without a schema bump: a new key, nothing existing changed.
    assert_eq!(
        keys(&json["toil"]),
        [
            "accrued_minutes",
            "balance_minutes",
            "carried_minutes",
            "rule",
            "rule_text",
            "taken",
            "taken_minutes",
            "weeks"
        ]
    );
    let day = &json["days"][0];
    assert_eq!(keys(day), ["date", "hours", "minutes"]);
    assert_eq!(
        keys(&day["hours"][22]),
        ["local_hour", "minutes", "start", "working"]
    );
    assert_eq!(day["hours"][22]["minutes"], 30, "22:30-23:00");
    assert_eq!(day["hours"][9]["working"], true);
    assert_eq!(
        keys(&day["minutes"]),
        [
            "chosen",
            "in_hours",
            "late",
            "manual",
            "on_call",
            "out_of_hours",
            "weekend"
        ]
    );
    assert_eq!(
        keys(&json["weeks"][0]),
        [
            "average_minutes",
            "average_weeks",
            "contracted_minutes",
            "days",
            "findings",
            "overtime_minutes",
            "timezone",
            "totals",
            "week"
        ]
    );
    assert_eq!(
        keys(&json["weeks"][0]["findings"][0]),
        ["from", "rule", "text", "to"]
    );
    // Entry ids and what a correction corrects were added without a schema bump.
    assert_eq!(
        keys(&json["logged"][0]),
        ["corrects", "end", "id", "note", "recorded_at", "start"]
    );
    assert_eq!(json["logged"][0]["note"], "home visit");
    assert_eq!(json["logged"][0]["id"], 1);
    assert_eq!(json["logged"][0]["corrects"], Value::Null);
    assert_eq!(json["superseded"], serde_json::json!([]));
    // The chain head is cited, and is what `clockoff verify` reports as the head.
    assert_eq!(keys(&json["chain"]), ["at", "hash", "seq"]);
    let hash = json["chain"]["hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    let verify = support::record::json(&clockoff(dir.path(), &["verify", "--json"]));
    assert_eq!(verify["head"], hash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_renders_in_chromium_asks_for_nothing_and_prints() {
    let Some(chrome) = or_skip(find_program("chromium")) else {
        return;
    };
    let dir = temp_dir("export-html");
    let html = exported(dir.path(), "html").await;
    // Self-contained: nothing to fetch, nothing to run.
    for outside in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(outside), "the report refers to {outside}");
    }
    assert!(
        html.contains("<td class=\"n logged\">1h 30m</td>"),
        "the logged visit is marked"
    );
    assert!(html.contains("home visit"));
    assert!(
        html.contains("Running <code>clockoff verify</code>"),
        "the chain head is cited"
    );
    assert!(html.contains("9h 15m (Mon 23 Nov 23:45 to Tue 24 Nov 09:00)"));
    // On a phone and by keyboard (issue 19): every box that scrolls sideways can be reached
    // with Tab and has a name of its own; working hours with no work are outlined, not told
    // apart by a faint shade alone; the key says where logged time is.
    let regions: Vec<&str> = html
        .split("tabindex=\"0\" role=\"region\" aria-label=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .collect();
    assert!(regions.len() >= 4, "{regions:?}");
    let mut unique = regions.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), regions.len(), "{regions:?}");
    assert_eq!(
        html.matches("class=\"scroll\"").count(),
        html.matches("role=\"region\"").count(),
        "every scrolling box is a named region"
    );
    assert!(
        html.contains("background:var(--shade);border-color:#2c6fb7"),
        "outlined in the key"
    );
    assert!(html.contains("Time I logged myself is not drawn here"));
    // The hour of "Work now" is said in words a reader follows (issue 19: "(0m of it
    // chosen)").
    assert!(html.contains(">2h 15m (1h of it by choice)</td>"), "{html}");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let profile = dir.path().join("profile");
    let netlog = dir.path().join("netlog.json");
    let desktop = artefacts().join("report-week-desktop.png");
    let phone = artefacts().join("report-week-phone.png");
    let pdf = artefacts().join("report-week.pdf");
    chromium(
        &chrome,
        &profile,
        &netlog,
        &[
            &format!("--screenshot={}", desktop.display()),
            "--window-size=1100,2600",
        ],
        &page,
    );
    let (w, h, inked) = ink(&desktop);
    assert_eq!((w, h), (1100, 2600));
    assert!(
        inked > 0.03,
        "the desktop page looks blank ({inked:.3} inked)"
    );

    // Every request the page made (the net log's requests on behalf of the file:// page;
    // Chromium's own background requests belong to other sites) was for the file itself.
    assert_eq!(page_requests(&netlog), Vec::<String>::new());

    // The detector is not blind: a page with one outside image is caught.
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        "<p>control <img src=\"http://127.0.0.1:9/x.png\"></p>",
    )
    .unwrap();
    chromium(&chrome, &profile, &netlog, &["--dump-dom"], &control);
    assert_eq!(page_requests(&netlog), ["http://127.0.0.1:9/x.png"]);

    chromium(
        &chrome,
        &profile,
        &netlog,
        &[
            &format!("--screenshot={}", phone.display()),
            "--window-size=390,1800",
        ],
        &page,
    );
    let (_, _, inked) = ink(&phone);
    assert!(
        inked > 0.03,
        "the phone page looks blank ({inked:.3} inked)"
    );

    let printed = print_to_pdf(&chrome, &profile, &netlog, &page, &pdf);
    assert!(
        printed.len() > 10_000,
        "the printed report is only {} bytes",
        printed.len()
    );
}

/// axe-core finds nothing in the week's report at a laptop's and a phone's width, and on a
/// phone nothing is cut off (issue 19: at 375 px the evening hours and the table were): the
/// page itself never scrolls sideways; what is wider scrolls inside a box of its own that
/// the keyboard reaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_passes_axe_and_nothing_is_cut_off_on_a_phone() {
    let Some(chrome) = or_skip(find_program("chromium")) else {
        return;
    };
    let Some(axe_core) = or_skip(axe_core()) else {
        return;
    };
    let dir = temp_dir("export-axe");
    let html = exported(dir.path(), "html").await;
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut b = Browser::launch(&chrome, dir.path(), 1280, 900);
        let url = format!("file://{}", page.display());
        let violations = Axe::load(&axe_core).check_url(&mut b, &url, "export-week");
        assert!(violations.is_empty(), "{violations:#?}");

        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": true }),
        );
        b.navigate(&url);
        let cut_off = b.eval(
            "[...document.body.querySelectorAll('*')]\
               .filter(e => e.getBoundingClientRect().right \
                 > document.documentElement.clientWidth + 0.5 \
                 && !e.closest('[role=region][tabindex=\"0\"]'))\
               .map(e => e.tagName + '.' + e.className)",
        );
        assert_eq!(cut_off, json!([]), "beyond the screen's edge, out of reach");
        assert_eq!(b.eval("document.documentElement.scrollWidth"), 375);
        let boxes = b.eval("document.querySelectorAll('[role=region][tabindex=\"0\"]').length");
        assert!(boxes.as_u64() >= Some(4), "{boxes}");
    })
    .await
    .unwrap();
}
