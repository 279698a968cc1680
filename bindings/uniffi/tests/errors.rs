//! The uniffi error enum is `bindings/errors.json` (the core's `Error::KINDS`): a variant per
//! code, named as the core names it, in the core's order, carrying `reason` and then every
//! structured detail of the code as a field of its type (text → String, number → Int64, names
//! → a list of String). Read from the uniffi metadata of the built library: what
//! `uniffi-bindgen` generates Kotlin's `WebhookException` and Swift's `WebhookError` from.

use std::path::PathBuf;

use uniffi_meta::{Metadata, Type};

/// The cdylib cargo built for this test: `target/<profile>/deps/libhookwire_ffi.so` (a plain
/// `cargo test` builds it there without copying it up), else `target/<profile>/`.
fn uniffi_library() -> camino::Utf8PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let name = format!("{}hookwire_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let path = [deps.join(&name), deps.parent().expect("target/<profile>").join(&name)]
        .into_iter()
        .find(|path| path.exists())
        .unwrap_or_else(|| deps.join(&name));
    camino::Utf8PathBuf::from_path_buf(path).expect("a UTF-8 path")
}

/// (variant, [(field, type)]) of each kind, in order, as errors.json says they must be.
fn expected() -> Vec<(String, Vec<(String, Type)>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../errors.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|kind| {
            let mut fields = vec![("reason".to_owned(), Type::String)];
            for detail in kind["details"].as_array().expect("details") {
                let ty = match detail["kind"].as_str().expect("kind") {
                    "text" => Type::String,
                    "number" => Type::Int64,
                    "names" => Type::Sequence { inner_type: Box::new(Type::String) },
                    other => panic!("a detail kind this binding does not map: {other}"),
                };
                fields.push((detail["name"].as_str().expect("name").to_owned(), ty));
            }
            (kind["variant"].as_str().expect("variant").to_owned(), fields)
        })
        .collect()
}

#[test]
fn the_error_enum_is_errors_json() {
    let metadata = uniffi_bindgen::macro_metadata::extract_from_library(&uniffi_library()).expect("metadata");
    let error = metadata
        .into_iter()
        .find_map(|item| match item {
            Metadata::Enum(e) if e.name == "WebhookError" => Some(e),
            _ => None,
        })
        .expect("the WebhookError enum");
    assert!(matches!(error.shape, uniffi_meta::EnumShape::Error { flat: false }), "{:?}", error.shape);
    let offered: Vec<_> = error
        .variants
        .iter()
        .map(|v| {
            (v.name.clone(), v.fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect::<Vec<_>>())
        })
        .collect();
    let expected = expected();
    assert_eq!(
        offered.iter().map(|(v, _)| v).collect::<Vec<_>>(),
        expected.iter().map(|(v, _)| v).collect::<Vec<_>>(),
        "one variant per code, in the core's order"
    );
    for ((variant, fields), (_, wanted)) in offered.iter().zip(&expected) {
        assert_eq!(fields, wanted, "the fields of {variant}");
    }
}
