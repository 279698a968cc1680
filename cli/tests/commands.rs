//! The command-line contract: names, flags, outputs and exit codes of `hookwire outbox …`.

mod common;

use std::time::{Duration, Instant};

use common::receiver::{Receiver, Reply};
use common::{deliveries, hookwire, ok, run, SECRET};

fn sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/outbox.db", dir.path().display());
    (dir, db)
}

fn add(db: &str, url: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "outbox",
        "endpoint",
        "add",
        "--db",
        db,
        "--url",
        url,
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn usage_errors_exit_2() {
    // (arguments, what stderr must say)
    let cases: &[(&[&str], &str)] = &[
        (&[], "Usage:"),
        (&["outbox"], "Usage:"),
        (&["outbox", "bogus"], "Usage:"),
        (&["outbox", "publish", "--db", "sqlite:///tmp/x.db", "--type", "order.created"], "Usage:"),
        (&["outbox", "worker", "--db", "sqlite:///tmp/x.db", "--timeout", "5"], "Usage:"),
        (&["outbox", "deliveries", "--status", "failed"], "--db"),
        (
            &["outbox", "deliveries", "--db", "sqlite:///tmp/x.db", "--status", "lost"],
            "known: pending, retrying",
        ),
        (&["outbox", "worker", "--db", "sqlite:///tmp/x.db", "--lease", "soon"], "not a duration"),
    ];
    for (args, says) in cases {
        let output = hookwire(args).env_remove("HOOKWIRE_DB").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn help_covers_every_outbox_command() {
    let help = ok(&["outbox", "--help"]);
    for command in [
        "init",
        "endpoint",
        "publish",
        "worker",
        "deliveries",
        "attempts",
        "retry",
        "resend",
        "recover",
        "test",
        "stats",
        "purge",
    ] {
        assert!(help.contains(command), "{command} missing from --help");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_url_is_refused_with_blocked_url_unless_allowed() {
    let (_dir, db) = sqlite();
    let output = run(&[
        "outbox",
        "endpoint",
        "add",
        "--db",
        &db,
        "--url",
        "http://127.0.0.1:9/",
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: blocked_url: "), "{stderr}");
    assert!(!stderr.contains(SECRET));
    let id = add(&db, "http://127.0.0.1:9/", &["--allow-private"]);
    assert!(id.starts_with("ep_"), "prints the endpoint id: {id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_prints_the_id_the_receiver_sees_and_the_log_ends_succeeded() {
    let (dir, db) = sqlite();
    let receiver = Receiver::answering(200).await;
    ok(&["outbox", "init", "--db", &db]);
    let endpoint =
        add(&db, &receiver.url("/in"), &["--allow-private", "--events", "order.*", "user.created"]);
    let file = dir.path().join("order.json");
    std::fs::write(&file, br#"{"id": 1001, "total_amount": 45.99}"#).unwrap();
    let from_file = ok(&[
        "outbox",
        "publish",
        "--db",
        &db,
        "--type",
        "order.created",
        "--data",
        &format!("@{}", file.display()),
    ]);
    let keyed = ok(&[
        "outbox",
        "publish",
        "--db",
        &db,
        "--type",
        "user.created",
        "--data",
        r#"{"user_id":1}"#,
        "--idempotency-key",
        "u1",
    ]);
    let again = ok(&[
        "outbox",
        "publish",
        "--db",
        &db,
        "--type",
        "user.created",
        "--data",
        r#"{"user_id":1}"#,
        "--idempotency-key",
        "u1",
    ]);
    assert_eq!(keyed, again, "the idempotency key returns the first message id");
    ok(&["outbox", "publish", "--db", &db, "--type", "job.failed", "--data", "{}"]); // not subscribed

    let pending = deliveries(&db);
    assert_eq!(pending.len(), 2);
    for d in &pending {
        for field in ["id", "message_id", "endpoint_id", "status", "attempts"] {
            assert!(d.get(field).is_some(), "{field} missing in {d}");
        }
        assert_eq!(
            (d["status"].as_str(), d["attempts"].as_u64(), d["endpoint_id"].as_str()),
            (Some("pending"), Some(0), Some(endpoint.as_str()))
        );
    }
    ok(&["outbox", "worker", "--db", &db, "--until-idle", "--timeout", "30", "--poll-interval", "50ms"]);
    let mut seen: Vec<String> = receiver.seen().iter().map(|s| s.header("webhook-id").unwrap()).collect();
    seen.sort();
    let mut expected = vec![from_file, keyed];
    expected.sort();
    assert_eq!(seen, expected);
    assert!(deliveries(&db).iter().all(|d| d["status"] == "succeeded" && d["attempts"] == 1));
    let filtered = ok(&["outbox", "deliveries", "--db", &db, "--status", "failed", "--json"]);
    assert!(filtered.is_empty());
    let stats: serde_json::Value =
        serde_json::from_str(&ok(&["outbox", "stats", "--db", &db, "--json"])).unwrap();
    assert_eq!(stats["metrics"]["delivered"], 2);
    assert_eq!(stats["endpoints"][0]["succeeded"], 2);
    assert!(ok(&["outbox", "stats", "--db", &db]).contains(&endpoint));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_gives_a_failed_delivery_one_more_attempt() {
    let (_dir, db) = sqlite();
    let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let receiver = Receiver::start({
        let up = std::sync::Arc::clone(&up);
        move |_| Reply::status(if up.load(std::sync::atomic::Ordering::SeqCst) { 200 } else { 500 })
    })
    .await;
    add(&db, &receiver.url("/"), &["--allow-private", "--retry-delays", "0,10ms", "--max-attempts", "2"]);
    ok(&["outbox", "publish", "--db", &db, "--type", "order.created", "--data", "{}"]);
    ok(&["outbox", "worker", "--db", &db, "--until-idle", "--poll-interval", "20ms"]);
    let failed = deliveries(&db);
    assert_eq!((failed[0]["status"].as_str(), failed[0]["attempts"].as_u64()), (Some("failed"), Some(2)));
    let id = failed[0]["id"].as_str().unwrap();
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(ok(&["outbox", "retry", "--db", &db, id]), format!("{id} pending"));
    ok(&["outbox", "worker", "--db", &db, "--until-idle", "--poll-interval", "20ms"]);
    let done = deliveries(&db);
    assert_eq!((done[0]["status"].as_str(), done[0]["attempts"].as_u64()), (Some("succeeded"), Some(3)));
    let again = run(&["outbox", "retry", "--db", &db, id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).starts_with("error: invalid_state: "));
    let missing = run(&["outbox", "retry", "--db", &db, "dlv_nope"]);
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("error: not_found: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_idle_exits_1_when_the_timeout_passes_first() {
    let (_dir, db) = sqlite();
    let receiver = Receiver::answering(500).await;
    add(&db, &receiver.url("/"), &["--allow-private", "--retry-delays", "0,1h"]);
    ok(&["outbox", "publish", "--db", &db, "--type", "order.created", "--data", "{}"]);
    let started = Instant::now();
    let output = run(&["outbox", "worker", "--db", &db, "--until-idle", "--timeout", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("timeout"));
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(deliveries(&db)[0]["status"], "retrying");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_worker_gracefully_and_gives_unfinished_work_back() {
    let (_dir, db) = sqlite();
    let receiver = Receiver::start(|_| Reply::Slow(Duration::from_secs(30), 200)).await;
    add(&db, &receiver.url("/"), &["--allow-private", "--timeout", "60s"]);
    ok(&["outbox", "publish", "--db", &db, "--type", "order.created", "--data", "{}"]);
    let mut worker = hookwire(&[
        "outbox",
        "worker",
        "--db",
        &db,
        "--shutdown-timeout",
        "500ms",
        "--poll-interval",
        "20ms",
    ])
    .spawn()
    .unwrap();
    let started = Instant::now();
    while receiver.count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "no request arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let kill = std::process::Command::new("kill").args(["-TERM", &worker.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = worker.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
    assert!(started.elapsed() < Duration::from_secs(10), "it did not wait for the slow receiver");
    let log = deliveries(&db);
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_u64()),
        (Some("pending"), Some(0)),
        "given back, due again"
    );
}
