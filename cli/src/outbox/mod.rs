//! `hookwire outbox …`: the durable outbox from the shell. The names, flags, outputs and exit
//! codes of `init`, `endpoint add`, `publish`, `worker`, `deliveries`, `retry` and `stats` are
//! a contract external suites call.

mod show;

use std::time::{Duration, Instant};

use clap::{Args as ClapArgs, Subcommand};
use hookwire_outbox::{
    DeliveryFilter, DeliveryStatus, NewEndpoint, Outbox, Publish, RateLimit, Resolver, RetrySpec, UnixTime,
};

use crate::exit::{Failure, Outcome};
use crate::input::Data;
use crate::output::out;
use crate::{parse, signal};

/// `hookwire outbox`
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// Where the outbox lives.
#[derive(Debug, Clone, ClapArgs)]
struct Db {
    /// The database: sqlite:///path/to/outbox.db (a file, created when missing) or
    /// postgres://user@host/db.
    #[arg(long, env = "HOOKWIRE_DB", value_name = "URL")]
    db: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the outbox (or bring its schema up to date) and print its schema version.
    Init {
        #[command(flatten)]
        db: Db,
    },
    /// Add, list, enable and disable endpoints.
    #[command(subcommand)]
    Endpoint(EndpointCommand),
    /// Store a message and one delivery per matching endpoint; prints the message id (the
    /// webhook id receivers see on every attempt).
    Publish(PublishArgs),
    /// Deliver: claim due deliveries, send, retry, record. SIGTERM or Ctrl-C stops gracefully
    /// (no new claims; requests in flight finish; the rest is given back).
    Worker(WorkerArgs),
    /// The delivery log, newest first.
    Deliveries(DeliveriesArgs),
    /// One delivery's attempts.
    Attempts {
        #[command(flatten)]
        db: Db,
        /// The delivery.
        delivery_id: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Retry a delivery now: a pending or retrying one is made due at once; a failed or
    /// cancelled one gets one manual attempt.
    Retry {
        #[command(flatten)]
        db: Db,
        /// The delivery.
        delivery_id: String,
    },
    /// Send a message to an endpoint again (same webhook id, a new run of its retry policy).
    Resend {
        #[command(flatten)]
        db: Db,
        /// The message.
        message_id: String,
        /// The endpoint.
        endpoint_id: String,
    },
    /// Send an endpoint's failed deliveries again, for messages created in a time window.
    Recover {
        #[command(flatten)]
        db: Db,
        /// The endpoint.
        endpoint_id: String,
        /// The window's start, as a time ago: 30m, 24h, 7d.
        #[arg(long, value_parser = parse::duration)]
        since: Duration,
        /// The window's end, as a time ago (default: now).
        #[arg(long, value_parser = parse::duration)]
        until: Option<Duration>,
        /// Only list what would be sent.
        #[arg(long)]
        dry_run: bool,
    },
    /// Send an endpoint a test event: the catalog's sample payload.
    Test {
        #[command(flatten)]
        db: Db,
        /// The endpoint.
        endpoint_id: String,
        /// The event type whose sample to send.
        #[arg(long = "type", default_value = "order.created")]
        event_type: String,
    },
    /// Per-endpoint statistics (success rate, p50/p95 latency, last failure) and the queue.
    Stats {
        #[command(flatten)]
        db: Db,
        /// One JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Remove final deliveries (and their attempts and messages) older than a span.
    Purge {
        #[command(flatten)]
        db: Db,
        /// e.g. 30d
        #[arg(long, value_parser = parse::duration)]
        older_than: Duration,
    },
}

#[derive(Debug, Subcommand)]
enum EndpointCommand {
    /// Add an endpoint; prints its id. Loopback and private URLs are refused (`blocked_url`)
    /// unless --allow-private.
    Add(Box<AddArgs>),
    /// List endpoints.
    List {
        #[command(flatten)]
        db: Db,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Enable an endpoint again, with a clean health record.
    Enable {
        #[command(flatten)]
        db: Db,
        /// The endpoint.
        endpoint_id: String,
    },
    /// Disable an endpoint; its pending deliveries fail (`endpoint_disabled`).
    Disable {
        #[command(flatten)]
        db: Db,
        /// The endpoint.
        endpoint_id: String,
    },
}

#[derive(Debug, ClapArgs)]
struct AddArgs {
    #[command(flatten)]
    db: Db,
    /// Where webhooks are POSTed.
    #[arg(long)]
    url: String,
    /// The signature scheme: hookwire, standard-webhooks, svix, github, stripe, shopify, slack,
    /// device-service, ops-center, webnet, homechef, auraconnect.
    #[arg(long)]
    scheme: String,
    /// A signing secret; repeat it to sign with several (rotation).
    #[arg(long, required = true)]
    secret: Vec<String>,
    /// Event patterns: order.created, order.*, * (default *).
    #[arg(long, num_args = 1.., value_name = "PATTERN")]
    events: Vec<String>,
    /// Accept patterns of event types the catalog does not know.
    #[arg(long)]
    any_event_type: bool,
    /// A retry preset: standard-webhooks, svix, ops-center, webnet, homechef, auraconnect.
    #[arg(long, value_name = "PRESET")]
    retry: Option<String>,
    /// A retry schedule instead of a preset: the delay before each attempt, e.g. 0,30s,5m.
    #[arg(long, value_parser = parse::durations, value_name = "LIST")]
    retry_delays: Option<parse::Durations>,
    /// At most this many attempts.
    #[arg(long)]
    max_attempts: Option<u32>,
    /// The least wait after 429/502/503/504 or a timeout (default 60s).
    #[arg(long, value_parser = parse::duration)]
    throttle_min: Option<Duration>,
    /// How long the receiver has to answer (default 30s).
    #[arg(long, value_parser = parse::duration)]
    timeout: Option<Duration>,
    /// A custom header, 'Name: value'; repeatable.
    #[arg(long, value_parser = parse::header)]
    header: Vec<(String, String)>,
    /// Pace deliveries: COUNT/PERIOD, e.g. 1000/1h.
    #[arg(long, value_parser = parse::rate)]
    rate: Option<(u32, Duration)>,
    /// Most requests in flight to this endpoint per worker (default 16).
    #[arg(long)]
    max_in_flight: Option<u32>,
    /// Only messages published for this tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Allow loopback and private-network destinations (127.0.0.1, 10/8, ...) for this endpoint.
    #[arg(long)]
    allow_private: bool,
}

#[derive(Debug, ClapArgs)]
struct PublishArgs {
    #[command(flatten)]
    db: Db,
    /// The event type, e.g. order.created.
    #[arg(long = "type", value_name = "TYPE")]
    event_type: String,
    /// The event's data as JSON, or @FILE to read it from a file (- for standard input).
    #[arg(long)]
    data: String,
    /// Send the data bytes exactly as given instead of wrapping them in hookwire's envelope
    /// {"id","type","timestamp","data"}.
    #[arg(long)]
    raw: bool,
    /// Publishing again with the same key creates nothing and prints the first message's id.
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Deliver only to this tenant's endpoints.
    #[arg(long)]
    tenant: Option<String>,
}

#[derive(Debug, ClapArgs)]
struct WorkerArgs {
    #[command(flatten)]
    db: Db,
    /// Requests in flight at once.
    #[arg(long, default_value_t = hookwire_outbox::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Exit 0 once every delivery is final (waiting for scheduled retries).
    #[arg(long)]
    until_idle: bool,
    /// With --until-idle: exit 1 if deliveries are still pending after this long (seconds, or
    /// 90s, 5m, ...).
    #[arg(long, value_parser = parse::duration, requires = "until_idle")]
    timeout: Option<Duration>,
    /// The lease on each claimed delivery: how soon another worker takes over the deliveries
    /// of a worker that died.
    #[arg(long, value_parser = parse::duration, default_value = "30s")]
    lease: Duration,
    /// How often to look for due work when not woken (PostgreSQL publishes wake at once).
    #[arg(long, value_parser = parse::duration, default_value = "1s")]
    poll_interval: Duration,
    /// On SIGTERM, how long requests in flight may take before the rest is given back.
    #[arg(long, value_parser = parse::duration, default_value = "10s")]
    shutdown_timeout: Duration,
    /// Resolve NAME to ADDRESS instead of asking DNS (like curl --resolve); the address still
    /// passes the URL guard. Repeatable.
    #[arg(long, value_parser = parse::resolve, value_name = "NAME:ADDRESS")]
    resolve: Vec<(String, std::net::IpAddr)>,
    /// The id recorded on this worker's attempts.
    #[arg(long)]
    id: Option<String>,
}

#[derive(Debug, ClapArgs)]
struct DeliveriesArgs {
    #[command(flatten)]
    db: Db,
    /// pending, retrying, succeeded, failed or cancelled.
    #[arg(long, value_parser = status)]
    status: Option<DeliveryStatus>,
    /// Only this endpoint's.
    #[arg(long)]
    endpoint: Option<String>,
    /// Only this message's.
    #[arg(long)]
    message: Option<String>,
    /// Only this event type.
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// Created within this span ago: 1h, 7d.
    #[arg(long, value_parser = parse::duration)]
    since: Option<Duration>,
    /// At most this many.
    #[arg(long)]
    limit: Option<u32>,
    /// One JSON object per line: id, message_id, endpoint_id, event_type, status, attempts,
    /// next_attempt_at, last_status, last_error, give_up_reason, created_at, updated_at,
    /// finished_at (times in unix milliseconds).
    #[arg(long)]
    json: bool,
}

fn status(text: &str) -> Result<DeliveryStatus, String> {
    DeliveryStatus::from_name(text).map_err(|err| err.to_string())
}

/// Runs an outbox command on a fresh runtime.
pub fn run(args: Args) -> Outcome {
    signal::runtime()?.block_on(execute(args.command))
}

async fn open(db: &Db) -> Result<Outbox, Failure> {
    Ok(Outbox::open(&db.db).await?)
}

async fn execute(command: Command) -> Outcome {
    match command {
        Command::Init { db } => {
            let outbox = open(&db).await?;
            out!("schema version {}", outbox.schema_version().await?);
        }
        Command::Endpoint(EndpointCommand::Add(args)) => add_endpoint(*args).await?,
        Command::Endpoint(EndpointCommand::List { db, json }) => {
            show::endpoints(&open(&db).await?.endpoints().await?, json);
        }
        Command::Endpoint(EndpointCommand::Enable { db, endpoint_id }) => {
            let endpoint = open(&db).await?.enable_endpoint(&endpoint_id).await?;
            out!("{} enabled", endpoint.id);
        }
        Command::Endpoint(EndpointCommand::Disable { db, endpoint_id }) => {
            let endpoint = open(&db).await?.disable_endpoint(&endpoint_id).await?;
            out!("{} disabled", endpoint.id);
        }
        Command::Publish(args) => publish(args).await?,
        Command::Worker(args) => return worker(args).await,
        Command::Deliveries(args) => {
            let outbox = open(&args.db).await?;
            let filter = DeliveryFilter {
                endpoint_id: args.endpoint,
                message_id: args.message,
                status: args.status,
                event_type: args.event_type,
                since: args.since.map(|ago| UnixTime::now().saturating_sub(ago)),
                until: None,
                limit: args.limit,
            };
            show::deliveries(&outbox.deliveries(filter).await?, args.json);
        }
        Command::Attempts { db, delivery_id, json } => {
            show::attempts(&open(&db).await?.attempts(&delivery_id).await?, json);
        }
        Command::Retry { db, delivery_id } => {
            let delivery = open(&db).await?.retry(&delivery_id).await?;
            out!("{} {}", delivery.id, delivery.status);
        }
        Command::Resend { db, message_id, endpoint_id } => {
            let delivery = open(&db).await?.resend(&message_id, &endpoint_id).await?;
            out!("{} {}", delivery.id, delivery.status);
        }
        Command::Recover { db, endpoint_id, since, until, dry_run } => {
            let now = UnixTime::now();
            let (since, until) = (
                now.saturating_sub(since),
                until.map_or(now + Duration::from_millis(1), |ago| now.saturating_sub(ago)),
            );
            let ids = open(&db).await?.recover(&endpoint_id, since, until, dry_run).await?;
            for id in &ids {
                out!("{id}");
            }
            let verb = if dry_run { "would be sent again" } else { "sent again" };
            eprintln!("{} failed deliveries {verb}", ids.len());
        }
        Command::Test { db, endpoint_id, event_type } => {
            let delivery = open(&db).await?.send_test_event(&endpoint_id, &event_type).await?;
            out!("{} {} {}", delivery.id, delivery.message_id, delivery.status);
        }
        Command::Stats { db, json } => {
            let outbox = open(&db).await?;
            show::stats(&outbox.stats().await?, &outbox.metrics().await?, json);
        }
        Command::Purge { db, older_than } => {
            let purged = open(&db).await?.purge(older_than).await?;
            out!("purged {} deliveries and {} messages", purged.deliveries, purged.messages);
        }
    }
    Ok(true)
}

async fn add_endpoint(args: AddArgs) -> Result<(), Failure> {
    let mut secrets = args.secret.iter();
    let first = secrets.next().ok_or_else(|| Failure::argument("--secret is required"))?;
    let mut endpoint = NewEndpoint::new(&args.url, &args.scheme, first).allow_private(args.allow_private);
    for secret in secrets {
        endpoint = endpoint.secret(secret);
    }
    if !args.events.is_empty() {
        endpoint = endpoint.events(&args.events);
    }
    endpoint = endpoint.any_event_type(args.any_event_type);
    let mut retry = match (&args.retry, &args.retry_delays) {
        (Some(_), Some(_)) => {
            return Err(Failure::argument("give either --retry or --retry-delays, not both"))
        }
        (Some(preset), None) => RetrySpec::preset(preset),
        (None, Some(delays)) => RetrySpec::delays(delays.0.iter().copied()),
        (None, None) => RetrySpec::default(),
    };
    if let Some(attempts) = args.max_attempts {
        retry = retry.max_attempts(attempts);
    }
    if let Some(min) = args.throttle_min {
        retry = retry.throttle_min(min);
    }
    endpoint = endpoint.retry(retry);
    if let Some(timeout) = args.timeout {
        endpoint = endpoint.timeout(timeout);
    }
    for (name, value) in &args.header {
        endpoint = endpoint.header(name, value);
    }
    if let Some((count, period)) = args.rate {
        endpoint = endpoint.rate_limit(RateLimit::new(count, period));
    }
    if let Some(count) = args.max_in_flight {
        endpoint = endpoint.max_in_flight(count);
    }
    if let Some(tenant) = &args.tenant {
        endpoint = endpoint.tenant(tenant);
    }
    let added = open(&args.db).await?.add_endpoint(endpoint).await?;
    out!("{}", added.id);
    Ok(())
}

async fn publish(args: PublishArgs) -> Result<(), Failure> {
    let data = Data::read(&args.data)?.into_bytes();
    let mut publish = if args.raw {
        Publish::raw(&args.event_type, data)
    } else {
        let value: serde_json::Value = serde_json::from_slice(&data)
            .map_err(|err| Failure::argument(format!("--data is not JSON: {err}")))?;
        Publish::event(&args.event_type, value)
    };
    if let Some(key) = &args.idempotency_key {
        publish = publish.idempotency_key(key);
    }
    if let Some(tenant) = &args.tenant {
        publish = publish.tenant(tenant);
    }
    let published = open(&args.db).await?.publish(publish).await?;
    out!("{}", published.message_id);
    Ok(())
}

async fn worker(args: WorkerArgs) -> Outcome {
    let outbox = open(&args.db).await?;
    let resolver = args.resolve.iter().fold(Resolver::system(), |r, (name, ip)| r.with_fixed(name, [*ip]));
    let mut builder = outbox
        .worker()
        .concurrency(args.concurrency)
        .lease(args.lease)
        .poll_interval(args.poll_interval)
        .resolver(resolver);
    if let Some(id) = &args.id {
        builder = builder.id(id);
    }
    let handle = builder.spawn(&tokio::runtime::Handle::current())?;
    let started = Instant::now();
    let mut stop = signal::stop_signal()?;
    let limit = args.timeout.unwrap_or(Duration::MAX);
    eprintln!("worker {} started", handle.id());
    loop {
        tokio::select! {
            _ = stop.recv() => {
                let report = handle.stop(args.shutdown_timeout).await;
                eprintln!("worker stopped: {} attempts, {} released", report.attempts, report.released);
                return Ok(true);
            }
            _ = tokio::time::sleep(Duration::from_millis(100)), if args.until_idle => {
                let remaining = outbox.queue_depth().await?;
                if remaining == 0 {
                    let report = handle.stop(args.shutdown_timeout).await;
                    eprintln!("idle: {} attempts", report.attempts);
                    return Ok(true);
                }
                if started.elapsed() >= limit {
                    handle.stop(args.shutdown_timeout).await;
                    eprintln!("error: timeout: {remaining} deliveries not final after {limit:?}");
                    return Ok(false);
                }
            }
        }
    }
}
