//! Replay claims from Python: `SeenStore` (the four stores of `hookwire-stores`) and the claim
//! a verified `Message` holds. The core decides the key, the token and the deadlines
//! (`Verifier::claim_request`, `ClaimRequest::resolve`); the stores keep them. This file only
//! calls them, with the GIL released while a store may wait, and awaits them on asyncio for
//! the `*_async` methods.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hookwire::{ClaimRequest, Error, SeenStore, UnixTime};
use hookwire_stores::{AsyncSeenStore, PostgresStore, RedisStore, SqliteStore, Store, StoreOptions};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::args::{self, not_constructible};
use crate::{raise, run};

/// Where verified messages are claimed, committed and released: in this process (`memory`),
/// in a SQLite file every process of the machine shares, or in PostgreSQL or Redis for
/// receivers on many machines.
#[pyclass(frozen, name = "SeenStore", module = "hookwire")]
pub(crate) struct PySeenStore(pub(crate) Store);

#[pymethods]
impl PySeenStore {
    /// Not made with `SeenStore(...)`: use `SeenStore.memory(...)`, `.sqlite(...)`, ...
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(
            _args.py(),
            "SeenStore",
            "use SeenStore.memory(capacity), .sqlite(path), .postgres(url), .redis(url) or .open(url)",
        ))
    }

    /// A store in this process holding at most `capacity` messages within their window (full:
    /// `StoreError`, never a forgotten message).
    #[staticmethod]
    fn memory(capacity: &Bound<'_, PyAny>) -> PyResult<Self> {
        let capacity: usize = args::arg("capacity", capacity)?;
        Ok(PySeenStore(Store::memory(capacity)))
    }

    /// A store in the SQLite file at `path` (created if needed), shared by the processes of
    /// this machine and kept across restarts.
    #[staticmethod]
    #[pyo3(signature = (path, namespace = None, timeout_ms = None))]
    fn sqlite(
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        namespace: Option<&Bound<'_, PyAny>>,
        timeout_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let path: String = match py.import("os")?.getattr("fspath")?.call1((path,)) {
            Ok(path) if path.is_instance_of::<PyString>() => args::arg("path", &path)?,
            _ => return Err(raise(py, &crate::argument("path", "must be a str or os.PathLike of a file"))),
        };
        let options = options(namespace, timeout_ms)?;
        // Opening reads and writes the file.
        run(py, || py.detach(|| SqliteStore::open(&path, &options))).map(|s| PySeenStore(s.into()))
    }

    /// A store in PostgreSQL (`postgres://user:password@host:port/db`); connects on first use.
    #[staticmethod]
    #[pyo3(signature = (url, namespace = None, timeout_ms = None))]
    fn postgres(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        namespace: Option<&Bound<'_, PyAny>>,
        timeout_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url: String = args::arg("url", url)?;
        let options = options(namespace, timeout_ms)?;
        run(py, || PostgresStore::open(&url, &options)).map(|s| PySeenStore(s.into()))
    }

    /// A store in Redis (`redis://host:port/db`); connects on first use.
    #[staticmethod]
    #[pyo3(signature = (url, namespace = None, timeout_ms = None))]
    fn redis(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        namespace: Option<&Bound<'_, PyAny>>,
        timeout_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url: String = args::arg("url", url)?;
        let options = options(namespace, timeout_ms)?;
        run(py, || RedisStore::open(&url, &options)).map(|s| PySeenStore(s.into()))
    }

    /// The store a URL names (`memory`, `sqlite:///path`, `postgres://…`, `redis://…`), as a
    /// configuration file holds it.
    #[staticmethod]
    #[pyo3(signature = (url, namespace = None, timeout_ms = None))]
    fn open(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        namespace: Option<&Bound<'_, PyAny>>,
        timeout_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url: String = args::arg("url", url)?;
        let options = options(namespace, timeout_ms)?;
        run(py, || py.detach(|| Store::open(&url, &options))).map(PySeenStore)
    }

    /// `memory`, `sqlite`, `postgres` or `redis`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind()
    }

    fn __repr__(&self) -> String {
        format!("SeenStore({:?})", self.0)
    }
}

/// `namespace` (the table, or the Redis key prefix) and `timeout_ms` (how long one step may
/// take before it is `StoreError`).
fn options(
    namespace: Option<&Bound<'_, PyAny>>,
    timeout_ms: Option<&Bound<'_, PyAny>>,
) -> PyResult<StoreOptions> {
    let mut options = StoreOptions::default();
    if let Some(namespace) = args::optional::<String>("namespace", namespace)? {
        options = options.namespace(namespace);
    }
    if let Some(limit) = args::optional::<u64>("timeout_ms", timeout_ms)? {
        options = options.timeout(Duration::from_millis(limit)).connect_timeout(Duration::from_millis(limit));
    }
    Ok(options)
}

/// A claim held on a verified message: the store it is in and the core's request (key, token,
/// deadlines). Commit and release pass the core's values to the store, blocking (GIL released)
/// or awaited.
pub(crate) struct Claim {
    store: Store,
    request: ClaimRequest,
}

impl Claim {
    /// Claims `request` in `store`, blocking: the held claim, or the error to answer with
    /// (`replay_in_progress`, `replayed`, `store_error`).
    pub(crate) fn acquire(store: &Store, request: ClaimRequest) -> Result<Claim, Error> {
        request.resolve(SeenStore::claim(store, &request)?)?;
        Ok(Claim { store: store.clone(), request })
    }

    /// [`acquire`](Claim::acquire), awaited.
    pub(crate) async fn acquire_async(store: &Store, request: ClaimRequest) -> Result<Claim, Error> {
        let outcome = AsyncSeenStore::claim(store, &request).await?;
        request.resolve(outcome)?;
        Ok(Claim { store: store.clone(), request })
    }

    /// Whether claiming in this store may wait (I/O): then the GIL is released around it.
    pub(crate) fn store_may_wait(store: &Store) -> bool {
        store.kind() != "memory"
    }

    pub(crate) fn commit(&self, now: UnixTime) -> Result<bool, Error> {
        let request = &self.request;
        SeenStore::commit(&self.store, request.key(), request.token(), request.keep_until(), now)
    }

    pub(crate) fn release(&self) -> Result<bool, Error> {
        SeenStore::release(&self.store, self.request.key(), self.request.token())
    }

    pub(crate) async fn commit_async(&self, now: UnixTime) -> Result<bool, Error> {
        let request = &self.request;
        AsyncSeenStore::commit(&self.store, request.key(), request.token(), request.keep_until(), now).await
    }

    pub(crate) async fn release_async(&self) -> Result<bool, Error> {
        AsyncSeenStore::release(&self.store, self.request.key(), self.request.token()).await
    }

    pub(crate) fn may_wait(&self) -> bool {
        Claim::store_may_wait(&self.store)
    }

    /// When the claim lapses if it is neither committed nor released.
    pub(crate) fn claim_until(&self) -> UnixTime {
        self.request.claim_until()
    }
}

/// Polls a store's future from a Python coroutine: with the GIL released (a SQLite step may run
/// in the poll), and a panic turned into `internal` rather than pyo3's `PanicException`.
pub(crate) struct Detached<F>(pub(crate) Pin<Box<F>>);

impl<T: Send, F> Future for Detached<F>
where
    F: Future<Output = Result<T, Error>> + Send,
{
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let waker = cx.waker();
        let future = &mut self.0;
        let polled = Python::attach(|py| {
            py.detach(|| {
                catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut Context::from_waker(waker))))
            })
        });
        match polled {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(Error::Internal {
                reason: "a bug in hookwire (caught panic); please report it".into(),
            })),
        }
    }
}

/// Awaits a store's future from a Python coroutine; its error becomes the exception of its code.
pub(crate) async fn awaited<T: Send>(future: impl Future<Output = Result<T, Error>> + Send) -> PyResult<T> {
    let answer = Detached(Box::pin(future)).await;
    answer.map_err(|error| Python::attach(|py| raise(py, &error)))
}
