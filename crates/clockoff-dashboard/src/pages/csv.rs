//! A unit's weeks as CSV, oldest first, one row per week. The columns are a contract: add at
//! the end, never rename or reorder.
//!
//! A hidden week keeps its row (so a spreadsheet's weeks stay consecutive) with every figure
//! cell empty and `suppressed` saying why, with the real k; a shown week has an empty
//! `suppressed`. Shares are fractions (0.8000, four places), minutes are per person (one
//! place: medians are whole or half minutes), counts and totals are exact. No cell holds a
//! name, so nothing needs quoting, and nothing can start with `=`, `+`, `-` or `@`.

use std::fmt::Write;

use super::UnitView;
use super::text::{hidden, shown};
use crate::Figures;
use clockoff_core::record::week;

pub const HEADER: &str = "week,week_start,reporters,with_out_of_hours,share_with_out_of_hours,median_out_of_hours_minutes,mean_out_of_hours_minutes,with_weekend,share_with_weekend,with_late_evening,share_with_late_evening,band_0,band_under_1h,band_1_3h,band_3_5h,band_5_10h,band_10h_or_more,out_of_hours_minutes_total,self_reported_out_of_hours_minutes_total,weekend_minutes_total,late_evening_minutes_total,days_with_out_of_hours_work_total,notifications_held_out_of_hours_total,on_call_callout_minutes_total,suppressed";

/// The figure columns (all but the two week columns and `suppressed`).
const FIGURES: usize = 22;

fn figures(f: &Figures) -> String {
    let mut row = format!(
        "{},{},{:.4},{:.1},{:.1},{},{:.4},{},{:.4}",
        f.reporters,
        f.with_out_of_hours,
        f.share_with_out_of_hours(),
        f.median_out_of_hours_minutes,
        f.mean_out_of_hours_minutes(),
        f.with_weekend,
        f.share_with_weekend(),
        f.with_late_evening,
        f.share_with_late_evening(),
    );
    for n in f.bands.iter().chain(&f.totals.in_order()) {
        let _ = write!(row, ",{n}");
    }
    row
}

pub fn csv(view: &UnitView) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for w in &view.weeks {
        let (cells, suppressed) = match shown(&w.unit, view.k) {
            Ok(f) => (figures(f), String::new()),
            Err(reason) => (",".repeat(FIGURES - 1), hidden(reason, view.k)),
        };
        let _ = writeln!(
            out,
            "{},{},{cells},{suppressed}",
            week::name(w.week),
            week::monday(w.week)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::{Outcome, Reason};

    #[test]
    fn the_header_is_a_contract() {
        assert_eq!(HEADER.split(',').count(), FIGURES + 3);
        assert_eq!(
            HEADER,
            "week,week_start,reporters,with_out_of_hours,share_with_out_of_hours,\
             median_out_of_hours_minutes,mean_out_of_hours_minutes,with_weekend,\
             share_with_weekend,with_late_evening,share_with_late_evening,band_0,band_under_1h,\
             band_1_3h,band_3_5h,band_5_10h,band_10h_or_more,out_of_hours_minutes_total,\
             self_reported_out_of_hours_minutes_total,weekend_minutes_total,\
             late_evening_minutes_total,days_with_out_of_hours_work_total,\
             notifications_held_out_of_hours_total,on_call_callout_minutes_total,suppressed"
        );
    }

    #[test]
    fn a_row_per_week_shown_or_hidden_with_no_figure_for_a_hidden_one() {
        let view = fixture::service(26);
        let csv = csv(&view);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 26);
        assert_eq!(lines[0], HEADER);
        for line in &lines {
            assert_eq!(line.split(',').count(), FIGURES + 3, "{line}");
        }
        // Week 1 of the fixture is the hand-built team (figures.rs' test); oldest first.
        assert_eq!(
            lines[1],
            "2026-W23,2026-06-01,10,8,0.8000,150.0,243.0,2,0.2000,1,0.1000,2,1,2,2,1,2,2430,45,270,120,0,12,0,"
        );
        let hidden_row = lines[1 + fixture::HIDDEN_WEEK];
        assert!(hidden_row.starts_with(&format!("2026-W{:02},", 23 + fixture::HIDDEN_WEEK)));
        assert!(
            hidden_row.ends_with(&format!("{},fewer than 10 people", ",".repeat(FIGURES))),
            "{hidden_row}"
        );
        let protected = lines[1 + fixture::PROTECTED_WEEK];
        assert!(protected.ends_with(",hidden to protect a group of fewer than 10 people"));
        assert!(csv.ends_with('\n'));
    }

    #[test]
    fn no_weeks_or_all_hidden_is_a_header_and_empty_rows() {
        let mut view = fixture::service(0);
        assert_eq!(csv(&view), format!("{HEADER}\n"));
        view = fixture::service(3);
        for w in &mut view.weeks {
            w.unit = Outcome::Suppressed {
                reason: Reason::FewerThanK,
            };
        }
        let out = csv(&view);
        assert_eq!(out.lines().count(), 4);
        assert!(
            out.lines()
                .skip(1)
                .all(|l| l.ends_with(",,fewer than 10 people"))
        );
    }
}
