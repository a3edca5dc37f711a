//! The rig (clockoff-testrig) and what starts clockoff's own binary against it.

pub use clockoff_testrig::*;

pub mod agent;
pub mod dashboard;
pub mod home;
pub mod record;
pub mod signals;
