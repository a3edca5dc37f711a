//! A week's token ([`crate::core::week_token`]), had before its report is sent: the laptop
//! enrols with its team's reporter token if it has not, asks for the week's token with its
//! own device credential and a request blinded from the device secret, checks the answer
//! against the issuing key it pinned at enrolment, and keeps the token
//! ([`crate::report::enrolment`]) for the report and its retries.
//!
//! The pinned key is what stops a dashboard telling workers apart by giving each a key of
//! its own: a key that changes is accepted only when the dashboard's published key names the
//! pinned one as the key it replaces (`clockoff-dashboard issuer rotate`); otherwise nothing
//! is sent and status says why. Re-enrolling (a revoked or forgotten credential) keeps the pin.

use std::path::{Path, PathBuf};

use chrono::IsoWeek;
use serde_json::{Value, json};

use super::backoff::{Verdict, verdict};
use super::client::{Answer, Dashboard, Sent, endpoint, refusal_reason};
use super::token::Token;
use crate::core::record::week;
use crate::core::summary::DeviceSecret;
use crate::core::week_token::{self, ISSUER_PATH, PublicKey, Scope, WeekToken};
use crate::report::enrolment::{self, Enrolment, key_changed};
use crate::report::secret;

/// The laptop's files beside the ledger: the device secret and the enrolment.
#[derive(Debug, Clone)]
pub struct Files {
    secret: PathBuf,
    enrolment: PathBuf,
}

impl Files {
    pub fn beside(ledger: &Path) -> Files {
        Files {
            secret: secret::path_beside(ledger),
            enrolment: enrolment::path_beside(ledger),
        }
    }

    /// The enrolment with `dashboard`, if the laptop has one (another dashboard's is none).
    pub async fn enrolment(&self, dashboard: &str) -> Result<Option<Enrolment>, String> {
        let path = self.enrolment.clone();
        let loaded = tokio::task::spawn_blocking(move || enrolment::load(&path))
            .await
            .map_err(|e| e.to_string())??;
        Ok(loaded.filter(|e| e.dashboard == dashboard))
    }

    async fn save(&self, e: &Enrolment) -> Result<(), Sent> {
        let (path, e) = (self.enrolment.clone(), e.clone());
        tokio::task::spawn_blocking(move || enrolment::save(&path, &e))
            .await
            .map_err(|e| Sent::Retry(e.to_string()))?
            .map_err(Sent::Retry)
    }

    async fn secret(&self) -> Result<DeviceSecret, Sent> {
        let path = self.secret.clone();
        tokio::task::spawn_blocking(move || secret::load_or_create(&path))
            .await
            .map_err(|e| Sent::Retry(e.to_string()))?
            .map_err(|e| Sent::Retry(e.to_string()))
    }
}

/// `w`'s token from `dashboard`: kept from before, or asked for now.
pub async fn obtain(
    client: &Dashboard,
    dashboard: &str,
    reporter: &Token,
    files: &Files,
    w: IsoWeek,
) -> Result<WeekToken, Sent> {
    let mut state = files.enrolment(dashboard).await.map_err(Sent::Retry)?;
    if let Some(token) = state.as_ref().and_then(|e| e.token(w)) {
        return Ok(token);
    }
    let secret = files.secret().await?;
    // Twice at most: a credential the dashboard no longer honours is replaced once.
    for _ in 0..2 {
        let mut e = match state.take() {
            Some(e) if e.device.is_some() => e,
            previous => enrol(client, dashboard, reporter, files, previous).await?,
        };
        match ask(client, dashboard, files, &secret, &mut e, w).await? {
            Some(token) => return Ok(token),
            None => state = Some(e),
        }
    }
    Err(Sent::Retry(
        "the dashboard refused this laptop's new credential at once".into(),
    ))
}

/// Enrols with the team's token, keeping the key pinned by an earlier enrolment.
async fn enrol(
    client: &Dashboard,
    dashboard: &str,
    reporter: &Token,
    files: &Files,
    previous: Option<Enrolment>,
) -> Result<Enrolment, Sent> {
    let url = endpoint(dashboard, "/api/v1/devices");
    let answer = client
        .call(&url, Some(reporter.expose()), Some("{}".into()))
        .await
        .map_err(Sent::Retry)?;
    let body = expect(answer, 201, "enrolling this laptop")?;
    let text = |name: &str| body[name].as_str().map(str::to_owned);
    let (Some(device), Some(unit), Some(key)) = (text("device"), text("unit"), text("key")) else {
        return Err(Sent::Retry(
            "enrolling: the dashboard's answer is incomplete".into(),
        ));
    };
    let key: PublicKey = key
        .parse()
        .map_err(|e| Sent::Retry(format!("enrolling: {e}")))?;
    let mut e = Enrolment {
        dashboard: dashboard.to_owned(),
        device: Some(device),
        unit,
        unit_name: text("unit_name").unwrap_or_default(),
        key,
        enrolled: count(&body["enrolled"]),
        max_devices: body["max_devices"]
            .as_u64()
            .and_then(|m| u32::try_from(m).ok()),
        tokens: Default::default(),
        refused_key: None,
    };
    let mut check = Ok(());
    if let Some(previous) = previous {
        e.tokens = previous.tokens;
        e.key = previous.key;
        check = check_key(client, dashboard, &mut e, key).await;
    }
    files.save(&e).await?;
    check.map(|()| e)
}

/// Asks for `w`'s token with the laptop's credential. `None`: the credential is no longer
/// honoured (it was revoked, or the dashboard forgot it), so the laptop enrols again.
async fn ask(
    client: &Dashboard,
    dashboard: &str,
    files: &Files,
    secret: &DeviceSecret,
    e: &mut Enrolment,
    w: IsoWeek,
) -> Result<Option<WeekToken>, Sent> {
    let blinding = week_token::blind(secret, w).map_err(|e| Sent::Retry(e.to_string()))?;
    let request = json!({ "week": week::name(w), "request": blinding.request().to_string() });
    let url = endpoint(dashboard, "/api/v1/tokens");
    let answer = client
        .call(&url, e.device.as_deref(), Some(request.to_string()))
        .await
        .map_err(Sent::Retry)?;
    if answer.0 == 401 {
        e.device = None;
        files.save(e).await?;
        return Ok(None);
    }
    let body = expect(answer, 200, "asking for the week's token")?;
    let field = |name: &str| body[name].as_str().unwrap_or_default();
    let served: PublicKey = field("key")
        .parse()
        .map_err(|e| Sent::Retry(format!("the week's token: {e}")))?;
    let check = check_key(client, dashboard, e, served).await;
    e.enrolled = count(&body["enrolled"]);
    files.save(e).await?;
    check?;
    let (Ok(evaluated), Ok(proof)) = (field("evaluated").parse(), field("proof").parse()) else {
        return Err(Sent::Retry(
            "the week's token: the answer is incomplete".into(),
        ));
    };
    let scope = Scope {
        unit: &e.unit,
        week: w,
    };
    let token = blinding
        .finish(&evaluated, &proof, &e.key, &scope)
        .map_err(|why| Sent::Refused(format!("the week's token: {why}")))?;
    e.keep_token(w, token);
    files.save(e).await?;
    Ok(Some(token))
}

/// Accepts `served` as the issuing key if it is the pinned one, or announced as replacing
/// it; otherwise records it as refused and says so.
async fn check_key(
    client: &Dashboard,
    dashboard: &str,
    e: &mut Enrolment,
    served: PublicKey,
) -> Result<(), Sent> {
    if served == e.key {
        e.refused_key = None;
        return Ok(());
    }
    let url = endpoint(dashboard, ISSUER_PATH);
    let answer = client.call(&url, None, None).await.map_err(Sent::Retry)?;
    let doc = expect(answer, 200, "reading the dashboard's issuing key")?;
    let named = |field: &str| {
        doc[field]
            .as_str()
            .and_then(|k| k.parse::<PublicKey>().ok())
    };
    if named("key") == Some(served) && named("replaces") == Some(e.key) {
        e.key = served;
        e.refused_key = None;
        return Ok(());
    }
    e.refused_key = Some(served);
    Err(Sent::Refused(key_changed(&e.key, &served)))
}

/// The JSON body when the status is `wanted`; otherwise how the attempt went.
fn expect((status, body): Answer, wanted: u16, doing: &str) -> Result<Value, Sent> {
    if status == wanted {
        return Ok(body);
    }
    let why = format!("{doing}: HTTP {status}{}", refusal_reason(&body));
    Err(match verdict(status) {
        Verdict::Retry | Verdict::Delivered => Sent::Retry(why),
        Verdict::Closed => Sent::Closed(why),
        Verdict::Refused => Sent::Refused(why),
    })
}

fn count(v: &Value) -> u32 {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}
