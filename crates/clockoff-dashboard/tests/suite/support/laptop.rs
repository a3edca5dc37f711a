//! A laptop as the dashboard sees one, over the real API: it enrols with a team's reporter
//! token, asks for week tokens with its device credential, and sends reports with them.
//! [`Laptops`] gives each pseudonym a laptop of its own, so tests written as "this person
//! reports this week" send what a real agent sends.

use std::collections::HashMap;

use chrono::IsoWeek;
use clockoff_core::record::week;
use clockoff_core::summary::Pseudonym;
use clockoff_core::week_token::{
    self, Blinding, Evaluated, IssueProof, PublicKey, Scope, WeekToken,
};
use serde_json::{Value, json};

pub use clockoff_core::week_token::HEADER as WEEK_TOKEN_HEADER;

pub struct Laptop {
    pub credential: String,
    pub unit: String,
    pub key: PublicKey,
    pub enrolled: u64,
}

/// An API refusal: the status and the JSON body.
pub type Refused = (u16, Value);

impl Laptop {
    /// Enrols with `reporter` (POST /api/v1/devices).
    pub async fn enrol(
        http: &reqwest::Client,
        base: &str,
        reporter: &str,
    ) -> Result<Laptop, Refused> {
        let r = http
            .post(format!("{base}/api/v1/devices"))
            .bearer_auth(reporter)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        if status != 201 {
            return Err((status, body));
        }
        Ok(Laptop {
            credential: body["device"].as_str().unwrap().into(),
            unit: body["unit"].as_str().unwrap().into(),
            key: body["key"].as_str().unwrap().parse().unwrap(),
            enrolled: body["enrolled"].as_u64().unwrap(),
        })
    }

    /// The raw answer to a token request for `week` with `request` (any JSON).
    pub async fn ask(&self, http: &reqwest::Client, base: &str, request: &Value) -> (u16, Value) {
        let r = http
            .post(format!("{base}/api/v1/tokens"))
            .bearer_auth(&self.credential)
            .header("content-type", "application/json")
            .body(request.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `pseudonym`'s token for `week`, blinded with `seed` and checked against the key the
    /// laptop enrolled with.
    pub async fn week_token(
        &self,
        http: &reqwest::Client,
        base: &str,
        pseudonym: Pseudonym,
        week: IsoWeek,
        seed: [u8; 32],
    ) -> Result<WeekToken, Refused> {
        let blinding = week_token::blind_pseudonym(pseudonym, seed).unwrap();
        self.finish(http, base, &blinding, week).await
    }

    /// The token `blinding` (made as the agent makes one, [`week_token::blind`], or with
    /// [`week_token::blind_pseudonym`]) is answered with for `week`, checked against the key
    /// the laptop enrolled with.
    pub async fn finish(
        &self,
        http: &reqwest::Client,
        base: &str,
        blinding: &Blinding,
        week: IsoWeek,
    ) -> Result<WeekToken, Refused> {
        let asked = json!({ "week": week::name(week), "request": blinding.request().to_string() });
        let (status, body) = self.ask(http, base, &asked).await;
        if status != 200 {
            return Err((status, body));
        }
        let evaluated: Evaluated = body["evaluated"].as_str().unwrap().parse().unwrap();
        let proof: IssueProof = body["proof"].as_str().unwrap().parse().unwrap();
        let scope = Scope {
            unit: &self.unit,
            week,
        };
        Ok(blinding
            .finish(&evaluated, &proof, &self.key, &scope)
            .expect("the answer proves the enrolled key"))
    }
}

/// A laptop per (reporter token, pseudonym), each with the tokens it has had.
#[derive(Default)]
pub struct Laptops {
    laptops: HashMap<(String, String), Laptop>,
    tokens: HashMap<(String, String), WeekToken>,
}

impl Laptops {
    /// Every laptop's device credential (to look for in logs).
    pub fn credentials(&self) -> Vec<String> {
        self.laptops
            .values()
            .map(|l| l.credential.clone())
            .collect()
    }

    /// The week token for `report` (a summary's JSON) sent with `reporter`: its pseudonym's
    /// laptop is enrolled first if need be. `None` when the report has no readable
    /// pseudonym or week, or the dashboard will not issue one (the report is then sent
    /// without, and refused for what else is wrong with it).
    pub async fn token_for(
        &mut self,
        http: &reqwest::Client,
        base: &str,
        reporter: &str,
        report: &Value,
    ) -> Option<WeekToken> {
        let pseudonym: Pseudonym = report.get("pseudonym")?.as_str()?.parse().ok()?;
        let w = week::parse(report.get("week")?.as_str()?).ok()?;
        let key = (reporter.to_string(), pseudonym.to_string());
        let token_key = (pseudonym.to_string(), week::name(w));
        if let Some(t) = self.tokens.get(&token_key) {
            return Some(*t);
        }
        if !self.laptops.contains_key(&key) {
            let laptop = Laptop::enrol(http, base, reporter).await.ok()?;
            self.laptops.insert(key.clone(), laptop);
        }
        let laptop = &self.laptops[&key];
        let token = laptop
            .week_token(http, base, pseudonym, w, *pseudonym.as_bytes())
            .await
            .ok()?;
        self.tokens.insert(token_key, token);
        Some(token)
    }
}
