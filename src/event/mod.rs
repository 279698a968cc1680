//! Events: the native envelope, typed payloads (device, order, job, user), the catalog of known
//! types, and the dialects of the systems hookwire integrates with.

mod catalog;
mod dialect;
mod json;
mod payload;

use serde::ser::{Serialize, SerializeMap, Serializer};

pub use catalog::{catalog, lookup, sample, EventTypeInfo};
pub use dialect::Dialect;
pub use json::{Decimal, Extra, Id, Json, Timestamp, MAX_DEPTH, MAX_EVENT_BYTES};
pub use payload::{
    payload_types, Actor, Device, Job, Order, OrderItem, PayloadField, Probe, TemperatureUnit, User,
};

use json::{invalid, FromJson, Path};

use crate::Error;

/// The family of an event type: which typed payload it carries.
///
/// ```
/// use hookwire::Family;
/// assert_eq!(Family::of("order.created"), Family::Order);
/// assert_eq!(Family::of("order.refunded"), Family::Other); // not in the catalog: kept raw
/// assert_eq!(Family::of("device.temperature").as_str(), "device");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// `device.*` types in the catalog: [`Device`].
    Device,
    /// `order.*` types in the catalog: [`Order`].
    Order,
    /// `job.*` types in the catalog: [`Job`].
    Job,
    /// `user.*` types in the catalog: [`User`].
    User,
    /// Everything else, including types not invented yet: raw JSON.
    Other,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 5] = [Family::Device, Family::Order, Family::Job, Family::User, Family::Other];

    /// The family of `event_type`: typed only for types in the [`catalog`].
    pub fn of(event_type: &str) -> Family {
        lookup(event_type).map_or(Family::Other, |info| info.family)
    }

    /// The payload type of this family's events, as [`payload_types`] names it (`Order`);
    /// `None` for [`Family::Other`], whose data is raw JSON.
    ///
    /// ```
    /// use hookwire::{payload_types, Family};
    /// assert_eq!(Family::Order.payload_type(), Some("Order"));
    /// for family in Family::ALL.into_iter().filter(|family| *family != Family::Other) {
    ///     let name = family.payload_type().unwrap();
    ///     assert!(payload_types().iter().any(|(typed, _)| *typed == name));
    /// }
    /// ```
    pub fn payload_type(self) -> Option<&'static str> {
        match self {
            Family::Device => Some("Device"),
            Family::Order => Some("Order"),
            Family::Job => Some("Job"),
            Family::User => Some("User"),
            Family::Other => None,
        }
    }

    /// `device`, `order`, `job`, `user` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Device => "device",
            Family::Order => "order",
            Family::Job => "job",
            Family::User => "user",
            Family::Other => "other",
        }
    }
}

/// The `data` of an event, typed by family.
///
/// ```
/// use hookwire::{sample, Payload};
/// match sample("device.temperature")?.payload() {
///     Payload::Device(device) => assert_eq!(device.probes.as_ref().map(Vec::len), Some(2)),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// A device event.
    Device(Device),
    /// An order event.
    Order(Order),
    /// A job event.
    Job(Job),
    /// A user event.
    User(User),
    /// Any other type: the data exactly as sent.
    Other(Json),
}

impl Payload {
    /// Reads `raw` as the payload of `family`, naming the field that does not fit.
    fn parse(family: Family, raw: &serde_json::value::RawValue) -> Result<Payload, Error> {
        let path = Path::Root("data");
        let payload = match family {
            Family::Device => Payload::Device(Device::from_json(raw, &path)?),
            Family::Order => Payload::Order(Order::from_json(raw, &path)?),
            Family::Job => Payload::Job(Job::from_json(raw, &path)?),
            Family::User => Payload::User(User::from_json(raw, &path)?),
            Family::Other => Payload::Other(Json::from_json(raw, &path)?),
        };
        payload.check_fit(family)?;
        Ok(payload)
    }

    /// Data with keys but none of the family's own is a body in another envelope read with
    /// the wrong dialect (an AuraConnect order read as native has only `object`): an error,
    /// never a record whose every field is empty.
    fn check_fit(&self, family: Family) -> Result<(), Error> {
        let path = Path::Root("data");
        let (has_typed_key, extra) = match self {
            Payload::Device(p) => (p.has_typed_key(), &p.extra),
            Payload::Order(p) => (p.has_typed_key(), &p.extra),
            Payload::Job(p) => (p.has_typed_key(), &p.extra),
            Payload::User(p) => (p.has_typed_key(), &p.extra),
            Payload::Other(_) => return Ok(()),
        };
        if !has_typed_key && !extra.is_empty() {
            let found: Vec<String> = extra.iter().take(3).map(|(key, _)| format!("`{key}`")).collect();
            let more = if extra.len() > 3 { ", ..." } else { "" };
            return Err(invalid(
                &path,
                &format!(
                    "holds none of the {} fields (only {}{more}): is the body in another system's \
                     envelope? Parse it with the sender's dialect",
                    family.as_str(),
                    found.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// The family this payload belongs to.
    pub fn family(&self) -> Family {
        match self {
            Payload::Device(_) => Family::Device,
            Payload::Order(_) => Family::Order,
            Payload::Job(_) => Family::Job,
            Payload::User(_) => Family::User,
            Payload::Other(_) => Family::Other,
        }
    }

    /// The payload as JSON text.
    pub fn to_json(&self) -> Json {
        // Serializing these types into JSON cannot fail: every leaf is a string, a number
        // already validated as JSON, or raw JSON. `write_json` writes the same text.
        Json::from_serializable(self).unwrap_or_else(|_| Json::parse("null").expect("null is JSON"))
    }

    /// Writes the payload's JSON text (the text of [`Payload::to_json`]) at the end of `out`,
    /// where a caller gathering several parts wants it, without a buffer of its own.
    ///
    /// ```
    /// let event = hookwire::sample("order.created")?;
    /// let mut out = b"data: ".to_vec();
    /// event.payload().write_json(&mut out);
    /// assert_eq!(&out[6..], event.payload().to_json().get().as_bytes());
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let start = out.len();
        // As in `to_json`: this does not fail, and would write `null` if it could.
        if serde_json::to_writer(&mut *out, self).is_err() {
            out.truncate(start);
            out.extend_from_slice(b"null");
        }
    }
}

/// Reads the payload of a family in the pass that reads its envelope (see
/// `Dialect::read_streamed`); the fit check is the caller's, as in [`Payload::parse`].
pub(crate) struct PayloadSeed<'c> {
    pub(crate) family: Family,
    pub(crate) cx: &'c json::Cx<'c>,
}

impl<'de> serde::de::DeserializeSeed<'de> for PayloadSeed<'_> {
    type Value = Box<Payload>;

    /// The record is read into the box it is returned in.
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Box<Payload>, D::Error> {
        let cx = self.cx;
        let mut payload = Box::new(match self.family {
            Family::Device => Payload::Device(Device::default()),
            Family::Order => Payload::Order(Order::default()),
            Family::Job => Payload::Job(Job::default()),
            Family::User => Payload::User(User::default()),
            Family::Other => return Ok(Box::new(Payload::Other(Json::from_de(deserializer, cx)?))),
        });
        match &mut *payload {
            Payload::Device(device) => Device::read_into(deserializer, cx, device)?,
            Payload::Order(order) => Order::read_into(deserializer, cx, order)?,
            Payload::Job(job) => Job::read_into(deserializer, cx, job)?,
            Payload::User(user) => User::read_into(deserializer, cx, user)?,
            Payload::Other(_) => {}
        }
        Ok(payload)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Device(p) => p.serialize(serializer),
            Payload::Order(p) => p.serialize(serializer),
            Payload::Job(p) => p.serialize(serializer),
            Payload::User(p) => p.serialize(serializer),
            Payload::Other(p) => p.serialize(serializer),
        }
    }
}

/// A webhook event: type, optional id and timestamp, typed payload, and every other envelope
/// field kept as it came. Serializes as the native envelope
/// `{"id","type","timestamp","data"}`, losslessly.
///
/// ```
/// use hookwire::{Event, Payload};
///
/// let body = br#"{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z",
///                 "data":{"id":1001,"total_amount":45.99,"items":[{"price":12.99,"quantity":2}]}}"#;
/// let event = Event::from_json(body)?;
/// assert_eq!(event.event_type(), "order.created");
/// match event.payload() {
///     Payload::Order(order) => {
///         assert_eq!(order.total_amount.as_ref().unwrap().as_str(), "45.99");
///         assert_eq!(order.items.as_ref().unwrap()[0].quantity, Some(2));
///     }
///     other => panic!("expected an order, got {other:?}"),
/// }
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    id: Option<String>,
    event_type: String,
    timestamp: Option<Timestamp>,
    actor: Option<Actor>,
    /// Boxed: a payload is a few hundred bytes, which a parsed event would otherwise carry
    /// through every return on its way out (and the reader builds it where it lies).
    payload: Box<Payload>,
    extra: Extra,
}

impl Event {
    /// An event of `event_type` carrying `payload`; the payload's family must be the type's
    /// (`invalid_argument` otherwise: an `order.created` cannot carry a device).
    ///
    /// ```
    /// use hookwire::{Event, Order, Payload};
    /// let mut order = Order::default();
    /// order.total_amount = Some("45.99".parse()?);
    /// let event = Event::new("order.created", Payload::Order(order))?.with_id("evt_1")?;
    /// assert_eq!(event.to_json(), br#"{"id":"evt_1","type":"order.created","data":{"total_amount":45.99}}"#);
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn new(event_type: impl Into<String>, payload: Payload) -> Result<Event, Error> {
        let event_type = event_type.into();
        check_type(&event_type)?;
        let expected = Family::of(&event_type);
        if payload.family() != expected {
            return Err(Error::argument(
                "payload",
                format!(
                    "`{event_type}` carries a {} payload, not a {} one",
                    expected.as_str(),
                    payload.family().as_str()
                ),
            ));
        }
        Ok(Event {
            id: None,
            event_type,
            timestamp: None,
            actor: None,
            payload: Box::new(payload),
            extra: Extra::default(),
        })
    }

    /// An event of `event_type` whose data is any serializable value, read into the typed
    /// payload of the type's family (`invalid_payload` names a field that does not fit).
    pub fn from_data(event_type: impl Into<String>, data: &impl Serialize) -> Result<Event, Error> {
        let event_type = event_type.into();
        check_type(&event_type)?;
        let raw = Json::from_serializable(data)?;
        let payload = Payload::parse(Family::of(&event_type), raw.raw())?;
        Event::new(event_type, payload)
    }

    /// Parses the native envelope `{"id","type","timestamp","data"}`; unknown types become
    /// [`Payload::Other`].
    pub fn from_json(body: &[u8]) -> Result<Event, Error> {
        Dialect::Hookwire.parse(body, None)
    }

    /// The native envelope as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Writing to a Vec cannot fail and every field serializes (see `Payload::to_json`).
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Sets the event id.
    pub fn with_id(mut self, id: impl Into<String>) -> Result<Event, Error> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::argument("id", "must not be empty"));
        }
        self.id = Some(id);
        Ok(self)
    }

    /// The type, e.g. `order.created`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event id, where the envelope has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// When the event happened, where the envelope says.
    pub fn timestamp(&self) -> Option<&Timestamp> {
        self.timestamp.as_ref()
    }

    /// Sets or clears the timestamp.
    pub fn set_timestamp(&mut self, timestamp: Option<Timestamp>) {
        self.timestamp = timestamp;
    }

    /// Who caused the event (webnet's `actor`), where the envelope says.
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// Sets or clears the actor.
    pub fn set_actor(&mut self, actor: Option<Actor>) {
        self.actor = actor;
    }

    /// The typed data.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The typed data, to change it.
    pub fn payload_mut(&mut self) -> &mut Payload {
        &mut self.payload
    }

    /// The family of the payload.
    pub fn family(&self) -> Family {
        self.payload.family()
    }

    /// Envelope fields beyond id, type, timestamp, actor and data (`webhook_id`,
    /// `delivery_id`, ...), kept as they came. Fields named like a native envelope key (a
    /// HomeChef body carrying its own `id`) are written back by that dialect's
    /// [`encode`](Dialect::encode) but left out of [`to_json`](Event::to_json), whose envelope
    /// owns those names.
    pub fn extra(&self) -> &Extra {
        &self.extra
    }

    /// The envelope fields beyond the known ones, to change them.
    pub fn extra_mut(&mut self) -> &mut Extra {
        &mut self.extra
    }

    /// Whether hookwire's [`catalog`] knows this type.
    pub fn is_known_type(&self) -> bool {
        lookup(&self.event_type).is_some()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = &self.id {
            map.serialize_entry("id", id)?;
        }
        map.serialize_entry("type", &self.event_type)?;
        if let Some(timestamp) = &self.timestamp {
            map.serialize_entry("timestamp", timestamp)?;
        }
        if let Some(actor) = &self.actor {
            map.serialize_entry("actor", actor)?;
        }
        map.serialize_entry("data", &self.payload)?;
        let owned = [
            ("id", self.id.is_some()),
            ("type", true),
            ("timestamp", self.timestamp.is_some()),
            ("actor", self.actor.is_some()),
            ("data", true),
        ];
        self.extra.write(&mut map, &owned)?;
        map.end()
    }
}

/// A body sent under a scheme whose senders write `dialect` (none: the provider's own JSON).
pub(crate) fn parse_sent(
    dialect: Option<Dialect>,
    body: &[u8],
    type_hint: Option<&str>,
) -> Result<Event, Error> {
    match dialect {
        Some(dialect) => dialect.parse(body, type_hint),
        None => Err(json::invalid_body(
            "this scheme's senders write their own JSON, not an event envelope hookwire reads: \
             read the body as JSON, or name the dialect it is in (event_as)",
        )),
    }
}

/// Event types are non-empty, without spaces or control characters.
pub(crate) fn check_type(event_type: &str) -> Result<(), Error> {
    if event_type.is_empty() || !event_type.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::argument("event_type", "must be non-empty visible ASCII, like `order.created`"));
    }
    Ok(())
}

fn check_type_in(event_type: &str, path: &Path<'_>) -> Result<(), Error> {
    check_type(event_type).map_err(|_| invalid(path, "must be a non-empty event type like `order.created`"))
}
