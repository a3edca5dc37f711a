//! The reference for `scripts/bench-footprint`: the least a session-bus agent built on the
//! same crates can be. A current-thread tokio runtime and zbus 5 serve one trivial object,
//! own a well-known name and wait for SIGTERM or Ctrl-C. Nothing else.

use tokio::signal::unix::{SignalKind, signal};
use zbus::fdo::RequestNameFlags;
use zbus::interface;

const BUS_NAME: &str = "org.clockoff.BareReference";
const OBJECT_PATH: &str = "/org/clockoff/BareReference";

struct Bare;

#[interface(name = "org.clockoff.BareReference")]
impl Bare {
    fn ping(&self) -> &str {
        "pong"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = zbus::Connection::session().await?;
    session.object_server().at(OBJECT_PATH, Bare).await?;
    session
        .request_name_with_flags(BUS_NAME, RequestNameFlags::DoNotQueue.into())
        .await?;
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    session.release_name(BUS_NAME).await?;
    Ok(())
}
