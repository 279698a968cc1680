//! Subscriptions: which events an endpoint wants (patterns and data filters), and how it is
//! reached (URL, secrets, headers, timeout, retry policy).

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::delivery::shown_url;
use crate::{lookup, Error, Event, Secret};

/// An event type pattern: exact (`order.created`), prefix (`order.*`) or everything (`*`).
///
/// ```
/// use hookwire::EventPattern;
/// let orders = EventPattern::parse("order.*")?;
/// assert!(orders.matches("order.created"));
/// assert!(!orders.matches("orders.created"));
/// assert_eq!(EventPattern::parse("order.shipped").unwrap_err().code(), "unknown_event_type");
/// assert!(EventPattern::parse_any("order.shipped")?.matches("order.shipped"));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventPattern {
    /// `*`: every type.
    All,
    /// `prefix.*`: every type starting with `prefix.` (the prefix is stored without `.*`).
    Prefix(String),
    /// One type.
    Exact(String),
}

impl EventPattern {
    /// Parses a pattern whose types must be in the [`catalog`](crate::catalog):
    /// `unknown_event_type` otherwise (a typo in a subscription would silently match nothing).
    pub fn parse(text: &str) -> Result<EventPattern, Error> {
        let pattern = EventPattern::parse_any(text)?;
        let known = match &pattern {
            EventPattern::All => true,
            EventPattern::Exact(name) => lookup(name).is_some(),
            EventPattern::Prefix(prefix) => crate::catalog()
                .iter()
                .any(|t| t.name.strip_prefix(prefix.as_str()).is_some_and(|r| r.starts_with('.'))),
        };
        if known {
            Ok(pattern)
        } else {
            Err(Error::UnknownEventType { event_type: text.to_owned() })
        }
    }

    /// Parses any well-formed pattern, known types or not.
    pub fn parse_any(text: &str) -> Result<EventPattern, Error> {
        let bad = |why: &str| Error::argument("pattern", format!("`{text}`: {why}"));
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("must be non-empty visible ASCII"));
        }
        if text == "*" {
            return Ok(EventPattern::All);
        }
        if let Some(prefix) = text.strip_suffix(".*") {
            if prefix.contains('*') {
                return Err(bad("a wildcard is `*` or `prefix.*`"));
            }
            if prefix.split('.').any(str::is_empty) {
                return Err(bad("empty segment between dots"));
            }
            return Ok(EventPattern::Prefix(prefix.to_owned()));
        }
        if text.contains('*') {
            return Err(bad("a wildcard is `*` or `prefix.*`"));
        }
        if text.split('.').any(str::is_empty) {
            return Err(bad("empty segment between dots"));
        }
        Ok(EventPattern::Exact(text.to_owned()))
    }

    /// Whether `event_type` matches.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventPattern::All => true,
            EventPattern::Exact(name) => name == event_type,
            EventPattern::Prefix(prefix) => {
                event_type.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.starts_with('.'))
            }
        }
    }
}

impl fmt::Display for EventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventPattern::All => f.write_str("*"),
            EventPattern::Prefix(prefix) => write!(f, "{prefix}.*"),
            EventPattern::Exact(name) => f.write_str(name),
        }
    }
}

/// An endpoint's subscription: where to deliver which events, and how.
///
/// ```
/// use std::time::Duration;
/// use hookwire::{sample, Subscription};
///
/// let subscription = Subscription::new("https://example.com/hooks", ["order.*", "payment.completed"])?
///     .filter("restaurant_id", 1)
///     .timeout(Duration::from_secs(10))
///     .retry_policy("auraconnect");
/// assert!(subscription.matches(&sample("order.created")?));        // restaurant_id 1
/// assert!(!subscription.matches(&sample("user.created")?));         // not subscribed
/// assert!(!subscription.clone().active(false).matches(&sample("order.created")?));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Subscription {
    url: http::Uri,
    patterns: Vec<EventPattern>,
    filters: Vec<(String, Value)>,
    active: bool,
    secrets: Vec<Secret>,
    headers: HeaderMap,
    timeout: Duration,
    retry_policy: Option<String>,
}

/// Default time a receiver has to answer: 30 s (Ops Center and HomeChef use 30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Subscription {
    /// A subscription of `url` (absolute `http` or `https`) to `patterns`, checked against the
    /// catalog (see [`EventPattern::parse`]); use [`with_patterns`](Subscription::with_patterns)
    /// for types hookwire does not know.
    pub fn new<P: AsRef<str>>(
        url: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Result<Subscription, Error> {
        let patterns =
            patterns.into_iter().map(|p| EventPattern::parse(p.as_ref())).collect::<Result<_, _>>()?;
        Subscription::with_patterns(url, patterns)
    }

    /// A subscription with patterns already parsed.
    pub fn with_patterns(url: &str, patterns: Vec<EventPattern>) -> Result<Subscription, Error> {
        let uri: http::Uri =
            url.parse().map_err(|_| Error::argument("url", format!("`{}` is not a URL", shown_url(url))))?;
        match uri.scheme_str() {
            Some("http" | "https") if uri.host().is_some() => {}
            _ => return Err(Error::argument("url", "must be an absolute http:// or https:// URL")),
        }
        if patterns.is_empty() {
            return Err(Error::argument(
                "patterns",
                "subscribe to at least one pattern (`*` for everything)",
            ));
        }
        Ok(Subscription {
            url: uri,
            patterns,
            filters: Vec::new(),
            active: true,
            secrets: Vec::new(),
            headers: HeaderMap::new(),
            timeout: DEFAULT_TIMEOUT,
            retry_policy: None,
        })
    }

    /// Only events whose data field `field` equals `value` (JSON equality: `1` and `"1"`
    /// differ). `field` may be a dotted path (`customer.id`). All filters must hold.
    pub fn filter(mut self, field: &str, value: impl Into<Value>) -> Subscription {
        self.filters.push((field.to_owned(), value.into()));
        self
    }

    /// Switches delivery on or off without deleting the subscription.
    pub fn active(mut self, active: bool) -> Subscription {
        self.active = active;
        self
    }

    /// Adds a signing secret (several: rotation, one signature each).
    pub fn secret(mut self, secret: Secret) -> Subscription {
        self.secrets.push(secret);
        self
    }

    /// Adds a custom header sent with every delivery.
    pub fn header(mut self, name: &str, value: &str) -> Result<Subscription, Error> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::argument("header", format!("`{name}` is not a header name")))?;
        // Headers that frame or route the request belong to the HTTP client: a wrong
        // Content-Length or Transfer-Encoding could smuggle a second request on a shared
        // connection.
        const CONNECTION: [&str; 10] = [
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
        if CONNECTION.contains(&name.as_str()) {
            return Err(Error::argument(
                "header",
                format!("`{name}` is set by the HTTP client, not by a subscription"),
            ));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::argument("header", "a header value must be visible ASCII"))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// How long the receiver has to answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Subscription {
        self.timeout = timeout;
        self
    }

    /// The name of the retry policy to deliver with (a preset such as `svix`, or yours).
    pub fn retry_policy(mut self, name: &str) -> Subscription {
        self.retry_policy = Some(name.to_owned());
        self
    }

    /// Whether `event` should be delivered to this subscription: active, a pattern matches the
    /// type, and every filter holds on the event's data.
    pub fn matches(&self, event: &Event) -> bool {
        if !self.active || !self.matches_type(event.event_type()) {
            return false;
        }
        if self.filters.is_empty() {
            return true;
        }
        let data = event.payload().to_json().to_value();
        self.filters.iter().all(|(field, expected)| lookup_field(&data, field) == Some(expected))
    }

    /// Whether a pattern matches `event_type` (ignoring filters and the active flag).
    pub fn matches_type(&self, event_type: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(event_type))
    }

    /// The endpoint URL.
    pub fn url(&self) -> &http::Uri {
        &self.url
    }

    /// The patterns.
    pub fn patterns(&self) -> &[EventPattern] {
        &self.patterns
    }

    /// The data filters, as (field, value).
    pub fn filters(&self) -> &[(String, Value)] {
        &self.filters
    }

    /// Whether delivery is on.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The signing secrets.
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The custom headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The receiver's time to answer.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy name, if set.
    pub fn retry_policy_name(&self) -> Option<&str> {
        self.retry_policy.as_deref()
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("url", &shown_url(&self.url.to_string()))
            .field("patterns", &self.patterns.iter().map(ToString::to_string).collect::<Vec<_>>())
            .field("filters", &self.filters)
            .field("active", &self.active)
            .field("secrets", &self.secrets.len())
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .finish_non_exhaustive()
    }
}

fn lookup_field<'v>(data: &'v Value, field: &str) -> Option<&'v Value> {
    field.split('.').try_fold(data, |value, key| value.get(key))
}
