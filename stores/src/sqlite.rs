//! [`SqliteStore`]: claims in a SQLite file, shared by the processes of one machine.

use std::path::Path;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, SeenStore, UnixTime};
use rusqlite::{params, Connection};

use crate::async_store::{AsyncSeenStore, StoreFuture};
use crate::runtime::{self, store_error};
use crate::sql::{self, Dialect};
use crate::StoreOptions;

/// Replay claims in a SQLite file: the embedded default. No server; every process of the
/// machine that opens the same file shares the claims (WAL journal, a busy timeout for the
/// moments another process writes), and they survive restarts and crashes.
///
/// Each step is one SQL statement, so it is atomic across processes. The blocking API
/// ([`SeenStore`]) runs the statement on the caller's thread (on a tokio worker thread, tokio
/// is told first); the async API ([`AsyncSeenStore`]) runs it on the crate's blocking pool.
///
/// ```
/// use hookwire::{MemorySeenStore, Scheme, Secret, Signer, Verifier};
/// use hookwire_stores::{SqliteStore, StoreOptions};
///
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("replay.db");
/// let store = SqliteStore::open(&path, &StoreOptions::default())?;
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let verifier = Verifier::new(Scheme::hookwire(), [secret.clone()]).seen_store(store);
///
/// # let headers = Signer::new(Scheme::hookwire(), secret).sign("msg_1", hookwire::unix_now(), b"{}")?;
/// let message = verifier.verify(&headers, b"{}")?;
/// // ... handle it, then:
/// message.commit()?;
/// assert_eq!(verifier.verify(&headers, b"{}").unwrap_err().code(), "replayed");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Mutex<Connection>,
    sql: sql::Statements,
    busy_timeout: Duration,
    /// When the next sweep of lapsed entries is due, in the verifiers' clock (milliseconds).
    next_purge: AtomicI64,
}

impl SqliteStore {
    /// Opens (creating it if needed) the store in the file at `path`, in the table named by
    /// the options' namespace. The options' timeout is the busy timeout: how long a step
    /// waits while another process writes before it fails with `store_error`.
    pub fn open(path: impl AsRef<Path>, options: &StoreOptions) -> Result<SqliteStore, Error> {
        let table = options.checked_namespace()?;
        let path = path.as_ref();
        let failed = |err: rusqlite::Error| {
            store_error(&format!("cannot open the SQLite store {}", path.display()), err)
        };
        let connection = Connection::open(path).map_err(failed)?;
        connection.busy_timeout(options.timeout).map_err(failed)?;
        let sql = sql::Statements::new(Dialect::Sqlite, table);
        // Switching a new file to WAL and creating the table can answer "locked" without
        // waiting on the busy handler while another process does the same: wait here too,
        // for as long as a step would.
        let started = Instant::now();
        loop {
            match set_up(&connection, &sql) {
                Err(err) if is_busy(&err) && started.elapsed() < options.timeout => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => break other.map_err(failed)?,
            }
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                connection: Mutex::new(connection),
                sql,
                busy_timeout: options.timeout,
                next_purge: AtomicI64::new(i64::MIN),
            }),
        })
    }
}

/// WAL lets readers and one writer of several processes work at once; NORMAL syncs at
/// checkpoints, so a process crash loses nothing (a power cut may lose the last steps, which
/// then count as never taken).
fn set_up(connection: &Connection, sql: &sql::Statements) -> rusqlite::Result<()> {
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.execute_batch(&sql.schema)
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Inner {
    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave SQLite half-written: each step is one
        // statement, which SQLite rolls back itself.
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        let now = request.now().as_millis();
        let connection = self.connection();
        if sql::purge_due(&self.next_purge, now) {
            // Before the claim and with its clock, as the memory store evicts: a sweep that ran
            // later could delete entries written after it was decided. Lapsed entries count as
            // absent, so this changes no answer; a failure waits for the next period.
            let _ = connection.prepare_cached(&self.sql.purge).and_then(|mut s| s.execute(params![now]));
        }
        let (key, token, until) =
            (request.key(), request.token().as_str(), request.claim_until().as_millis());
        let mut new = connection.prepare_cached(&self.sql.claim_new).map_err(|e| self.failed("claim", e))?;
        if new.execute(params![key, token, until]).map_err(|e| self.failed("claim", e))? == 1 {
            return Ok(ClaimOutcome::Claimed);
        }
        let mut statement =
            connection.prepare_cached(&self.sql.claim).map_err(|e| self.failed("claim", e))?;
        let (holder, committed): (String, bool) = statement
            .query_row(params![key, token, until, now], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.failed("claim", e))?;
        Ok(sql::outcome(&holder, committed, request.token()))
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        let connection = self.connection();
        let params = params![key, token.as_str(), keep_until.as_millis(), now.as_millis()];
        for sql in [&self.sql.commit_held, &self.sql.commit] {
            let mut statement = connection.prepare_cached(sql).map_err(|e| self.failed("commit", e))?;
            if statement.execute(params).map_err(|e| self.failed("commit", e))? == 1 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached(&self.sql.release).map_err(|e| self.failed("release", e))?;
        let deleted =
            statement.execute(params![key, token.as_str()]).map_err(|e| self.failed("release", e))?;
        Ok(deleted == 1)
    }

    fn failed(&self, step: &str, err: rusqlite::Error) -> Error {
        if is_busy(&err) {
            store_error(
                &format!("SQLite {step}"),
                format!("the file stayed locked by another writer for {:?}", self.busy_timeout),
            )
        } else {
            store_error(&format!("SQLite {step}"), err)
        }
    }
}

impl SeenStore for SqliteStore {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        runtime::blocking(|| self.inner.claim(request))
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        runtime::blocking(|| self.inner.commit(key, token, keep_until, now))
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        runtime::blocking(|| self.inner.release(key, token))
    }
}

impl AsyncSeenStore for SqliteStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        let (inner, request) = (self.inner.clone(), request.clone());
        Box::pin(runtime::spawn_blocking(move || inner.claim(&request)))
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        let (inner, key, token) = (self.inner.clone(), key.to_owned(), token.clone());
        Box::pin(runtime::spawn_blocking(move || inner.commit(&key, &token, keep_until, now)))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        let (inner, key, token) = (self.inner.clone(), key.to_owned(), token.clone());
        Box::pin(runtime::spawn_blocking(move || inner.release(&key, &token)))
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.inner.connection().path().map(str::to_owned);
        f.debug_struct("SqliteStore").field("path", &path).field("table", &self.inner.sql.table).finish()
    }
}
