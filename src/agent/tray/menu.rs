//! The tray's menu: what each item does, and the menu built for a [`View`]. Every label is
//! a whole phrase, because the label is also what a screen reader says (the dbusmenu that
//! ksni serves has no separate accessible description).

use std::time::Duration;

use chrono::{Datelike, IsoWeek, TimeDelta};
use tray_icon::menu::{Menu, MenuId, MenuItem, PredefinedMenuItem, Submenu};

use super::view::{ReportOffer, View};
use crate::core::record::week;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    WorkFor(Duration),
    WorkUntilStop,
    EndOverride,
    HoldNow,
    Resume,
    OpenWeek,
    /// Book today as leave, as `clockoff leave add today` does.
    LeaveToday,
    /// Keep a week (the last that has ended) from being reported, as `clockoff report
    /// pause` does...
    PauseReport(IsoWeek),
    /// ...or report it after all, as `clockoff report resume` does.
    ResumeReport(IsoWeek),
    Quit,
}

const HALF_HOUR: Duration = Duration::from_secs(30 * 60);
const HOUR: Duration = Duration::from_secs(3600);

/// The menu's items by id: ids are what come back when an item is clicked.
const ITEMS: [(&str, Action, &str); 9] = [
    (
        "work-30m",
        Action::WorkFor(HALF_HOUR),
        "Work for 30 minutes",
    ),
    ("work-1h", Action::WorkFor(HOUR), "Work for 1 hour"),
    (
        "work-until-stop",
        Action::WorkUntilStop,
        "Work until I stop",
    ),
    ("end-override", Action::EndOverride, "Stop working now"),
    ("hold-now", Action::HoldNow, "Hold now: finish for the day"),
    ("resume-work", Action::Resume, "Resume work"),
    ("leave-today", Action::LeaveToday, "I'm on leave today"),
    ("open-week", Action::OpenWeek, "Open my week in the browser"),
    ("quit", Action::Quit, "Quit clockoff"),
];

/// The reporting item's ids begin so; the week's name ends them, so a click acts on exactly
/// the week its label named, even if the week changed since the menu was built.
const PAUSE_REPORT: &str = "pause-report-";
const RESUME_REPORT: &str = "resume-report-";

impl Action {
    pub fn from_id(id: &MenuId) -> Option<Action> {
        let id = id.as_ref();
        let fixed = ITEMS
            .iter()
            .find(|(item, _, _)| id == *item)
            .map(|(_, action, _)| *action);
        let week = |prefix| id.strip_prefix(prefix).and_then(|w| week::parse(w).ok());
        fixed
            .or_else(|| week(PAUSE_REPORT).map(Action::PauseReport))
            .or_else(|| week(RESUME_REPORT).map(Action::ResumeReport))
    }
}

/// The reporting item: "Don't report week 48 (23 to 29 Nov)", or, once that week is paused,
/// "Report week 48 (23 to 29 Nov) after all". Week numbers alone mean little to most people,
/// so the dates are said too.
fn report_item(offer: ReportOffer) -> MenuItem {
    let w = offer.week;
    let id = format!(
        "{}{}",
        if offer.paused {
            RESUME_REPORT
        } else {
            PAUSE_REPORT
        },
        week::name(w)
    );
    MenuItem::with_id(id, report_label(offer), true, None)
}

fn report_label(offer: ReportOffer) -> String {
    let w = offer.week;
    let number = w.week();
    let dates = dates(w);
    if offer.paused {
        format!("Report week {number} ({dates}) after all")
    } else {
        format!("Don't report week {number} ({dates})")
    }
}

/// "23 to 29 Nov", or "30 Nov to 6 Dec" across a month's end.
fn dates(w: IsoWeek) -> String {
    let monday = week::monday(w);
    let sunday = monday + TimeDelta::days(6);
    if monday.month() == sunday.month() {
        format!("{} to {}", monday.format("%-d"), sunday.format("%-d %b"))
    } else {
        format!("{} to {}", monday.format("%-d %b"), sunday.format("%-d %b"))
    }
}

fn item(id: &str) -> MenuItem {
    let (id, _, label) = ITEMS
        .iter()
        .find(|(item, _, _)| *item == id)
        .expect("menu ids are the ITEMS table's");
    MenuItem::with_id(*id, *label, true, None)
}

/// Status line (not clickable), what can be done now, then Quit.
pub fn build(view: &View) -> Result<Menu, tray_icon::menu::Error> {
    let menu = Menu::new();
    menu.append(&MenuItem::with_id("status", &view.title, false, None))?;
    menu.append(&PredefinedMenuItem::separator())?;
    let offers = view.offers;
    if offers.work_now {
        let work = Submenu::with_items("Work now", true, &[&item("work-30m"), &item("work-1h")])?;
        if offers.until_stop {
            work.append(&item("work-until-stop"))?;
        }
        menu.append(&work)?;
    }
    if offers.end_override {
        menu.append(&item("end-override"))?;
    }
    if offers.hold_now {
        menu.append(&item("hold-now"))?;
    }
    if offers.resume {
        menu.append(&item("resume-work"))?;
    }
    if offers.work_now || offers.end_override || offers.hold_now || offers.resume {
        menu.append(&PredefinedMenuItem::separator())?;
    }
    if let Some(offer) = view.offers.report {
        menu.append(&report_item(offer))?;
    }
    if let Some(team) = &view.team {
        menu.append(&MenuItem::with_id("team", team, false, None))?;
    }
    if offers.leave_today {
        menu.append(&item("leave-today"))?;
    }
    menu.append(&item("open-week"))?;
    menu.append(&item("quit"))?;
    Ok(menu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_id_maps_back_to_its_action() {
        for (id, action, label) in ITEMS {
            assert_eq!(Action::from_id(&MenuId::new(id)), Some(action), "{id}");
            assert!(label.split(' ').count() >= 2, "{label}: say what it does");
        }
        assert_eq!(Action::from_id(&MenuId::new("status")), None);
    }

    #[test]
    fn the_reporting_item_names_its_week_and_offers_the_undoing_once_paused() {
        let w48 = week::parse("2026-W48").unwrap();
        let pause = ReportOffer {
            week: w48,
            paused: false,
        };
        let resume = ReportOffer {
            paused: true,
            ..pause
        };
        assert_eq!(report_label(pause), "Don't report week 48 (23 to 29 Nov)");
        assert_eq!(
            report_label(resume),
            "Report week 48 (23 to 29 Nov) after all"
        );
        // Across a month's end, and a year's (2026 has 53 ISO weeks).
        let w49 = week::parse("2026-W49").unwrap();
        assert_eq!(
            report_label(ReportOffer { week: w49, ..pause }),
            "Don't report week 49 (30 Nov to 6 Dec)"
        );
        let w53 = week::parse("2026-W53").unwrap();
        assert_eq!(
            report_label(ReportOffer { week: w53, ..pause }),
            "Don't report week 53 (28 Dec to 3 Jan)"
        );
        // A click acts on the week the label named.
        let clicked = |offer| Action::from_id(report_item(offer).id());
        assert_eq!(clicked(pause), Some(Action::PauseReport(w48)));
        assert_eq!(clicked(resume), Some(Action::ResumeReport(w48)));
        assert_eq!(Action::from_id(&MenuId::new("pause-report-2026-W99")), None);
    }
}
