//! Runs every case of `tests/vectors/signatures.json`, the cross-language vectors that every
//! binding runs too. The file is produced by an independent reference implementation
//! (`tests/vectors/generate_signatures.py`, Python standard library HMAC).

use std::time::Duration;

use base64::Engine as _;
use hookwire::{Scheme, Secret, Signer, Verifier};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

fn load() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/signatures.json");
    let text = std::fs::read_to_string(path).expect("read signatures.json");
    let file: Value = serde_json::from_str(&text).expect("parse signatures.json");
    file["cases"].as_array().expect("cases").clone()
}

fn body(case: &Value) -> Vec<u8> {
    match (case.get("body"), case.get("body_base64")) {
        (Some(text), None) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap(),
        _ => panic!("{}: exactly one of body / body_base64", case["name"]),
    }
}

fn secrets(case: &Value) -> Result<Vec<Secret>, hookwire::Error> {
    case["secrets"].as_array().unwrap().iter().map(|s| Secret::parse(s.as_str().unwrap())).collect()
}

/// How a verify case hands its headers to the verifier: every case runs in each form.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// An `http::HeaderMap`, as a Rust server has it.
    HeaderMap,
    /// `(name, value)` text pairs as the vector lists them (names in their sent case), as a
    /// binding has them: no `HeaderMap` is built.
    TextPairs,
    /// The same pairs as bytes, as ASGI servers give them.
    BytePairs,
}

const FORMS: [Form; 3] = [Form::HeaderMap, Form::TextPairs, Form::BytePairs];

fn pairs(case: &Value) -> Vec<(&str, &str)> {
    case["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
        .collect()
}

fn headers(case: &Value) -> HeaderMap {
    let mut map = HeaderMap::new();
    for pair in case["headers"].as_array().unwrap() {
        let name = HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap();
        let value = HeaderValue::from_bytes(pair[1].as_str().unwrap().as_bytes()).unwrap();
        map.append(name, value);
    }
    map
}

/// The outcome of one case, as the vectors spell it.
fn run(case: &Value, form: Form) -> Value {
    let outcome = || -> Result<Value, hookwire::Error> {
        let scheme = Scheme::from_name(case["scheme"].as_str().unwrap())?;
        let body = body(case);
        match case["op"].as_str().unwrap() {
            "verify" => {
                let verifier = Verifier::try_new(scheme, secrets(case)?)?
                    .tolerance(Duration::from_secs(case["tolerance"].as_u64().unwrap()))
                    .max_body(case["max_body"].as_u64().unwrap() as usize);
                let now = case["now"].as_i64().unwrap();
                let (map, text) = (headers(case), pairs(case));
                let bytes: Vec<(&[u8], &[u8])> =
                    text.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
                let message = match form {
                    Form::HeaderMap => verifier.verify_at(&map, &body, now)?,
                    Form::TextPairs => verifier.verify_at(&text, &body, now)?,
                    Form::BytePairs => verifier.verify_at(&bytes, &body, now)?,
                };
                Ok(serde_json::json!({
                    "ok": true,
                    "id": message.id(),
                    "timestamp": message.timestamp(),
                    "timestamp_signed": message.timestamp_signed(),
                    "event_type": message.event_type(),
                    "secret_index": message.secret_index(),
                }))
            }
            "sign" => {
                let mut all = secrets(case)?.into_iter();
                let mut signer = Signer::try_new(scheme, all.next().expect("a secret"))?;
                for secret in all {
                    signer = signer.with_secret(secret);
                }
                let id = case["id"].as_str().unwrap();
                let ts = case["timestamp"].as_i64().unwrap();
                let headers = match case["event_type"].as_str() {
                    Some(event) => signer.sign_event(id, ts, event, &body)?,
                    None => signer.sign(id, ts, &body)?,
                };
                let mut pairs: Vec<(String, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                    .collect();
                pairs.sort();
                Ok(serde_json::json!({ "headers": pairs }))
            }
            op => panic!("unknown op {op}"),
        }
    };
    outcome().unwrap_or_else(|err| serde_json::json!({ "error": err.code() }))
}

#[test]
fn every_signature_vector_passes() {
    let cases = load();
    assert!(cases.len() >= 100, "expected the full vector file, found {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        // Signing has no headers to read; each verify case runs in every header form.
        let forms = if case["op"] == "verify" { &FORMS[..] } else { &FORMS[..1] };
        for &form in forms {
            let got = run(case, form);
            if got != case["expect"] {
                failures
                    .push(format!("{} ({form:?}): expected {}, got {}", case["name"], case["expect"], got));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} runs of {} vectors (each in {} header forms) failed:\n{}",
        failures.len(),
        cases.len(),
        FORMS.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_every_scheme_both_ways() {
    let cases = load();
    for name in Scheme::names() {
        let of_scheme = |op: &str, ok: bool| {
            cases
                .iter()
                .any(|c| c["scheme"] == *name && c["op"] == op && c["expect"].get("error").is_none() == ok)
        };
        assert!(of_scheme("sign", true), "{name}: no sign case");
        assert!(of_scheme("verify", true), "{name}: no valid verify case");
        assert!(of_scheme("verify", false), "{name}: no invalid verify case");
    }
}
