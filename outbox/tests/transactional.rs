//! A transactional outbox on PostgreSQL: the message commits or rolls back with the caller's
//! own rows, and a commit wakes an idle worker at once (LISTEN/NOTIFY).

#[path = "support/receiver.rs"]
mod receiver;

use std::time::{Duration, Instant};

use hookwire_outbox::{DeliveryFilter, NewEndpoint, Outbox, Publish};
use receiver::Receiver;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_published_in_the_callers_transaction_commits_or_rolls_back_with_it() {
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let receiver = Receiver::answering(200).await;
    let outbox = Outbox::open(&pg.url()).await.unwrap();
    outbox
        .add_endpoint(NewEndpoint::new(&receiver.url("/"), "standard-webhooks", SECRET).allow_private(true))
        .await
        .unwrap();
    let (mut client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute("CREATE TABLE orders (id BIGINT PRIMARY KEY)").await.unwrap();

    // A worker that would poll only every 30 s: a prompt delivery proves the notification.
    let worker = outbox
        .worker()
        .poll_interval(Duration::from_secs(30))
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await; // the worker is listening and idle

    let tx = client.transaction().await.unwrap();
    tx.execute("INSERT INTO orders VALUES (1)", &[]).await.unwrap();
    let rolled_back =
        outbox.publish_in(&tx, Publish::event("order.created", serde_json::json!({"id": 1}))).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(outbox.message(&rolled_back.message_id).await.unwrap_err().code(), "not_found");
    assert!(outbox.deliveries(DeliveryFilter::default()).await.unwrap().is_empty());

    let tx = client.transaction().await.unwrap();
    tx.execute("INSERT INTO orders VALUES (2)", &[]).await.unwrap();
    let committed =
        outbox.publish_in(&tx, Publish::event("order.created", serde_json::json!({"id": 2}))).await.unwrap();
    assert_eq!(committed.deliveries, 1);
    let committed_at = Instant::now();
    tx.commit().await.unwrap();

    while receiver.count() == 0 {
        assert!(committed_at.elapsed() < Duration::from_secs(5), "the commit did not wake the worker");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(receiver.seen()[0].header("webhook-id"), Some(committed.message_id));
    worker.stop(Duration::from_secs(1)).await;

    let dir = tempfile::tempdir().unwrap();
    let sqlite = Outbox::open(&format!("sqlite://{}/o.db", dir.path().display())).await.unwrap();
    let tx = client.transaction().await.unwrap();
    let refused =
        sqlite.publish_in(&tx, Publish::event("order.created", serde_json::json!({}))).await.unwrap_err();
    assert_eq!(refused.code(), "invalid_state");
}
