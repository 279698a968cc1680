//! # hookwire-stores
//!
//! Shared replay stores for [`hookwire`] receivers: the message a verifier accepted is
//! *claimed* in a store that every process of the receiver sees, *committed* once the handler
//! succeeded, or *released* when it failed so that the sender's retry gets through. The core
//! owns the contract ([`hookwire::SeenStore`]) and every decision (keys, deadlines, what an
//! answer means); this crate only does the I/O, in a SQLite file, PostgreSQL or Redis.
//!
//! Blocking code uses a store as the core's `SeenStore`, in the one-call
//! [`Verifier::verify`](hookwire::Verifier::verify):
//!
//! ```
//! use hookwire::{Scheme, Secret, Verifier};
//! use hookwire_stores::{Store, StoreOptions};
//! # use hookwire::Signer;
//! # let dir = tempfile::tempdir().unwrap();
//! # let url = format!("sqlite://{}", dir.path().join("replay.db").display());
//! # let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! # let (body, headers) = (b"{}", Signer::new(Scheme::hookwire(), secret).sign("msg_1", hookwire::unix_now().as_secs(), b"{}")?);
//!
//! let store = Store::open(&url, &StoreOptions::default().namespace("shop"))?; // sqlite:///var/lib/app/replay.db
//! let verifier = Verifier::new(Scheme::hookwire(), [Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?])
//!     .seen_store(store);
//!
//! let message = verifier.verify(&headers, body)?;       // claimed: a duplicate now gets 409
//! match handle(message.body()) {
//!     Ok(()) => { message.commit()?; }                    // answer 2xx; duplicates get 200
//!     Err(_) => { message.release()?; }                   // answer 500; the retry is accepted
//! }
//! # fn handle(_: &[u8]) -> Result<(), ()> { Ok(()) }
//! # Ok::<(), hookwire::Error>(())
//! ```
//!
//! ## Async servers
//!
//! An async server awaits the store instead: [`AsyncVerifier`] runs the core's checks, then
//! awaits the claim; the message it returns commits and releases with `.await`. An axum
//! handler takes the headers and the raw body (`HeaderMap`, `Bytes`) and answers with the
//! core's status for each error:
//!
//! ```
//! use std::sync::Arc;
//! use hookwire::{Scheme, Secret, Verifier};
//! use hookwire_stores::{AsyncVerifier, Store, StoreOptions};
//! use http::{HeaderMap, StatusCode};
//!
//! // axum: Router::new().route("/webhooks", post(webhook)).with_state(verifier)
//! //   with webhook(State(verifier): State<Arc<AsyncVerifier>>, headers: HeaderMap, body: Bytes)
//! async fn webhook(verifier: Arc<AsyncVerifier>, headers: HeaderMap, body: Vec<u8>) -> StatusCode {
//!     let message = match verifier.verify(&headers, &body).await {
//!         Ok(message) => message,
//!         Err(err) => return StatusCode::from_u16(err.response_status()).unwrap_or(StatusCode::BAD_REQUEST),
//!     };
//!     match handle(message.body()).await {
//!         Ok(()) => match message.commit().await {
//!             Ok(_) => StatusCode::NO_CONTENT,
//!             // Handled, but the store did not hear it: the sender retries and the claim,
//!             // lapsed by then, lets the retry through; a handler that must not run twice
//!             // keeps its own idempotency key.
//!             Err(err) => StatusCode::from_u16(err.response_status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
//!         },
//!         Err(_) => {
//!             let _ = message.release().await; // if this fails, the claim lapses by itself
//!             StatusCode::INTERNAL_SERVER_ERROR
//!         }
//!     }
//! }
//! # async fn handle(_: &[u8]) -> Result<(), ()> { Ok(()) }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), hookwire::Error> {
//! let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let store = Store::open("memory", &StoreOptions::default())?; // or "redis://cache:6379/0", …
//! let verifier = Arc::new(AsyncVerifier::new(Verifier::new(Scheme::hookwire(), [secret.clone()]), store));
//! # let headers = hookwire::Signer::new(Scheme::hookwire(), secret).sign("msg_1", hookwire::unix_now().as_secs(), b"{}")?;
//! assert_eq!(webhook(verifier.clone(), headers.clone(), b"{}".to_vec()).await, StatusCode::NO_CONTENT);
//! assert_eq!(webhook(verifier, headers, b"{}".to_vec()).await, StatusCode::OK); // replayed
//! # Ok(()) }
//! ```
//!
//! ## Which store to pick
//!
//! | store | receivers it serves | survives a restart | choose it when |
//! |---|---|---|---|
//! | `memory` ([`hookwire::MemorySeenStore`]) | one process | no | one process, and a restart inside the window may accept a replay |
//! | `sqlite:///path` ([`SqliteStore`]) | the processes of one machine | yes (the file) | the default: no server, several workers on one host |
//! | `postgres://…` ([`PostgresStore`]) | many machines | yes | you run PostgreSQL already, or replays must stay refused across failovers |
//! | `redis://…` ([`RedisStore`]) | many machines | only with Redis persistence (AOF) | you run Redis already and want the cheapest round trip |
//!
//! Give each sender its own [`StoreOptions::namespace`] when two of them could send the same
//! message ids. Deadlines are the verifiers' clocks: keep the receivers' clocks in sync (NTP).
//!
//! ## When the store is down, and when a claim is lost
//!
//! - A store that does not answer fails the step with `store_error` within
//!   [`StoreOptions::timeout`] (connecting: [`StoreOptions::connect_timeout`]); the verifier
//!   then refuses the message (503, the sender retries). Nothing is ever accepted unrecorded.
//!   When the store is back, the next step reconnects: no restart needed.
//! - A handler slower than the claim time loses its claim: a retry arriving after the
//!   deadline is accepted and claimed anew. The first handler's `commit` then answers
//!   `false` and changes nothing (the message was handled twice: make the claim time longer
//!   than the slowest handler); a late `release` answers `false` too and never deletes the
//!   retry's claim. Neither raises an error.
//!
//! ## Where the I/O runs
//!
//! PostgreSQL and Redis run their I/O on this crate's own runtime (one thread, started on first
//! use and kept for the process), never on the caller's; SQLite runs a step on the caller's
//! thread when it cannot wait (see [`SqliteStore`]) and on that runtime's blocking pool when it
//! may. So:
//!
//! - the blocking API ([`hookwire::SeenStore`]) works from any thread, with no runtime of the
//!   caller's, and waits at most the store's timeouts. Called from a worker of a multi-threaded
//!   tokio runtime, it first tells tokio (`block_in_place`), which moves the worker's other
//!   tasks elsewhere instead of stalling them; on a current-thread runtime that is not
//!   possible, and the call stalls that runtime for one step: use the async API there.
//! - the async API ([`AsyncSeenStore`], [`AsyncVerifier`]) returns `Send` futures that can be
//!   awaited on any executor (they wait on a join handle, not on a reactor or timer of the
//!   caller's), and never block the thread that polls them.
//!
//! Every store is `Clone + Send + Sync` and cheap to clone (clones share connections).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod async_store;
mod async_verify;
mod options;
mod postgres;
mod redis;
mod runtime;
mod sql;
mod sqlite;
mod store;

pub use async_store::{AsyncSeenStore, StoreFuture};
pub use async_verify::{AsyncClaim, AsyncVerified, AsyncVerifier};
pub use options::{
    StoreOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_NAMESPACE, DEFAULT_TIMEOUT,
};
pub use postgres::PostgresStore;
pub use redis::RedisStore;
pub use sqlite::SqliteStore;
pub use store::{Store, DEFAULT_MEMORY_CAPACITY};
