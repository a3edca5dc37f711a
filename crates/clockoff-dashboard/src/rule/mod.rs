//! The release rule: which unit-weeks a manager may see, and what they show. Pure: no
//! storage, no HTTP, no clock (time comes in as arguments).
//!
//! - [`units`]: the organisation as a checked tree.
//! - [`release`]: the rule, on reporter counts alone.
//! - [`figures`]: the statistics of a released unit-week.
//! - [`week`]: one week's contributions in, every unit's outcome out.
//! - [`window`]: which weeks are accepted, and when a week is published.
//! - [`publication`]: a week's release as it is stored once published.

pub mod figures;
pub mod publication;
pub mod release;
pub mod units;
pub mod week;
pub mod window;
