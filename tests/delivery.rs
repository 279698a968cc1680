//! Delivery building blocks: preset schedules, outcome classes, Retry-After, jitter bounds,
//! the delivery state machine, the scheduler against a model, endpoint health, the token
//! bucket, request building and the URL guard.

use std::net::IpAddr;
use std::time::Duration;

use hookwire::{
    sample, Classifier, Decision, Delivery, DeliveryRun, DeliveryState, DisableReason, Endpoint,
    EndpointHealth, Failure, GiveUpReason, HealthPolicy, HealthTransition, Jitter, Outcome, OutcomeClass,
    OutgoingMessage, RateLimit, RetryAfter, RetryPolicy, Scheduler, Scheme, Secret, Signer, Subscription,
    TokenBucket, UnixTime, UrlGuard, Verifier,
};
use http::HeaderMap;
use proptest::prelude::*;

const S: u64 = 1;
const M: u64 = 60;
const H: u64 = 3600;

/// The instant `ms` milliseconds after the epoch: the tests count in milliseconds from 0.
fn t(ms: i64) -> UnixTime {
    UnixTime::from_millis(ms)
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|&s| Duration::from_secs(s)).collect()
}

fn response(status: u16, headers: &[(&str, &str)]) -> Outcome {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    Outcome::from_response(status, &map, Duration::from_millis(25))
}

/// Runs a delivery that always fails with `outcome` to its end; returns the start of every
/// attempt (ms) and the final state.
fn run_to_end(policy: &RetryPolicy, outcome: &Outcome) -> (Vec<i64>, DeliveryState) {
    let mut delivery = Delivery::new("msg_schedule", t(0));
    while let Some(due) = delivery.state().due() {
        delivery.record(policy, due, outcome, b"", due).unwrap();
    }
    (delivery.attempts().iter().map(|a| a.started_at.as_millis()).collect(), *delivery.state())
}

#[test]
fn every_preset_schedule() {
    let table: [(&str, Vec<u64>, u32); 6] = [
        (
            "standard-webhooks",
            vec![0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H],
            10,
        ),
        ("svix", vec![0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H], 8),
        ("ops-center", vec![0, M, 5 * M, 15 * M, H, 2 * H, 2 * H], 7),
        ("webnet", vec![0, 60, 120, 240], 4),
        ("homechef", vec![0, 60, 120, 240], 4),
        ("auraconnect", vec![0, 10, 30, M, 5 * M, 30 * M], 6),
    ];
    // One row per preset of the core's table, in its order: a new preset needs its schedule here.
    let rows: Vec<&str> = table.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(rows, RetryPolicy::names());
    for (name, delays, attempts) in table {
        let policy = RetryPolicy::from_name(name).unwrap().with_seed(7);
        println!("{name}: {:?}", policy.schedule());
        assert_eq!(policy.schedule(), secs(&delays), "{name}");
        assert_eq!(policy.max_attempts(), attempts, "{name}");
        // Driving a delivery gives the same schedule (within jitter for svix).
        let (starts, end) = run_to_end(&policy, &response(500, &[]));
        assert_eq!(
            end,
            DeliveryState::Failed { at: t(*starts.last().unwrap()), reason: GiveUpReason::Exhausted }
        );
        assert_eq!(starts.len() as u32, attempts, "{name}");
        let gaps: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        for (gap, nominal) in gaps.iter().zip(&delays[1..]) {
            let nominal = (*nominal * 1000) as f64;
            let spread = if name == "svix" { 0.2 } else { 0.0 };
            assert!(
                (*gap as f64) >= nominal * (1.0 - spread) - 1.0
                    && (*gap as f64) <= nominal * (1.0 + spread) + 1.0,
                "{name}: gap {gap} vs {nominal}"
            );
        }
    }
    assert_eq!(
        RetryPolicy::webnet_with(5, Duration::from_secs(30)).unwrap().schedule(),
        secs(&[0, 30, 60, 120, 240, 480])
    );
    assert_eq!(
        RetryPolicy::homechef_with(2, Duration::from_secs(10)).unwrap().schedule(),
        secs(&[0, 10, 20])
    );
    assert_eq!(RetryPolicy::from_name("nope").unwrap_err().code(), "invalid_argument");
    assert_eq!(RetryPolicy::webnet_with(3, Duration::ZERO).unwrap_err().code(), "invalid_argument");
    assert_eq!(RetryPolicy::table("t", vec![]).unwrap_err().code(), "invalid_argument");
    let capped =
        RetryPolicy::exponential("e", Duration::from_secs(1), 10.0, Duration::from_secs(500), 5).unwrap();
    assert_eq!(capped.schedule(), secs(&[0, 1, 10, 100, 500]));
    assert_eq!(
        RetryPolicy::exponential("e", Duration::from_secs(1), f64::NAN, Duration::from_secs(5), 3)
            .unwrap_err()
            .code(),
        "invalid_argument"
    );
}

#[test]
fn retry_policies_refuse_what_they_cannot_bound() {
    // Found by the hardening catalogue: `svix().max_attempts(2^32 - 1).schedule()` allocated
    // 64 GB and aborted, `exponential(…, 1e9 attempts)` was OOM-killed.
    const DAY: u64 = 24 * 3600;
    let d = Duration::from_secs;
    let refused: Vec<(&str, Result<RetryPolicy, hookwire::Error>)> = vec![
        ("max_attempts u32::MAX", RetryPolicy::svix().with_max_attempts(u32::MAX)),
        ("max_attempts 1001", RetryPolicy::svix().with_max_attempts(1_001)),
        ("max_attempts 0", RetryPolicy::svix().with_max_attempts(0)),
        ("exponential 1e9 attempts", RetryPolicy::exponential("e", d(1), 2.0, d(60), 1_000_000_000)),
        ("exponential factor 1e9", RetryPolicy::exponential("e", d(1), 1e9, d(60), 5)),
        ("exponential factor 10.5", RetryPolicy::exponential("e", d(1), 10.5, d(60), 5)),
        ("exponential cap 31 days", RetryPolicy::exponential("e", d(1), 2.0, d(31 * DAY), 5)),
        ("table 1001 entries", RetryPolicy::table("t", vec![d(60); 1_001])),
        ("table entry 31 days", RetryPolicy::table("t", vec![d(0), d(31 * DAY)])),
        ("max_age 366 days", RetryPolicy::svix().with_max_age(d(366 * DAY))),
        ("throttle_min 31 days", RetryPolicy::svix().with_throttle_min(d(31 * DAY))),
        ("webnet max_retries u32::MAX", RetryPolicy::webnet_with(u32::MAX, d(60))),
        ("homechef max_retries 1000", RetryPolicy::homechef_with(1_000, d(60))),
    ];
    for (what, result) in refused {
        assert_eq!(result.map(|p| p.name().to_owned()).unwrap_err().code(), "invalid_argument", "{what}");
    }
    // The limits themselves are fine, and the longest schedule is a thousand entries.
    let accepted = [
        RetryPolicy::svix().with_max_attempts(RetryPolicy::MAX_ATTEMPTS).unwrap(),
        RetryPolicy::exponential("e", d(1), RetryPolicy::MAX_FACTOR, RetryPolicy::MAX_DELAY, 1_000).unwrap(),
        RetryPolicy::table("t", vec![RetryPolicy::MAX_DELAY; 1_000]).unwrap(),
        RetryPolicy::homechef_with(999, d(60)).unwrap(),
        RetryPolicy::svix()
            .with_max_age(RetryPolicy::MAX_AGE)
            .unwrap()
            .with_throttle_min(RetryPolicy::MAX_DELAY)
            .unwrap(),
    ];
    for policy in accepted {
        let schedule = policy.schedule();
        assert!(schedule.len() <= 1_000 && schedule.iter().all(|delay| *delay <= RetryPolicy::MAX_DELAY));
        let failed = response(500, &[]);
        assert!(matches!(
            policy.next(999, t(0), t(0), &failed),
            Decision::Retry { .. } | Decision::GiveUp { .. }
        ));
    }
}

#[test]
fn auraconnect_never_retries_after_seven_days() {
    // Every retry is throttled to an hour by Retry-After; after 7 days it gives up.
    let policy = RetryPolicy::auraconnect().with_max_attempts(1000).unwrap();
    let slow = response(503, &[("retry-after", "3600")]);
    let (starts, end) = run_to_end(&policy, &slow);
    let DeliveryState::Failed { at, reason } = end else { panic!("{end:?}") };
    assert_eq!(reason, GiveUpReason::MaxAge);
    assert!(*starts.last().unwrap() <= 7 * 24 * 3600 * 1000, "{starts:?}");
    assert!(at.as_millis() + 60 * 60 * 1000 > 7 * 24 * 3600 * 1000, "gave up too early: {at}");
}

#[test]
fn every_outcome_class() {
    type Case<'a> = (u16, &'a [(&'a str, &'a str)], OutcomeClass);
    let table: &[Case] = &[
        (200, &[], OutcomeClass::Success),
        (204, &[], OutcomeClass::Success),
        (299, &[], OutcomeClass::Success),
        (301, &[("location", "https://elsewhere.example")], OutcomeClass::Retryable),
        (304, &[], OutcomeClass::Retryable),
        (400, &[], OutcomeClass::Retryable),
        (404, &[], OutcomeClass::Retryable),
        (410, &[], OutcomeClass::EndpointGone),
        (429, &[], OutcomeClass::Throttled),
        (500, &[], OutcomeClass::Retryable),
        (502, &[], OutcomeClass::Throttled),
        (503, &[], OutcomeClass::Throttled),
        (504, &[], OutcomeClass::Throttled),
        (100, &[], OutcomeClass::Retryable),
        (500, &[("webhook-delivery", "abort-message")], OutcomeClass::Aborted),
        (400, &[("Webhook-Delivery", "Disable")], OutcomeClass::DisableRequested),
        (500, &[("webhook-delivery", "abort-message, disable")], OutcomeClass::DisableRequested),
        (500, &[("webhook-delivery", "something-new")], OutcomeClass::Retryable),
        (200, &[("webhook-delivery", "abort-message")], OutcomeClass::Success),
    ];
    for (status, headers, class) in table {
        assert_eq!(response(*status, headers).class(), *class, "{status} {headers:?}");
    }
    // 410 and a disable request disable the endpoint, even on a 2xx.
    assert!(response(410, &[]).disables_endpoint());
    assert!(response(200, &[("webhook-delivery", "disable")]).disables_endpoint());
    assert!(response(200, &[("webhook-delivery", "disable")]).is_success());
    assert!(!response(503, &[]).disables_endpoint());
    // Configured permanent statuses.
    let strict = Classifier::default().with_permanent([400, 401, 403]);
    assert_eq!(strict.response(401, &HeaderMap::new(), Duration::ZERO).class(), OutcomeClass::Permanent);
    assert_eq!(strict.response(500, &HeaderMap::new(), Duration::ZERO).class(), OutcomeClass::Retryable);
    let no_throttle = Classifier::default().with_throttle([]);
    assert_eq!(no_throttle.response(503, &HeaderMap::new(), Duration::ZERO).class(), OutcomeClass::Retryable);
    // Transport failures.
    for (failure, class) in [
        (Failure::Timeout, OutcomeClass::Retryable),
        (Failure::Connect, OutcomeClass::Retryable),
        (Failure::Tls, OutcomeClass::Retryable),
        (Failure::Dns, OutcomeClass::Retryable),
        (Failure::Blocked, OutcomeClass::Permanent),
        (Failure::InvalidRequest, OutcomeClass::Permanent),
        (Failure::Other, OutcomeClass::Retryable),
    ] {
        let outcome = Outcome::transport(failure, Duration::from_secs(1));
        assert_eq!((outcome.class(), outcome.status(), outcome.failure()), (class, None, Some(failure)));
        assert_eq!(outcome.wants_backoff(), failure == Failure::Timeout);
    }
    // What the policy makes of each class.
    let policy = RetryPolicy::standard_webhooks();
    let decide = |outcome: &Outcome| policy.next(1, t(0), t(0), outcome);
    assert_eq!(decide(&response(200, &[])), Decision::Done);
    assert_eq!(decide(&response(410, &[])), Decision::GiveUp { reason: GiveUpReason::EndpointGone });
    assert_eq!(
        decide(&response(500, &[("webhook-delivery", "abort-message")])),
        Decision::GiveUp { reason: GiveUpReason::Aborted }
    );
    assert_eq!(
        decide(&response(500, &[("webhook-delivery", "disable")])),
        Decision::GiveUp { reason: GiveUpReason::EndpointDisabled }
    );
    assert_eq!(
        decide(&Outcome::transport(Failure::Blocked, Duration::ZERO)),
        Decision::GiveUp { reason: GiveUpReason::Permanent }
    );
    assert_eq!(decide(&response(500, &[])), Decision::Retry { at: t(5_000), delay: Duration::from_secs(5) });
    assert_eq!(
        decide(&response(429, &[])),
        Decision::Retry { at: t(60_000), delay: Duration::from_secs(60) }
    );
    let patient = policy.clone().with_throttle_min(Duration::from_secs(10)).unwrap();
    assert_eq!(
        patient.next(1, t(0), t(0), &response(429, &[])),
        Decision::Retry { at: t(10_000), delay: Duration::from_secs(10) }
    );
}

#[test]
fn retry_after_forms() {
    // Forms: delay-seconds, IMF-fixdate, RFC 850, asctime; garbage is an error.
    let minute_after_epoch = UnixTime::from_secs(60);
    let table: &[(&str, Option<RetryAfter>)] = &[
        ("0", Some(RetryAfter::Delay(Duration::ZERO))),
        ("120", Some(RetryAfter::Delay(Duration::from_secs(120)))),
        (" 7 ", Some(RetryAfter::Delay(Duration::from_secs(7)))),
        ("Thu, 01 Jan 1970 00:01:00 GMT", Some(RetryAfter::At(minute_after_epoch))),
        ("Thursday, 01-Jan-70 00:01:00 GMT", Some(RetryAfter::At(minute_after_epoch))),
        ("Thu Jan  1 00:01:00 1970", Some(RetryAfter::At(minute_after_epoch))),
        ("Wed, 21 Oct 2015 07:28:00 GMT", Some(RetryAfter::At(t(1_445_412_480_000)))),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("+5", None),
        ("99999999999999999999", None),
        ("soon", None),
        ("Thu, 01 Jan 1970 25:01:00 GMT", None),
        ("Thu, 32 Jan 1970 00:01:00 GMT", None),
    ];
    for (text, expected) in table {
        match (RetryAfter::parse(text), expected) {
            (Ok(got), Some(want)) => assert_eq!(got, *want, "{text:?}"),
            (Err(err), None) => assert_eq!(err.code(), "malformed_header", "{text:?}"),
            (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
        }
    }
    // A date in the past is no wait; a date in the future waits until then.
    assert_eq!(RetryAfter::At(t(1_000)).delay_from(t(5_000)), Duration::ZERO);
    assert_eq!(RetryAfter::At(t(9_000)).delay_from(t(5_000)), Duration::from_secs(4));

    // Honoured, clamped to [scheduled, 2 × scheduled]; the scheduled delay of a 503 is at
    // least the 60 s throttle minimum.
    let policy = RetryPolicy::standard_webhooks();
    let delay_for = |status: u16, retry_after: &str| match policy.next(
        2,
        t(0),
        t(0),
        &response(status, &[("retry-after", retry_after)]),
    ) {
        Decision::Retry { delay, .. } => delay.as_secs(),
        other => panic!("{other:?}"),
    };
    assert_eq!(delay_for(500, "3"), 300); // below the 5 min schedule → 5 min
    assert_eq!(delay_for(500, "450"), 450); // within → as asked
    assert_eq!(delay_for(500, "100000"), 600); // above → 2 × schedule
    assert_eq!(delay_for(503, "90"), 300); // schedule 5 min already above the minimum
    assert_eq!(delay_for(500, "garbage"), 300); // ignored
    let first_retry =
        |retry_after: &str| match policy.next(1, t(0), t(0), &response(429, &[("retry-after", retry_after)]))
        {
            Decision::Retry { delay, .. } => delay.as_secs(),
            other => panic!("{other:?}"),
        };
    assert_eq!(first_retry("1"), 60);
    assert_eq!(first_retry("90"), 90);
    assert_eq!(first_retry("Thu, 01 Jan 1970 01:00:00 GMT"), 120);
    // A zero delay (an immediate table entry, no throttle minimum) still leaves the receiver up
    // to the throttle minimum it asked for, not nothing.
    let eager = RetryPolicy::table("eager", vec![Duration::ZERO; 3])
        .unwrap()
        .with_throttle_min(Duration::from_secs(30))
        .unwrap();
    let decide = |retry_after: &str| match eager.next(
        1,
        t(0),
        t(0),
        &response(500, &[("retry-after", retry_after)]),
    ) {
        Decision::Retry { delay, .. } => delay.as_secs(),
        other => panic!("{other:?}"),
    };
    assert_eq!((decide("10"), decide("3600"), decide("0")), (10, 30, 0));
}

#[test]
fn jitter_stays_within_its_formula() {
    let failed = response(500, &[]);
    let samples = 10_000;
    // Attempt `attempt` of delivery number `key`: its id keys the jitter.
    let run =
        |key: u64, attempt: u32| DeliveryRun::new(&format!("msg_{key}"), t(0)).with_attempts(attempt - 1);
    let policy_with = |jitter| RetryPolicy::standard_webhooks().with_jitter(jitter).unwrap().with_seed(42);
    let delay =
        |policy: &RetryPolicy, attempt: u32, key: u64| match policy.decide(&run(key, attempt), &failed, t(0))
        {
            Decision::Retry { delay, .. } => delay.as_secs_f64(),
            other => panic!("{other:?}"),
        };
    for (attempt, nominal) in [(1u32, 5.0), (3, 1800.0), (9, 86_400.0)] {
        for (jitter, low, high) in [
            (Jitter::None, nominal, nominal),
            (Jitter::Proportional(0.2), nominal * 0.8, nominal * 1.2),
            (Jitter::Full, 0.0, nominal),
        ] {
            let policy = policy_with(jitter);
            let draws: Vec<f64> = (0..samples).map(|key| delay(&policy, attempt, key)).collect();
            let (min, max) = draws.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &d| (lo.min(d), hi.max(d)));
            assert!(
                min >= low - 1e-6 && max <= high + 1e-6,
                "{jitter:?} #{attempt}: [{min}, {max}] vs [{low}, {high}]"
            );
            if jitter != Jitter::None {
                // A spread, not a constant: the draws cover most of the range and average near its middle.
                assert!(max - min > 0.9 * (high - low), "{jitter:?}: [{min}, {max}]");
                let mean = draws.iter().sum::<f64>() / samples as f64;
                assert!((mean - (low + high) / 2.0).abs() < 0.02 * (high - low), "{jitter:?}: mean {mean}");
            }
        }
    }
    // Decorrelated: every delay in [base, min(cap, 3 × previous)], never above the cap.
    let policy = policy_with(Jitter::Decorrelated);
    let (base, cap) = (5.0, 86_400.0);
    for key in 0..samples {
        let mut previous = base;
        for attempt in 1..10 {
            let d = delay(&policy, attempt, key);
            assert!(
                d >= base - 1e-6 && d <= cap + 1e-6 && d <= 3.0 * previous + 1e-6,
                "key {key} #{attempt}: {d} after {previous}"
            );
            previous = d;
        }
    }
    // The last attempt a policy can make is answered at once (the chain is replayed over a
    // window, not from the start) and stays within the bounds.
    let wide = policy.clone().with_max_attempts(RetryPolicy::MAX_ATTEMPTS).unwrap();
    let d = delay(&wide, RetryPolicy::MAX_ATTEMPTS - 1, 3);
    assert!((base..=cap).contains(&d), "{d}");
    // Seeded policies are reproducible; different seeds differ.
    let a = policy_with(Jitter::Full);
    assert_eq!(delay(&a, 4, 9), delay(&a.clone(), 4, 9));
    assert_ne!(delay(&a, 4, 9), delay(&a.clone().with_seed(43), 4, 9));
    assert_eq!(
        RetryPolicy::svix().with_jitter(Jitter::Proportional(1.5)).unwrap_err().code(),
        "invalid_argument"
    );
}

#[test]
fn delivery_state_machine() {
    let policy = RetryPolicy::standard_webhooks();
    let mut delivery = Delivery::new("msg_1", t(1_000)).with_response_body_limit(8);
    assert_eq!(delivery.response_body_limit(), 8);
    assert_eq!(delivery.state(), &DeliveryState::Pending { due: t(1_000) });
    let big = "ééééé".as_bytes(); // 10 bytes: cut at 8 on a character boundary
    let state = *delivery.record(&policy, t(1_000), &response(500, &[]), big, t(1_200)).unwrap();
    assert_eq!(state, DeliveryState::Retrying { next_at: t(6_200) });
    let first = &delivery.attempts()[0];
    assert_eq!((first.number, first.status, first.class), (1, Some(500), OutcomeClass::Retryable));
    assert_eq!((first.response_body.as_str(), first.response_truncated), ("éééé", true));

    let timeout = Outcome::transport(Failure::Timeout, Duration::from_secs(30));
    delivery.record(&policy, t(6_200), &timeout, b"", t(36_200)).unwrap();
    assert_eq!(delivery.attempts()[1].failure, Some(Failure::Timeout));
    // The schedule's 5 min is already above the 60 s a timeout waits at least.
    assert_eq!(delivery.state(), &DeliveryState::Retrying { next_at: t(336_200) });

    // Persisted and read back between attempts, it carries on the same.
    let stored = serde_json::to_string(&delivery).unwrap();
    assert!(stored.contains(r#""state":"retrying""#), "{stored}");
    let mut restored: Delivery = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, delivery);
    restored.record(&policy, t(336_200), &response(204, &[]), b"", t(336_300)).unwrap();
    assert_eq!(restored.state(), &DeliveryState::Succeeded { at: t(336_300) });
    assert_eq!(
        restored.record(&policy, t(0), &response(200, &[]), b"", t(0)).unwrap_err().code(),
        "invalid_state"
    );
    assert_eq!(restored.cancel(t(0)).unwrap_err().code(), "invalid_state");
    assert_eq!(restored.retry(t(0)).unwrap_err().code(), "invalid_state");

    // Cancel, then a manual retry that fails once more.
    delivery.cancel(t(50_000)).unwrap();
    assert_eq!(delivery.state(), &DeliveryState::Cancelled { at: t(50_000) });
    delivery.retry(t(60_000)).unwrap();
    assert_eq!(delivery.retry(t(60_000)).unwrap_err().code(), "invalid_state");
    delivery.record(&policy, t(60_000), &response(500, &[]), b"", t(60_100)).unwrap();
    assert_eq!(
        delivery.state(),
        &DeliveryState::Failed { at: t(60_100), reason: GiveUpReason::ManualAttemptFailed }
    );
    assert!(delivery.attempts()[2].manual);
    // A 20 KB default limit.
    let mut long = Delivery::new("msg_2", t(0));
    long.record(&policy, t(0), &response(500, &[]), &vec![b'x'; 50_000], t(1)).unwrap();
    assert_eq!(long.attempts()[0].response_body.len(), hookwire::DEFAULT_RESPONSE_BODY_LIMIT);
    // Giving up for an endpoint disabled elsewhere.
    let mut orphan = Delivery::new("msg_3", t(0));
    orphan.fail(GiveUpReason::EndpointDisabled, t(5)).unwrap();
    assert_eq!(orphan.state().name(), "failed");
}

#[derive(Debug, Clone)]
enum Op {
    Schedule(u8, i16),
    Cancel(u8),
    Reschedule(u8, i16),
    Pop(i16, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<i16>()).prop_map(|(k, d)| Op::Schedule(k % 64, d)),
        2 => any::<u8>().prop_map(|k| Op::Cancel(k % 64)),
        2 => (any::<u8>(), any::<i16>()).prop_map(|(k, d)| Op::Reschedule(k % 64, d)),
        2 => (any::<i16>(), any::<u8>()).prop_map(|(now, limit)| Op::Pop(now, limit % 8)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The scheduler behaves as a naive sorted list: ties in due time pop in scheduling order.
    #[test]
    fn scheduler_matches_a_sorted_list(ops in proptest::collection::vec(op(), 1..300)) {
        let mut scheduler: Scheduler<u8> = Scheduler::new();
        // (due, order of scheduling, key), kept sorted.
        let mut model: Vec<(i64, u64, u8)> = Vec::new();
        let mut counter = 0u64;
        for op in ops {
            match op {
                Op::Schedule(key, due) | Op::Reschedule(key, due) => {
                    let present = model.iter().any(|e| e.2 == key);
                    let is_schedule = matches!(op, Op::Schedule(..));
                    if is_schedule {
                        prop_assert_eq!(scheduler.schedule(key, t(due.into())), !present);
                    } else {
                        prop_assert_eq!(scheduler.reschedule(&key, t(due.into())), present);
                    }
                    if is_schedule || present {
                        model.retain(|e| e.2 != key);
                        model.push((due.into(), counter, key));
                        counter += 1;
                        model.sort();
                    }
                }
                Op::Cancel(key) => {
                    let present = model.iter().any(|e| e.2 == key);
                    prop_assert_eq!(scheduler.cancel(&key), present);
                    model.retain(|e| e.2 != key);
                }
                Op::Pop(now, limit) => {
                    let got = scheduler.pop_due(t(now.into()), limit.into());
                    let n = model.iter().take_while(|e| e.0 <= now.into()).count().min(limit.into());
                    let want: Vec<(u8, UnixTime)> = model.drain(..n).map(|e| (e.2, t(e.0))).collect();
                    prop_assert_eq!(got, want);
                }
            }
            prop_assert_eq!(scheduler.len(), model.len());
            prop_assert_eq!(scheduler.next_due(), model.first().map(|e| t(e.0)));
            for key in 0..64u8 {
                prop_assert_eq!(scheduler.contains(&key), model.iter().any(|e| e.2 == key));
            }
        }
    }
}

#[test]
fn scheduler_holds_a_million_and_stays_compact_under_churn() {
    let mut scheduler: Scheduler<u64> = Scheduler::with_capacity(1_000_000);
    for key in 0..1_000_000u64 {
        scheduler.schedule(key, t((key * 7_919 % 1_000_003) as i64));
    }
    assert_eq!(scheduler.len(), 1_000_000);
    // Reschedule everything many times: stale heap entries are compacted away, and the order holds.
    for round in 0..5i64 {
        for key in (0..1_000_000u64).step_by(3) {
            scheduler.reschedule(&key, t(round * 10 + (key % 1000) as i64));
        }
    }
    let popped = scheduler.pop_due(t(i64::MAX), 2_000_000);
    assert_eq!(popped.len(), 1_000_000);
    assert!(popped.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(scheduler.is_empty() && scheduler.next_due().is_none());
}

#[test]
fn endpoint_health_transitions() {
    let day = |n: i64| t(n * 24 * 3600 * 1000);
    let policy = HealthPolicy::default(); // 5 days
    let mut health = EndpointHealth::default();
    let down = response(500, &[]);
    assert_eq!(health.record(&policy, &down, t(0)), Some(HealthTransition::StartedFailing { at: t(0) }));
    assert_eq!(health.record(&policy, &down, day(4)), None);
    assert_eq!(health.consecutive_failures(), 2);
    assert_eq!(
        health.record(&policy, &response(200, &[]), day(4) + Duration::from_millis(1)),
        Some(HealthTransition::Recovered { after_failures: 2, failing_since: t(0) })
    );
    assert_eq!(health.record(&policy, &response(200, &[]), day(4) + Duration::from_millis(2)), None);
    assert_eq!(health.record(&policy, &down, day(5)), Some(HealthTransition::StartedFailing { at: day(5) }));
    assert_eq!(
        health.record(&policy, &Outcome::transport(Failure::Connect, Duration::ZERO), day(10)),
        Some(HealthTransition::Disabled { reason: DisableReason::FailingFor { since: day(5) }, at: day(10) })
    );
    assert!(health.is_disabled());
    assert_eq!(
        health.record(&policy, &response(200, &[]), day(11)),
        None,
        "a disabled endpoint stays disabled"
    );
    health.enable();
    assert!(!health.is_disabled());
    // Aborted messages say nothing about the endpoint.
    assert_eq!(health.record(&policy, &response(500, &[("webhook-delivery", "abort-message")]), t(0)), None);
    assert_eq!(health.consecutive_failures(), 0);
    // 410 and a disable request disable at once, even on a first failure or a success.
    for (outcome, reason) in [
        (response(410, &[]), DisableReason::Gone),
        (response(200, &[("webhook-delivery", "disable")]), DisableReason::Requested),
    ] {
        let mut health = EndpointHealth::default();
        assert_eq!(
            health.record(&policy, &outcome, t(7)),
            Some(HealthTransition::Disabled { reason, at: t(7) })
        );
        assert_eq!(health.disabled(), Some((reason, t(7))));
    }
    // Serializes for storage.
    let json = serde_json::to_string(&health).unwrap();
    assert_eq!(serde_json::from_str::<EndpointHealth>(&json).unwrap(), health);
}

#[test]
fn token_bucket_paces_an_endpoint() {
    let mut bucket = TokenBucket::new(2, Duration::from_secs(1)).unwrap();
    assert_eq!((bucket.acquire(t(0)), bucket.acquire(t(0))), (Ok(()), Ok(())));
    assert_eq!(bucket.acquire(t(0)), Err(Duration::from_millis(500)));
    assert_eq!(bucket.acquire(t(499)), Err(Duration::from_millis(1)));
    assert_eq!(bucket.acquire(t(500)), Ok(()));
    // Long idle refills only up to the burst size; a clock going backwards refills nothing.
    assert_eq!(bucket.available(t(1_000_000)), 2);
    assert_eq!((bucket.acquire(t(1_000_000)), bucket.acquire(t(1_000_000))), (Ok(()), Ok(())));
    assert_eq!(bucket.available(t(0)), 0);
    // 1000 per hour sustained: 3.6 s per delivery once the burst is spent.
    let mut aura = RateLimit::per_hour(1000).unwrap().bucket();
    let mut now = t(0);
    let mut sent = 0;
    while now <= t(2 * 3_600_000) {
        match aura.acquire(now) {
            Ok(()) => sent += 1,
            Err(wait) => now = now + wait,
        }
    }
    assert_eq!(sent, 1000 + 2000);
    assert_eq!(TokenBucket::new(0, Duration::from_secs(1)).unwrap_err().code(), "invalid_argument");
    assert_eq!(RateLimit::new(1, Duration::from_micros(999)).unwrap_err().code(), "invalid_argument");
    assert_eq!(aura.rate(), RateLimit::per_hour(1000).unwrap());
    // Stored buckets round-trip; corrupt ones are refused instead of dividing by zero later.
    let json = serde_json::to_string(&aura).unwrap();
    assert_eq!(serde_json::from_str::<TokenBucket>(&json).unwrap(), aura);
    for corrupt in [
        r#"{"capacity":0,"period_ms":1,"level":0,"updated_at":null}"#,
        r#"{"capacity":1,"period_ms":0,"level":0,"updated_at":null}"#,
        r#"{"capacity":1,"period_ms":1,"level":340282366920938463463374607431768211455,"updated_at":null}"#,
    ] {
        assert!(serde_json::from_str::<TokenBucket>(corrupt).is_err(), "{corrupt}");
    }
}

#[test]
fn requests_are_signed_afresh_on_every_attempt() {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let endpoint =
        Endpoint::new("https://hooks.example.com/in", Scheme::standard_webhooks(), [secret.clone()])
            .unwrap()
            .with_subscription(Subscription::new(["order.*"]).unwrap())
            .with_header("X-Tenant", "7")
            .unwrap()
            .with_header("User-Agent", "custom/1")
            .unwrap();
    let verifier = Verifier::new(Scheme::standard_webhooks(), [secret]);
    let message = OutgoingMessage::from_event("msg_42", &sample("order.created").unwrap());
    // Attempts 90 s apart, in milliseconds: the timestamp header is the attempt's unix second.
    let (first_at, second_at) = (t(1_700_000_000_400), t(1_700_000_090_999));
    let first = endpoint.request(&message, first_at).unwrap();
    let second = endpoint.request(&message, second_at).unwrap();
    for (request, ts) in [(&first, 1_700_000_000), (&second, 1_700_000_090)] {
        assert_eq!(request.uri(), "https://hooks.example.com/in");
        assert_eq!(request.headers()["webhook-id"], "msg_42");
        assert_eq!(request.headers()["webhook-timestamp"], ts.to_string().as_str());
        assert_eq!(request.headers()["x-tenant"], "7");
        assert_eq!(request.headers()["user-agent"], "custom/1");
        assert_eq!(request.body(), message.body());
        let verified = verifier.verify_at(request.headers(), request.body(), ts + 1).unwrap();
        assert_eq!(verified.id(), Some("msg_42"));
    }
    assert_ne!(first.headers()["webhook-signature"], second.headers()["webhook-signature"]);
    let plain =
        Endpoint::new("https://hooks.example.com/in", Scheme::standard_webhooks(), [Secret::generate()])
            .unwrap();
    let request = plain.request(&OutgoingMessage::new("m", b"{}".to_vec()), t(1_000)).unwrap();
    assert_eq!(request.headers()["user-agent"], hookwire::USER_AGENT);
    assert!(hookwire::USER_AGENT.starts_with("hookwire/"));

    // Headers that frame the request belong to the client.
    for name in ["Content-Length", "transfer-encoding", "Host", "connection"] {
        let err = plain.clone().with_header(name, "1").unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{name}");
    }
    // Limits and guards.
    let big = OutgoingMessage::new("m", vec![b' '; 256 * 1024 + 1]);
    let err = plain.clone().with_max_payload(256 * 1024).request(&big, t(1_000)).unwrap_err();
    assert_eq!(err.code(), "payload_too_large");
    assert_eq!(hookwire::Failure::of(&err), Failure::InvalidRequest);
    let secret = || [Secret::generate()];
    let internal =
        Endpoint::new("http://169.254.169.254/latest/meta-data", Scheme::standard_webhooks(), secret())
            .unwrap();
    let err = internal.request(&message, t(1_000)).unwrap_err();
    assert_eq!((err.code(), Failure::of(&err)), ("blocked_url", Failure::Blocked));
    assert_eq!(internal.check_url().unwrap_err().code(), "blocked_url");
    let allowed = internal.with_url_guard(UrlGuard::default().with_allowed_net("169.254.169.254").unwrap());
    assert!(allowed.request(&message, t(1_000)).is_ok());
    let err = plain.request(&OutgoingMessage::new("a.b", b"{}".to_vec()), t(1_000)).unwrap_err();
    assert_eq!((err.code(), Failure::of(&err)), ("invalid_argument", Failure::InvalidRequest));
    // A request that cannot be built is permanent: the delivery gives up instead of retrying.
    let outcome = Outcome::transport(Failure::of(&err), Duration::ZERO);
    assert_eq!(
        RetryPolicy::standard_webhooks().next(1, t(0), t(0), &outcome),
        Decision::GiveUp { reason: GiveUpReason::Permanent }
    );
}

#[test]
fn endpoints_refuse_what_they_cannot_send() {
    let scheme = Scheme::standard_webhooks;
    let cases: Vec<(&str, Result<Endpoint, hookwire::Error>, &str)> = vec![
        ("not a URL", Endpoint::new("exa mple", scheme(), [Secret::generate()]), "invalid_argument"),
        ("relative", Endpoint::new("/in", scheme(), [Secret::generate()]), "invalid_argument"),
        ("ftp", Endpoint::new("ftp://example.com/", scheme(), [Secret::generate()]), "invalid_argument"),
        ("no secret", Endpoint::new("https://example.com/", scheme(), []), "invalid_secret"),
        (
            "an ed25519 key for an HMAC scheme",
            Endpoint::new("https://example.com/", Scheme::github(), [Secret::generate_ed25519()]),
            "invalid_secret",
        ),
        (
            "zero timeout",
            Endpoint::new("https://example.com/", scheme(), [Secret::generate()])
                .and_then(|e| e.with_timeout(Duration::ZERO)),
            "invalid_argument",
        ),
        (
            "bad content type",
            Endpoint::new("https://example.com/", scheme(), [Secret::generate()])
                .and_then(|e| e.with_content_type("a\nb")),
            "invalid_argument",
        ),
    ];
    for (what, result, code) in cases {
        assert_eq!(result.unwrap_err().code(), code, "{what}");
    }
    // The defaults, read back with the setters' names.
    let endpoint = Endpoint::new("https://example.com/in", scheme(), [Secret::generate()]).unwrap();
    assert_eq!(endpoint.timeout(), hookwire::DEFAULT_TIMEOUT);
    assert_eq!(endpoint.max_payload(), hookwire::DEFAULT_MAX_PAYLOAD);
    assert_eq!(endpoint.retry_policy().name(), "standard-webhooks");
    assert_eq!(endpoint.rate_limit(), None);
    assert_eq!(endpoint.subscription(), &Subscription::everything());
    let paced = endpoint
        .with_rate_limit(RateLimit::per_hour(10).unwrap())
        .with_timeout(Duration::from_secs(5))
        .unwrap();
    assert_eq!((paced.rate_limit().unwrap().capacity(), paced.timeout()), (10, Duration::from_secs(5)));
}

#[test]
fn an_endpoint_signs_with_every_secret_so_rotation_needs_no_downtime() {
    let old = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let new = Secret::generate();
    let endpoint = Endpoint::new(
        "https://hooks.example.com/in",
        Scheme::standard_webhooks(),
        [old.clone(), new.clone()],
    )
    .unwrap();
    assert_eq!(endpoint.signer().secret_count(), 2);
    let request =
        endpoint.request(&OutgoingMessage::new("msg_1", b"{}".to_vec()), t(1_700_000_000_000)).unwrap();
    assert_eq!(request.headers()["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    // A receiver that has the old secret only, or the new one only, accepts it.
    for secret in [old, new] {
        let verifier = Verifier::new(Scheme::standard_webhooks(), [secret]);
        assert!(verifier.verify_at(request.headers(), request.body(), 1_700_000_000).is_ok());
    }
    // The signer from several secrets is the signer built one secret at a time.
    let a = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let b = Secret::parse("whsec_c2Vjb25kIHNlY3JldCBvZiBlbm91Z2ggYnl0ZXM=").unwrap();
    let folded = Signer::new(Scheme::standard_webhooks(), a.clone()).with_secret(b.clone());
    let together = Signer::from_secrets(Scheme::standard_webhooks(), [a, b]);
    assert_eq!(folded.sign("m", 1, b"{}").unwrap(), together.sign("m", 1, b"{}").unwrap());
    let none = Signer::from_secrets(Scheme::standard_webhooks(), []);
    assert_eq!(none.sign("m", 1, b"{}").unwrap_err().code(), "invalid_secret");
    assert_eq!(
        Signer::try_from_secrets(Scheme::standard_webhooks(), []).map(|_| ()).unwrap_err().code(),
        "invalid_secret"
    );
}

#[test]
fn deciding_from_stored_counters_is_what_a_delivery_decides() {
    // A caller that keeps the counters in a row (the outbox) gets the delivery's decisions.
    let policy = RetryPolicy::svix().with_seed(5); // ±20 % jitter: the key must match too
    let outcomes =
        [response(500, &[]), response(503, &[("retry-after", "30")]), response(500, &[]), response(200, &[])];
    let mut delivery = Delivery::new("dlv_7", t(1_000));
    for (attempts, outcome) in (0u32..).zip(&outcomes) {
        let started = delivery.state().due().unwrap();
        let ended = started + Duration::from_millis(40);
        let run = DeliveryRun::new("dlv_7", t(1_000)).with_attempts(attempts);
        assert_eq!(run, delivery.run());
        let decided = policy.decide(&run, outcome, ended);
        delivery.record(&policy, started, outcome, b"", ended).unwrap();
        let state = *delivery.state();
        match decided {
            Decision::Retry { at, .. } => assert_eq!(state, DeliveryState::Retrying { next_at: at }),
            Decision::Done => assert_eq!(state, DeliveryState::Succeeded { at: ended }),
            other => panic!("{other:?}"),
        }
    }
    // A manual retry's single attempt: the run says so, and a failure gives up.
    let mut failed = Delivery::new("dlv_8", t(0));
    failed.fail(GiveUpReason::Exhausted, t(1)).unwrap();
    failed.retry(t(2)).unwrap();
    let run = failed.run();
    assert!(run.manual() && run.attempts() == 0);
    assert_eq!(
        policy.decide(&run, &response(500, &[]), t(3)),
        Decision::GiveUp { reason: GiveUpReason::ManualAttemptFailed }
    );
    assert_eq!(policy.decide(&run, &response(204, &[]), t(3)), Decision::Done);
}

#[test]
fn no_error_shows_the_credentials_of_a_url() {
    // `check_url` echoed an unparseable URL whole, password included.
    let guard = UrlGuard::default();
    let urls = [
        "http://user:hunter2-p4ss word@example.com/",
        "http://user:hunter2-p4ss@exa mple.com/",
        "https://user:hunter2-p4ss/x@example.com/",
        "user:hunter2-p4ss@example.com",
        "http://user:hunter2-p4ss@127.0.0.1/",
        "http://user:hunter2-p4ss@localhost4.localdomain4/",
        "http://x@y:hunter2-p4ss@example.com:99999/",
    ];
    for url in urls {
        let err = guard.check_url(url).unwrap_err();
        assert_eq!(err.code(), "blocked_url", "{url}");
        assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        if let Err(err) = Endpoint::new(url, Scheme::hookwire(), [Secret::generate()]) {
            assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        }
    }
    // An endpoint at such a URL is refused when the request is built; its Debug hides the
    // credentials too.
    let endpoint =
        Endpoint::new("https://user:hunter2-p4ss@example.com/in", Scheme::hookwire(), [Secret::generate()])
            .unwrap();
    let err = endpoint.request(&OutgoingMessage::new("m", b"{}".to_vec()), t(0)).unwrap_err();
    assert!(err.code() == "blocked_url" && !err.to_string().contains("hunter2"), "{err}");
    let shown = format!("{endpoint:?}");
    assert!(!shown.contains("hunter2") && shown.contains("example.com"), "{shown}");
    // Control characters are escaped and very long text is cut.
    let long = format!("http://exa mple.com/\n{}", "a".repeat(10_000));
    let err = guard.check_url(&long).unwrap_err().to_string();
    assert!(err.len() < 400 && !err.contains('\n'), "{err}");
}

#[test]
fn url_guard_table() {
    let guard = UrlGuard::default();
    let addr = |text: &str| text.parse::<IpAddr>().unwrap();
    let blocked = [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://0x7f.1/",
        "http://0x7F000001/",
        "http://2130706433/",
        "http://017700000001/",
        "http://0177.0.0.1/",
        "http://127.0.0.1./",
        "http://localhost:8080/",
        "http://LOCALHOST/",
        "http://api.localhost/",
        "http://[::1]/",
        "http://[::]/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:8.8.8.8]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[64:ff9b:1::1]/",
        "http://[2002:7f00:1::]/",
        "http://[2001:0:4136:e378::1]/",
        "http://[2001:db8::1]/",
        "http://[3fff::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://[fec0::1]/",
        "http://[ff02::1]/",
        "http://[100::1]/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://100.127.255.255/",
        "http://192.0.0.8/",
        "http://192.0.2.1/",
        "http://198.18.0.1/",
        "http://198.51.100.7/",
        "http://203.0.113.9/",
        "http://224.0.0.1/",
        "http://239.255.255.250/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://user@example.com/",
        "http://user:pass@example.com/",
        "http://example.com@127.0.0.1/",
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "example.com/hook",
        "/relative/path",
        "http://256.0.0.1/",
        "http://1.2.3.4.5/",
        "http://08.0.0.1/",
        "http://0x/",
        "http://example.com:0/",
        "http://exa%6dple.com/",
        "http://[fe80::1%25eth0]/",
        // Found in review: names that only resolve inside, odd ports, IPv4-translated.
        "http://vm:8080/in",
        "http://metadata/computeMetadata/v1/",
        "http://metadata.google.internal/",
        "http://kubernetes.default.svc/",
        "http://api.default.svc.cluster.local/",
        "http://printer.local/",
        "http://router.home.arpa/",
        "http://localhost.localdomain/",
        "http://ip6-localhost/",
        "http://localhost6/",
        "http://[::ffff:0:7f00:1]/",
        "http://[::ffff:0:a9fe:a9fe]/",
        "http://example.com:65536/",
        "http://example.com:4294967376/",
        "http://example.com:+80/",
        "http://example.com:00080/",
        "http://example.com:/",
        // Found by the hardening catalogue: Red Hat's /etc/hosts loopback names, and siblings.
        "http://localhost4.localdomain4/",
        "http://localhost6.localdomain6/",
        "http://LOCALHOST4.LOCALDOMAIN4./",
        "http://localhost6.localdomain6:8080/",
        "http://localhost4/",
        "http://ip6-loopback/",
        "http://ip6-allnodes/",
        "http://db.localdomain4/",
        "http://db.localdomain6./",
        "http://api.LocalHost./",
    ];
    for url in blocked {
        let err = guard.check_url(url).expect_err(url);
        assert_eq!(err.code(), "blocked_url", "{url}: {err}");
    }
    let allowed: [(&str, &str, u16); 10] = [
        ("https://hooks.example.com/in", "hooks.example.com", 443),
        ("http://Hooks.Example.COM./in?x=1", "hooks.example.com", 80),
        ("https://example.com:8443/", "example.com", 8443),
        ("https://8.8.8.8/", "8.8.8.8", 443),
        ("http://1.1.1.1:8080/", "1.1.1.1", 8080),
        ("https://[2606:4700:4700::1111]/", "[2606:4700:4700::1111]", 443),
        ("https://100.63.255.255/", "100.63.255.255", 443),
        ("https://172.32.0.1/", "172.32.0.1", 443),
        ("https://xn--bcher-kva.example/", "xn--bcher-kva.example", 443),
        ("https://0x8.0x8.0x8.0x8/", "8.8.8.8", 443),
    ];
    for (url, host, port) in allowed {
        let checked = guard.check_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!((checked.host().to_string().as_str(), checked.port()), (host, port), "{url}");
    }
    // Every resolved address must pass; the first is the one to connect to.
    let public = addr("93.184.215.14");
    assert_eq!(guard.check_resolved(&[public, addr("2a00:1450:4001:800::200e")]).unwrap(), public);
    assert_eq!(guard.check_resolved(&[public, addr("127.0.0.1")]).unwrap_err().code(), "blocked_url");
    assert_eq!(guard.check_resolved(&[]).unwrap_err().code(), "blocked_url");
    // https only.
    let strict = UrlGuard::default().with_https_only(true);
    assert_eq!(strict.check_url("http://example.com/").unwrap_err().code(), "blocked_url");
    assert!(strict.check_url("https://example.com/").unwrap().is_https());
    // Resolved addresses.
    assert!(guard.check_addr(addr("93.184.215.14")).is_ok());
    assert!(guard.check_addr(addr("2a00:1450:4001:800::200e")).is_ok());
    let err = guard.check_addr(addr("169.254.169.254")).unwrap_err();
    assert!(err.to_string().contains("169.254.0.0/16"), "{err}");
    // Allow-listing.
    let internal =
        UrlGuard::default().with_allowed_net("10.20.0.0/16").unwrap().with_allowed_net("fd00::/8").unwrap();
    assert!(internal.check_addr(addr("10.20.3.4")).is_ok());
    assert!(internal.check_addr(addr("10.21.0.1")).is_err());
    assert!(internal.check_addr(addr("fd00::5")).is_ok());
    assert!(internal.check_url("http://[fd00::5]:9000/").is_ok());
    for bad in ["10.0.0.0/33", "10.0.0.0/", "nonsense", "10.0.0.0/-1", "::1/129"] {
        assert_eq!(
            UrlGuard::default().with_allowed_net(bad).unwrap_err().code(),
            "invalid_argument",
            "{bad}"
        );
    }
    let everything = UrlGuard::default().with_allowed_net("0.0.0.0/0").unwrap();
    assert!(everything.check_url("http://127.0.0.1/").is_ok());
    assert!(everything.check_url("http://[::1]/").is_err(), "an IPv4 allow-list does not open IPv6");
    assert!(strict.https_only() && internal.allowed_nets().len() == 2);
    // The preset for receivers on the same host or network: loopback and private networks
    // only; link-local (cloud metadata) and names such as localhost stay refused.
    let local = UrlGuard::allowing_private_networks();
    for url in [
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://[fd12::1]/",
        "https://example.com/",
    ] {
        assert!(local.check_url(url).is_ok(), "{url}");
    }
    for url in [
        "http://169.254.169.254/",
        "http://localhost/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
    ] {
        assert_eq!(local.check_url(url).unwrap_err().code(), "blocked_url", "{url}");
    }
}
