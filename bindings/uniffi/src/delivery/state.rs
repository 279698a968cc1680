//! `Delivery`: one message on its way to one endpoint, with its attempt log.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::convert::{instant, lock, signed, system_time};
use crate::delivery::outcome::Outcome;
use crate::delivery::policy::RetryPolicy;
use crate::error::{argument, run, WebhookError};

/// One attempt in a delivery's log.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: i64,
    /// When the request started.
    pub started_at: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The response status, when one arrived.
    pub status: Option<i32>,
    /// The outcome's class (`success`, `retryable`, ...).
    pub outcome_class: String,
    /// The transport failure, when no response arrived.
    pub failure: Option<String>,
    /// The start of the response body (lossy UTF-8), cut at the limit (20 KB).
    pub response_body: String,
    /// Whether `response_body` was cut.
    pub response_truncated: bool,
    /// Whether this was a manual retry.
    pub manual: bool,
}

impl From<&hookwire::Attempt> for Attempt {
    fn from(attempt: &hookwire::Attempt) -> Attempt {
        Attempt {
            number: signed(attempt.number),
            started_at: system_time(attempt.started_at),
            duration: attempt.duration,
            status: attempt.status.map(i32::from),
            outcome_class: attempt.class.name().to_owned(),
            failure: attempt.failure.map(|f| f.name().to_owned()),
            response_body: attempt.response_body.clone(),
            response_truncated: attempt.response_truncated,
            manual: attempt.manual,
        }
    }
}

/// A message's delivery to one endpoint: `pending → succeeded | retrying → … | failed |
/// cancelled`. Store it between attempts with [`to_json`](Delivery::to_json).
///
/// ```kotlin
/// val delivery = Delivery("msg_1", Instant.now())
/// val state = delivery.record(policy, startedAt, Outcome.response(503), "busy".toByteArray(), now)
/// ```
#[derive(uniffi::Object)]
pub struct Delivery(Mutex<hookwire::Delivery>);

#[uniffi::export]
impl Delivery {
    /// A delivery of message `id`, created (and due) at `now`.
    #[uniffi::constructor]
    pub fn new(id: String, now: SystemTime) -> Result<Arc<Delivery>, WebhookError> {
        run(|| Ok(Arc::new(Delivery(Mutex::new(hookwire::Delivery::new(id, instant("now", now)?))))))
    }

    /// A delivery back from [`to_json`](Delivery::to_json). Errors: `invalid_argument`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Delivery>, WebhookError> {
        run(|| {
            let delivery = serde_json::from_str(&json)
                .map_err(|e| argument("json", format!("not a stored delivery: {e}")))?;
            Ok(Arc::new(Delivery(Mutex::new(delivery))))
        })
    }

    /// Records an attempt that started at `started_at` and ended at `now` with `outcome` and
    /// moves to the state `policy` decides; returns the state's name. Errors: `invalid_state`
    /// when no attempt is due.
    pub fn record(
        &self,
        policy: Arc<RetryPolicy>,
        started_at: SystemTime,
        outcome: Arc<Outcome>,
        response_body: Vec<u8>,
        now: SystemTime,
    ) -> Result<String, WebhookError> {
        run(|| {
            let started_at = instant("started_at", started_at)?;
            let now = instant("now", now)?;
            let mut delivery = lock(&self.0);
            Ok(delivery.record(&policy.0, started_at, &outcome.0, &response_body, now)?.name().to_owned())
        })
    }

    /// Cancels the delivery. Errors: `invalid_state` when it already ended.
    pub fn cancel(&self, now: SystemTime) -> Result<(), WebhookError> {
        run(|| Ok(lock(&self.0).cancel(instant("now", now)?)?))
    }

    /// A manual retry of a failed or cancelled delivery: one attempt, due at `now`.
    pub fn retry(&self, now: SystemTime) -> Result<(), WebhookError> {
        run(|| Ok(lock(&self.0).retry(instant("now", now)?)?))
    }

    /// The message id.
    pub fn id(&self) -> String {
        lock(&self.0).id().to_owned()
    }

    /// `pending`, `retrying`, `succeeded`, `failed` or `cancelled`.
    pub fn state(&self) -> String {
        lock(&self.0).state().name().to_owned()
    }

    /// When the next attempt is due, if one is.
    pub fn due(&self) -> Option<SystemTime> {
        lock(&self.0).state().due().map(system_time)
    }

    /// Why a failed delivery was given up (`exhausted`, `max_age`, ...).
    pub fn failure_reason(&self) -> Option<String> {
        match lock(&self.0).state() {
            hookwire::DeliveryState::Failed { reason, .. } => Some(reason.name().to_owned()),
            _ => None,
        }
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        lock(&self.0).attempts().iter().map(Attempt::from).collect()
    }

    /// The whole state as JSON, to store it.
    pub fn to_json(&self) -> Result<String, WebhookError> {
        run(|| {
            serde_json::to_string(&*lock(&self.0))
                .map_err(|e| WebhookError::Internal { reason: format!("internal error: {e}") })
        })
    }
}
