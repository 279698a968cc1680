//! Replay claims from Node: `SeenStore` (the four stores of `hookwire-stores`) and the claim a
//! verified message holds. The core decides the key, the token and the deadlines
//! (`Verifier::claim_request`, `ClaimRequest::resolve`); the stores keep them. A network store
//! never blocks the event loop: its steps are Promises, awaited on napi's runtime (they only
//! wait for the stores' own runtime, where the I/O runs).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hookwire::{ClaimRequest, Error, SeenStore as BlockingStore, UnixTime};
use hookwire_stores::{AsyncSeenStore, PostgresStore, RedisStore, SqliteStore, Store, StoreOptions};
use napi::bindgen_prelude::{Either, PromiseRaw, ToNapiValue, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::errors::{run, to_js};
use crate::input::{self, Options};

/// Where verified messages are claimed, committed and released: this process (`memory`), a
/// SQLite file every process of the machine shares, or PostgreSQL or Redis for receivers on
/// many machines.
///
/// ```js
/// const store = SeenStore.redis('redis://cache:6379/0', { namespace: 'shop' })
/// const verifier = new Verifier(secret, { seenStore: store })
/// ```
#[napi]
pub struct SeenStore(pub(crate) Store);

/// Options of the `SeenStore` factories.
#[napi(object)]
pub struct SeenStoreOptions {
    /// The table (SQLite, PostgreSQL) or key prefix (Redis): letters, digits and `_`. Give each
    /// sender its own when two could send the same message ids. Default `hookwire_replay`.
    pub namespace: Option<String>,
    /// How long one step (connecting included) may take before it fails with `store_error`,
    /// in milliseconds; default 3000.
    pub timeout_ms: Option<f64>,
}

fn options(env: &Env, value: Unknown<'_>) -> napi::Result<StoreOptions> {
    let read = Options::read(env, value, &["namespace", "timeoutMs"])?;
    let given = SeenStoreOptions { namespace: read.get("namespace")?, timeout_ms: read.get("timeoutMs")? };
    let mut options = StoreOptions::default();
    if let Some(namespace) = given.namespace {
        options = options.namespace(namespace);
    }
    if let Some(limit) = given.timeout_ms {
        let limit = Duration::from_millis(input::whole(env, "timeoutMs", limit)?);
        options = options.timeout(limit).connect_timeout(limit);
    }
    Ok(options)
}

#[napi]
impl SeenStore {
    /// Not for `new`: napi would throw a bare error; this names the factories instead.
    #[napi(constructor, skip_typescript)]
    pub fn no_constructor(env: Env) -> napi::Result<Self> {
        Err(input::not_constructible(
            &env,
            "SeenStore",
            "SeenStore.memory(capacity), .sqlite(path), .postgres(url), .redis(url) or .open(url)",
        ))
    }

    /// This process only, at most `capacity` messages within their window (full: `store_error`,
    /// never a forgotten message). Never waits.
    #[napi(ts_args_type = "capacity: number")]
    pub fn memory(env: Env, capacity: Unknown<'_>) -> napi::Result<SeenStore> {
        let capacity = input::count(&env, "capacity", capacity)?;
        Ok(SeenStore(Store::memory(usize::try_from(capacity).unwrap_or(usize::MAX))))
    }

    /// A SQLite file (created if needed) shared by the processes of this machine, kept across
    /// restarts. Opening reads the file: do it at start-up.
    #[napi(ts_args_type = "path: string, options?: SeenStoreOptions")]
    pub fn sqlite(env: Env, path: Unknown<'_>, options: Unknown<'_>) -> napi::Result<SeenStore> {
        let path: String = input::arg(&env, "path", path)?;
        let options = self::options(&env, options)?;
        run(&env, || SqliteStore::open(&path, &options)).map(|store| SeenStore(store.into()))
    }

    /// PostgreSQL (`postgres://user:password@host:port/db`); connects on first use.
    #[napi(ts_args_type = "url: string, options?: SeenStoreOptions")]
    pub fn postgres(env: Env, url: Unknown<'_>, options: Unknown<'_>) -> napi::Result<SeenStore> {
        let url: String = input::arg(&env, "url", url)?;
        let options = self::options(&env, options)?;
        run(&env, || PostgresStore::open(&url, &options)).map(|store| SeenStore(store.into()))
    }

    /// Redis (`redis://host:port/db`); connects on first use.
    #[napi(ts_args_type = "url: string, options?: SeenStoreOptions")]
    pub fn redis(env: Env, url: Unknown<'_>, options: Unknown<'_>) -> napi::Result<SeenStore> {
        let url: String = input::arg(&env, "url", url)?;
        let options = self::options(&env, options)?;
        run(&env, || RedisStore::open(&url, &options)).map(|store| SeenStore(store.into()))
    }

    /// The store a URL names (`memory`, `sqlite:///path`, `postgres://…`, `redis://…`), as a
    /// configuration file holds it.
    #[napi(ts_args_type = "url: string, options?: SeenStoreOptions")]
    pub fn open(env: Env, url: Unknown<'_>, options: Unknown<'_>) -> napi::Result<SeenStore> {
        let url: String = input::arg(&env, "url", url)?;
        let options = self::options(&env, options)?;
        run(&env, || Store::open(&url, &options)).map(SeenStore)
    }

    /// `memory`, `sqlite`, `postgres` or `redis`.
    #[napi(getter, ts_return_type = "'memory' | 'sqlite' | 'postgres' | 'redis'")]
    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }

    /// The store's kind and namespace (never a password).
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!("SeenStore({:?})", self.0)
    }
}

/// Whether a step of `store` may wait on the network: then only the Promise API is offered,
/// never a call that would block the event loop.
pub(crate) fn is_network(store: &Store) -> bool {
    matches!(store.kind(), "postgres" | "redis")
}

/// The error of a blocking call on a network store.
pub(crate) fn would_block(store: &Store, call: &str) -> Error {
    let (kind, asynchronous) = (store.kind(), format!("{call}Async"));
    Error::InvalidState {
        reason: format!(
            "{call}() would block the event loop on the {kind} store: use `await verifier.{asynchronous}(...)`, \
             whose message commits and releases with Promises"
        )
        .into(),
    }
}

/// A claim held on a verified message (`message.commit()` / `release()` in lib/message.js):
/// the store it is in, the core's request (key, token, deadlines), and the `now` verify was
/// given, if any (the default instant of a commit).
#[napi]
pub struct Claim {
    store: Store,
    request: ClaimRequest,
    now: Option<i64>,
}

impl Claim {
    /// Claims `request` in `store`, blocking (memory and SQLite).
    pub(crate) fn acquire(store: &Store, request: ClaimRequest, now: Option<i64>) -> Result<Claim, Error> {
        request.resolve(BlockingStore::claim(store, &request)?)?;
        Ok(Claim { store: store.clone(), request, now })
    }

    /// Claims `request` in `store`, awaited.
    pub(crate) async fn acquire_async(
        store: Store,
        request: ClaimRequest,
        now: Option<i64>,
    ) -> Result<Claim, Error> {
        request.resolve(AsyncSeenStore::claim(&store, &request).await?)?;
        Ok(Claim { store, request, now })
    }

    fn commit_time(&self, env: &Env, now: Unknown<'_>) -> napi::Result<UnixTime> {
        Ok(match input::optional::<f64>(env, "now", now)? {
            Some(now) => UnixTime::from_secs(input::signed(env, "now", now)?),
            None => self.now.map_or_else(UnixTime::now, UnixTime::from_secs),
        })
    }
}

#[napi]
impl Claim {
    /// Records the message as handled, blocking (memory and SQLite stores): `false` when the
    /// claim was lost (it lapsed and another delivery took the message; that one is untouched).
    #[napi(ts_args_type = "now?: number")]
    pub fn commit(&self, env: Env, now: Unknown<'_>) -> napi::Result<bool> {
        let now = self.commit_time(&env, now)?;
        let request = &self.request;
        run(&env, || {
            if is_network(&self.store) {
                return Err(would_block(&self.store, "verify"));
            }
            BlockingStore::commit(&self.store, request.key(), request.token(), request.keep_until(), now)
        })
    }

    /// Gives the claim up, blocking: `false` when nothing was released (committed or lost).
    #[napi]
    pub fn release(&self, env: Env) -> napi::Result<bool> {
        run(&env, || {
            if is_network(&self.store) {
                return Err(would_block(&self.store, "verify"));
            }
            BlockingStore::release(&self.store, self.request.key(), self.request.token())
        })
    }

    /// `commit` for the Promise API: the answer at once for a memory store, else a Promise.
    #[napi(ts_args_type = "now?: number", ts_return_type = "boolean | Promise<boolean>")]
    pub fn commit_async<'env>(
        &self,
        env: &'env Env,
        now: Unknown<'_>,
    ) -> napi::Result<Either<bool, PromiseRaw<'env, bool>>> {
        let now = self.commit_time(env, now)?;
        let (store, request) = (self.store.clone(), self.request.clone());
        settle(env, self.store.kind() == "memory", async move {
            AsyncSeenStore::commit(&store, request.key(), request.token(), request.keep_until(), now).await
        })
    }

    /// `release` for the Promise API: the answer at once for a memory store, else a Promise.
    #[napi(ts_return_type = "boolean | Promise<boolean>")]
    pub fn release_async<'env>(&self, env: &'env Env) -> napi::Result<Either<bool, PromiseRaw<'env, bool>>> {
        let (store, request) = (self.store.clone(), self.request.clone());
        settle(env, self.store.kind() == "memory", async move {
            AsyncSeenStore::release(&store, request.key(), request.token()).await
        })
    }

    /// When the claim lapses (unix seconds) if it is neither committed nor released.
    #[napi(getter)]
    pub fn claim_until(&self) -> i64 {
        self.request.claim_until().as_secs()
    }
}

/// The answer of `step`: at once when it never waits (`ready`: a memory store, whose future is
/// ready when first polled), else as a Promise that rejects with the error of its code.
pub(crate) fn settle<'env, T, F>(
    env: &'env Env,
    ready: bool,
    step: F,
) -> napi::Result<Either<T, PromiseRaw<'env, T>>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    let mut step = Box::pin(step);
    if ready {
        let mut context = Context::from_waker(std::task::Waker::noop());
        if let Poll::Ready(answer) = step.as_mut().poll(&mut context) {
            return run(env, || answer).map(Either::A);
        }
    }
    promise(env, step).map(Either::B)
}

/// `step` as a Promise: awaited on napi's runtime, its error thrown as the JS error of its code
/// (built on the JS thread, where the error classes live), a panic as `internal`.
pub(crate) fn promise<'env, T, F>(env: &'env Env, step: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    let guarded = Guarded(Box::pin(step));
    env.spawn_future_with_callback(async move { Ok(guarded.await) }, |env, answer| {
        answer.map_err(|error| to_js(env, &error))
    })
}

/// A future whose panic becomes `internal` instead of a bare rejection.
struct Guarded<F>(Pin<Box<F>>);

impl<T, F: Future<Output = Result<T, Error>>> Future for Guarded<F> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(Error::Internal {
                reason: "a bug in hookwire (caught panic); please report it".into(),
            })),
        }
    }
}
