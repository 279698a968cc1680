//! # hookwire
//!
//! Sign, verify and deliver webhooks: one small, audited core for the senders and the receivers
//! of webhooks, with the same behaviour from Rust, Python, Node, Kotlin and Swift.
//!
//! Receiving: verify the **raw** body and the headers, then use the message.
//!
//! ```
//! use hookwire::{Scheme, Secret, Verifier};
//! # use hookwire::Signer;
//! # let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! # let body: &[u8] = br#"{"id":"evt_1","type":"order.created"}"#;
//! # let headers = Signer::new(Scheme::hookwire(), secret).sign("msg_1", 1_700_000_000, body)?;
//!
//! let verifier = Verifier::new(Scheme::hookwire(), [Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?]);
//! match verifier.verify_at(&headers, body, 1_700_000_010) {
//!     Ok(message) => println!("accepted {:?}", message.id()),          // answer 2xx
//!     Err(err) => eprintln!("answer {}: {} ({err})", err.response_status(), err.code()),
//! }
//! # Ok::<(), hookwire::Error>(())
//! ```
//!
//! Sending: sign the exact bytes you send, with a fresh timestamp on every attempt.
//!
//! ```
//! use hookwire::{Scheme, Secret, Signer};
//!
//! let signer = Signer::new(Scheme::standard_webhooks(), Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//! let body = br#"{"type":"order.created"}"#;
//! let headers = signer.sign("msg_2Kx", 1_700_000_000, body)?;
//! assert!(headers["webhook-signature"].to_str().unwrap().starts_with("v1,"));
//! # Ok::<(), hookwire::Error>(())
//! ```
//!
//! ## The one subtle point
//!
//! A signature covers bytes, not JSON. Verify the body exactly as it arrived, before any
//! framework parses it: `{"a":1}` and `{"a": 1}` are different messages. Comparisons are
//! constant-time, timestamps are checked in both directions, and every failure is an
//! [`Error`] with a stable [`code`](Error::code).
//!
//! Schemes: [`Scheme`] lists the twelve presets (hookwire, Standard Webhooks, Svix, GitHub,
//! Stripe, Shopify, Slack, Device Service, Ops Center, webnet, HomeChef, AuraConnect) and
//! [`Scheme::builder`] describes any other provider.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod delivery;
mod error;
mod event;
mod headers;
mod mac;
mod names;
mod replay;
mod scheme;
mod secret;
mod sign;
mod subscription;
mod time;
mod verify;

pub use delivery::{
    Attempt, Backoff, CheckedUrl, Classifier, Decision, Delivery, DeliveryRun, DeliveryState, DisableReason,
    Endpoint, EndpointHealth, Failure, GiveUpReason, HealthPolicy, HealthTransition, Host, Jitter, Outcome,
    OutcomeClass, OutgoingMessage, RateLimit, RetryAfter, RetryPolicy, Scheduler, TokenBucket, UrlGuard,
    DEFAULT_MAX_PAYLOAD, DEFAULT_RESPONSE_BODY_LIMIT, DEFAULT_TIMEOUT, USER_AGENT,
};
pub use error::{Detail, DetailKind, Error, ErrorField, ErrorKind};
pub use event::{
    catalog, lookup, payload_types, sample, Actor, Decimal, Device, Dialect, Event, EventTypeInfo, Extra,
    Family, Id, Job, Json, Order, OrderItem, Payload, PayloadField, Probe, TemperatureUnit, Timestamp, User,
    MAX_DEPTH, MAX_EVENT_BYTES,
};
pub use headers::HeaderSource;
pub use replay::{ClaimOutcome, ClaimRequest, ClaimToken, MemorySeenStore, SeenStore, DEFAULT_CLAIM_TTL};
pub use scheme::{
    Encoding, KeyRule, Part, Scheme, SchemeBuilder, SignatureEntry, TimestampKind, MAX_SIGNATURE_ENTRIES,
};
pub use secret::Secret;
pub use sign::{new_message_id, Signer, MAX_ID_LEN};
pub use subscription::{EventPattern, Subscription};
pub use time::{unix_now, UnixTime, DEFAULT_TOLERANCE};
pub use verify::{Claim, Verified, Verifier, DEFAULT_MAX_BODY};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
