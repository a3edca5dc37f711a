//! A schedule compiled into its transitions, one year at a time, on first use. Answers the
//! same questions as [`Schedule`] with a binary search instead of walking the layers, for
//! callers that ask many times (the agent, the worker's record). Agreement with the direct
//! computation is property-tested.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, TimeZone, Utc};

use super::schedule::{Schedule, State, StateSpan, Transition, horizon};

pub struct Timeline {
    schedule: Schedule,
    first_year: i32,
    years: Box<[OnceLock<Year>]>,
}

/// One UTC calendar year: the state at its first instant and every change within it.
struct Year {
    opening_state: State,
    transitions: Vec<Transition>,
}

impl Year {
    /// How many of the year's transitions are at or before `t`, and the state at `t`.
    fn locate(&self, t: DateTime<Utc>) -> (usize, State) {
        let after = self.transitions.partition_point(|tr| tr.at <= t);
        let state = after
            .checked_sub(1)
            .map_or(self.opening_state, |k| self.transitions[k].state);
        (after, state)
    }
}

impl Timeline {
    pub fn new(schedule: Schedule) -> Self {
        let h = horizon();
        let first_year = h.start.year();
        let count = (h.end.year() - first_year) as usize;
        Self {
            schedule,
            first_year,
            years: (0..count).map(|_| OnceLock::new()).collect(),
        }
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn state(&self, t: DateTime<Utc>) -> State {
        match self.year_index(t) {
            Some(i) => self.year(i).locate(t).1,
            None => self.schedule.state(t),
        }
    }

    pub fn state_at(&self, t: DateTime<Utc>) -> StateSpan {
        let Some(i) = self.year_index(t) else {
            return self.schedule.state_at(t);
        };
        let year = self.year(i);
        let (after, state) = year.locate(t);
        let since = match after.checked_sub(1) {
            Some(k) => Some(year.transitions[k].at),
            None => (0..i)
                .rev()
                .find_map(|j| self.year(j).transitions.last().map(|tr| tr.at)),
        };
        let until = match year.transitions.get(after) {
            Some(tr) => Some(tr.at),
            None => (i + 1..self.years.len())
                .find_map(|j| self.year(j).transitions.first().map(|tr| tr.at)),
        };
        StateSpan {
            state,
            since,
            until,
        }
    }

    pub fn next_transition(&self, t: DateTime<Utc>) -> Option<Transition> {
        let Some(i) = self.year_index(t) else {
            return self.schedule.next_transition(t);
        };
        let year = self.year(i);
        let (after, _) = year.locate(t);
        year.transitions.get(after).copied().or_else(|| {
            (i + 1..self.years.len()).find_map(|j| self.year(j).transitions.first().copied())
        })
    }

    /// Every transition in `[from, to)`, as [`Schedule::transitions`] gives them.
    pub fn transitions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
        let (Some(first), Some(last)) = (self.year_index(from), self.year_index(to)) else {
            return self.schedule.transitions(from, to).collect();
        };
        (first..=last)
            .flat_map(|i| self.year(i).transitions.iter())
            .filter(|tr| from <= tr.at && tr.at < to)
            .copied()
            .collect()
    }

    fn year_index(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = usize::try_from(t.year() - self.first_year).ok()?;
        (i < self.years.len()).then_some(i)
    }

    fn year(&self, i: usize) -> &Year {
        self.years[i].get_or_init(|| {
            let year = self.first_year + i as i32;
            let start = Utc
                .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                .single()
                .expect("valid");
            let end = Utc
                .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
                .single()
                .expect("valid");
            Year {
                opening_state: self.schedule.state(start),
                transitions: self.schedule.transitions(start, end).collect(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{DailyRange, WeeklyHours};
    use crate::schedule::ScheduleSpec;
    use crate::testing::utc;

    fn spec(hours: WeeklyHours) -> ScheduleSpec {
        ScheduleSpec {
            tz: chrono_tz::Europe::London,
            hours,
            holidays: Vec::new(),
            leave: Vec::new(),
            leave_times: Vec::new(),
            on_call: Vec::new(),
            overrides: Vec::new(),
        }
    }

    #[test]
    fn an_empty_schedule_is_off_with_no_transitions_anywhere() {
        let timeline = Timeline::new(Schedule::new(spec(WeeklyHours::default())));
        let at = timeline.state_at(utc("2026-11-23T12:00:00Z"));
        assert_eq!((at.state, at.since, at.until), (State::Off, None, None));
        assert_eq!(timeline.next_transition(utc("1970-01-01T00:00:00Z")), None);
    }

    #[test]
    fn answers_across_year_ends_and_outside_the_horizon() {
        let mut days: [Vec<DailyRange>; 7] = Default::default();
        days[4] = vec![DailyRange::parse("22:00-06:00").unwrap()]; // Friday nights
        let schedule = Schedule::new(spec(WeeklyHours::new(days)));
        let timeline = Timeline::new(schedule.clone());
        // Friday 2027-12-31 22:00 to Saturday 2028-01-01 06:00 straddles the year end.
        for t in [
            "2027-12-31T23:30:00Z",
            "2028-01-01T05:59:59Z",
            "2028-01-01T06:00:00Z",
            "1969-12-31T12:00:00Z",
            "2101-01-02T00:00:00Z",
        ] {
            assert_eq!(timeline.state_at(utc(t)), schedule.state_at(utc(t)), "{t}");
            assert_eq!(
                timeline.next_transition(utc(t)),
                schedule.next_transition(utc(t)),
                "{t}"
            );
        }
        assert_eq!(timeline.state(utc("2027-12-31T23:30:00Z")), State::Working);
    }
}
