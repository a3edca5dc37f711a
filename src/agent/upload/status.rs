//! Where sending stands, for `clockoff status` (the agent's `report` field) and the tray:
//! worked out from the queue, with no I/O.

use crate::config::ReportSettings;
use crate::core::record::week;
use crate::ledger::{QueuedWeek, next_due};
use crate::report::enrolment::{Enrolment, key_changed};
use crate::status::{self, time_in};
use chrono::{DateTime, IsoWeek, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadStatus {
    pub enabled: bool,
    pub dashboard: Option<String>,
    /// Queued, not delivered, not paused.
    pub waiting: usize,
    /// Queued, not delivered, paused by the worker.
    pub paused: usize,
    pub delivered: usize,
    /// Queued, never to be delivered: the dashboard no longer takes them.
    pub closed: usize,
    pub last_delivered: Option<IsoWeek>,
    pub next_attempt: Option<DateTime<Utc>>,
    /// The oldest waiting week whose last try failed.
    pub failing: Option<Failing>,
    /// The laptop's enrolment with the dashboard, once it has one.
    pub team: Option<status::Team>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failing {
    pub week: IsoWeek,
    pub error: String,
    pub attempts: u32,
    pub refused: bool,
}

impl UploadStatus {
    pub fn of(settings: &ReportSettings, queue: &[QueuedWeek]) -> Self {
        let waiting = |q: &&QueuedWeek| q.delivered.is_none() && !q.is_closed();
        Self {
            enabled: settings.enabled,
            dashboard: settings.dashboard.clone(),
            waiting: queue.iter().filter(waiting).filter(|q| !q.paused).count(),
            paused: queue.iter().filter(waiting).filter(|q| q.paused).count(),
            delivered: queue.iter().filter(|q| q.delivered.is_some()).count(),
            closed: queue.iter().filter(|q| q.is_closed()).count(),
            last_delivered: queue
                .iter()
                .filter(|q| q.delivered.is_some())
                .map(|q| q.week)
                .max(),
            next_attempt: next_due(queue).and_then(|q| q.next_attempt),
            failing: queue
                .iter()
                .filter(waiting)
                .filter(|q| !q.paused)
                .find_map(|q| {
                    Some(Failing {
                        week: q.week,
                        error: q.last_error.clone()?,
                        attempts: q.attempts,
                        refused: q.refused,
                    })
                }),
            team: None,
        }
    }

    /// With what the laptop's enrolment says of its team.
    pub fn with_enrolment(mut self, enrolment: Option<&Enrolment>) -> Self {
        self.team = enrolment.map(|e| status::Team {
            enrolled: e.enrolled,
            issuer_fingerprint: e.key.fingerprint(),
            key_refused: e
                .refused_key
                .as_ref()
                .map(|served| key_changed(&e.key, served)),
            max_devices: e.max_devices,
            name: e.unit_name.clone(),
        });
        self
    }

    /// The `report` part of the agent's status, with where `last_week` stands.
    pub fn to_status(&self, tz: Tz, last_week: status::LastWeek) -> status::Report {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        status::Report {
            enabled: self.enabled,
            dashboard: self.dashboard.clone(),
            waiting: count(self.waiting),
            paused: count(self.paused),
            delivered: count(self.delivered),
            closed: count(self.closed),
            last_delivered: self.last_delivered.map(week::name),
            last_week,
            next_attempt: self.next_attempt.map(|t| time_in(tz, t)),
            failing: self.failing.as_ref().map(|f| status::Failing {
                week: week::name(f.week),
                error: f.error.clone(),
                attempts: f.attempts,
                refused: f.refused,
            }),
            team: self.team.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::summary::ReportId;
    use crate::core::testing::utc;

    fn queued(name: &str, next: Option<&str>) -> QueuedWeek {
        QueuedWeek {
            week: week::parse(name).unwrap(),
            paused: false,
            report_id: Some(ReportId::from_bytes([1; 16])),
            queued: utc("2026-11-23T00:00:00Z"),
            attempts: 0,
            next_attempt: next.map(utc),
            delivered: None,
            last_error: None,
            refused: false,
        }
    }

    #[test]
    fn the_next_due_is_the_earliest_waiting_never_paused_or_delivered() {
        let mut a = queued("2026-W45", Some("2026-11-23T12:00:00Z"));
        let b = queued("2026-W46", Some("2026-11-23T10:00:00Z"));
        let mut c = queued("2026-W47", Some("2026-11-23T09:00:00Z"));
        c.paused = true;
        let mut d = queued("2026-W44", None);
        d.delivered = Some(utc("2026-11-09T12:00:00Z"));
        let queue = vec![d, a.clone(), b.clone(), c];
        assert_eq!(next_due(&queue).map(|q| q.week), Some(b.week));
        a.attempts = 3;
        a.last_error = Some("HTTP 503".into());
        let status = UploadStatus::of(
            &ReportSettings {
                enabled: true,
                dashboard: Some("https://d".into()),
                token_file: None,
            },
            &[queue[0].clone(), a, b, queue[3].clone()],
        );
        assert_eq!((status.waiting, status.paused, status.delivered), (2, 1, 1));
        assert_eq!(
            status.last_delivered.map(week::name).as_deref(),
            Some("2026-W44")
        );
        assert_eq!(status.next_attempt, Some(utc("2026-11-23T10:00:00Z")));
        let failing = status.failing.unwrap();
        assert_eq!(
            (week::name(failing.week), failing.attempts),
            ("2026-W45".into(), 3)
        );
        assert_eq!(next_due(&[]), None);
    }

    #[test]
    fn a_week_the_dashboard_closed_is_neither_waiting_nor_failing() {
        let mut closed = queued("2026-W45", None);
        closed.attempts = 1;
        closed.refused = true;
        closed.last_error = Some("HTTP 410: published".into());
        let waiting = queued("2026-W46", Some("2026-11-23T10:00:00Z"));
        let settings = ReportSettings {
            enabled: true,
            dashboard: Some("https://d".into()),
            token_file: None,
        };
        let status = UploadStatus::of(&settings, &[closed, waiting]);
        assert_eq!((status.waiting, status.closed, status.delivered), (1, 1, 0));
        assert_eq!(status.failing, None);
        let last_week = crate::status::LastWeek {
            delivered: false,
            paused: false,
            week: "2026-W48".into(),
        };
        assert_eq!(status.to_status(chrono_tz::UTC, last_week).closed, 1);
    }
}
