//! Pausing sync while quiet: Syncthing over its REST API, systemd user units over D-Bus, and
//! the worker's own commands. Each `[[sync]]` entry becomes one [`crate::hold::Holder`].

mod http;
pub mod syncthing;
