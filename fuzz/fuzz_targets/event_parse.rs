//! Any bytes, every dialect, with and without a type hint, strict or not: parsing returns a
//! typed error or an event that encodes and parses back to itself.
#![no_main]

use hookwire::{Dialect, Event};
use libfuzzer_sys::fuzz_target;

// The whole input is the body, so real payloads (tests/fixtures/dialects) seed the corpus as
// they are; the dialect, hint and strictness come from the length, which the fuzzer varies.
fuzz_target!(|body: &[u8]| {
    let selector = body.len();
    let dialect = Dialect::ALL[selector % Dialect::ALL.len()];
    let hint = match selector / 6 % 4 {
        0 => None,
        1 => Some("temperature_update"),
        2 => Some("order.created"),
        _ => Some("widget.exploded"),
    };
    let strict = selector / 24 % 2 == 1;
    let parsed = if strict { dialect.parse_strict(body, hint) } else { dialect.parse(body, hint) };
    let event = match parsed {
        Ok(event) => event,
        Err(err) => {
            assert!(matches!(err.code(), "invalid_payload" | "unknown_event_type"), "{err:?}");
            return;
        }
    };
    // What was read can be written natively and read again, to the same event, less extra
    // fields named like a native envelope key (a HomeChef body with its own `type`): the
    // native envelope owns those names.
    let native = event.to_json();
    let again = Event::from_json(&native).unwrap_or_else(|e| panic!("native re-parse failed: {e}"));
    assert_eq!(
        (again.id(), again.event_type(), again.timestamp(), again.actor(), again.payload()),
        (event.id(), event.event_type(), event.timestamp(), event.actor(), event.payload())
    );
    let owned = [
        ("id", event.id().is_some()),
        ("type", true),
        ("timestamp", event.timestamp().is_some()),
        ("actor", event.actor().is_some()),
        ("data", true),
    ];
    // A kept null whose typed twin is absent is written as it came, once; other owned names
    // are not.
    let mut nulls: Vec<&str> = Vec::new();
    let expected: Vec<(&str, &str)> = event
        .extra()
        .iter()
        .filter(|(key, raw)| match owned.iter().find(|(name, _)| name == key) {
            Some((_, written)) if !written && raw.get() == "null" && !nulls.contains(key) => {
                nulls.push(key);
                true
            }
            Some(_) => false,
            None => true,
        })
        .map(|(key, raw)| (key, raw.get()))
        .collect();
    let kept: Vec<(&str, &str)> = again.extra().iter().map(|(key, raw)| (key, raw.get())).collect();
    assert_eq!(kept, expected);
    let encoded = dialect.encode(&event).expect("a parsed event encodes");
    let back = dialect.parse(&encoded, Some(event.event_type())).expect("encoded event parses");
    assert_eq!(back.payload(), event.payload());
});
