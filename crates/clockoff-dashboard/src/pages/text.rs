//! How figures read on the pages, and the one gate every figure passes: [`shown`].

use crate::{Figures, Outcome, Reason, Threshold};
use chrono::IsoWeek;
use clockoff_core::duration::hours_minutes;
use clockoff_core::record::week;

/// The figures of an outcome the pages may show, or why not. A released outcome with fewer
/// than k reporters cannot come from the release rule; if one ever did, it is hidden as
/// "fewer than k" rather than shown (the pages are the last door before a manager's screen).
pub fn shown(outcome: &Outcome, k: Threshold) -> Result<&Figures, Reason> {
    match outcome {
        Outcome::Released(f) if f.reporters >= u64::from(k.get()) => Ok(f),
        Outcome::Released(_) => Err(Reason::FewerThanK),
        Outcome::Suppressed { reason } => Err(*reason),
    }
}

/// What stands in for a hidden figure, with the real k. A unit hidden to protect a smaller
/// group has k or more people, so it does not say "fewer than k" about the unit itself.
pub fn hidden(reason: Reason, k: Threshold) -> String {
    let k = k.get();
    match reason {
        Reason::FewerThanK => format!("fewer than {k} people"),
        Reason::ProtectsSmallGroup => format!("hidden to protect a group of fewer than {k} people"),
        Reason::NotPublished => "not published yet".into(),
        Reason::NotInPublication => "not published for this unit".into(),
        Reason::NoLongerKept => "no longer kept".into(),
    }
}

/// Minutes as hours and minutes, to the nearest minute: "0m", "45m", "2h 30m". Not a number
/// (impossible from [`Figures`]) reads as a dash rather than a made-up value.
pub fn duration(minutes: f64) -> String {
    if !minutes.is_finite() {
        return "-".into();
    }
    hours_minutes(minutes.max(0.0).round() as u64)
}

/// A fraction as a whole percentage: "40%".
pub fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "-".into();
    }
    format!("{:.0}%", (share * 100.0).clamp(0.0, 100.0))
}

/// "1 person", "12 people".
pub fn people(n: u64) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

/// A week as people read it: "w/c 23 Nov 2026" (week commencing, the Monday).
pub fn week_commencing(w: IsoWeek) -> String {
    week::monday(w).format("w/c %-d %b %Y").to_string()
}

/// A week's Monday, short, for an axis: "23 Nov".
pub fn week_short(w: IsoWeek) -> String {
    week::monday(w).format("%-d %b").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    fn k10() -> Threshold {
        Threshold::new(10).unwrap()
    }

    #[test]
    fn hidden_weeks_say_why_with_the_real_k() {
        assert_eq!(hidden(Reason::FewerThanK, k10()), "fewer than 10 people");
        assert_eq!(
            hidden(Reason::ProtectsSmallGroup, Threshold::new(7).unwrap()),
            "hidden to protect a group of fewer than 7 people"
        );
    }

    #[test]
    fn a_released_outcome_below_k_is_still_hidden() {
        let mut f = crate::Figures::of(&[Default::default(); 9]).unwrap();
        assert_eq!(
            shown(&Outcome::Released(f.clone()), k10()),
            Err(Reason::FewerThanK)
        );
        f.reporters = 10;
        assert!(shown(&Outcome::Released(f), k10()).is_ok());
    }

    #[test]
    fn figures_read_as_people_say_them() {
        assert_eq!(duration(0.0), "0m");
        assert_eq!(duration(22.5), "23m");
        assert_eq!(duration(150.0), "2h 30m");
        assert_eq!(duration(f64::NAN), "-");
        assert_eq!(duration(-3.0), "0m");
        assert_eq!(percent(0.8), "80%");
        assert_eq!(percent(1.0 / 3.0), "33%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(people(1), "1 person");
        assert_eq!(people(0), "0 people");
        let w = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().iso_week();
        assert_eq!(week_commencing(w), "w/c 23 Nov 2026");
        assert_eq!(week_short(w), "23 Nov");
        assert_eq!(w.week(), 48);
    }
}
