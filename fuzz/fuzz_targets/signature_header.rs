//! Any text as a signature header value, for every scheme: the entry splitter and the verifier's
//! header parsing must never panic, and garbage must never verify.
#![no_main]

use hookwire::{Scheme, Secret, Verifier};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        for entry in scheme.signature_entries(value) {
            assert!(!entry.value.is_empty() || entry.version.is_some());
        }
        let Ok(header_value) = HeaderValue::from_str(value) else { continue };
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_bytes(scheme.signature_header().as_bytes()).unwrap(), header_value);
        for header in [scheme.id_header(), scheme.timestamp_header()].into_iter().flatten() {
            headers.insert(HeaderName::from_bytes(header.as_bytes()).unwrap(), HeaderValue::from_static("1700000000"));
        }
        let verifier = Verifier::new(scheme, [secret.clone()]);
        // Without the secret, a fuzzer finding a valid HMAC-SHA256 would be news.
        assert!(verifier.verify_at(&headers, b"{}", 1_700_000_000).is_err());
    }
});
