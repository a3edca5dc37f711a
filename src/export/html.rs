//! The report a worker shows someone: one self-contained HTML file (inline CSS and SVG, no
//! scripts, no fonts, nothing fetched), readable on a phone and printed. Every chart has
//! the same figures in a table beside it.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Export, ExportDay};
use crate::core::duration::minutes_text;
use crate::core::record::Logged;
use crate::core::record::day::{LATE_FROM, LATE_UNTIL};
use crate::html::escape;

fn local(tz: Tz, t: DateTime<Utc>, format: &str) -> String {
    t.with_timezone(&tz).format(format).to_string()
}

const STYLE: &str = r#"
:root { --ink: #1b1b1b; --muted: #5a5a5a; --line: #d0d0d0; --in: #2c6fb7; --out: #d9531e;
        --shade: #e3f0e3; --empty: #f4f4f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); }
p.lede, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll tbody th { white-space: nowrap; }
td.v { text-align: right; }
.scroll { overflow-x: auto; }
p.hint { display: none; margin: 0.25rem 0; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  th, td { padding: 0.25rem 0.3rem; }
  p.hint { display: block; }
}
figure { margin: 0.5rem 0; }
svg { width: 100%; height: auto; min-width: 36rem; }
.key span { display: inline-block; width: 0.9rem; height: 0.9rem; vertical-align: -0.1rem;
            margin: 0 0.3rem 0 0.8rem; border: 1px solid var(--line); }
ul.findings li { margin: 0.3rem 0; }
.ok { color: #23682b; }
.logged { font-style: italic; }
h3 { font-size: 1rem; margin: 1rem 0 0.25rem; }
tr.superseded td { color: var(--muted); }
tr.superseded td.n { text-decoration: line-through; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, section { break-inside: avoid; }
  svg { min-width: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

pub fn html(e: &Export) -> String {
    let tz: Tz = e.timezone.parse().unwrap_or(chrono_tz::UTC);
    let range = format!(
        "{} to {}",
        e.from.format("%a %-d %b %Y"),
        e.to.format("%a %-d %b %Y")
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>My working time, {range}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>My working time, {range}</h1>\n\
         <p class=\"lede\">From clockoff on my laptop: time at the laptop, measured as it \
         happened, and time I logged myself. Times are in {tz}. Made on {made}.</p>\n",
        tz = escape(&e.timezone),
        made = local(tz, e.generated_at, "%a %-d %b %Y at %H:%M"),
    );
    glance(&mut out, e);
    heat_strip(&mut out, e, tz);
    day_table(&mut out, e);
    weeks(&mut out, e);
    findings(&mut out, e);
    logged(&mut out, e, tz);
    toil_taken(&mut out, e);
    method(&mut out, e, tz);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn glance(out: &mut String, e: &Export) {
    let t = &e.totals;
    let late = format!("Late ({LATE_FROM:02}:00 to {LATE_UNTIL:02}:00)");
    let toil = &e.toil;
    // The rule in words is text from the config: escaped like any other text.
    let toil_value = escape(&format!(
        "{} earned in these weeks, {} taken; balance {} at the end ({})",
        minutes_text(toil.accrued_minutes),
        minutes_text(toil.taken_minutes),
        minutes_text(toil.balance_minutes),
        toil.rule_text
    ));
    let rows = [
        ("Worked in all", minutes_text(t.total())),
        ("In working hours", minutes_text(t.in_hours)),
        (
            "Out of hours (measured)",
            if t.chosen == 0 {
                minutes_text(t.out_of_hours)
            } else {
                format!(
                    "{} ({} of it by choice)",
                    minutes_text(t.out_of_hours),
                    minutes_text(t.chosen)
                )
            },
        ),
        ("On call", minutes_text(t.on_call)),
        ("Logged by me", minutes_text(t.manual)),
        ("At weekends", minutes_text(t.weekend)),
        (late.as_str(), minutes_text(t.late)),
        ("Time off in lieu (TOIL)", toil_value),
    ];
    out.push_str("<section>\n<h2>At a glance</h2>\n<table>\n");
    for (what, value) in rows {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"v\">{}</td></tr>",
            escape(what),
            value
        );
    }
    out.push_str("</table>\n</section>\n");
}

/// Minutes in an hour cell to a colour: blue in working hours, orange outside them, darker
/// with more work; empty cells are grey, or green where working hours were.
fn cell_colour(minutes: i64, working: bool) -> String {
    if minutes <= 0 {
        return if working {
            "var(--shade)"
        } else {
            "var(--empty)"
        }
        .into();
    }
    let strength = 0.3 + 0.7 * (minutes.min(60) as f64 / 60.0);
    let (r, g, b) = if working {
        (44, 111, 183)
    } else {
        (217, 83, 30)
    };
    format!("rgba({r},{g},{b},{strength:.2})")
}

fn heat_strip(out: &mut String, e: &Export, tz: Tz) {
    const LABEL: i64 = 96;
    const CELL: i64 = 26;
    const ROW: i64 = 24;
    const TOP: i64 = 20;
    let width = LABEL + 24 * CELL;
    let height = TOP + ROW * e.days.len() as i64 + 4;
    // Scrolls sideways on a phone: reachable by keyboard, and named.
    out.push_str(
        "<section>\n<h2>Day by day, hour by hour</h2>\n\
         <figure>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Day by day, hour by hour\">\n",
    );
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"strip-title\">\
         <title id=\"strip-title\">Minutes worked in each hour of each day; the table below has the same figures</title>"
    );
    for h in (0..24).step_by(3) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"14\" font-size=\"11\" fill=\"#5a5a5a\">{h:02}</text>",
            LABEL + h * CELL + 2
        );
    }
    for (row, day) in e.days.iter().enumerate() {
        let y = TOP + ROW * row as i64;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 16,
            day.day.date.format("%a %-d %b")
        );
        strip_row(out, day, tz, LABEL, y, CELL, ROW);
    }
    // On a phone the evening hours start off-screen: say where they are.
    out.push_str(
        "</svg>\n</div>\n<p class=\"hint muted\">The hours scroll sideways: the evening is to \
         the right. The table below has every figure.</p>\n<figcaption class=\"key\">",
    );
    let _ = write!(
        out,
        "<span style=\"background:rgba(44,111,183,1)\"></span>worked in working hours\
         <span style=\"background:rgba(217,83,30,1)\"></span>worked outside them\
         <span style=\"background:var(--shade);border-color:#2c6fb7\"></span>working hours, no work\
         <span style=\"background:var(--empty)\"></span>no work. Darker means more of the hour. \
         Time I logged myself is not drawn here: it is in the table below, in italics."
    );
    out.push_str("</figcaption>\n</figure>\n</section>\n");
}

fn strip_row(out: &mut String, day: &ExportDay, tz: Tz, left: i64, y: i64, cell: i64, row: i64) {
    // Hours sit under their wall-clock hour. The hour that happens twice when the clocks go
    // back is drawn as two half cells, so no time is hidden; the hour that never happens
    // when they go forward is left blank.
    for (i, h) in day.hours.iter().enumerate() {
        let x0 = left + i64::from(h.hour.local_hour) * cell;
        let second = i > 0 && day.hours[i - 1].hour.local_hour == h.hour.local_hour;
        let first = day
            .hours
            .get(i + 1)
            .is_some_and(|n| n.hour.local_hour == h.hour.local_hour);
        let (x, w) = match (first, second) {
            (_, true) => (x0 + cell / 2, cell / 2),
            (true, false) => (x0, cell / 2),
            (false, false) => (x0, cell),
        };
        let when = local(tz, h.hour.start, "%a %-d %b %H:%M");
        // Working hours with no work are told from no work by an outline, not by a shade
        // alone (issue 19: the two shades were 1.07:1).
        let outline = if h.working && h.hour.minutes <= 0 {
            " stroke=\"#2c6fb7\" stroke-width=\"1\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\"{outline}><title>{when}: {} worked{}</title></rect>",
            w - 1,
            row - 3,
            cell_colour(h.hour.minutes, h.working),
            minutes_text(h.hour.minutes),
            if h.working { ", in working hours" } else { "" }
        );
    }
}

fn day_table(out: &mut String, e: &Export) {
    out.push_str(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Days as a table\"><table>\n<caption class=\"muted\">The same days as a table</caption>\n<thead><tr><th scope=\"col\">Day</th>\
         <th class=\"n\" scope=\"col\">In hours</th><th class=\"n\" scope=\"col\">Out of hours</th>\
         <th class=\"n\" scope=\"col\">On call</th><th class=\"n\" scope=\"col\">Logged by me</th>\
         <th class=\"n\" scope=\"col\">Total</th></tr></thead>\n<tbody>\n",
    );
    for d in &e.days {
        let m = &d.day.minutes;
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n logged\">{}</td><td class=\"n\">{}</td></tr>",
            d.day.date.format("%a %-d %b"),
            minutes_text(m.in_hours),
            minutes_text(m.out_of_hours),
            minutes_text(m.on_call),
            minutes_text(m.manual),
            minutes_text(m.total())
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn weeks(out: &mut String, e: &Export) {
    out.push_str("<section>\n<h2>Week by week</h2>\n");
    if e.contracted_minutes == 0 {
        out.push_str(
            "<p class=\"muted\">No contracted hours are set, so no overtime is counted.</p>\n",
        );
    }
    out.push_str(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Weeks\"><table>\n<thead><tr><th scope=\"col\">Week</th><th class=\"n\" scope=\"col\">Worked</th>\
         <th class=\"n\" scope=\"col\">Contract</th><th class=\"n\" scope=\"col\">Over contract</th>\
         <th class=\"n\" scope=\"col\">17-week average</th></tr></thead>\n<tbody>\n",
    );
    for w in &e.weeks {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&w.week),
            minutes_text(w.totals.total()),
            minutes_text(w.contracted_minutes),
            minutes_text(w.overtime_minutes),
            w.average_minutes.map_or("-".into(), |m| format!(
                "{} over {} week{}",
                minutes_text(m),
                w.average_weeks,
                if w.average_weeks == 1 { "" } else { "s" }
            ))
        );
    }
    out.push_str("</tbody>\n</table></div>\n<p class=\"muted\">Weeks are whole ISO weeks (Monday to Sunday), even where the report's range cuts one.</p>\n</section>\n");
}

fn findings(out: &mut String, e: &Export) {
    out.push_str(
        "<section>\n<h2>Working Time Regulations</h2>\n<p class=\"muted\">Checks of the recorded \
         time against the Working Time Regulations 1998: daily rest of 11 hours, weekly rest of \
         24 hours (or 48 in a fortnight), a 20-minute break after 6 hours, and a 48-hour week \
         averaged over 17 weeks. They describe the record, not a legal judgement.</p>\n",
    );
    let all: Vec<_> = e.weeks.iter().flat_map(|w| &w.findings).collect();
    if all.is_empty() {
        out.push_str("<p class=\"ok\">Nothing found in these weeks.</p>\n");
    } else {
        out.push_str("<ul class=\"findings\">\n");
        for f in all {
            let _ = writeln!(out, "<li>{}</li>", escape(&f.text));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn logged(out: &mut String, e: &Export, tz: Tz) {
    out.push_str("<section>\n<h2>Time I logged myself</h2>\n");
    if e.logged.is_empty() && e.superseded.is_empty() {
        out.push_str("<p class=\"muted\">None in this period.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p class=\"muted\">Work away from the laptop (visits, calls), entered by me; it is \
         not measured, and each entry shows when I made it. A correction is a new entry that \
         names the one it replaces; the old one is kept below, not counted.</p>\n\
         <div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Time I logged\"><table>\n<thead><tr><th scope=\"col\">No.</th>\
         <th scope=\"col\">When</th><th class=\"n\" scope=\"col\">Time</th><th scope=\"col\">What for</th>\
         <th scope=\"col\">Logged on</th></tr></thead>\n<tbody>\n",
    );
    for l in &e.logged {
        let corrects = l.corrects.map_or(String::new(), |old| {
            format!(" <span class=\"muted\">(corrects #{old})</span>")
        });
        let _ = writeln!(
            out,
            "<tr class=\"logged\">{}</tr>",
            logged_cells(l, tz, &corrects)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    superseded(out, e, tz);
    out.push_str("</section>\n");
}

/// A logged entry's cells: number, when, how long, what for (then `after_note`), logged on.
fn logged_cells(l: &Logged, tz: Tz, after_note: &str) -> String {
    format!(
        "<td>#{}</td><td>{} to {}</td><td class=\"n\">{}</td><td>{}{after_note}</td><td>{}</td>",
        l.id,
        local(tz, l.start, "%a %-d %b %H:%M"),
        local(tz, l.end, "%H:%M"),
        minutes_text((l.end - l.start).num_minutes()),
        escape(&l.note),
        local(tz, l.recorded_at, "%a %-d %b %H:%M")
    )
}

/// Entries corrected or withdrawn: the record keeps them, so the report shows them, apart
/// from what counts.
fn superseded(out: &mut String, e: &Export, tz: Tz) {
    if e.superseded.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Corrected or withdrawn (not counted)</h3>\n<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Corrected or withdrawn entries\"><table>\n<thead><tr>\
         <th scope=\"col\">No.</th><th scope=\"col\">When</th><th class=\"n\" scope=\"col\">Time</th>\
         <th scope=\"col\">What for</th><th scope=\"col\">Logged on</th><th scope=\"col\">Since</th>\
         </tr></thead>\n<tbody>\n",
    );
    for s in &e.superseded {
        let l = &s.entry;
        let when = local(tz, s.superseded_at, "%a %-d %b %H:%M");
        let reason = if s.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", escape(&s.reason))
        };
        let fate = match s.replaced_by {
            Some(new) => format!("corrected by #{new} on {when}{reason}"),
            None => format!("withdrawn on {when}{reason}"),
        };
        let _ = writeln!(
            out,
            "<tr class=\"superseded\">{}<td>{fate}</td></tr>",
            logged_cells(l, tz, "")
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn toil_taken(out: &mut String, e: &Export) {
    out.push_str("<section>\n<h2>Time off in lieu I took</h2>\n");
    if e.toil.taken.is_empty() {
        out.push_str("<p class=\"muted\">None in this period.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"TOIL taken\"><table>\n<thead><tr><th scope=\"col\">Day</th>\
         <th class=\"n\" scope=\"col\">Time</th><th scope=\"col\">Note</th></tr></thead>\n<tbody>\n",
    );
    for t in &e.toil.taken {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            t.date.format("%a %-d %b %Y"),
            minutes_text(t.minutes),
            escape(&t.note)
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn method(out: &mut String, e: &Export, tz: Tz) {
    out.push_str(
        "<section>\n<h2>How these figures were measured</h2>\n<ul>\n\
         <li>clockoff runs on my laptop and notes when I am using it: keyboard or mouse input, \
         with the screen unlocked and the laptop awake. Nothing about what I do is recorded, \
         only when. A stretch ends at my last input once I have been idle for a few minutes.</li>\n\
         <li>Each minute is classed against my working hours as configured, with bank holidays, \
         leave and on-call rotas: in hours, out of hours, on call, or out of hours by my own \
         choice (when I chose to work on).</li>\n\
         <li>Time away from the laptop is only what I logged myself, shown as such.</li>\n\
         <li>The laptop cannot see work done on a phone or on paper unless I log it, so these \
         figures are a floor, not a ceiling.</li>\n\
         <li>This file was made from my own record on my laptop and sent nowhere by clockoff.</li>\n\
         </ul>\n",
    );
    match &e.chain {
        Some(head) => {
            let _ = writeln!(
                out,
                "<p>Every entry in my record carries a hash of the one before it. When this report \
                 was made, for {} to {}, the last entry was number {} (about {}) with hash \
                 <code>{}</code>. Running <code>clockoff verify</code> on my laptop shows whether \
                 the record still matches it.</p>",
                e.from.format("%-d %b %Y"),
                e.to.format("%-d %b %Y"),
                head.seq,
                local(tz, head.at, "%a %-d %b %Y %H:%M"),
                escape(&head.hash)
            );
        }
        None => out.push_str(
            "<p class=\"muted\">This record has no hash chain yet, so this report cannot be \
             checked against it later.</p>\n",
        ),
    }
    if let Some(f) = &e.forgotten {
        let _ = writeln!(
            out,
            "<p>I keep my record for a limited time: everything from before {} was deleted on \
             {}. Time off in lieu those weeks left is carried in the balance.</p>",
            f.date.format("%-d %b %Y"),
            local(tz, f.at, "%-d %b %Y")
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_blue_in_hours_orange_outside_and_empty_hours_stay_light() {
        assert_eq!(cell_colour(0, true), "var(--shade)");
        assert_eq!(cell_colour(0, false), "var(--empty)");
        assert_eq!(cell_colour(60, true), "rgba(44,111,183,1.00)");
        assert_eq!(cell_colour(90, false), "rgba(217,83,30,1.00)");
        assert_eq!(cell_colour(30, false), "rgba(217,83,30,0.65)");
    }
}
