//! Syncthing, over its REST API: a hold pauses the remote devices that are not paused
//! already, and the release resumes exactly those. A device the worker paused stays paused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::http::{Api, HttpError};
use crate::fetch::Fetch;
use crate::hold::{BoxFuture, HoldError, Holder, Undo};

const WHO: &str = "Syncthing";

/// Long enough for a busy laptop's Syncthing, short enough that a hung one shows as an error
/// in `clockoff status` rather than a hold that never finishes.
const TIMEOUT: Duration = Duration::from_secs(5);

pub struct Syncthing {
    url: String,
    api_key: Option<String>,
    config_xml: Option<PathBuf>,
    /// Devices to pause, as configured; empty means every remote device.
    devices: Vec<String>,
    /// Who makes the REST requests ([`crate::fetch`]).
    fetch: Arc<dyn Fetch>,
}

/// What a hold changed: the devices it paused, in Syncthing's own spelling.
#[derive(Debug, Serialize, Deserialize)]
struct Paused {
    paused: Vec<String>,
}

#[derive(Deserialize)]
struct Device {
    #[serde(rename = "deviceID")]
    id: String,
    #[serde(default)]
    paused: bool,
}

#[derive(Deserialize)]
struct Status {
    #[serde(rename = "myID")]
    my_id: String,
}

impl Syncthing {
    pub fn new(
        url: &str,
        api_key: Option<String>,
        config_xml: Option<PathBuf>,
        devices: Vec<String>,
        fetch: Arc<dyn Fetch>,
    ) -> Self {
        Self {
            url: url.trim_end_matches('/').to_string(),
            api_key,
            config_xml,
            devices,
            fetch,
        }
    }

    /// A client with the API key as it is now: read at each hold and release, since
    /// Syncthing may have been set up (or its key changed) since the agent started.
    fn api(&self) -> Result<Rest<'_>, HoldError> {
        let key = match &self.api_key {
            Some(key) => key.clone(),
            None => {
                let path = match &self.config_xml {
                    Some(path) => path.clone(),
                    None => find_config_xml(&StandardPlaces::from_env())?,
                };
                api_key_from(&path)?
            }
        };
        if self.url.starts_with("https:") {
            return Err(HoldError(format!(
                "Syncthing at {}: https addresses are not supported yet; use the GUI's http address",
                self.url
            )));
        }
        let api = Api::with(
            self.fetch.clone(),
            &self.url,
            vec![("X-API-Key", key)],
            TIMEOUT,
        );
        Ok(Rest { api, holder: self })
    }

    fn error(&self, e: HttpError) -> HoldError {
        let url = &self.url;
        HoldError(match e {
            HttpError::NotAnswering => format!("Syncthing is not answering at {url}"),
            HttpError::TimedOut(t) => {
                format!("Syncthing at {url} did not answer within {} s", t.as_secs())
            }
            HttpError::Status(401 | 403, _) => {
                let from = match (&self.api_key, &self.config_xml) {
                    (Some(_), _) => "the configured api_key".to_string(),
                    (None, Some(path)) => format!("the key in {}", path.display()),
                    (None, None) => "the key in Syncthing's config.xml".to_string(),
                };
                format!("Syncthing at {url} refused the API key ({from})")
            }
            // Requests follow no redirect (the API key goes nowhere but where configured);
            // a GUI set to HTTPS answers its http address with one.
            HttpError::Status(code @ 300..=399, _) => format!(
                "Syncthing at {url} answered {code}, a redirect: if its GUI uses HTTPS, \
                 clockoff cannot use it yet; give the GUI an http address"
            ),
            HttpError::Status(code, why) => format!("Syncthing at {url} answered {code}: {why}"),
            HttpError::Other(why) => format!("Syncthing at {url}: {why}"),
        })
    }

    async fn pause(&self) -> Result<Undo, HoldError> {
        let rest = self.api()?;
        let remote = rest.remote_devices().await?;
        let chosen = self.chosen(&remote)?;
        let mut paused: Vec<String> = Vec::new();
        for device in chosen.into_iter().filter(|d| !d.paused) {
            if let Err(e) = rest.post("pause", &device.id).await {
                // Leave nothing half-held that no Undo records: the hold is retried whole.
                for id in &paused {
                    let _ = rest.post("resume", id).await;
                }
                return Err(e);
            }
            paused.push(device.id.clone());
        }
        if paused.is_empty() {
            return Ok(Undo::NOTHING);
        }
        // Syncthing lists devices in no fixed order; the ledger's record should not vary.
        paused.sort();
        Undo::of(WHO, Paused { paused })
    }

    async fn resume(&self, undo: &Undo) -> Result<(), HoldError> {
        let Some(Paused { paused }) = undo.read(WHO)? else {
            return Ok(());
        };
        let rest = self.api()?;
        let known = rest.remote_devices().await?;
        // A device removed from Syncthing while held has nothing left to resume.
        for id in paused
            .iter()
            .filter(|id| known.iter().any(|d| &d.id == *id))
        {
            rest.post("resume", id).await?;
        }
        Ok(())
    }

    /// The devices this hold is about: the configured ones (each must exist), or all.
    fn chosen<'d>(&self, remote: &'d [Device]) -> Result<Vec<&'d Device>, HoldError> {
        if self.devices.is_empty() {
            return Ok(remote.iter().collect());
        }
        self.devices
            .iter()
            .map(|wanted| {
                remote
                    .iter()
                    .find(|d| same_device(&d.id, wanted))
                    .ok_or_else(|| {
                        HoldError(format!(
                            "Syncthing at {} has no remote device {wanted}",
                            self.url
                        ))
                    })
            })
            .collect()
    }
}

/// One hold's or release's requests, all with the key read for it.
struct Rest<'a> {
    api: Api,
    holder: &'a Syncthing,
}

impl Rest<'_> {
    /// Every configured device except this Syncthing's own.
    async fn remote_devices(&self) -> Result<Vec<Device>, HoldError> {
        let err = |e| self.holder.error(e);
        let status: Status = self.api.get("/rest/system/status").await.map_err(err)?;
        let devices: Vec<Device> = self.api.get("/rest/config/devices").await.map_err(err)?;
        Ok(devices
            .into_iter()
            .filter(|d| !same_device(&d.id, &status.my_id))
            .collect())
    }

    /// `POST /rest/system/pause` or `resume` for one device.
    async fn post(&self, action: &str, id: &str) -> Result<(), HoldError> {
        // Device IDs are base32 and dashes: nothing in them needs escaping in a query.
        let path = format!("/rest/system/{action}?device={id}");
        self.api
            .post(&path)
            .await
            .map_err(|e| self.holder.error(e))
            .map_err(|HoldError(why)| HoldError(format!("{action} device {id}: {why}")))
    }
}

/// Syncthing accepts a device ID with or without dashes, in either case.
fn same_device(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    norm(a) == norm(b)
}

/// Where Syncthing keeps config.xml, from the environment.
#[derive(Debug, Default)]
pub struct StandardPlaces {
    pub xdg_state_home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl StandardPlaces {
    pub fn from_env() -> Self {
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            xdg_state_home: var("XDG_STATE_HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            home: var("HOME"),
        }
    }

    /// Newest layout first: Syncthing 2 keeps it in the state dir, 1.x in the config dir.
    pub fn candidates(&self) -> Vec<PathBuf> {
        let home = |rel: &str| self.home.as_ref().map(|h| h.join(rel));
        let state = self.xdg_state_home.clone().or_else(|| home(".local/state"));
        let config = self.xdg_config_home.clone().or_else(|| home(".config"));
        let mut places: Vec<PathBuf> = [state, home(".local/state"), config, home(".config")]
            .into_iter()
            .flatten()
            .map(|dir| dir.join("syncthing/config.xml"))
            .collect();
        places.dedup();
        places
    }
}

pub fn find_config_xml(places: &StandardPlaces) -> Result<PathBuf, HoldError> {
    let candidates = places.candidates();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            let list: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            HoldError(format!(
                "no Syncthing config.xml found (looked in {}); set api_key or config in [[sync]]",
                list.join(", ")
            ))
        })
}

/// The `<apikey>` in Syncthing's config.xml. A plain search is enough: the key is
/// alphanumeric and the element appears once, inside `<gui>`.
pub fn api_key_from(path: &Path) -> Result<String, HoldError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        HoldError(format!(
            "reading Syncthing's API key from {}: {e}",
            path.display()
        ))
    })?;
    let key = text
        .split_once("<apikey>")
        .and_then(|(_, rest)| rest.split_once("</apikey>"))
        .map(|(key, _)| key.trim())
        .filter(|key| !key.is_empty());
    key.map(str::to_string).ok_or_else(|| {
        HoldError(format!(
            "{} has no <apikey>: open Syncthing's GUI once, or set api_key in [[sync]]",
            path.display()
        ))
    })
}

impl Holder for Syncthing {
    /// As [`crate::config::quiet::SyncSpec::describe`] names the entry.
    fn name(&self) -> String {
        match self.devices.is_empty() {
            true => format!("syncthing {}", self.url),
            false => format!("syncthing {} ({})", self.url, self.devices.join(", ")),
        }
    }

    fn hold(&self) -> BoxFuture<'_, Result<Undo, HoldError>> {
        Box::pin(self.pause())
    }

    fn release<'a>(&'a self, undo: &'a Undo) -> BoxFuture<'a, Result<(), HoldError>> {
        Box::pin(self.resume(undo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_says_what_to_do() {
        let fetch = std::sync::Arc::new(crate::fetch::Helper::at("/nonexistent".into()));
        let st = Syncthing::new("http://127.0.0.1:8384", None, None, Vec::new(), fetch);
        let said = st.error(HttpError::Status(307, String::new())).0;
        assert!(
            said.contains("307, a redirect") && said.contains("http address"),
            "{said}"
        );
    }

    #[test]
    fn device_ids_match_without_dashes_or_case() {
        assert!(same_device("ABCDEFG-HIJ", "abcdefghij"));
        assert!(!same_device("ABCDEFG-HIJ", "ABCDEFG-HIK"));
    }

    #[test]
    fn standard_places_prefer_the_state_dir() {
        let places = StandardPlaces {
            xdg_state_home: None,
            xdg_config_home: Some("/c".into()),
            home: Some("/h".into()),
        };
        let want: Vec<PathBuf> = [
            "/h/.local/state/syncthing/config.xml",
            "/c/syncthing/config.xml",
            "/h/.config/syncthing/config.xml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(places.candidates(), want);
    }

    #[test]
    fn config_xml_found_in_the_first_place_that_has_one() {
        let dir = tempfile::tempdir().unwrap();
        let places = StandardPlaces {
            xdg_state_home: Some(dir.path().join("state")),
            xdg_config_home: None,
            home: Some(dir.path().to_path_buf()),
        };
        let missing = find_config_xml(&places).unwrap_err();
        assert!(
            missing.0.contains("no Syncthing config.xml found"),
            "{missing}"
        );
        let old = dir.path().join(".config/syncthing/config.xml");
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        std::fs::write(&old, "<gui><apikey> k1 </apikey></gui>").unwrap();
        assert_eq!(find_config_xml(&places).unwrap(), old);
        assert_eq!(api_key_from(&old).unwrap(), "k1");
        let new = dir.path().join("state/syncthing/config.xml");
        std::fs::create_dir_all(new.parent().unwrap()).unwrap();
        std::fs::write(&new, "<gui><apikey></apikey></gui>").unwrap();
        assert_eq!(find_config_xml(&places).unwrap(), new);
        let empty = api_key_from(&new).unwrap_err();
        assert!(empty.0.contains("has no <apikey>"), "{empty}");
    }
}
