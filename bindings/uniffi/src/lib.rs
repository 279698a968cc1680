//! Kotlin and Swift bindings of hookwire through uniffi: a thin translation of the Rust core.
//! Every decision (signing, verifying, parsing, retrying) is the core's; this crate converts
//! arguments and results, turns every `hookwire::Error` into the [`WebhookError`] variant of its
//! code and catches panics (`internal`) so none crosses into Kotlin or Swift.
//!
//! Time: the receive side speaks the wire's unit, unix seconds (`Signer.sign`'s timestamp,
//! `Verifier.verify`'s `now`); every delivery-side instant is a uniffi timestamp (Kotlin
//! `java.time.Instant`, Swift `Date`) and every span a uniffi duration (Kotlin
//! `java.time.Duration`, Swift `TimeInterval`), so a unit cannot be mixed up.
#![forbid(unsafe_code)]

uniffi::setup_scaffolding!();

mod convert;
mod delivery;
mod error;
mod event;
mod payload;
mod replay;
mod secret;
mod sign;
mod subscription;
mod verify;

pub use convert::{Headers, MultiHeaders};
pub use delivery::endpoint::{Endpoint, RateLimit, Request};
pub use delivery::health::EndpointHealth;
pub use delivery::outcome::Outcome;
pub use delivery::policy::{Decision, RetryPolicy};
pub use delivery::scheduler::{DueEntry, Scheduler};
pub use delivery::state::{Attempt, Delivery};
pub use delivery::url_guard::{CheckedUrl, UrlGuard};
pub use error::{error_from_code, WebhookError};
pub use event::{event_types, parse_event, sample_event, Event, EventData, EventTypeInfo};
pub use payload::{Actor, Device, Id, Job, Order, OrderItem, Probe, TemperatureUnit, User};
pub use replay::{Claim, SeenStore};
pub use secret::Secret;
pub use sign::Signer;
pub use subscription::Subscription;
pub use verify::{Message, Verifier};

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The stable error codes, in the core's order (`WebhookError.code()` returns one of them).
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    owned(hookwire::Error::CODES)
}

/// The HTTP status a receiver should answer an error `code` with: 401 not authentic, 200
/// replayed, 409 replay in progress, 413 too large, 503 replay store down, 500 misconfigured,
/// 400 malformed (the core's `Error::response_status`).
#[uniffi::export]
pub fn response_status(code: String) -> u16 {
    hookwire::Error::response_status_of(&code)
}

/// The signature scheme names (`hookwire`, `standard-webhooks`, `svix`, `github`, ...).
#[uniffi::export]
pub fn schemes() -> Vec<String> {
    owned(hookwire::Scheme::names())
}

/// The event dialect names (`hookwire`, `ops-center`, `webnet`, ...).
#[uniffi::export]
pub fn dialects() -> Vec<String> {
    hookwire::Dialect::ALL.iter().map(|d| d.name().to_owned()).collect()
}

/// The retry policy presets (`standard-webhooks`, `svix`, ...).
#[uniffi::export]
pub fn retry_policies() -> Vec<String> {
    owned(hookwire::RetryPolicy::names())
}
