//! Endpoints: where webhooks go, which events they want, and how they are sent and paced.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::{decisions, Error, Result, UnixTime};

/// How an endpoint's failed deliveries are retried: one of the core's presets, or a delay
/// table, with optional overrides. Kept as data in the database; the core's
/// [`hookwire::RetryPolicy`] is built from it when deliveries are sent.
///
/// ```
/// use std::time::Duration;
/// use hookwire_outbox::RetrySpec;
///
/// let ops = RetrySpec::preset("ops-center");
/// let fast = RetrySpec::delays([Duration::ZERO, Duration::from_millis(50), Duration::from_millis(100)])
///     .throttle_min(Duration::from_millis(200));
/// assert!(ops.check().is_ok() && fast.check().is_ok());
/// assert_eq!(RetrySpec::preset("weekly").check().unwrap_err().code(), "invalid_argument");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrySpec {
    /// A core preset (`standard-webhooks`, `svix`, `ops-center`, `webnet`, `homechef`,
    /// `auraconnect`), when `delays` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Delays in milliseconds before attempt 1, 2, ... (the first usually 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delays_ms: Vec<u64>,
    /// At most this many attempts, the first included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// No retry later than this after the first attempt (milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_ms: Option<u64>,
    /// The least wait after a throttle status or a timeout (milliseconds; the core's default
    /// is 60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_min_ms: Option<u64>,
}

impl Default for RetrySpec {
    fn default() -> Self {
        RetrySpec::preset("standard-webhooks")
    }
}

impl RetrySpec {
    /// A core preset by name.
    pub fn preset(name: &str) -> RetrySpec {
        RetrySpec {
            preset: Some(name.to_owned()),
            delays_ms: Vec::new(),
            max_attempts: None,
            max_age_ms: None,
            throttle_min_ms: None,
        }
    }

    /// A delay table: one attempt per entry unless [`max_attempts`](RetrySpec::max_attempts)
    /// says otherwise.
    pub fn delays(delays: impl IntoIterator<Item = Duration>) -> RetrySpec {
        RetrySpec {
            preset: None,
            delays_ms: delays.into_iter().map(millis_u64).collect(),
            max_attempts: None,
            max_age_ms: None,
            throttle_min_ms: None,
        }
    }

    /// At most `attempts` attempts in all.
    pub fn max_attempts(mut self, attempts: u32) -> RetrySpec {
        self.max_attempts = Some(attempts);
        self
    }

    /// No retry later than `age` after the first attempt.
    pub fn max_age(mut self, age: Duration) -> RetrySpec {
        self.max_age_ms = Some(millis_u64(age));
        self
    }

    /// The least wait after a throttle status (429, 502, 503, 504) or a timeout.
    pub fn throttle_min(mut self, min: Duration) -> RetrySpec {
        self.throttle_min_ms = Some(millis_u64(min));
        self
    }

    /// Checks that the core can build this policy. Errors: `invalid_argument`.
    pub fn check(&self) -> Result<()> {
        decisions::retry_policy(self).map(drop)
    }
}

fn millis_u64(span: Duration) -> u64 {
    u64::try_from(span.as_millis()).unwrap_or(u64::MAX)
}

/// At most `count` deliveries per `period_ms` milliseconds to one endpoint (a token bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Deliveries per period.
    pub count: u32,
    /// The period, in milliseconds.
    pub period_ms: u64,
}

impl RateLimit {
    /// `count` per `period`.
    pub fn new(count: u32, period: Duration) -> RateLimit {
        RateLimit { count, period_ms: millis_u64(period) }
    }
}

/// A new endpoint, built up and then given to [`Outbox::add_endpoint`](crate::Outbox::add_endpoint),
/// which checks every part with the core (URL guard, scheme, secrets, patterns, headers,
/// retry policy, rate) before storing it.
///
/// ```
/// use std::time::Duration;
/// use hookwire_outbox::{NewEndpoint, RateLimit, RetrySpec};
///
/// let endpoint = NewEndpoint::new("https://hooks.example.com/orders", "auraconnect", "s3cr3t-aura")
///     .events(["order.*"])
///     .filter("restaurant_id", 1)
///     .header("X-Tenant", "kitchen-7")
///     .retry(RetrySpec::preset("auraconnect"))
///     .rate_limit(RateLimit::new(1000, Duration::from_secs(3600)))
///     .timeout(Duration::from_secs(10));
/// # let _ = endpoint;
/// ```
#[derive(Clone)]
pub struct NewEndpoint {
    pub(crate) id: Option<String>,
    pub(crate) url: String,
    pub(crate) scheme: String,
    pub(crate) secrets: Vec<Zeroizing<String>>,
    pub(crate) events: Vec<String>,
    pub(crate) any_event_type: bool,
    pub(crate) filters: Vec<(String, Value)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) retry: RetrySpec,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) max_in_flight: u32,
    pub(crate) timeout: Duration,
    pub(crate) allow_private: bool,
    pub(crate) tenant: Option<String>,
    pub(crate) description: Option<String>,
}

/// Default most requests in flight to one endpoint from one worker.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 16;

impl NewEndpoint {
    /// An endpoint at `url`, signed with `scheme` (a name such as `standard-webhooks`) and
    /// `secret`, subscribed to every event (`*`), retried with the `standard-webhooks` preset.
    pub fn new(url: &str, scheme: &str, secret: &str) -> NewEndpoint {
        NewEndpoint {
            id: None,
            url: url.to_owned(),
            scheme: scheme.to_owned(),
            secrets: vec![Zeroizing::new(secret.to_owned())],
            events: vec!["*".to_owned()],
            any_event_type: false,
            filters: Vec::new(),
            headers: Vec::new(),
            retry: RetrySpec::default(),
            rate_limit: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout: hookwire::DEFAULT_TIMEOUT,
            allow_private: false,
            tenant: None,
            description: None,
        }
    }

    /// The endpoint's id, when the application keeps its own (a webhook id it already shows
    /// its users); default `ep_` and 24 random hex digits. 1 to 64 ASCII letters, digits, `_`
    /// and `-`. Adding a second endpoint with the same id is `invalid_state`.
    pub fn id(mut self, id: &str) -> NewEndpoint {
        self.id = Some(id.to_owned());
        self
    }

    /// Adds a signing secret: every request carries one signature per secret (rotation).
    pub fn secret(mut self, secret: &str) -> NewEndpoint {
        self.secrets.push(Zeroizing::new(secret.to_owned()));
        self
    }

    /// The event patterns (`order.created`, `order.*`, `*`), replacing `*`. Types must be
    /// in the core's catalog unless [`any_event_type`](NewEndpoint::any_event_type) is set.
    pub fn events<P: AsRef<str>>(mut self, patterns: impl IntoIterator<Item = P>) -> NewEndpoint {
        self.events = patterns.into_iter().map(|p| p.as_ref().to_owned()).collect();
        self
    }

    /// Accepts patterns of types the catalog does not know.
    pub fn any_event_type(mut self, any: bool) -> NewEndpoint {
        self.any_event_type = any;
        self
    }

    /// Only events whose data field `field` (a dotted path) equals `value`.
    pub fn filter(mut self, field: &str, value: impl Into<Value>) -> NewEndpoint {
        self.filters.push((field.to_owned(), value.into()));
        self
    }

    /// A custom header sent with every request.
    pub fn header(mut self, name: &str, value: &str) -> NewEndpoint {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetrySpec) -> NewEndpoint {
        self.retry = retry;
        self
    }

    /// Paces deliveries to this endpoint.
    pub fn rate_limit(mut self, rate: RateLimit) -> NewEndpoint {
        self.rate_limit = Some(rate);
        self
    }

    /// At most `count` requests in flight to this endpoint per worker (default 16).
    pub fn max_in_flight(mut self, count: u32) -> NewEndpoint {
        self.max_in_flight = count;
        self
    }

    /// How long the receiver has to answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> NewEndpoint {
        self.timeout = timeout;
        self
    }

    /// Allows loopback and private-network destinations (`127.0.0.0/8`, `::1`, `10/8`,
    /// `172.16/12`, `192.168/16`, `fc00::/7`) for this endpoint; cloud metadata and the other
    /// refused ranges stay refused.
    pub fn allow_private(mut self, allow: bool) -> NewEndpoint {
        self.allow_private = allow;
        self
    }

    /// An opaque tenant (an organization, a customer): messages published with a tenant go
    /// only to that tenant's endpoints, and messages without one only to endpoints without one.
    pub fn tenant(mut self, tenant: &str) -> NewEndpoint {
        self.tenant = Some(tenant.to_owned());
        self
    }

    /// A note for people.
    pub fn description(mut self, text: &str) -> NewEndpoint {
        self.description = Some(text.to_owned());
        self
    }
}

impl fmt::Debug for NewEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("scheme", &self.scheme)
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Changes to a stored endpoint, given to [`Outbox::update_endpoint`](crate::Outbox::update_endpoint):
/// each setting given replaces the stored one, the others stay. The result is checked with
/// the core like a new endpoint. Deliveries already queued keep going to the endpoint with its
/// new settings (URL, secrets, headers, policy, pacing); changed patterns and filters decide
/// what later publishes fan out to. Enabling and disabling have their own operations.
///
/// ```
/// use hookwire_outbox::EndpointUpdate;
///
/// let update = EndpointUpdate::default()
///     .url("https://hooks.example.com/v2")
///     .events(["order.*", "payment.completed"])
///     .description(Some("moved to v2"));
/// # let _ = update;
/// ```
#[derive(Clone, Default)]
pub struct EndpointUpdate {
    pub(crate) url: Option<String>,
    pub(crate) scheme: Option<String>,
    pub(crate) secrets: Option<Vec<Zeroizing<String>>>,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) any_event_type: Option<bool>,
    pub(crate) filters: Option<Vec<(String, Value)>>,
    pub(crate) headers: Option<Vec<(String, String)>>,
    pub(crate) retry: Option<RetrySpec>,
    pub(crate) rate_limit: Option<Option<RateLimit>>,
    pub(crate) max_in_flight: Option<u32>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) allow_private: Option<bool>,
    pub(crate) description: Option<Option<String>>,
}

impl EndpointUpdate {
    /// A new URL.
    pub fn url(mut self, url: &str) -> EndpointUpdate {
        self.url = Some(url.to_owned());
        self
    }

    /// A new signature scheme (give its secrets too when their format differs).
    pub fn scheme(mut self, scheme: &str) -> EndpointUpdate {
        self.scheme = Some(scheme.to_owned());
        self
    }

    /// The signing secrets, replacing every stored one (rotation: the new and the old).
    pub fn secrets<S: AsRef<str>>(mut self, secrets: impl IntoIterator<Item = S>) -> EndpointUpdate {
        self.secrets = Some(secrets.into_iter().map(|s| Zeroizing::new(s.as_ref().to_owned())).collect());
        self
    }

    /// The event patterns.
    pub fn events<P: AsRef<str>>(mut self, patterns: impl IntoIterator<Item = P>) -> EndpointUpdate {
        self.events = Some(patterns.into_iter().map(|p| p.as_ref().to_owned()).collect());
        self
    }

    /// Whether patterns may name types the catalog does not know.
    pub fn any_event_type(mut self, any: bool) -> EndpointUpdate {
        self.any_event_type = Some(any);
        self
    }

    /// The data filters, as (dotted field, value), replacing every stored one.
    pub fn filters(mut self, filters: impl IntoIterator<Item = (String, Value)>) -> EndpointUpdate {
        self.filters = Some(filters.into_iter().collect());
        self
    }

    /// The custom headers, replacing every stored one.
    pub fn headers(mut self, headers: impl IntoIterator<Item = (String, String)>) -> EndpointUpdate {
        self.headers = Some(headers.into_iter().collect());
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetrySpec) -> EndpointUpdate {
        self.retry = Some(retry);
        self
    }

    /// The pacing (`None`: unpaced).
    pub fn rate_limit(mut self, rate: Option<RateLimit>) -> EndpointUpdate {
        self.rate_limit = Some(rate);
        self
    }

    /// The most requests in flight per worker.
    pub fn max_in_flight(mut self, count: u32) -> EndpointUpdate {
        self.max_in_flight = Some(count);
        self
    }

    /// The receiver's time to answer.
    pub fn timeout(mut self, timeout: Duration) -> EndpointUpdate {
        self.timeout = Some(timeout);
        self
    }

    /// Whether loopback and private destinations are allowed.
    pub fn allow_private(mut self, allow: bool) -> EndpointUpdate {
        self.allow_private = Some(allow);
        self
    }

    /// The note for people (`None`: none).
    pub fn description(mut self, text: Option<&str>) -> EndpointUpdate {
        self.description = Some(text.map(str::to_owned));
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        let EndpointUpdate {
            url,
            scheme,
            secrets,
            events,
            any_event_type,
            filters,
            headers,
            retry,
            rate_limit,
            max_in_flight,
            timeout,
            allow_private,
            description,
        } = self;
        url.is_none()
            && scheme.is_none()
            && secrets.is_none()
            && events.is_none()
            && any_event_type.is_none()
            && filters.is_none()
            && headers.is_none()
            && retry.is_none()
            && rate_limit.is_none()
            && max_in_flight.is_none()
            && timeout.is_none()
            && allow_private.is_none()
            && description.is_none()
    }
}

impl fmt::Debug for EndpointUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointUpdate")
            .field("url", &self.url)
            .field("scheme", &self.scheme)
            .field("secrets", &self.secrets.as_ref().map(|s| format!("[{} redacted]", s.len())))
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// A stored endpoint, as operations return it. Its secrets are not part of it: they are only
/// read by the worker that signs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    /// `ep_…`
    pub id: String,
    /// Where requests go.
    pub url: String,
    /// The signature scheme's name.
    pub scheme: String,
    /// How many secrets sign each request.
    pub secret_count: usize,
    /// Event patterns.
    pub events: Vec<String>,
    /// Data filters, as (field, value).
    pub filters: Vec<(String, Value)>,
    /// Custom headers.
    pub headers: Vec<(String, String)>,
    /// The retry policy.
    pub retry: RetrySpec,
    /// Pacing, if any.
    pub rate_limit: Option<RateLimit>,
    /// Most requests in flight per worker.
    pub max_in_flight: u32,
    /// The receiver's time to answer.
    pub timeout: Duration,
    /// Loopback and private destinations allowed.
    pub allow_private: bool,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// A note for people.
    pub description: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (`gone`, `requested`, `failing_for`, `consecutive_failures`,
    /// `manual`).
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    pub disabled_at: Option<UnixTime>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// When the current run of failures began.
    pub failing_since: Option<UnixTime>,
    /// When it was added.
    pub created_at: UnixTime,
}

/// An endpoint as the store keeps it, secrets included. Crate-private: secrets never leave
/// the outbox.
#[derive(Clone)]
pub(crate) struct EndpointRow {
    pub id: String,
    pub url: String,
    pub scheme: String,
    pub secrets: Vec<Zeroizing<String>>,
    pub events: Vec<String>,
    pub any_event_type: bool,
    pub filters: Vec<(String, Value)>,
    pub headers: Vec<(String, String)>,
    pub retry: RetrySpec,
    pub rate_limit: Option<RateLimit>,
    pub max_in_flight: u32,
    pub timeout: Duration,
    pub allow_private: bool,
    pub tenant: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<UnixTime>,
    pub health: hookwire::EndpointHealth,
    pub created_at: UnixTime,
    pub version: i64,
}

impl EndpointRow {
    pub(crate) fn from_new(new: NewEndpoint, now: UnixTime) -> EndpointRow {
        EndpointRow {
            id: new.id.unwrap_or_else(|| crate::id::new_id("ep")),
            url: new.url,
            scheme: new.scheme,
            secrets: new.secrets,
            events: new.events,
            any_event_type: new.any_event_type,
            filters: new.filters,
            headers: new.headers,
            retry: new.retry,
            rate_limit: new.rate_limit,
            max_in_flight: new.max_in_flight,
            timeout: new.timeout,
            allow_private: new.allow_private,
            tenant: new.tenant,
            description: new.description,
            enabled: true,
            disabled_reason: None,
            disabled_at: None,
            health: hookwire::EndpointHealth::default(),
            created_at: now,
            version: 1,
        }
    }

    /// This row with `update` applied (the caller checks the result with the core).
    pub(crate) fn updated(&self, update: EndpointUpdate) -> EndpointRow {
        let mut row = self.clone();
        let EndpointUpdate {
            url,
            scheme,
            secrets,
            events,
            any_event_type,
            filters,
            headers,
            retry,
            rate_limit,
            max_in_flight,
            timeout,
            allow_private,
            description,
        } = update;
        row.url = url.unwrap_or(row.url);
        row.scheme = scheme.unwrap_or(row.scheme);
        row.secrets = secrets.unwrap_or(row.secrets);
        row.events = events.unwrap_or(row.events);
        row.any_event_type = any_event_type.unwrap_or(row.any_event_type);
        row.filters = filters.unwrap_or(row.filters);
        row.headers = headers.unwrap_or(row.headers);
        row.retry = retry.unwrap_or(row.retry);
        row.rate_limit = rate_limit.unwrap_or(row.rate_limit);
        row.max_in_flight = max_in_flight.unwrap_or(row.max_in_flight);
        row.timeout = timeout.unwrap_or(row.timeout);
        row.allow_private = allow_private.unwrap_or(row.allow_private);
        row.description = description.unwrap_or(row.description);
        row
    }

    pub(crate) fn public(&self) -> Endpoint {
        Endpoint {
            id: self.id.clone(),
            url: self.url.clone(),
            scheme: self.scheme.clone(),
            secret_count: self.secrets.len(),
            events: self.events.clone(),
            filters: self.filters.clone(),
            headers: self.headers.clone(),
            retry: self.retry.clone(),
            rate_limit: self.rate_limit,
            max_in_flight: self.max_in_flight,
            timeout: self.timeout,
            allow_private: self.allow_private,
            tenant: self.tenant.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
            disabled_reason: self.disabled_reason.clone(),
            disabled_at: self.disabled_at,
            consecutive_failures: self.health.consecutive_failures(),
            failing_since: self.health.failing_since(),
            created_at: self.created_at,
        }
    }

    /// The secrets as the JSON array the store keeps.
    pub(crate) fn secrets_json(&self) -> Zeroizing<String> {
        let texts: Vec<&str> = self.secrets.iter().map(|s| s.as_str()).collect();
        Zeroizing::new(serde_json::to_string(&texts).unwrap_or_else(|_| "[]".into()))
    }

    /// Everything but the secrets and the health, as one JSON document (the store's
    /// `config` column), so adding a setting needs no migration.
    pub(crate) fn config_json(&self) -> String {
        let config = Config {
            events: self.events.clone(),
            any_event_type: self.any_event_type,
            filters: self.filters.clone(),
            headers: self.headers.clone(),
            retry: self.retry.clone(),
            rate_limit: self.rate_limit,
            max_in_flight: self.max_in_flight,
            timeout_ms: millis_u64(self.timeout),
            allow_private: self.allow_private,
            description: self.description.clone(),
        };
        serde_json::to_string(&config).unwrap_or_default()
    }

    /// Rebuilds a row from the store's columns.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_columns(
        id: String,
        url: String,
        scheme: String,
        secrets: &str,
        config: &str,
        tenant: Option<String>,
        enabled: bool,
        disabled_reason: Option<String>,
        disabled_at: Option<i64>,
        health: &str,
        created_at: i64,
        version: i64,
    ) -> Result<EndpointRow> {
        let corrupt = |what: &str, err: serde_json::Error| {
            Error::store(format!("endpoint `{id}`: unreadable {what}: {err}"))
        };
        let secrets: Vec<String> = serde_json::from_str(secrets).map_err(|e| corrupt("secrets", e))?;
        let config: Config = serde_json::from_str(config).map_err(|e| corrupt("config", e))?;
        let health: hookwire::EndpointHealth =
            serde_json::from_str(health).map_err(|e| corrupt("health", e))?;
        Ok(EndpointRow {
            id: id.clone(),
            url,
            scheme,
            secrets: secrets.into_iter().map(Zeroizing::new).collect(),
            events: config.events,
            any_event_type: config.any_event_type,
            filters: config.filters,
            headers: config.headers,
            retry: config.retry,
            rate_limit: config.rate_limit,
            max_in_flight: config.max_in_flight,
            timeout: Duration::from_millis(config.timeout_ms),
            allow_private: config.allow_private,
            tenant,
            description: config.description,
            enabled,
            disabled_reason,
            disabled_at: disabled_at.map(UnixTime::from_millis),
            health,
            created_at: UnixTime::from_millis(created_at),
            version,
        })
    }
}

/// The `config` column.
#[derive(Serialize, Deserialize)]
struct Config {
    events: Vec<String>,
    #[serde(default)]
    any_event_type: bool,
    #[serde(default)]
    filters: Vec<(String, Value)>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    retry: RetrySpec,
    #[serde(default)]
    rate_limit: Option<RateLimit>,
    max_in_flight: u32,
    timeout_ms: u64,
    #[serde(default)]
    allow_private: bool,
    #[serde(default)]
    description: Option<String>,
}

/// The routing part of a stored endpoint (URL, patterns, filters) as the core's
/// `Subscription`.
pub(crate) fn routing(url: &str, config: &str) -> Result<hookwire::Subscription> {
    let config: Config = serde_json::from_str(config)
        .map_err(|err| Error::store(format!("unreadable endpoint config: {err}")))?;
    let _ = url; // routing reads the patterns and filters; the URL is the endpoint's
    decisions::subscription(&config.events, config.any_event_type, &config.filters)
}
