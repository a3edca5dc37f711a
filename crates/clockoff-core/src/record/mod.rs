//! The worker's own record, computed from what the ledger holds: time per day and per ISO
//! week ([`day`], [`week`]), time off in lieu ([`toil`]) and the Working Time Regulations checks ([`wtr`]). Pure: the
//! ledger's rows come in, figures go out, so every rule is tested with hand-made weeks.

pub mod day;
pub mod keep;
pub mod manual;
pub mod toil;
pub mod week;
pub mod wtr;

use super::activity::Class;
use super::spans::Span;

/// Where a stretch of work comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Time at the laptop, measured, in the class the schedule gave it.
    Measured(Class),
    /// Time the worker logged themselves (a visit, a call away from the laptop).
    Manual,
}

/// One stretch of work as the ledger has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    pub span: Span,
    pub source: Source,
}

pub use manual::{Logged, Superseded};

/// All recorded work as one sorted list of disjoint spans (overlaps and touching spans
/// merged): working time for the regulations, whatever its source.
pub fn merged(work: &[Work]) -> Vec<Span> {
    let mut spans: Vec<Span> = work
        .iter()
        .map(|w| w.span)
        .filter(|s| s.start < s.end)
        .collect();
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}
