//! The one error type of hookwire, with a stable machine-readable code per variant.

use std::borrow::Cow;

/// Declares [`Error`] from one table: each variant's doc, message, fields, stable code and the
/// HTTP status a receiver answers it with. `code()`, [`Error::CODES`], `response_status_of`,
/// `details()` and [`Error::KINDS`] (which the bindings' error classes are generated from) are
/// all written from it, so no code is listed twice.
macro_rules! errors {
    (
        $(#[doc = $doc:literal])*
        ;
        $(
            $(#[doc = $vdoc:literal])*
            #[error($($message:tt)*)]
            $variant:ident $({ $( $(#[doc = $fdoc:literal])* $field:ident : $fty:ty ),* $(,)? })?
                = $code:literal => $status:literal,
        )*
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub enum Error {
            $(
                $(#[doc = $vdoc])*
                #[error($($message)*)]
                $variant $({ $( $(#[doc = $fdoc])* $field: $fty ),* })?,
            )*
        }

        impl Error {
            /// The stable code of this error, the same string in every language binding.
            ///
            /// ```
            /// assert_eq!(hookwire::Error::InvalidSignature.code(), "invalid_signature");
            /// ```
            pub fn code(&self) -> &'static str {
                match self {
                    $(Error::$variant { .. } => $code,)*
                }
            }

            /// Every code [`Error::code`] can return, for bindings and documentation.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// Every kind of error: code, variant, status, summary and the fields it carries,
            /// in the order of [`Error::CODES`]. The bindings' error classes are generated from
            /// it (`bindings/errors.json`, written by `tests/error_kinds.rs`).
            pub const KINDS: &'static [ErrorKind] = &[$(
                ErrorKind {
                    code: $code,
                    variant: stringify!($variant),
                    status: $status,
                    summary: concat!($($vdoc),*),
                    fields: &[$($(
                        ErrorField {
                            name: stringify!($field),
                            kind: <$fty as DetailOf>::KIND,
                            summary: concat!($($fdoc),*),
                        },
                    )*)?],
                },
            )*];

            /// [`response_status`](Error::response_status) of an error `code` (400 for an unknown
            /// code).
            pub fn response_status_of(code: &str) -> u16 {
                match code {
                    $($code => $status,)*
                    _ => 400,
                }
            }

            /// The error's details as (field, value), for the structured fields of the bindings'
            /// errors (Python attributes, JS properties, Kotlin/Swift fields): every field of the
            /// variant but `reason`, the prose that is already part of the message.
            ///
            /// ```
            /// use hookwire::{Detail, Error};
            /// let err = Error::PayloadTooLarge { size: 2_000_000, limit: 1_048_576 };
            /// assert_eq!(err.details(), [("size", Detail::Number(2_000_000)), ("limit", Detail::Number(1_048_576))]);
            /// ```
            pub fn details(&self) -> Vec<(&'static str, Detail<'_>)> {
                #[allow(unused_mut)]
                let mut details = Vec::new();
                match self {
                    $(Error::$variant $({ $($field),* })? => {
                        $($(details.push((stringify!($field), $field.detail()));)*)?
                    })*
                }
                details.retain(|(name, _)| *name != "reason");
                details
            }
        }
    };
}

/// One kind of [`Error`]: an entry of [`Error::KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorKind {
    /// The stable code (`invalid_signature`).
    pub code: &'static str,
    /// The Rust variant (`InvalidSignature`): also the Kotlin/Swift name.
    pub variant: &'static str,
    /// The HTTP status a receiver answers it with ([`Error::response_status`]).
    pub status: u16,
    /// What it means, in one sentence (the variant's doc).
    pub summary: &'static str,
    /// The fields the variant carries, in order; see [`ErrorKind::details`].
    pub fields: &'static [ErrorField],
}

impl ErrorKind {
    /// The fields that are details ([`Error::details`]): all but `reason`.
    pub fn details(&self) -> impl Iterator<Item = &'static ErrorField> {
        self.fields.iter().filter(|field| field.name != "reason")
    }
}

/// A field of an [`ErrorKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorField {
    /// The field's name (`header`, `limit`, `age`).
    pub name: &'static str,
    /// What its value is.
    pub kind: DetailKind,
    /// What it says (the field's doc).
    pub summary: &'static str,
}

/// The type of a detail: what a binding turns it into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DetailKind {
    /// Text.
    Text,
    /// A whole number ≥ 0 (bytes, seconds).
    Number,
    /// A list of names.
    Names,
}

impl DetailKind {
    /// `text`, `number` or `names`.
    pub fn name(self) -> &'static str {
        match self {
            DetailKind::Text => "text",
            DetailKind::Number => "number",
            DetailKind::Names => "names",
        }
    }
}

/// The value of one of an error's [`details`](Error::details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail<'a> {
    /// Text (a header name, a message id, a hint).
    Text(&'a str),
    /// A whole number (bytes, seconds).
    Number(u64),
    /// Names (the schemes or dialects hookwire knows).
    Names(&'a [&'static str]),
}

/// The field types of [`Error`]'s variants, as details.
trait DetailOf {
    const KIND: DetailKind;
    fn detail(&self) -> Detail<'_>;
}

impl DetailOf for Cow<'static, str> {
    const KIND: DetailKind = DetailKind::Text;
    fn detail(&self) -> Detail<'_> {
        Detail::Text(self)
    }
}

impl DetailOf for String {
    const KIND: DetailKind = DetailKind::Text;
    fn detail(&self) -> Detail<'_> {
        Detail::Text(self)
    }
}

impl DetailOf for &'static str {
    const KIND: DetailKind = DetailKind::Text;
    fn detail(&self) -> Detail<'_> {
        Detail::Text(self)
    }
}

impl DetailOf for u64 {
    const KIND: DetailKind = DetailKind::Number;
    fn detail(&self) -> Detail<'_> {
        Detail::Number(*self)
    }
}

impl DetailOf for usize {
    const KIND: DetailKind = DetailKind::Number;
    fn detail(&self) -> Detail<'_> {
        Detail::Number(u64::try_from(*self).unwrap_or(u64::MAX))
    }
}

impl DetailOf for &'static [&'static str] {
    const KIND: DetailKind = DetailKind::Names;
    fn detail(&self) -> Detail<'_> {
        Detail::Names(self)
    }
}

errors! {
    /// Everything that can go wrong in hookwire.
    ///
    /// Every variant has a stable [`code`](Error::code) string that is identical in every language
    /// hookwire is bound to (Python `err.code`, JavaScript `err.code`, Kotlin/Swift enum), so callers
    /// can branch on it and log it, and [`details`](Error::details) that reach every language as
    /// structured fields (`err.header`, `err.limit`). The `Display` text is for humans: it says what
    /// went wrong and, where there is a usual cause, what to do about it. It never contains secret
    /// material.
    ///
    /// ```
    /// use hookwire::{Error, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::hookwire(), [Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()]);
    /// let err = verifier.verify_at(&http::HeaderMap::new(), b"{}", 1_700_000_000).unwrap_err();
    /// assert_eq!(err.code(), "missing_header");
    /// assert!(matches!(err, Error::MissingHeader { .. }));
    /// ```
    ;
    /// No signature in the request matched any configured secret.
    #[error(
        "signature mismatch: no signature matched any configured secret; are you passing the raw \
         request body (not re-serialized JSON) and the secret of this endpoint?"
    )]
    InvalidSignature = "invalid_signature" => 401,

    /// A header the scheme requires is absent.
    #[error("missing header `{header}`: is this request from a sender using the {scheme} scheme?")]
    MissingHeader {
        /// The header name, as the scheme spells it.
        header: Cow<'static, str>,
        /// The scheme that requires it.
        scheme: Cow<'static, str>,
    } = "missing_header" => 400,

    /// A header is present but its value cannot be used.
    #[error("malformed header `{header}`: {reason}")]
    MalformedHeader {
        /// The header name, as the scheme spells it.
        header: Cow<'static, str>,
        /// What is wrong with the value.
        reason: Cow<'static, str>,
    } = "malformed_header" => 400,

    /// The message's timestamp (signed or not) is further in the past than the tolerance allows.
    #[error(
        "timestamp too old: sent {age}s ago, tolerance is {tolerance}s; a replay, a long queue or \
         a slow clock at the sender"
    )]
    TimestampTooOld {
        /// Seconds between the timestamp and now.
        age: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
    } = "timestamp_too_old" => 401,

    /// The message's timestamp (signed or not) is further in the future than the tolerance allows.
    #[error("timestamp too new: {ahead}s in the future, tolerance is {tolerance}s; {hint}")]
    TimestampTooNew {
        /// Seconds between now and the timestamp.
        ahead: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
        /// The most likely cause.
        hint: &'static str,
    } = "timestamp_too_new" => 401,

    /// The message id was seen before within the replay window.
    #[error("replayed: message `{id}` was already accepted; answer 2xx without processing it again")]
    Replayed {
        /// The replay key (the message id where the scheme signs it, else a digest of the signed
        /// timestamp and the body; never the signature).
        id: String,
    } = "replayed" => 200,

    /// Another delivery of the same message is being handled right now (it holds the claim).
    #[error(
        "replay in progress: message `{id}` is being handled by another delivery; answer 409 so the \
         sender retries later"
    )]
    ReplayInProgress {
        /// The replay key of the message.
        id: String,
    } = "replay_in_progress" => 409,

    /// A body is larger than the configured limit.
    #[error("payload too large: {size} bytes, the limit is {limit} bytes")]
    PayloadTooLarge {
        /// Size of the body in bytes.
        size: usize,
        /// The configured limit in bytes.
        limit: usize,
    } = "payload_too_large" => 413,

    /// A secret cannot be used (empty, badly encoded, too short, wrong kind for the scheme).
    #[error("invalid secret: {reason}")]
    InvalidSecret {
        /// What is wrong; never contains the secret itself.
        reason: Cow<'static, str>,
    } = "invalid_secret" => 500,

    /// An argument given to hookwire is not acceptable (an id with a `.`, a negative timestamp,
    /// an invalid header name in a custom scheme, ...).
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        argument: &'static str,
        /// Why it is rejected.
        reason: Cow<'static, str>,
    } = "invalid_argument" => 400,

    /// A body is not the JSON the caller asked for.
    #[error("invalid payload: {reason}")]
    InvalidPayload {
        /// What is wrong, naming the field where there is one.
        reason: Cow<'static, str>,
    } = "invalid_payload" => 400,

    /// A scheme name is not one hookwire knows.
    #[error("unknown scheme `{scheme}`; known schemes: {}", known.join(", "))]
    UnknownScheme {
        /// The name that was asked for.
        scheme: String,
        /// The names hookwire knows ([`Scheme::names`](crate::Scheme::names)).
        known: &'static [&'static str],
    } = "unknown_scheme" => 500,

    /// An event type hookwire does not know, where the caller asked for strictness.
    #[error("unknown event type `{event_type}`; see hookwire::catalog() for the known types")]
    UnknownEventType {
        /// The type that was found.
        event_type: String,
    } = "unknown_event_type" => 400,

    /// A dialect name is not one hookwire knows.
    #[error("unknown dialect `{dialect}`; known dialects: {}", known.join(", "))]
    UnknownDialect {
        /// The name that was asked for.
        dialect: String,
        /// The names hookwire knows ([`Dialect::names`](crate::Dialect::names)).
        known: &'static [&'static str],
    } = "unknown_dialect" => 400,

    /// A URL or address a webhook would be sent to is refused by the
    /// [`UrlGuard`](crate::UrlGuard) (private, loopback, metadata, userinfo, plain http where
    /// https is required, ...).
    #[error("blocked url: {reason}")]
    BlockedUrl {
        /// Why the destination is refused.
        reason: Cow<'static, str>,
    } = "blocked_url" => 400,

    /// An operation does not fit the current state (recording an attempt on a delivery that
    /// already succeeded, retrying one that is still pending, ...).
    #[error("invalid state: {reason}")]
    InvalidState {
        /// What the state is and what was asked.
        reason: Cow<'static, str>,
    } = "invalid_state" => 400,

    /// A store could not answer: a replay store ([`SeenStore`](crate::SeenStore): full,
    /// unreachable, ...), so a receiver answers 503 and the sender retries later. The outbox's
    /// database errors (`hookwire-outbox`, `outbox store error: …`) share the code.
    #[error("replay store error: {reason}; answer 503 so the sender retries")]
    Store {
        /// What the store reported.
        reason: Cow<'static, str>,
    } = "store_error" => 503,

    /// A bug in hookwire or a binding (for example a caught panic). Please report it.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: Cow<'static, str>,
    } = "internal" => 500,
}

impl Error {
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

    pub(crate) fn secret(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidSecret { reason: reason.into() }
    }

    pub(crate) fn blocked(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::BlockedUrl { reason: reason.into() }
    }

    pub(crate) fn state(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidState { reason: reason.into() }
    }

    pub(crate) fn argument(argument: &'static str, reason: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidArgument { argument, reason: reason.into() }
    }
}
