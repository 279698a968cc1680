//! Server-side request forgery: the worker resolves names itself, checks every address with
//! the endpoint's URL guard and connects to the checked one; redirects are not followed.

#[path = "support/receiver.rs"]
mod receiver;

use std::net::IpAddr;
use std::time::Duration;

use hookwire_outbox::{DeliveryFilter, DeliveryStatus, NewEndpoint, Outbox, Publish, Resolver, RetrySpec};
use receiver::{Receiver, Reply};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// Delivers one message to `url` with the given resolver; returns the delivery's status,
/// its last attempt's failure and status.
async fn deliver(
    url: &str,
    allow_private: bool,
    resolver: Resolver,
) -> (DeliveryStatus, Option<String>, Option<u16>) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&format!("sqlite://{}/ssrf.db", dir.path().display())).await.unwrap();
    let endpoint = NewEndpoint::new(url, "standard-webhooks", SECRET)
        .allow_private(allow_private)
        .retry(RetrySpec::delays([Duration::ZERO]));
    outbox.add_endpoint(endpoint).await.unwrap();
    outbox.publish(Publish::event("order.created", serde_json::json!({"id": 1}))).await.unwrap();
    outbox
        .worker()
        .resolver(resolver)
        .poll_interval(Duration::from_millis(10))
        .run_until_idle(Duration::from_secs(20))
        .await
        .unwrap();
    let delivery = outbox.deliveries(DeliveryFilter::default()).await.unwrap().remove(0);
    let attempt = outbox.attempts(&delivery.id).await.unwrap().remove(0);
    (delivery.status, attempt.failure, attempt.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_resolving_to_an_internal_address_is_blocked_unless_the_endpoint_allows_it() {
    let receiver = Receiver::answering(200).await;
    let port = receiver.addr.port();
    let url = format!("http://hooks.example.com:{port}/in");
    let to = |addrs: &[&str]| Resolver::system().with_fixed("hooks.example.com", addrs.iter().map(|a| ip(a)));
    let blocked = (DeliveryStatus::Failed, Some("blocked".to_owned()), None);
    let cases = [
        ("loopback, not allowed", to(&["127.0.0.1"]), false, blocked.clone()),
        (
            "one internal address among public ones",
            to(&["93.184.215.14", "127.0.0.1"]),
            false,
            blocked.clone(),
        ),
        ("cloud metadata, even when private is allowed", to(&["169.254.169.254"]), true, blocked.clone()),
        (
            "IPv4-mapped loopback, even when private is allowed",
            to(&["::ffff:127.0.0.1"]),
            true,
            blocked.clone(),
        ),
        ("loopback, allowed", to(&["127.0.0.1"]), true, (DeliveryStatus::Succeeded, None, Some(200))),
    ];
    for (name, resolver, allow_private, expected) in cases {
        let before = receiver.count();
        let outcome = deliver(&url, allow_private, resolver).await;
        assert_eq!(outcome, expected, "{name}");
        let reached = receiver.count() > before;
        assert_eq!(
            reached,
            expected.0 == DeliveryStatus::Succeeded,
            "{name}: connected only to a checked address"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    let receiver = Receiver::start(|seen| match seen.path.as_str() {
        "/moved" => Reply::Status(302, vec![("location", "/internal".into())]),
        _ => Reply::status(200),
    })
    .await;
    let (status, failure, last) = deliver(&receiver.url("/moved"), true, Resolver::system()).await;
    assert_eq!((status, failure, last), (DeliveryStatus::Failed, None, Some(302)));
    let paths: Vec<String> = receiver.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/moved"], "the Location was never requested");
}
