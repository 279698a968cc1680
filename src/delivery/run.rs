//! A delivery's current run: the counters a retry policy decides from.

use crate::UnixTime;

/// What a delivery's current run has been, as the retry policy sees it: which delivery (its id
/// keys the jitter, so deliveries that start together spread out), how many automatic attempts
/// it has made, when the run started (the policy's maximum age counts from there), and whether
/// the attempt being decided is a manual retry's single one.
///
/// [`Delivery`](crate::Delivery) keeps these itself ([`Delivery::run`](crate::Delivery::run));
/// a caller that keeps them in its own records (a database row) builds one and asks
/// [`RetryPolicy::decide`](crate::RetryPolicy::decide), so the rules stay the core's.
///
/// ```
/// use hookwire::{DeliveryRun, UnixTime};
/// let run = DeliveryRun::new("dlv_1", UnixTime::from_secs(1_700_000_000)).with_attempts(3);
/// assert_eq!((run.attempts(), run.manual()), (3, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRun {
    key: u64,
    attempts: u32,
    started_at: UnixTime,
    manual: bool,
}

impl DeliveryRun {
    /// A new run of the delivery `id`, started at `started_at`, no attempt made yet.
    pub fn new(id: &str, started_at: UnixTime) -> DeliveryRun {
        DeliveryRun { key: key_of(id), attempts: 0, started_at, manual: false }
    }

    /// `attempts` automatic attempts were made in this run before the one being decided
    /// (manual retries do not count).
    pub fn with_attempts(mut self, attempts: u32) -> DeliveryRun {
        self.attempts = attempts;
        self
    }

    /// Whether the attempt being decided is a manual retry's single attempt.
    pub fn with_manual(mut self, manual: bool) -> DeliveryRun {
        self.manual = manual;
        self
    }

    /// Automatic attempts made before the one being decided.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When the run started.
    pub fn started_at(&self) -> UnixTime {
        self.started_at
    }

    /// Whether the attempt being decided is a manual retry's.
    pub fn manual(&self) -> bool {
        self.manual
    }

    pub(crate) fn key(&self) -> u64 {
        self.key
    }
}

/// A stable 64-bit key of a delivery id for the policy's jitter (FNV-1a): the same id gives the
/// same jitter in every process and every release.
fn key_of(id: &str) -> u64 {
    id.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}
