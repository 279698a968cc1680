//! `SeenStore` (the four stores of `hookwire-stores`) and the `Claim` a verified `Message`
//! holds. The core claims, in its one-call verify; the stores keep the claims. Calls block, as
//! is idiomatic on the JVM and in Swift's synchronous code: run them off the main thread.

use std::sync::Arc;
use std::time::Duration;

use hookwire::UnixTime;
use hookwire_stores::{PostgresStore, RedisStore, SqliteStore, Store, StoreOptions};

use crate::convert::{duration_ms, unsigned};
use crate::error::{run, WebhookError};

/// Where verified messages are claimed, committed and released: this process (`memory`), a
/// SQLite file every process of the machine shares, or PostgreSQL or Redis for receivers on
/// many machines.
///
/// ```kotlin
/// val store = SeenStore.sqlite("/var/lib/app/replay.db")
/// val verifier = Verifier(secret, seenStore = store)
/// ```
#[derive(uniffi::Object, Debug)]
pub struct SeenStore(pub(crate) Store);

fn options(namespace: Option<String>, timeout_ms: Option<i64>) -> Result<StoreOptions, WebhookError> {
    let mut options = StoreOptions::default();
    if let Some(namespace) = namespace {
        options = options.namespace(namespace);
    }
    if let Some(ms) = timeout_ms {
        let limit = duration_ms("timeout_ms", ms)?;
        options = options.timeout(limit).connect_timeout(limit);
    }
    Ok(options)
}

#[uniffi::export]
impl SeenStore {
    /// This process only, at most `capacity` messages within their window (full: `store_error`,
    /// never a forgotten message).
    #[uniffi::constructor]
    pub fn memory(capacity: i64) -> Result<Arc<SeenStore>, WebhookError> {
        run(|| Ok(Arc::new(SeenStore(Store::memory(unsigned("capacity", capacity)?)))))
    }

    /// A SQLite file (created if needed) shared by the processes of this machine, kept across
    /// restarts. `namespace`: the table (default `hookwire_replay`); `timeout_ms`: how long a
    /// step may wait for another process's write before it is `store_error` (default 3000).
    #[uniffi::constructor(default(namespace = None, timeout_ms = None))]
    pub fn sqlite(
        path: String,
        namespace: Option<String>,
        timeout_ms: Option<i64>,
    ) -> Result<Arc<SeenStore>, WebhookError> {
        run(|| Ok(Arc::new(SeenStore(SqliteStore::open(&path, &options(namespace, timeout_ms)?)?.into()))))
    }

    /// PostgreSQL (`postgres://user:password@host:port/db`); connects on first use.
    /// `timeout_ms`: how long a step (connecting included) may take before it is `store_error`.
    #[uniffi::constructor(default(namespace = None, timeout_ms = None))]
    pub fn postgres(
        url: String,
        namespace: Option<String>,
        timeout_ms: Option<i64>,
    ) -> Result<Arc<SeenStore>, WebhookError> {
        run(|| Ok(Arc::new(SeenStore(PostgresStore::open(&url, &options(namespace, timeout_ms)?)?.into()))))
    }

    /// Redis (`redis://host:port/db`); connects on first use.
    #[uniffi::constructor(default(namespace = None, timeout_ms = None))]
    pub fn redis(
        url: String,
        namespace: Option<String>,
        timeout_ms: Option<i64>,
    ) -> Result<Arc<SeenStore>, WebhookError> {
        run(|| Ok(Arc::new(SeenStore(RedisStore::open(&url, &options(namespace, timeout_ms)?)?.into()))))
    }

    /// The store a URL names (`memory`, `sqlite:///path`, `postgres://…`, `redis://…`).
    #[uniffi::constructor(default(namespace = None, timeout_ms = None))]
    pub fn open(
        url: String,
        namespace: Option<String>,
        timeout_ms: Option<i64>,
    ) -> Result<Arc<SeenStore>, WebhookError> {
        run(|| Ok(Arc::new(SeenStore(Store::open(&url, &options(namespace, timeout_ms)?)?))))
    }

    /// `memory`, `sqlite`, `postgres` or `redis`.
    pub fn kind(&self) -> String {
        self.0.kind().to_owned()
    }
}

/// The claim a verified message holds in its verifier's replay store.
#[derive(uniffi::Object, Debug, PartialEq, Eq)]
pub struct Claim {
    inner: hookwire::Claim,
    /// The `now` verify was given, if any: the default instant of a commit.
    now: Option<i64>,
}

impl Claim {
    pub(crate) fn new(inner: hookwire::Claim, now: Option<i64>) -> Claim {
        Claim { inner, now }
    }
}

#[uniffi::export]
impl Claim {
    /// Records the message as handled at `now` (unix seconds; default: the `now` verify was
    /// given, else the clock): later deliveries are `replayed`. `false`, and nothing changed,
    /// when the claim was lost (it lapsed and another delivery of the message took it).
    #[uniffi::method(default(now = None))]
    pub fn commit(&self, now: Option<i64>) -> Result<bool, WebhookError> {
        let now = now.or(self.now).map_or_else(UnixTime::now, UnixTime::from_secs);
        run(|| Ok(self.inner.commit_at(now)?))
    }

    /// Gives the claim up (the handler failed): the sender's retry is accepted. `false` when
    /// nothing was released (committed, or lost).
    pub fn release(&self) -> Result<bool, WebhookError> {
        run(|| Ok(self.inner.release()?))
    }

    /// When the claim lapses (unix seconds) if it is neither committed nor released.
    pub fn claim_until(&self) -> i64 {
        self.inner.claim_until().as_secs()
    }
}

/// A claim time in whole seconds (not negative).
pub(crate) fn claim_ttl(seconds: i64) -> Result<Duration, WebhookError> {
    unsigned("claim_ttl", seconds).map(Duration::from_secs)
}
