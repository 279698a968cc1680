//! `Scheduler`: pending deliveries by due time.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::convert::{instant, lock, signed, system_time, unsigned};
use crate::error::{run, WebhookError};

/// A key that is due.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// The key scheduled (usually a delivery id).
    pub key: String,
    /// When it was due.
    pub due: SystemTime,
}

/// Pending deliveries by due time: schedule, cancel, pop what is due, ask when to wake up.
///
/// ```kotlin
/// val scheduler = Scheduler()
/// scheduler.schedule("msg_1", Instant.now())
/// for (entry in scheduler.popDue(Instant.now(), 100)) send(entry.key)
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

    /// Schedules `key` at `due`, replacing an earlier time; true if it is new.
    pub fn schedule(&self, key: String, due: SystemTime) -> Result<bool, WebhookError> {
        run(|| Ok(lock(&self.0).schedule(key, instant("due", due)?)))
    }

    /// Moves a scheduled `key` to `due`; false if it is not scheduled.
    pub fn reschedule(&self, key: String, due: SystemTime) -> Result<bool, WebhookError> {
        run(|| Ok(lock(&self.0).reschedule(&key, instant("due", due)?)))
    }

    /// Removes `key`; false if it was not scheduled.
    pub fn cancel(&self, key: String) -> bool {
        lock(&self.0).cancel(&key)
    }

    /// Removes and returns up to `limit` keys due at `now`, earliest first.
    pub fn pop_due(&self, now: SystemTime, limit: i64) -> Result<Vec<DueEntry>, WebhookError> {
        run(|| {
            let limit = unsigned("limit", limit)?;
            Ok(lock(&self.0)
                .pop_due(instant("now", now)?, limit)
                .into_iter()
                .map(|(key, due)| DueEntry { key, due: system_time(due) })
                .collect())
        })
    }

    /// When the earliest key is due, if any.
    pub fn next_due(&self) -> Option<SystemTime> {
        lock(&self.0).next_due().map(system_time)
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
