//! Subscriptions: which events an endpoint wants (type patterns, data filters, on or off).

use std::fmt;

use serde_json::Value;

use crate::{lookup, Error, Event};

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
#[non_exhaustive]
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

/// Which events an endpoint wants: type patterns, data filters, and whether delivery is on.
/// Routing only: where and how they are sent is the [`Endpoint`](crate::Endpoint)'s.
///
/// ```
/// use hookwire::{sample, Subscription};
///
/// let subscription = Subscription::new(["order.*", "payment.completed"])?.with_filter("restaurant_id", 1);
/// assert!(subscription.matches(&sample("order.created")?));        // restaurant_id 1
/// assert!(!subscription.matches(&sample("user.created")?));         // not subscribed
/// assert!(!subscription.clone().with_active(false).matches(&sample("order.created")?));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Subscription {
    patterns: Vec<EventPattern>,
    filters: Vec<(String, Value)>,
    active: bool,
}

impl Subscription {
    /// A subscription to `patterns`, checked against the catalog (see [`EventPattern::parse`]);
    /// use [`from_patterns`](Subscription::from_patterns) for types hookwire does not know.
    /// Errors: `unknown_event_type`, `invalid_argument` (a malformed pattern, or none).
    pub fn new<P: AsRef<str>>(patterns: impl IntoIterator<Item = P>) -> Result<Subscription, Error> {
        let patterns =
            patterns.into_iter().map(|p| EventPattern::parse(p.as_ref())).collect::<Result<_, _>>()?;
        Subscription::from_patterns(patterns)
    }

    /// A subscription to patterns already parsed. Errors: `invalid_argument` for none.
    pub fn from_patterns(patterns: Vec<EventPattern>) -> Result<Subscription, Error> {
        if patterns.is_empty() {
            return Err(Error::argument(
                "patterns",
                "subscribe to at least one pattern (`*` for everything)",
            ));
        }
        Ok(Subscription { patterns, filters: Vec::new(), active: true })
    }

    /// Every event (`*`): what an [`Endpoint`](crate::Endpoint) receives unless told otherwise.
    pub fn everything() -> Subscription {
        Subscription { patterns: vec![EventPattern::All], filters: Vec::new(), active: true }
    }

    /// Only events whose data field `field` equals `value` (JSON equality: `1` and `"1"`
    /// differ). `field` may be a dotted path (`customer.id`). All filters must hold.
    pub fn with_filter(mut self, field: &str, value: impl Into<Value>) -> Subscription {
        self.filters.push((field.to_owned(), value.into()));
        self
    }

    /// Switches delivery on or off without deleting the subscription (default on).
    pub fn with_active(mut self, active: bool) -> Subscription {
        self.active = active;
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

    /// The patterns.
    pub fn patterns(&self) -> &[EventPattern] {
        &self.patterns
    }

    /// The data filters, as (field, value).
    pub fn filters(&self) -> &[(String, Value)] {
        &self.filters
    }

    /// Whether delivery is on.
    pub fn active(&self) -> bool {
        self.active
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("patterns", &self.patterns.iter().map(ToString::to_string).collect::<Vec<_>>())
            .field("filters", &self.filters)
            .field("active", &self.active)
            .finish()
    }
}

fn lookup_field<'v>(data: &'v Value, field: &str) -> Option<&'v Value> {
    field.split('.').try_fold(data, |value, key| value.get(key))
}
