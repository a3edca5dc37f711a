//! The tray's menu: what each item does, and the menu built for a [`View`]. Every label is
//! a whole phrase, because the label is also what a screen reader says (the dbusmenu that
//! ksni serves has no separate accessible description).

use std::time::Duration;

use tray_icon::menu::{Menu, MenuId, MenuItem, PredefinedMenuItem, Submenu};

use super::view::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    WorkFor(Duration),
    WorkUntilStop,
    EndOverride,
    HoldNow,
    OpenWeek,
    Quit,
}

const HALF_HOUR: Duration = Duration::from_secs(30 * 60);
const HOUR: Duration = Duration::from_secs(3600);

/// The menu's items by id: ids are what come back when an item is clicked.
const ITEMS: [(&str, Action, &str); 7] = [
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
    (
        "end-override",
        Action::EndOverride,
        "End override: stop working now",
    ),
    ("hold-now", Action::HoldNow, "Hold now: finish for the day"),
    (
        "open-week",
        Action::OpenWeek,
        "Open my week (a report in your browser)",
    ),
    ("quit", Action::Quit, "Quit clockoff"),
];

impl Action {
    pub fn from_id(id: &MenuId) -> Option<Action> {
        ITEMS
            .iter()
            .find(|(item, _, _)| id == *item)
            .map(|(_, action, _)| *action)
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
    if offers.work_now || offers.end_override || offers.hold_now {
        menu.append(&PredefinedMenuItem::separator())?;
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
}
