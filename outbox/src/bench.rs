//! Hooks for `benches/throughput.rs` only (hidden from the docs): the ceiling it compares the
//! worker with (the worker's own HTTP client sending the same signed requests, no store), and
//! the raw cost of a claim.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::store::{ClaimRequest, Store};
use crate::transport::HttpClient;
use crate::{decisions, Error, Outbox, Resolver, Result, UnixTime};

/// Sends `count` requests of the message `message_id` to `endpoint_id` with `concurrency`
/// tasks, each signed afresh, exactly as the worker would; returns how long it took.
pub async fn ceiling(
    outbox: &Outbox,
    endpoint_id: &str,
    message_id: &str,
    count: usize,
    concurrency: usize,
) -> Result<Duration> {
    let store = &outbox.inner.store;
    let row =
        store.endpoint_row(endpoint_id).await?.ok_or_else(|| Error::not_found("endpoint", endpoint_id))?;
    let message = store.message(message_id).await?.ok_or_else(|| Error::not_found("message", message_id))?;
    let prepared = Arc::new(decisions::prepare(&row)?);
    let client = HttpClient::new(Resolver::system())?;
    let left = Arc::new(AtomicUsize::new(count));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (prepared, client, left, message) =
            (Arc::clone(&prepared), client.clone(), Arc::clone(&left), message.clone());
        let (allow_private, timeout) = (row.allow_private, row.timeout);
        tasks.spawn(async move {
            while left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                let request = decisions::request(
                    &prepared,
                    &message.id,
                    &message.event_type,
                    &message.payload,
                    UnixTime::now(),
                )?;
                let response = client
                    .send(request, allow_private, timeout, hookwire::DEFAULT_RESPONSE_BODY_LIMIT)
                    .await
                    .map_err(|err| Error::store(err.message))?;
                let outcome = decisions::response_outcome(response.status, &response.headers, Duration::ZERO);
                if !outcome.is_success() {
                    return Err(Error::state(format!("the receiver answered {}", response.status)));
                }
            }
            Ok::<(), Error>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|err| Error::store(err.to_string()))??;
    }
    Ok(started.elapsed())
}

/// The mean time of one claim of `batch` due deliveries, over `rounds` claims (each claim is
/// given back untimed, so the queue keeps its size).
pub async fn claim_cost(outbox: &Outbox, rounds: usize, batch: u32) -> Result<Duration> {
    let store = &outbox.inner.store;
    let mut total = Duration::ZERO;
    for _ in 0..rounds {
        let now = UnixTime::now();
        let request = ClaimRequest {
            worker: "bench".into(),
            token: crate::id::new_id("clm"),
            now,
            lease: Duration::from_secs(60),
            limit: batch,
            exclude: Vec::new(),
        };
        let started = Instant::now();
        let claimed = store.claim(request).await?;
        total += started.elapsed();
        if claimed.len() != batch as usize {
            return Err(Error::state(format!("claimed {} of {batch}", claimed.len())));
        }
        for claim in claimed {
            // Back to the far end of the due order, as an untouched queue would be.
            store.release(&claim.delivery_id, &claim.token, now).await?;
        }
    }
    Ok(total / u32::try_from(rounds.max(1)).unwrap_or(u32::MAX))
}

/// The store's own time per delivery as a worker spends it, without HTTP: every due delivery
/// is claimed `claim` at a time and each claim's deliveries are completed (a 200 answer with a
/// date and a length header) in batches of `batch`, each claim and batch a call of its own, as
/// the worker makes them. The connection of an SQLite outbox is held for about this long per
/// delivery, whatever the HTTP side does.
pub async fn store_cost(outbox: &Outbox, claim: u32, batch: usize) -> Result<(Duration, usize)> {
    let store = &outbox.inner.store;
    let request = |limit: u32| ClaimRequest {
        worker: "bench".into(),
        token: crate::id::new_id("clm"),
        now: UnixTime::now(),
        lease: Duration::from_secs(60),
        limit,
        exclude: Vec::new(),
    };
    let completion = |claimed: &crate::store::Claimed| {
        let now = UnixTime::now();
        let outcome = decisions::response_outcome(200, &http::HeaderMap::new(), Duration::from_micros(300));
        crate::store::Completion {
            delivery_id: claimed.delivery_id.clone(),
            endpoint_id: claimed.endpoint_id.clone(),
            token: claimed.token.clone(),
            now,
            attempt: Some(crate::store::AttemptRow {
                number: claimed.attempts + 1,
                started_at: now,
                duration: Duration::from_micros(300),
                status: Some(200),
                class: outcome.class().name(),
                failure: None,
                error: None,
                response_headers: vec![
                    ("content-length".into(), "0".into()),
                    ("date".into(), "Mon, 30 Nov 2026 08:00:00 GMT".into()),
                ],
                response_body: String::new(),
                response_truncated: false,
                manual: false,
                worker: "wrk_0123456789abcdef0123456789abcdef".into(),
            }),
            outcome: Some(outcome),
            health: hookwire::HealthPolicy::default(),
            next: decisions::Next::Succeeded,
            last_error: None,
        }
    };
    let mut done = 0;
    let started = Instant::now();
    let mut claimed = store.claim(request(claim)).await?;
    while !claimed.is_empty() {
        let chunks: Vec<Vec<crate::store::Completion>> =
            claimed.chunks(batch.max(1)).map(|chunk| chunk.iter().map(completion).collect()).collect();
        done += claimed.len();
        for chunk in chunks {
            store.complete(chunk.into()).await?.into_iter().collect::<Result<Vec<()>>>()?;
        }
        claimed = store.claim(request(claim)).await?;
    }
    Ok((started.elapsed(), done))
}
