//! The durable outbox from Python: `hookwire.Outbox` over `hookwire-outbox`. Every decision is
//! the outbox's (and through it the core's); this file converts arguments and records, and runs
//! the outbox's futures on a tokio runtime of its own (threads named `hookwire-outbox`), where
//! the worker runs too. A blocking call waits with the GIL released; an `*_async` call returns
//! an asyncio future that the runtime settles through `loop.call_soon_threadsafe`, so the event
//! loop never waits on the database or the network.
//!
//! Time: instants are aware `datetime`s in UTC; durations are `timedelta`s, and arguments also
//! take seconds as a number (`stop(timeout=10)`).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use hookwire::Dialect;
use hookwire_outbox::{
    AttemptRecord, DeliveryFilter, DeliveryRecord, DeliveryStatus, Endpoint, EndpointStats, EndpointUpdate,
    Error, MessageRecord, Metrics, NewEndpoint, Outbox, Publish, Purged, RateLimit, RetrySpec, UnixTime,
    WorkerHandle, WorkerReport,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::args::{self, not_constructible};
use crate::time::{duration_arg, instant, instant_arg, maybe_instant, optional_duration, span};
use crate::{argument, raise_code, PySecret};

/// How often a blocking call looks for a signal (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// The runtime every outbox of the process runs on (its futures and its workers).
static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();

fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("hookwire-outbox")
                .build()
                .map_err(|err| err.to_string())
        })
        .as_ref()
        .map_err(|reason| internal(format!("cannot start the outbox runtime: {reason}")))
}

fn internal(reason: String) -> Error {
    Error::Core(hookwire::Error::Internal { reason: reason.into() })
}

/// The exception of an outbox error's code: the core's (with its details) and the outbox's own.
fn raise(py: Python<'_>, error: &Error) -> PyErr {
    match error {
        Error::Core(core) => crate::raise(py, core),
        other => raise_code(py, other.code(), other.to_string()),
    }
}

fn bad(py: Python<'_>, name: &'static str, reason: impl Into<String>) -> PyErr {
    crate::raise(py, &argument(name, reason))
}

/// A future whose panic becomes `internal` instead of unwinding into the runtime.
struct Guarded<F: ?Sized>(Pin<Box<F>>);

impl<T, F: Future<Output = Result<T, Error>> + ?Sized> Future for Guarded<F> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(internal("a bug in hookwire (caught panic); please report it".into()))),
        }
    }
}

type Convert<T> = fn(Python<'_>, T) -> PyResult<Py<PyAny>>;

/// An outbox call with its arguments converted: the future to run, and how its answer
/// becomes a Python value. Run blocking ([`Call::wait`]) or awaited ([`Call::awaitable`]).
struct Call<T> {
    future: Guarded<dyn Future<Output = Result<T, Error>> + Send>,
    convert: Convert<T>,
}

impl<T: Send + 'static> Call<T> {
    fn new(future: impl Future<Output = Result<T, Error>> + Send + 'static, convert: Convert<T>) -> Call<T> {
        Call { future: Guarded(Box::pin(future)), convert }
    }

    /// Runs the call blocking (see [`block`]) and converts its answer.
    fn wait(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Call { future, convert } = self;
        convert(py, block(py, future)?)
    }

    /// An asyncio future of the running loop, settled from the runtime when the call ends.
    /// Cancelling it does not stop the call (a publish that began is stored or fails).
    fn awaitable<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static SETTLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let runtime = runtime().map_err(|err| raise(py, &err))?;
        let event_loop = py.import("asyncio")?.call_method0("get_running_loop").map_err(|_| {
            let reason = "an `*_async` call is awaited in a coroutine on a running asyncio event loop; \
                          elsewhere, call the method without `_async`";
            crate::raise(py, &hookwire::Error::InvalidState { reason: reason.into() })
        })?;
        let future = event_loop.call_method0("create_future")?;
        let settle = SETTLE.import(py, "hookwire._aio", "settle")?.clone().unbind();
        let (event_loop, waiting) = (event_loop.unbind(), future.clone().unbind());
        let Call { future: call, convert } = self;
        runtime.spawn(async move {
            let answer = call.await;
            // Nobody to tell once the interpreter is shutting down.
            Python::try_attach(|py| {
                let (ok, value) = match answer.map_err(|err| raise(py, &err)).and_then(|v| convert(py, v)) {
                    Ok(value) => (true, value),
                    Err(err) => (false, err.into_value(py).into_any()),
                };
                // The loop may be closed by now: then nobody awaits the answer.
                let _ = event_loop.call_method1(py, "call_soon_threadsafe", (settle, waiting, ok, value));
            });
        });
        Ok(future)
    }
}

/// Runs `future` on the runtime with the GIL released, looking for signals between slices:
/// Ctrl-C raises `KeyboardInterrupt` and drops the future (a publish may or may not have been
/// stored by then; a `run_until_idle` stops its worker).
fn block<T, F>(py: Python<'_>, mut future: Guarded<F>) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send + ?Sized,
    T: Send,
{
    let runtime = runtime().map_err(|err| raise(py, &err))?;
    loop {
        let slice = async { tokio::time::timeout(SIGNAL_CHECK, &mut future).await.ok() };
        match py.detach(|| runtime.block_on(slice)) {
            Some(answer) => return answer.map_err(|err| raise(py, &err)),
            None => py.check_signals()?,
        }
    }
}

fn none(py: Python<'_>, (): ()) -> PyResult<Py<PyAny>> {
    Ok(py.None())
}

fn text(py: Python<'_>, value: String) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

fn texts(py: Python<'_>, value: Vec<String>) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

fn count(py: Python<'_>, value: u64) -> PyResult<Py<PyAny>> {
    value.into_py_any(py)
}

// ---- JSON ---------------------------------------------------------------------------------

/// A Python value as JSON (what `json.dumps` writes): refused with `InvalidArgument` naming
/// `name` when it cannot be written.
fn json_arg(py: Python<'_>, name: &'static str, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let dumps = DUMPS.import(py, "json", "dumps")?;
    let written: String = dumps
        .call1((value,))
        .and_then(|text| text.extract())
        .map_err(|e| bad(py, name, format!("is not JSON: {}", e.value(py))))?;
    serde_json::from_str(&written).map_err(|_| bad(py, name, "is not JSON"))
}

pub(crate) fn json_out(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_py_any(py)?,
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_py_any(py)?,
            (None, Some(u)) => u.into_py_any(py)?,
            _ => n.as_f64().unwrap_or(f64::NAN).into_py_any(py)?,
        },
        Value::String(s) => s.into_py_any(py)?,
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|i| json_out(py, i)).collect::<PyResult<Vec<_>>>()?)?
                .into_any()
                .unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, value) in map {
                dict.set_item(key, json_out(py, value)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

// ---- arguments ----------------------------------------------------------------------------

/// An endpoint argument: its id, or its `EndpointRecord`.
fn endpoint_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(endpoint) = value.cast::<PyEndpointRecord>() {
        return Ok(endpoint.get().id.clone());
    }
    if value.is_instance_of::<PyString>() {
        return args::arg("endpoint", value);
    }
    Err(bad(
        py,
        "endpoint",
        format!("must be an endpoint id (str) or an EndpointRecord, got {}", args::type_name(value)),
    ))
}

/// Signing secrets: text, a `Secret` with text, or a list of those (rotation). The outbox
/// stores the text (the worker signs with it), so a `Secret` made from raw bytes cannot be one.
fn secrets_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<zeroize::Zeroizing<String>>> {
    let one = |item: &Bound<'_, PyAny>| -> PyResult<zeroize::Zeroizing<String>> {
        if let Ok(secret) = item.cast::<PySecret>() {
            return secret.get().0.expose_text().map(|t| zeroize::Zeroizing::new(t.as_str().to_owned())).ok_or_else(|| {
                crate::raise(py, &hookwire::Error::InvalidSecret {
                    reason: "a Secret made from raw bytes has no text for the outbox to store; pass its text".into(),
                })
            });
        }
        if item.is_instance_of::<PyString>() {
            return args::text(item).map(zeroize::Zeroizing::new).map_err(|reason| {
                crate::raise(
                    py,
                    &hookwire::Error::InvalidSecret { reason: format!("the secret {reason}").into() },
                )
            });
        }
        Err(crate::raise(
            py,
            &hookwire::Error::InvalidSecret {
                reason: format!(
                    "a secret is a str, a hookwire.Secret or a list of those, got {}",
                    args::type_name(item)
                )
                .into(),
            },
        ))
    };
    if let Ok(list) = value.cast::<PyList>() {
        return list.iter().map(|item| one(&item)).collect();
    }
    Ok(vec![one(value)?])
}

/// A retry policy: a preset name (`"ops-center"`), or a dict with `preset` or `delays`
/// (seconds or `timedelta`s, the first usually 0) and optionally `max_attempts`, `max_age`,
/// `throttle_min`.
fn retry_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<RetrySpec> {
    if value.is_instance_of::<PyString>() {
        let preset: String = args::arg("retry", value)?;
        return Ok(RetrySpec::preset(&preset));
    }
    let Ok(dict) = value.cast::<PyDict>() else {
        return Err(bad(
            py,
            "retry",
            format!("must be a preset name or a dict, got {}", args::type_name(value)),
        ));
    };
    const KEYS: [&str; 5] = ["preset", "delays", "max_attempts", "max_age", "throttle_min"];
    for key in dict.keys() {
        let key: String = args::arg("retry", &key)?;
        if !KEYS.contains(&key.as_str()) {
            return Err(bad(py, "retry", format!("unknown key `{key}` (known: {})", KEYS.join(", "))));
        }
    }
    let get = |key: &str| dict.get_item(key).map(|v| v.filter(|v| !v.is_none()));
    let mut spec = match (get("preset")?, get("delays")?) {
        (Some(_), Some(_)) => return Err(bad(py, "retry", "give `preset` or `delays`, not both")),
        (Some(preset), None) => RetrySpec::preset(&args::arg::<String>("retry", &preset)?),
        (None, Some(delays)) => {
            if delays.is_instance_of::<PyString>() || delays.is_instance_of::<PyBytes>() {
                return Err(bad(py, "retry", "`delays` must be a list"));
            }
            let delays = delays
                .try_iter()
                .map_err(|_| bad(py, "retry", "`delays` must be a list"))?
                .map(|d| duration_arg(py, "retry", &d?))
                .collect::<PyResult<Vec<_>>>()?;
            RetrySpec::delays(delays)
        }
        (None, None) => RetrySpec::default(),
    };
    if let Some(attempts) = get("max_attempts")? {
        spec = spec.max_attempts(args::arg("retry", &attempts)?);
    }
    if let Some(age) = get("max_age")? {
        spec = spec.max_age(duration_arg(py, "retry", &age)?);
    }
    if let Some(min) = get("throttle_min")? {
        spec = spec.throttle_min(duration_arg(py, "retry", &min)?);
    }
    Ok(spec)
}

/// A rate limit: `(count, period)`, the period in seconds or a `timedelta`.
fn rate_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<RateLimit> {
    let pair = value.cast::<PyTuple>().ok().filter(|t| t.len() == 2).ok_or_else(|| {
        bad(py, "rate_limit", format!("must be (count, period), got {}", args::type_name(value)))
    })?;
    let count: u32 = args::arg("rate_limit", &pair.get_item(0)?)?;
    Ok(RateLimit::new(count, duration_arg(py, "rate_limit", &pair.get_item(1)?)?))
}

fn filters_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<(String, serde_json::Value)>> {
    let dict: Bound<'_, PyDict> = args::arg("filters", value)?;
    let mut filters = Vec::with_capacity(dict.len());
    for (field, value) in dict.iter() {
        filters.push((args::arg("filters", &field)?, json_arg(py, "filters", &value)?));
    }
    Ok(filters)
}

fn headers_arg(value: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let dict: Bound<'_, PyDict> = args::arg("headers", value)?;
    dict.iter()
        .map(|(name, value)| Ok((args::arg("headers", &name)?, args::arg("headers", &value)?)))
        .collect()
}

fn dialect_arg(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<Dialect> {
    match args::optional::<String>("dialect", value)? {
        Some(name) => Dialect::from_name(&name).map_err(|err| crate::raise(py, &err)),
        None => Ok(Dialect::Hookwire),
    }
}

// ---- records ------------------------------------------------------------------------------

/// An endpoint as the outbox stores it (`hookwire.Endpoint` is the sans-IO sender's). Its
/// secrets stay inside: `secret_count` says how many sign.
#[pyclass(frozen, get_all, name = "EndpointRecord", module = "hookwire")]
pub(crate) struct PyEndpointRecord {
    id: String,
    url: String,
    scheme: String,
    secret_count: usize,
    events: Vec<String>,
    filters: Py<PyAny>,
    headers: Py<PyAny>,
    retry: Py<PyAny>,
    rate_limit: Option<Py<PyAny>>,
    max_in_flight: u32,
    timeout: Py<PyAny>,
    allow_private: bool,
    tenant: Option<String>,
    description: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    disabled_at: Option<Py<PyAny>>,
    consecutive_failures: u32,
    failing_since: Option<Py<PyAny>>,
    created_at: Py<PyAny>,
}

#[pymethods]
impl PyEndpointRecord {
    /// Not made with `Endpoint(...)`: Outbox.add_endpoint(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "EndpointRecord", "Outbox.add_endpoint(...) returns it"))
    }

    fn __repr__(&self) -> String {
        let enabled = if self.enabled { "True" } else { "False" };
        format!(
            "EndpointRecord(id={:?}, url={:?}, scheme={:?}, enabled={enabled})",
            self.id, self.url, self.scheme
        )
    }
}

fn retry_out(py: Python<'_>, spec: &RetrySpec) -> PyResult<Py<PyAny>> {
    let dict = PyDict::new(py);
    if let Some(preset) = &spec.preset {
        dict.set_item("preset", preset)?;
    }
    if !spec.delays_ms.is_empty() {
        let delays: Vec<Duration> = spec.delays_ms.iter().map(|&ms| Duration::from_millis(ms)).collect();
        dict.set_item("delays", delays)?;
    }
    if let Some(attempts) = spec.max_attempts {
        dict.set_item("max_attempts", attempts)?;
    }
    if let Some(age) = spec.max_age_ms {
        dict.set_item("max_age", Duration::from_millis(age))?;
    }
    if let Some(min) = spec.throttle_min_ms {
        dict.set_item("throttle_min", Duration::from_millis(min))?;
    }
    Ok(dict.into_any().unbind())
}

fn endpoint_out(py: Python<'_>, e: Endpoint) -> PyResult<PyEndpointRecord> {
    let filters = PyDict::new(py);
    for (field, value) in &e.filters {
        filters.set_item(field, json_out(py, value)?)?;
    }
    let headers = PyDict::new(py);
    for (name, value) in &e.headers {
        headers.set_item(name, value)?;
    }
    let rate_limit = e
        .rate_limit
        .map(|rate| (rate.count, Duration::from_millis(rate.period_ms)).into_py_any(py))
        .transpose()?;
    Ok(PyEndpointRecord {
        retry: retry_out(py, &e.retry)?,
        timeout: span(py, e.timeout)?,
        disabled_at: maybe_instant(py, e.disabled_at)?,
        failing_since: maybe_instant(py, e.failing_since)?,
        created_at: instant(py, e.created_at)?,
        filters: filters.into_any().unbind(),
        headers: headers.into_any().unbind(),
        rate_limit,
        id: e.id,
        url: e.url,
        scheme: e.scheme,
        secret_count: e.secret_count,
        events: e.events,
        max_in_flight: e.max_in_flight,
        allow_private: e.allow_private,
        tenant: e.tenant,
        description: e.description,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        consecutive_failures: e.consecutive_failures,
    })
}

fn endpoint(py: Python<'_>, e: Endpoint) -> PyResult<Py<PyAny>> {
    endpoint_out(py, e)?.into_py_any(py)
}

fn endpoints(py: Python<'_>, all: Vec<Endpoint>) -> PyResult<Py<PyAny>> {
    all.into_iter().map(|e| endpoint_out(py, e)).collect::<PyResult<Vec<_>>>()?.into_py_any(py)
}

/// One message's delivery to one endpoint. `status`: `pending`, `retrying`, `succeeded`,
/// `failed` or `cancelled`.
#[pyclass(frozen, get_all, name = "DeliveryRecord", module = "hookwire")]
pub(crate) struct PyDeliveryRecord {
    id: String,
    message_id: String,
    endpoint_id: String,
    event_type: String,
    status: &'static str,
    attempts: u32,
    next_attempt_at: Option<Py<PyAny>>,
    last_status: Option<u16>,
    last_error: Option<String>,
    give_up_reason: Option<String>,
    created_at: Py<PyAny>,
    updated_at: Py<PyAny>,
    finished_at: Option<Py<PyAny>>,
}

#[pymethods]
impl PyDeliveryRecord {
    /// Not made with `DeliveryRecord(...)`: Outbox.deliveries(...) returns them.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "DeliveryRecord", "Outbox.deliveries(...) returns them"))
    }

    fn __repr__(&self) -> String {
        format!(
            "DeliveryRecord(id={:?}, message_id={:?}, endpoint_id={:?}, status={:?}, attempts={})",
            self.id, self.message_id, self.endpoint_id, self.status, self.attempts
        )
    }
}

fn delivery_out(py: Python<'_>, d: DeliveryRecord) -> PyResult<PyDeliveryRecord> {
    Ok(PyDeliveryRecord {
        next_attempt_at: maybe_instant(py, d.next_attempt_at)?,
        created_at: instant(py, d.created_at)?,
        updated_at: instant(py, d.updated_at)?,
        finished_at: maybe_instant(py, d.finished_at)?,
        status: d.status.name(),
        id: d.id,
        message_id: d.message_id,
        endpoint_id: d.endpoint_id,
        event_type: d.event_type,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        give_up_reason: d.give_up_reason,
    })
}

fn delivery(py: Python<'_>, d: DeliveryRecord) -> PyResult<Py<PyAny>> {
    delivery_out(py, d)?.into_py_any(py)
}

fn deliveries(py: Python<'_>, all: Vec<DeliveryRecord>) -> PyResult<Py<PyAny>> {
    all.into_iter().map(|d| delivery_out(py, d)).collect::<PyResult<Vec<_>>>()?.into_py_any(py)
}

/// One attempt of a delivery: when, how long, the status or transport failure, the response.
#[pyclass(frozen, get_all, name = "AttemptRecord", module = "hookwire")]
pub(crate) struct PyAttemptRecord {
    delivery_id: String,
    number: u32,
    started_at: Py<PyAny>,
    duration: Py<PyAny>,
    status: Option<u16>,
    outcome_class: String,
    failure: Option<String>,
    error: Option<String>,
    response_headers: Vec<(String, String)>,
    response_body: String,
    response_truncated: bool,
    manual: bool,
    worker: String,
}

#[pymethods]
impl PyAttemptRecord {
    /// Not made with `AttemptRecord(...)`: Outbox.attempts(...) returns them.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "AttemptRecord", "Outbox.attempts(...) returns them"))
    }

    fn __repr__(&self) -> String {
        format!(
            "AttemptRecord(delivery_id={:?}, number={}, status={:?}, outcome_class={:?})",
            self.delivery_id, self.number, self.status, self.outcome_class
        )
    }
}

fn attempts(py: Python<'_>, all: Vec<AttemptRecord>) -> PyResult<Py<PyAny>> {
    let records = all
        .into_iter()
        .map(|a| {
            Ok(PyAttemptRecord {
                started_at: instant(py, a.started_at)?,
                duration: span(py, a.duration)?,
                delivery_id: a.delivery_id,
                number: a.number,
                status: a.status,
                outcome_class: a.class,
                failure: a.failure,
                error: a.error,
                response_headers: a.response_headers,
                response_body: a.response_body,
                response_truncated: a.response_truncated,
                manual: a.manual,
                worker: a.worker,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    records.into_py_any(py)
}

/// A published message: its id (the webhook id receivers see), type and exact body.
#[pyclass(frozen, get_all, name = "MessageRecord", module = "hookwire")]
pub(crate) struct PyMessageRecord {
    id: String,
    event_type: String,
    payload: Py<PyBytes>,
    idempotency_key: Option<String>,
    tenant: Option<String>,
    created_at: Py<PyAny>,
}

#[pymethods]
impl PyMessageRecord {
    /// Not made with `MessageRecord(...)`: Outbox.message(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "MessageRecord", "Outbox.message(...) returns it"))
    }

    fn __repr__(&self) -> String {
        format!("MessageRecord(id={:?}, event_type={:?})", self.id, self.event_type)
    }
}

fn message(py: Python<'_>, m: MessageRecord) -> PyResult<Py<PyAny>> {
    PyMessageRecord {
        payload: PyBytes::new(py, &m.payload).unbind(),
        created_at: instant(py, m.created_at)?,
        id: m.id,
        event_type: m.event_type,
        idempotency_key: m.idempotency_key,
        tenant: m.tenant,
    }
    .into_py_any(py)
}

/// One endpoint's statistics: deliveries by status, attempts, success rate, latency
/// percentiles over its last 10,000 responses, its last failure.
#[pyclass(frozen, get_all, name = "EndpointStats", module = "hookwire")]
pub(crate) struct PyEndpointRecordStats {
    endpoint_id: String,
    url: String,
    enabled: bool,
    pending: u64,
    retrying: u64,
    succeeded: u64,
    failed: u64,
    cancelled: u64,
    attempts: u64,
    success_rate: Option<f64>,
    p50_latency: Option<Py<PyAny>>,
    p95_latency: Option<Py<PyAny>>,
    last_failure_at: Option<Py<PyAny>>,
    last_failure: Option<String>,
}

#[pymethods]
impl PyEndpointRecordStats {
    /// Not made with `EndpointStats(...)`: Outbox.stats() returns them.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "EndpointStats", "Outbox.stats() returns them"))
    }

    fn __repr__(&self) -> String {
        format!(
            "EndpointStats(endpoint_id={:?}, succeeded={}, failed={}, success_rate={:?})",
            self.endpoint_id, self.succeeded, self.failed, self.success_rate
        )
    }
}

fn stats(py: Python<'_>, all: Vec<EndpointStats>) -> PyResult<Py<PyAny>> {
    let records = all
        .into_iter()
        .map(|s| {
            Ok(PyEndpointRecordStats {
                p50_latency: s.p50_latency.map(|d| span(py, d)).transpose()?,
                p95_latency: s.p95_latency.map(|d| span(py, d)).transpose()?,
                last_failure_at: maybe_instant(py, s.last_failure_at)?,
                endpoint_id: s.endpoint_id,
                url: s.url,
                enabled: s.enabled,
                pending: s.pending,
                retrying: s.retrying,
                succeeded: s.succeeded,
                failed: s.failed,
                cancelled: s.cancelled,
                attempts: s.attempts,
                success_rate: s.success_rate,
                last_failure: s.last_failure,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    records.into_py_any(py)
}

/// The outbox at a glance, read from the database (the same from every process).
#[pyclass(frozen, get_all, name = "OutboxMetrics", module = "hookwire")]
pub(crate) struct PyOutboxMetrics {
    delivered: u64,
    failed: u64,
    retried: u64,
    queue_depth: u64,
    due_now: u64,
    oldest_due: Option<Py<PyAny>>,
}

#[pymethods]
impl PyOutboxMetrics {
    /// Not made with `OutboxMetrics(...)`: Outbox.metrics() returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "OutboxMetrics", "Outbox.metrics() returns it"))
    }

    fn __repr__(&self) -> String {
        format!(
            "OutboxMetrics(delivered={}, failed={}, retried={}, queue_depth={})",
            self.delivered, self.failed, self.retried, self.queue_depth
        )
    }
}

fn metrics(py: Python<'_>, m: Metrics) -> PyResult<Py<PyAny>> {
    PyOutboxMetrics {
        delivered: m.delivered,
        failed: m.failed,
        retried: m.retried,
        queue_depth: m.queue_depth,
        due_now: m.due_now,
        oldest_due: maybe_instant(py, m.oldest_due)?,
    }
    .into_py_any(py)
}

/// What a worker did: attempts recorded (and how many succeeded), attempts whose lease was lost,
/// claims given back unsent when it stopped.
#[pyclass(frozen, get_all, name = "WorkerReport", module = "hookwire")]
pub(crate) struct PyWorkerReport {
    attempts: u64,
    succeeded: u64,
    lease_lost: u64,
    released: u64,
}

#[pymethods]
impl PyWorkerReport {
    /// Not made with `WorkerReport(...)`: Outbox.stop(...) and Outbox.run_until_idle(...) return it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(
            _args.py(),
            "WorkerReport",
            "Outbox.stop() and Outbox.run_until_idle() return it",
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "WorkerReport(attempts={}, succeeded={}, lease_lost={}, released={})",
            self.attempts, self.succeeded, self.lease_lost, self.released
        )
    }
}

fn report(py: Python<'_>, r: WorkerReport) -> PyResult<Py<PyAny>> {
    PyWorkerReport {
        attempts: r.attempts,
        succeeded: r.succeeded,
        lease_lost: r.lease_lost,
        released: r.released,
    }
    .into_py_any(py)
}

fn maybe_report(py: Python<'_>, r: Option<WorkerReport>) -> PyResult<Py<PyAny>> {
    r.map_or_else(|| Ok(py.None()), |r| report(py, r))
}

/// What a purge removed.
#[pyclass(frozen, get_all, name = "Purged", module = "hookwire")]
pub(crate) struct PyPurged {
    deliveries: u64,
    messages: u64,
}

#[pymethods]
impl PyPurged {
    /// Not made with `Purged(...)`: Outbox.purge(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Purged", "Outbox.purge(...) returns it"))
    }

    fn __repr__(&self) -> String {
        format!("Purged(deliveries={}, messages={})", self.deliveries, self.messages)
    }
}

fn purged(py: Python<'_>, p: Purged) -> PyResult<Py<PyAny>> {
    PyPurged { deliveries: p.deliveries, messages: p.messages }.into_py_any(py)
}

// ---- the outbox ---------------------------------------------------------------------------

/// A durable outbox in an SQLite file (`sqlite:///path/webhooks.db`) or PostgreSQL
/// (`postgres://user@host/db`): endpoints, messages, deliveries and attempts, and a worker that
/// sends, retries and survives crashes, running on the outbox's own threads in this process.
#[pyclass(frozen, name = "Outbox", module = "hookwire")]
pub(crate) struct PyOutbox {
    outbox: Outbox,
    /// The background worker `start` runs, until `stop`.
    worker: Mutex<Option<WorkerHandle>>,
}

/// Settings of a worker: `concurrency`, `lease`, `poll_interval`.
struct WorkerSettings {
    concurrency: Option<usize>,
    lease: Option<Duration>,
    poll_interval: Option<Duration>,
}

impl WorkerSettings {
    fn read(
        py: Python<'_>,
        concurrency: Option<&Bound<'_, PyAny>>,
        lease: Option<&Bound<'_, PyAny>>,
        poll_interval: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<WorkerSettings> {
        let concurrency: Option<usize> = args::optional("concurrency", concurrency)?;
        if concurrency == Some(0) {
            return Err(bad(py, "concurrency", "must be at least 1"));
        }
        Ok(WorkerSettings {
            concurrency,
            lease: optional_duration(py, "lease", lease)?,
            poll_interval: optional_duration(py, "poll_interval", poll_interval)?,
        })
    }

    fn builder(&self, outbox: &Outbox) -> hookwire_outbox::WorkerBuilder {
        let mut builder = outbox.worker();
        if let Some(count) = self.concurrency {
            builder = builder.concurrency(count);
        }
        if let Some(lease) = self.lease {
            builder = builder.lease(lease);
        }
        if let Some(interval) = self.poll_interval {
            builder = builder.poll_interval(interval);
        }
        builder
    }
}

/// The arguments of `add_endpoint` past the URL, by name.
struct EndpointArgs<'a, 'py> {
    scheme: Option<&'a Bound<'py, PyAny>>,
    secret: Option<&'a Bound<'py, PyAny>>,
    events: Option<&'a Bound<'py, PyAny>>,
    retry: Option<&'a Bound<'py, PyAny>>,
    allow_private: Option<&'a Bound<'py, PyAny>>,
    id: Option<&'a Bound<'py, PyAny>>,
    filters: Option<&'a Bound<'py, PyAny>>,
    headers: Option<&'a Bound<'py, PyAny>>,
    rate_limit: Option<&'a Bound<'py, PyAny>>,
    max_in_flight: Option<&'a Bound<'py, PyAny>>,
    timeout: Option<&'a Bound<'py, PyAny>>,
    tenant: Option<&'a Bound<'py, PyAny>>,
    description: Option<&'a Bound<'py, PyAny>>,
    any_event_type: Option<&'a Bound<'py, PyAny>>,
}

fn given<'a, 'py>(value: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    value.filter(|v| !v.is_none())
}

impl EndpointArgs<'_, '_> {
    fn new_endpoint(&self, py: Python<'_>, url: &Bound<'_, PyAny>) -> PyResult<NewEndpoint> {
        let url: String = args::arg("url", url)?;
        let scheme: String =
            args::optional("scheme", self.scheme)?.unwrap_or_else(|| "standard-webhooks".into());
        let secret = given(self.secret).ok_or_else(|| {
            crate::raise(
                py,
                &hookwire::Error::InvalidSecret { reason: "an endpoint needs a secret (secret=...)".into() },
            )
        })?;
        let mut secrets = secrets_arg(py, secret)?.into_iter();
        let first = secrets.next().ok_or_else(|| {
            crate::raise(
                py,
                &hookwire::Error::InvalidSecret { reason: "an endpoint needs at least one secret".into() },
            )
        })?;
        let mut new = NewEndpoint::new(&url, &scheme, &first);
        for more in secrets {
            new = new.secret(&more);
        }
        if let Some(events) = args::optional::<Vec<String>>("events", self.events)? {
            new = new.events(events);
        }
        if let Some(retry) = given(self.retry) {
            new = new.retry(retry_arg(py, retry)?);
        }
        if let Some(allow) = args::optional("allow_private", self.allow_private)? {
            new = new.allow_private(allow);
        }
        if let Some(id) = args::optional::<String>("id", self.id)? {
            new = new.id(&id);
        }
        if let Some(filters) = given(self.filters) {
            for (field, value) in filters_arg(py, filters)? {
                new = new.filter(&field, value);
            }
        }
        if let Some(headers) = given(self.headers) {
            for (name, value) in headers_arg(headers)? {
                new = new.header(&name, &value);
            }
        }
        if let Some(rate) = given(self.rate_limit) {
            new = new.rate_limit(rate_arg(py, rate)?);
        }
        if let Some(count) = args::optional("max_in_flight", self.max_in_flight)? {
            new = new.max_in_flight(count);
        }
        if let Some(timeout) = optional_duration(py, "timeout", self.timeout)? {
            new = new.timeout(timeout);
        }
        if let Some(tenant) = args::optional::<String>("tenant", self.tenant)? {
            new = new.tenant(&tenant);
        }
        if let Some(text) = args::optional::<String>("description", self.description)? {
            new = new.description(&text);
        }
        if let Some(any) = args::optional("any_event_type", self.any_event_type)? {
            new = new.any_event_type(any);
        }
        Ok(new)
    }
}

/// The arguments of `update_endpoint`, by name: each one given replaces that setting.
struct UpdateArgs<'a, 'py> {
    url: Option<&'a Bound<'py, PyAny>>,
    scheme: Option<&'a Bound<'py, PyAny>>,
    secret: Option<&'a Bound<'py, PyAny>>,
    events: Option<&'a Bound<'py, PyAny>>,
    retry: Option<&'a Bound<'py, PyAny>>,
    allow_private: Option<&'a Bound<'py, PyAny>>,
    filters: Option<&'a Bound<'py, PyAny>>,
    headers: Option<&'a Bound<'py, PyAny>>,
    rate_limit: Option<&'a Bound<'py, PyAny>>,
    max_in_flight: Option<&'a Bound<'py, PyAny>>,
    timeout: Option<&'a Bound<'py, PyAny>>,
    description: Option<&'a Bound<'py, PyAny>>,
    any_event_type: Option<&'a Bound<'py, PyAny>>,
}

impl UpdateArgs<'_, '_> {
    fn update(&self, py: Python<'_>) -> PyResult<EndpointUpdate> {
        let mut update = EndpointUpdate::default();
        if let Some(url) = args::optional::<String>("url", self.url)? {
            update = update.url(&url);
        }
        if let Some(scheme) = args::optional::<String>("scheme", self.scheme)? {
            update = update.scheme(&scheme);
        }
        if let Some(secret) = given(self.secret) {
            let secrets = secrets_arg(py, secret)?;
            update = update.secrets(secrets.iter().map(|s| s.as_str()));
        }
        if let Some(events) = args::optional::<Vec<String>>("events", self.events)? {
            update = update.events(events);
        }
        if let Some(retry) = given(self.retry) {
            update = update.retry(retry_arg(py, retry)?);
        }
        if let Some(allow) = args::optional("allow_private", self.allow_private)? {
            update = update.allow_private(allow);
        }
        if let Some(filters) = given(self.filters) {
            update = update.filters(filters_arg(py, filters)?);
        }
        if let Some(headers) = given(self.headers) {
            update = update.headers(headers_arg(headers)?);
        }
        // `False` removes the pacing; `None` (left out) keeps it.
        if let Some(rate) = given(self.rate_limit) {
            let removed = rate.is_instance_of::<PyBool>() && !rate.is_truthy()?;
            update = update.rate_limit(if removed { None } else { Some(rate_arg(py, rate)?) });
        }
        if let Some(count) = args::optional("max_in_flight", self.max_in_flight)? {
            update = update.max_in_flight(count);
        }
        if let Some(timeout) = optional_duration(py, "timeout", self.timeout)? {
            update = update.timeout(timeout);
        }
        if let Some(text) = args::optional::<String>("description", self.description)? {
            update = update.description(Some(&text).filter(|t| !t.is_empty()).map(|t| t.as_str()));
        }
        if let Some(any) = args::optional("any_event_type", self.any_event_type)? {
            update = update.any_event_type(any);
        }
        Ok(update)
    }
}

/// What a publish call sends: `data` (a dict or other JSON value) in the envelope of `dialect`,
/// or a body sent exactly (`bytes`, `bytearray`, `memoryview`, or a `str` as its UTF-8).
fn publish_arg(
    py: Python<'_>,
    event_type: &Bound<'_, PyAny>,
    data: &Bound<'_, PyAny>,
    idempotency_key: Option<&Bound<'_, PyAny>>,
    tenant: Option<&Bound<'_, PyAny>>,
    dialect: Option<&Bound<'_, PyAny>>,
) -> PyResult<Publish> {
    let event_type: String = args::arg("event_type", event_type)?;
    // The body rule of every binding: bytes-like or `str` (its UTF-8) is the exact body.
    let raw = data.is_instance_of::<PyBytes>()
        || data.is_instance_of::<PyByteArray>()
        || data.is_instance_of::<PyMemoryView>()
        || data.is_instance_of::<PyString>();
    let mut publish = if raw {
        Publish::raw(&event_type, crate::body_arg(py, "data", data)?.to_vec())
    } else {
        Publish::event(&event_type, json_arg(py, "data", data)?)
    };
    if let Some(key) = args::optional::<String>("idempotency_key", idempotency_key)? {
        publish = publish.idempotency_key(&key);
    }
    if let Some(tenant) = args::optional::<String>("tenant", tenant)? {
        publish = publish.tenant(&tenant);
    }
    Ok(publish.dialect(dialect_arg(py, dialect)?))
}

/// The deliveries a `deliveries(...)` call asks for.
#[allow(clippy::too_many_arguments)]
fn filter_arg(
    py: Python<'_>,
    status: Option<&Bound<'_, PyAny>>,
    endpoint: Option<&Bound<'_, PyAny>>,
    message: Option<&Bound<'_, PyAny>>,
    event_type: Option<&Bound<'_, PyAny>>,
    since: Option<&Bound<'_, PyAny>>,
    until: Option<&Bound<'_, PyAny>>,
    limit: Option<&Bound<'_, PyAny>>,
) -> PyResult<DeliveryFilter> {
    let mut filter = DeliveryFilter::default();
    if let Some(status) = args::optional::<String>("status", status)? {
        filter = filter.status(DeliveryStatus::from_name(&status).map_err(|err| raise(py, &err))?);
    }
    if let Some(endpoint) = given(endpoint) {
        filter = filter.endpoint(&endpoint_id(py, endpoint)?);
    }
    if let Some(message) = args::optional::<String>("message", message)? {
        filter = filter.message(&message);
    }
    if let Some(event_type) = args::optional::<String>("event_type", event_type)? {
        filter = filter.event_type(&event_type);
    }
    filter.since = given(since).map(|v| instant_arg(py, "since", v)).transpose()?;
    filter.until = given(until).map(|v| instant_arg(py, "until", v)).transpose()?;
    filter.limit = args::optional("limit", limit)?;
    Ok(filter)
}

impl PyOutbox {
    fn add_endpoint_call(
        &self,
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        a: EndpointArgs<'_, '_>,
    ) -> PyResult<Call<Endpoint>> {
        let new = a.new_endpoint(py, url)?;
        let outbox = self.outbox.clone();
        Ok(Call::new(async move { outbox.add_endpoint(new).await }, endpoint))
    }

    fn update_endpoint_call(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        a: UpdateArgs<'_, '_>,
    ) -> PyResult<Call<Endpoint>> {
        let (id, update) = (endpoint_id(py, id)?, a.update(py)?);
        let outbox = self.outbox.clone();
        Ok(Call::new(async move { outbox.update_endpoint(&id, update).await }, endpoint))
    }

    /// A call on one endpoint id.
    fn on_endpoint<T: Send + 'static, F>(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        convert: Convert<T>,
        call: impl FnOnce(Outbox, String) -> F,
    ) -> PyResult<Call<T>>
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let id = endpoint_id(py, id)?;
        Ok(Call::new(call(self.outbox.clone(), id), convert))
    }

    /// A call on one delivery id.
    fn on_delivery<T: Send + 'static, F>(
        &self,
        id: &Bound<'_, PyAny>,
        convert: Convert<T>,
        call: impl FnOnce(Outbox, String) -> F,
    ) -> PyResult<Call<T>>
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let id: String = args::arg("delivery_id", id)?;
        Ok(Call::new(call(self.outbox.clone(), id), convert))
    }

    fn recover_call(
        &self,
        py: Python<'_>,
        endpoint: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        dry_run: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call<Vec<String>>> {
        let id = endpoint_id(py, endpoint)?;
        let since = instant_arg(py, "since", since)?;
        let until = given(until).map(|v| instant_arg(py, "until", v)).transpose()?;
        let dry_run: bool = args::optional("dry_run", dry_run)?.unwrap_or(false);
        let outbox = self.outbox.clone();
        Ok(Call::new(
            async move { outbox.recover(&id, since, until.unwrap_or_else(UnixTime::now), dry_run).await },
            texts,
        ))
    }

    fn stop_call(
        &self,
        py: Python<'_>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call<Option<WorkerReport>>> {
        let deadline = optional_duration(py, "timeout", timeout)?.unwrap_or(Duration::from_secs(10));
        let handle =
            self.worker.lock().map_err(|_| raise(py, &internal("worker slot poisoned".into())))?.take();
        Ok(Call::new(
            async move {
                Ok(match handle {
                    Some(handle) => Some(handle.stop(deadline).await),
                    None => None,
                })
            },
            maybe_report,
        ))
    }

    fn run_until_idle_call(
        &self,
        py: Python<'_>,
        timeout: Option<&Bound<'_, PyAny>>,
        settings: WorkerSettings,
    ) -> PyResult<Call<WorkerReport>> {
        let timeout = optional_duration(py, "timeout", timeout)?.unwrap_or(Duration::from_secs(60));
        let builder = settings.builder(&self.outbox);
        Ok(Call::new(async move { builder.run_until_idle(timeout).await }, report))
    }
}

#[pymethods]
impl PyOutbox {
    /// Opens (creating when needed) the outbox at `url` and brings its schema up to date.
    /// `max_payload`: the largest body `publish` accepts, in bytes (default and most: 1 MiB).
    #[new]
    #[pyo3(signature = (url, max_payload = None))]
    fn new(py: Python<'_>, url: &Bound<'_, PyAny>, max_payload: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let url: String = args::arg("url", url)?;
        let max_payload: Option<usize> = args::optional("max_payload", max_payload)?;
        let open = async move {
            let outbox = Outbox::open(&url).await?;
            match max_payload {
                Some(bytes) => outbox.with_max_payload(bytes),
                None => Ok(outbox),
            }
        };
        let outbox = block(py, Guarded(Box::pin(open)))?;
        Ok(PyOutbox { outbox, worker: Mutex::new(None) })
    }

    /// The largest body `publish` accepts, in bytes.
    #[getter]
    fn max_payload(&self) -> usize {
        self.outbox.max_payload()
    }

    /// Adds an endpoint after checking it with the core (URL guard, scheme, secrets, patterns,
    /// headers, policy, rate). `allow_private`: loopback and private networks (127.0.0.1 in
    /// tests); without it they are `BlockedUrl`.
    #[pyo3(signature = (url, scheme = None, secret = None, events = None, retry = None, allow_private = None, *,
                        id = None, filters = None, headers = None, rate_limit = None, max_in_flight = None,
                        timeout = None, tenant = None, description = None, any_event_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_endpoint(
        &self,
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        scheme: Option<&Bound<'_, PyAny>>,
        secret: Option<&Bound<'_, PyAny>>,
        events: Option<&Bound<'_, PyAny>>,
        retry: Option<&Bound<'_, PyAny>>,
        allow_private: Option<&Bound<'_, PyAny>>,
        id: Option<&Bound<'_, PyAny>>,
        filters: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        max_in_flight: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        tenant: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        any_event_type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let a = EndpointArgs {
            scheme,
            secret,
            events,
            retry,
            allow_private,
            id,
            filters,
            headers,
            rate_limit,
            max_in_flight,
            timeout,
            tenant,
            description,
            any_event_type,
        };
        self.add_endpoint_call(py, url, a)?.wait(py)
    }

    /// `add_endpoint`, awaited.
    #[pyo3(signature = (url, scheme = None, secret = None, events = None, retry = None, allow_private = None, *,
                        id = None, filters = None, headers = None, rate_limit = None, max_in_flight = None,
                        timeout = None, tenant = None, description = None, any_event_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_endpoint_async<'py>(
        &self,
        py: Python<'py>,
        url: &Bound<'py, PyAny>,
        scheme: Option<&Bound<'py, PyAny>>,
        secret: Option<&Bound<'py, PyAny>>,
        events: Option<&Bound<'py, PyAny>>,
        retry: Option<&Bound<'py, PyAny>>,
        allow_private: Option<&Bound<'py, PyAny>>,
        id: Option<&Bound<'py, PyAny>>,
        filters: Option<&Bound<'py, PyAny>>,
        headers: Option<&Bound<'py, PyAny>>,
        rate_limit: Option<&Bound<'py, PyAny>>,
        max_in_flight: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
        tenant: Option<&Bound<'py, PyAny>>,
        description: Option<&Bound<'py, PyAny>>,
        any_event_type: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = EndpointArgs {
            scheme,
            secret,
            events,
            retry,
            allow_private,
            id,
            filters,
            headers,
            rate_limit,
            max_in_flight,
            timeout,
            tenant,
            description,
            any_event_type,
        };
        self.add_endpoint_call(py, url, a)?.awaitable(py)
    }

    /// Changes an endpoint: every argument given replaces that setting (`rate_limit=False`
    /// removes the pacing, `description=""` the note), checked like a new endpoint.
    #[pyo3(signature = (endpoint, *, url = None, scheme = None, secret = None, events = None, retry = None,
                        allow_private = None, filters = None, headers = None, rate_limit = None,
                        max_in_flight = None, timeout = None, description = None, any_event_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_endpoint(
        &self,
        py: Python<'_>,
        endpoint: &Bound<'_, PyAny>,
        url: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        secret: Option<&Bound<'_, PyAny>>,
        events: Option<&Bound<'_, PyAny>>,
        retry: Option<&Bound<'_, PyAny>>,
        allow_private: Option<&Bound<'_, PyAny>>,
        filters: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        max_in_flight: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        any_event_type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let a = UpdateArgs {
            url,
            scheme,
            secret,
            events,
            retry,
            allow_private,
            filters,
            headers,
            rate_limit,
            max_in_flight,
            timeout,
            description,
            any_event_type,
        };
        self.update_endpoint_call(py, endpoint, a)?.wait(py)
    }

    /// `update_endpoint`, awaited.
    #[pyo3(signature = (endpoint, *, url = None, scheme = None, secret = None, events = None, retry = None,
                        allow_private = None, filters = None, headers = None, rate_limit = None,
                        max_in_flight = None, timeout = None, description = None, any_event_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_endpoint_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
        url: Option<&Bound<'py, PyAny>>,
        scheme: Option<&Bound<'py, PyAny>>,
        secret: Option<&Bound<'py, PyAny>>,
        events: Option<&Bound<'py, PyAny>>,
        retry: Option<&Bound<'py, PyAny>>,
        allow_private: Option<&Bound<'py, PyAny>>,
        filters: Option<&Bound<'py, PyAny>>,
        headers: Option<&Bound<'py, PyAny>>,
        rate_limit: Option<&Bound<'py, PyAny>>,
        max_in_flight: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
        description: Option<&Bound<'py, PyAny>>,
        any_event_type: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = UpdateArgs {
            url,
            scheme,
            secret,
            events,
            retry,
            allow_private,
            filters,
            headers,
            rate_limit,
            max_in_flight,
            timeout,
            description,
            any_event_type,
        };
        self.update_endpoint_call(py, endpoint, a)?.awaitable(py)
    }

    /// Removes an endpoint with its deliveries and their attempts.
    fn delete_endpoint(&self, py: Python<'_>, endpoint: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_endpoint(py, endpoint, none, |o, id| async move { o.delete_endpoint(&id).await })?.wait(py)
    }

    /// `delete_endpoint`, awaited.
    fn delete_endpoint_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_endpoint(py, endpoint, none, |o, id| async move { o.delete_endpoint(&id).await })?
            .awaitable(py)
    }

    /// One endpoint (`NotFound` when there is none).
    fn endpoint(&self, py: Python<'_>, endpoint: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.endpoint(&id).await })?.wait(py)
    }

    /// `endpoint`, awaited.
    fn endpoint_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.endpoint(&id).await })?
            .awaitable(py)
    }

    /// Every endpoint, oldest first.
    fn endpoints(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.endpoints().await }, endpoints).wait(py)
    }

    /// `endpoints`, awaited.
    fn endpoints_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.endpoints().await }, endpoints).awaitable(py)
    }

    /// Enables an endpoint again with a clean health record (its failed deliveries stay
    /// failed: `recover` sends them again).
    fn enable_endpoint(&self, py: Python<'_>, endpoint: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.enable_endpoint(&id).await })?
            .wait(py)
    }

    /// `enable_endpoint`, awaited.
    fn enable_endpoint_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.enable_endpoint(&id).await })?
            .awaitable(py)
    }

    /// Disables an endpoint by hand; its pending and retrying deliveries fail.
    fn disable_endpoint(&self, py: Python<'_>, endpoint: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.disable_endpoint(&id).await })?
            .wait(py)
    }

    /// `disable_endpoint`, awaited.
    fn disable_endpoint_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_endpoint(py, endpoint, self::endpoint, |o, id| async move { o.disable_endpoint(&id).await })?
            .awaitable(py)
    }

    /// Stores a message and one delivery per matching endpoint, in one transaction; returns the
    /// message id (the webhook id receivers see on every attempt). `data`: a dict (the event's
    /// data, wrapped in `dialect`'s envelope, native by default) or bytes (sent exactly).
    #[pyo3(signature = (event_type, data, idempotency_key = None, *, tenant = None, dialect = None))]
    fn publish(
        &self,
        py: Python<'_>,
        event_type: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
        idempotency_key: Option<&Bound<'_, PyAny>>,
        tenant: Option<&Bound<'_, PyAny>>,
        dialect: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let publish = publish_arg(py, event_type, data, idempotency_key, tenant, dialect)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.publish(publish).await.map(|p| p.message_id) }, text).wait(py)
    }

    /// `publish`, awaited (in a FastAPI handler: `await outbox.publish_async(...)`).
    #[pyo3(signature = (event_type, data, idempotency_key = None, *, tenant = None, dialect = None))]
    fn publish_async<'py>(
        &self,
        py: Python<'py>,
        event_type: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        idempotency_key: Option<&Bound<'py, PyAny>>,
        tenant: Option<&Bound<'py, PyAny>>,
        dialect: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let publish = publish_arg(py, event_type, data, idempotency_key, tenant, dialect)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.publish(publish).await.map(|p| p.message_id) }, text).awaitable(py)
    }

    /// Deliveries, newest first, narrowed by every argument given.
    #[pyo3(signature = (status = None, endpoint = None, *, message = None, event_type = None, since = None,
                        until = None, limit = None))]
    #[allow(clippy::too_many_arguments)]
    fn deliveries(
        &self,
        py: Python<'_>,
        status: Option<&Bound<'_, PyAny>>,
        endpoint: Option<&Bound<'_, PyAny>>,
        message: Option<&Bound<'_, PyAny>>,
        event_type: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let filter = filter_arg(py, status, endpoint, message, event_type, since, until, limit)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.deliveries(filter).await }, deliveries).wait(py)
    }

    /// `deliveries`, awaited.
    #[pyo3(signature = (status = None, endpoint = None, *, message = None, event_type = None, since = None,
                        until = None, limit = None))]
    #[allow(clippy::too_many_arguments)]
    fn deliveries_async<'py>(
        &self,
        py: Python<'py>,
        status: Option<&Bound<'py, PyAny>>,
        endpoint: Option<&Bound<'py, PyAny>>,
        message: Option<&Bound<'py, PyAny>>,
        event_type: Option<&Bound<'py, PyAny>>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = filter_arg(py, status, endpoint, message, event_type, since, until, limit)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.deliveries(filter).await }, deliveries).awaitable(py)
    }

    /// One delivery.
    fn delivery(&self, py: Python<'_>, delivery_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.delivery(&id).await })?.wait(py)
    }

    /// `delivery`, awaited.
    fn delivery_async<'py>(
        &self,
        py: Python<'py>,
        delivery_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.delivery(&id).await })?
            .awaitable(py)
    }

    /// A delivery's attempts, oldest first.
    fn attempts(&self, py: Python<'_>, delivery_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_delivery(delivery_id, self::attempts, |o, id| async move { o.attempts(&id).await })?.wait(py)
    }

    /// `attempts`, awaited.
    fn attempts_async<'py>(
        &self,
        py: Python<'py>,
        delivery_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_delivery(delivery_id, self::attempts, |o, id| async move { o.attempts(&id).await })?
            .awaitable(py)
    }

    /// One message, with its exact body.
    fn message(&self, py: Python<'_>, message_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let id: String = args::arg("message_id", message_id)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.message(&id).await }, message).wait(py)
    }

    /// `message`, awaited.
    fn message_async<'py>(
        &self,
        py: Python<'py>,
        message_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id: String = args::arg("message_id", message_id)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.message(&id).await }, message).awaitable(py)
    }

    /// Retries a delivery now: a pending or retrying one is made due at once; a failed or
    /// cancelled one gets one manual attempt. `InvalidState` when it succeeded (use `resend`),
    /// is being attempted right now, or its endpoint is disabled.
    fn retry(&self, py: Python<'_>, delivery_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.retry(&id).await })?.wait(py)
    }

    /// `retry`, awaited.
    fn retry_async<'py>(
        &self,
        py: Python<'py>,
        delivery_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.retry(&id).await })?
            .awaitable(py)
    }

    /// Cancels a pending or retrying delivery.
    fn cancel(&self, py: Python<'_>, delivery_id: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.cancel(&id).await })?.wait(py)
    }

    /// `cancel`, awaited.
    fn cancel_async<'py>(
        &self,
        py: Python<'py>,
        delivery_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.on_delivery(delivery_id, self::delivery, |o, id| async move { o.cancel(&id).await })?
            .awaitable(py)
    }

    /// Sends a message to an endpoint again, same webhook id, on a fresh run of its policy.
    fn resend(
        &self,
        py: Python<'_>,
        message_id: &Bound<'_, PyAny>,
        endpoint: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let message: String = args::arg("message_id", message_id)?;
        self.on_endpoint(py, endpoint, self::delivery, |o, id| async move { o.resend(&message, &id).await })?
            .wait(py)
    }

    /// `resend`, awaited.
    fn resend_async<'py>(
        &self,
        py: Python<'py>,
        message_id: &Bound<'py, PyAny>,
        endpoint: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let message: String = args::arg("message_id", message_id)?;
        self.on_endpoint(py, endpoint, self::delivery, |o, id| async move { o.resend(&message, &id).await })?
            .awaitable(py)
    }

    /// Sends an endpoint's failed deliveries created from `since` until `until` (default now)
    /// again, each on a fresh run; with `dry_run=True` only lists them. Returns the ids.
    #[pyo3(signature = (endpoint, since, until = None, dry_run = None))]
    fn recover(
        &self,
        py: Python<'_>,
        endpoint: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        dry_run: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.recover_call(py, endpoint, since, until, dry_run)?.wait(py)
    }

    /// `recover`, awaited.
    #[pyo3(signature = (endpoint, since, until = None, dry_run = None))]
    fn recover_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
        since: &Bound<'py, PyAny>,
        until: Option<&Bound<'py, PyAny>>,
        dry_run: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.recover_call(py, endpoint, since, until, dry_run)?.awaitable(py)
    }

    /// Sends one endpoint the catalog's sample of `event_type`, in the envelope its receivers
    /// read (its scheme's dialect); returns the delivery.
    fn send_test_event(
        &self,
        py: Python<'_>,
        endpoint: &Bound<'_, PyAny>,
        event_type: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let event_type: String = args::arg("event_type", event_type)?;
        self.on_endpoint(py, endpoint, self::delivery, |o, id| async move {
            o.send_test_event(&id, &event_type).await
        })?
        .wait(py)
    }

    /// `send_test_event`, awaited.
    fn send_test_event_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &Bound<'py, PyAny>,
        event_type: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let event_type: String = args::arg("event_type", event_type)?;
        self.on_endpoint(py, endpoint, self::delivery, |o, id| async move {
            o.send_test_event(&id, &event_type).await
        })?
        .awaitable(py)
    }

    /// Per-endpoint statistics.
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.stats().await }, stats).wait(py)
    }

    /// `stats`, awaited.
    fn stats_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.stats().await }, stats).awaitable(py)
    }

    /// The metrics snapshot: delivered, failed, retried, queue depth, due now, oldest due.
    fn metrics(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.metrics().await }, metrics).wait(py)
    }

    /// `metrics`, awaited.
    fn metrics_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.metrics().await }, metrics).awaitable(py)
    }

    /// Deliveries pending or retrying.
    fn queue_depth(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.queue_depth().await }, count).wait(py)
    }

    /// `queue_depth`, awaited.
    fn queue_depth_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.queue_depth().await }, count).awaitable(py)
    }

    /// Removes deliveries final for longer than `older_than` (seconds or a `timedelta`), their
    /// attempts, and messages left without deliveries.
    fn purge(&self, py: Python<'_>, older_than: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let older_than = duration_arg(py, "older_than", older_than)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.purge(older_than).await }, purged).wait(py)
    }

    /// `purge`, awaited.
    fn purge_async<'py>(
        &self,
        py: Python<'py>,
        older_than: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let older_than = duration_arg(py, "older_than", older_than)?;
        let outbox = self.outbox.clone();
        Call::new(async move { outbox.purge(older_than).await }, purged).awaitable(py)
    }

    /// Starts the background worker on the outbox's threads (at most `concurrency` requests in
    /// flight; `lease`: how long a crashed process's deliveries wait for another worker).
    /// `InvalidState` when this outbox's worker is already running.
    #[pyo3(signature = (concurrency = None, lease = None, poll_interval = None))]
    fn start(
        &self,
        py: Python<'_>,
        concurrency: Option<&Bound<'_, PyAny>>,
        lease: Option<&Bound<'_, PyAny>>,
        poll_interval: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let settings = WorkerSettings::read(py, concurrency, lease, poll_interval)?;
        let runtime = runtime().map_err(|err| raise(py, &err))?;
        let mut slot = self.worker.lock().map_err(|_| raise(py, &internal("worker slot poisoned".into())))?;
        if slot.as_ref().is_some_and(|worker| !worker.is_finished()) {
            let reason = "this outbox's worker is running: stop() it first";
            return Err(crate::raise(py, &hookwire::Error::InvalidState { reason: reason.into() }));
        }
        let builder = settings.builder(&self.outbox);
        let handle = py.detach(|| builder.spawn(runtime.handle())).map_err(|err| raise(py, &err))?;
        *slot = Some(handle);
        Ok(())
    }

    /// Whether the background worker is running.
    #[getter]
    fn running(&self) -> bool {
        self.worker.lock().map(|slot| slot.as_ref().is_some_and(|w| !w.is_finished())).unwrap_or(false)
    }

    /// Stops the background worker: no new claims, requests in flight finish for up to
    /// `timeout` (seconds or a `timedelta`, default 10), the rest are given back. Returns what
    /// it did, or `None` when no worker was running.
    #[pyo3(signature = (timeout = None))]
    fn stop(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.stop_call(py, timeout)?.wait(py)
    }

    /// `stop`, awaited (in an application's shutdown hook).
    #[pyo3(signature = (timeout = None))]
    fn stop_async<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.stop_call(py, timeout)?.awaitable(py)
    }

    /// Runs a worker until every delivery is final (scheduled retries included), then stops
    /// it: for scripts and tests. `Timeout` when `timeout` (seconds or a `timedelta`, default
    /// 60) passes first.
    #[pyo3(signature = (timeout = None, concurrency = None, lease = None, poll_interval = None))]
    fn run_until_idle(
        &self,
        py: Python<'_>,
        timeout: Option<&Bound<'_, PyAny>>,
        concurrency: Option<&Bound<'_, PyAny>>,
        lease: Option<&Bound<'_, PyAny>>,
        poll_interval: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let settings = WorkerSettings::read(py, concurrency, lease, poll_interval)?;
        self.run_until_idle_call(py, timeout, settings)?.wait(py)
    }

    /// `run_until_idle`, awaited.
    #[pyo3(signature = (timeout = None, concurrency = None, lease = None, poll_interval = None))]
    fn run_until_idle_async<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
        concurrency: Option<&Bound<'py, PyAny>>,
        lease: Option<&Bound<'py, PyAny>>,
        poll_interval: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let settings = WorkerSettings::read(py, concurrency, lease, poll_interval)?;
        self.run_until_idle_call(py, timeout, settings)?.awaitable(py)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.outbox)
    }
}

/// Registers the outbox's classes and its error codes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyOutbox>()?;
    m.add_class::<PyEndpointRecord>()?;
    m.add_class::<PyDeliveryRecord>()?;
    m.add_class::<PyAttemptRecord>()?;
    m.add_class::<PyMessageRecord>()?;
    m.add_class::<PyEndpointRecordStats>()?;
    m.add_class::<PyOutboxMetrics>()?;
    m.add_class::<PyWorkerReport>()?;
    m.add_class::<PyPurged>()?;
    m.add("OUTBOX_ERROR_CODES", Error::CODES.to_vec())?;
    Ok(())
}
