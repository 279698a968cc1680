//! Events: an object that wraps the core's event, converted once, at the edge. Nothing is
//! copied out when it is parsed: the id, type, timestamp, actor and data are read from the core's
//! event when asked, `encode` writes what the sender's envelope held (members named like native
//! keys included), and `Subscription.matches` reads the same event without parsing anything
//! again. `data()` gives the typed payload (Kotlin `when (val data = event.data()) { is
//! EventData.OrderEvent -> data.order.totalAmount }`).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use hookwire::{Dialect, Payload};

use crate::error::{run, WebhookError};
use crate::payload::{Actor, Device, Job, Order, User};

/// A parsed event: id, type, family, timestamp, actor and the typed data, in any dialect's
/// envelope. Compared by content (Kotlin `equals`/`hashCode`, Swift `Equatable`/`Hashable`).
///
/// ```kotlin
/// val event = parseEvent(body)
/// when (val data = event.data()) {
///     is EventData.OrderEvent -> println("${event.type()} ${data.order.totalAmount}")
///     is EventData.OtherEvent -> println("${event.type()}: ${data.json}")
///     else -> println(event.family())
/// }
/// ```
#[derive(uniffi::Object, Debug, PartialEq)]
#[uniffi::export(Eq, Hash)]
pub struct Event(pub(crate) hookwire::Event);

impl Hash for Event {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal events write equal native JSON (the converse need not hold for a hash).
        self.0.to_json().hash(state);
    }
}

impl Event {
    /// The event of a core event, for the foreign side.
    pub(crate) fn from_core(event: hookwire::Event) -> Arc<Event> {
        Arc::new(Event(event))
    }

    /// The core's event.
    pub(crate) fn core(&self) -> &hookwire::Event {
        &self.0
    }
}

/// An event's typed data, by family: the record of a device, order, job or user event, or the
/// data of any other type (payments, invoices, types not yet invented) as exact JSON text.
#[derive(uniffi::Enum, Debug, Clone, PartialEq)]
pub enum EventData {
    /// A device event's data.
    DeviceEvent {
        /// The device record.
        device: Device,
    },
    /// An order event's data.
    OrderEvent {
        /// The order record.
        order: Order,
    },
    /// A job event's data.
    JobEvent {
        /// The job record.
        job: Job,
    },
    /// A user event's data.
    UserEvent {
        /// The user record.
        user: User,
    },
    /// Any other type's data.
    OtherEvent {
        /// The data as exact JSON text.
        json: String,
    },
}

#[uniffi::export]
impl Event {
    /// The event id, where the envelope has one.
    pub fn id(&self) -> Option<String> {
        self.0.id().map(str::to_owned)
    }

    /// The event type (`order.created`).
    pub fn r#type(&self) -> String {
        self.0.event_type().to_owned()
    }

    /// `device`, `order`, `job`, `user` or `other`.
    pub fn family(&self) -> String {
        self.0.family().as_str().to_owned()
    }

    /// The timestamp as written (RFC 3339 text or unix seconds).
    pub fn timestamp(&self) -> Option<String> {
        self.0.timestamp().map(ToString::to_string)
    }

    /// Who caused it, where the envelope says.
    pub fn actor(&self) -> Option<Actor> {
        self.0.actor().map(Actor::from)
    }

    /// The typed data: a record for device, order, job and user events, JSON text for the
    /// others. A copy: changing it does not change the event.
    pub fn data(&self) -> EventData {
        match self.0.payload() {
            Payload::Device(device) => EventData::DeviceEvent { device: device.into() },
            Payload::Order(order) => EventData::OrderEvent { order: order.into() },
            Payload::Job(job) => EventData::JobEvent { job: job.into() },
            Payload::User(user) => EventData::UserEvent { user: user.into() },
            other => EventData::OtherEvent { json: other.to_json().get().to_owned() },
        }
    }

    /// The data as exact JSON text (numbers keep their digits).
    pub fn data_json(&self) -> String {
        self.0.payload().to_json().get().to_owned()
    }

    /// The native envelope as JSON bytes (unknown fields included).
    pub fn to_json(&self) -> Vec<u8> {
        self.0.to_json()
    }

    /// The event in `dialect`'s envelope (`ops-center`, `webnet`, ...; see `dialects()`).
    pub fn encode(&self, dialect: String) -> Result<Vec<u8>, WebhookError> {
        run(|| Ok(Dialect::from_name(&dialect)?.encode(&self.0)?))
    }
}

/// Parses `body` as an event in `dialect` (default: hookwire's native envelope). `type_hint`
/// names the type where the envelope has none (Device Service routes); `strict` refuses types
/// outside the catalog (`unknown_event_type`). Errors: `invalid_payload`, `unknown_dialect`.
#[uniffi::export(default(dialect = "hookwire", type_hint = None, strict = false))]
pub fn parse_event(
    body: Vec<u8>,
    dialect: String,
    type_hint: Option<String>,
    strict: bool,
) -> Result<Arc<Event>, WebhookError> {
    run(|| {
        let dialect = Dialect::from_name(&dialect)?;
        let event = if strict {
            dialect.parse_strict(&body, type_hint.as_deref())?
        } else {
            dialect.parse(&body, type_hint.as_deref())?
        };
        Ok(Event::from_core(event))
    })
}

/// One known event type.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct EventTypeInfo {
    /// The type (`order.created`).
    pub r#type: String,
    /// `device`, `order`, `job`, `user` or `other`.
    pub family: String,
    /// One line for people.
    pub description: String,
    /// A sample `data` object, JSON text.
    pub sample_data: String,
}

/// Every event type hookwire knows, sorted by type.
#[uniffi::export]
pub fn event_types() -> Vec<EventTypeInfo> {
    hookwire::catalog()
        .iter()
        .map(|info| EventTypeInfo {
            r#type: info.name.to_owned(),
            family: info.family.as_str().to_owned(),
            description: info.description.to_owned(),
            sample_data: info.sample_data.to_owned(),
        })
        .collect()
}

/// A test event of `event_type` with the catalog's sample data (for "send test event").
/// Errors: `unknown_event_type`.
#[uniffi::export]
pub fn sample_event(event_type: String) -> Result<Arc<Event>, WebhookError> {
    run(|| Ok(Event::from_core(hookwire::sample(&event_type)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_type_has_its_data() {
        for info in hookwire::catalog() {
            let event = sample_event(info.name.to_owned()).unwrap();
            assert_eq!(event.r#type(), info.name);
            assert_eq!(event.family(), info.family.as_str());
            let family = match event.data() {
                EventData::DeviceEvent { .. } => "device",
                EventData::OrderEvent { .. } => "order",
                EventData::JobEvent { .. } => "job",
                EventData::UserEvent { .. } => "user",
                EventData::OtherEvent { json } => {
                    assert_eq!(json, event.data_json(), "{}", info.name);
                    "other"
                }
            };
            assert_eq!(family, info.family.as_str(), "{}", info.name);
        }
    }

    #[test]
    fn the_object_is_the_core_event_itself() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/events.json");
        let vectors: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut checked = 0;
        for case in vectors["cases"].as_array().unwrap() {
            let dialect = Dialect::from_name(case["dialect"].as_str().unwrap()).unwrap();
            let Ok(core) =
                dialect.parse(case["body"].as_str().unwrap().as_bytes(), case["type_hint"].as_str())
            else {
                continue;
            };
            let event = Event::from_core(core.clone());
            assert_eq!(event.core(), &core, "{}", case["name"]);
            assert_eq!(event.encode(dialect.name().into()).unwrap(), dialect.encode(&core).unwrap());
            assert_eq!(event.to_json(), core.to_json());
            checked += 1;
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn members_named_like_native_keys_survive_encode() {
        // Ops Center's own "id" beside the event: the native envelope has an `id` of its own.
        let body = br#"{"event":"order.created","data":{"id":5},"id":"keep-me"}"#.to_vec();
        let event = parse_event(body, "ops-center".into(), None, false).unwrap();
        let encoded = String::from_utf8(event.encode("ops-center".into()).unwrap()).unwrap();
        assert!(encoded.contains(r#""id":"keep-me""#), "{encoded}");
    }

    #[test]
    fn typed_data_and_other_data() {
        let event = sample_event("order.created".into()).unwrap();
        assert_eq!(event.id().as_deref(), Some("evt_test_order_created"));
        let EventData::OrderEvent { order } = event.data() else { panic!("order.created") };
        assert_eq!(order.total_amount.as_deref(), Some("45.99"));
        let other = parse_event(
            br#"{"type":"payment.made","data":{"amount":1.50}}"#.to_vec(),
            "hookwire".into(),
            None,
            false,
        )
        .unwrap();
        assert_eq!(other.data(), EventData::OtherEvent { json: r#"{"amount":1.50}"#.into() });
        assert_eq!(other.data_json(), r#"{"amount":1.50}"#);
    }
}
