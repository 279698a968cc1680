//! The contract of a replay store: claim, commit, release.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{Error, UnixTime};

/// How long a verified message stays claimed when it is neither committed nor released (its
/// handler died): 60 seconds. After that a retry of the message is accepted.
pub const DEFAULT_CLAIM_TTL: Duration = Duration::from_secs(60);

/// Proof of holding a claim: 128 random bits, written as 32 lower-case hex digits.
///
/// Only the holder of the token can commit or release its claim, so a handler whose claim
/// lapsed (and was taken by a retry) cannot commit or delete the retry's claim.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken {
    hex: [u8; 32],
}

impl ClaimToken {
    /// A new random token.
    pub fn generate() -> ClaimToken {
        let mut bytes = [0u8; 16];
        crate::secret::fill_random(&mut bytes);
        let mut hex = [0u8; 32];
        // 16 bytes always fit in 32 hex digits.
        let _ = base16ct::lower::encode(&bytes, &mut hex);
        ClaimToken { hex }
    }

    /// The token as text (32 lower-case hex digits), as stores keep it.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into `hex`.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimToken({})", self.as_str())
    }
}

impl fmt::Display for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a store found when asked to claim a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The message was not held: it is now claimed with the request's token.
    Claimed,
    /// Another delivery of the message holds a claim that has not lapsed: it is being handled.
    InProgress,
    /// The message was handled (committed) and its window is still open.
    Done,
}

/// What the verifier asks of a store once every other check has passed: claim `key` with
/// `token` until `claim_until`, unless it is held.
///
/// The verifier decides every value (the key names the message, the deadlines follow from the
/// claim time and the tolerance window); stores only keep them. Instants are exclusive ends:
/// an entry counts while `now < until`.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{ClaimOutcome, ClaimRequest, MemorySeenStore, SeenStore, UnixTime};
///
/// let now = UnixTime::from_secs(1_700_000_000);
/// let store = MemorySeenStore::new(100);
/// let first = ClaimRequest::new("msg_1", now, Duration::from_secs(60), now.saturating_add(Duration::from_secs(301)));
/// assert_eq!(store.claim(&first)?, ClaimOutcome::Claimed);
///
/// // A second delivery while the first is handled: in progress (answer 409, the sender retries).
/// let second = ClaimRequest::new("msg_1", now, Duration::from_secs(60), first.keep_until());
/// assert_eq!(store.claim(&second)?, ClaimOutcome::InProgress);
/// assert_eq!(second.resolve(ClaimOutcome::InProgress).unwrap_err().code(), "replay_in_progress");
///
/// // Only the first holder can commit; then it is done (answer 200, the sender stops).
/// assert!(!store.commit(second.key(), second.token(), second.keep_until(), now)?);
/// assert!(store.commit(first.key(), first.token(), first.keep_until(), now)?);
/// assert_eq!(store.claim(&second)?, ClaimOutcome::Done);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    key: String,
    token: ClaimToken,
    now: UnixTime,
    claim_until: UnixTime,
    keep_until: UnixTime,
}

impl ClaimRequest {
    /// A request to claim `key` at `now` for `claim_ttl`, with a new token; once committed the
    /// key is kept until `keep_until`.
    pub fn new(
        key: impl Into<String>,
        now: UnixTime,
        claim_ttl: Duration,
        keep_until: UnixTime,
    ) -> ClaimRequest {
        let claim_until = now.saturating_add(claim_ttl);
        ClaimRequest { key: key.into(), token: ClaimToken::generate(), now, claim_until, keep_until }
    }

    /// The replay key: it names the message (never the secret that matched).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The token of this claim.
    pub fn token(&self) -> &ClaimToken {
        &self.token
    }

    /// The verifier's clock when it asked.
    pub fn now(&self) -> UnixTime {
        self.now
    }

    /// When the claim lapses if it is neither committed nor released (exclusive).
    pub fn claim_until(&self) -> UnixTime {
        self.claim_until
    }

    /// Until when a committed message is refused as `replayed` (exclusive): one second past
    /// the last second in which its timestamp passes the tolerance check.
    pub fn keep_until(&self) -> UnixTime {
        self.keep_until
    }

    /// What a store's answer means for the request: `Ok` when claimed, otherwise the error to
    /// answer with (`replay_in_progress`, 409; `replayed`, 200).
    pub fn resolve(&self, outcome: ClaimOutcome) -> Result<(), Error> {
        match outcome {
            ClaimOutcome::Claimed => Ok(()),
            ClaimOutcome::InProgress => Err(Error::ReplayInProgress { id: self.key.clone() }),
            ClaimOutcome::Done => Err(Error::Replayed { id: self.key.clone() }),
        }
    }
}

/// A replay store: where verified messages are claimed, committed and released.
///
/// Every store follows the same rules (the `hookwire-stores` conformance suite checks them for
/// the memory, SQLite, PostgreSQL and Redis stores), each step atomic:
///
/// - [`claim`](SeenStore::claim): when `key` has an entry that counts (`now < until`), answer
///   [`InProgress`](ClaimOutcome::InProgress) for a claim and [`Done`](ClaimOutcome::Done) for a
///   committed message, and change nothing. Otherwise (no entry, or a lapsed one) record a claim
///   with the request's token until `claim_until` and answer [`Claimed`](ClaimOutcome::Claimed).
/// - [`commit`](SeenStore::commit): when the entry holds `token`, or no entry counts any more,
///   record the message as committed with `token` until `keep_until` and answer `true`.
///   When another token's entry counts (the claim lapsed and a retry took it), change nothing
///   and answer `false`.
/// - [`release`](SeenStore::release): when the entry is a claim holding `token`, delete it and
///   answer `true`; otherwise change nothing and answer `false` (a late release never deletes
///   somebody else's claim, nor a committed message).
///
/// A store that cannot answer (down, full) returns `store_error`: the verifier then refuses the
/// message (answer 503, the sender retries) rather than accepting it unrecorded.
pub trait SeenStore: Send + Sync {
    /// Claims a message; see the rules above.
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error>;

    /// Marks a claimed message as handled until `keep_until`; see the rules above.
    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error>;

    /// Gives a claim up so that a retry of the message is accepted; see the rules above.
    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error>;
}

impl<T: SeenStore + ?Sized> SeenStore for Arc<T> {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        (**self).claim(request)
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        (**self).commit(key, token, keep_until, now)
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        (**self).release(key, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (ClaimToken::generate(), ClaimToken::generate());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn outcomes_map_to_the_codes_senders_understand() {
        let now = UnixTime::from_secs(100);
        let request = ClaimRequest::new("k", now, Duration::from_secs(60), now);
        assert_eq!(request.claim_until(), UnixTime::from_secs(160));
        assert!(request.resolve(ClaimOutcome::Claimed).is_ok());
        let busy = request.resolve(ClaimOutcome::InProgress).unwrap_err();
        assert_eq!((busy.code(), busy.response_status()), ("replay_in_progress", 409));
        let done = request.resolve(ClaimOutcome::Done).unwrap_err();
        assert_eq!((done.code(), done.response_status()), ("replayed", 200));
    }
}
