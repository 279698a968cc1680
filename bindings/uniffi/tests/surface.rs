//! The public surface of `bindings/surface.json` is offered by every binding: the uniffi crate
//! (read from the uniffi metadata of the built library, the same data `uniffi-bindgen` generates
//! Kotlin and Swift from), Python (`_hookwire.pyi`) and Node (`index.d.ts`). Each test names
//! exactly what its binding lacks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use uniffi_meta::Metadata;

/// What a binding offers: top-level names (functions and constants) and class members.
#[derive(Default, Debug)]
struct Offered {
    top: BTreeSet<String>,
    classes: BTreeMap<String, BTreeSet<String>>,
}

impl Offered {
    fn member(&mut self, class: &str, name: &str) {
        self.classes.entry(class.to_owned()).or_default().insert(name.to_owned());
    }
}

/// `bindings/surface.json`: constants, functions and classes with their members.
struct Surface {
    constants: Vec<String>,
    functions: Vec<String>,
    classes: Vec<(String, Vec<String>)>,
}

fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn surface() -> Surface {
    section(&surface_json())
}

fn surface_json() -> serde_json::Value {
    let text = std::fs::read_to_string(bindings_dir().join("surface.json")).expect("bindings/surface.json");
    serde_json::from_str(&text).expect("surface.json is JSON")
}

/// The `outbox` section: what Python and Node offer beside the shared surface.
fn outbox_surface() -> Surface {
    section(&surface_json()["outbox"])
}

/// One section of surface.json (the top, or `outbox`): constants, functions, classes.
fn section(json: &serde_json::Value) -> Surface {
    let names = |value: &serde_json::Value| -> Vec<String> {
        match value {
            serde_json::Value::Array(items) => {
                items.iter().map(|i| i.as_str().expect("a name").to_owned()).collect()
            }
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            other => panic!("unexpected {other}"),
        }
    };
    Surface {
        constants: names(&json["constants"]),
        functions: match &json["functions"] {
            serde_json::Value::Null => Vec::new(),
            functions => names(functions),
        },
        classes: json["classes"]
            .as_object()
            .expect("classes")
            .iter()
            .map(|(class, members)| (class.clone(), names(members)))
            .collect(),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// How a binding spells a surface name: the candidates, any of which will do.
struct Spelling {
    constant: fn(&str) -> Vec<String>,
    function: fn(&str) -> Vec<String>,
    member: fn(&str) -> Vec<String>,
}

/// Everything of `surface` that `offered` lacks, one line each.
fn missing(surface: &Surface, offered: &Offered, spelling: &Spelling) -> Vec<String> {
    let has_top = |candidates: Vec<String>| candidates.iter().any(|c| offered.top.contains(c));
    let mut missing = Vec::new();
    for constant in &surface.constants {
        if !has_top((spelling.constant)(constant)) {
            missing.push(format!("constant {constant} (as {})", (spelling.constant)(constant).join(" or ")));
        }
    }
    for function in &surface.functions {
        if !has_top((spelling.function)(function)) {
            missing.push(format!("function {function} (as {})", (spelling.function)(function).join(" or ")));
        }
    }
    for (class, members) in &surface.classes {
        let Some(offered) = offered.classes.get(class) else {
            missing.push(format!("{class} (all of it)"));
            continue;
        };
        for member in members {
            let candidates = (spelling.member)(member);
            if !candidates.iter().any(|c| offered.contains(c)) {
                missing.push(format!("{class}.{member} (as {})", candidates.join(" or ")));
            }
        }
    }
    missing
}

fn assert_offers(binding: &str, source: &str, offered: Result<Offered, String>, spelling: &Spelling) {
    assert_offers_section(binding, source, &surface(), offered, spelling);
}

fn assert_offers_section(
    binding: &str,
    source: &str,
    surface: &Surface,
    offered: Result<Offered, String>,
    spelling: &Spelling,
) {
    let offered = offered.unwrap_or_else(|why| panic!("{binding}: cannot read {source}: {why}"));
    let missing = missing(surface, &offered, spelling);
    assert!(
        missing.is_empty(),
        "{binding} ({source}) lacks {} item(s) of bindings/surface.json:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

// ---- uniffi ---------------------------------------------------------------------------------

/// The cdylib cargo built for this test: `target/<profile>/deps/libhookwire_ffi.so` (a plain
/// `cargo test` builds it there without copying it up), else `target/<profile>/`.
fn uniffi_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let name = format!("{}hookwire_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    [deps.join(&name), deps.parent().expect("target/<profile>").join(&name)]
        .into_iter()
        .find(|path| path.exists())
        .unwrap_or_else(|| deps.join(&name))
}

fn uniffi_offered() -> Result<Offered, String> {
    let library = uniffi_library();
    let path =
        camino::Utf8PathBuf::from_path_buf(library.clone()).map_err(|p| format!("{p:?} is not UTF-8"))?;
    let metadata = uniffi_bindgen::macro_metadata::extract_from_library(&path)
        .map_err(|e| format!("{}: {e:#}", library.display()))?;
    let mut offered = Offered::default();
    for item in metadata {
        match item {
            Metadata::Func(f) => {
                offered.top.insert(f.name);
            }
            Metadata::Object(o) => {
                offered.classes.entry(o.name).or_default();
            }
            Metadata::Constructor(c) => offered.member(&c.self_name, &c.name),
            Metadata::Method(m) => offered.member(&m.self_name, &m.name),
            Metadata::Record(r) => {
                for field in r.fields {
                    offered.member(&r.name, &field.name);
                }
            }
            Metadata::Enum(e) => {
                offered.classes.entry(e.name.clone()).or_default();
                for field in e.variants.iter().flat_map(|v| &v.fields) {
                    offered.member(&e.name, &field.name);
                }
            }
            _ => {}
        }
    }
    Ok(offered)
}

#[test]
fn uniffi_offers_the_surface() {
    // Names stay snake_case in the metadata; Kotlin and Swift camelCase them. Constants are
    // functions (`error_codes()`), uniffi has no constants.
    let spelling = Spelling {
        constant: |name| vec![name.to_ascii_lowercase()],
        function: |name| vec![name.to_owned()],
        member: |name| vec![name.to_owned()],
    };
    assert_offers(
        "uniffi (Kotlin/Swift)",
        "the uniffi metadata of libhookwire_ffi",
        uniffi_offered(),
        &spelling,
    );
}

// ---- Python ---------------------------------------------------------------------------------

/// Classes (`class X...:` blocks with `def name(` and `name:` members) and top-level `def` /
/// `NAME:` of a `.pyi` stub.
fn python_offered() -> Result<Offered, String> {
    let path = bindings_dir().join("python/python/hookwire/_hookwire.pyi");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut offered = Offered::default();
    let mut class: Option<String> = None;
    for line in text.lines() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('@') {
            continue;
        }
        if !indented {
            class = None;
            if let Some(rest) = trimmed.strip_prefix("class ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                offered.classes.entry(name.clone()).or_default();
                class = Some(name);
            } else if let Some(name) = python_name(trimmed) {
                offered.top.insert(name);
            }
            continue;
        }
        if let (Some(class), Some(name)) = (&class, python_name(trimmed)) {
            offered.member(class, &name);
        }
    }
    Ok(offered)
}

/// The name a stub line declares: `def name(`, `async def name(`, `name: type` or `name = ...`.
fn python_name(line: &str) -> Option<String> {
    let line = line.strip_prefix("async ").unwrap_or(line);
    let rest = line.strip_prefix("def ").unwrap_or(line);
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let after = rest[name.len()..].trim_start();
    let declares =
        if line.starts_with("def ") { after.starts_with('(') } else { after.starts_with([':', '=']) };
    (!name.is_empty() && declares).then_some(name)
}

#[test]
fn python_offers_the_surface() {
    let spelling = Spelling {
        constant: |name| vec![name.to_owned()],
        function: |name| vec![name.to_owned()],
        member: |name| match name {
            "new" => vec!["__init__".into(), "__new__".into()],
            "len" => vec!["__len__".into(), "len".into()],
            other => vec![other.to_owned()],
        },
    };
    assert_offers("Python", "bindings/python/python/hookwire/_hookwire.pyi", python_offered(), &spelling);
}

// ---- Node -----------------------------------------------------------------------------------

/// Classes and interfaces (`export declare class X {`, `export interface X {`) with their
/// members (those of the class they extend too), and exported functions and constants of a
/// `.d.ts` file.
fn node_offered() -> Result<Offered, String> {
    let path = bindings_dir().join("node/index.d.ts");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut offered = Offered::default();
    let mut parents: Vec<(String, String)> = Vec::new();
    let mut class: Option<String> = None;
    let mut depth = 0usize;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("//") || trimmed.starts_with('*') || trimmed.starts_with("/*") {
            continue;
        }
        if depth == 0 {
            let declaration = trimmed
                .trim_start_matches("export ")
                .trim_start_matches("declare ")
                .trim_start_matches("abstract ");
            let keyword = ["class ", "interface ", "type ", "function ", "const ", "let ", "var "]
                .into_iter()
                .find(|k| declaration.starts_with(k));
            if let Some(keyword) = keyword {
                let name: String = declaration[keyword.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                match keyword {
                    "class " | "interface " | "type " if trimmed.ends_with('{') => {
                        offered.classes.entry(name.clone()).or_default();
                        if let Some((_, parent)) = declaration.split_once(" extends ") {
                            let parent: String =
                                parent.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                            parents.push((name.clone(), parent));
                        }
                        class = Some(name);
                    }
                    "class " | "interface " | "type " => {
                        offered.classes.entry(name).or_default();
                    }
                    _ => {
                        offered.top.insert(name);
                    }
                }
            }
        } else if depth == 1 {
            if let (Some(class), Some(name)) = (&class, ts_member(trimmed)) {
                offered.member(class, &name);
            }
        }
        depth = (depth + trimmed.matches('{').count()).saturating_sub(trimmed.matches('}').count());
        if depth == 0 {
            class = None;
        }
    }
    for (child, parent) in parents {
        let inherited = offered.classes.get(&parent).cloned().unwrap_or_default();
        offered.classes.entry(child).or_default().extend(inherited);
    }
    Ok(offered)
}

/// The member a class or interface line declares: `name(`, `name: `, `name?: `, with any of
/// `static`, `readonly`, `get`, `set`, `async` before it.
fn ts_member(line: &str) -> Option<String> {
    let mut rest = line;
    for modifier in ["public ", "static ", "readonly ", "async ", "get ", "set "] {
        rest = rest.strip_prefix(modifier).unwrap_or(rest);
    }
    for modifier in ["readonly ", "get ", "set "] {
        rest = rest.strip_prefix(modifier).unwrap_or(rest);
    }
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
    let after = rest[name.len()..].trim_start();
    let declares = after.starts_with(['(', ':', '<']) || after.starts_with("?:") || after.starts_with("?(");
    (!name.is_empty() && declares).then_some(name)
}

#[test]
fn node_offers_the_surface() {
    let spelling = Spelling {
        constant: |name| vec![name.to_owned()],
        function: |name| vec![camel(name)],
        member: |name| match name {
            "new" => vec!["constructor".into()],
            "len" => vec!["length".into(), "len".into()],
            // Spans are milliseconds in Node, with the unit on the name: `elapsed` → `elapsedMs`.
            other => vec![camel(other), format!("{}Ms", camel(other))],
        },
    };
    assert_offers("Node", "bindings/node/index.d.ts", node_offered(), &spelling);
}

// ---- the outbox (Python and Node) -----------------------------------------------------------

#[test]
fn python_offers_the_outbox() {
    let spelling = Spelling {
        constant: |name| vec![name.to_owned()],
        function: |name| vec![name.to_owned()],
        member: |name| match name {
            "new" => vec!["__init__".into(), "__new__".into()],
            other => vec![other.to_owned()],
        },
    };
    let source = "bindings/python/python/hookwire/_hookwire.pyi";
    assert_offers_section("Python", source, &outbox_surface(), python_offered(), &spelling);
}

#[test]
fn node_offers_the_outbox() {
    // Opening reads the database: `await Outbox.open(url)`. Spans are milliseconds: `timeoutMs`.
    let spelling = Spelling {
        constant: |name| vec![name.to_owned()],
        function: |name| vec![camel(name)],
        member: |name| match name {
            "new" => vec!["open".into()],
            other => vec![camel(other), format!("{}Ms", camel(other))],
        },
    };
    assert_offers_section("Node", "bindings/node/index.d.ts", &outbox_surface(), node_offered(), &spelling);
}

#[test]
fn the_readers_understand_their_formats() {
    assert_eq!(python_name("def sign(self, body: bytes) -> dict[str, str]: ..."), Some("sign".into()));
    assert_eq!(python_name("timestamp_signed: bool"), Some("timestamp_signed".into()));
    assert_eq!(python_name("ERROR_CODES: list[str]"), Some("ERROR_CODES".into()));
    assert_eq!(python_name("return x"), None);
    assert_eq!(ts_member("static fromBytes(bytes: Buffer): Secret"), Some("fromBytes".into()));
    assert_eq!(ts_member("get isActive(): boolean"), Some("isActive".into()));
    assert_eq!(ts_member("readonly eventType?: string"), Some("eventType".into()));
    assert_eq!(ts_member("constructor(secret: string, options?: SignerOptions)"), Some("constructor".into()));
    assert_eq!(camel("pop_due"), "popDue");
}

#[test]
fn a_missing_item_is_named() {
    let surface = Surface {
        constants: vec!["SCHEMES".into()],
        functions: vec!["parse_event".into()],
        classes: vec![
            ("Scheduler".into(), vec!["new".into(), "pop_due".into()]),
            ("UrlGuard".into(), vec![]),
        ],
    };
    let mut offered = Offered::default();
    offered.member("Scheduler", "constructor");
    let spelling = Spelling {
        constant: |name| vec![name.to_owned()],
        function: |name| vec![camel(name)],
        member: |name| vec![if name == "new" { "constructor".into() } else { camel(name) }],
    };
    assert_eq!(
        missing(&surface, &offered, &spelling),
        [
            "constant SCHEMES (as SCHEMES)",
            "function parse_event (as parseEvent)",
            "Scheduler.pop_due (as popDue)",
            "UrlGuard (all of it)",
        ]
    );
}
