//! What kind of time an active minute is: the schedule state it fell in, folded into the four
//! classes the worker's record keeps.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::schedule::State;

/// The class of an active interval, decided by the schedule state it fell in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Inside contracted working hours.
    Working,
    /// Outside them: off, on leave, on a holiday.
    OutOfHours,
    /// While on call (a call-out).
    OnCall,
    /// Inside an override: out of hours, by the worker's own choice.
    Override,
}

impl Class {
    pub const ALL: [Class; 4] = [
        Class::Working,
        Class::OutOfHours,
        Class::OnCall,
        Class::Override,
    ];

    pub fn of(state: State) -> Class {
        match state {
            State::Working => Class::Working,
            State::Off | State::Leave | State::Holiday => Class::OutOfHours,
            State::OnCall => Class::OnCall,
            State::Override => Class::Override,
        }
    }

    /// The class of time in `effective` state when the schedule alone says `base`. An
    /// override only turns time that would otherwise be off into chosen work: in working
    /// hours it is still working time, on call still a call-out. Nor does finishing early
    /// (off where the hours say working) make later work in those hours out of hours: it is
    /// still time the worker is paid for, never overtime.
    pub fn of_states(effective: State, base: State) -> Class {
        match (effective, Class::of(base)) {
            (State::Override | State::Off, Class::Working | Class::OnCall) => Class::of(base),
            _ => Class::of(effective),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Class::Working => "working",
            Class::OutOfHours => "out_of_hours",
            Class::OnCall => "on_call",
            Class::Override => "override",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Class {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl FromStr for Class {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown activity class \"{s}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_class_and_names_round_trip() {
        assert_eq!(Class::of(State::Working), Class::Working);
        for state in [State::Off, State::Leave, State::Holiday] {
            assert_eq!(Class::of(state), Class::OutOfHours);
        }
        assert_eq!(Class::of(State::OnCall), Class::OnCall);
        assert_eq!(Class::of(State::Override), Class::Override);
        assert_eq!(
            Class::of_states(State::Override, State::Working),
            Class::Working
        );
        assert_eq!(
            Class::of_states(State::Override, State::OnCall),
            Class::OnCall
        );
        assert_eq!(
            Class::of_states(State::Override, State::Off),
            Class::Override
        );
        assert_eq!(Class::of_states(State::Off, State::Off), Class::OutOfHours);
        for class in Class::ALL {
            assert_eq!(class.name().parse::<Class>(), Ok(class));
        }
        assert!("lunch".parse::<Class>().is_err());
    }
}
