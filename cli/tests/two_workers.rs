//! Two worker processes on one PostgreSQL: each delivery is sent by one of them only, and both
//! do work (claims are `FOR UPDATE SKIP LOCKED`).

mod common;

use std::time::Duration;

use common::receiver::{Receiver, Reply};
use common::{hookwire, ok, SECRET};
use hookwire_outbox::{Outbox, Publish};

const MESSAGES: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_workers_share_the_work_and_send_nothing_twice() {
    let pg = hookwire_testkit::Postgres::start().unwrap();
    let db = pg.url();
    // A little latency so that neither worker can drain the queue alone before the other starts.
    let receiver = Receiver::start(|_| Reply::Slow(Duration::from_millis(2), 200)).await;
    ok(&["outbox", "init", "--db", &db]);
    ok(&[
        "outbox",
        "endpoint",
        "add",
        "--db",
        &db,
        "--url",
        &receiver.url("/"),
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
        "--allow-private",
        "--max-in-flight",
        "64",
    ]);
    let outbox = Outbox::open(&db).await.unwrap();
    for n in 0..MESSAGES {
        outbox.publish(Publish::event("order.created", serde_json::json!({ "id": n }))).await.unwrap();
    }
    let worker = |id: &str| {
        hookwire(&[
            "outbox",
            "worker",
            "--db",
            &db,
            "--id",
            id,
            "--concurrency",
            "8",
            "--until-idle",
            "--timeout",
            "120",
        ])
        .spawn()
        .unwrap()
    };
    let (mut first, mut second) = (worker("w1"), worker("w2"));
    assert!(first.wait().unwrap().success() && second.wait().unwrap().success());

    let mut ids: Vec<String> = receiver.seen().iter().map(|s| s.header("webhook-id").unwrap()).collect();
    assert_eq!(ids.len(), MESSAGES, "no request sent twice without a crash");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), MESSAGES, "every message sent once");

    let (client, connection) = tokio_postgres::connect(&db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows = client
        .query("SELECT worker, count(*) FROM attempts GROUP BY worker ORDER BY worker", &[])
        .await
        .unwrap();
    let work: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        work.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(),
        ["w1", "w2"],
        "both did work: {work:?}"
    );
    assert_eq!(work.iter().map(|(_, n)| n).sum::<i64>(), MESSAGES as i64);
    eprintln!("work split: {work:?}");
}
