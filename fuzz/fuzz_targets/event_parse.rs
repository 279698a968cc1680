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
    // What was read can be written and read again, to the same event.
    let native = event.to_json();
    let again = Event::from_json(&native).unwrap_or_else(|e| panic!("native re-parse failed: {e}"));
    assert_eq!(again, event);
    let encoded = dialect.encode(&event).expect("a parsed event encodes");
    let back = dialect.parse(&encoded, Some(event.event_type())).expect("encoded event parses");
    assert_eq!(back.payload(), event.payload());
});
