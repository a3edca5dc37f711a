//! The dashboard's pages in headless Chromium: a year of a service's weeks, decided by the
//! real release rule (a team below k, teams above it, a Christmas fortnight too small to
//! show, a week hidden to protect a small service), rendered, opened on a desktop and a
//! phone, printed, and checked to ask the network for nothing. Screenshots and the PDF are
//! kept as artefacts in target/tmp/artefacts (dashboard-*.png, dashboard-unit.pdf).

use crate::support;

use std::path::Path;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use clockoff_dashboard::pages::{self, ChildView, Period, UnitView, WeekView};
use clockoff_dashboard::{Contribution, Outcome, Threshold, UnitTree, Week};
use support::axe::{Axe, axe_core};
use support::cdp::Browser;
use support::chromium::{artefacts, chromium, ink, page_requests, print_to_pdf};
use support::or_skip;
use support::process::find_program;
use support::tmp::temp_dir;

const UNITS: [(&str, Option<&str>, &str); 7] = [
    ("org", None, "Leeds Children's Services"),
    ("north", Some("org"), "Assessment & Intervention (North)"),
    ("south", Some("org"), "Assessment & Intervention (South)"),
    ("team-a", Some("north"), "Team A: Duty & Assessment"),
    ("team-b", Some("north"), "Team B: Child in Need"),
    ("team-c", Some("north"), "Team C: <Leaving Care>"),
    ("team-d", Some("north"), "Team D: Disabled Children"),
];

/// Reporters per team in week `i` of 52: normal weeks have every team; the Christmas
/// fortnight (weeks 3 and 4) only the two small teams, fewer than k between them; in week 30
/// the south service has 3 reporters, so north is hidden to protect them.
fn team_sizes(i: usize) -> [(&'static str, u32); 5] {
    match i {
        3 | 4 => [
            ("team-a", 0),
            ("team-b", 0),
            ("team-c", 3),
            ("team-d", 4),
            ("south", 25),
        ],
        30 => [
            ("team-a", 12),
            ("team-b", 15),
            ("team-c", 4),
            ("team-d", 6),
            ("south", 3),
        ],
        _ => [
            ("team-a", 12 + (i % 3) as u32),
            ("team-b", 15),
            ("team-c", 4),
            ("team-d", 6),
            ("south", 25),
        ],
    }
}

/// A person's week, varying with the week (busier in winter) and the person.
fn contribution(week: usize, person: u32) -> Contribution {
    let season = (week as f64 / 52.0 * std::f64::consts::TAU).cos(); // week 0 is December
    let base = 150.0 + 90.0 * season;
    let spread = f64::from((person * 53 + week as u32 * 29) % 17) / 8.0;
    let minutes = if person.is_multiple_of(5) {
        0
    } else {
        (base * spread).round() as u32
    };
    Contribution {
        out_of_hours_minutes: minutes,
        self_reported_out_of_hours_minutes: minutes / 4,
        weekend_minutes: if person.is_multiple_of(3) {
            minutes / 3
        } else {
            0
        },
        late_evening_minutes: if person.is_multiple_of(2) {
            minutes / 2
        } else {
            0
        },
        days_with_out_of_hours_work: (minutes / 60).min(7),
        notifications_held_out_of_hours: (person * 7 + week as u32) % 9,
        // A few on an on-call rota each week, at the laptop for part of it.
        on_call_callout_minutes: if (person + week as u32).is_multiple_of(7) {
            minutes / 2
        } else {
            0
        },
    }
}

fn view() -> UnitView {
    let tree = UnitTree::new(UNITS.map(|(id, parent, _)| (id, parent))).unwrap();
    let name = |id: &str| {
        UNITS
            .iter()
            .find(|u| u.0 == id)
            .map(|u| u.2.to_string())
            .unwrap()
    };
    let k = Threshold::new(10).unwrap();
    let last = NaiveDate::from_isoywd_opt(2026, 47, Weekday::Mon).unwrap();
    let mut weeks = Vec::new();
    let mut children = Vec::new();
    for i in 0..52 {
        let mut week = Week::new(&tree);
        let mut person = 0;
        for (team, size) in team_sizes(i) {
            for _ in 0..size {
                week.add(team, contribution(i, person)).unwrap();
                person += 1;
            }
        }
        let release = week.release(k);
        weeks.push(WeekView {
            week: (last - TimeDelta::weeks(51 - i as i64)).iso_week(),
            unit: release.get("north").unwrap().clone(),
            org: release.get("org").unwrap().clone(),
        });
        if i == 51 {
            children = ["team-a", "team-b", "team-c", "team-d"]
                .map(|id| ChildView {
                    id: id.into(),
                    name: name(id),
                    latest: release.get(id).unwrap().clone(),
                })
                .into();
        }
    }
    UnitView {
        id: "north".into(),
        name: name("north"),
        org_name: Some(name("org")),
        k,
        weeks_accepted: 2,
        period: Period::Weeks52,
        weeks,
        children,
        enrolled: Some(clockoff_dashboard::pages::Enrolled {
            laptops: 30,
            headcount: Some(32),
        }),
        nothing_published: None,
    }
}

/// Runs Chromium on `page`: a desktop and a phone screenshot (named `name`), each checked to
/// show something, and every request the page made (there must be none).
fn screenshots(chrome: &Path, dir: &Path, page: &Path, name: &str, heights: (u32, u32)) {
    let profile = dir.join("profile");
    let netlog = dir.join(format!("{name}-netlog.json"));
    for (what, width, height) in [("desktop", 1100, heights.0), ("phone", 320, heights.1)] {
        let png = artefacts().join(format!("dashboard-{name}-{what}.png"));
        chromium(
            chrome,
            &profile,
            &netlog,
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={width},{height}"),
            ],
            page,
        );
        let (w, h, inked) = ink(&png);
        assert_eq!((w, h), (width, height), "{name} {what}");
        assert!(
            inked > 0.02,
            "the {name} page on a {what} looks blank ({inked:.3})"
        );
        assert_eq!(
            page_requests(&netlog),
            Vec::<String>::new(),
            "{name} {what}"
        );
    }
}

#[test]
fn the_fixture_is_what_the_page_test_needs() {
    let v = view();
    assert_eq!(v.weeks.len(), 52);
    let hidden = |w: &&WeekView| matches!(w.unit, Outcome::Suppressed { .. });
    assert_eq!(
        v.weeks.iter().filter(hidden).count(),
        3,
        "Christmas and week 30"
    );
    assert!(matches!(v.children[0].latest, Outcome::Released(_)));
    assert!(matches!(v.children[2].latest, Outcome::Suppressed { .. }));
}

#[test]
fn the_unit_page_renders_in_chromium_asks_for_nothing_and_prints() {
    let Some(chrome) = or_skip(find_program("chromium")) else {
        return;
    };
    let dir = temp_dir("dashboard-pages");
    let html = pages::unit_page(&view());
    for outside in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(outside), "the page refers to {outside}");
    }
    assert!(html.contains("fewer than 10 people"));
    assert!(html.contains("hidden to protect a group of fewer than 10 people"));
    assert!(html.contains("Team C: &lt;Leaving Care&gt;"));
    let page = dir.path().join("unit.html");
    std::fs::write(&page, &html).unwrap();
    std::fs::write(artefacts().join("dashboard-unit.html"), &html).unwrap();
    screenshots(&chrome, dir.path(), &page, "unit", (7400, 10000));

    let pdf = artefacts().join("dashboard-unit.pdf");
    let printed = print_to_pdf(
        &chrome,
        &dir.path().join("profile"),
        &dir.path().join("print-netlog.json"),
        &page,
        &pdf,
    );
    assert!(
        printed.len() > 20_000,
        "the printed page is only {} bytes",
        printed.len()
    );

    let sign_in = dir.path().join("sign-in.html");
    std::fs::write(&sign_in, pages::sign_in(Some("That token is not known."))).unwrap();
    screenshots(&chrome, dir.path(), &sign_in, "sign-in", (700, 700));
}

/// axe-core finds nothing at a laptop's and a phone's width on each kind of page: a unit's
/// year, a dashboard with nothing published yet, the sign-in form refusing a token, and a
/// notice (the server's error pages). The pages as the server serves them, signed in, are
/// checked too (`web::e2e`).
#[test]
fn every_kind_of_page_passes_axe_at_a_desktop_and_a_phone_width() {
    let Some(chrome) = or_skip(find_program("chromium")) else {
        return;
    };
    let Some(axe_core) = or_skip(axe_core()) else {
        return;
    };
    let dir = temp_dir("dashboard-axe");
    let mut empty = view();
    empty.nothing_published = NaiveDate::from_ymd_opt(2026, 12, 14);
    let pages = [
        ("unit", pages::unit_page(&view())),
        ("empty", pages::unit_page(&empty)),
        ("sign-in", pages::sign_in(Some("That token is not known."))),
        (
            "notice",
            pages::notice("Not available", "This unit is not one your token can see."),
        ),
    ];
    let axe = Axe::load(&axe_core);
    let mut browser = Browser::launch(&chrome, dir.path(), 1280, 900);
    let mut violations = Vec::new();
    for (name, html) in pages {
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, html).unwrap();
        let url = format!("file://{}", file.display());
        violations.extend(axe.check_url(&mut browser, &url, &format!("dashboard-{name}")));
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_csv_of_the_same_weeks_keeps_every_week() {
    let csv = pages::csv(&view());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], pages::CSV_HEADER);
    assert_eq!(lines.len(), 53);
    assert!(lines[4].ends_with(",fewer than 10 people"), "{}", lines[4]);
    assert!(lines[31].ends_with(",hidden to protect a group of fewer than 10 people"));
    assert!(lines[52].starts_with("2026-W47,2026-11-16,"));
    assert!(lines[52].ends_with(','), "a shown week has no reason");
}
