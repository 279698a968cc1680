//! Pacing deliveries per endpoint.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A token bucket: at most `capacity` deliveries per `period`, refilled continuously, with
/// bursts up to `capacity`. Exact integer arithmetic in milliseconds, so it never drifts.
///
/// ```
/// use std::time::Duration;
/// use hookwire::TokenBucket;
///
/// let mut bucket = TokenBucket::per_hour(1000)?; // AuraConnect's limit
/// for _ in 0..1000 {
///     assert_eq!(bucket.acquire(0), Ok(()));
/// }
/// // The bucket is empty: the next token comes after 3.6 s.
/// assert_eq!(bucket.acquire(0), Err(Duration::from_millis(3600)));
/// assert_eq!(bucket.acquire(3_600), Ok(()));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Stored")]
pub struct TokenBucket {
    capacity: u64,
    period_ms: u64,
    /// Fill level in units of 1/capacity milliseconds-of-a-token: one token is `period_ms`
    /// units, and every millisecond adds `capacity` units.
    level: u128,
    updated_at: Option<i64>,
}

/// A bucket as stored, checked before use (a corrupt row must not divide by zero).
#[derive(Deserialize)]
struct Stored {
    capacity: u64,
    period_ms: u64,
    level: u128,
    updated_at: Option<i64>,
}

impl TryFrom<Stored> for TokenBucket {
    type Error = String;
    fn try_from(stored: Stored) -> Result<TokenBucket, String> {
        let full = u128::from(stored.capacity) * u128::from(stored.period_ms);
        if stored.capacity == 0 || stored.period_ms == 0 || stored.level > full {
            return Err("a token bucket needs a positive capacity and period and a level within them".into());
        }
        let Stored { capacity, period_ms, level, updated_at } = stored;
        Ok(TokenBucket { capacity, period_ms, level, updated_at })
    }
}

impl TokenBucket {
    /// At most `capacity` per `period` (≥ 1 ms), starting full.
    pub fn new(capacity: u32, period: Duration) -> Result<TokenBucket, Error> {
        let period_ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX);
        if capacity == 0 || period_ms == 0 {
            return Err(Error::argument("rate", "capacity and period must be positive"));
        }
        let capacity = u64::from(capacity);
        Ok(TokenBucket {
            capacity,
            period_ms,
            level: u128::from(capacity) * u128::from(period_ms),
            updated_at: None,
        })
    }

    /// At most `capacity` per hour.
    pub fn per_hour(capacity: u32) -> Result<TokenBucket, Error> {
        TokenBucket::new(capacity, Duration::from_secs(3600))
    }

    /// Takes a token at `now` (unix milliseconds) if there is one, or says how long until the
    /// next one. A clock that goes backwards refills nothing.
    pub fn acquire(&mut self, now: i64) -> Result<(), Duration> {
        self.refill(now);
        let token = u128::from(self.period_ms);
        if self.level >= token {
            self.level -= token;
            return Ok(());
        }
        let missing = token - self.level;
        let wait = missing.div_ceil(u128::from(self.capacity));
        Err(Duration::from_millis(u64::try_from(wait).unwrap_or(u64::MAX)))
    }

    /// How many whole tokens are available at `now`.
    pub fn available(&mut self, now: i64) -> u64 {
        self.refill(now);
        u64::try_from(self.level / u128::from(self.period_ms)).unwrap_or(u64::MAX)
    }

    fn refill(&mut self, now: i64) {
        let elapsed = match self.updated_at {
            Some(then) if now > then => now.abs_diff(then),
            Some(_) => 0,
            None => 0,
        };
        if self.updated_at.is_none_or(|then| now > then) {
            self.updated_at = Some(now);
        }
        let full = u128::from(self.capacity) * u128::from(self.period_ms);
        self.level = self.level.saturating_add(u128::from(elapsed) * u128::from(self.capacity)).min(full);
    }
}
