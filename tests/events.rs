//! Typed events: every fixture of the five systems parses, round-trips losslessly and exactly,
//! the shared `tests/vectors/events.json` cases pass, and subscriptions match as specified.

use std::path::PathBuf;

use hookwire::{
    sample, Decimal, Dialect, Event, EventPattern, Family, Id, Payload, Scheme, Secret, Signer, Subscription,
    TemperatureUnit, Verifier,
};
use serde_json::Value;

fn fixtures() -> Vec<(PathBuf, Dialect, Option<String>)> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dialects"));
    let mut all: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let mut parts = stem.split("__");
            let dialect = Dialect::from_name(parts.next().unwrap()).unwrap();
            let hint = (dialect == Dialect::DeviceService).then(|| parts.next().unwrap().to_owned());
            (path, dialect, hint)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// Number lexemes outside strings, in order: the digits must survive a round trip exactly.
fn number_lexemes(json: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut in_string, mut escaped, mut current) = (false, false, String::new());
    for c in json.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E') {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        in_string = c == '"';
    }
    out.sort();
    out
}

/// Where each dialect keeps the data, to compare it with the typed payload.
fn data_of(dialect: Dialect, body: &Value, event_type: &str) -> Value {
    match dialect {
        Dialect::Hookwire | Dialect::OpsCenter | Dialect::HomeChef => body["data"].clone(),
        Dialect::Webnet => body[event_type.split('.').next().unwrap()].clone(),
        Dialect::AuraConnect => body["data"]["object"].clone(),
        Dialect::DeviceService => body.clone(),
        other => panic!("no layout known for the new dialect {other:?}: add it here"),
    }
}

#[test]
fn every_fixture_parses_round_trips_and_keeps_every_field() {
    let all = fixtures();
    assert!(all.len() >= 15, "expected at least 15 fixtures, found {}", all.len());
    let mut families = std::collections::HashSet::new();
    for (path, dialect, hint) in &all {
        let name = path.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(path).unwrap();
        let event = dialect.parse(text.as_bytes(), hint.as_deref()).unwrap_or_else(|e| panic!("{name}: {e}"));
        families.insert((dialect.name(), event.family()));

        // Lossless: encoding back gives the same JSON, with the same number digits.
        let encoded = dialect.encode(&event).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        let again: Value = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(again, original, "{name}: round trip differs");
        let encoded_text = String::from_utf8(encoded).unwrap();
        assert_eq!(number_lexemes(&encoded_text), number_lexemes(&text), "{name}: number digits changed");

        // Field by field: the typed payload holds exactly the data the dialect carried.
        let typed = event.payload().to_json().to_value();
        assert_eq!(typed, data_of(*dialect, &original, event.event_type()), "{name}: data differs");
        assert_eq!(event.family(), Family::of(event.event_type()), "{name}");

        // And the native envelope parses back to the same event.
        assert_eq!(Event::from_json(&event.to_json()).unwrap(), event, "{name}: native round trip");
    }
    for family in [Family::Device, Family::Order, Family::Job, Family::User] {
        let dialects = families.iter().filter(|(_, f)| *f == family).count();
        assert!(dialects >= 2, "{family:?} appears in {dialects} dialect(s); fixtures should cover two");
    }
    for &dialect in Dialect::ALL {
        assert!(
            all.iter().filter(|(_, d, _)| *d == dialect).count() >= 2,
            "{dialect}: fewer than 2 fixtures"
        );
    }
}

#[test]
fn typed_fields_read_the_seed_examples_exactly() {
    let aura = br#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"order_number":"ORD-2025-001","restaurant_id":1,"customer_id":456,"status":"pending","total_amount":45.99,"items":[{"id":1,"menu_item_id":10,"quantity":2,"price":12.99,"modifiers":[]}],"created_at":"2025-08-08T10:00:00Z"}}}"#;
    let event = Dialect::AuraConnect.parse(aura, None).unwrap();
    let Payload::Order(order) = event.payload() else { panic!("not an order") };
    assert_eq!(order.id, Some(Id::Int(1001)));
    assert_eq!(order.total_amount, Some("45.99".parse::<Decimal>().unwrap()));
    let item = &order.items.as_ref().unwrap()[0];
    assert_eq!((item.quantity, item.price.as_ref().unwrap().as_str()), (Some(2), "12.99"));
    assert_eq!(event.timestamp().unwrap().unix_seconds(), 1_754_647_200);

    let homechef = br#"{"event":"order.created","data":{"order_id":"order_123","customer_id":"customer_456","chef_id":"chef_789","total_amount":45.99,"status":"pending"},"timestamp":"2024-01-15T10:30:00Z","webhook_id":"webhook_123","delivery_id":"delivery_456"}"#;
    let event = Dialect::HomeChef.parse(homechef, None).unwrap();
    let Payload::Order(order) = event.payload() else { panic!("not an order") };
    assert_eq!(order.order_id, Some(Id::from("order_123")));
    assert_eq!(event.extra().get("delivery_id").unwrap().get(), r#""delivery_456""#);

    let probes = br#"{"device_id":"device_12345","probes":[{"probe_id":"1","temperature":225.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z"}]}"#;
    let event = Dialect::DeviceService.parse(probes, Some("temperature_update")).unwrap();
    let Payload::Device(device) = event.payload() else { panic!("not a device") };
    let probe = &device.probes.as_ref().unwrap()[0];
    assert_eq!(probe.unit, Some(TemperatureUnit::Fahrenheit));
    assert_eq!(probe.temperature.as_ref().unwrap().as_str(), "225.5");

    let webnet = br#"{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.completed","actor":{"id":1,"username":"admin"},"job":{"id":123,"type":"config_backup","status":"success","target_summary":{"device_count":5}}}"#;
    let event = Dialect::Webnet.parse(webnet, None).unwrap();
    assert_eq!(event.actor().unwrap().username.as_deref(), Some("admin"));
    let Payload::Job(job) = event.payload() else { panic!("not a job") };
    assert_eq!(job.job_type.as_deref(), Some("config_backup"));
    assert_eq!(job.target_summary.as_ref().unwrap().get(), r#"{"device_count":5}"#);
}

#[test]
fn wrong_shapes_name_the_field() {
    let cases: &[(&[u8], &str)] = &[
        (
            br#"{"type":"order.created","data":{"total_amount":"45.99"}}"#,
            "`data.total_amount` must be a number",
        ),
        (
            br#"{"type":"order.created","data":{"items":[{"price":1},{"quantity":1.5}]}}"#,
            "`data.items[1].quantity` must be an integer",
        ),
        (
            br#"{"type":"device.temperature","data":{"probes":[{"unit":"K"}]}}"#,
            "`data.probes[0].unit` must be \"F\" or \"C\"",
        ),
        (br#"{"type":"user.created","data":[]}"#, "`data` must be an object"),
        (br#"{"data":{}}"#, "has no `type`"),
        (br#"{"type":"order.created","data":{"id":true}}"#, "`data.id` must be a string or an integer"),
        (br#"{"type":"a","data":{}} trailing"#, "not JSON"),
    ];
    for (body, expected) in cases {
        let err = Event::from_json(body).unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
        assert!(err.to_string().contains(expected), "{} -> {err}", String::from_utf8_lossy(body));
    }
    let deep = format!(r#"{{"type":"x","data":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(Event::from_json(deep.as_bytes()).unwrap_err().code(), "invalid_payload");
    let huge = format!(r#"{{"type":"x","data":"{}"}}"#, "a".repeat(hookwire::MAX_EVENT_BYTES));
    assert_eq!(Event::from_json(huge.as_bytes()).unwrap_err().code(), "invalid_payload");
}

/// `message.event` reads the envelope the scheme's senders write (`Scheme::dialect`); schemes
/// whose senders write their own JSON answer a typed error, never an empty record.
#[test]
fn message_event_reads_the_envelope_of_the_schemes_senders() {
    type Expected = Result<(&'static str, Family), &'static str>;
    let order = br#"{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":1001,"total_amount":45.99}}"#;
    let cases: &[(&str, &[u8], Option<&str>, Expected)] = &[
        ("hookwire", order, None, Ok(("order.created", Family::Order))),
        // The Standard Webhooks payload is the native envelope (the id is optional).
        ("standard-webhooks", br#"{"type":"user.created","timestamp":"2025-08-08T10:00:00Z","data":{"user_id":7}}"#, None, Ok(("user.created", Family::User))),
        ("svix", order, None, Ok(("order.created", Family::Order))),
        ("auraconnect", br#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}"#, None, Ok(("order.created", Family::Order))),
        ("ops-center", br#"{"event":"device.online","timestamp":"2025-08-08T10:00:00Z","data":{"device_id":"d1"}}"#, None, Ok(("device.online", Family::Device))),
        ("webnet", br#"{"event_type":"job.completed","event_timestamp":"2025-08-08T10:00:00Z","job":{"id":"j1","status":"completed"}}"#, None, Ok(("job.completed", Family::Job))),
        ("homechef", br#"{"event":"order.created","data":{"order_id":1},"timestamp":"2025-08-08T10:00:00Z"}"#, None, Ok(("order.created", Family::Order))),
        ("device-service", br#"{"device_id":"d1","probes":[]}"#, None, Ok(("device.temperature", Family::Device))),
        // Providers that write their own JSON: read it as JSON.
        ("github", br#"{"action":"opened","number":1}"#, Some("pull_request"), Err("invalid_payload")),
        ("stripe", br#"{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{}}}"#, None, Err("invalid_payload")),
        ("shopify", br#"{"id":450789469,"total_price":"45.99"}"#, Some("orders/create"), Err("invalid_payload")),
        ("slack", br#"{"type":"event_callback","event":{"type":"app_mention"}}"#, None, Err("invalid_payload")),
        // A body in another system's envelope: an AuraConnect order under the native scheme.
        ("hookwire", br#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001}}}"#, None, Err("invalid_payload")),
        ("standard-webhooks", br#"{"event":"order.created","data":{"order_id":1}}"#, None, Err("invalid_payload")),
    ];
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    for (name, body, event_header, expected) in cases {
        let scheme = Scheme::from_name(name).unwrap();
        let signer = Signer::new(scheme.clone(), secret.clone());
        let headers = match (event_header, scheme.event_header()) {
            (Some(event_type), Some(_)) => signer.sign_event("msg_1", 1_700_000_000, event_type, body),
            _ => signer.sign("msg_1", 1_700_000_000, body),
        }
        .unwrap();
        let verifier = Verifier::new(scheme.clone(), [secret.clone()]);
        let message = verifier.verify_at(&headers, body, 1_700_000_000).unwrap();
        let got = message.event().map(|e| (e.event_type().to_owned(), e.family())).map_err(|e| e.code());
        let want = expected.map(|(t, f)| (t.to_owned(), f));
        assert_eq!(got, want, "{name}: {}", String::from_utf8_lossy(body));
        assert_eq!(
            got,
            scheme
                .parse_event(body, *event_header)
                .map(|e| (e.event_type().to_owned(), e.family()))
                .map_err(|e| e.code()),
            "{name}"
        );
    }
}

#[test]
fn a_body_read_in_the_wrong_envelope_is_an_error_never_an_empty_record() {
    let aura = br#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001}}}"#;
    let cases: &[(Dialect, &[u8], Option<&str>, &str)] = &[
        (Dialect::Hookwire, aura, None, "`data` holds none of the order fields (only `object`)"),
        (
            Dialect::HomeChef,
            aura,
            Some("order.created"),
            "`data` holds none of the order fields (only `object`)",
        ),
        (
            Dialect::DeviceService,
            br#"{"sensor":"s1","reading":20}"#,
            Some("temperature_update"),
            "`data` holds none of the device fields (only `sensor`, `reading`)",
        ),
        (
            Dialect::Hookwire,
            br#"{"type":"user.created","data":{"a":1,"b":2,"c":3,"d":4}}"#,
            None,
            "(only `a`, `b`, `c`, ...)",
        ),
        (
            Dialect::Hookwire,
            br#"{"event":"order.created","data":{"order_id":1}}"#,
            None,
            "has no `type`: is this the right dialect?",
        ),
    ];
    for (dialect, body, hint, expected) in cases {
        let err = dialect.parse(body, *hint).unwrap_err();
        assert_eq!(err.code(), "invalid_payload", "{dialect}");
        assert!(err.to_string().contains(expected), "{dialect}: {err}");
    }
    // Empty data is an honest empty record, and a typed key sent as null is a typed key.
    let cases: &[&[u8]] = &[
        br#"{"type":"order.created","data":{}}"#,
        br#"{"type":"order.created","data":{"total_amount":null,"object":{}}}"#,
        br#"{"type":"job.started","data":{"type":"export","object":{}}}"#,
    ];
    for body in cases {
        let event = Event::from_json(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(event.to_json(), body.to_vec());
    }
}

#[test]
fn unknown_types_are_kept_unless_strict() {
    let body = br#"{"id":"e","type":"widget.exploded","data":{"shrapnel":[1,2.50]}}"#;
    let event = Event::from_json(body).unwrap();
    assert_eq!((event.family(), event.is_known_type()), (Family::Other, false));
    assert_eq!(event.to_json(), body.to_vec());
    let err = Dialect::Hookwire.parse_strict(body, None).unwrap_err();
    assert_eq!(err.code(), "unknown_event_type");
    assert!(Dialect::Hookwire.parse_strict(&sample("order.created").unwrap().to_json(), None).is_ok());
}

#[test]
fn events_are_built_with_the_payload_their_type_requires() {
    let order = sample("order.created").unwrap();
    let Payload::Order(data) = order.payload().clone() else { unreachable!() };
    assert_eq!(Event::new("device.alert", Payload::Order(data)).unwrap_err().code(), "invalid_argument");
    let event =
        Event::from_data("user.login", &serde_json::json!({"user_id": 7, "ip": "203.0.113.7"})).unwrap();
    assert_eq!(event.to_json(), br#"{"type":"user.login","data":{"user_id":7,"ip":"203.0.113.7"}}"#.to_vec());
    for &dialect in Dialect::ALL {
        let hint = (dialect == Dialect::DeviceService).then_some("user.login");
        let back = dialect.parse(&dialect.encode(&event).unwrap(), hint).unwrap();
        assert_eq!(back.payload(), event.payload(), "{dialect}");
    }
}

/// Found by the event_parse fuzz target: a HomeChef body without `event` but with its own
/// `id` and `type` (read with a hint) kept those as extra fields, and the native envelope
/// then wrote `type` twice.
#[test]
fn extra_fields_never_repeat_a_key_the_writer_owns() {
    let body = br#"{"id":"evt_132","type":"pos.sync_completed","created":"2025-08-08T13:00:00Z","data":{"object":{"sync_id":"s"}}}"#;
    // (An `other` type: `data` holds no order field, which an order type would refuse.)
    let event = Dialect::HomeChef.parse(body, Some("tip.received")).unwrap();
    assert_eq!((event.event_type(), event.id()), ("tip.received", None));
    assert_eq!(event.extra().get("type").map(|raw| raw.get()), Some(r#""pos.sync_completed""#));
    // HomeChef has no `id` or `type` key of its own, so its encoding keeps them...
    let again = Dialect::HomeChef.parse(&Dialect::HomeChef.encode(&event).unwrap(), None).unwrap();
    assert_eq!(again.extra(), event.extra());
    // ...while the native envelope owns those names and leaves them out.
    let native: Value = serde_json::from_slice(&event.to_json()).unwrap();
    assert_eq!(native["type"], "tip.received");
    assert!(native.get("id").is_none());
    let reread = Event::from_json(&event.to_json()).unwrap();
    assert_eq!(reread.extra().iter().map(|(k, _)| k).collect::<Vec<_>>(), ["created"]);
    // A null the input had where a typed field is absent is still kept as it came.
    let body = br#"{"event":"order.created","data":{"chef_id":null},"id":null}"#;
    let event = Dialect::HomeChef.parse(body, None).unwrap();
    assert_eq!(event.to_json(), br#"{"type":"order.created","data":{"chef_id":null},"id":null}"#.to_vec());

    // The same holds for a payload's typed fields and for names inserted by hand.
    let mut event = Event::from_data("user.login", &serde_json::json!({"user_id": 7})).unwrap();
    let Payload::User(user) = event.payload_mut() else { unreachable!() };
    user.extra.insert("user_id", &8).unwrap();
    event.extra_mut().insert("data", &"shadow").unwrap();
    assert_eq!(event.to_json(), br#"{"type":"user.login","data":{"user_id":7}}"#.to_vec());
    for &dialect in Dialect::ALL {
        // The reader refuses repeated keys, so reading back proves there are none.
        let text = dialect.encode(&event).unwrap();
        let hint = (dialect == Dialect::DeviceService).then_some("user.login");
        let back = dialect.parse(&text, hint).unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let Payload::User(user) = back.payload() else { unreachable!() };
        assert_eq!((user.user_id.clone(), user.extra.len()), (Some(Id::Int(7)), 0), "{dialect}");
    }

    // Found by fuzzing: AuraConnect siblings of `data.object` whose names have escapes.
    let body = br#"{"type":"order.updated","data":{"object":{"id":1},"previous_st\tus":"x","b":1,"b":2}}"#;
    let event = Dialect::AuraConnect.parse(body, None).unwrap();
    let encoded = Dialect::AuraConnect.encode(&event).unwrap();
    assert_eq!(
        encoded,
        br#"{"type":"order.updated","data":{"object":{"id":1},"previous_st\tus":"x","b":1,"b":2}}"#
    );

    // webnet names the data key after the type, which must not be an envelope key.
    let clash = Event::from_data("actor.created", &serde_json::json!({})).unwrap();
    assert_eq!(Dialect::Webnet.encode(&clash).unwrap_err().code(), "invalid_payload");
}

#[test]
fn a_repeated_key_hookwire_reads_is_refused_and_named() {
    // `{"total_amount":null,"total_amount":2}` was accepted and written back as
    // `{"total_amount":null}`: the 2 was lost. (dialect, body, the key the error names)
    let cases = [
        (
            Dialect::Hookwire,
            r#"{"type":"order.created","data":{"total_amount":null,"total_amount":2}}"#,
            "data.total_amount",
        ),
        (
            Dialect::Hookwire,
            r#"{"type":"order.created","data":{"items":[{"price":null,"price":1}]}}"#,
            "data.items[0].price",
        ),
        (Dialect::Hookwire, r#"{"id":null,"id":"evt_2","type":"user.login","data":{}}"#, "body.id"),
        (
            Dialect::Hookwire,
            r#"{"id":"evt_1","type":"user.login","type":"user.logout","data":{}}"#,
            "body.type",
        ),
        (
            Dialect::HomeChef,
            r#"{"event":"tip.received","timestamp":null,"timestamp":"2024-01-15T10:30:00Z","data":{}}"#,
            "body.timestamp",
        ),
        (
            Dialect::Webnet,
            r#"{"event_type":"job.started","actor":{"username":null,"username":"x"},"job":{}}"#,
            "body.actor.username",
        ),
    ];
    for (dialect, body, key) in cases {
        let err = dialect.parse(body.as_bytes(), None).unwrap_err();
        assert_eq!(err.code(), "invalid_payload", "{body}");
        assert!(err.to_string().contains(&format!("`{key}` appears more than once")), "{body}: {err}");
    }
    // Keys hookwire does not read keep every copy, in order.
    let body =
        r#"{"id":"e1","type":"order.created","data":{"id":7,"note":"a","note":"b"},"trace":1,"trace":2}"#;
    let event = Event::from_json(body.as_bytes()).unwrap();
    assert_eq!(event.to_json(), body.as_bytes());
    // A foreign body may repeat a name the native envelope owns (HomeChef does not read `id`):
    // written natively, the kept null appears once, so hookwire reads its own output.
    let homechef = br#"{"event":"tip.received","data":{},"id":null,"id":null}"#;
    let native = Dialect::HomeChef.parse(homechef, None).unwrap().to_json();
    assert_eq!(native, br#"{"type":"tip.received","data":{},"id":null}"#);
    Event::from_json(&native).unwrap();
}

#[test]
fn auraconnect_data_extra_cannot_collide_or_fail_to_encode() {
    // A body's own top-level `data_extra` was overwritten by data's members beside `object`,
    // and when it was not an object, encode() failed.
    for own in [r#"{"a":1}"#, "5"] {
        let body = format!(
            r#"{{"id":"e1","type":"order.updated","created":"2025-08-08T10:05:00Z","data":{{"object":{{"id":1}},"previous_attributes":{{}}}},"data_extra":{own}}}"#
        );
        let err = Dialect::AuraConnect.parse(body.as_bytes(), None).unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
        assert!(err.to_string().contains("`body.data_extra`"), "{err}");
    }
    // Data's members beside `object` travel under data_extra, natively and back.
    let body = br#"{"id":"e1","type":"order.updated","created":"2025-08-08T10:05:00Z","data":{"object":{"id":1},"previous_attributes":{"status":"pending"}}}"#;
    let event = Dialect::AuraConnect.parse(body, None).unwrap();
    assert_eq!(
        event.extra().get("data_extra").unwrap().get(),
        r#"{"previous_attributes":{"status":"pending"}}"#
    );
    assert_eq!(Dialect::AuraConnect.encode(&event).unwrap(), body);
    // A native event whose data_extra cannot be written beside `object` says why, by name.
    for (data_extra, why) in [
        (r#""data_extra":5"#, "must be an object"),
        (r#""data_extra":{"object":2}"#, "cannot hold a second `object`"),
        (r#""data_extra":{"a":1},"data_extra":{"b":2}"#, "appears more than once"),
    ] {
        let native = format!(r#"{{"id":"e1","type":"order.updated","data":{{"id":1}},{data_extra}}}"#);
        let event = Event::from_json(native.as_bytes()).unwrap();
        let err = Dialect::AuraConnect.encode(&event).unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
        assert!(err.to_string().contains(why), "{data_extra}: {err}");
    }
}

#[test]
fn integer_ids_keep_their_exact_digits_at_any_size() {
    let cases = [
        ("9223372036854775807", Id::Int(i64::MAX)),
        ("-9223372036854775808", Id::Int(i64::MIN)),
        ("18446744073709551616", Id::BigInt("18446744073709551616".into())),
        ("-9223372036854775809", Id::BigInt("-9223372036854775809".into())),
        (
            "1234567890123456789012345678901234567890",
            Id::BigInt("1234567890123456789012345678901234567890".into()),
        ),
        ("-0", Id::BigInt("-0".into())),
    ];
    for (digits, id) in cases {
        let body = format!(r#"{{"type":"user.created","data":{{"user_id":{digits}}}}}"#);
        let event = Event::from_json(body.as_bytes()).unwrap_or_else(|e| panic!("{digits}: {e}"));
        let Payload::User(user) = event.payload() else { panic!("{digits}") };
        assert_eq!(user.user_id.as_ref(), Some(&id), "{digits}");
        assert_eq!(user.user_id.as_ref().unwrap().to_string(), digits);
        assert_eq!(event.to_json(), body.as_bytes(), "{digits}");
    }
    for not_an_id in ["1.5", "1e3", "true", "[1]"] {
        let body = format!(r#"{{"type":"user.created","data":{{"user_id":{not_an_id}}}}}"#);
        assert_eq!(Event::from_json(body.as_bytes()).unwrap_err().code(), "invalid_payload", "{not_an_id}");
    }
}

#[test]
fn subscription_matching_table() {
    let order = sample("order.created").unwrap(); // restaurant_id 1, customer_id 456
    let refund = sample("payment.refunded").unwrap();
    let user = sample("user.created").unwrap();
    let other_restaurant =
        Event::from_data("order.created", &serde_json::json!({"restaurant_id": 2})).unwrap();
    let string_id = Event::from_data("order.created", &serde_json::json!({"restaurant_id": "1"})).unwrap();

    type Row<'a> = (&'a [&'a str], &'a [(&'a str, Value)], &'a Event, bool);
    let table: &[Row] = &[
        (&["*"], &[], &order, true),
        (&["*"], &[], &refund, true),
        (&["order.*"], &[], &order, true),
        (&["order.*"], &[], &refund, false),
        (&["order.created"], &[], &order, true),
        (&["order.completed"], &[], &order, false),
        (&["payment.*", "user.created"], &[], &user, true),
        (&["order.*"], &[("restaurant_id", Value::from(1))], &order, true),
        (&["order.*"], &[("restaurant_id", Value::from(1))], &other_restaurant, false),
        (&["order.*"], &[("restaurant_id", Value::from(1))], &string_id, false),
        (&["order.*"], &[("restaurant_id", Value::from(1)), ("customer_id", Value::from(456))], &order, true),
        (
            &["order.*"],
            &[("restaurant_id", Value::from(1)), ("customer_id", Value::from(999))],
            &order,
            false,
        ),
        (&["order.*"], &[("items.0.price", Value::Null)], &order, false),
        (&["*"], &[("restaurant_id", Value::from(1))], &user, false),
    ];
    for (patterns, filters, event, expected) in table {
        let mut subscription = Subscription::new(patterns.iter().copied()).unwrap();
        for (field, value) in filters.iter() {
            subscription = subscription.with_filter(field, value.clone());
        }
        assert_eq!(
            subscription.matches(event),
            *expected,
            "{patterns:?} {filters:?} on {}",
            event.event_type()
        );
    }
    let inactive = Subscription::new(["*"]).unwrap().with_active(false);
    assert!(!inactive.matches(&order) && !inactive.active());
    assert!(Subscription::everything().matches(&order));

    for bad in ["", "order.", "ord*", "*.created", "order.**"] {
        assert!(EventPattern::parse_any(bad).is_err(), "{bad:?}");
    }
    assert_eq!(EventPattern::parse("ordr.*").unwrap_err().code(), "unknown_event_type");
    assert_eq!(Subscription::new::<&str>([]).unwrap_err().code(), "invalid_argument");
}

#[test]
fn event_vectors_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/events.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("events.json")).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let dialect = Dialect::from_name(case["dialect"].as_str().unwrap()).unwrap();
        let body = case["body"].as_str().unwrap().as_bytes();
        let hint = case["type_hint"].as_str();
        let parsed = if case["strict"].as_bool().unwrap_or(false) {
            dialect.parse_strict(body, hint)
        } else {
            dialect.parse(body, hint)
        };
        let expect = &case["expect"];
        let problem = match (parsed, expect.get("error")) {
            (Err(err), Some(code)) if code == err.code() => None,
            (Err(err), _) => Some(format!("error {} ({err})", err.code())),
            (Ok(event), Some(code)) => Some(format!("parsed {} instead of error {code}", event.event_type())),
            (Ok(event), None) => check_event(&event, dialect, body, expect),
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}", case["name"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} event vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn check_event(event: &Event, dialect: Dialect, body: &[u8], expect: &Value) -> Option<String> {
    let native: Value = serde_json::from_slice(&event.to_json()).unwrap();
    if expect["type"] != event.event_type() {
        return Some(format!("type {}", event.event_type()));
    }
    if expect["family"] != event.family().as_str() {
        return Some(format!("family {}", event.family().as_str()));
    }
    if expect["id"] != event.id().map_or(Value::Null, Value::from) {
        return Some(format!("id {:?}", event.id()));
    }
    for (pointer, value) in expect["fields"].as_object().into_iter().flatten() {
        if native.pointer(pointer) != Some(value) {
            return Some(format!("{pointer} is {:?}, expected {value}", native.pointer(pointer)));
        }
    }
    if expect["round_trip"] == true {
        let again: Value = serde_json::from_slice(&dialect.encode(event).unwrap()).unwrap();
        if again != serde_json::from_slice::<Value>(body).unwrap() {
            return Some(format!("round trip gave {again}"));
        }
    }
    None
}

/// The fuzz target `event_parse`'s properties over its committed seeds, on every `cargo test`
/// (the fuzzer itself needs nightly): each seed in every dialect, with and without a type hint,
/// strict or not, is a typed error or an event that writes natively and reads back to itself,
/// and encodes in its dialect and reads back to the same payload.
#[test]
fn fuzz_seeds_parse_to_typed_errors_or_events_that_round_trip() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/event_parse"));
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("the event_parse seeds")
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(seeds.len() > 1000, "only {} seeds", seeds.len());
    let mut parsed = 0;
    for body in &seeds {
        for &dialect in Dialect::ALL {
            for (hint, strict) in
                [(None, false), (Some("order.created"), false), (Some("temperature_update"), true)]
            {
                let result =
                    if strict { dialect.parse_strict(body, hint) } else { dialect.parse(body, hint) };
                let event = match result {
                    Ok(event) => event,
                    Err(err) => {
                        assert!(matches!(err.code(), "invalid_payload" | "unknown_event_type"), "{err:?}");
                        continue;
                    }
                };
                parsed += 1;
                let what = || format!("{dialect} {hint:?}: {}", String::from_utf8_lossy(body));
                let again = Event::from_json(&event.to_json()).unwrap_or_else(|e| panic!("{}: {e}", what()));
                assert_eq!(
                    (again.id(), again.event_type(), again.timestamp(), again.actor(), again.payload()),
                    (event.id(), event.event_type(), event.timestamp(), event.actor(), event.payload()),
                    "{}",
                    what()
                );
                let encoded = dialect.encode(&event).unwrap_or_else(|e| panic!("{}: {e}", what()));
                let back = dialect
                    .parse(&encoded, Some(event.event_type()))
                    .unwrap_or_else(|e| panic!("{}: {e}", what()));
                assert_eq!(back.payload(), event.payload(), "{}", what());
            }
        }
    }
    assert!(parsed > 1000, "only {parsed} seeds parsed: the corpus lost its real payloads");
}
