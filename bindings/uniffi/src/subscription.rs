//! `Subscription`: which events go to which endpoint.

use std::sync::Arc;

use crate::error::{argument, run, WebhookError};
use crate::event::Event;

/// An endpoint's subscription: where to deliver which events.
///
/// ```kotlin
/// val subscription = Subscription("https://example.com/hooks", listOf("order.*"))
///     .withFilter("restaurant_id", "1")
/// subscription.matches(sampleEvent("order.created"))   // true
/// ```
///
/// The URL is an endpoint's in the core: it is kept (and checked) by a core `Endpoint` whose
/// signer is never used, until this binding offers `Endpoint` itself.
#[derive(uniffi::Object)]
pub struct Subscription(hookwire::Endpoint);

impl Subscription {
    fn routed(&self, subscription: hookwire::Subscription) -> Arc<Subscription> {
        Arc::new(Subscription(self.0.clone().with_subscription(subscription)))
    }
}

#[uniffi::export]
impl Subscription {
    /// A subscription of `url` (absolute http or https) to `patterns` (`order.created`,
    /// `order.*`, `*`; default `["*"]`), checked against the catalog. Errors:
    /// `invalid_argument`, `unknown_event_type`.
    #[uniffi::constructor(default(patterns = None, active = true))]
    pub fn new(
        url: String,
        patterns: Option<Vec<String>>,
        active: bool,
    ) -> Result<Arc<Subscription>, WebhookError> {
        run(|| {
            let patterns = patterns.unwrap_or_else(|| vec!["*".to_owned()]);
            let subscription = hookwire::Subscription::new(patterns)?.with_active(active);
            let endpoint =
                hookwire::Endpoint::new(&url, hookwire::Scheme::hookwire(), [hookwire::Secret::generate()])?;
            Ok(Arc::new(Subscription(endpoint.with_subscription(subscription))))
        })
    }

    /// A copy that also requires the data field `field` (a dotted path such as `customer.id`)
    /// to equal `value_json` (JSON text: `1` and `"1"` differ).
    pub fn with_filter(&self, field: String, value_json: String) -> Result<Arc<Subscription>, WebhookError> {
        run(|| {
            let value: serde_json::Value = serde_json::from_str(&value_json)
                .map_err(|e| argument("value_json", format!("not JSON: {e}")))?;
            Ok(self.routed(self.0.subscription().clone().with_filter(&field, value)))
        })
    }

    /// A copy switched on or off.
    pub fn with_active(&self, active: bool) -> Arc<Subscription> {
        self.routed(self.0.subscription().clone().with_active(active))
    }

    /// Whether `event` goes to this subscription: active, a pattern matches its type, and
    /// every filter holds on its data.
    pub fn matches(&self, event: Event) -> Result<bool, WebhookError> {
        run(|| Ok(self.0.subscription().matches(event.core())))
    }

    /// Whether a pattern matches `event_type` (ignoring filters and the active flag).
    pub fn matches_type(&self, event_type: String) -> bool {
        self.0.subscription().matches_type(&event_type)
    }

    /// The endpoint URL.
    pub fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// The patterns as written.
    pub fn patterns(&self) -> Vec<String> {
        self.0.subscription().patterns().iter().map(ToString::to_string).collect()
    }

    /// Whether delivery is switched on.
    pub fn is_active(&self) -> bool {
        self.0.subscription().active()
    }
}
