//! [`MemorySeenStore`]: replay claims for one process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use super::store::{ClaimOutcome, ClaimRequest, ClaimToken, SeenStore};
use crate::{Error, UnixTime};

/// An in-process [`SeenStore`] with a fixed capacity.
///
/// Claims and committed messages live until their deadline (a claim: the claim time; a
/// committed message: the end of its tolerance window, after which the timestamp check refuses
/// it anyway). Memory is bounded by `capacity` entries. **When full** of entries that still
/// count it refuses new messages with `store_error` rather than forgetting old ones: forgetting
/// would silently reopen the replay window, while a refusal makes the receiver answer 503 and
/// the sender retry later. Size it for the deliveries you accept within one tolerance window.
///
/// It serves one process: receivers that run as several processes, or that restart within
/// the window, share a store of the `hookwire-stores` crate (SQLite, PostgreSQL, Redis).
///
/// ```
/// use std::time::Duration;
/// use hookwire::{ClaimOutcome, ClaimRequest, MemorySeenStore, SeenStore, UnixTime};
///
/// let store = MemorySeenStore::new(10_000);
/// let now = UnixTime::from_secs(1_700_000_000);
/// let keep = now.saturating_add(Duration::from_secs(301));
/// let claim = ClaimRequest::new("msg_1", now, Duration::from_secs(60), keep);
/// assert_eq!(store.claim(&claim)?, ClaimOutcome::Claimed);
/// // The handler failed: release, and the sender's retry gets through.
/// assert!(store.release(claim.key(), claim.token())?);
/// let retry = ClaimRequest::new("msg_1", now, Duration::from_secs(60), keep);
/// assert_eq!(store.claim(&retry)?, ClaimOutcome::Claimed);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug)]
pub struct MemorySeenStore {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<Arc<str>, Entry>,
    /// Deadlines, soonest first. A record whose key has since moved to another deadline (a
    /// claim that was committed, released or taken again) is skipped when it comes up.
    by_deadline: BinaryHeap<Reverse<(UnixTime, Arc<str>)>>,
}

#[derive(Debug)]
struct Entry {
    token: ClaimToken,
    committed: bool,
    until: UnixTime,
}

impl Entries {
    /// Forgets every entry whose deadline is not after `now`.
    fn evict(&mut self, now: UnixTime) {
        while let Some(Reverse((until, _))) = self.by_deadline.peek() {
            if *until > now {
                break;
            }
            if let Some(Reverse((until, key))) = self.by_deadline.pop() {
                if self.by_key.get(&key).is_some_and(|entry| entry.until == until) {
                    self.by_key.remove(&key);
                }
            }
        }
    }

    fn put(&mut self, key: Arc<str>, entry: Entry) {
        self.by_deadline.push(Reverse((entry.until, key.clone())));
        self.by_key.insert(key, entry);
    }
}

impl MemorySeenStore {
    /// A store that holds at most `capacity` entries that still count.
    pub fn new(capacity: usize) -> MemorySeenStore {
        MemorySeenStore { capacity: capacity.max(1), inner: Mutex::new(Entries::default()) }
    }

    /// How many entries are held (those past their deadline are dropped on the next claim).
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every change leaves the maps consistent before the next line that could panic, so a
        // poisoned lock is still used.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SeenStore for MemorySeenStore {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        let mut entries = self.lock();
        entries.evict(request.now());
        if let Some(entry) = entries.by_key.get(request.key()) {
            return Ok(if entry.committed { ClaimOutcome::Done } else { ClaimOutcome::InProgress });
        }
        if entries.by_key.len() >= self.capacity {
            return Err(Error::Store {
                reason: format!(
                    "the in-memory replay store is full ({} messages within their window); raise its \
                     capacity",
                    self.capacity
                )
                .into(),
            });
        }
        let entry = Entry { token: request.token().clone(), committed: false, until: request.claim_until() };
        entries.put(Arc::from(request.key()), entry);
        Ok(ClaimOutcome::Claimed)
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        let mut entries = self.lock();
        entries.evict(now);
        let key: Arc<str> = match entries.by_key.get_key_value(key) {
            Some((_, entry)) if entry.token != *token => return Ok(false),
            Some((held, _)) => held.clone(),
            None => Arc::from(key),
        };
        entries.put(key, Entry { token: token.clone(), committed: true, until: keep_until });
        Ok(true)
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        let mut entries = self.lock();
        let ours = entries.by_key.get(key).is_some_and(|entry| !entry.committed && entry.token == *token);
        if ours {
            entries.by_key.remove(key);
        }
        Ok(ours)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const T: i64 = 1_700_000_000;

    fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn request(key: &str, now: i64) -> ClaimRequest {
        ClaimRequest::new(key, at(now), Duration::from_secs(60), at(T + 301))
    }

    #[test]
    fn refuses_when_full_and_recovers_after_deadlines() {
        let store = MemorySeenStore::new(2);
        let a = request("a", T);
        assert_eq!(store.claim(&a).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(store.claim(&request("b", T)).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(store.claim(&request("c", T)).unwrap_err().code(), "store_error");
        // A release makes room at once; a lapsed claim (60 s) makes room at its deadline.
        assert!(store.release("a", a.token()).unwrap());
        assert_eq!(store.claim(&request("c", T + 1)).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(store.claim(&request("d", T + 59)).unwrap_err().code(), "store_error");
        assert_eq!(store.claim(&request("d", T + 60)).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_committed_message_counts_until_its_exclusive_deadline() {
        let store = MemorySeenStore::new(10);
        let first = request("m", T);
        store.claim(&first).unwrap();
        assert!(store.commit("m", first.token(), at(T + 301), at(T)).unwrap());
        assert_eq!(store.claim(&request("m", T + 300)).unwrap(), ClaimOutcome::Done, "last second");
        assert_eq!(store.claim(&request("m", T + 301)).unwrap(), ClaimOutcome::Claimed, "deadline passed");
    }

    #[test]
    fn only_the_token_holder_commits_or_releases() {
        let store = MemorySeenStore::new(10);
        let first = request("m", T);
        store.claim(&first).unwrap();
        // The first handler is slow: its claim lapses and a retry takes the message.
        let retry = request("m", T + 61);
        assert_eq!(store.claim(&retry).unwrap(), ClaimOutcome::Claimed);
        assert!(!store.release("m", first.token()).unwrap(), "a late release keeps the retry's claim");
        assert!(!store.commit("m", first.token(), at(T + 301), at(T + 62)).unwrap());
        assert_eq!(store.claim(&request("m", T + 62)).unwrap(), ClaimOutcome::InProgress);
        assert!(store.commit("m", retry.token(), at(T + 301), at(T + 62)).unwrap());
        assert!(!store.release("m", retry.token()).unwrap(), "a committed message is not released");
        assert_eq!(store.claim(&request("m", T + 63)).unwrap(), ClaimOutcome::Done);
    }

    #[test]
    fn a_lapsed_claim_can_still_be_committed_when_nobody_took_it() {
        let store = MemorySeenStore::new(10);
        let first = request("m", T);
        store.claim(&first).unwrap();
        assert!(store.commit("m", first.token(), at(T + 301), at(T + 120)).unwrap());
        assert_eq!(store.claim(&request("m", T + 121)).unwrap(), ClaimOutcome::Done);
    }
}
