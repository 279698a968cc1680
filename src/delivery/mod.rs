//! The sender's building blocks: what to send, when, and what to do with each answer.
//!
//! hookwire never opens a socket or sleeps. The caller's loop asks a [`Scheduler`] what is
//! due, builds each request with the [`Endpoint`], sends it with any HTTP client,
//! turns the answer into an [`Outcome`], records it on the [`Delivery`] (which asks the
//! [`RetryPolicy`] when to try again) and on the endpoint's [`EndpointHealth`], and
//! schedules the next attempt. A [`UrlGuard`] keeps webhooks away from internal networks and
//! a [`TokenBucket`] paces each endpoint.
//!
//! Time is always a parameter: instants are [`UnixTime`](crate::UnixTime), spans are
//! [`std::time::Duration`]. Request signing writes the attempt's unix second, as the schemes do.
//!
//! ```
//! use std::time::Duration;
//! use hookwire::{Delivery, DeliveryState, Outcome, RetryPolicy, Scheduler, UnixTime};
//!
//! let policy = RetryPolicy::standard_webhooks();
//! let t0 = UnixTime::from_secs(1_700_000_000);
//! let mut scheduler = Scheduler::new();
//! let mut delivery = Delivery::new("msg_1", t0);
//! scheduler.schedule(delivery.id().to_owned(), t0);
//!
//! // The first attempt is due at once; the receiver answers 503 after 80 ms.
//! let due = scheduler.pop_due(t0, 10);
//! assert_eq!(due, [("msg_1".to_owned(), t0)]);
//! let outcome = Outcome::from_response(503, &http::HeaderMap::new(), Duration::from_millis(80));
//! let ended = t0 + Duration::from_millis(80);
//! let state = delivery.record(&policy, t0, &outcome, b"busy", ended)?;
//! // 503 is a throttle: at least 60 s, even though the schedule says 5 s.
//! let next_at = ended + Duration::from_secs(60);
//! assert_eq!(state, &DeliveryState::Retrying { next_at });
//! scheduler.schedule(delivery.id().to_owned(), next_at);
//! assert_eq!(scheduler.next_due(), Some(next_at));
//! # Ok::<(), hookwire::Error>(())
//! ```

mod endpoint;
mod health;
mod message;
mod outcome;
mod policy;
mod rate;
mod run;
mod scheduler;
mod state;
mod url_guard;

pub use endpoint::{Endpoint, DEFAULT_MAX_PAYLOAD, DEFAULT_TIMEOUT, USER_AGENT};
pub use health::{DisableReason, EndpointHealth, HealthPolicy, HealthTransition};
pub use message::OutgoingMessage;
pub use outcome::{Classifier, Failure, Outcome, OutcomeClass, RetryAfter};
pub use policy::{Backoff, Decision, GiveUpReason, Jitter, RetryPolicy};
pub use rate::{RateLimit, TokenBucket};
pub use run::DeliveryRun;
pub use scheduler::Scheduler;
pub use state::{Attempt, Delivery, DeliveryState, DEFAULT_RESPONSE_BODY_LIMIT};
pub use url_guard::{CheckedUrl, Host, UrlGuard};

/// Each name list (`ALL`, `names()`) holds every variant once, in order, spelled as `name()` and
/// as serde writes it: `bindings/names.json` and the bindings' name types come from these lists.
/// The matches below have no wildcard, so a new variant does not compile until it is listed.
#[cfg(test)]
mod name_lists {
    use std::time::Duration;

    use serde::Serialize;

    use super::*;
    use crate::UnixTime;

    /// The serde spelling of `value`: a string, or the tag `tag` of an object.
    fn serde_name(value: impl Serialize, tag: &str) -> String {
        match serde_json::to_value(value).expect("serializes") {
            serde_json::Value::String(name) => name,
            serde_json::Value::Object(object) => object[tag].as_str().expect("a tag").to_owned(),
            other => panic!("neither a name nor a tagged object: {other}"),
        }
    }

    /// `samples` cover the variants 0..n once each, in order, and `names` is their `name()`s.
    fn check(what: &str, indexes: &[usize], names: &[&str], want: &[&str]) {
        assert_eq!(
            indexes,
            (0..indexes.len()).collect::<Vec<_>>(),
            "{what}: one sample per variant, in order"
        );
        assert_eq!(names, want, "{what}: the list is the variants' names");
    }

    #[test]
    fn failure_kinds_list_every_failure_as_serde_spells_it() {
        let index = |f: Failure| match f {
            Failure::Timeout => 0,
            Failure::Connect => 1,
            Failure::Tls => 2,
            Failure::Dns => 3,
            Failure::Blocked => 4,
            Failure::InvalidRequest => 5,
            Failure::Other => 6,
        };
        let names: Vec<&str> = Failure::ALL.map(Failure::name).to_vec();
        check("Failure", &Failure::ALL.map(index), &names, &names);
        for f in Failure::ALL {
            assert_eq!(serde_name(f, ""), f.name());
            assert_eq!(Failure::from_name(f.name()).expect("known"), f);
        }
    }

    #[test]
    fn outcome_classes_list_every_class_as_serde_spells_it() {
        let index = |c: OutcomeClass| match c {
            OutcomeClass::Success => 0,
            OutcomeClass::Retryable => 1,
            OutcomeClass::Throttled => 2,
            OutcomeClass::Permanent => 3,
            OutcomeClass::EndpointGone => 4,
            OutcomeClass::Aborted => 5,
            OutcomeClass::DisableRequested => 6,
        };
        let names: Vec<&str> = OutcomeClass::ALL.map(OutcomeClass::name).to_vec();
        check("OutcomeClass", &OutcomeClass::ALL.map(index), &names, &names);
        for c in OutcomeClass::ALL {
            assert_eq!(serde_name(c, ""), c.name());
        }
    }

    #[test]
    fn give_up_reasons_list_every_reason_as_serde_spells_it() {
        let index = |r: GiveUpReason| match r {
            GiveUpReason::Exhausted => 0,
            GiveUpReason::MaxAge => 1,
            GiveUpReason::Permanent => 2,
            GiveUpReason::EndpointGone => 3,
            GiveUpReason::Aborted => 4,
            GiveUpReason::EndpointDisabled => 5,
            GiveUpReason::ManualAttemptFailed => 6,
        };
        let names: Vec<&str> = GiveUpReason::ALL.map(GiveUpReason::name).to_vec();
        check("GiveUpReason", &GiveUpReason::ALL.map(index), &names, &names);
        for r in GiveUpReason::ALL {
            assert_eq!(serde_name(r, ""), r.name());
        }
    }

    #[test]
    fn jitter_names_are_every_kind_and_parse_back() {
        let index = |j: Jitter| match j {
            Jitter::None => 0,
            Jitter::Proportional(_) => 1,
            Jitter::Full => 2,
            Jitter::Decorrelated => 3,
        };
        let samples = [Jitter::None, Jitter::Proportional(0.2), Jitter::Full, Jitter::Decorrelated];
        let names: Vec<&str> = samples.map(Jitter::name).to_vec();
        check("Jitter", &samples.map(index), &names, Jitter::names());
        for j in samples {
            let fraction = if let Jitter::Proportional(p) = j { p } else { 0.0 };
            assert_eq!(Jitter::from_name(j.name(), fraction).expect("known"), j);
        }
    }

    #[test]
    fn decision_names_are_every_action_as_serde_tags_it() {
        let index = |d: &Decision| match d {
            Decision::Done => 0,
            Decision::Retry { .. } => 1,
            Decision::GiveUp { .. } => 2,
        };
        let samples = [
            Decision::Done,
            Decision::Retry { at: UnixTime::from_secs(1), delay: Duration::from_secs(1) },
            Decision::GiveUp { reason: GiveUpReason::Exhausted },
        ];
        let names: Vec<&str> = samples.iter().map(Decision::name).collect();
        check("Decision", &samples.each_ref().map(index), &names, Decision::names());
        for d in samples {
            assert_eq!(serde_name(d, "decision"), d.name());
        }
    }

    #[test]
    fn delivery_state_names_are_every_state_as_serde_tags_it() {
        let index = |s: &DeliveryState| match s {
            DeliveryState::Pending { .. } => 0,
            DeliveryState::Retrying { .. } => 1,
            DeliveryState::Succeeded { .. } => 2,
            DeliveryState::Failed { .. } => 3,
            DeliveryState::Cancelled { .. } => 4,
        };
        let at = UnixTime::from_secs(1);
        let samples = [
            DeliveryState::Pending { due: at },
            DeliveryState::Retrying { next_at: at },
            DeliveryState::Succeeded { at },
            DeliveryState::Failed { at, reason: GiveUpReason::MaxAge },
            DeliveryState::Cancelled { at },
        ];
        let names: Vec<&str> = samples.iter().map(DeliveryState::name).collect();
        check("DeliveryState", &samples.each_ref().map(index), &names, DeliveryState::names());
        for s in samples {
            assert_eq!(serde_name(s, "state"), s.name());
        }
    }

    #[test]
    fn health_names_are_every_transition_and_reason_as_serde_tags_them() {
        let at = UnixTime::from_secs(1);
        let reason_index = |r: &DisableReason| match r {
            DisableReason::Gone => 0,
            DisableReason::Requested => 1,
            DisableReason::FailingFor { .. } => 2,
            DisableReason::ConsecutiveFailures { .. } => 3,
        };
        let reasons = [
            DisableReason::Gone,
            DisableReason::Requested,
            DisableReason::FailingFor { since: at },
            DisableReason::ConsecutiveFailures { count: 3 },
        ];
        let names: Vec<&str> = reasons.iter().map(DisableReason::name).collect();
        check("DisableReason", &reasons.each_ref().map(reason_index), &names, DisableReason::names());
        for r in reasons {
            assert_eq!(serde_name(r, "reason"), r.name());
        }
        let index = |t: &HealthTransition| match t {
            HealthTransition::StartedFailing { .. } => 0,
            HealthTransition::Recovered { .. } => 1,
            HealthTransition::Disabled { .. } => 2,
        };
        let samples = [
            HealthTransition::StartedFailing { at },
            HealthTransition::Recovered { after_failures: 2, failing_since: at },
            HealthTransition::Disabled { reason: DisableReason::Gone, at },
        ];
        let names: Vec<&str> = samples.iter().map(HealthTransition::name).collect();
        check("HealthTransition", &samples.each_ref().map(index), &names, HealthTransition::names());
        for t in samples {
            assert_eq!(serde_name(t, "transition"), t.name());
        }
    }
}
