//! Every call into the core's delivery decisions, in one place: retry policy, outcome, next
//! state, endpoint health, token bucket, URL guard, matching and request signing. The rest of
//! the outbox works in [`UnixTime`] and its own records; the conversions to the core's bare
//! millisecond and second integers happen here only, so issue 14's typed instants and
//! `Endpoint` change this file and little else.

use std::time::Duration;

use hookwire::{
    Decision, EndpointHealth, Event, EventPattern, Failure, HealthPolicy, HealthTransition, Message, Outcome,
    RequestBuilder, RetryPolicy, Scheme, Secret, Signer, Subscription, TokenBucket, UrlGuard,
};
use serde_json::Value;

use crate::endpoint::{EndpointRow, NewEndpoint, RateLimit, RetrySpec};
use crate::{Error, Result, UnixTime};

fn ms(at: UnixTime) -> i64 {
    at.as_millis()
}

/// The core's policy for a stored spec. Errors: `invalid_argument`.
pub(crate) fn retry_policy(spec: &RetrySpec) -> Result<RetryPolicy> {
    let mut policy = if spec.delays_ms.is_empty() {
        RetryPolicy::from_name(spec.preset.as_deref().unwrap_or("standard-webhooks"))?
    } else {
        let delays = spec.delays_ms.iter().map(|&ms| Duration::from_millis(ms)).collect();
        RetryPolicy::table("custom", delays)?
    };
    if let Some(attempts) = spec.max_attempts {
        policy = policy.max_attempts(attempts)?;
    }
    if let Some(age) = spec.max_age_ms {
        policy = policy.max_age(Duration::from_millis(age))?;
    }
    if let Some(min) = spec.throttle_min_ms {
        policy = policy.throttle_min(Duration::from_millis(min))?;
    }
    Ok(policy)
}

/// Loopback and private networks, for endpoints that allow them. Link-local (cloud metadata)
/// and the other refused ranges stay refused.
const PRIVATE_NETS: [&str; 6] =
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/// The guard a destination's requests pass: the core's default [`UrlGuard`], and with
/// `allow_private` also loopback (127.0.0.0/8, ::1) and the private networks (10/8,
/// 172.16/12, 192.168/16, fc00::/7). Link-local (cloud metadata) and the other refused ranges
/// stay refused. Names such as `localhost` are refused by the URL check either way: use an
/// address (`127.0.0.1`).
///
/// ```
/// let guard = hookwire_outbox::url_guard(true);
/// assert!(guard.check_url("http://127.0.0.1:8080/hook").is_ok());
/// assert!(hookwire_outbox::url_guard(false).check_url("http://127.0.0.1:8080/hook").is_err());
/// ```
pub fn url_guard(allow_private: bool) -> UrlGuard {
    let guard = UrlGuard::default();
    if !allow_private {
        return guard;
    }
    PRIVATE_NETS.iter().fold(guard, |guard, net| match guard.clone().allow_net(net) {
        Ok(wider) => wider,
        Err(_) => guard,
    })
}

/// Everything about an endpoint the core decides with, built once per endpoint version.
pub(crate) struct Prepared {
    pub subscription: Subscription,
    pub signer: Signer,
    pub builder: RequestBuilder,
    pub policy: RetryPolicy,
    pub health: HealthPolicy,
}

fn patterns(events: &[String], any: bool) -> Result<Vec<EventPattern>> {
    events
        .iter()
        .map(|p| if any { EventPattern::parse_any(p) } else { EventPattern::parse(p) })
        .collect::<Result<_, _>>()
        .map_err(Error::from)
}

#[allow(clippy::too_many_arguments)]
fn prepare_parts(
    url: &str,
    scheme: &str,
    secrets: &[zeroize::Zeroizing<String>],
    events: &[String],
    any_event_type: bool,
    filters: &[(String, Value)],
    headers: &[(String, String)],
    retry: &RetrySpec,
    allow_private: bool,
) -> Result<Prepared> {
    let guard = url_guard(allow_private);
    guard.check_url(url)?;
    let mut subscription = subscription(url, events, any_event_type, filters)?;
    for (name, value) in headers {
        subscription = subscription.header(name, value)?;
    }
    let scheme = Scheme::from_name(scheme)?;
    let mut secrets = secrets.iter();
    let first =
        secrets.next().ok_or_else(|| Error::argument("secret", "an endpoint needs at least one secret"))?;
    let mut signer = Signer::try_new(scheme, Secret::parse(first)?)?;
    for secret in secrets {
        signer = signer.try_with_secret(Secret::parse(secret)?)?;
    }
    Ok(Prepared {
        subscription,
        signer,
        builder: RequestBuilder::new().url_guard(guard),
        policy: retry_policy(retry)?,
        health: HealthPolicy::default(),
    })
}

/// The core's subscription for an endpoint's routing (URL, patterns, filters).
pub(crate) fn subscription(
    url: &str,
    events: &[String],
    any_event_type: bool,
    filters: &[(String, Value)],
) -> Result<Subscription> {
    let mut subscription = Subscription::with_patterns(url, patterns(events, any_event_type)?)?;
    for (field, value) in filters {
        subscription = subscription.filter(field, value.clone());
    }
    Ok(subscription)
}

/// Checks a new endpoint with the core: URL guard, patterns, filters, headers, scheme and
/// secrets, retry policy, rate. Errors carry the core's codes.
pub(crate) fn check_endpoint(new: &NewEndpoint) -> Result<()> {
    prepare_parts(
        &new.url,
        &new.scheme,
        &new.secrets,
        &new.events,
        new.any_event_type,
        &new.filters,
        &new.headers,
        &new.retry,
        new.allow_private,
    )?;
    if let Some(rate) = new.rate_limit {
        bucket(rate)?;
    }
    if new.max_in_flight == 0 {
        return Err(Error::argument("max_in_flight", "must be at least 1"));
    }
    if new.timeout.is_zero() {
        return Err(Error::argument("timeout", "must be more than zero"));
    }
    Ok(())
}

/// The core's view of a stored endpoint.
pub(crate) fn prepare(row: &EndpointRow) -> Result<Prepared> {
    prepare_parts(
        &row.url,
        &row.scheme,
        &row.secrets,
        &row.events,
        row.any_event_type,
        &row.filters,
        &row.headers,
        &row.retry,
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

/// The native envelope of a new message.
pub(crate) fn envelope(
    message_id: &str,
    event_type: &str,
    data: &Value,
    now: UnixTime,
) -> Result<(Vec<u8>, Event)> {
    let mut event = Event::from_data(event_type, data)?.with_id(message_id)?;
    let at = time::OffsetDateTime::from_unix_timestamp(now.as_secs())
        .map_err(|_| Error::argument("now", "the clock is out of range"))?;
    event.set_timestamp(Some(at.into()));
    Ok((event.to_json(), event))
}

/// The event a raw body carries, when it is a native envelope of the same type.
pub(crate) fn event_of_raw(event_type: &str, body: &[u8]) -> Option<Event> {
    Event::from_json(body).ok().filter(|event| event.event_type() == event_type)
}

/// The signed request of one attempt, with a fresh timestamp (`now`) and the message id.
pub(crate) fn request(
    prepared: &Prepared,
    message_id: &str,
    event_type: &str,
    body: &[u8],
    now: UnixTime,
) -> Result<http::Request<Vec<u8>>> {
    let message = Message::new(message_id, body).with_event_type(event_type);
    Ok(prepared.builder.build(&message, &prepared.subscription, &prepared.signer, now.as_secs())?)
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

/// The core's decision after an attempt, as `Delivery::record` makes it: success is done; a
/// manual retry's one attempt that fails gives up; otherwise the policy decides.
pub(crate) fn next(policy: &RetryPolicy, run: &Run, outcome: &Outcome, now: UnixTime) -> Next {
    if outcome.is_success() {
        return Next::Succeeded;
    }
    if run.manual {
        return Next::GiveUp { reason: hookwire::GiveUpReason::ManualAttemptFailed.name() };
    }
    match policy.next_keyed(key_of(&run.key), run.attempts + 1, ms(run.started_at), ms(now), outcome) {
        Decision::Done => Next::Succeeded,
        Decision::Retry { at, .. } => Next::Retry { at: UnixTime::from_millis(at) },
        Decision::GiveUp { reason } => Next::GiveUp { reason: reason.name() },
    }
}

/// The give-up reason for deliveries of a disabled endpoint.
pub(crate) const ENDPOINT_DISABLED: &str = "endpoint_disabled";

/// FNV-1a of the delivery id, the key the core's `Delivery` uses for its jitter.
fn key_of(id: &str) -> u64 {
    id.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Feeds an outcome to an endpoint's persisted health.
pub(crate) fn record_health(
    health: &mut EndpointHealth,
    policy: &HealthPolicy,
    outcome: &Outcome,
    now: UnixTime,
) -> Option<HealthTransition> {
    health.record(policy, outcome, ms(now))
}

/// The reason name and time of a disable transition.
pub(crate) fn disabled(transition: &HealthTransition) -> Option<(&'static str, UnixTime)> {
    match transition {
        HealthTransition::Disabled { reason, at } => Some((reason.name(), UnixTime::from_millis(*at))),
        _ => None,
    }
}

/// A token bucket for a rate. Errors: `invalid_argument`.
pub(crate) fn bucket(rate: RateLimit) -> Result<TokenBucket> {
    Ok(TokenBucket::new(rate.count, Duration::from_millis(rate.period_ms))?)
}

/// Takes a token at `now`, or says how long until there is one.
pub(crate) fn acquire(bucket: &mut TokenBucket, now: UnixTime) -> Result<(), Duration> {
    bucket.acquire(ms(now))
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
        .throttle_min(Duration::from_secs(5))
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
    fn private_destinations_need_the_endpoint_to_allow_them() {
        for url in ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://[::1]:9000/"] {
            assert_eq!(url_guard(false).check_url(url).unwrap_err().code(), "blocked_url", "{url}");
            assert!(url_guard(true).check_url(url).is_ok(), "{url}");
        }
        // Cloud metadata stays refused even for an endpoint that allows private networks.
        assert_eq!(url_guard(true).check_url("http://169.254.169.254/").unwrap_err().code(), "blocked_url");
    }
}
