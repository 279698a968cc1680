//! [`SqliteStore`]: claims in a SQLite file, shared by the processes of one machine.

use std::path::Path;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
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
/// Each step is atomic across processes (see the SQL module). The blocking API ([`SeenStore`])
/// runs it on the caller's thread (on a tokio worker thread, tokio is told first). The async
/// API ([`AsyncSeenStore`]) runs it at once when the file is free — a few microseconds of local
/// I/O that never waits: checkpoints run on a thread of their own and nothing is synced per
/// step — and otherwise on the crate's blocking pool, where it waits for the other writer.
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
/// # let headers = Signer::new(Scheme::hookwire(), secret).sign("msg_1", hookwire::unix_now().as_secs(), b"{}")?;
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
    /// waits while another process writes before it fails with `store_error`. Opening reads
    /// and writes the file on the calling thread: do it at start-up.
    pub fn open(path: impl AsRef<Path>, options: &StoreOptions) -> Result<SqliteStore, Error> {
        let table = options.checked_namespace()?;
        // Resolved now: the background checkpoints open the file again later, when the working
        // directory may have changed (they would then make and checkpoint another file).
        let path = std::path::absolute(path.as_ref()).map_err(|err| {
            store_error(&format!("cannot open the SQLite store {}", path.as_ref().display()), err)
        })?;
        let path = path.as_path();
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
        let inner = Arc::new(Inner {
            connection: Mutex::new(connection),
            sql,
            busy_timeout: options.timeout,
            next_purge: AtomicI64::new(i64::MIN),
        });
        checkpoint_in_the_background(path, Arc::downgrade(&inner));
        Ok(SqliteStore { inner })
    }
}

/// How often the WAL is copied into the database file, off the requests' path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The WAL length (pages) at which a step checkpoints itself after all: a backstop for when the
/// background checkpoints fall behind.
const CHECKPOINT_BACKSTOP: i64 = 20_000;

/// Copies the WAL into the database file every [`CHECKPOINT_EVERY`], on a connection of its
/// own on the stores' runtime, for as long as the store lives. Left to the steps themselves
/// (SQLite's default, every 1,000 pages) a checkpoint and its syncs land on whichever request
/// crosses the mark; `PASSIVE` never waits for, nor blocks, a writer. A failure is retried at
/// the next tick: the backstop keeps the WAL bounded meanwhile.
fn checkpoint_in_the_background(path: &Path, store: Weak<Inner>) {
    let Ok(handle) = runtime::handle() else { return };
    let path = path.to_path_buf();
    handle.spawn(async move {
        let mut checkpointer: Option<Connection> = None;
        loop {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            if store.strong_count() == 0 {
                break;
            }
            let (path, connection) = (path.clone(), checkpointer.take());
            let work = tokio::task::spawn_blocking(move || {
                let connection = match connection {
                    Some(connection) => connection,
                    None => Connection::open(&path).ok()?,
                };
                let _ = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                Some(connection)
            });
            checkpointer = work.await.ok().flatten();
        }
    });
}

/// WAL lets readers and one writer of several processes work at once; NORMAL syncs at
/// checkpoints, so a process crash loses nothing (a power cut may lose the last steps, which
/// then count as never taken). Checkpoints run in the background (see
/// [`checkpoint_in_the_background`]).
fn set_up(connection: &Connection, sql: &sql::Statements) -> rusqlite::Result<()> {
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_BACKSTOP)?;
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

    fn claim(&self, connection: &Connection, request: &ClaimRequest) -> rusqlite::Result<ClaimOutcome> {
        let now = request.now().as_millis();
        if sql::purge_due(&self.next_purge, now) {
            // Before the claim and with its clock, as the memory store evicts: a sweep that ran
            // later could delete entries written after it was decided. Lapsed entries count as
            // absent, so this changes no answer; a failure waits for the next period.
            let _ = connection.prepare_cached(&self.sql.purge).and_then(|mut s| s.execute(params![now]));
        }
        let (key, token, until) =
            (request.key(), request.token().as_str(), request.claim_until().as_millis());
        if connection.prepare_cached(&self.sql.claim_new)?.execute(params![key, token, until])? == 1 {
            return Ok(ClaimOutcome::Claimed);
        }
        let (holder, committed): (String, bool) = connection
            .prepare_cached(&self.sql.claim)?
            .query_row(params![key, token, until, now], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(sql::outcome(&holder, committed, request.token()))
    }

    fn commit(
        &self,
        connection: &Connection,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> rusqlite::Result<bool> {
        let params = params![key, token.as_str(), keep_until.as_millis(), now.as_millis()];
        for sql in [&self.sql.commit_held, &self.sql.commit] {
            if connection.prepare_cached(sql)?.execute(params)? == 1 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn release(&self, connection: &Connection, key: &str, token: &ClaimToken) -> rusqlite::Result<bool> {
        Ok(connection.prepare_cached(&self.sql.release)?.execute(params![key, token.as_str()])? == 1)
    }

    /// Runs `step` on the store's connection, waiting for it and for other writers (up to the
    /// busy timeout): the blocking API.
    fn run<T>(
        &self,
        name: &str,
        step: impl FnOnce(&Inner, &Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        runtime::blocking(|| step(self, &self.connection())).map_err(|err| self.failed(name, err))
    }

    /// The async API: `step` runs at once when the connection and the file are free (a step is
    /// then a few microseconds of local I/O: checkpoints run elsewhere, and nothing is synced),
    /// without waiting for anything; otherwise, or when another writer holds the file, it runs
    /// on the stores' blocking pool, where it may wait. A step whose first statement found the
    /// file busy changed nothing, so running it again there is the same step.
    fn run_async<T: Send + 'static>(
        self: &Arc<Self>,
        name: &'static str,
        step: impl Fn(&Inner, &Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        if let Ok(connection) = self.connection.try_lock() {
            let at_once = connection.busy_timeout(Duration::ZERO).and_then(|()| step(self, &connection));
            let restored = connection.busy_timeout(self.busy_timeout);
            match (at_once, restored) {
                (Err(err), _) if is_busy(&err) => {}
                (Ok(answer), Ok(())) => return Box::pin(std::future::ready(Ok(answer))),
                (Err(err), _) | (Ok(_), Err(err)) => {
                    return Box::pin(std::future::ready(Err(self.failed(name, err))))
                }
            }
        }
        let inner = self.clone();
        Box::pin(runtime::spawn_blocking(move || {
            step(&inner, &inner.connection()).map_err(|err| inner.failed(name, err))
        }))
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
        self.inner.run("claim", |inner, connection| inner.claim(connection, request))
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        self.inner.run("commit", |inner, connection| inner.commit(connection, key, token, keep_until, now))
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        self.inner.run("release", |inner, connection| inner.release(connection, key, token))
    }
}

impl AsyncSeenStore for SqliteStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        let request = request.clone();
        self.inner.run_async("claim", move |inner, connection| inner.claim(connection, &request))
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        let (key, token) = (key.to_owned(), token.clone());
        self.inner.run_async("commit", move |inner, connection| {
            inner.commit(connection, &key, &token, keep_until, now)
        })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        let (key, token) = (key.to_owned(), token.clone());
        self.inner.run_async("release", move |inner, connection| inner.release(connection, &key, &token))
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.inner.connection().path().map(str::to_owned);
        f.debug_struct("SqliteStore").field("path", &path).field("table", &self.inner.sql.table).finish()
    }
}
