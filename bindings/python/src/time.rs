//! Time in Python's own types, for the whole sender side (the delivery classes and the outbox):
//! an instant is an aware `datetime` (UTC when this module makes one; a naive one is refused, it
//! could be in any zone), a span is a `timedelta`, and a span argument may also be seconds as
//! an `int` or `float` (as Python's own `timeout=` arguments are). The receive side keeps the
//! wire's unix seconds (`Verifier.verify(now=)`, `Signer.sign(timestamp=)`).

use std::time::Duration;

use hookwire::UnixTime;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyDelta, PyTzInfo};
use pyo3::IntoPyObjectExt;

use crate::{args, argument, raise};

fn bad(py: Python<'_>, name: &'static str, reason: impl Into<String>) -> PyErr {
    raise(py, &argument(name, reason))
}

fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();
    EPOCH
        .get_or_try_init(py, || {
            let utc = PyTzInfo::utc(py)?;
            Ok::<_, PyErr>(PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc))?.unbind())
        })
        .map(|epoch| epoch.bind(py))
}

/// A `timedelta` of whole milliseconds (negative ones too).
fn delta_ms(py: Python<'_>, millis: i64) -> PyResult<Bound<'_, PyDelta>> {
    let days = i32::try_from(millis.div_euclid(86_400_000))
        .map_err(|_| bad(py, "time", format!("{millis} ms is out of datetime's range")))?;
    let rest = millis.rem_euclid(86_400_000);
    // Both in range by construction: seconds < 86,400, microseconds < 1,000,000.
    let (seconds, micros) =
        (i32::try_from(rest / 1000).unwrap_or(0), i32::try_from(rest % 1000).unwrap_or(0) * 1000);
    PyDelta::new(py, days, seconds, micros, true)
}

/// An instant as an aware `datetime` in UTC. Out of `datetime`'s range (years 1 to 9999):
/// `InvalidArgument` (only a stored state from elsewhere can hold one).
pub(crate) fn instant(py: Python<'_>, at: UnixTime) -> PyResult<Py<PyAny>> {
    let moved = epoch(py)?.add(delta_ms(py, at.as_millis())?).map_err(|_| {
        bad(py, "time", format!("{} ms after 1970 is out of datetime's range", at.as_millis()))
    })?;
    Ok(moved.unbind())
}

pub(crate) fn maybe_instant(py: Python<'_>, at: Option<UnixTime>) -> PyResult<Option<Py<PyAny>>> {
    at.map(|at| instant(py, at)).transpose()
}

/// A span as a `timedelta`.
pub(crate) fn span(py: Python<'_>, span: Duration) -> PyResult<Py<PyAny>> {
    span.into_py_any(py)
}

pub(crate) fn maybe_span(py: Python<'_>, value: Option<Duration>) -> PyResult<Option<Py<PyAny>>> {
    value.map(|value| span(py, value)).transpose()
}

/// Whole milliseconds of a `timedelta` (floored).
fn delta_millis(delta: &Bound<'_, PyAny>) -> PyResult<i64> {
    let days: i64 = delta.getattr("days")?.extract()?;
    let seconds: i64 = delta.getattr("seconds")?.extract()?;
    let micros: i64 = delta.getattr("microseconds")?.extract()?;
    Ok(days * 86_400_000 + seconds * 1000 + micros.div_euclid(1000))
}

/// An instant argument: an aware `datetime` (a naive one could be any zone; a number could be
/// seconds or milliseconds).
pub(crate) fn instant_arg(
    py: Python<'_>,
    name: &'static str,
    value: &Bound<'_, PyAny>,
) -> PyResult<UnixTime> {
    if !value.is_instance_of::<PyDateTime>() {
        let got = args::type_name(value);
        return Err(bad(py, name, format!("must be a timezone-aware datetime, got {got}")));
    }
    if value.getattr("tzinfo")?.is_none() {
        return Err(bad(
            py,
            name,
            "must be a timezone-aware datetime, got a naive one (datetime.now(timezone.utc))",
        ));
    }
    let since = value.call_method1("__sub__", (epoch(py)?,))?;
    Ok(UnixTime::from_millis(delta_millis(&since)?))
}

/// A span argument: a `timedelta`, or seconds as an `int` or `float` (≥ 0).
pub(crate) fn duration_arg(
    py: Python<'_>,
    name: &'static str,
    value: &Bound<'_, PyAny>,
) -> PyResult<Duration> {
    if value.is_instance_of::<PyDelta>() {
        let millis = delta_millis(value)?;
        return u64::try_from(millis)
            .map(Duration::from_millis)
            .map_err(|_| bad(py, name, "must not be negative"));
    }
    let seconds: f64 = args::arg(name, value).map_err(|_| {
        bad(py, name, format!("must be a timedelta or seconds, got {}", args::type_name(value)))
    })?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| bad(py, name, format!("must be seconds ≥ 0 or a timedelta, got {seconds}")))
}

pub(crate) fn optional_duration(
    py: Python<'_>,
    name: &'static str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Duration>> {
    value.filter(|v| !v.is_none()).map(|v| duration_arg(py, name, v)).transpose()
}

/// A list of spans (`timedelta`s or seconds).
pub(crate) fn durations_arg(
    py: Python<'_>,
    name: &'static str,
    value: &Bound<'_, PyAny>,
) -> PyResult<Vec<Duration>> {
    let items: Vec<Bound<'_, PyAny>> = args::arg(name, value)?;
    items.iter().map(|item| duration_arg(py, name, item)).collect()
}
