//! Any text as a secret: parse and bind to every scheme (each with its own key rule) without
//! panicking or echoing the text; a refusal names the scheme.
#![no_main]

use hookwire::{Scheme, Secret, Signer, Verifier};
use libfuzzer_sys::fuzz_target;

/// Whether a leak of `text` into a message would be visible: no fixed message of hookwire
/// contains `#`, so a text with one cannot appear there by coincidence.
fn traceable(text: &str) -> bool {
    text.len() >= 8 && text.contains('#')
}

fuzz_target!(|text: &str| {
    let secret = match Secret::parse(text) {
        Ok(secret) => secret,
        Err(err) => {
            assert_eq!(err.code(), "invalid_secret");
            if traceable(text) {
                assert!(!err.to_string().contains(text), "error message echoes the secret");
            }
            return;
        }
    };
    if traceable(text) {
        assert!(!format!("{secret:?}").contains(text), "Debug prints the secret");
    }
    let _ = secret.public_key();
    for name in Scheme::names() {
        let scheme = Scheme::from_name(name).unwrap();
        if let Ok(signer) = Signer::try_new(scheme.clone(), secret.clone()) {
            let headers = signer.sign("msg_1", 1_700_000_000, b"{}").expect("a valid signer signs");
            let verifier = Verifier::try_new(scheme, [secret.clone()]).expect("what signs, verifies");
            verifier.verify_at(&headers, b"{}", 1_700_000_000).expect("own signature verifies");
        } else {
            // A secret the scheme cannot use says which scheme, and never echoes the text.
            if let Err(err) = Verifier::try_new(scheme.clone(), [secret.clone()]) {
                assert_eq!(err.code(), "invalid_secret");
                let shown = err.to_string();
                assert!(shown.contains(&format!("the {name} scheme")), "{shown}");
                if traceable(text) {
                    assert!(!shown.contains(text), "error message echoes the secret");
                }
            }
        }
    }
});
