//! The unit page's section on time the laptop does not measure as out-of-hours work: time
//! people logged themselves outside their hours, and time at the laptop on call. Both are in
//! every weekly summary; shown here under the same rule as every other figure.

use super::{
    ORG_MEAN, ORG_MEDIAN, UNIT_MEAN, UNIT_MEDIAN, WeeklyTable, figure, hidden_sentence, highest,
    hours_tick, latest_shown, org_context, org_name, series, span, week_axis, weekly_table,
};
use crate::pages::UnitView;
use crate::pages::chart::{Line, LineChart, Scale};
use crate::pages::text::{duration, week_commencing};

pub(super) fn logged(out: &mut String, view: &UnitView) {
    out.push_str(
        "<section aria-labelledby=\"logged-h\">\n\
         <h2 id=\"logged-h\">Time logged out of hours, and on call</h2>\n\
         <p>What the laptop does not count as out-of-hours work above. <strong>Logged</strong>: \
         time people recorded themselves outside their hours, such as a home visit in the \
         evening or a call taken on the phone (each person's own entries, marked as \
         self-reported). <strong>On call</strong>: time at the laptop during an on-call rota, \
         when a call came. Both are means per person: the total shared out equally.</p>\n",
    );
    figure(out, &chart(view), view);
    out.push('\n');
    weekly_table(
        out,
        view,
        &WeeklyTable {
            id: "logged-caption",
            caption: "Time logged out of hours and on call, per person",
            unit_columns: &["People", "Logged, mean", "On call, mean"],
            org_columns: &[
                "Whole organisation: logged, mean",
                "Whole organisation: on call, mean",
            ],
            unit_cells: |f| {
                vec![
                    f.reporters.to_string(),
                    duration(f.mean_self_reported_minutes()),
                    duration(f.mean_on_call_callout_minutes()),
                ]
            },
            org_cells: |f| {
                vec![
                    duration(f.mean_self_reported_minutes()),
                    duration(f.mean_on_call_callout_minutes()),
                ]
            },
        },
    );
    out.push_str("</section>\n");
}

fn lines(view: &UnitView, org: Option<&str>) -> Vec<Line> {
    let mut lines = vec![
        Line {
            key: "unit-logged",
            label: format!("{}, logged", view.name),
            stroke: UNIT_MEDIAN,
            values: series(view, false, |f| f.mean_self_reported_minutes() / 60.0),
        },
        Line {
            key: "unit-callouts",
            label: format!("{}, on call", view.name),
            stroke: UNIT_MEAN,
            values: series(view, false, |f| f.mean_on_call_callout_minutes() / 60.0),
        },
    ];
    if let Some(org) = org {
        lines.push(Line {
            key: "org-logged",
            label: format!("{org}, logged"),
            stroke: ORG_MEDIAN,
            values: series(view, true, |f| f.mean_self_reported_minutes() / 60.0),
        });
        lines.push(Line {
            key: "org-callouts",
            label: format!("{org}, on call"),
            stroke: ORG_MEAN,
            values: series(view, true, |f| f.mean_on_call_callout_minutes() / 60.0),
        });
    }
    lines
}

fn chart(view: &UnitView) -> LineChart<'_> {
    let org = org_name(view);
    let lines = lines(view, org.as_deref());
    let latest = latest_shown(view).map_or(String::new(), |(week, f)| {
        format!(
            " In the latest week shown ({}), people logged {} each on average, and spent {} \
             at the laptop on call.",
            week_commencing(week),
            duration(f.mean_self_reported_minutes()),
            duration(f.mean_on_call_callout_minutes())
        )
    });
    let period = span(view).unwrap_or_default();
    let (x_labels, hidden) = week_axis(view);
    LineChart {
        id: "logged",
        title: format!(
            "Time logged out of hours and on call, per person, {}, {period}",
            view.name
        ),
        desc: format!(
            "Mean hours per person each week that people logged themselves outside their hours, \
             and that they spent at the laptop on call{}.{latest} {} The table after the chart \
             has every figure.",
            org_context(org.as_ref()),
            hidden_sentence(view)
        ),
        x_labels,
        hidden,
        scale: Scale::nice(highest(&lines)),
        lines,
        tick_label: hours_tick,
    }
}
