//! `Verifier` and the `Message` it returns.

use std::sync::Arc;
use std::time::Duration;

use hookwire::{Dialect, MemorySeenStore, Scheme};
use http::HeaderName;

use crate::convert::{header_map, signed, unsigned, Headers, MultiHeaders};
use crate::error::{run, WebhookError};
use crate::event::Event;
use crate::secret::Secret;

/// Verifies incoming webhooks: the raw body and the headers, as received.
///
/// ```kotlin
/// val verifier = Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
/// try {
///     val message = verifier.verify(rawBody, headers)    // answer 2xx
/// } catch (e: WebhookException) {
///     log.warn("rejected: ${e.code()}: $e")               // answer responseStatus(e.code())
/// }
/// ```
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: hookwire::Verifier,
    /// The headers the scheme reads; the others of a request are skipped unconverted.
    reads: Vec<HeaderName>,
}

#[uniffi::export]
impl Verifier {
    /// A verifier with one secret (its text). `tolerance`: seconds a timestamp may be off in
    /// either direction (default: the core's 300); `max_body`: bytes (default 1 MiB);
    /// `replay_capacity`: remember that many accepted ids and refuse them again (`replayed`).
    #[uniffi::constructor(default(scheme = "hookwire", tolerance = None, max_body = None, replay_capacity = None))]
    pub fn new(
        secret: String,
        scheme: String,
        tolerance: Option<i64>,
        max_body: Option<i64>,
        replay_capacity: Option<i64>,
    ) -> Result<Arc<Verifier>, WebhookError> {
        let secret = zeroize::Zeroizing::new(secret);
        run(|| {
            let secret = hookwire::Secret::parse(&secret)?;
            verifier(&scheme, vec![secret], tolerance, max_body, replay_capacity)
        })
    }

    /// A verifier with several secrets (rotation: a signature of any of them is accepted, and
    /// `Message.secret_index` says which), or with byte or ed25519 (`whpk_`) secrets.
    #[uniffi::constructor(default(scheme = "hookwire", tolerance = None, max_body = None, replay_capacity = None))]
    pub fn with_secrets(
        secrets: Vec<Arc<Secret>>,
        scheme: String,
        tolerance: Option<i64>,
        max_body: Option<i64>,
        replay_capacity: Option<i64>,
    ) -> Result<Arc<Verifier>, WebhookError> {
        run(|| {
            let secrets = secrets.iter().map(|s| s.0.clone()).collect();
            verifier(&scheme, secrets, tolerance, max_body, replay_capacity)
        })
    }

    /// Verifies the raw `body` with `headers` (names in any case, in the map's order) at `now`
    /// (unix seconds; default: the clock) and returns the checked message. Throws the
    /// exception of the failure's code. A header given twice (two spellings of its name) is
    /// two values: the core accepts repeats of one value and answers `malformed_header` for
    /// different values of a header it reads once.
    #[uniffi::method(default(now = None))]
    pub fn verify(&self, body: Vec<u8>, headers: Headers, now: Option<i64>) -> Result<Message, WebhookError> {
        run(|| self.check(body, header_map(headers.0, Some(&self.reads))?, now))
    }

    /// [`verify`](Verifier::verify) with repeated headers (`name → values`, as servlet, Spring,
    /// OkHttp and Ktor hand them over): several signature headers are all considered.
    #[uniffi::method(default(now = None))]
    pub fn verify_multi(
        &self,
        body: Vec<u8>,
        headers: MultiHeaders,
        now: Option<i64>,
    ) -> Result<Message, WebhookError> {
        run(|| self.check(body, header_map(headers.0, Some(&self.reads))?, now))
    }

    /// The scheme's name.
    pub fn scheme(&self) -> String {
        self.inner.scheme().name().to_owned()
    }
}

impl Verifier {
    fn check(
        &self,
        body: Vec<u8>,
        headers: http::HeaderMap,
        now: Option<i64>,
    ) -> Result<Message, WebhookError> {
        let now = now.unwrap_or_else(hookwire::unix_now);
        let verified = self.inner.verify_at(&headers, &body, now)?;
        // Until this binding hands claims to its caller, a claimed message counts as handled.
        if let Some(claim) = verified.claim() {
            claim.commit_at(hookwire::UnixTime::from_secs(now))?;
        }
        Ok(Message {
            id: verified.id().map(str::to_owned),
            timestamp: verified.timestamp(),
            timestamp_signed: verified.timestamp_signed(),
            event_type: verified.event_type().map(str::to_owned),
            secret_index: signed(verified.secret_index()),
            scheme: self.inner.scheme().name().to_owned(),
            body,
        })
    }
}

fn verifier(
    scheme: &str,
    secrets: Vec<hookwire::Secret>,
    tolerance: Option<i64>,
    max_body: Option<i64>,
    replay_capacity: Option<i64>,
) -> Result<Arc<Verifier>, WebhookError> {
    let scheme = Scheme::from_name(scheme)?;
    let mut verifier = hookwire::Verifier::try_new(scheme, secrets)?;
    if let Some(seconds) = tolerance {
        verifier = verifier.tolerance(Duration::from_secs(unsigned("tolerance", seconds)?));
    }
    if let Some(limit) = max_body {
        verifier = verifier.max_body(unsigned("max_body", limit)?);
    }
    if let Some(capacity) = replay_capacity {
        verifier = verifier.seen_store(MemorySeenStore::new(unsigned("replay_capacity", capacity)?));
    }
    let scheme = verifier.scheme();
    let reads = scheme
        .read_headers()
        .into_iter()
        .chain(scheme.fallback_headers())
        .flatten()
        .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
        .collect();
    Ok(Arc::new(Verifier { inner: verifier, reads }))
}

/// A verified message: what the signature covered, and the body exactly as received.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message id, where the scheme carries one.
    pub id: Option<String>,
    /// The timestamp (unix seconds), where the scheme carries one.
    pub timestamp: Option<i64>,
    /// Whether the signature covers the timestamp (false for AuraConnect's unsigned header).
    pub timestamp_signed: bool,
    /// The event header, where the scheme has one (`X-Webhook-Event`, `X-GitHub-Event`, ...).
    pub event_type: Option<String>,
    /// Which configured secret matched (0 for the first).
    pub secret_index: i64,
    /// The scheme it was verified with; it says which envelope the sender writes (`event()`).
    pub scheme: String,
    /// The raw body.
    pub body: Vec<u8>,
}

#[uniffi::export]
impl Message {
    /// The body as JSON text, checked to be JSON (Kotlin and Swift have no JSON value type in
    /// their standard libraries; hand the text to your JSON library). Errors: `invalid_payload`.
    pub fn json(&self) -> Result<String, WebhookError> {
        run(|| {
            serde_json::from_slice::<serde_json::Value>(&self.body).map_err(|e| {
                hookwire::Error::InvalidPayload { reason: format!("the body is not JSON: {e}").into() }
            })?;
            String::from_utf8(self.body.clone()).map_err(|_| {
                hookwire::Error::InvalidPayload { reason: "the body is not UTF-8".into() }.into()
            })
        })
    }

    /// The body as an event in the envelope of the scheme's senders (native for `hookwire`,
    /// `standard-webhooks` and `svix`; each system's own for `auraconnect`, `ops-center`, ...),
    /// the event header as type hint. Errors: `invalid_payload` for a body in another envelope
    /// and for schemes whose senders write their own JSON (`github`, `stripe`, `shopify`,
    /// `slack`: read `json()`).
    pub fn event(&self) -> Result<Event, WebhookError> {
        run(|| {
            let scheme = Scheme::from_name(&self.scheme)?;
            Ok(Event::from_core(scheme.parse_event(&self.body, self.event_type.as_deref())?))
        })
    }

    /// The body in another system's envelope (`ops-center`, `webnet`, ...; see `dialects()`),
    /// with the event header as the type hint where there is one.
    pub fn event_as(&self, dialect: String) -> Result<Event, WebhookError> {
        run(|| {
            let event = Dialect::from_name(&dialect)?.parse(&self.body, self.event_type.as_deref())?;
            Ok(Event::from_core(event))
        })
    }
}
