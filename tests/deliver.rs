//! The end-to-end delivery example (`examples/deliver.rs`), run and checked: attempt counts,
//! the delays the receiver's answers cause, and every final state.

#[path = "../examples/deliver.rs"]
mod deliver;

use std::time::Duration;

use hookwire::{DeliveryState, GiveUpReason, UnixTime};

#[test]
fn the_delivery_example_retries_throttles_and_disables_as_specified() {
    let summary = deliver::run(false).expect("the example runs");
    let get =
        |key: &str| summary.deliveries.get(key).unwrap_or_else(|| panic!("no delivery {key}: {summary:?}"));

    // Delivered at once.
    for key in ["msg_order_created@orders", "msg_order_completed@orders"] {
        let (state, starts, statuses) = get(key);
        assert_eq!(
            (state, starts.as_slice(), statuses.as_slice()),
            (&DeliveryState::Succeeded { at: deliver_start() }, &[Duration::ZERO][..], &[Some(204)][..])
        );
    }
    // 503 + Retry-After: 120 twice: the first retry waits 120 s (the 5 s schedule, raised to the
    // 60 s throttle minimum, then to the Retry-After within [60 s, 120 s]); the second waits
    // the schedule's 5 min (Retry-After below it is raised to it).
    let (state, starts, statuses) = get("msg_order_updated@orders");
    assert_eq!(starts, &[0, 120, 420].map(Duration::from_secs));
    assert_eq!(statuses, &[Some(503), Some(503), Some(204)]);
    assert_eq!(state, &DeliveryState::Succeeded { at: deliver_start() + Duration::from_secs(420) });
    // 410 fails the delivery and disables the endpoint; the next message for it is not sent.
    let (state, starts, statuses) = get("msg_order_created@retired");
    assert_eq!((starts.len(), statuses.as_slice()), (1, &[Some(410)][..]));
    assert_eq!(state, &DeliveryState::Failed { at: deliver_start(), reason: GiveUpReason::EndpointGone });
    let (state, starts, _) = get("msg_order_updated@retired");
    assert!(starts.is_empty());
    assert_eq!(state, &DeliveryState::Failed { at: deliver_start(), reason: GiveUpReason::EndpointDisabled });
    assert_eq!(summary.deliveries.len(), 5, "order.completed is not subscribed on the retired endpoint");

    // The receiver verified every request it accepted, once per message.
    let mut verified = summary.verified.clone();
    verified.sort();
    assert_eq!(verified, ["msg_order_completed", "msg_order_created", "msg_order_updated"]);
    assert!(
        summary.transitions.iter().any(|t| t.starts_with("retired: Disabled") && t.contains("Gone")),
        "{:?}",
        summary.transitions
    );
    assert!(
        summary.transitions.iter().any(|t| t.starts_with("orders: Recovered")),
        "{:?}",
        summary.transitions
    );
}

fn deliver_start() -> UnixTime {
    UnixTime::from_secs(1_754_647_200)
}
