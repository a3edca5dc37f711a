//! The dashboard server in-process on 127.0.0.1:0, with a temporary SQLite store (or a
//! private PostgreSQL server's), a fake clock the test moves, an access log kept in memory,
//! and tokens made as `token create` makes them. Stopped (and its database removed) when
//! dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use clockoff_core::clock::{Clock, FakeClock};
use clockoff_dashboard::access_log::LogSink;
use clockoff_dashboard::api::AppState;
use clockoff_dashboard::issuer::Issuer;
use clockoff_dashboard::org::Org;
use clockoff_dashboard::service::Service;
use clockoff_dashboard::store::{AnyStore, PostgresStore, SqliteStore, Store, TOKEN_CACHE_TTL};
use clockoff_dashboard::token::{self, Role};
use clockoff_dashboard::{Threshold, UnitTree, server};
use tokio::sync::oneshot;

use super::Missing;
use super::postgres::Postgres;

/// Where the dashboard keeps its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Dashboard {
    /// `http://127.0.0.1:port`
    pub base: String,
    pub store: AnyStore,
    pub clock: Arc<FakeClock>,
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    /// Declared after `stop`: the server stops before its database.
    _postgres: Option<Postgres>,
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Dashboard {
    /// Units as (id, parent, name); the first is the root. SQLite.
    pub async fn start(
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
    ) -> Dashboard {
        let started = Dashboard::start_on(Backend::Sqlite, units, k, weeks_accepted, now);
        started.await.expect("SQLite is built in")
    }

    /// As [`Dashboard::start`], on `backend`; [`Missing`] when it is PostgreSQL and that is
    /// not installed.
    pub async fn start_on(
        backend: Backend,
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, Missing> {
        let ttl = TOKEN_CACHE_TTL;
        Dashboard::start_with_token_ttl(backend, units, k, weeks_accepted, now, ttl).await
    }

    /// As [`Dashboard::start_on`], the server trusting a looked-up token for `ttl`.
    pub async fn start_with_token_ttl(
        backend: Backend,
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Dashboard, Missing> {
        // Every unit declares a headcount larger than any test's, as a configuration
        // where laptops may enrol does.
        let every: Vec<(&str, u32)> = units.iter().map(|&(id, _, _)| (id, 1000)).collect();
        Dashboard::launch(backend, units, k, weeks_accepted, now, ttl, &every).await
    }

    /// As [`Dashboard::start_on`], with units' `max_devices` as (id, limit): how many
    /// laptops may enrol in each (none in units not named, as in a config without it).
    pub async fn start_with_max_devices(
        backend: Backend,
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
        max_devices: &[(&str, u32)],
    ) -> Result<Dashboard, Missing> {
        let ttl = TOKEN_CACHE_TTL;
        Dashboard::launch(backend, units, k, weeks_accepted, now, ttl, max_devices).await
    }

    async fn launch(
        backend: Backend,
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
        ttl: Duration,
        max_devices: &[(&str, u32)],
    ) -> Result<Dashboard, Missing> {
        let dir = tempfile::tempdir().unwrap();
        let (store, postgres) = match backend {
            Backend::Sqlite => {
                let path = dir.path().join("dashboard.sqlite3");
                let store = SqliteStore::open(&path).unwrap().with_token_ttl(ttl);
                (AnyStore::Sqlite(store), None)
            }
            Backend::Postgres => {
                let server = Postgres::start()?;
                let store = PostgresStore::connect(&server.url).await.unwrap();
                (AnyStore::Postgres(store.with_token_ttl(ttl)), Some(server))
            }
        };
        let tree = UnitTree::new(units.iter().map(|&(id, parent, _)| (id, parent))).unwrap();
        let names = units
            .iter()
            .map(|&(id, _, name)| (id.to_string(), name.to_string()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink_log = Arc::clone(&log);
        let sink: LogSink = Arc::new(move |line: &str| sink_log.lock().unwrap().push(line.into()));
        let clock = Arc::new(FakeClock::new(now));
        let state = AppState {
            store: store.clone(),
            service: Arc::new(Service {
                org: Org::new(tree, names)
                    .with_max_devices(max_devices.iter().map(|&(id, max)| (id.to_string(), max))),
                k: Threshold::new(k).unwrap(),
                weeks_accepted,
            }),
            clock: Arc::clone(&clock) as Arc<dyn Clock>,
            log: sink,
            sessions: Default::default(),
            published_weeks: Default::default(),
            issuer: Arc::new(Issuer::load(&store, now).await.unwrap()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(server::run(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(Dashboard {
            base: format!("http://{addr}"),
            store,
            clock,
            log,
            stop: Some(stop),
            _dir: dir,
            _postgres: postgres,
        })
    }

    /// Another store on the same database, as another process (`token revoke`) opens it.
    pub async fn another_store(&self) -> AnyStore {
        match &self._postgres {
            None => {
                let path = self._dir.path().join("dashboard.sqlite3");
                AnyStore::Sqlite(SqliteStore::open(&path).unwrap())
            }
            Some(server) => AnyStore::Postgres(PostgresStore::connect(&server.url).await.unwrap()),
        }
    }

    /// The SQLite database's file (`None` on PostgreSQL), to read as it lies on disk.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._postgres
            .is_none()
            .then(|| self._dir.path().join("dashboard.sqlite3"))
    }

    /// The PostgreSQL server's address (`None` on SQLite), to read every table as stored.
    pub fn postgres_url(&self) -> Option<&str> {
        self._postgres.as_ref().map(|server| server.url.as_str())
    }

    /// A token for `unit`, made the way `token create` makes one.
    pub async fn token(&self, unit: &str, role: Role) -> String {
        let new = token::generate(role).unwrap();
        self.store
            .add_token(new.hash.clone(), unit.into(), role, self.clock.now())
            .await
            .unwrap();
        new.text
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// An API answer: its status, its body as JSON (or the text, when it is not JSON), headers.
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub headers: reqwest::header::HeaderMap,
}

/// Sends `request` and reads the whole answer.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Reply {
        status,
        body,
        headers,
    }
}

/// Each test named, once per backend: `sqlite::name` and `postgres::name` in the calling
/// module, which has `Backend` in scope.
macro_rules! on_each_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Backend::Postgres).await
            })*
        }
    };
}
pub(crate) use on_each_backend;
