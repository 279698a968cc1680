//! Retry policies: when to try again, and when to stop.

use std::borrow::Cow;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{DeliveryRun, Outcome, OutcomeClass};
use crate::{Error, UnixTime};

/// How the nominal delay grows from one attempt to the next.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Backoff {
    /// Delays before attempt 1, 2, 3, ...: the first entry is usually zero (send at once);
    /// attempts beyond the table reuse its last entry.
    Table(Vec<Duration>),
    /// Send at once, then wait `initial`, `initial × factor`, ... capped at `cap`.
    Exponential {
        /// The wait before the first retry.
        initial: Duration,
        /// The growth per retry (≥ 1).
        factor: f64,
        /// The longest wait.
        cap: Duration,
    },
}

/// Randomness added to each delay so that failed deliveries do not all come back at the same
/// moment. The formulas are those of AWS's "Exponential Backoff and Jitter".
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// The nominal delay, exactly.
    None,
    /// The nominal delay × (1 ± p), uniformly: `Proportional(0.2)` is Svix's ±20 %.
    Proportional(f64),
    /// Uniform in [0, nominal delay].
    Full,
    /// Uniform in [base, 3 × previous delay], capped at the longest nominal delay, where base
    /// is the first retry's nominal delay.
    Decorrelated,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
#[non_exhaustive]
pub enum Decision {
    /// The message was delivered.
    Done,
    /// Try again at `at`, `delay` after the attempt's end.
    Retry {
        /// When.
        at: UnixTime,
        /// How long after the attempt's end.
        delay: Duration,
    },
    /// Stop.
    GiveUp {
        /// Why.
        reason: GiveUpReason,
    },
}

impl Decision {
    /// Every decision's name, in the order of the variants.
    pub fn names() -> &'static [&'static str] {
        &["done", "retry", "give_up"]
    }

    /// The decision's name: `done`, `retry` or `give_up`.
    pub fn name(&self) -> &'static str {
        match self {
            Decision::Done => "done",
            Decision::Retry { .. } => "retry",
            Decision::GiveUp { .. } => "give_up",
        }
    }

    /// When to try again, for `Retry`.
    pub fn at(&self) -> Option<UnixTime> {
        match self {
            Decision::Retry { at, .. } => Some(*at),
            _ => None,
        }
    }

    /// How long after the attempt's end to try again, for `Retry`.
    pub fn delay(&self) -> Option<Duration> {
        match self {
            Decision::Retry { delay, .. } => Some(*delay),
            _ => None,
        }
    }

    /// Why to stop, for `GiveUp`.
    pub fn reason(&self) -> Option<GiveUpReason> {
        match self {
            Decision::GiveUp { reason } => Some(*reason),
            _ => None,
        }
    }
}

impl Jitter {
    /// Every jitter kind's name, in the order of the variants.
    pub fn names() -> &'static [&'static str] {
        &["none", "proportional", "full", "decorrelated"]
    }

    /// The jitter called `name` (`none`, `proportional`, `full`, `decorrelated`); `fraction`
    /// is the p of `proportional` and must be 0 for the others.
    ///
    /// ```
    /// use hookwire::Jitter;
    /// assert_eq!(Jitter::from_name("proportional", 0.2)?, Jitter::Proportional(0.2));
    /// assert_eq!(Jitter::from_name("full", 0.0)?, Jitter::Full);
    /// assert_eq!(Jitter::from_name("fast", 0.0).unwrap_err().code(), "invalid_argument");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn from_name(name: &str, fraction: f64) -> Result<Jitter, Error> {
        let normal = name.trim().to_ascii_lowercase();
        let kinds = [Jitter::None, Jitter::Proportional(fraction), Jitter::Full, Jitter::Decorrelated];
        let Some(jitter) = kinds.into_iter().find(|kind| kind.name() == normal) else {
            let known = kinds.map(Jitter::name).join(", ");
            return Err(Error::argument("jitter", format!("unknown jitter `{name}`; known: {known}")));
        };
        if fraction != 0.0 && !matches!(jitter, Jitter::Proportional(_)) {
            return Err(Error::argument("jitter", "a fraction is only for `proportional` jitter"));
        }
        Ok(jitter)
    }

    /// The jitter's name (`none`, `proportional`, `full`, `decorrelated`).
    pub fn name(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Proportional(_) => "proportional",
            Jitter::Full => "full",
            Jitter::Decorrelated => "decorrelated",
        }
    }
}

/// Why a delivery stops being retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GiveUpReason {
    /// Every attempt the policy allows was made.
    Exhausted,
    /// The next attempt would come later than the policy's maximum age.
    MaxAge,
    /// The answer says retrying cannot help (a permanent status, a blocked destination).
    Permanent,
    /// 410 Gone.
    EndpointGone,
    /// The receiver answered `webhook-delivery: abort-message`.
    Aborted,
    /// The receiver answered `webhook-delivery: disable`, or the endpoint is disabled.
    EndpointDisabled,
    /// The one attempt of a manual retry failed.
    ManualAttemptFailed,
}

impl GiveUpReason {
    /// Every reason.
    pub const ALL: [GiveUpReason; 7] = [
        GiveUpReason::Exhausted,
        GiveUpReason::MaxAge,
        GiveUpReason::Permanent,
        GiveUpReason::EndpointGone,
        GiveUpReason::Aborted,
        GiveUpReason::EndpointDisabled,
        GiveUpReason::ManualAttemptFailed,
    ];

    /// The reason's name (`exhausted`, `max_age`, `permanent`, ...).
    pub fn name(self) -> &'static str {
        match self {
            GiveUpReason::Exhausted => "exhausted",
            GiveUpReason::MaxAge => "max_age",
            GiveUpReason::Permanent => "permanent",
            GiveUpReason::EndpointGone => "endpoint_gone",
            GiveUpReason::Aborted => "aborted",
            GiveUpReason::EndpointDisabled => "endpoint_disabled",
            GiveUpReason::ManualAttemptFailed => "manual_attempt_failed",
        }
    }
}

/// Default minimum wait after a throttle status or a timeout.
pub const DEFAULT_THROTTLE_MIN: Duration = Duration::from_secs(60);

/// When to retry a failed delivery, and when to give up. Pure: the same inputs (and seed)
/// always give the same answer, so schedules can be tested and replayed.
///
/// Whatever a policy can ask for is bounded, so no configuration (from a user's settings, a
/// database row, a binding) can make it allocate or wait without limit: at most
/// [`MAX_ATTEMPTS`](RetryPolicy::MAX_ATTEMPTS) attempts (and table entries), delays up to
/// [`MAX_DELAY`](RetryPolicy::MAX_DELAY), growth factors up to
/// [`MAX_FACTOR`](RetryPolicy::MAX_FACTOR), a maximum age up to
/// [`MAX_AGE`](RetryPolicy::MAX_AGE); beyond, `invalid_argument`. Every constructor and `with_*`
/// setter that can fail checks the whole policy by the same rules.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{Decision, Failure, Outcome, RetryPolicy, UnixTime};
///
/// let policy = RetryPolicy::standard_webhooks();
/// let secs = |s: &[u64]| s.iter().map(|&s| Duration::from_secs(s)).collect::<Vec<_>>();
/// assert_eq!(policy.schedule(), secs(&[0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]));
///
/// // The first attempt (at t0) failed after 1 s with a 500: retry 5 s later.
/// let t0 = UnixTime::from_secs(1_700_000_000);
/// let failed = Outcome::from_response(500, &http::HeaderMap::new(), Duration::from_secs(1));
/// let now = t0 + Duration::from_secs(1);
/// assert_eq!(policy.next(1, t0, now, &failed), Decision::Retry { at: now + Duration::from_secs(5), delay: Duration::from_secs(5) });
/// // A timeout waits at least the throttle minimum (60 s).
/// let timeout = Outcome::transport(Failure::Timeout, Duration::from_secs(30));
/// let now = t0 + Duration::from_secs(30);
/// assert_eq!(policy.next(1, t0, now, &timeout).delay(), Some(Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    name: Cow<'static, str>,
    backoff: Backoff,
    max_attempts: u32,
    max_age: Option<Duration>,
    jitter: Jitter,
    throttle_min: Duration,
    seed: u64,
}

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// Declares the presets once: their names (what [`RetryPolicy::from_name`] knows, in this order)
/// and the constructor of each.
macro_rules! presets {
    ($($name:literal => $make:ident,)*) => {
        const PRESET_NAMES: &[&str] = &[$($name),*];

        fn preset(name: &str) -> Option<RetryPolicy> {
            match name {
                $($name => Some(RetryPolicy::$make()),)*
                _ => None,
            }
        }
    };
}

presets! {
    "standard-webhooks" => standard_webhooks,
    "svix" => svix,
    "ops-center" => ops_center,
    "webnet" => webnet,
    "homechef" => homechef,
    "auraconnect" => auraconnect,
}

impl RetryPolicy {
    /// The most attempts a policy makes, the first included; also the longest delay table.
    /// Real schedules have ten or so; a thousand is days of retries at any sensible pace.
    pub const MAX_ATTEMPTS: u32 = 1_000;
    /// The longest delay between two attempts (table entries, exponential initial delay and
    /// cap, throttle minimum): 30 days.
    pub const MAX_DELAY: Duration = secs(30 * DAY);
    /// The longest maximum age: 365 days.
    pub const MAX_AGE: Duration = secs(365 * DAY);
    /// The largest growth factor of an exponential backoff.
    pub const MAX_FACTOR: f64 = 10.0;

    /// A policy from a delay table (the first entry is the first attempt's delay, usually
    /// zero); at most as many attempts as the table has entries until
    /// [`with_max_attempts`](RetryPolicy::with_max_attempts) says otherwise.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hookwire::RetryPolicy;
    /// let too_long = vec![Duration::from_secs(60); 1_001];
    /// assert_eq!(RetryPolicy::table("mine", too_long).unwrap_err().code(), "invalid_argument");
    /// ```
    pub fn table(name: impl Into<Cow<'static, str>>, delays: Vec<Duration>) -> Result<RetryPolicy, Error> {
        let max_attempts = u32::try_from(delays.len()).unwrap_or(u32::MAX);
        RetryPolicy::build(name.into(), Backoff::Table(delays), max_attempts).checked()
    }

    /// A policy that sends at once, then waits `initial × factor^(n-1)` (capped at `cap`)
    /// before retry `n`, for at most `max_attempts` attempts in all.
    pub fn exponential(
        name: impl Into<Cow<'static, str>>,
        initial: Duration,
        factor: f64,
        cap: Duration,
        max_attempts: u32,
    ) -> Result<RetryPolicy, Error> {
        let backoff = Backoff::Exponential { initial, factor, cap };
        RetryPolicy::build(name.into(), backoff, max_attempts).checked()
    }

    fn build(name: Cow<'static, str>, backoff: Backoff, max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            name,
            backoff,
            max_attempts,
            max_age: None,
            jitter: Jitter::None,
            throttle_min: DEFAULT_THROTTLE_MIN,
            seed: random_seed(),
        }
    }

    /// The one place a policy's bounds are checked: every fallible constructor and setter ends
    /// here, so no path builds a policy another path would refuse.
    fn checked(self) -> Result<RetryPolicy, Error> {
        match &self.backoff {
            Backoff::Table(delays) => {
                if delays.is_empty() {
                    return Err(Error::argument(
                        "delays",
                        "must have at least one entry (the first attempt)",
                    ));
                }
                if delays.len() > RetryPolicy::MAX_ATTEMPTS as usize {
                    return Err(Error::argument(
                        "delays",
                        format!("at most {} entries (one per attempt)", RetryPolicy::MAX_ATTEMPTS),
                    ));
                }
                if delays.iter().any(|delay| *delay > RetryPolicy::MAX_DELAY) {
                    return Err(Error::argument("delays", "each delay must be at most 30 days"));
                }
            }
            Backoff::Exponential { initial, factor, cap } => {
                if !(factor.is_finite() && (1.0..=RetryPolicy::MAX_FACTOR).contains(factor)) {
                    return Err(Error::argument("factor", "must be a number from 1 to 10"));
                }
                if initial.is_zero() {
                    return Err(Error::argument(
                        "initial",
                        "must be more than zero (use a table for immediate retries)",
                    ));
                }
                if cap < initial {
                    return Err(Error::argument("cap", "must not be shorter than the initial delay"));
                }
                if *cap > RetryPolicy::MAX_DELAY {
                    return Err(Error::argument("cap", "must be at most 30 days"));
                }
            }
        }
        if !(1..=RetryPolicy::MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(Error::argument(
                "max_attempts",
                format!("must be from 1 (the first attempt) to {}", RetryPolicy::MAX_ATTEMPTS),
            ));
        }
        if self.max_age.is_some_and(|age| age > RetryPolicy::MAX_AGE) {
            return Err(Error::argument("max_age", "must be at most 365 days"));
        }
        if let Jitter::Proportional(p) = self.jitter {
            if !(p.is_finite() && p > 0.0 && p <= 1.0) {
                return Err(Error::argument("jitter", "a proportion must be in (0, 1]"));
            }
        }
        if self.throttle_min > RetryPolicy::MAX_DELAY {
            return Err(Error::argument("throttle_min", "must be at most 30 days"));
        }
        Ok(self)
    }

    /// Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    pub fn standard_webhooks() -> RetryPolicy {
        let delays =
            [0, 5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, DAY];
        RetryPolicy::preset("standard-webhooks", &delays)
    }

    /// Svix: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each ±20 %.
    pub fn svix() -> RetryPolicy {
        let delays = [0, 5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
        RetryPolicy { jitter: Jitter::Proportional(0.2), ..RetryPolicy::preset("svix", &delays) }
    }

    /// Ops Center: immediately, then 1 min, 5 min, 15 min, 1 h, 2 h and 2 h again (up to six
    /// retries; the table's last delay repeats).
    pub fn ops_center() -> RetryPolicy {
        let delays = [0, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 2 * HOUR];
        RetryPolicy { max_attempts: 7, ..RetryPolicy::preset("ops-center", &delays) }
    }

    /// webnet with its defaults: `retry_backoff` 60 s doubling, `max_retries` 3.
    pub fn webnet() -> RetryPolicy {
        RetryPolicy::doubling("webnet", 3, secs(60))
    }

    /// webnet with a webhook's own `max_retries` and `retry_backoff`.
    pub fn webnet_with(max_retries: u32, retry_backoff: Duration) -> Result<RetryPolicy, Error> {
        RetryPolicy::doubling_checked("webnet", max_retries, retry_backoff)
    }

    /// HomeChef with its defaults (`WEBHOOK_MAX_RETRIES=3`, `WEBHOOK_RETRY_DELAY=60`): 60 s,
    /// growing exponentially (doubling).
    pub fn homechef() -> RetryPolicy {
        RetryPolicy::doubling("homechef", 3, secs(60))
    }

    /// HomeChef with a webhook's own `retry_policy: {max_retries, retry_delay}`.
    pub fn homechef_with(max_retries: u32, retry_delay: Duration) -> Result<RetryPolicy, Error> {
        RetryPolicy::doubling_checked("homechef", max_retries, retry_delay)
    }

    /// AuraConnect: immediately, then 10 s, 30 s, 1 min, 5 min, 30 min; no retry later than 7
    /// days after the first attempt. (Its document says both "retried up to 5 times" with these
    /// five intervals and "failed after 5 unsuccessful attempts"; this follows the intervals: six
    /// attempts in all.)
    pub fn auraconnect() -> RetryPolicy {
        let delays = [0, 10, 30, MINUTE, 5 * MINUTE, 30 * MINUTE];
        RetryPolicy { max_age: Some(secs(7 * DAY)), ..RetryPolicy::preset("auraconnect", &delays) }
    }

    /// The preset called `name` (`standard-webhooks`, `svix`, `ops-center`, `webnet`,
    /// `homechef`, `auraconnect`): case-insensitive, `_` for `-`, and the other spellings
    /// [`Scheme::from_name`](crate::Scheme::from_name) accepts (`standardwebhooks`,
    /// `opscenter`). Errors: `invalid_argument`, listing the names.
    ///
    /// ```
    /// use hookwire::RetryPolicy;
    /// assert_eq!(RetryPolicy::from_name("OpsCenter")?.name(), "ops-center");
    /// assert_eq!(RetryPolicy::from_name("weekly").unwrap_err().code(), "invalid_argument");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn from_name(name: &str) -> Result<RetryPolicy, Error> {
        preset(&crate::names::canonical(name)).ok_or_else(|| {
            let known = PRESET_NAMES.join(", ");
            Error::argument("retry_policy", format!("unknown policy `{name}`; known: {known}"))
        })
    }

    /// The names [`from_name`](RetryPolicy::from_name) knows.
    pub fn names() -> &'static [&'static str] {
        PRESET_NAMES
    }

    fn preset(name: &'static str, delays: &[u64]) -> RetryPolicy {
        let delays: Vec<Duration> = delays.iter().map(|&s| secs(s)).collect();
        let max_attempts = u32::try_from(delays.len()).unwrap_or(u32::MAX);
        RetryPolicy::build(Cow::Borrowed(name), Backoff::Table(delays), max_attempts)
    }

    fn doubling(name: &'static str, max_retries: u32, first: Duration) -> RetryPolicy {
        let backoff = Backoff::Exponential { initial: first, factor: 2.0, cap: secs(DAY) };
        RetryPolicy::build(Cow::Borrowed(name), backoff, max_retries.saturating_add(1))
    }

    fn doubling_checked(name: &'static str, max_retries: u32, first: Duration) -> Result<RetryPolicy, Error> {
        // Named as those systems name their settings; the policy's own bounds follow.
        if first.is_zero() || first > secs(DAY) {
            return Err(Error::argument("retry delay", "must be more than 0 and at most a day"));
        }
        if max_retries >= RetryPolicy::MAX_ATTEMPTS {
            return Err(Error::argument(
                "max_retries",
                format!("must be below {} (attempts, the first included)", RetryPolicy::MAX_ATTEMPTS),
            ));
        }
        RetryPolicy::doubling(name, max_retries, first).checked()
    }

    /// At most `attempts` attempts in all, the first included (1 to
    /// [`MAX_ATTEMPTS`](RetryPolicy::MAX_ATTEMPTS)).
    ///
    /// ```
    /// use hookwire::RetryPolicy;
    /// assert_eq!(RetryPolicy::svix().with_max_attempts(20)?.schedule().len(), 20);
    /// assert_eq!(RetryPolicy::svix().with_max_attempts(u32::MAX).unwrap_err().code(), "invalid_argument");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn with_max_attempts(mut self, attempts: u32) -> Result<RetryPolicy, Error> {
        self.max_attempts = attempts;
        self.checked()
    }

    /// No retry later than `age` after the first attempt (at most
    /// [`MAX_AGE`](RetryPolicy::MAX_AGE)).
    pub fn with_max_age(mut self, age: Duration) -> Result<RetryPolicy, Error> {
        self.max_age = Some(age);
        self.checked()
    }

    /// The jitter (default none; `svix` uses ±20 %); a proportion must be in (0, 1].
    pub fn with_jitter(mut self, jitter: Jitter) -> Result<RetryPolicy, Error> {
        self.jitter = jitter;
        self.checked()
    }

    /// The minimum wait after a throttle status (429, 502, 503, 504) or a timeout (default
    /// 60 s, at most [`MAX_DELAY`](RetryPolicy::MAX_DELAY)).
    pub fn with_throttle_min(mut self, min: Duration) -> Result<RetryPolicy, Error> {
        self.throttle_min = min;
        self.checked()
    }

    /// Fixes the random source, so jittered schedules are reproducible (tests, replays).
    /// Without it each policy draws its seed from the operating system.
    pub fn with_seed(mut self, seed: u64) -> RetryPolicy {
        self.seed = seed;
        self
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The backoff.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// The jitter.
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The most attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The maximum age, if any.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The minimum wait after a throttle status or a timeout.
    pub fn throttle_min(&self) -> Duration {
        self.throttle_min
    }

    /// The seed of the jitter.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The nominal delay before each attempt (before jitter, `Retry-After` and throttling):
    /// the schedule a preset documents. At most [`MAX_ATTEMPTS`](RetryPolicy::MAX_ATTEMPTS)
    /// entries.
    pub fn schedule(&self) -> Vec<Duration> {
        (0..self.max_attempts).map(|n| self.nominal(n)).collect()
    }

    /// The nominal delay before attempt `n + 1` (`n` attempts made).
    fn nominal(&self, n: u32) -> Duration {
        match &self.backoff {
            Backoff::Table(delays) => {
                let at = usize::try_from(n).unwrap_or(usize::MAX).min(delays.len() - 1);
                delays[at]
            }
            Backoff::Exponential { initial, factor, cap } => match n {
                0 => Duration::ZERO,
                n => {
                    let exponent = i32::try_from(n - 1).unwrap_or(i32::MAX);
                    let grown = initial.as_secs_f64() * factor.powi(exponent);
                    Duration::try_from_secs_f64(grown).map_or(*cap, |d| d.min(*cap))
                }
            },
        }
    }

    /// The longest nominal delay (the cap of decorrelated jitter).
    fn longest(&self) -> Duration {
        match &self.backoff {
            Backoff::Table(delays) => delays.iter().copied().max().unwrap_or_default(),
            Backoff::Exponential { cap, .. } => *cap,
        }
    }

    /// What to do after attempt number `attempt` (1 for the first) of a message first
    /// attempted at `first_attempt_at`, which ended at `now` with `outcome`. The jitter comes
    /// from the seed, the first attempt's time and the attempt number; a delivery's own
    /// [`decide`](RetryPolicy::decide) also mixes in its id, to spread messages that started in
    /// the same millisecond.
    ///
    /// Order of rules: success → [`Decision::Done`]; gone, disable, abort, permanent → give
    /// up; attempts used up → give up; otherwise the nominal delay with jitter, at least the
    /// throttle minimum after a throttle status or timeout, then a `Retry-After` clamped to
    /// [delay, max(2 × delay, throttle minimum)]; a retry later than the maximum age → give up.
    pub fn next(
        &self,
        attempt: u32,
        first_attempt_at: UnixTime,
        now: UnixTime,
        outcome: &Outcome,
    ) -> Decision {
        self.next_keyed(0, attempt, first_attempt_at, now, outcome)
    }

    /// What to do after an attempt of the delivery whose current run is `run` (as it stood when
    /// the attempt started), which ended at `now` with `outcome`: what
    /// [`Delivery::record`](crate::Delivery::record) decides, for callers that keep the
    /// counters themselves (a database row). Success is done; a manual retry's single attempt
    /// that fails gives up ([`GiveUpReason::ManualAttemptFailed`]); otherwise
    /// [`next`](RetryPolicy::next) for attempt `run.attempts() + 1`, its jitter keyed by the
    /// delivery's id.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hookwire::{Decision, DeliveryRun, GiveUpReason, Outcome, RetryPolicy, UnixTime};
    ///
    /// let policy = RetryPolicy::standard_webhooks();
    /// let started = UnixTime::from_secs(1_700_000_000);
    /// let down = Outcome::from_response(500, &http::HeaderMap::new(), Duration::ZERO);
    /// // Loaded from a row: one attempt made before this one, the second, which failed.
    /// let run = DeliveryRun::new("dlv_1", started).with_attempts(1);
    /// let now = started + Duration::from_secs(10);
    /// assert_eq!(policy.decide(&run, &down, now).delay(), Some(Duration::from_secs(300)));
    /// let manual = run.with_manual(true);
    /// assert_eq!(policy.decide(&manual, &down, now), Decision::GiveUp { reason: GiveUpReason::ManualAttemptFailed });
    /// ```
    pub fn decide(&self, run: &DeliveryRun, outcome: &Outcome, now: UnixTime) -> Decision {
        match (run.manual(), outcome.class()) {
            (_, OutcomeClass::Success) => Decision::Done,
            (true, _) => Decision::GiveUp { reason: GiveUpReason::ManualAttemptFailed },
            (false, _) => {
                let attempt = run.attempts().saturating_add(1);
                self.next_keyed(run.key(), attempt, run.started_at(), now, outcome)
            }
        }
    }

    fn next_keyed(
        &self,
        key: u64,
        attempt: u32,
        first_attempt_at: UnixTime,
        now: UnixTime,
        outcome: &Outcome,
    ) -> Decision {
        let give_up = |reason| Decision::GiveUp { reason };
        match outcome.class() {
            OutcomeClass::Success => return Decision::Done,
            OutcomeClass::EndpointGone => return give_up(GiveUpReason::EndpointGone),
            OutcomeClass::DisableRequested => return give_up(GiveUpReason::EndpointDisabled),
            OutcomeClass::Aborted => return give_up(GiveUpReason::Aborted),
            OutcomeClass::Permanent => return give_up(GiveUpReason::Permanent),
            OutcomeClass::Retryable | OutcomeClass::Throttled => {}
        }
        if attempt >= self.max_attempts {
            return give_up(GiveUpReason::Exhausted);
        }
        let stream = mix(self.seed ^ mix(key) ^ mix(first_attempt_at.as_millis() as u64));
        let mut delay = self.jittered(attempt.max(1), stream);
        if outcome.wants_backoff() {
            delay = delay.max(self.throttle_min);
        }
        if let Some(retry_after) = outcome.retry_after() {
            // At most twice the delay, and never less room than the throttle minimum (a zero or
            // fully jittered delay would otherwise cut the receiver's request to nothing).
            let most = delay.saturating_mul(2).max(self.throttle_min).max(delay);
            delay = retry_after.delay_from(now).clamp(delay, most);
        }
        let at = now + delay;
        if let Some(max_age) = self.max_age {
            if at.duration_since(first_attempt_at) > max_age {
                return give_up(GiveUpReason::MaxAge);
            }
        }
        Decision::Retry { at, delay }
    }

    /// The delay before attempt `n + 1` with jitter drawn from `stream`.
    fn jittered(&self, n: u32, stream: u64) -> Duration {
        let nominal = self.nominal(n);
        let uniform = |i: u32| unit(mix(stream ^ u64::from(i).wrapping_mul(0xA076_1D64_78BD_642F)));
        match self.jitter {
            Jitter::None => nominal,
            Jitter::Proportional(p) => scale(nominal, 1.0 + p * (2.0 * uniform(n) - 1.0)),
            Jitter::Full => scale(nominal, uniform(n)),
            Jitter::Decorrelated => {
                // sleep = min(cap, uniform(base, 3 × sleep)), replayed from the first retry so
                // the answer depends only on the inputs.
                let (base, cap) = (self.nominal(1), self.longest());
                let mut sleep = base;
                // Each step draws afresh from [base, 3 × previous], so the chain forgets where it
                // started within a few steps: replaying the last 64 keeps this O(1).
                for i in n.saturating_sub(63).max(1)..=n {
                    let high = sleep.saturating_mul(3);
                    sleep = base.saturating_add(scale(high.saturating_sub(base), uniform(i))).min(cap);
                }
                sleep
            }
        }
    }
}

/// `span × factor` for a factor ≥ 0, saturating instead of panicking.
fn scale(span: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(span.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// SplitMix64's finaliser: a fast, well-distributed mix of 64 bits (not for secrets).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from 64 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    // Without OS randomness the jitter is still a spread, only a predictable one.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}
