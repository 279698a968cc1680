//! Any text as a signature header value, for every scheme: the entry splitter and the verifier's
//! header parsing must never panic, garbage must never verify, and two values joined the way
//! frameworks join repeated headers (RFC 9110 `,` / `, `) split into the entries of both.
#![no_main]

use std::sync::OnceLock;

use hookwire::{Scheme, Secret, SignatureEntry, Verifier, MAX_SIGNATURE_ENTRIES};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

/// One verifier per scheme, built once: the fuzzer's time goes to the header, not to keys.
fn verifiers() -> &'static [(&'static str, Scheme, Verifier)] {
    static VERIFIERS: OnceLock<Vec<(&'static str, Scheme, Verifier)>> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        Scheme::names()
            .iter()
            .map(|name| {
                let scheme = Scheme::from_name(name).unwrap();
                (*name, scheme.clone(), Verifier::new(scheme, [secret.clone()]))
            })
            .collect()
    })
}

fuzz_target!(|values: (&str, &str)| {
    let (value, other) = values;
    for (name, scheme, verifier) in verifiers() {
        let entries: Vec<SignatureEntry<'_>> = scheme.signature_entries(value).collect();
        for entry in &entries {
            assert!(!entry.value.is_empty() || entry.version.is_some());
            assert!(!entry.value.contains([',', ' ', '\t']), "{entry:?}");
        }
        // Standard Webhooks' version separator is `,` itself: there a join right after a bare
        // entry (`…abc` + `,` + `…`) reads that entry as a version, which no real list ends with.
        let comma_versions = matches!(*name, "standard-webhooks" | "svix");
        let glued =
            comma_versions && entries.last().is_some_and(|e| e.version.is_none() && value.ends_with(e.value));
        if !glued {
            let both: Vec<_> = entries.iter().copied().chain(scheme.signature_entries(other)).collect();
            for join in [",", ", "] {
                let joined = format!("{value}{join}{other}");
                let split: Vec<_> = scheme.signature_entries(&joined).collect();
                assert_eq!(split, both, "{name} {joined:?}");
            }
        }
        let Ok(header_value) = HeaderValue::from_str(value) else { continue };
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_bytes(scheme.signature_header().as_bytes()).unwrap(), header_value);
        for header in [scheme.id_header(), scheme.timestamp_header()].into_iter().flatten() {
            headers.insert(
                HeaderName::from_bytes(header.as_bytes()).unwrap(),
                HeaderValue::from_static("1700000000"),
            );
        }
        // Without the secret, a fuzzer finding a valid HMAC-SHA256 would be news.
        let err = verifier.verify_at(&headers, b"{}", 1_700_000_000).unwrap_err();
        if entries.len() > MAX_SIGNATURE_ENTRIES {
            assert_eq!(err.code(), "malformed_header", "{err}");
        }
    }
});
