//! The engines: one [`Store`] trait, implemented on an SQLite file (the embedded default) and
//! on PostgreSQL (many workers on many machines). The store *is* the queue: a delivery is a
//! row, a claim is one statement, and every change a worker makes is fenced by its claim token.

mod migrations;
mod postgres;
mod sqlite;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hookwire::{HealthPolicy, Outcome};

pub(crate) use self::migrations::LATEST;
pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;
use crate::decisions::{Next, Run};
use crate::endpoint::EndpointRow;
use crate::fanout::Matcher;
use crate::{
    AttemptRecord, DeliveryFilter, DeliveryRecord, EndpointStats, Error, MessageRecord, Metrics, Published,
    Purged, Result, UnixTime,
};

/// A new message, ready to store and fan out.
#[derive(Debug, Clone)]
pub(crate) struct NewMessage {
    pub id: String,
    pub event_type: String,
    pub payload: Vec<u8>,
    pub event: Option<hookwire::Event>,
    pub idempotency_key: Option<String>,
    pub tenant: Option<String>,
    pub now: UnixTime,
}

/// What a worker asks for.
#[derive(Debug, Clone)]
pub(crate) struct ClaimRequest {
    pub worker: String,
    pub token: String,
    pub now: UnixTime,
    pub lease: Duration,
    pub limit: u32,
    /// Endpoints this worker cannot send to right now (pacing): their deliveries stay put.
    pub exclude: Vec<String>,
}

/// A claimed delivery, with what sending it needs.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub delivery_id: String,
    pub message_id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub payload: Arc<Vec<u8>>,
    /// Attempts made before this one.
    pub attempts: u32,
    pub run: Run,
    pub endpoint_version: i64,
    pub endpoint_enabled: bool,
    pub token: String,
}

/// One attempt, as recorded.
#[derive(Debug, Clone)]
pub(crate) struct AttemptRow {
    pub number: u32,
    pub started_at: UnixTime,
    pub duration: Duration,
    pub status: Option<u16>,
    pub class: &'static str,
    pub failure: Option<&'static str>,
    pub error: Option<String>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
    pub response_truncated: bool,
    pub manual: bool,
    pub worker: String,
}

/// The end of a claim: what happened and where the delivery goes.
#[derive(Debug, Clone)]
pub(crate) struct Completion {
    pub delivery_id: String,
    pub endpoint_id: String,
    pub token: String,
    pub now: UnixTime,
    /// `None` when the delivery ends without an attempt (its endpoint was disabled).
    pub attempt: Option<AttemptRow>,
    pub outcome: Option<Outcome>,
    pub health: HealthPolicy,
    pub next: Next,
    pub last_error: Option<String>,
}

impl Completion {
    /// The columns the delivery row gets, given whether its endpoint is (still) enabled.
    pub(crate) fn columns(&self, endpoint_enabled: bool) -> Ending {
        let next = match &self.next {
            Next::Retry { .. } if !endpoint_enabled => {
                Next::GiveUp { reason: crate::decisions::ENDPOINT_DISABLED }
            }
            other => other.clone(),
        };
        match next {
            Next::Succeeded => {
                Ending { status: "succeeded", due_at: None, give_up: None, finished_at: Some(self.now) }
            }
            Next::Retry { at } => {
                Ending { status: "retrying", due_at: Some(at), give_up: None, finished_at: None }
            }
            Next::GiveUp { reason } => {
                Ending { status: "failed", due_at: None, give_up: Some(reason), finished_at: Some(self.now) }
            }
        }
    }

    pub(crate) fn counts_in_run(&self) -> i64 {
        i64::from(self.attempt.as_ref().is_some_and(|a| !a.manual))
    }
}

/// A delivery row's new state.
pub(crate) struct Ending {
    pub status: &'static str,
    pub due_at: Option<UnixTime>,
    pub give_up: Option<&'static str>,
    pub finished_at: Option<UnixTime>,
}

/// The operations every engine provides, with the same behaviour (one conformance suite runs
/// against both). Futures are `Send` so an [`Outbox`](crate::Outbox) can be used from any
/// runtime thread.
pub(crate) trait Store: Send + Sync + 'static {
    /// Stores a new endpoint; `invalid_state` when its id is taken.
    fn add_endpoint(&self, row: EndpointRow) -> impl Future<Output = Result<()>> + Send;
    /// Writes an endpoint's settings (URL, scheme, secrets, config) and bumps its version, if
    /// its version is still `expected`; `false` when it changed meanwhile. `not_found` when it
    /// is gone.
    fn update_endpoint(
        &self,
        row: &EndpointRow,
        expected: i64,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Removes an endpoint, its deliveries and their attempts, in one transaction.
    fn delete_endpoint(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// One endpoint, secrets included (for the worker).
    fn endpoint_row(&self, id: &str) -> impl Future<Output = Result<Option<EndpointRow>>> + Send;
    /// Every endpoint, oldest first.
    fn endpoint_rows(&self) -> impl Future<Output = Result<Vec<EndpointRow>>> + Send;
    /// Enables (with a clean health record) or disables an endpoint; disabling fails its
    /// pending and retrying deliveries (`endpoint_disabled`), claimed ones included.
    fn set_enabled(
        &self,
        id: &str,
        enabled: bool,
        reason: &str,
        now: UnixTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Stores a message and one delivery per matching enabled endpoint, in one transaction;
    /// a repeated idempotency key stores nothing.
    fn publish(
        &self,
        message: NewMessage,
        matcher: Arc<Matcher>,
    ) -> impl Future<Output = Result<Published>> + Send;
    /// Claims up to `limit` due deliveries: each gets the claim token and a lease; once the
    /// lease ends the delivery is due again (reclaim). SQLite moves the due time to the lease's
    /// end; PostgreSQL leaves it (so the update of its queue table is HOT) and skips deliveries
    /// whose lease holds, reporting the lease's end as their due time (`next_due`,
    /// `next_attempt_at`, metrics).
    fn claim(&self, request: ClaimRequest) -> impl Future<Output = Result<Vec<Claimed>>> + Send;
    /// Extends a lease the caller still holds; `false` when it was lost.
    fn renew(
        &self,
        id: &str,
        token: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Gives a claimed delivery back without an attempt, due at `due`.
    fn release(&self, id: &str, token: &str, due: UnixTime) -> impl Future<Output = Result<bool>> + Send;
    /// Records attempts, the deliveries' next states and the endpoints' health, in one
    /// transaction (group commit). Each completion is written only if its claim token still
    /// holds an unexpired lease; the others come back as `lease_lost` and write nothing.
    /// The batch is shared, not moved: the worker tries a failed write again with the same one.
    fn complete(&self, batch: Arc<[Completion]>) -> impl Future<Output = Result<Vec<Result<()>>>> + Send;
    /// [`complete`](Store::complete) for one.
    #[cfg(test)]
    fn complete_one(&self, completion: Completion) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut results = self.complete(Arc::from([completion])).await?;
            results.pop().unwrap_or(Ok(()))
        }
    }
    /// The earliest due time of a pending or retrying delivery.
    fn next_due(&self) -> impl Future<Output = Result<Option<UnixTime>>> + Send;
    /// Deliveries pending or retrying.
    fn active_count(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Deliveries matching a filter, newest first.
    fn deliveries(&self, filter: DeliveryFilter) -> impl Future<Output = Result<Vec<DeliveryRecord>>> + Send;
    /// One delivery.
    fn delivery(&self, id: &str) -> impl Future<Output = Result<Option<DeliveryRecord>>> + Send;
    /// A delivery's attempts, oldest first.
    fn attempts(&self, delivery_id: &str) -> impl Future<Output = Result<Vec<AttemptRecord>>> + Send;
    /// One message.
    fn message(&self, id: &str) -> impl Future<Output = Result<Option<MessageRecord>>> + Send;
    /// Makes a delivery due now: pending/retrying ones keep their run, failed/cancelled ones
    /// get one manual attempt. Fences out a worker holding it.
    fn retry(&self, id: &str, now: UnixTime) -> impl Future<Output = Result<DeliveryRecord>> + Send;
    /// Starts a new run of a final delivery of `message` to `endpoint` (creating the delivery
    /// when there is none), due now.
    fn resend(
        &self,
        message_id: &str,
        endpoint_id: &str,
        now: UnixTime,
    ) -> impl Future<Output = Result<DeliveryRecord>> + Send;
    /// Failed deliveries of an endpoint created in `[since, until)`, started on a new run
    /// unless `dry_run`.
    fn recover(
        &self,
        endpoint_id: &str,
        since: UnixTime,
        until: UnixTime,
        dry_run: bool,
        now: UnixTime,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Cancels a pending or retrying delivery.
    fn cancel(&self, id: &str, now: UnixTime) -> impl Future<Output = Result<DeliveryRecord>> + Send;
    /// Per-endpoint statistics.
    fn stats(&self) -> impl Future<Output = Result<Vec<EndpointStats>>> + Send;
    /// The metrics snapshot.
    fn metrics(&self, now: UnixTime) -> impl Future<Output = Result<Metrics>> + Send;
    /// Removes final deliveries finished before `before`, their attempts, and messages left
    /// without deliveries.
    fn purge(&self, before: UnixTime) -> impl Future<Output = Result<Purged>> + Send;
    /// The schema version.
    fn schema_version(&self) -> impl Future<Output = Result<i64>> + Send;
}

/// A database URL: `sqlite:///absolute/path.db`, `sqlite://relative.db` or `postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    pub(crate) fn parse(url: &str) -> Result<Location> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::argument(
                    "db",
                    "`sqlite://` needs a file path: sqlite:///path/to/outbox.db",
                ));
            }
            return Ok(Location::Sqlite(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_owned()));
        }
        Err(Error::argument(
            "db",
            format!(
                "`{url}` is not a database URL: use sqlite:///path/to/outbox.db or postgres://user@host/db"
            ),
        ))
    }
}

/// The two engines behind one type, so an [`Outbox`](crate::Outbox) is not generic.
pub(crate) enum Engine {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Engine::Sqlite($store) => $call.await,
            Engine::Postgres($store) => $call.await,
        }
    };
}

impl Engine {
    pub(crate) async fn open(url: &str) -> Result<Engine> {
        match Location::parse(url)? {
            Location::Sqlite(path) => Ok(Engine::Sqlite(SqliteStore::open(&path).await?)),
            Location::Postgres(url) => Ok(Engine::Postgres(PostgresStore::open(&url).await?)),
        }
    }

    /// The PostgreSQL engine's wake-up channel, if this is one.
    pub(crate) fn postgres(&self) -> Option<&PostgresStore> {
        match self {
            Engine::Postgres(store) => Some(store),
            Engine::Sqlite(_) => None,
        }
    }
}

/// Claims made by each worker id, counted in test builds only: a test sees how often a worker
/// claims (an idle worker should not claim more often than it polls) through the engine every
/// worker calls, whichever store is behind it.
#[cfg(test)]
pub(crate) mod claims_made {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    static CLAIMS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

    pub(super) fn count(worker: &str) {
        if let Ok(mut claims) = CLAIMS.lock() {
            *claims.entry(worker.to_owned()).or_default() += 1;
        }
    }

    /// Claims `worker` has made so far.
    pub(crate) fn by(worker: &str) -> u64 {
        CLAIMS.lock().map(|claims| claims.get(worker).copied().unwrap_or(0)).unwrap_or(0)
    }
}

impl Store for Engine {
    async fn add_endpoint(&self, row: EndpointRow) -> Result<()> {
        dispatch!(self, s => s.add_endpoint(row))
    }
    async fn update_endpoint(&self, row: &EndpointRow, expected: i64, now: UnixTime) -> Result<bool> {
        dispatch!(self, s => s.update_endpoint(row, expected, now))
    }
    async fn delete_endpoint(&self, id: &str) -> Result<()> {
        dispatch!(self, s => s.delete_endpoint(id))
    }
    async fn endpoint_row(&self, id: &str) -> Result<Option<EndpointRow>> {
        dispatch!(self, s => s.endpoint_row(id))
    }
    async fn endpoint_rows(&self) -> Result<Vec<EndpointRow>> {
        dispatch!(self, s => s.endpoint_rows())
    }
    async fn set_enabled(&self, id: &str, enabled: bool, reason: &str, now: UnixTime) -> Result<()> {
        dispatch!(self, s => s.set_enabled(id, enabled, reason, now))
    }
    async fn publish(&self, message: NewMessage, matcher: Arc<Matcher>) -> Result<Published> {
        dispatch!(self, s => s.publish(message, matcher))
    }
    async fn claim(&self, request: ClaimRequest) -> Result<Vec<Claimed>> {
        #[cfg(test)]
        claims_made::count(&request.worker);
        dispatch!(self, s => s.claim(request))
    }
    async fn renew(&self, id: &str, token: &str, until: UnixTime, now: UnixTime) -> Result<bool> {
        dispatch!(self, s => s.renew(id, token, until, now))
    }
    async fn release(&self, id: &str, token: &str, due: UnixTime) -> Result<bool> {
        dispatch!(self, s => s.release(id, token, due))
    }
    async fn complete(&self, batch: Arc<[Completion]>) -> Result<Vec<Result<()>>> {
        dispatch!(self, s => s.complete(batch))
    }
    async fn next_due(&self) -> Result<Option<UnixTime>> {
        dispatch!(self, s => s.next_due())
    }
    async fn active_count(&self) -> Result<u64> {
        dispatch!(self, s => s.active_count())
    }
    async fn deliveries(&self, filter: DeliveryFilter) -> Result<Vec<DeliveryRecord>> {
        dispatch!(self, s => s.deliveries(filter))
    }
    async fn delivery(&self, id: &str) -> Result<Option<DeliveryRecord>> {
        dispatch!(self, s => s.delivery(id))
    }
    async fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRecord>> {
        dispatch!(self, s => s.attempts(delivery_id))
    }
    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        dispatch!(self, s => s.message(id))
    }
    async fn retry(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        dispatch!(self, s => s.retry(id, now))
    }
    async fn resend(&self, message_id: &str, endpoint_id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        dispatch!(self, s => s.resend(message_id, endpoint_id, now))
    }
    async fn recover(
        &self,
        endpoint_id: &str,
        since: UnixTime,
        until: UnixTime,
        dry_run: bool,
        now: UnixTime,
    ) -> Result<Vec<String>> {
        dispatch!(self, s => s.recover(endpoint_id, since, until, dry_run, now))
    }
    async fn cancel(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        dispatch!(self, s => s.cancel(id, now))
    }
    async fn stats(&self) -> Result<Vec<EndpointStats>> {
        dispatch!(self, s => s.stats())
    }
    async fn metrics(&self, now: UnixTime) -> Result<Metrics> {
        dispatch!(self, s => s.metrics(now))
    }
    async fn purge(&self, before: UnixTime) -> Result<Purged> {
        dispatch!(self, s => s.purge(before))
    }
    async fn schema_version(&self) -> Result<i64> {
        dispatch!(self, s => s.schema_version())
    }
}

/// Why a retry or resend is refused, in the words operators read.
pub(crate) fn retry_refusal(id: &str, status: &str) -> Error {
    match status {
        "succeeded" => {
            Error::state(format!("delivery `{id}` succeeded: use resend to send the message again"))
        }
        other => Error::state(format!("delivery `{id}` is {other}")),
    }
}

/// The refusal of a second endpoint with the same id.
pub(crate) fn endpoint_exists(id: &str) -> Error {
    Error::state(format!("endpoint `{id}` exists: give another id, or update it"))
}

/// Response headers as the JSON the stores keep.
pub(crate) fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn headers_from_json(text: &str) -> Vec<(String, String)> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Whole milliseconds of a span, for the stores' integer columns.
pub(crate) fn span_ms(span: Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod conformance;
