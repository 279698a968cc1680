//! `RetryPolicy`: when to try again, and when to stop.

use std::sync::Arc;

use hookwire::Jitter;

use crate::convert::{duration_ms, ms_of, signed, unsigned};
use crate::delivery::outcome::Outcome;
use crate::error::{run, WebhookError};

/// What to do after an attempt.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `done`, `retry` or `give_up`.
    pub action: String,
    /// When to retry (unix ms), for `retry`.
    pub at: Option<i64>,
    /// How long after the attempt's end, ms, for `retry`.
    pub delay_ms: Option<i64>,
    /// Why to stop (`exhausted`, `max_age`, `permanent`, ...), for `give_up`.
    pub reason: Option<String>,
}

impl From<hookwire::Decision> for Decision {
    fn from(decision: hookwire::Decision) -> Decision {
        Decision {
            action: decision.name().to_owned(),
            at: decision.at().map(hookwire::UnixTime::as_millis),
            delay_ms: decision.delay().map(ms_of),
            reason: decision.reason().map(|r| r.name().to_owned()),
        }
    }
}

/// When to retry a failed delivery, and when to give up. Immutable: `with_*` return a new
/// policy.
///
/// ```kotlin
/// val policy = RetryPolicy.fromName("standard-webhooks")
/// policy.schedule()    // [0, 5000, 300000, ...]
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

    /// A policy from a table of delays before each attempt, ms (the first is usually 0).
    #[uniffi::constructor]
    pub fn table(name: String, delays_ms: Vec<i64>) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| {
            let delays =
                delays_ms.into_iter().map(|ms| duration_ms("delays_ms", ms)).collect::<Result<_, _>>()?;
            Ok(Arc::new(RetryPolicy(hookwire::RetryPolicy::table(name, delays)?)))
        })
    }

    /// Send at once, then wait `initial_ms × factor^(n-1)` (capped at `cap_ms`) before retry
    /// `n`, for at most `max_attempts` attempts in all.
    #[uniffi::constructor]
    pub fn exponential(
        name: String,
        initial_ms: i64,
        factor: f64,
        cap_ms: i64,
        max_attempts: i32,
    ) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| {
            Ok(Arc::new(RetryPolicy(hookwire::RetryPolicy::exponential(
                name,
                duration_ms("initial_ms", initial_ms)?,
                factor,
                duration_ms("cap_ms", cap_ms)?,
                unsigned("max_attempts", max_attempts.into())?,
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

    /// This policy with at most `attempts` attempts in all (≥ 1).
    pub fn with_max_attempts(&self, attempts: i32) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| {
            Ok(Arc::new(RetryPolicy(
                self.0.clone().with_max_attempts(unsigned("attempts", attempts.into())?)?,
            )))
        })
    }

    /// This policy with no retry later than `age_ms` after the first attempt.
    pub fn with_max_age(&self, age_ms: i64) -> Result<Arc<RetryPolicy>, WebhookError> {
        run(|| Ok(Arc::new(RetryPolicy(self.0.clone().with_max_age(duration_ms("age_ms", age_ms)?)?))))
    }

    /// The policy's name.
    pub fn name(&self) -> String {
        self.0.name().to_owned()
    }

    /// The most attempts, the first included.
    pub fn attempts(&self) -> i64 {
        signed(self.0.max_attempts())
    }

    /// The jitter's name.
    pub fn jitter(&self) -> String {
        self.0.jitter().name().to_owned()
    }

    /// The nominal delay before each attempt, ms (before jitter, `Retry-After` and throttling).
    pub fn schedule(&self) -> Vec<i64> {
        self.0.schedule().into_iter().map(ms_of).collect()
    }

    /// What to do after attempt number `attempt` (1 for the first) of a message first
    /// attempted at `first_attempt_at`, which ended at `now` with `outcome` (unix ms).
    pub fn next(
        &self,
        attempt: i32,
        first_attempt_at: i64,
        now: i64,
        outcome: Arc<Outcome>,
    ) -> Result<Decision, WebhookError> {
        run(|| {
            let attempt = unsigned("attempt", attempt.into())?;
            Ok(self
                .0
                .next(
                    attempt,
                    hookwire::UnixTime::from_millis(first_attempt_at),
                    hookwire::UnixTime::from_millis(now),
                    &outcome.0,
                )
                .into())
        })
    }
}
