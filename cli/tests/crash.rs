//! The worker process is killed with SIGKILL mid-run and started again: nothing is lost, every
//! message reaches the receiver with a valid signature, and the only duplicates are the
//! deliveries that were in flight at the kill. On SQLite and on PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use common::{deliveries, hookwire, ok, verifying_receiver, SECRET};
use hookwire_outbox::{Outbox, Publish};

const MESSAGES: usize = 2_000;

/// Deliveries a worker had claimed and not finished (their claim token is still set).
async fn claimed(db: &str) -> usize {
    if let Some(path) = db.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        return conn
            .query_row("SELECT count(*) FROM deliveries WHERE claim_token IS NOT NULL", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap() as usize;
    }
    let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one("SELECT count(*) FROM delivery_queue WHERE claim_token IS NOT NULL", &[])
        .await
        .unwrap();
    row.get::<_, i64>(0) as usize
}

async fn killed_worker_resumes_without_losing_a_message(db: &str) {
    let (receiver, tally) = verifying_receiver(5).await;
    ok(&["outbox", "init", "--db", db]);
    ok(&[
        "outbox",
        "endpoint",
        "add",
        "--db",
        db,
        "--url",
        &receiver.url("/hooks"),
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
        "--allow-private",
        "--retry-delays",
        "0,20ms",
        "--max-attempts",
        "50",
        "--throttle-min",
        "50ms",
    ]);
    let outbox = Outbox::open(db).await.unwrap();
    let mut published = Vec::with_capacity(MESSAGES);
    for n in 0..MESSAGES {
        let message =
            outbox.publish(Publish::event("order.created", serde_json::json!({ "id": n }))).await.unwrap();
        published.push(message.message_id);
    }

    let worker_args =
        ["outbox", "worker", "--db", db, "--concurrency", "16", "--lease", "2s", "--poll-interval", "50ms"];
    let mut worker = hookwire(&worker_args).spawn().unwrap();
    let started = Instant::now();
    while tally.lock().unwrap().accepted.len() < MESSAGES / 4 {
        assert!(started.elapsed() < Duration::from_secs(120), "the first worker made no progress");
        assert!(worker.try_wait().unwrap().is_none(), "the worker exited on its own");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    let in_flight = claimed(db).await;
    let before = tally.lock().unwrap().accepted.len();
    assert!(before < MESSAGES, "killed mid-run, not after the end");

    let mut resume = worker_args.to_vec();
    resume.extend(["--until-idle", "--timeout", "120"]);
    ok(&resume);

    let tally = tally.lock().unwrap();
    assert_eq!(tally.invalid, 0, "every request carried a valid signature");
    assert!(tally.throttled > 0, "the receiver throttled some requests");
    for id in &published {
        assert!(tally.accepted.contains_key(id), "message {id} never reached the receiver");
    }
    let duplicates: usize = tally.accepted.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates, but only {in_flight} deliveries were in flight at the kill"
    );
    let log = deliveries(db);
    assert_eq!(log.len(), MESSAGES);
    assert!(log.iter().all(|d| d["status"] == "succeeded"), "every delivery ends succeeded");
    eprintln!("{db}: killed after {before} accepted, {in_flight} in flight, {duplicates} duplicates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_killed_mid_run_resumes_without_losing_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/outbox.db", dir.path().display());
    killed_worker_resumes_without_losing_a_message(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_killed_mid_run_resumes_without_losing_a_message() {
    let pg = hookwire_testkit::Postgres::start().unwrap();
    killed_worker_resumes_without_losing_a_message(&pg.url()).await;
}
