//! [`AsyncSeenStore`]: the core's claim contract for async servers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, MemorySeenStore, SeenStore, UnixTime};

/// The future an [`AsyncSeenStore`] operation returns. It is `Send`, so it can be awaited in an
/// axum or hyper handler on a multi-threaded runtime.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The three operations of [`SeenStore`], awaited instead of blocking: for async servers
/// (axum, hyper, a Node binding's promises).
///
/// The rules are exactly those of [`SeenStore`] (each step atomic; `store_error` when the store
/// cannot answer; the conformance suite runs every store through both traits). The stores of
/// this crate run the I/O on their own runtime, so the futures can be awaited on any executor
/// and never occupy the caller's runtime while the store answers. Dropping a future does not
/// undo a step the store already took: a claim whose answer nobody awaited lapses after its
/// claim time, like the claim of a handler that crashed.
///
/// Most code uses it through [`AsyncVerifier`](crate::AsyncVerifier).
pub trait AsyncSeenStore: Send + Sync {
    /// Claims a message; see [`SeenStore::claim`].
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome>;

    /// Marks a claimed message as handled until `keep_until`; see [`SeenStore::commit`].
    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool>;

    /// Gives a claim up so that a retry is accepted; see [`SeenStore::release`].
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool>;
}

/// The memory store never waits: its answers are ready at once.
impl AsyncSeenStore for MemorySeenStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        let answer = SeenStore::claim(self, request);
        Box::pin(std::future::ready(answer))
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        let answer = SeenStore::commit(self, key, token, keep_until, now);
        Box::pin(std::future::ready(answer))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        let answer = SeenStore::release(self, key, token);
        Box::pin(std::future::ready(answer))
    }
}

impl<T: AsyncSeenStore + ?Sized> AsyncSeenStore for Arc<T> {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        (**self).claim(request)
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        (**self).commit(key, token, keep_until, now)
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        (**self).release(key, token)
    }
}
