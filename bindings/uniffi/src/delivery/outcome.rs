//! `Outcome`: what an attempt came to.

use std::sync::Arc;
use std::time::Duration;

use hookwire::Failure;

use crate::convert::{header_map, Headers};
use crate::error::{argument, run, WebhookError};

/// The result of one attempt, classified by the Standard Webhooks rules: 2xx success, 410
/// endpoint gone, 429/502/503/504 throttled, everything else retryable.
///
/// ```kotlin
/// val outcome = Outcome.response(503, mapOf("retry-after" to "120"), Duration.ofMillis(80))
/// outcome.outcomeClass()   // "throttled"
/// ```
#[derive(uniffi::Object)]
pub struct Outcome(pub(crate) hookwire::Outcome);

#[uniffi::export]
impl Outcome {
    /// A response: its status, headers (`Retry-After`, `webhook-delivery`) and how long the
    /// attempt took (default zero).
    #[uniffi::constructor(default(headers = None, elapsed = None))]
    pub fn response(
        status: i32,
        headers: Option<Headers>,
        elapsed: Option<Duration>,
    ) -> Result<Arc<Outcome>, WebhookError> {
        run(|| {
            let status =
                u16::try_from(status).map_err(|_| argument("status", format!("{status} is not a status")))?;
            let headers = header_map(headers.map(|h| h.0).unwrap_or_default())?;
            Ok(Arc::new(Outcome(hookwire::Outcome::from_response(
                status,
                &headers,
                elapsed.unwrap_or_default(),
            ))))
        })
    }

    /// No response: `timeout`, `connect`, `tls`, `dns`, `blocked`, `invalid_request` or `other`, after `elapsed`
    /// (default zero).
    #[uniffi::constructor(default(elapsed = None))]
    pub fn transport(failure: String, elapsed: Option<Duration>) -> Result<Arc<Outcome>, WebhookError> {
        run(|| {
            let failure = Failure::from_name(&failure)?;
            Ok(Arc::new(Outcome(hookwire::Outcome::transport(failure, elapsed.unwrap_or_default()))))
        })
    }

    /// `success`, `retryable`, `throttled`, `permanent`, `endpoint_gone`, `aborted` or
    /// `disable_requested`.
    pub fn outcome_class(&self) -> String {
        self.0.class().name().to_owned()
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<i32> {
        self.0.status().map(i32::from)
    }

    /// The transport failure's name, when no response arrived.
    pub fn failure(&self) -> Option<String> {
        self.0.failure().map(|f| f.name().to_owned())
    }

    /// How long the attempt took.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }

    /// Whether the message was delivered.
    pub fn is_success(&self) -> bool {
        self.0.is_success()
    }

    /// Whether the endpoint should be disabled at once (410, or `webhook-delivery: disable`).
    pub fn disables_endpoint(&self) -> bool {
        self.0.disables_endpoint()
    }
}
