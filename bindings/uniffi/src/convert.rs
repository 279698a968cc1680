//! Conversions between the foreign types (maps, signed integers, instants) and the core's
//! (`HeaderMap`, `UnixTime`, `u32`). Kotlin and Swift get signed integers everywhere: a negative
//! or too large value is `invalid_argument`, never a wrap-around. Instants cross as uniffi
//! timestamps (Kotlin `java.time.Instant`, Swift `Date`) and spans as uniffi durations (Kotlin
//! `java.time.Duration`, Swift `TimeInterval`), so a unit cannot be mixed up.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookwire::UnixTime;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{argument, WebhookError};

/// The core's instant of a foreign one. The core keeps instants from 1970 on (the Unix epoch,
/// where webhook timestamps start) to the end of its millisecond range; anything else is
/// `invalid_argument` naming `name`, never a clamp.
pub(crate) fn instant(name: &str, time: SystemTime) -> Result<UnixTime, WebhookError> {
    let since_epoch = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| argument(name, "is before 1970-01-01T00:00:00Z (the Unix epoch)"))?;
    i64::try_from(since_epoch.as_millis()).map(UnixTime::from_millis).map_err(|_| {
        argument(name, "is beyond the last instant hookwire keeps (292 million years after 1970)")
    })
}

/// An instant for the foreign side, to the millisecond.
pub(crate) fn system_time(time: UnixTime) -> SystemTime {
    let span = Duration::from_millis(time.as_millis().unsigned_abs());
    let moved =
        if time.as_millis() >= 0 { UNIX_EPOCH.checked_add(span) } else { UNIX_EPOCH.checked_sub(span) };
    // SystemTime spans ±2^63 seconds on every platform uniffi targets, far more than ±2^63 ms.
    moved.unwrap_or(UNIX_EPOCH)
}

/// A non-negative count or size.
pub(crate) fn unsigned<T: TryFrom<i64>>(name: &str, value: i64) -> Result<T, WebhookError> {
    T::try_from(value)
        .ok()
        .filter(|_| value >= 0)
        .ok_or_else(|| argument(name, format!("{value} is out of range")))
}

/// A span of `ms` milliseconds (not negative): the replay stores' timeouts, on the receive side,
/// which keeps the wire's plain numbers.
pub(crate) fn duration_ms(name: &str, ms: i64) -> Result<Duration, WebhookError> {
    u64::try_from(ms).map(Duration::from_millis).map_err(|_| argument(name, "must not be negative"))
}

/// The instant `now`, or the clock's when none is given.
pub(crate) fn instant_or_now(name: &str, now: Option<SystemTime>) -> Result<UnixTime, WebhookError> {
    now.map_or_else(|| Ok(UnixTime::now()), |now| instant(name, now))
}

/// A count the core keeps as `u32` or `usize`, for the foreign side.
pub(crate) fn signed<T: TryInto<i64>>(value: T) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// A request's headers as the caller holds them, in the caller's order: a Kotlin
/// `Map<String, String>` (a `LinkedHashMap`, the default, keeps its order), a Swift
/// `[String: String]`. Across the FFI they are one list, names and values alternating, so the
/// order survives (a Rust `HashMap` has a random seed: with two spellings of one header, which
/// came first was a coin flip) and the core applies its one rule to repeated headers. Kotlin
/// replaces a lone surrogate, which has no UTF-8, by U+FFFD before the list crosses (uniffi's
/// own conversion throws `MalformedInputException` before Rust is reached): a header the scheme
/// does not read is then ignored as Python ignores it, and one it reads is `malformed_header`,
/// as any value that is not visible ASCII. The conversions are in `uniffi.toml`.
pub struct Headers(pub(crate) Vec<(String, String)>);

/// Repeated headers (`name → values`, as servlet, Spring, OkHttp and Ktor hand them over), in
/// the caller's order; crosses the FFI like [`Headers`].
pub struct MultiHeaders(pub(crate) Vec<(String, String)>);

/// Names and values alternating, back into pairs.
fn pairs_of(flat: Vec<String>) -> uniffi::Result<Vec<(String, String)>> {
    if !flat.len().is_multiple_of(2) {
        return Err(argument("headers", "a name without a value").into());
    }
    let mut flat = flat.into_iter();
    Ok(std::iter::from_fn(|| Some((flat.next()?, flat.next()?))).collect())
}

fn flatten(pairs: Vec<(String, String)>) -> Vec<String> {
    pairs.into_iter().flat_map(|(name, value)| [name, value]).collect()
}

uniffi::custom_type!(Headers, Vec<String>, {
    lower: |headers| flatten(headers.0),
    try_lift: |flat| pairs_of(flat).map(Headers),
});

uniffi::custom_type!(MultiHeaders, Vec<String>, {
    lower: |headers| flatten(headers.0),
    try_lift: |flat| pairs_of(flat).map(MultiHeaders),
});

/// `headers` as a map, in order (a response's, for `Outcome`). Errors: `invalid_argument`
/// for a name or value that is not one.
pub(crate) fn header_map(
    headers: impl IntoIterator<Item = (String, String)>,
) -> Result<HeaderMap, WebhookError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| argument("headers", format!("`{name}` is not a header name")))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| argument("headers", format!("the value of `{name}` is not a header value")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// The headers as a map for the foreign side (every name the core writes is unique).
pub(crate) fn header_pairs(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect()
}

/// The state behind an object's mutex. A panic while it was held (already reported as
/// `internal`) leaves the value as the core left it; the object stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_cross_to_the_millisecond() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123) + Duration::from_nanos(999_999);
        assert_eq!(instant("now", t), Ok(UnixTime::from_millis(1_700_000_000_123)));
        assert_eq!(system_time(UnixTime::from_millis(1_700_000_000_123)), t - Duration::from_nanos(999_999));
        assert_eq!(instant("now", UNIX_EPOCH), Ok(UnixTime::EPOCH));
        assert_eq!(system_time(UnixTime::from_millis(-1_500)), UNIX_EPOCH - Duration::from_millis(1_500));
    }

    #[test]
    fn instants_outside_the_cores_range_are_invalid_arguments() {
        let before = UNIX_EPOCH - Duration::from_millis(1);
        let beyond = UNIX_EPOCH + Duration::from_secs(u64::try_from(i64::MAX).unwrap() / 1000 + 1);
        for (what, time) in [("before 1970", before), ("beyond the range", beyond)] {
            let error = instant("due", time).unwrap_err();
            assert!(
                matches!(&error, WebhookError::InvalidArgument { argument, .. } if argument == "due"),
                "{what}: {error:?}"
            );
        }
        let last = UNIX_EPOCH + Duration::from_millis(u64::try_from(i64::MAX).unwrap());
        assert_eq!(instant("due", last), Ok(UnixTime::from_millis(i64::MAX)));
    }
}
