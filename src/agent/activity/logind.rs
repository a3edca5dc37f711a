//! systemd-logind on the system bus: our session's `LockedHint`, the Manager's
//! `PrepareForSleep`, and, when nothing better runs, the session's `IdleHint` as input.
//! All by signal. The desktop sets IdleHint after its own idle delay (and KDE never does), so
//! it is only a last resort.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use zbus::proxy::{CacheProperties, PropertyStream};
use zbus::zvariant::OwnedObjectPath;
use zbus::{Connection, proxy};

use super::{Out, Reported, Signal, Stop};

#[proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1",
    gen_blocking = false
)]
trait Manager {
    fn get_session(&self, session_id: &str) -> zbus::Result<OwnedObjectPath>;

    fn get_user(&self, uid: u32) -> zbus::Result<OwnedObjectPath>;

    fn list_users(&self) -> zbus::Result<Vec<(u32, String, OwnedObjectPath)>>;

    fn list_sessions(&self) -> zbus::Result<Vec<(String, u32, String, String, OwnedObjectPath)>>;

    #[zbus(signal)]
    fn prepare_for_sleep(&self, start: bool) -> zbus::Result<()>;
}

#[proxy(
    interface = "org.freedesktop.login1.Session",
    default_service = "org.freedesktop.login1",
    gen_blocking = false
)]
trait Session {
    #[zbus(property)]
    fn id(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn locked_hint(&self) -> zbus::Result<bool>;

    #[zbus(property)]
    fn idle_hint(&self) -> zbus::Result<bool>;

    /// Microseconds since the epoch of the last IdleHint change.
    #[zbus(property)]
    fn idle_since_hint(&self) -> zbus::Result<u64>;
}

#[proxy(
    interface = "org.freedesktop.login1.User",
    default_service = "org.freedesktop.login1",
    gen_blocking = false
)]
trait User {
    /// The user's graphical session: (id, path), or ("", "/") when there is none.
    #[zbus(property)]
    fn display(&self) -> zbus::Result<(String, OwnedObjectPath)>;
}

/// Finds our session: by `XDG_SESSION_ID`, else logind's "auto" (the caller's session or
/// the user's graphical one), else the user's `Display` session, else any session of ours.
/// Every candidate is checked to exist: some logind look-alikes hand out paths blindly.
pub(crate) async fn find_session(
    system: &Connection,
    session_id: Option<&str>,
) -> Result<OwnedObjectPath, String> {
    let manager = ManagerProxy::new(system).await.map_err(|e| e.to_string())?;
    if let Some(id) = session_id
        && let Some(path) = resolve(system, &manager, id).await
    {
        return Ok(path);
    }
    // Signals come from the real path, never "auto": look it up again by its id.
    if let Ok(id) = session_id_at(system, "/org/freedesktop/login1/session/auto").await
        && let Some(path) = resolve(system, &manager, &id).await
    {
        return Ok(path);
    }
    let uid = rustix::process::getuid().as_raw();
    if let Some(user) = user_path(&manager, uid).await
        && let Ok(user) = UserProxy::builder(system).path(user)
        && let Ok(user) = user.cache_properties(CacheProperties::No).build().await
        && let Ok((id, _)) = user.display().await
        && !id.is_empty()
        && let Some(path) = resolve(system, &manager, &id).await
    {
        return Ok(path);
    }
    let sessions = manager
        .list_sessions()
        .await
        .map_err(|e| format!("ListSessions: {e}"))?;
    for (id, session_uid, ..) in sessions {
        if session_uid == uid
            && let Some(path) = resolve(system, &manager, &id).await
        {
            return Ok(path);
        }
    }
    Err(format!("no session for uid {uid}"))
}

/// The user's object: `GetUser`, else found in `ListUsers` (dbusmock's `GetUser` is broken).
async fn user_path(manager: &ManagerProxy<'_>, uid: u32) -> Option<OwnedObjectPath> {
    if let Ok(path) = manager.get_user(uid).await {
        return Some(path);
    }
    let users = manager.list_users().await.ok()?;
    users.into_iter().find(|u| u.0 == uid).map(|u| u.2)
}

async fn resolve(
    system: &Connection,
    manager: &ManagerProxy<'_>,
    id: &str,
) -> Option<OwnedObjectPath> {
    let path = manager.get_session(id).await.ok()?;
    let found = session_id_at(system, path.as_str()).await.ok()?;
    (found == id).then_some(path)
}

async fn session_id_at(system: &Connection, path: &str) -> zbus::Result<String> {
    SessionProxy::builder(system)
        .path(path)?
        .cache_properties(CacheProperties::No)
        .build()
        .await?
        .id()
        .await
}

/// Subscribed to our session and the Manager, ready to run.
pub struct Logind {
    session: SessionProxy<'static>,
    locked: PropertyStream<'static, bool>,
    sleep: PrepareForSleepStream,
    /// Present when logind is also the input source.
    idle: Option<PropertyStream<'static, bool>>,
}

pub(crate) async fn open(
    system: &Connection,
    session: OwnedObjectPath,
    idle_hint: bool,
) -> Result<Logind, String> {
    let e = |e: zbus::Error| e.to_string();
    let manager = ManagerProxy::new(system).await.map_err(e)?;
    let sleep = manager.receive_prepare_for_sleep().await.map_err(e)?;
    let session = SessionProxy::builder(system)
        .path(session)
        .map_err(e)?
        .build()
        .await
        .map_err(e)?;
    let locked = session.receive_locked_hint_changed().await;
    let idle = match idle_hint {
        true => Some(session.receive_idle_hint_changed().await),
        false => None,
    };
    Ok(Logind {
        session,
        locked,
        sleep,
        idle,
    })
}

impl Logind {
    /// Property streams yield the current value first: that is the initial state.
    pub(crate) async fn run(mut self, out: Out) -> Result<(), Stop> {
        let mut locked = None;
        let mut reported = Reported::default();
        loop {
            tokio::select! {
                changed = self.locked.next() => {
                    let Some(changed) = changed else { return Err(closed()) };
                    // A missing or oddly typed property is ignored, not fatal.
                    if let Ok(now) = changed.get().await
                        && locked != Some(now)
                    {
                        locked = Some(now);
                        out.send(Signal::Locked { locked: now, at: out.now() })?;
                    }
                }
                sleep = self.sleep.next() => {
                    let Some(sleep) = sleep else { return Err(closed()) };
                    if let Ok(args) = sleep.args() {
                        out.send(Signal::Sleeping { sleeping: args.start, at: out.now() })?;
                    }
                }
                Some(changed) = next(&mut self.idle) => {
                    if let Ok(idle) = changed.get().await {
                        // Read after the change: logind sends both in one PropertiesChanged,
                        // and the proxy's cache takes the whole message before waking us.
                        let since = self.session.idle_since_hint().await.ok();
                        let at = instant(since, &out);
                        match idle {
                            true => reported.idle(&out, at)?,
                            false => reported.active(&out, at)?,
                        }
                    }
                }
            }
        }
    }
}

async fn next<S: StreamExt + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

fn closed() -> Stop {
    Stop::Failed("system bus closed".into())
}

/// IdleSinceHint as an instant; 0 (never changed) or a future time means "now".
fn instant(usec: Option<u64>, out: &Out) -> DateTime<Utc> {
    let now = out.now();
    usec.filter(|&u| u > 0)
        .and_then(|u| i64::try_from(u).ok())
        .and_then(DateTime::from_timestamp_micros)
        .filter(|&t| t <= now)
        .unwrap_or(now)
}
