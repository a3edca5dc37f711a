//! Schedule engine speed. The reference in the same run is one chrono-tz conversion of an
//! instant to local time, the unit of work the engine is built from; scripts/bench prints
//! each figure as a multiple of it.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use clockoff::config::from_text;
use clockoff::core::schedule::Schedule;
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
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
