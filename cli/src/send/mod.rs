//! `hookwire send`: signs and delivers webhooks as a sender does: a fresh signature (new
//! timestamp, same id) on every attempt, each outcome classified by the core and the next
//! attempt scheduled by the core's retry policy (`Retry-After` honoured), over the outbox's
//! guarded HTTP client (no private destinations unless allowed, no redirects).

mod report;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args as ClapArgs;
use hookwire::{
    new_message_id, Delivery, Dialect, Endpoint, Event, Outcome as Verdict, OutgoingMessage, RetryPolicy,
    Scheme, UnixTime, DEFAULT_RESPONSE_BODY_LIMIT, DEFAULT_TIMEOUT,
};
use hookwire_outbox::{HttpClient, Resolver};
use tokio::sync::Semaphore;

use crate::exit::{self, Failure, Outcome};
use crate::input::Data;
use crate::parse;
use crate::secrets::SecretArgs;
use crate::signal;

use self::report::Report;

const EXAMPLES: &str = "\
Examples:
  # The catalog's sample order.created, signed for a local `hookwire listen`:
  export HOOKWIRE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  hookwire send http://127.0.0.1:8765/webhooks --scheme standard-webhooks \\
      --type order.created --allow-private

  # Your own body, retried on the Ops Center schedule (1m, 5m, 15m, ...):
  hookwire send https://hooks.example.com/in --scheme ops-center --secret-file secret.txt \\
      --data @payload.json --retry ops-center

  # A short schedule of your own, and 1,000 messages 32 at a time (a progress bar on a
  # terminal, one line per attempt otherwise):
  hookwire send http://127.0.0.1:8765/webhooks --scheme hookwire --type device.alert \\
      --allow-private --retry-delays 0,1s,5s --count 1000 --concurrency 32

Without --retry or --retry-delays there is one attempt. Exit status: 0 when every message
was delivered (2xx), 1 when one was not (the reason is printed), 2 usage.";

/// `hookwire send`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// Where to POST the webhook (http or https).
    url: String,
    /// The signature scheme the receiver expects (see `hookwire schemes`).
    #[arg(long, value_name = "SCHEME")]
    scheme: String,
    #[command(flatten)]
    secrets: SecretArgs,
    /// The event type. Without --data, the catalog's sample of it is sent (see `hookwire events
    /// TYPE`) with a fresh id and timestamp; with --data, it goes in the scheme's event header.
    #[arg(long = "type", value_name = "TYPE", required_unless_present = "data")]
    event_type: Option<String>,
    /// The body, sent byte for byte: JSON text, @FILE, or - for standard input.
    #[arg(long, value_name = "JSON|@FILE|-")]
    data: Option<String>,
    /// With --type alone: the envelope the sample is sent in (hookwire, ops-center, webnet,
    /// homechef, auraconnect, device-service).
    #[arg(long, value_name = "DIALECT", conflicts_with = "data")]
    dialect: Option<String>,
    /// The message id (default: a new random msg_… per message), the same on every attempt.
    /// Only for one message.
    #[arg(long)]
    id: Option<String>,
    /// Retry on a preset's schedule: standard-webhooks, svix, ops-center, webnet, homechef,
    /// auraconnect.
    #[arg(long, value_name = "PRESET")]
    retry: Option<String>,
    /// Retry on your own schedule: the delay before each attempt, e.g. 0,1s,5s.
    #[arg(long, value_name = "LIST", value_parser = parse::durations, conflicts_with = "retry")]
    retry_delays: Option<parse::Durations>,
    /// At most this many attempts per message, the first included (without --retry or
    /// --retry-delays, on the standard-webhooks schedule).
    #[arg(long, value_name = "N")]
    max_attempts: Option<u32>,
    /// The least wait after 429/502/503/504 or a timeout (the policy's default: 60s).
    #[arg(long, value_name = "DURATION", value_parser = parse::duration)]
    throttle_min: Option<Duration>,
    /// Allow loopback and private-network destinations (127.0.0.1, 10/8, 192.168/16, ...).
    #[arg(long)]
    allow_private: bool,
    /// Send this many messages (each its own id).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: u32,
    /// How long the receiver has to answer an attempt.
    #[arg(long, value_name = "DURATION", value_parser = parse::duration)]
    timeout: Option<Duration>,
    /// An extra header, 'Name: value'; repeatable (the scheme's own headers win).
    #[arg(long = "header", value_name = "'NAME: VALUE'", value_parser = parse::header)]
    headers: Vec<(String, String)>,
    /// Resolve NAME to ADDRESS instead of asking DNS (like curl --resolve); the address still
    /// passes the URL guard. Repeatable.
    #[arg(long, value_parser = parse::resolve, value_name = "NAME:ADDRESS")]
    resolve: Vec<(String, IpAddr)>,
    /// One JSON object per attempt on standard output: id, attempt, status, failure, error,
    /// class, elapsed_ms, state, retry_in_ms, reason.
    #[arg(long)]
    json: bool,
}

/// Everything every attempt needs.
struct Sender {
    client: HttpClient,
    /// URL, scheme and every secret, headers, retry policy, timeout and guard.
    endpoint: Endpoint,
    allow_private: bool,
    slots: Semaphore,
    report: Report,
}

/// What is sent: bytes as given, or the catalog's sample in an envelope.
enum Body {
    Bytes { bytes: Vec<u8>, event_type: Option<String> },
    Sample { event: Box<Event>, dialect: Dialect },
}

impl Body {
    fn message(&self, id: String) -> Result<OutgoingMessage, Failure> {
        match self {
            Body::Bytes { bytes, event_type } => {
                let message = OutgoingMessage::new(id, bytes.clone());
                Ok(match event_type {
                    Some(event_type) => message.with_event_type(event_type),
                    None => message,
                })
            }
            Body::Sample { event, dialect } => {
                let mut event = (**event).clone().with_id(&id)?;
                event.set_timestamp(Some(UnixTime::now().to_string().parse()?));
                Ok(OutgoingMessage::encoded(id, &event, *dialect)?)
            }
        }
    }
}

/// The core's policy the flags describe: one attempt unless told otherwise.
fn policy(args: &Args) -> Result<RetryPolicy, Failure> {
    let mut policy = match (&args.retry, &args.retry_delays) {
        (Some(preset), _) => RetryPolicy::from_name(preset)?,
        (None, Some(delays)) => RetryPolicy::table("custom", delays.0.clone())?,
        (None, None) => RetryPolicy::standard_webhooks().with_max_attempts(1)?,
    };
    if let Some(attempts) = args.max_attempts {
        policy = policy.with_max_attempts(attempts)?;
    }
    if let Some(min) = args.throttle_min {
        policy = policy.with_throttle_min(min)?;
    }
    Ok(policy)
}

/// Sends and reports.
pub fn run(args: Args) -> Outcome {
    if args.id.is_some() && args.count > 1 {
        exit::usage(&["send"], "--id names one message: leave it out when --count is above 1");
    }
    let secrets = args.secrets.load(&["send"])?;
    let scheme = Scheme::from_name(&args.scheme)?;
    if secrets.is_empty() {
        return Err(Failure::argument("a secret is required"));
    }
    let policy = policy(&args)?;
    let guard = hookwire_outbox::url_guard(args.allow_private);
    guard.check_url(&args.url).map_err(|err| {
        let mut failure = Failure::from(err);
        if args.url.contains("://localhost") {
            failure.message.push_str("; give the address instead, e.g. http://127.0.0.1:8765/webhooks");
        }
        if !args.allow_private {
            failure.message.push_str("; --allow-private allows loopback and private networks");
        }
        failure
    })?;
    let mut endpoint = Endpoint::new(&args.url, scheme, secrets)?
        .with_retry_policy(policy)
        .with_timeout(args.timeout.unwrap_or(DEFAULT_TIMEOUT))?
        .with_url_guard(guard);
    for (name, value) in &args.headers {
        endpoint = endpoint.with_header(name, value)?;
    }
    let body = match (&args.data, &args.event_type) {
        (Some(data), event_type) => {
            Body::Bytes { bytes: Data::read(data)?.into_bytes(), event_type: event_type.clone() }
        }
        (None, Some(event_type)) => {
            let dialect = args.dialect.as_deref().map_or(Ok(Dialect::Hookwire), Dialect::from_name)?;
            Body::Sample { event: Box::new(hookwire::sample(event_type)?), dialect }
        }
        (None, None) => return Err(Failure::argument("give --type or --data")),
    };
    // Bad input shows before anything is sent.
    let first = body.message(args.id.clone().unwrap_or_else(new_message_id))?;
    let resolver = args.resolve.iter().fold(Resolver::system(), |r, (name, ip)| r.with_fixed(name, [*ip]));
    signal::runtime()?.block_on(async move {
        let sender = Arc::new(Sender {
            client: HttpClient::new(resolver)?,
            endpoint,
            allow_private: args.allow_private,
            slots: Semaphore::new(args.concurrency as usize),
            report: Report::new(args.json, args.count),
        });
        send_all(sender, body, first, args.count, &args.url).await
    })
}

/// How many messages are under way at once (sending or waiting for a retry), so that a long
/// run holds a bounded number of them in memory.
fn under_way(concurrency: usize) -> usize {
    concurrency.saturating_mul(8).max(1024)
}

async fn send_all(sender: Arc<Sender>, body: Body, first: OutgoingMessage, count: u64, url: &str) -> Outcome {
    let started = Instant::now();
    let mut stop = signal::stop_signal()?;
    let mut tasks = tokio::task::JoinSet::new();
    let limit = under_way(sender.slots.available_permits());
    let (mut first, mut spawned) = (Some(first), 0u64);
    let mut interrupted = false;
    loop {
        while spawned < count && tasks.len() < limit {
            let message = match first.take() {
                Some(message) => message,
                None => body.message(new_message_id())?,
            };
            tasks.spawn(deliver(Arc::clone(&sender), message));
            spawned += 1;
        }
        tokio::select! {
            done = tasks.join_next() => match done {
                None => break,
                Some(Ok(Ok(delivery))) => sender.report.finished(&delivery),
                Some(Ok(Err(failure))) => return Err(failure),
                Some(Err(err)) => return Err(Failure::internal(format!("a delivery task failed: {err}"))),
            },
            _ = stop.recv() => {
                interrupted = true;
                tasks.abort_all();
                break;
            }
        }
    }
    Ok(sender.report.summary(url, count, started.elapsed(), interrupted))
}

/// One message, attempt after attempt, until the core's state machine says it is final.
async fn deliver(sender: Arc<Sender>, message: OutgoingMessage) -> Result<Delivery, Failure> {
    let mut delivery =
        Delivery::new(message.id(), UnixTime::now()).with_response_body_limit(DEFAULT_RESPONSE_BODY_LIMIT);
    while let Some(due) = delivery.state().due() {
        let wait = due.duration_since(UnixTime::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let slot = sender.slots.acquire().await.map_err(|err| Failure::internal(err.to_string()))?;
        let started = UnixTime::now();
        let request = sender.endpoint.request(&message, started)?;
        let clock = Instant::now();
        let answer = sender
            .client
            .send(request, sender.allow_private, sender.endpoint.timeout(), DEFAULT_RESPONSE_BODY_LIMIT)
            .await;
        drop(slot);
        let elapsed = clock.elapsed();
        let (verdict, body, error) = match answer {
            Ok(response) => {
                (Verdict::from_response(response.status, &response.headers, elapsed), response.body, None)
            }
            Err(err) => (Verdict::transport(err.failure, elapsed), Vec::new(), Some(err.message)),
        };
        let now = UnixTime::now();
        delivery.record(sender.endpoint.retry_policy(), started, &verdict, &body, now)?;
        sender.report.attempt(&delivery, &verdict, error.as_deref(), now);
    }
    Ok(delivery)
}
