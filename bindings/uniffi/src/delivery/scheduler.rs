//! `Scheduler`: pending deliveries by due time.

use std::sync::{Arc, Mutex};

use crate::convert::{lock, signed, unsigned};
use crate::error::{run, WebhookError};

/// A key that is due.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// The key scheduled (usually a delivery id).
    pub key: String,
    /// When it was due (unix ms).
    pub due: i64,
}

/// Pending deliveries by due time: schedule, cancel, pop what is due, ask when to wake up.
///
/// ```kotlin
/// val scheduler = Scheduler()
/// scheduler.schedule("msg_1", now)
/// for (entry in scheduler.popDue(now, 100)) send(entry.key)
/// ```
#[derive(uniffi::Object)]
pub struct Scheduler(Mutex<hookwire::Scheduler<String>>);

#[uniffi::export]
impl Scheduler {
    /// An empty scheduler.
    #[uniffi::constructor]
    pub fn new() -> Arc<Scheduler> {
        Arc::new(Scheduler(Mutex::new(hookwire::Scheduler::new())))
    }

    /// Schedules `key` at `due` (unix ms), replacing an earlier time; true if it is new.
    pub fn schedule(&self, key: String, due: i64) -> bool {
        lock(&self.0).schedule(key, hookwire::UnixTime::from_millis(due))
    }

    /// Moves a scheduled `key` to `due`; false if it is not scheduled.
    pub fn reschedule(&self, key: String, due: i64) -> bool {
        lock(&self.0).reschedule(&key, hookwire::UnixTime::from_millis(due))
    }

    /// Removes `key`; false if it was not scheduled.
    pub fn cancel(&self, key: String) -> bool {
        lock(&self.0).cancel(&key)
    }

    /// Removes and returns up to `limit` keys due at `now`, earliest first.
    pub fn pop_due(&self, now: i64, limit: i64) -> Result<Vec<DueEntry>, WebhookError> {
        run(|| {
            let limit = unsigned("limit", limit)?;
            Ok(lock(&self.0)
                .pop_due(hookwire::UnixTime::from_millis(now), limit)
                .into_iter()
                .map(|(key, due)| DueEntry { key, due: due.as_millis() })
                .collect())
        })
    }

    /// When the earliest key is due, if any.
    pub fn next_due(&self) -> Option<i64> {
        lock(&self.0).next_due().map(hookwire::UnixTime::as_millis)
    }

    /// Whether `key` is scheduled.
    pub fn contains(&self, key: String) -> bool {
        lock(&self.0).contains(&key)
    }

    /// How many keys are scheduled.
    pub fn len(&self) -> i64 {
        signed(lock(&self.0).len())
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        lock(&self.0).is_empty()
    }
}
