//! Arbitrary headers and body against every scheme: verification must return, never panic,
//! accept only what the secret signed, and give the same answer whatever the order of the
//! values of each header (headers read once must agree; signature lists are sets), and whether
//! they come as a small map, a large one or (name, value) pairs.
#![no_main]

use arbitrary::Arbitrary;
use hookwire::{Encoding, MemorySeenStore, Part, Scheme, Secret, Signer, Verifier};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    scheme: u8,
    /// Start from a correctly signed request, then overwrite headers: reaches the deep paths.
    sign_first: bool,
    id: &'a str,
    timestamp: i64,
    now: i64,
    headers: Vec<(u8, &'a [u8])>,
    body: &'a [u8],
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Every preset, then two custom schemes whose list separators no preset uses (`;`, and `§`
/// beyond ASCII), so the verifier's splitting of other separators is fuzzed too.
fn schemes() -> &'static [Scheme] {
    static SCHEMES: std::sync::OnceLock<Vec<Scheme>> = std::sync::OnceLock::new();
    SCHEMES.get_or_init(|| {
        let custom = |name: &str, list: char| {
            Scheme::builder(name)
                .signature_header("x-sig")
                .id_header("x-id")
                .timestamp_header("x-ts")
                .version("v1", '=')
                .list_separator(list)
                .encoding(Encoding::Base64)
                .content([Part::Id, Part::literal("."), Part::Timestamp, Part::literal("."), Part::Body])
                .build()
                .unwrap()
        };
        let presets = Scheme::names().iter().map(|name| Scheme::from_name(name).unwrap());
        presets.chain([custom("semicolons", ';'), custom("sections", '§')]).collect()
    })
}

fuzz_target!(|input: Input<'_>| {
    let schemes = schemes();
    let scheme = schemes[usize::from(input.scheme) % schemes.len()].clone();
    let secret = Secret::parse(SECRET).unwrap();
    let mut headers = HeaderMap::new();
    let mut signed = false;
    if input.sign_first {
        if let Ok(h) = Signer::new(scheme.clone(), secret.clone()).sign(input.id, input.timestamp, input.body)
        {
            headers = h;
            signed = true;
        }
    }
    // Header names to aim at: the scheme's own and its fallback names, plus one that no scheme
    // uses.
    let targets: Vec<&str> = scheme
        .read_headers()
        .into_iter()
        .chain(scheme.fallback_headers())
        .chain([Some("x-unrelated")])
        .flatten()
        .collect();
    let mut touched = false;
    for (which, value) in &input.headers {
        let name = HeaderName::from_bytes(targets[usize::from(*which) % targets.len()].as_bytes()).unwrap();
        if let Ok(value) = HeaderValue::from_bytes(value) {
            if which % 2 == 0 {
                headers.insert(name, value);
            } else {
                headers.append(name, value);
            }
            touched = true;
        }
    }
    // The same request with every header's values in reverse order, checked first by a
    // verifier of its own (so the replay store of one does not answer for the other).
    let mut reversed = HeaderMap::new();
    for name in headers.keys() {
        for value in headers.get_all(name).iter().rev() {
            reversed.append(name.clone(), value.clone());
        }
    }
    let fresh = Verifier::new(scheme.clone(), [secret.clone()]);
    let answer = |r: Result<hookwire::Verified<'_>, hookwire::Error>| {
        r.map(|m| m.secret_index()).map_err(|e| e.code())
    };
    assert_eq!(
        answer(fresh.verify_at(&reversed, input.body, input.now)),
        answer(fresh.verify_at(&headers, input.body, input.now)),
        "the order of repeated header values changed the answer"
    );
    // The same headers as pairs, and in a map crowded with others (looked up name by name,
    // where a small map is walked once): the same answer.
    let expected = answer(fresh.verify_at(&headers, input.body, input.now));
    let pairs: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
    assert_eq!(answer(fresh.verify_at(&pairs, input.body, input.now)), expected, "pairs");
    let mut crowded = HeaderMap::new();
    for i in 0..40u16 {
        crowded
            .append(HeaderName::from_bytes(format!("x-other-{i}").as_bytes()).unwrap(), HeaderValue::from(i));
    }
    for (name, value) in &headers {
        crowded.append(name.clone(), value.clone());
    }
    assert_eq!(answer(fresh.verify_at(&crowded, input.body, input.now)), expected, "crowded map");
    let verifier = Verifier::new(scheme, [secret]).seen_store(MemorySeenStore::new(16));
    let result = verifier.verify_at(&headers, input.body, input.now);
    if signed && !touched && input.now == input.timestamp {
        // Untouched signed request at its own time: must verify.
        assert!(result.is_ok(), "{result:?}");
    }
    if let Err(err) = result {
        let _ = (err.code(), err.to_string());
    }
});
