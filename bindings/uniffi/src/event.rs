//! Events: a uniffi enum with one variant per typed event type, so Kotlin can write
//! `when (event) { is Event.OrderCreated -> event.data.totalAmount }` and Swift
//! `switch event { case .orderCreated(let envelope, let data): … }`; every other type is
//! `Other`, with its data as JSON text. Nothing is rejected and nothing is lost: the envelope
//! carries the core's event itself ([`CoreEvent`]), which `encode` and `Subscription.matches`
//! use. (Rebuilding it from the native JSON lost a dialect's members named like native keys:
//! Ops Center's own `"id"` beside the native id.)

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use hookwire::{Dialect, Payload};

use crate::error::{run, WebhookError};
use crate::payload::{Actor, Device, Job, Order, User};

/// What every event has, whatever its type.
#[derive(uniffi::Record, Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The event id, where the envelope has one.
    pub id: Option<String>,
    /// The event type (`order.created`).
    pub r#type: String,
    /// `device`, `order`, `job`, `user` or `other`.
    pub family: String,
    /// The timestamp as written (RFC 3339 text or unix seconds).
    pub timestamp: Option<String>,
    /// Who caused it, where the envelope says.
    pub actor: Option<Actor>,
    /// The data as exact JSON text.
    pub data_json: String,
    /// The native hookwire envelope as JSON text (unknown fields included).
    pub json: String,
    /// The core's event, exactly as parsed (members of the sender's envelope included): what
    /// `encode` writes back and `Subscription.matches` reads.
    pub core: Arc<CoreEvent>,
}

/// The core's event behind an [`Event`]: opaque, compared by content.
#[derive(uniffi::Object, Debug, PartialEq)]
#[uniffi::export(Eq, Hash)]
pub struct CoreEvent(pub(crate) hookwire::Event);

impl Hash for CoreEvent {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal events write equal native JSON (the converse need not hold for a hash).
        self.0.to_json().hash(state);
    }
}

/// Declares [`Event`] from one list of `Variant = "type" => Family`; the test checks the list
/// against the core's catalog.
macro_rules! events {
    ($( $variant:ident = $type:literal => $family:ident, )*) => {
        /// A parsed event. Typed families (device, order, job, user) have a variant per type
        /// with the typed `data`; every other type is `Other` with `data` as JSON text.
        #[derive(uniffi::Enum, Debug, Clone, PartialEq)]
        pub enum Event {
            $(
                #[allow(missing_docs)]
                $variant {
                    /// Id, type, timestamp, actor and the lossless JSON.
                    envelope: Envelope,
                    /// The typed payload.
                    data: $family,
                },
            )*
            /// Any other type (payments, invoices, types not yet invented, ...).
            Other {
                /// Id, type, timestamp, actor and the lossless JSON.
                envelope: Envelope,
                /// The data as JSON text.
                data: String,
            },
        }

        impl Event {
            /// The types with a variant of their own.
            pub const TYPED: &'static [&'static str] = &[$($type),*];

            /// The event of a core event.
            pub(crate) fn from_core(event: hookwire::Event) -> Event {
                let envelope = Envelope {
                    id: event.id().map(str::to_owned),
                    r#type: event.event_type().to_owned(),
                    family: event.family().as_str().to_owned(),
                    timestamp: event.timestamp().map(ToString::to_string),
                    actor: event.actor().map(Actor::from),
                    data_json: event.payload().to_json().get().to_owned(),
                    json: String::from_utf8_lossy(&event.to_json()).into_owned(),
                    core: Arc::new(CoreEvent(event.clone())),
                };
                match (event.event_type(), event.payload()) {
                    $( ($type, Payload::$family(data)) => Event::$variant { envelope, data: $family::from(data) }, )*
                    _ => {
                        let data = envelope.data_json.clone();
                        Event::Other { envelope, data }
                    }
                }
            }

            /// The envelope of any variant.
            pub(crate) fn envelope_ref(&self) -> &Envelope {
                match self {
                    $( Event::$variant { envelope, .. } )|* | Event::Other { envelope, .. } => envelope,
                }
            }
        }
    };
}

events! {
    DeviceAlert = "device.alert" => Device,
    DeviceCreated = "device.created" => Device,
    DeviceDeleted = "device.deleted" => Device,
    DeviceOffline = "device.offline" => Device,
    DeviceOnline = "device.online" => Device,
    DeviceRegistered = "device.registered" => Device,
    DeviceStatusChanged = "device.status_changed" => Device,
    DeviceTemperature = "device.temperature" => Device,
    DeviceUpdated = "device.updated" => Device,
    JobCompleted = "job.completed" => Job,
    JobCreated = "job.created" => Job,
    JobFailed = "job.failed" => Job,
    JobStarted = "job.started" => Job,
    OrderCancelled = "order.cancelled" => Order,
    OrderCompleted = "order.completed" => Order,
    OrderCreated = "order.created" => Order,
    OrderUpdated = "order.updated" => Order,
    UserCreated = "user.created" => User,
    UserDeleted = "user.deleted" => User,
    UserEmailVerified = "user.email_verified" => User,
    UserLogin = "user.login" => User,
    UserLogout = "user.logout" => User,
    UserPasswordChanged = "user.password_changed" => User,
    UserProfileUpdated = "user.profile_updated" => User,
    UserUpdated = "user.updated" => User,
}

impl Event {
    /// The core's event.
    pub(crate) fn core(&self) -> &hookwire::Event {
        &self.envelope_ref().core.0
    }
}

#[uniffi::export]
impl Event {
    /// The envelope (id, type, family, timestamp, actor, JSON) of any variant.
    pub fn envelope(&self) -> Envelope {
        self.envelope_ref().clone()
    }

    /// The event id, where the envelope has one.
    pub fn id(&self) -> Option<String> {
        self.envelope_ref().id.clone()
    }

    /// The event type (`order.created`).
    pub fn r#type(&self) -> String {
        self.envelope_ref().r#type.clone()
    }

    /// `device`, `order`, `job`, `user` or `other`.
    pub fn family(&self) -> String {
        self.envelope_ref().family.clone()
    }

    /// The timestamp as written (RFC 3339 text or unix seconds).
    pub fn timestamp(&self) -> Option<String> {
        self.envelope_ref().timestamp.clone()
    }

    /// The data as exact JSON text (numbers keep their digits).
    pub fn data_json(&self) -> String {
        self.envelope_ref().data_json.clone()
    }

    /// The native envelope as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        self.envelope_ref().json.clone().into_bytes()
    }

    /// The event in `dialect`'s envelope (`ops-center`, `webnet`, ...; see `dialects()`).
    pub fn encode(&self, dialect: String) -> Result<Vec<u8>, WebhookError> {
        run(|| Ok(Dialect::from_name(&dialect)?.encode(self.core())?))
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
) -> Result<Event, WebhookError> {
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
pub fn sample_event(event_type: String) -> Result<Event, WebhookError> {
    run(|| Ok(Event::from_core(hookwire::sample(&event_type)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typed_catalog_type_has_its_variant() {
        let typed: Vec<_> = hookwire::catalog()
            .iter()
            .filter(|i| i.family != hookwire::Family::Other)
            .map(|i| i.name)
            .collect();
        assert_eq!(
            Event::TYPED,
            typed.as_slice(),
            "one Event variant per typed catalog type, in catalog order"
        );
        for info in hookwire::catalog() {
            let event = sample_event(info.name.to_owned()).unwrap();
            assert_eq!(event.r#type(), info.name);
            assert_eq!(event.family(), info.family.as_str());
            let other = matches!(event, Event::Other { .. });
            assert_eq!(other, info.family == hookwire::Family::Other, "{}", info.name);
        }
    }

    #[test]
    fn the_envelope_carries_the_core_event_itself() {
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
        let Event::OrderCreated { envelope, data } = sample_event("order.created".into()).unwrap() else {
            panic!("order.created")
        };
        assert_eq!(envelope.id.as_deref(), Some("evt_test_order_created"));
        assert_eq!(data.total_amount.as_deref(), Some("45.99"));
        let other = parse_event(
            br#"{"type":"payment.made","data":{"amount":1.50}}"#.to_vec(),
            "hookwire".into(),
            None,
            false,
        )
        .unwrap();
        let Event::Other { data, .. } = other else { panic!("other") };
        assert_eq!(data, r#"{"amount":1.50}"#);
    }
}
