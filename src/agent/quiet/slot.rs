//! One holder's life: a task that holds or releases as told, remembers in the ledger what
//! each hold changed before moving on, and retries with backoff when the holder fails. Each
//! holder has its own task, so one that fails or hangs never holds up the others.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use crate::agent::sleep_for;
use crate::core::clock::Clock;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};
use crate::ledger::{Ledger, SavedHold};

/// What the quiet-hours task wants of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Hold,
    Release,
    /// The entry left (or changed in) the config: release, retrying as needed, then end.
    Retire,
    /// The agent is stopping: release once, then end.
    Stop,
}

/// Where a slot gets its holder: the same one always (sync), or found afresh each time it
/// is needed (notifications: the server can restart as a different one).
pub type FindHolder =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Arc<dyn Holder>, HoldError>> + Send + Sync>;

/// What `clockoff status` shows for one holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotStatus {
    pub key: String,
    /// The holder found, e.g. "dunst"; `None` until one has been.
    pub holder: Option<String>,
    pub held: bool,
    /// Held, but by the worker's own setting (do-not-disturb already on): we changed nothing.
    pub held_by_worker: bool,
    pub error: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
}

/// A saved hold as stored: who made it (the holder's name) and what it changed.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    by: String,
    undo: Undo,
}

pub struct Slot {
    pub key: String,
    pub find: FindHolder,
    pub want: watch::Receiver<Want>,
    /// For the notification server's slot: bumped when the server changed owner (it
    /// restarted). Its hold is put on again then, and at start, since a new process may
    /// know nothing of it (KDE drops an inhibition when its client leaves). Sync slots
    /// have none: their holds outlive the processes involved.
    pub restarted: Option<watch::Receiver<u64>>,
    /// For the notification server's slot: bumped when an urgent notification arrives, to
    /// be let through ([`Holder::let_through`]) while this slot's own hold is on.
    pub urgent: Option<watch::Receiver<u64>>,
    pub ledger: Ledger,
    pub clock: Arc<dyn Clock>,
    pub report: watch::Sender<SlotStatus>,
    /// What the last run left held, from the ledger.
    pub saved: Option<SavedHold>,
}

/// Retries start at 1 s and double up to 5 minutes.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(300);
/// No single hold or release may take longer (a command hook's own timeout is at most 10 m).
const STEP_LIMIT: Duration = Duration::from_secs(15 * 60);

impl Slot {
    pub async fn run(mut self) {
        let mut holding: Option<Stored> = self.saved.take().and_then(|saved| {
            serde_json::from_str(&saved.undo)
                .inspect_err(|e| {
                    tracing::warn!(
                        "the saved hold for {} cannot be read ({e}); forgetting it",
                        self.key
                    );
                })
                .ok()
        });
        let mut holder: Option<Arc<dyn Holder>> = None;
        let mut retry = FIRST_RETRY;
        let mut failed: Option<String>;
        let mut reapply = holding.is_some() && self.restarted.is_some();
        loop {
            let want = *self.want.borrow_and_update();
            let hold = want == Want::Hold;
            if hold == holding.is_some() && !(hold && reapply) {
                // Nothing to do: whatever failed before is now as wanted.
                failed = None;
            } else {
                let step = async {
                    let found = match &holder {
                        Some(h) => h.clone(),
                        None => (self.find)().await?,
                    };
                    // Set only once found: a failure with none says the finding failed.
                    holder = Some(found.clone());
                    if hold {
                        self.hold(&*found, &mut holding, reapply).await
                    } else {
                        self.release(&*found, &mut holding).await
                    }
                };
                let result = match tokio::time::timeout(STEP_LIMIT, step).await {
                    Ok(result) => result,
                    Err(_) => Err(HoldError(format!(
                        "no answer in {} minutes",
                        STEP_LIMIT.as_secs() / 60
                    ))),
                };
                match result {
                    Ok(()) => {
                        reapply = false;
                        retry = FIRST_RETRY;
                        failed = None;
                    }
                    Err(e) => {
                        // No server to hold (none runs, or one clockoff cannot hold): the
                        // next to start is announced, so wait for that, not a timer (a
                        // session without one must not wake the agent every few seconds).
                        let or_when = if holder.is_none() && self.restarted.is_some() {
                            retry = LAST_RETRY;
                            ", or when a notification server starts"
                        } else {
                            ""
                        };
                        let doing = if hold { "holding" } else { "releasing" };
                        tracing::warn!(
                            "{doing} {}: {e}; trying again in {} s{or_when}",
                            self.key,
                            retry.as_secs()
                        );
                        failed = Some(e.0);
                        // A holder that failed may be gone or replaced: find it again.
                        holder = None;
                    }
                }
            }
            let finished = match want {
                Want::Retire => holding.is_none(),
                // Tried once: a hold left behind stays in the ledger for the next start.
                Want::Stop => holding.is_none() || failed.is_some(),
                Want::Hold | Want::Release => false,
            };
            if finished {
                return;
            }
            let wait = failed.as_ref().map(|_| retry);
            self.publish(&holder, &holding, failed.clone(), wait);
            tokio::select! {
                changed = self.want.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    // Told something new: act at once rather than after the backoff.
                    retry = FIRST_RETRY;
                }
                Ok(()) = restarted(&mut self.restarted) => {
                    holder = None;
                    reapply = holding.is_some();
                }
                Ok(()) = restarted(&mut self.urgent) => {
                    let ours = holding.as_ref().is_some_and(|h| h.undo.changed_something());
                    if let (true, Some(found)) = (ours, &holder) {
                        self.let_through(&**found).await;
                    }
                }
                () = sleep_for(wait) => {
                    retry = (retry * 2).min(LAST_RETRY);
                }
            }
        }
    }

    /// Lets an urgent notification through, unless the hold is to end first (then the loop
    /// releases it as told). The saved hold stays: its undo is the same afterwards.
    async fn let_through(&mut self, holder: &dyn Holder) {
        tracing::info!(
            "an urgent notification arrived: {} lets it through",
            holder.name()
        );
        tokio::select! {
            done = holder.let_through() => if let Err(e) = done {
                tracing::error!("letting an urgent notification through: {e}");
            },
            _ = self.want.changed() => {}
        }
    }

    /// Puts the hold on and saves what it changed. A repeat (after the peer restarted) that
    /// finds everything held keeps what the first hold changed, so it is still undone later.
    async fn hold(
        &self,
        holder: &dyn Holder,
        holding: &mut Option<Stored>,
        reapply: bool,
    ) -> Result<(), HoldError> {
        let undo = holder.hold().await?;
        let by = holder.name();
        let keep_previous = reapply
            && !undo.changed_something()
            && holding
                .as_ref()
                .is_some_and(|h| h.by == by && h.undo.changed_something());
        if !keep_previous {
            *holding = Some(Stored { by, undo });
        }
        let stored = holding.as_ref().expect("set above");
        let text = serde_json::to_string(stored).map_err(|e| HoldError(e.to_string()))?;
        self.ledger
            .save_hold(SavedHold {
                holder: self.key.clone(),
                undo: text,
                since: self.clock.now(),
            })
            .await
            .map_err(|e| HoldError(format!("held, but the ledger could not record it: {e}")))
    }

    async fn release(
        &self,
        holder: &dyn Holder,
        holding: &mut Option<Stored>,
    ) -> Result<(), HoldError> {
        let Some(stored) = holding.as_ref() else {
            return Ok(());
        };
        if stored.by == holder.name() {
            holder.release(&stored.undo).await?;
        } else {
            // Another server now answers (the desktop changed): what the old one held went
            // with it.
            tracing::warn!(
                "{} was held by {}, which no longer runs; nothing to release",
                self.key,
                stored.by
            );
        }
        *holding = None;
        self.ledger
            .forget_hold(&self.key)
            .await
            .map_err(|e| HoldError(format!("released, but the ledger could not record it: {e}")))
    }

    fn publish(
        &self,
        holder: &Option<Arc<dyn Holder>>,
        holding: &Option<Stored>,
        error: Option<String>,
        retry_in: Option<Duration>,
    ) {
        let status = SlotStatus {
            key: self.key.clone(),
            holder: holder
                .as_ref()
                .map(|h| h.name())
                .or_else(|| holding.as_ref().map(|h| h.by.clone())),
            held: holding.is_some(),
            held_by_worker: holding
                .as_ref()
                .is_some_and(|h| !h.undo.changed_something()),
            error,
            retry_at: retry_in
                .map(|d| self.clock.now() + TimeDelta::from_std(d).unwrap_or(TimeDelta::zero())),
        };
        self.report.send_if_modified(|s| {
            let changed = *s != status;
            *s = status;
            changed
        });
    }
}

async fn restarted(
    watch: &mut Option<watch::Receiver<u64>>,
) -> Result<(), watch::error::RecvError> {
    match watch {
        Some(w) => w.changed().await,
        None => std::future::pending().await,
    }
}
