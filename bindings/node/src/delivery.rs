//! The sender's building blocks: Outcome, RetryPolicy, Delivery, Scheduler, EndpointHealth.
//! Instants are JS `Date`s (a `Date` or unix milliseconds in, a `Date` out: `input::instant`);
//! spans are milliseconds, with `Ms` on the name.

use std::time::Duration;

use chrono::{DateTime, Utc};

use hookwire::{DeliveryState, Failure, HealthPolicy, Jitter};
use http::HeaderMap;
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::errors::{argument, run, to_js};
use crate::input::{self, Options};

/// A span in milliseconds: a whole number ≥ 0 (see `input::count`).
fn millis(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<Duration> {
    input::count(env, name, value).map(Duration::from_millis)
}

/// An optional span in milliseconds (`undefined`: 0).
fn millis_or_zero(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<Duration> {
    let ms = input::optional::<f64>(env, name, value)?.unwrap_or(0.0);
    input::whole(env, name, ms).map(Duration::from_millis)
}

fn as_ms(span: Duration) -> i64 {
    i64::try_from(span.as_millis()).unwrap_or(i64::MAX)
}

fn date(at: hookwire::UnixTime) -> DateTime<Utc> {
    input::date(at)
}

/// What one attempt came to: a response, or a transport failure.
#[napi]
pub struct Outcome(pub(crate) hookwire::Outcome);

#[napi]
impl Outcome {
    /// Not for `new`: napi would throw a bare error; this names the factories instead.
    #[napi(constructor, skip_typescript)]
    pub fn no_constructor(env: Env) -> napi::Result<Self> {
        Err(input::not_constructible(
            &env,
            "Outcome",
            "Outcome.response(status, headers, elapsedMs) or Outcome.transport(failure, elapsedMs)",
        ))
    }

    /// An HTTP response: `status`, its headers (for `Retry-After`) and how long it took (ms).
    #[napi(
        ts_args_type = "status: number, headers?: Record<string, string | number | string[]> | Map<string, string | number> | Headers | Array<[string, string | number]>, elapsedMs?: number"
    )]
    pub fn response(
        env: Env,
        status: Unknown<'_>,
        headers: Unknown<'_>,
        elapsed_ms: Unknown<'_>,
    ) -> napi::Result<Outcome> {
        let status = input::count16(&env, "status", status)?;
        let map = match headers.get_type()? {
            napi::ValueType::Undefined => HeaderMap::new(),
            _ => input::header_map(&env, headers)?,
        };
        let elapsed = millis_or_zero(&env, "elapsedMs", elapsed_ms)?;
        run(&env, || Ok(hookwire::Outcome::from_response(status, &map, elapsed))).map(Outcome)
    }

    /// A transport failure: a `FailureKind` (the core's `Failure::ALL`, in bindings/names.json).
    #[napi(ts_args_type = "failure: FailureKind, elapsedMs?: number")]
    pub fn transport(env: Env, failure: Unknown<'_>, elapsed_ms: Unknown<'_>) -> napi::Result<Outcome> {
        let failure: String = input::arg(&env, "failure", failure)?;
        let elapsed = millis_or_zero(&env, "elapsedMs", elapsed_ms)?;
        run(&env, || Ok(hookwire::Outcome::transport(Failure::from_name(&failure)?, elapsed))).map(Outcome)
    }

    /// `success`, `retryable`, `throttled`, `permanent`, `endpoint_gone`, `aborted` or `disable_requested`.
    #[napi(getter, ts_return_type = "OutcomeClass")]
    pub fn outcome_class(&self) -> &'static str {
        self.0.class().name()
    }

    /// The HTTP status, if there was a response.
    #[napi(getter)]
    pub fn status(&self) -> Option<u16> {
        self.0.status()
    }

    /// The transport failure, if there was one.
    #[napi(getter, ts_return_type = "FailureKind | null")]
    pub fn failure(&self) -> Option<&'static str> {
        self.0.failure().map(Failure::name)
    }

    /// Whether the receiver accepted the message (2xx).
    #[napi(getter)]
    pub fn is_success(&self) -> bool {
        self.0.is_success()
    }

    /// How long the attempt took (ms).
    #[napi(getter)]
    pub fn elapsed_ms(&self) -> i64 {
        as_ms(self.0.elapsed())
    }
}

/// What to do after an attempt.
#[napi(object)]
pub struct Decision {
    /// `done`, `retry` or `give_up`.
    #[napi(ts_type = "DecisionAction")]
    pub action: String,
    /// When to retry, for `retry`.
    pub at: Option<DateTime<Utc>>,
    /// The delay before the retry (ms), for `retry`.
    pub delay_ms: Option<i64>,
    /// Why to give up, for `give_up`.
    #[napi(ts_type = "GiveUpReason")]
    pub reason: Option<String>,
}

impl From<hookwire::Decision> for Decision {
    fn from(decision: hookwire::Decision) -> Decision {
        Decision {
            action: decision.name().to_owned(),
            at: decision.at().map(date),
            delay_ms: decision.delay().map(as_ms),
            reason: decision.reason().map(|r| r.name().to_owned()),
        }
    }
}

/// When to retry: a table of delays or exponential backoff, with jitter and limits.
///
/// ```js
/// const policy = RetryPolicy.fromName('standard-webhooks').withSeed(7)
/// policy.next(1, firstAt, now, Outcome.response(503)) // { action: 'retry', at, delayMs }
/// ```
#[napi]
pub struct RetryPolicy(pub(crate) hookwire::RetryPolicy);

#[napi]
impl RetryPolicy {
    /// Not for `new`: napi would throw a bare error; this names the factories instead.
    #[napi(constructor, skip_typescript)]
    pub fn no_constructor(env: Env) -> napi::Result<Self> {
        Err(input::not_constructible(
            &env,
            "RetryPolicy",
            "RetryPolicy.fromName(name), RetryPolicy.table(...) or RetryPolicy.exponential(...)",
        ))
    }

    /// A preset by name (`RETRY_POLICIES`).
    #[napi(ts_args_type = "name: string")]
    pub fn from_name(env: Env, name: Unknown<'_>) -> napi::Result<RetryPolicy> {
        let name: String = input::arg(&env, "name", name)?;
        run(&env, || hookwire::RetryPolicy::from_name(&name)).map(RetryPolicy)
    }

    /// A table of delays (ms) before each attempt; the first is usually 0.
    #[napi(ts_args_type = "name: string, delaysMs: Array<number>")]
    pub fn table(env: Env, name: Unknown<'_>, delays_ms: Unknown<'_>) -> napi::Result<RetryPolicy> {
        let name: String = input::arg(&env, "name", name)?;
        let delays_ms: Vec<f64> = input::arg(&env, "delaysMs", delays_ms)?;
        let delays = delays_ms
            .into_iter()
            .map(|d| input::whole(&env, "delaysMs", d).map(Duration::from_millis))
            .collect::<napi::Result<Vec<_>>>()?;
        run(&env, || hookwire::RetryPolicy::table(name, delays)).map(RetryPolicy)
    }

    /// Exponential backoff: `initialMs`, times `factor` each retry, at most `capMs`.
    #[napi(
        ts_args_type = "name: string, initialMs: number, factor: number, capMs: number, maxAttempts: number"
    )]
    pub fn exponential(
        env: Env,
        name: Unknown<'_>,
        initial_ms: Unknown<'_>,
        factor: Unknown<'_>,
        cap_ms: Unknown<'_>,
        max_attempts: Unknown<'_>,
    ) -> napi::Result<RetryPolicy> {
        let name: String = input::arg(&env, "name", name)?;
        let initial = millis(&env, "initialMs", initial_ms)?;
        let factor: f64 = input::arg(&env, "factor", factor)?;
        let cap = millis(&env, "capMs", cap_ms)?;
        let max_attempts = input::count32(&env, "maxAttempts", max_attempts)?;
        run(&env, || hookwire::RetryPolicy::exponential(name, initial, factor, cap, max_attempts))
            .map(RetryPolicy)
    }

    /// A copy with jitter: `none`, `proportional` (± `fraction`), `full` or `decorrelated`.
    #[napi(ts_args_type = "kind: JitterKind, fraction?: number")]
    pub fn with_jitter(
        &self,
        env: Env,
        kind: Unknown<'_>,
        fraction: Unknown<'_>,
    ) -> napi::Result<RetryPolicy> {
        let kind: String = input::arg(&env, "kind", kind)?;
        let fraction = input::optional::<f64>(&env, "fraction", fraction)?.unwrap_or(0.0);
        let policy = self.0.clone();
        run(&env, || policy.with_jitter(Jitter::from_name(&kind, fraction)?)).map(RetryPolicy)
    }

    /// A copy whose jitter comes from `seed` (deterministic; a safe integer ≥ 0).
    #[napi(ts_args_type = "seed: number")]
    pub fn with_seed(&self, env: Env, seed: Unknown<'_>) -> napi::Result<RetryPolicy> {
        let seed = input::count(&env, "seed", seed)?;
        Ok(RetryPolicy(self.0.clone().with_seed(seed)))
    }

    /// A copy with at most `maxAttempts` attempts, the first included.
    #[napi(ts_args_type = "maxAttempts: number")]
    pub fn with_max_attempts(&self, env: Env, max_attempts: Unknown<'_>) -> napi::Result<RetryPolicy> {
        let attempts = input::count32(&env, "maxAttempts", max_attempts)?;
        let policy = self.0.clone();
        run(&env, || policy.with_max_attempts(attempts)).map(RetryPolicy)
    }

    /// A copy that gives up once the first attempt is `maxAgeMs` old.
    #[napi(ts_args_type = "maxAgeMs: number")]
    pub fn with_max_age(&self, env: Env, max_age_ms: Unknown<'_>) -> napi::Result<RetryPolicy> {
        let age = millis(&env, "maxAgeMs", max_age_ms)?;
        run(&env, || self.0.clone().with_max_age(age)).map(RetryPolicy)
    }

    /// The policy's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// The most attempts, the first included (what `withMaxAttempts` set).
    #[napi(getter)]
    pub fn max_attempts(&self) -> u32 {
        self.0.max_attempts()
    }

    /// No retry later than this after the first attempt (ms), or null (what `withMaxAge` set).
    #[napi(getter)]
    pub fn max_age_ms(&self) -> Option<i64> {
        self.0.max_age().map(as_ms)
    }

    /// The jitter kind.
    #[napi(getter, ts_return_type = "JitterKind")]
    pub fn jitter(&self) -> &'static str {
        self.0.jitter().name()
    }

    /// The nominal delay before each attempt (ms), without jitter.
    #[napi]
    pub fn schedule(&self) -> Vec<i64> {
        self.0.schedule().into_iter().map(as_ms).collect()
    }

    /// What to do after attempt number `attempt` (1 = the first) ended with `outcome` at `now`.
    #[napi(
        ts_args_type = "attempt: number, firstAttemptAt: Date | number, now: Date | number, outcome: Outcome"
    )]
    pub fn next(
        &self,
        env: Env,
        attempt: Unknown<'_>,
        first_attempt_at: Unknown<'_>,
        now: Unknown<'_>,
        outcome: Unknown<'_>,
    ) -> napi::Result<Decision> {
        let attempt = input::count32(&env, "attempt", attempt)?;
        let first_attempt_at = input::instant(&env, "firstAttemptAt", first_attempt_at)?;
        let now = input::instant(&env, "now", now)?;
        let outcome = input::instance::<Outcome>(&env, "outcome", outcome)?;
        run(&env, || Ok(self.0.next(attempt, first_attempt_at, now, &outcome.0))).map(Decision::from)
    }
}

/// One attempt of a delivery.
#[napi(object)]
pub struct Attempt {
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub status: Option<u16>,
    #[napi(ts_type = "OutcomeClass")]
    pub outcome_class: String,
    #[napi(ts_type = "FailureKind")]
    pub failure: Option<String>,
    /// The response body, cut at the delivery's limit (default 20 KB).
    pub response_body: String,
    pub response_truncated: bool,
    /// Whether it was a manual retry.
    pub manual: bool,
}

/// One message on its way to one endpoint: state and attempt log.
///
/// ```js
/// const delivery = new Delivery('msg_1', now)
/// delivery.record(policy, startedAt, Outcome.response(503), 'busy', now) // 'retrying'
/// ```
#[napi]
pub struct Delivery(hookwire::Delivery);

#[napi]
impl Delivery {
    /// A new delivery of message `id`, due at `now` (a `Date` or unix ms).
    #[napi(constructor, ts_args_type = "id: string, now: Date | number")]
    pub fn new(env: Env, id: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Delivery> {
        let id: String = input::arg(&env, "id", id)?;
        Ok(Delivery(hookwire::Delivery::new(id, input::instant(&env, "now", now)?)))
    }

    /// Records an attempt that started at `startedAt` and ended with `outcome`; returns the new
    /// state name.
    #[napi(
        ts_args_type = "policy: RetryPolicy, startedAt: Date | number, outcome: Outcome, responseBody: Uint8Array | string, now: Date | number",
        ts_return_type = "DeliveryStateName"
    )]
    pub fn record(
        &mut self,
        env: Env,
        policy: Unknown<'_>,
        started_at: Unknown<'_>,
        outcome: Unknown<'_>,
        response_body: Unknown<'_>,
        now: Unknown<'_>,
    ) -> napi::Result<&'static str> {
        let policy = input::instance::<RetryPolicy>(&env, "policy", policy)?;
        let started_at = input::instant(&env, "startedAt", started_at)?;
        let outcome = input::instance::<Outcome>(&env, "outcome", outcome)?;
        let body = input::bytes(&env, "responseBody", response_body)?;
        let now = input::instant(&env, "now", now)?;
        let delivery = &mut self.0;
        run(&env, || {
            delivery.record(&policy.0, started_at, &outcome.0, body.bytes(), now).map(DeliveryState::name)
        })
    }

    /// Cancels a pending or retrying delivery.
    #[napi(ts_args_type = "now: Date | number")]
    pub fn cancel(&mut self, env: Env, now: Unknown<'_>) -> napi::Result<()> {
        let now = input::instant(&env, "now", now)?;
        let delivery = &mut self.0;
        run(&env, || delivery.cancel(now))
    }

    /// Manual retry of a failed or cancelled delivery: pending again, due `now`.
    #[napi(ts_args_type = "now: Date | number")]
    pub fn retry(&mut self, env: Env, now: Unknown<'_>) -> napi::Result<()> {
        let now = input::instant(&env, "now", now)?;
        let delivery = &mut self.0;
        run(&env, || delivery.retry(now))
    }

    /// The message id.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.0.id().to_owned()
    }

    /// When the delivery was created.
    #[napi(getter)]
    pub fn created_at(&self) -> DateTime<Utc> {
        date(self.0.created_at())
    }

    /// `pending`, `retrying`, `succeeded`, `failed` or `cancelled`.
    #[napi(getter, ts_return_type = "DeliveryStateName")]
    pub fn state(&self) -> &'static str {
        self.0.state().name()
    }

    /// When the next attempt is due, or null once final.
    #[napi(getter)]
    pub fn due(&self) -> Option<DateTime<Utc>> {
        self.0.state().due().map(date)
    }

    /// The attempt log.
    #[napi(getter)]
    pub fn attempts(&self) -> Vec<Attempt> {
        self.0
            .attempts()
            .iter()
            .map(|a| Attempt {
                number: a.number,
                started_at: date(a.started_at),
                duration_ms: as_ms(a.duration),
                status: a.status,
                outcome_class: a.class.name().to_owned(),
                failure: a.failure.map(|f| f.name().to_owned()),
                response_body: a.response_body.clone(),
                response_truncated: a.response_truncated,
                manual: a.manual,
            })
            .collect()
    }

    /// The state as JSON text, for storage (the core's serde form).
    #[napi]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            serde_json::to_string(&self.0)
                .map_err(|e| hookwire::Error::Internal { reason: e.to_string().into() })
        })
    }

    /// A delivery back from `toJson()`.
    #[napi(ts_args_type = "json: string")]
    pub fn from_json(env: Env, json: Unknown<'_>) -> napi::Result<Delivery> {
        let json: String = input::arg(&env, "json", json)?;
        run(&env, || {
            serde_json::from_str(&json)
                .map_err(|e| argument("delivery", format!("not a stored delivery: {e}")))
        })
        .map(Delivery)
    }
}

/// Pending deliveries by due time, keyed by string.
#[napi]
pub struct Scheduler(hookwire::Scheduler<String>);

#[napi]
impl Scheduler {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Scheduler {
        Scheduler(hookwire::Scheduler::new())
    }

    /// Schedules `key` at `due`; true if it was not scheduled yet (else it moves).
    #[napi(ts_args_type = "key: string, due: Date | number")]
    pub fn schedule(&mut self, env: Env, key: Unknown<'_>, due: Unknown<'_>) -> napi::Result<bool> {
        let key: String = input::arg(&env, "key", key)?;
        Ok(self.0.schedule(key, input::instant(&env, "due", due)?))
    }

    /// Moves a scheduled `key` to `due`; false if it is not scheduled.
    #[napi(ts_args_type = "key: string, due: Date | number")]
    pub fn reschedule(&mut self, env: Env, key: Unknown<'_>, due: Unknown<'_>) -> napi::Result<bool> {
        let key: String = input::arg(&env, "key", key)?;
        Ok(self.0.reschedule(&key, input::instant(&env, "due", due)?))
    }

    /// Removes `key`; true if it was scheduled.
    #[napi(ts_args_type = "key: string")]
    pub fn cancel(&mut self, env: Env, key: Unknown<'_>) -> napi::Result<bool> {
        let key: String = input::arg(&env, "key", key)?;
        Ok(self.0.cancel(&key))
    }

    /// Takes up to `limit` entries due at `now`, earliest first, as `[key, due]`.
    #[napi(ts_args_type = "now: Date | number, limit: number", ts_return_type = "Array<[string, Date]>")]
    pub fn pop_due(
        &mut self,
        env: Env,
        now: Unknown<'_>,
        limit: Unknown<'_>,
    ) -> napi::Result<Vec<(String, DateTime<Utc>)>> {
        let now = input::instant(&env, "now", now)?;
        let limit = input::count(&env, "limit", limit)?;
        let due = self.0.pop_due(now, usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(due.into_iter().map(|(key, due)| (key, date(due))).collect())
    }

    /// The earliest due time, or null when empty.
    #[napi]
    pub fn next_due(&mut self) -> Option<DateTime<Utc>> {
        self.0.next_due().map(date)
    }

    /// Whether `key` is scheduled.
    #[napi(ts_args_type = "key: string")]
    pub fn contains(&self, env: Env, key: Unknown<'_>) -> napi::Result<bool> {
        let key: String = input::arg(&env, "key", key)?;
        Ok(self.0.contains(&key))
    }

    /// How many are scheduled.
    #[napi(getter)]
    pub fn len(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX)
    }

    /// Whether nothing is scheduled.
    #[napi(getter)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Options of `new EndpointHealth(options)`.
#[napi(object)]
pub struct HealthOptions {
    /// Disable after failing this long (ms); default 5 days; null: never by time.
    pub disable_after_ms: Option<napi::Either<f64, napi::bindgen_prelude::Null>>,
    /// Disable after this many consecutive failures; default: never by count.
    pub disable_after_failures: Option<f64>,
}

/// Endpoint health: stop sending to endpoints that keep failing (410 disables at once).
#[napi]
pub struct EndpointHealth {
    state: hookwire::EndpointHealth,
    policy: HealthPolicy,
}

#[napi]
impl EndpointHealth {
    #[napi(constructor, ts_args_type = "options?: HealthOptions")]
    pub fn new(env: Env, options: Unknown<'_>) -> napi::Result<EndpointHealth> {
        let read = Options::read(&env, options, &["disableAfterMs", "disableAfterFailures"])?;
        let options = HealthOptions {
            disable_after_ms: read.get("disableAfterMs")?,
            disable_after_failures: read.get("disableAfterFailures")?,
        };
        let mut policy = HealthPolicy::default();
        match options.disable_after_ms {
            Some(napi::Either::A(ms)) => {
                let ms = input::whole(&env, "disableAfterMs", ms)?;
                policy = policy.with_disable_after(Some(Duration::from_millis(ms)));
            }
            Some(napi::Either::B(_)) => policy = policy.with_disable_after(None),
            None => {}
        }
        if let Some(count) = options.disable_after_failures {
            let count = input::whole(&env, "disableAfterFailures", count)?;
            let count = u32::try_from(count).map_err(|_| {
                to_js(
                    &env,
                    &argument("disableAfterFailures", format!("must be at most {}, got {count}", u32::MAX)),
                )
            })?;
            policy = policy.with_disable_after_failures(Some(count));
        }
        Ok(EndpointHealth { state: hookwire::EndpointHealth::default(), policy })
    }

    /// Records an attempt's outcome at `now` (a `Date` or unix ms); returns the transition
    /// (`started_failing`, `recovered`, `disabled`) or null.
    #[napi(
        ts_args_type = "outcome: Outcome, now: Date | number",
        ts_return_type = "HealthTransitionName | null"
    )]
    pub fn record(
        &mut self,
        env: Env,
        outcome: Unknown<'_>,
        now: Unknown<'_>,
    ) -> napi::Result<Option<&'static str>> {
        let outcome = input::instance::<Outcome>(&env, "outcome", outcome)?;
        let now = input::instant(&env, "now", now)?;
        let (state, policy) = (&mut self.state, &self.policy);
        run(&env, || Ok(state.record(policy, &outcome.0, now).map(|t| t.name())))
    }

    /// Whether the endpoint is disabled.
    #[napi(getter)]
    pub fn is_disabled(&self) -> bool {
        self.state.is_disabled()
    }

    /// Why it was disabled (`gone`, `requested`, `failing_for`, `consecutive_failures`), or null.
    #[napi(getter, ts_return_type = "DisableReasonName | null")]
    pub fn disabled_reason(&self) -> Option<&'static str> {
        self.state.disabled().map(|(reason, _)| reason.name())
    }

    /// Failures in a row.
    #[napi(getter)]
    pub fn consecutive_failures(&self) -> u32 {
        self.state.consecutive_failures()
    }

    /// Since when it has been failing, or null.
    #[napi(getter)]
    pub fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.state.failing_since().map(date)
    }

    /// Enables the endpoint again (after the user fixed it).
    #[napi]
    pub fn enable(&mut self) {
        self.state.enable();
    }
}
