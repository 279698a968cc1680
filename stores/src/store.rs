//! [`Store`]: any of the four stores, chosen by a URL.

use std::sync::Arc;

use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, MemorySeenStore, SeenStore, UnixTime};

use crate::async_store::{AsyncSeenStore, StoreFuture};
use crate::{PostgresStore, RedisStore, SqliteStore, StoreOptions};

/// How many entries the memory store of [`Store::open`]`("memory")` holds: 100,000.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// A replay store chosen at run time, by URL: what configuration files and the language
/// bindings hold. It implements both [`SeenStore`] (blocking) and [`AsyncSeenStore`], and
/// clones share the same store.
///
/// | URL | store |
/// |---|---|
/// | `memory` | [`MemorySeenStore`] of [`DEFAULT_MEMORY_CAPACITY`] entries (one process) |
/// | `sqlite:///var/lib/app/replay.db`, `sqlite://relative/path.db` | [`SqliteStore`] |
/// | `postgres://…`, `postgresql://…` | [`PostgresStore`] |
/// | `redis://…`, `redis+unix://…` | [`RedisStore`] |
///
/// ```
/// use hookwire_stores::{Store, StoreOptions};
///
/// let store = Store::open("memory", &StoreOptions::default())?;
/// assert_eq!(store.kind(), "memory");
/// assert_eq!(Store::open("mysql://db/app", &StoreOptions::default()).unwrap_err().code(), "invalid_argument");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Store {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Memory(Arc<MemorySeenStore>),
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
    Redis(RedisStore),
}

impl Store {
    /// Opens the store `url` names (see the table above). An unknown or unreadable URL is
    /// `invalid_argument`; a SQLite file that cannot be opened is `store_error`. Network
    /// stores connect on first use.
    pub fn open(url: &str, options: &StoreOptions) -> Result<Store, Error> {
        let kind = if url == "memory" {
            Kind::Memory(Arc::new(MemorySeenStore::new(DEFAULT_MEMORY_CAPACITY)))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(bad_url("`sqlite://` needs a file path, as in sqlite:///var/lib/app/replay.db"));
            }
            Kind::Sqlite(SqliteStore::open(path, options)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Kind::Postgres(PostgresStore::open(url, options)?)
        } else if url.starts_with("redis://") || url.starts_with("redis+unix://") {
            Kind::Redis(RedisStore::open(url, options)?)
        } else {
            let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
            return Err(bad_url(format!(
                "unknown replay store `{scheme}`: use memory, sqlite:///path, postgres://… or redis://…"
            )));
        };
        Ok(Store { kind })
    }

    /// A memory store of `capacity` entries (see [`MemorySeenStore`]).
    pub fn memory(capacity: usize) -> Store {
        Store { kind: Kind::Memory(Arc::new(MemorySeenStore::new(capacity))) }
    }

    /// Which store this is: `memory`, `sqlite`, `postgres` or `redis`.
    pub fn kind(&self) -> &'static str {
        match &self.kind {
            Kind::Memory(_) => "memory",
            Kind::Sqlite(_) => "sqlite",
            Kind::Postgres(_) => "postgres",
            Kind::Redis(_) => "redis",
        }
    }

    fn blocking(&self) -> &dyn SeenStore {
        match &self.kind {
            Kind::Memory(store) => store,
            Kind::Sqlite(store) => store,
            Kind::Postgres(store) => store,
            Kind::Redis(store) => store,
        }
    }

    fn asynchronous(&self) -> &dyn AsyncSeenStore {
        match &self.kind {
            Kind::Memory(store) => store,
            Kind::Sqlite(store) => store,
            Kind::Postgres(store) => store,
            Kind::Redis(store) => store,
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            // Not the entries: there can be 100,000 of them.
            Kind::Memory(store) => f.debug_struct("Store").field("memory_entries", &store.len()).finish(),
            Kind::Sqlite(store) => store.fmt(f),
            Kind::Postgres(store) => store.fmt(f),
            Kind::Redis(store) => store.fmt(f),
        }
    }
}

fn bad_url(reason: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::InvalidArgument { argument: "url", reason: reason.into() }
}

impl From<SqliteStore> for Store {
    fn from(store: SqliteStore) -> Store {
        Store { kind: Kind::Sqlite(store) }
    }
}

impl From<PostgresStore> for Store {
    fn from(store: PostgresStore) -> Store {
        Store { kind: Kind::Postgres(store) }
    }
}

impl From<RedisStore> for Store {
    fn from(store: RedisStore) -> Store {
        Store { kind: Kind::Redis(store) }
    }
}

impl From<MemorySeenStore> for Store {
    fn from(store: MemorySeenStore) -> Store {
        Store { kind: Kind::Memory(Arc::new(store)) }
    }
}

impl SeenStore for Store {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        self.blocking().claim(request)
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        self.blocking().commit(key, token, keep_until, now)
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        self.blocking().release(key, token)
    }
}

impl AsyncSeenStore for Store {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        self.asynchronous().claim(request)
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        self.asynchronous().commit(key, token, keep_until, now)
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        self.asynchronous().release(key, token)
    }
}
