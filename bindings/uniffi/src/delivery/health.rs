//! `EndpointHealth`: disable an endpoint that keeps failing.

use std::sync::{Arc, Mutex};

use hookwire::HealthPolicy;

use crate::convert::{duration_ms, lock, signed, unsigned};
use crate::delivery::outcome::Outcome;
use crate::error::{run, WebhookError};

/// An endpoint's health: consecutive failures, failing since, disabled.
///
/// ```kotlin
/// val health = EndpointHealth()
/// health.record(Outcome.response(410), now)   // "disabled"
/// ```
#[derive(uniffi::Object)]
pub struct EndpointHealth {
    policy: HealthPolicy,
    state: Mutex<hookwire::EndpointHealth>,
}

#[uniffi::export]
impl EndpointHealth {
    /// Disable after failing for `disable_after_ms` (default 5 days; none: never by time)
    /// and/or after `disable_after_failures` consecutive failures (default: never by count).
    /// 410 Gone and `webhook-delivery: disable` disable at once.
    // 432000000 ms: the core's default of 5 days, checked by `the_default_is_the_cores`.
    #[uniffi::constructor(default(disable_after_ms = Some(432000000), disable_after_failures = None))]
    pub fn new(
        disable_after_ms: Option<i64>,
        disable_after_failures: Option<i32>,
    ) -> Result<Arc<EndpointHealth>, WebhookError> {
        run(|| {
            let span = disable_after_ms.map(|ms| duration_ms("disable_after_ms", ms)).transpose()?;
            let count =
                disable_after_failures.map(|n| unsigned("disable_after_failures", n.into())).transpose()?;
            let policy = HealthPolicy::default().with_disable_after(span).with_disable_after_failures(count);
            Ok(Arc::new(EndpointHealth { policy, state: Mutex::new(hookwire::EndpointHealth::default()) }))
        })
    }

    /// Records an attempt's outcome at `now` (unix ms); returns the transition it caused
    /// (`started_failing`, `recovered`, `disabled`), if any.
    pub fn record(&self, outcome: Arc<Outcome>, now: i64) -> Option<String> {
        lock(&self.state)
            .record(&self.policy, &outcome.0, hookwire::UnixTime::from_millis(now))
            .map(|t| t.name().to_owned())
    }

    /// Whether the endpoint is disabled.
    pub fn is_disabled(&self) -> bool {
        lock(&self.state).is_disabled()
    }

    /// Why it was disabled (`gone`, `requested`, `failing_for`, `consecutive_failures`).
    pub fn disabled_reason(&self) -> Option<String> {
        lock(&self.state).disabled().map(|(reason, _)| reason.name().to_owned())
    }

    /// Failures since the last success.
    pub fn consecutive_failures(&self) -> i64 {
        signed(lock(&self.state).consecutive_failures())
    }

    /// Since when it has been failing (unix ms).
    pub fn failing_since(&self) -> Option<i64> {
        lock(&self.state).failing_since().map(hookwire::UnixTime::as_millis)
    }

    /// Enables it again, with a clean record.
    pub fn enable(&self) {
        lock(&self.state).enable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default of `disable_after_ms` in the constructor's attribute.
    const DEFAULT_DISABLE_AFTER_MS: i64 = 432_000_000;

    #[test]
    fn the_default_is_the_cores() {
        let span = duration_ms("", DEFAULT_DISABLE_AFTER_MS).unwrap();
        assert_eq!(HealthPolicy::default().with_disable_after(Some(span)), HealthPolicy::default());
        let health = EndpointHealth::new(Some(DEFAULT_DISABLE_AFTER_MS), None).unwrap();
        assert_eq!(health.policy, HealthPolicy::default());
    }
}
