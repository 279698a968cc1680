//! Issue 18's Rust rows in one run: `verify_at` on a 1 KB Standard Webhooks message against a
//! bare precomputed HMAC-SHA256 of the same bytes, and `Event::from_json` of a 933 B order event
//! against `serde_json::Value` of the same bytes; each beside the figure at filing, with its goal.
//!
//! `cargo bench -p hookwire-benches --bench speed` (part of `make bench`). `ROUNDS` (default
//! 200) sets the rounds per row.
//!
//! On a shared machine the load changes by the millisecond, so each row is measured as many
//! short alternating rounds of the two contenders (about 2 ms each, order swapped every round),
//! and each contender's figure is its fastest round: the time of a call when nothing else got
//! in its way, which is what the two are compared on. Every contender is checked to give the
//! expected answer before it is timed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hookwire::{Event, Scheme, Secret, Signer, Verifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_2KxQ4pZ9bRzq7WnTfY3c";
const TS: i64 = 1_700_000_000;
const ROUND: Duration = Duration::from_millis(2);

/// One row: the fastest round's per-call time (ns) of each, and their ratio ours / reference.
struct Measured {
    ours_ns: f64,
    reference_ns: f64,
    ratio: f64,
}

fn fastest(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Calls per round so that one round of `f` takes about [`ROUND`].
fn calls_per_round(f: &mut impl FnMut()) -> u64 {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let spent = start.elapsed();
        if spent >= ROUND / 4 {
            let scaled = n as f64 * ROUND.as_secs_f64() / spent.as_secs_f64();
            return scaled.max(1.0) as u64;
        }
        n *= 2;
    }
}

fn per_call_ns(f: &mut impl FnMut(), n: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn compare(rounds: usize, mut ours: impl FnMut(), mut reference: impl FnMut()) -> Measured {
    let (n_ours, n_ref) = (calls_per_round(&mut ours), calls_per_round(&mut reference));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = per_call_ns(&mut ours, n_ours);
            (x, per_call_ns(&mut reference, n_ref))
        } else {
            let y = per_call_ns(&mut reference, n_ref);
            (per_call_ns(&mut ours, n_ours), y)
        };
        a.push(x);
        b.push(y);
    }
    let (ours_ns, reference_ns) = (fastest(&a), fastest(&b));
    Measured { ours_ns, reference_ns, ratio: ours_ns / reference_ns }
}

fn us(ns: f64) -> String {
    format!("{:.2} µs", ns / 1000.0)
}

fn mib_s(bytes: usize, ns: f64) -> f64 {
    bytes as f64 / (ns / 1e9) / (1024.0 * 1024.0)
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let secret = Secret::parse(SECRET).expect("secret");
    let body = hookwire_benches::json_body(1024);

    // The bare HMAC: a keyed state cloned, fed `{id}.{ts}.{body}`, compared with the tag.
    let bare = hookwire_benches::BareHmac::new(SECRET, MSG_ID, TS, &body);
    let mut bare_hmac = || assert!(bare.verify(body.as_slice()));

    println!("hookwire: issue 18, the Rust rows ({rounds} alternating rounds of ~2 ms per contender; fastest round)");
    println!();
    println!("| row | at filing | this run | reference, this run | ratio | goal | |");
    println!("|---|---|---|---|---|---|---|");

    let mut verify_row = |label: &str, scheme: Scheme, filing: &str, goal: bool| {
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let headers = Signer::new(scheme, secret.clone()).sign(MSG_ID, TS, &body).expect("sign");
        verifier.verify_at(&headers, &body, TS).expect("the message verifies");
        let m = compare(
            rounds,
            || {
                assert!(verifier.verify_at(black_box(&headers), black_box(body.as_slice()), TS).is_ok());
            },
            &mut bare_hmac,
        );
        let verdict = if goal { met(m.ratio <= 1.15) } else { "" };
        println!(
            "| {label} | {filing} | {} | bare precomputed HMAC-SHA256 {} | {:.3}× the HMAC | {} | {verdict} |",
            us(m.ours_ns),
            us(m.reference_ns),
            m.ratio,
            if goal { "≤ 1.15×" } else { "" },
        );
        m
    };
    verify_row(
        "Rust `verify_at`, 1 KB Standard Webhooks message",
        Scheme::standard_webhooks(),
        "0.97 µs, 1.24× the HMAC",
        true,
    );
    verify_row("Rust `verify_at`, 1 KB, hookwire scheme (hex)", Scheme::hookwire(), "", false);

    // The header-values entry point: the same message as (name, value) pairs, no HeaderMap.
    {
        let scheme = Scheme::standard_webhooks();
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let headers = Signer::new(scheme, secret.clone()).sign(MSG_ID, TS, &body).expect("sign");
        let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        verifier.verify_at(&pairs, &body, TS).expect("the pairs verify");
        let m = compare(
            rounds,
            || assert!(verifier.verify_at(black_box(&pairs), black_box(body.as_slice()), TS).is_ok()),
            &mut bare_hmac,
        );
        println!(
            "| Rust `verify_at`, 1 KB Standard Webhooks, headers as (name, value) pairs | | {} | bare precomputed HMAC-SHA256 {} | {:.2}× the HMAC | | |",
            us(m.ours_ns),
            us(m.reference_ns),
            m.ratio,
        );
    }

    // The same message among the headers a proxied request carries: the verifier reads a map
    // this size by name lookups, where it walks the signer's three headers once.
    {
        let scheme = Scheme::standard_webhooks();
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let signed = Signer::new(scheme, secret.clone()).sign(MSG_ID, TS, &body).expect("sign");
        let mut headers = http::HeaderMap::new();
        for name in [
            "host",
            "user-agent",
            "content-type",
            "content-length",
            "accept",
            "accept-encoding",
            "connection",
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-request-id",
            "traceparent",
        ] {
            headers.append(name, http::HeaderValue::from_static("text of a usual length"));
        }
        headers.extend(signed);
        verifier.verify_at(&headers, &body, TS).expect("the message verifies");
        let m = compare(
            rounds,
            || assert!(verifier.verify_at(black_box(&headers), black_box(body.as_slice()), TS).is_ok()),
            &mut bare_hmac,
        );
        println!(
            "| Rust `verify_at`, 1 KB Standard Webhooks, a `HeaderMap` of {} headers (12 of a proxied request) | | {} | bare precomputed HMAC-SHA256 {} | {:.2}× the HMAC | | |",
            headers.keys_len(),
            us(m.ours_ns),
            us(m.reference_ns),
            m.ratio,
        );
    }

    let order = hookwire_benches::order_event();
    assert_eq!(order.len(), 933, "the issue's order event is 933 bytes");
    let event = Event::from_json(&order).expect("the order event parses");
    assert_eq!(event.event_type(), "order.created");
    let m = compare(
        rounds,
        || {
            black_box(Event::from_json(black_box(&order)).expect("parses"));
        },
        || {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(&order)).expect("parses"));
        },
    );
    let speed = mib_s(order.len(), m.ours_ns);
    let faster = 1.0 / m.ratio;
    println!(
        "| Rust `Event::from_json`, 933 B order | 12.0 µs (74 MiB/s), 1.0× `serde_json::Value` | {} ({speed:.0} MiB/s) | `serde_json::Value` {} ({:.0} MiB/s) | {faster:.2}× faster | ≥ 300 MiB/s and ≥ 2× | {} |",
        us(m.ours_ns),
        us(m.reference_ns),
        mib_s(order.len(), m.reference_ns),
        met(speed >= 300.0 && faster >= 2.0),
    );
}
