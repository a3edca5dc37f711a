//! The pure core: no I/O, no async, no D-Bus. Time comes in as arguments or through a
//! [`clock::Clock`].

pub mod activity;
pub mod civil;
pub mod clock;
pub mod duration;
pub mod holidays;
pub mod hours;
pub mod presence;
pub mod quiet;
pub mod record;
pub mod recorder;
pub mod schedule;
pub mod spans;
pub mod summary;
pub mod timeline;
