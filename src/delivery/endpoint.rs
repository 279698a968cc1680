//! Endpoints: where a sender delivers, which events go there, how each attempt's request is
//! signed and built, and how failures are retried, paced and judged.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderValue, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderMap, HeaderName, Method, Request};

use super::url_guard::shown_url;
use super::{CheckedUrl, HealthPolicy, OutgoingMessage, RateLimit, RetryPolicy, UrlGuard};
use crate::{Error, Scheme, Secret, Signer, Subscription, UnixTime};

/// The `User-Agent` hookwire sends: `hookwire/<version>`.
pub const USER_AGENT: &str = concat!("hookwire/", env!("CARGO_PKG_VERSION"));

/// Default largest body an [`Endpoint`] sends: 1 MiB (HomeChef's limit; AuraConnect's is
/// 256 KB).
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

/// Default time a receiver has to answer: 30 s (Ops Center and HomeChef use 30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Headers that frame or route the request belong to the HTTP client: a wrong Content-Length or
/// Transfer-Encoding could smuggle a second request on a shared connection.
const CLIENT_HEADERS: [&str; 10] = [
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];

/// One destination of webhooks and everything a sender decides for it: the URL, the scheme and
/// every active secret (one [`Signer`]: each request carries a signature per secret, so
/// rotation needs no downtime), which events go there ([`Subscription`]), custom headers, the
/// retry policy, the pace, the receiver's time to answer, when the endpoint counts as broken
/// ([`HealthPolicy`]), the largest body, and the [`UrlGuard`] its requests pass.
///
/// [`request`](Endpoint::request) builds each attempt's request: `POST` to the URL with the
/// body, signed afresh at the attempt's time (new timestamp, same id), with `Content-Type`,
/// `User-Agent: hookwire/<version>`, the custom headers and the scheme's headers (which win over
/// custom ones).
///
/// **The URL text is all a sans-IO endpoint can check**: when the host is a name, resolve it
/// yourself, pass every address to [`UrlGuard::check_resolved`] (see
/// [`url_guard`](Endpoint::url_guard)) and connect to the address it returns, not to a fresh
/// lookup of the name; otherwise a name that points inside your network (or is rebound to do so
/// between check and connect) gets through. Redirects must not be followed.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{sample, Endpoint, OutgoingMessage, RateLimit, RetryPolicy, Scheme, Secret, Subscription, UnixTime};
///
/// let endpoint = Endpoint::new("https://hooks.example.com/orders", Scheme::auraconnect(), [Secret::parse("s3cr3t-aura")?])?
///     .with_subscription(Subscription::new(["order.*"])?.with_filter("restaurant_id", 1))
///     .with_header("X-Tenant", "kitchen-7")?
///     .with_retry_policy(RetryPolicy::auraconnect())
///     .with_rate_limit(RateLimit::per_hour(1000)?)
///     .with_timeout(Duration::from_secs(10))?
///     .with_max_payload(256 * 1024);
///
/// let order = sample("order.created")?;
/// assert!(endpoint.subscription().matches(&order));
/// let message = OutgoingMessage::from_event("msg_1", &order);
/// let request = endpoint.request(&message, UnixTime::now())?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.headers()["content-type"], "application/json");
/// assert_eq!(request.headers()["x-tenant"], "kitchen-7");
/// assert_eq!(request.headers()["x-auraconnect-event"], "order.created");
/// assert!(request.headers()["x-auraconnect-signature"].to_str().unwrap().starts_with("sha256="));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Endpoint {
    url: http::Uri,
    signer: Signer,
    subscription: Subscription,
    headers: HeaderMap,
    retry_policy: RetryPolicy,
    rate_limit: Option<RateLimit>,
    timeout: Duration,
    health_policy: HealthPolicy,
    max_payload: usize,
    content_type: HeaderValue,
    url_guard: UrlGuard,
}

impl Endpoint {
    /// An endpoint at `url` (absolute `http` or `https`), signing with `scheme` and every secret
    /// of `secrets`, with the defaults: every event (`*`), no custom header, the
    /// `standard-webhooks` retry policy, no pace, 30 s to answer, the default
    /// [`HealthPolicy`], 1 MiB bodies, `application/json`, the default [`UrlGuard`].
    ///
    /// Errors: `invalid_argument` for a URL that is not one; `invalid_secret` for no secret or
    /// one the scheme cannot use. The guard judges the URL on every
    /// [`request`](Endpoint::request) (and [`check_url`](Endpoint::check_url)), after
    /// [`with_url_guard`](Endpoint::with_url_guard) has had its say.
    pub fn new(
        url: &str,
        scheme: Scheme,
        secrets: impl IntoIterator<Item = Secret>,
    ) -> Result<Endpoint, Error> {
        let uri: http::Uri =
            url.parse().map_err(|_| Error::argument("url", format!("`{}` is not a URL", shown_url(url))))?;
        match uri.scheme_str() {
            Some("http" | "https") if uri.host().is_some() => {}
            _ => return Err(Error::argument("url", "must be an absolute http:// or https:// URL")),
        }
        Ok(Endpoint {
            url: uri,
            signer: Signer::try_from_secrets(scheme, secrets)?,
            subscription: Subscription::everything(),
            headers: HeaderMap::new(),
            retry_policy: RetryPolicy::standard_webhooks(),
            rate_limit: None,
            timeout: DEFAULT_TIMEOUT,
            health_policy: HealthPolicy::default(),
            max_payload: DEFAULT_MAX_PAYLOAD,
            content_type: HeaderValue::from_static("application/json"),
            url_guard: UrlGuard::default(),
        })
    }

    /// Which events go to this endpoint (default: every event, `*`).
    pub fn with_subscription(mut self, subscription: Subscription) -> Endpoint {
        self.subscription = subscription;
        self
    }

    /// Adds a custom header sent with every request (the scheme's own headers win). Errors:
    /// `invalid_argument` for a name or value that is not one, and for the headers the HTTP
    /// client sets (`Content-Length`, `Host`, `Transfer-Encoding`, ...).
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Endpoint, Error> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::argument("header", format!("`{name}` is not a header name")))?;
        if CLIENT_HEADERS.contains(&name.as_str()) {
            return Err(Error::argument(
                "header",
                format!("`{name}` is set by the HTTP client, not by an endpoint"),
            ));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::argument("header", "a header value must be visible ASCII"))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// The retry policy (default: `standard-webhooks`).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Endpoint {
        self.retry_policy = policy;
        self
    }

    /// Paces deliveries to this endpoint (default: no pace); keep one
    /// [`TokenBucket`](crate::TokenBucket) per endpoint ([`RateLimit::bucket`]).
    pub fn with_rate_limit(mut self, rate: RateLimit) -> Endpoint {
        self.rate_limit = Some(rate);
        self
    }

    /// How long the receiver has to answer (default 30 s). Errors: `invalid_argument` for zero.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Endpoint, Error> {
        if timeout.is_zero() {
            return Err(Error::argument("timeout", "must be more than zero"));
        }
        self.timeout = timeout;
        Ok(self)
    }

    /// When the endpoint counts as broken (default: [`HealthPolicy::default`]).
    pub fn with_health_policy(mut self, policy: HealthPolicy) -> Endpoint {
        self.health_policy = policy;
        self
    }

    /// The largest body to send (default 1 MiB); larger ones are `payload_too_large`.
    pub fn with_max_payload(mut self, bytes: usize) -> Endpoint {
        self.max_payload = bytes;
        self
    }

    /// The `Content-Type` (default `application/json`). Errors: `invalid_argument`.
    pub fn with_content_type(mut self, value: &str) -> Result<Endpoint, Error> {
        self.content_type = HeaderValue::from_str(value)
            .map_err(|_| Error::argument("content_type", "not a valid header value"))?;
        Ok(self)
    }

    /// The guard the endpoint's requests pass (default: [`UrlGuard::default`]; an internal
    /// receiver on purpose: [`UrlGuard::allowing_private_networks`]).
    pub fn with_url_guard(mut self, guard: UrlGuard) -> Endpoint {
        self.url_guard = guard;
        self
    }

    /// The URL.
    pub fn url(&self) -> &http::Uri {
        &self.url
    }

    /// The signer: the scheme and every secret.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Which events go to this endpoint.
    pub fn subscription(&self) -> &Subscription {
        &self.subscription
    }

    /// The custom headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// The pace, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// The receiver's time to answer.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// When the endpoint counts as broken.
    pub fn health_policy(&self) -> &HealthPolicy {
        &self.health_policy
    }

    /// The largest body sent.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// The `Content-Type` sent.
    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// The guard the requests pass, for checking resolved addresses.
    pub fn url_guard(&self) -> &UrlGuard {
        &self.url_guard
    }

    /// The URL, judged by the endpoint's guard (what every request checks, after the body's
    /// size): a way to refuse an endpoint when it is configured rather than at its first
    /// attempt. Errors: `blocked_url`.
    pub fn check_url(&self) -> Result<CheckedUrl, Error> {
        self.url_guard.check_uri(&self.url)
    }

    /// The request of one attempt of `message`, signed at `now` (the attempt's start: pass the
    /// current time on every attempt, so the timestamp is fresh).
    ///
    /// Errors: `payload_too_large`, `blocked_url`, and the signer's (`invalid_argument` for an
    /// unusable id or event type). [`Failure::of`](crate::Failure::of) turns one into the
    /// attempt's outcome.
    pub fn request(&self, message: &OutgoingMessage, now: UnixTime) -> Result<Request<Vec<u8>>, Error> {
        let body = message.body();
        if body.len() > self.max_payload {
            return Err(Error::PayloadTooLarge { size: body.len(), limit: self.max_payload });
        }
        self.check_url()?;
        let timestamp = now.as_secs();
        let signed = match message.event_type() {
            Some(event_type) => self.signer.sign_event(message.id(), timestamp, event_type, body)?,
            None => self.signer.sign(message.id(), timestamp, body)?,
        };
        let mut request = Request::new(body.to_vec());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.url.clone();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, self.content_type.clone());
        headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
        for name in self.headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in signed {
            if let Some(name) = name {
                headers.insert(name, value);
            }
        }
        Ok(request)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &shown_url(&self.url.to_string()))
            .field("signer", &self.signer)
            .field("subscription", &self.subscription)
            .field("headers", &self.headers.keys().map(HeaderName::as_str).collect::<Vec<_>>())
            .field("retry_policy", &self.retry_policy.name())
            .field("rate_limit", &self.rate_limit)
            .field("timeout", &self.timeout)
            .field("max_payload", &self.max_payload)
            .finish_non_exhaustive()
    }
}
