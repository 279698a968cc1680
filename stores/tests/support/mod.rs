//! What the store suites share: real servers, fresh stores, and one way to drive a store or a
//! verifier through either API.
#![allow(dead_code)] // each test binary uses a part

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, SeenStore, UnixTime, Verified, Verifier};
use hookwire_stores::{
    AsyncSeenStore, AsyncVerified, AsyncVerifier, PostgresStore, RedisStore, SqliteStore, Store, StoreOptions,
};
use hookwire_testkit::{Postgres, Redis};
use http::HeaderMap;

/// The four stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Memory,
    Sqlite,
    Postgres,
    Redis,
}

/// The shared stores: the ones several processes can use.
pub const SHARED: [Kind; 3] = [Kind::Sqlite, Kind::Postgres, Kind::Redis];

/// Short timeouts: a store that is down must fail fast in the tests.
pub fn options(namespace: &str) -> StoreOptions {
    StoreOptions::default()
        .namespace(namespace)
        .connect_timeout(Duration::from_millis(800))
        .timeout(Duration::from_millis(1500))
}

/// Where a store of `kind` lives: a server started for the test, or a temporary folder.
pub struct Backing {
    pub kind: Kind,
    pub dir: tempfile::TempDir,
    pub postgres: Option<Postgres>,
    pub redis: Option<Redis>,
}

static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

impl Backing {
    pub fn start(kind: Kind) -> Backing {
        Backing {
            kind,
            dir: tempfile::tempdir().unwrap(),
            postgres: (kind == Kind::Postgres)
                .then(|| Postgres::start().expect("PostgreSQL (make tools-servers)")),
            redis: (kind == Kind::Redis).then(|| Redis::start().expect("redis-server (make tools-servers)")),
        }
    }

    /// A namespace no other store of this test process uses.
    pub fn fresh_namespace(&self) -> String {
        format!("t{}_{}", std::process::id(), NAMESPACES.fetch_add(1, Ordering::Relaxed))
    }

    /// The URL `Store::open` takes for this backing.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Memory => "memory".to_owned(),
            Kind::Sqlite => format!("sqlite://{}", self.dir.path().join("replay.db").display()),
            Kind::Postgres => self.postgres.as_ref().unwrap().url(),
            Kind::Redis => self.redis.as_ref().unwrap().url(),
        }
    }

    /// A store in `namespace`; a second call with the same namespace opens the same entries
    /// anew (its own connections, its own SQLite handle), except for memory.
    pub fn open(&self, namespace: &str) -> Store {
        let options = options(namespace);
        match self.kind {
            Kind::Memory => Store::memory(10_000),
            Kind::Sqlite => SqliteStore::open(self.dir.path().join("replay.db"), &options).unwrap().into(),
            Kind::Postgres => PostgresStore::open(&self.url(), &options).unwrap().into(),
            Kind::Redis => RedisStore::open(&self.url(), &options).unwrap().into(),
        }
    }

    pub fn kill(&mut self) {
        if let Some(pg) = &mut self.postgres {
            pg.kill().unwrap();
        }
        if let Some(redis) = &mut self.redis {
            redis.kill().unwrap();
        }
    }

    pub fn restart(&mut self) {
        if let Some(pg) = &mut self.postgres {
            pg.restart().unwrap();
        }
        if let Some(redis) = &mut self.redis {
            redis.restart().unwrap();
        }
    }
}

/// Which API a case goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Blocking,
    Async,
}

/// A store driven through one API; the async one from a runtime of the test's own, as an
/// async server would.
pub struct Driver {
    pub store: Store,
    pub api: Api,
    pub runtime: tokio::runtime::Runtime,
}

impl Driver {
    pub fn new(store: Store, api: Api) -> Driver {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Driver { store, api, runtime }
    }

    pub fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        match self.api {
            Api::Blocking => SeenStore::claim(&self.store, request),
            Api::Async => self.runtime.block_on(AsyncSeenStore::claim(&self.store, request)),
        }
    }

    pub fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        match self.api {
            Api::Blocking => SeenStore::commit(&self.store, key, token, keep_until, now),
            Api::Async => {
                self.runtime.block_on(AsyncSeenStore::commit(&self.store, key, token, keep_until, now))
            }
        }
    }

    pub fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        match self.api {
            Api::Blocking => SeenStore::release(&self.store, key, token),
            Api::Async => self.runtime.block_on(AsyncSeenStore::release(&self.store, key, token)),
        }
    }
}

/// A verifier with its store, through one API: `Verifier::verify_at` with the store as its
/// `seen_store`, or `AsyncVerifier::verify_at` awaited.
pub struct Receiver {
    blocking: Verifier,
    asynchronous: AsyncVerifier,
    api: Api,
    runtime: tokio::runtime::Runtime,
}

/// A message a [`Receiver`] accepted.
pub enum Accepted<'a> {
    Blocking(Verified<'a>),
    Async(AsyncVerified<'a>, &'a tokio::runtime::Runtime),
}

impl Receiver {
    /// `make` builds the verifier (called twice: once per API).
    pub fn new(make: impl Fn() -> Verifier, store: &Store, api: Api) -> Receiver {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Receiver {
            blocking: make().seen_store(store.clone()),
            asynchronous: AsyncVerifier::new(make(), store.clone()),
            api,
            runtime,
        }
    }

    pub fn verify_at<'a>(
        &'a self,
        headers: &'a HeaderMap,
        body: &'a [u8],
        now: i64,
    ) -> Result<Accepted<'a>, Error> {
        match self.api {
            Api::Blocking => self.blocking.verify_at(headers, body, now).map(Accepted::Blocking),
            Api::Async => self
                .runtime
                .block_on(self.asynchronous.verify_at(headers, body, now))
                .map(|message| Accepted::Async(message, &self.runtime)),
        }
    }
}

impl Accepted<'_> {
    pub fn commit_at(&self, secs: i64) -> Result<bool, Error> {
        let now = UnixTime::from_secs(secs);
        match self {
            Accepted::Blocking(message) => message.claim().expect("a claim").commit_at(now),
            Accepted::Async(message, runtime) => runtime.block_on(message.claim().commit_at(now)),
        }
    }

    pub fn release(&self) -> Result<bool, Error> {
        match self {
            Accepted::Blocking(message) => message.release(),
            Accepted::Async(message, runtime) => runtime.block_on(message.release()),
        }
    }

    pub fn claim_until(&self) -> UnixTime {
        match self {
            Accepted::Blocking(message) => message.claim().expect("a claim").claim_until(),
            Accepted::Async(message, _) => message.claim().claim_until(),
        }
    }
}
