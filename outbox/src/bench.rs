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
