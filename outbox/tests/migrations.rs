//! Databases made by earlier schemas (with rows in them) open under the current build: they are
//! migrated in place and their rows are used as they are, claims in flight included.

#[path = "support/receiver.rs"]
mod receiver;

use std::time::Duration;

use hookwire_outbox::{DeliveryFilter, DeliveryStatus, Outbox, SCHEMA_VERSION};
use receiver::Receiver;

const FIRST_SQLITE: &str = include_str!("../migrations/sqlite/0001_initial.sql");
const FIRST_POSTGRES: &str = include_str!("../migrations/postgres/0001_initial.sql");
const SECOND_SQLITE: &str = include_str!("../migrations/sqlite/0002_endpoint_history.sql");
const SECOND_POSTGRES: &str = include_str!("../migrations/postgres/0002_endpoint_history.sql");
const THIRD_SQLITE: &str = include_str!("../migrations/sqlite/0003_hot_claims.sql");
const THIRD_POSTGRES: &str = include_str!("../migrations/postgres/0003_hot_claims.sql");
const FOURTH_POSTGRES: &str = include_str!("../migrations/postgres/0004_ordered_payloads.sql");
const FIFTH_POSTGRES: &str = include_str!("../migrations/postgres/0005_due_queue.sql");
const SIXTH_POSTGRES: &str = include_str!("../migrations/postgres/0006_queue_vacuum.sql");

const SCHEMA_TABLE: &str = "CREATE TABLE hookwire_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
     INSERT INTO hookwire_schema VALUES (1, 'initial', 0);";

/// Rows as the first schema's build wrote them: an endpoint, two messages, a succeeded
/// delivery with its attempt, and a pending delivery. `$URL` is the receiver.
const ROWS: &str = r#"
INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at, updated_at, version)
VALUES ('ep_old', '$URL', 'standard-webhooks', '["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]',
        '{"events":["*"],"retry":{"preset":"standard-webhooks"},"max_in_flight":16,"timeout_ms":5000,"allow_private":true}',
        NULL, $TRUE, '{"consecutive_failures":0,"failing_since":null,"disabled":null}', 1000, 1000, 1);
INSERT INTO messages (id, event_type, payload, idempotency_key, tenant, created_at)
VALUES ('msg_done', 'order.created', $DONE, NULL, NULL, 1000),
       ('msg_todo', 'order.created', $TODO, 'order-2', NULL, 2000);
INSERT INTO deliveries (id, message_id, endpoint_id, event_type, status, due_at, attempts, run_attempts, run_started_at,
                        manual, last_status, created_at, updated_at, finished_at)
VALUES ('dlv_done', 'msg_done', 'ep_old', 'order.created', 'succeeded', NULL, 1, 1, 1000, $FALSE, 200, 1000, 1100, 1100),
       ('dlv_todo', 'msg_todo', 'ep_old', 'order.created', 'pending', 2000, 0, 0, 2000, $FALSE, NULL, 2000, 2000, NULL);
INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status, class, failure, error, response_headers,
                      response_body, response_truncated, manual, worker)
VALUES ('dlv_done', 1, 1000, 42, 200, 'success', NULL, NULL, '[]', 'ok', $FALSE, $FALSE, 'wrk_old');
"#;

/// Claims as the second schema's build left them: it moved a claimed delivery's due time to its
/// lease's end. `dlv_held` is leased until `$HELD` (far ahead), `dlv_lapsed`'s worker died and
/// its lease ended long ago.
const CLAIMED_ROWS: &str = r#"
INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at, updated_at, version)
VALUES ('ep_old', '$URL', 'standard-webhooks', '["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]',
        '{"events":["*"],"retry":{"preset":"standard-webhooks"},"max_in_flight":16,"timeout_ms":5000,"allow_private":true}',
        NULL, $TRUE, '{"consecutive_failures":0,"failing_since":null,"disabled":null}', 1000, 1000, 1);
INSERT INTO messages (id, event_type, payload, idempotency_key, tenant, created_at)
VALUES ('msg_held', 'order.created', $HELD_BODY, NULL, NULL, 1000),
       ('msg_lapsed', 'order.created', $LAPSED_BODY, NULL, NULL, 1000);
INSERT INTO deliveries (id, message_id, endpoint_id, event_type, status, due_at, attempts, run_attempts, run_started_at,
                        manual, claim_token, claimed_by, lease_until, created_at, updated_at)
VALUES ('dlv_held', 'msg_held', 'ep_old', 'order.created', 'pending', $HELD, 0, 0, 1000, $FALSE, 'clm_live', 'wrk_busy',
        $HELD, 1000, 1000),
       ('dlv_lapsed', 'msg_lapsed', 'ep_old', 'order.created', 'pending', 1500, 0, 0, 1000, $FALSE, 'clm_dead', 'wrk_dead',
        1500, 1000, 1000);
"#;

/// The leases' end for `dlv_held`: an hour from now, in unix milliseconds.
fn held_until() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(now.as_millis()).unwrap() + 3_600_000
}

fn claimed_rows(url: &str, postgres: bool, held: i64) -> String {
    rows_in(CLAIMED_ROWS, url, postgres)
        .replace("$HELD_BODY", &body("msg_held", postgres))
        .replace("$LAPSED_BODY", &body("msg_lapsed", postgres))
        .replace("$HELD", &held.to_string())
}

fn body(id: &str, postgres: bool) -> String {
    let json = format!(r#"{{"id":"{id}","type":"order.created","data":{{"id":1}}}}"#);
    if postgres {
        format!("convert_to('{json}', 'UTF8')")
    } else {
        format!("CAST('{json}' AS BLOB)")
    }
}

fn rows_in(template: &str, url: &str, postgres: bool) -> String {
    let (t, f) = if postgres { ("TRUE", "FALSE") } else { ("1", "0") };
    template.replace("$URL", url).replace("$TRUE", t).replace("$FALSE", f)
}

fn rows(url: &str, postgres: bool) -> String {
    rows_in(ROWS, url, postgres)
        .replace("$DONE", &body("msg_done", postgres))
        .replace("$TODO", &body("msg_todo", postgres))
}

async fn opens_and_uses_the_first_schema(url: &str, receiver: &Receiver) {
    let outbox = Outbox::open(url).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(outbox.endpoint("ep_old").await.unwrap().url, receiver.url("/old"));
    // The new column was filled for old attempts: statistics see them.
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats[0].attempts, stats[0].p50_latency), (1, Some(Duration::from_millis(42))));
    outbox.run_until_idle(Duration::from_secs(20)).await.unwrap();
    let todo = outbox.delivery("dlv_todo").await.unwrap();
    assert_eq!((todo.status, todo.attempts), (DeliveryStatus::Succeeded, 1));
    assert_eq!(receiver.seen()[0].header("webhook-id").as_deref(), Some("msg_todo"));
    assert_eq!(outbox.deliveries(DeliveryFilter::default()).await.unwrap().len(), 2);
    // Idempotency keys written by the first schema still hold.
    let again = outbox
        .publish(
            hookwire_outbox::Publish::event("order.created", serde_json::json!({}))
                .idempotency_key("order-2"),
        )
        .await
        .unwrap();
    assert_eq!((again.message_id.as_str(), again.duplicate), ("msg_todo", true));
    // Opening again changes nothing.
    assert_eq!(Outbox::open(url).await.unwrap().schema_version().await.unwrap(), SCHEMA_VERSION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_database_of_the_first_schema_opens_under_the_current_one() {
    let receiver = Receiver::answering(200).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(FIRST_SQLITE).unwrap();
    conn.execute_batch(SCHEMA_TABLE).unwrap();
    conn.execute_batch(&rows(&receiver.url("/old"), false)).unwrap();
    drop(conn);
    opens_and_uses_the_first_schema(&format!("sqlite://{}", path.display()), &receiver).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_first_schema_opens_under_the_current_one() {
    let receiver = Receiver::answering(200).await;
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(FIRST_POSTGRES).await.unwrap();
    client.batch_execute(SCHEMA_TABLE).await.unwrap();
    client.batch_execute(&rows(&receiver.url("/old"), true)).await.unwrap();
    opens_and_uses_the_first_schema(&pg.url(), &receiver).await;
}

/// Runs a worker until the lapsed claim (`dlv_lapsed`) is sent again, then a little longer, so
/// anything else it (wrongly) thinks is due would be taken too; then stops it.
async fn sends_the_lapsed_claim_and_nothing_else_due(outbox: &Outbox) {
    let worker = outbox
        .worker()
        .poll_interval(Duration::from_millis(20))
        .spawn(&tokio::runtime::Handle::current())
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while outbox.delivery("dlv_lapsed").await.unwrap().status != DeliveryStatus::Succeeded {
        assert!(std::time::Instant::now() < deadline, "the lapsed claim was never taken again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    worker.stop(Duration::from_secs(5)).await;
}

/// The second schema's claims keep their meaning: a lease still running is left alone (and its
/// delivery reports the lease's end as its next attempt), a lapsed one is claimed and sent.
async fn opens_the_second_schema_with_claims_in_flight(url: &str, receiver: &Receiver, held: i64) {
    let outbox = Outbox::open(url).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    sends_the_lapsed_claim_and_nothing_else_due(&outbox).await;
    let held_delivery = outbox.delivery("dlv_held").await.unwrap();
    assert_eq!(
        (held_delivery.status, held_delivery.attempts, held_delivery.next_attempt_at),
        (DeliveryStatus::Pending, 0, Some(hookwire_outbox::UnixTime::from_millis(held)))
    );
    let sent: Vec<Option<String>> = receiver.seen().iter().map(|s| s.header("webhook-id")).collect();
    assert_eq!(sent, [Some("msg_lapsed".to_owned())]);
    let metrics = outbox.metrics().await.unwrap();
    assert_eq!((metrics.queue_depth, metrics.due_now), (1, 0), "a running lease is not due");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_database_of_the_second_schema_keeps_its_claims_in_flight() {
    let receiver = Receiver::answering(200).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let held = held_until();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(FIRST_SQLITE).unwrap();
    conn.execute_batch(SECOND_SQLITE).unwrap();
    conn.execute_batch(SCHEMA_TABLE).unwrap();
    conn.execute("INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0)", []).unwrap();
    conn.execute_batch(&claimed_rows(&receiver.url("/old"), false, held)).unwrap();
    drop(conn);
    opens_the_second_schema_with_claims_in_flight(&format!("sqlite://{}", path.display()), &receiver, held)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_second_schema_keeps_its_claims_in_flight() {
    let receiver = Receiver::answering(200).await;
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let held = held_until();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(FIRST_POSTGRES).await.unwrap();
    client.batch_execute(SECOND_POSTGRES).await.unwrap();
    client.batch_execute(SCHEMA_TABLE).await.unwrap();
    client.batch_execute("INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0)").await.unwrap();
    client.batch_execute(&claimed_rows(&receiver.url("/old"), true, held)).await.unwrap();
    opens_the_second_schema_with_claims_in_flight(&pg.url(), &receiver, held).await;
}

/// Pending deliveries written by the third schema's build (no message number: PostgreSQL's
/// migration 4 gives them theirs) are delivered, with their own payloads, under the current one.
async fn delivers_what_the_third_schema_left_pending(url: &str, receiver: &Receiver) {
    let outbox = Outbox::open(url).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    outbox.run_until_idle(Duration::from_secs(20)).await.unwrap();
    for id in ["dlv_held", "dlv_lapsed"] {
        let delivery = outbox.delivery(id).await.unwrap();
        assert_eq!((delivery.status, delivery.attempts), (DeliveryStatus::Succeeded, 1), "{id}");
    }
    let mut sent: Vec<(Option<String>, String)> = receiver
        .seen()
        .iter()
        .map(|s| (s.header("webhook-id"), String::from_utf8_lossy(&s.body).into_owned()))
        .collect();
    sent.sort();
    let expected: Vec<(Option<String>, String)> = ["msg_held", "msg_lapsed"]
        .iter()
        .map(|id| {
            (Some((*id).to_owned()), format!(r#"{{"id":"{id}","type":"order.created","data":{{"id":1}}}}"#))
        })
        .collect();
    assert_eq!(sent, expected);
    // Publishing after the migration numbers new messages after the old ones.
    let fresh = outbox
        .publish(hookwire_outbox::Publish::event("order.created", serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(fresh.deliveries, 1);
    outbox.run_until_idle(Duration::from_secs(20)).await.unwrap();
    assert_eq!(receiver.seen().len(), 3);
}

/// The third schema's rows: `CLAIMED_ROWS` with both leases long over (the worker that held them
/// is gone), so both deliveries are due.
fn third_schema_rows(url: &str, postgres: bool) -> String {
    claimed_rows(url, postgres, 1500)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_database_of_the_third_schema_delivers_its_pending_deliveries() {
    let receiver = Receiver::answering(200).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [FIRST_SQLITE, SECOND_SQLITE, THIRD_SQLITE, SCHEMA_TABLE] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch("INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0), (3, 'hot_claims', 0)")
        .unwrap();
    conn.execute_batch(&third_schema_rows(&receiver.url("/old"), false)).unwrap();
    drop(conn);
    delivers_what_the_third_schema_left_pending(&format!("sqlite://{}", path.display()), &receiver).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_third_schema_delivers_its_pending_deliveries() {
    let receiver = Receiver::answering(200).await;
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for sql in [FIRST_POSTGRES, SECOND_POSTGRES, THIRD_POSTGRES, SCHEMA_TABLE] {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .batch_execute("INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0), (3, 'hot_claims', 0)")
        .await
        .unwrap();
    client.batch_execute(&third_schema_rows(&receiver.url("/old"), true)).await.unwrap();
    delivers_what_the_third_schema_left_pending(&pg.url(), &receiver).await;
}

/// The fourth schema's queue, as its build left it in `deliveries` (PostgreSQL's migration 5 moves
/// it to `delivery_queue`): `dlv_held` is claimed until `$HELD`, `dlv_lapsed` (a retry by hand)
/// was claimed by a worker that died, `dlv_later` waits for a retry at `$HELD`; `dlv_done`,
/// `dlv_failed` and `dlv_cancelled` are final. Every queued one has its own attempt counts and
/// run start, so that a backfill taking one for another shows.
const FOURTH_POSTGRES_ROWS: &str = r#"
INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at, updated_at, version)
VALUES ('ep_old', '$URL', 'standard-webhooks', '["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]',
        '{"events":["*"],"retry":{"preset":"standard-webhooks"},"max_in_flight":16,"timeout_ms":5000,"allow_private":true}',
        NULL, TRUE, '{"consecutive_failures":0,"failing_since":null,"disabled":null}', 1000, 1000, 1);
INSERT INTO messages (id, event_type, payload, idempotency_key, tenant, created_at)
VALUES ('msg_held', 'order.created', $HELD_BODY, NULL, NULL, 1000),
       ('msg_lapsed', 'order.created', $LAPSED_BODY, NULL, NULL, 1000),
       ('msg_later', 'order.created', $LATER_BODY, NULL, NULL, 1000),
       ('msg_done', 'order.created', $DONE_BODY, NULL, NULL, 1000),
       ('msg_failed', 'order.created', $FAILED_BODY, NULL, NULL, 1000),
       ('msg_cancelled', 'order.created', $CANCELLED_BODY, NULL, NULL, 1000);
INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status, due_at, attempts, run_attempts,
                        run_started_at, manual, claim_token, claimed_by, lease_until, created_at, updated_at,
                        finished_at)
SELECT d.id, d.message_id, m.seq, 'ep_old', 'order.created', d.status, d.due_at, d.attempts, d.run_attempts,
       d.run_started_at, d.manual, d.claim_token, d.claimed_by, d.lease_until, 1000, 1000, d.finished_at
FROM (VALUES ('dlv_held', 'msg_held', 'pending', 1000, 0, 0, 1000, FALSE, 'clm_live', 'wrk_busy', $HELD, NULL),
             ('dlv_lapsed', 'msg_lapsed', 'pending', 1000, 4, 0, 1200, TRUE, 'clm_dead', 'wrk_dead', 1500, NULL),
             ('dlv_later', 'msg_later', 'retrying', $HELD, 3, 2, 1300, FALSE, NULL, NULL, NULL, NULL),
             ('dlv_done', 'msg_done', 'succeeded', NULL, 1, 1, 1000, FALSE, NULL, NULL, NULL, 1100),
             ('dlv_failed', 'msg_failed', 'failed', NULL, 5, 5, 1000, FALSE, NULL, NULL, NULL, 1200),
             ('dlv_cancelled', 'msg_cancelled', 'cancelled', 900, 1, 1, 1000, TRUE, NULL, NULL, NULL, 1300))
    AS d (id, message_id, status, due_at, attempts, run_attempts, run_started_at, manual, claim_token, claimed_by,
          lease_until, finished_at)
JOIN messages m ON m.id = d.message_id;
"#;

/// A row of `delivery_queue`, all its columns in order.
type QueueRow = (String, String, i64, i64, i32, i32, i64, bool, Option<String>, Option<String>, Option<i64>);

/// PostgreSQL's migration 5 moves the due queue and the claims out of `deliveries`: each pending
/// or retrying delivery's row, counts, run and claim as they were, and no final one; then a lease
/// still running is left alone, a lapsed one is claimed and sent, a retry keeps its time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_fourth_schema_keeps_its_queue_and_claims() {
    let receiver = Receiver::answering(200).await;
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let held = held_until();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for sql in [FIRST_POSTGRES, SECOND_POSTGRES, THIRD_POSTGRES, FOURTH_POSTGRES, SCHEMA_TABLE] {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0), (3, 'hot_claims', 0),
                 (4, 'ordered_payloads', 0)",
        )
        .await
        .unwrap();
    let rows = FOURTH_POSTGRES_ROWS
        .replace("$URL", &receiver.url("/old"))
        .replace("$HELD_BODY", &body("msg_held", true))
        .replace("$LAPSED_BODY", &body("msg_lapsed", true))
        .replace("$LATER_BODY", &body("msg_later", true))
        .replace("$DONE_BODY", &body("msg_done", true))
        .replace("$FAILED_BODY", &body("msg_failed", true))
        .replace("$CANCELLED_BODY", &body("msg_cancelled", true))
        .replace("$HELD", &held.to_string());
    client.batch_execute(&rows).await.unwrap();

    let outbox = Outbox::open(&pg.url()).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    let queue: Vec<QueueRow> = client
        .query("SELECT * FROM delivery_queue ORDER BY delivery_id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
                r.get(8),
                r.get(9),
                r.get(10),
            )
        })
        .collect();
    let (live, dead) = (Some("clm_live".to_owned()), Some("clm_dead".to_owned()));
    let (busy, died) = (Some("wrk_busy".to_owned()), Some("wrk_dead".to_owned()));
    let expected: Vec<QueueRow> = vec![
        ("dlv_held".into(), "ep_old".into(), 1, 1000, 0, 0, 1000, false, live, busy, Some(held)),
        ("dlv_lapsed".into(), "ep_old".into(), 2, 1000, 4, 0, 1200, true, dead, died, Some(1500)),
        ("dlv_later".into(), "ep_old".into(), 3, held, 3, 2, 1300, false, None, None, None),
    ];
    assert_eq!(queue, expected, "the pending and retrying deliveries, as they were, and nothing final");
    let metrics = outbox.metrics().await.unwrap();
    assert_eq!((metrics.queue_depth, metrics.due_now), (3, 1), "held, lapsed (due) and later are queued");
    sends_the_lapsed_claim_and_nothing_else_due(&outbox).await;
    let at = Some(hookwire_outbox::UnixTime::from_millis(held));
    for (id, status, attempts) in
        [("dlv_held", DeliveryStatus::Pending, 0), ("dlv_later", DeliveryStatus::Retrying, 3)]
    {
        let delivery = outbox.delivery(id).await.unwrap();
        assert_eq!(
            (delivery.status, delivery.attempts, delivery.next_attempt_at),
            (status, attempts, at),
            "{id}"
        );
    }
    for (id, status) in [
        ("dlv_done", DeliveryStatus::Succeeded),
        ("dlv_failed", DeliveryStatus::Failed),
        ("dlv_cancelled", DeliveryStatus::Cancelled),
    ] {
        let delivery = outbox.delivery(id).await.unwrap();
        assert_eq!((delivery.status, delivery.next_attempt_at), (status, None), "{id}");
    }
    let sent: Vec<Option<String>> = receiver.seen().iter().map(|s| s.header("webhook-id")).collect();
    assert_eq!(sent, [Some("msg_lapsed".to_owned())]);
    let metrics = outbox.metrics().await.unwrap();
    assert_eq!(
        (metrics.queue_depth, metrics.due_now),
        (2, 0),
        "a running lease and a later retry are not due"
    );
}

/// A queue of the fifth schema: `$N` pending deliveries of one endpoint, due in publish order.
const FIFTH_POSTGRES_QUEUE: &str = r#"
INSERT INTO endpoints (id, url, scheme, secrets, config, tenant, enabled, health, created_at, updated_at, version)
VALUES ('ep_old', 'http://127.0.0.1:9/old', 'standard-webhooks', '["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]',
        '{"events":["*"],"retry":{"preset":"standard-webhooks"},"max_in_flight":16,"timeout_ms":5000,"allow_private":true}',
        NULL, TRUE, '{"consecutive_failures":0,"failing_since":null,"disabled":null}', 1000, 1000, 1);
INSERT INTO messages (id, event_type, payload, created_at)
SELECT 'msg_' || i, 'order.created', '\x7b7d'::bytea, 1000 FROM generate_series(1, $N) i;
INSERT INTO deliveries (id, message_id, message_seq, endpoint_id, event_type, status, run_started_at, created_at,
                        updated_at)
SELECT 'dlv_' || m.seq, m.id, m.seq, 'ep_old', 'order.created', 'pending', 1000, 1000, 1000 FROM messages m;
INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts, run_started_at,
                            manual)
SELECT id, endpoint_id, message_seq, 1000 + message_seq, 0, 0, 1000, FALSE FROM deliveries;
"#;

/// How many times autovacuum has vacuumed the due queue.
async fn queue_autovacuums(client: &tokio_postgres::Client) -> i64 {
    let row = client
        .query_one("SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'delivery_queue'", &[])
        .await
        .unwrap();
    row.get(0)
}

/// Pushes this connection's statistics to the server's at once: PostgreSQL 15 keeps them in
/// shared memory and flushes them lazily (`pg_stat_force_next_flush` takes effect when the
/// statement's transaction ends); 12-14 send them to the collector every half second.
async fn flush_statistics(client: &tokio_postgres::Client, version: i32) {
    if version >= 150000 {
        client.batch_execute("SELECT pg_stat_force_next_flush()").await.unwrap();
    } else {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
}

/// PostgreSQL's migration 6: the due queue is vacuumed after a fixed count of dead rows, whatever
/// its depth. Each claim steps over the dead entries completions leave at the front of the due
/// index until a vacuum removes them; by PostgreSQL's default (50 rows and a fifth of the table)
/// this queue of 50,000 would wait for 10,050 and keep the 4,000 dead rows below for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_fifth_schema_vacuums_its_queue_after_a_fixed_count_of_dead_rows() {
    const QUEUED: i64 = 50_000;
    const COMPLETED: i64 = 4_000;
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for sql in
        [FIRST_POSTGRES, SECOND_POSTGRES, THIRD_POSTGRES, FOURTH_POSTGRES, FIFTH_POSTGRES, SCHEMA_TABLE]
    {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0), (3, 'hot_claims', 0),
                 (4, 'ordered_payloads', 0), (5, 'due_queue', 0)",
        )
        .await
        .unwrap();
    client.batch_execute(&FIFTH_POSTGRES_QUEUE.replace("$N", &QUEUED.to_string())).await.unwrap();

    let outbox = Outbox::open(&pg.url()).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(outbox.metrics().await.unwrap().queue_depth, QUEUED as u64, "the queue is kept");
    let version: i32 =
        client.query_one("SHOW server_version_num", &[]).await.unwrap().get::<_, String>(0).parse().unwrap();
    let options: Option<Vec<String>> = client
        .query_one("SELECT reloptions FROM pg_class WHERE relname = 'delivery_queue'", &[])
        .await
        .unwrap()
        .get(0);
    let options = options.unwrap_or_default();
    for option in ["autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=2000"] {
        assert!(options.iter().any(|set| set == option), "{option} not in {options:?}");
    }
    // As a queue that has been running: vacuumed once (its inserts do not call for another). The
    // inserts' counts must reach the statistics before the VACUUM resets them, or they would
    // arrive after it and call for an autovacuum of their own (13+), with or without migration 6.
    flush_statistics(&client, version).await;
    client.batch_execute("VACUUM ANALYZE delivery_queue").await.unwrap();
    let before = queue_autovacuums(&client).await;
    // The front of the queue completed: dead rows at the head of the due index.
    let removed = client
        .execute(
            "DELETE FROM delivery_queue WHERE delivery_id IN (
                 SELECT delivery_id FROM delivery_queue ORDER BY due_at LIMIT $1)",
            &[&COMPLETED],
        )
        .await
        .unwrap();
    assert_eq!(removed, COMPLETED as u64);
    flush_statistics(&client, version).await;
    // Only the dead rows can call for the vacuum this test waits for.
    if version >= 130000 {
        let row = client
            .query_one(
                "SELECT n_ins_since_vacuum, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'delivery_queue'",
                &[],
            )
            .await
            .unwrap();
        let (inserted, dead): (i64, i64) = (row.get(0), row.get(1));
        assert!(inserted < 1_000 && dead >= COMPLETED, "{inserted} inserts and {dead} dead rows counted");
    }
    // Autovacuum looks at each database every second instead of every minute, for the test.
    client.batch_execute("ALTER SYSTEM SET autovacuum_naptime = 1").await.unwrap();
    client.batch_execute("SELECT pg_reload_conf()").await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while queue_autovacuums(&client).await == before && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        queue_autovacuums(&client).await > before,
        "{COMPLETED} dead rows in a queue of {QUEUED} were not vacuumed within 30 s"
    );
}

/// PostgreSQL's migration 7 locks `deliveries` and `attempts` (ACCESS EXCLUSIVE) to drop the key
/// and add its triggers. Behind a transaction that holds either, it gives up after 5 s with an
/// error that says so, instead of waiting with every statement on those tables queued behind it;
/// the database stays at the sixth schema, and the next open migrates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_migration_behind_a_held_table_gives_up_after_5_s_and_the_next_open_migrates() {
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for sql in [
        FIRST_POSTGRES,
        SECOND_POSTGRES,
        THIRD_POSTGRES,
        FOURTH_POSTGRES,
        FIFTH_POSTGRES,
        SIXTH_POSTGRES,
        SCHEMA_TABLE,
    ] {
        client.batch_execute(sql).await.unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO hookwire_schema VALUES (2, 'endpoint_history', 0), (3, 'hot_claims', 0),
                 (4, 'ordered_payloads', 0), (5, 'due_queue', 0), (6, 'queue_vacuum', 0)",
        )
        .await
        .unwrap();
    // A transaction that has read attempts and stays open (a caller's, around `publish_in`).
    client.batch_execute("BEGIN; SELECT count(*) FROM attempts").await.unwrap();

    let started = std::time::Instant::now();
    let opened = tokio::time::timeout(Duration::from_secs(30), Outbox::open(&pg.url())).await;
    let waited = started.elapsed();
    let err = opened.expect("the migration still waits after 30 s").unwrap_err();
    assert!(waited >= Duration::from_secs(5) && waited < Duration::from_secs(15), "gave up after {waited:?}");
    assert_eq!(err.code(), "store_error");
    let message = err.to_string();
    for part in
        ["migration 7 (attempts_unchecked)", "held deliveries or attempts for 5 s", "open the database again"]
    {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    client.batch_execute("COMMIT").await.unwrap();
    let version: i64 =
        client.query_one("SELECT max(version) FROM hookwire_schema", &[]).await.unwrap().get(0);
    assert_eq!(version, 6);

    let outbox = Outbox::open(&pg.url()).await.unwrap();
    assert_eq!(outbox.schema_version().await.unwrap(), SCHEMA_VERSION);
    let keys: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'attempts'::regclass AND contype = 'f'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(keys, 0, "attempts' foreign keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_build_is_refused_with_schema_too_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(SCHEMA_TABLE).unwrap();
    conn.execute("INSERT INTO hookwire_schema VALUES (99, 'future', 0)", []).unwrap();
    drop(conn);
    let err = Outbox::open(&format!("sqlite://{}", path.display())).await.unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
}
