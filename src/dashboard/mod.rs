//! The dashboard's release rule: which unit-weeks a manager may see, and their figures.
//! Pure: no I/O, no clock. The service (ingest, storage, pages) builds on it.
//!
//! - [`units`]: the organisation as a checked tree (one root, known parents, no cycles).
//! - [`figures`]: the statistics of a released unit-week.

pub mod figures;
pub mod units;

pub use figures::{Band, Contribution, Figures, Totals};
pub use units::{TreeError, UnitIndex, UnitTree};
