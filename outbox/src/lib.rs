//! # hookwire-outbox
//!
//! Durable webhook delivery built on [`hookwire`]'s decisions: an outbox that keeps every
//! message, delivery and attempt in a database, and a worker that sends, retries and survives
//! crashes. SQLite (one file, no server) is the embedded default; PostgreSQL lets many workers
//! on many machines share the work.
//!
//! ```no_run
//! use std::time::Duration;
//! use hookwire_outbox::{NewEndpoint, Outbox, Publish, RetrySpec};
//!
//! # async fn demo() -> Result<(), hookwire_outbox::Error> {
//! let outbox = Outbox::open("sqlite:///var/lib/app/webhooks.db").await?;
//! outbox
//!     .add_endpoint(
//!         NewEndpoint::new("https://hooks.example.com/in", "standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//!             .events(["order.*"])
//!             .retry(RetrySpec::preset("ops-center")),
//!     )
//!     .await?;
//!
//! // In a request handler: store the message; the worker sends it.
//! let published = outbox.publish(Publish::event("order.created", serde_json::json!({"id": 1001}))).await?;
//!
//! // In the background (or `hookwire outbox worker`):
//! let worker = outbox.worker().spawn(&tokio::runtime::Handle::current())?;
//! # let _ = published;
//! worker.stop(Duration::from_secs(10)).await;
//! # Ok(()) }
//! ```
//!
//! ## Guarantees
//!
//! - **At least once.** A message is stored before `publish` returns; a delivery is final only
//!   after an attempt's outcome is recorded. A worker that crashes mid-request leaves a lease
//!   that expires, and the delivery is sent again — so a receiver may see a message twice.
//! - **The same webhook id** (the message id) on every attempt, retry and resend: receivers
//!   deduplicate on it. Each attempt is signed afresh (new timestamp, same id).
//! - **No ordering** across messages: deliveries are claimed by due time and sent
//!   concurrently; a retry can overtake nothing and be overtaken by anything.
//! - **Fencing.** A claim carries a token and a lease; a worker whose lease expired (or whose
//!   delivery an operator took over) cannot record anything.
//!
//! ## Where the decisions come from
//!
//! The worker asks the core for every decision: [`hookwire::RetryPolicy`] (with
//! `Retry-After`), [`hookwire::Outcome`], [`hookwire::EndpointHealth`] (auto-disable, 410 at
//! once), [`hookwire::TokenBucket`], [`hookwire::UrlGuard`] (every resolved address is
//! checked and the checked one connected to; redirects are never followed) and
//! [`hookwire::Endpoint`] (each attempt's signed request). All of those calls live in one
//! module, so the core's API can change under it in one place.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(hidden)]
pub mod bench;
mod decisions;
mod delivery;
mod endpoint;
mod error;
mod fanout;
mod id;
mod message;
mod outbox;
mod stats;
mod store;

mod transport;
mod worker;

pub use decisions::url_guard;
pub use delivery::{AttemptRecord, DeliveryFilter, DeliveryRecord, DeliveryStatus};
pub use endpoint::{Endpoint, EndpointUpdate, NewEndpoint, RateLimit, RetrySpec, DEFAULT_MAX_IN_FLIGHT};
pub use error::{Error, Result};
pub use hookwire::UnixTime;
pub use message::{MessageRecord, Publish, Published};
pub use outbox::Outbox;
pub use stats::{EndpointStats, Metrics, Purged};
pub use store::{PostgresStore, SqliteStore};
pub use transport::{HttpClient, HttpResponse, Resolver, SendError};
pub use worker::{
    WorkerBuilder, WorkerHandle, WorkerReport, DEFAULT_CONCURRENCY, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
    MAX_CONCURRENCY,
};

/// The PostgreSQL client crate this outbox speaks, for [`Outbox::publish_in`].
pub use tokio_postgres;

/// The newest schema version this build knows (the number of the last migration).
pub const SCHEMA_VERSION: i64 = store::LATEST;
