//! Reports are written by one thread that commits them in groups: every report waiting when
//! a commit starts goes into it, each in its own savepoint, and each sender is answered only
//! after the commit that holds its report. Durability is the same as a commit per report
//! (synchronous=FULL, acknowledged after fsync); the cost of an fsync is shared by every
//! agent that sent at the same moment, which is what a Monday-morning burst looks like.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::{Put, StoreError};
use clockoff_core::summary::WeeklySummary;

/// At most this many reports share a commit, so one answer never waits behind a flood.
const GROUP: usize = 256;

struct Job {
    unit: String,
    report: WeeklySummary,
    received: DateTime<Utc>,
    reply: oneshot::Sender<Result<Put, StoreError>>,
}

/// Where reports are sent to be written.
#[derive(Debug, Clone)]
pub struct Writer(Sender<Job>);

type PutFn = fn(&Connection, &str, &WeeklySummary, DateTime<Utc>) -> Result<Put, StoreError>;

impl Writer {
    /// Starts the thread that owns `conn` for writing reports with `put`.
    pub fn start(conn: Connection, put: PutFn) -> Result<Writer, StoreError> {
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("dashboard-writer".into())
            .spawn(move || serve(conn, rx, put))
            .map_err(|e| StoreError::Create {
                path: "the report writer thread".into(),
                source: e,
            })?;
        Ok(Writer(tx))
    }

    pub async fn put(
        &self,
        unit: String,
        report: WeeklySummary,
        received: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(Job {
                unit,
                report,
                received,
                reply,
            })
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

fn serve(mut conn: Connection, jobs: Receiver<Job>, put: PutFn) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let results = write_group(&mut conn, &group, put);
        match results {
            Ok(results) => {
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing in the group was stored: each sender hears why.
                let why = e.to_string();
                for job in group {
                    let _ = job.reply.send(Err(StoreError::Corrupt(format!(
                        "the commit failed, nothing stored: {why}"
                    ))));
                }
            }
        }
    }
}

/// One transaction for the group; each report in a savepoint, so one refused by the
/// database (a constraint) does not take the others with it.
fn write_group(
    conn: &mut Connection,
    group: &[Job],
    put: PutFn,
) -> Result<Vec<Result<Put, StoreError>>, StoreError> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        let sp = tx.savepoint()?;
        let result = put(&sp, &job.unit, &job.report, job.received);
        if result.is_ok() {
            sp.commit()?;
        }
        // Dropping an uncommitted savepoint rolls it back.
        results.push(result);
    }
    tx.commit()?;
    Ok(results)
}
