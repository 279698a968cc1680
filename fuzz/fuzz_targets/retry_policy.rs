//! Any numbers as a retry policy: construction is refused with `invalid_argument` or gives a
//! policy whose schedule and decisions stay within the documented bounds (a policy used to be
//! able to ask for 2^32 attempts, and `schedule()` then allocated 64 GB).
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use hookwire::{Decision, Jitter, Outcome, RetryPolicy, UnixTime};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    kind: u8,
    delays_ms: Vec<u64>,
    initial_ms: u64,
    factor: f64,
    cap_ms: u64,
    attempts: u32,
    retries: u32,
    max_age_ms: Option<u64>,
    throttle_ms: Option<u64>,
    jitter: u8,
    proportion: f64,
    seed: u64,
    steps: Vec<(u32, i64, u16)>,
}

fn check(input: &Input) -> Result<RetryPolicy, hookwire::Error> {
    let ms = Duration::from_millis;
    let mut policy = match input.kind % 5 {
        0 => RetryPolicy::table("t", input.delays_ms.iter().map(|&d| ms(d)).collect())?,
        1 => RetryPolicy::exponential(
            "e",
            ms(input.initial_ms),
            input.factor,
            ms(input.cap_ms),
            input.attempts,
        )?,
        2 => RetryPolicy::webnet_with(input.retries, ms(input.initial_ms))?,
        3 => RetryPolicy::homechef_with(input.retries, ms(input.initial_ms))?,
        _ => RetryPolicy::svix().with_max_attempts(input.attempts)?,
    };
    if let Some(age) = input.max_age_ms {
        policy = policy.with_max_age(ms(age))?;
    }
    if let Some(min) = input.throttle_ms {
        policy = policy.with_throttle_min(ms(min))?;
    }
    let jitter = match input.jitter % 4 {
        0 => Jitter::None,
        1 => Jitter::Proportional(input.proportion),
        2 => Jitter::Full,
        _ => Jitter::Decorrelated,
    };
    policy.with_jitter(jitter).map(|p| p.with_seed(input.seed))
}

fuzz_target!(|input: Input| {
    let policy = match check(&input) {
        Ok(policy) => policy,
        Err(err) => {
            assert_eq!(err.code(), "invalid_argument", "{err}");
            return;
        }
    };
    let schedule = policy.schedule();
    assert!(!schedule.is_empty() && schedule.len() <= RetryPolicy::MAX_ATTEMPTS as usize);
    assert!(schedule.iter().all(|delay| *delay <= RetryPolicy::MAX_DELAY), "{schedule:?}");
    assert!(policy.max_age().is_none_or(|age| age <= RetryPolicy::MAX_AGE));
    for &(attempt, now, status) in input.steps.iter().take(8) {
        let outcome = Outcome::from_response(status, &http::HeaderMap::new(), Duration::ZERO);
        let now = UnixTime::from_millis(now);
        if let Decision::Retry { at, delay } = policy.next(attempt, UnixTime::EPOCH, now, &outcome) {
            assert!(at >= now, "{at} < {now}");
            assert!(attempt < policy.max_attempts(), "retry after the last attempt");
            let _ = delay;
        }
    }
});
