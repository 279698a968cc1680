//! Per-endpoint statistics and the outbox-wide metrics snapshot.

use std::time::Duration;

use serde::Serialize;

use crate::UnixTime;

/// One endpoint's delivery statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointStats {
    /// The endpoint.
    pub endpoint_id: String,
    /// Its URL.
    pub url: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Deliveries by status.
    pub pending: u64,
    /// Retrying deliveries.
    pub retrying: u64,
    /// Delivered.
    pub succeeded: u64,
    /// Given up.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Attempts made.
    pub attempts: u64,
    /// Succeeded ÷ (succeeded + failed), when any delivery is final.
    pub success_rate: Option<f64>,
    /// Median attempt duration (responses only).
    #[serde(serialize_with = "opt_millis")]
    pub p50_latency: Option<Duration>,
    /// 95th percentile attempt duration (responses only).
    #[serde(serialize_with = "opt_millis")]
    pub p95_latency: Option<Duration>,
    /// When the last failed attempt started.
    pub last_failure_at: Option<UnixTime>,
    /// What it was (`503`, `timeout`, ...).
    pub last_failure: Option<String>,
}

fn opt_millis<S: serde::Serializer>(span: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match span {
        Some(span) => serializer.serialize_some(&u64::try_from(span.as_millis()).unwrap_or(u64::MAX)),
        None => serializer.serialize_none(),
    }
}

/// The outbox at a glance (durable: read from the store, the same from every process).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metrics {
    /// Deliveries that succeeded.
    pub delivered: u64,
    /// Deliveries given up.
    pub failed: u64,
    /// Attempts after the first (retries, manual ones included).
    pub retried: u64,
    /// Deliveries pending or retrying.
    pub queue_depth: u64,
    /// Of those, due now (or overdue).
    pub due_now: u64,
    /// The oldest due time among them.
    pub oldest_due: Option<UnixTime>,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Final deliveries removed (with their attempts).
    pub deliveries: u64,
    /// Messages left without deliveries, removed.
    pub messages: u64,
}

/// Percentile `p` (0–100) of sorted durations, nearest rank.
pub(crate) fn percentile(sorted: &[Duration], p: u32) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).unwrap_or(0)).copied()
}

/// Adds a `GROUP BY status` count to an endpoint's statistics.
pub(crate) fn add_count(stats: &mut EndpointStats, status: &str, count: u64) {
    match status {
        "pending" => stats.pending += count,
        "retrying" => stats.retrying += count,
        "succeeded" => stats.succeeded += count,
        "failed" => stats.failed += count,
        "cancelled" => stats.cancelled += count,
        _ => {}
    }
}

/// Derives the success rate once the counts are in.
pub(crate) fn finish(stats: &mut EndpointStats) {
    let done = stats.succeeded + stats.failed;
    stats.success_rate = (done > 0).then(|| stats.succeeded as f64 / done as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        let cases: &[(&[u64], u32, Option<u64>)] = &[
            (&[], 50, None),
            (&[7], 95, Some(7)),
            (&[1, 2, 3, 4], 50, Some(2)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95, Some(19)),
            (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 100, Some(100)),
        ];
        for (values, p, expected) in cases {
            assert_eq!(percentile(&ms(values), *p), expected.map(Duration::from_millis), "{values:?} p{p}");
        }
    }
}
