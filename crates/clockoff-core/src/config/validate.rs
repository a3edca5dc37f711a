//! The merged raw values turned into checked, typed configuration. Every problem found is
//! reported (not just the first), each at its place.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use toml::Spanned;

use super::activity_source::Choice;
use super::error::ConfigError;
use super::layers::{Dates, Layer, Merged, Periods, Sourced};
use super::{ActivitySettings, Config, DEFAULT_IDLE_AFTER, HolidayRules, ZoneSource};
use crate::civil::resolve_local;
use crate::duration::parse_duration;
use crate::holidays::{Region, bank_holidays};
use crate::hours::{DailyRange, WeeklyHours};
use crate::schedule::horizon;
use crate::spans::Span;

const MAX_CONTRACTED: Duration = Duration::from_secs(168 * 3600);
/// Idle detection shorter than a second is noise; longer than two hours is not "at the laptop".
const IDLE_AFTER: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(2 * 3600);

#[expect(
    clippy::too_many_lines,
    reason = "one check or case after another; split when next touched"
)]
pub fn validate(
    merged: &Merged,
    system_zone: impl FnOnce() -> (Tz, ZoneSource),
    errors: &mut Vec<ConfigError>,
) -> Option<Config> {
    let before = errors.len();
    let (timezone, timezone_source) =
        match merged.timezone {
            Some(tz) => match tz.value.get_ref().parse::<Tz>() {
                Ok(zone) => (zone, ZoneSource::Configured),
                Err(_) => {
                    errors.push(err(tz, format!(
                    "unknown time zone \"{}\": expected an IANA name such as \"Europe/London\"",
                    tz.value.get_ref()
                )));
                    (Tz::UTC, ZoneSource::Configured)
                }
            },
            None => system_zone(),
        };

    let contracted = merged
        .contracted
        .and_then(|c| match parse_duration(c.value.get_ref()) {
            Ok(d) if d <= MAX_CONTRACTED => Some(d),
            Ok(_) => {
                errors.push(err(
                    c,
                    "contracted hours cannot exceed 168h, the length of a week",
                ));
                None
            }
            Err(message) => {
                errors.push(err(c, format!("contracted: {message}")));
                None
            }
        });

    let idle_after = merged
        .idle_after
        .and_then(|i| match parse_duration(i.value.get_ref()) {
            Ok(d) if IDLE_AFTER.contains(&d) => Some(d),
            Ok(_) => {
                errors.push(err(i, "activity.idle_after: expected 1s to 2h"));
                None
            }
            Err(message) => {
                errors.push(err(i, format!("activity.idle_after: {message}")));
                None
            }
        });
    let activity_source = merged.activity_source.and_then(|s| {
        let parsed = s.value.get_ref().parse::<Choice>();
        if let Err(message) = &parsed {
            errors.push(err(s, format!("activity.source: {message}")));
        }
        parsed.ok()
    });

    let hours = merged
        .hours
        .map(|h| weekly_hours(h, errors))
        .unwrap_or_default();

    // `None` when the region is unknown: its own error then says all there is to say.
    let region = match merged.region {
        Some(r) => r.value.get_ref().parse::<Region>().ok().or_else(|| {
            errors.push(err(
                r,
                format!(
                    "unknown holiday region \"{}\": expected one of {}",
                    r.value.get_ref(),
                    Region::ALL.map(|r| format!("\"{r}\"")).join(", ")
                ),
            ));
            None
        }),
        None => Some(Region::None),
    };
    let extra = merged
        .extra
        .map(|d| dates(d, "holidays.extra", errors))
        .unwrap_or_default();
    let removed = merged
        .removed
        .map(|d| dates(d, "holidays.removed", errors))
        .unwrap_or_default();
    if let (Some(list), Some(region)) = (merged.removed, region) {
        for (item, date) in list
            .value
            .get_ref()
            .iter()
            .filter_map(|item| Some((item, parse_date(item.get_ref())?)))
        {
            let problem = match region {
                Region::None => Some(format!(
                    "holidays.removed: region \"none\" has no built-in days to remove ({date})"
                )),
                _ => (!bank_holidays(region, date.year())
                    .iter()
                    .any(|h| h.date == date))
                .then(|| {
                    format!("holidays.removed: {date} is not a built-in {region} bank holiday")
                }),
            };
            if let Some(message) = problem {
                errors.push(list.layer.error_at(&item.span(), message));
            }
        }
    }
    let region = region.unwrap_or(Region::None);

    let leave = merged
        .leave
        .map(|l| leave_periods(l, errors))
        .unwrap_or_default();
    let on_call = merged
        .on_call
        .map(|o| on_call_periods(o, timezone, errors))
        .unwrap_or_default();

    let quiet = super::quiet_checks::quiet(merged, errors);
    let (toil, toil_rate) = super::record_checks::toil(merged, errors);
    let keep = super::record_checks::keep(merged, errors);
    let report = super::report_checks::report(merged, errors);
    let calendars = super::calendar_checks::calendars(merged, errors);

    (errors.len() == before).then(|| Config {
        timezone,
        timezone_source,
        contracted: contracted.unwrap_or_default(),
        hours,
        holidays: HolidayRules {
            region,
            extra,
            removed,
        },
        leave,
        on_call,
        activity: ActivitySettings {
            idle_after: idle_after.unwrap_or(DEFAULT_IDLE_AFTER),
            source: activity_source.unwrap_or_default(),
        },
        quiet,
        tray: merged.tray_enabled.is_none_or(|t| *t.value.get_ref()),
        toil,
        toil_rate,
        keep,
        report,
        calendars,
        from_calendars: Vec::new(),
        origins: super::Origins {
            leave: merged.leave.map(|l| written(l.layer)),
            on_call: merged.on_call.map(|l| written(l.layer)),
            extra: merged.extra.map(|l| written(l.layer)),
        },
    })
}

fn written(layer: &Layer) -> super::Written {
    match layer.role {
        super::layers::Role::Default => super::Written::Default,
        super::layers::Role::Policy => super::Written::Policy,
        super::layers::Role::User => super::Written::User,
    }
}

fn err<T>(from: Sourced<Spanned<T>>, message: impl Into<String>) -> ConfigError {
    from.layer.error_at(&from.value.span(), message)
}

fn weekly_hours(
    h: Sourced<Spanned<crate::config::raw::RawHours>>,
    errors: &mut Vec<ConfigError>,
) -> WeeklyHours {
    let raw_days = h.value.get_ref().days();
    let mut days: [Vec<DailyRange>; 7] = Default::default();
    let mut spans: [Vec<std::ops::Range<usize>>; 7] = Default::default();
    for (i, (day, ranges)) in raw_days.iter().enumerate() {
        for text in ranges.iter().flatten() {
            match DailyRange::parse(text.get_ref()) {
                Ok(range) => {
                    days[i].push(range);
                    spans[i].push(text.span());
                }
                Err(e) => errors.push(
                    h.layer
                        .error_at(&text.span(), format!("hours.{day}: {}", e.0)),
                ),
            }
        }
    }
    let hours = WeeklyHours::new(days);
    for overlap in hours.overlaps() {
        let (first_day, first) = overlap.first;
        let (second_day, second) = overlap.second;
        let name = |d: chrono::Weekday| raw_days[d.num_days_from_monday() as usize].0;
        let range = |d: chrono::Weekday, i: usize| hours.on(d)[i];
        errors.push(h.layer.error_at(
            &spans[second_day.num_days_from_monday() as usize][second],
            format!(
                "hours.{}: \"{}\" overlaps \"{}\" on {}; ranges may touch but not overlap",
                name(second_day),
                range(second_day, second),
                range(first_day, first),
                name(first_day),
            ),
        ));
    }
    hours
}

const DATE: &str = "a date \"YYYY-MM-DD\" in 1970-2100";
const DATE_TIME: &str =
    "a local date-time \"YYYY-MM-DDTHH:MM\" or RFC 3339 with an offset, in 1970-2100";

/// `parse` applied to one value, or an error at the value's place saying what was expected.
fn parse_or_report<T>(
    layer: &Layer,
    value: &Spanned<toml::Value>,
    key: &str,
    expected: &str,
    parse: impl FnOnce(&toml::Value) -> Option<T>,
    errors: &mut Vec<ConfigError>,
) -> Option<T> {
    let parsed = parse(value.get_ref());
    if parsed.is_none() {
        errors.push(layer.error_at(
            &value.span(),
            format!("{key}: expected {expected}, found {}", value.get_ref()),
        ));
    }
    parsed
}

fn dates(list: Sourced<Dates>, key: &str, errors: &mut Vec<ConfigError>) -> Vec<NaiveDate> {
    list.value
        .get_ref()
        .iter()
        .filter_map(|item| parse_or_report(list.layer, item, key, DATE, parse_date, errors))
        .collect()
}

fn leave_periods(
    list: Sourced<Periods>,
    errors: &mut Vec<ConfigError>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut periods = Vec::new();
    for period in list.value.get_ref() {
        let p = period.get_ref();
        let from = parse_or_report(list.layer, &p.from, "leave.from", DATE, parse_date, errors);
        let to = parse_or_report(list.layer, &p.to, "leave.to", DATE, parse_date, errors);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                errors.push(list.layer.error_at(
                    &p.to.span(),
                    format!("leave ends ({to}) before it starts ({from})"),
                ));
            } else {
                periods.push((from, to));
            }
        }
    }
    periods
}

fn on_call_periods(list: Sourced<Periods>, tz: Tz, errors: &mut Vec<ConfigError>) -> Vec<Span> {
    let mut spans = Vec::new();
    let instant = |v: &toml::Value| parse_instant(v, tz);
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z");
    for period in list.value.get_ref() {
        let p = period.get_ref();
        let from = parse_or_report(
            list.layer,
            &p.from,
            "on_call.from",
            DATE_TIME,
            instant,
            errors,
        );
        let to = parse_or_report(list.layer, &p.to, "on_call.to", DATE_TIME, instant, errors);
        if let (Some(from), Some(to)) = (from, to) {
            if to <= from {
                errors.push(list.layer.error_at(
                    &p.to.span(),
                    format!(
                        "on-call window ends ({}) at or before it starts ({})",
                        local(to),
                        local(from)
                    ),
                ));
            } else {
                spans.push(Span::new(from, to));
            }
        }
    }
    spans
}

/// A date from a string or a TOML date literal, within the supported years.
fn parse_date(value: &toml::Value) -> Option<NaiveDate> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => return None,
    };
    let date = strict(&text, "%Y-%m-%d", NaiveDate::parse_from_str, |d, f| {
        d.format(f).to_string()
    })?;
    within_horizon(date.and_time(NaiveTime::MIN).and_utc()).then_some(date)
}

/// An instant from RFC 3339 with an offset, or a local date-time read in `tz`, within the
/// supported years.
fn parse_instant(value: &toml::Value, tz: Tz) -> Option<DateTime<Utc>> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.date.is_some() && d.time.is_some() => d.to_string(),
        _ => return None,
    };
    let t = match DateTime::parse_from_rfc3339(&text) {
        Ok(t) => t.to_utc(),
        Err(_) => {
            let local = LOCAL_FORMATS.iter().find_map(|f| {
                strict(&text, f, NaiveDateTime::parse_from_str, |t, f| {
                    t.format(f).to_string()
                })
            })?;
            resolve_local(tz, local)
        }
    };
    within_horizon(t).then_some(t)
}

const LOCAL_FORMATS: [&str; 4] = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
];

/// Dates and times are accepted within the years the schedule answers for, 1970-2100 (UTC
/// for instants).
fn within_horizon(t: DateTime<Utc>) -> bool {
    horizon().contains(t)
}

/// Parses with `format`, accepting only text written exactly that way (chrono alone would
/// also take "2026-8-3").
fn strict<T>(
    text: &str,
    format: &str,
    parse: fn(&str, &str) -> chrono::ParseResult<T>,
    print: fn(&T, &str) -> String,
) -> Option<T> {
    let value = parse(text, format).ok()?;
    (print(&value, format) == text).then_some(value)
}
