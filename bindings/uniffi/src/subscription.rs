//! `Subscription`: which events go to an endpoint (routing only).

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{argument, run, WebhookError};
use crate::event::Event;

/// Which events an endpoint wants: type patterns, data filters, and whether delivery is on.
/// Routing only: where and how they are sent is the [`Endpoint`](crate::Endpoint)'s.
///
/// ```kotlin
/// val orders = Subscription(listOf("order.*"), filters = mapOf("restaurant_id" to "1"))
/// orders.matches(sampleEvent("order.created"))   // true
/// ```
#[derive(uniffi::Object)]
pub struct Subscription(pub(crate) hookwire::Subscription);

#[uniffi::export]
impl Subscription {
    /// A subscription to `patterns` (`order.created`, `order.*`, `*`; default `["*"]`),
    /// checked against the catalog, with data `filters` (a field or dotted path such as
    /// `customer.id` → the JSON text its value must equal: `1` and `"1"` differ). Errors:
    /// `invalid_argument`, `unknown_event_type`.
    #[uniffi::constructor(default(patterns = None, filters = None, active = true))]
    pub fn new(
        patterns: Option<Vec<String>>,
        filters: Option<HashMap<String, String>>,
        active: bool,
    ) -> Result<Arc<Subscription>, WebhookError> {
        run(|| {
            let patterns = patterns.unwrap_or_else(|| vec!["*".to_owned()]);
            let subscription = filters
                .unwrap_or_default()
                .iter()
                .try_fold(hookwire::Subscription::new(patterns)?, |subscription, (field, json)| {
                    Ok::<_, WebhookError>(subscription.with_filter(field, json_value(json)?))
                })?
                .with_active(active);
            Ok(Arc::new(Subscription(subscription)))
        })
    }

    /// A copy that also requires the data field `field` to equal `value_json` (JSON text).
    pub fn with_filter(&self, field: String, value_json: String) -> Result<Arc<Subscription>, WebhookError> {
        run(|| Ok(Arc::new(Subscription(self.0.clone().with_filter(&field, json_value(&value_json)?)))))
    }

    /// A copy switched on or off.
    pub fn with_active(&self, active: bool) -> Arc<Subscription> {
        Arc::new(Subscription(self.0.clone().with_active(active)))
    }

    /// Whether `event` goes to this subscription: active, a pattern matches its type, and
    /// every filter holds on its data.
    pub fn matches(&self, event: Arc<Event>) -> bool {
        self.0.matches(event.core())
    }

    /// Whether a pattern matches `event_type` (ignoring filters and the active flag).
    pub fn matches_type(&self, event_type: String) -> bool {
        self.0.matches_type(&event_type)
    }

    /// The patterns as written.
    pub fn patterns(&self) -> Vec<String> {
        self.0.patterns().iter().map(ToString::to_string).collect()
    }

    /// The data filters: field → the JSON text its value must equal.
    pub fn filters(&self) -> HashMap<String, String> {
        self.0.filters().iter().map(|(field, value)| (field.clone(), value.to_string())).collect()
    }

    /// Whether delivery is on (`with_active`).
    pub fn active(&self) -> bool {
        self.0.active()
    }
}

fn json_value(text: &str) -> Result<serde_json::Value, WebhookError> {
    serde_json::from_str(text).map_err(|e| argument("filters", format!("a filter value is JSON text: {e}")))
}
