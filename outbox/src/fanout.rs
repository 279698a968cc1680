//! Which endpoints a message goes to, decided at publish time by the core's `Subscription`,
//! cached per endpoint version so a publish does not rebuild every subscription.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hookwire::{Event, Subscription};

use crate::{decisions, endpoint};

/// Matches messages against endpoints' patterns and filters.
#[derive(Default)]
pub(crate) struct Matcher {
    cache: Mutex<HashMap<String, (i64, Arc<Subscription>)>>,
}

/// What a store reads of an endpoint to route a message.
pub(crate) struct Route<'a> {
    pub id: &'a str,
    pub version: i64,
    pub url: &'a str,
    pub config: &'a str,
}

impl Matcher {
    /// Whether the message goes to the endpoint. An endpoint whose stored routing cannot be
    /// read gets nothing (it was checked when added, so that is a corrupt row).
    pub(crate) fn matches(&self, route: &Route<'_>, event_type: &str, event: Option<&Event>) -> bool {
        let cached = self.cache.lock().ok().and_then(|cache| {
            cache.get(route.id).filter(|(v, _)| *v == route.version).map(|(_, s)| Arc::clone(s))
        });
        let subscription = match cached {
            Some(subscription) => subscription,
            None => match endpoint::routing(route.url, route.config) {
                Ok(subscription) => {
                    let subscription = Arc::new(subscription);
                    if let Ok(mut cache) = self.cache.lock() {
                        cache.insert(route.id.to_owned(), (route.version, Arc::clone(&subscription)));
                    }
                    subscription
                }
                Err(err) => {
                    tracing::warn!(endpoint = route.id, error = %err, "endpoint routing unreadable; skipped");
                    return false;
                }
            },
        };
        decisions::matches(&subscription, event_type, event)
    }
}
