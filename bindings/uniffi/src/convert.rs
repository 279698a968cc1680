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

/// The headers of `headers` whose names are in `only` (all when `only` is `None`), in order.
/// Names match with ASCII letters in any case (only ASCII: `x-slac\u{212a}-signature`, with a
/// Kelvin sign, is not `x-slack-signature`).
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
