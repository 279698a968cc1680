//! `RetryPolicy`: when to try again, and when to stop.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hookwire::Jitter;

use crate::convert::{instant, signed, system_time, unsigned};
use crate::delivery::outcome::Outcome;
use crate::error::{run, WebhookError};

/// What to do after an attempt.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `done`, `retry` or `give_up`.
    pub action: String,
    /// When to retry, for `retry`.
    pub at: Option<SystemTime>,
    /// How long after the attempt's end, for `retry`.
    pub delay: Option<Duration>,
    /// Why to stop (`exhausted`, `max_age`, `permanent`, ...), for `give_up`.
    pub reason: Option<String>,
}

impl From<hookwire::Decision> for Decision {
    fn from(decision: hookwire::Decision) -> Decision {
        Decision {
            action: decision.name().to_owned(),
            at: decision.at().map(system_time),
            delay: decision.delay(),
            reason: decision.reason().map(|r| r.name().to_owned()),
        }
    }
}

/// When to retry a failed delivery, and when to give up. Immutable: `with_*` return a new
/// policy.
///
/// ```kotlin
/// val policy = RetryPolicy.fromName("standard-webhooks")
/// policy.schedule()    // [PT0S, PT5S, PT5M, ...]
/// ```
#[derive(uniffi::Object)]
pub struct RetryPolicy(pub(crate) hookwire::RetryPolicy);

#[uniffi::export]
impl RetryPolicy {
    /// A preset: `standard-webhooks`, `svix`, `ops-center`, `webnet`, `homechef`,
    /// `auraconnect` (see `retry_policies()`).
    #[uniffi::constructor]
    pub fn from_name(name: String) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(hookwire::RetryPolicy::from_name(&name)?))))
    }

    /// A policy from a table of delays before each attempt (the first is usually zero).
    #[uniffi::constructor]
    pub fn table(name: String, delays: Vec<Duration>) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(hookwire::RetryPolicy::table(name, delays)?))))
    }

    /// Send at once, then wait `initial × factor^(n-1)` (capped at `cap`) before retry `n`,
    /// for at most `max_attempts` attempts in all.
    #[uniffi::constructor]
    pub fn exponential(
        name: String,
        initial: Duration,
        factor: f64,
        cap: Duration,
        max_attempts: i32,
    ) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| {
            let max_attempts = unsigned("max_attempts", max_attempts.into())?;
            Ok(Arc::new(RetryPolicy(hookwire::RetryPolicy::exponential(
                name,
                initial,
                factor,
                cap,
                max_attempts,
            )?)))
        })
    }

    /// This policy with jitter `kind` (`none`, `proportional`, `full`, `decorrelated`);
    /// `fraction` is the p of `proportional` (0.2 = ±20 %).
    #[uniffi::method(default(fraction = 0.0))]
    pub fn with_jitter(&self, kind: String, fraction: f64) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(self.0.clone().with_jitter(Jitter::from_name(&kind, fraction)?)?))))
    }

    /// This policy with a fixed random seed (reproducible jitter), ≥ 0 as in every binding.
    pub fn with_seed(&self, seed: i64) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(self.0.clone().with_seed(unsigned("seed", seed)?)))))
    }

    /// This policy with at most `max_attempts` attempts in all (≥ 1).
    pub fn with_max_attempts(&self, max_attempts: i32) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| {
            let max_attempts = unsigned("max_attempts", max_attempts.into())?;
            Ok(Arc::new(RetryPolicy(self.0.clone().with_max_attempts(max_attempts)?)))
        })
    }

    /// This policy with no retry later than `max_age` after the first attempt.
    pub fn with_max_age(&self, max_age: Duration) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(self.0.clone().with_max_age(max_age)?))))
    }

    /// The policy's name.
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// The most attempts, the first included (`with_max_attempts`).
    pub fn max_attempts(&self) -> i64 {
        signed(self.0.max_attempts())
    }

    /// How long after the first attempt retries may go on (`with_max_age`), if limited.
    pub fn max_age(&self) -> Option<Duration> {
        self.0.max_age()
    }

    /// The jitter's name.
    pub fn jitter(&self) -> String {
        self.0.jitter().name().to_owned()
    }

    /// The nominal delay before each attempt (before jitter, `Retry-After` and throttling).
    pub fn schedule(&self) -> Vec<Duration> {
        self.0.schedule()
    }

    /// What to do after attempt number `attempt` (1 for the first) of a message first
    /// attempted at `first_attempt_at`, which ended at `now` with `outcome`.
    pub fn next(
        &self,
        attempt: i32,
        first_attempt_at: SystemTime,
        now: SystemTime,
        outcome: Arc<Outcome>,
    ) -> Result<Decision, WebhookError> {
        run(|| {
            let attempt = unsigned("attempt", attempt.into())?;
            let first_attempt_at = instant("first_attempt_at", first_attempt_at)?;
            Ok(self.0.next(attempt, first_attempt_at, instant("now", now)?, &outcome.0).into())
        })
    }
}
