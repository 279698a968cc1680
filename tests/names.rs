//! `bindings/names.json` is every small enum's names from the core, written out for the
//! bindings: their name types (`names`: Python `Literal` aliases in `_hookwire.pyi`, Node's type
//! aliases written by `scripts/gen-dts.mjs`) are checked against or generated from it, and the
//! bindings' tests hold their constants (`constants`: `SCHEMES`, `RETRY_POLICIES`, `DIALECTS`)
//! to it, so no binding keeps its own copy. This test fails when the file and the core differ;
//! `HOOKWIRE_BLESS=1 cargo test --test names` rewrites it.

use hookwire::{
    Decision, DeliveryState, DisableReason, Failure, Family, GiveUpReason, HealthTransition, Jitter,
    OutcomeClass,
};
use serde_json::json;

fn generated() -> String {
    let doc = json!({
        "about": "Generated from the core's name lists by tests/names.rs (HOOKWIRE_BLESS=1 to rewrite). Each binding's name types are checked against it or generated from it.",
        "names": {
            "FailureKind": Failure::ALL.map(Failure::name),
            "OutcomeClass": OutcomeClass::ALL.map(OutcomeClass::name),
            "GiveUpReason": GiveUpReason::ALL.map(GiveUpReason::name),
            "JitterKind": Jitter::names(),
            "DecisionAction": Decision::names(),
            "DeliveryStateName": DeliveryState::names(),
            "HealthTransitionName": HealthTransition::names(),
            "DisableReasonName": DisableReason::names(),
            "Family": Family::ALL.map(Family::as_str),
        },
        "constants": {
            "SCHEMES": hookwire::Scheme::names(),
            "RETRY_POLICIES": hookwire::RetryPolicy::names(),
            "DIALECTS": hookwire::Dialect::names(),
        },
    });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

#[test]
fn bindings_name_lists_match_the_core() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/bindings/names.json");
    let want = generated();
    if std::env::var_os("HOOKWIRE_BLESS").is_some() {
        std::fs::write(path, &want).expect("write names.json");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(have == want, "bindings/names.json is stale: run HOOKWIRE_BLESS=1 cargo test --test names");
}

#[test]
fn families_are_every_family_the_catalog_and_events_use() {
    // Every catalog type's family is listed, every typed family has catalog types, and an
    // uncatalogued type is `other`.
    for info in hookwire::catalog() {
        assert!(Family::ALL.contains(&info.family), "{}: {:?}", info.name, info.family);
        assert_eq!(Family::of(info.name), info.family, "{}", info.name);
    }
    for family in Family::ALL {
        let used = hookwire::catalog().iter().any(|info| info.family == family);
        assert!(used || family == Family::Other, "{} has no catalog type", family.as_str());
    }
    assert_eq!(Family::of("not.in.the.catalog"), Family::Other);
    let names: Vec<&str> = Family::ALL.map(Family::as_str).to_vec();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "each family once: {names:?}");
}

#[test]
fn every_retry_preset_parses_back_to_its_name() {
    // RetryPolicy::names() is the preset table; each name builds the policy of that name.
    assert!(!hookwire::RetryPolicy::names().is_empty());
    for &name in hookwire::RetryPolicy::names() {
        let policy = hookwire::RetryPolicy::from_name(name).expect(name);
        assert_eq!(policy.name(), name);
    }
}
