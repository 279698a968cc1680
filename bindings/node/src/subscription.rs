//! Subscription: which events an endpoint receives.

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::errors::run;
use crate::event::Event;
use crate::input::{self, Options};

/// Options of `new Subscription(url, options)`.
#[napi(object)]
pub struct SubscriptionOptions {
    /// Event patterns: `order.created`, `order.*`, `*`; default `['*']`.
    pub patterns: Option<Vec<String>>,
    /// Default true.
    pub active: Option<bool>,
    /// Data filters: `{ 'restaurant_id': 42 }` matches events whose data has that value.
    #[napi(ts_type = "Record<string, unknown>")]
    pub filters: Option<serde_json::Map<String, serde_json::Value>>,
}

/// An endpoint's subscription.
///
/// ```js
/// const sub = new Subscription('https://example.com/hook', { patterns: ['order.*'] })
/// sub.matches(parseEvent(body)) // true for order events
/// ```
///
/// The URL is an endpoint's in the core: it is kept (and checked) by a core `Endpoint` whose
/// signer is never used, until this binding offers `Endpoint` itself.
#[napi]
pub struct Subscription(hookwire::Endpoint);

#[napi]
impl Subscription {
    #[napi(constructor, ts_args_type = "url: string, options?: SubscriptionOptions")]
    pub fn new(env: Env, url: Unknown<'_>, options: Unknown<'_>) -> napi::Result<Subscription> {
        let url: String = input::arg(&env, "url", url)?;
        let read = Options::read(&env, options, &["patterns", "active", "filters"])?;
        let options = SubscriptionOptions {
            patterns: read.get("patterns")?,
            active: read.get("active")?,
            filters: read.get("filters")?,
        };
        let patterns = options.patterns.unwrap_or_else(|| vec!["*".to_owned()]);
        let mut subscription = run(&env, || hookwire::Subscription::new(&patterns))?;
        subscription = subscription.with_active(options.active.unwrap_or(true));
        for (field, value) in options.filters.unwrap_or_default() {
            subscription = subscription.with_filter(&field, value);
        }
        let endpoint = run(&env, || {
            hookwire::Endpoint::new(&url, hookwire::Scheme::hookwire(), [hookwire::Secret::generate()])
        })?;
        Ok(Subscription(endpoint.with_subscription(subscription)))
    }

    /// Whether `event` goes to this endpoint (patterns, active flag, data filters).
    #[napi(ts_args_type = "event: Event | WebhookEvent")]
    pub fn matches(&self, env: Env, event: Unknown<'_>) -> napi::Result<bool> {
        let event = input::instance::<Event>(&env, "event", event)?;
        Ok(self.0.subscription().matches(event.inner()))
    }

    /// Whether the patterns match `eventType`.
    #[napi(ts_args_type = "eventType: string")]
    pub fn matches_type(&self, env: Env, event_type: Unknown<'_>) -> napi::Result<bool> {
        let event_type: String = input::arg(&env, "eventType", event_type)?;
        Ok(self.0.subscription().matches_type(&event_type))
    }

    /// The endpoint URL.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// The patterns, as written.
    #[napi(getter)]
    pub fn patterns(&self) -> Vec<String> {
        self.0.subscription().patterns().iter().map(ToString::to_string).collect()
    }

    /// Whether the subscription is active.
    #[napi(getter)]
    pub fn is_active(&self) -> bool {
        self.0.subscription().active()
    }
}
