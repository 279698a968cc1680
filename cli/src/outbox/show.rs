//! Printing: aligned text for people, one JSON object per line for programs.

use hookwire_outbox::{AttemptRecord, DeliveryRecord, Endpoint, EndpointStats, Metrics, UnixTime};
use serde::Serialize;

use crate::output::out;

fn json_lines<T: Serialize>(items: &[T]) {
    for item in items {
        // Serializing these records cannot fail (no maps with non-string keys).
        out!("{}", serde_json::to_string(item).unwrap_or_default());
    }
}

fn at(time: Option<UnixTime>) -> String {
    time.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

pub fn endpoints(endpoints: &[Endpoint], json: bool) {
    if json {
        return json_lines(endpoints);
    }
    out!("{:<28}  {:<8}  {:<18}  {:<24}  URL", "ID", "ENABLED", "SCHEME", "EVENTS");
    for e in endpoints {
        let enabled = match (&e.enabled, &e.disabled_reason) {
            (true, _) => "yes".to_owned(),
            (false, Some(reason)) => format!("no ({reason})"),
            (false, None) => "no".to_owned(),
        };
        out!("{:<28}  {:<8}  {:<18}  {:<24}  {}", e.id, enabled, e.scheme, e.events.join(","), e.url);
    }
}

pub fn deliveries(deliveries: &[DeliveryRecord], json: bool) {
    if json {
        return json_lines(deliveries);
    }
    out!(
        "{:<28}  {:<9}  {:>3}  {:<28}  {:<22}  {:<24}  LAST",
        "ID",
        "STATUS",
        "N",
        "ENDPOINT",
        "TYPE",
        "NEXT"
    );
    for d in deliveries {
        let last = match (&d.last_status, &d.give_up_reason, &d.last_error) {
            (_, Some(reason), _) => reason.clone(),
            (Some(status), _, _) => status.to_string(),
            (None, _, Some(error)) => error.split(':').next().unwrap_or_default().to_owned(),
            _ => "-".to_owned(),
        };
        out!(
            "{:<28}  {:<9}  {:>3}  {:<28}  {:<22}  {:<24}  {last}",
            d.id,
            d.status,
            d.attempts,
            d.endpoint_id,
            d.event_type,
            at(d.next_attempt_at)
        );
    }
}

pub fn attempts(attempts: &[AttemptRecord], json: bool) {
    if json {
        return json_lines(attempts);
    }
    out!("{:>3}  {:<24}  {:>8}  {:<6}  {:<18}  ERROR", "N", "STARTED", "MS", "STATUS", "CLASS");
    for a in attempts {
        out!(
            "{:>3}  {:<24}  {:>8}  {:<6}  {:<18}  {}",
            a.number,
            a.started_at.to_string(),
            a.duration.as_millis(),
            a.status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            a.class,
            a.error.as_deref().unwrap_or("")
        );
    }
}

#[derive(Serialize)]
struct Stats<'a> {
    metrics: &'a Metrics,
    endpoints: &'a [EndpointStats],
}

pub fn stats(endpoints: &[EndpointStats], metrics: &Metrics, json: bool) {
    if json {
        out!("{}", serde_json::to_string(&Stats { metrics, endpoints }).unwrap_or_default());
        return;
    }
    let ms =
        |d: Option<std::time::Duration>| d.map_or_else(|| "-".to_owned(), |d| format!("{}ms", d.as_millis()));
    out!(
        "{:<28}  {:>9}  {:>6}  {:>7}  {:>8}  {:>8}  {:>8}  {:>8}  LAST FAILURE",
        "ENDPOINT",
        "SUCCEEDED",
        "FAILED",
        "PENDING",
        "ATTEMPTS",
        "SUCCESS",
        "P50",
        "P95"
    );
    for s in endpoints {
        let rate = s.success_rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0));
        let last = match (&s.last_failure, s.last_failure_at) {
            (Some(what), Some(when)) => format!("{what} at {when}"),
            _ => "-".to_owned(),
        };
        out!(
            "{:<28}  {:>9}  {:>6}  {:>7}  {:>8}  {:>8}  {:>8}  {:>8}  {last}{}",
            s.endpoint_id,
            s.succeeded,
            s.failed,
            s.pending + s.retrying,
            s.attempts,
            rate,
            ms(s.p50_latency),
            ms(s.p95_latency),
            if s.enabled { "" } else { " (disabled)" }
        );
    }
    out!(
        "delivered {}, failed {}, retried {}, queue depth {}, due now {}, oldest due {}",
        metrics.delivered,
        metrics.failed,
        metrics.retried,
        metrics.queue_depth,
        metrics.due_now,
        at(metrics.oldest_due)
    );
}
