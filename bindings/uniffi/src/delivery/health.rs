//! `EndpointHealth`: disable an endpoint that keeps failing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hookwire::HealthPolicy;

use crate::convert::{instant, lock, signed, system_time, unsigned};
use crate::delivery::outcome::Outcome;
use crate::error::{run, WebhookError};

/// An endpoint's health: consecutive failures, failing since, disabled.
///
/// ```kotlin
/// val health = EndpointHealth()
/// health.record(Outcome.response(410), Instant.now())   // "disabled"
/// ```
#[derive(uniffi::Object)]
pub struct EndpointHealth {
    policy: HealthPolicy,
    state: Mutex<hookwire::EndpointHealth>,
}

#[uniffi::export]
impl EndpointHealth {
    /// Disable after failing for `disable_after` (default: the core's 5 days; a span longer
    /// than any outage, such as `ChronoUnit.FOREVER.duration`, never disables by time) and/or
    /// after `disable_after_failures` consecutive failures (default: never by count). 410 Gone
    /// and `webhook-delivery: disable` disable at once.
    #[uniffi::constructor(default(disable_after = None, disable_after_failures = None))]
    pub fn new(
        disable_after: Option<Duration>,
        disable_after_failures: Option<i32>,
    ) -> Result<Arc<EndpointHealth>, WebhookError> {
        run(|| {
            let mut policy = HealthPolicy::default();
            if let Some(span) = disable_after {
                policy = policy.with_disable_after(Some(span));
            }
            let count =
                disable_after_failures.map(|n| unsigned("disable_after_failures", n.into())).transpose()?;
            let policy = policy.with_disable_after_failures(count);
            Ok(Arc::new(EndpointHealth { policy, state: Mutex::new(hookwire::EndpointHealth::default()) }))
        })
    }

    /// Records an attempt's outcome at `now`; returns the transition it caused
    /// (`started_failing`, `recovered`, `disabled`), if any.
    pub fn record(&self, outcome: Arc<Outcome>, now: SystemTime) -> Result<Option<String>, WebhookError> {
        run(|| {
            let now = instant("now", now)?;
            Ok(lock(&self.state).record(&self.policy, &outcome.0, now).map(|t| t.name().to_owned()))
        })
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

    /// Since when it has been failing.
    pub fn failing_since(&self) -> Option<SystemTime> {
        lock(&self.state).failing_since().map(system_time)
    }

    /// How long it may fail before it is disabled, if limited.
    pub fn disable_after(&self) -> Option<Duration> {
        self.policy.disable_after()
    }

    /// Enables it again, with a clean record.
    pub fn enable(&self) {
        lock(&self.state).enable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_cores() {
        let health = EndpointHealth::new(None, None).unwrap();
        assert_eq!(health.policy, HealthPolicy::default());
        let hour = Duration::from_secs(3600);
        assert_eq!(EndpointHealth::new(Some(hour), None).unwrap().disable_after(), Some(hour));
    }
}
