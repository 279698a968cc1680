//! A chaos receiver: random 500s, 503s with Retry-After, 410, answers slower than the timeout
//! and closed connections. Every delivery ends in the state the policy says, after the number
//! of attempts it says, with the waits it says.

#[path = "support/receiver.rs"]
mod receiver;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hookwire_outbox::{DeliveryFilter, DeliveryStatus, NewEndpoint, Outbox, Publish, RetrySpec};
use receiver::{Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MAX_ATTEMPTS: usize = 4;
const THROTTLE_MIN: Duration = Duration::from_millis(150);
const TIMEOUT: Duration = Duration::from_millis(300);

/// What the receiver does on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Ok,
    Error500,
    Busy503,
    Gone410,
    Slow,
    Close,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Ok => "200",
            Step::Error500 => "500",
            Step::Busy503 => "503",
            Step::Gone410 => "410",
            Step::Slow => "slow",
            Step::Close => "close",
        }
    }

    fn parse(name: &str) -> Step {
        [Step::Ok, Step::Error500, Step::Busy503, Step::Gone410, Step::Slow, Step::Close]
            .into_iter()
            .find(|s| s.name() == name)
            .unwrap()
    }

    fn reply(self) -> Reply {
        match self {
            Step::Ok => Reply::status(200),
            Step::Error500 => Reply::status(500),
            // Asks for 10 s; the policy clamps it to [throttle minimum, 2 × that].
            Step::Busy503 => Reply::Status(503, vec![("retry-after", "10".into())]),
            Step::Gone410 => Reply::status(410),
            Step::Slow => Reply::Slow(Duration::from_secs(2), 200),
            Step::Close => Reply::Close,
        }
    }

    /// The least wait the policy keeps after this step before the next attempt.
    fn least_wait(self) -> Duration {
        match self {
            Step::Busy503 => 2 * THROTTLE_MIN, // Retry-After, clamped to 2 × the throttle minimum
            Step::Slow => THROTTLE_MIN,        // a timeout waits the throttle minimum
            _ => Duration::from_millis(20),    // the table's delay
        }
    }
}

/// The expected end of a script: status, give-up reason, attempts.
fn expected(script: &[Step]) -> (DeliveryStatus, Option<&'static str>, usize) {
    for attempt in 1..=MAX_ATTEMPTS {
        match script[(attempt - 1).min(script.len() - 1)] {
            Step::Ok => return (DeliveryStatus::Succeeded, None, attempt),
            Step::Gone410 => return (DeliveryStatus::Failed, Some("endpoint_gone"), attempt),
            _ => {}
        }
    }
    (DeliveryStatus::Failed, Some("exhausted"), MAX_ATTEMPTS)
}

/// Deterministic pseudo-random scripts (xorshift), so a failure can be replayed.
fn random_scripts(count: usize, mut seed: u64) -> Vec<Vec<Step>> {
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let steps = [Step::Ok, Step::Error500, Step::Busy503, Step::Slow, Step::Close];
    (0..count)
        .map(|_| (0..1 + next() % 5).map(|_| steps[(next() % steps.len() as u64) as usize]).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_ends_as_the_policy_says_against_a_chaos_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&format!("sqlite://{}/chaos.db", dir.path().display())).await.unwrap();
    // Attempts per webhook id, and the script each message carries in its data.
    let attempts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let receiver = Receiver::start({
        let attempts = Arc::clone(&attempts);
        move |seen| {
            let id = seen.header("webhook-id").unwrap_or_default();
            let envelope: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
            let script: Vec<Step> = envelope["data"]["script"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| Step::parse(s.as_str().unwrap()))
                .collect();
            let mut attempts = attempts.lock().unwrap();
            let n = attempts.entry(id).or_default();
            *n += 1;
            script[(*n - 1).min(script.len() - 1)].reply()
        }
    })
    .await;
    let policy = RetrySpec::delays([Duration::ZERO, Duration::from_millis(20)])
        .max_attempts(MAX_ATTEMPTS as u32)
        .throttle_min(THROTTLE_MIN);
    let endpoint = |path: &str, events: &str| {
        NewEndpoint::new(&receiver.url(path), "standard-webhooks", SECRET)
            .allow_private(true)
            .events([events])
            .retry(policy.clone())
            .timeout(TIMEOUT)
    };
    outbox.add_endpoint(endpoint("/chaos", "order.*")).await.unwrap();
    let gone = outbox.add_endpoint(endpoint("/gone", "user.*")).await.unwrap();

    use Step::*;
    let mut scripts: Vec<(&str, Vec<Step>)> = vec![
        ("order.created", vec![Ok]),
        ("order.created", vec![Error500, Ok]),
        ("order.created", vec![Busy503, Ok]),
        ("order.created", vec![Slow, Ok]),
        ("order.created", vec![Close, Ok]),
        ("order.created", vec![Error500]),
        ("order.created", vec![Slow, Busy503, Close, Ok]),
        ("user.created", vec![Error500, Gone410]),
    ];
    for script in random_scripts(40, 0x5EED_CAFE) {
        scripts.push(("order.created", script));
    }
    let mut messages = Vec::new();
    for (n, (event_type, script)) in scripts.iter().enumerate() {
        let names: Vec<&str> = script.iter().map(|s| s.name()).collect();
        // The data of a typed event holds its family's fields (the core refuses an order without
        // any: a body in another envelope); the script rides beside them.
        let data = match *event_type {
            "user.created" => serde_json::json!({ "user_id": n, "script": names }),
            _ => serde_json::json!({ "id": n, "script": names }),
        };
        let published = outbox.publish(Publish::event(event_type, data)).await.unwrap();
        messages.push((published.message_id, script.clone()));
    }
    outbox
        .worker()
        .concurrency(64)
        .poll_interval(Duration::from_millis(10))
        .run_until_idle(Duration::from_secs(60))
        .await
        .unwrap();

    for (message_id, script) in &messages {
        let delivery =
            outbox.deliveries(DeliveryFilter::default().message(message_id)).await.unwrap().remove(0);
        let (status, reason, count) = expected(script);
        let what = format!("script {:?}", script.iter().map(|s| s.name()).collect::<Vec<_>>());
        assert_eq!(delivery.status, status, "{what}");
        assert_eq!(delivery.give_up_reason.as_deref(), reason, "{what}");
        assert_eq!(delivery.attempts as usize, count, "{what}");
        let log = outbox.attempts(&delivery.id).await.unwrap();
        assert_eq!(log.len(), count, "{what}");
        for (n, attempt) in log.iter().enumerate() {
            let step = script[n.min(script.len() - 1)];
            match step {
                Slow => assert_eq!(
                    (attempt.status, attempt.failure.as_deref()),
                    (None, Some("timeout")),
                    "{what}"
                ),
                Close => assert!(
                    attempt.status.is_none() && attempt.failure.as_deref() != Some("timeout"),
                    "{what}"
                ),
                _ => {
                    assert_eq!(attempt.status.map(|s| s.to_string()).as_deref(), Some(step.name()), "{what}")
                }
            }
            if let Some(next) = log.get(n + 1) {
                let end = attempt.started_at + attempt.duration;
                assert!(
                    next.started_at.duration_since(end) + Duration::from_millis(5) >= step.least_wait(),
                    "{what}: attempt {} began {:?} after a {}",
                    n + 2,
                    next.started_at.duration_since(end),
                    step.name()
                );
            }
        }
    }
    let gone = outbox.endpoint(&gone.id).await.unwrap();
    assert_eq!((gone.enabled, gone.disabled_reason.as_deref()), (false, Some("gone")));
}
