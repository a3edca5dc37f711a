//! The weekly summary: the only thing about a worker that ever leaves the laptop (DESIGN.md,
//! "Reporting protocol"). [`WeeklySummary`] is the wire contract between the agent and the
//! dashboard: the agent builds it ([`figures::summarise`]), the dashboard reads it back with
//! the same type, which refuses any field it does not know and [`WeeklySummary::check`]s
//! the values. Adding a field is a change of `schema`, on purpose: a golden test fails.

pub mod figures;
pub mod ids;

use chrono::IsoWeek;
use serde::{Deserialize, Serialize};

pub use figures::{BUCKET_MINUTES, Recorded, summarise, working_time};
pub use ids::{DeviceSecret, Pseudonym, ReportId};

use super::record::week;

/// The wire format's name and version.
pub const SCHEMA: &str = "clockoff.summary/1";

/// The longest local week in minutes the dashboard accepts: seven days plus the hour a week
/// gains when the clocks go back, 10,140 (a whole number of 15-minute buckets). The one zone
/// whose clocks go back by two hours (Antarctica/Troll, 10,200) is clamped to it by the
/// agent ([`figures::week_cap`]).
pub const MAX_WEEK_MINUTES: u32 = 7 * 24 * 60 + 60;
const _: () = assert!(MAX_WEEK_MINUTES.is_multiple_of(BUCKET_MINUTES));

/// The most notifications held in a week the dashboard accepts: about one a minute out of
/// hours (a week has at most 10,140 minutes), so one report cannot swamp a team's total. The
/// agent sends more as this many ([`figures::summarise`]).
pub const MAX_HELD_NOTIFICATIONS: u32 = 10_000;

/// One worker's week, as sent: a header, then the seven [`WeekFigures`] flat beside it.
/// Minutes are whole 15-minute buckets clamped to the week; nothing names the worker, the
/// device, a day, a time of day or an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeeklySummary {
    /// Always [`SCHEMA`].
    pub schema: Schema,
    /// The ISO week, "2026-W47".
    #[serde(with = "week_text")]
    pub week: IsoWeek,
    /// Drawn at random once per week and kept, so a retry is recognised as the same report.
    pub report_id: ReportId,
    /// A keyed hash of the device secret and the week: one summary per worker per week on
    /// the server, without linking one week to another.
    pub pseudonym: Pseudonym,
    #[serde(flatten)]
    pub figures: WeekFigures,
}

/// The seven figures of one worker's week, declared once: the summary sends them, the
/// dashboard's release rule adds them up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekFigures {
    /// Measured at the laptop outside contracted hours (overrides included; on call apart).
    pub out_of_hours_minutes: u32,
    /// Logged by the worker (`clockoff log`), the part outside contracted hours.
    pub self_reported_out_of_hours_minutes: u32,
    /// Any recorded work on Saturday or Sunday.
    pub weekend_minutes: u32,
    /// Any recorded work from 20:00 to 06:00.
    pub late_evening_minutes: u32,
    /// Local days (0 to 7) with any out-of-hours, on-call or self-reported out-of-hours work.
    pub days_with_out_of_hours_work: u32,
    /// Notifications held while the laptop was quiet.
    pub notifications_held_out_of_hours: u32,
    /// Measured at the laptop while on call.
    pub on_call_callout_minutes: u32,
}

/// Reads the header, then everything else as exactly the seven figures: serde cannot refuse
/// unknown fields of a struct with a flattened part, so the figures refuse them.
impl<'de> Deserialize<'de> for WeeklySummary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Header {
            schema: Schema,
            #[serde(with = "week_text")]
            week: IsoWeek,
            report_id: ReportId,
            pseudonym: Pseudonym,
            #[serde(flatten)]
            rest: Rest,
        }
        let header = Header::deserialize(d)?;
        let figures = WeekFigures::deserialize(serde_json::Value::Object(header.rest.0))
            .map_err(serde::de::Error::custom)?;
        Ok(WeeklySummary {
            schema: header.schema,
            week: header.week,
            report_id: header.report_id,
            pseudonym: header.pseudonym,
            figures,
        })
    }
}

impl WeeklySummary {
    /// The body as sent: compact JSON. Preview shows the same value indented.
    pub fn to_wire(&self) -> String {
        // Only strings and integers: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What a receiver checks beyond the shape: every minute figure a whole bucket within
    /// the longest week, at most 7 days, at most [`MAX_HELD_NOTIFICATIONS`] notifications.
    pub fn check(&self) -> Result<(), String> {
        for (name, minutes) in self.minutes() {
            if minutes % BUCKET_MINUTES != 0 {
                return Err(format!(
                    "{name}: {minutes} is not a multiple of {BUCKET_MINUTES}"
                ));
            }
            if minutes > MAX_WEEK_MINUTES {
                return Err(format!(
                    "{name}: {minutes} is longer than a week ({MAX_WEEK_MINUTES} at most)"
                ));
            }
        }
        if self.figures.notifications_held_out_of_hours > MAX_HELD_NOTIFICATIONS {
            return Err(format!(
                "notifications_held_out_of_hours: {} is more than {MAX_HELD_NOTIFICATIONS} \
                 a week (about one a minute out of hours)",
                self.figures.notifications_held_out_of_hours
            ));
        }
        if self.figures.days_with_out_of_hours_work > 7 {
            return Err(format!(
                "days_with_out_of_hours_work: {} is more than 7",
                self.figures.days_with_out_of_hours_work
            ));
        }
        Ok(())
    }

    /// The minute figures by their wire names.
    pub fn minutes(&self) -> [(&'static str, u32); 5] {
        [
            ("out_of_hours_minutes", self.figures.out_of_hours_minutes),
            (
                "self_reported_out_of_hours_minutes",
                self.figures.self_reported_out_of_hours_minutes,
            ),
            ("weekend_minutes", self.figures.weekend_minutes),
            ("late_evening_minutes", self.figures.late_evening_minutes),
            (
                "on_call_callout_minutes",
                self.figures.on_call_callout_minutes,
            ),
        ]
    }
}

/// The `schema` field: reads and writes only [`SCHEMA`], so a report of another version is
/// refused by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schema;

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(SCHEMA)
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == SCHEMA {
            Ok(Schema)
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown schema \"{text}\": expected \"{SCHEMA}\""
            )))
        }
    }
}

/// The fields after a summary's header, each once: a map would keep the last of two, where
/// the derived reader refuses the second.
struct Rest(serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for Rest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Rest;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the week's figures")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Rest, A::Error> {
                let mut fields = serde_json::Map::new();
                while let Some((key, value)) = a.next_entry::<String, serde_json::Value>()? {
                    if fields.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    fields.insert(key, value);
                }
                Ok(Rest(fields))
            }
        }
        d.deserialize_map(Fields)
    }
}

/// An ISO week as "2026-W47" on the wire.
mod week_text {
    use super::week;
    use chrono::IsoWeek;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(w: &IsoWeek, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&week::name(*w))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IsoWeek, D::Error> {
        let text = String::deserialize(d)?;
        week::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
