//! A notification server that is nothing but its name: it answers `GetServerInformation` as
//! the named server would, for telling servers apart (GNOME Shell and mako cannot run here;
//! "notification-daemon" stands for one clockoff does not know).

use zbus::{Connection, interface};

use super::DbusDaemon;

pub const NAME: &str = "org.freedesktop.Notifications";
pub const PATH: &str = "/org/freedesktop/Notifications";

#[derive(Debug)]
pub struct NamedServer {
    #[allow(dead_code)] // held for its Drop
    conn: Connection,
}

struct Server {
    name: String,
    vendor: String,
}

impl NamedServer {
    /// Owns org.freedesktop.Notifications, reporting `name` and `vendor`.
    pub async fn start(bus: &DbusDaemon, name: &str, vendor: &str) -> Self {
        let server = Server {
            name: name.into(),
            vendor: vendor.into(),
        };
        let conn = zbus::connection::Builder::address(bus.address())
            .and_then(|b| b.name(NAME))
            .and_then(|b| b.serve_at(PATH, server))
            .expect("named server builder")
            .build()
            .await
            .expect("named server on the bus");
        Self { conn }
    }
}

#[interface(name = "org.freedesktop.Notifications")]
impl Server {
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            self.name.clone(),
            self.vendor.clone(),
            "1.0".into(),
            "1.2".into(),
        )
    }
}
