//! The sender side: subscriptions, retry policies, outcomes, deliveries, the scheduler, endpoint
//! health and the URL guard. Instants are unix milliseconds and durations milliseconds, as in
//! the core.

use std::net::IpAddr;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use hookwire::{
    Decision, Delivery, EndpointHealth, Failure, HealthPolicy, Jitter, Outcome, RetryPolicy, Scheduler,
    UrlGuard,
};

use crate::{argument, body_bytes, header_map, run, PyEvent};

fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Who receives which events: a URL and event patterns (`order.created`, `order.*`, `*`), on
/// or off, with optional data filters.
#[pyclass(frozen, name = "Subscription", module = "hookwire")]
pub struct PySubscription(hookwire::Subscription);

#[pymethods]
impl PySubscription {
    #[new]
    #[pyo3(signature = (url, patterns = vec!["*".to_owned()], active = true, filters = None, headers = None))]
    fn new(
        py: Python<'_>,
        url: &str,
        patterns: Vec<String>,
        active: bool,
        filters: Option<&Bound<'_, PyDict>>,
        headers: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut subscription = run(py, || hookwire::Subscription::new(url, &patterns))?.active(active);
        if let Some(filters) = filters {
            let dumps = py.import("json")?.getattr("dumps")?;
            for (field, value) in filters.iter() {
                let field: String = field.extract()?;
                let text: String = dumps.call1((value,))?.extract()?;
                let value = run(py, || {
                    serde_json::from_str::<serde_json::Value>(&text)
                        .map_err(|_| argument("filters", format!("the value of `{field}` is not JSON")))
                })?;
                subscription = subscription.filter(&field, value);
            }
        }
        if let Some(headers) = headers {
            for (name, value) in headers.iter() {
                let (name, value): (String, String) = (name.extract()?, value.extract()?);
                subscription = run(py, || subscription.header(&name, &value))?;
            }
        }
        Ok(PySubscription(subscription))
    }

    /// Whether `event` goes to this subscription: type patterns, active flag, data filters.
    fn matches(&self, event: &PyEvent) -> bool {
        self.0.matches(&event.0)
    }

    /// Whether an event of `event_type` matches the patterns (active flag included).
    fn matches_type(&self, event_type: &str) -> bool {
        self.0.matches_type(event_type)
    }

    #[getter]
    fn url(&self) -> String {
        self.0.url().to_string()
    }

    #[getter]
    fn patterns(&self) -> Vec<String> {
        self.0.patterns().iter().map(ToString::to_string).collect()
    }

    #[getter]
    fn is_active(&self) -> bool {
        self.0.is_active()
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
    /// A response: `status`, its headers (`Retry-After`, `webhook-delivery` are read), and how
    /// long the attempt took.
    #[staticmethod]
    #[pyo3(signature = (status, headers = None, elapsed_ms = 0))]
    fn response(
        py: Python<'_>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        elapsed_ms: u64,
    ) -> PyResult<Self> {
        let headers = match headers {
            Some(headers) => header_map(py, headers, None)?,
            None => http::HeaderMap::new(),
        };
        Ok(PyOutcome(Outcome::from_response(status, &headers, Duration::from_millis(elapsed_ms))))
    }

    /// No response: `failure` is `timeout`, `connect`, `tls`, `dns`, `blocked` or `other`.
    #[staticmethod]
    #[pyo3(signature = (failure, elapsed_ms = 0))]
    fn transport(py: Python<'_>, failure: &str, elapsed_ms: u64) -> PyResult<Self> {
        let failure = run(py, || Failure::from_name(failure))?;
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
    #[getter]
    fn action(&self) -> &'static str {
        self.0.name()
    }
    #[getter]
    fn at(&self) -> Option<i64> {
        self.0.at()
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
            Decision::Retry { at, delay } => format!("Decision(retry, at={at}, delay_ms={})", ms(delay)),
            Decision::GiveUp { reason } => format!("Decision(give_up, reason={})", reason.name()),
        }
    }
}

/// When to try a failed delivery again: a preset (`RETRY_POLICIES`), a table of delays or
/// exponential backoff, with jitter.
#[pyclass(frozen, name = "RetryPolicy", module = "hookwire")]
pub struct PyRetryPolicy(pub(crate) RetryPolicy);

#[pymethods]
impl PyRetryPolicy {
    /// A preset: `standard-webhooks`, `svix`, `ops-center`, `webnet`, `homechef`, `auraconnect`.
    #[staticmethod]
    fn from_name(py: Python<'_>, name: &str) -> PyResult<Self> {
        run(py, || RetryPolicy::from_name(name)).map(PyRetryPolicy)
    }

    /// A delay table in milliseconds: the first entry is the first attempt's delay (usually 0),
    /// each further entry one retry.
    #[staticmethod]
    fn table(py: Python<'_>, name: String, delays_ms: Vec<u64>) -> PyResult<Self> {
        let delays = delays_ms.into_iter().map(Duration::from_millis).collect();
        run(py, || RetryPolicy::table(name, delays)).map(PyRetryPolicy)
    }

    /// Delays of `initial_ms` × `factor`^n, at most `cap_ms`; `max_attempts` attempts in all.
    #[staticmethod]
    fn exponential(
        py: Python<'_>,
        name: String,
        initial_ms: u64,
        factor: f64,
        cap_ms: u64,
        max_attempts: u32,
    ) -> PyResult<Self> {
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
    #[pyo3(signature = (kind, fraction = 0.0))]
    fn with_jitter(&self, py: Python<'_>, kind: &str, fraction: f64) -> PyResult<Self> {
        run(py, || self.0.clone().with_jitter(Jitter::from_name(kind, fraction)?)).map(PyRetryPolicy)
    }

    /// This policy with a fixed jitter seed (the same seed, message and times: the same delays).
    fn with_seed(&self, seed: u64) -> Self {
        PyRetryPolicy(self.0.clone().seed(seed))
    }

    /// This policy with at most `attempts` attempts, the first included.
    fn with_max_attempts(&self, py: Python<'_>, attempts: u32) -> PyResult<Self> {
        run(py, || self.0.clone().max_attempts(attempts)).map(PyRetryPolicy)
    }

    /// This policy giving up once the first attempt is `age_ms` old.
    fn with_max_age(&self, py: Python<'_>, age_ms: u64) -> PyResult<Self> {
        run(py, || self.0.clone().max_age(Duration::from_millis(age_ms))).map(PyRetryPolicy)
    }

    #[getter]
    fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// Attempts in all, the first included.
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts()
    }

    /// The nominal delay before each attempt, in milliseconds, the first (0) included; no
    /// jitter.
    fn schedule(&self) -> Vec<u64> {
        self.0.schedule().into_iter().map(ms).collect()
    }

    /// What to do after attempt number `attempt` (1 = the first) ended at `now` with
    /// `outcome`; the delivery's first attempt was at `first_attempt_at`.
    fn next(&self, attempt: u32, first_attempt_at: i64, now: i64, outcome: &PyOutcome) -> PyDecision {
        PyDecision(self.0.next(attempt, first_attempt_at, now, &outcome.0))
    }

    fn __repr__(&self) -> String {
        format!("RetryPolicy({:?}, attempts={})", self.0.name(), self.0.attempts())
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

/// One message to one endpoint: pending → succeeded | retrying | failed | cancelled, with the
/// log of its attempts. Store it with `to_json` / `from_json`.
#[pyclass(name = "Delivery", module = "hookwire")]
pub struct PyDelivery(Delivery);

#[pymethods]
impl PyDelivery {
    #[new]
    #[pyo3(signature = (id, now, response_body_limit = None))]
    fn new(id: String, now: i64, response_body_limit: Option<usize>) -> Self {
        let delivery = Delivery::new(id, now);
        PyDelivery(match response_body_limit {
            Some(limit) => delivery.response_body_limit(limit),
            None => delivery,
        })
    }

    /// Records an attempt that started at `started_at` and ended at `now` with `outcome`
    /// (`response_body`: what the receiver answered), and returns the new state's name.
    fn record(
        &mut self,
        py: Python<'_>,
        policy: &PyRetryPolicy,
        started_at: i64,
        outcome: &PyOutcome,
        response_body: &Bound<'_, PyAny>,
        now: i64,
    ) -> PyResult<&'static str> {
        let body = body_bytes(py, response_body)?;
        run(py, || self.0.record(&policy.0, started_at, &outcome.0, &body, now).map(|state| state.name()))
    }

    /// Gives up on a pending or retrying delivery.
    fn cancel(&mut self, py: Python<'_>, now: i64) -> PyResult<()> {
        run(py, || self.0.cancel(now))
    }

    /// A manual retry of a failed or cancelled delivery: one attempt, due at `now`.
    fn retry(&mut self, py: Python<'_>, now: i64) -> PyResult<()> {
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

    /// When the next attempt is due (unix ms), if one is.
    #[getter]
    fn due(&self) -> Option<i64> {
        self.0.state().due()
    }

    #[getter]
    fn attempts(&self) -> Vec<PyAttempt> {
        self.0
            .attempts()
            .iter()
            .map(|a| PyAttempt {
                number: a.number,
                started_at: a.started_at,
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
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        run(py, || {
            serde_json::from_str(text)
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
    fn schedule(&mut self, key: String, due: i64) -> bool {
        self.0.schedule(key, due)
    }

    /// Moves a scheduled `key` to `due`; `False` if it is not scheduled.
    fn reschedule(&mut self, key: String, due: i64) -> bool {
        self.0.reschedule(&key, due)
    }

    /// Removes `key`; `False` if it was not scheduled.
    fn cancel(&mut self, key: String) -> bool {
        self.0.cancel(&key)
    }

    /// Removes and returns up to `limit` entries due at `now`, earliest first.
    #[pyo3(signature = (now, limit = 1000))]
    fn pop_due(&mut self, now: i64, limit: usize) -> Vec<(String, i64)> {
        self.0.pop_due(now, limit)
    }

    /// The earliest due time, if anything is scheduled.
    fn next_due(&mut self) -> Option<i64> {
        self.0.next_due()
    }

    fn contains(&self, key: String) -> bool {
        self.0.contains(&key)
    }

    fn __contains__(&self, key: String) -> bool {
        self.0.contains(&key)
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
    HealthPolicy::default().failing_for().map(ms)
}

#[pymethods]
impl PyEndpointHealth {
    /// `disable_after_ms`: how long it may fail (`None`: no limit; default 5 days);
    /// `disable_after_failures`: how many failures in a row (`None`: no limit, the default).
    #[new]
    #[pyo3(signature = (disable_after_ms = default_disable_after_ms(), disable_after_failures = None))]
    fn new(disable_after_ms: Option<u64>, disable_after_failures: Option<u32>) -> Self {
        let policy = HealthPolicy::default()
            .disable_after(disable_after_ms.map(Duration::from_millis))
            .disable_after_failures(disable_after_failures);
        PyEndpointHealth { health: EndpointHealth::default(), policy }
    }

    /// Feeds an outcome at `now`; returns `started_failing`, `recovered`, `disabled` or `None`.
    fn record(&mut self, outcome: &PyOutcome, now: i64) -> Option<&'static str> {
        self.health.record(&self.policy, &outcome.0, now).map(|t| t.name())
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
        self.health.failing_since()
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

/// Refuses destinations a webhook must never reach (SSRF): loopback, private, link-local,
/// metadata and other internal addresses, odd schemes and ports. Resolve the host yourself,
/// pass every address to `check_resolved`, and connect to the address it returns.
#[pyclass(frozen, name = "UrlGuard", module = "hookwire")]
pub struct PyUrlGuard(UrlGuard);

#[pymethods]
impl PyUrlGuard {
    #[new]
    #[pyo3(signature = (https_only = false, allow = Vec::new()))]
    fn new(py: Python<'_>, https_only: bool, allow: Vec<String>) -> PyResult<Self> {
        let guard = UrlGuard::new().https_only(https_only);
        run(py, || allow.iter().try_fold(guard, |guard, cidr| guard.allow_net(cidr))).map(PyUrlGuard)
    }

    /// Checks the URL's text; raises `BlockedUrl` (or `InvalidArgument` for a non-URL).
    fn check_url(&self, py: Python<'_>, url: &str) -> PyResult<PyCheckedUrl> {
        let checked = run(py, || self.0.check_url(url))?;
        Ok(PyCheckedUrl { host: checked.host().to_string(), port: checked.port(), https: checked.is_https() })
    }

    /// Checks one resolved address; raises `BlockedUrl`.
    fn check_ip(&self, py: Python<'_>, address: &str) -> PyResult<()> {
        let ip = parse_ip(py, address)?;
        run(py, || self.0.check_addr(ip))
    }

    /// Checks every resolved address and returns the one to connect to; raises `BlockedUrl` if
    /// any is refused (a name that resolves to one internal address is refused as a whole).
    fn check_resolved(&self, py: Python<'_>, addresses: Vec<String>) -> PyResult<String> {
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
