//! The SQLite engine: one file, no server, the embedded default. One connection in WAL mode
//! serves the process (SQLite has one writer at a time anyway); other processes on the same
//! file (a CLI publishing while a worker runs) wait for the write lock (`busy_timeout`).
//! Every write that must be atomic is one `BEGIN IMMEDIATE` transaction, so a `kill -9` at
//! any point leaves either all of it or none of it.
//!
//! WAL checkpoints (copying the WAL back into the database file, with an `fsync` of each) run
//! on a thread of their own with a second connection, not inside the writer's commits (see
//! `checkpoint_in_background`).

use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, PoisonError, TryLockError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use super::migrations::{Migration, LATEST, SQLITE};
use super::{
    headers_from_json, headers_json, retry_refusal, span_ms, AttemptRow, ClaimRequest, Claimed, Completion,
    NewMessage, Store,
};
use crate::decisions::{self, Run};
use crate::endpoint::EndpointRow;
use crate::fanout::{Matcher, Route};
use crate::stats::percentile;
use crate::{
    AttemptRecord, DeliveryFilter, DeliveryRecord, DeliveryStatus, EndpointStats, Error, MessageRecord,
    Metrics, Published, Purged, Result, UnixTime,
};

/// How long a statement waits for another process's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Percentiles are computed over this many of an endpoint's most recent responses.
pub(crate) const LATENCY_WINDOW: u32 = 10_000;

/// WAL pages (4 KiB each) from which a commit wakes the background checkpointer: SQLite's own
/// automatic checkpoint threshold.
const CHECKPOINT_PAGES: c_int = 1000;

/// WAL pages from which the committing connection checkpoints by itself, as SQLite does at
/// 1,000, unless a background checkpoint is running. SQLite starts the WAL afresh only after a
/// checkpoint has copied all of it, and a writer that never pauses appends while every
/// background checkpoint runs: without this the WAL would grow as long as the writer is busy.
/// What is left to copy then is what the last background checkpoint did not reach.
const CHECKPOINT_PAGES_WRITER: c_int = 4 * CHECKPOINT_PAGES;

/// WAL pages (32 MiB) from which the writer waits for a background checkpoint still running,
/// then checkpoints: the bound on the WAL.
const CHECKPOINT_PAGES_LIMIT: c_int = 2 * CHECKPOINT_PAGES_WRITER;

/// The SQLite engine (open it through [`Outbox::open`](crate::Outbox::open) with
/// `sqlite:///path/to/outbox.db`).
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Writer>,
}

/// The process's connection, and the thread that checkpoints its WAL.
struct Writer {
    conn: Mutex<Connection>,
    checkpointer: Option<JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        // The WAL hook holds the checkpointer's wake-up sender: removing the hook ends the
        // thread, which closes its connection before this one closes, so the last connection
        // to close is still this one (it checkpoints what is left and removes the WAL).
        let conn = self.conn.get_mut().unwrap_or_else(PoisonError::into_inner);
        let _ = conn.wal_hook(None::<fn(&mut Wal, c_int) -> rusqlite::Result<()>>);
        if let Some(thread) = self.checkpointer.take() {
            let _ = thread.join();
        }
    }
}

/// Moves the WAL's checkpoints off the writer. SQLite checkpoints inside the commit that takes
/// the WAL past 1,000 pages, and with `synchronous = NORMAL` that checkpoint syncs the WAL and
/// then the database file: every claim and completion waits behind two `fsync`s, each worker
/// request with them. Here that commit only wakes a thread whose own connection runs a passive
/// checkpoint: it copies the pages no reader still needs while the writer goes on appending,
/// and neither waits for the other (sqlite.org/wal.html names a separate thread as a place for
/// checkpoints). Durability is unchanged: a commit is in the WAL either way, and the WAL is
/// synced before each checkpoint, as before.
///
/// Returns the thread, or `None` (SQLite's own automatic checkpoints stay) for a database with
/// no file or when no thread can be started.
fn checkpoint_in_background(conn: &mut Connection) -> Option<JoinHandle<()>> {
    let path = PathBuf::from(conn.path().filter(|path| !path.is_empty())?);
    let (wake, woken) = mpsc::sync_channel::<()>(1);
    // Held by whichever checkpoint runs: SQLite answers "busy" at once to a second one, and at
    // the limit the writer's must not be skipped.
    let one_at_a_time = Arc::new(Mutex::new(()));
    let thread = std::thread::Builder::new()
        .name("hookwire-sqlite-checkpoint".into())
        .spawn({
            let one_at_a_time = Arc::clone(&one_at_a_time);
            move || checkpoints(&path, &woken, &one_at_a_time)
        })
        .ok()?;
    // The WAL's size at the last wake-up: one background checkpoint per 1,000 new pages, as
    // SQLite's own (a checkpoint that catches up with a busy writer still leaves the WAL at its
    // size, and waking on every commit past 1,000 would sync the files back to back).
    let mut woken_at: c_int = 0;
    let hooked = conn.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
        if pages < woken_at {
            // The WAL started afresh.
            woken_at = 0;
        }
        if pages >= CHECKPOINT_PAGES_WRITER {
            // A background checkpoint still running is waited for only at the limit (it never
            // waits for the writer: the commit is over, its locks are released); below it, the
            // next commit looks again. As SQLite's own hook does, the checkpoint's result is not
            // the commit's.
            let running = match one_at_a_time.try_lock() {
                Ok(turn) => Some(turn),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) if pages >= CHECKPOINT_PAGES_LIMIT => {
                    Some(one_at_a_time.lock().unwrap_or_else(PoisonError::into_inner))
                }
                Err(TryLockError::WouldBlock) => None,
            };
            if running.is_some() {
                let _ = wal.checkpoint();
            }
        } else if pages - woken_at >= CHECKPOINT_PAGES {
            woken_at = pages;
            // Full: a wake-up is already waiting.
            let _ = wake.try_send(());
        }
        Ok(())
    }));
    if hooked.is_err() {
        // The hook, and with it the sender, is gone: the thread ends.
        let _ = thread.join();
        return None;
    }
    Some(thread)
}

/// The checkpointer's loop: a passive checkpoint each time a commit wakes it; ends when the
/// writer's connection lets go of the hook. Its connection is opened on the first wake-up
/// (most short-lived processes never write 4 MiB).
fn checkpoints(path: &Path, woken: &mpsc::Receiver<()>, one_at_a_time: &Mutex<()>) {
    let mut conn: Option<Connection> = None;
    while woken.recv().is_ok() {
        if conn.is_none() {
            conn = Connection::open(path)
                .and_then(|conn| conn.execute_batch("PRAGMA synchronous = NORMAL").map(|()| conn))
                .map_err(|err| tracing::warn!(error = %err, "cannot open the checkpoint connection"))
                .ok();
        }
        if let Some(conn) = &conn {
            let _running = one_at_a_time.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(err) = conn.wal_checkpoint_v2(Some(rusqlite::MAIN_DB), CheckpointMode::PASSIVE) {
                tracing::debug!(error = %err, "background checkpoint did not run");
            }
        }
    }
}

impl SqliteStore {
    pub(crate) async fn open(path: &Path) -> Result<SqliteStore> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || -> Result<Writer> {
            let mut conn = Connection::open(&path)
                .map_err(|err| Error::store(format!("cannot open {}: {err}", path.display())))?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // WAL: readers never block the writer; NORMAL sync: a process crash loses nothing
            // committed (an OS crash may lose the last transactions, as SQLite documents).
            let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
            migrate(&mut conn)?;
            let checkpointer = checkpoint_in_background(&mut conn);
            Ok(Writer { conn: Mutex::new(conn), checkpointer })
        })
        .await
        .map_err(|err| Error::store(format!("sqlite open task failed: {err}")))??;
        Ok(SqliteStore { conn: Arc::new(conn) })
    }

    /// Runs `work` on the connection on tokio's blocking pool.
    async fn call<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .conn
                .lock()
                .map_err(|_| Error::store("sqlite connection poisoned by an earlier panic"))?;
            work(&mut conn)
        })
        .await
        .map_err(|err| Error::store(format!("sqlite task failed: {err}")))?
    }
}

/// A `count(*)` as the unsigned number it is.
fn count_of(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS hookwire_schema (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 =
        tx.query_row("SELECT coalesce(max(version), 0) FROM hookwire_schema", [], |r| r.get(0))?;
    if current > LATEST {
        return Err(Error::SchemaTooNew { found: current, known: LATEST });
    }
    for Migration { version, name, sql } in SQLITE.iter().filter(|m| m.version > current) {
        tx.execute_batch(sql).map_err(|err| Error::store(format!("migration {version} ({name}): {err}")))?;
        tx.execute(
            "INSERT INTO hookwire_schema (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, UnixTime::now().as_millis()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

const ENDPOINT_COLUMNS: &str =
    "id, url, scheme, secrets, config, tenant, enabled, disabled_reason, disabled_at, health, created_at, version";

fn endpoint_from_row(row: &Row<'_>) -> rusqlite::Result<Result<EndpointRow>> {
    let secrets: String = row.get(3)?;
    let config: String = row.get(4)?;
    let health: String = row.get(9)?;
    Ok(EndpointRow::from_columns(
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        &zeroize::Zeroizing::new(secrets),
        &config,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        &health,
        row.get(10)?,
        row.get(11)?,
    ))
}

const DELIVERY_COLUMNS: &str =
    "id, message_id, endpoint_id, event_type, status, due_at, attempts, last_status, \
     last_error, give_up_reason, created_at, updated_at, finished_at";

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<Result<DeliveryRecord>> {
    let status: String = row.get(4)?;
    let status = match DeliveryStatus::from_name(&status) {
        Ok(status) => status,
        Err(_) => return Ok(Err(Error::store(format!("delivery has an unknown status `{status}`")))),
    };
    let due: Option<i64> = row.get(5)?;
    Ok(Ok(DeliveryRecord {
        id: row.get(0)?,
        message_id: row.get(1)?,
        endpoint_id: row.get(2)?,
        event_type: row.get(3)?,
        status,
        attempts: row.get(6)?,
        next_attempt_at: if status.is_final() { None } else { due.map(UnixTime::from_millis) },
        last_status: row.get(7)?,
        last_error: row.get(8)?,
        give_up_reason: row.get(9)?,
        created_at: UnixTime::from_millis(row.get(10)?),
        updated_at: UnixTime::from_millis(row.get(11)?),
        finished_at: row.get::<_, Option<i64>>(12)?.map(UnixTime::from_millis),
    }))
}

fn load_delivery(conn: &Connection, id: &str) -> Result<Option<DeliveryRecord>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = ?1");
    conn.query_row(&sql, [id], delivery_from_row).optional()?.transpose()
}

fn require_delivery(conn: &Connection, id: &str) -> Result<DeliveryRecord> {
    load_delivery(conn, id)?.ok_or_else(|| Error::not_found("delivery", id))
}

fn endpoint_enabled(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    tx.query_row("SELECT enabled FROM endpoints WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found("endpoint", id))
}

fn require_enabled(tx: &Transaction<'_>, id: &str) -> Result<()> {
    if endpoint_enabled(tx, id)? {
        Ok(())
    } else {
        Err(Error::state(format!("endpoint `{id}` is disabled: re-enable it first")))
    }
}

/// Puts a final delivery on a new run of its policy, due now.
fn new_run(tx: &Transaction<'_>, id: &str, now: UnixTime) -> Result<()> {
    tx.execute(
        "UPDATE deliveries SET status = 'pending', due_at = ?2, run_attempts = 0, run_started_at = ?2, manual = 0,
             give_up_reason = NULL, finished_at = NULL, claim_token = NULL, claimed_by = NULL, lease_until = NULL,
             updated_at = ?2
         WHERE id = ?1",
        params![id, now.as_millis()],
    )?;
    Ok(())
}

fn fail_active(tx: &Transaction<'_>, endpoint_id: &str, now: UnixTime, include_claimed: bool) -> Result<()> {
    let claimed = if include_claimed { "" } else { "AND (claim_token IS NULL OR lease_until < ?2)" };
    let sql = format!(
        "UPDATE deliveries SET status = 'failed', give_up_reason = '{}', due_at = NULL, claim_token = NULL,
             claimed_by = NULL, lease_until = NULL, finished_at = ?2, updated_at = ?2
         WHERE endpoint_id = ?1 AND status IN ('pending', 'retrying') {claimed}",
        decisions::ENDPOINT_DISABLED
    );
    tx.execute(&sql, params![endpoint_id, now.as_millis()])?;
    Ok(())
}

fn insert_attempt(
    tx: &Transaction<'_>,
    delivery_id: &str,
    endpoint_id: &str,
    attempt: &AttemptRow,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO attempts (delivery_id, endpoint_id, number, started_at, duration_ms, status, class, failure,
             error, response_headers, response_body, response_truncated, manual, worker)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        delivery_id,
        endpoint_id,
        attempt.number,
        attempt.started_at.as_millis(),
        span_ms(attempt.duration),
        attempt.status,
        attempt.class,
        attempt.failure,
        attempt.error,
        headers_json(&attempt.response_headers),
        attempt.response_body,
        attempt.response_truncated,
        attempt.manual,
        attempt.worker,
    ])?;
    Ok(())
}

/// An endpoint as a batch of completions sees it: read once per batch, its health written
/// once at the end of the batch if it changed.
struct BatchEndpoint {
    enabled: bool,
    health_text: String,
    /// Parsed on the first outcome that needs it.
    health: Option<hookwire::EndpointHealth>,
    changed: bool,
}

/// Writes a batch of completions inside the caller's transaction (see [`Store::complete`]):
/// one result per completion, `lease_lost` for those whose claim no longer holds.
fn complete_batch(tx: &Transaction<'_>, batch: &[Completion]) -> Result<Vec<Result<()>>> {
    let mut endpoints: Vec<(String, Option<BatchEndpoint>)> = Vec::new();
    let mut results = Vec::with_capacity(batch.len());
    for completion in batch {
        match complete_in(tx, completion, &mut endpoints) {
            Ok(()) => results.push(Ok(())),
            Err(err @ Error::LeaseLost { .. }) => results.push(Err(err)),
            // Anything else rolls the whole batch back.
            Err(err) => return Err(err),
        }
    }
    let mut write = tx.prepare_cached("UPDATE endpoints SET health = ?2 WHERE id = ?1")?;
    for (id, endpoint) in &endpoints {
        if let Some(BatchEndpoint { health: Some(health), changed: true, .. }) = endpoint {
            write.execute(params![id, serde_json::to_string(health).unwrap_or_default()])?;
        }
    }
    Ok(results)
}

/// One completion inside a batch's transaction; `endpoints` holds what the batch has read and
/// changed of its endpoints so far.
fn complete_in(
    tx: &Transaction<'_>,
    c: &Completion,
    endpoints: &mut Vec<(String, Option<BatchEndpoint>)>,
) -> Result<()> {
    let index = match endpoints.iter().position(|(id, _)| *id == c.endpoint_id) {
        Some(index) => index,
        None => {
            let read = tx
                .prepare_cached("SELECT enabled, health FROM endpoints WHERE id = ?1")?
                .query_row([&c.endpoint_id], |r| {
                    Ok(BatchEndpoint {
                        enabled: r.get(0)?,
                        health_text: r.get(1)?,
                        health: None,
                        changed: false,
                    })
                })
                .optional()?;
            endpoints.push((c.endpoint_id.clone(), read));
            endpoints.len() - 1
        }
    };
    // Deleted while the attempt ran: its delivery went with it; there is nothing to record.
    let Some(endpoint) = &mut endpoints[index].1 else {
        return Err(Error::LeaseLost { delivery: c.delivery_id.clone() });
    };
    let enabled = endpoint.enabled;
    let ending = c.columns(enabled);
    let status = c.attempt.as_ref().and_then(|a| a.status);
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET status = ?3, due_at = ?4, attempts = attempts + ?5,
                         run_attempts = run_attempts + ?6, manual = 0, claim_token = NULL, claimed_by = NULL,
                         lease_until = NULL, last_status = coalesce(?7, last_status), last_error = ?8,
                         give_up_reason = ?9, updated_at = ?10, finished_at = ?11
                     WHERE id = ?1 AND claim_token = ?2 AND lease_until >= ?10",
        )?
        .execute(params![
            c.delivery_id,
            c.token,
            ending.status,
            ending.due_at.map(UnixTime::as_millis),
            i64::from(c.attempt.is_some()),
            c.counts_in_run(),
            status,
            c.last_error,
            ending.give_up,
            c.now.as_millis(),
            ending.finished_at.map(UnixTime::as_millis),
        ])?;
    if changed == 0 {
        return Err(Error::LeaseLost { delivery: c.delivery_id.clone() });
    }
    if let Some(attempt) = &c.attempt {
        insert_attempt(tx, &c.delivery_id, &c.endpoint_id, attempt)?;
    }
    if let (Some(outcome), true) = (&c.outcome, enabled) {
        let health = match &mut endpoint.health {
            Some(health) => health,
            None => endpoint.health.insert(serde_json::from_str(&endpoint.health_text).map_err(|err| {
                Error::store(format!("endpoint `{}`: unreadable health: {err}", c.endpoint_id))
            })?),
        };
        let before = health.clone();
        let transition = decisions::record_health(health, &c.health, outcome, c.now);
        endpoint.changed |= *health != before;
        if let Some((reason, at)) = transition.as_ref().and_then(decisions::disabled) {
            tracing::warn!(endpoint = %c.endpoint_id, reason, "endpoint disabled");
            tx.execute(
                "UPDATE endpoints SET enabled = 0, disabled_reason = ?2, disabled_at = ?3,
                             version = version + 1, updated_at = ?3
                         WHERE id = ?1",
                params![c.endpoint_id, reason, at.as_millis()],
            )?;
            fail_active(tx, &c.endpoint_id, c.now, false)?;
            // The rest of the batch sees the endpoint disabled, as it would read it.
            endpoint.enabled = false;
        }
    }
    Ok(())
}

/// Claims due deliveries inside the caller's transaction (see [`Store::claim`]).
///
/// The due deliveries are read in one statement and each is then updated by its rowid: an
/// `UPDATE … WHERE id IN (SELECT …) RETURNING …` makes SQLite build two temporary b-trees per
/// claim (the `IN` list and the `RETURNING` rows), each with a page cache of its own whose
/// first allocation the kernel pages in afresh every time (a third of a claim's CPU). The
/// caller's `BEGIN IMMEDIATE` makes the read and the updates one atomic step, as the single
/// statement was.
fn claim_in(tx: &Transaction<'_>, request: &ClaimRequest) -> Result<Vec<Claimed>> {
    let lease_until = (request.now + request.lease).as_millis();
    let mut claimed = Vec::new();
    // Each claimed delivery's rowid. The payload comes with the row, read by the message's
    // number in publish order (migration 4), not its random id: the oldest due deliveries'
    // messages are neighbours, pages the cache already holds.
    let mut rows: Vec<i64> = Vec::new();
    {
        // Usually no endpoint is left out: then the statement has no JSON to read. `LIMIT 0 + ?`,
        // not `LIMIT ?`: SQLite re-prepares a statement whose LIMIT is a bare parameter every
        // time a new value is bound to it, and the claim's limit (the worker's free slots)
        // changes from one claim to the next.
        let mut due = if request.exclude.is_empty() {
            tx.prepare_cached(
                "SELECT d.rowid, d.id, d.message_id, d.endpoint_id, d.event_type, d.attempts, d.run_attempts,
                     d.run_started_at, d.manual, m.payload
                 FROM deliveries AS d LEFT JOIN messages AS m ON m.seq = d.message_seq
                 WHERE d.status IN ('pending', 'retrying') AND d.due_at <= ?1
                 ORDER BY d.due_at LIMIT 0 + ?2",
            )?
        } else {
            tx.prepare_cached(
                "SELECT d.rowid, d.id, d.message_id, d.endpoint_id, d.event_type, d.attempts, d.run_attempts,
                     d.run_started_at, d.manual, m.payload
                 FROM deliveries AS d LEFT JOIN messages AS m ON m.seq = d.message_seq
                 WHERE d.status IN ('pending', 'retrying') AND d.due_at <= ?1
                   AND d.endpoint_id NOT IN (SELECT value FROM json_each(?3))
                 ORDER BY d.due_at LIMIT 0 + ?2",
            )?
        };
        let exclude = serde_json::to_string(&request.exclude).unwrap_or_else(|_| "[]".into());
        let mut found = if request.exclude.is_empty() {
            due.query(params![request.now.as_millis(), request.limit])?
        } else {
            due.query(params![request.now.as_millis(), request.limit, exclude])?
        };
        while let Some(row) = found.next()? {
            let delivery_id: String = row.get(1)?;
            rows.push(row.get(0)?);
            // None: a row a build before migration 4 wrote while this one ran has no number.
            let payload: Option<Vec<u8>> = row.get(9)?;
            claimed.push(Claimed {
                run: Run {
                    key: delivery_id.clone(),
                    attempts: row.get(6)?,
                    started_at: UnixTime::from_millis(row.get(7)?),
                    manual: row.get(8)?,
                },
                delivery_id,
                message_id: row.get(2)?,
                endpoint_id: row.get(3)?,
                event_type: row.get(4)?,
                payload: Arc::new(payload.unwrap_or_default()),
                attempts: row.get(5)?,
                endpoint_version: 0,
                endpoint_enabled: false,
                token: request.token.clone(),
            });
        }
    }
    // The lease's end is the due time while claimed: a crashed worker's deliveries become due
    // again when it passes (reclaim).
    let mut take = tx.prepare_cached(
        "UPDATE deliveries SET claim_token = ?2, claimed_by = ?3, lease_until = ?4, due_at = ?4 WHERE rowid = ?1",
    )?;
    let mut by_id = tx.prepare_cached("SELECT payload FROM messages WHERE id = ?1")?;
    let mut endpoint = tx.prepare_cached("SELECT version, enabled FROM endpoints WHERE id = ?1")?;
    // A claim's deliveries mostly share a few endpoints: each is read once.
    let mut endpoints: Vec<(String, (i64, bool))> = Vec::new();
    for (claim, rowid) in claimed.iter_mut().zip(rows) {
        take.execute(params![rowid, request.token, request.worker, lease_until])?;
        if claim.payload.is_empty() {
            // No number, or a message whose payload is empty: read by id.
            claim.payload = Arc::new(by_id.query_row([&claim.message_id], |r| r.get(0))?);
        }
        let known = endpoints.iter().find(|(id, _)| *id == claim.endpoint_id).map(|(_, e)| *e);
        (claim.endpoint_version, claim.endpoint_enabled) = match known {
            Some(known) => known,
            None => {
                let read: (i64, bool) =
                    endpoint.query_row([&claim.endpoint_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                endpoints.push((claim.endpoint_id.clone(), read));
                read
            }
        };
    }
    Ok(claimed)
}

impl Store for SqliteStore {
    async fn add_endpoint(&self, row: EndpointRow) -> Result<()> {
        self.call(move |conn| {
            let added = conn.execute(
                "INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at,
                     updated_at, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?8, ?9)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    row.id,
                    row.url,
                    row.scheme,
                    row.secrets_json().as_str(),
                    row.config_json(),
                    row.tenant,
                    serde_json::to_string(&row.health).unwrap_or_else(|_| "{}".into()),
                    row.created_at.as_millis(),
                    row.version,
                ],
            )?;
            if added == 0 {
                return Err(super::endpoint_exists(&row.id));
            }
            Ok(())
        })
        .await
    }

    async fn update_endpoint(&self, row: &EndpointRow, expected: i64, now: UnixTime) -> Result<bool> {
        let (id, url, scheme, secrets, config) =
            (row.id.clone(), row.url.clone(), row.scheme.clone(), row.secrets_json(), row.config_json());
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE endpoints SET url = ?2, scheme = ?3, secrets = ?4, config = ?5, version = version + 1,
                     updated_at = ?6
                 WHERE id = ?1 AND version = ?7",
                params![id, url, scheme, secrets.as_str(), config, now.as_millis(), expected],
            )?;
            if changed == 0 {
                let exists: Option<i64> = conn
                    .query_row("SELECT 1 FROM endpoints WHERE id = ?1", [&id], |r| r.get(0))
                    .optional()?;
                exists.ok_or_else(|| Error::not_found("endpoint", &id))?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn delete_endpoint(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Attempts go with their deliveries (ON DELETE CASCADE).
            tx.execute("DELETE FROM deliveries WHERE endpoint_id = ?1", [&id])?;
            if tx.execute("DELETE FROM endpoints WHERE id = ?1", [&id])? == 0 {
                return Err(Error::not_found("endpoint", &id));
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn endpoint_row(&self, id: &str) -> Result<Option<EndpointRow>> {
        let id = id.to_owned();
        self.call(move |conn| {
            let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?1");
            conn.query_row(&sql, [&id], endpoint_from_row).optional()?.transpose()
        })
        .await
    }

    async fn endpoint_rows(&self) -> Result<Vec<EndpointRow>> {
        self.call(move |conn| {
            let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id");
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], endpoint_from_row)?;
            rows.map(|row| row.map_err(Error::from).and_then(|r| r)).collect()
        })
        .await
    }

    async fn set_enabled(&self, id: &str, enabled: bool, reason: &str, now: UnixTime) -> Result<()> {
        let (id, reason) = (id.to_owned(), reason.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = if enabled {
                let clean = serde_json::to_string(&hookwire::EndpointHealth::default()).unwrap_or_default();
                tx.execute(
                    "UPDATE endpoints SET enabled = 1, disabled_reason = NULL, disabled_at = NULL, health = ?2,
                         version = version + 1, updated_at = ?3
                     WHERE id = ?1",
                    params![id, clean, now.as_millis()],
                )?
            } else {
                tx.execute(
                    "UPDATE endpoints SET enabled = 0, disabled_reason = ?2, disabled_at = ?3, version = version + 1,
                         updated_at = ?3
                     WHERE id = ?1",
                    params![id, reason, now.as_millis()],
                )?
            };
            if changed == 0 {
                return Err(Error::not_found("endpoint", &id));
            }
            if !enabled {
                fail_active(&tx, &id, now, true)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn publish(&self, message: NewMessage, matcher: Arc<Matcher>) -> Result<Published> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(key) = &message.idempotency_key {
                let existing: Option<String> = tx
                    .query_row("SELECT id FROM messages WHERE idempotency_key = ?1", [key], |r| r.get(0))
                    .optional()?;
                if let Some(message_id) = existing {
                    return Ok(Published { message_id, deliveries: 0, duplicate: true });
                }
            }
            let now = message.now.as_millis();
            // The next number in publish order (migration 4): the writer holds the database, so
            // no other publish can take the same one.
            let seq: i64 = tx
                .prepare_cached(
                    "INSERT INTO messages (id, event_type, payload, idempotency_key, tenant, created_at, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM messages))
                     RETURNING seq",
                )?
                .query_row(
                    params![
                        message.id,
                        message.event_type,
                        message.payload,
                        message.idempotency_key,
                        message.tenant,
                        now
                    ],
                    |r| r.get(0),
                )?;
            let targets: Vec<String> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, version, url, config FROM endpoints WHERE enabled = 1 AND tenant IS ?1",
                )?;
                let mut rows = stmt.query([&message.tenant])?;
                let mut targets = Vec::new();
                while let Some(row) = rows.next()? {
                    let (id, url, config): (String, String, String) = (row.get(0)?, row.get(2)?, row.get(3)?);
                    let route = Route { id: &id, version: row.get(1)?, url: &url, config: &config };
                    if matcher.matches(&route, &message.event_type, message.event.as_ref()) {
                        targets.push(id);
                    }
                }
                targets
            };
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO deliveries (id, message_id, endpoint_id, event_type, status, due_at, run_started_at,
                         created_at, updated_at, message_seq)
                     VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5, ?5, ?6)",
                )?;
                for endpoint_id in &targets {
                    insert.execute(params![
                        crate::id::new_ordered_id("dlv", message.now),
                        message.id,
                        endpoint_id,
                        message.event_type,
                        now,
                        seq
                    ])?;
                }
            }
            tx.commit()?;
            Ok(Published { message_id: message.id, deliveries: targets.len(), duplicate: false })
        })
        .await
    }

    async fn claim(&self, request: ClaimRequest) -> Result<Vec<Claimed>> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let claimed = claim_in(&tx, &request)?;
            tx.commit()?;
            Ok(claimed)
        })
        .await
    }

    async fn renew(&self, id: &str, token: &str, until: UnixTime, now: UnixTime) -> Result<bool> {
        let (id, token) = (id.to_owned(), token.to_owned());
        self.call(move |conn| {
            let changed = conn
                .prepare_cached(
                    "UPDATE deliveries SET lease_until = ?3, due_at = ?3
                 WHERE id = ?1 AND claim_token = ?2 AND lease_until >= ?4",
                )?
                .execute(params![id, token, until.as_millis(), now.as_millis()])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn release(&self, id: &str, token: &str, due: UnixTime) -> Result<bool> {
        let (id, token) = (id.to_owned(), token.to_owned());
        self.call(move |conn| {
            let changed = conn.prepare_cached(
                "UPDATE deliveries SET claim_token = NULL, claimed_by = NULL, lease_until = NULL, due_at = ?3
                 WHERE id = ?1 AND claim_token = ?2",
            )?
            .execute(params![id, token, due.as_millis()])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn complete(&self, batch: Arc<[Completion]>) -> Result<Vec<Result<()>>> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let results = complete_batch(&tx, &batch)?;
            tx.commit()?;
            Ok(results)
        })
        .await
    }

    async fn next_due(&self) -> Result<Option<UnixTime>> {
        self.call(move |conn| {
            let due: Option<i64> = conn
                .prepare_cached("SELECT min(due_at) FROM deliveries WHERE status IN ('pending', 'retrying')")?
                .query_row([], |r| r.get(0))?;
            Ok(due.map(UnixTime::from_millis))
        })
        .await
    }

    async fn active_count(&self) -> Result<u64> {
        self.call(move |conn| {
            Ok(count_of(
                conn.prepare_cached(
                    "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'retrying')",
                )?
                .query_row([], |r| r.get(0))?,
            ))
        })
        .await
    }

    async fn deliveries(&self, filter: DeliveryFilter) -> Result<Vec<DeliveryRecord>> {
        self.call(move |conn| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries
                 WHERE (?1 IS NULL OR endpoint_id = ?1) AND (?2 IS NULL OR message_id = ?2)
                   AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR event_type = ?4)
                   AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)
                 ORDER BY created_at DESC, id DESC LIMIT ?7"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![
                    filter.endpoint_id,
                    filter.message_id,
                    filter.status.map(DeliveryStatus::name),
                    filter.event_type,
                    filter.since.map(UnixTime::as_millis),
                    filter.until.map(UnixTime::as_millis),
                    filter.limit.map_or(-1, i64::from),
                ],
                delivery_from_row,
            )?;
            rows.map(|row| row.map_err(Error::from).and_then(|r| r)).collect()
        })
        .await
    }

    async fn delivery(&self, id: &str) -> Result<Option<DeliveryRecord>> {
        let id = id.to_owned();
        self.call(move |conn| load_delivery(conn, &id)).await
    }

    async fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRecord>> {
        let delivery_id = delivery_id.to_owned();
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT number, started_at, duration_ms, status, class, failure, error, response_headers,
                     response_body, response_truncated, manual, worker
                 FROM attempts WHERE delivery_id = ?1 ORDER BY number",
            )?;
            let rows = stmt.query_map([&delivery_id], |row| {
                Ok(AttemptRecord {
                    delivery_id: delivery_id.clone(),
                    number: row.get(0)?,
                    started_at: UnixTime::from_millis(row.get(1)?),
                    duration: Duration::from_millis(row.get::<_, i64>(2)?.max(0).unsigned_abs()),
                    status: row.get(3)?,
                    class: row.get(4)?,
                    failure: row.get(5)?,
                    error: row.get(6)?,
                    response_headers: headers_from_json(&row.get::<_, String>(7)?),
                    response_body: row.get(8)?,
                    response_truncated: row.get(9)?,
                    manual: row.get(10)?,
                    worker: row.get(11)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn message(&self, id: &str) -> Result<Option<MessageRecord>> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, event_type, payload, idempotency_key, tenant, created_at FROM messages WHERE id = ?1",
                    [&id],
                    |row| {
                        Ok(MessageRecord {
                            id: row.get(0)?,
                            event_type: row.get(1)?,
                            payload: row.get(2)?,
                            idempotency_key: row.get(3)?,
                            tenant: row.get(4)?,
                            created_at: UnixTime::from_millis(row.get(5)?),
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn retry(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let delivery = require_delivery(&tx, &id)?;
            require_enabled(&tx, &delivery.endpoint_id)?;
            match delivery.status {
                DeliveryStatus::Pending | DeliveryStatus::Retrying => {
                    let changed = tx.execute(
                        "UPDATE deliveries SET due_at = ?2, updated_at = ?2
                         WHERE id = ?1 AND (claim_token IS NULL OR lease_until < ?2)",
                        params![id, now.as_millis()],
                    )?;
                    if changed == 0 {
                        return Err(Error::state(format!("delivery `{id}` is being attempted right now")));
                    }
                }
                DeliveryStatus::Failed | DeliveryStatus::Cancelled => {
                    tx.execute(
                        "UPDATE deliveries SET status = 'pending', due_at = ?2, manual = 1, give_up_reason = NULL,
                             finished_at = NULL, updated_at = ?2
                         WHERE id = ?1",
                        params![id, now.as_millis()],
                    )?;
                }
                DeliveryStatus::Succeeded => return Err(retry_refusal(&id, "succeeded")),
            }
            let delivery = require_delivery(&tx, &id)?;
            tx.commit()?;
            Ok(delivery)
        })
        .await
    }

    async fn resend(&self, message_id: &str, endpoint_id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let (message_id, endpoint_id) = (message_id.to_owned(), endpoint_id.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            require_enabled(&tx, &endpoint_id)?;
            let (event_type, seq): (String, Option<i64>) = tx
                .query_row("SELECT event_type, seq FROM messages WHERE id = ?1", [&message_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
                .ok_or_else(|| Error::not_found("message", &message_id))?;
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT id, status FROM deliveries WHERE message_id = ?1 AND endpoint_id = ?2",
                    [&message_id, &endpoint_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let id = match existing {
                Some((id, status)) if status == "pending" || status == "retrying" => {
                    return Err(Error::state(format!(
                        "delivery `{id}` is {status}: use retry to send it now"
                    )))
                }
                Some((id, _)) => {
                    new_run(&tx, &id, now)?;
                    id
                }
                None => {
                    let id = crate::id::new_ordered_id("dlv", now);
                    tx.execute(
                        "INSERT INTO deliveries (id, message_id, endpoint_id, event_type, status, due_at,
                             run_started_at, created_at, updated_at, message_seq)
                         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5, ?5, ?6)",
                        params![id, message_id, endpoint_id, event_type, now.as_millis(), seq],
                    )?;
                    id
                }
            };
            let delivery = require_delivery(&tx, &id)?;
            tx.commit()?;
            Ok(delivery)
        })
        .await
    }

    async fn recover(
        &self,
        endpoint_id: &str,
        since: UnixTime,
        until: UnixTime,
        dry_run: bool,
        now: UnixTime,
    ) -> Result<Vec<String>> {
        let endpoint_id = endpoint_id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let enabled = endpoint_enabled(&tx, &endpoint_id)?;
            if !dry_run && !enabled {
                return Err(Error::state(format!(
                    "endpoint `{endpoint_id}` is disabled: re-enable it first"
                )));
            }
            let ids: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT id FROM deliveries
                     WHERE endpoint_id = ?1 AND status = 'failed' AND created_at >= ?2 AND created_at < ?3
                     ORDER BY created_at, id",
                )?;
                let rows =
                    stmt.query_map(params![endpoint_id, since.as_millis(), until.as_millis()], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            if !dry_run {
                for id in &ids {
                    new_run(&tx, id, now)?;
                }
            }
            tx.commit()?;
            Ok(ids)
        })
        .await
    }

    async fn cancel(&self, id: &str, now: UnixTime) -> Result<DeliveryRecord> {
        let id = id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let delivery = require_delivery(&tx, &id)?;
            if delivery.status.is_final() {
                return Err(Error::state(format!("delivery `{id}` is {}: nothing to cancel", delivery.status)));
            }
            tx.execute(
                "UPDATE deliveries SET status = 'cancelled', due_at = NULL, claim_token = NULL, claimed_by = NULL,
                     lease_until = NULL, finished_at = ?2, updated_at = ?2
                 WHERE id = ?1",
                params![id, now.as_millis()],
            )?;
            let delivery = require_delivery(&tx, &id)?;
            tx.commit()?;
            Ok(delivery)
        })
        .await
    }

    async fn stats(&self) -> Result<Vec<EndpointStats>> {
        self.call(move |conn| {
            let endpoints: Vec<(String, String, bool)> = {
                let mut stmt = conn.prepare("SELECT id, url, enabled FROM endpoints ORDER BY created_at, id")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut all = Vec::with_capacity(endpoints.len());
            for (id, url, enabled) in endpoints {
                let mut stats = EndpointStats {
                    endpoint_id: id.clone(),
                    url,
                    enabled,
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
                {
                    let mut stmt =
                        conn.prepare_cached("SELECT status, count(*) FROM deliveries WHERE endpoint_id = ?1 GROUP BY status")?;
                    let mut rows = stmt.query([&id])?;
                    while let Some(row) = rows.next()? {
                        let (status, count): (String, i64) = (row.get(0)?, row.get(1)?);
                        crate::stats::add_count(&mut stats, &status, count_of(count));
                    }
                }
                stats.attempts = count_of(
                    conn.prepare_cached("SELECT count(*) FROM attempts WHERE endpoint_id = ?1")?
                        .query_row([&id], |r| r.get(0))?,
                );
                let mut latencies: Vec<Duration> = {
                    let mut stmt = conn.prepare_cached(
                        "SELECT duration_ms FROM attempts WHERE endpoint_id = ?1 AND status IS NOT NULL
                         ORDER BY started_at DESC LIMIT ?2",
                    )?;
                    let rows = stmt.query_map(params![id, LATENCY_WINDOW], |r| r.get::<_, i64>(0))?;
                    rows.map(|ms| ms.map(|ms| Duration::from_millis(ms.max(0).unsigned_abs())))
                        .collect::<rusqlite::Result<_>>()?
                };
                latencies.sort_unstable();
                stats.p50_latency = percentile(&latencies, 50);
                stats.p95_latency = percentile(&latencies, 95);
                let last: Option<(i64, Option<u16>, Option<String>)> = conn
                    .prepare_cached(
                        "SELECT started_at, status, failure FROM attempts WHERE endpoint_id = ?1 AND class != 'success'
                         ORDER BY started_at DESC, id DESC LIMIT 1",
                    )?
                    .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                if let Some((at, status, failure)) = last {
                    stats.last_failure_at = Some(UnixTime::from_millis(at));
                    stats.last_failure = status.map(|s| s.to_string()).or(failure);
                }
                crate::stats::finish(&mut stats);
                all.push(stats);
            }
            Ok(all)
        })
        .await
    }

    async fn metrics(&self, now: UnixTime) -> Result<Metrics> {
        self.call(move |conn| {
            let (delivered, failed, queue_depth): (i64, i64, i64) = conn.query_row(
                "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'),
                     count(*) FILTER (WHERE status IN ('pending', 'retrying'))
                 FROM deliveries",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let retried: i64 = conn.query_row("SELECT count(*) FROM attempts WHERE number > 1", [], |r| r.get(0))?;
            let (due_now, oldest_due): (i64, Option<i64>) = conn.query_row(
                "SELECT count(*), min(due_at) FROM deliveries WHERE status IN ('pending', 'retrying') AND due_at <= ?1",
                [now.as_millis()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(Metrics {
                delivered: count_of(delivered),
                failed: count_of(failed),
                retried: count_of(retried),
                queue_depth: count_of(queue_depth),
                due_now: count_of(due_now),
                oldest_due: oldest_due.map(UnixTime::from_millis),
            })
        })
        .await
    }

    async fn purge(&self, before: UnixTime) -> Result<Purged> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = before.as_millis();
            tx.execute(
                "DELETE FROM attempts WHERE delivery_id IN (
                     SELECT id FROM deliveries
                     WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?1)",
                [before],
            )?;
            let deliveries = tx.execute(
                "DELETE FROM deliveries WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?1",
                [before],
            )?;
            let messages = tx.execute(
                "DELETE FROM messages
                 WHERE created_at < ?1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = messages.id)",
                [before],
            )?;
            tx.commit()?;
            Ok(Purged { deliveries: deliveries as u64, messages: messages as u64 })
        })
        .await
    }

    async fn schema_version(&self) -> Result<i64> {
        self.call(move |conn| {
            Ok(conn.query_row("SELECT max(version) FROM hookwire_schema", [], |r| r.get(0))?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WAL frames in a file of `bytes` (a 32-byte header, then a 24-byte header per page).
    fn frames(bytes: u64) -> u64 {
        bytes.saturating_sub(32) / (4096 + 24)
    }

    /// A writer that never pauses leaves the background checkpoints no moment at which the
    /// whole WAL is copied; its own checkpoints keep the WAL bounded anyway.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_while_the_writer_never_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let wal_path = dir.path().join("outbox.db-wal");
        // About 14 pages a commit (a 48 KiB blob in overflow pages), 21,000 pages in all:
        // more than twice the limit.
        let wal = store
            .call(move |conn| {
                conn.execute_batch("CREATE TABLE filler (data BLOB)")?;
                let mut largest = 0;
                for _ in 0..1500 {
                    conn.execute("INSERT INTO filler (data) VALUES (zeroblob(49152))", [])?;
                    let wal = std::fs::metadata(&wal_path).map_or(0, |m| m.len());
                    largest = largest.max(wal);
                }
                Ok(largest)
            })
            .await
            .unwrap();
        let limit = u64::try_from(CHECKPOINT_PAGES_LIMIT).unwrap() + 64;
        assert!(frames(wal) > 0, "the database is in WAL mode");
        assert!(frames(wal) <= limit, "the WAL grew to {} pages (limit {limit})", frames(wal));
    }
}
