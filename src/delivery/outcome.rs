//! What an attempt came to: a response classified, or a transport failure.

use std::time::Duration;

use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::{Error, UnixTime};

/// What the sender should make of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeClass {
    /// 2xx: delivered.
    Success,
    /// Worth another attempt later (5xx, most 4xx, 3xx, timeouts, refused connections).
    Retryable,
    /// The receiver is overloaded (429, 502, 503, 504): retry, but not before the throttle
    /// minimum and any `Retry-After`.
    Throttled,
    /// Retrying cannot help (a status configured as permanent, a blocked destination).
    Permanent,
    /// 410 Gone: the endpoint no longer exists; disable it.
    EndpointGone,
    /// The receiver answered `webhook-delivery: abort-message`: drop this message, keep the
    /// endpoint.
    Aborted,
    /// The receiver answered `webhook-delivery: disable` (on a non-2xx): drop the message and
    /// disable the endpoint.
    DisableRequested,
}

impl OutcomeClass {
    /// Every class.
    pub const ALL: [OutcomeClass; 7] = [
        OutcomeClass::Success,
        OutcomeClass::Retryable,
        OutcomeClass::Throttled,
        OutcomeClass::Permanent,
        OutcomeClass::EndpointGone,
        OutcomeClass::Aborted,
        OutcomeClass::DisableRequested,
    ];

    /// The class's name (`success`, `retryable`, `throttled`, `permanent`, `endpoint_gone`,
    /// `aborted`, `disable_requested`).
    pub fn name(self) -> &'static str {
        match self {
            OutcomeClass::Success => "success",
            OutcomeClass::Retryable => "retryable",
            OutcomeClass::Throttled => "throttled",
            OutcomeClass::Permanent => "permanent",
            OutcomeClass::EndpointGone => "endpoint_gone",
            OutcomeClass::Aborted => "aborted",
            OutcomeClass::DisableRequested => "disable_requested",
        }
    }
}

/// Why no response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Failure {
    /// The receiver did not answer within the timeout.
    Timeout,
    /// The connection was refused or reset.
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// The host name did not resolve.
    Dns,
    /// The [`UrlGuard`](crate::UrlGuard) refused the destination.
    Blocked,
    /// The request could not be built as configured (a body over the endpoint's limit, a secret
    /// the scheme cannot use, an id it cannot send): retrying cannot help until the
    /// configuration changes. A refused destination is [`Blocked`](Failure::Blocked).
    InvalidRequest,
    /// Anything else the client reported.
    Other,
}

impl Failure {
    /// Every failure kind.
    pub const ALL: [Failure; 7] = [
        Failure::Timeout,
        Failure::Connect,
        Failure::Tls,
        Failure::Dns,
        Failure::Blocked,
        Failure::InvalidRequest,
        Failure::Other,
    ];

    /// The failure called `name` (`timeout`, `connect`, `tls`, `dns`, `blocked`,
    /// `invalid_request`, `other`).
    ///
    /// ```
    /// assert_eq!(hookwire::Failure::from_name("tls")?, hookwire::Failure::Tls);
    /// assert_eq!(hookwire::Failure::from_name("eof").unwrap_err().code(), "invalid_argument");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn from_name(name: &str) -> Result<Failure, Error> {
        let normal = name.trim().to_ascii_lowercase();
        Failure::ALL.into_iter().find(|f| f.name() == normal).ok_or_else(|| {
            let known = Failure::ALL.map(Failure::name).join(", ");
            Error::argument("failure", format!("unknown failure `{name}`; known: {known}"))
        })
    }

    /// The failure's name (`timeout`, `connect`, `tls`, `dns`, `blocked`, `invalid_request`,
    /// `other`).
    pub fn name(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Connect => "connect",
            Failure::Tls => "tls",
            Failure::Dns => "dns",
            Failure::Blocked => "blocked",
            Failure::InvalidRequest => "invalid_request",
            Failure::Other => "other",
        }
    }

    /// The failure of an attempt whose request could not be made: `blocked_url` is
    /// [`Blocked`](Failure::Blocked), any other error of
    /// [`Endpoint::request`](crate::Endpoint::request) [`InvalidRequest`](Failure::InvalidRequest).
    /// Both are permanent: retrying the same request cannot help.
    ///
    /// ```
    /// use hookwire::{Error, Failure};
    /// assert_eq!(Failure::of(&Error::PayloadTooLarge { size: 2, limit: 1 }), Failure::InvalidRequest);
    /// ```
    pub fn of(error: &Error) -> Failure {
        match error {
            Error::BlockedUrl { .. } => Failure::Blocked,
            _ => Failure::InvalidRequest,
        }
    }
}

/// A receiver's `Retry-After`: a number of seconds or an HTTP date (RFC 9110 has no other form,
/// so a match on both is complete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    At(UnixTime),
}

impl RetryAfter {
    /// Reads a `Retry-After` value: `delay-seconds` (digits only) or an HTTP date (IMF-fixdate,
    /// and the obsolete RFC 850 and asctime forms that RFC 9110 requires recipients to accept).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hookwire::{RetryAfter, UnixTime};
    ///
    /// assert_eq!(RetryAfter::parse("120")?, RetryAfter::Delay(Duration::from_secs(120)));
    /// assert_eq!(RetryAfter::parse("Thu, 01 Jan 1970 00:01:00 GMT")?, RetryAfter::At(UnixTime::from_secs(60)));
    /// assert_eq!(RetryAfter::parse("soon").unwrap_err().code(), "malformed_header");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn parse(value: &str) -> Result<RetryAfter, Error> {
        let value = value.trim_matches([' ', '\t']);
        let malformed = |reason: &'static str| Error::MalformedHeader {
            header: "retry-after".into(),
            reason: reason.into(),
        };
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // Beyond u32 seconds (136 years) a delay means nothing a sender can honour.
            let seconds: u32 = value.parse().map_err(|_| malformed("delay-seconds out of range"))?;
            return Ok(RetryAfter::Delay(Duration::from_secs(seconds.into())));
        }
        let at = httpdate::parse_http_date(value)
            .map_err(|_| malformed("neither delay-seconds nor an HTTP date"))?;
        Ok(RetryAfter::At(UnixTime::from_system_time(at)))
    }

    /// How long to wait from `now`; a date in the past means no wait.
    pub fn delay_from(self, now: UnixTime) -> Duration {
        match self {
            RetryAfter::Delay(delay) => delay,
            RetryAfter::At(at) => at.duration_since(now),
        }
    }
}

/// The result of one attempt, classified. Build it with [`Outcome::from_response`] /
/// [`Outcome::transport`] (default classes) or a configured [`Classifier`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    class: OutcomeClass,
    status: Option<u16>,
    failure: Option<Failure>,
    retry_after: Option<RetryAfter>,
    elapsed: Duration,
    /// The receiver asked to be disabled (possibly while accepting this message).
    #[serde(default)]
    disable: bool,
}

impl Outcome {
    /// A response classified by the default [`Classifier`] (the Standard Webhooks classes).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hookwire::{Outcome, OutcomeClass};
    ///
    /// let headers = http::HeaderMap::new();
    /// let class = |status| Outcome::from_response(status, &headers, Duration::ZERO).class();
    /// assert_eq!(class(204), OutcomeClass::Success);
    /// assert_eq!(class(301), OutcomeClass::Retryable); // redirects are never followed
    /// assert_eq!(class(410), OutcomeClass::EndpointGone);
    /// assert_eq!(class(429), OutcomeClass::Throttled);
    /// assert_eq!(class(500), OutcomeClass::Retryable);
    /// ```
    pub fn from_response(status: u16, headers: &HeaderMap, elapsed: Duration) -> Outcome {
        Classifier::default().response(status, headers, elapsed)
    }

    /// No response: the request failed in transport.
    pub fn transport(failure: Failure, elapsed: Duration) -> Outcome {
        Classifier::default().transport(failure, elapsed)
    }

    /// The class.
    pub fn class(&self) -> OutcomeClass {
        self.class
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The transport failure, when no response arrived.
    pub fn failure(&self) -> Option<Failure> {
        self.failure
    }

    /// The receiver's `Retry-After`, when it sent a valid one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.retry_after
    }

    /// How long the attempt took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether the message was delivered.
    pub fn is_success(&self) -> bool {
        self.class == OutcomeClass::Success
    }

    /// Whether the endpoint should be disabled at once: 410 Gone, or `webhook-delivery:
    /// disable` (even on a 2xx, which still delivers this message).
    pub fn disables_endpoint(&self) -> bool {
        self.disable || self.class == OutcomeClass::EndpointGone
    }

    /// Whether the retry policy should wait at least its throttle minimum (a throttle status
    /// or a timeout: the receiver is slow or overloaded).
    pub fn wants_backoff(&self) -> bool {
        self.class == OutcomeClass::Throttled || self.failure == Some(Failure::Timeout)
    }
}

/// Classifies responses. The default follows the Standard Webhooks spec: 2xx success; 3xx a
/// failure (never followed); 410 gone; 429, 502, 503, 504 throttled; every other status
/// retryable. Statuses can be made permanent, and a receiver's `webhook-delivery` answer
/// (`abort-message`, `disable`) is honoured.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{Classifier, OutcomeClass};
///
/// let classifier = Classifier::default().with_permanent([400, 401, 403]);
/// let outcome = classifier.response(401, &http::HeaderMap::new(), Duration::ZERO);
/// assert_eq!(outcome.class(), OutcomeClass::Permanent);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classifier {
    permanent: Vec<u16>,
    throttle: Vec<u16>,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier { permanent: Vec::new(), throttle: vec![429, 502, 503, 504] }
    }
}

/// The response header a receiver uses to steer the sender.
const DELIVERY_HEADER: &str = "webhook-delivery";

impl Classifier {
    /// Adds statuses that retrying cannot fix (such as 400, 401, 403, 404 for a sender that
    /// prefers to fail fast).
    pub fn with_permanent(mut self, statuses: impl IntoIterator<Item = u16>) -> Classifier {
        self.permanent.extend(statuses);
        self
    }

    /// Replaces the throttle statuses (default 429, 502, 503, 504).
    pub fn with_throttle(mut self, statuses: impl IntoIterator<Item = u16>) -> Classifier {
        self.throttle = statuses.into_iter().collect();
        self
    }

    /// The statuses classified permanent.
    pub fn permanent(&self) -> &[u16] {
        &self.permanent
    }

    /// The statuses classified throttled.
    pub fn throttle(&self) -> &[u16] {
        &self.throttle
    }

    /// Classifies a response. A malformed `Retry-After` is ignored (the schedule applies).
    pub fn response(&self, status: u16, headers: &HeaderMap, elapsed: Duration) -> Outcome {
        let directive = headers
            .get_all(DELIVERY_HEADER)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|token| token.trim().to_ascii_lowercase())
            .fold(None, |strongest, token| match token.as_str() {
                "disable" => Some(OutcomeClass::DisableRequested),
                "abort-message" if strongest.is_none() => Some(OutcomeClass::Aborted),
                _ => strongest,
            });
        let class = match (status, directive) {
            (200..=299, _) => OutcomeClass::Success,
            (_, Some(directive)) => directive,
            (410, _) => OutcomeClass::EndpointGone,
            (status, _) if self.permanent.contains(&status) => OutcomeClass::Permanent,
            (status, _) if self.throttle.contains(&status) => OutcomeClass::Throttled,
            _ => OutcomeClass::Retryable,
        };
        let retry_after = headers
            .get(http::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| RetryAfter::parse(value).ok());
        let disable = directive == Some(OutcomeClass::DisableRequested);
        Outcome { class, status: Some(status), failure: None, retry_after, elapsed, disable }
    }

    /// Classifies a transport failure: a blocked destination or a request that cannot be built
    /// is permanent (the caller's configuration must change), everything else is retryable.
    pub fn transport(&self, failure: Failure, elapsed: Duration) -> Outcome {
        let class = match failure {
            Failure::Blocked | Failure::InvalidRequest => OutcomeClass::Permanent,
            _ => OutcomeClass::Retryable,
        };
        Outcome { class, status: None, failure: Some(failure), retry_after: None, elapsed, disable: false }
    }
}
