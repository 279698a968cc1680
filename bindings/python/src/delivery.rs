//! The sender side: subscriptions, retry policies, outcomes, deliveries, the scheduler, endpoint
//! health and the URL guard. Instants are unix milliseconds and durations milliseconds, as in
//! the core.

use std::net::IpAddr;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyDict, PyTuple};

use hookwire::{
    Decision, Delivery, EndpointHealth, Failure, HealthPolicy, Jitter, Outcome, RetryPolicy, Scheduler,
    UnixTime, UrlGuard,
};

use crate::args::{arg, frozen, not_constructible, optional};
use crate::{argument, header_map, raise, run, PyEvent};

fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// This binding's instants are unix milliseconds (surface.json); the core's are `UnixTime`.
fn at(py_ms: i64) -> UnixTime {
    UnixTime::from_millis(py_ms)
}

/// Who receives which events: a URL and event patterns (`order.created`, `order.*`, `*`), on
/// or off, with optional data filters.
#[pyclass(frozen, name = "Subscription", module = "hookwire")]
///
/// The URL and headers are an endpoint's in the core: they are kept (and checked) by a core
/// `Endpoint` whose signer is never used, until this binding offers `Endpoint` itself.
pub struct PySubscription(hookwire::Endpoint);

#[pymethods]
impl PySubscription {
    #[new]
    #[pyo3(signature = (url, patterns = None, active = None, filters = None, headers = None))]
    fn new(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        patterns: Option<&Bound<'_, PyAny>>,
        active: Option<&Bound<'_, PyAny>>,
        filters: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url: String = arg("url", url)?;
        let patterns: Vec<String> = optional("patterns", patterns)?.unwrap_or_else(|| vec!["*".to_owned()]);
        let active: bool = optional("active", active)?.unwrap_or(true);
        let filters: Option<Bound<'_, PyDict>> = optional("filters", filters)?;
        let headers: Option<Bound<'_, PyDict>> = optional("headers", headers)?;
        let mut subscription = run(py, || hookwire::Subscription::new(&patterns))?.with_active(active);
        if let Some(filters) = filters {
            let dumps = py.import("json")?.getattr("dumps")?;
            for (field, value) in filters.iter() {
                let field: String = arg("filters", &field)?;
                // What `json.dumps` cannot write (a set, a cycle, nesting deeper than Python
                // recurses, an int too long for text) is a bad filter, said with the field.
                let text: String = dumps.call1((value,)).and_then(|text| text.extract()).map_err(|e| {
                    raise(
                        py,
                        &argument("filters", format!("the value of `{field}` is not JSON: {}", e.value(py))),
                    )
                })?;
                let value = run(py, || {
                    serde_json::from_str::<serde_json::Value>(&text)
                        .map_err(|_| argument("filters", format!("the value of `{field}` is not JSON")))
                })?;
                subscription = subscription.with_filter(&field, value);
            }
        }
        let mut endpoint = run(py, || {
            hookwire::Endpoint::new(&url, hookwire::Scheme::hookwire(), [hookwire::Secret::generate()])
        })?
        .with_subscription(subscription);
        if let Some(headers) = headers {
            for (name, value) in headers.iter() {
                let (name, value): (String, String) = (arg("headers", &name)?, arg("headers", &value)?);
                endpoint = run(py, || endpoint.with_header(&name, &value))?;
            }
        }
        Ok(PySubscription(endpoint))
    }

    /// Whether `event` goes to this subscription: type patterns, active flag, data filters.
    fn matches(&self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.subscription().matches(&frozen::<PyEvent>("event", event)?.get().0))
    }

    /// Whether an event of `event_type` matches the patterns (active flag included).
    fn matches_type(&self, event_type: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.subscription().matches_type(&arg::<String>("event_type", event_type)?))
    }

    #[getter]
    fn url(&self) -> String {
        self.0.url().to_string()
    }

    #[getter]
    fn patterns(&self) -> Vec<String> {
        self.0.subscription().patterns().iter().map(ToString::to_string).collect()
    }

    #[getter]
    fn is_active(&self) -> bool {
        self.0.subscription().active()
    }

    fn __repr__(&self) -> String {
        format!("Subscription(url={:?}, patterns={:?})", self.0.url().to_string(), self.patterns())
    }
}

/// What came of one attempt: a response (status, headers, elapsed) or a transport failure.
#[pyclass(frozen, name = "Outcome", module = "hookwire")]
pub struct PyOutcome(Outcome);

#[pymethods]
impl PyOutcome {
    /// Not made with `Outcome(...)`: use Outcome.response(...) or Outcome.transport(...).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn no_constructor(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Err(not_constructible(_args.py(), "Outcome", "use Outcome.response(...) or Outcome.transport(...)"))
    }

    /// A response: `status`, its headers (`Retry-After`, `webhook-delivery` are read), and how
    /// long the attempt took.
    #[staticmethod]
    #[pyo3(signature = (status, headers = None, elapsed_ms = None))]
    fn response(
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        elapsed_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let status: u16 = arg("status", status)?;
        let elapsed_ms: u64 = optional("elapsed_ms", elapsed_ms)?.unwrap_or(0);
        let headers = match headers {
            Some(headers) => header_map(py, headers, None)?,
            None => http::HeaderMap::new(),
        };
        Ok(PyOutcome(Outcome::from_response(status, &headers, Duration::from_millis(elapsed_ms))))
    }

    /// No response: `failure` is `timeout`, `connect`, `tls`, `dns`, `blocked` or `other`.
    #[staticmethod]
    #[pyo3(signature = (failure, elapsed_ms = None))]
    fn transport(
        py: Python<'_>,
        failure: &Bound<'_, PyAny>,
        elapsed_ms: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let failure: String = arg("failure", failure)?;
        let elapsed_ms: u64 = optional("elapsed_ms", elapsed_ms)?.unwrap_or(0);
        let failure = run(py, || Failure::from_name(&failure))?;
        Ok(PyOutcome(Outcome::transport(failure, Duration::from_millis(elapsed_ms))))
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

    #[getter]
    fn elapsed_ms(&self) -> u64 {
        ms(self.0.elapsed())
    }

    #[getter]
    fn disables_endpoint(&self) -> bool {
        self.0.disables_endpoint()
    }

    fn __repr__(&self) -> String {
        format!("Outcome({}, status={:?})", self.0.class().name(), self.0.status())
    }
}

/// What to do after an attempt: `action` is `done`, `retry` (at `at`, `delay_ms` from now) or
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
    #[getter]
    fn at(&self) -> Option<i64> {
        self.0.at().map(UnixTime::as_millis)
    }
    #[getter]
    fn delay_ms(&self) -> Option<u64> {
        self.0.delay().map(ms)
    }
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.0.reason().map(|r| r.name())
    }
    fn __repr__(&self) -> String {
        match self.0 {
            Decision::Done => "Decision(done)".to_owned(),
            Decision::Retry { at, delay } => {
                format!("Decision(retry, at={}, delay_ms={})", at.as_millis(), ms(delay))
            }
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

    /// A delay table in milliseconds: the first entry is the first attempt's delay (usually 0),
    /// each further entry one retry.
    #[staticmethod]
    fn table(py: Python<'_>, name: &Bound<'_, PyAny>, delays_ms: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name: String = arg("name", name)?;
        let delays_ms: Vec<u64> = arg("delays_ms", delays_ms)?;
        let delays = delays_ms.into_iter().map(Duration::from_millis).collect();
        run(py, || RetryPolicy::table(name, delays)).map(PyRetryPolicy)
    }

    /// Delays of `initial_ms` × `factor`^n, at most `cap_ms`; `max_attempts` attempts in all.
    #[staticmethod]
    fn exponential(
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        initial_ms: &Bound<'_, PyAny>,
        factor: &Bound<'_, PyAny>,
        cap_ms: &Bound<'_, PyAny>,
        max_attempts: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let name: String = arg("name", name)?;
        let initial_ms: u64 = arg("initial_ms", initial_ms)?;
        let factor: f64 = arg("factor", factor)?;
        let cap_ms: u64 = arg("cap_ms", cap_ms)?;
        let max_attempts: u32 = arg("max_attempts", max_attempts)?;
        run(py, || {
            RetryPolicy::exponential(
                name,
                Duration::from_millis(initial_ms),
                factor,
                Duration::from_millis(cap_ms),
                max_attempts,
            )
        })
        .map(PyRetryPolicy)
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

    /// This policy with at most `attempts` attempts, the first included.
    fn with_max_attempts(&self, py: Python<'_>, attempts: &Bound<'_, PyAny>) -> PyResult<Self> {
        let attempts: u32 = arg("attempts", attempts)?;
        run(py, || self.0.clone().with_max_attempts(attempts)).map(PyRetryPolicy)
    }

    /// This policy giving up once the first attempt is `age_ms` old.
    fn with_max_age(&self, py: Python<'_>, age_ms: &Bound<'_, PyAny>) -> PyResult<Self> {
        let age = Duration::from_millis(arg("age_ms", age_ms)?);
        run(py, || self.0.clone().with_max_age(age)).map(PyRetryPolicy)
    }

    #[getter]
    fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// Attempts in all, the first included.
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.max_attempts()
    }

    /// The nominal delay before each attempt, in milliseconds, the first (0) included; no
    /// jitter.
    fn schedule(&self) -> Vec<u64> {
        self.0.schedule().into_iter().map(ms).collect()
    }

    /// What to do after attempt number `attempt` (1 = the first) ended at `now` with
    /// `outcome`; the delivery's first attempt was at `first_attempt_at`.
    fn next(
        &self,
        attempt: &Bound<'_, PyAny>,
        first_attempt_at: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        outcome: &Bound<'_, PyAny>,
    ) -> PyResult<PyDecision> {
        let attempt: u32 = arg("attempt", attempt)?;
        let first_attempt_at: i64 = arg("first_attempt_at", first_attempt_at)?;
        let now: i64 = arg("now", now)?;
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        Ok(PyDecision(self.0.next(attempt, at(first_attempt_at), at(now), &outcome.get().0)))
    }

    fn __repr__(&self) -> String {
        format!("RetryPolicy({:?}, attempts={})", self.0.name(), self.0.max_attempts())
    }
}

/// One attempt of a delivery.
#[pyclass(frozen, name = "Attempt", module = "hookwire", get_all)]
pub struct PyAttempt {
    number: u32,
    started_at: i64,
    duration_ms: u64,
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
/// log of its attempts. Store it with `to_json` / `from_json`.
#[pyclass(name = "Delivery", module = "hookwire")]
pub struct PyDelivery(Delivery);

#[pymethods]
impl PyDelivery {
    #[new]
    #[pyo3(signature = (id, now, response_body_limit = None))]
    fn new(
        id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        response_body_limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let delivery = Delivery::new(arg::<String>("id", id)?, at(arg("now", now)?));
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
        let started_at: i64 = arg("started_at", started_at)?;
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        let body: PyBackedBytes = arg("response_body", response_body)?;
        let now: i64 = arg("now", now)?;
        let (policy, outcome) = (&policy.get().0, &outcome.get().0);
        run(py, || self.0.record(policy, at(started_at), outcome, &body, at(now)).map(|state| state.name()))
    }

    /// Gives up on a pending or retrying delivery.
    fn cancel(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now: i64 = arg("now", now)?;
        run(py, || self.0.cancel(at(now)))
    }

    /// A manual retry of a failed or cancelled delivery: one attempt, due at `now`.
    fn retry(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now: i64 = arg("now", now)?;
        run(py, || self.0.retry(at(now)))
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

    /// When the next attempt is due (unix ms), if one is.
    #[getter]
    fn due(&self) -> Option<i64> {
        self.0.state().due().map(UnixTime::as_millis)
    }

    #[getter]
    fn attempts(&self) -> Vec<PyAttempt> {
        self.0
            .attempts()
            .iter()
            .map(|a| PyAttempt {
                number: a.number,
                started_at: a.started_at.as_millis(),
                duration_ms: ms(a.duration),
                status: a.status,
                outcome_class: a.class.name(),
                failure: a.failure.map(Failure::name),
                response_body: a.response_body.clone(),
                response_truncated: a.response_truncated,
                manual: a.manual,
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

/// Pending deliveries by due time (unix ms): schedule, cancel, pop the due ones.
#[pyclass(name = "Scheduler", module = "hookwire")]
pub struct PyScheduler(Scheduler<String>);

#[pymethods]
impl PyScheduler {
    #[new]
    fn new() -> Self {
        PyScheduler(Scheduler::new())
    }

    /// Schedules `key` at `due`; `False` if it was already scheduled (it is moved to `due`).
    fn schedule(&mut self, key: &Bound<'_, PyAny>, due: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.schedule(arg("key", key)?, at(arg("due", due)?)))
    }

    /// Moves a scheduled `key` to `due`; `False` if it is not scheduled.
    fn reschedule(&mut self, key: &Bound<'_, PyAny>, due: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.reschedule(&arg::<String>("key", key)?, at(arg("due", due)?)))
    }

    /// Removes `key`; `False` if it was not scheduled.
    fn cancel(&mut self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.cancel(&arg::<String>("key", key)?))
    }

    /// Removes and returns up to `limit` entries due at `now`, earliest first.
    #[pyo3(signature = (now, limit = None))]
    fn pop_due(
        &mut self,
        now: &Bound<'_, PyAny>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<(String, i64)>> {
        let limit: usize = optional("limit", limit)?.unwrap_or(1000);
        let due = self.0.pop_due(at(arg("now", now)?), limit);
        Ok(due.into_iter().map(|(key, due)| (key, due.as_millis())).collect())
    }

    /// The earliest due time, if anything is scheduled.
    fn next_due(&mut self) -> Option<i64> {
        self.0.next_due().map(UnixTime::as_millis)
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

fn default_disable_after_ms() -> Option<u64> {
    HealthPolicy::default().disable_after().map(ms)
}

/// `disable_after_ms` given: `None` is no limit by time (left out, it is 5 days).
fn disable_after_ms(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    optional("disable_after_ms", Some(value))
}

#[pymethods]
impl PyEndpointHealth {
    /// `disable_after_ms`: how long it may fail (`None`: no limit; default 5 days);
    /// `disable_after_failures`: how many failures in a row (`None`: no limit, the default).
    #[new]
    #[pyo3(signature = (disable_after_ms = default_disable_after_ms(), disable_after_failures = None))]
    fn new(
        #[pyo3(from_py_with = disable_after_ms)] disable_after_ms: Option<u64>,
        disable_after_failures: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let disable_after_failures: Option<u32> = optional("disable_after_failures", disable_after_failures)?;
        let policy = HealthPolicy::default()
            .with_disable_after(disable_after_ms.map(Duration::from_millis))
            .with_disable_after_failures(disable_after_failures);
        Ok(PyEndpointHealth { health: EndpointHealth::default(), policy })
    }

    /// Feeds an outcome at `now`; returns `started_failing`, `recovered`, `disabled` or `None`.
    fn record(
        &mut self,
        outcome: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Option<&'static str>> {
        let outcome = frozen::<PyOutcome>("outcome", outcome)?;
        let now: i64 = arg("now", now)?;
        Ok(self.health.record(&self.policy, &outcome.get().0, at(now)).map(|t| t.name()))
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

    #[getter]
    fn failing_since(&self) -> Option<i64> {
        self.health.failing_since().map(UnixTime::as_millis)
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
