//! The team dashboard (`clockoff-dashboard`): the release rule, and the service built on it.
//!
//! The release rule ([`rule`]: pure, no storage, no HTTP, no clock), which unit-weeks a
//! manager may see:
//! - [`rule::units`]: the organisation as a checked tree (one root, known parents, no cycles).
//! - [`rule::release`]: the rule, on reporter counts alone, O(units) per week.
//! - [`rule::figures`]: the statistics of a released unit-week.
//! - [`rule::week`]: one week's contributions in, every unit's [`Outcome`] out.
//! - [`rule::window`] (which weeks are accepted) and [`rule::publication`] (a week's release
//!   as stored once published).
//!
//! The service: [`config`] (the TOML file), [`service`] (what it is configured with),
//! [`org`] (units with names), [`token`] and [`auth`] (who is asking), [`issuer`] (the week
//! tokens' keys: one report per enrolled laptop per week), [`store`] (storage
//! behind a trait), [`history`] (stored reports to weekly outcomes, for the API and the
//! pages), [`retention`] (old reports deleted), [`api`] (the JSON handlers), [`web`] (the
//! pages) and [`sessions`] (their sign-in sessions), [`server`] (routes and the serve loop),
//! [`malformed`] (request heads hyper would refuse, refused in JSON first), [`access_log`],
//! and [`cli`] (the binary's commands).
//!
//! A unit's population is everyone who reported directly in it or in any unit below it: a
//! team below k is "rolled into" its parent simply by not being shown on its own.
//!
//! # What is released, for differencing purposes
//! Every released figure is either additive over the unit's population (the reporter count;
//! the counts with any out-of-hours, weekend or late-evening work; the band counts; the sum
//! of each field) or derived from additive numbers and the count (shares, means: a mean of n
//! released beside n *is* the sum). So we treat each released unit as releasing the sums over
//! its population of arbitrary per-person values, and ask what any combination of those sums
//! can reveal. The median is the one non-additive figure; see the limits below.
//!
//! # Guarantee within one week (proved here, brute-forced in the tests)
//! Units form a tree, so two units are either nested or disjoint. Split the reporters into
//! *atoms*: two people are in the same atom when exactly the same released units contain
//! them. For a released unit `u` its atom is its *residual*: the people in `u` not in any
//! released unit below `u`. People in no released unit form no atom (nothing covers them).
//! Every released sum is the sum of the atom sums below it, and conversely each atom sum is
//! `u` minus its nearest released descendants, so the released numbers and the atom sums
//! carry exactly the same information: any number derivable from the released ones by
//! adding, subtracting or scaling (parent minus visible children, grandparent minus a parent
//! and some cousins, ...) is a combination of atom sums, and the people it depends on are a
//! union of whole atoms. So:
//!
//! > if every released unit has population >= k and residual 0 or >= k, then every number
//! > derivable from one week's released numbers describes 0 or >= k people.
//!
//! The rule ([`rule::release::decide`]) keeps exactly that invariant, walking children before
//! parents. Suppressing a released unit adds its residual (0 or >= k) to its nearest released
//! ancestor's, and a sum of numbers each 0 or >= k is 0 or >= k, so later suppressions never
//! break a unit already decided. At each unit: below k people, suppress it (its people pass
//! up to the parent's residual); residual 0 or >= k, release it; otherwise suppress the
//! smallest released child whose residual is >= k (one always suffices: 1 + k > k), and if no
//! child qualifies, suppress the unit itself and pass its residual up. It is simple and
//! deterministic, not minimal: sometimes hiding a grandchild would have kept more on show.
//!
//! # Across weeks: what is not guaranteed, and why no rule here could
//! Pseudonyms are per week, so the server cannot tell who reported in two weeks, and each
//! week's values are a new week's measurements. A manager who knows that exactly one person
//! joined a team, and who assumes everyone else worked the same as last week, can estimate
//! the newcomer's figures as this week's sum minus last week's: exact only if that
//! assumption holds, wrong by the sum of everyone else's week-to-week changes otherwise.
//! Suppression cannot stop this. The server sees counts, not membership: one leaver and one
//! joiner leave the count unchanged, so a rule such as "consecutive weeks' counts differ by
//! 0 or by k or more" misses them, and it would also hide most weeks of most units, whose
//! counts move by one or two with leave and sickness. A real guarantee across weeks needs noise
//! (differential privacy) or fewer releases (multi-week windows); that is a project decision,
//! not made here. What this module does guarantee across weeks: the rule is stateless, so
//! each week separately has the guarantee above, whatever other weeks released.
//!
//! # The same week, released twice (guaranteed: each week is published once)
//! Two releases of one week that differ by a few people would show those people by
//! subtraction, however many each release covers on its own: a team shown with 10 reporters
//! on Monday and 11 on Thursday has had one report added, everyone else's unchanged. The rule
//! above cannot see that, so a week is released only once. It takes reports for
//! `weeks_accepted` weeks after it ends and is published an hour after that
//! ([`rule::window::published_at`]); until then every unit is "not published yet". Its release is
//! stored ([`rule::publication`]) and read back from then on ([`history`]): a report that arrives
//! late is refused (and, if one were stored, never counted), and a restart, a second
//! dashboard on the database, a reorganisation of the units, another k or a longer
//! `weeks_accepted` all show the week as first published. Every read of a week therefore
//! shows one release or none, which `history`'s property test checks over random late
//! arrivals, reads, restarts and configuration changes. The cost is time: figures appear
//! `weeks_accepted` weeks after the week, and reports later than that are never counted.
//!
//! # Other limits
//! - A median is one reporter's value (or the mean of two), not tied to anyone; medians are
//!   not additive, so the argument above does not cover them, and released medians of nested
//!   units can narrow where values lie within a residual group of >= k.
//! - A count of k people "describes" k people, but if all but one of them are 0 (on-call
//!   call-outs, say), the sum is that one person's value to anyone who knows who was on
//!   call. The rule counts reporters, not contributors; a dominance rule (suppress sums that
//!   one or two contributors make up) is not applied.
//! - A band count or share of 1 says that one of the group is in that band, not which one.
//! - The reason a unit is suppressed tells whether it has fewer than k reporters.

pub mod access_log;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod history;
pub mod issuer;
pub mod malformed;
pub mod org;
pub mod pages;
pub mod retention;
pub mod rule;
pub mod server;
pub mod service;
pub mod sessions;
pub mod store;
pub mod token;
pub mod web;

#[cfg(test)]
mod proptests;

pub use rule::figures::{Band, Contribution, Figures, Totals};
pub use rule::release::{Decision, Reason, Threshold, ThresholdError};
pub use rule::units::{TreeError, UnitIndex, UnitTree};
pub use rule::week::{Outcome, Release, UnknownUnit, Week};
