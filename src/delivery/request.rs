//! Building the signed HTTP request of one attempt.

use http::header::{HeaderValue, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{Method, Request};

use super::UrlGuard;
use crate::{Dialect, Error, Event, Signer, Subscription};

/// The `User-Agent` hookwire sends: `hookwire/<version>`.
pub const USER_AGENT: &str = concat!("hookwire/", env!("CARGO_PKG_VERSION"));

/// Default largest body a [`RequestBuilder`] sends: 1 MiB (HomeChef's limit; AuraConnect's is
/// 256 KB).
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

/// A message to deliver: an id that stays the same on every attempt (receivers deduplicate
/// on it), the body bytes, and the event type when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    id: String,
    event_type: Option<String>,
    body: Vec<u8>,
}

impl Message {
    /// A message with a ready body.
    pub fn new(id: impl Into<String>, body: impl Into<Vec<u8>>) -> Message {
        Message { id: id.into(), event_type: None, body: body.into() }
    }

    /// The event in hookwire's native envelope, with its type.
    pub fn from_event(id: impl Into<String>, event: &Event) -> Message {
        Message::new(id, event.to_json()).with_event_type(event.event_type())
    }

    /// The event in another system's envelope, with its type.
    pub fn encoded(id: impl Into<String>, event: &Event, dialect: Dialect) -> Result<Message, Error> {
        Ok(Message::new(id, dialect.encode(event)?).with_event_type(event.event_type()))
    }

    /// Sets the event type (sent in the scheme's event header, where it has one).
    pub fn with_event_type(mut self, event_type: impl Into<String>) -> Message {
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

/// Builds each attempt's request: `POST` to the subscription's URL with the body, signed
/// afresh (new timestamp, same id), with `Content-Type`, `User-Agent: hookwire/<version>`,
/// the subscription's custom headers and the scheme's headers (which win over custom ones).
///
/// The URL text is checked by a [`UrlGuard`] (the default one unless replaced), and the body
/// against a size limit. **The text is all a sans-IO builder can check**: when the host is a
/// name, resolve it yourself, pass every address to [`UrlGuard::check_resolved`] (see
/// [`guard`](RequestBuilder::guard)) and connect to the address it returns, not to a fresh
/// lookup of the name; otherwise a name that points inside your network (or is rebound to do
/// so between check and connect) gets through. Redirects must not be followed.
///
/// ```
/// use hookwire::{sample, Message, RequestBuilder, Scheme, Secret, Signer, Subscription};
///
/// let subscription = Subscription::new("https://hooks.example.com/orders", ["order.*"])?
///     .header("X-Tenant", "kitchen-7")?;
/// let signer = Signer::new(Scheme::auraconnect(), Secret::parse("s3cr3t-aura")?);
/// let message = Message::from_event("msg_1", &sample("order.created")?);
/// let request = RequestBuilder::new().max_payload(256 * 1024).build(&message, &subscription, &signer, 1_700_000_000)?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.headers()["content-type"], "application/json");
/// assert_eq!(request.headers()["x-tenant"], "kitchen-7");
/// assert_eq!(request.headers()["x-auraconnect-event"], "order.created");
/// assert!(request.headers()["x-auraconnect-signature"].to_str().unwrap().starts_with("sha256="));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    max_payload: usize,
    content_type: HeaderValue,
    user_agent: HeaderValue,
    guard: UrlGuard,
}

impl Default for RequestBuilder {
    fn default() -> Self {
        RequestBuilder {
            max_payload: DEFAULT_MAX_PAYLOAD,
            content_type: HeaderValue::from_static("application/json"),
            user_agent: HeaderValue::from_static(USER_AGENT),
            guard: UrlGuard::default(),
        }
    }
}

impl RequestBuilder {
    /// A builder with the defaults (1 MiB, `application/json`, the default [`UrlGuard`]).
    pub fn new() -> RequestBuilder {
        RequestBuilder::default()
    }

    /// The largest body to send; larger ones are `payload_too_large`.
    pub fn max_payload(mut self, bytes: usize) -> RequestBuilder {
        self.max_payload = bytes;
        self
    }

    /// The `Content-Type` (default `application/json`).
    pub fn content_type(mut self, value: &str) -> Result<RequestBuilder, Error> {
        self.content_type = HeaderValue::from_str(value)
            .map_err(|_| Error::argument("content_type", "not a valid header value"))?;
        Ok(self)
    }

    /// The guard that checks each URL (default: [`UrlGuard::default`]).
    pub fn url_guard(mut self, guard: UrlGuard) -> RequestBuilder {
        self.guard = guard;
        self
    }

    /// The guard this builder checks URLs with, for checking resolved addresses.
    pub fn guard(&self) -> &UrlGuard {
        &self.guard
    }

    /// The request for one attempt of `message` to `subscription`, signed by `signer` at
    /// `timestamp` (unix seconds: pass the current time on every attempt).
    ///
    /// Errors: `payload_too_large`, `blocked_url`, and the signer's errors (`invalid_argument`
    /// for an unusable id, `invalid_secret`).
    pub fn build(
        &self,
        message: &Message,
        subscription: &Subscription,
        signer: &Signer,
        timestamp: i64,
    ) -> Result<Request<Vec<u8>>, Error> {
        if message.body.len() > self.max_payload {
            return Err(Error::PayloadTooLarge { size: message.body.len(), limit: self.max_payload });
        }
        self.guard.check_uri(subscription.url())?;
        let signed = match &message.event_type {
            Some(event_type) => signer.sign_event(&message.id, timestamp, event_type, &message.body)?,
            None => signer.sign(&message.id, timestamp, &message.body)?,
        };
        let mut request = Request::new(message.body.clone());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = subscription.url().clone();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, self.content_type.clone());
        headers.insert(USER_AGENT_HEADER, self.user_agent.clone());
        for name in subscription.headers().keys() {
            headers.remove(name);
        }
        for (name, value) in subscription.headers() {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in signed {
            if let Some(name) = name {
                headers.insert(name, value);
            }
        }
        Ok(request)
    }
}
