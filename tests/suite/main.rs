//! The agent's and the record's tests in one binary (one link instead of one per file): each
//! module is one subject, against real peers (clockoff-testrig) and the real `clockoff`.
// A scenario test reads top to bottom, as the worker lives it: length is not a smell here.
#![allow(clippy::too_many_lines)]

mod support;

mod activity;
mod agent;
mod calendar;
mod chain;
mod cli;
mod config_errors;
mod corrections;
mod dst;
mod export;
mod holidays;
mod leave;
mod ledger;
mod notification_servers;
mod packages;
mod properties;
mod quiet;
mod report;
mod report_e2e;
mod retention;
mod schedule_layers;
mod setup;
mod sync;
mod toil;
mod tray;
mod upload;
mod wayland;
mod week;
