//! The dashboard's release rule on one week of a 300-team organisation (org -> 4 directorates
//! -> 20 services -> 300 teams, 2-21 reporters a team, 3,169 in all). A trend page
//! computes 104 of these. The reference in the same run is the figures of one population of
//! everyone (one tally and one median over all reporters): the release does that for each of
//! the 325 units, from shared sums and one median per released unit.
//! Run with `cargo bench --bench release`.

use std::hint::black_box;

use clockoff_dashboard::rule::release::decide;
use clockoff_dashboard::{Contribution, Figures, Threshold, UnitTree, Week};
use criterion::{Criterion, criterion_group, criterion_main};

fn org() -> UnitTree {
    let mut units: Vec<(String, Option<String>)> = vec![("org".into(), None)];
    for d in 0..4 {
        units.push((format!("dir-{d}"), Some("org".into())));
        for s in 0..5 {
            units.push((format!("svc-{d}-{s}"), Some(format!("dir-{d}"))));
            for t in 0..15 {
                units.push((format!("team-{d}-{s}-{t:02}"), Some(format!("svc-{d}-{s}"))));
            }
        }
    }
    UnitTree::new(units).expect("bench org is a tree")
}

/// Deterministic team sizes and values (xorshift), so every run measures the same week.
fn week(tree: &UnitTree) -> Week<'_> {
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut week = Week::new(tree);
    let teams: Vec<String> = (0..tree.len())
        .map(|u| tree.id(u).to_string())
        .filter(|id| id.starts_with("team-"))
        .collect();
    for team in &teams {
        for _ in 0..2 + next() % 20 {
            let minutes = |r: u64| (r % 64) as u32 * 15;
            let c = Contribution {
                out_of_hours_minutes: minutes(next()),
                self_reported_out_of_hours_minutes: minutes(next()),
                weekend_minutes: minutes(next()) / 4,
                late_evening_minutes: minutes(next()) / 2,
                days_with_out_of_hours_work: (next() % 8) as u32,
                notifications_held_out_of_hours: (next() % 40) as u32,
                on_call_callout_minutes: if next() % 10 == 0 { 90 } else { 0 },
            };
            week.add(team, c).expect("team exists");
        }
    }
    week
}

fn bench(c: &mut Criterion) {
    let tree = org();
    let week = week(&tree);
    let k = Threshold::default();
    let everyone: Vec<Contribution> = (0..tree.len())
        .flat_map(|u| week.direct(u).to_vec())
        .collect();
    let direct: Vec<u64> = (0..tree.len())
        .map(|u| week.direct(u).len() as u64)
        .collect();

    c.bench_function("reference/figures_of_everyone", |b| {
        b.iter(|| black_box(Figures::of(black_box(&everyone))))
    });
    c.bench_function("release/decide_300_teams", |b| {
        b.iter(|| black_box(decide(&tree, black_box(&direct), k)))
    });
    c.bench_function("release/week_300_teams", |b| {
        b.iter(|| black_box(week.release(k)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
