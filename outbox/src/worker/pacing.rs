//! What a worker keeps per endpoint: the core's prepared decisions (signer, policy, guard),
//! its token bucket and its requests in flight, so one slow or throttled endpoint is held
//! back on its own while the others go on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hookwire::TokenBucket;

use crate::decisions;
use crate::endpoint::EndpointRow;
use crate::{Result, UnixTime};

/// One endpoint as a worker sends to it.
pub(crate) struct Pace {
    pub version: i64,
    pub endpoint: hookwire::Endpoint,
    pub allow_private: bool,
    pub timeout: Duration,
    max_in_flight: usize,
    in_flight: AtomicUsize,
    bucket: Option<Mutex<TokenBucket>>,
    /// The bucket is empty until then.
    blocked_until: Mutex<Option<UnixTime>>,
}

/// Why a claimed delivery cannot be sent yet.
pub(crate) enum Held {
    /// Too many requests in flight to this endpoint.
    Busy,
    /// The rate limit allows the next request after this long.
    Throttled(Duration),
}

impl Pace {
    pub(crate) fn new(row: &EndpointRow) -> Result<Pace> {
        let endpoint = decisions::prepare(row)?;
        let bucket = decisions::bucket(&endpoint);
        Ok(Pace {
            version: row.version,
            endpoint,
            allow_private: row.allow_private,
            timeout: row.timeout,
            max_in_flight: usize::try_from(row.max_in_flight).unwrap_or(usize::MAX).max(1),
            in_flight: AtomicUsize::new(0),
            bucket: bucket.map(Mutex::new),
            blocked_until: Mutex::new(None),
        })
    }

    /// Whether nothing of this endpoint's can be sent at `now`.
    pub(crate) fn saturated(&self, now: UnixTime) -> bool {
        self.in_flight.load(Ordering::SeqCst) >= self.max_in_flight
            || self.blocked_until.lock().map(|until| until.is_some_and(|until| until > now)).unwrap_or(false)
    }

    /// Takes a slot and a token, or says why not.
    pub(crate) fn admit(self: &Arc<Self>, now: UnixTime) -> std::result::Result<Slot, Held> {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= self.max_in_flight {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return Err(Held::Busy);
        }
        if let Some(bucket) = &self.bucket {
            let waited = match bucket.lock() {
                Ok(mut bucket) => decisions::acquire(&mut bucket, now),
                Err(_) => Ok(()),
            };
            if let Err(wait) = waited {
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                if let Ok(mut until) = self.blocked_until.lock() {
                    *until = Some(now + wait);
                }
                return Err(Held::Throttled(wait));
            }
        }
        Ok(Slot { pace: Arc::clone(self) })
    }
}

/// A request slot; given back when dropped (also when the task is aborted).
pub(crate) struct Slot {
    pace: Arc<Pace>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pace.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every endpoint a worker has met, refreshed when the stored version changes.
#[derive(Default)]
pub(crate) struct Paces {
    by_endpoint: Mutex<HashMap<String, Arc<Pace>>>,
}

impl Paces {
    pub(crate) fn get(&self, endpoint_id: &str, version: i64) -> Option<Arc<Pace>> {
        let map = self.by_endpoint.lock().ok()?;
        map.get(endpoint_id).filter(|pace| pace.version == version).cloned()
    }

    pub(crate) fn insert(&self, endpoint_id: &str, pace: Arc<Pace>) {
        if let Ok(mut map) = self.by_endpoint.lock() {
            map.insert(endpoint_id.to_owned(), pace);
        }
    }

    /// Endpoints that cannot take a request at `now`: claims leave their deliveries alone.
    pub(crate) fn saturated(&self, now: UnixTime) -> Vec<String> {
        match self.by_endpoint.lock() {
            Ok(map) => map.iter().filter(|(_, pace)| pace.saturated(now)).map(|(id, _)| id.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }
}
