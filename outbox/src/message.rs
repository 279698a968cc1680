//! Messages: what is published, once, and delivered to every matching endpoint.

use hookwire::Dialect;
use serde_json::Value;

use crate::UnixTime;

/// A message to publish. The outbox gives it a stable id (`msg_…`): the webhook id receivers
/// see on every attempt and every resend, so they can deduplicate.
///
/// ```
/// use hookwire_outbox::Publish;
///
/// // The native envelope {"id","type","timestamp","data"} around your data:
/// let order = Publish::event("order.created", serde_json::json!({"id": 1001, "total_amount": 45.99}))
///     .idempotency_key("order-1001-created");
/// // Or exact bytes you encoded yourself (another system's envelope):
/// let raw = Publish::raw("user.created", br#"{"event":"user.created","data":{"user_id":1}}"#.to_vec());
/// # let _ = (order, raw);
/// ```
#[derive(Debug, Clone)]
pub struct Publish {
    pub(crate) event_type: String,
    pub(crate) body: Body,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) tenant: Option<String>,
    pub(crate) dialect: Dialect,
}

#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// `data` of a native envelope the outbox writes (with the message id and time).
    Data(Value),
    /// The exact bytes to send.
    Raw(Vec<u8>),
}

impl Publish {
    /// An event of `event_type` whose body is hookwire's native envelope around `data`; the
    /// envelope's `id` is the message id. Known types are checked against their typed payload
    /// (`invalid_payload` names a field that does not fit).
    pub fn event(event_type: &str, data: Value) -> Publish {
        Publish {
            event_type: event_type.to_owned(),
            body: Body::Data(data),
            idempotency_key: None,
            tenant: None,
            dialect: Dialect::Hookwire,
        }
    }

    /// A message whose body is exactly `body` (sent byte for byte on every attempt).
    /// Subscription filters look at `data` when the body is an envelope of the publish's
    /// [`dialect`](Publish::dialect) (native by default); an endpoint with filters does not
    /// receive a body they cannot read.
    pub fn raw(event_type: &str, body: Vec<u8>) -> Publish {
        Publish {
            event_type: event_type.to_owned(),
            body: Body::Raw(body),
            idempotency_key: None,
            tenant: None,
            dialect: Dialect::Hookwire,
        }
    }

    /// Publishing again with the same key creates nothing and returns the first message's id.
    pub fn idempotency_key(mut self, key: &str) -> Publish {
        self.idempotency_key = Some(key.to_owned());
        self
    }

    /// The envelope the body is in (default: hookwire's native one). With
    /// [`event`](Publish::event) the outbox writes `data` in that system's envelope (the
    /// message id as its id where the envelope has one, the time as its timestamp); with
    /// [`raw`](Publish::raw) subscription filters read the body's data in that envelope.
    ///
    /// ```
    /// use hookwire::Dialect;
    /// use hookwire_outbox::Publish;
    ///
    /// // {"id":"msg_…","type":"order.created","created":"…","data":{"object":{"id":1001,…}}}
    /// let order = Publish::event("order.created", serde_json::json!({"id": 1001, "restaurant_id": 1}))
    ///     .dialect(Dialect::AuraConnect);
    /// # let _ = order;
    /// ```
    pub fn dialect(mut self, dialect: Dialect) -> Publish {
        self.dialect = dialect;
        self
    }

    /// Delivers only to endpoints of `tenant` (see [`NewEndpoint::tenant`](crate::NewEndpoint::tenant)).
    pub fn tenant(mut self, tenant: &str) -> Publish {
        self.tenant = Some(tenant.to_owned());
        self
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// The message id (the webhook id receivers see).
    pub message_id: String,
    /// Deliveries created (one per matching endpoint; none for a repeated idempotency key).
    pub deliveries: usize,
    /// Whether the idempotency key was already used (nothing new was created).
    pub duplicate: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageRecord {
    /// `msg_…`
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The exact body every attempt sends.
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// The idempotency key, if one was given.
    pub idempotency_key: Option<String>,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// When it was published.
    pub created_at: UnixTime,
}
