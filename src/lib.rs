//! clockoff: a right-to-disconnect agent. The library holds everything; the binary parses
//! arguments and calls in. The pure core (clock, schedule, configuration, the record's
//! arithmetic, the weekly summary) is the `clockoff-core` crate, seen here as `core`.

pub use clockoff_core as core;
pub use clockoff_core::{config, html};

pub mod agent;
pub mod calendars;
pub mod cli;
pub mod desktop;
pub mod export;
pub mod fetch;
pub mod files;
pub mod hold;
pub mod ledger;
pub mod programs;
pub mod record;
pub mod report;
pub mod status;
pub mod sync;
