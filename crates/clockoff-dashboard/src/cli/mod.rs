//! The `clockoff-dashboard` commands: `serve`, `token create|list|revoke`,
//! `device list|revoke` and `issuer show|rotate` ([`devices`]), `default-config`. The binary
//! parses arguments and calls [`run`]; everything else is here or below.

mod devices;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use super::access_log;
use super::api::AppState;
use super::api::read::MAX_WEEKS;
use super::config::{self, DashboardConfig, Database};
use super::history;
use super::issuer::Issuer;
use super::retention;
use super::server;
use super::service::Service;
use super::store::{AnyStore, PostgresStore, SqliteStore, Store, StoreError, TokenEntry, postgres};
use super::token::{self, Role, TokenHash};
use clockoff_core::clock::Clock;

#[derive(Debug, Parser)]
#[command(
    name = "clockoff-dashboard",
    version,
    about = "The clockoff team dashboard: receives weekly summaries, shows groups of at least k"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (with no --config: the built-in example organisation).
    Serve {
        /// The dashboard's configuration file (see `default-config`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Listen here instead of the configured `listen`.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Manage access tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// See and revoke the laptops enrolled to report.
    Device {
        #[command(subcommand)]
        command: devices::DeviceCommand,
    },
    /// Show or rotate the key week tokens are issued with.
    Issuer {
        #[command(subcommand)]
        command: devices::IssuerCommand,
    },
    /// Print the built-in example configuration, with comments.
    DefaultConfig,
    /// Write the man pages (clockoff-dashboard.1 and one per command) into DIR, for packagers.
    #[command(hide = true)]
    Man {
        /// Where to write them
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token for a unit and print it, once: only its hash is kept.
    Create {
        /// The unit's id, as in the configuration.
        #[arg(long)]
        unit: String,
        /// reporter: a team's agents send with it; viewer: a manager reads the unit and below.
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List every token made: its id, role, unit, when it was made and whether revoked.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke a token, by its id from `token list` (or its first 8 or more digits), or by
    /// the token itself. A running dashboard stops accepting it within a minute.
    Revoke {
        /// The id, or the whole token (cod_r_... / cod_v_...).
        token: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Reporter,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Reporter => Role::Reporter,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

/// A failure and its exit status: 2 for what the user must fix (configuration, arguments),
/// 1 for what went wrong at run time.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Runtime(String),
}

pub fn run(cli: Cli, clock: Arc<dyn Clock>) -> ExitCode {
    let result = match cli.command {
        Command::Serve { config, listen } => serve(config.as_deref(), listen, clock),
        Command::Token {
            command: TokenCommand::Create { unit, role, config },
        } => create_token(config.as_deref(), &unit, role.into(), clock),
        Command::Token {
            command: TokenCommand::List { config },
        } => list_tokens(config.as_deref()),
        Command::Token {
            command: TokenCommand::Revoke { token, config },
        } => revoke_token(config.as_deref(), &token, clock),
        Command::Device { command } => devices::device(command, clock),
        Command::Issuer { command } => devices::issuer(command, clock),
        Command::DefaultConfig => {
            print!("{}", config::DEFAULT_CONFIG);
            Ok(())
        }
        Command::Man { dir } => write_man_pages(&dir),
    };
    let (message, status) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => (message, 2),
        Err(Failure::Runtime(message)) => (message, 1),
    };
    clockoff_core::log::last_words("clockoff-dashboard: ", &message);
    ExitCode::from(status)
}

/// The pages come from the clap definition the command line parses with, so they cannot
/// drift from it.
fn write_man_pages(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(<Cli as clap::CommandFactory>::command(), dir))
        .map_err(|e| Failure::Runtime(format!("writing man pages into {}: {e}", dir.display())))
}

pub(crate) fn load(path: Option<&Path>) -> Result<DashboardConfig, Failure> {
    config::load(path).map_err(|errors| Failure::Usage(errors.to_string()))
}

/// The configured database (the default SQLite file without one) and how to name it in
/// messages (a PostgreSQL address without its password).
pub(crate) async fn open_store(config: &DashboardConfig) -> Result<(AnyStore, String), Failure> {
    match &config.database {
        Some(Database::Postgres(url)) => {
            let name = postgres::describe(url);
            let store = PostgresStore::connect(url)
                .await
                .map_err(|e| Failure::Runtime(format!("the database {name}: {e}")))?;
            Ok((AnyStore::Postgres(store), name))
        }
        sqlite => {
            let path = match sqlite {
                Some(Database::Sqlite(path)) => path.clone(),
                _ => config::default_sqlite_path(),
            };
            let name = path.display().to_string();
            // Opening migrates: blocking file work, kept off the runtime's thread.
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .map_err(|e| Failure::Runtime(format!("opening the database: {e}")))?
                .map_err(|e| Failure::Runtime(format!("the database {name}: {e}")))?;
            Ok((AnyStore::Sqlite(store), name))
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    // One thread is plenty: SQLite works in the blocking pool, PostgreSQL in its server,
    // requests are small.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))
}

fn serve(
    config_path: Option<&Path>,
    listen: Option<SocketAddr>,
    clock: Arc<dyn Clock>,
) -> Result<(), Failure> {
    if let Some(problem) = clockoff_core::log::init("clockoff-dashboard") {
        tracing::warn!("{problem}");
    }
    let config = load(config_path)?;
    let listen = listen.unwrap_or(config.listen);
    let keep = config.keep;
    runtime()?.block_on(async move {
        let (store, db_name) = open_store(&config).await?;
        let issuer = Issuer::load(&store, clock.now())
            .await
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let state = AppState {
            store,
            service: Arc::new(Service {
                org: config.org,
                k: config.k,
                weeks_accepted: config.weeks_accepted,
            }),
            clock,
            log: access_log::logged(),
            sessions: Default::default(),
            published_weeks: Default::default(),
            issuer: Arc::new(issuer),
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::Runtime(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener.local_addr().map_or(listen, |a| a);
        tracing::info!(
            "listening on http://{bound} (database {}, k = {}, week tokens \
             issued with key {})",
            db_name,
            state.service.k.get(),
            state.issuer.public().fingerprint()
        );
        let closed: Vec<&str> = {
            let (org, tree) = (&state.service.org, state.service.org.tree());
            (0..tree.len())
                .filter(|&u| org.max_devices(u).is_none())
                .map(|u| tree.id(u))
                .collect()
        };
        if !closed.is_empty() {
            tracing::warn!(
                "laptops cannot enrol in units without max_devices: {}",
                closed.join(", ")
            );
        }
        tracing::info!(
            "managers sign in at /sign-in (on that address) with a viewer token \
             (`clockoff-dashboard token create --unit UNIT --role viewer`); a team's laptops \
             report with its reporter token (`--role reporter`, in the agent's [report] \
             token_file). Put a TLS proxy in front before anyone outside this machine uses it."
        );
        // Old reports go before the past is released, so no deleted week is kept released.
        let background = state.clone();
        tokio::spawn(async move {
            retention::apply(&background, keep).await;
            release_history(background.clone()).await;
            retention::daily(background, keep).await;
        });
        server::run(listener, state, shutdown_signal())
            .await
            .map_err(|e| Failure::Runtime(format!("serving: {e}")))?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Releases the two years a read may ask for (to the week that ended last), so every week
/// published among them is kept in memory before the first manager opens a page, and a
/// report for one is refused (history::released).
async fn release_history<S: Store>(state: AppState<S>) {
    let started = std::time::Instant::now();
    let weeks = u32::try_from(MAX_WEEKS).unwrap_or(u32::MAX);
    let Some(range) = history::last_ended_weeks(state.clock.now(), weeks) else {
        return;
    };
    match state.released(range).await {
        Ok(weeks) => tracing::info!(
            "released the last {} weeks in {} ms",
            weeks.len(),
            started.elapsed().as_millis()
        ),
        Err(e) => (state.log)(&format!("error: releasing past weeks: {e}")),
    }
}

/// SIGINT or SIGTERM (systemd's stop).
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn create_token(
    config_path: Option<&Path>,
    unit: &str,
    role: Role,
    clock: Arc<dyn Clock>,
) -> Result<(), Failure> {
    let config = load(config_path)?;
    if config.org.tree().index(unit).is_none() {
        let file = config_path.map_or(config::DEFAULT_NAME.to_string(), |p| {
            p.display().to_string()
        });
        let tree = config.org.tree();
        let ids: Vec<&str> = (0..tree.len()).map(|u| tree.id(u)).collect();
        return Err(Failure::Usage(format!(
            "no unit \"{unit}\" in {file}; its units are: {}",
            ids.join(", ")
        )));
    }
    let new = token::generate(role)
        .map_err(|e| Failure::Runtime(format!("the system's random source failed: {e}")))?;
    runtime()?.block_on(async {
        let (store, _) = open_store(&config).await?;
        store
            .add_token(new.hash.clone(), unit.to_string(), role, clock.now())
            .await
            .map_err(|e| Failure::Runtime(format!("storing the token: {e}")))
    })?;
    println!("{}", new.text);
    eprintln!(
        "A {role} token for \"{unit}\", id {}. It is shown only now: keep it somewhere safe; \
         the dashboard keeps only its hash.",
        new.hash.id()
    );
    Ok(())
}

fn list_tokens(config_path: Option<&Path>) -> Result<(), Failure> {
    let config = load(config_path)?;
    let entries = runtime()?.block_on(async {
        let (store, _) = open_store(&config).await?;
        store
            .tokens()
            .await
            .map_err(|e| Failure::Runtime(format!("reading the tokens: {e}")))
    })?;
    print!("{}", token_table(&entries));
    Ok(())
}

/// `token list`'s table: a header, then a token a line, oldest first.
fn token_table(entries: &[TokenEntry]) -> String {
    let minute = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut out = format!(
        "{:<12}  {:<8}  {:<24}  {:<20}  {}\n",
        "ID", "ROLE", "UNIT", "CREATED", "STATUS"
    );
    for e in entries {
        let status = e.revoked.map_or_else(
            || "active".to_string(),
            |t| format!("revoked {}", minute(t)),
        );
        out.push_str(&format!(
            "{:<12}  {:<8}  {:<24}  {:<20}  {status}\n",
            e.hash.id(),
            e.record.role.name(),
            e.record.unit,
            minute(e.record.created),
        ));
    }
    out
}

fn revoke_token(
    config_path: Option<&Path>,
    given: &str,
    clock: Arc<dyn Clock>,
) -> Result<(), Failure> {
    let config = load(config_path)?;
    runtime()?.block_on(async {
        let (store, _) = open_store(&config).await?;
        let read = |e: StoreError| Failure::Runtime(format!("reading the tokens: {e}"));
        let entries = store.tokens().await.map_err(read)?;
        let entry = pick_token(&entries, given).map_err(Failure::Usage)?;
        let (id, unit, role) = (entry.hash.id(), &entry.record.unit, entry.record.role);
        if let Some(at) = entry.revoked {
            eprintln!("Token {id} ({role}, \"{unit}\") was already revoked on {at}.");
            return Ok(());
        }
        let revoked = store
            .revoke_token(entry.hash.clone(), clock.now())
            .await
            .map_err(|e| Failure::Runtime(format!("revoking the token: {e}")))?;
        if !revoked {
            eprintln!("Token {id} ({role}, \"{unit}\") was revoked a moment ago, elsewhere.");
            return Ok(());
        }
        eprintln!(
            "Revoked token {id} ({role}, \"{unit}\"). A running dashboard refuses it within a \
             minute, and ends the sessions signed in with it."
        );
        Ok(())
    })
}

/// The token `given` names: the token itself, or the start (8 digits or more) of one id.
fn pick_token<'a>(entries: &'a [TokenEntry], given: &str) -> Result<&'a TokenEntry, String> {
    let given = given.trim();
    if token::claimed_role(given).is_some() {
        let hash = TokenHash::of(given);
        return entries
            .iter()
            .find(|e| e.hash == hash)
            .ok_or_else(|| "this token was not made by this dashboard".to_string());
    }
    let lower = given.to_ascii_lowercase();
    let given = lower.as_str();
    let is_id = (8..=token::ID_LEN).contains(&given.len())
        && given
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_id {
        return Err(format!(
            "\"{given}\" is neither a token nor a token id (8 to {} hex digits, from \
             `clockoff-dashboard token list`)",
            token::ID_LEN
        ));
    }
    let mut found = entries.iter().filter(|e| e.hash.id().starts_with(given));
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(format!(
            "no token with id {given}: see `clockoff-dashboard token list`"
        )),
        (Some(_), Some(_)) => Err(format!(
            "more than one token's id starts {given}: give all 12 digits"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TokenRecord;

    fn entry(hash: &str, unit: &str) -> TokenEntry {
        TokenEntry {
            hash: TokenHash::from_stored(hash.into()),
            record: TokenRecord {
                unit: unit.into(),
                role: Role::Reporter,
                created: chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            },
            revoked: None,
        }
    }

    #[test]
    fn a_token_is_named_by_enough_of_its_id_or_by_itself() {
        let token = "cod_r_".to_string() + &"ab".repeat(32);
        let own = TokenHash::of(&token).as_str().to_string();
        let entries = [
            entry("1234abcd0000", "a"),
            entry("1234abcd1111", "b"),
            entry(&own, "c"),
        ];
        let unit = |given: &str| pick_token(&entries, given).map(|e| e.record.unit.clone());
        assert_eq!(unit("1234abcd1").as_deref(), Ok("b"));
        assert_eq!(unit(&token).as_deref(), Ok("c"));
        assert!(unit("1234abcd").unwrap_err().contains("more than one"));
        assert!(unit("99999999").unwrap_err().contains("no token with id"));
        assert!(unit("1234").unwrap_err().contains("neither a token"));
        assert!(unit("1234ABCD").unwrap_err().contains("more than one"));
        assert_eq!(unit("1234ABCD1").as_deref(), Ok("b"));
        let other = "cod_v_".to_string() + &"cd".repeat(32);
        assert!(
            unit(&other)
                .unwrap_err()
                .contains("not made by this dashboard")
        );
    }

    #[test]
    fn the_list_says_which_tokens_are_revoked() {
        let mut revoked = entry("feedfacecafe00", "north");
        revoked.revoked = chrono::DateTime::from_timestamp(1_764_003_600, 0);
        let table = token_table(&[entry("0123456789ab", "south"), revoked]);
        assert_eq!(
            table,
            "ID            ROLE      UNIT                      CREATED               STATUS\n\
             0123456789ab  reporter  south                     2025-11-24 16:00 UTC  active\n\
             feedfacecafe  reporter  north                     2025-11-24 16:00 UTC  revoked 2025-11-24 17:00 UTC\n"
        );
    }
}
