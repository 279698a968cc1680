//! Deliveries (one message to one endpoint) and their attempts, as operations return them.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::{Error, Result, UnixTime};

/// Where a delivery stands: the names of the core's [`hookwire::DeliveryState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not attempted yet, or retried by hand: due at `next_attempt_at`.
    Pending,
    /// Failed at least once; due again at `next_attempt_at`.
    Retrying,
    /// Delivered.
    Succeeded,
    /// Given up (`give_up_reason` says why).
    Failed,
    /// Cancelled by an operator.
    Cancelled,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 5] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Retrying,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Failed,
        DeliveryStatus::Cancelled,
    ];

    /// `pending`, `retrying`, `succeeded`, `failed` or `cancelled`.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    /// The status called `name`. Errors: `invalid_argument`.
    pub fn from_name(name: &str) -> Result<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.name() == name).ok_or_else(|| {
            Error::argument(
                "status",
                format!("unknown status `{name}`; known: pending, retrying, succeeded, failed, cancelled"),
            )
        })
    }

    /// Whether nothing more happens without an operator.
    pub fn is_final(self) -> bool {
        !matches!(self, DeliveryStatus::Pending | DeliveryStatus::Retrying)
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One message's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    /// `dlv_…`
    pub id: String,
    /// The message (its id is the webhook id the receiver sees).
    pub message_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The message's event type.
    pub event_type: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made (all runs, manual ones included).
    pub attempts: u32,
    /// When the next attempt is due (pending and retrying only).
    pub next_attempt_at: Option<UnixTime>,
    /// The last attempt's HTTP status, if a response arrived.
    pub last_status: Option<u16>,
    /// The last attempt's failure or give-up note.
    pub last_error: Option<String>,
    /// Why it was given up (`exhausted`, `max_age`, `permanent`, `endpoint_gone`, ...).
    pub give_up_reason: Option<String>,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
    /// When it became final.
    pub finished_at: Option<UnixTime>,
}

/// One attempt in a delivery's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// 1 for the first.
    pub number: u32,
    /// When the request started.
    pub started_at: UnixTime,
    /// How long it took.
    #[serde(serialize_with = "as_millis")]
    pub duration: Duration,
    /// The response status, when one arrived.
    pub status: Option<u16>,
    /// The core's outcome class (`success`, `retryable`, `throttled`, `permanent`,
    /// `endpoint_gone`, `aborted`, `disable_requested`).
    pub class: String,
    /// The transport failure (`timeout`, `connect`, `tls`, `dns`, `blocked`, `other`).
    pub failure: Option<String>,
    /// What the HTTP client or guard said, for people.
    pub error: Option<String>,
    /// The response headers.
    pub response_headers: Vec<(String, String)>,
    /// The start of the response body (lossy UTF-8), cut at 20 KB.
    pub response_body: String,
    /// Whether the body was cut.
    pub response_truncated: bool,
    /// Whether an operator asked for it.
    pub manual: bool,
    /// The worker that made it.
    pub worker: String,
}

fn as_millis<S: serde::Serializer>(span: &Duration, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(span.as_millis()).unwrap_or(u64::MAX))
}

/// Which deliveries to list: every field narrows; newest first.
///
/// ```
/// use hookwire_outbox::{DeliveryFilter, DeliveryStatus};
/// let failed = DeliveryFilter::default().status(DeliveryStatus::Failed).endpoint("ep_1").limit(50);
/// # let _ = failed;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only this endpoint's.
    pub endpoint_id: Option<String>,
    /// Only this message's.
    pub message_id: Option<String>,
    /// Only in this status.
    pub status: Option<DeliveryStatus>,
    /// Only of this event type.
    pub event_type: Option<String>,
    /// Created at or after.
    pub since: Option<UnixTime>,
    /// Created before.
    pub until: Option<UnixTime>,
    /// At most this many (default: all).
    pub limit: Option<u32>,
}

impl DeliveryFilter {
    /// Only `endpoint_id`'s deliveries.
    pub fn endpoint(mut self, endpoint_id: &str) -> DeliveryFilter {
        self.endpoint_id = Some(endpoint_id.to_owned());
        self
    }

    /// Only `message_id`'s deliveries.
    pub fn message(mut self, message_id: &str) -> DeliveryFilter {
        self.message_id = Some(message_id.to_owned());
        self
    }

    /// Only deliveries in `status`.
    pub fn status(mut self, status: DeliveryStatus) -> DeliveryFilter {
        self.status = Some(status);
        self
    }

    /// Only deliveries of `event_type`.
    pub fn event_type(mut self, event_type: &str) -> DeliveryFilter {
        self.event_type = Some(event_type.to_owned());
        self
    }

    /// Only deliveries created in `[since, until)`.
    pub fn created_between(mut self, since: UnixTime, until: UnixTime) -> DeliveryFilter {
        self.since = Some(since);
        self.until = Some(until);
        self
    }

    /// At most `count`.
    pub fn limit(mut self, count: u32) -> DeliveryFilter {
        self.limit = Some(count);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryStatus;

    #[test]
    fn statuses_are_the_core_delivery_states() {
        // The outbox stores the core's DeliveryState by name: one list, the core's, in its order.
        let names: Vec<&str> = DeliveryStatus::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, hookwire::DeliveryState::names());
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::from_name(status.name()).expect("known"), status);
            assert_eq!(serde_json::to_value(status).expect("serializes"), status.name());
        }
        assert_eq!(DeliveryStatus::from_name("queued").unwrap_err().code(), "invalid_argument");
    }
}
