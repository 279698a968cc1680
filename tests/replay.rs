//! Replay claims through the verifier: claim on verification, commit or release after the
//! handler, and the holes a replay must never slip through (issue 11 §3). The store contract
//! itself is checked against every store by the `hookwire-stores` conformance suite.

use std::sync::Arc;
use std::time::Duration;

use hookwire::{MemorySeenStore, Scheme, Secret, Signer, UnixTime, Verified, Verifier};
use http::{HeaderMap, HeaderValue};

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const T: i64 = 1_700_000_000;

fn secret(text: &str) -> Secret {
    Secret::parse(text).unwrap()
}

fn verifier(scheme: Scheme, store: &Arc<MemorySeenStore>) -> Verifier {
    Verifier::new(scheme, [secret(OLD), secret(NEW)]).seen_store(store.clone())
}

fn signed(scheme: &Scheme, id: &str, body: &[u8]) -> HeaderMap {
    Signer::new(scheme.clone(), secret(OLD)).sign_event(id, T, "order.created", body).unwrap()
}

fn commit_at(message: &Verified<'_>, secs: i64) {
    assert!(message.claim().expect("a claim").commit_at(UnixTime::from_secs(secs)).unwrap());
}

fn code<T: std::fmt::Debug>(result: Result<T, hookwire::Error>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn a_duplicate_is_in_progress_while_handled_and_replayed_once_committed() {
    let store = Arc::new(MemorySeenStore::new(100));
    let v = verifier(Scheme::standard_webhooks(), &store);
    let headers = signed(&Scheme::standard_webhooks(), "msg_1", b"{}");
    let first = v.verify_at(&headers, b"{}", T).unwrap();
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 1)), "replay_in_progress");
    commit_at(&first, T + 2);
    let err = v.verify_at(&headers, b"{}", T + 3).unwrap_err();
    assert_eq!((err.code(), err.response_status()), ("replayed", 200));
}

#[test]
fn a_released_claim_lets_the_senders_retry_through() {
    let store = Arc::new(MemorySeenStore::new(100));
    let v = verifier(Scheme::hookwire(), &store);
    let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
    let failed = v.verify_at(&headers, b"{}", T).unwrap();
    assert!(failed.release().unwrap(), "the handler failed: release");
    let retry = v.verify_at(&headers, b"{}", T + 30).unwrap();
    commit_at(&retry, T + 31);
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 32)), "replayed");
}

#[test]
fn an_abandoned_claim_lapses_after_the_claim_time_and_not_before() {
    let store = Arc::new(MemorySeenStore::new(100));
    let v = verifier(Scheme::hookwire(), &store).claim_ttl(Duration::from_secs(20));
    let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
    let crashed = v.verify_at(&headers, b"{}", T).unwrap();
    assert_eq!(crashed.claim().unwrap().claim_until(), UnixTime::from_secs(T + 20));
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 19)), "replay_in_progress");
    let retry = v.verify_at(&headers, b"{}", T + 20).unwrap();
    // The crashed handler's late release does not delete the retry's claim.
    assert!(!crashed.release().unwrap());
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 21)), "replay_in_progress");
    commit_at(&retry, T + 22);
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 23)), "replayed");
}

#[test]
fn a_replay_in_the_last_second_of_the_window_is_refused() {
    for tolerance in [300, 1, 0] {
        let store = Arc::new(MemorySeenStore::new(100));
        let v = verifier(Scheme::hookwire(), &store).tolerance(Duration::from_secs(tolerance));
        let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
        commit_at(&v.verify_at(&headers, b"{}", T).unwrap(), T);
        let last = T + i64::try_from(tolerance).unwrap();
        assert_eq!(code(v.verify_at(&headers, b"{}", last)), "replayed", "tolerance {tolerance}");
        assert_eq!(
            code(v.verify_at(&headers, b"{}", last + 1)),
            "timestamp_too_old",
            "tolerance {tolerance}"
        );
    }
}

#[test]
fn unsigned_timestamps_are_remembered_for_one_tolerance_after_receipt() {
    let store = Arc::new(MemorySeenStore::new(100));
    let v = verifier(Scheme::github(), &store);
    let headers = signed(&Scheme::github(), "d-1", b"{}");
    commit_at(&v.verify_at(&headers, b"{}", T).unwrap(), T);
    assert_eq!(code(v.verify_at(&headers, b"{}", T + 300)), "replayed");
    v.verify_at(&headers, b"{}", T + 301).unwrap();
}

/// The header value with its first signature removed: what a replayer sends after trimming a
/// rotation's signature list down to the second secret's signature.
fn without_first_signature(scheme: &Scheme, value: &str) -> String {
    let first = scheme
        .signature_entries(value)
        .find(|entry| entry.version != Some("t"))
        .map(|entry| match entry.version {
            Some(version) => {
                let separator = if value.contains(&format!("{version},")) { "," } else { "=" };
                format!("{version}{separator}{}", entry.value)
            }
            None => entry.value.to_owned(),
        })
        .unwrap();
    for joined in [format!("{first} "), format!("{first},")] {
        if value.contains(&joined) {
            return value.replacen(&joined, "", 1);
        }
    }
    panic!("no list separator after {first} in {value}");
}

#[test]
fn a_rotation_does_not_open_a_replay_through_the_other_signature() {
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        let store = Arc::new(MemorySeenStore::new(100));
        let v = verifier(scheme.clone(), &store);
        let body = br#"{"id":"evt_1","type":"order.created"}"#;
        let signer = Signer::new(scheme.clone(), secret(OLD)).with_secret(secret(NEW));
        let both = signer.sign("msg_1", T, body).unwrap();
        commit_at(&v.verify_at(&both, body, T).unwrap(), T);
        assert_eq!(code(v.verify_at(&both, body, T + 1)), "replayed", "{name}");

        let mut trimmed = both.clone();
        let value = both[scheme.signature_header()].to_str().unwrap();
        let second_only = without_first_signature(&scheme, value);
        let signature = http::HeaderName::from_bytes(scheme.signature_header().as_bytes()).unwrap();
        trimmed.insert(signature, HeaderValue::from_str(&second_only).unwrap());
        let only_new = Verifier::new(scheme.clone(), [secret(NEW)]);
        assert!(only_new.check_at(&trimmed, body, T).is_ok(), "{name}: {second_only} is the new signature");
        assert_eq!(code(v.verify_at(&trimmed, body, T + 2)), "replayed", "{name}: {second_only}");
    }
}

#[test]
fn a_broken_copy_never_reaches_the_store_before_the_real_message() {
    let broken_values: [&[u8]; 2] = [b"", b"caf\xc3\xa9"];
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        let read_once: Vec<&str> = [scheme.id_header(), scheme.timestamp_header(), scheme.event_header()]
            .into_iter()
            .flatten()
            .collect();
        for header in read_once {
            for broken in broken_values {
                let store = Arc::new(MemorySeenStore::new(100));
                let v = verifier(scheme.clone(), &store);
                let body = br#"{"id":"evt_1"}"#;
                let genuine = signed(&scheme, "msg_1", body);
                let mut copy = genuine.clone();
                let name_of = http::HeaderName::from_bytes(header.as_bytes()).unwrap();
                copy.insert(name_of, HeaderValue::from_bytes(broken).unwrap());
                assert!(v.verify_at(&copy, body, T).is_err(), "{name}: {header}={broken:?} must be refused");
                assert!(store.is_empty(), "{name}: {header}={broken:?} reached the store");
                v.verify_at(&genuine, body, T).unwrap_or_else(|e| panic!("{name}: {header}: {e}"));
            }
        }
    }
}

#[test]
fn forged_messages_never_reach_the_replay_store() {
    let store = Arc::new(MemorySeenStore::new(10));
    let v = Verifier::new(Scheme::hookwire(), [secret(OLD)]).seen_store(store.clone());
    let forged = Signer::new(Scheme::hookwire(), secret(NEW));
    for i in 0..50 {
        let headers = forged.sign(&format!("msg_{i}"), T, b"{}").unwrap();
        assert_eq!(code(v.verify_at(&headers, b"{}", T)), "invalid_signature");
    }
    assert!(store.is_empty());
}

#[test]
fn unsigned_ids_cannot_dodge_replay_protection() {
    // GitHub's delivery id is not signed: changing it must not make a replay look new.
    let body = br#"{"action":"opened"}"#;
    let store = Arc::new(MemorySeenStore::new(100));
    let v = Verifier::new(Scheme::github(), [secret("gh-secret")]).seen_store(store.clone());
    let mut headers = Signer::new(Scheme::github(), secret("gh-secret")).sign("d-1", T, body).unwrap();
    commit_at(&v.verify_at(&headers, body, T).unwrap(), T);
    headers.insert("x-github-delivery", HeaderValue::from_static("d-2"));
    assert_eq!(code(v.verify_at(&headers, body, T + 1)), "replayed");
    // A different body is a different message.
    let other = Signer::new(Scheme::github(), secret("gh-secret")).sign("d-3", T, b"{}").unwrap();
    v.verify_at(&other, b"{}", T + 2).unwrap();
}

#[test]
fn replay_keys_name_the_message() {
    let body = b"{}";
    let sw = Verifier::new(Scheme::standard_webhooks(), [secret(OLD)]);
    let headers = signed(&Scheme::standard_webhooks(), "msg_1", body);
    assert_eq!(sw.check_at(&headers, body, T).unwrap().replay_key(), "msg_1");
    // Stripe signs its timestamp: the same body at another second is another message.
    let stripe = Verifier::new(Scheme::stripe(), [secret(OLD)]);
    let key_at = |ts: i64| {
        let headers = Signer::new(Scheme::stripe(), secret(OLD)).sign("m", ts, body).unwrap();
        stripe.check_at(&headers, body, T).unwrap().replay_key()
    };
    assert_ne!(key_at(T), key_at(T + 1));
    assert!(key_at(T).starts_with("sha256:") && key_at(T).len() == 7 + 64);
}

#[test]
fn a_full_store_fails_closed_with_store_error() {
    let v = Verifier::new(Scheme::hookwire(), [secret(OLD)]).seen_store(MemorySeenStore::new(1));
    let signer = Signer::new(Scheme::hookwire(), secret(OLD));
    v.verify_at(&signer.sign("a", T, b"{}").unwrap(), b"{}", T).unwrap();
    let err = v.verify_at(&signer.sign("b", T, b"{}").unwrap(), b"{}", T).unwrap_err();
    assert_eq!((err.code(), err.response_status()), ("store_error", 503));
}

#[test]
fn check_at_never_touches_the_configured_store() {
    let store = Arc::new(MemorySeenStore::new(10));
    let v = verifier(Scheme::hookwire(), &store);
    let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
    let checked = v.check_at(&headers, b"{}", T).unwrap();
    assert!(checked.claim().is_none() && store.is_empty());
    assert!(!checked.commit().unwrap(), "nothing to commit without a claim");
    let request = v.claim_request(&checked, UnixTime::from_secs(T));
    assert_eq!(request.key(), "msg_1");
    assert_eq!(request.keep_until(), UnixTime::from_secs(T + 301));
    assert_eq!(request.claim_until(), UnixTime::from_secs(T + 60));
}
