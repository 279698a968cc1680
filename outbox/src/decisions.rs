//! Every call into the core's delivery decisions, in one place: retry policy, outcome, next
//! state, endpoint health, token bucket, URL guard, matching and request signing. The core
//! owns every rule (the endpoint's request, the manual-retry rule, the jitter key); this file
//! only turns the outbox's stored records into the core's types.

use std::time::Duration;

use hookwire::{
    Decision, DeliveryRun, Dialect, Endpoint, EndpointHealth, Event, EventPattern, Failure, HealthPolicy,
    HealthTransition, Outcome, OutgoingMessage, RetryPolicy, Scheme, Secret, Subscription, TokenBucket,
    UnixTime, UrlGuard,
};
use serde_json::Value;

use crate::endpoint::{EndpointRow, NewEndpoint, RateLimit, RetrySpec};
use crate::{Error, Result};

/// The core's policy for a stored spec. Errors: `invalid_argument`.
pub(crate) fn retry_policy(spec: &RetrySpec) -> Result<RetryPolicy> {
    let mut policy = if spec.delays_ms.is_empty() {
        RetryPolicy::from_name(spec.preset.as_deref().unwrap_or("standard-webhooks"))?
    } else {
        let delays = spec.delays_ms.iter().map(|&ms| Duration::from_millis(ms)).collect();
        RetryPolicy::table("custom", delays)?
    };
    if let Some(attempts) = spec.max_attempts {
        policy = policy.with_max_attempts(attempts)?;
    }
    if let Some(age) = spec.max_age_ms {
        policy = policy.with_max_age(Duration::from_millis(age))?;
    }
    if let Some(min) = spec.throttle_min_ms {
        policy = policy.with_throttle_min(Duration::from_millis(min))?;
    }
    Ok(policy)
}

/// The guard a destination's requests pass: the core's default [`UrlGuard`], or with
/// `allow_private` [`UrlGuard::allowing_private_networks`] (loopback and the private networks;
/// link-local cloud metadata and the other refused ranges stay refused). Names such as
/// `localhost` are refused by the URL check either way: use an address (`127.0.0.1`).
///
/// ```
/// let guard = hookwire_outbox::url_guard(true);
/// assert!(guard.check_url("http://127.0.0.1:8080/hook").is_ok());
/// assert!(hookwire_outbox::url_guard(false).check_url("http://127.0.0.1:8080/hook").is_err());
/// ```
pub fn url_guard(allow_private: bool) -> UrlGuard {
    if allow_private {
        UrlGuard::allowing_private_networks()
    } else {
        UrlGuard::default()
    }
}

fn patterns(events: &[String], any: bool) -> Result<Vec<EventPattern>> {
    events
        .iter()
        .map(|p| if any { EventPattern::parse_any(p) } else { EventPattern::parse(p) })
        .collect::<Result<_, _>>()
        .map_err(Error::from)
}

/// The core's endpoint for a stored one: URL, scheme and every secret, routing, headers, retry
/// policy, rate, timeout and guard. Errors carry the core's codes.
#[allow(clippy::too_many_arguments)]
fn endpoint_of(
    url: &str,
    scheme: &str,
    secrets: &[zeroize::Zeroizing<String>],
    events: &[String],
    any_event_type: bool,
    filters: &[(String, Value)],
    headers: &[(String, String)],
    retry: &RetrySpec,
    rate_limit: Option<RateLimit>,
    timeout: Duration,
    allow_private: bool,
) -> Result<Endpoint> {
    let secrets = secrets.iter().map(|secret| Secret::parse(secret)).collect::<Result<Vec<_>, _>>()?;
    if secrets.is_empty() {
        return Err(Error::argument("secret", "an endpoint needs at least one secret"));
    }
    // The guard's verdict first: an unusable URL is `blocked_url`, whatever else is wrong.
    let guard = url_guard(allow_private);
    guard.check_url(url)?;
    let mut endpoint = Endpoint::new(url, Scheme::from_name(scheme)?, secrets)?
        .with_subscription(subscription(events, any_event_type, filters)?)
        .with_retry_policy(retry_policy(retry)?)
        .with_timeout(timeout)?
        .with_url_guard(guard);
    for (name, value) in headers {
        endpoint = endpoint.with_header(name, value)?;
    }
    if let Some(rate) = rate_limit {
        endpoint = endpoint.with_rate_limit(core_rate(rate)?);
    }
    Ok(endpoint)
}

/// The core's subscription for an endpoint's routing (patterns, filters).
pub(crate) fn subscription(
    events: &[String],
    any_event_type: bool,
    filters: &[(String, Value)],
) -> Result<Subscription> {
    let mut subscription = Subscription::from_patterns(patterns(events, any_event_type)?)?;
    for (field, value) in filters {
        subscription = subscription.with_filter(field, value.clone());
    }
    Ok(subscription)
}

/// Checks a new endpoint with the core: URL guard, patterns, filters, headers, scheme and
/// secrets, retry policy, rate, timeout; and its id, when the caller gives one. Errors carry the
/// core's codes.
pub(crate) fn check_endpoint(new: &NewEndpoint) -> Result<()> {
    if let Some(id) = &new.id {
        check_id(id)?;
    }
    endpoint_of(
        &new.url,
        &new.scheme,
        &new.secrets,
        &new.events,
        new.any_event_type,
        &new.filters,
        &new.headers,
        &new.retry,
        new.rate_limit,
        new.timeout,
        new.allow_private,
    )?;
    check_in_flight(new.max_in_flight)
}

/// Checks a stored endpoint after an update, as [`check_endpoint`] checks a new one.
pub(crate) fn check_row(row: &EndpointRow) -> Result<()> {
    prepare(row)?;
    check_in_flight(row.max_in_flight)
}

fn check_in_flight(max_in_flight: u32) -> Result<()> {
    if max_in_flight == 0 {
        return Err(Error::argument("max_in_flight", "must be at least 1"));
    }
    Ok(())
}

/// An endpoint id the caller chose: 1 to 64 ASCII letters, digits, `_` and `-` (it appears in
/// URLs of the application's own API and in headers).
fn check_id(id: &str) -> Result<()> {
    let fits = (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if fits {
        Ok(())
    } else {
        Err(Error::argument("id", "an endpoint id is 1 to 64 ASCII letters, digits, `_` and `-`"))
    }
}

/// The core's view of a stored endpoint.
pub(crate) fn prepare(row: &EndpointRow) -> Result<Endpoint> {
    endpoint_of(
        &row.url,
        &row.scheme,
        &row.secrets,
        &row.events,
        row.any_event_type,
        &row.filters,
        &row.headers,
        &row.retry,
        row.rate_limit,
        row.timeout,
        row.allow_private,
    )
}

/// Whether a message goes to an endpoint: its patterns and filters (on the event's data,
/// when the body is an event the core can read).
pub(crate) fn matches(subscription: &Subscription, event_type: &str, event: Option<&Event>) -> bool {
    match event {
        Some(event) => subscription.matches(event),
        None => subscription.filters().is_empty() && subscription.matches_type(event_type),
    }
}

/// The body of a new message: `dialect`'s envelope (hookwire's native one by default) around
/// `data`, with the message id and `now`; and the event, for filters.
pub(crate) fn envelope(
    message_id: &str,
    event_type: &str,
    data: &Value,
    now: UnixTime,
    dialect: Dialect,
) -> Result<(Vec<u8>, Event)> {
    let mut event = Event::from_data(event_type, data)?.with_id(message_id)?;
    let at = time::OffsetDateTime::from_unix_timestamp(now.as_secs())
        .map_err(|_| Error::argument("now", "the clock is out of range"))?;
    event.set_timestamp(Some(at.into()));
    let body = match dialect {
        Dialect::Hookwire => event.to_json(),
        other => other.encode(&event)?,
    };
    Ok((body, event))
}

/// The event a raw body carries, when it is an envelope of `dialect` of the same type.
pub(crate) fn event_of_raw(event_type: &str, body: &[u8], dialect: Dialect) -> Option<Event> {
    dialect.parse(body, Some(event_type)).ok().filter(|event| event.event_type() == event_type)
}

/// The envelope an endpoint's receivers read: its scheme's dialect (native where the scheme
/// has none, as for GitHub-style schemes).
pub(crate) fn dialect_of(scheme: &str) -> Result<Dialect> {
    Ok(Scheme::from_name(scheme)?.dialect().unwrap_or(Dialect::Hookwire))
}

/// The signed request of one attempt, with a fresh timestamp (`now`) and the message id.
/// Errors: the core's, which [`Failure::of`] turns into the attempt's (permanent) outcome.
pub(crate) fn request(
    endpoint: &Endpoint,
    message_id: &str,
    event_type: &str,
    body: &[u8],
    now: UnixTime,
) -> Result<http::Request<Vec<u8>>, hookwire::Error> {
    endpoint.request(&OutgoingMessage::new(message_id, body).with_event_type(event_type), now)
}

/// The failure of an attempt whose request could not be built.
pub(crate) fn build_failure(error: &hookwire::Error) -> Failure {
    Failure::of(error)
}

/// A response, classified.
pub(crate) fn response_outcome(status: u16, headers: &http::HeaderMap, elapsed: Duration) -> Outcome {
    Outcome::from_response(status, headers, elapsed)
}

/// A transport failure, classified.
pub(crate) fn failure_outcome(failure: Failure, elapsed: Duration) -> Outcome {
    Outcome::transport(failure, elapsed)
}

/// What a delivery's current run has been: the counters the policy decides from.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// The delivery id (keys the jitter, so deliveries that start together spread out).
    pub key: String,
    /// Automatic attempts made in this run (resend and recover start a new run).
    pub attempts: u32,
    /// When the run started (the policy's maximum age counts from here).
    pub started_at: UnixTime,
    /// This attempt is a manual retry's single attempt.
    pub manual: bool,
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    Succeeded,
    Retry { at: UnixTime },
    GiveUp { reason: &'static str },
}

/// The core's decision after an attempt ([`RetryPolicy::decide`], what `Delivery::record`
/// decides), from the stored counters of the run.
pub(crate) fn next(policy: &RetryPolicy, run: &Run, outcome: &Outcome, now: UnixTime) -> Next {
    let core = DeliveryRun::new(&run.key, run.started_at).with_attempts(run.attempts).with_manual(run.manual);
    match policy.decide(&core, outcome, now) {
        Decision::Retry { at, .. } => Next::Retry { at },
        Decision::GiveUp { reason } => Next::GiveUp { reason: reason.name() },
        // Done, and anything a later core adds, ends the run as the core's delivery would.
        _ => Next::Succeeded,
    }
}

/// The give-up reason for deliveries of a disabled endpoint.
pub(crate) const ENDPOINT_DISABLED: &str = "endpoint_disabled";

/// Feeds an outcome to an endpoint's persisted health.
pub(crate) fn record_health(
    health: &mut EndpointHealth,
    policy: &HealthPolicy,
    outcome: &Outcome,
    now: UnixTime,
) -> Option<HealthTransition> {
    health.record(policy, outcome, now)
}

/// The reason name and time of a disable transition.
pub(crate) fn disabled(transition: &HealthTransition) -> Option<(&'static str, UnixTime)> {
    match transition {
        HealthTransition::Disabled { reason, at } => Some((reason.name(), *at)),
        _ => None,
    }
}

/// The core's pace for a stored rate. Errors: `invalid_argument`.
fn core_rate(rate: RateLimit) -> Result<hookwire::RateLimit> {
    Ok(hookwire::RateLimit::new(rate.count, Duration::from_millis(rate.period_ms))?)
}

/// A token bucket for an endpoint's pace, if it has one.
pub(crate) fn bucket(endpoint: &Endpoint) -> Option<TokenBucket> {
    endpoint.rate_limit().map(|rate| rate.bucket())
}

/// Takes a token at `now`, or says how long until there is one.
pub(crate) fn acquire(bucket: &mut TokenBucket, now: UnixTime) -> Result<(), Duration> {
    bucket.acquire(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(attempts: u32, manual: bool) -> Run {
        Run { key: "dlv_1".into(), attempts, started_at: UnixTime::from_millis(0), manual }
    }

    #[test]
    fn next_follows_the_core_delivery_state_machine() {
        let policy = retry_policy(&RetrySpec::delays([
            Duration::ZERO,
            Duration::from_secs(1),
            Duration::from_secs(2),
        ]))
        .unwrap()
        .with_throttle_min(Duration::from_secs(5))
        .unwrap();
        let status = |code| response_outcome(code, &http::HeaderMap::new(), Duration::ZERO);
        let now = UnixTime::from_millis(10_000);
        let cases = [
            ("success ends the run", run(0, false), status(204), Next::Succeeded),
            (
                "first failure waits the table's second delay",
                run(0, false),
                status(500),
                Next::Retry { at: UnixTime::from_millis(11_000) },
            ),
            (
                "a throttle waits the throttle minimum",
                run(0, false),
                status(503),
                Next::Retry { at: UnixTime::from_millis(15_000) },
            ),
            ("the last attempt gives up", run(2, false), status(500), Next::GiveUp { reason: "exhausted" }),
            ("410 gives up at once", run(0, false), status(410), Next::GiveUp { reason: "endpoint_gone" }),
            (
                "a failed manual attempt gives up",
                run(1, true),
                status(500),
                Next::GiveUp { reason: "manual_attempt_failed" },
            ),
        ];
        for (name, run, outcome, expected) in cases {
            assert_eq!(next(&policy, &run, &outcome, now), expected, "{name}");
        }
    }

    #[test]
    fn a_request_that_cannot_be_built_is_not_retried() {
        // It used to be `Failure::Other`, retried for days; the core now calls it permanent.
        let cases = [
            (hookwire::Error::PayloadTooLarge { size: 2, limit: 1 }, Failure::InvalidRequest),
            (
                hookwire::UrlGuard::default().check_url("http://10.0.0.1/").map(|_| ()).unwrap_err(),
                Failure::Blocked,
            ),
        ];
        let policy = RetryPolicy::standard_webhooks();
        for (error, failure) in cases {
            assert_eq!(build_failure(&error), failure, "{error}");
            let outcome = failure_outcome(build_failure(&error), Duration::ZERO);
            let decided = next(&policy, &run(0, false), &outcome, UnixTime::from_millis(0));
            assert_eq!(decided, Next::GiveUp { reason: "permanent" }, "{error}");
        }
    }

    #[test]
    fn private_destinations_need_the_endpoint_to_allow_them() {
        for url in ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://[::1]:9000/"] {
            assert_eq!(url_guard(false).check_url(url).unwrap_err().code(), "blocked_url", "{url}");
            assert!(url_guard(true).check_url(url).is_ok(), "{url}");
        }
        // Cloud metadata stays refused even for an endpoint that allows private networks.
        assert_eq!(url_guard(true).check_url("http://169.254.169.254/").unwrap_err().code(), "blocked_url");
    }
}
