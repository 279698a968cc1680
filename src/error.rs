//! The one error type of hookwire, with a stable machine-readable code per variant.

use std::borrow::Cow;

/// Everything that can go wrong in hookwire.
///
/// Every variant has a stable [`code`](Error::code) string that is identical in every language
/// hookwire is bound to (Python `err.code`, JavaScript `err.code`, Kotlin/Swift enum), so callers
/// can branch on it and log it. The `Display` text is for humans: it says what went wrong and,
/// where there is a usual cause, what to do about it. It never contains secret material.
///
/// ```
/// use hookwire::{Error, Scheme, Secret, Verifier};
///
/// let verifier = Verifier::new(Scheme::hookwire(), [Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()]);
/// let err = verifier.verify_at(&http::HeaderMap::new(), b"{}", 1_700_000_000).unwrap_err();
/// assert_eq!(err.code(), "missing_header");
/// assert!(matches!(err, Error::MissingHeader { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No signature in the request matched any configured secret.
    #[error(
        "signature mismatch: no signature matched any configured secret; are you passing the raw \
         request body (not re-serialized JSON) and the secret of this endpoint?"
    )]
    InvalidSignature,

    /// A header the scheme requires is absent.
    #[error("missing header `{header}`: is this request from a sender using the {scheme} scheme?")]
    MissingHeader {
        /// The header name, as the scheme spells it.
        header: Cow<'static, str>,
        /// The scheme that requires it.
        scheme: Cow<'static, str>,
    },

    /// A header is present but its value cannot be used.
    #[error("malformed header `{header}`: {reason}")]
    MalformedHeader {
        /// The header name, as the scheme spells it.
        header: Cow<'static, str>,
        /// What is wrong with the value.
        reason: Cow<'static, str>,
    },

    /// The signed timestamp is further in the past than the tolerance allows.
    #[error(
        "timestamp too old: sent {age}s ago, tolerance is {tolerance}s; a replay, a long queue or \
         a slow clock at the sender"
    )]
    TimestampTooOld {
        /// Seconds between the timestamp and now.
        age: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
    },

    /// The signed timestamp is further in the future than the tolerance allows.
    #[error("timestamp too new: {ahead}s in the future, tolerance is {tolerance}s; {hint}")]
    TimestampTooNew {
        /// Seconds between now and the timestamp.
        ahead: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
        /// The most likely cause.
        hint: &'static str,
    },

    /// The message id was seen before within the replay window.
    #[error("replayed: message `{id}` was already accepted; answer 2xx without processing it again")]
    Replayed {
        /// The replay key (the message id, or a digest of the signature when the id is not signed).
        id: String,
    },

    /// Another delivery of the same message is being handled right now (it holds the claim).
    #[error(
        "replay in progress: message `{id}` is being handled by another delivery; answer 409 so the \
         sender retries later"
    )]
    ReplayInProgress {
        /// The replay key of the message.
        id: String,
    },

    /// A body is larger than the configured limit.
    #[error("payload too large: {size} bytes, the limit is {limit} bytes")]
    PayloadTooLarge {
        /// Size of the body in bytes.
        size: usize,
        /// The configured limit in bytes.
        limit: usize,
    },

    /// A secret cannot be used (empty, badly encoded, too short, wrong kind for the scheme).
    #[error("invalid secret: {reason}")]
    InvalidSecret {
        /// What is wrong; never contains the secret itself.
        reason: Cow<'static, str>,
    },

    /// An argument given to hookwire is not acceptable (an id with a `.`, a negative timestamp,
    /// an invalid header name in a custom scheme, ...).
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// Why it is rejected.
        reason: Cow<'static, str>,
    },

    /// A body is not the JSON the caller asked for.
    #[error("invalid payload: {reason}")]
    InvalidPayload {
        /// What is wrong, naming the field where there is one.
        reason: Cow<'static, str>,
    },

    /// A scheme name is not one hookwire knows.
    #[error("unknown scheme `{name}`; known schemes: {known}")]
    UnknownScheme {
        /// The name that was asked for.
        name: String,
        /// The known names, comma separated.
        known: &'static str,
    },

    /// An event type hookwire does not know, where the caller asked for strictness.
    #[error("unknown event type `{event_type}`; see hookwire::catalog() for the known types")]
    UnknownEventType {
        /// The type that was found.
        event_type: String,
    },

    /// A dialect name is not one hookwire knows.
    #[error("unknown dialect `{name}`; known dialects: {known}")]
    UnknownDialect {
        /// The name that was asked for.
        name: String,
        /// The known names, comma separated.
        known: &'static str,
    },

    /// A URL or address a webhook would be sent to is refused by the
    /// [`UrlGuard`](crate::UrlGuard) (private, loopback, metadata, userinfo, plain http where
    /// https is required, ...).
    #[error("blocked url: {reason}")]
    BlockedUrl {
        /// Why the destination is refused.
        reason: Cow<'static, str>,
    },

    /// An operation does not fit the current state (recording an attempt on a delivery that
    /// already succeeded, retrying one that is still pending, ...).
    #[error("invalid state: {reason}")]
    InvalidState {
        /// What the state is and what was asked.
        reason: Cow<'static, str>,
    },

    /// A [`SeenStore`](crate::SeenStore) could not answer (full, unreachable, ...): answer 503
    /// so the sender retries later.
    #[error("replay store error: {reason}; answer 503 so the sender retries")]
    Store {
        /// What the store reported.
        reason: Cow<'static, str>,
    },

    /// A bug in hookwire or a binding (for example a caught panic). Please report it.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: Cow<'static, str>,
    },
}

impl Error {
    /// The stable code of this error, the same string in every language binding.
    ///
    /// ```
    /// assert_eq!(hookwire::Error::InvalidSignature.code(), "invalid_signature");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidSignature => "invalid_signature",
            Error::MissingHeader { .. } => "missing_header",
            Error::MalformedHeader { .. } => "malformed_header",
            Error::TimestampTooOld { .. } => "timestamp_too_old",
            Error::TimestampTooNew { .. } => "timestamp_too_new",
            Error::Replayed { .. } => "replayed",
            Error::ReplayInProgress { .. } => "replay_in_progress",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::InvalidSecret { .. } => "invalid_secret",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::InvalidPayload { .. } => "invalid_payload",
            Error::UnknownScheme { .. } => "unknown_scheme",
            Error::UnknownEventType { .. } => "unknown_event_type",
            Error::UnknownDialect { .. } => "unknown_dialect",
            Error::BlockedUrl { .. } => "blocked_url",
            Error::InvalidState { .. } => "invalid_state",
            Error::Store { .. } => "store_error",
            Error::Internal { .. } => "internal",
        }
    }

    /// Every code [`Error::code`] can return, for bindings and documentation.
    pub const CODES: &'static [&'static str] = &[
        "invalid_signature",
        "missing_header",
        "malformed_header",
        "timestamp_too_old",
        "timestamp_too_new",
        "replayed",
        "replay_in_progress",
        "payload_too_large",
        "invalid_secret",
        "invalid_argument",
        "invalid_payload",
        "unknown_scheme",
        "unknown_event_type",
        "unknown_dialect",
        "blocked_url",
        "invalid_state",
        "store_error",
        "internal",
    ];

    /// The HTTP status a receiver should answer a failed verification with, so that senders
    /// react well:
    ///
    /// | status | codes | what the sender does |
    /// |---|---|---|
    /// | 401 | `invalid_signature`, `timestamp_too_old`, `timestamp_too_new` | not authentic: retries, then gives up |
    /// | 200 | `replayed` | already handled: stops |
    /// | 409 | `replay_in_progress` | another delivery is being handled: retries later |
    /// | 413 | `payload_too_large` | gives up |
    /// | 503 | `store_error` | the replay store is down: retries later |
    /// | 500 | `internal`, `invalid_secret`, `unknown_scheme` | the receiver is misconfigured: retries later |
    /// | 400 | any other code | a malformed request |
    ///
    /// The framework helpers of every binding answer with this.
    ///
    /// ```
    /// use hookwire::Error;
    /// assert_eq!(Error::InvalidSignature.response_status(), 401);
    /// assert_eq!(Error::response_status_of("replayed"), 200);
    /// assert_eq!(Error::response_status_of("replay_in_progress"), 409);
    /// assert_eq!(Error::response_status_of("store_error"), 503);
    /// assert_eq!(Error::response_status_of("malformed_header"), 400);
    /// ```
    pub fn response_status(&self) -> u16 {
        Error::response_status_of(self.code())
    }

    /// [`response_status`](Error::response_status) of an error `code` (400 for an unknown code).
    pub fn response_status_of(code: &str) -> u16 {
        match code {
            "invalid_signature" | "timestamp_too_old" | "timestamp_too_new" => 401,
            "replayed" => 200,
            "replay_in_progress" => 409,
            "payload_too_large" => 413,
            "store_error" => 503,
            "internal" | "invalid_secret" | "unknown_scheme" => 500,
            _ => 400,
        }
    }

    pub(crate) fn secret(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidSecret { reason: reason.into() }
    }

    pub(crate) fn blocked(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::BlockedUrl { reason: reason.into() }
    }

    pub(crate) fn state(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidState { reason: reason.into() }
    }

    pub(crate) fn argument(name: &'static str, reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidArgument { name, reason: reason.into() }
    }
}
