//! `bindings/payload_fields.json` is the Rust payload types written out for the bindings' own
//! tests (Python stubs, TypeScript types, uniffi records are checked against it). This test
//! fails when the file and the Rust types differ; `HOOKWIRE_BLESS=1 cargo test --test
//! payload_fields` rewrites it.

use serde_json::{json, Map, Value};

fn generated() -> String {
    let mut types = Map::new();
    for (name, fields) in hookwire::payload_types() {
        let fields: Vec<Value> =
            fields.iter().map(|f| json!({"key": f.key, "name": f.name, "type": f.ty})).collect();
        types.insert(name.to_owned(), Value::Array(fields));
    }
    let families: Map<String, Value> = hookwire::Family::ALL
        .into_iter()
        .filter_map(|family| Some((family.as_str().to_owned(), Value::from(family.payload_type()?))))
        .collect();
    let doc = json!({
        "about": "Generated from the Rust payload types by tests/payload_fields.rs (HOOKWIRE_BLESS=1 to rewrite). Every field is optional; fields not listed are kept as extra.",
        "scalars": {
            "Id": "a string or an integer, as sent",
            "Decimal": "an exact decimal number (keep the text; never a float)",
            "Timestamp": "RFC 3339 text or unix seconds, as sent",
            "Json": "any JSON value",
            "TemperatureUnit": "\"F\" or \"C\"",
            "String": "text", "bool": "boolean", "i64": "integer"
        },
        "families": families,
        "types": types,
    });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

#[test]
fn bindings_payload_fields_match_the_rust_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/bindings/payload_fields.json");
    let want = generated();
    if std::env::var_os("HOOKWIRE_BLESS").is_some() {
        std::fs::write(path, &want).expect("write payload_fields.json");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "bindings/payload_fields.json is stale: run HOOKWIRE_BLESS=1 cargo test --test payload_fields"
    );
}

#[test]
fn every_field_type_is_a_known_scalar_or_a_payload_type() {
    let types: Vec<&str> = hookwire::payload_types().iter().map(|(name, _)| *name).collect();
    let scalars = ["Id", "Decimal", "Timestamp", "Json", "TemperatureUnit", "String", "bool", "i64"];
    for (name, fields) in hookwire::payload_types() {
        for field in fields {
            let inner = field.ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')).unwrap_or(field.ty);
            assert!(
                scalars.contains(&inner) || types.contains(&inner),
                "{name}.{}: {}",
                field.name,
                field.ty
            );
        }
    }
}
