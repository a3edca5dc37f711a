//! `device list|revoke` (the laptops enrolled to report) and `issuer show|rotate` (the key
//! week tokens are issued with).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::{Failure, load, open_store, runtime};
use crate::config::DashboardConfig;
use crate::issuer::{self, Issuer};
use crate::store::{DeviceEntry, Store};
use crate::token::{self, TokenHash};
use clockoff_core::clock::Clock;

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Each unit's enrolled laptops against its max_devices, then every laptop: its id,
    /// unit, when it enrolled and whether revoked. Nothing says which report is whose.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke a laptop by its id from `device list` (8 or more digits): it can no longer have
    /// week tokens, and its place under max_devices is free for a new laptop.
    Revoke {
        id: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IssuerCommand {
    /// The current key and its fingerprint: what every worker's `clockoff report status`
    /// shows, to compare.
    Show {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Make a new key. Laptops accept it because the published key names the one it
    /// replaces; tokens of the old key stay good for their weeks. Restart the service after.
    Rotate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn device(command: DeviceCommand, clock: Arc<dyn Clock>) -> Result<(), Failure> {
    match command {
        DeviceCommand::List { config } => {
            let config = load(config.as_deref())?;
            let entries = with_store(&config, |store| async move {
                store.devices().await.map_err(read_failed)
            })?;
            print!("{}", device_table(&config, &entries));
            Ok(())
        }
        DeviceCommand::Revoke { id, config } => {
            let config = load(config.as_deref())?;
            with_store(&config, |store| async move {
                let entries = store.devices().await.map_err(read_failed)?;
                let entry = pick_device(&entries, &id).map_err(Failure::Usage)?;
                let (id, unit) = (entry.hash.id().to_string(), entry.record.unit.clone());
                let revoked = store
                    .revoke_device(entry.hash.clone(), clock.now())
                    .await
                    .map_err(|e| Failure::Runtime(format!("revoking the laptop: {e}")))?;
                if revoked {
                    eprintln!("Revoked laptop {id} in \"{unit}\": it has no more week tokens.");
                } else {
                    eprintln!("Laptop {id} in \"{unit}\" was revoked already.");
                }
                Ok(())
            })
        }
    }
}

pub fn issuer(command: IssuerCommand, clock: Arc<dyn Clock>) -> Result<(), Failure> {
    let (IssuerCommand::Show { config } | IssuerCommand::Rotate { config }) = &command;
    let config = load(config.as_deref())?;
    let rotate = matches!(command, IssuerCommand::Rotate { .. });
    with_store(&config, |store| async move {
        let failed = |e: issuer::IssuerError| Failure::Runtime(e.to_string());
        if rotate {
            let fresh = issuer::new_key().map_err(failed)?;
            store
                .rotate_issuer_key(fresh, clock.now())
                .await
                .map_err(|e| Failure::Runtime(format!("storing the key: {e}")))?;
        }
        let issuer = Issuer::load(&store, clock.now()).await.map_err(failed)?;
        let key = issuer.public();
        println!("{key}\nfingerprint {}", key.fingerprint());
        if rotate {
            eprintln!(
                "A new issuing key. Restart the dashboard to issue with it; laptops accept it \
                 as a rotation, and tokens of the old key stay good for their weeks."
            );
        }
        Ok(())
    })
}

fn read_failed(e: crate::store::StoreError) -> Failure {
    Failure::Runtime(format!("reading the devices: {e}"))
}

/// Runs `f` with the configured store on a runtime of its own.
fn with_store<T, F, Fut>(config: &DashboardConfig, f: F) -> Result<T, Failure>
where
    F: FnOnce(crate::store::AnyStore) -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    runtime()?.block_on(async {
        let (store, _) = open_store(config).await?;
        f(store).await
    })
}

/// `device list`: each unit with laptops enrolled (or a limit), then the laptops.
fn device_table(config: &DashboardConfig, entries: &[DeviceEntry]) -> String {
    let minute = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut enrolled: BTreeMap<&str, u32> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.revoked.is_none()) {
        *enrolled.entry(e.record.unit.as_str()).or_default() += 1;
    }
    let tree = config.org.tree();
    let mut out = format!("{:<24}  {:>8}  {}\n", "UNIT", "ENROLLED", "MAX_DEVICES");
    for u in 0..tree.len() {
        let id = tree.id(u);
        let max = config.org.max_devices(u);
        let n = enrolled.get(id).copied().unwrap_or(0);
        if n == 0 && max.is_none() {
            continue;
        }
        let max = max.map_or("none".to_string(), |m| m.to_string());
        out.push_str(&format!("{id:<24}  {n:>8}  {max}\n"));
    }
    out.push_str(&format!(
        "\n{:<12}  {:<24}  {:<20}  {}\n",
        "ID", "UNIT", "ENROLLED", "STATUS"
    ));
    for e in entries {
        let status = e.revoked.map_or_else(
            || "active".to_string(),
            |t| format!("revoked {}", minute(t)),
        );
        out.push_str(&format!(
            "{:<12}  {:<24}  {:<20}  {status}\n",
            e.hash.id(),
            e.record.unit,
            minute(e.record.enrolled)
        ));
    }
    out
}

/// The laptop `given` names: the start (8 digits or more) of one id.
fn pick_device<'a>(entries: &'a [DeviceEntry], given: &str) -> Result<&'a DeviceEntry, String> {
    let given = given.trim().to_ascii_lowercase();
    if token::is_device_credential(&given) {
        let hash = TokenHash::of(&given);
        return entries
            .iter()
            .find(|e| e.hash == hash)
            .ok_or_else(|| "no laptop enrolled with this credential".to_string());
    }
    let is_id =
        (8..=token::ID_LEN).contains(&given.len()) && given.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_id {
        return Err(format!(
            "\"{given}\" is not a laptop id (8 to {} hex digits, from `clockoff-dashboard \
             device list`)",
            token::ID_LEN
        ));
    }
    let mut found = entries.iter().filter(|e| e.hash.id().starts_with(&given));
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(format!(
            "no laptop with id {given}: see `clockoff-dashboard device list`"
        )),
        (Some(_), Some(_)) => Err(format!(
            "more than one laptop's id starts {given}: give all 12 digits"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DeviceRecord;

    fn entry(hash: &str, unit: &str, revoked: bool) -> DeviceEntry {
        let at = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        DeviceEntry {
            hash: TokenHash::from_stored(hash.into()),
            record: DeviceRecord {
                unit: unit.into(),
                enrolled: at,
            },
            revoked: revoked.then_some(at),
        }
    }

    #[test]
    fn the_list_counts_each_units_laptops_against_its_limit() {
        let config = crate::config::load(None).unwrap();
        let entries = [
            entry("0123456789ab", "team-north", false),
            entry("1123456789ab", "team-north", false),
            entry("2123456789ab", "team-north", true),
            entry("3123456789ab", "children-in-care", false),
        ];
        let table = device_table(&config, &entries);
        assert!(
            table.contains("team-north                       2  14\n"),
            "{table}"
        );
        assert!(
            table.contains("team-south                       0  12\n"),
            "{table}"
        );
        assert!(
            table.contains("children-in-care                 1  20\n"),
            "{table}"
        );
        assert!(!table.contains("\norg "), "no laptops, no limit: {table}");
        assert!(!table.contains("safeguarding"), "{table}");
        assert!(
            table.contains("2123456789ab  team-north                2025-11-24 16:00 UTC  revoked")
        );
        let pick = |given: &str| pick_device(&entries, given).map(|e| e.record.unit.clone());
        assert_eq!(pick("31234567").as_deref(), Ok("children-in-care"));
        assert!(pick("0123").unwrap_err().contains("not a laptop id"));
        assert!(pick("99999999").unwrap_err().contains("no laptop"));
    }
}
