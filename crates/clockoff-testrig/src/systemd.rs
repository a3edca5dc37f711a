//! A systemd user manager stand-in: python-dbusmock's `systemd` template on the test's
//! session bus (no systemd runs here, so there is no real one to start).
//!
//! What the template does (dbusmock 0.28): `GetUnit` returns a unit added with
//! [`SystemdMock::add_unit`]; `StopUnit` and `StartUnit` return a job path and set the unit's
//! `ActiveState` to "inactive" / "active" at once, emitting JobNew/JobRemoved. What it does
//! not: `GetUnit` for an unknown unit raises a Python KeyError where systemd answers
//! `NoSuchUnit` (so the LoadUnit fallback is not exercised), there is no `LoadUnit`, no
//! failing jobs, and the mode argument is ignored.

use super::Missing;
use super::bus::DbusDaemon;
use super::dbusmock;
use super::process::Peer;
use super::tmp::TempDir;

pub const SYSTEMD: &str = "org.freedesktop.systemd1";
pub const MANAGER: &str = "/org/freedesktop/systemd1";
const MOCK: &str = "org.freedesktop.DBus.Mock";

#[derive(Debug)]
pub struct SystemdMock {
    conn: zbus::Connection,
    mock: Peer,
    #[allow(dead_code)] // held for its Drop
    dir: TempDir,
}

impl SystemdMock {
    /// Starts the mock on `bus` (a session bus) and waits until it owns its name.
    pub async fn start(bus: &DbusDaemon) -> Result<Self, Missing> {
        // --session overrides the template's own choice of the system bus.
        let (mut cmd, dir) = dbusmock::command("systemd", "--session")?;
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus.address());
        let mut mock = Peer::spawn(cmd, "dbusmock systemd", &dir.path().join("mock.log"), false);
        bus.wait_for_name(SYSTEMD, &mut mock).await;
        let conn = bus.connect().await;
        Ok(Self { conn, mock, dir })
    }

    /// Adds a unit, inactive, as if its unit file were installed.
    pub async fn add_unit(&self, unit: &str) {
        self.call(MANAGER, MOCK, "AddMockUnit", &(unit,)).await;
    }

    /// Starts a unit as the worker (or the login) would.
    pub async fn start_unit(&self, unit: &str) {
        let manager = "org.freedesktop.systemd1.Manager";
        self.call(MANAGER, manager, "StartUnit", &(unit, "replace"))
            .await;
    }

    /// The unit's ActiveState, read as `systemctl --user is-active` would.
    pub async fn active_state(&self, unit: &str) -> String {
        let manager = "org.freedesktop.systemd1.Manager";
        let reply = self.call(MANAGER, manager, "GetUnit", &(unit,)).await;
        let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize().expect("unit path");
        let reply = self
            .call(
                path.as_str(),
                "org.freedesktop.DBus.Properties",
                "Get",
                &("org.freedesktop.systemd1.Unit", "ActiveState"),
            )
            .await;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize().expect("a variant");
        String::try_from(value).expect("ActiveState is a string")
    }

    async fn call<B>(&self, path: &str, iface: &str, method: &str, body: &B) -> zbus::Message
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        let call = self
            .conn
            .call_method(Some(SYSTEMD), path, Some(iface), method, body);
        match tokio::time::timeout(super::DEADLINE, call).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => self.mock.fail(&format!("{method} on {path}: {e}")),
            Err(_) => self.mock.fail(&format!("{method} on {path}: no answer")),
        }
    }
}
