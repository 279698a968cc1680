//! One conformance suite, run against both engines: every case gets a fresh database and
//! checks behaviour through the same API (the store trait for claims and fencing, the
//! [`Outbox`] for everything else, with a real receiver on 127.0.0.1).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hookwire::{Scheme, Secret, Verifier};
use serde_json::json;

use super::{ClaimRequest, Completion, Store};
use crate::decisions::Next;
use crate::{DeliveryFilter, DeliveryStatus, Error, NewEndpoint, Outbox, Publish, RetrySpec, UnixTime};

#[path = "../../tests/support/receiver.rs"]
mod receiver;
use receiver::{Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A loopback endpoint with a policy of three quick attempts.
fn endpoint(url: &str) -> NewEndpoint {
    NewEndpoint::new(url, "standard-webhooks", SECRET)
        .allow_private(true)
        .retry(RetrySpec::delays([ms(0), ms(20), ms(20)]).throttle_min(ms(50)))
        .timeout(Duration::from_secs(2))
}

async fn deliver_all(outbox: &Outbox) {
    outbox
        .worker()
        .poll_interval(ms(20))
        .concurrency(8)
        .run_until_idle(Duration::from_secs(20))
        .await
        .expect("every delivery final in time");
}

fn order(id: u64) -> Publish {
    Publish::event("order.created", json!({"id": id, "restaurant_id": 1}))
}

fn claim(worker: &str, now: UnixTime, lease: Duration) -> ClaimRequest {
    ClaimRequest {
        worker: worker.into(),
        token: crate::id::new_id("clm"),
        now,
        lease,
        limit: 100,
        exclude: Vec::new(),
    }
}

fn done(claimed: &super::Claimed, now: UnixTime) -> Completion {
    Completion {
        delivery_id: claimed.delivery_id.clone(),
        endpoint_id: claimed.endpoint_id.clone(),
        token: claimed.token.clone(),
        now,
        attempt: None,
        outcome: None,
        health: hookwire::HealthPolicy::default(),
        next: Next::Succeeded,
        last_error: None,
    }
}

// ---- the cases -------------------------------------------------------------------------

async fn publish_fans_out_to_matching_enabled_endpoints_of_the_same_tenant(outbox: Outbox) {
    let url = "http://127.0.0.1:9/hook";
    let orders = outbox.add_endpoint(endpoint(url).events(["order.*"])).await.unwrap();
    let everything = outbox.add_endpoint(endpoint(url)).await.unwrap();
    let users = outbox.add_endpoint(endpoint(url).events(["user.created"])).await.unwrap();
    let other_restaurant =
        outbox.add_endpoint(endpoint(url).events(["order.*"]).filter("restaurant_id", 2)).await.unwrap();
    let tenant = outbox.add_endpoint(endpoint(url).tenant("acme")).await.unwrap();
    let disabled = outbox.add_endpoint(endpoint(url)).await.unwrap();
    outbox.disable_endpoint(&disabled.id).await.unwrap();

    let published = outbox.publish(order(1)).await.unwrap();
    assert_eq!(published.deliveries, 2);
    let to: Vec<String> = outbox
        .deliveries(DeliveryFilter::default().message(&published.message_id))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.endpoint_id)
        .collect();
    assert!(to.contains(&orders.id) && to.contains(&everything.id), "{to:?}");
    for not in [&users.id, &other_restaurant.id, &tenant.id, &disabled.id] {
        assert!(!to.contains(not));
    }
    let acme = outbox.publish(order(2).tenant("acme")).await.unwrap();
    let to = outbox.deliveries(DeliveryFilter::default().message(&acme.message_id)).await.unwrap();
    assert_eq!(to.iter().map(|d| d.endpoint_id.as_str()).collect::<Vec<_>>(), [tenant.id.as_str()]);
}

async fn a_repeated_idempotency_key_creates_nothing_new(outbox: Outbox) {
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    let first = outbox.publish(order(1).idempotency_key("order-1")).await.unwrap();
    let again = outbox.publish(order(1).idempotency_key("order-1")).await.unwrap();
    assert_eq!((first.duplicate, again.duplicate), (false, true));
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(again.deliveries, 0);
    assert_eq!(outbox.queue_depth().await.unwrap(), 1);
    let other = outbox.publish(order(1).idempotency_key("order-2")).await.unwrap();
    assert_ne!(other.message_id, first.message_id);
}

async fn every_attempt_carries_the_message_id_and_a_fresh_valid_signature(outbox: Outbox) {
    let calls = Arc::new(AtomicUsize::new(0));
    let receiver = Receiver::start({
        let calls = Arc::clone(&calls);
        move |_| Reply::status(if calls.fetch_add(1, Ordering::SeqCst) == 0 { 500 } else { 200 })
    })
    .await;
    outbox.add_endpoint(endpoint(&receiver.url("/hook")).header("X-Tenant", "kitchen-7")).await.unwrap();
    let published = outbox.publish(order(7)).await.unwrap();
    deliver_all(&outbox).await;

    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    let verifier = Verifier::new(Scheme::standard_webhooks(), [Secret::parse(SECRET).unwrap()]);
    for request in &seen {
        let verified = verifier.verify(&request.headers, &request.body).expect("valid signature");
        assert_eq!(verified.id(), Some(published.message_id.as_str()));
        assert_eq!(request.header("x-tenant").as_deref(), Some("kitchen-7"));
        let envelope: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(envelope["id"], published.message_id.as_str());
        assert_eq!(envelope["type"], "order.created");
    }
    assert_eq!(seen[0].body, seen[1].body, "the exact same bytes on every attempt");
    let delivery = &outbox.deliveries(DeliveryFilter::default()).await.unwrap()[0];
    assert_eq!(
        (delivery.status, delivery.attempts, delivery.last_status),
        (DeliveryStatus::Succeeded, 2, Some(200))
    );
    let attempts = outbox.attempts(&delivery.id).await.unwrap();
    assert_eq!(attempts.iter().map(|a| a.status).collect::<Vec<_>>(), [Some(500), Some(200)]);
    assert_eq!(attempts[0].class, "retryable");
    assert_eq!(attempts[1].response_body, "ok");
    assert!(attempts[1].started_at >= attempts[0].started_at + ms(20), "the policy's delay was kept");
}

async fn retries_follow_the_policy_then_the_delivery_fails_exhausted(outbox: Outbox) {
    let receiver = Receiver::answering(500).await;
    outbox.add_endpoint(endpoint(&receiver.url("/down"))).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    deliver_all(&outbox).await;
    let delivery = &outbox.deliveries(DeliveryFilter::default()).await.unwrap()[0];
    assert_eq!(delivery.status, DeliveryStatus::Failed);
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.give_up_reason.as_deref(), Some("exhausted"));
    assert_eq!(receiver.count(), 3);
    let endpoint = &outbox.endpoints().await.unwrap()[0];
    assert_eq!(endpoint.consecutive_failures, 3, "health is persisted");
    assert!(endpoint.enabled);
}

async fn gone_disables_the_endpoint_at_once_and_fails_what_it_had_queued(outbox: Outbox) {
    let receiver = Receiver::answering(410).await;
    let gone = outbox.add_endpoint(endpoint(&receiver.url("/gone")).max_in_flight(1)).await.unwrap();
    for n in 0..5 {
        outbox.publish(order(n)).await.unwrap();
    }
    deliver_all(&outbox).await;
    let gone = outbox.endpoint(&gone.id).await.unwrap();
    assert!(!gone.enabled);
    assert_eq!(gone.disabled_reason.as_deref(), Some("gone"));
    let deliveries = outbox.deliveries(DeliveryFilter::default()).await.unwrap();
    assert!(deliveries.iter().all(|d| d.status == DeliveryStatus::Failed));
    let reasons: Vec<_> = deliveries.iter().filter_map(|d| d.give_up_reason.clone()).collect();
    assert!(reasons.contains(&"endpoint_gone".to_owned()));
    assert!(reasons.iter().all(|r| r == "endpoint_gone" || r == "endpoint_disabled"), "{reasons:?}");
    assert!(receiver.count() < 5, "queued deliveries were not sent after the 410");
    // Publishing to a disabled endpoint creates nothing; re-enabling starts clean.
    assert_eq!(outbox.publish(order(9)).await.unwrap().deliveries, 0);
    let enabled = outbox.enable_endpoint(&gone.id).await.unwrap();
    assert!(enabled.enabled && enabled.consecutive_failures == 0 && enabled.disabled_reason.is_none());
}

async fn a_manual_retry_gives_a_failed_delivery_one_attempt(outbox: Outbox) {
    let healthy = Arc::new(AtomicUsize::new(0));
    let receiver = Receiver::start({
        let healthy = Arc::clone(&healthy);
        move |_| Reply::status(if healthy.load(Ordering::SeqCst) == 1 { 200 } else { 500 })
    })
    .await;
    outbox.add_endpoint(endpoint(&receiver.url("/flaky"))).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    deliver_all(&outbox).await;
    let failed = outbox.deliveries(DeliveryFilter::default().status(DeliveryStatus::Failed)).await.unwrap();
    assert_eq!(failed.len(), 1);
    // Still down: one manual attempt, then failed again (not a new run of three).
    let retried = outbox.retry(&failed[0].id).await.unwrap();
    assert_eq!(retried.status, DeliveryStatus::Pending);
    deliver_all(&outbox).await;
    let again = outbox.delivery(&failed[0].id).await.unwrap();
    assert_eq!((again.status, again.attempts), (DeliveryStatus::Failed, 4));
    assert_eq!(again.give_up_reason.as_deref(), Some("manual_attempt_failed"));
    // Fixed: the manual attempt delivers.
    healthy.store(1, Ordering::SeqCst);
    outbox.retry(&failed[0].id).await.unwrap();
    deliver_all(&outbox).await;
    let ok = outbox.delivery(&failed[0].id).await.unwrap();
    assert_eq!((ok.status, ok.attempts), (DeliveryStatus::Succeeded, 5));
    assert!(outbox.attempts(&ok.id).await.unwrap().iter().skip(3).all(|a| a.manual));
    let refused = outbox.retry(&ok.id).await.unwrap_err();
    assert_eq!(refused.code(), "invalid_state");
    assert_eq!(outbox.retry("dlv_missing").await.unwrap_err().code(), "not_found");
}

async fn resend_sends_the_same_webhook_id_again_on_a_new_run(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    let target = outbox.add_endpoint(endpoint(&receiver.url("/in"))).await.unwrap();
    let published = outbox.publish(order(1)).await.unwrap();
    deliver_all(&outbox).await;
    let resent = outbox.resend(&published.message_id, &target.id).await.unwrap();
    assert_eq!(resent.status, DeliveryStatus::Pending);
    assert_eq!(outbox.resend(&published.message_id, &target.id).await.unwrap_err().code(), "invalid_state");
    deliver_all(&outbox).await;
    let ids: Vec<_> = receiver.seen().iter().map(|s| s.header("webhook-id").unwrap()).collect();
    assert_eq!(ids, [published.message_id.clone(), published.message_id.clone()]);
    // An endpoint added later can be sent an earlier message.
    let late = outbox.add_endpoint(endpoint(&receiver.url("/late"))).await.unwrap();
    let created = outbox.resend(&published.message_id, &late.id).await.unwrap();
    assert_eq!(created.endpoint_id, late.id);
    assert_eq!(outbox.resend("msg_missing", &late.id).await.unwrap_err().code(), "not_found");
}

async fn recover_lists_in_a_dry_run_and_resends_failures_in_the_window(outbox: Outbox) {
    let healthy = Arc::new(AtomicUsize::new(0));
    let receiver = Receiver::start({
        let healthy = Arc::clone(&healthy);
        move |_| Reply::status(if healthy.load(Ordering::SeqCst) == 1 { 200 } else { 500 })
    })
    .await;
    let target = outbox.add_endpoint(endpoint(&receiver.url("/x"))).await.unwrap();
    let start = UnixTime::now();
    for n in 0..3 {
        outbox.publish(order(n)).await.unwrap();
    }
    deliver_all(&outbox).await;
    let end = UnixTime::now() + ms(1);
    let listed = outbox.recover(&target.id, start, end, true).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(
        outbox.deliveries(DeliveryFilter::default().status(DeliveryStatus::Failed)).await.unwrap().len(),
        3
    );
    let before_window =
        outbox.recover(&target.id, start.saturating_sub(Duration::from_secs(60)), start, true).await.unwrap();
    assert!(before_window.is_empty());
    healthy.store(1, Ordering::SeqCst);
    let recovered = outbox.recover(&target.id, start, end, false).await.unwrap();
    assert_eq!(recovered, listed);
    deliver_all(&outbox).await;
    assert_eq!(
        outbox.deliveries(DeliveryFilter::default().status(DeliveryStatus::Succeeded)).await.unwrap().len(),
        3
    );
}

async fn a_test_event_goes_to_one_endpoint_with_the_catalog_sample(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    let asked = outbox.add_endpoint(endpoint(&receiver.url("/asked"))).await.unwrap();
    outbox.add_endpoint(endpoint(&receiver.url("/other"))).await.unwrap();
    let delivery = outbox.send_test_event(&asked.id, "order.created").await.unwrap();
    assert_eq!(delivery.endpoint_id, asked.id);
    deliver_all(&outbox).await;
    let seen = receiver.seen();
    assert_eq!(seen.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["/asked"]);
    let event = hookwire::Event::from_json(&seen[0].body).unwrap();
    assert_eq!(event.event_type(), "order.created");
    assert_eq!(
        outbox.send_test_event(&asked.id, "order.shipped").await.unwrap_err().code(),
        "unknown_event_type"
    );
    // In the envelope the endpoint's receivers read: Ops Center's for an `ops-center` endpoint.
    let ops = outbox
        .add_endpoint(NewEndpoint::new(&receiver.url("/ops"), "ops-center", "ops-secret").allow_private(true))
        .await
        .unwrap();
    outbox.send_test_event(&ops.id, "user.created").await.unwrap();
    deliver_all(&outbox).await;
    let seen = receiver.seen();
    let body = &seen.iter().find(|s| s.path == "/ops").expect("the ops endpoint got its test").body;
    assert_eq!(Scheme::ops_center().parse_event(body, None).unwrap().event_type(), "user.created");
    assert!(hookwire::Event::from_json(body).is_err(), "not the native envelope: {body:?}");
}

async fn stats_and_metrics_count_what_happened(outbox: Outbox) {
    let ok = Receiver::answering(200).await;
    let down = Receiver::answering(503).await;
    let good = outbox.add_endpoint(endpoint(&ok.url("/"))).await.unwrap();
    let bad = outbox.add_endpoint(endpoint(&down.url("/"))).await.unwrap();
    for n in 0..4 {
        outbox.publish(order(n)).await.unwrap();
    }
    deliver_all(&outbox).await;
    let stats = outbox.stats().await.unwrap();
    let of = |id: &str| stats.iter().find(|s| s.endpoint_id == id).unwrap().clone();
    let (good, bad) = (of(&good.id), of(&bad.id));
    assert_eq!((good.succeeded, good.failed, good.attempts, good.success_rate), (4, 0, 4, Some(1.0)));
    assert!(good.p50_latency.is_some() && good.p95_latency >= good.p50_latency);
    assert!(good.last_failure.is_none());
    assert_eq!((bad.succeeded, bad.failed, bad.attempts, bad.success_rate), (0, 4, 12, Some(0.0)));
    assert_eq!(bad.last_failure.as_deref(), Some("503"));
    let metrics = outbox.metrics().await.unwrap();
    assert_eq!((metrics.delivered, metrics.failed, metrics.retried, metrics.queue_depth), (4, 4, 8, 0));
    assert_eq!(metrics.oldest_due, None);
    outbox.publish(order(9)).await.unwrap();
    let metrics = outbox.metrics().await.unwrap();
    assert_eq!((metrics.queue_depth, metrics.due_now), (2, 2));
    assert!(metrics.oldest_due.is_some());
}

async fn purge_removes_old_final_history_only(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    outbox.add_endpoint(endpoint(&receiver.url("/"))).await.unwrap();
    let old = outbox.publish(order(1).idempotency_key("k1")).await.unwrap();
    deliver_all(&outbox).await;
    tokio::time::sleep(ms(30)).await;
    let pending = outbox.publish(order(2)).await.unwrap();
    let purged = outbox.purge(ms(10)).await.unwrap();
    assert_eq!((purged.deliveries, purged.messages), (1, 1));
    assert_eq!(outbox.message(&old.message_id).await.unwrap_err().code(), "not_found");
    assert!(outbox.message(&pending.message_id).await.is_ok());
    assert_eq!(outbox.queue_depth().await.unwrap(), 1);
    // The purged message's idempotency key is free again.
    assert!(!outbox.publish(order(1).idempotency_key("k1")).await.unwrap().duplicate);
}

async fn a_due_delivery_is_claimed_by_one_worker_only(outbox: Outbox) {
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    for n in 0..20 {
        outbox.publish(order(n)).await.unwrap();
    }
    let store = &outbox.inner.store;
    let now = UnixTime::now();
    let (a, b) =
        tokio::join!(store.claim(claim("a", now, ms(5_000))), store.claim(claim("b", now, ms(5_000))));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 20);
    let mut ids: Vec<_> = a.iter().chain(&b).map(|c| c.delivery_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "no delivery claimed twice");
    assert!(
        store.claim(claim("c", now, ms(5_000))).await.unwrap().is_empty(),
        "leased deliveries are not due"
    );
    assert!(a.iter().chain(&b).all(|c| c.payload.starts_with(b"{") && c.endpoint_enabled));
}

async fn an_expired_lease_cannot_write_and_its_delivery_is_claimed_again(outbox: Outbox) {
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    let store = &outbox.inner.store;
    let t0 = UnixTime::now();
    let first = store.claim(claim("a", t0, ms(1_000))).await.unwrap().remove(0);
    // Within the lease nobody else gets it; the holder can renew.
    assert!(store.claim(claim("b", t0 + ms(500), ms(1_000))).await.unwrap().is_empty());
    assert!(store.renew(&first.delivery_id, &first.token, t0 + ms(2_000), t0 + ms(900)).await.unwrap());
    assert!(store.claim(claim("b", t0 + ms(1_500), ms(1_000))).await.unwrap().is_empty(), "renewed");
    // After the lease: reclaimed by b; a can neither renew nor record.
    let second = store.claim(claim("b", t0 + ms(2_001), ms(1_000))).await.unwrap().remove(0);
    assert_eq!(second.delivery_id, first.delivery_id);
    assert!(!store.renew(&first.delivery_id, &first.token, t0 + ms(9_000), t0 + ms(2_002)).await.unwrap());
    let lost = store.complete_one(done(&first, t0 + ms(2_002))).await.unwrap_err();
    assert!(matches!(lost, Error::LeaseLost { .. }), "{lost:?}");
    // b's lease holds, but once it has expired b cannot record either.
    let late = store.complete_one(done(&second, t0 + ms(3_002))).await.unwrap_err();
    assert_eq!(late.code(), "lease_lost");
    let third = store.claim(claim("c", t0 + ms(3_003), ms(1_000))).await.unwrap().remove(0);
    store.complete_one(done(&third, t0 + ms(3_004))).await.unwrap();
    let delivery = outbox.delivery(&third.delivery_id).await.unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Succeeded);
}

async fn a_released_claim_is_due_again_without_an_attempt(outbox: Outbox) {
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    let store = &outbox.inner.store;
    let now = UnixTime::now();
    let held = store.claim(claim("a", now, ms(60_000))).await.unwrap().remove(0);
    assert!(store.release(&held.delivery_id, &held.token, now + ms(100)).await.unwrap());
    assert!(!store.release(&held.delivery_id, &held.token, now).await.unwrap(), "the token is spent");
    assert!(store.claim(claim("b", now + ms(50), ms(1_000))).await.unwrap().is_empty(), "due in 100 ms");
    let again = store.claim(claim("b", now + ms(100), ms(1_000))).await.unwrap().remove(0);
    assert_eq!((again.delivery_id.as_str(), again.attempts), (held.delivery_id.as_str(), 0));
}

async fn claims_leave_excluded_endpoints_and_future_retries_alone(outbox: Outbox) {
    let slow = outbox.add_endpoint(endpoint("http://127.0.0.1:9/slow")).await.unwrap();
    let fast = outbox.add_endpoint(endpoint("http://127.0.0.1:9/fast")).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    let store = &outbox.inner.store;
    let now = UnixTime::now();
    let mut request = claim("a", now, ms(1_000));
    request.exclude = vec![slow.id.clone()];
    let claimed = store.claim(request).await.unwrap();
    assert_eq!(claimed.iter().map(|c| c.endpoint_id.as_str()).collect::<Vec<_>>(), [fast.id.as_str()]);
    let mut retry_later = done(&claimed[0], now);
    retry_later.next = Next::Retry { at: now + ms(60_000) };
    store.complete_one(retry_later).await.unwrap();
    let rest = store.claim(claim("a", now + ms(1), ms(1_000))).await.unwrap();
    assert_eq!(rest.iter().map(|c| c.endpoint_id.as_str()).collect::<Vec<_>>(), [slow.id.as_str()]);
    assert_eq!(store.next_due().await.unwrap(), Some(now + ms(1) + ms(1_000)), "the lease's end");
}

/// The outcomes of one batch of completions all count toward their endpoint's health, in
/// order, and a completion after the one that disabled the endpoint sees it disabled (its
/// retry becomes `endpoint_disabled`), as when each was written on its own.
async fn every_outcome_in_a_batch_counts_toward_the_endpoints_health(outbox: Outbox) {
    let cases: [(usize, u32, bool, &str); 3] = [
        // (failures in the batch, consecutive failures recorded, disabled, the last delivery's end)
        (1, 1, false, "retrying"),
        (2, 2, false, "retrying"),
        (3, 3, true, "failed"),
    ];
    for (n, (failures, recorded, disabled, last)) in cases.into_iter().enumerate() {
        let added =
            outbox.add_endpoint(endpoint("http://127.0.0.1:9/").id(&format!("ep_health_{n}"))).await.unwrap();
        for id in 0..=failures {
            outbox.publish(order(id as u64)).await.unwrap();
        }
        let store = &outbox.inner.store;
        let now = UnixTime::now();
        let mut claimed = store.claim(claim("a", now, ms(60_000))).await.unwrap();
        claimed.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
        assert_eq!(claimed.len(), failures + 1, "case {n}");
        let policy = hookwire::HealthPolicy::default().with_disable_after_failures(Some(3));
        let mut batch = Vec::new();
        for held in &claimed[..failures] {
            let mut failed = done(held, now);
            failed.outcome = Some(hookwire::Outcome::from_response(503, &http::HeaderMap::new(), ms(1)));
            failed.health = policy;
            failed.next = Next::Retry { at: now + ms(60_000) };
            batch.push(failed);
        }
        // The last one has no outcome of its own (as when its endpoint was disabled meanwhile),
        // so only what the batch's failures did decides its end.
        let mut tail = done(&claimed[failures], now);
        tail.next = Next::Retry { at: now + ms(60_000) };
        batch.push(tail);
        let results = store.complete(batch.into()).await.unwrap();
        assert!(results.iter().all(Result::is_ok), "case {n}: {results:?}");
        let endpoint = outbox.endpoint(&added.id).await.unwrap();
        assert_eq!((endpoint.consecutive_failures, !endpoint.enabled), (recorded, disabled), "case {n}");
        let end = outbox.delivery(&claimed[failures].delivery_id).await.unwrap();
        assert_eq!(end.status.name(), last, "case {n}");
        // The endpoints of the earlier cases must not take this case's messages.
        outbox.disable_endpoint(&added.id).await.unwrap();
    }
}

async fn operations_refuse_bad_input_with_stable_codes(outbox: Outbox) {
    let cases: Vec<(NewEndpoint, &str)> = vec![
        (NewEndpoint::new("http://127.0.0.1:8080/", "standard-webhooks", SECRET), "blocked_url"),
        (
            NewEndpoint::new("http://169.254.169.254/", "standard-webhooks", SECRET).allow_private(true),
            "blocked_url",
        ),
        (NewEndpoint::new("ftp://example.com/", "standard-webhooks", SECRET), "blocked_url"),
        (endpoint("http://127.0.0.1:1/").events(["order.shipped"]), "unknown_event_type"),
        (NewEndpoint::new("https://example.com/", "nope", SECRET), "unknown_scheme"),
        (NewEndpoint::new("https://example.com/", "standard-webhooks", "not base64!"), "invalid_secret"),
        (endpoint("http://127.0.0.1:1/").retry(RetrySpec::preset("weekly")), "invalid_argument"),
        (endpoint("http://127.0.0.1:1/").header("Content-Length", "1"), "invalid_argument"),
        (endpoint("http://127.0.0.1:1/").max_in_flight(0), "invalid_argument"),
    ];
    for (new, code) in cases {
        let debug = format!("{new:?}");
        assert!(!debug.contains(SECRET), "secrets never printed: {debug}");
        assert_eq!(outbox.add_endpoint(new).await.unwrap_err().code(), code, "{debug}");
    }
    assert!(outbox.endpoints().await.unwrap().is_empty());
    assert_eq!(
        outbox.publish(Publish::event("order created", json!({}))).await.unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(
        outbox
            .publish(Publish::event("order.created", json!({"total_amount": "lots"})))
            .await
            .unwrap_err()
            .code(),
        "invalid_payload"
    );
    let big = vec![b'x'; hookwire::DEFAULT_MAX_PAYLOAD + 1];
    assert_eq!(
        outbox.publish(Publish::raw("blob.created", big)).await.unwrap_err().code(),
        "payload_too_large"
    );
    assert_eq!(outbox.delivery("dlv_x").await.unwrap_err().code(), "not_found");
    assert_eq!(outbox.enable_endpoint("ep_x").await.unwrap_err().code(), "not_found");
}

async fn a_slow_endpoint_does_not_hold_up_the_others(outbox: Outbox) {
    let slow = Receiver::start(|_| Reply::Slow(Duration::from_millis(600), 200)).await;
    let fast = Receiver::answering(200).await;
    outbox.add_endpoint(endpoint(&slow.url("/slow")).max_in_flight(2)).await.unwrap();
    outbox.add_endpoint(endpoint(&fast.url("/fast"))).await.unwrap();
    for n in 0..10 {
        outbox.publish(order(n)).await.unwrap();
    }
    let started = std::time::Instant::now();
    let worker = outbox
        .worker()
        .concurrency(8)
        .poll_interval(ms(10))
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    while fast.count() < 10 {
        assert!(started.elapsed() < Duration::from_secs(10), "the fast endpoint got {} of 10", fast.count());
        tokio::time::sleep(ms(5)).await;
    }
    let fast_done = started.elapsed();
    // The slow endpoint takes five rounds of two requests (3 s); the fast one is not behind it.
    assert!(fast_done < ms(1_200), "the fast endpoint waited {fast_done:?}");
    assert!(slow.count() <= 4, "at most two in flight to the slow endpoint per round: {}", slow.count());
    worker.stop(Duration::ZERO).await;
}

async fn a_rate_limited_endpoint_is_paced_by_its_token_bucket(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    let paced = endpoint(&receiver.url("/")).rate_limit(crate::RateLimit::new(5, Duration::from_secs(1)));
    outbox.add_endpoint(paced).await.unwrap();
    for n in 0..8 {
        outbox.publish(order(n)).await.unwrap();
    }
    deliver_all(&outbox).await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 8);
    // A full bucket lets five through at once; the other three wait for refills (200 ms each).
    let spread = seen[7].at.duration_since(seen[0].at);
    assert!(spread >= ms(550), "8 requests at 5/s came within {spread:?}");
    let deliveries = outbox.deliveries(DeliveryFilter::default()).await.unwrap();
    assert!(
        deliveries.iter().all(|d| d.status == DeliveryStatus::Succeeded && d.attempts == 1),
        "pacing is not a failed attempt"
    );
}

async fn a_worker_of_one_slot_delivers_a_rate_limited_backlog(outbox: Outbox) {
    // One slot and a bucket of one: each claim after the first finds the endpoint throttled and
    // gives its delivery back, so no request is in flight and no completion comes. The worker
    // must still claim again (a claim waiting for the next batch of completions would wait for
    // ever: the stall the review of the combined claim found).
    let receiver = Receiver::answering(200).await;
    let paced = endpoint(&receiver.url("/")).rate_limit(crate::RateLimit::new(1, ms(300)));
    outbox.add_endpoint(paced).await.unwrap();
    for n in 0..3 {
        outbox.publish(order(n)).await.unwrap();
    }
    outbox
        .worker()
        .concurrency(1)
        .poll_interval(ms(10))
        .run_until_idle(Duration::from_secs(10))
        .await
        .expect("the backlog delivered, one request at a time");
    assert_eq!(receiver.count(), 3);
}

async fn a_lease_is_renewed_while_a_slow_request_runs(outbox: Outbox) {
    // The answer takes four leases; without renewal the delivery would be claimed again (and
    // sent twice) and the first attempt's record refused.
    let receiver = Receiver::start(|_| Reply::Slow(ms(1_200), 200)).await;
    outbox.add_endpoint(endpoint(&receiver.url("/")).timeout(Duration::from_secs(5))).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    let report = outbox
        .worker()
        .lease(ms(300))
        .poll_interval(ms(20))
        .run_until_idle(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!((receiver.count(), report.attempts, report.lease_lost), (1, 1, 0));
    let delivery = &outbox.deliveries(DeliveryFilter::default()).await.unwrap()[0];
    assert_eq!((delivery.status, delivery.attempts), (DeliveryStatus::Succeeded, 1));
}

async fn an_endpoint_keeps_the_id_the_application_chose(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    let chosen = outbox.add_endpoint(endpoint(&receiver.url("/")).id("webhook_123")).await.unwrap();
    assert_eq!(chosen.id, "webhook_123");
    assert_eq!(outbox.endpoint("webhook_123").await.unwrap().url, receiver.url("/"));
    let again = outbox.add_endpoint(endpoint(&receiver.url("/again")).id("webhook_123")).await.unwrap_err();
    assert_eq!(again.code(), "invalid_state", "{again}");
    for bad in ["", "has space", "a/b", &"x".repeat(65)] {
        let err = outbox.add_endpoint(endpoint(&receiver.url("/")).id(bad)).await.unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{bad:?}");
    }
    assert_eq!(outbox.endpoints().await.unwrap().len(), 1, "nothing stored by a refused add");
    let published = outbox.publish(order(1)).await.unwrap();
    deliver_all(&outbox).await;
    let delivery = &outbox.deliveries(DeliveryFilter::default().endpoint("webhook_123")).await.unwrap()[0];
    assert_eq!(
        (delivery.message_id.as_str(), delivery.status),
        (published.message_id.as_str(), DeliveryStatus::Succeeded)
    );
}

async fn an_update_changes_what_is_sent_and_where(outbox: Outbox) {
    let (old, new) = (Receiver::answering(200).await, Receiver::answering(200).await);
    let added = outbox.add_endpoint(endpoint(&old.url("/old")).events(["order.*"])).await.unwrap();
    let queued = outbox.publish(order(1)).await.unwrap();
    let updated = outbox
        .update_endpoint(
            &added.id,
            crate::EndpointUpdate::default()
                .url(&new.url("/new"))
                .events(["user.*"])
                .headers([("X-Tenant".to_owned(), "kitchen-9".to_owned())])
                .description(Some("moved")),
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.url.as_str(), updated.events.as_slice()),
        (new.url("/new").as_str(), ["user.*".to_owned()].as_slice())
    );
    assert_eq!(
        (updated.description.as_deref(), updated.secret_count, updated.allow_private),
        (Some("moved"), 1, true)
    );
    // Patterns decide later publishes; what was queued goes to the new URL with the new headers.
    assert_eq!(outbox.publish(order(2)).await.unwrap().deliveries, 0);
    let user = outbox.publish(Publish::event("user.created", json!({"user_id": 7}))).await.unwrap();
    assert_eq!(user.deliveries, 1);
    deliver_all(&outbox).await;
    assert_eq!(old.count(), 0);
    let seen = new.seen();
    let verifier = Verifier::new(Scheme::standard_webhooks(), [Secret::parse(SECRET).unwrap()]);
    let mut ids: Vec<String> = seen
        .iter()
        .map(|s| {
            assert_eq!(s.header("x-tenant").as_deref(), Some("kitchen-9"));
            verifier.verify(&s.headers, &s.body).expect("signed").id().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    let mut expected = vec![queued.message_id, user.message_id];
    expected.sort();
    assert_eq!(ids, expected);

    // A refused update changes nothing; a new secret signs what follows.
    let refusals = [
        (crate::EndpointUpdate::default().url("http://169.254.169.254/"), "blocked_url"),
        (crate::EndpointUpdate::default().events(["order.shipped"]), "unknown_event_type"),
        (crate::EndpointUpdate::default().secrets(["not base64!"]), "invalid_secret"),
        (crate::EndpointUpdate::default().max_in_flight(0), "invalid_argument"),
    ];
    for (update, code) in refusals {
        let debug = format!("{update:?}");
        assert!(!debug.contains("not base64"), "secrets never printed: {debug}");
        assert_eq!(outbox.update_endpoint(&added.id, update).await.unwrap_err().code(), code, "{debug}");
    }
    assert_eq!(outbox.endpoint(&added.id).await.unwrap(), updated);
    let rotated = "whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=";
    outbox.update_endpoint(&added.id, crate::EndpointUpdate::default().secrets([rotated])).await.unwrap();
    outbox.publish(Publish::event("user.created", json!({"user_id": 8}))).await.unwrap();
    deliver_all(&outbox).await;
    let last = new.seen().pop().unwrap();
    assert!(verifier.verify(&last.headers, &last.body).is_err(), "the old secret no longer signs");
    Verifier::new(Scheme::standard_webhooks(), [Secret::parse(rotated).unwrap()])
        .verify(&last.headers, &last.body)
        .expect("signed with the new secret");
    let missing = outbox.update_endpoint("ep_x", crate::EndpointUpdate::default().events(["*"])).await;
    assert_eq!(missing.unwrap_err().code(), "not_found");
}

async fn deleting_an_endpoint_removes_it_with_its_history(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    let kept = outbox.add_endpoint(endpoint(&receiver.url("/kept"))).await.unwrap();
    let gone = outbox.add_endpoint(endpoint(&receiver.url("/gone"))).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    deliver_all(&outbox).await;
    outbox.publish(order(2)).await.unwrap();
    outbox.delete_endpoint(&gone.id).await.unwrap();
    assert_eq!(outbox.endpoint(&gone.id).await.unwrap_err().code(), "not_found");
    assert!(outbox.deliveries(DeliveryFilter::default().endpoint(&gone.id)).await.unwrap().is_empty());
    let stats = outbox.stats().await.unwrap();
    assert_eq!(stats.iter().map(|s| s.endpoint_id.as_str()).collect::<Vec<_>>(), [kept.id.as_str()]);
    deliver_all(&outbox).await;
    assert_eq!(
        receiver.seen().iter().filter(|s| s.path == "/gone").count(),
        1,
        "only the first, before it went"
    );
    assert_eq!(outbox.deliveries(DeliveryFilter::default().endpoint(&kept.id)).await.unwrap().len(), 2);
    assert_eq!(outbox.delete_endpoint(&gone.id).await.unwrap_err().code(), "not_found");

    // A delivery claimed when its endpoint goes: the worker's record is refused on its own,
    // the rest of its batch is written.
    let other = outbox.add_endpoint(endpoint(&receiver.url("/other"))).await.unwrap();
    outbox.publish(order(3)).await.unwrap();
    let store = &outbox.inner.store;
    let now = UnixTime::now();
    let claimed = store.claim(claim("w1", now, Duration::from_secs(30))).await.unwrap();
    assert_eq!(claimed.len(), 2);
    outbox.delete_endpoint(&other.id).await.unwrap();
    let results = store.complete(claimed.iter().map(|c| done(c, now)).collect()).await.unwrap();
    for (claimed, result) in claimed.iter().zip(results) {
        if claimed.endpoint_id == other.id {
            assert_eq!(result.unwrap_err().code(), "lease_lost");
        } else {
            result.unwrap();
        }
    }
    assert_eq!(outbox.queue_depth().await.unwrap(), 0);
}

async fn publish_writes_the_envelope_of_a_dialect_and_filters_read_it(outbox: Outbox) {
    use hookwire::Dialect;
    let receiver = Receiver::answering(200).await;
    let aura = |path: &str, restaurant: i64| {
        NewEndpoint::new(&receiver.url(path), "auraconnect", "s3cr3t-aura")
            .allow_private(true)
            .events(["order.*"])
            .filter("restaurant_id", restaurant)
    };
    outbox.add_endpoint(aura("/one", 1)).await.unwrap();
    outbox.add_endpoint(aura("/two", 2)).await.unwrap();
    let event = |restaurant: i64| {
        Publish::event(
            "order.created",
            json!({"id": 1001, "restaurant_id": restaurant, "total_amount": 45.99}),
        )
        .dialect(Dialect::AuraConnect)
    };
    let first = outbox.publish(event(1)).await.unwrap();
    assert_eq!(first.deliveries, 1, "the filter reads the data inside AuraConnect's envelope");
    // Exact bytes in AuraConnect's envelope: filters read them in that dialect too.
    let raw = br#"{"id":"evt_9","type":"order.updated","created":"2025-08-08T10:05:00Z","data":{"object":{"id":1001,"restaurant_id":2}}}"#;
    let second = outbox
        .publish(Publish::raw("order.updated", raw.to_vec()).dialect(Dialect::AuraConnect))
        .await
        .unwrap();
    assert_eq!(second.deliveries, 1);
    assert_eq!(
        outbox.publish(Publish::raw("order.updated", raw.to_vec())).await.unwrap().deliveries,
        0,
        "read as native, the data is not there: filters send nothing"
    );
    deliver_all(&outbox).await;

    let verifier = Verifier::new(Scheme::auraconnect(), [Secret::parse("s3cr3t-aura").unwrap()]);
    let seen = receiver.seen();
    let one = seen.iter().find(|s| s.path == "/one").expect("restaurant 1's endpoint got it");
    let verified = verifier.verify(&one.headers, &one.body).expect("signed");
    assert_eq!(verified.id(), Some(first.message_id.as_str()), "X-AuraConnect-Event-Id is the message id");
    let parsed = Dialect::AuraConnect.parse(&one.body, None).unwrap();
    assert_eq!((parsed.id(), parsed.event_type()), (Some(first.message_id.as_str()), "order.created"));
    let two = seen.iter().find(|s| s.path == "/two").expect("restaurant 2's endpoint got the raw body");
    assert_eq!(&two.body[..], &raw[..], "raw bytes are sent as given");
    assert_eq!(seen.len(), 2);
}

async fn max_payload_refuses_larger_messages_at_publish(outbox: Outbox) {
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    let limited = outbox.clone().with_max_payload(256 * 1024).unwrap();
    assert_eq!((limited.max_payload(), outbox.max_payload()), (256 * 1024, hookwire::DEFAULT_MAX_PAYLOAD));
    let body = |size: usize| format!(r#"{{"blob":"{}"}}"#, "a".repeat(size)).into_bytes();
    let err = limited.publish(Publish::raw("blob.created", body(300 * 1024))).await.unwrap_err();
    assert_eq!(err.code(), "payload_too_large", "{err}");
    assert!(err.to_string().contains("262144"), "{err}");
    limited.publish(Publish::raw("blob.created", body(200 * 1024))).await.unwrap();
    outbox.publish(Publish::raw("blob.created", body(300 * 1024))).await.unwrap();
    for bytes in [0, hookwire::DEFAULT_MAX_PAYLOAD + 1] {
        assert_eq!(outbox.clone().with_max_payload(bytes).unwrap_err().code(), "invalid_argument");
    }
}

async fn dropping_run_until_idle_stops_its_worker(outbox: Outbox) {
    let receiver = Receiver::start(|_| Reply::Slow(ms(200), 200)).await;
    outbox.add_endpoint(endpoint(&receiver.url("/")).max_in_flight(4)).await.unwrap();
    for n in 0..40 {
        outbox.publish(order(n)).await.unwrap();
    }
    let run = outbox.worker().concurrency(4).poll_interval(ms(10)).run_until_idle(Duration::from_secs(60));
    assert!(tokio::time::timeout(ms(300), run).await.is_err(), "still running when dropped");
    // What was in flight finishes at the receiver; nothing new is claimed after that.
    tokio::time::sleep(ms(400)).await;
    let after_drop = receiver.count();
    tokio::time::sleep(ms(600)).await;
    assert_eq!(receiver.count(), after_drop, "a worker kept sending after its run was dropped");
    assert!(after_drop < 40, "{after_drop} sent");
    // Its claims were given back: another run delivers the rest at once.
    let started = std::time::Instant::now();
    deliver_all(&outbox).await;
    assert!(started.elapsed() < Duration::from_secs(10), "waited for leases: {:?}", started.elapsed());
    assert_eq!(
        outbox.deliveries(DeliveryFilter::default().status(DeliveryStatus::Succeeded)).await.unwrap().len(),
        40
    );
}

/// A dropped handle leaves its worker running (as documented), and an idle worker then still
/// sleeps between polls: the dropped stop channel does not read as a stop (nor wake the loop
/// at once, again and again), and a message published later is still delivered.
async fn a_worker_whose_handle_is_dropped_sleeps_between_polls_and_still_delivers(outbox: Outbox) {
    let receiver = Receiver::answering(200).await;
    outbox.add_endpoint(endpoint(&receiver.url("/"))).await.unwrap();
    let id = crate::id::new_id("wrk");
    let handle = outbox
        .worker()
        .id(&id)
        .poll_interval(Duration::from_secs(30))
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    // Dropping the handle leaves this worker running for the rest of the suite (as documented);
    // its 30 s poll and its own outbox keep it out of the other cases' way.
    drop(handle);
    // Its first claim (a loaded machine may take a while to run the new task), then 300 ms idle.
    let started = std::time::Instant::now();
    while super::claims_made::by(&id) == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(ms(10)).await;
    }
    let first = super::claims_made::by(&id);
    assert!(first >= 1, "the worker never claimed");
    tokio::time::sleep(ms(300)).await;
    let claims = super::claims_made::by(&id) - first;
    assert!(claims <= 1, "{claims} more claims in 300 ms with nothing due and a 30 s poll");
    // The publish wakes it (the poll is 30 s away).
    outbox.publish(order(1)).await.unwrap();
    for _ in 0..100 {
        if outbox.queue_depth().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(ms(50)).await;
    }
    assert_eq!(receiver.count(), 1);
    let delivery = &outbox.deliveries(DeliveryFilter::default()).await.unwrap()[0];
    assert_eq!((delivery.status, delivery.attempts), (DeliveryStatus::Succeeded, 1));
}

/// A worker of one slot whose attempt loses its lease (the delivery is cancelled while its
/// request runs, so the renewal is refused) has no completion to write: its slot is free when
/// the attempt's task ends, and the next delivery is claimed then, not a poll interval later.
async fn a_slot_whose_lease_is_lost_is_free_again_at_once(outbox: Outbox) {
    let receiver =
        Receiver::start(
            |seen| {
                if seen.path == "/slow" {
                    Reply::Slow(ms(3_000), 200)
                } else {
                    Reply::status(200)
                }
            },
        )
        .await;
    outbox.add_endpoint(endpoint(&receiver.url("/slow")).events(["order.created"])).await.unwrap();
    outbox.add_endpoint(endpoint(&receiver.url("/fast")).events(["user.created"])).await.unwrap();
    let slow = outbox.publish(order(1)).await.unwrap();
    let worker = outbox
        .worker()
        .concurrency(1)
        .lease(ms(1_000))
        .poll_interval(Duration::from_secs(30))
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    receiver.until_count(1).await;
    assert_eq!(receiver.count(), 1, "the slow request is in flight");
    outbox.publish(Publish::event("user.created", json!({"user_id": 2}))).await.unwrap();
    let cancelled = outbox.deliveries(DeliveryFilter::default().message(&slow.message_id)).await.unwrap();
    outbox.cancel(&cancelled[0].id).await.unwrap();
    let started = std::time::Instant::now();
    while outbox.queue_depth().await.unwrap() > 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(ms(20)).await;
    }
    let report = worker.stop(Duration::from_secs(5)).await;
    assert_eq!(outbox.queue_depth().await.unwrap(), 0, "the next delivery waited for the poll");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!((report.attempts, report.lease_lost), (1, 1));
}

/// A request that ends after the stop's deadline but before the worker aborts what is left:
/// its task hands its record to the recorder and ends by itself. Its delivery is not given
/// back (a release would let the recorder's write be refused as a lost lease, leave the
/// delivery due and send it again); the attempt is recorded and the delivery succeeds. The
/// test-only hold keeps the recorder from writing until the worker has stopped and makes the
/// stop wait past its deadline for the task to end, so the window is certain.
async fn an_attempt_that_ends_between_the_deadline_and_the_abort_is_recorded_not_released(outbox: Outbox) {
    let receiver = Receiver::start(|_| Reply::Slow(ms(400), 200)).await;
    outbox.add_endpoint(endpoint(&receiver.url("/"))).await.unwrap();
    outbox.publish(order(1)).await.unwrap();
    let worker = worker_with_writes_held(&outbox, 1);
    let probe = worker.probe();
    receiver.until_count(1).await;
    assert_eq!(receiver.count(), 1, "the request is in flight");
    let report = worker.stop(ms(20)).await;
    // Not the drained path: the attempt was still running at the deadline (a request of
    // 400 ms, a deadline of 20 ms), so what is checked below is the window before the abort.
    assert!(probe.deadline_reached.load(std::sync::atomic::Ordering::SeqCst), "the stop drained in time");
    assert_eq!((report.attempts, report.released, report.lease_lost), (1, 0, 0), "{report:?}");
    let delivery = &outbox.deliveries(DeliveryFilter::default()).await.unwrap()[0];
    assert_eq!((delivery.status, delivery.attempts), (DeliveryStatus::Succeeded, 1));
    assert_eq!(outbox.queue_depth().await.unwrap(), 0);
}

/// A worker of `places` whose writes are held back until it stops (or until
/// `Probe::open_batches`).
fn worker_with_writes_held(outbox: &Outbox, places: usize) -> crate::WorkerHandle {
    outbox
        .worker()
        .concurrency(places)
        .poll_interval(ms(10))
        .hold_batches_until_stopped()
        .spawn(&tokio::runtime::Handle::current())
        .unwrap()
}

/// A success frees its endpoint's slot when it is answered and its place in flight once its
/// record is handed to the recorder, neither waiting for the write; any other answer holds its
/// endpoint's slot until its completion is written, so an endpoint that just failed (or
/// answered 410) gets no further request before its new state is recorded. The
/// test-only hold keeps every write back until the worker has stopped: one place and an
/// endpoint of one in flight send three successes all the same; two places and an endpoint of
/// one that answers 500 send one request, and the next waits.
async fn a_success_does_not_wait_for_its_write_other_endings_do(outbox: Outbox) {
    let ok = Receiver::start(|_| Reply::status(200)).await;
    let failing = Receiver::start(|_| Reply::status(500)).await;
    let one_at_a_time = |url: &str, event: &str| endpoint(url).max_in_flight(1).events([event]);
    outbox.add_endpoint(one_at_a_time(&ok.url("/"), "order.created")).await.unwrap();
    outbox.add_endpoint(one_at_a_time(&failing.url("/"), "order.updated")).await.unwrap();
    for n in 1..=3 {
        outbox.publish(order(n)).await.unwrap();
    }
    let worker = worker_with_writes_held(&outbox, 1);
    ok.until_count(3).await;
    assert_eq!(ok.count(), 3, "successes sent one after the other with nothing written yet");
    let report = worker.stop(Duration::from_secs(5)).await;
    assert_eq!((report.attempts, report.succeeded), (3, 3), "{report:?}");

    for n in 1..=2 {
        outbox.publish(Publish::event("order.updated", json!({"id": n}))).await.unwrap();
    }
    let worker = worker_with_writes_held(&outbox, 2);
    failing.until_count(1).await;
    // Thirty polls of the loop, a free place each time, and the endpoint's slot still held.
    tokio::time::sleep(ms(300)).await;
    assert_eq!(failing.count(), 1, "a request went to the endpoint before its failure was written");
    let report = worker.stop(Duration::from_secs(5)).await;
    assert_eq!((report.attempts, report.succeeded), (1, 0), "{report:?}");
}

/// A success's place in flight stays held while its hand-over to the recorder waits: a
/// recorder that falls behind stops the claims, rather than letting the loop claim deliveries
/// no slot is idle to send (they would wait without their leases renewed). With the writes held
/// and one place, the recorder's queue (four records) fills: one record taken by the recorder,
/// four queued and one waiting to be handed over make six requests, and nothing more is claimed.
async fn a_recorder_that_falls_behind_stops_the_claims(outbox: Outbox) {
    let ok = Receiver::start(|_| Reply::status(200)).await;
    outbox.add_endpoint(endpoint(&ok.url("/"))).await.unwrap();
    for n in 1..=8 {
        outbox.publish(order(n)).await.unwrap();
    }
    let worker = worker_with_writes_held(&outbox, 1);
    let probe = worker.probe();
    ok.until_count(6).await;
    // Thirty polls of the loop with every slot waiting on the recorder.
    tokio::time::sleep(ms(300)).await;
    assert_eq!(ok.count(), 6, "requests sent while nothing could be written");
    assert_eq!(
        probe.queued.load(std::sync::atomic::Ordering::SeqCst),
        6,
        "claimed for a slot that was not idle"
    );
    probe.open_batches();
    let started = std::time::Instant::now();
    while outbox.queue_depth().await.unwrap() > 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(ms(10)).await;
    }
    let report = worker.stop(Duration::from_secs(5)).await;
    assert_eq!((report.attempts, report.succeeded, ok.count()), (8, 8, 8), "{report:?}");
}

/// Deliveries claimed and still queued for the slot tasks when the stop's deadline passes
/// were never started: they are given back, due at once, and sent by the next worker (not left
/// claimed until their leases expire). The test-only hold keeps the slots from taking them.
async fn deliveries_still_queued_at_the_deadline_are_released(outbox: Outbox) {
    let receiver = Receiver::start(|_| Reply::status(200)).await;
    outbox.add_endpoint(endpoint(&receiver.url("/"))).await.unwrap();
    for n in 1..=2 {
        outbox.publish(order(n)).await.unwrap();
    }
    let worker = outbox
        .worker()
        .concurrency(2)
        .lease(Duration::from_secs(60))
        .poll_interval(ms(10))
        .hold_slots()
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    let probe = worker.probe();
    let started = std::time::Instant::now();
    while probe.queued.load(std::sync::atomic::Ordering::SeqCst) < 2
        && started.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(ms(5)).await;
    }
    assert_eq!(probe.queued.load(std::sync::atomic::Ordering::SeqCst), 2, "both deliveries are queued");
    let report = worker.stop(ms(20)).await;
    assert!(probe.deadline_reached.load(std::sync::atomic::Ordering::SeqCst), "the stop drained in time");
    assert_eq!((report.attempts, report.released, report.lease_lost), (0, 2, 0), "{report:?}");
    assert_eq!(receiver.count(), 0, "nothing was sent");
    // Due at once, not after the 60 s lease: a plain claim takes both again.
    let claimed = outbox.inner.store.claim(claim("wrk_next", UnixTime::now(), ms(1_000))).await.unwrap();
    assert_eq!(claimed.len(), 2, "{claimed:?}");
}

// ---- the runner ------------------------------------------------------------------------

type Case = fn(Outbox) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[(&str, Case)] = &[$((stringify!($name), |outbox| Box::pin($name(outbox)))),*];
    };
}

cases![
    publish_fans_out_to_matching_enabled_endpoints_of_the_same_tenant,
    a_repeated_idempotency_key_creates_nothing_new,
    every_attempt_carries_the_message_id_and_a_fresh_valid_signature,
    retries_follow_the_policy_then_the_delivery_fails_exhausted,
    gone_disables_the_endpoint_at_once_and_fails_what_it_had_queued,
    a_manual_retry_gives_a_failed_delivery_one_attempt,
    resend_sends_the_same_webhook_id_again_on_a_new_run,
    recover_lists_in_a_dry_run_and_resends_failures_in_the_window,
    a_test_event_goes_to_one_endpoint_with_the_catalog_sample,
    stats_and_metrics_count_what_happened,
    purge_removes_old_final_history_only,
    a_due_delivery_is_claimed_by_one_worker_only,
    an_expired_lease_cannot_write_and_its_delivery_is_claimed_again,
    a_released_claim_is_due_again_without_an_attempt,
    claims_leave_excluded_endpoints_and_future_retries_alone,
    every_outcome_in_a_batch_counts_toward_the_endpoints_health,
    operations_refuse_bad_input_with_stable_codes,
    a_slow_endpoint_does_not_hold_up_the_others,
    a_rate_limited_endpoint_is_paced_by_its_token_bucket,
    a_worker_of_one_slot_delivers_a_rate_limited_backlog,
    a_lease_is_renewed_while_a_slow_request_runs,
    an_endpoint_keeps_the_id_the_application_chose,
    an_update_changes_what_is_sent_and_where,
    deleting_an_endpoint_removes_it_with_its_history,
    publish_writes_the_envelope_of_a_dialect_and_filters_read_it,
    max_payload_refuses_larger_messages_at_publish,
    dropping_run_until_idle_stops_its_worker,
    a_worker_whose_handle_is_dropped_sleeps_between_polls_and_still_delivers,
    a_slot_whose_lease_is_lost_is_free_again_at_once,
    an_attempt_that_ends_between_the_deadline_and_the_abort_is_recorded_not_released,
    deliveries_still_queued_at_the_deadline_are_released,
    a_success_does_not_wait_for_its_write_other_endings_do,
    a_recorder_that_falls_behind_stops_the_claims,
];

/// Runs every case on a fresh outbox from `open`, each in its own task so one failure does
/// not hide the others; fails with the list of failed cases.
async fn run_suite<F, Fut>(engine: &str, open: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Outbox>,
{
    let only = std::env::var("CONFORMANCE_CASE").ok();
    let mut failed = Vec::new();
    for (n, (name, case)) in CASES.iter().enumerate() {
        if only.as_deref().is_some_and(|only| !name.contains(only)) {
            continue;
        }
        let outbox = open(n).await;
        match tokio::spawn(case(outbox)).await {
            Ok(()) => eprintln!("{engine}: {name} ... ok"),
            Err(err) => {
                eprintln!("{engine}: {name} ... FAILED");
                failed.push(format!("{name}: {err}"));
            }
        }
    }
    assert!(failed.is_empty(), "{engine}: {} case(s) failed:\n{}", failed.len(), failed.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_engine_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    run_suite("sqlite", |n| {
        let url = format!("sqlite://{}/case{n}.db", root.display());
        async move { Outbox::open(&url).await.unwrap() }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_engine_passes_the_conformance_suite() {
    let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
    let base = pg.url();
    let (admin, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let admin = Arc::new(admin);
    run_suite("postgres", |n| {
        let (admin, base) = (Arc::clone(&admin), base.clone());
        async move {
            admin.batch_execute(&format!("CREATE DATABASE case_{n}")).await.unwrap();
            let url = format!("{}/case_{n}", base.rsplit_once('/').unwrap().0);
            Outbox::open(&url).await.unwrap()
        }
    })
    .await;
    drop(pg);
}

/// PostgreSQL only (how the engine writes, not what it does): claims and lease renewals write
/// only the lease in the due queue (migration 5), and a completion changes no indexed column of
/// `deliveries`: all of them are HOT updates, so no index grows but the queue's at publish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_renewals_and_completions_are_hot_updates() {
    let pg = tokio::task::spawn_blocking(hookwire_testkit::Postgres::start).await.unwrap().unwrap();
    let outbox = Outbox::open(&pg.url()).await.unwrap();
    outbox.add_endpoint(endpoint("http://127.0.0.1:9/")).await.unwrap();
    for id in 0..10 {
        outbox.publish(order(id)).await.unwrap();
    }
    let store = &outbox.inner.store;
    let now = UnixTime::now();
    let claimed = store.claim(claim("a", now, ms(60_000))).await.unwrap();
    assert_eq!(claimed.len(), 10);
    for held in &claimed {
        assert!(store.renew(&held.delivery_id, &held.token, now + ms(90_000), now + ms(1)).await.unwrap());
    }
    let written = store.complete(claimed.iter().map(|held| done(held, now + ms(2))).collect()).await.unwrap();
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    // Closing the pool ends its backends, which hands their statistics over.
    drop(outbox);
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let started = std::time::Instant::now();
    let (deliveries, queue) = loop {
        let rows = client
            .query(
                "SELECT relname, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
                 WHERE relname IN ('deliveries', 'delivery_queue') ORDER BY relname",
                &[],
            )
            .await
            .unwrap();
        let counts: Vec<(i64, i64, i64)> = rows.iter().map(|r| (r.get(1), r.get(2), r.get(3))).collect();
        // Each backend of the pool hands its own counts over when it ends, not all at once (the
        // deletions have been seen before another backend's renewals): the counters only grow,
        // so the wait is for every one to reach its figure, then they are compared exactly.
        let reached = |(upd, hot, del): (i64, i64, i64), want: (i64, i64, i64)| {
            upd >= want.0 && hot >= want.1 && del >= want.2
        };
        if counts.len() == 2
            && ((reached(counts[0], (10, 10, 0)) && reached(counts[1], (20, 20, 10)))
                || started.elapsed() > Duration::from_secs(20))
        {
            break (counts[0], counts[1]);
        }
        tokio::time::sleep(ms(100)).await;
    };
    assert_eq!(deliveries, (10, 10, 0), "deliveries: 10 completions, every one HOT, nothing deleted");
    assert_eq!(
        queue,
        (20, 20, 10),
        "queue: 10 claims and 10 renewals, every one HOT; 10 deletions at completion"
    );
}
