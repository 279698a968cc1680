//! Dialects: the envelopes of the systems hookwire integrates with, read into [`Event`] and
//! written back. Each dialect is a layout (which key holds what); one reader and one writer
//! interpret the layouts.

use std::cell::Cell;

use serde::de::{Deserializer as _, Error as _, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::json::{
    check_shape, invalid, invalid_body, null_raw, parse_body, Cx, Extra, Key, Nullable, Path, RawObject,
    Timestamp,
};
use super::{check_type, check_type_in, lookup, Actor, Event, Family, Payload, PayloadSeed};
use crate::Error;

macro_rules! dialects {
    ($(#[$enum_doc:meta])* ; $($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Dialect {
            $($(#[$doc])* $variant,)*
        }

        /// The dialects' names, in the order of [`Dialect::ALL`].
        const NAMES: &[&str] = &[$($name),*];

        impl Dialect {
            /// Every dialect.
            pub const ALL: &'static [Dialect] = &[$(Dialect::$variant),*];

            /// The dialect's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Dialect::$variant => $name,)*
                }
            }
        }
    };
}

// One list: the variants and their names.
dialects! {
    /// The envelope format of one system.
    ///
    /// | dialect | envelope | id | type | timestamp | data |
    /// |---|---|---|---|---|---|
    /// | `hookwire` | `{"id","type","timestamp","data"}` | `id` | `type` | `timestamp` | `data` |
    /// | `ops-center` | `{"event","timestamp","data","webhook_id"}` | — | `event` | `timestamp` | `data` |
    /// | `webnet` | `{"event_timestamp","event_type","actor","<resource>"}` | — | `event_type` | `event_timestamp` | the object under the type's prefix (`"job": {…}`) |
    /// | `homechef` | `{"event","data","timestamp","webhook_id","delivery_id"}` | — | `event` | `timestamp` | `data` |
    /// | `auraconnect` | `{"id","type","created","data":{"object"}}` | `id` | `type` | `created` | `data.object` |
    /// | `device-service` | the bare device object | — | the route (hint) | — | the whole body |
    ///
    /// Fields a dialect does not map (`webhook_id`, `delivery_id`, anything new) are kept in
    /// [`Event::extra`] and written back by [`encode`](Dialect::encode). AuraConnect fields beside
    /// `data.object` (such as `previous_attributes`) are kept there as one object under
    /// `data_extra`, so the native envelope never has two `data` keys; an AuraConnect body with a
    /// top-level `data_extra` of its own is therefore refused (`invalid_payload`) rather than read
    /// ambiguously, and an event whose `data_extra` is not one object cannot be encoded for
    /// AuraConnect.
    ///
    /// Keys hookwire reads (`id`, `type`, `data`, typed payload fields) must not repeat: a repeat
    /// is `invalid_payload` naming the key, since JSON parsers disagree on which copy counts.
    /// Repeats of keys hookwire does not read are kept as they came.
    ///
    /// ```
    /// use hookwire::{Dialect, Payload};
    ///
    /// let body = br#"{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z",
    ///                 "data":{"object":{"id":1001,"restaurant_id":1,"total_amount":45.99}}}"#;
    /// let event = Dialect::AuraConnect.parse(body, None)?;
    /// assert_eq!(event.id(), Some("evt_123"));
    /// let Payload::Order(order) = event.payload() else { unreachable!() };
    /// assert_eq!(order.total_amount.as_ref().unwrap().as_str(), "45.99");
    ///
    /// // Device Service sends bare payloads: the route names the type.
    /// let reading = Dialect::DeviceService.parse(br#"{"device_id":"d1","probes":[]}"#, Some("temperature_update"))?;
    /// assert_eq!(reading.event_type(), "device.temperature");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    ;
    /// hookwire's native envelope.
    Hookwire = "hookwire",
    /// Ops Center.
    OpsCenter = "ops-center",
    /// webnet.
    Webnet = "webnet",
    /// HomeChef.
    HomeChef = "homechef",
    /// AuraConnect.
    AuraConnect = "auraconnect",
    /// Device Service (ThermoWorks payloads).
    DeviceService = "device-service",
}

/// Where a dialect keeps the event data.
#[derive(Clone, Copy)]
enum DataAt {
    Key(&'static str),
    /// Under a key named after the type's prefix (webnet: `"job": {…}` for `job.completed`).
    ResourceKey,
    /// `outer.inner` (AuraConnect: `data.object`); other fields of `outer` are kept in the
    /// event's extra fields under the third name.
    Nested(&'static str, &'static str, &'static str),
    /// The body is the data (Device Service).
    WholeBody,
}

struct Layout {
    id: Option<&'static str>,
    event_type: &'static str,
    timestamp: Option<&'static str>,
    actor: Option<&'static str>,
    data: DataAt,
}

impl Dialect {
    /// The dialect called `name` (`hookwire`, `ops-center`, `webnet`, `homechef`,
    /// `auraconnect`, `device-service`): case-insensitive, `_` for `-`, and the other spellings
    /// every preset list accepts (`opscenter`, `thermoworks`). Errors: `unknown_dialect`, listing
    /// the names.
    pub fn from_name(name: &str) -> Result<Dialect, Error> {
        let wanted = crate::names::canonical(name);
        Dialect::ALL
            .iter()
            .copied()
            .find(|d| d.name() == wanted)
            .ok_or_else(|| Error::UnknownDialect { dialect: name.to_owned(), known: NAMES })
    }

    /// Every dialect's name, in the order of [`Dialect::ALL`].
    pub fn names() -> &'static [&'static str] {
        NAMES
    }

    fn layout(self) -> Layout {
        let envelope =
            |id, event_type, timestamp, actor, data| Layout { id, event_type, timestamp, actor, data };
        match self {
            Dialect::Hookwire => {
                envelope(Some("id"), "type", Some("timestamp"), Some("actor"), DataAt::Key("data"))
            }
            Dialect::OpsCenter | Dialect::HomeChef => {
                envelope(None, "event", Some("timestamp"), None, DataAt::Key("data"))
            }
            Dialect::Webnet => {
                envelope(None, "event_type", Some("event_timestamp"), Some("actor"), DataAt::ResourceKey)
            }
            Dialect::AuraConnect => envelope(
                Some("id"),
                "type",
                Some("created"),
                None,
                DataAt::Nested("data", "object", "data_extra"),
            ),
            Dialect::DeviceService => envelope(None, "", None, None, DataAt::WholeBody),
        }
    }

    /// Reads `body` as this dialect's envelope. `type_hint` (a type from the route or an event
    /// header) is used only when the envelope has no type of its own; Device Service route
    /// names (`temperature_update`, `device_status_update`) are mapped to hookwire's types.
    /// Unknown types parse as [`Payload::Other`].
    ///
    /// Errors: `invalid_payload` (not JSON, too deep or large, no type, a known type whose data
    /// does not fit — the message names the field).
    pub fn parse(self, body: &[u8], type_hint: Option<&str>) -> Result<Event, Error> {
        self.read(body, type_hint, false)
    }

    /// [`parse`](Dialect::parse), but a type outside the [`catalog`](crate::catalog) is
    /// `unknown_event_type`.
    pub fn parse_strict(self, body: &[u8], type_hint: Option<&str>) -> Result<Event, Error> {
        self.read(body, type_hint, true)
    }

    fn read(self, body: &[u8], type_hint: Option<&str>, strict: bool) -> Result<Event, Error> {
        let layout = self.layout();
        let hint = type_hint.map(map_route_type);
        if let DataAt::Key(data_key) = layout.data {
            if let Some(event) = read_streamed(&layout, data_key, body, hint, strict) {
                return Ok(event);
            }
        }
        self.read_in_steps(body, hint, strict)
    }

    /// The envelope read key by key: each field found, checked and converted in the order of
    /// the layout, so the first problem in that order is the one reported. Every body is read
    /// this way when the one pass of [`read_streamed`] cannot give the event.
    fn read_in_steps(self, body: &[u8], hint: Option<&str>, strict: bool) -> Result<Event, Error> {
        let root = Path::Root("body");
        let layout = self.layout();

        if let DataAt::WholeBody = layout.data {
            let raw = parse_body(body)?;
            let mut object = RawObject::parse(raw, &root)?;
            let event_type = match hint {
                Some(hint) => hint.to_owned(),
                None => infer_device_type(&mut object)?,
            };
            check_known(&event_type, strict)?;
            check_type_in(&event_type, &root)?;
            let payload = Payload::parse(Family::of(&event_type), raw)?;
            return Event::new(event_type, payload);
        }
        let mut object = RawObject::parse_body(body, &root)?;
        if let DataAt::Nested(outer, inner, siblings) = layout.data {
            if object.contains(siblings) {
                // The name holds `data`'s other members once read; a body member of that name
                // would be overwritten, or written back into `data`.
                return Err(invalid(
                    &root.key(siblings),
                    &format!(
                        "is where hookwire keeps the members of `{outer}` beside `{inner}`; an {} body cannot carry it too",
                        self.name()
                    ),
                ));
            }
        }

        let id = match layout.id {
            Some(key) => object.field::<String>(key, &root)?,
            None => None,
        };
        let event_type = match object.field::<String>(layout.event_type, &root)? {
            Some(found) => found,
            None => match hint {
                Some(hint) => hint.to_owned(),
                None => {
                    return Err(invalid_body(format!(
                        "the {} envelope has no `{}`: is this the right dialect?",
                        self.name(),
                        layout.event_type
                    )))
                }
            },
        };
        check_type_in(&event_type, &root.key(layout.event_type))?;
        check_known(&event_type, strict)?;
        let timestamp = match layout.timestamp {
            Some(key) => object.field::<Timestamp>(key, &root)?,
            None => None,
        };
        let actor = match layout.actor {
            Some(key) => object.field::<Actor>(key, &root)?,
            None => None,
        };

        let mut leftover: Option<(&'static str, Extra)> = None;
        let data = match layout.data {
            DataAt::Key(key) => required(object.take(key, &root)?, &root.key(key), "is missing")?,
            DataAt::ResourceKey => {
                let resource = resource_key(&event_type);
                let found = object.take(resource, &root)?;
                required(found, &root.key(resource), "is missing: webnet puts the resource under its name")?
            }
            DataAt::Nested(outer, inner, siblings) => {
                let outer_path = root.key(outer);
                let outer_raw = required(object.take(outer, &root)?, &outer_path, "is missing")?;
                let mut outer_object = RawObject::parse(outer_raw, &outer_path)?;
                let data =
                    required(outer_object.take(inner, &outer_path)?, &outer_path.key(inner), "is missing")?;
                let rest = outer_object.into_extra();
                if !rest.is_empty() {
                    leftover = Some((siblings, rest));
                }
                data
            }
            DataAt::WholeBody => unreachable_layout()?,
        };
        let payload = Payload::parse(Family::of(&event_type), data)?;
        let mut extra = object.into_extra();
        if let Some((key, rest)) = leftover {
            extra.insert(key, &rest)?;
        }
        let mut event = Event::new(event_type, payload)?;
        event.id = id;
        event.timestamp = timestamp;
        event.actor = actor;
        event.extra = extra;
        Ok(event)
    }

    /// Writes `event` in this dialect's envelope (the inverse of [`parse`](Dialect::parse)).
    ///
    /// Parts the dialect has no place for are left out: the id for Ops Center, webnet and
    /// HomeChef, everything but the data for Device Service (whose route carries the type).
    pub fn encode(self, event: &Event) -> Result<Vec<u8>, Error> {
        let layout = self.layout();
        if let DataAt::ResourceKey = layout.data {
            let resource = resource_key(event.event_type());
            if [layout.event_type, layout.timestamp.unwrap_or(""), layout.actor.unwrap_or("")]
                .contains(&resource)
            {
                return Err(invalid_body(format!(
                    "{} cannot carry `{}`: its resource key `{resource}` is an envelope key",
                    self.name(),
                    event.event_type()
                )));
            }
        }
        if let DataAt::Nested(outer, inner, siblings) = layout.data {
            check_siblings(event.extra(), outer, inner, siblings)?;
        }
        let mut out = serde_json::Serializer::new(Vec::with_capacity(256));
        let write = |out: &mut serde_json::Serializer<Vec<u8>>| -> Result<(), serde_json::Error> {
            if let DataAt::WholeBody = layout.data {
                return serde::Serialize::serialize(event.payload(), out);
            }
            let mut map = out.serialize_map(None)?;
            if let (Some(key), Some(id)) = (layout.id, event.id()) {
                map.serialize_entry(key, id)?;
            }
            map.serialize_entry(layout.event_type, event.event_type())?;
            if let (Some(key), Some(timestamp)) = (layout.timestamp, event.timestamp()) {
                map.serialize_entry(key, timestamp)?;
            }
            if let (Some(key), Some(actor)) = (layout.actor, event.actor()) {
                map.serialize_entry(key, actor)?;
            }
            let data_key = match layout.data {
                DataAt::Key(key) | DataAt::Nested(key, _, _) => key,
                DataAt::ResourceKey => resource_key(event.event_type()),
                DataAt::WholeBody => "",
            };
            let siblings = match layout.data {
                DataAt::Nested(_, _, siblings) => siblings,
                _ => "",
            };
            let owned = [
                (layout.id.unwrap_or(""), event.id().is_some()),
                (layout.event_type, true),
                (layout.timestamp.unwrap_or(""), event.timestamp().is_some()),
                (layout.actor.unwrap_or(""), event.actor().is_some()),
                (data_key, true),
                (siblings, true),
            ];
            // Layouts without a key name it "": those entries must not catch an extra field "".
            let owned: Vec<(&str, bool)> = owned.into_iter().filter(|(key, _)| !key.is_empty()).collect();
            match layout.data {
                DataAt::Key(key) => map.serialize_entry(key, event.payload())?,
                DataAt::ResourceKey => map.serialize_entry(data_key, event.payload())?,
                DataAt::Nested(outer, inner, siblings) => {
                    let rest = event.extra().get(siblings);
                    map.serialize_entry(outer, &Nested { inner, payload: event.payload(), rest })?;
                }
                DataAt::WholeBody => {}
            }
            event.extra().write(&mut map, &owned)?;
            map.end()
        };
        write(&mut out).map_err(|e| invalid_body(format!("cannot write the event: {e}")))?;
        Ok(out.into_inner())
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// AuraConnect's `data`: `{"object": payload}` plus whatever else was beside `object`.
struct Nested<'a> {
    inner: &'static str,
    payload: &'a Payload,
    rest: Option<&'a RawValue>,
}

impl serde::Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.inner, self.payload)?;
        if let Some(rest) = self.rest {
            // In order, repeats and escaped names included, as they arrived.
            let rest = RawObject::parse(rest, &Path::Root("data_extra"))
                .map_err(serde::ser::Error::custom)?
                .into_extra();
            // `check_siblings` made sure there is no second `inner` among them.
            for (key, value) in rest.iter() {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The extra field that holds the members of `outer` beside `inner` (AuraConnect's `data_extra`)
/// must be one object without an `inner` of its own, or writing it would fail or drop a member.
fn check_siblings(extra: &Extra, outer: &str, inner: &str, siblings: &'static str) -> Result<(), Error> {
    let mut found = extra.iter().filter(|(key, _)| *key == siblings).map(|(_, value)| value);
    let Some(rest) = found.next() else { return Ok(()) };
    let why = if found.next().is_some() {
        "appears more than once"
    } else if !rest.get().starts_with('{') {
        "must be an object"
    } else if RawObject::parse(rest, &Path::Root(siblings))?.contains(inner) {
        "cannot hold a second `object`"
    } else {
        return Ok(());
    };
    Err(invalid_body(format!("`{siblings}` {why}: its members are written into `{outer}` beside `{inner}`")))
}

fn required<'a>(value: Option<&'a RawValue>, path: &Path<'_>, what: &str) -> Result<&'a RawValue, Error> {
    value.ok_or_else(|| invalid(path, what))
}

fn unreachable_layout() -> Result<&'static RawValue, Error> {
    Err(Error::Internal { reason: "whole-body layout reached the envelope reader".into() })
}

fn check_known(event_type: &str, strict: bool) -> Result<(), Error> {
    if strict && lookup(event_type).is_none() {
        return Err(Error::UnknownEventType { event_type: event_type.to_owned() });
    }
    Ok(())
}

/// webnet's resource key: the type's prefix (`job` for `job.completed`).
fn resource_key(event_type: &str) -> &str {
    event_type.split_once('.').map_or(event_type, |(prefix, _)| prefix)
}

/// Device Service route names → hookwire types; anything else passes through.
fn map_route_type(hint: &str) -> &str {
    match hint {
        "temperature_update" => "device.temperature",
        "device_status_update" => "device.status_changed",
        other => other,
    }
}

/// A Device Service payload without a route type: probes mean a temperature update, a status
/// means a status update; anything else cannot be told apart.
fn infer_device_type(object: &mut RawObject<'_>) -> Result<String, Error> {
    let root = Path::Root("body");
    if object.field::<super::json::Json>("probes", &root)?.is_some() {
        return Ok("device.temperature".to_owned());
    }
    if object.field::<String>("status", &root)?.is_some() {
        return Ok("device.status_changed".to_owned());
    }
    Err(invalid_body(
        "Device Service payloads carry no type: pass the route's type as the hint \
         (temperature_update or device_status_update)",
    ))
}

/// Reads an envelope whose data sits under one key in a single pass: the data is read into its
/// typed payload as it is met when the type came before it (the usual order), else kept raw
/// and read once the type is known. `None` whenever anything is not as it should be: the body
/// is then read again in steps (`Dialect::read_in_steps`), which reports the problem exactly
/// as it always has, so this path only ever decides successes, and those are the same events
/// the steps give (`tests::one_pass_and_steps_agree_on_every_seed` checks it).
fn read_streamed(
    layout: &Layout,
    data_key: &'static str,
    body: &[u8],
    hint: Option<&str>,
    strict: bool,
) -> Option<Event> {
    check_shape(body).ok()?;
    // Checked once here, the text is not checked again string by string (a body that is not
    // UTF-8 is refused by the steps, which say where).
    let text = std::str::from_utf8(body).ok()?;
    let error = Cell::new(None);
    let root = Path::Root("data");
    let cx = Cx { path: &root, error: &error };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let envelope = deserializer.deserialize_map(EnvelopeVisitor { layout, data_key, cx: &cx }).ok()?;
    deserializer.end().ok()?;
    let event_type = match envelope.event_type {
        Some(event_type) => event_type,
        None => hint?.to_owned(),
    };
    check_type(&event_type).ok()?;
    check_known(&event_type, strict).ok()?;
    let payload = match (envelope.payload, envelope.raw_data) {
        // Read under the family of this very type (the envelope's, met before the data).
        (Some((payload, family)), _) => {
            payload.check_fit(family).ok()?;
            payload
        }
        (None, Some(raw)) => Box::new(Payload::parse(Family::of(&event_type), raw).ok()?),
        (None, None) => return None,
    };
    // What `Event::new` checks holds: the type is checked and the payload is of its family.
    Some(Event {
        id: envelope.id,
        event_type,
        timestamp: envelope.timestamp,
        actor: envelope.actor,
        payload,
        extra: Extra::from_fields(envelope.extra),
    })
}

/// What one pass over an envelope found.
struct Envelope<'de> {
    id: Option<String>,
    event_type: Option<String>,
    timestamp: Option<Timestamp>,
    actor: Option<Actor>,
    /// The data, read as it was met as the payload of this family (when the type came first)
    payload: Option<(Box<Payload>, Family)>,
    /// or kept to be read once the type is known.
    raw_data: Option<&'de RawValue>,
    /// The fields the layout does not read, and the `null`s of those it reads (kept where
    /// they were, as the reader in steps keeps them).
    extra: Vec<(String, Box<RawValue>)>,
}

struct EnvelopeVisitor<'l> {
    layout: &'l Layout,
    data_key: &'static str,
    cx: &'l Cx<'l>,
}

impl<'de> Visitor<'de> for EnvelopeVisitor<'_> {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an event envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let layout = self.layout;
        let mut out = Envelope {
            id: None,
            event_type: None,
            timestamp: None,
            actor: None,
            payload: None,
            raw_data: None,
            extra: Vec::new(),
        };
        // A key the layout reads that comes twice is left to the reader in steps, which names it.
        let mut seen = [false; 5];
        let mut first = |slot: usize| {
            if std::mem::replace(&mut seen[slot], true) {
                Err(A::Error::custom("repeated"))
            } else {
                Ok(())
            }
        };
        while let Some(Key(key)) = map.next_key()? {
            let key = key.as_ref();
            if layout.id == Some(key) {
                first(0)?;
                match map.next_value::<Option<String>>()? {
                    Some(id) => out.id = Some(id),
                    None => out.extra.push((key.to_owned(), null_raw())),
                }
            } else if key == layout.event_type {
                first(1)?;
                match map.next_value::<Option<String>>()? {
                    Some(event_type) => out.event_type = Some(event_type),
                    None => out.extra.push((key.to_owned(), null_raw())),
                }
            } else if layout.timestamp == Some(key) {
                first(2)?;
                match map.next_value_seed(Nullable::<Timestamp>::new(self.cx))? {
                    Some(timestamp) => out.timestamp = Some(timestamp),
                    None => out.extra.push((key.to_owned(), null_raw())),
                }
            } else if layout.actor == Some(key) {
                first(3)?;
                match map.next_value_seed(Nullable::<Actor>::new(self.cx))? {
                    Some(actor) => out.actor = Some(actor),
                    None => out.extra.push((key.to_owned(), null_raw())),
                }
            } else if key == self.data_key {
                first(4)?;
                match &out.event_type {
                    Some(event_type) => {
                        let family = Family::of(event_type);
                        out.payload =
                            Some((map.next_value_seed(PayloadSeed { family, cx: self.cx })?, family));
                    }
                    None => out.raw_data = Some(map.next_value()?),
                }
            } else {
                let raw: &RawValue = map.next_value()?;
                out.extra.push((key.to_owned(), raw.to_owned()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every body the repository holds: the fuzz seeds of `event_parse` (real payloads of the
    /// five systems and what the fuzzer grew from them) and the dialect fixtures.
    fn bodies() -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut bodies = Vec::new();
        for dir in ["fuzz/seeds/event_parse", "tests/fixtures/dialects"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                bodies.push(std::fs::read(entry.unwrap().path()).unwrap());
            }
        }
        assert!(bodies.len() > 1000, "the seeds are missing: {} bodies", bodies.len());
        bodies
    }

    #[test]
    fn one_pass_and_steps_agree_on_every_seed() {
        let (mut streamed, mut refused) = (0, 0);
        for body in bodies() {
            for dialect in [Dialect::Hookwire, Dialect::OpsCenter, Dialect::HomeChef] {
                let layout = dialect.layout();
                let DataAt::Key(data_key) = layout.data else { unreachable!() };
                for (hint, strict) in [(None, false), (Some("order.created"), false), (None, true)] {
                    let steps = dialect.read_in_steps(&body, hint, strict);
                    match read_streamed(&layout, data_key, &body, hint, strict) {
                        Some(event) => {
                            streamed += 1;
                            assert_eq!(
                                steps.as_ref().ok(),
                                Some(&event),
                                "{dialect} {hint:?} {strict}: {}",
                                String::from_utf8_lossy(&body)
                            );
                        }
                        // The one pass gives up only where the steps refuse the body.
                        None => {
                            refused += 1;
                            assert!(
                                steps.is_err(),
                                "{dialect} {hint:?} {strict}: {}",
                                String::from_utf8_lossy(&body)
                            );
                        }
                    }
                }
            }
        }
        // Both outcomes are exercised by the seeds, many times.
        assert!(streamed > 1000 && refused > 1000, "{streamed} read in one pass, {refused} refused");
    }
}
