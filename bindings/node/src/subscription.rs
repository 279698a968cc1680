//! Subscription: which events an endpoint receives (routing only; where and how to send is the
//! `Endpoint`'s).

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::errors::run;
use crate::event::Event;
use crate::input::{self, Options};

/// Options of `new Subscription(options)`.
#[napi(object)]
pub struct SubscriptionOptions {
    /// Event patterns: `order.created`, `order.*`, `*`; default `['*']`.
    pub patterns: Option<Vec<String>>,
    /// Data filters: `{ restaurant_id: 42 }` matches events whose data has that value.
    #[napi(ts_type = "Record<string, JsonValue>")]
    pub filters: Option<serde_json::Map<String, serde_json::Value>>,
    /// Default true.
    pub active: Option<bool>,
}

/// Which events go to an endpoint: type patterns, data filters, an active flag.
///
/// ```js
/// const sub = new Subscription({ patterns: ['order.*'], filters: { restaurant_id: 1 } })
/// sub.matches(parseEvent(body)) // true for order events of restaurant 1
/// ```
#[napi]
pub struct Subscription(pub(crate) hookwire::Subscription);

#[napi]
impl Subscription {
    #[napi(constructor, ts_args_type = "options?: SubscriptionOptions")]
    pub fn new(env: Env, options: Unknown<'_>) -> napi::Result<Subscription> {
        let read = Options::read(&env, options, &["patterns", "filters", "active"])?;
        let options = SubscriptionOptions {
            patterns: read.get("patterns")?,
            filters: read.get("filters")?,
            active: read.get("active")?,
        };
        let patterns = options.patterns.unwrap_or_else(|| vec!["*".to_owned()]);
        let mut subscription = run(&env, || hookwire::Subscription::new(&patterns))?;
        subscription = subscription.with_active(options.active.unwrap_or(true));
        for (field, value) in options.filters.unwrap_or_default() {
            subscription = subscription.with_filter(&field, value);
        }
        Ok(Subscription(subscription))
    }

    /// Whether `event` goes to this endpoint (patterns, active flag, data filters).
    #[napi(ts_args_type = "event: Event | WebhookEvent")]
    pub fn matches(&self, env: Env, event: Unknown<'_>) -> napi::Result<bool> {
        let event = input::instance::<Event>(&env, "event", event)?;
        Ok(self.0.matches(event.inner()))
    }

    /// Whether the patterns match `eventType`.
    #[napi(ts_args_type = "eventType: string")]
    pub fn matches_type(&self, env: Env, event_type: Unknown<'_>) -> napi::Result<bool> {
        let event_type: String = input::arg(&env, "eventType", event_type)?;
        Ok(self.0.matches_type(&event_type))
    }

    /// The patterns, as written.
    #[napi(getter)]
    pub fn patterns(&self) -> Vec<String> {
        self.0.patterns().iter().map(ToString::to_string).collect()
    }

    /// The data filters, field → value.
    #[napi(getter, ts_return_type = "Record<string, JsonValue>")]
    pub fn filters(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0.filters().iter().map(|(field, value)| (field.to_string(), value.clone())).collect()
    }

    /// Whether the subscription is active (an inactive one matches nothing).
    #[napi(getter)]
    pub fn active(&self) -> bool {
        self.0.active()
    }
}
