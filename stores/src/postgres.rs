//! [`PostgresStore`]: claims in a PostgreSQL table, shared by receivers on many machines.

use std::str::FromStr as _;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, SeenStore, UnixTime};
use tokio_postgres::NoTls;

use crate::async_store::{AsyncSeenStore, StoreFuture};
use crate::runtime::{self, store_error, within};
use crate::sql::{self, Dialect};
use crate::StoreOptions;

/// Replay claims in a PostgreSQL table (`INSERT … ON CONFLICT`, the deadline in the row): for
/// receivers on several machines. The table is created on first use.
///
/// Connections come from a small pool (reconnecting after the server went away); each step is
/// one prepared statement, one round trip. Opening does no I/O: a server that is down makes
/// each step fail with `store_error` after the connect timeout, and service resumes by itself
/// when it is back. The I/O runs on the crate's runtime for both APIs (see the crate docs).
///
/// ```no_run
/// use hookwire_stores::{PostgresStore, StoreOptions};
///
/// let store = PostgresStore::open("postgres://app@db.internal/app", &StoreOptions::default())?;
/// # Ok::<(), hookwire::Error>(())
/// ```
///
/// TLS is not built in: reach the server over a private network or a local socket proxy.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    sql: sql::Statements,
    timeout: Duration,
    /// Whether the table is known to exist; cleared when a statement finds it missing (a
    /// server that came back without its data).
    schema_ready: AtomicBool,
    next_purge: AtomicI64,
}

/// Serializes `CREATE TABLE IF NOT EXISTS` between processes that start at once (two of them
/// can otherwise both try to create the table's type and one fails). Any fixed number works.
const SCHEMA_LOCK: i64 = 0x686f_6f6b_7769_7265; // "hookwire"

impl PostgresStore {
    /// A store on the server of `url` (`postgres://user:password@host:port/database`; the
    /// libpq `key=value` form works too), in the table named by the options' namespace.
    /// Fails only on a URL that cannot be read (`invalid_argument`); no connection is made yet.
    pub fn open(url: &str, options: &StoreOptions) -> Result<PostgresStore, Error> {
        let table = options.checked_namespace()?;
        let mut config = tokio_postgres::Config::from_str(url).map_err(|err| Error::InvalidArgument {
            argument: "url",
            // The parser's message never repeats the password.
            reason: format!("not a PostgreSQL connection URL: {err}").into(),
        })?;
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("hookwire-stores");
        }
        let manager =
            Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        // No pool timeouts: every step is bounded as a whole by the operation timeout (and
        // connecting by the connect timeout), which saves a timer per step.
        let pool = Pool::builder(manager)
            .max_size(options.max_connections)
            .build()
            .map_err(|err| store_error("cannot set up the PostgreSQL pool", err))?;
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool,
                sql: sql::Statements::new(Dialect::Postgres, table),
                timeout: options.timeout,
                schema_ready: AtomicBool::new(false),
                next_purge: AtomicI64::new(i64::MIN),
            }),
        })
    }
}

impl Inner {
    async fn client(&self) -> Result<deadpool_postgres::Object, Error> {
        let client = self.pool.get().await.map_err(|err| store_error("cannot reach PostgreSQL", err))?;
        if !self.schema_ready.load(Ordering::Acquire) {
            let locked =
                format!("BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {} COMMIT;", self.sql.schema);
            client.batch_execute(&locked).await.map_err(|err| self.failed("create the table", err))?;
            self.schema_ready.store(true, Ordering::Release);
        }
        Ok(client)
    }

    async fn claim(self: Arc<Self>, request: ClaimRequest) -> Result<ClaimOutcome, Error> {
        let now = request.now().as_millis();
        let inner = self.clone();
        within(self.timeout, "PostgreSQL claim", async move {
            let client = inner.client().await?;
            let new =
                client.prepare_cached(&inner.sql.claim_new).await.map_err(|e| inner.failed("claim", e))?;
            let (key, token, until) =
                (request.key(), request.token().as_str(), request.claim_until().as_millis());
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&key, &token, &until];
            let inserted = client.execute(&new, &params);
            let inserted = if sql::purge_due(&inner.next_purge, now) {
                // Before the claim and with its clock, as the memory store evicts (a sweep run
                // later could delete entries written after it was decided), pipelined on the
                // same connection: one round trip. Lapsed entries count as absent, so this
                // changes no answer; a failure waits for the next period. Both statements are
                // prepared first, so the DELETE is sent before the claim.
                match client.prepare_cached(&inner.sql.purge).await {
                    Ok(purge) => {
                        let cutoff: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&now];
                        tokio::join!(client.execute(&purge, &cutoff), inserted).1
                    }
                    Err(_) => inserted.await,
                }
            } else {
                inserted.await
            };
            if inserted.map_err(|e| inner.failed("claim", e))? == 1 {
                return Ok(ClaimOutcome::Claimed);
            }
            let statement =
                client.prepare_cached(&inner.sql.claim).await.map_err(|e| inner.failed("claim", e))?;
            let row = client.query_one(&statement, &[&key, &token, &until, &now]).await;
            let row = row.map_err(|e| inner.failed("claim", e))?;
            let holder: &str = row.try_get(0).map_err(|e| inner.failed("claim", e))?;
            let committed: bool = row.try_get(1).map_err(|e| inner.failed("claim", e))?;
            Ok(sql::outcome(holder, committed, request.token()))
        })
        .await
    }

    async fn commit(
        self: Arc<Self>,
        key: String,
        token: ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        let inner = self.clone();
        within(self.timeout, "PostgreSQL commit", async move {
            let client = inner.client().await?;
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
                [&key, &token.as_str(), &keep_until.as_millis(), &now.as_millis()];
            for sql in [&inner.sql.commit_held, &inner.sql.commit] {
                let statement = client.prepare_cached(sql).await.map_err(|e| inner.failed("commit", e))?;
                if client.execute(&statement, &params).await.map_err(|e| inner.failed("commit", e))? == 1 {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await
    }

    async fn release(self: Arc<Self>, key: String, token: ClaimToken) -> Result<bool, Error> {
        let inner = self.clone();
        within(self.timeout, "PostgreSQL release", async move {
            let client = inner.client().await?;
            let statement =
                client.prepare_cached(&inner.sql.release).await.map_err(|e| inner.failed("release", e))?;
            let deleted = client
                .execute(&statement, &[&key, &token.as_str()])
                .await
                .map_err(|e| inner.failed("release", e))?;
            Ok(deleted == 1)
        })
        .await
    }

    fn failed(&self, step: &str, err: tokio_postgres::Error) -> Error {
        if err.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) {
            self.schema_ready.store(false, Ordering::Release);
        }
        store_error(&format!("PostgreSQL {step}"), err)
    }
}

impl SeenStore for PostgresStore {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        runtime::block_on(self.inner.clone().claim(request.clone()))
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        runtime::block_on(self.inner.clone().commit(key.to_owned(), token.clone(), keep_until, now))
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        runtime::block_on(self.inner.clone().release(key.to_owned(), token.clone()))
    }
}

impl AsyncSeenStore for PostgresStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        Box::pin(runtime::spawn(self.inner.clone().claim(request.clone())))
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        Box::pin(runtime::spawn(self.inner.clone().commit(key.to_owned(), token.clone(), keep_until, now)))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        Box::pin(runtime::spawn(self.inner.clone().release(key.to_owned(), token.clone())))
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is left out: it may carry a password.
        f.debug_struct("PostgresStore").field("table", &self.inner.sql.table).finish_non_exhaustive()
    }
}
