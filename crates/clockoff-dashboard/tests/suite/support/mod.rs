//! The rig (clockoff-testrig) and what starts the dashboard in-process against it.

pub use clockoff_testrig::*;

pub mod dashboard;
pub mod laptop;
