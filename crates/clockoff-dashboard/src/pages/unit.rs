//! A unit's trend page: hours and shares over the period with the organisation's line beside,
//! the spread of the latest shown week, and the units below it side by side.
//!
//! Every figure passes [`shown`] first: a hidden week is a gap in each chart and words in
//! each table ("fewer than 10 people"), never a number. Each chart is followed by a table of
//! the same figures, newest week first (the week a manager looks for).

use std::fmt::Write;

use super::chart::{self, Bar, Line, LineChart, Scale, Stroke};
use super::style::{ORG, UNIT, UNIT_2, document};
use super::text::{duration, hidden, people, percent, shown, week_commencing, week_short};
use super::{ChildView, Enrolled, Period, SIGN_OUT_PATH, UnitView, unit_path};
use crate::{Band, Figures, Outcome, Reason};
use clockoff_core::html::escape;
use clockoff_core::record::day::{LATE_FROM, LATE_UNTIL};

const UNIT_MEDIAN: Stroke = Stroke {
    colour: UNIT,
    width: 3.0,
    dash: None,
    pattern: "solid line",
};
const UNIT_MEAN: Stroke = Stroke {
    colour: UNIT_2,
    width: 3.0,
    dash: Some("9 5"),
    pattern: "dashed line",
};
const ORG_MEDIAN: Stroke = Stroke {
    colour: ORG,
    width: 2.0,
    dash: Some("1 5"),
    pattern: "dotted line",
};
const ORG_MEAN: Stroke = Stroke {
    colour: ORG,
    width: 2.0,
    dash: Some("12 4 2 4"),
    pattern: "dash-dot line",
};

/// The unit's trend page.
pub fn unit_page(view: &UnitView) -> String {
    let name = escape(&view.name);
    let weeks = view.period.weeks();
    let mut main = format!("<h1>{name}: out-of-hours work, the last {weeks} weeks</h1>\n");
    let k = view.k.get();
    let _ = writeln!(
        main,
        "<p class=\"lede\">{}Everyone who reported in {name} or in a unit below it. Every figure \
         covers at least {k} people: a week with fewer shows as a gap in the charts and as \
         \u{201c}fewer than {k} people\u{201d} in the tables.</p>",
        span(view).map_or(String::new(), |s| format!("{s}. "))
    );
    views(&mut main, view.period);
    if let Some(due) = view.nothing_published {
        nothing_yet(&mut main, view, due);
    } else if view.weeks.is_empty() {
        main.push_str("<p>No weeks have been reported yet.</p>\n");
    } else {
        hours(&mut main, view);
        logged::logged(&mut main, view);
        share(&mut main, view);
        bands(&mut main, view);
    }
    if view.nothing_published.is_none() {
        children(&mut main, view);
    }
    about(&mut main, view);
    let _ = writeln!(
        main,
        "<form class=\"sign-out\" method=\"post\" action=\"{SIGN_OUT_PATH}\">\
         <button type=\"submit\">Sign out</button></form>"
    );
    document(&format!("{}: the last {weeks} weeks", view.name), &main)
}

/// Before any week with reports is published: what is happening, how teams start reporting,
/// and when the first week can appear.
fn nothing_yet(out: &mut String, view: &UnitView, due: chrono::NaiveDate) {
    let k = view.k.get();
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"start-h\">\n<h2 id=\"start-h\">Nothing published yet</h2>\n\
         <p>No week has been published with any report in it yet, so there is nothing to show: \
         this is not hidden data.</p>\n<p>Teams start reporting when each person turns \
         reporting on in clockoff (<code>[report]</code> in its configuration, with the \
         dashboard’s address and the team’s reporter token, made with \
         <code>clockoff-dashboard token create --role reporter</code>). Each laptop then sends \
         one summary a week, on the Monday after it.</p>\n<p>A week is published \
         {} after it ends, once every summary for it can have arrived: the week that ended \
         last appears on {}, for every unit with at least {k} people reporting.</p>\n</section>",
        match view.weeks_accepted {
            1 => "a week".to_string(),
            n => format!("{n} weeks"),
        },
        due.format("%A %-d %B %Y")
    );
}

/// "w/c 1 Jun 2026 to w/c 23 Nov 2026", or `None` with no weeks.
fn span(view: &UnitView) -> Option<String> {
    let (first, last) = (view.weeks.first()?, view.weeks.last()?);
    Some(if first.week == last.week {
        week_commencing(last.week)
    } else {
        format!(
            "{} to {}",
            week_commencing(first.week),
            week_commencing(last.week)
        )
    })
}

/// The period switch and the CSV link: query strings only, relative to the page's own URL.
fn views(out: &mut String, current: Period) {
    out.push_str("<nav class=\"views\" aria-label=\"Period and download\"><ul>");
    for p in [Period::Weeks26, Period::Weeks52] {
        let here = if p == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"?weeks={n}\"{here}>Last {n} weeks</a></li>",
            n = p.weeks()
        );
    }
    let _ = writeln!(
        out,
        "<li><a href=\"?weeks={}&amp;format=csv\" download>Download these weeks as CSV</a></li></ul></nav>",
        current.weeks()
    );
}

fn org_name(view: &UnitView) -> Option<String> {
    view.org_name
        .as_ref()
        .map(|n| format!("Whole organisation ({n})"))
}

/// Each week's figure for the unit, or for the whole organisation, as a chart draws it:
/// `None` where the week is hidden.
fn series(view: &UnitView, of_org: bool, value: impl Fn(&Figures) -> f64) -> Vec<Option<f64>> {
    view.weeks
        .iter()
        .map(|w| {
            shown(if of_org { &w.org } else { &w.unit }, view.k)
                .ok()
                .map(&value)
        })
        .collect()
}

/// The newest week the unit's figures are shown for, with them.
fn latest_shown(view: &UnitView) -> Option<(chrono::IsoWeek, &Figures)> {
    view.weeks
        .iter()
        .rev()
        .find_map(|w| shown(&w.unit, view.k).ok().map(|f| (w.week, f)))
}

/// What a chart's description adds when the whole organisation's lines are drawn too.
fn org_context(org: Option<&String>) -> &'static str {
    if org.is_some() {
        ", with the whole organisation's for context"
    } else {
        ""
    }
}

/// Each week's label under a chart, and whether the unit's figures are hidden that week.
fn week_axis(view: &UnitView) -> (Vec<String>, Vec<bool>) {
    view.weeks
        .iter()
        .map(|w| (week_short(w.week), shown(&w.unit, view.k).is_err()))
        .unzip()
}

/// The highest value any line reaches (0 with none), for the chart's scale.
fn highest(lines: &[Line]) -> f64 {
    lines
        .iter()
        .flat_map(|l| l.values.iter().flatten())
        .copied()
        .fold(0.0, f64::max)
}

/// A scrolling box a keyboard can reach, named by the element `label` (a caption or a title).
fn scroll_open(out: &mut String, label: &str) {
    scroll_box(out, "scroll", label);
}

/// A scrolling box that opens at its right-hand end: a chart's newest weeks, where a phone's
/// narrow screen would otherwise open on the oldest (issue 19). Without a script: the box is
/// laid out right to left, so it starts scrolled to the right; its content is left to right.
fn scroll_open_at_newest(out: &mut String, label: &str) {
    scroll_box(out, "scroll newest", label);
}

fn scroll_box(out: &mut String, class: &str, label: &str) {
    let _ = write!(
        out,
        "<div class=\"{class}\" tabindex=\"0\" role=\"region\" aria-labelledby=\"{label}\">"
    );
}

/// A chart's table alternative: a row a week, newest first; the unit's columns, then (below
/// the root) the organisation's, each group in words across its columns when hidden.
struct WeeklyTable {
    /// The caption's id, which labels the scrolling box.
    id: &'static str,
    caption: &'static str,
    unit_columns: &'static [&'static str],
    org_columns: &'static [&'static str],
    unit_cells: fn(&Figures) -> Vec<String>,
    org_cells: fn(&Figures) -> Vec<String>,
}

fn weekly_table(out: &mut String, view: &UnitView, table: &WeeklyTable) {
    let k = view.k;
    let with_org = view.org_name.is_some();
    scroll_open(out, table.id);
    let _ = write!(
        out,
        "<table>\n<caption id=\"{}\">{}, week by week (newest first)</caption>\n\
         <thead><tr><th scope=\"col\">Week</th>",
        table.id, table.caption
    );
    let org_columns = if with_org { table.org_columns } else { &[] };
    for column in table.unit_columns.iter().chain(org_columns) {
        let _ = write!(out, "<th scope=\"col\" class=\"n\">{column}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let group = |out: &mut String, outcome, cells: fn(&Figures) -> Vec<String>, span| match shown(
        outcome, k,
    ) {
        Ok(f) => {
            for cell in cells(f) {
                let _ = write!(out, "<td class=\"n\">{cell}</td>");
            }
        }
        Err(reason) => hidden_cells(out, &hidden(reason, k), span),
    };
    for w in view.weeks.iter().rev() {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th>",
            week_commencing(w.week)
        );
        group(out, &w.unit, table.unit_cells, table.unit_columns.len());
        if with_org {
            group(out, &w.org, table.org_cells, table.org_columns.len());
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// The cell(s) of a hidden figure group: words across `span` columns.
fn hidden_cells(out: &mut String, text: &str, span: usize) {
    let _ = write!(out, "<td class=\"hidden\" colspan=\"{span}\">{text}</td>");
}

/// How many weeks are hidden, and a sentence saying so.
fn hidden_sentence(view: &UnitView) -> String {
    let n = view
        .weeks
        .iter()
        .filter(|w| shown(&w.unit, view.k).is_err())
        .count();
    match n {
        0 => "No week is hidden.".into(),
        1 => "1 week is hidden (too few people) and shows as a gap.".into(),
        n => format!("{n} weeks are hidden (too few people) and show as gaps."),
    }
}

fn hours(out: &mut String, view: &UnitView) {
    let org = org_name(view);
    let median = |f: &Figures| f.median_out_of_hours_minutes / 60.0;
    let mean = |f: &Figures| f.mean_out_of_hours_minutes() / 60.0;
    let mut lines = vec![
        Line {
            key: "unit-median",
            label: format!("{}, median", view.name),
            stroke: UNIT_MEDIAN,
            values: series(view, false, median),
        },
        Line {
            key: "unit-mean",
            label: format!("{}, mean", view.name),
            stroke: UNIT_MEAN,
            values: series(view, false, mean),
        },
    ];
    if let Some(org) = &org {
        lines.push(Line {
            key: "org-median",
            label: format!("{org}, median"),
            stroke: ORG_MEDIAN,
            values: series(view, true, median),
        });
        lines.push(Line {
            key: "org-mean",
            label: format!("{org}, mean"),
            stroke: ORG_MEAN,
            values: series(view, true, mean),
        });
    }
    let latest = latest_shown(view).map_or(String::new(), |(week, f)| {
        format!(
            " In the latest week shown ({}), the median was {} and the mean {}.",
            week_commencing(week),
            duration(f.median_out_of_hours_minutes),
            duration(f.mean_out_of_hours_minutes())
        )
    });
    let period = span(view).unwrap_or_default();
    let (x_labels, hidden) = week_axis(view);
    let chart = LineChart {
        id: "hours",
        title: format!("Out-of-hours time per person, {}, {period}", view.name),
        desc: format!(
            "Median and mean hours worked out of hours per person each week{}.{latest} {} \
             The table after the chart has every figure.",
            org_context(org.as_ref()),
            hidden_sentence(view)
        ),
        x_labels,
        hidden,
        scale: Scale::nice(highest(&lines)),
        lines,
        tick_label: hours_tick,
    };
    out.push_str(
        "<section aria-labelledby=\"hours-h\">\n<h2 id=\"hours-h\">Out-of-hours time per person</h2>\n\
         <p>Time at the laptop outside each person's working hours, measured by their own \
         laptop. The median is the middle person's week (half worked more, half less); the \
         mean is the total shared out equally, so a few very long weeks pull it up.</p>\n",
    );
    figure(out, &chart, view);
    out.push('\n');
    weekly_table(
        out,
        view,
        &WeeklyTable {
            id: "hours-caption",
            caption: "Out-of-hours time per person",
            unit_columns: &["People", "Median", "Mean"],
            org_columns: &["Whole organisation: median", "Whole organisation: mean"],
            unit_cells: |f| {
                vec![
                    f.reporters.to_string(),
                    duration(f.median_out_of_hours_minutes),
                    duration(f.mean_out_of_hours_minutes()),
                ]
            },
            org_cells: |f| {
                vec![
                    duration(f.median_out_of_hours_minutes),
                    duration(f.mean_out_of_hours_minutes()),
                ]
            },
        },
    );
    out.push_str("</section>\n");
}

/// Hours on the axis: "0 h", "0.5 h", "12 h".
fn hours_tick(h: f64) -> String {
    let rounded = (h * 100.0).round() / 100.0;
    format!("{rounded} h")
}

fn percent_tick(share: f64) -> String {
    percent(share)
}

/// The chart in its scrolling box, with its key.
fn figure(out: &mut String, chart: &LineChart, view: &UnitView) {
    let k = view.k.get();
    let has_hidden = chart.hidden.iter().any(|h| *h);
    out.push_str("<figure>");
    scroll_open_at_newest(out, &format!("{}-title", chart.id));
    out.push_str(&chart::line_chart(chart));
    out.push_str(
        "</div><p class=\"hint\">The chart scrolls sideways; the table \
         after it has every figure.</p><figcaption>",
    );
    out.push_str(&chart::legend(
        &chart.lines,
        has_hidden
            .then(|| {
                format!("week hidden: fewer than {k} people, or hidden to protect such a group")
            })
            .as_deref(),
    ));
    out.push_str("</figcaption></figure>");
}

fn share(out: &mut String, view: &UnitView) {
    let org = org_name(view);
    let mut lines = vec![Line {
        key: "unit-share",
        label: view.name.clone(),
        stroke: UNIT_MEDIAN,
        values: series(view, false, Figures::share_with_out_of_hours),
    }];
    if let Some(org) = &org {
        lines.push(Line {
            key: "org-share",
            label: org.clone(),
            stroke: Stroke {
                dash: Some("8 5"),
                pattern: "dashed line",
                ..ORG_MEDIAN
            },
            values: series(view, true, Figures::share_with_out_of_hours),
        });
    }
    let latest = latest_shown(view).map_or(String::new(), |(week, f)| {
        format!(
            " In the latest week shown ({}), {} of {} worked out of hours.",
            week_commencing(week),
            percent(f.share_with_out_of_hours()),
            people(f.reporters)
        )
    });
    let period = span(view).unwrap_or_default();
    let (x_labels, hidden) = week_axis(view);
    let chart = LineChart {
        id: "share",
        title: format!(
            "Share of people who worked out of hours, {}, {period}",
            view.name
        ),
        desc: format!(
            "The percentage of people with any out-of-hours work each week, on a scale of 0 to \
             100%{}.{latest} {} The table after the chart has every figure.",
            org_context(org.as_ref()),
            hidden_sentence(view)
        ),
        x_labels,
        hidden,
        lines,
        // Shares are drawn against the whole 0-100%, so a move from 40% to 45% looks its size.
        scale: Scale {
            top: 1.0,
            step: 0.25,
        },
        tick_label: percent_tick,
    };
    out.push_str(
        "<section aria-labelledby=\"share-h\">\n<h2 id=\"share-h\">People who worked out of hours</h2>\n\
         <p>The share of people with any out-of-hours work in the week, however little.</p>\n",
    );
    figure(out, &chart, view);
    out.push('\n');
    weekly_table(
        out,
        view,
        &WeeklyTable {
            id: "share-caption",
            caption: "People who worked out of hours",
            unit_columns: &["People", "Worked out of hours", "Share"],
            org_columns: &["Whole organisation: share"],
            unit_cells: |f| {
                vec![
                    f.reporters.to_string(),
                    f.with_out_of_hours.to_string(),
                    percent(f.share_with_out_of_hours()),
                ]
            },
            org_cells: |f| vec![percent(f.share_with_out_of_hours())],
        },
    );
    out.push_str("</section>\n");
}

/// Band names as people say them; each band includes its lower edge.
fn band_name(b: Band) -> &'static str {
    match b {
        Band::None => "none",
        Band::UnderOneHour => "under 1 hour",
        Band::OneToThreeHours => "1 to 3 hours",
        Band::ThreeToFiveHours => "3 to 5 hours",
        Band::FiveToTenHours => "5 to 10 hours",
        Band::OverTenHours => "10 hours or more",
    }
}

fn bands(out: &mut String, view: &UnitView) {
    let k = view.k;
    out.push_str(
        "<section aria-labelledby=\"bands-h\">\n<h2 id=\"bands-h\">How much out-of-hours time</h2>\n",
    );
    let Some((week, f)) = latest_shown(view) else {
        let _ = writeln!(
            out,
            "<p>No week in this period can be shown: every one had fewer than {} people or was \
             hidden to protect such a group.</p>\n</section>",
            k.get()
        );
        return;
    };
    let when = week_commencing(week);
    let _ = writeln!(
        out,
        "<p>How many people worked how long out of hours in the latest week that can be \
         shown, {when}. A band includes its lower edge: exactly 3 hours is in \u{201c}3 to 5 \
         hours\u{201d}.</p>"
    );
    let bars: Vec<Bar> = Band::ALL
        .iter()
        .map(|&b| Bar {
            label: band_name(b).into(),
            share: f.band_share(b),
            value: format!(
                "{} ({})",
                percent(f.band_share(b)),
                people(f.bands[b as usize])
            ),
        })
        .collect();
    let desc = Band::ALL
        .iter()
        .map(|&b| format!("{}: {}", band_name(b), percent(f.band_share(b))))
        .collect::<Vec<_>>()
        .join("; ");
    let title = format!(
        "Out-of-hours time per person in bands, {}, {when}",
        view.name
    );
    out.push_str("<figure>");
    scroll_open(out, "bands-title");
    out.push_str(&chart::bar_chart(
        "bands",
        &title,
        &format!(
            "Horizontal bars, each the share of the {} in one band. {desc}. The table after the \
             chart has the same figures.",
            people(f.reporters)
        ),
        &bars,
    ));
    out.push_str("</div></figure>\n");
    scroll_open(out, "bands-caption");
    let _ = write!(
        out,
        "<table>\n<caption id=\"bands-caption\">Out-of-hours time per person in bands, {when}</caption>\n\
         <thead><tr><th scope=\"col\">Out of hours in the week</th><th scope=\"col\" class=\"n\">People</th>\
         <th scope=\"col\" class=\"n\">Share</th></tr></thead>\n<tbody>\n"
    );
    for b in Band::ALL {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            band_name(b),
            f.bands[b as usize],
            percent(f.band_share(b))
        );
    }
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Everyone</th><td class=\"n\">{}</td><td class=\"n\">100%</td></tr>",
        f.reporters
    );
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn child_row(out: &mut String, c: &ChildView, view: &UnitView) {
    let k = view.k;
    let _ = write!(
        out,
        "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th>",
        escape(&unit_path(&c.id)),
        escape(&c.name)
    );
    match shown(&c.latest, k) {
        Ok(f) => {
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td>",
                f.reporters,
                percent(f.share_with_out_of_hours()),
                duration(f.median_out_of_hours_minutes),
                percent(f.share_with_weekend()),
                percent(f.share_with_late_evening()),
                f.mean_notifications_held_out_of_hours()
            );
        }
        Err(reason) => hidden_cells(out, &hidden(reason, k), 6),
    }
    out.push_str("</tr>\n");
}

fn children(out: &mut String, view: &UnitView) {
    if view.children.is_empty() {
        return;
    }
    let name = escape(&view.name);
    let when = view
        .weeks
        .last()
        .map_or(String::new(), |w| format!(", {}", week_commencing(w.week)));
    let k = view.k.get();
    // Said in words a manager follows: a team of 12 hidden "to protect a group of fewer
    // than 10" reads as a mistake without the why (issue 19).
    let protecting = view.children.iter().any(|c| {
        matches!(
            c.latest,
            Outcome::Suppressed {
                reason: Reason::ProtectsSmallGroup
            }
        )
    });
    let why = if protecting {
        format!(
            " A unit “hidden to protect a group of fewer than {k} people” has \
             {k} or more people itself: shown beside {name}’s own figures, its figures \
             would let those of a smaller unit be worked out by subtraction, so one of them \
             stays hidden."
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"children-h\">\n<h2 id=\"children-h\">Units in {name}{when}</h2>\n\
         <p>Each unit below {name} in the latest week, side by side. A unit with fewer than {k} \
         people is not shown on its own; its people still count in {name}.{why}</p>"
    );
    scroll_open(out, "children-caption");
    // A caption of its own: the scrolling region it names must not share the section's name
    // (two landmarks of one name, axe's landmark-unique).
    let _ = write!(
        out,
        "<table>\n<caption id=\"children-caption\">Each unit’s figures{when}</caption>\n<thead><tr>\
         <th scope=\"col\">Unit</th><th scope=\"col\" class=\"n\">People</th>\
         <th scope=\"col\" class=\"n\">Worked out of hours</th>\
         <th scope=\"col\" class=\"n\">Median out of hours</th>\
         <th scope=\"col\" class=\"n\">Worked at the weekend</th>\
         <th scope=\"col\" class=\"n\">Worked late ({LATE_FROM:02}:00-{LATE_UNTIL:02}:00)</th>\
         <th scope=\"col\" class=\"n\">Notifications held, per person</th>\
         </tr></thead>\n<tbody>\n"
    );
    for c in &view.children {
        child_row(out, c, view);
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn about(out: &mut String, view: &UnitView) {
    let k = view.k.get();
    let after = match view.weeks_accepted {
        1 => "a week".to_string(),
        n => format!("{n} weeks"),
    };
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"about-h\">\n<h2 id=\"about-h\">About these figures</h2>\n<ul>\n\
         <li>Each person's laptop sends one weekly summary the person can preview first; the \
         dashboard keeps no name and cannot link one person's weeks together.</li>\n\
         <li>A figure is shown only for a group of at least {k} people, and only when no group \
         of fewer than {k} could be worked out by subtracting one shown figure from another. \
         A week marked \u{201c}hidden to protect a group of fewer than {k} people\u{201d} had \
         {k} or more people itself.</li>\n\
         <li>A week appears {after} after it ends, once every summary for it is in, and never \
         changes after that: a summary sent later is not counted. Were a week shown again \
         with one more person, the difference would be that person.</li>\n\
         <li>Out-of-hours time is measured at the laptop. Time people log themselves (a visit, \
         a call on the phone) and time on call are counted apart, in their own section. Work \
         nobody logs is not seen, so these figures are a floor, not a ceiling.</li>\n\
         <li>Late work is any between {LATE_FROM:02}:00 and {LATE_UNTIL:02}:00; weekend work \
         is any on a Saturday or Sunday.</li>\n{}</ul>\n</section>",
        view.enrolled
            .map_or(String::new(), |e| enrolled_item(e, &escape(&view.name)))
    );
}

/// "12 laptops are enrolled to report in Service North and below (headcount 14)...".
fn enrolled_item(e: Enrolled, name: &str) -> String {
    let laptops = match e.laptops {
        1 => "1 laptop is".to_string(),
        n => format!("{n} laptops are"),
    };
    let headcount = e.headcount.map_or(String::new(), |h| {
        format!(" (their declared headcount: {h})")
    });
    format!(
        "<li>{laptops} enrolled to report in {name} and the units below it{headcount}. Each \
         sends at most one summary a week; more laptops than people would mean invented \
         reporters: ask the dashboard’s administrator to check \
         (<code>clockoff-dashboard device list</code>).</li>\n"
    )
}

mod logged;
#[cfg(test)]
mod tests;
