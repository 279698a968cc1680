//! The handle applications hold: open, configure endpoints, publish, operate, run workers.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::endpoint::EndpointRow;
use crate::fanout::Matcher;
use crate::message::Body;
use crate::store::{Engine, NewMessage, Store};
use crate::worker::WorkerBuilder;
use crate::{
    decisions, AttemptRecord, DeliveryFilter, DeliveryRecord, Endpoint, EndpointStats, EndpointUpdate, Error,
    MessageRecord, Metrics, NewEndpoint, Publish, Published, Purged, Result, UnixTime, WorkerReport,
};

pub(crate) struct Inner {
    pub store: Engine,
    pub matcher: Arc<Matcher>,
    /// Wakes this process's workers when it publishes or retries.
    pub wake: Arc<Notify>,
    /// Signalled after every recorded attempt (for `run_until_idle`).
    pub progress: Notify,
}

/// A durable outbox: endpoints, messages, deliveries and their attempts in an SQLite file or
/// a PostgreSQL database, with the operations of a webhook sender's dashboard and the worker
/// that delivers. Cheap to clone (`Clone + Send + Sync`); every operation is async.
///
/// ```no_run
/// # async fn demo() -> Result<(), hookwire_outbox::Error> {
/// use std::time::Duration;
/// use hookwire_outbox::{NewEndpoint, Outbox, Publish};
///
/// let outbox = Outbox::open("sqlite:///var/lib/app/webhooks.db").await?;
/// let endpoint = outbox
///     .add_endpoint(NewEndpoint::new("https://hooks.example.com/in", "standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").events(["order.*"]))
///     .await?;
/// let published = outbox.publish(Publish::event("order.created", serde_json::json!({"id": 1001}))).await?;
/// println!("message {} to {} endpoint(s)", published.message_id, published.deliveries);
///
/// let worker = outbox.worker().spawn(&tokio::runtime::Handle::current())?;
/// // ...
/// worker.stop(Duration::from_secs(10)).await;
/// # let _ = endpoint; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Outbox {
    pub(crate) inner: Arc<Inner>,
    /// The largest body `publish` accepts (this handle's; see [`Outbox::with_max_payload`]).
    max_payload: usize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let engine = match self.inner.store {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgres",
        };
        f.debug_struct("Outbox")
            .field("engine", &engine)
            .field("max_payload", &self.max_payload)
            .finish_non_exhaustive()
    }
}

/// Instants older than this are refused as a recovery window's start (a typo, not a plan).
const MAX_AGE: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

impl Outbox {
    /// Opens (creating when needed) the outbox at `url` and brings its schema up to date:
    /// `sqlite:///absolute/path.db`, `sqlite://relative/path.db` or `postgres://user@host/db`.
    /// Errors: `invalid_argument` (not a database URL), `store_error`, `schema_too_new`.
    pub async fn open(url: &str) -> Result<Outbox> {
        let store = Engine::open(url).await?;
        Ok(Outbox {
            inner: Arc::new(Inner {
                store,
                matcher: Arc::new(Matcher::default()),
                wake: crate::worker::wake(),
                progress: Notify::new(),
            }),
            max_payload: hookwire::DEFAULT_MAX_PAYLOAD,
        })
    }

    /// This outbox with a smaller limit on message bodies: `publish` refuses a larger one
    /// with `payload_too_large` (AuraConnect sends at most 256 KB). The default and the most
    /// is 1 MiB, the limit of every attempt's request. Errors: `invalid_argument`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), hookwire_outbox::Error> {
    /// let outbox = hookwire_outbox::Outbox::open("sqlite:///var/lib/app/webhooks.db").await?.with_max_payload(256 * 1024)?;
    /// # let _ = outbox; Ok(()) }
    /// ```
    pub fn with_max_payload(mut self, bytes: usize) -> Result<Outbox> {
        if bytes == 0 || bytes > hookwire::DEFAULT_MAX_PAYLOAD {
            return Err(Error::argument("max_payload", "must be from 1 byte to 1 MiB (1048576)"));
        }
        self.max_payload = bytes;
        Ok(self)
    }

    /// The largest body `publish` accepts, in bytes.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// The schema version of the database.
    pub async fn schema_version(&self) -> Result<i64> {
        self.inner.store.schema_version().await
    }

    /// Checks an endpoint with the core (URL guard, scheme, secrets, patterns, headers, retry
    /// policy, rate) and stores it. Errors: `blocked_url` (a private or loopback URL without
    /// [`allow_private`](NewEndpoint::allow_private)), `invalid_argument`, `invalid_secret`,
    /// `unknown_scheme`, `unknown_event_type`; `invalid_state` when an endpoint has the
    /// [`id`](NewEndpoint::id) given.
    pub async fn add_endpoint(&self, endpoint: NewEndpoint) -> Result<Endpoint> {
        decisions::check_endpoint(&endpoint)?;
        let row = EndpointRow::from_new(endpoint, UnixTime::now());
        let public = row.public();
        self.inner.store.add_endpoint(row).await?;
        Ok(public)
    }

    /// Changes an endpoint's settings (the others stay), checked with the core like a new
    /// endpoint; workers pick the change up with their next claim. Errors: `not_found`, and
    /// those of [`add_endpoint`](Outbox::add_endpoint).
    ///
    /// ```no_run
    /// # async fn demo(outbox: hookwire_outbox::Outbox) -> Result<(), hookwire_outbox::Error> {
    /// use hookwire_outbox::EndpointUpdate;
    /// let endpoint = outbox.update_endpoint("ep_1", EndpointUpdate::default().events(["*"])).await?;
    /// assert_eq!(endpoint.events, ["*"]);
    /// # Ok(()) }
    /// ```
    pub async fn update_endpoint(&self, id: &str, update: EndpointUpdate) -> Result<Endpoint> {
        // Read, change, check, write if nobody wrote in between (the worker disabling it, another
        // update); a few tries, since such races are rare and short.
        for _ in 0..5 {
            let row =
                self.inner.store.endpoint_row(id).await?.ok_or_else(|| Error::not_found("endpoint", id))?;
            let updated = row.updated(update.clone());
            decisions::check_row(&updated)?;
            if self.inner.store.update_endpoint(&updated, row.version, UnixTime::now()).await? {
                return self.endpoint(id).await;
            }
        }
        Err(Error::state(format!("endpoint `{id}` kept changing while it was updated: try again")))
    }

    /// Removes an endpoint with its deliveries and their attempts (its history: statistics
    /// no longer count it). A request to it in flight right now still completes, but its
    /// worker records nothing. Messages left without deliveries go with the next
    /// [`purge`](Outbox::purge). Errors: `not_found`.
    pub async fn delete_endpoint(&self, id: &str) -> Result<()> {
        self.inner.store.delete_endpoint(id).await
    }

    /// One endpoint. Errors: `not_found`.
    pub async fn endpoint(&self, id: &str) -> Result<Endpoint> {
        let row = self.inner.store.endpoint_row(id).await?.ok_or_else(|| Error::not_found("endpoint", id))?;
        Ok(row.public())
    }

    /// Every endpoint, oldest first.
    pub async fn endpoints(&self) -> Result<Vec<Endpoint>> {
        Ok(self.inner.store.endpoint_rows().await?.iter().map(EndpointRow::public).collect())
    }

    /// Enables an endpoint again (its owner fixed it) with a clean health record. Its failed
    /// deliveries stay failed: [`recover`](Outbox::recover) sends them again.
    pub async fn enable_endpoint(&self, id: &str) -> Result<Endpoint> {
        self.inner.store.set_enabled(id, true, "", UnixTime::now()).await?;
        self.endpoint(id).await
    }

    /// Disables an endpoint by hand; its pending and retrying deliveries fail
    /// (`endpoint_disabled`).
    pub async fn disable_endpoint(&self, id: &str) -> Result<Endpoint> {
        self.inner.store.set_enabled(id, false, "manual", UnixTime::now()).await?;
        self.endpoint(id).await
    }

    /// Publishes a message: stores it with one delivery per matching enabled endpoint, in one
    /// transaction, and wakes the workers. Errors: `invalid_argument` (event type),
    /// `invalid_payload`, `payload_too_large` (over [`max_payload`](Outbox::max_payload), 1 MiB
    /// by default), `store_error`.
    pub async fn publish(&self, publish: Publish) -> Result<Published> {
        let message = new_message(publish, self.max_payload)?;
        let published = self.inner.store.publish(message, Arc::clone(&self.inner.matcher)).await?;
        if published.deliveries > 0 {
            self.inner.wake.notify_one();
        }
        Ok(published)
    }

    /// Publishes inside the caller's own PostgreSQL transaction: the message and its
    /// deliveries commit (or roll back) with the caller's business rows, and workers are
    /// notified at commit. A transactional outbox. Errors: `invalid_state` on an SQLite outbox.
    ///
    /// ```no_run
    /// # async fn demo(outbox: hookwire_outbox::Outbox, client: &mut hookwire_outbox::tokio_postgres::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use hookwire_outbox::Publish;
    ///
    /// let tx = client.transaction().await?;
    /// tx.execute("INSERT INTO orders (id, total) VALUES ($1, $2)", &[&1001_i64, &4599_i64]).await?;
    /// outbox.publish_in(&tx, Publish::event("order.created", serde_json::json!({"id": 1001}))).await?;
    /// tx.commit().await?; // the order and its webhook, together
    /// # Ok(()) }
    /// ```
    pub async fn publish_in(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        publish: Publish,
    ) -> Result<Published> {
        if self.inner.store.postgres().is_none() {
            return Err(Error::state("publishing inside a transaction needs a PostgreSQL outbox"));
        }
        let message = new_message(publish, self.max_payload)?;
        crate::store::PostgresStore::publish_in(tx, message, &self.inner.matcher).await
    }

    /// Deliveries matching `filter`, newest first.
    pub async fn deliveries(&self, filter: DeliveryFilter) -> Result<Vec<DeliveryRecord>> {
        self.inner.store.deliveries(filter).await
    }

    /// One delivery. Errors: `not_found`.
    pub async fn delivery(&self, id: &str) -> Result<DeliveryRecord> {
        self.inner.store.delivery(id).await?.ok_or_else(|| Error::not_found("delivery", id))
    }

    /// A delivery's attempts, oldest first. Errors: `not_found`.
    pub async fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRecord>> {
        self.delivery(delivery_id).await?;
        self.inner.store.attempts(delivery_id).await
    }

    /// One message. Errors: `not_found`.
    pub async fn message(&self, id: &str) -> Result<MessageRecord> {
        self.inner.store.message(id).await?.ok_or_else(|| Error::not_found("message", id))
    }

    /// Retries a delivery now: a pending or retrying one is made due at once (its schedule
    /// goes on from there); a failed or cancelled one gets one manual attempt (failed again if
    /// that fails). Errors: `not_found`; `invalid_state` when it succeeded (use
    /// [`resend`](Outbox::resend)), is being attempted right now, or its endpoint is disabled.
    pub async fn retry(&self, delivery_id: &str) -> Result<DeliveryRecord> {
        let delivery = self.inner.store.retry(delivery_id, UnixTime::now()).await?;
        self.inner.wake.notify_one();
        Ok(delivery)
    }

    /// Sends a message to an endpoint again, with the same webhook id, on a fresh run of the
    /// endpoint's retry policy (creating the delivery if the endpoint was added after the
    /// message). Errors: `not_found`; `invalid_state` when it is still on its way or the
    /// endpoint is disabled.
    pub async fn resend(&self, message_id: &str, endpoint_id: &str) -> Result<DeliveryRecord> {
        let delivery = self.inner.store.resend(message_id, endpoint_id, UnixTime::now()).await?;
        self.inner.wake.notify_one();
        Ok(delivery)
    }

    /// Sends an endpoint's failed deliveries created in `[since, until)` again, each on a
    /// fresh run; with `dry_run` only lists them. Returns the delivery ids. Errors:
    /// `not_found`; `invalid_state` when the endpoint is disabled (and not a dry run).
    pub async fn recover(
        &self,
        endpoint_id: &str,
        since: UnixTime,
        until: UnixTime,
        dry_run: bool,
    ) -> Result<Vec<String>> {
        let now = UnixTime::now();
        if since < now.saturating_sub(MAX_AGE) || until <= since {
            return Err(Error::argument(
                "since",
                "the window must be [since, until) with since within ten years",
            ));
        }
        let ids = self.inner.store.recover(endpoint_id, since, until, dry_run, now).await?;
        if !dry_run && !ids.is_empty() {
            self.inner.wake.notify_one();
        }
        Ok(ids)
    }

    /// Cancels a pending or retrying delivery. Errors: `not_found`, `invalid_state`.
    pub async fn cancel(&self, delivery_id: &str) -> Result<DeliveryRecord> {
        self.inner.store.cancel(delivery_id, UnixTime::now()).await
    }

    /// Sends a test event to one endpoint: the catalog's sample payload of `event_type`, in the
    /// envelope its receivers read (its scheme's dialect: Ops Center's for `ops-center`, the
    /// native one for `standard-webhooks`; `*` patterns or not: a test goes to the endpoint
    /// asked for). Errors: `not_found`, `unknown_event_type`, `invalid_state` (endpoint
    /// disabled).
    pub async fn send_test_event(&self, endpoint_id: &str, event_type: &str) -> Result<DeliveryRecord> {
        let info = hookwire::lookup(event_type).ok_or_else(|| {
            Error::from(hookwire::Error::UnknownEventType { event_type: event_type.to_owned() })
        })?;
        let data: serde_json::Value = serde_json::from_str(info.sample_data).map_err(|err| {
            Error::Core(hookwire::Error::Internal { reason: format!("catalog sample: {err}").into() })
        })?;
        let endpoint = self.endpoint(endpoint_id).await?;
        let dialect = decisions::dialect_of(&endpoint.scheme)?;
        // A message without deliveries (a tenant no endpoint has), then one delivery to this
        // endpoint: fan-out never sends a test to anyone else.
        let test = Publish::event(event_type, data).tenant(&crate::id::new_id("test")).dialect(dialect);
        let message = new_message(test, hookwire::DEFAULT_MAX_PAYLOAD)?;
        let published = self.inner.store.publish(message, Arc::clone(&self.inner.matcher)).await?;
        self.resend(&published.message_id, endpoint_id).await
    }

    /// Per-endpoint statistics: deliveries by status, success rate, p50/p95 latency over the
    /// last 10,000 responses, the last failure.
    pub async fn stats(&self) -> Result<Vec<EndpointStats>> {
        self.inner.store.stats().await
    }

    /// The metrics snapshot: delivered, failed, retried, queue depth, oldest due.
    pub async fn metrics(&self) -> Result<Metrics> {
        self.inner.store.metrics(UnixTime::now()).await
    }

    /// Removes deliveries that became final more than `older_than` ago, their attempts, and
    /// messages left without deliveries (their idempotency keys can then be used again).
    pub async fn purge(&self, older_than: Duration) -> Result<Purged> {
        self.inner.store.purge(UnixTime::now().saturating_sub(older_than)).await
    }

    /// Deliveries pending or retrying.
    pub async fn queue_depth(&self) -> Result<u64> {
        self.inner.store.active_count().await
    }

    /// A worker to configure and start.
    pub fn worker(&self) -> WorkerBuilder {
        WorkerBuilder::new(self.clone())
    }

    /// Runs a worker with the defaults until every delivery is final (scheduled retries
    /// included). Errors: `timeout`.
    pub async fn run_until_idle(&self, timeout: Duration) -> Result<WorkerReport> {
        self.worker().run_until_idle(timeout).await
    }
}

/// Builds the stored message: a new id, the exact body (the native envelope around `data`,
/// or the raw bytes), the event for filters.
fn new_message(publish: Publish, max_payload: usize) -> Result<NewMessage> {
    let Publish { event_type, body, idempotency_key, tenant, dialect } = publish;
    if let Some(key) = &idempotency_key {
        if key.is_empty() || key.len() > 255 {
            return Err(Error::argument("idempotency_key", "must be 1 to 255 bytes"));
        }
    }
    let id = hookwire::new_message_id();
    let now = UnixTime::now();
    let (payload, event) = match body {
        Body::Data(data) => {
            let (payload, event) = decisions::envelope(&id, &event_type, &data, now, dialect)?;
            (payload, Some(event))
        }
        Body::Raw(bytes) => {
            if event_type.is_empty() || !event_type.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::argument("event_type", "must be non-empty visible ASCII"));
            }
            let event = decisions::event_of_raw(&event_type, &bytes, dialect);
            (bytes, event)
        }
    };
    if payload.len() > max_payload {
        return Err(hookwire::Error::PayloadTooLarge { size: payload.len(), limit: max_payload }.into());
    }
    Ok(NewMessage { id, event_type, payload, event, idempotency_key, tenant, now })
}

#[cfg(test)]
mod tests {
    /// Bindings (issue 16) hold an `Outbox` and a worker handle across threads.
    #[test]
    fn the_handles_can_be_shared_across_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        fn cloned<T: Clone + Send + Sync + 'static>() {}
        cloned::<super::Outbox>();
        shared::<crate::WorkerHandle>();
        cloned::<crate::WorkerBuilder>();
    }
}
