//! What the tray shows for a status: icon, title (the tooltip's first line, and the name
//! screen readers give the item), tooltip text and which menu items are offered. Pure, so
//! every state is tested without a panel.

use chrono::{DateTime, IsoWeek, Utc};
use chrono_tz::Tz;

use super::icons::Glyph;
use crate::core::civil::human;
use crate::core::duration::hours_minutes;
use crate::core::record::week;
use crate::core::schedule::State;
use crate::status::{self, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub glyph: Glyph,
    /// "Off since 17:00 · 3 held · back Tue 09:00": the status line, everywhere.
    pub title: String,
    /// Today's and this week's time, one line each.
    pub tooltip: String,
    pub offers: Offers,
    /// Reporting's line (not clickable): the team's enrolled laptops, or why nothing is sent.
    pub team: Option<String>,
}

/// The menu items that make sense now, besides the status line and "Quit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offers {
    /// "Work now": 30 minutes or an hour (an override).
    pub work_now: bool,
    /// ...or "until I stop", which needs an activity source to see the stop.
    pub until_stop: bool,
    pub end_override: bool,
    /// "Hold now": finish for the day, holding at once.
    pub hold_now: bool,
    /// "Resume work": undo finishing for the day.
    pub resume: bool,
    /// "I'm on leave today" (`clockoff leave add today`): working or off, not on call.
    pub leave_today: bool,
    /// Keeping the last week that has ended back from the weekly report, or reporting it
    /// after all.
    pub report: Option<ReportOffer>,
}

/// The week the reporting item is about: the one `clockoff report pause` pauses when no week
/// is named (the agent's status says which), and whether it is paused already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOffer {
    pub week: IsoWeek,
    pub paused: bool,
}

/// Shown until the agent first answers.
pub fn starting() -> View {
    View {
        glyph: Glyph::Off,
        title: "clockoff is starting".into(),
        tooltip: String::new(),
        offers: Offers::default(),
        team: None,
    }
}

pub fn view(g: &Status, now: DateTime<Utc>) -> View {
    let tz = g.zone();
    let at = |t| human(tz, t, now);
    let since = utc(g.since).map(at);
    let until = utc(g.until).map(at);
    let quiet = &g.quiet;
    let mut parts: Vec<String> = Vec::new();
    let (glyph, offers) = match g.state {
        State::Off if g.finished_early.is_some() => {
            let finished = utc(g.finished_early).map(at);
            parts.push(with_time("Finished early", "at", finished));
            parts.extend(holding(g));
            parts.extend(back(g, tz, now));
            let offers = Offers {
                work_now: true,
                resume: true,
                ..Offers::default()
            };
            (Glyph::Holding, offers)
        }
        State::Working => {
            parts.push(with_time("Working", "until", until));
            let offers = Offers {
                hold_now: !quiet.holders.is_empty(),
                ..Offers::default()
            };
            (Glyph::Working, offers)
        }
        State::Override => {
            let running = g.running_override.as_ref();
            parts.push(match (running.is_some_and(|o| o.until_away), until) {
                (true, _) => "Working by choice until you stop".into(),
                (false, Some(end)) => {
                    let left = utc(g.until).map_or(0, |u| minutes_left(u, now));
                    format!(
                        "Working by choice until {end} ({} left)",
                        hours_minutes(left)
                    )
                }
                (false, None) => "Working by choice".into(),
            });
            let offers = Offers {
                work_now: true,
                end_override: true,
                hold_now: !quiet.holders.is_empty(),
                ..Offers::default()
            };
            (Glyph::Override, offers)
        }
        State::OnCall => {
            parts.push(with_time("On call", "until", until));
            (Glyph::OnCall, Offers::default())
        }
        state @ (State::Off | State::Leave | State::Holiday) => {
            let name = match state {
                State::Off => "Off",
                State::Leave => "On leave",
                _ => "Bank holiday",
            };
            parts.push(with_time(name, "since", since));
            let in_grace = utc(quiet.from).filter(|_| !quiet.quiet);
            match in_grace {
                Some(from) => parts.push(format!("holding from {}", at(from))),
                None => parts.extend(holding(g)),
            }
            parts.extend(back(g, tz, now));
            let glyph = match (state, quiet.quiet) {
                (State::Leave | State::Holiday, _) => Glyph::Away,
                (_, true) => Glyph::Holding,
                (_, false) => Glyph::Off,
            };
            let offers = Offers {
                work_now: true,
                hold_now: in_grace.is_some(),
                ..Offers::default()
            };
            (glyph, offers)
        }
    };
    let offers = Offers {
        until_stop: offers.work_now && !crate::status::sees_no_input(&g.activity_source),
        leave_today: matches!(g.state, State::Working | State::Off),
        report: report_offer(&g.report),
        ..offers
    };
    View {
        glyph,
        title: parts.join(" · "),
        tooltip: format!(
            "Today: {} at the laptop\nThis week: {} out of hours{}{}",
            hours_minutes(g.today.active_minutes()),
            hours_minutes(g.week.out_of_hours_minutes),
            logged(g.week.manual_minutes),
            blind(&g.activity_source),
        ),
        offers,
        team: team_line(&g.report),
    }
}

/// A last line when nothing can tell activity here (`clockoff status` says the same at more
/// length).
fn blind(source: &str) -> &'static str {
    if crate::status::sees_no_input(source) {
        "\nThis session reports no activity: nothing is recorded at the laptop"
    } else {
        ""
    }
}

/// ", plus 1h 30m you logged", as `clockoff status` says it; nothing when none was logged.
fn logged(minutes: u64) -> String {
    if minutes == 0 {
        String::new()
    } else {
        format!(", plus {} you logged", hours_minutes(minutes))
    }
}

/// "Team A: 7 of 12 laptops enrolled", while reporting is on and the laptop is enrolled: a
/// count larger than the team means invented reporters. Or why nothing is being sent.
fn team_line(report: &status::Report) -> Option<String> {
    let team = report.team.as_ref().filter(|_| report.enabled)?;
    if team.key_refused.is_some() {
        return Some("Reports stopped: the dashboard's key changed (clockoff status)".into());
    }
    let of = team
        .max_devices
        .map_or(String::new(), |m| format!(" of {m}"));
    let laptops = if team.enrolled == 1 {
        "laptop"
    } else {
        "laptops"
    };
    Some(format!(
        "{}: {}{of} {laptops} enrolled",
        team.name, team.enrolled
    ))
}

/// Only while reporting is on, and until the week is delivered (a summary sent cannot be
/// taken back, so offering to keep it back then would mislead).
fn report_offer(report: &status::Report) -> Option<ReportOffer> {
    let last = &report.last_week;
    if !report.enabled || last.delivered {
        return None;
    }
    Some(ReportOffer {
        week: week::parse(&last.week).ok()?,
        paused: last.paused,
    })
}

fn with_time(name: &str, word: &str, time: Option<String>) -> String {
    match time {
        Some(t) => format!("{name} {word} {t}"),
        None => name.to_owned(),
    }
}

/// "3 held", or why nothing is: said only while quiet.
fn holding(g: &Status) -> Option<String> {
    let quiet = &g.quiet;
    if !quiet.quiet || quiet.holders.is_empty() {
        return None;
    }
    if quiet.holders.iter().any(|h| h.held) {
        Some(format!("{} held", quiet.held_notifications))
    } else if quiet.holders.iter().any(|h| h.error.is_some()) {
        Some("could not hold: see clockoff status".into())
    } else {
        Some("holding".into())
    }
}

fn back(g: &Status, tz: Tz, now: DateTime<Utc>) -> Option<String> {
    utc(g.work_resumes).map(|t| format!("back {}", human(tz, t, now)))
}

/// A time from the status, back in UTC.
fn utc(t: Option<status::Time>) -> Option<DateTime<Utc>> {
    t.map(|t| t.to_utc())
}

/// Whole minutes left, rounded up: "1m left" until the last second.
fn minutes_left(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let seconds = (until - now).num_seconds().max(0) as u64;
    seconds.div_ceil(60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::utc;
    use serde_json::{Value, json};

    /// A status as the agent writes it: Monday 23 November 2026, London (UTC in winter).
    fn status(state: &str, changes: Value) -> Status {
        let mut base = json!({
            "state": state,
            "since": "2026-11-23T17:00:00+00:00",
            "until": "2026-11-24T09:00:00+00:00",
            "override": null,
            "work_resumes": "2026-11-24T09:00:00+00:00",
            "present": false,
            "activity_source": "x11 + logind",
            "config_sources": ["<built-in default>"],
            "ledger": "/home/w/.local/share/clockoff/ledger.sqlite3",
            "today": {"period": "2026-11-23", "in_hours_minutes": 380, "out_of_hours_minutes": 20,
                      "override_minutes": 0, "on_call_minutes": 0, "manual_minutes": 0},
            "week": {"period": "2026-W48", "in_hours_minutes": 380, "out_of_hours_minutes": 190,
                     "override_minutes": 0, "on_call_minutes": 0, "manual_minutes": 45},
            "timezone": "Europe/London",
            "quiet": {"quiet": false, "since": null, "from": null,
                      "held_notifications": 0,
                      "holders": [{"name": "notifications", "holder": null, "held": false,
                                   "held_by_worker": false, "error": null, "retry_at": null}]},
            "tray": {"state": "shown", "detail": "in the panel"},
            "report": {"enabled": false, "dashboard": null, "waiting": 0, "paused": 0, "closed": 0,
                       "delivered": 0, "last_delivered": null, "next_attempt": null,
                       "failing": null,
                       "last_week": {"week": "2026-W47", "paused": false, "delivered": false}},
        });
        merge(&mut base, changes);
        // A test names only the holder fields it is about; the rest are as in `base`.
        if let Some(holders) = base["quiet"]["holders"].as_array_mut() {
            for holder in holders {
                let mut full = json!({"name": "notifications", "holder": null, "held": false,
                                      "held_by_worker": false, "error": null, "retry_at": null});
                merge(&mut full, holder.take());
                *holder = full;
            }
        }
        serde_json::from_value(base).unwrap()
    }

    fn merge(base: &mut Value, changes: Value) {
        match (base, changes) {
            (Value::Object(b), Value::Object(c)) => {
                for (k, v) in c {
                    merge(b.entry(k).or_insert(Value::Null), v);
                }
            }
            (b, c) => *b = c,
        }
    }

    const EVENING: &str = "2026-11-23T19:30:00Z";

    #[test]
    fn off_and_holding_says_since_when_how_many_held_and_when_work_is_back() {
        let g = status(
            "off",
            json!({"quiet": {"quiet": true, "since": "2026-11-23T17:10:00+00:00",
                             "held_notifications": 3,
                             "holders": [{"held": true, "error": null}]}}),
        );
        let v = view(&g, utc(EVENING));
        assert_eq!(v.glyph, Glyph::Holding);
        assert_eq!(v.title, "Off since 17:00 · 3 held · back tomorrow 09:00");
        assert_eq!(
            v.tooltip,
            "Today: 6h 40m at the laptop\nThis week: 3h 10m out of hours, plus 45m you \
             logged",
            "as `clockoff status` says it (issue 19: the logged time was left out)"
        );
        assert_eq!(
            v.offers,
            Offers {
                work_now: true,
                until_stop: true,
                leave_today: true,
                ..Offers::default()
            }
        );
        // With nothing to see the stop, "until I stop" is not offered.
        let blind = view(
            &status("off", json!({"activity_source": "none"})),
            utc(EVENING),
        );
        assert!(!blind.offers.until_stop);
        // ...and the tooltip says that nothing is recorded at the laptop.
        assert!(
            blind
                .tooltip
                .ends_with("\nThis session reports no activity: nothing is recorded at the laptop"),
            "{}",
            blind.tooltip
        );
        // The same with logind running, which tells lock and sleep but not input.
        let lock_only = view(
            &status("off", json!({"activity_source": "none + logind"})),
            utc(EVENING),
        );
        assert!(!lock_only.offers.until_stop);
        assert_eq!(lock_only.tooltip, blind.tooltip);
        // On Friday evening, back is Monday.
        let g = status(
            "off",
            json!({"since": "2026-11-27T17:00:00+00:00",
                   "work_resumes": "2026-11-30T09:00:00+00:00"}),
        );
        let v = view(&g, utc("2026-11-27T18:00:00Z"));
        assert!(v.title.ends_with("back Mon 09:00"), "{}", v.title);
    }

    #[test]
    fn in_the_grace_it_says_when_holding_begins_and_offers_hold_now() {
        let g = status(
            "off",
            json!({"quiet": {"from": "2026-11-23T17:10:00+00:00"}}),
        );
        let v = view(&g, utc("2026-11-23T17:02:00Z"));
        assert_eq!(v.glyph, Glyph::Off);
        assert_eq!(
            v.title,
            "Off since 17:00 · holding from 17:10 · back tomorrow 09:00"
        );
        assert!(v.offers.hold_now && v.offers.work_now && !v.offers.end_override);
    }

    #[test]
    fn a_holder_that_failed_is_not_called_holding() {
        let g = status(
            "off",
            json!({"quiet": {"quiet": true, "since": "2026-11-23T17:10:00+00:00",
                             "holders": [{"held": false, "error": "no notification server"}]}}),
        );
        let v = view(&g, utc(EVENING));
        assert!(v.title.contains("could not hold"), "{}", v.title);
        assert_eq!(v.glyph, Glyph::Holding);
    }

    #[test]
    fn working_offers_hold_now_and_a_finish_for_the_day_offers_resume() {
        let g = status(
            "working",
            json!({"since": "2026-11-23T09:00:00+00:00", "until": "2026-11-23T17:00:00+00:00"}),
        );
        let v = view(&g, utc("2026-11-23T15:00:00Z"));
        assert_eq!(v.glyph, Glyph::Working);
        assert_eq!(v.title, "Working until 17:00");
        assert!(v.offers.hold_now && !v.offers.work_now);

        // Finished for the day: the state is off, as status, JSON and D-Bus say it.
        let g = status(
            "off",
            json!({"since": "2026-11-23T15:30:00+00:00", "until": "2026-11-24T09:00:00+00:00",
                   "finished_early": "2026-11-23T15:30:00+00:00",
                   "quiet": {"quiet": true, "since": "2026-11-23T15:30:00+00:00",
                             "holders": [{"held": true, "error": null}]}}),
        );
        let v = view(&g, utc("2026-11-23T15:45:00Z"));
        assert_eq!(v.glyph, Glyph::Holding);
        assert_eq!(
            v.title,
            "Finished early at 15:30 · 0 held · back tomorrow 09:00"
        );
        assert!(v.offers.work_now && v.offers.resume && !v.offers.hold_now);
        // Without it, off is plain off and "Resume work" is not offered.
        let g = status(
            "off",
            json!({"since": "2026-11-23T17:00:00+00:00", "until": "2026-11-24T09:00:00+00:00",
                   "quiet": {"quiet": true, "since": "2026-11-23T17:10:00+00:00",
                             "holders": [{"held": true, "error": null}]}}),
        );
        let v = view(&g, utc("2026-11-23T18:00:00Z"));
        assert!(v.title.starts_with("Off since 17:00"), "{}", v.title);
        assert!(!v.offers.resume);
    }

    #[test]
    fn an_override_shows_the_time_left_or_until_you_stop() {
        let g = status(
            "override",
            json!({"since": "2026-11-23T19:00:00+00:00", "until": "2026-11-23T19:30:00+00:00",
                   "override": {"until": "2026-11-23T19:30:00+00:00", "reason": "",
                                "until_away": false}}),
        );
        let v = view(&g, utc("2026-11-23T19:05:30Z"));
        assert_eq!(v.glyph, Glyph::Override);
        assert_eq!(v.title, "Working by choice until 19:30 (25m left)");
        assert!(v.offers.end_override && v.offers.work_now && v.offers.hold_now);

        let g = status(
            "override",
            json!({"until": "2026-11-24T07:00:00+00:00",
                   "override": {"until": "2026-11-24T07:00:00+00:00", "reason": "",
                                "until_away": true}}),
        );
        assert_eq!(
            view(&g, utc(EVENING)).title,
            "Working by choice until you stop"
        );
    }

    #[test]
    fn on_call_leave_and_holidays_have_their_own_icon_and_words() {
        let g = status("on_call", json!({"until": "2026-11-23T22:00:00+00:00"}));
        let v = view(&g, utc(EVENING));
        assert_eq!(
            (v.glyph, v.title.as_str()),
            (Glyph::OnCall, "On call until 22:00")
        );
        assert_eq!(v.offers, Offers::default(), "nothing is held on call");

        let g = status(
            "holiday",
            json!({"since": "2026-12-25T00:00:00+00:00",
                   "work_resumes": "2026-12-29T09:00:00+00:00",
                   "quiet": {"quiet": true, "holders": [{"held": true, "error": null}]}}),
        );
        let v = view(&g, utc("2026-12-25T10:00:00Z"));
        assert_eq!(v.glyph, Glyph::Away);
        assert_eq!(
            v.title,
            "Bank holiday since 00:00 · 0 held · back Tue 09:00"
        );
        assert!(!v.offers.leave_today, "a bank holiday is not leave to book");

        let g = status("leave", json!({"since": "2026-11-23T00:00:00+00:00"}));
        let v = view(&g, utc(EVENING));
        assert!(v.title.starts_with("On leave since 00:00"));
        assert!(!v.offers.leave_today, "on leave already");
    }

    #[test]
    fn with_nothing_to_hold_hold_now_is_not_offered() {
        let g = status(
            "working",
            json!({"until": "2026-11-23T17:00:00+00:00", "quiet": {"holders": []}}),
        );
        assert!(!view(&g, utc("2026-11-23T15:00:00Z")).offers.hold_now);
    }

    #[test]
    fn the_team_line_counts_enrolled_laptops_or_says_why_nothing_is_sent() {
        let team = |enrolled: u32, max: Value, refused: Value| {
            json!({"enabled": true, "team": {"enrolled": enrolled, "max_devices": max,
                   "issuer_fingerprint": "3f2a 91c0 77de 0b41", "key_refused": refused,
                   "name": "Team A"}})
        };
        let line =
            |report: Value| view(&status("off", json!({ "report": report })), utc(EVENING)).team;
        assert_eq!(line(json!({"enabled": true})), None, "not enrolled yet");
        assert_eq!(
            line(team(7, json!(12), Value::Null)).as_deref(),
            Some("Team A: 7 of 12 laptops enrolled")
        );
        assert_eq!(
            line(team(1, Value::Null, Value::Null)).as_deref(),
            Some("Team A: 1 laptop enrolled")
        );
        assert!(
            line(team(7, json!(12), json!("changed")))
                .unwrap()
                .starts_with("Reports stopped")
        );
        let mut off = team(7, json!(12), Value::Null);
        off["enabled"] = json!(false);
        assert_eq!(line(off), None, "reporting is off");
    }

    #[test]
    fn reporting_offers_the_last_week_only_while_on_and_not_yet_sent() {
        let offer = |report: Value| view(&status("off", json!({ "report": report })), utc(EVENING));
        assert_eq!(offer(json!({})).offers.report, None, "reporting is off");
        let w47 = week::parse("2026-W47").unwrap();
        assert_eq!(
            offer(json!({"enabled": true})).offers.report,
            Some(ReportOffer {
                week: w47,
                paused: false
            })
        );
        assert_eq!(
            offer(json!({"enabled": true, "last_week": {"paused": true}}))
                .offers
                .report,
            Some(ReportOffer {
                week: w47,
                paused: true
            })
        );
        assert_eq!(
            offer(json!({"enabled": true, "last_week": {"delivered": true}}))
                .offers
                .report,
            None,
            "a week delivered cannot be kept back"
        );
        // Whatever the state: on call too.
        let on_call = status("on_call", json!({"report": {"enabled": true}}));
        assert!(view(&on_call, utc(EVENING)).offers.report.is_some());
    }
}
