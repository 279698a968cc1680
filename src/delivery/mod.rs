//! The sender's building blocks: what to send, when, and what to do with each answer.
//!
//! hookwire never opens a socket or sleeps. The caller's loop asks a [`Scheduler`] what is
//! due, builds each request with the [`Endpoint`], sends it with any HTTP client,
//! turns the answer into an [`Outcome`], records it on the [`Delivery`] (which asks the
//! [`RetryPolicy`] when to try again) and on the endpoint's [`EndpointHealth`], and
//! schedules the next attempt. A [`UrlGuard`] keeps webhooks away from internal networks and
//! a [`TokenBucket`] paces each endpoint.
//!
//! Time is always a parameter: instants are [`UnixTime`](crate::UnixTime), spans are
//! [`std::time::Duration`]. Request signing writes the attempt's unix second, as the schemes do.
//!
//! ```
//! use std::time::Duration;
//! use hookwire::{Delivery, DeliveryState, Outcome, RetryPolicy, Scheduler, UnixTime};
//!
//! let policy = RetryPolicy::standard_webhooks();
//! let t0 = UnixTime::from_secs(1_700_000_000);
//! let mut scheduler = Scheduler::new();
//! let mut delivery = Delivery::new("msg_1", t0);
//! scheduler.schedule(delivery.id().to_owned(), t0);
//!
//! // The first attempt is due at once; the receiver answers 503 after 80 ms.
//! let due = scheduler.pop_due(t0, 10);
//! assert_eq!(due, [("msg_1".to_owned(), t0)]);
//! let outcome = Outcome::from_response(503, &http::HeaderMap::new(), Duration::from_millis(80));
//! let ended = t0 + Duration::from_millis(80);
//! let state = delivery.record(&policy, t0, &outcome, b"busy", ended)?;
//! // 503 is a throttle: at least 60 s, even though the schedule says 5 s.
//! let next_at = ended + Duration::from_secs(60);
//! assert_eq!(state, &DeliveryState::Retrying { next_at });
//! scheduler.schedule(delivery.id().to_owned(), next_at);
//! assert_eq!(scheduler.next_due(), Some(next_at));
//! # Ok::<(), hookwire::Error>(())
//! ```

mod endpoint;
mod health;
mod message;
mod outcome;
mod policy;
mod rate;
mod run;
mod scheduler;
mod state;
mod url_guard;

pub use endpoint::{Endpoint, DEFAULT_MAX_PAYLOAD, DEFAULT_TIMEOUT, USER_AGENT};
pub use health::{DisableReason, EndpointHealth, HealthPolicy, HealthTransition};
pub use message::OutgoingMessage;
pub use outcome::{Classifier, Failure, Outcome, OutcomeClass, RetryAfter};
pub use policy::{Backoff, Decision, GiveUpReason, Jitter, RetryPolicy};
pub use rate::{RateLimit, TokenBucket};
pub use run::DeliveryRun;
pub use scheduler::Scheduler;
pub use state::{Attempt, Delivery, DeliveryState, DEFAULT_RESPONSE_BODY_LIMIT};
pub use url_guard::{CheckedUrl, Host, UrlGuard};
