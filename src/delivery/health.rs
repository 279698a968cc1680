//! Endpoint health: stop sending to endpoints that keep failing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Outcome, OutcomeClass};
use crate::UnixTime;

/// When an endpoint is disabled. Default: after failing for 5 days without a success (Svix's
/// rule), or at once on 410 Gone or `webhook-delivery: disable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthPolicy {
    failing_for: Option<Duration>,
    failures: Option<u32>,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy { failing_for: Some(Duration::from_secs(5 * 24 * 3600)), failures: None }
    }
}

impl HealthPolicy {
    /// Disable after failing continuously for `span` (`None`: never for this reason).
    pub fn with_disable_after(mut self, span: Option<Duration>) -> HealthPolicy {
        self.failing_for = span;
        self
    }

    /// Disable after `count` consecutive failures (`None`: never for this reason).
    pub fn with_disable_after_failures(mut self, count: Option<u32>) -> HealthPolicy {
        self.failures = count;
        self
    }

    /// How long an endpoint may fail before it is disabled (`None`: no limit).
    pub fn disable_after(&self) -> Option<Duration> {
        self.failing_for
    }

    /// How many consecutive failures disable an endpoint (`None`: no limit).
    pub fn disable_after_failures(&self) -> Option<u32> {
        self.failures
    }
}

/// Why an endpoint was disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum DisableReason {
    /// It answered 410 Gone.
    Gone,
    /// It answered `webhook-delivery: disable`.
    Requested,
    /// It kept failing for longer than the policy allows.
    FailingFor {
        /// Since when.
        since: UnixTime,
    },
    /// It failed this many times in a row.
    ConsecutiveFailures {
        /// How many.
        count: u32,
    },
}

/// A change worth telling someone about (an operational event, an e-mail to the endpoint's
/// owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "transition")]
#[non_exhaustive]
pub enum HealthTransition {
    /// The first failure after a success.
    StartedFailing {
        /// When.
        at: UnixTime,
    },
    /// A success after failures.
    Recovered {
        /// How many failures there were.
        after_failures: u32,
        /// Since when it had been failing.
        failing_since: UnixTime,
    },
    /// The endpoint is disabled: stop sending to it.
    Disabled {
        /// Why.
        reason: DisableReason,
        /// When.
        at: UnixTime,
    },
}

impl DisableReason {
    /// Every reason's name, in the order of the variants.
    pub fn names() -> &'static [&'static str] {
        &["gone", "requested", "failing_for", "consecutive_failures"]
    }

    /// The reason's name: `gone`, `requested`, `failing_for` or `consecutive_failures`.
    pub fn name(&self) -> &'static str {
        match self {
            DisableReason::Gone => "gone",
            DisableReason::Requested => "requested",
            DisableReason::FailingFor { .. } => "failing_for",
            DisableReason::ConsecutiveFailures { .. } => "consecutive_failures",
        }
    }
}

impl HealthTransition {
    /// Every transition's name, in the order of the variants.
    pub fn names() -> &'static [&'static str] {
        &["started_failing", "recovered", "disabled"]
    }

    /// The transition's name: `started_failing`, `recovered` or `disabled`.
    pub fn name(&self) -> &'static str {
        match self {
            HealthTransition::StartedFailing { .. } => "started_failing",
            HealthTransition::Recovered { .. } => "recovered",
            HealthTransition::Disabled { .. } => "disabled",
        }
    }
}

/// One endpoint's health: consecutive failures, failing since when, disabled or not. Keep one
/// per endpoint (it serializes) and feed it every outcome.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{DisableReason, EndpointHealth, HealthPolicy, HealthTransition, Outcome, UnixTime};
///
/// let policy = HealthPolicy::default().with_disable_after_failures(Some(3));
/// let mut health = EndpointHealth::default();
/// let down = Outcome::from_response(503, &http::HeaderMap::new(), Duration::ZERO);
/// let at = UnixTime::from_secs;
/// assert_eq!(health.record(&policy, &down, at(1)), Some(HealthTransition::StartedFailing { at: at(1) }));
/// assert_eq!(health.record(&policy, &down, at(2)), None);
/// assert_eq!(
///     health.record(&policy, &down, at(3)),
///     Some(HealthTransition::Disabled { reason: DisableReason::ConsecutiveFailures { count: 3 }, at: at(3) })
/// );
/// assert!(health.is_disabled());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointHealth {
    consecutive_failures: u32,
    failing_since: Option<UnixTime>,
    disabled: Option<(DisableReason, UnixTime)>,
}

impl EndpointHealth {
    /// Takes one outcome at `now` into account and returns the transition
    /// it caused, if any. Success heals; 410 and `webhook-delivery: disable` disable at once;
    /// other failures count toward the policy's limits; an aborted message changes nothing.
    /// Outcomes for a disabled endpoint (requests already in flight) change nothing either.
    pub fn record(
        &mut self,
        policy: &HealthPolicy,
        outcome: &Outcome,
        now: UnixTime,
    ) -> Option<HealthTransition> {
        if self.disabled.is_some() {
            return None;
        }
        if outcome.disables_endpoint() {
            let reason = if outcome.class() == OutcomeClass::EndpointGone {
                DisableReason::Gone
            } else {
                DisableReason::Requested
            };
            return Some(self.disable(reason, now));
        }
        match outcome.class() {
            OutcomeClass::Success => {
                let since = self.failing_since.take()?;
                let after_failures = std::mem::take(&mut self.consecutive_failures);
                Some(HealthTransition::Recovered { after_failures, failing_since: since })
            }
            OutcomeClass::Aborted => None,
            _ => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                let since = *self.failing_since.get_or_insert(now);
                if policy.failures.is_some_and(|limit| self.consecutive_failures >= limit) {
                    let count = self.consecutive_failures;
                    return Some(self.disable(DisableReason::ConsecutiveFailures { count }, now));
                }
                if policy.failing_for.is_some_and(|span| now.duration_since(since) >= span) {
                    return Some(self.disable(DisableReason::FailingFor { since }, now));
                }
                (self.consecutive_failures == 1).then_some(HealthTransition::StartedFailing { at: now })
            }
        }
    }

    fn disable(&mut self, reason: DisableReason, at: UnixTime) -> HealthTransition {
        self.disabled = Some((reason, at));
        HealthTransition::Disabled { reason, at }
    }

    /// Enables a disabled endpoint again (its owner fixed it) with a clean record.
    pub fn enable(&mut self) {
        *self = EndpointHealth::default();
    }

    /// Whether the endpoint is disabled.
    pub fn is_disabled(&self) -> bool {
        self.disabled.is_some()
    }

    /// Why and when it was disabled.
    pub fn disabled(&self) -> Option<(DisableReason, UnixTime)> {
        self.disabled
    }

    /// Failures since the last success.
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// When the current run of failures began.
    pub fn failing_since(&self) -> Option<UnixTime> {
        self.failing_since
    }
}
