//! Python bindings of hookwire: a thin translation of the Rust core. Every decision (signing,
//! verifying, parsing) is the core's; this file converts arguments and results, turns
//! `hookwire::Error` into the `hookwire.errors` exception for its code, and catches panics
//! so none crosses into Python.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use http::{HeaderMap, HeaderName, HeaderValue};
use pyo3::exceptions::{PyArithmeticError, PyRecursionError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use args::not_constructible;

use hookwire::{Dialect, Error, Scheme, Secret, UnixTime};
use hookwire_stores::Store;
use replay::{Claim, PySeenStore};

mod args;
mod data;
mod delivery;
mod outbox;
mod replay;
mod time;

/// Bodies at least this large are verified with the GIL released.
const RELEASE_GIL_FROM: usize = 4096;

/// Raises the `hookwire.errors` exception for `error`'s code, its details as attributes.
pub(crate) fn raise(py: Python<'_>, error: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        // The core's details become attributes (pydantic-core style): err.header, err.limit.
        let details = PyDict::new(py);
        for (name, value) in error.details() {
            match value {
                hookwire::Detail::Text(text) => details.set_item(name, text)?,
                hookwire::Detail::Number(number) => details.set_item(name, number)?,
                hookwire::Detail::Names(names) => details.set_item(name, names.to_vec())?,
                _ => {}
            }
        }
        let from_code = py.import("hookwire.errors")?.getattr("from_code")?;
        let exception = from_code.call1((error.code(), error.to_string(), details))?;
        Ok(PyErr::from_value(exception))
    };
    build().unwrap_or_else(|e| e)
}

/// Raises the `hookwire.errors` exception for `code` (the outbox's own codes), without details.
pub(crate) fn raise_code(py: Python<'_>, code: &str, message: String) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let exception = py.import("hookwire.errors")?.getattr("from_code")?.call1((code, message))?;
        Ok(PyErr::from_value(exception))
    };
    build().unwrap_or_else(|e| e)
}

/// Runs `f`, turning a core error into its exception and a panic into `WebhookError` with code
/// `internal`.
pub(crate) fn run<T>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(raise(py, &error)),
        Err(_) => Err(raise(
            py,
            &Error::Internal { reason: "a bug in hookwire (caught panic); please report it".into() },
        )),
    }
}

pub(crate) fn argument(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { argument: name, reason: reason.into().into() }
}

/// A body as given: the caller's `bytes` (or a copy of a `bytearray` / `memoryview`), or a
/// `str`'s UTF-8, read in place (abi3 from Python 3.10 reads a `str` without a copy).
pub(crate) enum Body {
    Bytes(PyBackedBytes),
    Text(PyBackedStr),
}

impl std::ops::Deref for Body {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Body::Bytes(bytes) => bytes,
            Body::Text(text) => text.as_bytes(),
        }
    }
}

/// The body rule, one for every binding (Node's too): a body is bytes-like (`bytes`,
/// `bytearray`, `memoryview`) or a `str`, sent and signed as its UTF-8. A `dict` or `list` is
/// refused with the advice to pass the raw request body (parsed JSON never verifies); a `str`
/// holding a lone surrogate has no UTF-8 and is refused too.
pub(crate) fn body_bytes(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Body> {
    body_arg(py, "body", body)
}

/// [`body_bytes`] of the argument `name` (`response_body`, `data`).
pub(crate) fn body_arg(py: Python<'_>, name: &'static str, body: &Bound<'_, PyAny>) -> PyResult<Body> {
    if let Ok(bytes) = body.cast::<PyBytes>() {
        return Ok(Body::Bytes(bytes.clone().into()));
    }
    if let Ok(text) = body.cast::<PyString>() {
        return text.clone().try_into().map(Body::Text).map_err(|_| {
            raise(py, &argument(name, "a str body must be valid Unicode (it holds a lone surrogate)"))
        });
    }
    if body.is_instance_of::<PyDict>() || body.is_instance_of::<PyList>() {
        return Err(raise(
            py,
            &argument(
                name,
                "got parsed JSON: pass the raw request body (bytes or str, as received), not request.json()",
            ),
        ));
    }
    if let Ok(bytes) = body.extract::<PyBackedBytes>() {
        return Ok(Body::Bytes(bytes));
    }
    let copied: Vec<u8> = body.call_method0("tobytes").and_then(|b| b.extract()).map_err(|_| {
        let got = args::type_name(body);
        raise(py, &argument(name, format!("must be bytes, bytearray, memoryview or str, got {got}")))
    })?;
    Ok(Body::Bytes(PyBytes::new(py, &copied).into()))
}

/// Headers from any mapping: `dict`, Starlette `Headers` (`multi_items`), Django
/// `request.headers`, werkzeug `EnvironHeaders`, or (name, value) pairs (ASGI's raw byte pairs
/// too). Names are case-insensitive (ASCII letters only); repeated headers are kept, in order.
/// `only`: the headers to keep (the ones the scheme reads); the others of a request are skipped
/// without being converted. `None` keeps every header.
pub(crate) fn header_map(
    py: Python<'_>,
    headers: &Bound<'_, PyAny>,
    only: Option<&[HeaderName]>,
) -> PyResult<HeaderMap> {
    let mut map = HeaderMap::new();
    each_header(py, headers, |name, value| append_header(py, &mut map, name, value, only))?;
    Ok(map)
}

/// Calls `f` with each (name, value) of `headers` (any of the forms `header_map` reads), in order.
fn each_header<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyAny>,
    mut f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    // A dict, the usual case, is read directly (asking it for `multi_items` would raise and
    // catch an AttributeError on every call).
    if let Ok(dict) = headers.cast::<PyDict>() {
        for (name, value) in dict.iter() {
            f(&name, &value)?;
        }
        return Ok(());
    }
    let not_headers = || {
        let got = args::type_name(headers);
        raise(py, &argument("headers", format!("must be a mapping or (name, value) pairs, got {got}")))
    };
    let pairs = if headers.hasattr("multi_items")? {
        headers.call_method0("multi_items")?
    } else if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else if headers.is_instance_of::<PyString>() || headers.is_instance_of::<PyBytes>() {
        return Err(not_headers());
    } else {
        headers.clone()
    };
    for pair in pairs.try_iter().map_err(|_| not_headers())? {
        // A (name, value) pair: a tuple from `items()`, or any two-item sequence.
        let Some((name, value)) = two(&pair?) else {
            return Err(raise(py, &argument("headers", "expected (name, value) pairs")));
        };
        f(&name, &value)?;
    }
    Ok(())
}

/// A header value as the caller gave it: a `str` read in place (abi3 from 3.10), `bytes` kept,
/// or a copy (a `bytearray`; a `str` holding a lone surrogate, as its surrogate-escaped bytes,
/// which the core then refuses like any value that is not visible ASCII).
pub(crate) enum Value {
    Text(PyBackedStr),
    Bytes(PyBackedBytes),
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for Value {
    fn as_ref(&self) -> &[u8] {
        match self {
            Value::Text(text) => text.as_bytes(),
            Value::Bytes(bytes) => bytes,
            Value::Owned(bytes) => bytes,
        }
    }
}

/// How many values `Read` holds without allocating (a scheme reads three or four headers).
const INLINE: usize = 6;

/// The values of the headers a verifier reads, as the caller gave them: what the core's
/// `HeaderSource` reads, no `http::HeaderMap` built and, for up to `INLINE` values, nothing
/// allocated. Each value is tagged with the index of its name in the verifier's list.
pub(crate) struct Read<'r> {
    names: &'r [HeaderName],
    inline: [Option<(usize, Value)>; INLINE],
    len: usize,
    more: Vec<(usize, Value)>,
}

impl<'r> Read<'r> {
    /// The values of `headers` named in `reads` (ASCII letters in any case); the other headers
    /// of the request are skipped without being converted. Made empty, then filled where it
    /// lies: a `Read` is a few hundred bytes, and moving one out of a function that filled it
    /// cost a copy on every verify.
    pub(crate) fn of(reads: &'r Reads) -> Read<'r> {
        Read::empty(&reads.names)
    }

    /// Reads the values of `headers` into this empty `Read` (see [`Read::of`]).
    pub(crate) fn fill(&mut self, py: Python<'_>, headers: &Bound<'_, PyAny>, reads: &Reads) -> PyResult<()> {
        // `exact` appends: a `Read` filled twice would mix two requests' values.
        debug_assert!(self.len == 0 && self.more.is_empty(), "fill takes an empty Read");
        if let Ok(dict) = headers.cast::<PyDict>() {
            if self.exact(py, dict, reads) {
                return Ok(());
            }
            self.clear();
        }
        let names = self.names;
        each_header(py, headers, |name, value| {
            let Some(index) = wanted(py, name, names)? else { return Ok(()) };
            self.push(index, header_value(py, name, value)?);
            Ok(())
        })
    }

    fn empty(names: &'r [HeaderName]) -> Read<'r> {
        Read { names, inline: [None, None, None, None, None, None], len: 0, more: Vec::new() }
    }

    fn clear(&mut self) {
        self.inline = [None, None, None, None, None, None];
        self.len = 0;
        self.more.clear();
    }

    fn push(&mut self, index: usize, value: Value) {
        if self.len < INLINE {
            self.inline[self.len] = Some((index, value));
            self.len += 1;
        } else {
            self.more.push((index, value));
        }
    }

    /// The usual dict (a signer's output, a test's literal, a framework's headers lowered):
    /// only the scheme's names, in lower case. Each is looked up directly (a hash probe with the
    /// interned name) instead of walking the dict and folding every key; false when the dict
    /// holds any other key (another header, another case, a name of another type) or a value
    /// the walk would refuse, and then the walk reads it, with its errors.
    fn exact(&mut self, py: Python<'_>, dict: &Bound<'_, PyDict>, reads: &Reads) -> bool {
        let size = dict.len();
        if size > reads.keys.len() {
            return false;
        }
        let mut found = 0;
        for (index, key) in reads.keys.iter().enumerate() {
            // Every key of the dict is placed: the names left (a scheme's fallbacks, read after
            // its own names) cannot be in it, and a probe for a missing key is the dearest.
            if found == size {
                break;
            }
            let key = key.bind(py);
            let value = match dict.get_item(key) {
                Ok(Some(value)) => value,
                Ok(None) => continue,
                Err(_) => return false,
            };
            // A `str`, the usual value, is kept as the reference the lookup gave (no second
            // one taken); one holding a lone surrogate is left to the walk, which escapes it.
            let value = match value.cast_into::<PyString>() {
                Ok(text) => match PyBackedStr::try_from(text) {
                    Ok(text) => Value::Text(text),
                    Err(_) => return false,
                },
                Err(other) => match header_value(py, key, &other.into_inner()) {
                    Ok(value) => value,
                    Err(_) => return false,
                },
            };
            self.push(index, value);
            found += 1;
        }
        // Every key was one of the names: no other key to fold, refuse or keep.
        found == size
    }

    fn values(&self) -> impl Iterator<Item = &(usize, Value)> {
        self.inline[..self.len].iter().flatten().chain(&self.more)
    }

    /// The caller's `str` holding exactly `text` (a slice the core read from these values),
    /// without a copy; `None` when `text` is not a whole `str` value.
    fn shared<'py>(&self, py: Python<'py>, text: &str) -> Option<Bound<'py, PyString>> {
        self.values().find_map(|(_, value)| match value {
            Value::Text(given) if std::ptr::eq(given.as_bytes(), text.as_bytes()) => {
                given.into_pyobject(py).ok()
            }
            _ => None,
        })
    }
}

impl hookwire::HeaderSource for Read<'_> {
    fn header_values<'s>(&'s self, name: &HeaderName) -> impl Iterator<Item = &'s [u8]> {
        // The name's index, found once per call rather than compared again for each value.
        let index = self.names.iter().position(|wanted| wanted == name);
        self.values().filter(move |(at, _)| Some(*at) == index).map(|(_, value)| value.as_ref())
    }

    fn each_value<'s>(&'s self, names: &[HeaderName], mut found: impl FnMut(usize, &'s [u8])) {
        // The verifier asks for the names it was built with, in their order: each value is
        // already tagged with its index there, so one pass hands them all over.
        if names == self.names {
            for (index, value) in self.values() {
                found(*index, value.as_ref());
            }
            return;
        }
        for (index, name) in names.iter().enumerate() {
            for value in self.header_values(name) {
                found(index, value);
            }
        }
    }
}

/// The headers a verifier reads: their names for the core, and the same names as interned
/// Python `str`s, to look them up in a dict directly.
pub(crate) struct Reads {
    names: Vec<HeaderName>,
    keys: Vec<Py<PyString>>,
}

impl Reads {
    fn of(py: Python<'_>, scheme: &Scheme) -> Reads {
        let names: Vec<HeaderName> = scheme
            .read_headers()
            .into_iter()
            .chain(scheme.fallback_headers())
            .flatten()
            .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
            .collect();
        let keys = names.iter().map(|name| PyString::intern(py, name.as_str()).unbind()).collect();
        Reads { names, keys }
    }
}

/// The index in `names` of the header `name` (ASCII case folding only:
/// `x-slac\u{212a}-signature`, with a Kelvin sign, is not `x-slack-signature`), if it is one.
fn wanted(py: Python<'_>, name: &Bound<'_, PyAny>, names: &[HeaderName]) -> PyResult<Option<usize>> {
    let find =
        |bytes: &[u8]| names.iter().position(|wanted| wanted.as_str().as_bytes().eq_ignore_ascii_case(bytes));
    if let Ok(text) = name.cast::<PyString>() {
        // A lone surrogate: never the name of a header the scheme reads.
        return Ok(text.to_str().ok().and_then(|text| find(text.as_bytes())));
    }
    if let Ok(bytes) = name.cast::<PyBytes>() {
        return Ok(find(bytes.as_bytes()));
    }
    let got = args::type_name(name);
    Err(raise(py, &argument("headers", format!("a header name must be a str or bytes, got {got}"))))
}

/// A value of a header the scheme reads, as given.
fn header_value(py: Python<'_>, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(text) = value.cast::<PyString>() {
        return match PyBackedStr::try_from(text.clone()) {
            Ok(text) => Ok(Value::Text(text)),
            Err(_) => {
                let bytes = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
                Ok(Value::Owned(bytes.cast::<PyBytes>()?.as_bytes().to_vec()))
            }
        };
    }
    if let Ok(bytes) = value.extract::<PyBackedBytes>() {
        return Ok(Value::Bytes(bytes));
    }
    let (name, got) = (name.str().map(|n| n.to_string()).unwrap_or_default(), args::type_name(value));
    Err(raise(py, &argument("headers", format!("the value of `{name}` must be a str or bytes, got {got}"))))
}

/// The items of a two-item sequence (not a two-letter `str` or `bytes`).
fn two<'py>(pair: &Bound<'py, PyAny>) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if pair.is_instance_of::<PyString>() || pair.is_instance_of::<PyBytes>() || pair.len().ok()? != 2 {
        return None;
    }
    Some((pair.get_item(0).ok()?, pair.get_item(1).ok()?))
}

fn append_header(
    py: Python<'_>,
    map: &mut HeaderMap,
    name: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    only: Option<&[HeaderName]>,
) -> PyResult<()> {
    let bad = |reason: String| raise(py, &argument("headers", reason));
    // The name's bytes: a `str`, or `bytes` as ASGI servers give them.
    let name: Vec<u8> = if let Ok(text) = name.cast::<PyString>() {
        match text.to_cow() {
            Ok(text) => text.into_owned().into_bytes(),
            // A lone surrogate: never the name of a header the scheme reads.
            Err(_) if only.is_some() => return Ok(()),
            Err(_) => return Err(bad("a header name holds a lone surrogate".into())),
        }
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        bytes.as_bytes().to_vec()
    } else {
        return Err(bad(format!("a header name must be a str or bytes, got {}", args::type_name(name))));
    };
    let name = match only {
        // ASCII case folding only: `x-slac\u212a-signature` (Kelvin sign) is not `x-slack-signature`.
        Some(only) => match only.iter().find(|wanted| wanted.as_str().as_bytes().eq_ignore_ascii_case(&name))
        {
            Some(wanted) => wanted.clone(),
            None => return Ok(()),
        },
        None => HeaderName::from_bytes(&name)
            .map_err(|_| bad(format!("`{}` is not a header name", String::from_utf8_lossy(&name))))?,
    };
    let value = if let Ok(text) = value.cast::<PyString>() {
        match text.to_cow() {
            Ok(text) => HeaderValue::from_str(&text),
            // A lone surrogate: its bytes go to the core, which refuses a value that is not
            // visible ASCII (`malformed_header`) like any other such value.
            Err(_) => {
                let bytes = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
                HeaderValue::from_bytes(bytes.cast::<PyBytes>()?.as_bytes())
            }
        }
    } else if let Ok(bytes) = value.extract::<PyBackedBytes>() {
        HeaderValue::from_bytes(&bytes)
    } else {
        let got = args::type_name(value);
        return Err(bad(format!("the value of `{name}` must be a str or bytes, got {got}")));
    }
    .map_err(|_| bad(format!("the value of `{name}` is not a header value")))?;
    map.append(name, value);
    Ok(())
}

/// One or several secrets: `str`, `bytes`, `Secret`, or a list of those (rotation).
pub(crate) fn secrets(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Vec<Secret>> {
    if let Ok(list) = secret.cast::<PyList>() {
        return list.iter().map(|item| one_secret(py, &item)).collect();
    }
    Ok(vec![one_secret(py, secret)?])
}

fn one_secret(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Secret> {
    let refuse = |reason: String| raise(py, &Error::InvalidSecret { reason: reason.into() });
    if let Ok(wrapped) = secret.cast::<PySecret>() {
        return Ok(wrapped.get().0.clone());
    }
    if secret.is_instance_of::<PyString>() {
        // The text is wiped when dropped, like the key the core derives from it.
        let text = zeroize::Zeroizing::new(
            args::text(secret).map_err(|_| refuse("the secret's text holds a lone surrogate".into()))?,
        );
        return run(py, || Secret::parse(&text));
    }
    if let Ok(bytes) = secret.extract::<PyBackedBytes>() {
        return run(py, || Secret::from_bytes(&bytes));
    }
    let got = args::type_name(secret);
    Err(refuse(format!("a secret is a str, bytes, hookwire.Secret or a list of those, got {got}")))
}

/// A webhook secret; its repr never shows the key.
#[pyclass(frozen, name = "Secret", module = "hookwire")]
pub(crate) struct PySecret(pub(crate) Secret);

#[pymethods]
impl PySecret {
    #[new]
    fn new(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySecret(one_secret(py, secret)?))
    }

    /// A new random secret (`whsec_` + 32 random bytes).
    #[staticmethod]
    fn generate() -> Self {
        PySecret(Secret::generate())
    }

    /// A new ed25519 signing key (`whsk_…`); `public_key()` gives the `whpk_…` receivers
    /// verify with.
    #[staticmethod]
    fn generate_ed25519() -> Self {
        PySecret(Secret::generate_ed25519())
    }

    /// The public key (`whpk_…`) of an ed25519 signing key; `None` for other secrets.
    fn public_key(&self) -> Option<PySecret> {
        self.0.public_key().map(PySecret)
    }

    /// The secret's text, to store it or hand it to a sender (`whsec_…`, `whsk_…`, `whpk_…` or
    /// the text it was parsed from); `None` for a secret made from raw bytes. The only way to
    /// see the key: `repr` and `str` never show it.
    fn expose_text(&self) -> Option<String> {
        self.0.expose_text().map(|text| text.as_str().to_owned())
    }

    /// A secret of these raw key bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        let key = key.extract::<PyBackedBytes>().map_err(|_| {
            raise(py, &argument("key", format!("must be bytes, got {}", args::type_name(key))))
        })?;
        run(py, || Secret::from_bytes(&key)).map(PySecret)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// Signs outgoing webhooks with one or more secrets (one signature each).
#[pyclass(frozen, name = "Signer", module = "hookwire")]
struct PySigner(hookwire::Signer);

#[pymethods]
impl PySigner {
    #[new]
    #[pyo3(signature = (secret, scheme = None))]
    fn new(py: Python<'_>, secret: &Bound<'_, PyAny>, scheme: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let scheme: String = args::optional("scheme", scheme)?.unwrap_or_else(|| "hookwire".into());
        let scheme = run(py, || Scheme::from_name(&scheme))?;
        let all = secrets(py, secret)?;
        run(py, || hookwire::Signer::try_from_secrets(scheme, all)).map(PySigner)
    }

    /// The headers to send with `body`: signature(s), and id, timestamp and event headers where
    /// the scheme has them. `msg_id` defaults to a random id, `timestamp` to now.
    #[pyo3(signature = (body, msg_id = None, timestamp = None, event_type = None))]
    fn sign<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        msg_id: Option<&Bound<'py, PyAny>>,
        timestamp: Option<&Bound<'py, PyAny>>,
        event_type: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let msg_id: Option<String> = args::optional("msg_id", msg_id)?;
        let timestamp: Option<i64> = args::optional("timestamp", timestamp)?;
        let event_type: Option<String> = args::optional("event_type", event_type)?;
        let body = body_bytes(py, body)?;
        let id = msg_id.unwrap_or_else(hookwire::new_message_id);
        let timestamp = timestamp.unwrap_or_else(|| hookwire::unix_now().as_secs());
        let headers = run(py, || match &event_type {
            Some(event_type) => self.0.sign_event(&id, timestamp, event_type, &body),
            None => self.0.sign(&id, timestamp, &body),
        })?;
        let out = PyDict::new(py);
        for (name, value) in &headers {
            out.set_item(name.as_str(), String::from_utf8_lossy(value.as_bytes()))?;
        }
        Ok(out)
    }

    #[getter]
    fn scheme(&self) -> String {
        self.0.scheme().name().to_owned()
    }
}

/// Verifies incoming webhooks.
#[pyclass(frozen, name = "Verifier", module = "hookwire")]
struct PyVerifier {
    inner: hookwire::Verifier,
    /// The headers the scheme reads; the others of a request are never converted.
    reads: Reads,
    /// Where verified messages are claimed; `None`: no replay protection.
    store: Option<Store>,
}

#[pymethods]
impl PyVerifier {
    #[new]
    #[pyo3(signature = (
        secret, scheme = None, tolerance = None, max_body = None, seen_store = None, claim_ttl = None,
        replay_capacity = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        secret: &Bound<'_, PyAny>,
        scheme: Option<&Bound<'_, PyAny>>,
        tolerance: Option<&Bound<'_, PyAny>>,
        max_body: Option<&Bound<'_, PyAny>>,
        seen_store: Option<&Bound<'_, PyAny>>,
        claim_ttl: Option<&Bound<'_, PyAny>>,
        replay_capacity: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let scheme: String = args::optional("scheme", scheme)?.unwrap_or_else(|| "hookwire".into());
        let tolerance: u64 = args::optional("tolerance", tolerance)?.unwrap_or(300);
        let max_body: Option<usize> = args::optional("max_body", max_body)?;
        let claim_ttl: Option<u64> = args::optional("claim_ttl", claim_ttl)?;
        let replay_capacity: Option<usize> = args::optional("replay_capacity", replay_capacity)?;
        let seen_store = seen_store
            .filter(|store| !store.is_none())
            .map(|store| args::frozen::<PySeenStore>("seen_store", store).map(|s| s.get().0.clone()))
            .transpose()?;
        // `replay_capacity=n` is the shorthand of `seen_store=SeenStore.memory(n)`.
        let store = match (seen_store, replay_capacity) {
            (Some(_), Some(_)) => {
                let reason = "give seen_store or its shorthand replay_capacity, not both";
                return Err(raise(py, &argument("replay_capacity", reason)));
            }
            (Some(store), None) => Some(store),
            (None, capacity) => capacity.map(Store::memory),
        };
        let scheme = run(py, || Scheme::from_name(&scheme))?;
        let secrets = secrets(py, secret)?;
        let mut verifier = run(py, || hookwire::Verifier::try_new(scheme, secrets))?
            .tolerance(std::time::Duration::from_secs(tolerance));
        if let Some(limit) = max_body {
            verifier = verifier.max_body(limit);
        }
        if let Some(ttl) = claim_ttl {
            verifier = verifier.claim_ttl(std::time::Duration::from_secs(ttl));
        }
        let reads = Reads::of(py, verifier.scheme());
        Ok(PyVerifier { inner: verifier, reads, store })
    }

    /// Verifies the raw `body` and `headers` at `now` (unix seconds; default: the clock) and
    /// returns the checked message, claimed in the replay store if there is one. The GIL is
    /// released while a SQLite, PostgreSQL or Redis store answers.
    #[pyo3(signature = (body, headers, now = None))]
    fn verify(
        slf: &Bound<'_, Self>,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyMessage> {
        let this = slf.get();
        let given: Option<i64> = args::optional("now", now)?;
        // A `bytes` body, the usual one, is read in place from the caller's object (no second
        // reference to take and drop); any other is read as `body_bytes` reads it.
        let other;
        let bytes: &[u8] = match body.cast::<PyBytes>() {
            Ok(object) => object.as_bytes(),
            Err(_) => {
                other = body_bytes(py, body)?;
                &other
            }
        };
        let mut read = Read::of(&this.reads);
        read.fill(py, headers, &this.reads)?;
        let (now_secs, now) = clock(given);
        let check = || {
            let message = this.inner.check_at(&read, bytes, now_secs)?;
            let claim = match &this.store {
                Some(store) => {
                    Some(Box::new(Claim::acquire(store, this.inner.claim_request(&message, now))?))
                }
                None => None,
            };
            Ok((Found::of(&message), claim))
        };
        let detach =
            bytes.len() >= RELEASE_GIL_FROM || this.store.as_ref().is_some_and(Claim::store_may_wait);
        // `detach` takes the GIL back before a panic continues, which `run` then catches.
        let (found, claim) = run(py, || if detach { py.detach(check) } else { check() })?;
        let checked = found.checked(py, &read);
        let body = keep_body(py, body, bytes);
        Ok(PyMessage { checked, body, verifier: slf.clone().unbind(), claim, now: given })
    }

    /// `await verifier.verify_async(body, headers)`: `verify` for asyncio servers (FastAPI,
    /// Starlette): the checks run at once, the store's claim is awaited without blocking the
    /// event loop.
    #[pyo3(signature = (body, headers, now = None))]
    async fn verify_async(
        slf: Py<Self>,
        body: Py<PyAny>,
        headers: Py<PyAny>,
        now: Option<Py<PyAny>>,
    ) -> PyResult<PyMessage> {
        let this = slf.get();
        let (checked, body, request, given) = Python::attach(|py| -> PyResult<_> {
            let given: Option<i64> = args::optional("now", now.as_ref().map(|now| now.bind(py)))?;
            let body = body.bind(py);
            let bytes = body_bytes(py, body)?;
            let mut read = Read::of(&this.reads);
            read.fill(py, headers.bind(py), &this.reads)?;
            let (now_secs, now) = clock(given);
            let (found, request) = run(py, || {
                let message = this.inner.check_at(&read, &bytes, now_secs)?;
                let request = this.store.as_ref().map(|_| this.inner.claim_request(&message, now));
                Ok((Found::of(&message), request))
            })?;
            let checked = found.checked(py, &read);
            Ok((checked, keep_body(py, body, &bytes), request, given))
        })?;
        let claim = match (&this.store, request) {
            (Some(store), Some(request)) => {
                Some(Box::new(replay::awaited(Claim::acquire_async(store, request)).await?))
            }
            _ => None,
        };
        Ok(PyMessage { checked, body, verifier: slf, claim, now: given })
    }

    /// The replay store messages are claimed in, if any.
    #[getter]
    fn seen_store(&self) -> Option<PySeenStore> {
        self.store.clone().map(PySeenStore)
    }
}

/// `now` as given (unix seconds) for the timestamp check and the store, or the clock.
fn clock(given: Option<i64>) -> (i64, UnixTime) {
    match given {
        Some(secs) => (secs, UnixTime::from_secs(secs)),
        None => {
            let now = UnixTime::now();
            (now.as_secs(), now)
        }
    }
}

/// The caller's body object when it is `bytes` (no copy), else a copy as `bytes`.
fn keep_body(py: Python<'_>, body: &Bound<'_, PyAny>, bytes: &[u8]) -> Py<PyBytes> {
    match body.cast::<PyBytes>() {
        Ok(original) => original.clone().unbind(),
        Err(_) => PyBytes::new(py, bytes).unbind(),
    }
}

/// What verification found, where the core found it: the id and event type as slices of the
/// header values read (no copy), until `checked` makes them Python strings.
struct Found<'a> {
    id: Option<&'a str>,
    timestamp: Option<i64>,
    timestamp_signed: bool,
    event_type: Option<&'a str>,
    secret_index: usize,
}

impl<'a> Found<'a> {
    fn of(message: &hookwire::Verified<'a>) -> Found<'a> {
        Found {
            id: message.id(),
            timestamp: message.timestamp(),
            timestamp_signed: message.timestamp_signed(),
            event_type: message.event_type(),
            secret_index: message.secret_index(),
        }
    }

    /// The message's fields as Python values: the caller's own `str` where the id or type is a
    /// whole header value it gave (the usual case: nothing copied), else a new one.
    fn checked(&self, py: Python<'_>, read: &Read<'_>) -> Checked {
        let text = |value: Option<&str>| {
            value.map(|value| read.shared(py, value).unwrap_or_else(|| PyString::new(py, value)).unbind())
        };
        Checked {
            id: text(self.id),
            timestamp: self.timestamp,
            timestamp_signed: self.timestamp_signed,
            event_type: text(self.event_type),
            secret_index: self.secret_index,
        }
    }
}

struct Checked {
    id: Option<Py<PyString>>,
    timestamp: Option<i64>,
    timestamp_signed: bool,
    event_type: Option<Py<PyString>>,
    secret_index: usize,
}

/// A verified message, and the claim it holds when the verifier has a replay store.
#[pyclass(frozen, name = "Message", module = "hookwire")]
struct PyMessage {
    checked: Checked,
    body: Py<PyBytes>,
    /// The verifier whose scheme says which envelope the sender writes (`event`).
    verifier: Py<PyVerifier>,
    /// Boxed: a claim is large, and most messages have none (a smaller object is cheaper to
    /// make, move and free).
    claim: Option<Box<Claim>>,
    /// The `now` verify was given, if any: the default instant of `commit`.
    now: Option<i64>,
}

impl PyMessage {
    /// The instant a commit is recorded at: `now` as given, else the `now` verify was given,
    /// else the clock.
    fn commit_time(&self, now: Option<i64>) -> UnixTime {
        match now.or(self.now) {
            Some(secs) => UnixTime::from_secs(secs),
            None => UnixTime::now(),
        }
    }

    fn commit_at(&self, py: Python<'_>, now: Option<i64>) -> PyResult<bool> {
        let Some(claim) = &self.claim else { return Ok(false) };
        let now = self.commit_time(now);
        run(py, || if claim.may_wait() { py.detach(|| claim.commit(now)) } else { claim.commit(now) })
    }

    fn release_now(&self, py: Python<'_>) -> PyResult<bool> {
        let Some(claim) = &self.claim else { return Ok(false) };
        run(py, || if claim.may_wait() { py.detach(|| claim.release()) } else { claim.release() })
    }
}

#[pymethods]
impl PyMessage {
    /// Not made with `Message(...)`: Verifier.verify(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Message", "Verifier.verify(...) returns it"))
    }

    #[getter]
    fn id(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.checked.id.as_ref().map(|id| id.clone_ref(py))
    }
    #[getter]
    fn timestamp(&self) -> Option<i64> {
        self.checked.timestamp
    }
    #[getter]
    fn timestamp_signed(&self) -> bool {
        self.checked.timestamp_signed
    }
    #[getter]
    fn event_type(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.checked.event_type.as_ref().map(|event_type| event_type.clone_ref(py))
    }
    #[getter]
    fn secret_index(&self) -> usize {
        self.checked.secret_index
    }
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyBytes> {
        self.body.clone_ref(py)
    }
    /// Whether the message is claimed in a replay store (false when the verifier has none).
    #[getter]
    fn claimed(&self) -> bool {
        self.claim.is_some()
    }
    /// When the claim lapses (unix seconds) if it is neither committed nor released; None
    /// without a replay store.
    #[getter]
    fn claim_until(&self) -> Option<i64> {
        self.claim.as_ref().map(|claim| claim.claim_until().as_secs())
    }
    /// Records the message as handled: a later delivery of it is `Replayed`. True when
    /// recorded; False when there is nothing to commit (no replay store) or the claim was lost
    /// (it lapsed and another delivery took the message: that one is left untouched).
    #[pyo3(signature = (now = None))]
    fn commit(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let now: Option<i64> = args::optional("now", now)?;
        self.commit_at(py, now)
    }
    /// Gives the claim up (the handler failed): the sender's retry is accepted. False when
    /// there was nothing to release (no store, committed, or lost).
    fn release(&self, py: Python<'_>) -> PyResult<bool> {
        self.release_now(py)
    }
    /// `commit`, awaited without blocking the event loop.
    #[pyo3(signature = (now = None))]
    async fn commit_async(&self, now: Option<Py<PyAny>>) -> PyResult<bool> {
        let now: Option<i64> =
            Python::attach(|py| args::optional("now", now.as_ref().map(|now| now.bind(py))))?;
        let Some(claim) = &self.claim else { return Ok(false) };
        replay::awaited(claim.commit_async(self.commit_time(now))).await
    }
    /// `release`, awaited without blocking the event loop.
    async fn release_async(&self) -> PyResult<bool> {
        let Some(claim) = &self.claim else { return Ok(false) };
        replay::awaited(claim.release_async()).await
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    /// Commits when the block ends normally; releases when it raises (the exception goes on;
    /// if the release itself fails, the claim lapses after the claim time).
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        if exc_type.is_none() {
            self.commit_at(py, None)?;
        } else {
            let _ = self.release_now(py);
        }
        Ok(false)
    }
    async fn __aenter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    /// `__exit__`, awaited.
    async fn __aexit__(&self, exc_type: Py<PyAny>, _exc: Py<PyAny>, _traceback: Py<PyAny>) -> PyResult<bool> {
        let Some(claim) = &self.claim else { return Ok(false) };
        if Python::attach(|py| exc_type.is_none(py)) {
            replay::awaited(claim.commit_async(self.commit_time(None))).await?;
        } else {
            let _ = replay::awaited(claim.release_async()).await;
        }
        Ok(false)
    }
    /// The body parsed as JSON (`json.loads`); a body that is not JSON is `InvalidPayload`.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        read_json(py, "the body", || py.import("json")?.getattr("loads")?.call1((self.body.bind(py),)))
    }
    /// The body as an event in the envelope of the scheme's senders (native for `hookwire`,
    /// `standard-webhooks` and `svix`; each system's own for `auraconnect`, `ops-center`, ...),
    /// the event header as type hint. A body in another envelope, or a scheme whose senders
    /// write their own JSON (`github`, `stripe`, `shopify`, `slack`), is `InvalidPayload`.
    #[getter]
    fn event(&self, py: Python<'_>) -> PyResult<PyEvent> {
        let body = self.body.bind(py).as_bytes();
        let hint = self.checked.event_type.as_ref().map(|t| t.bind(py).to_str()).transpose()?;
        run(py, || self.verifier.get().inner.scheme().parse_event(body, hint)).map(PyEvent::of)
    }
    /// The body parsed in another system's envelope (`ops-center`, `webnet`, ...), using the
    /// event header as the type hint where there is one.
    fn event_as(&self, py: Python<'_>, dialect: &Bound<'_, PyAny>) -> PyResult<PyEvent> {
        let dialect: String = args::arg("dialect", dialect)?;
        let body = self.body.bind(py).as_bytes();
        let hint = self.checked.event_type.as_ref().map(|t| t.bind(py).to_str()).transpose()?;
        run(py, || Dialect::from_name(&dialect)?.parse(body, hint)).map(PyEvent::of)
    }
}

/// A typed event: the core's `Event`, converted to Python objects where it is read, once.
#[pyclass(frozen, name = "Event", module = "hookwire")]
/// The data is kept in a plain `OnceLock`, built while attached: `PyOnceLock` would detach from
/// the interpreter (release the GIL and take it back) on every first read.
pub(crate) struct PyEvent(pub(crate) hookwire::Event, OnceLock<Py<PyAny>>);

impl PyEvent {
    fn of(event: hookwire::Event) -> PyEvent {
        PyEvent(event, OnceLock::new())
    }
}

#[pymethods]
impl PyEvent {
    /// Not made with `Event(...)`: use parse_event(...), sample_event(...) or Message.event.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(
            _args.py(),
            "Event",
            "use parse_event(...), sample_event(...) or Message.event",
        ))
    }

    #[getter]
    fn id<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.0.id().map(|id| PyString::new(py, id))
    }
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, self.0.event_type())
    }
    #[getter]
    fn family(&self) -> &'static str {
        self.0.family().as_str()
    }
    /// The timestamp as written (RFC 3339 text or unix seconds), if any.
    #[getter]
    fn timestamp(&self) -> Option<String> {
        self.0.timestamp().map(ToString::to_string)
    }
    /// The typed payload: `Device`, `Order`, `Job` or `User` (`hookwire.payloads`), or for any
    /// other family the data as Python values; numbers that are not integers are exact
    /// `Decimal`s. Built from the core's parsed values on first read, the same object after.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(data) = self.1.get() {
            return Ok(data.bind(py).clone());
        }
        let data = read_json(py, "the data", || data::payload(py, self.family(), self.0.payload()))?;
        // Making it runs Python code (`Decimal`), where another thread may read `.data` too:
        // the first one kept is the one every read gets.
        match self.1.set(data.clone().unbind()) {
            Ok(()) => Ok(data),
            Err(_) => Ok(self.1.get().map_or(data, |kept| kept.bind(py).clone())),
        }
    }

    /// Who caused the event (webnet's `actor`), if the envelope says.
    #[getter]
    fn actor<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(actor) = self.0.actor() else { return Ok(None) };
        // Read like every payload: numbers that are not integers as exact `Decimal`s.
        read_json(py, "the actor", || data::actor(py, actor)).map(Some)
    }
    /// The data as JSON text, exactly (numbers keep their digits).
    fn data_json(&self) -> String {
        self.0.payload().to_json().get().to_owned()
    }
    /// The native envelope as JSON bytes.
    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_json())
    }
    /// The event in `dialect`'s envelope.
    fn encode<'py>(&self, py: Python<'py>, dialect: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        let dialect: String = args::arg("dialect", dialect)?;
        let bytes = run(py, || Dialect::from_name(&dialect)?.encode(&self.0))?;
        Ok(PyBytes::new(py, &bytes))
    }
    fn __repr__(&self) -> String {
        format!("Event(type={:?}, id={:?})", self.0.event_type(), self.0.id())
    }
}

/// Parses `body` as an event in `dialect` (default: hookwire's native envelope). `type_hint`
/// names the type where the envelope has none (Device Service routes); `strict` refuses types
/// outside the catalog.
#[pyfunction]
#[pyo3(signature = (body, dialect = None, type_hint = None, strict = None))]
fn parse_event(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    dialect: Option<&Bound<'_, PyAny>>,
    type_hint: Option<&Bound<'_, PyAny>>,
    strict: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyEvent> {
    let dialect: Option<String> = args::optional("dialect", dialect)?;
    let type_hint: Option<String> = args::optional("type_hint", type_hint)?;
    let strict: bool = args::optional("strict", strict)?.unwrap_or(false);
    let bytes = body_bytes(py, body)?;
    run(py, || {
        let dialect = Dialect::from_name(dialect.as_deref().unwrap_or("hookwire"))?;
        if strict {
            dialect.parse_strict(&bytes, type_hint.as_deref())
        } else {
            dialect.parse(&bytes, type_hint.as_deref())
        }
    })
    .map(PyEvent::of)
}

/// The HTTP status a receiver should answer an error `code` with: 401 not authentic, 200
/// replayed, 409 replay in progress, 413 too large, 503 replay store down, 500 misconfigured,
/// 400 malformed (the core's `Error::response_status`).
#[pyfunction]
fn response_status(code: &Bound<'_, PyAny>) -> PyResult<u16> {
    let code: String = args::arg("code", code)?;
    Ok(Error::response_status_of(&code))
}

/// Every event type of the catalog: `(type, family, description)`.
#[pyfunction]
fn event_types() -> Vec<(&'static str, &'static str, &'static str)> {
    hookwire::catalog().iter().map(|info| (info.name, info.family.as_str(), info.description)).collect()
}

/// The catalog's sample event of `event_type` (for "send test event").
#[pyfunction]
fn sample_event(py: Python<'_>, event_type: &Bound<'_, PyAny>) -> PyResult<PyEvent> {
    let event_type: String = args::arg("event_type", event_type)?;
    run(py, || hookwire::sample(&event_type)).map(PyEvent::of)
}

/// Runs `read` (Python's JSON reader over `what`): what it cannot read (not JSON, not UTF-8,
/// nested deeper than Python recurses, an integer longer than Python converts:
/// `sys.get_int_max_str_digits()`) is `InvalidPayload`, not a bare `ValueError` or
/// `RecursionError`.
fn read_json<'py>(
    py: Python<'py>,
    what: &str,
    read: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    read().map_err(|error| {
        let unreadable = error.is_instance_of::<PyValueError>(py)
            || error.is_instance_of::<PyRecursionError>(py)
            || error.is_instance_of::<PyArithmeticError>(py);
        if !unreadable {
            return error;
        }
        let reason = format!("{what} cannot be read as JSON in Python: {}", error.value(py));
        let invalid = raise(py, &Error::InvalidPayload { reason: reason.into() });
        invalid.set_cause(py, Some(error));
        invalid
    })
}

/// For the benchmark only (`bench/bench_bindings.py`): the core's `verify_at` of one message,
/// `iterations` times in a loop run in Rust, in nanoseconds per call, so the script measures
/// the Rust figure beside its own in the same run. The core is given what the binding gives
/// it: the (name, value) pairs of the request as text (its `HeaderSource` for pairs), not an
/// `http::HeaderMap`, so the ratio is the crossing alone. The pairs are made once, outside the
/// loop; the GIL is released while it runs.
#[pyfunction]
fn _bench_verify_ns(
    py: Python<'_>,
    verifier: &Bound<'_, PyAny>,
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
    iterations: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let verifier = args::frozen::<PyVerifier>("verifier", verifier)?;
    let verifier = &verifier.get().inner;
    let bytes = body_bytes(py, body)?;
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    each_header(py, headers, |name, value| {
        let value = header_value(py, name, value)?.as_ref().to_vec();
        pairs.push((args::text(name).map_err(|reason| raise(py, &argument("headers", reason)))?, value));
        Ok(())
    })?;
    let headers = pairs;
    let now: i64 = args::arg("now", now)?;
    let iterations: u64 = args::arg("iterations", iterations)?;
    run(py, || verifier.verify_at(&headers, &bytes, now).map(|_| ()))?;
    let elapsed = py.detach(|| {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            let verified =
                verifier.verify_at(std::hint::black_box(&headers), std::hint::black_box(&bytes), now);
            std::hint::black_box(verified.is_ok());
        }
        start.elapsed()
    });
    Ok(elapsed.as_nanos() as f64 / iterations.max(1) as f64)
}

#[pymodule]
fn _hookwire(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySecret>()?;
    m.add_class::<PySigner>()?;
    m.add_class::<PyVerifier>()?;
    m.add_class::<PyMessage>()?;
    m.add_class::<PySeenStore>()?;
    m.add_class::<PyEvent>()?;
    m.add_function(wrap_pyfunction!(parse_event, m)?)?;
    m.add_function(wrap_pyfunction!(event_types, m)?)?;
    m.add_function(wrap_pyfunction!(response_status, m)?)?;
    m.add_function(wrap_pyfunction!(sample_event, m)?)?;
    m.add_function(wrap_pyfunction!(_bench_verify_ns, m)?)?;
    m.add("DIALECTS", Dialect::ALL.iter().map(|d| d.name()).collect::<Vec<_>>())?;
    delivery::register(m)?;
    outbox::register(m)?;
    m.add("ERROR_CODES", Error::CODES.to_vec())?;
    m.add("SCHEMES", Scheme::names().to_vec())?;
    Ok(())
}
