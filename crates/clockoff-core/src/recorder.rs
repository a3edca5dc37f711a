//! Turns presence edges and schedule transitions into ledger operations: one interval per
//! stretch of presence per schedule state, checkpointed while open. Pure: the agent applies
//! the operations to the ledger and maps [`Key`]s to ledger ids.

use chrono::{DateTime, Utc};

use super::activity::Class;
use super::schedule::State;

/// Names an interval until the ledger has given it an id.
pub type Key = u64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Open {
        key: Key,
        start: DateTime<Utc>,
        class: Class,
        state: State,
    },
    Checkpoint {
        key: Key,
        to: DateTime<Utc>,
    },
    /// Also used to trim an interval already closed: leaving is only known `idle_after` late,
    /// so the stretch is cut back to the last input even across a split.
    Close {
        key: Key,
        end: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    key: Key,
    start: DateTime<Utc>,
    /// `None` while open.
    end: Option<DateTime<Utc>>,
    class: Class,
    state: State,
}

/// The stretch of presence in progress, one segment per schedule state it crossed.
#[derive(Debug, Default)]
pub struct Recorder {
    next_key: Key,
    stretch: Vec<Segment>,
}

impl Recorder {
    /// The open interval's start and class, if the person is being recorded.
    pub fn open(&self) -> Option<(DateTime<Utc>, Class)> {
        self.open_segment().map(|s| (s.start, s.class))
    }

    pub fn arrive(&mut self, at: DateTime<Utc>, state: State, class: Class) -> Vec<Op> {
        if self.open_segment().is_some() {
            return Vec::new();
        }
        self.stretch.clear();
        vec![self.open_new(at, state, class)]
    }

    /// Ends the stretch at `at`, trimming anything recorded after it.
    pub fn leave(&mut self, at: DateTime<Utc>) -> Vec<Op> {
        let ops = self
            .stretch
            .iter()
            .filter(|s| s.end.is_none_or(|end| end > at))
            .map(|s| Op::Close {
                key: s.key,
                end: at.max(s.start),
            })
            .collect();
        self.stretch.clear();
        ops
    }

    /// The schedule changed at `at`: close the open interval there and open the next.
    pub fn split(&mut self, at: DateTime<Utc>, state: State, class: Class) -> Vec<Op> {
        let Some(open) = self.stretch.last_mut().filter(|s| s.end.is_none()) else {
            return Vec::new();
        };
        if open.state == state && open.class == class {
            return Vec::new();
        }
        if at <= open.start {
            // Nothing recorded in the old state yet: relabel instead of a zero-length row.
            let (key, end) = (open.key, open.start);
            self.stretch.pop();
            let mut ops = vec![Op::Close { key, end }];
            ops.push(self.open_new(end, state, class));
            return ops;
        }
        open.end = Some(at);
        let close = Op::Close {
            key: open.key,
            end: at,
        };
        vec![close, self.open_new(at, state, class)]
    }

    pub fn checkpoint(&self, now: DateTime<Utc>) -> Option<Op> {
        let open = self.open_segment()?;
        (now > open.start).then_some(Op::Checkpoint {
            key: open.key,
            to: now,
        })
    }

    fn open_segment(&self) -> Option<&Segment> {
        self.stretch.last().filter(|s| s.end.is_none())
    }

    fn open_new(&mut self, start: DateTime<Utc>, state: State, class: Class) -> Op {
        let key = self.next_key;
        self.next_key += 1;
        self.stretch.push(Segment {
            key,
            start,
            end: None,
            class,
            state,
        });
        Op::Open {
            key,
            start,
            class,
            state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hour: u32, minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-23T{hour:02}:{minute:02}:00Z"))
            .unwrap()
            .to_utc()
    }

    #[test]
    fn a_stretch_is_split_at_each_transition() {
        let mut r = Recorder::default();
        let open = r.arrive(t(16, 30), State::Working, Class::Working);
        assert!(matches!(open[..], [Op::Open { key: 0, .. }]));
        assert_eq!(r.arrive(t(16, 40), State::Working, Class::Working), vec![]);
        assert_eq!(
            r.checkpoint(t(16, 50)),
            Some(Op::Checkpoint {
                key: 0,
                to: t(16, 50)
            })
        );
        let split = r.split(t(17, 0), State::Off, Class::OutOfHours);
        assert_eq!(
            split,
            vec![
                Op::Close {
                    key: 0,
                    end: t(17, 0)
                },
                Op::Open {
                    key: 1,
                    start: t(17, 0),
                    class: Class::OutOfHours,
                    state: State::Off
                }
            ]
        );
        assert_eq!(r.open(), Some((t(17, 0), Class::OutOfHours)));
        assert_eq!(
            r.leave(t(17, 20)),
            vec![Op::Close {
                key: 1,
                end: t(17, 20)
            }]
        );
        assert_eq!(r.open(), None);
        assert_eq!(r.checkpoint(t(17, 30)), None);
    }

    #[test]
    fn leaving_before_a_split_trims_back_across_it() {
        // Last input 16:58, idleness noticed at 17:03: the 17:00 split must not keep the
        // out-of-hours interval, and the working one ends at 16:58.
        let mut r = Recorder::default();
        r.arrive(t(16, 0), State::Working, Class::Working);
        r.split(t(17, 0), State::Off, Class::OutOfHours);
        assert_eq!(
            r.leave(t(16, 58)),
            vec![
                Op::Close {
                    key: 0,
                    end: t(16, 58)
                },
                Op::Close {
                    key: 1,
                    end: t(17, 0)
                },
            ]
        );
    }

    #[test]
    fn a_split_with_nothing_to_change_or_nothing_open_does_nothing() {
        let mut r = Recorder::default();
        assert_eq!(r.split(t(9, 0), State::Working, Class::Working), vec![]);
        r.arrive(t(9, 0), State::Working, Class::Working);
        assert_eq!(r.split(t(9, 30), State::Working, Class::Working), vec![]);
    }

    #[test]
    fn a_split_at_the_open_instant_relabels_without_a_zero_length_interval() {
        let mut r = Recorder::default();
        r.arrive(t(17, 0), State::Working, Class::Working);
        let ops = r.split(t(17, 0), State::Off, Class::OutOfHours);
        assert_eq!(
            ops[0],
            Op::Close {
                key: 0,
                end: t(17, 0)
            }
        );
        assert_eq!(r.open(), Some((t(17, 0), Class::OutOfHours)));
        assert_eq!(
            r.leave(t(17, 5)),
            vec![Op::Close {
                key: 1,
                end: t(17, 5)
            }]
        );
    }
}
