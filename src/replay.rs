//! Replay protection: timestamp tolerance, the [`SeenStore`] trait and [`MemorySeenStore`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use crate::Error;

/// Default tolerance between a message's timestamp and now, in both directions: 5 minutes.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Remembers which messages were accepted, so a second delivery of the same one is refused.
///
/// The verifier calls [`insert_if_absent`](SeenStore::insert_if_absent) only after a signature
/// has been verified, so an attacker cannot fill the store with forged ids. Implement it on a
/// shared store (Redis `SET key 1 NX EXAT expires_at`, a database unique key) when several
/// processes receive webhooks; [`MemorySeenStore`] serves a single process.
pub trait SeenStore: Send + Sync {
    /// Records `key` until `expires_at` (unix seconds) and returns `true`, or returns `false`
    /// when `key` is already recorded and not expired. `now` is the verifier's clock, for
    /// stores that keep time themselves.
    fn insert_if_absent(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, Error>;
}

impl<T: SeenStore + ?Sized> SeenStore for Arc<T> {
    fn insert_if_absent(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, Error> {
        (**self).insert_if_absent(key, expires_at, now)
    }
}

/// An in-process [`SeenStore`] with a fixed capacity.
///
/// Entries live until their expiry (the message timestamp plus the verifier's tolerance: after
/// that the timestamp check refuses the message anyway). Memory is bounded by `capacity`
/// entries. **When full** of unexpired entries it refuses new messages with `store_error`
/// rather than forgetting old ones: forgetting would silently reopen the replay window, while
/// a refusal makes the receiver answer 5xx and the sender retry later. Size it for the
/// deliveries you accept within one tolerance window.
///
/// ```
/// use hookwire::{MemorySeenStore, SeenStore};
///
/// let store = MemorySeenStore::new(10_000);
/// assert!(store.insert_if_absent("msg_1", 1_700_000_300, 1_700_000_000)?);
/// assert!(!store.insert_if_absent("msg_1", 1_700_000_300, 1_700_000_001)?);
/// // After expiry the key is forgotten.
/// assert!(store.insert_if_absent("msg_1", 1_700_000_700, 1_700_000_400)?);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug)]
pub struct MemorySeenStore {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    expiry_by_key: HashMap<Arc<str>, i64>,
    /// Soonest expiry first; each key appears once, as it is inserted once per lifetime.
    by_expiry: BinaryHeap<Reverse<(i64, Arc<str>)>>,
}

impl MemorySeenStore {
    /// A store that holds at most `capacity` unexpired keys.
    pub fn new(capacity: usize) -> MemorySeenStore {
        MemorySeenStore { capacity: capacity.max(1), inner: Mutex::new(Entries::default()) }
    }

    /// How many keys are held (expired ones are dropped on the next insert).
    pub fn len(&self) -> usize {
        self.lock().expiry_by_key.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters more than losing replay protection, so a poisoned lock is still used.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SeenStore for MemorySeenStore {
    fn insert_if_absent(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, Error> {
        let mut entries = self.lock();
        while let Some(Reverse((expiry, _))) = entries.by_expiry.peek() {
            if *expiry > now {
                break;
            }
            if let Some(Reverse((_, old))) = entries.by_expiry.pop() {
                entries.expiry_by_key.remove(&old);
            }
        }
        if entries.expiry_by_key.contains_key(key) {
            return Ok(false);
        }
        if entries.expiry_by_key.len() >= self.capacity {
            return Err(Error::Store {
                reason: format!(
                    "the in-memory replay store is full ({} unexpired ids); answer 503 so the sender \
                     retries, and raise its capacity",
                    self.capacity
                )
                .into(),
            });
        }
        let key: Arc<str> = Arc::from(key);
        entries.expiry_by_key.insert(key.clone(), expires_at);
        entries.by_expiry.push(Reverse((expires_at, key)));
        Ok(true)
    }
}

/// The largest timestamp a signer writes and a verifier reads: 18 digits.
pub(crate) const MAX_TIMESTAMP: i64 = 999_999_999_999_999_999;

/// Parses a timestamp header: unix seconds as 1 to 18 ASCII digits in canonical form.
///
/// A leading zero is refused: peers re-render the number before signing, so `0170…` would be
/// signed differently by different libraries; refusing it keeps "the digits sent" and "the
/// number" the same thing.
pub(crate) fn parse_timestamp(text: &[u8]) -> Option<i64> {
    let canonical = text == b"0" || text.first().is_some_and(|d| (b'1'..=b'9').contains(d));
    if !canonical || text.len() > 18 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // At most 18 digits: below 10^18, so the sum cannot overflow.
    Some(text.iter().fold(0i64, |acc, digit| acc * 10 + i64::from(digit - b'0')))
}

/// Checks `timestamp` against `now` in both directions.
pub(crate) fn check_tolerance(timestamp: i64, now: i64, tolerance: u64) -> Result<(), Error> {
    let difference = i128::from(now) - i128::from(timestamp);
    let distance = u64::try_from(difference.unsigned_abs()).unwrap_or(u64::MAX);
    if distance <= tolerance {
        Ok(())
    } else if difference > 0 {
        Err(Error::TimestampTooOld { age: distance, tolerance })
    } else {
        let hint = if timestamp > 100_000_000_000 {
            "this looks like milliseconds: send unix seconds"
        } else {
            "check the sender's clock"
        };
        Err(Error::TimestampTooNew { ahead: distance, tolerance, hint })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_plain_digits() {
        assert_eq!(parse_timestamp(b"1700000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp(b"0"), Some(0));
        for bad in [
            &b""[..],
            b"-5",
            b"+5",
            b" 5",
            b"5 ",
            b"1e9",
            b"1700000000.5",
            b"9999999999999999999",
            b"01",
            b"00",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn tolerance_is_inclusive_and_two_sided() {
        let now = 1_700_000_000;
        assert!(check_tolerance(now - 300, now, 300).is_ok());
        assert!(check_tolerance(now + 300, now, 300).is_ok());
        assert_eq!(check_tolerance(now - 301, now, 300).unwrap_err().code(), "timestamp_too_old");
        assert_eq!(check_tolerance(now + 301, now, 300).unwrap_err().code(), "timestamp_too_new");
        let millis = check_tolerance(now * 1000, now, 300).unwrap_err();
        assert!(millis.to_string().contains("milliseconds"));
        assert!(check_tolerance(i64::MAX, i64::MIN, 300).is_err());
    }

    #[test]
    fn memory_store_refuses_when_full_and_recovers_after_expiry() {
        let store = MemorySeenStore::new(2);
        assert!(store.insert_if_absent("a", 100, 0).unwrap());
        assert!(store.insert_if_absent("b", 200, 0).unwrap());
        assert!(!store.insert_if_absent("a", 100, 50).unwrap());
        assert_eq!(store.insert_if_absent("c", 300, 50).unwrap_err().code(), "store_error");
        // At t=100 "a" has expired: room for "c", and "a" is new again later.
        assert!(store.insert_if_absent("c", 300, 100).unwrap());
        assert_eq!(store.len(), 2);
        assert!(!store.insert_if_absent("b", 200, 150).unwrap());
        assert!(store.insert_if_absent("b", 400, 200).unwrap());
    }
}
