//! The sender side: endpoints, subscriptions, retry policies, outcomes, deliveries, the
//! scheduler, endpoint health and the URL guard. Instants are aware `datetime`s and spans
//! `timedelta`s (or seconds), converted at this edge (`crate::time`); the core's are
//! `UnixTime` and `Duration`.

use std::net::IpAddr;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use hookwire::{
    Decision, Delivery, EndpointHealth, Failure, HealthPolicy, Jitter, Outcome, OutgoingMessage, RateLimit,
    RetryPolicy, Scheduler, UnixTime, UrlGuard,
};

use crate::args::{arg, frozen, not_constructible, optional};
use crate::outbox::json_out;
use crate::time::{duration_arg, instant, instant_arg, maybe_instant, maybe_span, optional_duration, span};
use crate::{argument, body_arg, body_bytes, header_map, raise, run, secrets, PyEvent};

/// Which events go to an endpoint: type patterns (`order.created`, `order.*`, `*`), data
/// filters, on or off. Routing only: where and how they are sent is the `Endpoint`'s.
#[pyclass(frozen, name = "Subscription", module = "hookwire")]
#[derive(Clone)]
pub struct PySubscription(hookwire::Subscription);

/// Data filters from a `dict` of field → value (JSON equality), written by `json.dumps`.
fn filters_arg(py: Python<'_>, filters: &Bound<'_, PyDict>) -> PyResult<Vec<(String, serde_json::Value)>> {
    let dumps = py.import("json")?.getattr("dumps")?;
    let mut out = Vec::with_capacity(filters.len());
    for (field, value) in filters.iter() {
        let field: String = arg("filters", &field)?;
        // What `json.dumps` cannot write (a set, a cycle, nesting deeper than Python recurses,
        // an int too long for text) is a bad filter, said with the field.
        let text: String = dumps.call1((value,)).and_then(|text| text.extract()).map_err(|e| {
            raise(py, &argument("filters", format!("the value of `{field}` is not JSON: {}", e.value(py))))
        })?;
        let value = run(py, || {
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|_| argument("filters", format!("the value of `{field}` is not JSON")))
        })?;
        out.push((field, value));
    }
    Ok(out)
}

#[pymethods]
impl PySubscription {
    #[new]
    #[pyo3(signature = (patterns = None, filters = None, active = None))]
    fn new(
        py: Python<'_>,
        patterns: Option<&Bound<'_, PyAny>>,
        filters: Option<&Bound<'_, PyAny>>,
        active: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let patterns: Vec<String> = optional("patterns", patterns)?.unwrap_or_else(|| vec!["*".to_owned()]);
        let filters: Option<Bound<'_, PyDict>> = optional("filters", filters)?;
        let active: bool = optional("active", active)?.unwrap_or(true);
        let mut subscription = run(py, || hookwire::Subscription::new(&patterns))?.with_active(active);
        if let Some(filters) = filters {
            for (field, value) in filters_arg(py, &filters)? {
                subscription = subscription.with_filter(&field, value);
            }
        }
        Ok(PySubscription(subscription))
    }

    /// Whether `event` goes to this subscription: active, a type pattern, every data filter.
    fn matches(&self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.matches(&frozen::<PyEvent>("event", event)?.get().0))
    }

    /// Whether a pattern matches `event_type` (filters and the active flag aside).
    fn matches_type(&self, event_type: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.matches_type(&arg::<String>("event_type", event_type)?))
    }

    #[getter]
    fn patterns(&self) -> Vec<String> {
        self.0.patterns().iter().map(ToString::to_string).collect()
    }

    /// The data filters: field → value.
    #[getter]
    fn filters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (field, value) in self.0.filters() {
            out.set_item(field, json_out(py, value)?)?;
        }
        Ok(out)
    }

    /// Whether delivery is on.
    #[getter]
    fn active(&self) -> bool {
        self.0.active()
    }

    fn __repr__(&self) -> String {
        format!(
            "Subscription(patterns={:?}, active={})",
            self.patterns(),
            if self.0.active() { "True" } else { "False" }
        )
    }
}

/// A retry policy argument: a `RetryPolicy`, or a preset's name (`RETRY_POLICIES`).
fn retry_policy_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<RetryPolicy> {
    if let Ok(policy) = value.cast::<PyRetryPolicy>() {
        return Ok(policy.get().0.clone());
    }
    if value.is_instance_of::<PyString>() {
        let name: String = arg("retry", value)?;
        return run(py, || RetryPolicy::from_name(&name));
    }
    let got = crate::args::type_name(value);
    Err(raise(py, &argument("retry", format!("must be a hookwire.RetryPolicy or a preset name, got {got}"))))
}

/// A rate limit argument: `(capacity, period)`, the period a `timedelta` or seconds.
fn rate_limit_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<RateLimit> {
    let pair = value.cast::<PyTuple>().ok().filter(|t| t.len() == 2).ok_or_else(|| {
        let got = crate::args::type_name(value);
        raise(py, &argument("rate_limit", format!("must be (capacity, period), got {got}")))
    })?;
    let capacity: u32 = arg("rate_limit", &pair.get_item(0)?)?;
    let period = duration_arg(py, "rate_limit", &pair.get_item(1)?)?;
    run(py, || RateLimit::new(capacity, period))
}

/// Where webhooks go and how: the core's `Endpoint` (URL, scheme and every secret, its
/// subscription, custom headers, retry policy, timeout, pace, largest body, URL guard).
/// `request(...)` builds each attempt's signed request; send it with any HTTP client.
#[pyclass(frozen, name = "Endpoint", module = "hookwire")]
pub struct PyEndpoint(hookwire::Endpoint);

#[pymethods]
impl PyEndpoint {
    /// `secret`: one secret or a list (each signs: rotation without downtime); `retry`: a
    /// `RetryPolicy` or a preset name; `timeout` and the period of `rate_limit=(capacity,
    /// period)`: `timedelta`s or seconds; `allow_private`: an internal receiver on purpose
    /// (loopback, private networks), refused otherwise.
    #[new]
    #[pyo3(signature = (
        url, secret, scheme = None, subscription = None, retry = None, headers = None, timeout = None,
        rate_limit = None, max_payload = None, allow_private = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        secret: &Bound<'_, PyAny>,
        scheme: Option<&Bound<'_, PyAny>>,
        subscription: Option<&Bound<'_, PyAny>>,
        retry: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        max_payload: Option<&Bound<'_, PyAny>>,
        allow_private: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url: String = arg("url", url)?;
        let scheme: String = optional("scheme", scheme)?.unwrap_or_else(|| "hookwire".into());
        let subscription = subscription
            .filter(|s| !s.is_none())
            .map(|s| frozen::<PySubscription>("subscription", s).map(|s| s.get().0.clone()))
            .transpose()?;
        let retry = retry.filter(|r| !r.is_none()).map(|r| retry_policy_arg(py, r)).transpose()?;
        let headers: Option<Bound<'_, PyDict>> = optional("headers", headers)?;
        let timeout = optional_duration(py, "timeout", timeout)?;
        let rate_limit = rate_limit.filter(|r| !r.is_none()).map(|r| rate_limit_arg(py, r)).transpose()?;
        let max_payload: Option<usize> = optional("max_payload", max_payload)?;
        let allow_private: bool = optional("allow_private", allow_private)?.unwrap_or(false);
        let scheme = run(py, || hookwire::Scheme::from_name(&scheme))?;
        let secrets = secrets(py, secret)?;
        let mut endpoint = run(py, || hookwire::Endpoint::new(&url, scheme, secrets))?;
        if let Some(subscription) = subscription {
            endpoint = endpoint.with_subscription(subscription);
        }
        if let Some(retry) = retry {
            endpoint = endpoint.with_retry_policy(retry);
        }
        if let Some(headers) = headers {
            for (name, value) in headers.iter() {
                let (name, value): (String, String) = (arg("headers", &name)?, arg("headers", &value)?);
                endpoint = run(py, || endpoint.with_header(&name, &value))?;
            }
        }
        if let Some(timeout) = timeout {
            endpoint = run(py, || endpoint.with_timeout(timeout))?;
        }
        if let Some(rate) = rate_limit {
            endpoint = endpoint.with_rate_limit(rate);
        }
        if let Some(bytes) = max_payload {
            endpoint = endpoint.with_max_payload(bytes);
        }
        if allow_private {
            endpoint = endpoint.with_url_guard(UrlGuard::allowing_private_networks());
        }
        Ok(PyEndpoint(endpoint))
    }

    /// The request of one attempt of message `msg_id`: `POST` to the URL with `body` (bytes or
    /// `str`, sent as its UTF-8), signed at `now` (an aware `datetime`; default: the clock) with
    /// every secret, with the endpoint's headers and the scheme's. Call it for every attempt
    /// (a fresh timestamp, the same id). Raises `PayloadTooLarge`, `BlockedUrl` (the URL
    /// judged by the endpoint's guard) and `InvalidArgument`.
    #[pyo3(signature = (body, msg_id, event_type = None, now = None))]
    fn request(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        msg_id: &Bound<'_, PyAny>,
        event_type: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRequest> {
        let msg_id: String = arg("msg_id", msg_id)?;
        let event_type: Option<String> = optional("event_type", event_type)?;
        let now = match now.filter(|now| !now.is_none()) {
            Some(now) => instant_arg(py, "now", now)?,
            None => UnixTime::now(),
        };
        let body = body_bytes(py, body)?;
        let mut message = OutgoingMessage::new(msg_id, body.to_vec());
        if let Some(event_type) = event_type {
            message = message.with_event_type(event_type);
        }
        let request = run(py, || self.0.request(&message, now))?;
        let headers = PyDict::new(py);
        for name in request.headers().keys() {
            // A name sent twice is one field whose values are joined (RFC 9110, 5.3).
            let values: Vec<String> = request
                .headers()
                .get_all(name)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            headers.set_item(name.as_str(), values.join(", "))?;
        }
        Ok(PyRequest {
            method: request.method().as_str().to_owned(),
            url: request.uri().to_string(),
            headers: headers.unbind(),
            body: PyBytes::new(py, request.body()).unbind(),
        })
    }

    /// Whether `event` goes to this endpoint (its subscription).
    fn matches(&self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.subscription().matches(&frozen::<PyEvent>("event", event)?.get().0))
    }

    #[getter]
    fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// The scheme's name.
    #[getter]
    fn scheme(&self) -> String {
        self.0.signer().scheme().name().to_owned()
    }

    #[getter]
    fn subscription(&self) -> PySubscription {
        PySubscription(self.0.subscription().clone())
    }

    /// The custom headers: name → value.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (name, value) in self.0.headers() {
            out.set_item(name.as_str(), String::from_utf8_lossy(value.as_bytes()))?;
        }
        Ok(out)
    }

    #[getter]
    fn retry_policy(&self) -> PyRetryPolicy {
        PyRetryPolicy(self.0.retry_policy().clone())
    }

    /// How long the receiver has to answer (a `timedelta`).
    #[getter]
    fn timeout(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        span(py, self.0.timeout())
    }

    /// `(capacity, period)` or `None`.
    #[getter]
    fn rate_limit(&self, py: Python<'_>) -> PyResult<Option<(u32, Py<PyAny>)>> {
        self.0.rate_limit().map(|rate| Ok((rate.capacity(), span(py, rate.period())?))).transpose()
    }

    /// The largest body sent, in bytes.
    #[getter]
    fn max_payload(&self) -> usize {
        self.0.max_payload()
    }

    /// The guard the requests pass: check the addresses you resolve the host to with it.
    #[getter]
    fn url_guard(&self) -> PyUrlGuard {
        PyUrlGuard(self.0.url_guard().clone())
    }

    fn __repr__(&self) -> String {
        format!("Endpoint(url={:?}, scheme={:?})", self.0.url().to_string(), self.scheme())
    }
}

/// One attempt's HTTP request, as `Endpoint.request(...)` built it: send `body` to `url` with
/// `headers` (`method` is always `POST`), and never follow redirects.
#[pyclass(frozen, name = "Request", module = "hookwire", get_all)]
pub struct PyRequest {
    method: String,
    url: String,
    headers: Py<PyDict>,
    body: Py<PyBytes>,
}

#[pymethods]
impl PyRequest {
    /// Not made with `Request(...)`: Endpoint.request(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Request", "Endpoint.request(...) returns it"))
    }

    fn __repr__(&self) -> String {
        format!("Request({} {:?})", self.method, self.url)
    }
}

/// What came of one attempt: a response (status, headers, elapsed) or a transport failure.
#[pyclass(frozen, name = "Outcome", module = "hookwire")]
pub struct PyOutcome(Outcome);

fn elapsed_arg(py: Python<'_>, elapsed: Option<&Bound<'_, PyAny>>) -> PyResult<Duration> {
    Ok(optional_duration(py, "elapsed", elapsed)?.unwrap_or_default())
}

#[pymethods]
impl PyOutcome {
    /// Not made with `Outcome(...)`: use Outcome.response(...) or Outcome.transport(...).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Outcome", "use Outcome.response(...) or Outcome.transport(...)"))
    }

    /// A response: `status`, its headers (`Retry-After`, `webhook-delivery` are read), and how
    /// long the attempt took (a `timedelta`, or seconds: httpx's `response.elapsed` as is).
    #[staticmethod]
    #[pyo3(signature = (status, headers = None, elapsed = None))]
    fn response(
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        elapsed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let status: u16 = arg("status", status)?;
        let elapsed = elapsed_arg(py, elapsed)?;
        let headers = match headers.filter(|h| !h.is_none()) {
            Some(headers) => header_map(py, headers, None)?,
            None => http::HeaderMap::new(),
        };
        Ok(PyOutcome(Outcome::from_response(status, &headers, elapsed)))
    }

    /// No response: `failure` is a `FailureKind` (`timeout`, `connect`, `tls`, `dns`, `blocked`,
    /// `invalid_request` or `other`).
    #[staticmethod]
    #[pyo3(signature = (failure, elapsed = None))]
    fn transport(
        py: Python<'_>,
        failure: &Bound<'_, PyAny>,
        elapsed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let failure: String = arg("failure", failure)?;
        let elapsed = elapsed_arg(py, elapsed)?;
        let failure = run(py, || Failure::from_name(&failure))?;
        Ok(PyOutcome(Outcome::transport(failure, elapsed)))
    }

    /// `success`, `retryable`, `throttled`, `permanent`, `endpoint_gone`, `aborted` or
    /// `disable_requested`.
    #[getter]
    fn outcome_class(&self) -> &'static str {
        self.0.class().name()
    }

    #[getter]
    fn status(&self) -> Option<u16> {
        self.0.status()
    }

    #[getter]
    fn failure(&self) -> Option<&'static str> {
        self.0.failure().map(Failure::name)
    }

    #[getter]
    fn is_success(&self) -> bool {
        self.0.is_success()
    }

    /// How long the attempt took (a `timedelta`).
    #[getter]
    fn elapsed(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        span(py, self.0.elapsed())
    }

    #[getter]
    fn disables_endpoint(&self) -> bool {
        self.0.disables_endpoint()
    }

    fn __repr__(&self) -> String {
        format!("Outcome({}, status={:?})", self.0.class().name(), self.0.status())
    }
}

/// What to do after an attempt: `action` is `done`, `retry` (at `at`, `delay` from now) or
/// `give_up` (for `reason`).
#[pyclass(frozen, name = "Decision", module = "hookwire")]
pub struct PyDecision(Decision);

#[pymethods]
impl PyDecision {
    /// Not made with `Decision(...)`: RetryPolicy.next(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Decision", "RetryPolicy.next(...) returns it"))
    }

    #[getter]
    fn action(&self) -> &'static str {
        self.0.name()
    }
    /// When to try again (an aware `datetime`), for `retry`.
    #[getter]
    fn at(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_instant(py, self.0.at())
    }
    /// How long from now (a `timedelta`), for `retry`.
    #[getter]
    fn delay(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_span(py, self.0.delay())
    }
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.0.reason().map(|r| r.name())
    }
    fn __repr__(&self) -> String {
        match self.0 {
            Decision::Done => "Decision(done)".to_owned(),
            Decision::Retry { at, delay } => format!("Decision(retry, at={at}, delay={delay:?})"),
            Decision::GiveUp { reason } => format!("Decision(give_up, reason={})", reason.name()),
            _ => format!("Decision({})", self.0.name()),
        }
    }
}

/// When to try a failed delivery again: a preset (`RETRY_POLICIES`), a table of delays or
/// exponential backoff, with jitter.
#[pyclass(frozen, name = "RetryPolicy", module = "hookwire")]
pub struct PyRetryPolicy(pub(crate) RetryPolicy);

#[pymethods]
impl PyRetryPolicy {
    /// Not made with `RetryPolicy(...)`: use RetryPolicy.from_name(...), .table(...) or .exponential(...).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(
            _args.py(),
            "RetryPolicy",
            "use RetryPolicy.from_name(...), .table(...) or .exponential(...)",
        ))
    }

    /// A preset: `standard-webhooks`, `svix`, `ops-center`, `webnet`, `homechef`, `auraconnect`.
    #[staticmethod]
    fn from_name(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name: String = arg("name", name)?;
        run(py, || RetryPolicy::from_name(&name)).map(PyRetryPolicy)
    }

    /// A delay table (`timedelta`s or seconds): the first entry is the first attempt's delay
    /// (usually 0), each further entry one retry.
    #[staticmethod]
    fn table(py: Python<'_>, name: &Bound<'_, PyAny>, delays: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name: String = arg("name", name)?;
        let delays = crate::time::durations_arg(py, "delays", delays)?;
        run(py, || RetryPolicy::table(name, delays)).map(PyRetryPolicy)
    }

    /// Delays of `initial` × `factor`^n, at most `cap` (`timedelta`s or seconds);
    /// `max_attempts` attempts in all.
    #[staticmethod]
    fn exponential(
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        initial: &Bound<'_, PyAny>,
        factor: &Bound<'_, PyAny>,
        cap: &Bound<'_, PyAny>,
        max_attempts: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let name: String = arg("name", name)?;
        let initial = duration_arg(py, "initial", initial)?;
        let factor: f64 = arg("factor", factor)?;
        let cap = duration_arg(py, "cap", cap)?;
        let max_attempts: u32 = arg("max_attempts", max_attempts)?;
        run(py, || RetryPolicy::exponential(name, initial, factor, cap, max_attempts)).map(PyRetryPolicy)
    }

    /// This policy with `kind` jitter (`none`, `proportional` ± `fraction`, `full`,
    /// `decorrelated`).
    #[pyo3(signature = (kind, fraction = None))]
    fn with_jitter(
        &self,
        py: Python<'_>,
        kind: &Bound<'_, PyAny>,
        fraction: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let kind: String = arg("kind", kind)?;
        let fraction: f64 = optional("fraction", fraction)?.unwrap_or(0.0);
        run(py, || self.0.clone().with_jitter(Jitter::from_name(&kind, fraction)?)).map(PyRetryPolicy)
    }

    /// This policy with a fixed jitter seed (the same seed, message and times: the same delays).
    fn with_seed(&self, seed: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyRetryPolicy(self.0.clone().with_seed(arg("seed", seed)?)))
    }

    /// This policy with at most `max_attempts` attempts, the first included.
    fn with_max_attempts(&self, py: Python<'_>, max_attempts: &Bound<'_, PyAny>) -> PyResult<Self> {
        let max_attempts: u32 = arg("max_attempts", max_attempts)?;
        run(py, || self.0.clone().with_max_attempts(max_attempts)).map(PyRetryPolicy)
    }

    /// This policy giving up once the first attempt is `max_age` old (a `timedelta` or
    /// seconds).
    fn with_max_age(&self, py: Python<'_>, max_age: &Bound<'_, PyAny>) -> PyResult<Self> {
        let max_age = duration_arg(py, "max_age", max_age)?;
        run(py, || self.0.clone().with_max_age(max_age)).map(PyRetryPolicy)
    }

    #[getter]
    fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// Attempts in all, the first included.
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.0.max_attempts()
    }

    /// No retry later than this after the first attempt (a `timedelta`), or `None`.
    #[getter]
    fn max_age(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_span(py, self.0.max_age())
    }

    /// The nominal delay before each attempt (`timedelta`s), the first (0) included; no
    /// jitter.
    fn schedule(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        self.0.schedule().into_iter().map(|delay| span(py, delay)).collect()
    }

    /// What to do after attempt number `attempt` (1 = the first) ended at `now` with
    /// `outcome`; the delivery's first attempt was at `first_attempt_at` (aware `datetime`s).
    fn next(
        &self,
        py: Python<'_>,
        attempt: &Bound<'_, PyAny>,
        first_attempt_at: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        outcome: &Bound<'_, PyAny>,
    ) -> PyResult<PyDecision> {
        let attempt: u32 = arg("attempt", attempt)?;
        let first_attempt_at = instant_arg(py, "first_attempt_at", first_attempt_at)?;
        let now = instant_arg(py, "now", now)?;
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        Ok(PyDecision(self.0.next(attempt, first_attempt_at, now, &outcome.get().0)))
    }

    fn __repr__(&self) -> String {
        format!("RetryPolicy({:?}, max_attempts={})", self.0.name(), self.0.max_attempts())
    }
}

/// One attempt of a delivery.
#[pyclass(frozen, name = "Attempt", module = "hookwire", get_all)]
pub struct PyAttempt {
    number: u32,
    started_at: Py<PyAny>,
    duration: Py<PyAny>,
    status: Option<u16>,
    outcome_class: &'static str,
    failure: Option<&'static str>,
    response_body: String,
    response_truncated: bool,
    manual: bool,
}

#[pymethods]
impl PyAttempt {
    /// Not made with `Attempt(...)`: Delivery.attempts lists them.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Attempt", "Delivery.attempts lists them"))
    }
}

/// One message to one endpoint: pending → succeeded | retrying | failed | cancelled, with the
/// log of its attempts. Store it with `to_json` / `from_json`. Instants are aware `datetime`s.
#[pyclass(name = "Delivery", module = "hookwire")]
pub struct PyDelivery(Delivery);

#[pymethods]
impl PyDelivery {
    #[new]
    #[pyo3(signature = (id, now, response_body_limit = None))]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        response_body_limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let delivery = Delivery::new(arg::<String>("id", id)?, instant_arg(py, "now", now)?);
        Ok(PyDelivery(match optional("response_body_limit", response_body_limit)? {
            Some(limit) => delivery.with_response_body_limit(limit),
            None => delivery,
        }))
    }

    /// Records an attempt that started at `started_at` and ended at `now` with `outcome`
    /// (`response_body`: what the receiver answered), and returns the new state's name.
    fn record(
        &mut self,
        py: Python<'_>,
        policy: &Bound<'_, PyAny>,
        started_at: &Bound<'_, PyAny>,
        outcome: &Bound<'_, PyAny>,
        response_body: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let policy = frozen::<PyRetryPolicy>("policy", policy)?;
        let started_at = instant_arg(py, "started_at", started_at)?;
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        let body = body_arg(py, "response_body", response_body)?;
        let now = instant_arg(py, "now", now)?;
        let (policy, outcome) = (&policy.get().0, &outcome.get().0);
        run(py, || self.0.record(policy, started_at, outcome, &body, now).map(|state| state.name()))
    }

    /// Gives up on a pending or retrying delivery.
    fn cancel(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = instant_arg(py, "now", now)?;
        run(py, || self.0.cancel(now))
    }

    /// A manual retry of a failed or cancelled delivery: one attempt, due at `now`.
    fn retry(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = instant_arg(py, "now", now)?;
        run(py, || self.0.retry(now))
    }

    #[getter]
    fn id(&self) -> String {
        self.0.id().to_owned()
    }

    /// `pending`, `retrying`, `succeeded`, `failed` or `cancelled`.
    #[getter]
    fn state(&self) -> &'static str {
        self.0.state().name()
    }

    /// When the next attempt is due (an aware `datetime`), if one is.
    #[getter]
    fn due(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_instant(py, self.0.state().due())
    }

    #[getter]
    fn attempts(&self, py: Python<'_>) -> PyResult<Vec<PyAttempt>> {
        self.0
            .attempts()
            .iter()
            .map(|a| {
                Ok(PyAttempt {
                    number: a.number,
                    started_at: instant(py, a.started_at)?,
                    duration: span(py, a.duration)?,
                    status: a.status,
                    outcome_class: a.class.name(),
                    failure: a.failure.map(Failure::name),
                    response_body: a.response_body.clone(),
                    response_truncated: a.response_truncated,
                    manual: a.manual,
                })
            })
            .collect()
    }

    /// The whole state as JSON text, for storage.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        run(py, || {
            serde_json::to_string(&self.0)
                .map_err(|e| hookwire::Error::Internal { reason: e.to_string().into() })
        })
    }

    /// A delivery back from `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text: String = arg("text", text)?;
        run(py, || {
            serde_json::from_str(&text)
                .map_err(|e| argument("delivery", format!("not a stored delivery: {e}")))
        })
        .map(PyDelivery)
    }

    fn __repr__(&self) -> String {
        format!("Delivery({:?}, {})", self.0.id(), self.0.state().name())
    }
}

/// Pending deliveries by due time (aware `datetime`s): schedule, cancel, pop the due ones.
#[pyclass(name = "Scheduler", module = "hookwire")]
pub struct PyScheduler(Scheduler<String>);

#[pymethods]
impl PyScheduler {
    #[new]
    fn new() -> Self {
        PyScheduler(Scheduler::new())
    }

    /// Schedules `key` at `due`; `False` if it was already scheduled (it is moved to `due`).
    fn schedule(&mut self, py: Python<'_>, key: &Bound<'_, PyAny>, due: &Bound<'_, PyAny>) -> PyResult<bool> {
        let key: String = arg("key", key)?;
        Ok(self.0.schedule(key, instant_arg(py, "due", due)?))
    }

    /// Moves a scheduled `key` to `due`; `False` if it is not scheduled.
    fn reschedule(
        &mut self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        due: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let key: String = arg("key", key)?;
        Ok(self.0.reschedule(&key, instant_arg(py, "due", due)?))
    }

    /// Removes `key`; `False` if it was not scheduled.
    fn cancel(&mut self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.cancel(&arg::<String>("key", key)?))
    }

    /// Removes and returns up to `limit` entries due at `now`, earliest first.
    #[pyo3(signature = (now, limit = None))]
    fn pop_due(
        &mut self,
        py: Python<'_>,
        now: &Bound<'_, PyAny>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<(String, Py<PyAny>)>> {
        let limit: usize = optional("limit", limit)?.unwrap_or(1000);
        let due = self.0.pop_due(instant_arg(py, "now", now)?, limit);
        due.into_iter().map(|(key, due)| Ok((key, instant(py, due)?))).collect()
    }

    /// The earliest due time, if anything is scheduled.
    fn next_due(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_instant(py, self.0.next_due())
    }

    fn contains(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.contains(&arg::<String>("key", key)?))
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.contains(key)
    }

    /// How many entries are scheduled.
    fn len(&self) -> usize {
        self.0.len()
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

/// One endpoint's health: disabled after failing too long (default 5 days) or too often, at
/// once on 410 Gone or `webhook-delivery: disable`; enabled again by `enable()`.
#[pyclass(name = "EndpointHealth", module = "hookwire")]
pub struct PyEndpointHealth {
    health: EndpointHealth,
    policy: HealthPolicy,
}

fn default_disable_after() -> Option<Duration> {
    HealthPolicy::default().disable_after()
}

/// `disable_after` given: `None` is no limit by time (left out, it is 5 days).
fn disable_after(value: &Bound<'_, PyAny>) -> PyResult<Option<Duration>> {
    optional_duration(value.py(), "disable_after", Some(value))
}

#[pymethods]
impl PyEndpointHealth {
    /// `disable_after`: how long it may fail (a `timedelta` or seconds; `None`: no limit;
    /// default 5 days); `disable_after_failures`: how many failures in a row (`None`: no
    /// limit, the default).
    #[new]
    #[pyo3(signature = (disable_after = default_disable_after(), disable_after_failures = None))]
    fn new(
        #[pyo3(from_py_with = disable_after)] disable_after: Option<Duration>,
        disable_after_failures: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let disable_after_failures: Option<u32> = optional("disable_after_failures", disable_after_failures)?;
        let policy = HealthPolicy::default()
            .with_disable_after(disable_after)
            .with_disable_after_failures(disable_after_failures);
        Ok(PyEndpointHealth { health: EndpointHealth::default(), policy })
    }

    /// Feeds an outcome at `now` (an aware `datetime`); returns `started_failing`,
    /// `recovered`, `disabled` or `None`.
    fn record(
        &mut self,
        py: Python<'_>,
        outcome: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Option<&'static str>> {
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        let now = instant_arg(py, "now", now)?;
        Ok(self.health.record(&self.policy, &outcome.get().0, now).map(|t| t.name()))
    }

    /// How long it may fail before it is disabled (a `timedelta`), or `None`.
    #[getter]
    fn disable_after(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_span(py, self.policy.disable_after())
    }

    /// How many failures in a row disable it, or `None`.
    #[getter]
    fn disable_after_failures(&self) -> Option<u32> {
        self.policy.disable_after_failures()
    }

    #[getter]
    fn is_disabled(&self) -> bool {
        self.health.is_disabled()
    }

    /// Why it was disabled (`gone`, `requested`, `failing_for`, `consecutive_failures`).
    #[getter]
    fn disabled_reason(&self) -> Option<&'static str> {
        self.health.disabled().map(|(reason, _)| reason.name())
    }

    #[getter]
    fn consecutive_failures(&self) -> u32 {
        self.health.consecutive_failures()
    }

    /// Since when it fails (an aware `datetime`), if it does.
    #[getter]
    fn failing_since(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        maybe_instant(py, self.health.failing_since())
    }

    /// Enables the endpoint again (its owner fixed it).
    fn enable(&mut self) {
        self.health.enable();
    }
}

/// The checked parts of a URL.
#[pyclass(frozen, name = "CheckedUrl", module = "hookwire", get_all)]
pub struct PyCheckedUrl {
    host: String,
    port: u16,
    https: bool,
}

#[pymethods]
impl PyCheckedUrl {
    /// Not made with `CheckedUrl(...)`: UrlGuard.check_url(...) returns it.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "CheckedUrl", "UrlGuard.check_url(...) returns it"))
    }
}

/// Refuses destinations a webhook must never reach (SSRF): loopback, private, link-local,
/// metadata and other internal addresses, odd schemes and ports. Resolve the host yourself,
/// pass every address to `check_resolved`, and connect to the address it returns.
#[pyclass(frozen, name = "UrlGuard", module = "hookwire")]
pub struct PyUrlGuard(UrlGuard);

#[pymethods]
impl PyUrlGuard {
    #[new]
    #[pyo3(signature = (https_only = None, allow = None))]
    fn new(
        py: Python<'_>,
        https_only: Option<&Bound<'_, PyAny>>,
        allow: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let https_only: bool = optional("https_only", https_only)?.unwrap_or(false);
        let allow: Vec<String> = optional("allow", allow)?.unwrap_or_default();
        let guard = UrlGuard::new().with_https_only(https_only);
        run(py, || allow.iter().try_fold(guard, |guard, cidr| guard.with_allowed_net(cidr))).map(PyUrlGuard)
    }

    /// Checks the URL's text; raises `BlockedUrl` (or `InvalidArgument` for a non-URL).
    fn check_url(&self, py: Python<'_>, url: &Bound<'_, PyAny>) -> PyResult<PyCheckedUrl> {
        let url: String = arg("url", url)?;
        let checked = run(py, || self.0.check_url(&url))?;
        Ok(PyCheckedUrl { host: checked.host().to_string(), port: checked.port(), https: checked.is_https() })
    }

    /// Checks one resolved address; raises `BlockedUrl`.
    fn check_ip(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<()> {
        let address: String = arg("address", address)?;
        let ip = parse_ip(py, &address)?;
        run(py, || self.0.check_addr(ip))
    }

    /// Checks every resolved address and returns the one to connect to; raises `BlockedUrl` if
    /// any is refused (a name that resolves to one internal address is refused as a whole).
    fn check_resolved(&self, py: Python<'_>, addresses: &Bound<'_, PyAny>) -> PyResult<String> {
        let addresses: Vec<String> = arg("addresses", addresses)?;
        let ips = addresses.iter().map(|a| parse_ip(py, a)).collect::<PyResult<Vec<_>>>()?;
        run(py, || self.0.check_resolved(&ips)).map(|ip| ip.to_string())
    }
}

fn parse_ip(py: Python<'_>, address: &str) -> PyResult<IpAddr> {
    run(py, || address.parse().map_err(|_| argument("address", format!("`{address}` is not an IP address"))))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySubscription>()?;
    m.add_class::<PyEndpoint>()?;
    m.add_class::<PyRequest>()?;
    m.add_class::<PyOutcome>()?;
    m.add_class::<PyDecision>()?;
    m.add_class::<PyRetryPolicy>()?;
    m.add_class::<PyAttempt>()?;
    m.add_class::<PyDelivery>()?;
    m.add_class::<PyScheduler>()?;
    m.add_class::<PyEndpointHealth>()?;
    m.add_class::<PyCheckedUrl>()?;
    m.add_class::<PyUrlGuard>()?;
    m.add("RETRY_POLICIES", RetryPolicy::names().to_vec())?;
    Ok(())
}
