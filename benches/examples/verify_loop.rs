//! A bare loop of one verify contender, for profilers: `perf record` it, or count its
//! instructions with `valgrind --tool=cachegrind` (exact, and unmoved by load).
//!
//! `cargo run --release -p hookwire-benches --example verify_loop -- <contender> [calls]`
//! where the contender is `map` (`verify_at` on an `http::HeaderMap`), `pairs` (on the
//! `(name, value)` pairs), `bare` (the speed bench's reference: a precomputed keyed HMAC
//! cloned, fed the signed bytes and compared) or `none` (the set-up alone, to subtract). The
//! message is speed.rs's: 1 KB, Standard Webhooks.

use std::hint::black_box;

use hookwire::{Scheme, Secret, Signer, Verifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_2KxQ4pZ9bRzq7WnTfY3c";
const TS: i64 = 1_700_000_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let contender = args.next().unwrap_or_else(|| "map".to_owned());
    let calls: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);

    let secret = Secret::parse(SECRET).expect("secret");
    let body = hookwire_benches::json_body(1024);
    let scheme = Scheme::standard_webhooks();
    let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
    let headers = Signer::new(scheme, secret).sign(MSG_ID, TS, &body).expect("sign");
    let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
    let bare = hookwire_benches::BareHmac::new(SECRET, MSG_ID, TS, &body);

    match contender.as_str() {
        "map" => {
            for _ in 0..calls {
                assert!(verifier.verify_at(black_box(&headers), black_box(body.as_slice()), TS).is_ok());
            }
        }
        "pairs" => {
            for _ in 0..calls {
                assert!(verifier.verify_at(black_box(&pairs), black_box(body.as_slice()), TS).is_ok());
            }
        }
        "bare" => {
            for _ in 0..calls {
                assert!(bare.verify(body.as_slice()));
            }
        }
        "none" => {}
        other => panic!("unknown contender {other:?}: map, pairs, bare or none"),
    }
}
