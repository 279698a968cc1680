//! Dialects: the envelopes of the systems hookwire integrates with, read into [`Event`] and
//! written back. Each dialect is a layout (which key holds what); one reader and one writer
//! interpret the layouts.

use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::json::{invalid, invalid_body, parse_body, Extra, Path, RawObject, Timestamp};
use super::{check_type_in, lookup, Actor, Event, Family, Payload};
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
        let root = Path::Root("body");
        let layout = self.layout();
        let hint = type_hint.map(map_route_type);

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
