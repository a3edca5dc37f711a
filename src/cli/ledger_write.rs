//! Writing an entry to the ledger from a command (`log`, `toil take`). Only one process may
//! write the ledger: while the agent runs (it holds the ledger's lock) the entry goes to it
//! over D-Bus, chained like its own; otherwise this process takes the same lock and writes the
//! ledger itself. Either way the entry and its chain link commit together or not at all.

use std::path::Path;

use super::{Failure, agent_cmd, ledger_path};
use crate::agent::bus::AgentProxy;
use crate::ledger::{Ledger, StoreError};
use crate::ledger::{LockError, lock};

/// Who wrote it, in the words the commands print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    Agent,
    Direct,
}

impl Route {
    pub(super) fn words(self) -> &'static str {
        match self {
            Route::Agent => "recorded by the running agent",
            Route::Direct => "written to your ledger",
        }
    }
}

/// Writes through the agent (`by_agent`) when it holds the ledger, else opens the ledger and
/// runs `direct` on it. Both return the new row's id as text ("#14"). A refusal (an entry
/// that does not exist, or was already corrected) is a usage error: exit 2, nothing written.
pub(super) fn write<D, DFut, A, AFut>(direct: D, by_agent: A) -> Result<(String, Route), Failure>
where
    D: FnOnce(Ledger) -> DFut,
    DFut: Future<Output = Result<String, StoreError>>,
    A: FnOnce(AgentProxy<'static>) -> AFut,
    AFut: Future<Output = zbus::Result<String>>,
{
    let path = ledger_path()?;
    match lock(&path) {
        Ok(lock) => {
            let id = write_directly(&path, direct)?;
            drop(lock);
            Ok((id, Route::Direct))
        }
        // The agent holds the ledger: it writes the entry, chained like its own.
        Err(LockError::InUse(_)) => {
            let id = agent_cmd::call(by_agent).map_err(|failure| match failure {
                // The lock is held but no agent answers here: it runs in another session (or
                // this one's bus is unreachable). Say so; writing beside it would corrupt.
                Failure::Runtime(why) => Failure::Runtime(format!(
                    "a clockoff agent is keeping the ledger at {}, but it could not be reached \
                     from here, so nothing was recorded: {why}",
                    path.display()
                )),
                usage => usage,
            })?;
            Ok((id, Route::Agent))
        }
        Err(e) => Err(Failure::Runtime(e.to_string())),
    }
}

/// No agent runs and this process holds the lock: open the ledger as the agent would.
fn write_directly<D, DFut>(path: &Path, direct: D) -> Result<String, Failure>
where
    D: FnOnce(Ledger) -> DFut,
    DFut: Future<Output = Result<String, StoreError>>,
{
    let failed = |e: StoreError| {
        if e.is_refusal() {
            Failure::Usage(e.to_string())
        } else {
            Failure::Runtime(format!("writing the ledger: {e}"))
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let (ledger, _) = Ledger::open(path).await.map_err(failed)?;
        let result = direct(ledger.clone()).await;
        ledger.close().await.map_err(failed)?;
        result.map_err(failed)
    })
}
