//! `Endpoint`: one destination and everything a sender decides for it, backed by the core's
//! `hookwire::Endpoint`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hookwire::{OutgoingMessage, Scheme, UrlGuard};

use crate::convert::{instant_or_now, signed, unsigned, Headers, MultiHeaders};
use crate::delivery::policy::RetryPolicy;
use crate::delivery::url_guard::CheckedUrl;
use crate::error::{run, WebhookError};
use crate::event::Event;
use crate::subscription::Subscription;

/// A pace: at most `capacity` deliveries per `period`, with bursts up to `capacity`.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Deliveries per period (the largest burst), ≥ 1.
    pub capacity: i64,
    /// The period, ≥ 1 ms.
    pub period: Duration,
}

/// One attempt's request, for any HTTP client: `POST` the body to the URL with these headers.
#[derive(uniffi::Record)]
pub struct Request {
    /// `POST`.
    pub method: String,
    /// The endpoint's URL.
    pub url: String,
    /// Content-Type, User-Agent, the endpoint's headers and the scheme's (signatures, id,
    /// timestamp, event), each name with its values in order.
    pub headers: MultiHeaders,
    /// The body, exactly as signed.
    pub body: Vec<u8>,
}

/// Where a sender delivers and how: the URL, the scheme and every secret (each request carries
/// a signature per secret, so a rotation needs no downtime), which events go there, custom
/// headers, the retry policy, the pace, the receiver's time to answer and the largest body.
/// Immutable.
///
/// ```kotlin
/// val endpoint = Endpoint("https://hooks.example.com/orders", listOf(oldSecret, newSecret),
///     scheme = "standard-webhooks", subscription = Subscription(listOf("order.*")),
///     retry = RetryPolicy.fromName("svix"), timeout = Duration.ofSeconds(10))
/// val request = endpoint.request(body, "msg_1", "order.created")   // signed now, with both secrets
/// ```
///
/// Only the URL's text is judged here (`blocked_url`); resolve a host name yourself, pass every
/// address to `UrlGuard.checkResolved` and connect to the one it returns.
#[derive(uniffi::Object)]
pub struct Endpoint(hookwire::Endpoint);

#[uniffi::export]
impl Endpoint {
    /// An endpoint at `url` (absolute http or https) signing with every secret of `secrets`
    /// (their text: `whsec_…`, a provider's text, `whsk_…`) in `scheme`. Defaults: every event,
    /// the `standard-webhooks` retry policy, no custom header, 30 s to answer, no pace, 1 MiB
    /// bodies; `allow_private` lets requests go to private networks and loopback (an internal
    /// receiver on purpose; never the cloud metadata address). Errors: `invalid_argument`,
    /// `invalid_secret`, `unknown_scheme`.
    #[uniffi::constructor(default(
        scheme = "hookwire",
        subscription = None,
        retry = None,
        headers = None,
        timeout = None,
        rate_limit = None,
        max_payload = None,
        allow_private = false
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        url: String,
        secrets: Vec<String>,
        scheme: String,
        subscription: Option<Arc<Subscription>>,
        retry: Option<Arc<RetryPolicy>>,
        headers: Option<Headers>,
        timeout: Option<Duration>,
        rate_limit: Option<RateLimit>,
        max_payload: Option<i64>,
        allow_private: bool,
    ) -> Result<Arc<Endpoint>, WebhookError> {
        let secrets = zeroize::Zeroizing::new(secrets);
        run(|| {
            let secrets =
                secrets.iter().map(|s| hookwire::Secret::parse(s)).collect::<Result<Vec<_>, _>>()?;
            let mut endpoint = hookwire::Endpoint::new(&url, Scheme::from_name(&scheme)?, secrets)?;
            if let Some(subscription) = subscription {
                endpoint = endpoint.with_subscription(subscription.0.clone());
            }
            if let Some(retry) = retry {
                endpoint = endpoint.with_retry_policy(retry.0.clone());
            }
            for (name, value) in headers.map(|h| h.0).unwrap_or_default() {
                endpoint = endpoint.with_header(&name, &value)?;
            }
            if let Some(timeout) = timeout {
                endpoint = endpoint.with_timeout(timeout)?;
            }
            if let Some(rate) = rate_limit {
                let capacity = unsigned("rate_limit", rate.capacity)?;
                endpoint = endpoint.with_rate_limit(hookwire::RateLimit::new(capacity, rate.period)?);
            }
            if let Some(bytes) = max_payload {
                endpoint = endpoint.with_max_payload(unsigned("max_payload", bytes)?);
            }
            if allow_private {
                endpoint = endpoint.with_url_guard(UrlGuard::allowing_private_networks());
            }
            Ok(Arc::new(Endpoint(endpoint)))
        })
    }

    /// The request of one attempt of message `msg_id` (the same id on every attempt: receivers
    /// deduplicate on it) with `body`, signed at `now` (default: the clock; pass each attempt's
    /// start, so the timestamp is fresh) with every secret; `event_type` goes in the scheme's
    /// event header. Errors: `payload_too_large`, `blocked_url`, `invalid_argument`.
    #[uniffi::method(default(event_type = None, now = None))]
    pub fn request(
        &self,
        body: Vec<u8>,
        msg_id: String,
        event_type: Option<String>,
        now: Option<SystemTime>,
    ) -> Result<Request, WebhookError> {
        run(|| {
            let now = instant_or_now("now", now)?;
            let mut message = OutgoingMessage::new(msg_id, body);
            if let Some(event_type) = event_type {
                message = message.with_event_type(event_type);
            }
            let request = self.0.request(&message, now)?;
            let headers = request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
                })
                .collect();
            Ok(Request {
                method: request.method().to_string(),
                url: request.uri().to_string(),
                headers: MultiHeaders(headers),
                body: request.into_body(),
            })
        })
    }

    /// Whether `event` goes to this endpoint (its subscription).
    pub fn matches(&self, event: Arc<Event>) -> bool {
        self.0.subscription().matches(event.core())
    }

    /// The URL judged by the endpoint's guard, as every request judges it: refuse an endpoint
    /// when it is configured rather than at its first attempt. Errors: `blocked_url`.
    pub fn check_url(&self) -> Result<CheckedUrl, WebhookError> {
        run(|| Ok(self.0.check_url()?.into()))
    }

    /// The URL.
    pub fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// The scheme's name.
    pub fn scheme(&self) -> String {
        self.0.signer().scheme().name().to_owned()
    }

    /// Which events go here.
    pub fn subscription(&self) -> Arc<Subscription> {
        Arc::new(Subscription(self.0.subscription().clone()))
    }

    /// The custom headers, each name with its values in order.
    pub fn headers(&self) -> MultiHeaders {
        MultiHeaders(
            self.0
                .headers()
                .iter()
                .map(|(name, value)| {
                    (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
                })
                .collect(),
        )
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> Arc<RetryPolicy> {
        Arc::new(RetryPolicy(self.0.retry_policy().clone()))
    }

    /// The receiver's time to answer.
    pub fn timeout(&self) -> Duration {
        self.0.timeout()
    }

    /// The pace, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.0.rate_limit().map(|rate| RateLimit { capacity: signed(rate.capacity()), period: rate.period() })
    }

    /// The largest body sent, bytes.
    pub fn max_payload(&self) -> i64 {
        signed(self.0.max_payload())
    }
}
