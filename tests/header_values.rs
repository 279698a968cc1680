//! Verifying from header values as `(name, value)` pairs, without an `http::HeaderMap`: every
//! answer is the one a `HeaderMap` of the same headers gets, code and message, and values no
//! `HeaderMap` can hold are refused like the ones it holds but cannot read as text.
//! A `HeaderMap` small enough to be walked once and one large enough to be looked up name by
//! name, and a source read through the trait's default, get the same answers too. The shared
//! vectors run in both forms (`vectors.rs`).

use hookwire::{Error, HeaderSource, Scheme, Secret, Signer, Verified, Verifier, MAX_SIGNATURE_ENTRIES};
use http::{HeaderMap, HeaderName, HeaderValue};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"type":"order.created"}"#;

type Pairs = Vec<(String, Vec<u8>)>;
/// The id, timestamp and secret index of a verified message, or the error's code and message.
type Outcome = Result<(Option<String>, Option<i64>, usize), (String, String)>;

fn secret(text: &str) -> Secret {
    Secret::parse(text).unwrap()
}

/// The signed headers as pairs, names upper-cased (a pair list keeps the sender's spelling).
fn signed_pairs(scheme: &Scheme, secret_text: &str) -> Pairs {
    let headers =
        Signer::new(scheme.clone(), secret(secret_text)).sign_event("msg_1", NOW, "order.created", BODY);
    headers
        .unwrap()
        .iter()
        .map(|(name, value)| (name.as_str().to_uppercase(), value.as_bytes().to_vec()))
        .collect()
}

/// The same headers in a `HeaderMap`, when it can hold them.
fn header_map(pairs: &Pairs) -> Option<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_bytes(value).ok()?);
    }
    Some(map)
}

/// The same headers in a `HeaderMap` among forty other headers, before and after them: a map
/// that large is looked up name by name, a small one is walked once.
fn crowded_map(pairs: &Pairs) -> Option<HeaderMap> {
    let mut map = HeaderMap::new();
    let other =
        |i: usize| (HeaderName::from_bytes(format!("x-other-{i}").as_bytes()).unwrap(), HeaderValue::from(i));
    for (name, value) in (0..20).map(other) {
        map.append(name, value);
    }
    for (name, value) in pairs {
        map.append(HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_bytes(value).ok()?);
    }
    for (name, value) in (20..40).map(other) {
        map.append(name, value);
    }
    Some(map)
}

/// A header source with only the one required method: the verifier reads it through the
/// trait's default, name by name.
struct ByName<'p>(&'p Pairs);

impl HeaderSource for ByName<'_> {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        self.0.as_slice().header_values(name)
    }
}

/// What a caller learns from one verification: the message's fields, or the error's code and
/// message.
fn outcome(result: Result<Verified<'_>, Error>) -> Outcome {
    result
        .map(|m| (m.id().map(str::to_owned), m.timestamp(), m.secret_index()))
        .map_err(|e| (e.code().to_owned(), e.to_string()))
}

fn remove(pairs: &mut Pairs, name: &str) {
    pairs.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
}

fn value_of(pairs: &Pairs, name: &str) -> Vec<u8> {
    pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap()
}

/// Changes to a signed request, each with the error code it must get (`None`: accepted), in
/// every scheme that has the header it changes.
type Change = fn(&Scheme, &mut Pairs) -> Option<Option<&'static str>>;

const CHANGES: &[(&str, Change)] = &[
    ("unchanged", |_, _| Some(None)),
    ("signature header missing", |s, p| {
        remove(p, s.signature_header());
        Some(Some("missing_header"))
    }),
    ("id header missing", |s, p| {
        let id = s.id_header()?;
        remove(p, id);
        // Only schemes that sign the id need it.
        Some(s.content().contains(&hookwire::Part::Id).then_some("missing_header"))
    }),
    ("id repeated, lower case, another value", |s, p| {
        p.push((s.id_header()?.to_lowercase(), b"msg_other".to_vec()));
        Some(Some("malformed_header"))
    }),
    ("id repeated, lower case, same value", |s, p| {
        let id = s.id_header()?;
        p.push((id.to_lowercase(), value_of(p, id)));
        Some(None)
    }),
    ("timestamp repeated before, another value", |s, p| {
        p.insert(0, (s.timestamp_header()?.to_owned(), b"1700000001".to_vec()));
        Some(Some("malformed_header"))
    }),
    ("event header repeated, another value", |s, p| {
        p.push((s.event_header()?.to_owned(), b"order.refunded".to_vec()));
        Some(Some("malformed_header"))
    }),
    ("event header empty", |s, p| {
        let event = s.event_header()?;
        remove(p, event);
        p.push((event.to_owned(), Vec::new()));
        Some(Some("malformed_header"))
    }),
    ("id not ASCII (obs-text)", |s, p| {
        let id = s.id_header()?;
        remove(p, id);
        p.push((id.to_owned(), "msg_é".as_bytes().to_vec()));
        Some(Some("malformed_header"))
    }),
    ("a second signature value not ASCII is skipped", |s, p| {
        p.push((s.signature_header().to_uppercase(), b"sha256=\xff\xfe".to_vec()));
        Some(None)
    }),
    ("the only signature value not ASCII", |s, p| {
        let signature = s.signature_header();
        remove(p, signature);
        p.push((signature.to_owned(), "v1,é".as_bytes().to_vec()));
        Some(Some("malformed_header"))
    }),
    ("one entry too many, across two values", |s, p| {
        let signature = s.signature_header();
        let good = value_of(p, signature);
        remove(p, signature);
        p.push((signature.to_owned(), vec!["x"; MAX_SIGNATURE_ENTRIES].join(" ").into_bytes()));
        p.push((signature.to_lowercase(), good));
        Some(Some("malformed_header"))
    }),
    ("the entry limit exactly, across two values", |s, p| {
        let signature = s.signature_header();
        let good = value_of(p, signature);
        // Stripe's one value holds `t=` and `v1=`: the padding fills the rest of the limit.
        let entries = s.signature_entries(std::str::from_utf8(&good).unwrap()).count();
        let padding = vec!["x"; MAX_SIGNATURE_ENTRIES - entries].join(" ");
        remove(p, signature);
        p.push((signature.to_owned(), padding.into_bytes()));
        p.push((signature.to_lowercase(), good));
        Some(None)
    }),
];

#[test]
fn pairs_get_the_answer_a_header_map_gets_in_every_scheme() {
    let mut compared = 0;
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        let verifier = Verifier::new(scheme.clone(), [secret(SECRET)]);
        for (change, apply) in CHANGES {
            let mut pairs = signed_pairs(&scheme, SECRET);
            let Some(expected) = apply(&scheme, &mut pairs) else { continue };
            let from_pairs = outcome(verifier.verify_at(&pairs, BODY, NOW));
            match expected {
                None => assert!(from_pairs.is_ok(), "{name}, {change}: {from_pairs:?}"),
                Some(code) => {
                    assert_eq!(from_pairs.as_ref().map_err(|e| &*e.0).err(), Some(code), "{name}, {change}")
                }
            }
            let map = header_map(&pairs).expect("these values fit in a HeaderMap");
            assert_eq!(outcome(verifier.verify_at(&map, BODY, NOW)), from_pairs, "{name}, {change}");
            let crowded = crowded_map(&pairs).expect("these values fit in a HeaderMap");
            assert_eq!(
                outcome(verifier.verify_at(&crowded, BODY, NOW)),
                from_pairs,
                "{name}, {change}, crowded"
            );
            let by_name = outcome(verifier.verify_at(&ByName(&pairs), BODY, NOW));
            assert_eq!(by_name, from_pairs, "{name}, {change}, by name");
            compared += 1;
        }
    }
    assert!(compared >= Scheme::names().len() * 6, "only {compared} comparisons ran");
}

#[test]
fn values_no_header_map_can_hold_are_refused_like_values_that_are_not_text() {
    // A binding hands over whatever the caller passed: a line break, a NUL or DEL in a value
    // never reaches a HeaderMap, and the pair form must not read it as text either.
    let scheme = Scheme::hookwire();
    let verifier = Verifier::new(scheme.clone(), [secret(SECRET)]);
    for bad in [&b"msg\n1"[..], b"msg\r\n1", b"\0", b"msg\x7f", b"msg\x01"] {
        let mut pairs = signed_pairs(&scheme, SECRET);
        remove(&mut pairs, "x-webhook-event");
        pairs.push(("X-Webhook-Event".into(), bad.to_vec()));
        assert!(header_map(&pairs).is_none(), "{bad:?} fits in a HeaderMap");
        let err = verifier.verify_at(&pairs, BODY, NOW).unwrap_err();
        assert_eq!(err.code(), "malformed_header", "{bad:?}");
        assert!(err.to_string().contains("not visible ASCII"), "{err}");

        // In the signature header such a value holds no usable entry: skipped beside a good one,
        // `malformed_header` alone.
        let mut pairs = signed_pairs(&scheme, SECRET);
        pairs.push(("x-webhook-signature".into(), [b"sha256=", bad].concat()));
        verifier.verify_at(&pairs, BODY, NOW).unwrap_or_else(|e| panic!("{bad:?}: {e}"));
        remove(&mut pairs, "x-webhook-signature");
        pairs.push(("x-webhook-signature".into(), [b"sha256=", bad].concat()));
        assert_eq!(verifier.verify_at(&pairs, BODY, NOW).unwrap_err().code(), "malformed_header", "{bad:?}");
    }
}

#[test]
fn svix_falls_back_to_unbranded_pairs_only_as_a_whole() {
    let svix = Scheme::svix();
    let verifier = Verifier::new(svix.clone(), [secret(SECRET)]);
    let unbranded = |secret_text: &str| -> Pairs {
        signed_pairs(&svix, secret_text)
            .into_iter()
            .map(|(n, v)| (n.replace("SVIX-", "Webhook-"), v))
            .collect()
    };
    // (pairs, outcome): the unbranded set alone verifies; with both, svix-* is what counts.
    let cases: [(Pairs, Result<(), &str>); 4] = [
        (unbranded(SECRET), Ok(())),
        ([signed_pairs(&svix, SECRET), unbranded(OTHER)].concat(), Ok(())),
        ([signed_pairs(&svix, OTHER), unbranded(SECRET)].concat(), Err("invalid_signature")),
        (
            unbranded(SECRET).into_iter().filter(|(n, _)| n != "Webhook-TIMESTAMP").collect(),
            Err("missing_header"),
        ),
    ];
    for (pairs, expected) in cases {
        let got = verifier.verify_at(&pairs, BODY, NOW);
        assert_eq!(got.as_ref().map(|_| ()).map_err(Error::code), expected, "{pairs:?}");
        let got = outcome(got);
        assert_eq!(got, outcome(verifier.verify_at(&header_map(&pairs).unwrap(), BODY, NOW)));
        assert_eq!(got, outcome(verifier.verify_at(&crowded_map(&pairs).unwrap(), BODY, NOW)));
        assert_eq!(got, outcome(verifier.verify_at(&ByName(&pairs), BODY, NOW)));
    }
    // Neither set complete: the error names svix's own header, as with a HeaderMap.
    let err = verifier.verify_at(&[("webhook-id", "msg_1")], BODY, NOW).unwrap_err();
    assert_eq!(
        err.to_string(),
        Error::MissingHeader { header: "svix-signature".into(), scheme: "svix".into() }.to_string()
    );
}

#[test]
fn the_verified_message_borrows_the_callers_values() {
    // No header text is copied: the id the message reports is the caller's string.
    let pairs = signed_pairs(&Scheme::hookwire(), SECRET);
    let text: Vec<(&str, &str)> =
        pairs.iter().map(|(n, v)| (n.as_str(), std::str::from_utf8(v).unwrap())).collect();
    let verifier = Verifier::new(Scheme::hookwire(), [secret(SECRET)]);
    let message = verifier.verify_at(&text, BODY, NOW).unwrap();
    let id = text.iter().find(|(n, _)| n.eq_ignore_ascii_case("x-webhook-id")).unwrap().1;
    assert!(std::ptr::eq(message.id().unwrap(), id));
    let event = text.iter().find(|(n, _)| n.eq_ignore_ascii_case("x-webhook-event")).unwrap().1;
    assert!(std::ptr::eq(message.event_type().unwrap(), event));
    assert_eq!(message.event_type(), Some("order.created"));
    // Arrays, slices, vectors and references to them are all header sources.
    let array = <[(&str, &str); 4]>::try_from(text.as_slice()).unwrap();
    assert_eq!(
        outcome(verifier.verify_at(&array, BODY, NOW)),
        outcome(verifier.verify_at(&text[..], BODY, NOW))
    );
    assert_eq!(outcome(verifier.check_at(&&text, BODY, NOW)), outcome(Ok(message)));
}
