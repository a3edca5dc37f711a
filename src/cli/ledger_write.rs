//! Writing the ledger from a command. Only one process may write it: while the agent runs
//! (it holds the ledger's lock) the change goes to it over D-Bus, chained like its own;
//! otherwise the command takes the same lock and writes the ledger itself.

use std::future::Future;
use std::path::Path;

use super::{Failure, agent_cmd};
use crate::agent::bus::AgentProxy;
use crate::agent::{AgentError, lock_ledger};
use crate::store::{Ledger, StoreError};

/// Who wrote the change, and what came back.
pub(super) enum Written<T> {
    Directly(T),
    /// The running agent's answer.
    ByAgent(String),
}

/// Writes with `direct` when no agent holds the ledger at `path`, else asks the agent with
/// `via_agent`.
pub(super) fn write<T, F, Fut>(
    path: &Path,
    direct: impl AsyncFnOnce(&Ledger) -> Result<T, StoreError>,
    via_agent: F,
) -> Result<Written<T>, Failure>
where
    F: FnOnce(AgentProxy<'static>) -> Fut,
    Fut: Future<Output = zbus::Result<String>>,
{
    match lock_ledger(path) {
        Ok(lock) => {
            let written = write_directly(path, direct);
            drop(lock);
            written.map(Written::Directly)
        }
        Err(AgentError::LedgerInUse(_)) => agent_cmd::call(via_agent)
            .map(Written::ByAgent)
            .map_err(|failure| match failure {
                // The lock is held but no agent answers here: it runs in another session (or
                // this one's bus is unreachable). Say so; writing beside it would corrupt.
                Failure::Runtime(why) => Failure::Runtime(format!(
                    "a clockoff agent is keeping the ledger at {}, but it could not be reached \
                     from here, so nothing was recorded or changed: {why}",
                    path.display()
                )),
                usage => usage,
            }),
        Err(e) => Err(Failure::Runtime(e.to_string())),
    }
}

/// No agent runs and this process holds the lock: open the ledger as the agent would.
fn write_directly<T>(
    path: &Path,
    f: impl AsyncFnOnce(&Ledger) -> Result<T, StoreError>,
) -> Result<T, Failure> {
    let failed = |e: StoreError| Failure::Runtime(format!("writing the ledger: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let (ledger, _) = Ledger::open(path).await.map_err(failed)?;
        let result = f(&ledger).await;
        ledger.close().await.map_err(failed)?;
        result.map_err(failed)
    })
}
