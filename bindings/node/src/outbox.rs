//! The durable outbox from Node: `Outbox` over `hookwire-outbox`. Every decision is the
//! outbox's (and through it the core's); this file converts arguments and records. Every call
//! that reads or writes the database returns a Promise: the work runs on napi's tokio runtime
//! (its future polled on the JS thread, `local`), and so does the background worker, so the
//! event loop never waits on the database or the network. Instants are JS `Date`s; spans are milliseconds (`timeoutMs`, `durationMs`).

use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hookwire::Dialect;
use hookwire_outbox::{
    AttemptRecord as Attempt, DeliveryFilter, DeliveryRecord as Delivery, DeliveryStatus,
    Endpoint as OutboxEndpoint, EndpointStats as Stats, EndpointUpdate, Error, MessageRecord as Message,
    Metrics, NewEndpoint, Publish, Purged as PurgedCounts, RateLimit as Rate, RetrySpec as Spec, UnixTime,
    WorkerBuilder, WorkerHandle, WorkerReport as Report,
};
use napi::bindgen_prelude::{
    Buffer, FromNapiValue, JsObjectValue, JsValue, Object, PromiseRaw, ToNapiValue, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::errors::{argument, coded, to_js};
use crate::input::{self, Options};

/// A future whose panic becomes `internal` instead of a bare rejection.
struct Guarded<F>(Pin<Box<F>>);

impl<T, F: Future<Output = Result<T, Error>>> Future for Guarded<F> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(internal("a bug in hookwire (caught panic); please report it"))),
        }
    }
}

fn internal(reason: &str) -> Error {
    Error::Core(hookwire::Error::Internal { reason: reason.to_owned().into() })
}

/// The JS error of an outbox error's code.
fn rejected(env: &Env, error: &Error) -> napi::Error {
    match error {
        Error::Core(core) => to_js(env, core),
        other => coded(env, other.code(), other.to_string()),
    }
}

fn bad(env: &Env, name: &'static str, reason: impl Into<String>) -> napi::Error {
    to_js(env, &argument(name, reason))
}

/// `call` as a Promise, polled on the JS thread (`local`): the database work runs off the event
/// loop, and its end wakes this thread directly. Its answer is converted by `convert`, its error
/// thrown as the JS error of its code.
fn promise<'env, T, V, F>(env: &'env Env, call: F, convert: fn(T) -> V) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    if !crate::local::installed() {
        return on_runtime(env, call, convert);
    }
    crate::local::promise(env, Guarded(Box::pin(call)), convert, rejected).and_then(PromiseRaw::from_unknown)
}

/// `call` as a Promise run on napi's runtime, its answer converted on the JS thread: for the
/// worker's long waits (`runUntilIdle`, `stop`), which should not wake the JS thread at each
/// step, and when the addon is loaded without `index.js` (no promise hooks).
fn on_runtime<'env, T, V, F>(
    env: &'env Env,
    call: F,
    convert: fn(T) -> V,
) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    let guarded = Guarded(Box::pin(call));
    env.spawn_future_with_callback(async move { Ok(guarded.await) }, move |env, answer| match answer {
        Ok(value) => Ok(convert(value)),
        Err(error) => Err(rejected(env, &error)),
    })
}

fn same<T>(value: T) -> T {
    value
}

fn date(at: UnixTime) -> DateTime<Utc> {
    input::date(at)
}

fn maybe_date(at: Option<UnixTime>) -> Option<DateTime<Utc>> {
    at.map(date)
}

fn ms(span: Duration) -> f64 {
    span.as_millis() as f64
}

// ---- records ------------------------------------------------------------------------------

/// A retry policy as data: a core preset (`RETRY_POLICIES`), or a delay table in milliseconds
/// (the first entry: the first attempt, usually 0), with optional overrides.
#[napi(object, object_from_js = false)]
pub struct RetrySpec {
    /// A core preset, when `delaysMs` is absent.
    pub preset: Option<String>,
    /// Delays before attempt 1, 2, ... (ms).
    pub delays_ms: Option<Vec<f64>>,
    /// At most this many attempts, the first included.
    pub max_attempts: Option<u32>,
    /// No retry later than this after the first attempt (ms).
    pub max_age_ms: Option<f64>,
    /// The least wait after a throttle status or a timeout (ms).
    pub throttle_min_ms: Option<f64>,
}

/// At most `count` deliveries per `periodMs` to one endpoint.
#[napi(object, object_from_js = false)]
pub struct RateLimit {
    /// Deliveries per period.
    pub count: u32,
    /// The period (ms).
    pub period_ms: f64,
}

/// An endpoint as the outbox stores it (its secrets stay inside: `secretCount` says how many sign).
#[napi(object, object_from_js = false)]
pub struct EndpointRecord {
    /// `ep_…`, or the id given to `addEndpoint`.
    pub id: String,
    /// Where requests go.
    pub url: String,
    /// The signature scheme (`SCHEMES`).
    pub scheme: String,
    /// How many secrets sign each request.
    pub secret_count: u32,
    /// Event patterns (`order.created`, `order.*`, `*`).
    pub events: Vec<String>,
    /// Data filters: dotted field → value.
    #[napi(ts_type = "Record<string, JsonValue>")]
    pub filters: serde_json::Value,
    /// Custom headers.
    pub headers: HashMap<String, String>,
    /// The retry policy.
    pub retry: RetrySpec,
    /// The pacing, if any.
    pub rate_limit: Option<RateLimit>,
    /// Most requests in flight per worker.
    pub max_in_flight: u32,
    /// The receiver's time to answer (ms).
    pub timeout_ms: f64,
    /// Loopback and private destinations allowed.
    pub allow_private: bool,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// A note for people.
    pub description: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (`gone`, `manual`, `failing_for`, ...).
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// When the current run of failures began.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

fn retry_out(spec: Spec) -> RetrySpec {
    RetrySpec {
        preset: spec.preset,
        delays_ms: (!spec.delays_ms.is_empty()).then(|| spec.delays_ms.iter().map(|&d| d as f64).collect()),
        max_attempts: spec.max_attempts,
        max_age_ms: spec.max_age_ms.map(|d| d as f64),
        throttle_min_ms: spec.throttle_min_ms.map(|d| d as f64),
    }
}

fn endpoint(e: OutboxEndpoint) -> EndpointRecord {
    EndpointRecord {
        filters: serde_json::Value::Object(e.filters.into_iter().collect()),
        headers: e.headers.into_iter().collect(),
        retry: retry_out(e.retry),
        rate_limit: e.rate_limit.map(|r| RateLimit { count: r.count, period_ms: r.period_ms as f64 }),
        timeout_ms: ms(e.timeout),
        disabled_at: maybe_date(e.disabled_at),
        failing_since: maybe_date(e.failing_since),
        created_at: date(e.created_at),
        secret_count: u32::try_from(e.secret_count).unwrap_or(u32::MAX),
        id: e.id,
        url: e.url,
        scheme: e.scheme,
        events: e.events,
        max_in_flight: e.max_in_flight,
        allow_private: e.allow_private,
        tenant: e.tenant,
        description: e.description,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        consecutive_failures: e.consecutive_failures,
    }
}

fn endpoints(all: Vec<OutboxEndpoint>) -> Vec<EndpointRecord> {
    all.into_iter().map(endpoint).collect()
}

/// One message's delivery to one endpoint.
#[napi(object, object_from_js = false)]
pub struct DeliveryRecord {
    /// `dlv_…`
    pub id: String,
    /// The message (its id is the webhook id receivers see).
    pub message_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The message's event type.
    pub event_type: String,
    /// Where it stands.
    #[napi(ts_type = "DeliveryStateName")]
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending and retrying only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's HTTP status, if a response arrived.
    pub last_status: Option<u16>,
    /// The last attempt's failure or give-up note.
    pub last_error: Option<String>,
    /// Why it was given up (`exhausted`, `max_age`, `endpoint_gone`, ...).
    #[napi(ts_type = "GiveUpReason")]
    pub give_up_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it became final.
    pub finished_at: Option<DateTime<Utc>>,
}

fn delivery(d: Delivery) -> DeliveryRecord {
    DeliveryRecord {
        status: d.status.name().to_owned(),
        next_attempt_at: maybe_date(d.next_attempt_at),
        created_at: date(d.created_at),
        updated_at: date(d.updated_at),
        finished_at: maybe_date(d.finished_at),
        id: d.id,
        message_id: d.message_id,
        endpoint_id: d.endpoint_id,
        event_type: d.event_type,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        give_up_reason: d.give_up_reason,
    }
}

fn deliveries(all: Vec<Delivery>) -> Vec<DeliveryRecord> {
    all.into_iter().map(delivery).collect()
}

/// One attempt of a delivery.
#[napi(object, object_from_js = false)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// 1 for the first.
    pub number: u32,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// How long it took (ms).
    pub duration_ms: f64,
    /// The response status, when one arrived.
    pub status: Option<u16>,
    /// The core's outcome class (`success`, `retryable`, `throttled`, ...).
    #[napi(ts_type = "OutcomeClass")]
    pub outcome_class: String,
    /// The transport failure: a `FailureKind` (`timeout`, `connect`, ...).
    #[napi(ts_type = "FailureKind")]
    pub failure: Option<String>,
    /// What the HTTP client or guard said.
    pub error: Option<String>,
    /// The response headers, as [name, value] pairs.
    #[napi(ts_type = "Array<[string, string]>")]
    pub response_headers: Vec<Vec<String>>,
    /// The start of the response body (lossy UTF-8), cut at 20 KB.
    pub response_body: String,
    /// Whether the body was cut.
    pub response_truncated: bool,
    /// Whether an operator asked for it.
    pub manual: bool,
    /// The worker that made it.
    pub worker: String,
}

fn attempts(all: Vec<Attempt>) -> Vec<AttemptRecord> {
    all.into_iter()
        .map(|a| AttemptRecord {
            started_at: date(a.started_at),
            duration_ms: ms(a.duration),
            response_headers: a.response_headers.into_iter().map(|(n, v)| vec![n, v]).collect(),
            delivery_id: a.delivery_id,
            number: a.number,
            status: a.status,
            outcome_class: a.class,
            failure: a.failure,
            error: a.error,
            response_body: a.response_body,
            response_truncated: a.response_truncated,
            manual: a.manual,
            worker: a.worker,
        })
        .collect()
}

/// A published message: its id (the webhook id receivers see), type and exact body.
#[napi(object, object_from_js = false)]
pub struct MessageRecord {
    /// `msg_…`
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The exact body every attempt sends.
    pub payload: Buffer,
    /// The idempotency key, if one was given.
    pub idempotency_key: Option<String>,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

fn message(m: Message) -> MessageRecord {
    MessageRecord {
        payload: m.payload.into(),
        created_at: date(m.created_at),
        id: m.id,
        event_type: m.event_type,
        idempotency_key: m.idempotency_key,
        tenant: m.tenant,
    }
}

/// One endpoint's statistics.
#[napi(object, object_from_js = false)]
pub struct EndpointStats {
    /// The endpoint.
    pub endpoint_id: String,
    /// Its URL.
    pub url: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Deliveries pending.
    pub pending: f64,
    /// Deliveries retrying.
    pub retrying: f64,
    /// Deliveries that succeeded.
    pub succeeded: f64,
    /// Deliveries given up.
    pub failed: f64,
    /// Deliveries cancelled.
    pub cancelled: f64,
    /// Attempts made.
    pub attempts: f64,
    /// Succeeded ÷ (succeeded + failed), when any delivery is final.
    pub success_rate: Option<f64>,
    /// Median attempt duration over the last 10,000 responses (ms).
    pub p50_latency_ms: Option<f64>,
    /// 95th percentile attempt duration (ms).
    pub p95_latency_ms: Option<f64>,
    /// When the last failed attempt started.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// What it was (`503`, `timeout`, ...).
    pub last_failure: Option<String>,
}

fn stats(all: Vec<Stats>) -> Vec<EndpointStats> {
    all.into_iter()
        .map(|s| EndpointStats {
            pending: s.pending as f64,
            retrying: s.retrying as f64,
            succeeded: s.succeeded as f64,
            failed: s.failed as f64,
            cancelled: s.cancelled as f64,
            attempts: s.attempts as f64,
            p50_latency_ms: s.p50_latency.map(ms),
            p95_latency_ms: s.p95_latency.map(ms),
            last_failure_at: maybe_date(s.last_failure_at),
            endpoint_id: s.endpoint_id,
            url: s.url,
            enabled: s.enabled,
            success_rate: s.success_rate,
            last_failure: s.last_failure,
        })
        .collect()
}

/// The outbox at a glance, read from the database (the same from every process).
#[napi(object, object_from_js = false)]
pub struct OutboxMetrics {
    /// Deliveries that succeeded.
    pub delivered: f64,
    /// Deliveries given up.
    pub failed: f64,
    /// Attempts after the first.
    pub retried: f64,
    /// Deliveries pending or retrying.
    pub queue_depth: f64,
    /// Of those, due now.
    pub due_now: f64,
    /// The oldest due time among them.
    pub oldest_due: Option<DateTime<Utc>>,
}

fn metrics(m: Metrics) -> OutboxMetrics {
    OutboxMetrics {
        delivered: m.delivered as f64,
        failed: m.failed as f64,
        retried: m.retried as f64,
        queue_depth: m.queue_depth as f64,
        due_now: m.due_now as f64,
        oldest_due: maybe_date(m.oldest_due),
    }
}

/// What a worker did.
#[napi(object, object_from_js = false)]
pub struct WorkerReport {
    /// Attempts recorded.
    pub attempts: f64,
    /// Of those, successes.
    pub succeeded: f64,
    /// Attempts whose lease was lost (another worker has the delivery).
    pub lease_lost: f64,
    /// Claims given back unsent when it stopped.
    pub released: f64,
}

fn report(r: Report) -> WorkerReport {
    WorkerReport {
        attempts: r.attempts as f64,
        succeeded: r.succeeded as f64,
        lease_lost: r.lease_lost as f64,
        released: r.released as f64,
    }
}

fn maybe_report(r: Option<Report>) -> Option<WorkerReport> {
    r.map(report)
}

/// What a purge removed.
#[napi(object, object_from_js = false)]
pub struct Purged {
    /// Final deliveries removed (with their attempts).
    pub deliveries: f64,
    /// Messages left without deliveries, removed.
    pub messages: f64,
}

fn purged(p: PurgedCounts) -> Purged {
    Purged { deliveries: p.deliveries as f64, messages: p.messages as f64 }
}

fn queue(depth: u64) -> f64 {
    depth as f64
}

// ---- arguments ----------------------------------------------------------------------------

/// An endpoint argument: its id, or the `EndpointRecord` (its `id`).
fn endpoint_id(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<String> {
    match value.get_type()? {
        ValueType::String => input::arg(env, name, value),
        ValueType::Object if !value.is_array()? => {
            let object = Object::from_unknown(value)?;
            let id: Unknown = object.get_named_property("id")?;
            if id.get_type()? == ValueType::String {
                return input::arg(env, name, id);
            }
            Err(bad(env, name, "must be an endpoint id or an EndpointRecord (with its `id`)"))
        }
        _ => Err(bad(
            env,
            name,
            format!("must be an endpoint id or an EndpointRecord, got {}", input::type_of(&value)),
        )),
    }
}

fn optional_instant(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
) -> napi::Result<Option<UnixTime>> {
    match value {
        Some(value) => input::optional_instant(env, name, value),
        None => Ok(None),
    }
}

/// A span option in milliseconds.
fn span(env: &Env, name: &'static str, value: Option<f64>) -> napi::Result<Option<Duration>> {
    value.map(|ms| input::whole(env, name, ms).map(Duration::from_millis)).transpose()
}

/// Signing secrets: text, a `Secret` with text, or an array of those (rotation).
fn secrets(env: &Env, value: Unknown<'_>) -> napi::Result<Vec<zeroize::Zeroizing<String>>> {
    let one = |item: Unknown<'_>| -> napi::Result<zeroize::Zeroizing<String>> {
        if item.get_type()? == ValueType::String {
            return Ok(zeroize::Zeroizing::new(String::from_unknown(item)?));
        }
        if let Ok(secret) = input::instance::<crate::secret::Secret>(env, "secret", item) {
            return secret.inner().expose_text().map(|t| zeroize::Zeroizing::new(t.as_str().to_owned())).ok_or_else(|| {
                to_js(env, &hookwire::Error::InvalidSecret {
                    reason: "a Secret made from raw bytes has no text for the outbox to store; pass its text".into(),
                })
            });
        }
        Err(to_js(
            env,
            &hookwire::Error::InvalidSecret {
                reason: format!(
                    "a secret is a string, a Secret or an array of those, got {}",
                    input::type_of(&item)
                )
                .into(),
            },
        ))
    };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Err(to_js(
            env,
            &hookwire::Error::InvalidSecret { reason: "an endpoint needs a secret (options.secret)".into() },
        )),
        ValueType::Object if value.is_array()? => {
            let array = Object::from_unknown(value)?;
            (0..array.get_array_length()?).map(|i| one(array.get_element::<Unknown>(i)?)).collect()
        }
        _ => Ok(vec![one(value)?]),
    }
}

/// A retry policy: a preset name, or `{ preset | delaysMs, maxAttempts?, maxAgeMs?, throttleMinMs? }`.
fn retry(env: &Env, value: Unknown<'_>) -> napi::Result<Spec> {
    if value.get_type()? == ValueType::String {
        return Ok(Spec::preset(&String::from_unknown(value)?));
    }
    let options =
        Options::read(env, value, &["preset", "delaysMs", "maxAttempts", "maxAgeMs", "throttleMinMs"])?;
    let mut spec = match (options.get::<String>("preset")?, options.get::<Vec<f64>>("delaysMs")?) {
        (Some(_), Some(_)) => return Err(bad(env, "retry", "give `preset` or `delaysMs`, not both")),
        (Some(preset), None) => Spec::preset(&preset),
        (None, Some(delays)) => Spec::delays(
            delays
                .into_iter()
                .map(|d| input::whole(env, "delaysMs", d).map(Duration::from_millis))
                .collect::<napi::Result<Vec<_>>>()?,
        ),
        (None, None) => Spec::default(),
    };
    if let Some(attempts) = options.get::<f64>("maxAttempts")? {
        let attempts = u32::try_from(input::whole(env, "maxAttempts", attempts)?)
            .map_err(|_| bad(env, "maxAttempts", "must be at most 4294967295"))?;
        spec = spec.max_attempts(attempts);
    }
    if let Some(age) = span(env, "maxAgeMs", options.get("maxAgeMs")?)? {
        spec = spec.max_age(age);
    }
    if let Some(min) = span(env, "throttleMinMs", options.get("throttleMinMs")?)? {
        spec = spec.throttle_min(min);
    }
    Ok(spec)
}

/// A rate limit: `{ count, periodMs }`.
fn rate(env: &Env, value: Unknown<'_>) -> napi::Result<Rate> {
    let options = Options::read(env, value, &["count", "periodMs"])?;
    let count = options.get::<f64>("count")?.ok_or_else(|| bad(env, "rateLimit", "needs `count`"))?;
    let count =
        u32::try_from(input::whole(env, "count", count)?).map_err(|_| bad(env, "count", "is too large"))?;
    let period = span(env, "periodMs", options.get("periodMs")?)?
        .ok_or_else(|| bad(env, "rateLimit", "needs `periodMs`"))?;
    Ok(Rate::new(count, period))
}

fn filters(env: &Env, value: Unknown<'_>) -> napi::Result<Vec<(String, serde_json::Value)>> {
    let map: serde_json::Map<String, serde_json::Value> = input::arg(env, "filters", value)?;
    Ok(map.into_iter().collect())
}

fn headers(env: &Env, value: Unknown<'_>) -> napi::Result<Vec<(String, String)>> {
    let map: serde_json::Map<String, serde_json::Value> = input::arg(env, "headers", value)?;
    map.into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, text)),
            _ => Err(bad(env, "headers", format!("the value of `{name}` must be a string"))),
        })
        .collect()
}

/// A named option that is present (not `undefined`).
fn present<'env>(object: &Option<Object<'env>>, key: &str) -> napi::Result<Option<Unknown<'env>>> {
    let Some(object) = object else { return Ok(None) };
    let value: Unknown = object.get_named_property(key)?;
    Ok((value.get_type()? != ValueType::Undefined).then_some(value))
}

const ENDPOINT_OPTIONS: [&str; 15] = [
    "scheme",
    "secret",
    "events",
    "retry",
    "allowPrivate",
    "id",
    "filters",
    "headers",
    "rateLimit",
    "maxInFlight",
    "timeoutMs",
    "tenant",
    "description",
    "anyEventType",
    "url",
];

fn new_endpoint(env: &Env, url: Unknown<'_>, options: Unknown<'_>) -> napi::Result<NewEndpoint> {
    let url: String = input::arg(env, "url", url)?;
    let known = &ENDPOINT_OPTIONS[..ENDPOINT_OPTIONS.len() - 1];
    let read = Options::read(env, options, known)?;
    let object = object_of(options)?;
    let scheme = read.get::<String>("scheme")?.unwrap_or_else(|| "standard-webhooks".into());
    let secret = present(&object, "secret")?.ok_or_else(|| {
        to_js(
            env,
            &hookwire::Error::InvalidSecret { reason: "an endpoint needs a secret (options.secret)".into() },
        )
    })?;
    let mut all = secrets(env, secret)?.into_iter();
    let first = all.next().ok_or_else(|| {
        to_js(env, &hookwire::Error::InvalidSecret { reason: "an endpoint needs at least one secret".into() })
    })?;
    let mut new = NewEndpoint::new(&url, &scheme, &first);
    for more in all {
        new = new.secret(&more);
    }
    if let Some(events) = read.get::<Vec<String>>("events")? {
        new = new.events(events);
    }
    if let Some(value) = present(&object, "retry")? {
        new = new.retry(retry(env, value)?);
    }
    if let Some(allow) = read.get::<bool>("allowPrivate")? {
        new = new.allow_private(allow);
    }
    if let Some(id) = read.get::<String>("id")? {
        new = new.id(&id);
    }
    if let Some(value) = present(&object, "filters")? {
        for (field, value) in filters(env, value)? {
            new = new.filter(&field, value);
        }
    }
    if let Some(value) = present(&object, "headers")? {
        for (name, value) in headers(env, value)? {
            new = new.header(&name, &value);
        }
    }
    if let Some(value) = present(&object, "rateLimit")? {
        new = new.rate_limit(rate(env, value)?);
    }
    if let Some(count) = read.get::<f64>("maxInFlight")? {
        new = new.max_in_flight(u32::try_from(input::whole(env, "maxInFlight", count)?).unwrap_or(u32::MAX));
    }
    if let Some(timeout) = span(env, "timeoutMs", read.get("timeoutMs")?)? {
        new = new.timeout(timeout);
    }
    if let Some(tenant) = read.get::<String>("tenant")? {
        new = new.tenant(&tenant);
    }
    if let Some(text) = read.get::<String>("description")? {
        new = new.description(&text);
    }
    if let Some(any) = read.get::<bool>("anyEventType")? {
        new = new.any_event_type(any);
    }
    Ok(new)
}

fn object_of(options: Unknown<'_>) -> napi::Result<Option<Object<'_>>> {
    Ok(match options.get_type()? {
        ValueType::Object => Some(Object::from_unknown(options)?),
        _ => None,
    })
}

fn endpoint_update(env: &Env, changes: Unknown<'_>) -> napi::Result<EndpointUpdate> {
    let known: Vec<&str> =
        ENDPOINT_OPTIONS.iter().copied().filter(|k| !matches!(*k, "id" | "tenant")).collect();
    let read = Options::read(env, changes, &known)?;
    let object = object_of(changes)?;
    let mut update = EndpointUpdate::default();
    if let Some(url) = read.get::<String>("url")? {
        update = update.url(&url);
    }
    if let Some(scheme) = read.get::<String>("scheme")? {
        update = update.scheme(&scheme);
    }
    if let Some(value) = present(&object, "secret")? {
        let all = secrets(env, value)?;
        update = update.secrets(all.iter().map(|s| s.as_str()));
    }
    if let Some(events) = read.get::<Vec<String>>("events")? {
        update = update.events(events);
    }
    if let Some(value) = present(&object, "retry")? {
        update = update.retry(retry(env, value)?);
    }
    if let Some(allow) = read.get::<bool>("allowPrivate")? {
        update = update.allow_private(allow);
    }
    if let Some(value) = present(&object, "filters")? {
        update = update.filters(filters(env, value)?);
    }
    if let Some(value) = present(&object, "headers")? {
        update = update.headers(headers(env, value)?);
    }
    // `null` removes the pacing.
    if let Some(value) = present(&object, "rateLimit")? {
        update = update.rate_limit(if value.get_type()? == ValueType::Null {
            None
        } else {
            Some(rate(env, value)?)
        });
    }
    if let Some(count) = read.get::<f64>("maxInFlight")? {
        update =
            update.max_in_flight(u32::try_from(input::whole(env, "maxInFlight", count)?).unwrap_or(u32::MAX));
    }
    if let Some(timeout) = span(env, "timeoutMs", read.get("timeoutMs")?)? {
        update = update.timeout(timeout);
    }
    // `null` removes the note.
    if let Some(value) = present(&object, "description")? {
        update = update.description(
            match value.get_type()? {
                ValueType::Null => None,
                _ => Some(input::arg::<String>(env, "description", value)?),
            }
            .as_deref(),
        );
    }
    if let Some(any) = read.get::<bool>("anyEventType")? {
        update = update.any_event_type(any);
    }
    Ok(update)
}

/// What `publish` sends: `data` (a JSON object or value) in the envelope of `dialect`, or a
/// `Buffer`/`Uint8Array` or a string (its UTF-8) sent exactly.
fn publish_arg(
    env: &Env,
    event_type: Unknown<'_>,
    data: Unknown<'_>,
    options: Unknown<'_>,
) -> napi::Result<Publish> {
    let event_type: String = input::arg(env, "eventType", event_type)?;
    let publish = match data.get_type()? {
        // The body rule of every binding: bytes, or a string as its UTF-8, is the exact body.
        ValueType::String => {
            let bytes = input::body::<napi::bindgen_prelude::Uint8ArraySlice>(env, &data)?;
            Publish::raw(&event_type, bytes.bytes().to_vec())
        }
        // A Buffer is a Uint8Array (napi's `is_buffer` also takes a DataView, refused below).
        ValueType::Object if data.is_typedarray()? => {
            let bytes = input::body::<napi::bindgen_prelude::Uint8ArraySlice>(env, &data)?;
            Publish::raw(&event_type, bytes.bytes().to_vec())
        }
        ValueType::Undefined | ValueType::Function | ValueType::Symbol | ValueType::BigInt => {
            return Err(bad(
                env,
                "data",
                format!("must be an object or a Buffer, got {}", input::type_of(&data)),
            ))
        }
        // Bytes the body rule refuses (JSON would publish `{}` for them).
        ValueType::Object => match input::buffer_kind(env, &data)? {
            Some(got) => {
                let reason =
                    format!("must be an object or a Buffer, got {got}: wrap its bytes in a Uint8Array");
                return Err(bad(env, "data", reason));
            }
            None => Publish::event(&event_type, json_data(env, data)?),
        },
        _ => Publish::event(&event_type, json_data(env, data)?),
    };
    publish_options(env, publish, options)
}

/// `publish`'s options on `publish`.
fn publish_options(env: &Env, mut publish: Publish, options: Unknown<'_>) -> napi::Result<Publish> {
    let read = Options::read(env, options, &["idempotencyKey", "tenant", "dialect"])?;
    if let Some(key) = read.get::<String>("idempotencyKey")? {
        publish = publish.idempotency_key(&key);
    }
    if let Some(tenant) = read.get::<String>("tenant")? {
        publish = publish.tenant(&tenant);
    }
    if let Some(name) = read.get::<String>("dialect")? {
        publish = publish.dialect(Dialect::from_name(&name).map_err(|err| to_js(env, &err))?);
    }
    Ok(publish)
}

/// `data` as JSON: written by V8's own `JSON.stringify` (JS's rules: `toJSON`, Dates as text,
/// `undefined` members left out, as the user's own serializing would) and read back by
/// serde_json, instead of walking the object key by key through napi. (Issue 16's publish
/// cost: no difference measurable on a loaded 2-core machine; see the README's table.)
fn json_data(env: &Env, data: Unknown<'_>) -> napi::Result<serde_json::Value> {
    let json: Object = env.get_global()?.get_named_property_unchecked("JSON")?;
    let stringify: napi::bindgen_prelude::Function<Unknown, Unknown> =
        json.get_named_property("stringify")?;
    // A BigInt or a cycle makes JSON.stringify throw a TypeError: invalid_argument, named.
    let text = stringify.call(data).map_err(|thrown| not_json(env, Some(thrown.reason.clone())))?;
    if text.get_type()? != ValueType::String {
        return Err(not_json(env, None));
    }
    json_text(env, &String::from_unknown(text)?)
}

/// `data` refused by `JSON.stringify`: it threw (`thrown`, the reason) or gave nothing.
fn not_json(env: &Env, thrown: Option<String>) -> napi::Error {
    let reason = thrown.unwrap_or_else(|| "JSON.stringify gives nothing for it".into());
    bad(env, "data", format!("is not JSON: {reason}"))
}

/// `data`'s JSON text, as `JSON.stringify` wrote it, read by serde_json.
fn json_text(env: &Env, text: &str) -> napi::Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|error| bad(env, "data", format!("is not JSON: {error}")))
}

fn filter_arg(env: &Env, options: Unknown<'_>) -> napi::Result<DeliveryFilter> {
    let read = Options::read(
        env,
        options,
        &["status", "endpoint", "message", "eventType", "since", "until", "limit"],
    )?;
    let object = object_of(options)?;
    let mut filter = DeliveryFilter::default();
    if let Some(status) = read.get::<String>("status")? {
        filter = filter.status(DeliveryStatus::from_name(&status).map_err(|err| rejected(env, &err))?);
    }
    if let Some(value) = present(&object, "endpoint")? {
        filter = filter.endpoint(&endpoint_id(env, "endpoint", value)?);
    }
    if let Some(message) = read.get::<String>("message")? {
        filter = filter.message(&message);
    }
    if let Some(event_type) = read.get::<String>("eventType")? {
        filter = filter.event_type(&event_type);
    }
    filter.since = optional_instant(env, "since", present(&object, "since")?)?;
    filter.until = optional_instant(env, "until", present(&object, "until")?)?;
    if let Some(limit) = read.get::<f64>("limit")? {
        filter.limit = Some(u32::try_from(input::whole(env, "limit", limit)?).unwrap_or(u32::MAX));
    }
    Ok(filter)
}

/// Worker settings: `{ concurrency?, leaseMs?, pollIntervalMs? }` (and `timeoutMs` for
/// `runUntilIdle`).
fn worker_arg(
    env: &Env,
    outbox: &hookwire_outbox::Outbox,
    options: Unknown<'_>,
    timeout: bool,
) -> napi::Result<(WorkerBuilder, Duration)> {
    let known: &[&str] = if timeout {
        &["concurrency", "leaseMs", "pollIntervalMs", "timeoutMs"]
    } else {
        &["concurrency", "leaseMs", "pollIntervalMs"]
    };
    let read = Options::read(env, options, known)?;
    let mut builder = outbox.worker();
    if let Some(count) = read.get::<f64>("concurrency")? {
        let count = input::whole(env, "concurrency", count)?;
        if count == 0 {
            return Err(bad(env, "concurrency", "must be at least 1"));
        }
        builder = builder.concurrency(usize::try_from(count).unwrap_or(usize::MAX));
    }
    if let Some(lease) = span(env, "leaseMs", read.get("leaseMs")?)? {
        builder = builder.lease(lease);
    }
    if let Some(interval) = span(env, "pollIntervalMs", read.get("pollIntervalMs")?)? {
        builder = builder.poll_interval(interval);
    }
    let wait = if timeout { span(env, "timeoutMs", read.get("timeoutMs")?)? } else { None };
    Ok((builder, wait.unwrap_or(Duration::from_secs(60))))
}

// ---- the outbox ---------------------------------------------------------------------------

/// A durable outbox in an SQLite file (`sqlite:///path/webhooks.db`) or PostgreSQL
/// (`postgres://user@host/db`): endpoints, messages, deliveries and attempts, and a worker that
/// sends, retries and survives crashes, running on napi's runtime in this process.
///
/// ```js
/// const outbox = await Outbox.open('sqlite:///var/lib/app/webhooks.db')
/// await outbox.addEndpoint(url, { scheme: 'standard-webhooks', secret, events: ['order.*'] })
/// outbox.start({ concurrency: 8 })
/// const messageId = await outbox.publish('order.created', { id: 1001 })
/// ```
#[napi]
pub struct Outbox {
    outbox: hookwire_outbox::Outbox,
    /// The background worker `start` runs, until `stop`.
    worker: Mutex<Option<WorkerHandle>>,
}

#[napi]
impl Outbox {
    /// Not for `new`: opening reads the database, so it is a Promise: `await Outbox.open(url)`.
    #[napi(constructor, skip_typescript)]
    pub fn no_constructor(env: Env) -> napi::Result<Self> {
        Err(input::not_constructible(&env, "Outbox", "await Outbox.open(url)"))
    }

    /// Opens (creating when needed) the outbox at `url` and brings its schema up to date.
    /// `maxPayload`: the largest body `publish` accepts, in bytes (default and most: 1 MiB).
    #[napi(
        ts_args_type = "url: string, options?: { maxPayload?: number }",
        ts_return_type = "Promise<Outbox>"
    )]
    pub fn open<'env>(
        env: &'env Env,
        url: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Outbox>> {
        let url: String = input::arg(env, "url", url)?;
        let read = Options::read(env, options, &["maxPayload"])?;
        let max_payload =
            read.get::<f64>("maxPayload")?.map(|n| input::whole(env, "maxPayload", n)).transpose()?;
        promise(
            env,
            async move {
                let outbox = hookwire_outbox::Outbox::open(&url).await?;
                match max_payload {
                    Some(bytes) => outbox.with_max_payload(usize::try_from(bytes).unwrap_or(usize::MAX)),
                    None => Ok(outbox),
                }
            },
            |outbox| Outbox { outbox, worker: Mutex::new(None) },
        )
    }

    /// The largest body `publish` accepts, in bytes.
    #[napi(getter)]
    pub fn max_payload(&self) -> u32 {
        u32::try_from(self.outbox.max_payload()).unwrap_or(u32::MAX)
    }

    /// Adds an endpoint after checking it with the core (URL guard, scheme, secrets, patterns,
    /// headers, policy, rate). `allowPrivate`: loopback and private networks (127.0.0.1 in
    /// tests); without it they are `BlockedUrl`.
    #[napi(
        ts_args_type = "url: string, options: EndpointOptions",
        ts_return_type = "Promise<EndpointRecord>"
    )]
    pub fn add_endpoint<'env>(
        &self,
        env: &'env Env,
        url: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, EndpointRecord>> {
        let new = new_endpoint(env, url, options)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.add_endpoint(new).await }, endpoint)
    }

    /// Changes an endpoint: each option given replaces that setting (`rateLimit: null` removes
    /// the pacing, `description: null` the note), checked like a new endpoint.
    #[napi(
        ts_args_type = "endpoint: string | EndpointRecord, changes: EndpointChanges",
        ts_return_type = "Promise<EndpointRecord>"
    )]
    pub fn update_endpoint<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
        changes: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, EndpointRecord>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let update = endpoint_update(env, changes)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.update_endpoint(&id, update).await }, endpoint)
    }

    /// Removes an endpoint with its deliveries and their attempts.
    #[napi(ts_args_type = "endpoint: string | EndpointRecord", ts_return_type = "Promise<void>")]
    pub fn delete_endpoint<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.delete_endpoint(&id).await }, same)
    }

    /// One endpoint (`NotFound` when there is none).
    #[napi(ts_args_type = "endpoint: string | EndpointRecord", ts_return_type = "Promise<EndpointRecord>")]
    pub fn endpoint<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, EndpointRecord>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.endpoint(&id).await }, endpoint)
    }

    /// Every endpoint, oldest first.
    #[napi(ts_return_type = "Promise<EndpointRecord[]>")]
    pub fn endpoints<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Vec<EndpointRecord>>> {
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.endpoints().await }, endpoints)
    }

    /// Enables an endpoint again with a clean health record (its failed deliveries stay failed:
    /// `recover` sends them again).
    #[napi(ts_args_type = "endpoint: string | EndpointRecord", ts_return_type = "Promise<EndpointRecord>")]
    pub fn enable_endpoint<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, EndpointRecord>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.enable_endpoint(&id).await }, endpoint)
    }

    /// Disables an endpoint by hand; its pending and retrying deliveries fail.
    #[napi(ts_args_type = "endpoint: string | EndpointRecord", ts_return_type = "Promise<EndpointRecord>")]
    pub fn disable_endpoint<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, EndpointRecord>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.disable_endpoint(&id).await }, endpoint)
    }

    /// Stores a message and one delivery per matching endpoint, in one transaction; resolves to
    /// the message id (the webhook id receivers see on every attempt). `data`: an object (the
    /// event's data, in `dialect`'s envelope, native by default), or the exact body: a `Buffer`
    /// or `Uint8Array`, or a string (its UTF-8), the body rule of every binding.
    #[napi(
        ts_args_type = "eventType: string, data: JsonValue | Uint8Array, options?: PublishOptions",
        ts_return_type = "Promise<string>"
    )]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        event_type: Unknown<'_>,
        data: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let publish = publish_arg(env, event_type, data, options)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.publish(publish).await.map(|p| p.message_id) }, same)
    }

    /// Deliveries, newest first, narrowed by every filter given.
    #[napi(ts_args_type = "filter?: DeliveryFilter", ts_return_type = "Promise<DeliveryRecord[]>")]
    pub fn deliveries<'env>(
        &self,
        env: &'env Env,
        filter: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Vec<DeliveryRecord>>> {
        let filter = filter_arg(env, filter)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.deliveries(filter).await }, deliveries)
    }

    /// One delivery.
    #[napi(ts_args_type = "deliveryId: string", ts_return_type = "Promise<DeliveryRecord>")]
    pub fn delivery<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, DeliveryRecord>> {
        let id: String = input::arg(env, "deliveryId", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.delivery(&id).await }, delivery)
    }

    /// A delivery's attempts, oldest first.
    #[napi(ts_args_type = "deliveryId: string", ts_return_type = "Promise<AttemptRecord[]>")]
    pub fn attempts<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Vec<AttemptRecord>>> {
        let id: String = input::arg(env, "deliveryId", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.attempts(&id).await }, attempts)
    }

    /// One message, with its exact body.
    #[napi(ts_args_type = "messageId: string", ts_return_type = "Promise<MessageRecord>")]
    pub fn message<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, MessageRecord>> {
        let id: String = input::arg(env, "messageId", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.message(&id).await }, message)
    }

    /// Retries a delivery now: a pending or retrying one is made due at once; a failed or
    /// cancelled one gets one manual attempt. `InvalidState` when it succeeded (use `resend`),
    /// is being attempted right now, or its endpoint is disabled.
    #[napi(ts_args_type = "deliveryId: string", ts_return_type = "Promise<DeliveryRecord>")]
    pub fn retry<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, DeliveryRecord>> {
        let id: String = input::arg(env, "deliveryId", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.retry(&id).await }, delivery)
    }

    /// Cancels a pending or retrying delivery.
    #[napi(ts_args_type = "deliveryId: string", ts_return_type = "Promise<DeliveryRecord>")]
    pub fn cancel<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, DeliveryRecord>> {
        let id: String = input::arg(env, "deliveryId", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.cancel(&id).await }, delivery)
    }

    /// Sends a message to an endpoint again, same webhook id, on a fresh run of its policy.
    #[napi(
        ts_args_type = "messageId: string, endpoint: string | EndpointRecord",
        ts_return_type = "Promise<DeliveryRecord>"
    )]
    pub fn resend<'env>(
        &self,
        env: &'env Env,
        message_id: Unknown<'_>,
        id: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, DeliveryRecord>> {
        let message_id: String = input::arg(env, "messageId", message_id)?;
        let id = endpoint_id(env, "endpoint", id)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.resend(&message_id, &id).await }, delivery)
    }

    /// Sends an endpoint's failed deliveries created in `[since, until)` (`until`: now) again,
    /// each on a fresh run; with `dryRun` only lists them. Resolves to the delivery ids.
    #[napi(
        ts_args_type = "endpoint: string | EndpointRecord, window: { since: Date | number; until?: Date | number; dryRun?: boolean }",
        ts_return_type = "Promise<string[]>"
    )]
    pub fn recover<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
        window: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Vec<String>>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let read = Options::read(env, window, &["since", "until", "dryRun"])?;
        let object = object_of(window)?;
        let since = optional_instant(env, "since", present(&object, "since")?)?
            .ok_or_else(|| bad(env, "since", "is required"))?;
        let until = optional_instant(env, "until", present(&object, "until")?)?;
        let dry_run = read.get::<bool>("dryRun")?.unwrap_or(false);
        let outbox = self.outbox.clone();
        promise(
            env,
            async move { outbox.recover(&id, since, until.unwrap_or_else(UnixTime::now), dry_run).await },
            same,
        )
    }

    /// Sends one endpoint the catalog's sample of `eventType`, in the envelope its receivers
    /// read (its scheme's dialect); resolves to the delivery.
    #[napi(
        ts_args_type = "endpoint: string | EndpointRecord, eventType: string",
        ts_return_type = "Promise<DeliveryRecord>"
    )]
    pub fn send_test_event<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
        event_type: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, DeliveryRecord>> {
        let id = endpoint_id(env, "endpoint", id)?;
        let event_type: String = input::arg(env, "eventType", event_type)?;
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.send_test_event(&id, &event_type).await }, delivery)
    }

    /// Per-endpoint statistics.
    #[napi(ts_return_type = "Promise<EndpointStats[]>")]
    pub fn stats<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Vec<EndpointStats>>> {
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.stats().await }, stats)
    }

    /// The metrics snapshot: delivered, failed, retried, queue depth, due now, oldest due.
    #[napi(ts_return_type = "Promise<OutboxMetrics>")]
    pub fn metrics<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, OutboxMetrics>> {
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.metrics().await }, metrics)
    }

    /// Deliveries pending or retrying.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn queue_depth<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, f64>> {
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.queue_depth().await }, queue)
    }

    /// Removes deliveries final for longer than `olderThanMs`, their attempts, and messages left
    /// without deliveries.
    #[napi(ts_args_type = "olderThanMs: number", ts_return_type = "Promise<Purged>")]
    pub fn purge<'env>(
        &self,
        env: &'env Env,
        older_than_ms: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Purged>> {
        let older_than = Duration::from_millis(input::count(env, "olderThanMs", older_than_ms)?);
        let outbox = self.outbox.clone();
        promise(env, async move { outbox.purge(older_than).await }, purged)
    }

    /// Starts the background worker on napi's runtime (at most `concurrency` requests in flight;
    /// `leaseMs`: how long a crashed process's deliveries wait for another worker). Throws
    /// `InvalidState` when this outbox's worker is already running.
    #[napi(ts_args_type = "options?: WorkerOptions")]
    pub fn start(&self, env: Env, options: Unknown<'_>) -> napi::Result<()> {
        let (builder, _) = worker_arg(&env, &self.outbox, options, false)?;
        let mut slot = self.worker.lock().map_err(|_| rejected(&env, &internal("worker slot poisoned")))?;
        if slot.as_ref().is_some_and(|worker| !worker.is_finished()) {
            let reason = "this outbox's worker is running: stop() it first";
            return Err(to_js(&env, &hookwire::Error::InvalidState { reason: reason.into() }));
        }
        let spawned = catch_unwind(AssertUnwindSafe(|| {
            napi::bindgen_prelude::within_runtime_if_available(|| {
                builder.spawn(&napi::tokio::runtime::Handle::current())
            })
        }));
        let handle = match spawned {
            Ok(Ok(handle)) => handle,
            Ok(Err(error)) => return Err(rejected(&env, &error)),
            Err(_) => return Err(rejected(&env, &internal("the async runtime is not available"))),
        };
        *slot = Some(handle);
        Ok(())
    }

    /// Whether the background worker is running.
    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.worker.lock().map(|slot| slot.as_ref().is_some_and(|w| !w.is_finished())).unwrap_or(false)
    }

    /// Stops the background worker: no new claims, requests in flight finish for up to
    /// `timeoutMs` (default 10,000), the rest are given back. Resolves to what it did, or `null`
    /// when no worker was running.
    #[napi(ts_args_type = "timeoutMs?: number", ts_return_type = "Promise<WorkerReport | null>")]
    pub fn stop<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, Option<WorkerReport>>> {
        let deadline = span(env, "timeoutMs", input::optional(env, "timeoutMs", timeout_ms)?)?
            .unwrap_or(Duration::from_secs(10));
        let handle = self.worker.lock().map_err(|_| rejected(env, &internal("worker slot poisoned")))?.take();
        on_runtime(
            env,
            async move {
                Ok(match handle {
                    Some(handle) => Some(handle.stop(deadline).await),
                    None => None,
                })
            },
            maybe_report,
        )
    }

    /// Runs a worker until every delivery is final (scheduled retries included), then stops it:
    /// for scripts and tests. Rejects with `Timeout` when `timeoutMs` (default 60,000) passes
    /// first.
    #[napi(
        ts_args_type = "options?: WorkerOptions & { timeoutMs?: number }",
        ts_return_type = "Promise<WorkerReport>"
    )]
    pub fn run_until_idle<'env>(
        &self,
        env: &'env Env,
        options: Unknown<'_>,
    ) -> napi::Result<PromiseRaw<'env, WorkerReport>> {
        let (builder, timeout) = worker_arg(env, &self.outbox, options, true)?;
        on_runtime(env, async move { builder.run_until_idle(timeout).await }, report)
    }

    /// The engine and the limit (never a password).
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!("{:?}", self.outbox)
    }
}

/// The outbox's own error codes, in its order (`hookwire_outbox::Error::CODES`).
#[napi]
pub fn outbox_error_codes() -> Vec<&'static str> {
    Error::CODES.to_vec()
}

/// `outbox.publish(eventType, data, options)` for a `data` object the package layer has already
/// written with `JSON.stringify` (`index.js`): JS calls it in well under a microsecond, where the
/// same call made from Rust took about 3 µs of a publish (issue 16). The same rules, errors and
/// answer as `publish`. `json` is `undefined` when `JSON.stringify` threw (`thrown`: the reason)
/// or gave nothing: the error is then `publish`'s, without stringifying the object again (its
/// `toJSON` and getters run once).
#[napi(ts_return_type = "Promise<string>")]
pub fn outbox_publish_json<'env>(
    env: &'env Env,
    outbox: &Outbox,
    event_type: Unknown<'_>,
    json: Option<String>,
    options: Unknown<'_>,
    thrown: Option<String>,
) -> napi::Result<PromiseRaw<'env, String>> {
    let event_type: String = input::arg(env, "eventType", event_type)?;
    let json = json.ok_or_else(|| not_json(env, thrown))?;
    let publish = Publish::event(&event_type, json_text(env, &json)?);
    let publish = publish_options(env, publish, options)?;
    let outbox = outbox.outbox.clone();
    promise(env, async move { outbox.publish(publish).await.map(|p| p.message_id) }, same)
}
