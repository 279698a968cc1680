//! Events: parse (native envelope or a dialect), typed data, the catalog.

use std::io::Write as _;

use hookwire::Dialect;
use napi::bindgen_prelude::{Buffer, Function, JsObjectValue, Object, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::errors::run;
use crate::input::{self, Options, Slice};

/// A parsed event. `type` is the discriminant of the `WebhookEvent` union in `index.d.ts`, so
/// `if (ev.type === 'order.created') ev.data.total_amount` is typed.
#[napi]
pub struct Event(pub(crate) hookwire::Event);

impl Event {
    pub fn inner(&self) -> &hookwire::Event {
        &self.0
    }
}

#[napi]
impl Event {
    /// Not for `new`: napi would throw a bare error; this names the factories instead.
    #[napi(constructor, skip_typescript)]
    pub fn no_constructor(env: Env) -> napi::Result<Self> {
        Err(input::not_constructible(&env, "Event", "parseEvent(body, options) or sampleEvent(type)"))
    }

    /// The event id, if any.
    #[napi(getter)]
    pub fn id(&self) -> Option<String> {
        self.0.id().map(str::to_owned)
    }

    /// The event type, e.g. `order.created`.
    #[napi(getter, js_name = "type")]
    pub fn event_type(&self) -> String {
        self.0.event_type().to_owned()
    }

    /// `device`, `order`, `job`, `user` or `other`.
    #[napi(getter, ts_return_type = "Family")]
    pub fn family(&self) -> &'static str {
        self.0.family().as_str()
    }

    /// The timestamp as written (RFC 3339 text or unix seconds), if any.
    #[napi(getter)]
    pub fn timestamp(&self) -> Option<String> {
        self.0.timestamp().map(ToString::to_string)
    }

    /// The data as JSON text, exactly (numbers keep their digits). `data` (lib/event.js) holds
    /// the values `JSON.parse` gives for it. For an event of `parseEvent` whose data came on
    /// the tape (as a rule), the text is asked for when first read: a second parse.
    #[napi]
    pub fn data_json(&self) -> String {
        self.0.payload().to_json().get().to_owned()
    }

    /// The native envelope as JSON bytes.
    #[napi]
    pub fn to_json(&self) -> Buffer {
        Buffer::from(self.0.to_json())
    }

    /// The native envelope as a JS object (what `JSON.stringify(event)` writes).
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, unknown>")]
    pub fn to_json_value<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        json_parse(env, &String::from_utf8_lossy(&self.0.to_json()))
    }

    /// The event in `dialect`'s envelope (`DIALECTS`).
    #[napi(ts_args_type = "dialect: string")]
    pub fn encode(&self, env: Env, dialect: Unknown<'_>) -> napi::Result<Buffer> {
        let dialect: String = input::arg(&env, "dialect", dialect)?;
        run(&env, || Dialect::from_name(&dialect)?.encode(&self.0)).map(Buffer::from)
    }
}

/// `JSON.parse(text)`: the same JS values as the user's own parsing would give.
pub fn json_parse<'env>(env: &'env Env, text: &str) -> napi::Result<Unknown<'env>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let parse: Function<&str, Unknown> = json.get_named_property("parse")?;
    parse.call(text)
}

/// Options of `parseEvent(body, options)`.
#[napi(object)]
pub struct ParseOptions {
    /// The envelope (`DIALECTS`); default `hookwire`.
    pub dialect: Option<String>,
    /// The type where the envelope has none (a route or an event header).
    pub type_hint: Option<String>,
    /// Refuse types outside the catalog (`unknown_event_type`).
    pub strict: Option<bool>,
}

/// Parses `body` as an event in `dialect` (default: hookwire's native envelope).
#[napi(ts_args_type = "body: Uint8Array | string, options?: ParseOptions", ts_return_type = "WebhookEvent")]
pub fn parse_event(env: Env, body: Unknown<'_>, options: Unknown<'_>) -> napi::Result<Event> {
    parse(&env, body, options).map(Event)
}

/// `parseEvent`'s parse: the options read and refused as `parseEvent` documents, then the core's.
fn parse(env: &Env, body: Unknown<'_>, options: Unknown<'_>) -> napi::Result<hookwire::Event> {
    let options = Options::read(env, options, &["dialect", "typeHint", "strict"])?;
    let ParseOptions { dialect, type_hint, strict } = ParseOptions {
        dialect: options.get("dialect")?,
        type_hint: options.get("typeHint")?,
        strict: options.get("strict")?,
    };
    let body: Slice<'_> = input::body(env, &body)?;
    run(env, || parse_bytes(body.bytes(), dialect.as_deref(), type_hint.as_deref(), strict.unwrap_or(false)))
}

/// The core's parse of `body` with `parseEvent`'s options read (no dialect: the native one).
pub(crate) fn parse_bytes(
    body: &[u8],
    dialect: Option<&str>,
    type_hint: Option<&str>,
    strict: bool,
) -> Result<hookwire::Event, hookwire::Error> {
    let dialect = Dialect::from_name(dialect.unwrap_or("hookwire"))?;
    if strict {
        dialect.parse_strict(body, type_hint)
    } else {
        dialect.parse(body, type_hint)
    }
}

/// `parseEvent(body, options)` for the package layer (`lib/event.js`), which makes the event a
/// JS object over what this gives: the id, type, family, timestamp and the data as the core's
/// exact JSON text (`Event.dataJson()`), in one string (below). No handle to the parsed event
/// is kept: a JS object with a finalizer (an instance of the `Event` class, or a napi external)
/// costs more than the core's parse of an order event (issue 18). The same parse, rules and
/// errors as `parseEvent`. The package asks this for a string body and options it does not
/// hand the plain function (`crate::direct`), which serves byte bodies and writes their data
/// on the tape.
#[napi(ts_return_type = "string")]
pub fn parse_event_parts(env: &Env, body: Unknown<'_>, options: Unknown<'_>) -> napi::Result<String> {
    let event = parse(env, body, options)?;
    parts_of(&event).map_err(napi::Error::from_reason)
}

/// `parseEventParts` as a plain Node-API function for a `Uint8Array` (or `Buffer`) body, the
/// options given as values, without napi-rs's per-call bookkeeping (see `crate::direct`);
/// anything else it answers -1, for `parseEventParts`. Made once, by `lib/event.js`.
#[napi(skip_typescript)]
pub fn parts_function(env: &Env) -> napi::Result<Unknown<'_>> {
    crate::direct::parts_function(env)
}

/// The parts of `event` as `parseEventParts` answers them, as UTF-8: which of the id and the
/// timestamp are present, then the parts each ended by U+0001, which none of them holds (the
/// core's event types are visible ASCII, its timestamps RFC 3339 text or digits, the family a
/// name, JSON text escapes control characters), and the id last, which may hold anything. One
/// string where an array of five cost five property sets (a tenth of the call). Each part is
/// written where it goes, the data's JSON too (`Payload::write_json`: the text of `to_json`,
/// without a buffer of its own).
pub(crate) fn parts_of(event: &hookwire::Event) -> Result<String, String> {
    let mut text = parts_head(event, 0)?;
    event.payload().write_json(&mut text);
    // None of the parts before the id holds the separator: the three written after them only.
    debug_assert_eq!(text[1..].iter().filter(|&&byte| byte == SEPARATOR).count(), 3);
    text.push(SEPARATOR);
    text.extend_from_slice(event.id().unwrap_or("").as_bytes());
    // Every part is text written as UTF-8: the check (ASCII eight bytes at a time) passes.
    String::from_utf8(text).map_err(|error| format!("writing the event's parts: {error}"))
}

/// The parts of `event` with its data on the tape (`crate::tape`), for the plain function
/// (`crate::direct`): the first digit as in [`parts_of`] with 4 added, the type, family and
/// timestamp as there, then the id and the tape's text; and when all of it is ASCII, `body`
/// itself (the copy the package keeps for the event's other members: here one copy of bytes
/// within the answer, where the package made a string of its own). The tape's two slots
/// before the data's say where the id ends and where the body begins (-1: not there), in
/// UTF-16 code units; the tape holds at most `room` slots. With the answer, whether it is wide
/// (not ASCII: made a UTF-8 string, else a one-byte one, the body's bytes its latin1
/// characters). `None` when the tape does not take the data: it then goes as [`parts_of`]
/// writes it.
pub(crate) fn parts_on_tape(
    event: &hookwire::Event,
    slots: &mut Vec<f64>,
    room: usize,
    body: &[u8],
) -> Option<(Vec<u8>, bool)> {
    let id = event.id().unwrap_or("");
    let mut text = parts_head(event, 4).ok()?;
    // The head is ASCII (types are visible ASCII, timestamps RFC 3339 text or digits).
    let mut wide = false;
    let id_end = text.len() + crate::tape::utf16_len(id, &mut wide);
    text.extend_from_slice(id.as_bytes());
    slots.clear();
    slots.extend_from_slice(&[id_end as f64, -1.0]);
    let mut tape = crate::tape::Tape { slots: &mut *slots, text: &mut text, wide, room };
    if !crate::tape::write(event.payload(), &mut tape) {
        return None;
    }
    let wide = tape.wide;
    if !wide {
        slots[1] = text.len() as f64;
        text.extend_from_slice(body);
    }
    Some((text, wide))
}

/// The parts before the data: the digit saying which of the id and timestamp are present (plus
/// `flags`), then the type, family and timestamp, each ended by the separator.
fn parts_head(event: &hookwire::Event, flags: u8) -> Result<Vec<u8>, String> {
    let mut text = Vec::with_capacity(FIRST_ROOM);
    let timestamp = event.timestamp();
    text.push(b'0' + flags + u8::from(event.id().is_some()) + 2 * u8::from(timestamp.is_some()));
    for part in [event.event_type(), event.family().as_str()] {
        text.extend_from_slice(part.as_bytes());
        text.push(SEPARATOR);
    }
    if let Some(timestamp) = timestamp {
        write!(text, "{timestamp}").map_err(|error| format!("writing the event's parts: {error}"))?;
    }
    text.push(SEPARATOR);
    Ok(text)
}

/// What ends each part but the last of `parseEventParts`'s string (U+0001 as UTF-8).
const SEPARATOR: u8 = 0x01;

/// The first room for `parseEventParts`'s string (a webhook's event, as a rule, fits).
const FIRST_ROOM: usize = 1024;

/// Not for use: the benchmark's floor (bench/parse.mjs), the core's typed parse of `body` (the
/// native envelope, no options: what `parseEvent(body)` asks the core) run `iterations` times
/// in Rust, nothing handed to JS. Nanoseconds per parse: the least any `parseEvent(body).data`
/// can cost while the core checks the data's types.
#[napi(skip_typescript)]
pub fn bench_parse_event(env: Env, body: Unknown<'_>, iterations: Unknown<'_>) -> napi::Result<f64> {
    let body: Slice<'_> = input::body(&env, &body)?;
    let iterations = input::count32(&env, "iterations", iterations)?.max(1);
    run(&env, || {
        let dialect = Dialect::from_name("hookwire")?;
        dialect.parse(body.bytes(), None)?;
        let started = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(dialect.parse(std::hint::black_box(body.bytes()), None)?);
        }
        Ok(started.elapsed().as_nanos() as f64 / f64::from(iterations))
    })
}

/// A catalog entry.
#[napi(object)]
pub struct EventTypeInfo {
    /// The type string, e.g. `order.created`.
    #[napi(js_name = "type")]
    pub event_type: String,
    /// `device`, `order`, `job`, `user` or `other`.
    #[napi(ts_type = "Family")]
    pub family: String,
    /// One line for people.
    pub description: String,
}

/// Every event type hookwire knows, sorted by name.
#[napi]
pub fn event_types() -> Vec<EventTypeInfo> {
    hookwire::catalog()
        .iter()
        .map(|info| EventTypeInfo {
            event_type: info.name.to_owned(),
            family: info.family.as_str().to_owned(),
            description: info.description.to_owned(),
        })
        .collect()
}

/// The catalog's sample event of `eventType` (for "send test event").
#[napi(ts_args_type = "eventType: string", ts_return_type = "WebhookEvent")]
pub fn sample_event(env: Env, event_type: Unknown<'_>) -> napi::Result<Event> {
    let event_type: String = input::arg(&env, "eventType", event_type)?;
    run(&env, || hookwire::sample(&event_type)).map(Event)
}

/// The typed payload fields, generated from the Rust types (what `bindings/payload_fields.json` holds).
#[napi(object)]
pub struct PayloadField {
    /// The JSON key.
    pub key: String,
    /// The Rust field name.
    pub name: String,
    /// The Rust type.
    #[napi(js_name = "type")]
    pub field_type: String,
}

/// The payload types and their fields, from the core (`payload_types()`).
#[napi]
pub fn payload_types() -> std::collections::HashMap<String, Vec<PayloadField>> {
    hookwire::payload_types()
        .iter()
        .map(|(name, fields)| {
            let fields = fields
                .iter()
                .map(|f| PayloadField {
                    key: f.key.to_owned(),
                    name: f.name.to_owned(),
                    field_type: f.ty.to_owned(),
                })
                .collect();
            ((*name).to_owned(), fields)
        })
        .collect()
}

/// The tape's layout for `lib/event.js` (`crate::tape`): its tags by name, and the JSON keys of
/// each payload type's typed fields, by the index the tape names a type with.
#[napi(skip_typescript)]
pub fn tape_layout() -> serde_json::Value {
    use crate::tape::tag;
    serde_json::json!({
        "tags": {
            "END": tag::END, "NUM": tag::NUM, "STR": tag::STR, "TRUE": tag::TRUE, "FALSE": tag::FALSE,
            "NULL": tag::NULL, "RAW": tag::RAW, "ARR": tag::ARR, "REC": tag::REC, "KEY": tag::KEY,
            "FIELD": tag::FIELD,
        },
        "keys": crate::tape::type_keys(),
    })
}
