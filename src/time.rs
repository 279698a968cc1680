//! Time, in one place: [`UnixTime`] (an instant with millisecond precision, so seconds and
//! milliseconds cannot be mixed up in a bare integer), the system clock ([`unix_now`]), and the
//! wire's timestamps: how a timestamp header is parsed, its limits, and the tolerance check.
//!
//! The API takes and returns `UnixTime` for instants and [`Duration`] for spans. Unix
//! *seconds* appear only where the wire has them: the timestamp headers, and the contract's
//! `Signer::sign(id, timestamp, body)` and `Verifier::verify_at(headers, body, now)`, which
//! take them as `i64` ([`UnixTime::as_secs`] gives one).

use std::fmt;
use std::ops::{Add, Sub};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::Error;

/// Default tolerance between a message's timestamp and now, in both directions: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The largest timestamp a signer writes and a verifier reads: 18 digits of unix seconds.
pub(crate) const MAX_TIMESTAMP: i64 = 999_999_999_999_999_999;

/// The system clock: [`UnixTime::now`], as a free function for the sender's loop. For the
/// wire's unix seconds (`Signer::sign`, `Verifier::verify_at`), take
/// [`as_secs`](UnixTime::as_secs).
///
/// ```
/// let now = hookwire::unix_now();
/// assert!(now > hookwire::UnixTime::from_secs(1_700_000_000));
/// // The sender's loop: typed instants throughout.
/// let delivery = hookwire::Delivery::new("msg_1", now);
/// assert_eq!(delivery.state().due(), Some(now));
/// ```
pub fn unix_now() -> UnixTime {
    UnixTime::now()
}

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
/// make it overflow; `+` and `-` with a [`Duration`] are the saturating ones. It serializes
/// (serde) as its millisecond count, the unit hookwire's stored records have always used.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime {
    millis: i64,
}

impl UnixTime {
    /// The Unix epoch.
    pub const EPOCH: UnixTime = UnixTime { millis: 0 };

    /// The system clock.
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

    /// A [`SystemTime`], truncated to the millisecond (saturating far beyond either end).
    pub fn from_system_time(time: SystemTime) -> UnixTime {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => UnixTime::EPOCH.saturating_add(after),
            Err(before) => UnixTime::EPOCH.saturating_sub(before.duration()),
        }
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

impl Add<Duration> for UnixTime {
    type Output = UnixTime;

    /// [`saturating_add`](UnixTime::saturating_add).
    fn add(self, span: Duration) -> UnixTime {
        self.saturating_add(span)
    }
}

impl Sub<Duration> for UnixTime {
    type Output = UnixTime;

    /// [`saturating_sub`](UnixTime::saturating_sub).
    fn sub(self, span: Duration) -> UnixTime {
        self.saturating_sub(span)
    }
}

impl From<SystemTime> for UnixTime {
    fn from(time: SystemTime) -> UnixTime {
        UnixTime::from_system_time(time)
    }
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

/// Parses a timestamp header: unix seconds as 1 to 18 ASCII digits in canonical form.
///
/// A leading zero is refused: peers re-render the number before signing, so `0170…` would be
/// signed differently by different libraries; refusing it keeps "the digits sent" and "the
/// number" the same thing.
pub(crate) fn parse_timestamp(text: &[u8]) -> Option<i64> {
    let canonical = text == b"0" || text.first().is_some_and(|d| (b'1'..=b'9').contains(d));
    if !canonical || text.len() > 18 {
        return None;
    }
    // One pass: the value and whether every byte was a digit. At most 18 digits: below 10^18,
    // so the sum cannot overflow (a non-digit's wrapped value is thrown away).
    let (value, digits) = text.iter().fold((0i64, true), |(acc, digits), &b| {
        let digit = b.wrapping_sub(b'0');
        (acc.wrapping_mul(10).wrapping_add(i64::from(digit)), digits & (digit < 10))
    });
    digits.then_some(value)
}

/// Checks `timestamp` against `now` (both unix seconds) in both directions; `tolerance` in
/// seconds.
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
        assert_eq!(UnixTime::from_secs(1) + Duration::from_millis(500), UnixTime::from_millis(1_500));
        assert_eq!(UnixTime::from_secs(1) - Duration::from_secs(2), UnixTime::from_secs(-1));
    }

    #[test]
    fn the_system_clock_before_1970_is_a_negative_instant() {
        let before = UNIX_EPOCH - Duration::from_millis(1_500);
        assert_eq!(UnixTime::from_system_time(before), UnixTime::from_millis(-1_500));
        assert_eq!(UnixTime::from(UNIX_EPOCH + Duration::from_secs(2)), UnixTime::from_secs(2));
    }

    #[test]
    fn serializes_as_its_millisecond_count() {
        let t = UnixTime::from_millis(1_700_000_000_123);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1700000000123");
        assert_eq!(serde_json::from_str::<UnixTime>("-5").unwrap(), UnixTime::from_millis(-5));
    }

    #[test]
    fn timestamps_are_plain_digits() {
        assert_eq!(parse_timestamp(b"1700000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp(b"0"), Some(0));
        assert_eq!(parse_timestamp(b"999999999999999999"), Some(MAX_TIMESTAMP));
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
    fn every_byte_of_a_timestamp_is_judged() {
        // Every byte value at every place of ten and eighteen digits: a digit changes the
        // value, anything else (or a leading zero) refuses it.
        for digits in ["1700000000", "123456789012345678"] {
            for place in 0..digits.len() {
                for byte in 0..=255u8 {
                    let mut text = digits.as_bytes().to_vec();
                    text[place] = byte;
                    let expected = (text.iter().all(u8::is_ascii_digit) && text[0] != b'0')
                        .then(|| std::str::from_utf8(&text).unwrap().parse::<i64>().unwrap());
                    assert_eq!(parse_timestamp(&text), expected, "{text:?}");
                }
            }
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
}
