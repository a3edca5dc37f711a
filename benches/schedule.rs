//! Schedule engine speed. The reference in the same run is one chrono-tz conversion of an
//! instant to local time, the unit of work the engine is built from; scripts/bench prints
//! each figure as a multiple of it.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use clockoff::config::from_text;
use clockoff::core::calendar::{self, Filter, Format, Reading, Use};
use clockoff::core::schedule::Schedule;
use clockoff::core::spans::Span;
use clockoff::core::timeline::Timeline;
use criterion::{Criterion, criterion_group, criterion_main};

/// A realistic worker: split shifts, a night shift, bank holidays, leave and on-call.
const CONFIG: &str = r#"
timezone = "Europe/London"
[hours]
monday    = ["09:00-12:30", "13:30-17:30"]
tuesday   = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday  = ["09:00-17:00"]
friday    = ["09:00-16:30"]
sunday    = ["22:00-06:00"]
[holidays]
region = "england-and-wales"
[[leave]]
from = "2026-08-03"
to   = "2026-08-14"
[[on_call]]
from = "2026-11-27T17:00"
to   = "2026-11-30T09:00"
"#;

fn schedule() -> Schedule {
    from_text("bench.toml", CONFIG)
        .expect("bench config is valid")
        .schedule()
}

/// 1,024 instants spread over 2026 at odd minutes, so every layer gets exercised.
fn instants() -> Vec<DateTime<Utc>> {
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    (0..1024)
        .map(|i| start + TimeDelta::minutes(i * 513 + 7))
        .collect()
}

/// A year of a 200-event calendar as a team exports it: 196 single events (all-day leave and
/// timed on-call nights, in a named zone) and four that repeat (a weekly rota with
/// exceptions, a monthly duty day, a week of daily cover, a yearly closure).
fn calendar_year() -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for i in 0..196 {
        let day = start + TimeDelta::days(i * 365 / 196);
        let d = day.format("%Y%m%d");
        let next = (day + TimeDelta::days(1)).format("%Y%m%d");
        let when = if i % 2 == 0 {
            format!("DTSTART;VALUE=DATE:{d}\r\nDTEND;VALUE=DATE:{next}\r\n")
        } else {
            format!(
                "DTSTART;TZID=Europe/London:{d}T220000\r\nDTEND;TZID=Europe/London:{next}T080000\r\n"
            )
        };
        text += &format!("BEGIN:VEVENT\r\nUID:e{i}\r\nSUMMARY:Rota {i}\r\n{when}END:VEVENT\r\n");
    }
    for (i, rule) in [
        "DTSTART;TZID=Europe/London:20260102T170000\r\nDTEND;TZID=Europe/London:20260105T090000\r\nRRULE:FREQ=WEEKLY;BYDAY=FR\r\nEXDATE;TZID=Europe/London:20260403T170000,20260828T170000\r\n",
        "DTSTART;TZID=Europe/London:20260130T090000\r\nDTEND;TZID=Europe/London:20260130T170000\r\nRRULE:FREQ=MONTHLY;BYDAY=-1FR\r\n",
        "DTSTART;TZID=Europe/London:20260601T080000\r\nDTEND;TZID=Europe/London:20260601T200000\r\nRRULE:FREQ=DAILY;COUNT=7\r\n",
        "DTSTART;VALUE=DATE:20201224\r\nDTEND;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\n",
    ]
    .iter()
    .enumerate()
    {
        text += &format!("BEGIN:VEVENT\r\nUID:r{i}\r\nSUMMARY:Rota r{i}\r\n{rule}END:VEVENT\r\n");
    }
    text + "END:VCALENDAR\r\n"
}

fn bench(c: &mut Criterion) {
    let schedule = schedule();
    let tz = schedule.timezone();
    let times = instants();
    let mut i = 0;
    let mut next = || {
        i = (i + 1) % times.len();
        times[i]
    };

    c.bench_function("reference/chrono_tz_to_local", |b| {
        b.iter(|| black_box(next().with_timezone(&tz)))
    });
    c.bench_function("schedule/state", |b| {
        b.iter(|| black_box(schedule.state(next())))
    });
    c.bench_function("schedule/state_at", |b| {
        b.iter(|| black_box(schedule.state_at(next())))
    });
    c.bench_function("schedule/next_transition", |b| {
        b.iter(|| black_box(schedule.next_transition(next())))
    });
    let year = (times[0], times[0] + TimeDelta::days(365));
    c.bench_function("schedule/transitions_one_year", |b| {
        b.iter(|| black_box(schedule.transitions(year.0, year.1).count()))
    });

    let timeline = Timeline::new(schedule.clone());
    c.bench_function("timeline/state_at", |b| {
        b.iter(|| black_box(timeline.state_at(next())))
    });
    c.bench_function("timeline/next_transition", |b| {
        b.iter(|| black_box(timeline.next_transition(next())))
    });
    // Cold: a fresh timeline answering one question compiles the year it falls in.
    c.bench_function("timeline/first_state_at_cold", |b| {
        b.iter(|| black_box(Timeline::new(schedule.clone()).state_at(next())))
    });
    c.bench_function("config/parse_and_build", |b| {
        b.iter(|| black_box(self::schedule()))
    });

    // A calendar read as the agent reads it: the year behind and the year ahead, then
    // merged into the schedule.
    let text = calendar_year();
    let config = from_text("bench.toml", CONFIG).expect("bench config is valid");
    let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
        .unwrap()
        .to_utc();
    let how = Reading {
        format: Format::Ics,
        use_: Use::OnCall,
        filter: Filter::default(),
        tz,
        window: Span::new(now - TimeDelta::days(366), now + TimeDelta::days(400)),
    };
    let read = |text: &str| calendar::read(text, &how).expect("bench calendar reads");
    assert!(read(&text).on_call.len() > 200, "the year is read whole");
    c.bench_function("calendar/read_200_events", |b| {
        b.iter(|| black_box(read(&text)))
    });
    c.bench_function("calendar/read_and_build_schedule", |b| {
        b.iter(|| {
            let entries = read(&text);
            black_box(
                config
                    .clone()
                    .with_calendars(vec![("rota".into(), entries)])
                    .schedule(),
            )
        })
    });
    let merged = config
        .clone()
        .with_calendars(vec![("rota".into(), read(&text))])
        .schedule();
    c.bench_function("calendar/transitions_one_year", |b| {
        b.iter(|| black_box(merged.transitions(year.0, year.1).count()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
