//! What a sender delivers: one outgoing message.

use crate::{Dialect, Error, Event};

/// A message a sender delivers: an id that stays the same on every attempt (receivers
/// deduplicate on it), the exact body bytes, and the event type when there is one. (What a
/// receiver gets back from verification is [`Verified`](crate::Verified); the bindings call
/// theirs `Message`.)
///
/// ```
/// use hookwire::{sample, Dialect, OutgoingMessage};
///
/// let order = sample("order.created")?;
/// let native = OutgoingMessage::from_event("msg_1", &order);
/// assert_eq!(native.event_type(), Some("order.created"));
/// let aura = OutgoingMessage::encoded("msg_1", &order, Dialect::AuraConnect)?;
/// assert!(std::str::from_utf8(aura.body()).unwrap().contains(r#""object""#));
/// let raw = OutgoingMessage::new("msg_2", br#"{"ping":true}"#.to_vec());
/// assert_eq!(raw.event_type(), None);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    id: String,
    event_type: Option<String>,
    body: Vec<u8>,
}

impl OutgoingMessage {
    /// A message with a ready body.
    pub fn new(id: impl Into<String>, body: impl Into<Vec<u8>>) -> OutgoingMessage {
        OutgoingMessage { id: id.into(), event_type: None, body: body.into() }
    }

    /// The event in hookwire's native envelope, with its type.
    pub fn from_event(id: impl Into<String>, event: &Event) -> OutgoingMessage {
        OutgoingMessage::new(id, event.to_json()).with_event_type(event.event_type())
    }

    /// The event in another system's envelope, with its type.
    pub fn encoded(id: impl Into<String>, event: &Event, dialect: Dialect) -> Result<OutgoingMessage, Error> {
        Ok(OutgoingMessage::new(id, dialect.encode(event)?).with_event_type(event.event_type()))
    }

    /// Sets the event type (sent in the scheme's event header, where it has one).
    pub fn with_event_type(mut self, event_type: impl Into<String>) -> OutgoingMessage {
        self.event_type = Some(event_type.into());
        self
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, if set.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
