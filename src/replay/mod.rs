//! Replay protection: timestamp tolerance, and replay claims (the [`SeenStore`] contract,
//! [`ClaimRequest`], [`MemorySeenStore`]).
//!
//! A verified message is *claimed* while the application handles it, then *committed* (refused
//! as `replayed` until its timestamp leaves the window) or *released* (the handler failed: the
//! sender's retry is accepted). The I/O of a shared store (SQLite, PostgreSQL, Redis) lives in
//! the `hookwire-stores` crate; this module holds the contract those stores implement and the
//! decisions (keys, deadlines, what an answer means), so every store behaves alike.

mod memory;
mod store;

pub use memory::MemorySeenStore;
pub use store::{ClaimOutcome, ClaimRequest, ClaimToken, SeenStore, DEFAULT_CLAIM_TTL};

use crate::Error;

/// Default tolerance between a message's timestamp and now, in both directions: 5 minutes.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

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
}
