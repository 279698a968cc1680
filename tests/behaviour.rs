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

#[test]
fn the_scheme_decides_how_secret_text_becomes_a_key() {
    // Stripe's own test secret is `whsec_` + text that is not base64: Stripe keys with the
    // whole text. It used to be refused by Secret::parse for every scheme.
    let body = br#"{"id":"evt_1","object":"event"}"#;
    let stripe_key = secret("whsec_test_secret");
    let headers =
        Signer::try_new(Scheme::stripe(), stripe_key.clone()).unwrap().sign("evt_1", NOW, body).unwrap();
    Verifier::try_new(Scheme::stripe(), [stripe_key]).unwrap().verify_at(&headers, body, NOW).unwrap();

    // Unpadded base64 is the same key as padded (the Standard Webhooks libraries accept both).
    let padded = Signer::new(Scheme::standard_webhooks(), secret("whsec_c2l4dGVlbiBieXRlIGtleQ=="));
    let headers = padded.sign("msg_1", NOW, body).unwrap();
    for text in ["whsec_c2l4dGVlbiBieXRlIGtleQ", "c2l4dGVlbiBieXRlIGtleQ", "whsec_c2l4dGVlbiBieXRlIGtleQ=="] {
        let verifier = Verifier::try_new(Scheme::standard_webhooks(), [secret(text)]).unwrap();
        verifier.verify_at(&headers, body, NOW).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn a_secret_the_scheme_cannot_use_names_the_scheme_and_the_reason_at_build_and_on_every_call() {
    // (scheme, secret text, words the reason must hold)
    let cases = [
        (Scheme::svix(), "whsec_test_secret", "base64"),
        (Scheme::standard_webhooks(), "not base64 at all", "base64"),
        (Scheme::hookwire(), "whsec_test_secret", "after `whsec_` is not base64"),
        (Scheme::hookwire(), "whsec_", "no key bytes"),
        (Scheme::hookwire(), "too-short", "at least 16 bytes"),
    ];
    let ed25519 = Secret::generate_ed25519().expose_text().unwrap();
    let cases = cases.into_iter().chain([(Scheme::github(), ed25519.as_str(), "ed25519")]);
    for (scheme, text, why) in cases {
        let name = scheme.name().to_owned();
        let from_build = Verifier::try_new(scheme.clone(), [secret(text)]).unwrap_err();
        let headers = http::HeaderMap::new();
        let from_call =
            Verifier::new(scheme.clone(), [secret(text)]).verify_at(&headers, b"{}", NOW).unwrap_err();
        let from_sign = Signer::new(scheme, secret(text)).sign("m", NOW, b"{}").unwrap_err();
        for err in [from_build, from_call, from_sign] {
            assert_eq!(err.code(), "invalid_secret", "{name} {text}");
            let shown = err.to_string();
            assert!(
                shown.contains(&format!("the {name} scheme")) && shown.contains(why),
                "{name} {text}: {shown}"
            );
            assert!(!shown.contains(text), "{shown}");
        }
    }
}

#[test]
fn svix_reads_its_unbranded_headers_only_when_its_own_are_not_all_there() {
    let body = br#"{"type":"job.completed"}"#;
    let signed = Signer::new(Scheme::svix(), secret(OLD)).sign("msg_1", NOW, body).unwrap();
    let forged = Signer::new(Scheme::svix(), secret(NEW)).sign("msg_1", NOW, body).unwrap();
    let unbranded = |headers: &http::HeaderMap| {
        let mut out = http::HeaderMap::new();
        for (name, value) in headers {
            let name = name.as_str().replace("svix-", "webhook-");
            out.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.clone());
        }
        out
    };
    let merged = |a: &http::HeaderMap, b: http::HeaderMap| {
        let mut out = a.clone();
        out.extend(b);
        out
    };
    let verifier = Verifier::new(Scheme::svix(), [secret(OLD)]);
    let outcome =
        |headers: &http::HeaderMap| verifier.verify_at(headers, body, NOW).map(|m| m.id().map(str::to_owned));
    // (headers, outcome): the unbranded set alone verifies; with both, svix-* is what counts.
    assert_eq!(outcome(&unbranded(&signed)).unwrap(), Some("msg_1".to_owned()));
    assert_eq!(outcome(&merged(&signed, unbranded(&forged))).unwrap(), Some("msg_1".to_owned()));
    assert_eq!(outcome(&merged(&forged, unbranded(&signed))).unwrap_err().code(), "invalid_signature");
    // Neither set complete: the error names svix's own header.
    let mut partial = unbranded(&signed);
    partial.remove("webhook-timestamp");
    assert_eq!(
        outcome(&partial).unwrap_err().to_string(),
        Error::MissingHeader { header: "svix-signature".into(), scheme: "svix".into() }.to_string()
    );
    // Standard Webhooks reads only its own names.
    let sw = Verifier::new(Scheme::standard_webhooks(), [secret(OLD)]);
    assert_eq!(sw.verify_at(&signed, body, NOW).unwrap_err().code(), "missing_header");
}

#[test]
fn headers_read_once_must_agree_whatever_the_order() {
    // Found with Kotlin, where a map holding `X-WEBHOOK-ID` and `x-webhook-id` became a hash map
    // with a random seed: "first value wins" was a coin flip.
    let body = b"{}";
    let signed =
        Signer::new(Scheme::hookwire(), secret(OLD)).sign_event("msg_1", NOW, "order.created", body).unwrap();
    let verifier = Verifier::new(Scheme::hookwire(), [secret(OLD)]);
    for (name, other) in [
        ("x-webhook-id", "msg_other"),
        ("x-webhook-timestamp", "1700000001"),
        ("x-webhook-event", "order.refunded"),
    ] {
        let original = signed[name].clone();
        let other = HeaderValue::from_static(other);
        for values in [[original.clone(), other.clone()], [other.clone(), original.clone()]] {
            let mut headers = signed.clone();
            headers.remove(name);
            for value in values {
                headers.append(name, value);
            }
            let err = verifier.verify_at(&headers, body, NOW).unwrap_err();
            assert_eq!(err.code(), "malformed_header", "{name}");
            assert!(err.to_string().contains("more than once with different values"), "{err}");
        }
        let mut same = signed.clone();
        same.append(name, original);
        verifier.verify_at(&same, body, NOW).unwrap();
    }
}

#[test]
fn a_flood_of_forged_signatures_is_refused_before_any_hashing() {
    // 1,000 forged `v1a` entries against a whpk_ verifier and a 1 MiB body used to cost 1,000
    // hashes of the body (1.2 s); the entry count is now checked first.
    let key = Secret::generate_ed25519();
    let body = vec![b'x'; 1 << 20];
    let mut headers =
        Signer::new(Scheme::standard_webhooks(), key.clone()).sign("msg_1", NOW, &body).unwrap();
    let genuine = headers["webhook-signature"].to_str().unwrap().to_owned();
    let forged = format!("v1a,{}", "A".repeat(86) + "==");
    let flood = vec![forged; 1_000].join(" ") + " " + &genuine;
    headers.insert("webhook-signature", HeaderValue::from_str(&flood).unwrap());
    let verifier = Verifier::new(Scheme::standard_webhooks(), [key.public_key().unwrap()]);
    let err = verifier.verify_at(&headers, &body, NOW).unwrap_err();
    assert_eq!(err.code(), "malformed_header");
    assert!(err.to_string().contains("more than 16 signatures"), "{err}");
    // Every scheme counts entries the same way, whatever its list separator.
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        let entries = vec!["x"; hookwire::MAX_SIGNATURE_ENTRIES + 1].join(" ");
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::HeaderName::from_bytes(scheme.signature_header().as_bytes()).unwrap(),
            HeaderValue::from_str(&entries).unwrap(),
        );
        let err = Verifier::new(scheme, [secret(OLD)]).verify_at(&headers, b"{}", NOW).unwrap_err();
        assert_eq!(err.code(), "malformed_header", "{name}");
    }
}

#[test]
fn joined_signature_headers_read_like_separate_ones() {
    // WSGI/Django join repeated headers with `,`, fetch `Headers` with `, ` (RFC 9110).
    let body = br#"{"a":1}"#;
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        let signed = Signer::new(scheme.clone(), secret(OLD)).sign("m1", NOW, body).unwrap();
        let forged = Signer::new(scheme.clone(), secret(NEW)).sign("m1", NOW, body).unwrap();
        let header = http::HeaderName::from_bytes(scheme.signature_header().as_bytes()).unwrap();
        for join in [",", ", ", " , "] {
            let joined =
                format!("{}{join}{}", forged[&header].to_str().unwrap(), signed[&header].to_str().unwrap());
            let mut headers = signed.clone();
            headers.insert(header.clone(), HeaderValue::from_str(&joined).unwrap());
            Verifier::new(scheme.clone(), [secret(OLD)])
                .verify_at(&headers, body, NOW)
                .unwrap_or_else(|e| panic!("{name} joined with {join:?}: {e}"));
        }
    }
}
