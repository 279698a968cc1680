//! The durable outbox in the shape of the Ops Center webhook system: an SQLite outbox, three
//! endpoints (one healthy, one flaky that answers 503 with Retry-After, one that answers 410
//! Gone), a burst of Ops Center events, the worker stopped halfway and started again, then the
//! delivery log and per-endpoint statistics. Nothing is lost. Run with `make demo`.
//!
//! Ops Center retries after 1 m, 5 m, 15 m, 1 h, 2 h; the demo keeps that shape scaled down to
//! fractions of a second so it finishes in a few seconds.

#[path = "../tests/support/receiver.rs"]
mod receiver;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hookwire::{sample, Dialect, Event, Scheme, Secret, Verifier};
use hookwire_outbox::{DeliveryFilter, DeliveryStatus, NewEndpoint, Outbox, Publish, RetrySpec};
use receiver::{Receiver, Reply};

const SECRET: &str = "ops-center-signing-secret";
const EVENTS: [&str; 6] =
    ["user.created", "user.login", "device.online", "device.alert", "alert.triggered", "payment.succeeded"];
const BURST: usize = 30;

type Received = Arc<Mutex<HashMap<String, usize>>>;

/// A receiver that verifies the Ops Center signature and counts accepted webhook ids. The
/// flaky one answers `503 Retry-After: 1` to the first two attempts of every message.
async fn receiver(flaky: bool, gone: bool) -> (Receiver, Received) {
    let received: Received = Arc::default();
    let verifier = Verifier::new(Scheme::ops_center(), [Secret::parse(SECRET).expect("secret")]);
    let attempts: Mutex<HashMap<Vec<u8>, usize>> = Mutex::default();
    let server = Receiver::start({
        let received = Arc::clone(&received);
        move |seen| {
            if let Err(err) = verifier.verify(&seen.headers, &seen.body) {
                return Reply::status(err.response_status());
            }
            if gone {
                return Reply::status(410);
            }
            let mut attempts = attempts.lock().expect("attempts");
            let n = attempts.entry(seen.body.to_vec()).or_default();
            *n += 1;
            if flaky && *n <= 2 {
                return Reply::Status(503, vec![("retry-after", "1".into())]);
            }
            let envelope: serde_json::Value = serde_json::from_slice(&seen.body).unwrap_or_default();
            let id = envelope["data"]["event_id"].as_str().unwrap_or_default().to_owned();
            *received.lock().expect("received").entry(id).or_default() += 1;
            Reply::status(200)
        }
    })
    .await;
    (server, received)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}/ops-center.db", dir.path().display());
    let outbox = Outbox::open(&db).await?;
    println!("== Ops Center outbox at {db}");

    let ((healthy, healthy_got), (flaky, flaky_got), (gone, _)) =
        (receiver(false, false).await, receiver(true, false).await, receiver(false, true).await);
    let ops_center = RetrySpec::delays([0, 100, 300, 600, 900, 1200].map(Duration::from_millis))
        .max_attempts(7)
        .throttle_min(Duration::from_millis(300));
    let mut endpoints = Vec::new();
    for (name, server) in [("healthy", &healthy), ("flaky", &flaky), ("gone", &gone)] {
        let endpoint = outbox
            .add_endpoint(
                NewEndpoint::new(&server.url("/webhooks"), "ops-center", SECRET)
                    .events(["*"])
                    .retry(ops_center.clone())
                    .timeout(Duration::from_secs(2))
                    .max_in_flight(4)
                    .description(name)
                    .allow_private(true),
            )
            .await?;
        println!("endpoint {name:<8} {} -> {}", endpoint.id, endpoint.url);
        endpoints.push((name, endpoint.id));
    }

    // The burst: Ops Center envelopes {event, timestamp, data, webhook_id}, exact bytes.
    let dialect = Dialect::from_name("ops-center")?;
    let mut published = Vec::new();
    for n in 0..BURST {
        let event_type = EVENTS[n % EVENTS.len()];
        let webhook_id = format!("evt_{n:04}");
        // The catalog's sample, with the event id in the data (Ops Center's envelope has no
        // id field of its own) so the receivers can tell the events apart.
        let mut data: serde_json::Value =
            serde_json::from_str(&String::from_utf8(sample(event_type)?.payload().to_json().get().into())?)?;
        data["event_id"] = webhook_id.clone().into();
        let body = dialect.encode(&Event::from_data(event_type, &data)?)?;
        outbox.publish(Publish::raw(event_type, body).idempotency_key(&webhook_id)).await?;
        published.push(webhook_id);
    }
    println!("published {BURST} events, {} deliveries queued", outbox.queue_depth().await?);

    // Start a worker, stop it halfway through (a deploy), start another.
    let worker = outbox
        .worker()
        .concurrency(8)
        .poll_interval(Duration::from_millis(20))
        .spawn(&tokio::runtime::Handle::current())?;
    let started = std::time::Instant::now();
    while healthy_got.lock().expect("got").len() < BURST / 2 {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the first worker delivered nothing for 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let report = worker.stop(Duration::from_millis(200)).await;
    let pending = outbox.queue_depth().await?;
    println!(
        "worker stopped halfway: {} attempts, {} handed back; {pending} deliveries still pending",
        report.attempts, report.released
    );
    let report = outbox
        .worker()
        .concurrency(8)
        .poll_interval(Duration::from_millis(20))
        .run_until_idle(Duration::from_secs(60))
        .await?;
    println!("second worker ran until idle: {} attempts", report.attempts);

    println!("\n== delivery log (first rows per endpoint)");
    for (name, id) in &endpoints {
        let log = outbox.deliveries(DeliveryFilter::default().endpoint(id)).await?;
        let by_status = DeliveryStatus::ALL
            .iter()
            .map(|s| (s, log.iter().filter(|d| d.status == *s).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!("{name:<8} {by_status}");
        for d in log.iter().rev().take(2) {
            let why = d.give_up_reason.as_deref().unwrap_or("");
            println!(
                "  {}  {:<17} {:<9} attempts={} last={:?} {why}",
                d.id, d.event_type, d.status, d.attempts, d.last_status
            );
        }
    }

    println!("\n== statistics");
    for stats in outbox.stats().await? {
        let name = endpoints.iter().find(|(_, id)| *id == stats.endpoint_id).map_or("?", |(n, _)| n);
        println!(
            "{name:<8} succeeded={:<3} failed={:<3} attempts={:<3} success={:>6} p50={:?} p95={:?} last failure={}{}",
            stats.succeeded,
            stats.failed,
            stats.attempts,
            stats.success_rate.map_or("-".into(), |r| format!("{:.0}%", r * 100.0)),
            stats.p50_latency.unwrap_or_default(),
            stats.p95_latency.unwrap_or_default(),
            stats.last_failure.as_deref().unwrap_or("-"),
            if stats.enabled { "" } else { "  (disabled: answered 410)" }
        );
    }
    let metrics = outbox.metrics().await?;
    println!(
        "metrics: delivered={} failed={} retried={} queue={}",
        metrics.delivered, metrics.failed, metrics.retried, metrics.queue_depth
    );

    // Nothing lost: every event reached both live endpoints, verified.
    for got in [&healthy_got, &flaky_got] {
        let got = got.lock().expect("got");
        let missing: Vec<_> = published.iter().filter(|id| !got.contains_key(*id)).collect();
        assert!(missing.is_empty(), "lost: {missing:?}");
    }
    println!(
        "\nnothing lost: all {BURST} events reached the healthy and the flaky endpoint with valid signatures"
    );
    Ok(())
}
