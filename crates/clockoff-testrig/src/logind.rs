//! A private system bus with python-dbusmock's logind template on it, and controls for what a
//! desktop and the kernel would do: add a session, lock it, mark it idle, sleep and resume.
//!
//! Point code at it with `DBUS_SYSTEM_BUS_ADDRESS` = [`Logind::address`], or connect directly.
//! Template quirks (dbusmock 0.28): `GetSession`/`GetUser` return a path for any id, existing
//! or not; there is no `session/auto`; a user's `Display` stays ("", "/") unless set; the
//! session's `SetIdleHint` method changes nothing (use [`Logind::set_idle`]).

use std::collections::HashMap;

use zbus::zvariant::{ObjectPath, OwnedObjectPath, Value};

use super::bus::DbusDaemon;
use super::dbusmock;
use super::process::Peer;
use super::tmp::TempDir;
use super::{DEADLINE, Missing};

const LOGIND: &str = "org.freedesktop.login1";
const MANAGER: &str = "/org/freedesktop/login1";
const MOCK: &str = "org.freedesktop.DBus.Mock";

#[derive(Debug)]
pub struct Logind {
    // Field order: the mock goes before its bus, the bus before the directory.
    conn: zbus::Connection,
    mock: Peer,
    bus: DbusDaemon,
    #[allow(dead_code)] // held for its Drop
    dir: TempDir,
}

impl Logind {
    pub async fn start() -> Result<Self, Missing> {
        let (mut cmd, dir) = dbusmock::command("logind", "--system")?;
        let bus = DbusDaemon::start()?;
        cmd.env("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
        let mut mock = Peer::spawn(cmd, "dbusmock logind", &dir.path().join("mock.log"), false);
        bus.wait_for_name(LOGIND, &mut mock).await;
        let conn = bus.connect().await;
        Ok(Self {
            conn,
            mock,
            bus,
            dir,
        })
    }

    /// The system bus address: set `DBUS_SYSTEM_BUS_ADDRESS` to this.
    pub fn address(&self) -> &str {
        self.bus.address()
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![("DBUS_SYSTEM_BUS_ADDRESS".into(), self.address().to_string())]
    }

    /// A fresh connection to the system bus, for the code under test.
    pub async fn connect(&self) -> zbus::Connection {
        self.bus.connect().await
    }

    /// Adds session `id` on seat0 for `uid` (creating the user), returning its path.
    pub async fn add_session(&self, id: &str, uid: u32, active: bool) -> OwnedObjectPath {
        let path: String = self
            .mock(MANAGER, "AddSession", &(id, "seat0", uid, "tester", active))
            .await
            .body()
            .deserialize()
            .expect("AddSession returns a path");
        OwnedObjectPath::try_from(path).expect("session path")
    }

    /// Sets the session's LockedHint, as a desktop does on lock and unlock.
    pub async fn set_locked(&self, id: &str, locked: bool) {
        self.update(
            &session_path(id),
            "org.freedesktop.login1.Session",
            [("LockedHint", Value::from(locked))],
        )
        .await;
    }

    /// Sets the session's IdleHint and IdleSinceHint (µs since the epoch) together, in one
    /// PropertiesChanged, as logind does.
    pub async fn set_idle(&self, id: &str, idle: bool, since_usec: u64) {
        self.update(
            &session_path(id),
            "org.freedesktop.login1.Session",
            [
                ("IdleHint", Value::from(idle)),
                ("IdleSinceHint", Value::from(since_usec)),
            ],
        )
        .await;
    }

    /// Makes session `id` the user's graphical (`Display`) session; `None` clears it.
    pub async fn set_display_session(&self, uid: u32, id: Option<&str>) {
        let (id, path) = match id {
            Some(id) => (id.to_string(), session_path(id)),
            None => (String::new(), "/".to_string()),
        };
        let path = ObjectPath::try_from(path).expect("path");
        // Properties.Set, not the mock's UpdateProperties: that fails on struct values.
        let body = (
            "org.freedesktop.login1.User",
            "Display",
            Value::from((id, path)),
        );
        let user = format!("{MANAGER}/user/{uid}");
        let set = self.conn.call_method(
            Some(LOGIND),
            user.as_str(),
            Some("org.freedesktop.DBus.Properties"),
            "Set",
            &body,
        );
        match tokio::time::timeout(DEADLINE, set).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => self.mock.fail(&format!("Set Display on {user}: {e}")),
            Err(_) => self.mock.fail(&format!("Set Display on {user}: no answer")),
        }
    }

    /// Emits the Manager's PrepareForSleep: `true` before suspend, `false` on resume.
    pub async fn prepare_for_sleep(&self, sleeping: bool) {
        let args = vec![Value::from(sleeping)];
        self.mock(
            MANAGER,
            "EmitSignal",
            &(
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                "b",
                args,
            ),
        )
        .await;
    }

    async fn update<const N: usize>(&self, path: &str, iface: &str, props: [(&str, Value<'_>); N]) {
        let props: HashMap<&str, Value<'_>> = props.into_iter().collect();
        self.mock(path, "UpdateProperties", &(iface, props)).await;
    }

    /// Calls a method of dbusmock's control interface on `path`.
    async fn mock<B>(&self, path: &str, method: &str, body: &B) -> zbus::Message
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        let call = self
            .conn
            .call_method(Some(LOGIND), path, Some(MOCK), method, body);
        match tokio::time::timeout(DEADLINE, call).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => self.mock.fail(&format!("{method} on {path}: {e}")),
            Err(_) => self.mock.fail(&format!("{method} on {path}: no answer")),
        }
    }
}

pub fn session_path(id: &str) -> String {
    format!("{MANAGER}/session/{id}")
}

/// The uid of this process, which is what the code under test looks sessions up by.
pub fn my_uid() -> u32 {
    rustix::process::getuid().as_raw()
}
