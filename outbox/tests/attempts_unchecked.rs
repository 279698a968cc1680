//! PostgreSQL's migration 7: attempts are inserted without a foreign key check of their delivery,
//! and a statement trigger deletes (a `TRUNCATE`: truncates) a deleted delivery's attempts as the
//! key's cascade did, whoever deletes it and however a completion races the delete.

#[path = "support/receiver.rs"]
mod receiver;

use std::time::{Duration, Instant};

use hookwire_outbox::{NewEndpoint, Outbox, Publish};
use hookwire_testkit::Postgres;
use receiver::{Receiver, Reply};
use serde_json::json;
use tokio_postgres::Client;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

include!("support/pg.rs");

/// An attempt for every delivery of one endpoint (all of them when `$1` is NULL), numbered
/// past the delivery's earlier ones.
const ATTEMPT: &str = "INSERT INTO attempts (delivery_id, endpoint_id, number, started_at, duration_ms, status, class,
                           response_headers, response_body, response_truncated, manual, worker)
                       SELECT id, endpoint_id, attempts + 1, 0, 1, 200, 'success', '[]', '', FALSE, FALSE, 'wrk_t'
                       FROM deliveries WHERE $1::text IS NULL OR endpoint_id = $1";

async fn attempts_of(client: &Client, endpoints: &[String]) -> Vec<i64> {
    let mut counts = Vec::new();
    for endpoint in endpoints {
        let row = client
            .query_one("SELECT count(*) FROM attempts WHERE endpoint_id = $1", &[endpoint])
            .await
            .unwrap();
        counts.push(row.get(0));
    }
    counts
}

/// Inserting an attempt runs no foreign key check of its delivery (a query of its own per row
/// before), and every way of removing deliveries removes their attempts: the store's endpoint
/// deletion and purge, a plain `DELETE` as an earlier build's deletion or purge makes (which
/// counted on the key's cascade), and a `TRUNCATE` (which the key refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_is_inserted_without_a_key_check_and_removed_with_its_delivery() {
    let pg = tokio::task::spawn_blocking(Postgres::start).await.unwrap().unwrap();
    let (outbox, endpoints) = queued(&pg.url(), 4, 2).await;
    let client = connect(&pg.url()).await;
    let plan: Vec<String> = client
        .query(&format!("EXPLAIN (ANALYZE, COSTS OFF) {ATTEMPT}"), &[&None::<String>])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("Insert on attempts"), "{plan}");
    assert!(!plan.contains("Trigger"), "an attempt's insert runs a trigger:\n{plan}");
    assert_eq!(attempts_of(&client, &endpoints).await, [2, 2, 2, 2]);

    outbox.delete_endpoint(&endpoints[0]).await.unwrap();
    client
        .execute(
            "WITH gone AS (DELETE FROM delivery_queue WHERE endpoint_id = $1)
             DELETE FROM deliveries WHERE endpoint_id = $1",
            &[&endpoints[1]],
        )
        .await
        .unwrap();
    assert_eq!(attempts_of(&client, &endpoints).await, [0, 0, 2, 2], "after the deletes");

    // The third endpoint's deliveries final and old: purge deletes them, the fourth's are queued.
    client
        .execute(
            "WITH gone AS (DELETE FROM delivery_queue WHERE endpoint_id = $1)
             UPDATE deliveries SET status = 'succeeded', finished_at = 1 WHERE endpoint_id = $1",
            &[&endpoints[2]],
        )
        .await
        .unwrap();
    let purged = outbox.purge(Duration::from_secs(1)).await.unwrap();
    assert_eq!(purged.deliveries, 2);
    assert_eq!(attempts_of(&client, &endpoints).await, [0, 0, 0, 2], "after the purge");

    client.batch_execute("TRUNCATE deliveries CASCADE").await.unwrap();
    assert_eq!(attempts_of(&client, &endpoints).await, [0, 0, 0, 0], "after the truncate");
}

/// The race the trigger is built for. A completion (session A) holds a queued row, updates its
/// delivery and inserts an attempt, uncommitted; the endpoint's deletion waits for the queue row.
/// Once A commits, the deletion goes on; its deliveries' delete finds the row A wrote, and the
/// trigger's statement, with a snapshot taken after A's commit, deletes A's attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_committed_by_a_completion_the_endpoint_deletion_waited_for_is_deleted() {
    let pg = tokio::task::spawn_blocking(Postgres::start).await.unwrap().unwrap();
    let (outbox, endpoints) = queued(&pg.url(), 2, 2).await;
    let admin = connect(&pg.url()).await;
    let doomed = endpoints[0].clone();
    let completion = connect(&pg.url()).await;
    completion.batch_execute("BEGIN").await.unwrap();
    let held = completion
        .query("SELECT delivery_id FROM delivery_queue WHERE endpoint_id = $1 FOR UPDATE", &[&doomed])
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
    completion
        .execute("UPDATE deliveries SET attempts = attempts + 1 WHERE endpoint_id = $1", &[&doomed])
        .await
        .unwrap();
    assert_eq!(completion.execute(ATTEMPT, &[&Some(doomed.clone())]).await.unwrap(), 2);

    let (store, target) = (outbox.clone(), doomed.clone());
    let deletion = tokio::spawn(async move { store.delete_endpoint(&target).await });
    until_waiting(&admin, 1).await;
    completion.batch_execute("COMMIT").await.unwrap();
    deletion.await.unwrap().unwrap();

    assert_eq!(attempts_of(&admin, &endpoints).await, [0, 0], "attempts left per endpoint");
    let deliveries: i64 = admin.query_one("SELECT count(*) FROM deliveries", &[]).await.unwrap().get(0);
    assert_eq!(deliveries, 2, "the other endpoint's deliveries are kept");
}

/// The other order: the endpoint's deletion (a session that has not committed yet) removed the
/// queue rows and deliveries while a worker's attempt was on the wire. The worker's completion
/// waits for the queue row, then finds it gone and writes nothing: no attempt is left without
/// its delivery, which the key used to refuse and nothing checks now but the completion's shape
/// (it inserts attempts only for the deliveries it updated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_that_waited_for_the_endpoint_deletion_writes_no_attempt() {
    let pg = tokio::task::spawn_blocking(Postgres::start).await.unwrap().unwrap();
    let receiver = Receiver::start(|_| Reply::Slow(Duration::from_millis(500), 200)).await;
    let outbox = Outbox::open(&pg.url()).await.unwrap();
    let endpoint = NewEndpoint::new(&receiver.url("/"), "standard-webhooks", SECRET).allow_private(true);
    let endpoint = outbox.add_endpoint(endpoint).await.unwrap().id;
    outbox.publish(Publish::event("order.created", json!({ "id": 1 }))).await.unwrap();
    let admin = connect(&pg.url()).await;
    let worker = outbox.worker().spawn(&tokio::runtime::Handle::current()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.count() == 0 {
        assert!(Instant::now() < deadline, "the delivery was not attempted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let deletion = connect(&pg.url()).await;
    deletion.batch_execute("BEGIN").await.unwrap();
    assert_eq!(
        deletion.execute("DELETE FROM delivery_queue WHERE endpoint_id = $1", &[&endpoint]).await.unwrap(),
        1
    );
    assert_eq!(
        deletion.execute("DELETE FROM deliveries WHERE endpoint_id = $1", &[&endpoint]).await.unwrap(),
        1
    );
    until_waiting(&admin, 1).await;
    deletion.execute("DELETE FROM endpoints WHERE id = $1", &[&endpoint]).await.unwrap();
    deletion.batch_execute("COMMIT").await.unwrap();
    until_waiting(&admin, 0).await;
    worker.stop(Duration::from_secs(5)).await;

    assert_eq!(receiver.count(), 1);
    let attempts: i64 = admin.query_one("SELECT count(*) FROM attempts", &[]).await.unwrap().get(0);
    assert_eq!(attempts, 0, "attempts without their delivery");
}
