//! What a week token costs the dashboard per laptop and per report: issuing one (the
//! POPRF's blind evaluation with its DLEQ proof) and checking one with a report (the PRF on
//! the pseudonym), beside the reference in the same run: the SHA-256 of a reporter token,
//! which the dashboard computes for every request anyway. The laptop's side (blinding and
//! checking the proof) is measured too. Run with `cargo bench -p clockoff-dashboard --bench
//! week_token`.

use std::hint::black_box;

use clockoff_core::record::week;
use clockoff_core::summary::DeviceSecret;
use clockoff_core::week_token::{self, IssuerKey, Scope};
use clockoff_dashboard::token::TokenHash;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let issuer = IssuerKey::generate([1; 32]).unwrap();
    let secret = DeviceSecret::from_bytes([7; 32]);
    let w = week::parse("2026-W48").unwrap();
    let scope = Scope {
        unit: "team-0-0-00",
        week: w,
    };
    let blinding = week_token::blind(&secret, w).unwrap();
    let (evaluated, proof) = issuer.issue([9; 32], &blinding.request(), &scope).unwrap();
    let token = blinding
        .finish(&evaluated, &proof, &issuer.public(), &scope)
        .unwrap();
    let pseudonym = secret.pseudonym(w);
    let reporter = format!("cod_r_{}", "ab".repeat(32));

    c.bench_function("reference: SHA-256 of a reporter token", |b| {
        b.iter(|| TokenHash::of(black_box(&reporter)))
    });
    c.bench_function("dashboard: issue a week token (evaluate + proof)", |b| {
        b.iter(|| issuer.issue(black_box([9; 32]), black_box(&blinding.request()), &scope))
    });
    c.bench_function("dashboard: check a report's week token", |b| {
        b.iter(|| issuer.redeem(black_box(&pseudonym), &scope, black_box(&token)))
    });
    c.bench_function("laptop: blind the week's pseudonym", |b| {
        b.iter(|| week_token::blind(black_box(&secret), w))
    });
    c.bench_function("laptop: check the proof and unblind", |b| {
        b.iter(|| blinding.finish(&evaluated, &proof, &issuer.public(), &scope))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
