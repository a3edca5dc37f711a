//! The dashboard server in-process on 127.0.0.1:0, with a temporary SQLite store, a fake
//! clock the test moves, an access log kept in memory, and tokens made as `token create`
//! makes them. Stopped (and its directory removed) when dropped.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use clockoff::core::clock::{Clock, FakeClock};
use clockoff::dashboard::access_log::LogSink;
use clockoff::dashboard::api::{AppState, Service};
use clockoff::dashboard::org::Org;
use clockoff::dashboard::store::{SqliteStore, Store};
use clockoff::dashboard::token::{self, Role};
use clockoff::dashboard::{Threshold, UnitTree, server};
use tokio::sync::oneshot;

pub struct Dashboard {
    /// `http://127.0.0.1:port`
    pub base: String,
    pub store: SqliteStore,
    pub clock: Arc<FakeClock>,
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Dashboard {
    /// Units as (id, parent, name); the first is the root.
    pub async fn start(
        units: &[(&str, Option<&str>, &str)],
        k: u32,
        weeks_accepted: u32,
        now: DateTime<Utc>,
    ) -> Dashboard {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("dashboard.sqlite3")).unwrap();
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
                org: Org::new(tree, names),
                k: Threshold::new(k).unwrap(),
                weeks_accepted,
            }),
            clock: Arc::clone(&clock) as Arc<dyn Clock>,
            log: sink,
            sessions: Default::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(server::run(listener, state, async {
            let _ = stopped.await;
        }));
        Dashboard {
            base: format!("http://{addr}"),
            store,
            clock,
            log,
            stop: Some(stop),
            _dir: dir,
        }
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
