//! Pausing sync while quiet: Syncthing over its REST API, systemd user units over D-Bus, and
//! the worker's own commands. Each `[[sync]]` entry becomes one [`crate::hold::Holder`].

pub mod command;
mod http;
pub mod syncthing;
pub mod systemd;

use std::sync::Arc;

use crate::config::quiet::SyncSpec;
use crate::fetch::Fetch;
use crate::hold::Holder;

/// The holder for one `[[sync]]` entry. `session` is the agent's session bus, where the
/// systemd user manager answers; `fetch` makes Syncthing's REST requests.
pub fn holder(
    spec: &SyncSpec,
    session: &zbus::Connection,
    fetch: Arc<dyn Fetch>,
) -> Box<dyn Holder> {
    match spec {
        SyncSpec::Syncthing {
            url,
            api_key,
            config_xml,
            devices,
        } => Box::new(syncthing::Syncthing::new(
            url,
            api_key.clone(),
            config_xml.clone(),
            devices.clone(),
            fetch,
        )),
        SyncSpec::Systemd { unit } => Box::new(systemd::SystemdUnit::new(unit, session.clone())),
        SyncSpec::Command {
            on_hold,
            on_release,
            timeout,
        } => Box::new(command::Commands::new(on_hold, on_release, *timeout)),
    }
}
