//! A private D-Bus daemon: its own socket, its own (test-owned) service directory, and an
//! isolated HOME and XDG dirs, since activated services inherit the bus's environment.

use super::CleanEnv;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Missing;
use super::process::{Peer, find_program};
use super::tmp::{TempDir, subdir, temp_dir};

#[derive(Debug)]
pub struct DbusDaemon {
    // Field order: the daemon is killed before its directory is removed.
    #[allow(dead_code)] // held for its Drop
    peer: Peer,
    address: String,
    dir: TempDir,
}

impl DbusDaemon {
    pub fn start() -> Result<Self, Missing> {
        Self::start_with(false)
    }

    /// A bus every uid may use, for peers that must run unprivileged (sway's clients, as
    /// `nobody`) beside the test's own processes.
    pub fn start_open() -> Result<Self, Missing> {
        Self::start_with(true)
    }

    fn start_with(open: bool) -> Result<Self, Missing> {
        use std::os::unix::fs::PermissionsExt;
        let program = find_program("dbus-daemon")?;
        let dir = temp_dir("bus");
        if open {
            // Others may reach the socket inside, not list or read the folder.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711))
                .expect("bus folder mode");
        }
        let services = subdir(dir.path(), "services");
        let config = dir.path().join("bus.conf");
        let text = config_text(dir.path(), &services, open);
        std::fs::write(&config, text).expect("write bus.conf");
        let mut cmd = Command::new(program);
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"]);
        isolate(&mut cmd, &dir);
        let mut peer = Peer::spawn(cmd, "dbus-daemon", &dir.path().join("bus.log"), true);
        let address = peer.first_line();
        Ok(Self { peer, address, dir })
    }

    /// The bus address, for DBUS_SESSION_BUS_ADDRESS or DBUS_SYSTEM_BUS_ADDRESS.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The only directory the bus activates services from: write `.service` files here.
    pub fn service_dir(&self) -> PathBuf {
        self.dir.path().join("services")
    }

    /// The isolated HOME the bus (and anything it activates) runs with.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A scratch directory that lives as long as the bus.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Environment for a child process that should use this bus as its session bus, with the
    /// same isolated HOME and XDG dirs.
    pub fn session_env(&self) -> Vec<(String, String)> {
        let mut env = xdg_env(&self.dir);
        env.push(("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone()));
        env
    }

    pub async fn connect(&self) -> zbus::Connection {
        let connect = async {
            zbus::connection::Builder::address(self.address.as_str())?
                .build()
                .await
        };
        match tokio::time::timeout(super::DEADLINE, connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => panic!("connecting to {}: {e}", self.address),
            Err(_) => panic!("connecting to {}: no answer", self.address),
        }
    }

    /// Waits until `name` has an owner on this bus; panics (showing `peer`'s log) if `peer`
    /// exits first or the deadline passes.
    pub async fn wait_for_name(&self, name: &str, peer: &mut Peer) {
        let conn = self.connect().await;
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("DBus proxy");
        let name = zbus::names::BusName::try_from(name.to_string()).expect("bus name");
        let start = std::time::Instant::now();
        while !dbus.name_has_owner(name.clone()).await.unwrap_or(false) {
            peer.check_running();
            if start.elapsed() > super::DEADLINE {
                peer.fail(&format!("did not take {name} in time"));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// HOME and the XDG base dirs inside `dir`, for the bus and the peers it serves.
pub fn xdg_env(dir: &TempDir) -> Vec<(String, String)> {
    let path = |name: &str| subdir(dir.path(), name).display().to_string();
    vec![
        ("HOME".into(), path("home")),
        ("XDG_CONFIG_HOME".into(), path("home/.config")),
        ("XDG_DATA_HOME".into(), path("home/.local/share")),
        ("XDG_CACHE_HOME".into(), path("home/.cache")),
        ("XDG_STATE_HOME".into(), path("home/.local/state")),
        ("XDG_RUNTIME_DIR".into(), path("runtime")),
    ]
}

/// A clean environment: PATH, and HOME/XDG inside `dir`.
pub fn isolate(cmd: &mut Command, dir: &TempDir) {
    cmd.clean_env();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(xdg_env(dir));
}

fn config_text(dir: &Path, services: &Path, open: bool) -> String {
    // Without it, dbus-daemon lets only its own uid connect.
    let every_user = if open { r#"<allow user="*"/>"# } else { "" };
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={dir}/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    {every_user}
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        dir = dir.display(),
        services = services.display()
    )
}
