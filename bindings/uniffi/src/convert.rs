//! Conversions between the foreign types (maps, signed integers, milliseconds) and the core's
//! (`HeaderMap`, `Duration`, `u32`). Kotlin and Swift get signed integers everywhere: a negative
//! or too large value is `invalid_argument`, never a wrap-around.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{argument, WebhookError};

/// A span of `ms` milliseconds (not negative).
pub(crate) fn duration_ms(name: &str, ms: i64) -> Result<Duration, WebhookError> {
    u64::try_from(ms).map(Duration::from_millis).map_err(|_| argument(name, "must not be negative"))
}

/// A span as whole milliseconds, saturating.
pub(crate) fn ms_of(span: Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

/// A non-negative count or size.
pub(crate) fn unsigned<T: TryFrom<i64>>(name: &str, value: i64) -> Result<T, WebhookError> {
    T::try_from(value)
        .ok()
        .filter(|_| value >= 0)
        .ok_or_else(|| argument(name, format!("{value} is out of range")))
}

/// A count the core keeps as `u32` or `usize`, for the foreign side.
pub(crate) fn signed<T: TryInto<i64>>(value: T) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

/// The headers of `headers` (one value per name) whose names are in `only` (all when `only` is
/// `None`). Names match case-insensitively.
pub(crate) fn header_map(
    headers: impl IntoIterator<Item = (String, String)>,
    only: Option<&[HeaderName]>,
) -> Result<HeaderMap, WebhookError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = match only {
            Some(only) => match only.iter().find(|wanted| wanted.as_str().eq_ignore_ascii_case(&name)) {
                Some(wanted) => wanted.clone(),
                None => continue,
            },
            None => HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| argument("headers", format!("`{name}` is not a header name")))?,
        };
        let value = HeaderValue::from_str(&value)
            .map_err(|_| argument("headers", format!("the value of `{name}` is not a header value")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// Repeated headers (`name → values`, as JVM frameworks hand them over) flattened in order.
pub(crate) fn pairs(headers: HashMap<String, Vec<String>>) -> impl Iterator<Item = (String, String)> {
    headers.into_iter().flat_map(|(name, values)| values.into_iter().map(move |value| (name.clone(), value)))
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
