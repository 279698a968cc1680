//! One message on its way to one endpoint: its state and the log of its attempts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Decision, DeliveryRun, Failure, GiveUpReason, Outcome, OutcomeClass, RetryPolicy};
use crate::{Error, UnixTime};

/// Default number of response-body bytes kept per attempt: 20 KB.
pub const DEFAULT_RESPONSE_BODY_LIMIT: usize = 20 * 1024;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Not attempted yet (or manually retried): due at `due`.
    Pending {
        /// When the next attempt is due.
        due: UnixTime,
    },
    /// Failed at least once; the next attempt is due at `next_at`.
    Retrying {
        /// When the next attempt is due.
        next_at: UnixTime,
    },
    /// Delivered.
    Succeeded {
        /// When the successful attempt ended.
        at: UnixTime,
    },
    /// Given up.
    Failed {
        /// When.
        at: UnixTime,
        /// Why.
        reason: GiveUpReason,
    },
    /// Cancelled by the caller.
    Cancelled {
        /// When.
        at: UnixTime,
    },
}

impl DeliveryState {
    /// Every state's name, in the order of the variants.
    pub fn names() -> &'static [&'static str] {
        &["pending", "retrying", "succeeded", "failed", "cancelled"]
    }

    /// The state's name (`pending`, `retrying`, `succeeded`, `failed`, `cancelled`).
    pub fn name(&self) -> &'static str {
        match self {
            DeliveryState::Pending { .. } => "pending",
            DeliveryState::Retrying { .. } => "retrying",
            DeliveryState::Succeeded { .. } => "succeeded",
            DeliveryState::Failed { .. } => "failed",
            DeliveryState::Cancelled { .. } => "cancelled",
        }
    }

    /// When the next attempt is due, if one is.
    pub fn due(&self) -> Option<UnixTime> {
        match *self {
            DeliveryState::Pending { due } => Some(due),
            DeliveryState::Retrying { next_at } => Some(next_at),
            _ => None,
        }
    }

    /// Whether nothing more will happen without the caller (succeeded, failed, cancelled).
    pub fn is_final(&self) -> bool {
        self.due().is_none()
    }
}

/// One attempt in a delivery's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// When the request started (unix milliseconds).
    pub started_at: UnixTime,
    /// How long it took.
    pub duration: Duration,
    /// The response status, when one arrived.
    pub status: Option<u16>,
    /// The class of the outcome.
    pub class: OutcomeClass,
    /// The transport failure, when no response arrived.
    pub failure: Option<Failure>,
    /// The start of the response body (lossy UTF-8), cut at the delivery's limit.
    pub response_body: String,
    /// Whether `response_body` was cut.
    pub response_truncated: bool,
    /// Whether this was a manual retry.
    #[serde(default)]
    pub manual: bool,
}

/// One message's delivery to one endpoint: `pending → succeeded | retrying → … | failed |
/// cancelled`, with the log of every attempt. It serializes (serde) so callers can keep it in
/// their own database between attempts.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{Delivery, DeliveryState, GiveUpReason, Outcome, RetryPolicy, UnixTime};
///
/// let policy = RetryPolicy::webnet(); // 60 s doubling, 3 retries
/// let t0 = UnixTime::from_secs(1_700_000_000);
/// let mut delivery = Delivery::new("msg_1", t0);
/// let down = Outcome::from_response(500, &http::HeaderMap::new(), Duration::from_millis(10));
/// while let Some(due) = delivery.state().due() {
///     delivery.record(&policy, due, &down, b"oops", due + Duration::from_millis(10))?;
/// }
/// let starts: Vec<Duration> = delivery.attempts().iter().map(|a| a.started_at.duration_since(t0)).collect();
/// assert_eq!(starts, [0, 60_010, 180_020, 420_030].map(Duration::from_millis));
/// assert_eq!(delivery.state(), &DeliveryState::Failed { at: t0 + Duration::from_millis(420_040), reason: GiveUpReason::Exhausted });
///
/// // The endpoint is fixed: one manual attempt.
/// let later = t0 + Duration::from_secs(500);
/// delivery.retry(later)?;
/// let ok = Outcome::from_response(200, &http::HeaderMap::new(), Duration::from_millis(10));
/// delivery.record(&policy, later, &ok, b"", later + Duration::from_millis(10))?;
/// assert_eq!(delivery.state(), &DeliveryState::Succeeded { at: later + Duration::from_millis(10) });
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    id: String,
    created_at: UnixTime,
    state: DeliveryState,
    attempts: Vec<Attempt>,
    #[serde(default = "default_limit")]
    response_body_limit: usize,
    #[serde(default)]
    manual: bool,
}

fn default_limit() -> usize {
    DEFAULT_RESPONSE_BODY_LIMIT
}

impl Delivery {
    /// A delivery of message `id`, created (and due) at `now`.
    pub fn new(id: impl Into<String>, now: UnixTime) -> Delivery {
        Delivery {
            id: id.into(),
            created_at: now,
            state: DeliveryState::Pending { due: now },
            attempts: Vec::new(),
            response_body_limit: DEFAULT_RESPONSE_BODY_LIMIT,
            manual: false,
        }
    }

    /// Keeps at most `limit` bytes of each response body (default 20 KB).
    pub fn with_response_body_limit(mut self, limit: usize) -> Delivery {
        self.response_body_limit = limit;
        self
    }

    /// How many bytes of each response body are kept.
    pub fn response_body_limit(&self) -> usize {
        self.response_body_limit
    }

    /// The message id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the delivery was created; the age a policy's maximum age is measured from.
    pub fn created_at(&self) -> UnixTime {
        self.created_at
    }

    /// The state.
    pub fn state(&self) -> &DeliveryState {
        &self.state
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The counters the retry policy decides the next attempt from (see
    /// [`RetryPolicy::decide`]): automatic attempts so far, the creation time, and whether the
    /// next attempt is a manual retry's.
    pub fn run(&self) -> DeliveryRun {
        let automatic = self.attempts.iter().filter(|a| !a.manual).count();
        DeliveryRun::new(&self.id, self.created_at)
            .with_attempts(u32::try_from(automatic).unwrap_or(u32::MAX))
            .with_manual(self.manual)
    }

    /// Records an attempt that started at `started_at` and ended at `now` with `outcome`
    /// (`response_body` is what the receiver answered, kept up to the limit), and moves to
    /// the state `policy` decides ([`RetryPolicy::decide`] on [`run`](Delivery::run)). A manual
    /// retry gets one attempt: if it fails the delivery is failed again.
    ///
    /// Errors: `invalid_state` when no attempt is due (succeeded, failed, cancelled).
    pub fn record(
        &mut self,
        policy: &RetryPolicy,
        started_at: UnixTime,
        outcome: &Outcome,
        response_body: &[u8],
        now: UnixTime,
    ) -> Result<&DeliveryState, Error> {
        if self.state.is_final() {
            return Err(Error::state(format!(
                "delivery `{}` is {}: no attempt is due (retry it first)",
                self.id,
                self.state.name()
            )));
        }
        let decision = policy.decide(&self.run(), outcome, now);
        let number = u32::try_from(self.attempts.len() + 1).unwrap_or(u32::MAX);
        let (response_body, response_truncated) = cut(response_body, self.response_body_limit);
        self.attempts.push(Attempt {
            number,
            started_at,
            duration: outcome.elapsed(),
            status: outcome.status(),
            class: outcome.class(),
            failure: outcome.failure(),
            response_body,
            response_truncated,
            manual: self.manual,
        });
        self.manual = false;
        self.state = match decision {
            Decision::Done => DeliveryState::Succeeded { at: now },
            Decision::Retry { at, .. } => DeliveryState::Retrying { next_at: at },
            Decision::GiveUp { reason } => DeliveryState::Failed { at: now, reason },
        };
        Ok(&self.state)
    }

    /// Gives up on a pending or retrying delivery. Errors: `invalid_state` if it is final.
    pub fn cancel(&mut self, now: UnixTime) -> Result<(), Error> {
        if self.state.is_final() {
            return Err(Error::state(format!(
                "delivery `{}` is {}: nothing to cancel",
                self.id,
                self.state.name()
            )));
        }
        self.state = DeliveryState::Cancelled { at: now };
        Ok(())
    }

    /// Gives the endpoint up for this delivery (the caller's health tracking disabled it).
    /// Errors: `invalid_state` if it is final.
    pub fn fail(&mut self, reason: GiveUpReason, now: UnixTime) -> Result<(), Error> {
        if self.state.is_final() {
            return Err(Error::state(format!(
                "delivery `{}` is {}: cannot fail it",
                self.id,
                self.state.name()
            )));
        }
        self.state = DeliveryState::Failed { at: now, reason };
        Ok(())
    }

    /// A manual retry of a failed or cancelled delivery: one attempt, due at `now`.
    /// Errors: `invalid_state` if it succeeded or an attempt is already due.
    pub fn retry(&mut self, now: UnixTime) -> Result<(), Error> {
        match self.state {
            DeliveryState::Failed { .. } | DeliveryState::Cancelled { .. } => {
                self.state = DeliveryState::Pending { due: now };
                self.manual = true;
                Ok(())
            }
            _ => Err(Error::state(format!(
                "delivery `{}` is {}: only a failed or cancelled delivery can be retried",
                self.id,
                self.state.name()
            ))),
        }
    }
}

/// `body` as text, cut at `limit` bytes, on a character boundary where the body is UTF-8.
fn cut(body: &[u8], limit: usize) -> (String, bool) {
    if body.len() <= limit {
        return (String::from_utf8_lossy(body).into_owned(), false);
    }
    // Step back over at most three continuation bytes to the start of the cut character.
    let mut end = limit;
    while end > 0 && limit - end < 3 && body[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    if body[end] & 0xC0 == 0x80 {
        end = limit; // not UTF-8 here anyway
    }
    (String::from_utf8_lossy(&body[..end]).into_owned(), true)
}
