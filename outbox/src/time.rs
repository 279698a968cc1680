//! The outbox's one typed instant. Issue 14 gives the core a `UnixTime`; until then this is the
//! only place the outbox turns clocks into numbers, so the switch is one `use`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// An instant: milliseconds since the unix epoch (UTC). Stored as such in both engines.
///
/// ```
/// use std::time::Duration;
/// use hookwire_outbox::UnixTime;
///
/// let t = UnixTime::from_millis(1_700_000_000_500);
/// assert_eq!(t.as_secs(), 1_700_000_000);
/// assert_eq!((t + Duration::from_millis(500)).as_millis(), 1_700_000_001_000);
/// assert_eq!(t.to_string(), "2023-11-14T22:13:20.500Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The system clock.
    pub fn now() -> UnixTime {
        let millis = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        UnixTime(millis)
    }

    /// The instant `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: i64) -> UnixTime {
        UnixTime(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (what signature timestamps carry).
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// How long after `earlier` this is (zero if it is not later).
    pub fn since(self, earlier: UnixTime) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// `span` earlier, saturating.
    pub fn minus(self, span: Duration) -> UnixTime {
        UnixTime(self.0.saturating_sub(i64::try_from(span.as_millis()).unwrap_or(i64::MAX)))
    }
}

impl std::ops::Add<Duration> for UnixTime {
    type Output = UnixTime;
    fn add(self, span: Duration) -> UnixTime {
        UnixTime(self.0.saturating_add(i64::try_from(span.as_millis()).unwrap_or(i64::MAX)))
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC with milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.0) * 1_000_000;
        match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(at) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
                at.millisecond()
            ),
            Err(_) => write!(f, "{}ms", self.0),
        }
    }
}
