//! The pure core: no async, no D-Bus, no database, no HTTP. Time comes in as arguments or
//! through a [`clock::Clock`]. Its one reader of the outside world is [`config`], which reads
//! the configuration files (and the system's time zone) it is pointed at.

pub mod activity;
pub mod calendar;
pub mod civil;
pub mod clock;
pub mod config;
pub mod duration;
pub mod hex;
pub mod holidays;
pub mod hours;
pub mod html;
pub mod log;
pub mod presence;
pub mod quiet;
pub mod record;
pub mod recorder;
pub mod schedule;
pub mod spans;
pub mod summary;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timeline;
pub mod week_token;
