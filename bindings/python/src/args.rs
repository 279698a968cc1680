//! Python values in: every argument of the module is converted here, by name. pyo3's own
//! conversions raise a bare `TypeError`, `OverflowError` or `UnicodeEncodeError` that names no
//! argument and has no `code`; here a value of the wrong type, out of range, or text that is
//! not Unicode (a lone surrogate) is `hookwire.InvalidArgument` naming the argument (which is
//! also a `TypeError` and a `ValueError`, for idiomatic `except` clauses).

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyMemoryView, PySequence, PyString};
use pyo3::{PyClass, PyTypeInfo};

use crate::{argument, raise};

/// A Python value an argument can be converted to.
pub(crate) trait Arg<'py>: Sized {
    /// Converts `value`; the error is the reason, without the argument's name.
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String>;
}

/// The argument `name` as a `T`, or `InvalidArgument` naming it.
pub(crate) fn arg<'py, T: Arg<'py>>(name: &'static str, value: &Bound<'py, PyAny>) -> PyResult<T> {
    T::from_arg(value).map_err(|reason| raise(value.py(), &argument(name, reason)))
}

/// An optional argument: left out or `None` is `None`.
pub(crate) fn optional<'py, T: Arg<'py>>(
    name: &'static str,
    value: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<T>> {
    value.filter(|value| !value.is_none()).map(|value| arg(name, value)).transpose()
}

/// The type name of `value`, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map(|name| name.to_string()).unwrap_or_else(|_| "?".to_owned())
}

fn got(what: &str, value: &Bound<'_, PyAny>) -> String {
    format!("must be {what}, got {}", type_name(value))
}

/// Text that is valid Unicode (Python allows lone surrogates, which have no UTF-8).
pub(crate) fn text(value: &Bound<'_, PyAny>) -> Result<String, String> {
    let text = value.cast::<PyString>().map_err(|_| got("a str", value))?;
    text.to_cow()
        .map(|text| text.into_owned())
        .map_err(|_| "must be valid Unicode text (it holds a lone surrogate)".to_owned())
}

impl<'py> Arg<'py> for String {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        text(value)
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl<'py> Arg<'py> for $t {
            fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
                // Written only for an error: `now` is read on every verify.
                let what = || format!("an int from {} to {}", <$t>::MIN, <$t>::MAX);
                // bool is an int subclass, and True is not a count.
                if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
                    return Err(got(&what(), value));
                }
                value.extract::<$t>().map_err(|_| match value.extract::<i128>() {
                    Ok(small) => format!("must be {}, got {small}", what()),
                    Err(_) => format!("must be {}, got an int of {} bits", what(), bits(value)),
                })
            }
        }
    )*};
}
int_arg!(i64, u64, u32, u16, usize);

fn bits(value: &Bound<'_, PyAny>) -> String {
    value.call_method0("bit_length").map(|bits| bits.to_string()).unwrap_or_else(|_| "many".into())
}

impl<'py> Arg<'py> for f64 {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        let number = !value.is_instance_of::<PyBool>()
            && (value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>());
        if !number {
            return Err(got("a float", value));
        }
        value.extract::<f64>().map_err(|_| format!("must be a float, got an int of {} bits", bits(value)))
    }
}

impl<'py> Arg<'py> for bool {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        value.cast::<PyBool>().map(|flag| flag.is_true()).map_err(|_| got("a bool", value))
    }
}

/// A sequence of `T` (a `str` or `bytes` is not a sequence of its characters here).
impl<'py, T: Arg<'py>> Arg<'py> for Vec<T> {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        let not_a_list = || got("a list", value);
        if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
            return Err(not_a_list());
        }
        let sequence = value.cast::<PySequence>().map_err(|_| not_a_list())?;
        let items = sequence.try_iter().and_then(|items| items.collect::<PyResult<Vec<_>>>());
        items
            .map_err(|_| not_a_list())?
            .iter()
            .enumerate()
            .map(|(index, item)| T::from_arg(item).map_err(|reason| format!("item {index}: {reason}")))
            .collect()
    }
}

/// Bytes: `bytes`, `bytearray` or `memoryview` (copied).
impl<'py> Arg<'py> for PyBackedBytes {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        if let Ok(bytes) = value.extract() {
            return Ok(bytes);
        }
        let view = value.cast::<PyMemoryView>().map_err(|_| got("bytes", value))?;
        let copied = view.call_method0("tobytes").map_err(|_| got("bytes", value))?;
        copied.extract().map_err(|_| got("bytes", value))
    }
}

/// Any object, as given (the items of a list converted one by one elsewhere).
impl<'py> Arg<'py> for Bound<'py, PyAny> {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        Ok(value.clone())
    }
}

/// A `dict`.
impl<'py> Arg<'py> for Bound<'py, PyDict> {
    fn from_arg(value: &Bound<'py, PyAny>) -> Result<Self, String> {
        value.cast::<PyDict>().cloned().map_err(|_| got("a dict", value))
    }
}

/// The argument `name` as an object of one of the module's (frozen) classes: `Outcome`,
/// `RetryPolicy`, `Event`, ...
pub(crate) fn frozen<'py, T: PyClass + PyTypeInfo>(
    name: &'static str,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, T>> {
    value
        .cast::<T>()
        .cloned()
        .map_err(|_| raise(value.py(), &argument(name, got(&format!("a hookwire.{}", T::NAME), value))))
}

/// The error of `Class(...)` for a class that only the module's functions make (pyo3 would
/// raise a bare `TypeError: No constructor defined`).
pub(crate) fn not_constructible(py: Python<'_>, class: &str, how: &str) -> PyErr {
    raise(
        py,
        &hookwire::Error::InvalidArgument {
            argument: "new",
            reason: format!("{class} has no constructor: {how}").into(),
        },
    )
}
