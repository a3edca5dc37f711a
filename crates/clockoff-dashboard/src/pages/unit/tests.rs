use super::super::fixture::{self, HIDDEN_WEEK, NAME, PROTECTED_WEEK, ZERO_WEEK};
use super::super::text::week_commencing;
use super::*;
use crate::{Outcome, Reason};

/// The text between `from` (included) and the next `to` after it.
fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in the page"));
    let len = text[start..].find(to).expect("an end");
    &text[start..start + len]
}

/// The body rows of the table with this caption id.
fn rows<'a>(page: &'a str, caption: &str) -> Vec<&'a str> {
    let table = between(page, &format!("<caption id=\"{caption}\""), "</table>");
    between(table, "<tbody>", "</tbody>")
        .split("<tr>")
        .skip(1)
        .collect()
}

/// The row of a week's table for week `i` of the fixture.
fn week_row<'a>(page: &'a str, caption: &str, view: &UnitView, i: usize) -> &'a str {
    let label = format!(
        "<th scope=\"row\">{}</th>",
        week_commencing(view.weeks[i].week)
    );
    rows(page, caption)
        .into_iter()
        .find(|r| r.starts_with(&label))
        .unwrap_or_else(|| panic!("no row for week {i} under {caption}"))
}

/// The `points` of each polyline of a series in a chart.
fn polylines<'a>(page: &'a str, chart: &str, series: &str) -> Vec<&'a str> {
    let svg = between(
        page,
        &format!("aria-labelledby=\"{chart}-title {chart}-desc\""),
        "</svg>",
    );
    let group = between(svg, &format!("data-series=\"{series}\""), "</g>");
    group
        .split("points=\"")
        .skip(1)
        .map(|p| &p[..p.find('"').unwrap()])
        .collect()
}

#[test]
fn a_hidden_week_says_fewer_than_k_people_and_shows_no_number() {
    let view = fixture::service(26);
    let page = unit_page(&view);
    for caption in ["hours-caption", "logged-caption", "share-caption"] {
        let row = week_row(&page, caption, &view, HIDDEN_WEEK);
        let unit_cells = &row[row.find("</th>").unwrap() + 5..];
        assert!(
            unit_cells.starts_with("<td class=\"hidden\" colspan=\"3\">fewer than 10 people</td>"),
            "{row}"
        );
        // The organisation's cells follow; the unit's are only the words.
        assert_eq!(unit_cells.matches("<td class=\"hidden\"").count(), 1);
        let row = week_row(&page, caption, &view, PROTECTED_WEEK);
        assert!(
            row.contains(
                "<td class=\"hidden\" colspan=\"3\">hidden to protect a group of fewer than 10 people</td>"
            ),
            "{row}"
        );
    }
    // Each unit line breaks at both hidden weeks: 0-4, 6-8, 10-25.
    for (chart, series) in [
        ("hours", "unit-median"),
        ("hours", "unit-mean"),
        ("logged", "unit-logged"),
        ("logged", "unit-callouts"),
        ("share", "unit-share"),
    ] {
        let lines = polylines(&page, chart, series);
        assert_eq!(lines.len(), 3, "{series}: {lines:?}");
        assert_eq!(
            lines
                .iter()
                .map(|l| l.split(' ').count())
                .collect::<Vec<_>>(),
            [5, 3, 16]
        );
        // No point at the hidden weeks' x (64 + 628 * i / 25).
        for i in [HIDDEN_WEEK, PROTECTED_WEEK] {
            let x = format!("{:.1},", 64.0 + 628.0 * i as f64 / 25.0);
            assert!(lines.iter().all(|l| !l.contains(&x)), "{series} at {i}");
        }
    }
    // The organisation's line is whole, and each hidden week is shaded.
    assert_eq!(polylines(&page, "hours", "org-median").len(), 1);
    assert_eq!(page.matches("class=\"hidden-week\"").count(), 3 * 2);
}

#[test]
fn a_shown_weeks_numbers_are_its_figures() {
    let view = fixture::service(26);
    let page = unit_page(&view);
    // Week 0: ten people, median 150 min, mean 243 min, 8 with out-of-hours work.
    let row = week_row(&page, "hours-caption", &view, 0);
    assert!(
        row.starts_with(
            "<th scope=\"row\">w/c 1 Jun 2026</th><td class=\"n\">10</td><td class=\"n\">2h 30m</td><td class=\"n\">4h 3m</td>"
        ),
        "{row}"
    );
    let Outcome::Released(org) = &view.weeks[0].org else {
        unreachable!()
    };
    assert!(row.contains(&format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        duration(org.median_out_of_hours_minutes),
        duration(org.mean_out_of_hours_minutes())
    )));
    let row = week_row(&page, "share-caption", &view, 0);
    assert!(row.contains("<td class=\"n\">10</td><td class=\"n\">8</td><td class=\"n\">80%</td>"));
    // The same week in the chart: median 2.5 h, mean 4.05 h, on a 0-5 h scale.
    let scale = Scale::nice(
        view.weeks
            .iter()
            .flat_map(|w| [&w.unit, &w.org])
            .filter_map(|o| shown(o, view.k).ok())
            .map(|f| {
                f.mean_out_of_hours_minutes()
                    .max(f.median_out_of_hours_minutes)
                    / 60.0
            })
            .fold(0.0, f64::max),
    );
    let y = |h: f64| 12.0 + 232.0 * (1.0 - h / scale.top);
    assert!(
        polylines(&page, "hours", "unit-median")[0].starts_with(&format!("64.0,{:.1} ", y(2.5)))
    );
    assert!(
        polylines(&page, "hours", "unit-mean")[0].starts_with(&format!("64.0,{:.1} ", y(4.05)))
    );
    assert!(
        polylines(&page, "share", "unit-share")[0]
            .starts_with(&format!("64.0,{:.1} ", 12.0 + 232.0 * 0.2))
    );
}

#[test]
fn time_logged_and_on_call_is_shown_per_person_beside_the_organisations() {
    let view = fixture::service(26);
    let page = unit_page(&view);
    // Week 0 is the hand-built team of ten: one logged 45 minutes, nobody was on call.
    let row = week_row(&page, "logged-caption", &view, 0);
    assert!(
        row.starts_with(
            "<th scope=\"row\">w/c 1 Jun 2026</th><td class=\"n\">10</td><td class=\"n\">5m</td><td class=\"n\">0m</td>"
        ),
        "{row}"
    );
    // Week 1: twelve people, six logged 45 minutes (22.5 each on average, shown as 23m) and two were at the laptop on call.
    let Outcome::Released(f) = &view.weeks[1].unit else {
        unreachable!()
    };
    assert_eq!(f.totals.self_reported_out_of_hours_minutes, 6 * 45);
    assert!(f.totals.on_call_callout_minutes > 0);
    let row = week_row(&page, "logged-caption", &view, 1);
    assert!(
        row.contains(&format!(
            "<td class=\"n\">12</td><td class=\"n\">23m</td><td class=\"n\">{}</td>",
            duration(f.mean_on_call_callout_minutes())
        )),
        "{row}"
    );
    let Outcome::Released(org) = &view.weeks[1].org else {
        unreachable!()
    };
    assert!(row.ends_with(&format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        duration(org.mean_self_reported_minutes()),
        duration(org.mean_on_call_callout_minutes())
    )));
    assert_eq!(polylines(&page, "logged", "org-logged").len(), 1);
    // The footnote no longer says such work is not seen.
    assert!(page.contains("counted apart, in their own section"));
    assert!(!page.contains("work on a phone or on paper is not seen"));
}

#[test]
fn a_week_of_zero_sits_on_the_baseline_and_reads_zero() {
    let view = fixture::service(26);
    let page = unit_page(&view);
    let x = 64.0 + 628.0 * ZERO_WEEK as f64 / 25.0;
    let point = format!("{x:.1},244.0");
    assert!(polylines(&page, "hours", "unit-median")[0].contains(&point));
    assert!(polylines(&page, "share", "unit-share")[0].contains(&point));
    let row = week_row(&page, "hours-caption", &view, ZERO_WEEK);
    assert!(row.contains("<td class=\"n\">12</td><td class=\"n\">0m</td><td class=\"n\">0m</td>"));
    let row = week_row(&page, "share-caption", &view, ZERO_WEEK);
    assert!(row.contains("<td class=\"n\">12</td><td class=\"n\">0</td><td class=\"n\">0%</td>"));
    // The share axis is always the whole 0-100%.
    let share = between(
        &page,
        "aria-labelledby=\"share-title share-desc\"",
        "</svg>",
    );
    for tick in ["0%", "25%", "50%", "75%", "100%"] {
        assert!(share.contains(&format!(">{tick}</text>")), "{tick}");
    }
}

#[test]
fn names_are_escaped_everywhere() {
    let page = unit_page(&fixture::service(26));
    assert!(!page.contains("<North>") && !page.contains("<C>"));
    assert!(!page.contains("& I") && !page.contains("\"Co\""));
    assert!(page.contains("<title>Assessment &amp; Intervention &lt;North&gt;: the last 26 weeks - clockoff team dashboard</title>"));
    assert!(page.contains(
        "<h1>Assessment &amp; Intervention &lt;North&gt;: out-of-hours work, the last 26 weeks</h1>"
    ));
    assert!(page.contains("Team &lt;C&gt; &amp; &quot;Co&quot;"));
    assert!(page.contains("<a href=\"/units/team%20c%2F1\">"));
    assert!(page.contains("Whole organisation (Children&#39;s Services), median (dotted line)"));
    assert!(NAME.contains('<'), "the fixture tests something");
}

#[test]
fn the_period_switch_marks_the_current_period_and_the_csv_link_follows_it() {
    let mut view = fixture::service(26);
    let page = unit_page(&view);
    assert!(page.contains("<a href=\"?weeks=26\" aria-current=\"page\">Last 26 weeks</a>"));
    assert!(page.contains("<a href=\"?weeks=52\">Last 52 weeks</a>"));
    assert!(page.contains("<a href=\"?weeks=26&amp;format=csv\" download>"));
    view = fixture::service(52);
    let page = unit_page(&view);
    assert!(page.contains("<a href=\"?weeks=26\">Last 26 weeks</a>"));
    assert!(page.contains("<a href=\"?weeks=52\" aria-current=\"page\">Last 52 weeks</a>"));
    assert!(page.contains("<a href=\"?weeks=52&amp;format=csv\" download>"));
    assert!(page.contains("the last 52 weeks</h1>"));
    assert!(page.contains("w/c 1 Jun 2026 to w/c 24 May 2027."));
    assert_eq!(rows(&page, "hours-caption").len(), 52);
    // Newest first.
    assert!(rows(&page, "hours-caption")[0].starts_with("<th scope=\"row\">w/c 24 May 2027</th>"));
}

#[test]
fn the_units_below_sit_side_by_side_and_small_ones_are_words() {
    let page = unit_page(&fixture::service(26));
    assert!(page.contains("<h2 id=\"children-h\">Units in Assessment &amp; Intervention &lt;North&gt;, w/c 23 Nov 2026</h2>"));
    let rows = rows(&page, "children-caption");
    assert_eq!(rows.len(), 3);
    // Team A is the hand-built team: 10 people, 80%, median 2h 30m, weekend 20%, late 10%,
    // 12 notifications over 10 people.
    assert_eq!(
        rows[0],
        "<th scope=\"row\"><a href=\"/units/team-a\">Team A</a></th><td class=\"n\">10</td>\
         <td class=\"n\">80%</td><td class=\"n\">2h 30m</td><td class=\"n\">20%</td>\
         <td class=\"n\">10%</td><td class=\"n\">1.2</td></tr>\n"
    );
    assert!(rows[1].contains("<td class=\"hidden\" colspan=\"6\">fewer than 10 people</td></tr>"));
    assert!(rows[2].contains(
        "<td class=\"hidden\" colspan=\"6\">hidden to protect a group of fewer than 10 people</td></tr>"
    ));
    let header = between(&page, "<caption id=\"children-caption\"", "</thead>");
    assert_eq!(header.matches("<th scope=\"col\"").count(), 7);
}

#[test]
fn the_bands_are_the_latest_shown_week() {
    // Six weeks: the last (week 5) is hidden, so the bands are week 4's.
    let view = fixture::service(6);
    let page = unit_page(&view);
    let Outcome::Released(f) = &view.weeks[4].unit else {
        unreachable!()
    };
    let when = week_commencing(view.weeks[4].week);
    assert!(page.contains(&format!(
        "<caption id=\"bands-caption\">Out-of-hours time per person in bands, {when}</caption>"
    )));
    let rows = rows(&page, "bands-caption");
    assert_eq!(rows.len(), 7);
    for (row, band) in rows.iter().zip(Band::ALL) {
        assert!(
            row.contains(&format!(
                "</th><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                f.bands[band as usize],
                percent(f.band_share(band))
            )),
            "{row}"
        );
    }
    assert_eq!(
        page.matches("<rect class=\"bar\"").count(),
        6,
        "a bar per band"
    );
    assert!(page.contains(&format!(
        "{} ({})",
        percent(f.band_share(Band::None)),
        people(f.bands[0])
    )));
}

/// The checks a reader (and a screen reader) relies on, for any page.
fn assert_accessible(page: &str) {
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en-GB\">"));
    assert_eq!(page.matches("<h1>").count(), 1);
    assert!(
        !page.contains("<h3") && !page.contains("<h4"),
        "only h1 then h2s"
    );
    let h1 = page.find("<h1>").unwrap();
    assert!(page.find("<h2").is_none_or(|h2| h1 < h2));
    assert!(page.contains("<main id=\"main\">") && page.contains("href=\"#main\""));
    assert_eq!(
        page.matches("<svg class=\"chart").count(),
        page.matches("role=\"img\"").count()
    );
    for svg in page.split("<svg class=\"chart").skip(1) {
        let svg = &svg[..svg.find("</svg>").unwrap()];
        assert!(svg.contains("<title id=") && svg.contains("<desc id="));
    }
    let tables = page.matches("<table>").count();
    assert_eq!(page.matches("<caption id=").count(), tables);
    assert!(!page.contains("<th>"), "every header cell has a scope");
    assert_eq!(
        page.matches("<th ").count(),
        page.matches("<th scope=\"col\"").count() + page.matches("<th scope=\"row\"").count()
    );
    for outside in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!page.contains(outside), "{outside}");
    }
}

#[test]
fn pages_are_structured_for_assistive_technology_and_self_contained() {
    assert_accessible(&unit_page(&fixture::service(26)));
    assert_accessible(&unit_page(&fixture::service(52)));
    assert_accessible(&super::super::sign_in(Some("no")));
}

#[test]
fn odd_views_render_without_panicking() {
    // No weeks.
    let mut view = fixture::service(0);
    let page = unit_page(&view);
    assert!(page.contains("No weeks have been reported yet."));
    assert!(!page.contains("<svg class=\"chart"));
    assert_accessible(&page);
    // One week, every week hidden, no organisation line, no children.
    for n in [1, 2, 26] {
        view = fixture::service(n);
        view.org_name = None;
        view.children.clear();
        for w in &mut view.weeks {
            w.unit = Outcome::Suppressed {
                reason: Reason::FewerThanK,
            };
        }
        let page = unit_page(&view);
        assert_accessible(&page);
        assert!(!page.contains("<polyline") && !page.contains("<circle"));
        assert!(!page.contains("Whole organisation"));
        assert!(!page.contains("children-h"));
        assert!(page.contains("No week in this period can be shown"));
        assert_eq!(rows(&page, "hours-caption").len(), n);
    }
    // A released outcome with zero reporters (impossible from the rule) is hidden, not shown.
    view = fixture::service(2);
    if let Outcome::Released(f) = &mut view.weeks[1].unit {
        f.reporters = 0;
    }
    let page = unit_page(&view);
    assert!(week_row(&page, "hours-caption", &view, 1).contains("fewer than 10 people"));
}

#[test]
fn the_page_says_when_a_week_appears_and_that_it_never_changes() {
    let mut view = fixture::service(26);
    let page = unit_page(&view);
    assert!(
        page.contains("<li>A week appears 2 weeks after it ends, once every summary"),
        "{page}"
    );
    view.weeks_accepted = 1;
    assert!(unit_page(&view).contains("<li>A week appears a week after it ends,"));
}

#[test]
fn the_page_says_how_many_laptops_may_report_against_the_headcount() {
    let mut view = fixture::service(26);
    let page = unit_page(&view);
    let about = between(&page, "<h2 id=\"about-h\">", "</section>");
    assert!(
        about.contains(&format!(
            "23 laptops are enrolled to report in {} and the units below it (their \
             declared headcount: 26)",
            escape(NAME)
        )),
        "{about}"
    );
    view.enrolled = Some(Enrolled {
        laptops: 1,
        headcount: None,
    });
    let page = unit_page(&view);
    assert!(page.contains("1 laptop is enrolled"), "{page}");
    assert!(!page.contains("headcount"), "{page}");
    view.enrolled = None;
    assert!(!unit_page(&view).contains("enrolled to report"));
}

#[test]
fn with_nothing_published_the_page_says_what_is_happening_not_fewer_than_k() {
    let mut view = fixture::service(26);
    view.nothing_published = chrono::NaiveDate::from_ymd_opt(2026, 12, 14);
    let page = unit_page(&view);
    let start = between(&page, "<h2 id=\"start-h\">", "</section>");
    assert!(start.contains("Nothing published yet"), "{start}");
    assert!(start.contains("this is not hidden data"), "{start}");
    assert!(
        start.contains("clockoff-dashboard token create --role reporter"),
        "{start}"
    );
    assert!(
        start.contains("appears on Monday 14 December 2026"),
        "{start}"
    );
    assert!(
        !page.contains("fewer than 10 people</td>"),
        "no table of suppressed weeks"
    );
    view.nothing_published = None;
    assert!(!unit_page(&view).contains("Nothing published yet"));
}

#[test]
fn a_unit_hidden_to_protect_another_is_explained_and_no_two_regions_share_a_name() {
    let page = unit_page(&fixture::service(26));
    let section = between(&page, "<h2 id=\"children-h\">", "</p>");
    // The fixture's Team D is hidden to protect a smaller group.
    assert!(
        section.contains("has 10 or more people itself")
            && section.contains("worked out by subtraction"),
        "{section}"
    );
    let heading = between(&page, "<h2 id=\"children-h\">", "</h2>");
    let caption = between(&page, "<caption id=\"children-caption\">", "</caption>");
    assert_ne!(
        heading.trim_start_matches("<h2 id=\"children-h\">"),
        caption.trim_start_matches("<caption id=\"children-caption\">"),
        "the section and the region it holds are named apart (landmark-unique)"
    );
    // Charts open on their newest weeks on a narrow screen.
    assert!(page.contains("<div class=\"scroll newest\" tabindex=\"0\" role=\"region\""));
    assert!(page.contains(".scroll.newest { direction: rtl; }"));
}
