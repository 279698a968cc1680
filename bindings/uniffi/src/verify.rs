//! `Verifier` and the `Message` it returns.

use std::sync::Arc;
use std::time::Duration;

use hookwire::{Dialect, Scheme};
use hookwire_stores::Store;

use crate::convert::{signed, unsigned, Headers, MultiHeaders};
use crate::error::{argument, run, WebhookError};
use crate::event::Event;
use crate::replay::{self, Claim, SeenStore};
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
}

#[uniffi::export]
impl Verifier {
    /// A verifier with one secret (its text). `tolerance`: seconds a timestamp may be off in
    /// either direction (default: the core's 300); `max_body`: bytes (default 1 MiB);
    /// `seen_store`: claim every verified message there until it is committed or released
    /// (`claim_ttl` seconds, default 60); `replay_capacity`: the shorthand of
    /// `seen_store = SeenStore.memory(replay_capacity)`.
    #[uniffi::constructor(default(
        scheme = "hookwire",
        tolerance = None,
        max_body = None,
        replay_capacity = None,
        seen_store = None,
        claim_ttl = None
    ))]
    pub fn new(
        secret: String,
        scheme: String,
        tolerance: Option<i64>,
        max_body: Option<i64>,
        replay_capacity: Option<i64>,
        seen_store: Option<Arc<SeenStore>>,
        claim_ttl: Option<i64>,
    ) -> Result<Arc<Verifier>, WebhookError> {
        let secret = zeroize::Zeroizing::new(secret);
        run(|| {
            let secret = hookwire::Secret::parse(&secret)?;
            let replay = Replay::of(replay_capacity, seen_store, claim_ttl)?;
            verifier(&scheme, vec![secret], tolerance, max_body, replay)
        })
    }

    /// A verifier with several secrets (rotation: a signature of any of them is accepted, and
    /// `Message.secret_index` says which), or with byte or ed25519 (`whpk_`) secrets.
    #[uniffi::constructor(default(
        scheme = "hookwire",
        tolerance = None,
        max_body = None,
        replay_capacity = None,
        seen_store = None,
        claim_ttl = None
    ))]
    pub fn with_secrets(
        secrets: Vec<Arc<Secret>>,
        scheme: String,
        tolerance: Option<i64>,
        max_body: Option<i64>,
        replay_capacity: Option<i64>,
        seen_store: Option<Arc<SeenStore>>,
        claim_ttl: Option<i64>,
    ) -> Result<Arc<Verifier>, WebhookError> {
        run(|| {
            let secrets = secrets.iter().map(|s| s.0.clone()).collect();
            let replay = Replay::of(replay_capacity, seen_store, claim_ttl)?;
            verifier(&scheme, secrets, tolerance, max_body, replay)
        })
    }

    /// Verifies the raw `body` with `headers` (names in any case, in the map's order) at `now`
    /// (unix seconds; default: the clock) and returns the checked message. Throws the
    /// exception of the failure's code. A header given twice (two spellings of its name) is
    /// two values: the core accepts repeats of one value and answers `malformed_header` for
    /// different values of a header it reads once.
    #[uniffi::method(default(now = None))]
    pub fn verify(&self, body: Vec<u8>, headers: Headers, now: Option<i64>) -> Result<Message, WebhookError> {
        run(|| self.check(body, &headers.0, now))
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
        run(|| self.check(body, &headers.0, now))
    }

    /// The scheme's name.
    pub fn scheme(&self) -> String {
        self.inner.scheme().name().to_owned()
    }
}

impl Verifier {
    /// The core reads the caller's (name, value) pairs as they crossed the FFI, the headers its
    /// scheme reads and no others, without building an `http::HeaderMap`.
    fn check(
        &self,
        body: Vec<u8>,
        headers: &[(String, String)],
        now: Option<i64>,
    ) -> Result<Message, WebhookError> {
        let given = now;
        let verified = match given {
            Some(now) => self.inner.verify_at(headers, &body, now)?,
            None => self.inner.verify(headers, &body)?,
        };
        let claim = verified.claim().map(|claim| Arc::new(Claim::new(claim.clone(), given)));
        Ok(Message {
            id: verified.id().map(str::to_owned),
            timestamp: verified.timestamp(),
            timestamp_signed: verified.timestamp_signed(),
            event_type: verified.event_type().map(str::to_owned),
            secret_index: signed(verified.secret_index()),
            scheme: self.inner.scheme().name().to_owned(),
            body,
            claim,
        })
    }
}

/// The replay options of a verifier: the store, and the claim time.
struct Replay {
    store: Option<Store>,
    claim_ttl: Option<Duration>,
}

impl Replay {
    fn of(
        replay_capacity: Option<i64>,
        seen_store: Option<Arc<SeenStore>>,
        claim_ttl: Option<i64>,
    ) -> Result<Replay, WebhookError> {
        let store = match (seen_store, replay_capacity) {
            (Some(_), Some(_)) => {
                return Err(argument(
                    "replay_capacity",
                    "give seen_store or its shorthand replay_capacity, not both",
                ))
            }
            (Some(store), None) => Some(store.0.clone()),
            (None, Some(capacity)) => Some(Store::memory(unsigned("replay_capacity", capacity)?)),
            (None, None) => None,
        };
        Ok(Replay { store, claim_ttl: claim_ttl.map(replay::claim_ttl).transpose()? })
    }
}

fn verifier(
    scheme: &str,
    secrets: Vec<hookwire::Secret>,
    tolerance: Option<i64>,
    max_body: Option<i64>,
    replay: Replay,
) -> Result<Arc<Verifier>, WebhookError> {
    let scheme = Scheme::from_name(scheme)?;
    let mut verifier = hookwire::Verifier::try_new(scheme, secrets)?;
    if let Some(seconds) = tolerance {
        verifier = verifier.tolerance(Duration::from_secs(unsigned("tolerance", seconds)?));
    }
    if let Some(limit) = max_body {
        verifier = verifier.max_body(unsigned("max_body", limit)?);
    }
    if let Some(store) = replay.store {
        verifier = verifier.seen_store(store);
    }
    if let Some(ttl) = replay.claim_ttl {
        verifier = verifier.claim_ttl(ttl);
    }
    Ok(Arc::new(Verifier { inner: verifier }))
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
    /// The claim on the message when the verifier has a replay store: commit it once handled,
    /// release it when handling failed (or call `commit` / `release` on the message).
    pub claim: Option<Arc<Claim>>,
}

#[uniffi::export]
impl Message {
    /// Records the message as handled, at the `now` given to verify (else the clock; another
    /// instant: `claim.commit(now)`): later deliveries are `replayed`. `false` without a replay
    /// store, and when the claim was lost: it lapsed (the handler took longer than the claim
    /// time) and another delivery of the message took it; that one is left untouched.
    pub fn commit(&self) -> Result<bool, WebhookError> {
        self.claim.as_ref().map_or(Ok(false), |claim| claim.commit(None))
    }

    /// Gives the claim up (the handler failed): the sender's retry is accepted. `false` when
    /// nothing was released (no replay store, committed, or lost).
    pub fn release(&self) -> Result<bool, WebhookError> {
        self.claim.as_ref().map_or(Ok(false), |claim| claim.release())
    }

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
    pub fn event(&self) -> Result<Arc<Event>, WebhookError> {
        run(|| {
            let scheme = Scheme::from_name(&self.scheme)?;
            Ok(Event::from_core(scheme.parse_event(&self.body, self.event_type.as_deref())?))
        })
    }

    /// The body in another system's envelope (`ops-center`, `webnet`, ...; see `dialects()`),
    /// with the event header as the type hint where there is one.
    pub fn event_as(&self, dialect: String) -> Result<Arc<Event>, WebhookError> {
        run(|| {
            let event = Dialect::from_name(&dialect)?.parse(&self.body, self.event_type.as_deref())?;
            Ok(Event::from_core(event))
        })
    }
}
