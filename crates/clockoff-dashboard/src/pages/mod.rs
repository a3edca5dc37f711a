//! The dashboard's pages, as pure functions from what the server looked up to the bytes it
//! sends: no I/O, no clock, no state. The server decides who may see which unit and which
//! weeks; these functions only render, and never show a number for a week that is not
//! [`Outcome::Released`] with at least k reporters.
//!
//! What the server calls:
//! - [`sign_in`]: the sign-in form (it posts `token` to the page's own URL);
//! - [`unit_page`]: a unit's trends over a [`Period`], from a [`UnitView`];
//! - [`csv`]: the same weeks as CSV ([`CSV_HEADER`] is a contract);
//! - [`notice`]: a one-message page (a unit out of reach, a failure).
//!
//! URLs the pages link to, so the server knows what to route: a unit's page is
//! [`unit_path`]`(id)` (`/units/{id}`); on it `?weeks=26|52` picks the [`Period`]
//! ([`Period::from_query`]) and `&format=csv` asks for the CSV.
//!
//! Every page is one self-contained document: inline CSS and inline SVG, no scripts, no fonts,
//! no images, and a Content-Security-Policy that forbids fetching anything, so a page can make
//! no request even if a name from the config slipped through escaping (it cannot: every name
//! goes through [`clockoff_core::html::escape`]).

mod chart;
mod csv;
mod notice;
mod sign_in;
mod style;
mod text;
mod unit;

use chrono::IsoWeek;

use super::{Outcome, Threshold};

pub use csv::{HEADER as CSV_HEADER, csv};
pub use notice::notice;
pub use sign_in::sign_in;
pub use unit::unit_page;

/// How many weeks a unit page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    #[default]
    Weeks26,
    Weeks52,
}

impl Period {
    pub fn weeks(self) -> usize {
        match self {
            Period::Weeks26 => 26,
            Period::Weeks52 => 52,
        }
    }

    /// The period a `weeks=` query value asks for: "52" is a year, anything else (absent,
    /// "26", garbage) is the default half year, so a bad link still shows a page.
    pub fn from_query(weeks: Option<&str>) -> Period {
        match weeks.map(str::trim) {
            Some("52") => Period::Weeks52,
            _ => Period::Weeks26,
        }
    }
}

/// One week of a unit page: the unit's outcome and the organisation's (for its context line).
#[derive(Debug, Clone, PartialEq)]
pub struct WeekView {
    pub week: IsoWeek,
    pub unit: Outcome,
    /// The root unit's outcome the same week; ignored when [`UnitView::org_name`] is `None`.
    pub org: Outcome,
}

/// A unit directly below the one shown, with its outcome in the latest week shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildView {
    pub id: String,
    pub name: String,
    pub latest: Outcome,
}

/// Everything a unit page (and its CSV) shows. Names come from the config and are escaped
/// here; the server passes them as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    /// The organisation's name for the context lines; `None` when this unit is the
    /// organisation (no second line).
    pub org_name: Option<String>,
    pub k: Threshold,
    /// A week is published this many weeks after it ends (`weeks_accepted`).
    pub weeks_accepted: u32,
    pub period: Period,
    /// The weeks shown, oldest first: normally `period.weeks()` consecutive ISO weeks ending
    /// with the latest published one. Fewer (a new organisation) or none is fine.
    pub weeks: Vec<WeekView>,
    /// The units directly below, in the order to list them; their outcomes are for the
    /// last week in `weeks`.
    pub children: Vec<ChildView>,
    /// Laptops enrolled to report in the unit and below (`None`: not known).
    pub enrolled: Option<Enrolled>,
    /// When none of the weeks shown has been published with any report: the day the week
    /// that ended last will be, so the page explains itself instead of showing every week as
    /// "fewer than k".
    pub nothing_published: Option<chrono::NaiveDate>,
}

/// How many laptops may send a summary for a unit and the units below it: one each a week.
/// More than the people there would mean invented reporters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolled {
    pub laptops: u32,
    /// The units' declared `max_devices`, added up (`None` if none declares one).
    pub headcount: Option<u32>,
}

/// Where a unit page's sign-out button posts.
pub const SIGN_OUT_PATH: &str = "/sign-out";

/// The path of a unit's page: `/units/` and the id, percent-encoded as one path segment.
pub fn unit_path(id: &str) -> String {
    let mut path = String::from("/units/");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            path.push(char::from(b));
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    path
}

#[cfg(test)]
mod fixture;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_comes_from_the_query_and_defaults_to_half_a_year() {
        assert_eq!(Period::from_query(Some("52")), Period::Weeks52);
        assert_eq!(Period::from_query(Some("26")), Period::Weeks26);
        assert_eq!(Period::from_query(Some("9999")), Period::Weeks26);
        assert_eq!(Period::from_query(None), Period::Weeks26);
        assert_eq!(Period::Weeks52.weeks(), 52);
    }

    #[test]
    fn unit_paths_are_one_encoded_segment() {
        assert_eq!(unit_path("team-a_1.x"), "/units/team-a_1.x");
        assert_eq!(unit_path("a/b c&\"<"), "/units/a%2Fb%20c%26%22%3C");
        assert_eq!(unit_path("é"), "/units/%C3%A9");
    }
}
