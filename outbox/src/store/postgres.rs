//! The PostgreSQL engine: many workers on many machines. Pending and retrying deliveries are
//! also rows of a small queue table (`delivery_queue`, migration 5) that claims read and lease;
//! a claim is one statement with `FOR UPDATE SKIP LOCKED`, on connections of its own, so workers
//! never wait for each other's rows; `LISTEN/NOTIFY` only
//! wakes idle workers early (polling is the backstop, so a lost notification delays nothing
//! by more than the poll interval); a publish can run inside the caller's own transaction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{ClientWrapper, Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, GenericClient, NoTls, Row, Statement, Transaction};

use super::migrations::{LATEST, POSTGRES};
use super::{
    headers_from_json, headers_json, retry_refusal, span_ms, ClaimRequest, Claimed, Completion, NewMessage,
    Store,
};
use crate::decisions::{self, Run};
use crate::endpoint::EndpointRow;
use crate::fanout::{Matcher, Route};
use crate::stats::percentile;
use crate::{
    AttemptRecord, DeliveryFilter, DeliveryRecord, DeliveryStatus, EndpointStats, Error, MessageRecord,
    Metrics, Published, Purged, Result, UnixTime,
};

/// The notification channel publishes signal on.
pub(crate) const CHANNEL: &str = "hookwire_outbox";

/// Connections per process.
const POOL_SIZE: usize = 8;

/// Connections per process that make claims (a worker makes one claim at a time). With
/// [`POOL_SIZE`] and a worker's listener, a process with one worker holds up to 11 connections;
/// one that only publishes, up to 8 (no claim connection is kept until a worker claims).
const CLAIM_POOL_SIZE: usize = 2;

/// What each claim connection runs once it is made: their one statement, the claim, planned once
/// for any values (see [`CLAIM`]). Only those connections: a statement given as text elsewhere (a
/// listing with filters, say) is planned for its values, as PostgreSQL does by default. A `SET`
/// and not the startup parameter `options=-c …`, which PgBouncer refuses (or drops, when told to
/// ignore it); a `SET` is kept by the server connection in PgBouncer's session mode.
const CLAIM_SETTINGS: &str = "SET plan_cache_mode = force_generic_plan";

/// Serializes migrations of concurrent openers (an arbitrary, fixed advisory lock key).
const MIGRATION_LOCK: i64 = 0x686f_6f6b_7769_7265;

/// The PostgreSQL engine (open it through [`Outbox::open`](crate::Outbox::open) with a
/// `postgres://` URL).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// Connections for claims only ([`CLAIM_SETTINGS`]).
    claims: Pool,
    url: Arc<str>,
}

fn u32_of(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn u16_of(value: Option<i32>) -> Option<u16> {
    value.and_then(|v| u16::try_from(v).ok())
}

fn u64_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn ms(at: Option<UnixTime>) -> Option<i64> {
    at.map(UnixTime::as_millis)
}

/// A batch of delivery updates as column arrays, for one `UPDATE … FROM unnest(…)`. Each row
/// carries both endings (endpoint enabled, endpoint disabled): the statement picks one by the
/// endpoint row it reads, so no round trip reads the endpoints first.
#[derive(Default)]
struct DeliveryColumns {
    id: Vec<String>,
    token: Vec<String>,
    status: Vec<&'static str>,
    due_at: Vec<Option<i64>>,
    give_up: Vec<Option<&'static str>>,
    finished_at: Vec<Option<i64>>,
    status_off: Vec<&'static str>,
    due_at_off: Vec<Option<i64>>,
    give_up_off: Vec<Option<&'static str>>,
    finished_at_off: Vec<Option<i64>>,
    inc: Vec<i32>,
    run_inc: Vec<i32>,
    last_status: Vec<Option<i32>>,
    last_error: Vec<Option<String>>,
    now: Vec<i64>,
}

impl DeliveryColumns {
    fn push(&mut self, c: &Completion) {
        let (on, off) = (c.columns(true), c.columns(false));
        self.id.push(c.delivery_id.clone());
        self.token.push(c.token.clone());
        self.status.push(on.status);
        self.due_at.push(ms(on.due_at));
        self.give_up.push(on.give_up);
        self.finished_at.push(ms(on.finished_at));
        self.status_off.push(off.status);
        self.due_at_off.push(ms(off.due_at));
        self.give_up_off.push(off.give_up);
        self.finished_at_off.push(ms(off.finished_at));
        self.inc.push(i32::from(c.attempt.is_some()));
        self.run_inc.push(i32::try_from(c.counts_in_run()).unwrap_or(0));
        self.last_status.push(c.attempt.as_ref().and_then(|a| a.status).map(i32::from));
        self.last_error.push(c.last_error.clone());
        self.now.push(c.now.as_millis());
    }
}

/// A batch of attempts as column arrays, for one `INSERT … SELECT * FROM unnest(…)`.
#[derive(Default)]
struct AttemptColumns {
    delivery_id: Vec<String>,
    endpoint_id: Vec<String>,
    number: Vec<i32>,
    started_at: Vec<i64>,
    duration_ms: Vec<i64>,
    status: Vec<Option<i32>>,
    class: Vec<&'static str>,
    failure: Vec<Option<&'static str>>,
    error: Vec<Option<String>>,
    headers: Vec<String>,
    body: Vec<String>,
    truncated: Vec<bool>,
    manual: Vec<bool>,
    worker: Vec<String>,
}

impl AttemptColumns {
    fn push(&mut self, c: &Completion, a: &super::AttemptRow) {
        self.delivery_id.push(c.delivery_id.clone());
        self.endpoint_id.push(c.endpoint_id.clone());
        self.number.push(i32::try_from(a.number).unwrap_or(i32::MAX));
        self.started_at.push(a.started_at.as_millis());
        self.duration_ms.push(span_ms(a.duration));
        self.status.push(a.status.map(i32::from));
        self.class.push(a.class);
        self.failure.push(a.failure);
        self.error.push(a.error.clone());
        self.headers.push(headers_json(&a.response_headers));
        self.body.push(a.response_body.clone());
        self.truncated.push(a.response_truncated);
        self.manual.push(a.manual);
        self.worker.push(a.worker.clone());
    }
}

impl PostgresStore {
    pub(crate) async fn open(url: &str) -> Result<PostgresStore> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|err| Error::argument("db", format!("not a PostgreSQL URL: {err}")))?;
        let pool_of = |config: tokio_postgres::Config, size: usize, setup: Option<&'static str>| {
            let manager = Manager::from_config(
                config,
                NoTls,
                ManagerConfig { recycling_method: RecyclingMethod::Fast },
            );
            let mut builder = Pool::builder(manager).max_size(size);
            if let Some(sql) = setup {
                // Runs on every connection the pool makes, replacements for broken ones included;
                // a connection whose `SET` fails is not handed out.
                builder = builder.post_create(Hook::async_fn(move |client: &mut ClientWrapper, _| {
                    Box::pin(async move { client.batch_execute(sql).await.map_err(HookError::Backend) })
                }));
            }
            builder.build().map_err(|err| Error::store(format!("postgres pool: {err}")))
        };
        let claims = pool_of(config.clone(), CLAIM_POOL_SIZE, Some(CLAIM_SETTINGS))?;
        let pool = pool_of(config, POOL_SIZE, None)?;
        let store = PostgresStore { pool, claims, url: url.into() };
        store.migrate().await?;
        // Pools connect lazily: a claim connection the server (or a pooler in front of it) will
        // not set up fails here, at open, and not in a worker that would retry it forever. The
        // probe is then closed, not kept in the pool: a process that only publishes (a web app
        // beside its workers) holds no claim connection; a worker makes its own at its first
        // claim.
        drop(deadpool_postgres::Object::take(store.claims.get().await?));
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS hookwire_schema (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let current: i64 =
            tx.query_one("SELECT coalesce(max(version), 0) FROM hookwire_schema", &[]).await?.get(0);
        if current > LATEST {
            return Err(Error::SchemaTooNew { found: current, known: LATEST });
        }
        for migration in POSTGRES.iter().filter(|m| m.version > current) {
            tx.batch_execute(migration.sql).await.map_err(|err| {
                let detail = crate::error::postgres_detail(&err);
                Error::store(format!(
                    "migration {} ({}): postgres: {detail}",
                    migration.version, migration.name
                ))
            })?;
            tx.execute(
                "INSERT INTO hookwire_schema (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&migration.version, &migration.name, &UnixTime::now().as_millis()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Publishes inside the caller's transaction (see
    /// [`Outbox::publish_in`](crate::Outbox::publish_in)).
    pub(crate) async fn publish_in(
        tx: &Transaction<'_>,
        message: NewMessage,
        matcher: &Matcher,
    ) -> Result<Published> {
        publish_with(tx, message, matcher, None).await
    }

    /// Wakes `wake` on every notification until the returned task is aborted; reconnects
    /// after a lost connection.
    pub(crate) fn listen(&self, wake: Arc<Notify>) -> tokio::task::JoinHandle<()> {
        let url = Arc::clone(&self.url);
        tokio::spawn(async move {
            loop {
                if let Err(err) = listen_once(&url, &wake).await {
                    tracing::debug!(error = %err, "notification listener lost; polling until it reconnects");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

async fn listen_once(url: &str, wake: &Notify) -> Result<()> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let messages = async {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => wake.notify_one(),
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(Error::from(err)),
                None => return Ok(()),
            }
        }
    };
    let subscribe = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        // Whatever was published while there was no listener is found by this wake-up.
        wake.notify_one();
        std::future::pending::<Result<()>>().await
    };
    tokio::select! {
        result = messages => result,
        result = subscribe => result,
    }
}

const INSERT_MESSAGE: &str =
    "INSERT INTO messages (id, event_type, payload, idempotency_key, tenant, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING seq";
const EXISTING_MESSAGE: &str = "SELECT id FROM messages WHERE idempotency_key = $1";
const ROUTES: &str =
    "SELECT id, version, url, config FROM endpoints WHERE enabled AND tenant IS NOT DISTINCT FROM $1";
/// The deliveries, their places in the queue, and the wake-up (delivered at commit: NOTIFY is
/// transactional, so workers wake when the rows exist).
const INSERT_DELIVERIES: &str = "
    WITH added AS (
        INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status, run_started_at,
            created_at, updated_at)
        SELECT d.id, $3, $6, d.endpoint_id, $4, 'pending', $5, $5, $5
        FROM unnest($1::text[], $2::text[]) AS d (id, endpoint_id)
        RETURNING id, endpoint_id
    ), queued AS (
        INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts,
            run_started_at, manual)
        SELECT id, endpoint_id, $6, $5, 0, 0, $5, FALSE FROM added
    )
    SELECT pg_notify($7, '')";

/// A publish's statements, prepared once per pooled connection (a statement given as text is
/// parsed, described and planned on every call: a round trip more each).
struct PublishStatements {
    insert_message: Statement,
    existing_message: Statement,
    routes: Statement,
    insert_deliveries: Statement,
}

impl PublishStatements {
    async fn prepare(client: &deadpool_postgres::Client) -> Result<PublishStatements> {
        let (insert_message, existing_message, routes, insert_deliveries) = tokio::try_join!(
            client.prepare_cached(INSERT_MESSAGE),
            client.prepare_cached(EXISTING_MESSAGE),
            client.prepare_cached(ROUTES),
            client.prepare_cached(INSERT_DELIVERIES),
        )?;
        Ok(PublishStatements { insert_message, existing_message, routes, insert_deliveries })
    }
}

/// `client.$method` with the prepared statement when there is one, else with the text.
macro_rules! run {
    ($client:expr, $method:ident, $prepared:expr, $field:ident, $sql:expr, $params:expr) => {
        match $prepared {
            Some(prepared) => $client.$method(&prepared.$field, $params).await,
            None => $client.$method($sql, $params).await,
        }
    };
}

/// Stores a message and its deliveries in `client`'s transaction: three round trips, the
/// message's insert and the endpoints' read sent together (pipelined).
async fn publish_with<C: GenericClient>(
    client: &C,
    message: NewMessage,
    matcher: &Matcher,
    prepared: Option<&PublishStatements>,
) -> Result<Published> {
    let now = message.now.as_millis();
    let insert_params: [&(dyn ToSql + Sync); 6] =
        [&message.id, &message.event_type, &message.payload, &message.idempotency_key, &message.tenant, &now];
    let route_params: [&(dyn ToSql + Sync); 1] = [&message.tenant];
    let (inserted, endpoints) = tokio::try_join!(
        async { run!(client, query_opt, prepared, insert_message, INSERT_MESSAGE, &insert_params) },
        async { run!(client, query, prepared, routes, ROUTES, &route_params) },
    )?;
    let Some(inserted) = inserted else {
        let params: [&(dyn ToSql + Sync); 1] = [&message.idempotency_key];
        let message_id: String =
            run!(client, query_one, prepared, existing_message, EXISTING_MESSAGE, &params)?.get(0);
        return Ok(Published { message_id, deliveries: 0, duplicate: true });
    };
    let seq: i64 = inserted.get(0);
    let mut ids = Vec::new();
    let mut targets = Vec::new();
    for row in &endpoints {
        let route = Route { id: row.get(0), version: row.get(1), url: row.get(2), config: row.get(3) };
        if matcher.matches(&route, &message.event_type, message.event.as_ref()) {
            ids.push(crate::id::new_ordered_id("dlv", message.now));
            targets.push(route.id.to_owned());
        }
    }
    if !targets.is_empty() {
        let params: [&(dyn ToSql + Sync); 7] =
            [&ids, &targets, &message.id, &message.event_type, &now, &seq, &CHANNEL];
        run!(client, query_one, prepared, insert_deliveries, INSERT_DELIVERIES, &params)?;
    }
    Ok(Published { message_id: message.id, deliveries: targets.len(), duplicate: false })
}

const ENDPOINT_COLUMNS: &str =
    "id, url, scheme, secrets, config, tenant, enabled, disabled_reason, disabled_at, health, created_at, version";

fn endpoint_from_row(row: &Row) -> Result<EndpointRow> {
    let secrets = zeroize::Zeroizing::new(row.get::<_, String>(3));
    EndpointRow::from_columns(
        row.get(0),
        row.get(1),
        row.get(2),
        &secrets,
        row.get(4),
        row.get(5),
        row.get(6),
        row.get(7),
        row.get(8),
        row.get(9),
        row.get(10),
        row.get(11),
    )
}

/// A delivery with its place in the due queue (`q`; none once final). The due time is the one the
/// other engine keeps: a claimed delivery is due again when its lease ends.
const DELIVERY_COLUMNS: &str =
    "d.id, d.message_id, d.endpoint_id, d.event_type, d.status, \
     CASE WHEN q.claim_token IS NULL THEN q.due_at ELSE greatest(q.due_at, q.lease_until) END, d.attempts, d.last_status, \
     d.last_error, d.give_up_reason, d.created_at, d.updated_at, d.finished_at";

/// The tables [`DELIVERY_COLUMNS`] reads.
const DELIVERY_TABLES: &str = "deliveries d LEFT JOIN delivery_queue q ON q.delivery_id = d.id";

fn delivery_from_row(row: &Row) -> Result<DeliveryRecord> {
    let status = DeliveryStatus::from_name(row.get(4))
        .map_err(|_| Error::store(format!("delivery has an unknown status `{}`", row.get::<_, &str>(4))))?;
    let due: Option<i64> = row.get(5);
    Ok(DeliveryRecord {
        id: row.get(0),
        message_id: row.get(1),
        endpoint_id: row.get(2),
        event_type: row.get(3),
        status,
        attempts: u32_of(row.get(6)),
        next_attempt_at: if status.is_final() { None } else { due.map(UnixTime::from_millis) },
        last_status: u16_of(row.get(7)),
        last_error: row.get(8),
        give_up_reason: row.get(9),
        created_at: UnixTime::from_millis(row.get(10)),
        updated_at: UnixTime::from_millis(row.get(11)),
        finished_at: row.get::<_, Option<i64>>(12).map(UnixTime::from_millis),
    })
}

async fn load_delivery<C: GenericClient>(client: &C, id: &str, lock: bool) -> Result<Option<DeliveryRecord>> {
    let lock = if lock { "FOR UPDATE OF d" } else { "" };
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_TABLES} WHERE d.id = $1 {lock}");
    client.query_opt(&sql, &[&id]).await?.as_ref().map(delivery_from_row).transpose()
}

async fn require_delivery<C: GenericClient>(client: &C, id: &str, lock: bool) -> Result<DeliveryRecord> {
    load_delivery(client, id, lock).await?.ok_or_else(|| Error::not_found("delivery", id))
}

async fn endpoint_enabled<C: GenericClient>(client: &C, id: &str) -> Result<bool> {
    let row = client.query_opt("SELECT enabled FROM endpoints WHERE id = $1", &[&id]).await?;
    row.map(|r| r.get(0)).ok_or_else(|| Error::not_found("endpoint", id))
}

async fn require_enabled<C: GenericClient>(client: &C, id: &str) -> Result<()> {
    if endpoint_enabled(client, id).await? {
        Ok(())
    } else {
        Err(Error::state(format!("endpoint `{id}` is disabled: re-enable it first")))
    }
}

/// Starts a new run of final deliveries: pending, due now, back in the queue.
async fn new_run<C: GenericClient>(client: &C, ids: &[String], now: UnixTime) -> Result<()> {
    client
        .execute(
            "WITH run AS (
                 UPDATE deliveries SET status = 'pending', run_attempts = 0, run_started_at = $2, manual = FALSE,
                     give_up_reason = NULL, finished_at = NULL, updated_at = $2
                 WHERE id = ANY($1)
                 RETURNING id, endpoint_id, message_seq, attempts
             )
             INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts,
                 run_started_at, manual)
             SELECT id, endpoint_id, message_seq, $2, attempts, 0, $2, FALSE FROM run
             ON CONFLICT (delivery_id) DO UPDATE
                 SET due_at = excluded.due_at, attempts = excluded.attempts, run_attempts = 0,
                     run_started_at = excluded.run_started_at, manual = FALSE, claim_token = NULL, claimed_by = NULL,
                     lease_until = NULL",
            &[&ids, &now.as_millis()],
        )
        .await?;
    Ok(())
}

/// Locks a delivery's queue row, if it has one, before its `deliveries` row: the order a
/// completion locks them in (the other order could deadlock with it). Returns whether it had one.
async fn lock_queued<C: GenericClient>(client: &C, id: &str) -> Result<bool> {
    Ok(client
        .query_opt("SELECT 1 FROM delivery_queue WHERE delivery_id = $1 FOR UPDATE", &[&id])
        .await?
        .is_some())
}

/// Locks the queue row of a delivery that was final when [`lock_queued`] looked and is pending
/// now (a retry or recover committed in between, and a worker may have claimed it since), with
/// its `deliveries` row already held. Waiting here would be the order opposite a completion's (a
/// completion holds the queue row and waits for the delivery: 40P01, and its whole batch is
/// rolled back), so a held queue row is refused as being attempted instead.
async fn lock_requeued<C: GenericClient>(client: &C, id: &str) -> Result<()> {
    match client
        .query_opt("SELECT 1 FROM delivery_queue WHERE delivery_id = $1 FOR UPDATE NOWAIT", &[&id])
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
            Err(Error::state(format!("delivery `{id}` is being attempted right now")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Puts one delivery (its row as it now is) in the queue, due at `now`: a new one, or a retry by
/// hand of a final one.
async fn requeue<C: GenericClient>(client: &C, id: &str, now: UnixTime) -> Result<()> {
    client
        .execute(
            "INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts,
                 run_started_at, manual)
             SELECT id, endpoint_id, message_seq, $2, attempts, run_attempts, run_started_at, manual
             FROM deliveries WHERE id = $1
             ON CONFLICT (delivery_id) DO UPDATE
                 SET due_at = excluded.due_at, attempts = excluded.attempts, run_attempts = excluded.run_attempts,
                     run_started_at = excluded.run_started_at, manual = excluded.manual, claim_token = NULL,
                     claimed_by = NULL, lease_until = NULL",
            &[&id, &now.as_millis()],
        )
        .await?;
    Ok(())
}

/// Fails an endpoint's pending and retrying deliveries. `skip_locked`: leave rows another
/// transaction holds (a worker finishing them sees the endpoint disabled), which keeps a
/// completion that already holds its own delivery row from deadlocking with another.
async fn fail_active<C: GenericClient>(
    client: &C,
    endpoint_id: &str,
    now: UnixTime,
    skip_locked: bool,
) -> Result<()> {
    client.execute(&fail_active_sql(skip_locked), &[&endpoint_id, &now.as_millis()]).await?;
    Ok(())
}

/// [`fail_active`]'s statement. The queue rows are found by their endpoint's index (migration 5):
/// through `deliveries`' endpoint index instead, PostgreSQL read the endpoint's whole history
/// and still scanned the queue to join it.
fn fail_active_sql(skip_locked: bool) -> String {
    let (claimed, lock) = if skip_locked {
        ("AND (claim_token IS NULL OR lease_until < $2)", "FOR UPDATE SKIP LOCKED")
    } else {
        ("", "FOR UPDATE")
    };
    // The queue rows first, then the deliveries: the order a completion locks them in.
    format!(
        "WITH gone AS (
             DELETE FROM delivery_queue WHERE delivery_id IN (
                 SELECT delivery_id FROM delivery_queue WHERE endpoint_id = $1 {claimed} {lock})
             RETURNING delivery_id
         )
         UPDATE deliveries SET status = 'failed', give_up_reason = '{}', finished_at = $2, updated_at = $2
         WHERE id IN (SELECT delivery_id FROM gone)",
        decisions::ENDPOINT_DISABLED
    )
}

/// An endpoint's queue rows, removed when it is deleted (by the queue's endpoint index).
const DELETE_QUEUED: &str = "DELETE FROM delivery_queue WHERE endpoint_id = $1";

/// Records a batch of completions in one statement: every delivery whose token and lease still
/// hold (in the queue, locked first) gets the ending its endpoint's state calls for: a new due
/// time in the queue, or out of it once final. Its attempt is inserted. Returns the ids written
/// (the others lost their lease and write nothing), with `endpoint` false, and the endpoints of
/// the deliveries held, with `endpoint` true, their `enabled` and `health` (read in the same
/// snapshot, so a batch is one statement, not a second one that PostgreSQL planned again on
/// every call for its array of ids). The update of `deliveries` changes no indexed column, so
/// PostgreSQL writes it as a HOT update: no index entries.
const COMPLETE: &str = "
    WITH v AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[],
                             $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::int[], $12::int[],
                             $13::int[], $14::text[], $15::bigint[])
            AS v (id, token, status, due_at, give_up, finished_at, status_off, due_at_off, give_up_off,
                  finished_at_off, inc, run_inc, last_status, last_error, now)
    ), held AS (
        SELECT v.*, q.endpoint_id, e.enabled
        FROM v JOIN delivery_queue q ON q.delivery_id = v.id JOIN endpoints e ON e.id = q.endpoint_id
        WHERE q.claim_token = v.token AND q.lease_until >= v.now
        FOR UPDATE OF q
    ), ending AS (
        SELECT id, inc, run_inc, last_status, last_error, now,
            CASE WHEN enabled THEN status ELSE status_off END AS status,
            CASE WHEN enabled THEN due_at ELSE due_at_off END AS due_at,
            CASE WHEN enabled THEN give_up ELSE give_up_off END AS give_up,
            CASE WHEN enabled THEN finished_at ELSE finished_at_off END AS finished_at
        FROM held
    ), requeued AS (
        UPDATE delivery_queue q SET due_at = x.due_at, attempts = q.attempts + x.inc,
            run_attempts = q.run_attempts + x.run_inc, manual = FALSE, claim_token = NULL, claimed_by = NULL,
            lease_until = NULL
        FROM ending x WHERE q.delivery_id = x.id AND x.due_at IS NOT NULL
    ), removed AS (
        DELETE FROM delivery_queue q USING ending x WHERE q.delivery_id = x.id AND x.due_at IS NULL
    ), written AS (
        UPDATE deliveries d SET
            status = x.status, give_up_reason = x.give_up, finished_at = x.finished_at,
            attempts = d.attempts + x.inc, run_attempts = d.run_attempts + x.run_inc, manual = FALSE,
            last_status = coalesce(x.last_status, d.last_status), last_error = x.last_error, updated_at = x.now
        FROM ending x
        WHERE d.id = x.id
        RETURNING d.id
    ), recorded AS (
        INSERT INTO attempts (delivery_id, endpoint_id, number, started_at, duration_ms, status, class, failure,
            error, response_headers, response_body, response_truncated, manual, worker)
        SELECT a.delivery_id, a.endpoint_id, a.number, a.started_at, a.duration_ms, a.status, a.class, a.failure,
            a.error, a.response_headers, a.response_body, a.response_truncated, a.manual, a.worker
        FROM unnest($16::text[], $17::text[], $18::int[], $19::bigint[], $20::bigint[], $21::int[], $22::text[],
                    $23::text[], $24::text[], $25::text[], $26::text[], $27::bool[], $28::bool[], $29::text[])
            WITH ORDINALITY AS a (delivery_id, endpoint_id, number, started_at, duration_ms, status, class, failure,
                                  error, response_headers, response_body, response_truncated, manual, worker, n)
        WHERE a.delivery_id IN (SELECT id FROM written)
        ORDER BY a.n
    )
    SELECT FALSE AS endpoint, id, NULL::boolean AS enabled, NULL::text AS health FROM written
    UNION ALL
    SELECT TRUE, e.id, e.enabled, e.health FROM endpoints e WHERE e.id IN (SELECT endpoint_id FROM held)";

/// [`CLAIM`] with `$filter` (SQL beginning with `AND`) added to the choice of due rows: the two
/// claims are one statement, written once.
macro_rules! claim_sql {
    ($filter:literal) => {
        concat!(
            "
    WITH leased AS (
        UPDATE delivery_queue q SET claim_token = $1, claimed_by = $2, lease_until = $3
        WHERE q.ctid = ANY (ARRAY(
            SELECT f.ctid FROM delivery_queue f
            WHERE f.due_at <= $4 AND (f.claim_token IS NULL OR f.lease_until <= $4)",
            $filter,
            "
            ORDER BY f.due_at LIMIT $5 FOR UPDATE SKIP LOCKED))
        RETURNING q.*
    )
    SELECT l.delivery_id, m.id, l.endpoint_id, m.event_type, l.attempts, l.run_attempts, l.run_started_at,
        l.manual, m.payload, e.version, e.enabled
    FROM leased l JOIN messages m ON m.seq = l.message_seq JOIN endpoints e ON e.id = l.endpoint_id"
        )
    };
}

/// The claim: up to `$5` deliveries due by `$4`, leased to `$1` (token) of `$2` (worker) until
/// `$3`. It writes only the queue, and only the lease (indexed columns stay, so the update is
/// HOT); a delivery whose lease holds is skipped, and due again once the lease ends. It reads the
/// queue, the messages by number and the endpoints, not `deliveries`.
///
/// Its plan is made once per connection, for any values: the claim connections run with
/// `plan_cache_mode = force_generic_plan` ([`CLAIM_SETTINGS`]). Left to choose, PostgreSQL plans
/// it for its values on every call (0.15 ms of planning per claim): `LIMIT $5` of unknown value
/// is taken to keep a tenth of the rows due, which makes the plan for any values look costlier
/// than one for the actual ones, although it is the same plan (the front of the due index, the
/// leased rows by their physical address, `ctid`, stable while they are locked; each one's
/// message by its number in publish order; its endpoint). Written as a join on `ctid` instead of
/// `ctid = ANY (ARRAY(…))`, the plan for any values was a hash join over a sequential scan of the
/// whole queue. The test
/// `the_claim_is_planned_once_as_the_due_index_plan_at_any_queue_depth` pins the plan.
///
/// It is the statement of migration 5's `hookwire_claim`, which stays for a worker of an earlier
/// build; calling the function cost 0.03–0.13 ms more per claim (its `SET` clauses, the rows
/// gathered into a tuple store and read again).
const CLAIM: &str = claim_sql!("");

/// [`CLAIM`] leaving out the endpoints in `$6`, used only when some are. They are left out with
/// `ARRAY[endpoint_id] <@ $6`: PostgreSQL estimates `endpoint_id = ANY($n)` of a parameter array
/// as ten values' worth of the column, which with one or a few endpoints keeps about no row, and
/// the plan it made on that estimate sorted the whole due queue (a bitmap scan of 1,000,000 rows,
/// 600 ms).
const CLAIM_EXCLUDING: &str = claim_sql!(
    "
              AND NOT (ARRAY[f.endpoint_id] <@ $6::text[])"
);

impl Store for PostgresStore {
    async fn add_endpoint(&self, row: EndpointRow) -> Result<()> {
        let client = self.pool.get().await?;
        let health = serde_json::to_string(&row.health).unwrap_or_else(|_| "{}".into());
        let added = client
            .execute(
                "INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at,
                     updated_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $8, $9)
                 ON CONFLICT (id) DO NOTHING",
                &[
                    &row.id,
                    &row.url,
                    &row.scheme,
                    &row.secrets_json().as_str(),
                    &row.config_json(),
                    &row.tenant,
                    &health,
                    &row.created_at.as_millis(),
                    &row.version,
                ],
            )
            .await?;
        if added == 0 {
            return Err(super::endpoint_exists(&row.id));
        }
        Ok(())
    }

    async fn update_endpoint(&self, row: &EndpointRow, expected: i64, now: UnixTime) -> Result<bool> {
        let client = self.pool.get().await?;
        let changed = client
            .execute(
                "UPDATE endpoints SET url = $2, scheme = $3, secrets = $4, config = $5, version = version + 1,
                     updated_at = $6
                 WHERE id = $1 AND version = $7",
                &[
                    &row.id,
                    &row.url,
                    &row.scheme,
                    &row.secrets_json().as_str(),
                    &row.config_json(),
                    &now.as_millis(),
                    &expected,
                ],
            )
            .await?;
        if changed == 0
            && client.query_opt("SELECT 1 FROM endpoints WHERE id = $1", &[&row.id]).await?.is_none()
        {
            return Err(Error::not_found("endpoint", &row.id));
        }
        Ok(changed == 1)
    }

    async fn delete_endpoint(&self, id: &str) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The queue, the deliveries, then the endpoint row: the order a completing worker
        // locks them in. Attempts go with their deliveries by migration 7's trigger, which runs
        // after the deliveries' delete with a snapshot of its own, so it also sees an attempt
        // committed by a completion that delete waited for.
        tx.execute(DELETE_QUEUED, &[&id]).await?;
        tx.execute("DELETE FROM deliveries WHERE endpoint_id = $1", &[&id]).await?;
        if tx.execute("DELETE FROM endpoints WHERE id = $1", &[&id]).await? == 0 {
            return Err(Error::not_found("endpoint", id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn endpoint_row(&self, id: &str) -> Result<Option<EndpointRow>> {
        let client = self.pool.get().await?;
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = $1");
        client.query_opt(&sql, &[&id]).await?.as_ref().map(endpoint_from_row).transpose()
    }

    async fn endpoint_rows(&self) -> Result<Vec<EndpointRow>> {
        let client = self.pool.get().await?;
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id");
        client.query(&sql, &[]).await?.iter().map(endpoint_from_row).collect()
    }

    async fn set_enabled(&self, id: &str, enabled: bool, reason: &str, now: UnixTime) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Deliveries before the endpoint row: the same order a completing worker locks them in.
        if !enabled {
            fail_active(&*tx, id, now, false).await?;
        }
        let changed = if enabled {
            let clean = serde_json::to_string(&hookwire::EndpointHealth::default()).unwrap_or_default();
            tx.execute(
                "UPDATE endpoints SET enabled = TRUE, disabled_reason = NULL, disabled_at = NULL, health = $2,
                     version = version + 1, updated_at = $3
                 WHERE id = $1",
                &[&id, &clean, &now.as_millis()],
            )
            .await?
        } else {
            tx.execute(
                "UPDATE endpoints SET enabled = FALSE, disabled_reason = $2, disabled_at = $3,
                     version = version + 1, updated_at = $3
                 WHERE id = $1",
                &[&id, &reason, &now.as_millis()],
            )
            .await?
        };
        if changed == 0 {
            return Err(Error::not_found("endpoint", id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn publish(&self, message: NewMessage, matcher: Arc<Matcher>) -> Result<Published> {
        let mut client = self.pool.get().await?;
        let prepared = PublishStatements::prepare(&client).await?;
        let tx = client.transaction().await?;
        let published = publish_with(&*tx, message, &matcher, Some(&prepared)).await?;
        tx.commit().await?;
        Ok(published)
    }

    async fn claim(&self, request: ClaimRequest) -> Result<Vec<Claimed>> {
        let client = self.claims.get().await?;
        let lease_until = (request.now + request.lease).as_millis();
        let now = request.now.as_millis();
        let limit = i64::from(request.limit);
        let rows = if request.exclude.is_empty() {
            let params: [&(dyn ToSql + Sync); 5] =
                [&request.token, &request.worker, &lease_until, &now, &limit];
            let statement = client.prepare_cached(CLAIM).await?;
            client.query(&statement, &params).await?
        } else {
            let params: [&(dyn ToSql + Sync); 6] =
                [&request.token, &request.worker, &lease_until, &now, &limit, &request.exclude];
            let statement = client.prepare_cached(CLAIM_EXCLUDING).await?;
            client.query(&statement, &params).await?
        };
        Ok(rows
            .iter()
            .map(|row| {
                let delivery_id: String = row.get(0);
                Claimed {
                    run: Run {
                        key: delivery_id.clone(),
                        attempts: u32_of(row.get(5)),
                        started_at: UnixTime::from_millis(row.get(6)),
                        manual: row.get(7),
                    },
                    delivery_id,
                    message_id: row.get(1),
                    endpoint_id: row.get(2),
                    event_type: row.get(3),
                    attempts: u32_of(row.get(4)),
                    payload: Arc::new(row.get(8)),
                    endpoint_version: row.get(9),
                    endpoint_enabled: row.get(10),
                    token: request.token.clone(),
                }
            })
            .collect())
    }

    async fn renew(&self, id: &str, token: &str, until: UnixTime, now: UnixTime) -> Result<bool> {
        let client = self.pool.get().await?;
        let changed = client
            .execute(
                "UPDATE delivery_queue SET lease_until = $3
                 WHERE delivery_id = $1 AND claim_token = $2 AND lease_until >= $4",
                &[&id, &token, &until.as_millis(), &now.as_millis()],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn release(&self, id: &str, token: &str, due: UnixTime) -> Result<bool> {
        let client = self.pool.get().await?;
        let changed = client
            .execute(
                "UPDATE delivery_queue SET claim_token = NULL, claimed_by = NULL, lease_until = NULL, due_at = $3
                 WHERE delivery_id = $1 AND claim_token = $2",
                &[&id, &token, &due.as_millis()],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn complete(&self, batch: Arc<[Completion]>) -> Result<Vec<Result<()>>> {
        let mut client = self.pool.get().await?;
        let mut endpoint_ids: Vec<&str> = batch.iter().map(|c| c.endpoint_id.as_str()).collect();
        endpoint_ids.sort_unstable();
        endpoint_ids.dedup();
        let mut columns = DeliveryColumns::default();
        let mut attempts = AttemptColumns::default();
        for c in batch.iter() {
            columns.push(c);
            if let Some(attempt) = &c.attempt {
                attempts.push(c, attempt);
            }
        }
        let write = client.prepare_cached(COMPLETE).await?;
        let tx = client.transaction().await?;
        let write_params: [&(dyn ToSql + Sync); 29] = [
            &columns.id,
            &columns.token,
            &columns.status,
            &columns.due_at,
            &columns.give_up,
            &columns.finished_at,
            &columns.status_off,
            &columns.due_at_off,
            &columns.give_up_off,
            &columns.finished_at_off,
            &columns.inc,
            &columns.run_inc,
            &columns.last_status,
            &columns.last_error,
            &columns.now,
            &attempts.delivery_id,
            &attempts.endpoint_id,
            &attempts.number,
            &attempts.started_at,
            &attempts.duration_ms,
            &attempts.status,
            &attempts.class,
            &attempts.failure,
            &attempts.error,
            &attempts.headers,
            &attempts.body,
            &attempts.truncated,
            &attempts.manual,
            &attempts.worker,
        ];
        let mut endpoints: HashMap<String, (bool, String)> = HashMap::new();
        let mut written: HashSet<String> = HashSet::new();
        for row in tx.query(&write, &write_params).await? {
            if row.get(0) {
                endpoints.insert(row.get(1), (row.get(2), row.get(3)));
            } else {
                written.insert(row.get(1));
            }
        }

        // Health, per endpoint, in the order the outcomes came.
        for id in endpoint_ids {
            let Some((true, health)) = endpoints.get(id) else { continue };
            let outcomes: Vec<&Completion> = batch
                .iter()
                .filter(|c| c.endpoint_id == id && c.outcome.is_some() && written.contains(&c.delivery_id))
                .collect();
            if outcomes.is_empty() {
                continue;
            }
            let parse = |text: &str| -> Result<hookwire::EndpointHealth> {
                serde_json::from_str(text)
                    .map_err(|err| Error::store(format!("endpoint `{id}`: unreadable health: {err}")))
            };
            let replay = |health: &mut hookwire::EndpointHealth| {
                let mut disabled = None;
                for c in &outcomes {
                    if let Some(outcome) = &c.outcome {
                        let transition = decisions::record_health(health, &c.health, outcome, c.now);
                        disabled = disabled.or(transition.as_ref().and_then(decisions::disabled));
                    }
                }
                disabled
            };
            let before = parse(health)?;
            let mut after = before.clone();
            replay(&mut after);
            if after == before {
                continue;
            }
            // Another worker may be recording on this endpoint: lock, re-read, decide again.
            let row = tx
                .query_one("SELECT enabled, health FROM endpoints WHERE id = $1 FOR UPDATE", &[&id])
                .await?;
            if !row.get::<_, bool>(0) {
                continue;
            }
            let mut health = parse(row.get(1))?;
            let disabled = replay(&mut health);
            tx.execute(
                "UPDATE endpoints SET health = $2 WHERE id = $1",
                &[&id, &serde_json::to_string(&health).unwrap_or_default()],
            )
            .await?;
            if let Some((reason, at)) = disabled {
                tracing::warn!(endpoint = %id, reason, "endpoint disabled");
                tx.execute(
                    "UPDATE endpoints SET enabled = FALSE, disabled_reason = $2, disabled_at = $3,
                         version = version + 1, updated_at = $3
                     WHERE id = $1",
                    &[&id, &reason, &at.as_millis()],
                )
                .await?;
                fail_active(&*tx, id, at, true).await?;
            }
        }
        tx.commit().await?;
        Ok(batch
            .iter()
            .map(|c| {
                if written.contains(&c.delivery_id) {
                    Ok(())
                } else {
                    Err(Error::LeaseLost { delivery: c.delivery_id.clone() })
                }
            })
            .collect())
    }

    async fn next_due(&self) -> Result<Option<UnixTime>> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                // The first free delivery's due time, or a claimed one's lease end if sooner.
                // Claimed deliveries sort before it (claims take due ones), and one sorting after
                // it has a lease ending later still: only the front of the due index is read.
                "WITH first AS (
                     SELECT due_at FROM delivery_queue WHERE claim_token IS NULL ORDER BY due_at LIMIT 1
                 )
                 SELECT least((SELECT due_at FROM first),
                              (SELECT min(lease_until) FROM delivery_queue
                               WHERE claim_token IS NOT NULL
                                 AND due_at <= coalesce((SELECT due_at FROM first), 9223372036854775807)))",
                &[],
            )
            .await?;
        Ok(row.get::<_, Option<i64>>(0).map(UnixTime::from_millis))
    }

    async fn active_count(&self) -> Result<u64> {
        let client = self.pool.get().await?;
        let row = client.query_one("SELECT count(*) FROM delivery_queue", &[]).await?;
        Ok(u64_of(row.get(0)))
    }

    async fn deliveries(&self, filter: DeliveryFilter) -> Result<Vec<DeliveryRecord>> {
        let client = self.pool.get().await?;
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_TABLES}
             WHERE ($1::text IS NULL OR d.endpoint_id = $1) AND ($2::text IS NULL OR d.message_id = $2)
               AND ($3::text IS NULL OR d.status = $3) AND ($4::text IS NULL OR d.event_type = $4)
               AND ($5::bigint IS NULL OR d.created_at >= $5) AND ($6::bigint IS NULL OR d.created_at < $6)
             ORDER BY d.created_at DESC, d.id DESC LIMIT $7"
        );
        let rows = client
            .query(
                &sql,
                &[
                    &filter.endpoint_id,
                    &filter.message_id,
                    &filter.status.map(DeliveryStatus::name),
                    &filter.event_type,
                    &ms(filter.since),
                    &ms(filter.until),
                    &filter.limit.map(i64::from),
                ],
            )
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    async fn delivery(&self, id: &str) -> Result<Option<DeliveryRecord>> {
        let client = self.pool.get().await?;
        load_delivery(&**client, id, false).await
    }

    async fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRecord>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT number, started_at, duration_ms, status, class, failure, error, response_headers,
                     response_body, response_truncated, manual, worker
                 FROM attempts WHERE delivery_id = $1 ORDER BY number",
                &[&delivery_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| AttemptRecord {
                delivery_id: delivery_id.to_owned(),
                number: u32_of(row.get(0)),
                started_at: UnixTime::from_millis(row.get(1)),
                duration: Duration::from_millis(u64_of(row.get(2))),
                status: u16_of(row.get(3)),
                class: row.get(4),
                failure: row.get(5),
                error: row.get(6),
                response_headers: headers_from_json(row.get(7)),
                response_body: row.get(8),
                response_truncated: row.get(9),
                manual: row.get(10),
                worker: row.get(11),
            })
            .collect())
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, event_type, payload, idempotency_key, tenant, created_at FROM messages WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(row.map(|row| MessageRecord {
            id: row.get(0),
            event_type: row.get(1),
            payload: row.get(2),
            idempotency_key: row.get(3),
            tenant: row.get(4),
            created_at: UnixTime::from_millis(row.get(5)),
        }))
    }

    async fn retry(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let queued = lock_queued(&*tx, id).await?;
        let delivery = require_delivery(&*tx, id, true).await?;
        require_enabled(&*tx, &delivery.endpoint_id).await?;
        match delivery.status {
            DeliveryStatus::Pending | DeliveryStatus::Retrying => {
                if !queued {
                    lock_requeued(&*tx, id).await?;
                }
                let changed = tx
                    .execute(
                        "UPDATE delivery_queue SET due_at = $2, claim_token = NULL, claimed_by = NULL,
                             lease_until = NULL
                         WHERE delivery_id = $1 AND (claim_token IS NULL OR lease_until < $2)",
                        &[&id, &now.as_millis()],
                    )
                    .await?;
                if changed == 0 {
                    return Err(Error::state(format!("delivery `{id}` is being attempted right now")));
                }
                tx.execute("UPDATE deliveries SET updated_at = $2 WHERE id = $1", &[&id, &now.as_millis()])
                    .await?;
            }
            DeliveryStatus::Failed | DeliveryStatus::Cancelled => {
                tx.execute(
                    "UPDATE deliveries SET status = 'pending', manual = TRUE, give_up_reason = NULL,
                         finished_at = NULL, updated_at = $2
                     WHERE id = $1",
                    &[&id, &now.as_millis()],
                )
                .await?;
                requeue(&*tx, id, now).await?;
            }
            DeliveryStatus::Succeeded => return Err(retry_refusal(id, "succeeded")),
        }
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        let delivery = require_delivery(&*tx, id, false).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn resend(&self, message_id: &str, endpoint_id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        require_enabled(&*tx, endpoint_id).await?;
        let (event_type, seq): (String, i64) = tx
            .query_opt("SELECT event_type, seq FROM messages WHERE id = $1", &[&message_id])
            .await?
            .map(|r| (r.get(0), r.get(1)))
            .ok_or_else(|| Error::not_found("message", message_id))?;
        let existing = tx
            .query_opt(
                "SELECT id, status FROM deliveries WHERE message_id = $1 AND endpoint_id = $2 FOR UPDATE",
                &[&message_id, &endpoint_id],
            )
            .await?;
        let id = match existing {
            Some(row) => {
                let (id, status): (String, String) = (row.get(0), row.get(1));
                if status == "pending" || status == "retrying" {
                    return Err(Error::state(format!(
                        "delivery `{id}` is {status}: use retry to send it now"
                    )));
                }
                new_run(&*tx, std::slice::from_ref(&id), now).await?;
                id
            }
            None => {
                let id = crate::id::new_ordered_id("dlv", now);
                tx.execute(
                    "INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status,
                         run_started_at, created_at, updated_at)
                     VALUES ($1, $2, $6, $3, $4, 'pending', $5, $5, $5)",
                    &[&id, &message_id, &endpoint_id, &event_type, &now.as_millis(), &seq],
                )
                .await?;
                requeue(&*tx, &id, now).await?;
                id
            }
        };
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        let delivery = require_delivery(&*tx, &id, false).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn recover(
        &self,
        endpoint_id: &str,
        since: UnixTime,
        until: UnixTime,
        dry_run: bool,
        now: UnixTime,
    ) -> Result<Vec<String>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let enabled = endpoint_enabled(&*tx, endpoint_id).await?;
        if !dry_run && !enabled {
            return Err(Error::state(format!("endpoint `{endpoint_id}` is disabled: re-enable it first")));
        }
        let lock = if dry_run { "" } else { "FOR UPDATE" };
        let sql = format!(
            "SELECT id FROM deliveries
             WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2 AND created_at < $3
             ORDER BY created_at, id {lock}"
        );
        let ids: Vec<String> = tx
            .query(&sql, &[&endpoint_id, &since.as_millis(), &until.as_millis()])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !dry_run && !ids.is_empty() {
            new_run(&*tx, &ids, now).await?;
            tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn cancel(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let queued = lock_queued(&*tx, id).await?;
        let delivery = require_delivery(&*tx, id, true).await?;
        if delivery.status.is_final() {
            return Err(Error::state(format!("delivery `{id}` is {}: nothing to cancel", delivery.status)));
        }
        if !queued {
            lock_requeued(&*tx, id).await?;
        }
        // A worker holding it loses its claim with the queue row: its completion writes nothing.
        tx.execute("DELETE FROM delivery_queue WHERE delivery_id = $1", &[&id]).await?;
        tx.execute(
            "UPDATE deliveries SET status = 'cancelled', finished_at = $2, updated_at = $2 WHERE id = $1",
            &[&id, &now.as_millis()],
        )
        .await?;
        let delivery = require_delivery(&*tx, id, false).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn stats(&self) -> Result<Vec<EndpointStats>> {
        let client = self.pool.get().await?;
        let endpoints =
            client.query("SELECT id, url, enabled FROM endpoints ORDER BY created_at, id", &[]).await?;
        let mut all = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            let id: String = endpoint.get(0);
            let mut stats = EndpointStats {
                endpoint_id: id.clone(),
                url: endpoint.get(1),
                enabled: endpoint.get(2),
                pending: 0,
                retrying: 0,
                succeeded: 0,
                failed: 0,
                cancelled: 0,
                attempts: 0,
                success_rate: None,
                p50_latency: None,
                p95_latency: None,
                last_failure_at: None,
                last_failure: None,
            };
            for row in client
                .query(
                    "SELECT status, count(*) FROM deliveries WHERE endpoint_id = $1 GROUP BY status",
                    &[&id],
                )
                .await?
            {
                crate::stats::add_count(&mut stats, row.get(0), u64_of(row.get(1)));
            }
            stats.attempts = u64_of(
                client
                    .query_one("SELECT count(*) FROM attempts WHERE endpoint_id = $1", &[&id])
                    .await?
                    .get(0),
            );
            let mut latencies: Vec<Duration> = client
                .query(
                    "SELECT duration_ms FROM attempts WHERE endpoint_id = $1 AND status IS NOT NULL
                     ORDER BY started_at DESC LIMIT $2",
                    &[&id, &i64::from(super::sqlite::LATENCY_WINDOW)],
                )
                .await?
                .iter()
                .map(|r| Duration::from_millis(u64_of(r.get(0))))
                .collect();
            latencies.sort_unstable();
            stats.p50_latency = percentile(&latencies, 50);
            stats.p95_latency = percentile(&latencies, 95);
            if let Some(row) = client
                .query_opt(
                    "SELECT started_at, status, failure FROM attempts WHERE endpoint_id = $1 AND class != 'success'
                     ORDER BY started_at DESC, id DESC LIMIT 1",
                    &[&id],
                )
                .await?
            {
                stats.last_failure_at = Some(UnixTime::from_millis(row.get(0)));
                stats.last_failure = u16_of(row.get(1)).map(|s| s.to_string()).or(row.get(2));
            }
            crate::stats::finish(&mut stats);
            all.push(stats);
        }
        Ok(all)
    }

    async fn metrics(&self, now: UnixTime) -> Result<Metrics> {
        let client = self.pool.get().await?;
        let counts = client
            .query_one(
                "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'),
                     count(*) FILTER (WHERE status IN ('pending', 'retrying'))
                 FROM deliveries",
                &[],
            )
            .await?;
        let retried = client.query_one("SELECT count(*) FROM attempts WHERE number > 1", &[]).await?;
        let due = client
            .query_one(
                "SELECT count(*), min(CASE WHEN claim_token IS NULL THEN due_at ELSE greatest(due_at, lease_until) END)
                 FROM delivery_queue WHERE due_at <= $1 AND (claim_token IS NULL OR lease_until <= $1)",
                &[&now.as_millis()],
            )
            .await?;
        Ok(Metrics {
            delivered: u64_of(counts.get(0)),
            failed: u64_of(counts.get(1)),
            retried: u64_of(retried.get(0)),
            queue_depth: u64_of(counts.get(2)),
            due_now: u64_of(due.get(0)),
            oldest_due: due.get::<_, Option<i64>>(1).map(UnixTime::from_millis),
        })
    }

    async fn purge(&self, before: UnixTime) -> Result<Purged> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let before = before.as_millis();
        // Their attempts go by migration 7's trigger, in one pass over the deleted rows.
        let deliveries = tx
            .execute(
                "DELETE FROM deliveries WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < $1",
                &[&before],
            )
            .await?;
        let messages = tx
            .execute(
                "DELETE FROM messages
                 WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = messages.id)",
                &[&before],
            )
            .await?;
        tx.commit().await?;
        Ok(Purged { deliveries, messages })
    }

    async fn schema_version(&self) -> Result<i64> {
        let client = self.pool.get().await?;
        Ok(client.query_one("SELECT max(version) FROM hookwire_schema", &[]).await?.get(0))
    }
}

/// How this engine locks and plans, which the conformance suite cannot see (it checks what the
/// engines do, the same for both).
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio_postgres::types::ToSql;

    use super::{fail_active_sql, CLAIM, CLAIM_EXCLUDING, DELETE_QUEUED};
    use crate::store::{ClaimRequest, Store};
    use crate::{DeliveryFilter, Error, NewEndpoint, Outbox, Publish};

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pg.rs"));

    /// Disabling or deleting an endpoint reaches its queued deliveries by the queue's endpoint
    /// index: neither reads the whole queue (every endpoint's pending deliveries), which on
    /// auto-disable happened inside a completion's transaction. Sequential scans are priced out
    /// so that the plan says whether any other way exists at this size.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn disabling_or_deleting_an_endpoint_reads_only_its_own_queue_rows() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        let (_outbox, endpoints) = queued(&pg.url(), 4, 50).await;
        let client = connect(&pg.url()).await;
        client.batch_execute("ANALYZE delivery_queue; SET enable_seqscan = off").await.unwrap();
        let (id, now) = (&endpoints[0], 0_i64);
        for (what, sql, params) in [
            ("disable", fail_active_sql(false), vec![id as &(dyn ToSql + Sync), &now]),
            ("auto-disable", fail_active_sql(true), vec![id, &now]),
            ("delete", DELETE_QUEUED.to_owned(), vec![id]),
        ] {
            let plan: Vec<String> = client
                .query(&format!("EXPLAIN {sql}"), &params)
                .await
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
            let plan = plan.join("\n");
            assert!(!plan.contains("Seq Scan on delivery_queue"), "{what} scans the whole queue:\n{plan}");
            assert!(plan.contains("delivery_queue_endpoint"), "{what}:\n{plan}");
        }
    }

    /// A retry or cancel that found no queue row (the delivery was final) while a retry by hand
    /// or a recover made the delivery pending and a worker took it: with the delivery's row held,
    /// it must not wait for the queue row the worker's completion holds while that completion
    /// waits for the delivery (40P01, the completion's whole batch rolled back). It is refused as
    /// being attempted, and the completion goes on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_retry_or_cancel_racing_a_requeue_and_its_completion_is_refused_not_deadlocked() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        let (outbox, _) = queued(&pg.url(), 1, 2).await;
        let admin = connect(&pg.url()).await;
        let deliveries = outbox.deliveries(DeliveryFilter::default()).await.unwrap();
        for (operation, delivery) in ["cancel", "retry"].into_iter().zip(&deliveries) {
            let id = delivery.id.clone();
            admin
                .execute(
                    "WITH gone AS (DELETE FROM delivery_queue WHERE delivery_id = $1)
                     UPDATE deliveries SET status = 'failed', finished_at = 1 WHERE id = $1",
                    &[&id],
                )
                .await
                .unwrap();
            // A retry by hand in two halves: the delivery pending again, its queue row.
            let pending = connect(&pg.url()).await;
            pending.batch_execute("BEGIN").await.unwrap();
            pending
                .execute("UPDATE deliveries SET status = 'pending', finished_at = NULL WHERE id = $1", &[&id])
                .await
                .unwrap();
            let queue = connect(&pg.url()).await;
            queue.batch_execute("BEGIN").await.unwrap();
            queue
                .execute(
                    "INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts,
                         run_started_at, manual)
                     SELECT id, endpoint_id, message_seq, 0, attempts, run_attempts, run_started_at, manual
                     FROM deliveries WHERE id = $1",
                    &[&id],
                )
                .await
                .unwrap();
            // The operation finds no queue row and waits for the delivery.
            let (store, target) = (outbox.clone(), id.clone());
            let operation_done = tokio::spawn(async move {
                if operation == "cancel" {
                    store.cancel(&target).await
                } else {
                    store.retry(&target).await
                }
            });
            until_waiting(&admin, 1).await;
            queue.batch_execute("COMMIT").await.unwrap();
            // A worker's completion: the queue row, then the delivery.
            let worker = connect(&pg.url()).await;
            worker.batch_execute("BEGIN").await.unwrap();
            worker
                .execute("SELECT 1 FROM delivery_queue WHERE delivery_id = $1 FOR UPDATE", &[&id])
                .await
                .unwrap();
            let target = id.clone();
            let completion = tokio::spawn(async move {
                let written = worker
                    .execute("UPDATE deliveries SET attempts = attempts + 1 WHERE id = $1", &[&target])
                    .await;
                (written, worker.batch_execute("COMMIT").await)
            });
            until_waiting(&admin, 2).await;
            pending.batch_execute("COMMIT").await.unwrap();

            let refused = operation_done.await.unwrap().unwrap_err();
            assert_eq!(refused.code(), Error::state("").code(), "{operation}: {refused}");
            assert!(refused.to_string().contains("being attempted right now"), "{operation}: {refused}");
            let (written, committed) = completion.await.unwrap();
            assert_eq!(written.unwrap(), 1, "{operation}: the completion writes");
            committed.unwrap();
        }
    }

    /// `hookwire_claim` names its tables without a schema: it finds them where the migration made
    /// it, whatever the caller's `search_path` (here one without that schema).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_claim_finds_its_tables_whatever_the_callers_search_path() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        let (_outbox, _) = queued(&pg.url(), 1, 3).await;
        let client = connect(&pg.url()).await;
        client.batch_execute("SET search_path = pg_catalog").await.unwrap();
        let claimed = client
            .query(
                "SELECT id FROM public.hookwire_claim('clm_t', 'wrk_t', 4000000000000, 4000000000000, 10,
                     ARRAY[]::text[])",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(claimed.len(), 3);
    }

    /// Pools connect lazily; open makes a claim connection, so a server (or a pooler) that will
    /// not give one fails the open with the server's reason, not every claim of a worker that
    /// retries forever. Here a role allowed one connection: the migration's, then the claim's.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_fails_when_no_claim_connection_can_be_made() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        drop(Outbox::open(&pg.url()).await.unwrap());
        let admin = connect(&pg.url()).await;
        admin
            .batch_execute(
                "CREATE ROLE hw_one LOGIN CONNECTION LIMIT 1;
                 GRANT ALL ON SCHEMA public TO hw_one;
                 GRANT ALL ON ALL TABLES IN SCHEMA public TO hw_one;
                 GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO hw_one;",
            )
            .await
            .unwrap();
        let url = pg.url().replace("postgres://postgres@", "postgres://hw_one@");
        let err = super::PostgresStore::open(&url).await.err().expect("open with one connection allowed");
        assert_eq!(err.code(), "store_error", "{err}");
        assert!(err.to_string().contains("53300"), "{err}");
    }

    /// The claim connection open makes to check the server is closed again: an outbox that only
    /// publishes holds none, and the first claim makes one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn open_keeps_no_claim_connection_until_a_claim() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        let store = super::PostgresStore::open(&pg.url()).await.unwrap();
        assert_eq!(store.claims.status().size, 0, "a claim connection kept after open");
        let request = ClaimRequest {
            worker: "wrk_t".into(),
            token: "clm_t".into(),
            now: hookwire::UnixTime::now(),
            lease: Duration::from_secs(30),
            limit: 1,
            exclude: Vec::new(),
        };
        assert!(store.claim(request).await.unwrap().is_empty());
        assert_eq!(store.claims.status().size, 1, "the first claim makes one claim connection");
    }

    /// The store's claim connections plan each claim statement once, for any values, and that plan
    /// is the one for a deep queue's actual values: the front of the due index, the leased rows by
    /// address, no scan or sort of the queue. Checked through the store's own claims and claim
    /// connections, after more claims than PostgreSQL's five plans for actual values before it may
    /// switch, at 200,000 queued deliveries due in shuffled order, behind 20,000 of an endpoint
    /// due first that the excluding claim leaves out (the plan for any values is the same at any
    /// depth; the statistics say how deep).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_claim_is_planned_once_as_the_due_index_plan_at_any_queue_depth() {
        let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
        let (_outbox, endpoints) = queued(&pg.url(), 2, 0).await;
        let (front, rest) = (&endpoints[0], &endpoints[1]);
        let admin = connect(&pg.url()).await;
        admin
            .batch_execute(&format!(
                "INSERT INTO messages (id, event_type, payload, created_at)
                 SELECT 'msg_d' || i, 'order.created', '\\x7b7d'::bytea, 0 FROM generate_series(1, 200000) i;
                 INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status,
                     run_started_at, created_at, updated_at)
                 SELECT 'dlv_d' || m.seq, m.id, m.seq, '{rest}', 'order.created', 'pending', 0, 0, 0 FROM messages m;
                 INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status,
                     run_started_at, created_at, updated_at)
                 SELECT 'dlv_f' || m.seq, m.id, m.seq, '{front}', 'order.created', 'pending', 0, 0, 0
                 FROM messages m ORDER BY m.seq LIMIT 20000;
                 INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts,
                     run_started_at, manual)
                 SELECT id, endpoint_id, message_seq,
                     CASE WHEN endpoint_id = '{front}' THEN message_seq ELSE 100000 + (random() * 1e6)::bigint END,
                     0, 0, 0, FALSE
                 FROM deliveries;"
            ))
            .await
            .unwrap();
        for table in ["messages", "deliveries", "delivery_queue"] {
            admin.batch_execute(&format!("VACUUM ANALYZE {table}")).await.unwrap();
        }
        let store = super::PostgresStore::open(&pg.url()).await.unwrap();
        let now = crate::UnixTime::from_millis(3_000_000_000_000);
        for (sql, exclude) in [(CLAIM_EXCLUDING, vec![front.clone()]), (CLAIM, Vec::new())] {
            for round in 0..9 {
                let request = ClaimRequest {
                    worker: "wrk_t".into(),
                    token: format!("clm_t{round}"),
                    now,
                    lease: Duration::from_secs(3600),
                    limit: 32,
                    exclude: exclude.clone(),
                };
                let claimed = store.claim(request).await.unwrap();
                assert_eq!(claimed.len(), 32);
                if !exclude.is_empty() {
                    assert!(
                        claimed.iter().all(|c| &c.endpoint_id == rest),
                        "an excluded endpoint's delivery was claimed"
                    );
                }
            }
            // Both claim connections at once: whichever made the claims.
            let connections = [store.claims.get().await.unwrap(), store.claims.get().await.unwrap()];
            let (mut generic, mut custom, mut explained) = (0, 0, 0);
            for client in &connections {
                let mode: String = client.query_one("SHOW plan_cache_mode", &[]).await.unwrap().get(0);
                assert_eq!(mode, "force_generic_plan");
                for row in client
                    .query(
                        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
                        &[&sql],
                    )
                    .await
                    .unwrap()
                {
                    let name: String = row.get(0);
                    generic += row.get::<_, i64>(1);
                    custom += row.get::<_, i64>(2);
                    let args = if exclude.is_empty() { String::new() } else { format!(", ARRAY['{front}']") };
                    let plan: Vec<String> = client
                        .query(&format!("EXPLAIN EXECUTE {name}('clm_x', 'wrk_x', 4000000000000, 3000000000000, 32{args})"), &[])
                        .await
                        .unwrap()
                        .iter()
                        .map(|r| r.get(0))
                        .collect();
                    let plan = plan.join("\n");
                    assert!(plan.contains("Index Scan using delivery_queue_due on delivery_queue"), "{plan}");
                    assert!(plan.contains("Tid Scan on delivery_queue"), "{plan}");
                    assert!(plan.contains("Index Scan using messages_seq on messages"), "{plan}");
                    for absent in ["Seq Scan on delivery_queue", "Sort", "Seq Scan on messages"] {
                        assert!(!plan.contains(absent), "{absent}:\n{plan}");
                    }
                    explained += 1;
                }
            }
            assert!(explained > 0, "no claim statement prepared on the claim connections");
            assert_eq!((generic, custom), (9, 0), "plans for any values and for the actual ones");
        }
    }
}
