//! Any text as a `Retry-After` value: a typed error or a value that reads back the same, and
//! whatever the receiver sends, the policy's delay stays within [scheduled, 2 × scheduled].
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use hookwire::{Decision, Outcome, RetryAfter, RetryPolicy, UnixTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match RetryAfter::parse(text) {
        Err(err) => assert_eq!(err.code(), "malformed_header"),
        Ok(RetryAfter::Delay(delay)) => {
            assert_eq!(RetryAfter::parse(&delay.as_secs().to_string()), Ok(RetryAfter::Delay(delay)));
        }
        Ok(RetryAfter::At(at)) => {
            // Written back as an IMF-fixdate, the date reads as the same instant.
            if let Ok(millis) = u64::try_from(at.as_millis()) {
                let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(millis));
                assert_eq!(RetryAfter::parse(&date), Ok(RetryAfter::At(at)), "{date}");
            }
        }
    }
    let Ok(value) = http::HeaderValue::from_str(text) else { return };
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::RETRY_AFTER, value);
    let policy = RetryPolicy::standard_webhooks();
    for (attempt, scheduled) in [(1u32, 60u64), (2, 300), (9, 86_400)] {
        let outcome = Outcome::from_response(503, &headers, Duration::ZERO);
        match policy.next(attempt, UnixTime::EPOCH, UnixTime::from_millis(1_700_000_000_000), &outcome) {
            Decision::Retry { delay, .. } => {
                assert!(
                    delay >= Duration::from_secs(scheduled) && delay <= Duration::from_secs(2 * scheduled),
                    "{delay:?}"
                );
            }
            other => panic!("a 503 within the attempts is retried: {other:?}"),
        }
    }
});
