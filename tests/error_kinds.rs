//! `bindings/errors.json` is the core's table of errors ([`hookwire::Error::KINDS`]) written out
//! for the bindings: their error classes (Python `errors.py` and stubs, Node `lib/errors.js` and
//! types, the uniffi error enum) are checked against it. This test fails when the file and the
//! table differ; `HOOKWIRE_BLESS=1 cargo test --test error_kinds` rewrites it.

use serde_json::{json, Value};

fn generated() -> String {
    let kinds: Vec<Value> = hookwire::Error::KINDS
        .iter()
        .map(|kind| {
            let details: Vec<Value> = kind
                .details()
                .map(|field| json!({"name": field.name, "kind": field.kind.name(), "summary": field.summary.trim()}))
                .collect();
            json!({
                "code": kind.code,
                "variant": kind.variant,
                "status": kind.status,
                "summary": kind.summary.trim(),
                "details": details,
            })
        })
        .collect();
    let doc = json!({
        "about": "Generated from hookwire::Error::KINDS by tests/error_kinds.rs (HOOKWIRE_BLESS=1 to rewrite). Every binding's error classes and their structured detail fields are checked against it.",
        "errors": kinds,
    });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

#[test]
fn bindings_error_table_matches_the_core() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/bindings/errors.json");
    let want = generated();
    if std::env::var_os("HOOKWIRE_BLESS").is_some() {
        std::fs::write(path, &want).expect("write errors.json");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "bindings/errors.json is stale: run HOOKWIRE_BLESS=1 cargo test --test error_kinds"
    );
}

#[test]
fn the_table_is_the_errors_themselves() {
    // One row per code, in the order of CODES, each status the one the error answers with.
    let codes: Vec<&str> = hookwire::Error::KINDS.iter().map(|kind| kind.code).collect();
    assert_eq!(codes, hookwire::Error::CODES);
    for kind in hookwire::Error::KINDS {
        assert_eq!(hookwire::Error::response_status_of(kind.code), kind.status, "{}", kind.code);
        assert!(!kind.summary.trim().is_empty(), "{} has no summary", kind.code);
    }
    // The details an error carries are the fields its row names, in order, `reason` left out.
    let samples = [
        hookwire::Error::PayloadTooLarge { size: 9, limit: 8 },
        hookwire::Error::MissingHeader { header: "webhook-id".into(), scheme: "svix".into() },
        hookwire::Error::TimestampTooOld { age: 400, tolerance: 300 },
        hookwire::Scheme::from_name("nope").map(|_| ()).unwrap_err(),
        hookwire::Dialect::from_name("nope").map(|_| ()).unwrap_err(),
        hookwire::Error::InvalidSignature,
        hookwire::UrlGuard::default().check_url("http://127.0.0.1/").map(|_| ()).unwrap_err(),
    ];
    for err in samples {
        let kind = hookwire::Error::KINDS.iter().find(|kind| kind.code == err.code()).expect("a row");
        let names: Vec<&str> = err.details().iter().map(|(name, _)| *name).collect();
        let want: Vec<&str> = kind.details().map(|field| field.name).collect();
        assert_eq!(names, want, "{}", err.code());
    }
}
