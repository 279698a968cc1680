//! The sender's building blocks: what to send, when, and what to do with each answer.
//!
//! hookwire never opens a socket or sleeps. The caller's loop asks a [`Scheduler`] what is
//! due, builds each request with a [`RequestBuilder`], sends it with any HTTP client,
//! turns the answer into an [`Outcome`], records it on the [`Delivery`] (which asks the
//! [`RetryPolicy`] when to try again) and on the endpoint's [`EndpointHealth`], and
//! schedules the next attempt. A [`UrlGuard`] keeps webhooks away from internal networks and
//! a [`TokenBucket`] paces each endpoint.
//!
//! Time is always a parameter: instants are **unix milliseconds** (`i64`), spans are
//! [`std::time::Duration`]. Request signing uses unix seconds, as the schemes do.
//!
//! ```
//! use std::time::Duration;
//! use hookwire::{Delivery, DeliveryState, Outcome, RetryPolicy, Scheduler};
//!
//! let policy = RetryPolicy::standard_webhooks();
//! let mut scheduler = Scheduler::new();
//! let mut delivery = Delivery::new("msg_1", 0);
//! scheduler.schedule(delivery.id().to_owned(), 0);
//!
//! // The first attempt is due at once; the receiver answers 503.
//! let due = scheduler.pop_due(0, 10);
//! assert_eq!(due, [("msg_1".to_owned(), 0)]);
//! let outcome = Outcome::from_response(503, &http::HeaderMap::new(), Duration::from_millis(80));
//! let state = delivery.record(&policy, 0, &outcome, b"busy", 80)?;
//! // 503 is a throttle: at least 60 s, even though the schedule says 5 s.
//! assert_eq!(state, &DeliveryState::Retrying { next_at: 60_080 });
//! scheduler.schedule(delivery.id().to_owned(), 60_080);
//! assert_eq!(scheduler.next_due(), Some(60_080));
//! # Ok::<(), hookwire::Error>(())
//! ```

mod health;
mod outcome;
mod policy;
mod rate;
mod request;
mod scheduler;
mod state;
mod url_guard;

pub use health::{DisableReason, EndpointHealth, HealthPolicy, HealthTransition};
pub use outcome::{Classifier, Failure, Outcome, OutcomeClass, RetryAfter};
pub use policy::{Backoff, Decision, GiveUpReason, Jitter, RetryPolicy};
pub use rate::TokenBucket;
pub use request::{Message, RequestBuilder, DEFAULT_MAX_PAYLOAD, USER_AGENT};
pub use scheduler::Scheduler;
pub use state::{Attempt, Delivery, DeliveryState, DEFAULT_RESPONSE_BODY_LIMIT};
pub(crate) use url_guard::shown_url;
pub use url_guard::{CheckedUrl, Host, UrlGuard};

/// Converts a span to whole milliseconds, saturating.
pub(crate) fn millis(span: std::time::Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}
