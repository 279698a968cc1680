//! Sign/verify throughput of hookwire, against a bare HMAC, raw SHA-256 and two peer crates.
//!
//! `cargo bench -p hookwire-benches --bench verify` (or `make bench`). One run measures, for
//! bodies of 256 B, 1 KiB, 16 KiB and 256 KiB (fixed JSON-like bytes), every group below; each
//! benchmark id is `<group>/<size>` and its throughput is the body length.
//!
//! | group | what one iteration does |
//! |---|---|
//! | `verify/hookwire` | hookwire `Verifier::verify_at`, hookwire scheme, `now` = the signed timestamp |
//! | `verify/standard-webhooks` | the same, Standard Webhooks scheme, on the peers' message |
//! | `verify/standardwebhooks-crate` | `standardwebhooks::Webhook::verify` on that message |
//! | `verify/svix-crate` | `svix::webhooks::Webhook::verify` on that message |
//! | `sign/hookwire`, `sign/standard-webhooks` | hookwire `Signer::sign` |
//! | `hmac/precomputed` | a keyed `Hmac<Sha256>` cloned, fed `{id}.{ts}.{body}`, `verify_slice` |
//! | `sha256/raw` | `Sha256::digest(body)`: the ceiling for anything that hashes the body |
//!
//! The peers check the timestamp against the system clock, so their message is signed with the
//! current time just before each of their benchmarks, and every verifier is checked to accept
//! its input before and after it is measured: no group can silently time an error path.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookwire::{Scheme, Secret, Signer, Verifier};
use http::HeaderMap;
use sha2::{Digest, Sha256};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_2KxQ4pZ9bRzq7WnTfY3c";
/// The timestamp of the hookwire-scheme messages (verified with `now` equal to it).
const FIXED_TS: i64 = 1_700_000_000;

const SIZES: [(usize, &str); 4] =
    [(256, "256B"), (1024, "1KiB"), (16 * 1024, "16KiB"), (256 * 1024, "256KiB")];

fn unix_now() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock before 1970").as_secs();
    i64::try_from(secs).expect("clock beyond i64 seconds")
}

fn secret() -> Secret {
    Secret::parse(SECRET).expect("valid secret")
}

/// A Standard Webhooks message signed now by hookwire, with the timestamp it carries.
fn standard_message(signer: &Signer, body: &[u8]) -> (HeaderMap, i64) {
    let ts = unix_now();
    (signer.sign(MSG_ID, ts, body).expect("sign standard-webhooks"), ts)
}

fn bench_config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
        .configure_from_args()
}

fn benches(c: &mut Criterion) {
    let bodies: Vec<(Vec<u8>, &str)> =
        SIZES.iter().map(|&(len, label)| (hookwire_benches::json_body(len), label)).collect();

    let hookwire_signer = Signer::new(Scheme::hookwire(), secret());
    let hookwire_verifier = Verifier::new(Scheme::hookwire(), [secret()]);
    let standard_signer = Signer::new(Scheme::standard_webhooks(), secret());
    let standard_verifier = Verifier::new(Scheme::standard_webhooks(), [secret()]);
    let peer_standard = standardwebhooks::Webhook::new(SECRET).expect("standardwebhooks secret");
    let peer_svix = svix::webhooks::Webhook::new(SECRET).expect("svix secret");

    // ---- verify ----
    let mut group = c.benchmark_group("verify/hookwire");
    for (body, label) in &bodies {
        let headers = hookwire_signer.sign(MSG_ID, FIXED_TS, body).expect("sign hookwire");
        hookwire_verifier.verify_at(&headers, body, FIXED_TS).expect("hookwire accepts its message");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| {
                hookwire_verifier.verify_at(black_box(&headers), black_box(body.as_slice()), FIXED_TS).is_ok()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify/standard-webhooks");
    for (body, label) in &bodies {
        let (headers, ts) = standard_message(&standard_signer, body);
        standard_verifier.verify_at(&headers, body, ts).expect("hookwire accepts the standard message");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| {
                standard_verifier.verify_at(black_box(&headers), black_box(body.as_slice()), ts).is_ok()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify/standardwebhooks-crate");
    for (body, label) in &bodies {
        let (headers, _) = standard_message(&standard_signer, body);
        peer_standard.verify(body, &headers).expect("standardwebhooks accepts the message");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| peer_standard.verify(black_box(body.as_slice()), black_box(&headers)).is_ok())
        });
        // Still inside the 5-minute window after measuring: the loop timed the success path.
        peer_standard.verify(body, &headers).expect("standardwebhooks still accepts the message");
    }
    group.finish();

    let mut group = c.benchmark_group("verify/svix-crate");
    for (body, label) in &bodies {
        let (headers, _) = standard_message(&standard_signer, body);
        peer_svix.verify(body, &headers).expect("svix accepts the message");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| peer_svix.verify(black_box(body.as_slice()), black_box(&headers)).is_ok())
        });
        peer_svix.verify(body, &headers).expect("svix still accepts the message");
    }
    group.finish();

    // ---- sign ----
    let mut group = c.benchmark_group("sign/hookwire");
    for (body, label) in &bodies {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| hookwire_signer.sign(black_box(MSG_ID), FIXED_TS, black_box(body.as_slice())))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sign/standard-webhooks");
    for (body, label) in &bodies {
        // The peers' own signer must agree with hookwire's, or the verify groups compare
        // different work.
        let theirs = peer_standard.sign(MSG_ID, FIXED_TS, body).expect("standardwebhooks signs");
        let ours = standard_signer.sign(MSG_ID, FIXED_TS, body).expect("hookwire signs");
        assert_eq!(ours["webhook-signature"].to_str().ok(), Some(theirs.as_str()));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| standard_signer.sign(black_box(MSG_ID), FIXED_TS, black_box(body.as_slice())))
        });
    }
    group.finish();

    // ---- baselines ----
    let mut group = c.benchmark_group("hmac/precomputed");
    for (body, label) in &bodies {
        let bare = hookwire_benches::BareHmac::new(SECRET, MSG_ID, FIXED_TS, body);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| bare.verify(body.as_slice()))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sha256/raw");
    for (body, label) in &bodies {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), body, |b, body| {
            b.iter(|| Sha256::digest(black_box(body.as_slice())))
        });
    }
    group.finish();
}

criterion_group! {
    name = verify;
    config = bench_config();
    targets = benches
}
criterion_main!(verify);
