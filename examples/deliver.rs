//! A webhook sender built only from hookwire's parts, delivering over real HTTP to a real
//! receiver on 127.0.0.1 that verifies every request with hookwire.
//!
//! The receiver answers `503` with `Retry-After: 120` to the first two attempts of one
//! message, and `410 Gone` on a retired endpoint. The orders endpoint is in the middle of a
//! secret rotation: it signs with the old and the new secret, and the receiver has already moved
//! to the new one. The sender loop (scheduler + endpoints + retry policy + outcome + endpoint
//! health + rate limit) runs on a virtual clock that jumps to the next due time, so a schedule
//! of minutes runs in milliseconds. Run with `make demo`; `tests/deliver.rs` runs the same flow
//! and checks it.

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use hookwire::{
    sample, Delivery, DeliveryState, Endpoint, EndpointHealth, Failure, GiveUpReason, Host, Outcome,
    OutgoingMessage, RateLimit, RetryPolicy, Scheduler, Scheme, Secret, Subscription, TokenBucket, UnixTime,
    UrlGuard, Verifier,
};

/// One delivery's end: final state, attempt start times (since the start), statuses.
pub type Ending = (DeliveryState, Vec<Duration>, Vec<Option<u16>>);

/// What happened to each delivery, for the summary and the test.
#[derive(Debug)]
pub struct Summary {
    /// Delivery key (`<message id>@<endpoint>`) → how it ended.
    pub deliveries: HashMap<String, Ending>,
    /// Requests the receiver accepted after verifying them, by message id.
    pub verified: Vec<String>,
    /// Health transitions, as printed.
    pub transitions: Vec<String>,
}

/// The secret being retired: the orders endpoint still signs with it.
const OLD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The secret the receiver has moved to.
const SECRET: &str = "whsec_c2Vjb25kIHNlY3JldCBvZiBlbm91Z2ggYnl0ZXM=";
/// The virtual clock starts here (2025-08-08T10:00:00Z).
const START: UnixTime = UnixTime::from_secs(1_754_647_200);
/// The virtual clock, shared with the receiver.
type Clock = Arc<Mutex<UnixTime>>;
/// The message the receiver throttles twice.
const FLAKY: &str = "msg_order_updated";

/// The receiver: verifies with hookwire on the virtual clock, answers as described above.
fn receiver(
    clock: Clock,
    verified: Arc<Mutex<Vec<String>>>,
) -> (String, thread::JoinHandle<()>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
    let base = format!("http://{}", server.server_addr());
    let verifier = Verifier::new(Scheme::standard_webhooks(), [Secret::parse(SECRET).expect("secret")]);
    let handle = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            let mut seen: HashMap<String, u32> = HashMap::new();
            for mut request in server.incoming_requests() {
                let mut body = Vec::new();
                let _ = request.as_reader().read_to_end(&mut body);
                let mut headers = http::HeaderMap::new();
                for header in request.headers() {
                    if let (Ok(name), Ok(value)) = (
                        http::HeaderName::from_bytes(header.field.as_str().as_str().as_bytes()),
                        http::HeaderValue::from_str(header.value.as_str()),
                    ) {
                        headers.append(name, value);
                    }
                }
                // The wire's timestamps are unix seconds: what `verify_at` takes.
                let now = clock.lock().expect("clock").as_secs();
                let (status, retry_after) = match verifier.verify_at(&headers, &body, now) {
                    Err(err) => (err.response_status(), None),
                    Ok(_) if request.url() == "/retired" => (410, None),
                    Ok(message) => {
                        let id = message.id().unwrap_or_default().to_owned();
                        let count = seen.entry(id.clone()).or_default();
                        *count += 1;
                        if id == FLAKY && *count <= 2 {
                            (503, Some("120"))
                        } else {
                            verified.lock().expect("lock").push(id);
                            (204, None)
                        }
                    }
                };
                let mut response =
                    tiny_http::Response::from_string(if status == 204 { "" } else { "not now" })
                        .with_status_code(status);
                if let Some(seconds) = retry_after {
                    response
                        .add_header(tiny_http::Header::from_bytes("Retry-After", seconds).expect("header"));
                }
                let _ = request.respond(response);
            }
        })
    };
    (base, handle, server)
}

/// One endpoint as the sender keeps it: its configuration, and its state in this process.
struct Target {
    name: &'static str,
    endpoint: Endpoint,
    health: EndpointHealth,
    bucket: Option<TokenBucket>,
}

/// The sender: everything it decides comes from hookwire.
pub fn run(print: bool) -> Result<Summary, Box<dyn std::error::Error>> {
    let clock: Clock = Arc::new(Mutex::new(START));
    let verified = Arc::new(Mutex::new(Vec::new()));
    let (base, server_thread, server) = receiver(Arc::clone(&clock), Arc::clone(&verified));
    let log = |line: String| {
        if print {
            println!("{line}");
        }
    };

    // Two endpoints: the live one (rotating its secret), and one that has been retired (410).
    // The receiver lives on loopback: allow exactly that, nothing else private.
    let guard = UrlGuard::default().with_allowed_net("127.0.0.1/32")?;
    let scheme = Scheme::standard_webhooks;
    let orders = Endpoint::new(
        &format!("{base}/orders"),
        scheme(),
        [Secret::parse(OLD_SECRET)?, Secret::parse(SECRET)?],
    )?
    .with_subscription(Subscription::new(["order.*"])?)
    .with_retry_policy(RetryPolicy::standard_webhooks())
    .with_rate_limit(RateLimit::per_hour(1000)?)
    .with_max_payload(256 * 1024)
    .with_url_guard(guard.clone());
    let retired = Endpoint::new(&format!("{base}/retired"), scheme(), [Secret::parse(SECRET)?])?
        .with_subscription(Subscription::new(["order.created", "order.updated"])?)
        .with_url_guard(guard);
    let mut targets: Vec<Target> = [("orders", orders), ("retired", retired)]
        .into_iter()
        .map(|(name, endpoint)| {
            let bucket = endpoint.rate_limit().map(|rate| rate.bucket());
            Target { name, endpoint, health: EndpointHealth::default(), bucket }
        })
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();

    // Three typed events, fanned out to every endpoint whose subscription matches.
    let mut messages = HashMap::new();
    let mut deliveries = HashMap::new();
    let mut scheduler = Scheduler::new();
    let now = START;
    for (id, event_type) in [
        ("msg_order_created", "order.created"),
        (FLAKY, "order.updated"),
        ("msg_order_completed", "order.completed"),
    ] {
        let event = sample(event_type)?;
        messages.insert(id, OutgoingMessage::from_event(id, &event));
        for (index, target) in targets.iter().enumerate() {
            if target.endpoint.subscription().matches(&event) {
                let key = format!("{id}@{}", target.name);
                scheduler.schedule(key.clone(), now);
                deliveries.insert(key.clone(), (Delivery::new(id, now), index));
            }
        }
    }

    let mut transitions = Vec::new();
    while let Some(due) = scheduler.next_due() {
        // Nothing to do until `due`: jump the virtual clock there.
        let now = {
            let mut clock = clock.lock().expect("clock");
            *clock = due.max(*clock);
            *clock
        };
        for (key, _) in scheduler.pop_due(now, 10) {
            let (delivery, index) = deliveries.get_mut(&key).expect("scheduled deliveries exist");
            let target = &mut targets[*index];
            if target.health.is_disabled() {
                delivery.fail(GiveUpReason::EndpointDisabled, now)?;
                log(format!("{:>8}  {key:<32} endpoint disabled: not sent", clock_text(now)));
                continue;
            }
            if let Some(Err(wait)) = target.bucket.as_mut().map(|bucket| bucket.acquire(now)) {
                scheduler.schedule(key, now + wait);
                continue;
            }
            let endpoint = &target.endpoint;
            let started = Instant::now();
            // A request that cannot be built (or a destination the guard refuses) is an outcome
            // too: permanent, so the delivery gives up instead of retrying it.
            let sent = endpoint
                .request(&messages[delivery.id()], now)
                .map_err(|err| Failure::of(&err))
                .and_then(|request| pin_to_checked_address(request, endpoint.url_guard()));
            let (outcome, body) = match sent.map(|request| agent.run(request)) {
                Err(failure) => (Outcome::transport(failure, started.elapsed()), Vec::new()),
                Ok(Ok(mut response)) => {
                    let body =
                        response.body_mut().with_config().limit(64 * 1024).read_to_vec().unwrap_or_default();
                    (
                        Outcome::from_response(
                            response.status().as_u16(),
                            response.headers(),
                            started.elapsed(),
                        ),
                        body,
                    )
                }
                Ok(Err(ureq::Error::Timeout(_))) => {
                    (Outcome::transport(Failure::Timeout, started.elapsed()), Vec::new())
                }
                Ok(Err(ureq::Error::ConnectionFailed | ureq::Error::Io(_))) => {
                    (Outcome::transport(Failure::Connect, started.elapsed()), Vec::new())
                }
                Ok(Err(ureq::Error::HostNotFound)) => {
                    (Outcome::transport(Failure::Dns, started.elapsed()), Vec::new())
                }
                Ok(Err(_)) => (Outcome::transport(Failure::Other, started.elapsed()), Vec::new()),
            };
            let state = *delivery.record(endpoint.retry_policy(), now, &outcome, &body, now)?;
            let attempt = delivery.attempts().len();
            let answer =
                outcome.status().map_or_else(|| format!("{:?}", outcome.failure()), |s| s.to_string());
            let next = match state {
                DeliveryState::Retrying { next_at } => {
                    scheduler.schedule(key.clone(), next_at);
                    format!("retry in {}", span_text(next_at.duration_since(now)))
                }
                other => other.name().to_owned(),
            };
            log(format!(
                "{:>8}  {key:<32} attempt {attempt}: {answer} {:<12} → {next}",
                clock_text(now),
                outcome.class().name()
            ));
            if let Some(transition) = target.health.record(endpoint.health_policy(), &outcome, now) {
                let line = format!("{}: {transition:?}", target.name);
                log(format!("{:>8}  health {line}", clock_text(now)));
                transitions.push(line);
            }
        }
    }

    server.unblock();
    let _ = server_thread.join();
    let summary = Summary {
        deliveries: deliveries
            .into_iter()
            .map(|(key, (delivery, _))| {
                let starts = delivery.attempts().iter().map(|a| a.started_at.duration_since(START)).collect();
                let statuses = delivery.attempts().iter().map(|a| a.status).collect();
                (key, (*delivery.state(), starts, statuses))
            })
            .collect(),
        verified: verified.lock().expect("lock").clone(),
        transitions,
    };
    if print {
        println!("\nsummary:");
        let mut keys: Vec<_> = summary.deliveries.keys().collect();
        keys.sort();
        for key in keys {
            let (state, starts, _) = &summary.deliveries[key];
            println!("  {key:<32} {:<10} after {} attempt(s)", state.name(), starts.len());
        }
    }
    Ok(summary)
}

/// The endpoint checked the URL text; a host name must also be resolved once, every address
/// checked, and the request sent to the checked address (so a DNS answer cannot change between
/// check and connect). Plain http only here: https would keep the name for TLS and pin the
/// address in the client's resolver instead.
fn pin_to_checked_address(
    mut request: http::Request<Vec<u8>>,
    guard: &UrlGuard,
) -> Result<http::Request<Vec<u8>>, Failure> {
    let checked = guard.check_uri(request.uri()).map_err(|_| Failure::Blocked)?;
    let Host::Name(name) = checked.host() else { return Ok(request) }; // an address, already checked
    let resolved = (name.as_str(), checked.port()).to_socket_addrs().map_err(|_| Failure::Dns)?;
    let resolved: Vec<IpAddr> = resolved.map(|a| a.ip()).collect();
    let address = guard.check_resolved(&resolved).map_err(|_| Failure::Blocked)?;
    let address = std::net::SocketAddr::new(address, checked.port());
    let authority = request.uri().authority().map_or("", |a| a.as_str());
    let host = http::HeaderValue::from_str(authority).map_err(|_| Failure::InvalidRequest)?;
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    *request.uri_mut() = format!("http://{address}{path}").parse().map_err(|_| Failure::InvalidRequest)?;
    request.headers_mut().insert(http::header::HOST, host);
    Ok(request)
}

/// Virtual time since the start, as `+m:ss`.
fn clock_text(now: UnixTime) -> String {
    let seconds = now.duration_since(START).as_secs();
    format!("+{}:{:02}", seconds / 60, seconds % 60)
}

fn span_text(span: Duration) -> String {
    match span.as_secs() {
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[allow(dead_code)] // the test includes this file for `run`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(true).map(|_| ())
}
