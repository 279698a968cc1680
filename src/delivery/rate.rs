//! Pacing deliveries per endpoint.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Error, UnixTime};

/// A pace: at most `capacity` deliveries per `period`, with bursts up to `capacity`. What an
/// [`Endpoint`](crate::Endpoint) is configured with; each sender keeps the
/// [`TokenBucket`] it gives.
///
/// ```
/// use std::time::Duration;
/// use hookwire::RateLimit;
///
/// let aura = RateLimit::per_hour(1000)?; // AuraConnect's limit
/// assert_eq!((aura.capacity(), aura.period()), (1000, Duration::from_secs(3600)));
/// assert_eq!(RateLimit::new(0, Duration::from_secs(1)).unwrap_err().code(), "invalid_argument");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    capacity: u32,
    period: Duration,
}

impl RateLimit {
    /// At most `capacity` (≥ 1) per `period` (≥ 1 ms; whole milliseconds count).
    pub fn new(capacity: u32, period: Duration) -> Result<RateLimit, Error> {
        if capacity == 0 || period.as_millis() == 0 {
            return Err(Error::argument(
                "rate",
                "capacity and period must be positive (a period of 1 ms at least)",
            ));
        }
        Ok(RateLimit { capacity, period: Duration::from_millis(period_ms(period)) })
    }

    /// At most `capacity` per hour.
    pub fn per_hour(capacity: u32) -> Result<RateLimit, Error> {
        RateLimit::new(capacity, Duration::from_secs(3600))
    }

    /// Deliveries per period (the largest burst).
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// A full bucket of this pace.
    pub fn bucket(&self) -> TokenBucket {
        let capacity = u64::from(self.capacity);
        let period_ms = period_ms(self.period);
        TokenBucket {
            capacity,
            period_ms,
            level: u128::from(capacity) * u128::from(period_ms),
            updated_at: None,
        }
    }
}

fn period_ms(period: Duration) -> u64 {
    u64::try_from(period.as_millis()).unwrap_or(u64::MAX)
}

/// A token bucket: at most `capacity` deliveries per `period`, refilled continuously, with
/// bursts up to `capacity`. Exact integer arithmetic in milliseconds, so it never drifts.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{RateLimit, UnixTime};
///
/// let mut bucket = RateLimit::per_hour(1000)?.bucket(); // AuraConnect's limit
/// let now = UnixTime::from_secs(1_700_000_000);
/// for _ in 0..1000 {
///     assert_eq!(bucket.acquire(now), Ok(()));
/// }
/// // The bucket is empty: the next token comes after 3.6 s.
/// assert_eq!(bucket.acquire(now), Err(Duration::from_millis(3600)));
/// assert_eq!(bucket.acquire(now + Duration::from_millis(3600)), Ok(()));
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
    updated_at: Option<UnixTime>,
}

/// A bucket as stored, checked before use (a corrupt row must not divide by zero).
#[derive(Deserialize)]
struct Stored {
    capacity: u64,
    period_ms: u64,
    level: u128,
    updated_at: Option<UnixTime>,
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
    /// At most `capacity` per `period` (≥ 1 ms), starting full: [`RateLimit::bucket`].
    pub fn new(capacity: u32, period: Duration) -> Result<TokenBucket, Error> {
        RateLimit::new(capacity, period).map(|rate| rate.bucket())
    }

    /// The pace this bucket keeps.
    pub fn rate(&self) -> RateLimit {
        let capacity = u32::try_from(self.capacity).unwrap_or(u32::MAX);
        RateLimit { capacity, period: Duration::from_millis(self.period_ms) }
    }

    /// Takes a token at `now` if there is one, or says how long until the
    /// next one. A clock that goes backwards refills nothing.
    pub fn acquire(&mut self, now: UnixTime) -> Result<(), Duration> {
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
    pub fn available(&mut self, now: UnixTime) -> u64 {
        self.refill(now);
        u64::try_from(self.level / u128::from(self.period_ms)).unwrap_or(u64::MAX)
    }

    fn refill(&mut self, now: UnixTime) {
        let elapsed = match self.updated_at {
            Some(then) => period_ms(now.duration_since(then)),
            None => 0,
        };
        if self.updated_at.is_none_or(|then| now > then) {
            self.updated_at = Some(now);
        }
        let full = u128::from(self.capacity) * u128::from(self.period_ms);
        self.level = self.level.saturating_add(u128::from(elapsed) * u128::from(self.capacity)).min(full);
    }
}
