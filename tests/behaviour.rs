//! Behaviour that the shared vectors cannot express: rotation across signer and verifier,
//! custom schemes, `http::Request` helpers, and what errors say. Replay claims: `replay.rs`.

use std::time::Duration;

use hookwire::{Encoding, Error, Part, Scheme, Secret, Signer, Verifier};
use http::HeaderValue;

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW: i64 = 1_700_000_000;

fn secret(text: &str) -> Secret {
    Secret::parse(text).unwrap()
}

#[test]
fn rotation_signs_with_every_secret_and_reports_which_one_matched() {
    let body = br#"{"type":"order.created"}"#;
    let signer = Signer::new(Scheme::hookwire(), secret(OLD)).with_secret(secret(NEW));
    let headers = signer.sign("msg_1", NOW, body).unwrap();
    let value = headers["x-webhook-signature"].to_str().unwrap();
    assert_eq!(value.split(' ').count(), 2, "one signature per secret: {value}");

    // A receiver that already moved to the new secret accepts it through the second signature.
    let new_only = Verifier::new(Scheme::hookwire(), [secret(NEW)]);
    assert_eq!(new_only.verify_at(&headers, body, NOW).unwrap().secret_index(), 0);

    // A receiver holding [old, new] sees which one matched: index 1 once senders use only new.
    let only_new_signer = Signer::new(Scheme::hookwire(), secret(NEW));
    let headers = only_new_signer.sign("msg_2", NOW, body).unwrap();
    let both = Verifier::new(Scheme::hookwire(), [secret(OLD), secret(NEW)]);
    assert_eq!(both.verify_at(&headers, body, NOW).unwrap().secret_index(), 1);
}

#[test]
fn a_misconfigured_secret_fails_loudly_on_every_call() {
    // 8 bytes: fine for Standard Webhooks, too short for hookwire's native scheme.
    let short = "whsec_AAECAwQFBgc=";
    assert!(Verifier::try_new(Scheme::standard_webhooks(), [secret(short)]).is_ok());
    let err = Verifier::try_new(Scheme::hookwire(), [secret(short)]).unwrap_err();
    assert_eq!(err.code(), "invalid_secret");
    assert!(err.to_string().contains("at least 16 bytes"), "{err}");

    let verifier = Verifier::new(Scheme::hookwire(), [secret(OLD), secret(short)]);
    let headers = Signer::new(Scheme::hookwire(), secret(OLD)).sign("m", NOW, b"{}").unwrap();
    assert_eq!(verifier.verify_at(&headers, b"{}", NOW).unwrap_err().code(), "invalid_secret");
    assert_eq!(
        Signer::new(Scheme::hookwire(), secret(short)).sign("m", NOW, b"").unwrap_err().code(),
        "invalid_secret"
    );
    assert_eq!(Verifier::try_new(Scheme::hookwire(), []).unwrap_err().code(), "invalid_secret");
    let no_ed25519 = Verifier::try_new(Scheme::github(), [Secret::generate_ed25519()]).unwrap_err();
    assert!(no_ed25519.to_string().contains("no ed25519"), "{no_ed25519}");
    let public_cannot_sign =
        Signer::try_new(Scheme::standard_webhooks(), Secret::generate_ed25519().public_key().unwrap());
    assert_eq!(public_cannot_sign.unwrap_err().code(), "invalid_secret");
}

#[test]
fn ed25519_and_hmac_secrets_verify_side_by_side() {
    let key = Secret::generate_ed25519();
    let body = br#"{"type":"user.created"}"#;
    let headers = Signer::new(Scheme::standard_webhooks(), key.clone()).sign("msg_9", NOW, body).unwrap();
    assert!(headers["webhook-signature"].to_str().unwrap().starts_with("v1a,"));
    let verifier = Verifier::new(Scheme::standard_webhooks(), [secret(OLD), key.public_key().unwrap()]);
    assert_eq!(verifier.verify_at(&headers, body, NOW).unwrap().secret_index(), 1);
    // An HMAC-only verifier cannot check `v1a`, and an ed25519-only one cannot check `v1`: for
    // each, the other kind is skipped like an unknown version, leaving no usable entry.
    let hmac_only = Verifier::new(Scheme::standard_webhooks(), [secret(OLD)]);
    assert_eq!(hmac_only.verify_at(&headers, body, NOW).unwrap_err().code(), "malformed_header");
    let hmac_headers =
        Signer::new(Scheme::standard_webhooks(), secret(OLD)).sign("msg_9", NOW, body).unwrap();
    let ed25519_only = Verifier::new(Scheme::standard_webhooks(), [key.public_key().unwrap()]);
    let err = ed25519_only.verify_at(&hmac_headers, body, NOW).unwrap_err();
    assert_eq!(err.code(), "malformed_header");
    assert!(err.to_string().contains("`v1a`"), "{err}");
}

#[test]
fn requests_are_signed_and_verified_whatever_the_header_case() {
    let signer = Signer::new(Scheme::slack(), secret("8f742231b10e8888abcd99yyyzzz85a5"));
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather".to_vec();
    let mut request = http::Request::post("https://example.com/slack")
        .header("X-SLACK-SIGNATURE", "v0=stale")
        .body(body)
        .unwrap();
    signer.sign_request(&mut request, "unused", NOW).unwrap();
    assert_eq!(request.headers().get_all("x-slack-signature").iter().count(), 1, "replaced, not appended");
    let verifier = Verifier::new(Scheme::slack(), [secret("8f742231b10e8888abcd99yyyzzz85a5")])
        .tolerance(Duration::from_secs(u64::MAX / 2));
    let message = verifier.verify_request(&request).unwrap();
    assert_eq!(message.timestamp(), Some(NOW));
    assert!(message.timestamp_signed());
}

#[test]
fn custom_schemes_sign_and_verify_like_presets() {
    let scheme = Scheme::builder("acme")
        .signature_header("X-Acme-Signature")
        .version("v2", '=')
        .encoding(Encoding::HexAnyCase)
        .id_header("X-Acme-Id")
        .timestamp_header("X-Acme-Time")
        .content([Part::Timestamp, Part::literal("|"), Part::Id, Part::literal("|"), Part::Body])
        .build()
        .unwrap();
    let body = b"payload";
    let headers = Signer::new(scheme.clone(), secret("acme")).sign("a1", NOW, body).unwrap();
    let verifier = Verifier::new(scheme, [secret("acme")]);
    verifier.verify_at(&headers, body, NOW).unwrap();
    // Upper-case hex is accepted by this scheme's encoding.
    let mut upper = headers.clone();
    let value = headers["x-acme-signature"].to_str().unwrap().replacen("v2=", "", 1).to_uppercase();
    upper.insert("x-acme-signature", HeaderValue::from_str(&format!("v2={value}")).unwrap());
    verifier.verify_at(&upper, body, NOW).unwrap();
}

#[test]
fn errors_tell_the_user_what_to_do() {
    let verifier = Verifier::new(Scheme::hookwire(), [secret(OLD)]);
    let headers = Signer::new(Scheme::hookwire(), secret(OLD)).sign("m", NOW, br#"{"a":1}"#).unwrap();
    let reserialized = verifier.verify_at(&headers, br#"{"a": 1}"#, NOW).unwrap_err();
    assert!(reserialized.to_string().contains("raw request body"), "{reserialized}");

    let millis = Signer::new(Scheme::hookwire(), secret(OLD)).sign("m", NOW * 1000, b"{}").unwrap();
    let err = verifier.verify_at(&millis, b"{}", NOW).unwrap_err();
    assert_eq!(err.code(), "timestamp_too_new");
    assert!(err.to_string().contains("milliseconds"), "{err}");

    let missing = verifier.verify_at(&http::HeaderMap::new(), b"{}", NOW).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "missing header `X-Webhook-Signature`: is this request from a sender using the hookwire scheme?"
    );

    for err in [reserialized, err, missing] {
        assert!(Error::CODES.contains(&err.code()));
    }
}

#[test]
fn nothing_prints_key_material() {
    let signer = Signer::new(Scheme::hookwire(), secret(OLD));
    let verifier = Verifier::new(Scheme::hookwire(), [secret(OLD)]);
    for shown in [format!("{signer:?}"), format!("{verifier:?}"), format!("{:?}", secret(OLD))] {
        assert!(!shown.contains("MfKQ"), "{shown}");
    }
    let err = Secret::parse(&format!("{OLD} ")).unwrap_err();
    assert!(!err.to_string().contains("MfKQ"));
}

#[test]
fn signer_refuses_what_no_verifier_would_accept() {
    // Found by the `verify` fuzz target: a 19-digit timestamp was signed but never verifiable.
    let signer = Signer::new(Scheme::hookwire(), secret(OLD));
    for (id, ts) in
        [("m", 1_801_439_850_944_304_536), ("m", -1), ("a.b", NOW), ("", NOW), ("with space", NOW)]
    {
        assert_eq!(signer.sign(id, ts, b"{}").unwrap_err().code(), "invalid_argument", "{id:?} {ts}");
    }
    let largest = 999_999_999_999_999_999;
    let headers = signer.sign("m", largest, b"{}").unwrap();
    Verifier::new(Scheme::hookwire(), [secret(OLD)]).verify_at(&headers, b"{}", largest).unwrap();
}
