//! [`AsyncVerifier`]: the core's checks, then an awaited claim; commit and release awaited too.

use std::ops::Deref;
use std::sync::Arc;

use hookwire::{ClaimRequest, ClaimToken, Error, UnixTime, Verified, Verifier};
use http::HeaderMap;

use crate::AsyncSeenStore;

/// A [`Verifier`] whose replay claims are awaited in an [`AsyncSeenStore`]: for async servers
/// (axum, hyper), which must not block a runtime thread on a network store.
///
/// [`verify`](AsyncVerifier::verify) runs every check of the core ([`Verifier::check_at`]:
/// size, headers, timestamp, signature) and only then awaits the claim
/// ([`Verifier::claim_request`]), so forged requests never reach the store. The verifier's
/// own [`seen_store`](Verifier::seen_store), if any, is not used; its
/// [`claim_ttl`](Verifier::claim_ttl) and tolerance are.
///
/// ```
/// use hookwire::{Scheme, Secret, Signer, Verifier};
/// use hookwire_stores::{AsyncVerifier, Store};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hookwire::Error> {
/// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let verifier = AsyncVerifier::new(Verifier::new(Scheme::hookwire(), [secret.clone()]), Store::memory(1000));
/// # let headers = Signer::new(Scheme::hookwire(), secret).sign("msg_1", hookwire::unix_now().as_secs(), b"{}")?;
///
/// let message = verifier.verify(&headers, b"{}").await?;
/// assert_eq!(message.id(), Some("msg_1")); // the verified message's accessors
/// message.commit().await?;
/// assert_eq!(verifier.verify(&headers, b"{}").await.unwrap_err().code(), "replayed");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncVerifier {
    verifier: Arc<Verifier>,
    store: Arc<dyn AsyncSeenStore>,
}

impl AsyncVerifier {
    /// Verifies with `verifier` and claims in `store`.
    pub fn new(verifier: Verifier, store: impl AsyncSeenStore + 'static) -> AsyncVerifier {
        AsyncVerifier { verifier: Arc::new(verifier), store: Arc::new(store) }
    }

    /// The verifier that checks requests.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Verifies with the system clock; see [`verify_at`](AsyncVerifier::verify_at).
    pub async fn verify<'a>(
        &self,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Result<AsyncVerified<'a>, Error> {
        let now = UnixTime::now();
        self.verify_time(headers, body, now.as_secs(), now).await
    }

    /// Verifies the headers and raw body of a request at `now` (unix seconds), then claims
    /// the message: `replay_in_progress` while another delivery of it is handled, `replayed`
    /// once one was committed, `store_error` when the store cannot answer.
    pub async fn verify_at<'a>(
        &self,
        headers: &'a HeaderMap,
        body: &'a [u8],
        now: i64,
    ) -> Result<AsyncVerified<'a>, Error> {
        self.verify_time(headers, body, now, UnixTime::from_secs(now)).await
    }

    async fn verify_time<'a>(
        &self,
        headers: &'a HeaderMap,
        body: &'a [u8],
        now_secs: i64,
        now: UnixTime,
    ) -> Result<AsyncVerified<'a>, Error> {
        let message = self.verifier.check_at(headers, body, now_secs)?;
        let request = self.verifier.claim_request(&message, now);
        let claim = AsyncClaim::acquire(self.store.clone(), request).await?;
        Ok(AsyncVerified { message, claim })
    }
}

impl std::fmt::Debug for AsyncVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncVerifier").field("verifier", &self.verifier).finish_non_exhaustive()
    }
}

/// A verified, claimed message: read it like a [`Verified`] (it dereferences to one), then
/// [`commit`](AsyncVerified::commit) once it is handled or [`release`](AsyncVerified::release)
/// when handling failed. A claim that is neither lapses after the claim time.
#[derive(Debug, Clone)]
pub struct AsyncVerified<'a> {
    message: Verified<'a>,
    claim: AsyncClaim,
}

impl<'a> AsyncVerified<'a> {
    /// The verified message.
    pub fn message(&self) -> &Verified<'a> {
        &self.message
    }

    /// The claim held on it.
    pub fn claim(&self) -> &AsyncClaim {
        &self.claim
    }

    /// Records the message as handled (system clock); see [`AsyncClaim::commit_at`].
    pub async fn commit(&self) -> Result<bool, Error> {
        self.claim.commit_at(UnixTime::now()).await
    }

    /// Gives the claim up (the handler failed); see [`AsyncClaim::release`].
    pub async fn release(&self) -> Result<bool, Error> {
        self.claim.release().await
    }
}

impl<'a> Deref for AsyncVerified<'a> {
    type Target = Verified<'a>;

    fn deref(&self) -> &Verified<'a> {
        &self.message
    }
}

/// A claim held in an [`AsyncSeenStore`]; clones share it.
#[derive(Clone)]
pub struct AsyncClaim {
    store: Arc<dyn AsyncSeenStore>,
    request: ClaimRequest,
}

impl AsyncClaim {
    /// Claims `request` in `store`: the held claim, or the error to answer with
    /// (`replay_in_progress`, `replayed`, `store_error`). For callers that run the checks
    /// themselves ([`Verifier::check_at`] and [`Verifier::claim_request`]) and must own the
    /// claim apart from the request's borrowed bytes — a language binding handing it to a
    /// promise, say. The claim is `'static` and cheap to clone.
    pub async fn acquire(store: Arc<dyn AsyncSeenStore>, request: ClaimRequest) -> Result<AsyncClaim, Error> {
        request.resolve(store.claim(&request).await?)?;
        Ok(AsyncClaim { store, request })
    }

    /// The replay key that was claimed.
    pub fn key(&self) -> &str {
        self.request.key()
    }

    /// The token that proves this claim.
    pub fn token(&self) -> &ClaimToken {
        self.request.token()
    }

    /// When the claim lapses if it is neither committed nor released.
    pub fn claim_until(&self) -> UnixTime {
        self.request.claim_until()
    }

    /// Records the message as handled until the end of its window; `false` when the claim had
    /// lapsed and another delivery of the message has taken it (theirs is left untouched, and
    /// the sender's copy handled there counts).
    pub async fn commit_at(&self, now: UnixTime) -> Result<bool, Error> {
        self.store.commit(self.key(), self.token(), self.request.keep_until(), now).await
    }

    /// Gives the claim up so that the sender's retry is accepted; `false` when it was no longer
    /// held (lapsed and taken, or committed).
    pub async fn release(&self) -> Result<bool, Error> {
        self.store.release(self.key(), self.token()).await
    }
}

impl std::fmt::Debug for AsyncClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncClaim").field("request", &self.request).finish_non_exhaustive()
    }
}
