//! The one thread that owns the SQLite connection. Handles send it [`Command`]s: jobs that
//! run on the connection and answer their caller only after their transaction has
//! committed, so an acknowledged record survives a crash.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::error::StoreError;
use super::queries;
use super::records::Recovery;
use super::schema::{self, MIGRATIONS, MigrateError};

pub(super) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Work for the writer thread: it is given the connection and answers its caller itself
/// (see [`super::Ledger::run`]). Each ledger operation is one such closure, written once.
pub(super) type Job = Box<dyn FnOnce(&mut Connection) + Send>;

pub(super) enum Command {
    Run(Job),
    /// Close the connection, then acknowledge; later commands get [`StoreError::Stopped`].
    Close {
        reply: Reply<()>,
    },
}

/// Starts the writer: it opens `path`, answers `ready` with what recovery did (or why opening
/// failed), then serves `commands` until every sender is gone or a `Close` arrives.
pub(super) fn spawn(
    path: PathBuf,
    commands: mpsc::Receiver<Command>,
    ready: Reply<Recovery>,
) -> Result<(), StoreError> {
    thread::Builder::new()
        .name("clockoff-ledger".into())
        .spawn(move || match open(&path) {
            Ok((conn, recovery)) => {
                if ready.send(Ok(recovery)).is_ok() {
                    serve(conn, commands);
                }
            }
            Err(e) => {
                let _ = ready.send(Err(e));
            }
        })
        .map(drop)
        .map_err(StoreError::Spawn)
}

fn open(path: &Path) -> Result<(Connection, Recovery), StoreError> {
    create_private(path)?;
    let at = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let migrate_error = |e: MigrateError| e.at(path);
    let mut conn = Connection::open(path).map_err(at)?;
    // `clockoff status` may be reading the file from another process.
    conn.busy_timeout(Duration::from_secs(5)).map_err(at)?;
    // Before anything writes: a newer clockoff's file is refused untouched.
    schema::check_supported(&conn, MIGRATIONS).map_err(migrate_error)?;

    // A kill -9 or a power cut must lose at most the last checkpoint, never corrupt the file.
    // WAL makes a commit one append to the log, so a crash mid-commit only leaves a torn tail,
    // which the next open discards. synchronous=FULL fsyncs the log at every commit (NORMAL
    // only at WAL checkpoints, so a power cut could undo commits we had acknowledged). One
    // fsync per interval checkpoint, about once a minute, is cheap.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(at)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NotWal {
            path: path.to_owned(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(at)?;
    // Forgetting (retention) must really remove what it deletes: SQLite overwrites deleted
    // content with zeros instead of leaving it in free pages. Deletes are rare; this costs
    // nothing otherwise.
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(at)?;
    // The agent writes a row a minute and reads little: 256 KiB of page cache, not SQLite's
    // default 2 MiB, which the idle agent would otherwise keep filled with what it read once
    // at start (docs/benchmarks.md).
    conn.pragma_update(None, "cache_size", -256).map_err(at)?;
    schema::migrate(&mut conn, MIGRATIONS).map_err(migrate_error)?;

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(at)?;
    let closed_intervals = queries::close_open_intervals(&tx).map_err(|e| match e {
        StoreError::Sqlite(source) => at(source),
        other => other,
    })?;
    tx.commit().map_err(at)?;
    Ok((conn, Recovery { closed_intervals }))
}

/// The ledger is the worker's own record: its directory is 0700 and a new file 0600 (SQLite
/// gives its -wal and -shm files the database file's mode).
fn create_private(path: &Path) -> Result<(), StoreError> {
    let create_error = |p: &Path| {
        let p = p.to_owned();
        move |source| StoreError::Create { path: p, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(create_error(dir))?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(create_error(path)(e)),
        _ => Ok(()),
    }
}

fn serve(mut conn: Connection, mut commands: mpsc::Receiver<Command>) {
    while let Some(command) = commands.blocking_recv() {
        match command {
            Command::Run(job) => job(&mut conn),
            Command::Close { reply } => {
                let closed = conn.close().map_err(|(_, e)| StoreError::Sqlite(e));
                answer(reply, closed);
                return;
            }
        }
    }
    // Every handle is gone; dropping the connection closes it (and checkpoints the log).
}

/// Runs `f` in its own transaction and commits before returning, so the acknowledgement that
/// follows promises the record is on disk. IMMEDIATE takes the write lock at BEGIN, where the
/// busy timeout can wait for it, instead of upgrading a read lock part way (which fails at once
/// if another connection is writing).
pub(super) fn write<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// The caller may have stopped waiting (its future dropped); what was committed stands.
pub(super) fn answer<T>(reply: Reply<T>, result: Result<T, StoreError>) {
    let _ = reply.send(result);
}
