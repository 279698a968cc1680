//! Time as a type: [`UnixTime`], an instant with millisecond precision, so that seconds and
//! milliseconds can never be mixed up in a bare integer.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant: milliseconds since the Unix epoch (1970-01-01T00:00:00Z), UTC.
///
/// Every instant hookwire takes or returns outside the wire format is a `UnixTime`; spans are
/// [`Duration`]s. Build one from the unit you have, and read it in the unit you need:
///
/// ```
/// use std::time::Duration;
/// use hookwire::UnixTime;
///
/// let sent = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(sent.as_millis(), 1_700_000_000_000);
/// let later = sent.saturating_add(Duration::from_millis(1_500));
/// assert_eq!(later.as_secs(), 1_700_000_001);
/// assert_eq!(later.duration_since(sent), Duration::from_millis(1_500));
/// assert!(UnixTime::now() > sent);
/// ```
///
/// Arithmetic saturates at the ends of the range (about ±292 million years), so no input can
/// make it overflow.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime {
    millis: i64,
}

impl UnixTime {
    /// The Unix epoch.
    pub const EPOCH: UnixTime = UnixTime { millis: 0 };

    /// The system clock (the epoch if the clock is set before 1970).
    pub fn now() -> UnixTime {
        UnixTime::from_system_time(SystemTime::now())
    }

    /// The instant `secs` whole seconds after the epoch (before it, when negative).
    pub const fn from_secs(secs: i64) -> UnixTime {
        UnixTime { millis: secs.saturating_mul(1000) }
    }

    /// The instant `millis` milliseconds after the epoch (before it, when negative).
    pub const fn from_millis(millis: i64) -> UnixTime {
        UnixTime { millis }
    }

    /// A [`SystemTime`], truncated to the millisecond (the epoch if it is before 1970).
    pub fn from_system_time(time: SystemTime) -> UnixTime {
        let millis = time.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        UnixTime { millis: i64::try_from(millis).unwrap_or(i64::MAX) }
    }

    /// Whole seconds since the epoch, rounded down (the unit of webhook timestamp headers).
    pub const fn as_secs(self) -> i64 {
        self.millis.div_euclid(1000)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.millis
    }

    /// This instant moved `span` later, saturating.
    pub fn saturating_add(self, span: Duration) -> UnixTime {
        UnixTime { millis: self.millis.saturating_add(span_millis(span)) }
    }

    /// This instant moved `span` earlier, saturating.
    pub fn saturating_sub(self, span: Duration) -> UnixTime {
        UnixTime { millis: self.millis.saturating_sub(span_millis(span)) }
    }

    /// How long after `earlier` this instant is; zero if it is not after it.
    pub fn duration_since(self, earlier: UnixTime) -> Duration {
        let difference = i128::from(self.millis) - i128::from(earlier.millis);
        Duration::from_millis(u64::try_from(difference.max(0)).unwrap_or(u64::MAX))
    }
}

/// A span in whole milliseconds, saturating at `i64::MAX`.
fn span_millis(span: Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

impl fmt::Debug for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnixTime({self})")
    }
}

/// RFC 3339 in UTC with milliseconds (`2023-11-14T22:13:20.000Z`); the millisecond count when the
/// instant is outside the years 0000–9999.
impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.millis) * 1_000_000;
        let formatted = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .filter(|t| (0..=9999).contains(&t.year()))
            .and_then(|t| {
                t.format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
                ))
                .ok()
            });
        match formatted {
            Some(text) => f.write_str(&text),
            None => write!(f, "{}ms", self.millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_between_units_without_mixing_them() {
        let t = UnixTime::from_millis(1_700_000_000_999);
        assert_eq!(t.as_secs(), 1_700_000_000, "seconds round down");
        assert_eq!(UnixTime::from_millis(-1).as_secs(), -1, "and down before the epoch too");
        assert_eq!(UnixTime::from_secs(2).as_millis(), 2000);
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.999Z");
    }

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let end = UnixTime::from_millis(i64::MAX);
        assert_eq!(end.saturating_add(Duration::from_secs(1)), end);
        assert_eq!(UnixTime::from_millis(i64::MIN).saturating_sub(Duration::MAX).as_millis(), i64::MIN);
        assert_eq!(UnixTime::from_secs(i64::MAX).as_millis(), i64::MAX);
        assert_eq!(UnixTime::EPOCH.duration_since(end), Duration::ZERO);
        assert_eq!(end.duration_since(UnixTime::from_millis(i64::MIN)), Duration::from_millis(u64::MAX));
        assert_eq!(end.to_string(), format!("{}ms", i64::MAX));
    }
}
