//! What the dashboard shows for a released unit-week, computed from the week's contributions.
//!
//! Conventions (fixed here so pages and tests agree):
//! - Counts and sums are exact integers; shares and means are derived from them on demand, as
//!   fractions in `0.0..=1.0` (pages format them as percentages).
//! - Out-of-hours figures (the share with any, median, mean, bands) use the measured
//!   `out_of_hours_minutes`; the self-reported minutes are released as a total beside it.
//! - The median of an even number of reporters is the mean of the two middle values, so it is
//!   a whole or half minute, exact in an `f64`.
//! - Bands include their lower edge: 0 min is "0"; 1-59 min "<1 h"; exactly 1 h is in "1-3 h"
//!   (60-179 min); "3-5 h" is 180-299; "5-10 h" 300-599; ">10 h" is 600 min (10 h) and over.
//! - "Weekend share" and "late-evening share" are the shares of reporters with any weekend or
//!   any late-evening minutes, like the out-of-hours share.

use serde::{Deserialize, Serialize};

/// One reporter's week, as the release rule needs it: the seven figures the weekly summary
/// carries, whole minutes or counts.
pub use clockoff_core::summary::WeekFigures as Contribution;

/// Out-of-hours minutes in a week, banded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    None,
    UnderOneHour,
    OneToThreeHours,
    ThreeToFiveHours,
    FiveToTenHours,
    OverTenHours,
}

pub const BANDS: usize = 6;

impl Band {
    pub const ALL: [Band; BANDS] = [
        Band::None,
        Band::UnderOneHour,
        Band::OneToThreeHours,
        Band::ThreeToFiveHours,
        Band::FiveToTenHours,
        Band::OverTenHours,
    ];

    pub fn of(minutes: u32) -> Band {
        match minutes {
            0 => Band::None,
            1..60 => Band::UnderOneHour,
            60..180 => Band::OneToThreeHours,
            180..300 => Band::ThreeToFiveHours,
            300..600 => Band::FiveToTenHours,
            _ => Band::OverTenHours,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::None => "0",
            Band::UnderOneHour => "<1 h",
            Band::OneToThreeHours => "1-3 h",
            Band::ThreeToFiveHours => "3-5 h",
            Band::FiveToTenHours => "5-10 h",
            Band::OverTenHours => ">10 h",
        }
    }
}

/// Sums of every field over a population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub out_of_hours_minutes: u64,
    pub self_reported_out_of_hours_minutes: u64,
    pub weekend_minutes: u64,
    pub late_evening_minutes: u64,
    pub days_with_out_of_hours_work: u64,
    pub notifications_held_out_of_hours: u64,
    pub on_call_callout_minutes: u64,
}

impl Totals {
    /// The seven sums in the summary's field order (CSV columns, differencing checks).
    pub fn in_order(&self) -> [u64; 7] {
        [
            self.out_of_hours_minutes,
            self.self_reported_out_of_hours_minutes,
            self.weekend_minutes,
            self.late_evening_minutes,
            self.days_with_out_of_hours_work,
            self.notifications_held_out_of_hours,
            self.on_call_callout_minutes,
        ]
    }
}

/// Everything additive about a population: a parent's tally is its own plus its children's,
/// which keeps the production path O(units) for all but the median.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Tally {
    pub reporters: u64,
    pub with_out_of_hours: u64,
    pub with_weekend: u64,
    pub with_late_evening: u64,
    pub bands: [u64; BANDS],
    pub totals: Totals,
}

impl Tally {
    // Sums are u64 of u32 values: no overflow below 2^32 contributions.
    pub fn add(&mut self, c: &Contribution) {
        self.reporters += 1;
        self.with_out_of_hours += u64::from(c.out_of_hours_minutes > 0);
        self.with_weekend += u64::from(c.weekend_minutes > 0);
        self.with_late_evening += u64::from(c.late_evening_minutes > 0);
        self.bands[Band::of(c.out_of_hours_minutes) as usize] += 1;
        let t = &mut self.totals;
        t.out_of_hours_minutes += u64::from(c.out_of_hours_minutes);
        t.self_reported_out_of_hours_minutes += u64::from(c.self_reported_out_of_hours_minutes);
        t.weekend_minutes += u64::from(c.weekend_minutes);
        t.late_evening_minutes += u64::from(c.late_evening_minutes);
        t.days_with_out_of_hours_work += u64::from(c.days_with_out_of_hours_work);
        t.notifications_held_out_of_hours += u64::from(c.notifications_held_out_of_hours);
        t.on_call_callout_minutes += u64::from(c.on_call_callout_minutes);
    }

    pub fn merge(&mut self, o: &Tally) {
        self.reporters += o.reporters;
        self.with_out_of_hours += o.with_out_of_hours;
        self.with_weekend += o.with_weekend;
        self.with_late_evening += o.with_late_evening;
        for (b, ob) in self.bands.iter_mut().zip(o.bands) {
            *b += ob;
        }
        let (t, ot) = (&mut self.totals, &o.totals);
        t.out_of_hours_minutes += ot.out_of_hours_minutes;
        t.self_reported_out_of_hours_minutes += ot.self_reported_out_of_hours_minutes;
        t.weekend_minutes += ot.weekend_minutes;
        t.late_evening_minutes += ot.late_evening_minutes;
        t.days_with_out_of_hours_work += ot.days_with_out_of_hours_work;
        t.notifications_held_out_of_hours += ot.notifications_held_out_of_hours;
        t.on_call_callout_minutes += ot.on_call_callout_minutes;
    }
}

/// The figures of one released unit-week. `reporters` is never 0 (nor below k once released).
/// Serialized only as part of a stored publication ([`super::publication`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub reporters: u64,
    pub with_out_of_hours: u64,
    pub with_weekend: u64,
    pub with_late_evening: u64,
    /// Reporters per band, indexed by `Band as usize`.
    pub bands: [u64; BANDS],
    pub totals: Totals,
    pub median_out_of_hours_minutes: f64,
}

impl Figures {
    /// The figures of a population, straight from its contributions; `None` for nobody.
    pub fn of(contributions: &[Contribution]) -> Option<Figures> {
        let mut tally = Tally::default();
        contributions.iter().for_each(|c| tally.add(c));
        let mut minutes: Vec<u32> = contributions
            .iter()
            .map(|c| c.out_of_hours_minutes)
            .collect();
        Some(Figures::from_parts(&tally, median(&mut minutes)?))
    }

    pub(crate) fn from_parts(tally: &Tally, median_out_of_hours_minutes: f64) -> Figures {
        Figures {
            reporters: tally.reporters,
            with_out_of_hours: tally.with_out_of_hours,
            with_weekend: tally.with_weekend,
            with_late_evening: tally.with_late_evening,
            bands: tally.bands,
            totals: tally.totals,
            median_out_of_hours_minutes,
        }
    }

    /// `count` as a fraction of the reporters.
    pub fn share(&self, count: u64) -> f64 {
        count as f64 / self.reporters.max(1) as f64
    }

    pub fn share_with_out_of_hours(&self) -> f64 {
        self.share(self.with_out_of_hours)
    }

    pub fn share_with_weekend(&self) -> f64 {
        self.share(self.with_weekend)
    }

    pub fn share_with_late_evening(&self) -> f64 {
        self.share(self.with_late_evening)
    }

    pub fn band_share(&self, band: Band) -> f64 {
        self.share(self.bands[band as usize])
    }

    pub fn mean_out_of_hours_minutes(&self) -> f64 {
        self.share(self.totals.out_of_hours_minutes)
    }

    /// Time people logged themselves outside their hours (a home visit, a call taken on the
    /// phone), per person.
    pub fn mean_self_reported_minutes(&self) -> f64 {
        self.share(self.totals.self_reported_out_of_hours_minutes)
    }

    /// Time at the laptop while on call, per person.
    pub fn mean_on_call_callout_minutes(&self) -> f64 {
        self.share(self.totals.on_call_callout_minutes)
    }

    pub fn mean_notifications_held_out_of_hours(&self) -> f64 {
        self.share(self.totals.notifications_held_out_of_hours)
    }
}

/// The median of `values` (reordered in place, O(n)); the mean of the middle two for an even
/// count. `None` when empty.
pub(crate) fn median(values: &mut [u32]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, &mut upper, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return Some(f64::from(upper));
    }
    // Everything below the upper middle is no greater than it; the lower middle is their max.
    let lower = below.iter().copied().max().unwrap_or(upper);
    Some((f64::from(lower) + f64::from(upper)) / 2.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Ten people with figures worked out by hand (their figures are asserted below, and
    /// the pages' tests show them).
    pub(crate) fn hand_built_team() -> Vec<Contribution> {
        let mut team = out_of_hours(&[0, 0, 30, 60, 120, 180, 240, 300, 600, 900]);
        team[2].weekend_minutes = 30;
        team[9].weekend_minutes = 240;
        team[9].late_evening_minutes = 120;
        team[3].notifications_held_out_of_hours = 7;
        team[4].notifications_held_out_of_hours = 5;
        team[5].self_reported_out_of_hours_minutes = 45;
        team
    }

    fn out_of_hours(minutes: &[u32]) -> Vec<Contribution> {
        minutes
            .iter()
            .map(|&m| Contribution {
                out_of_hours_minutes: m,
                ..Contribution::default()
            })
            .collect()
    }

    #[test]
    fn bands_include_their_lower_edge() {
        let cases = [
            (0, "0"),
            (1, "<1 h"),
            (59, "<1 h"),
            (60, "1-3 h"),
            (179, "1-3 h"),
            (180, "3-5 h"),
            (299, "3-5 h"),
            (300, "5-10 h"),
            (599, "5-10 h"),
            (600, ">10 h"),
            (u32::MAX, ">10 h"),
        ];
        for (minutes, label) in cases {
            assert_eq!(Band::of(minutes).label(), label, "{minutes} min");
        }
        assert_eq!(Band::ALL.map(|b| b as usize), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [45]), Some(45.0));
        assert_eq!(median(&mut [90, 0, 30]), Some(30.0));
        assert_eq!(median(&mut [90, 0, 30, 15]), Some(22.5));
        assert_eq!(median(&mut [60, 60, 0, 0]), Some(30.0));
        assert_eq!(median(&mut [u32::MAX, u32::MAX]), Some(f64::from(u32::MAX)));
    }

    #[test]
    fn figures_of_a_hand_built_team() {
        let f = Figures::of(&hand_built_team()).unwrap();
        assert_eq!(f.reporters, 10);
        assert_eq!(f.with_out_of_hours, 8);
        assert_eq!(f.share_with_out_of_hours(), 0.8);
        assert_eq!(f.bands, [2, 1, 2, 2, 1, 2]);
        assert_eq!(f.band_share(Band::OverTenHours), 0.2);
        assert_eq!(f.median_out_of_hours_minutes, 150.0);
        assert_eq!(f.totals.out_of_hours_minutes, 2430);
        assert_eq!(f.mean_out_of_hours_minutes(), 243.0);
        assert_eq!(f.with_weekend, 2);
        assert_eq!(f.share_with_weekend(), 0.2);
        assert_eq!(f.share_with_late_evening(), 0.1);
        assert_eq!(f.totals.notifications_held_out_of_hours, 12);
        assert_eq!(f.mean_notifications_held_out_of_hours(), 1.2);
        assert_eq!(f.totals.self_reported_out_of_hours_minutes, 45);
        assert_eq!(Figures::of(&[]), None);
    }

    #[test]
    fn a_merged_tally_equals_the_tally_of_everyone() {
        let a = out_of_hours(&[0, 59, 60]);
        let b = out_of_hours(&[600, 1]);
        let mut merged = Tally::default();
        for part in [&a, &b] {
            let mut t = Tally::default();
            part.iter().for_each(|c| t.add(c));
            merged.merge(&t);
        }
        let mut all = Tally::default();
        a.iter().chain(&b).for_each(|c| all.add(c));
        assert_eq!(merged, all);
    }
}
