//! clockoff: a right-to-disconnect agent. The library holds everything; the binaries parse
//! arguments and call in.

pub mod agent;
pub mod cli;
pub mod config;
pub mod core;
pub mod dashboard;
pub mod desktop;
pub mod export;
pub mod hold;
pub mod html;
pub mod record;
pub mod report;
pub mod store;
pub mod sync;
pub mod tray;
pub mod upload;
