//! Properties over random messages, for every scheme: what one signs the other verifies, and
//! any single flipped bit in a signed part is refused.

use hookwire::{Part, Scheme, Secret, Signer, Verifier};
use http::{HeaderName, HeaderValue};
use proptest::prelude::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Every preset with a secret it accepts, plus Standard Webhooks with an ed25519 key.
fn setups() -> Vec<(Scheme, Secret, Secret)> {
    let hmac = Secret::parse(SECRET).unwrap();
    let mut all: Vec<_> =
        Scheme::names().iter().map(|n| (Scheme::from_name(n).unwrap(), hmac.clone(), hmac.clone())).collect();
    let signing = Secret::parse(&ed25519_text()).unwrap();
    all.push((Scheme::standard_webhooks(), signing.clone(), signing.public_key().unwrap()));
    all
}

fn ed25519_text() -> String {
    // A fixed key keeps failures reproducible.
    use base64::Engine as _;
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    format!("whsk_{}", base64::engine::general_purpose::STANDARD.encode(signing.to_keypair_bytes()))
}

/// The headers whose bytes are signed: the signature header, and the id and timestamp headers
/// when the scheme's content includes them.
fn signed_header_names(scheme: &Scheme) -> Vec<HeaderName> {
    let mut names = vec![scheme.signature_header()];
    if scheme.content().contains(&Part::Id) {
        names.extend(scheme.id_header());
    }
    if scheme.content().contains(&Part::Timestamp) {
        names.extend(scheme.timestamp_header());
    }
    names.into_iter().map(|n| HeaderName::from_bytes(n.as_bytes()).unwrap()).collect()
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let bit = bit % (out.len() * 8);
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sign_then_verify_round_trips(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        id in "[A-Za-z0-9_-]{1,48}",
        ts in 0i64..4_000_000_000,
    ) {
        for (scheme, sign_with, verify_with) in setups() {
            let headers = Signer::new(scheme.clone(), sign_with).sign_event(&id, ts, "order.created", &body).unwrap();
            let verifier = Verifier::new(scheme.clone(), [verify_with]);
            let message = verifier.verify_at(&headers, &body, ts).unwrap();
            prop_assert_eq!(message.body(), &body[..]);
            prop_assert_eq!(message.secret_index(), 0);
            if scheme.timestamp().is_some() {
                prop_assert_eq!(message.timestamp(), Some(ts));
            }
            if message.id().is_some() {
                prop_assert_eq!(message.id(), Some(id.as_str()));
            }
        }
    }

    #[test]
    fn any_flipped_bit_in_a_signed_part_is_refused(
        body in proptest::collection::vec(any::<u8>(), 1..512),
        id in "[A-Za-z0-9_-]{1,32}",
        ts in 1_000_000_000i64..2_000_000_000,
        bit in any::<usize>(),
    ) {
        for (scheme, sign_with, verify_with) in setups() {
            let headers = Signer::new(scheme.clone(), sign_with).sign(&id, ts, &body).unwrap();
            let verifier = Verifier::new(scheme.clone(), [verify_with]);

            let tampered = flip(&body, bit);
            prop_assert!(verifier.verify_at(&headers, &tampered, ts).is_err(), "{}: body bit {}", scheme.name(), bit);

            for name in signed_header_names(&scheme) {
                let original = headers[&name].as_bytes();
                let Ok(value) = HeaderValue::from_bytes(&flip(original, bit)) else {
                    continue; // not a header a client could send at all
                };
                let mut changed = headers.clone();
                changed.insert(name.clone(), value);
                prop_assert!(
                    verifier.verify_at(&changed, &body, ts).is_err(),
                    "{}: bit {} of {} accepted", scheme.name(), bit, name
                );
            }
        }
    }
}
