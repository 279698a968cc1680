//! The crate's own runtime: where the I/O of every store runs, whoever calls and from where.
//!
//! Running the I/O here rather than on the caller's executor is what lets one store serve both
//! ways of calling: a blocking caller waits on a channel (no runtime of its own needed, no
//! "runtime within a runtime" panic), an async caller awaits a join handle (any executor, and
//! no timer or reactor of the caller's is needed). The runtime lives for the process: dropping a
//! runtime inside an async context panics, and stores are often dropped there.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use hookwire::Error;
use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The stores' runtime: one worker thread (the stores only wait on sockets) and the blocking
/// pool for SQLite.
pub(crate) fn handle() -> Result<&'static Handle, Error> {
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hookwire-stores")
            .enable_all()
            .build()
            .map_err(|err| err.to_string())
    });
    match runtime {
        Ok(runtime) => Ok(runtime.handle()),
        Err(err) => Err(store_error("cannot start the replay stores' runtime", err)),
    }
}

/// Runs `operation` on the stores' runtime and waits for its answer on this thread: the
/// blocking API (`SeenStore`).
pub(crate) fn block_on<T, F>(operation: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    let handle = handle()?;
    let (answer, receive) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = answer.send(operation.await);
    });
    blocking(|| receive.recv().unwrap_or_else(|_| Err(stopped())))
}

/// Runs `operation` on the stores' runtime; the returned future can be awaited on any executor:
/// the async API (`AsyncSeenStore`).
pub(crate) async fn spawn<T, F>(operation: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    handle()?.spawn(operation).await.unwrap_or_else(|_| Err(stopped()))
}

/// Runs blocking `work` (SQLite) on the stores' blocking pool, awaitable on any executor.
pub(crate) async fn spawn_blocking<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    handle()?.spawn_blocking(work).await.unwrap_or_else(|_| Err(stopped()))
}

/// Blocks this thread on `wait`. On a worker of a multi-threaded tokio runtime (the blocking
/// API called from an async handler) tokio is told first, so that it moves the worker's other
/// tasks to another thread instead of stalling them. A current-thread runtime cannot do that:
/// there the wait stalls it for one store round trip, at most the store's timeout.
pub(crate) fn blocking<T>(wait: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(current) if current.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// Bounds `operation` by `limit`: a store that does not answer is a store that is down.
pub(crate) async fn within<T>(
    limit: Duration,
    what: &'static str,
    operation: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(limit, operation).await {
        Ok(answer) => answer,
        Err(_) => Err(Error::Store { reason: format!("{what}: no answer within {limit:?}").into() }),
    }
}

/// A `store_error` saying what failed and why.
pub(crate) fn store_error(what: &str, cause: impl std::fmt::Display) -> Error {
    Error::Store { reason: format!("{what}: {cause}").into() }
}

fn stopped() -> Error {
    Error::Internal { reason: "a replay store operation stopped before it answered (it panicked)".into() }
}
