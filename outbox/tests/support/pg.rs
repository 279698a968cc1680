// PostgreSQL helpers shared by the engine's own tests (`src/store/postgres.rs`) and the
// integration tests: a client, an outbox with queued deliveries, a wait for lock waiters.
// Pasted with `include!` where `NewEndpoint`, `Outbox`, `Publish` and `SECRET` are in scope
// (from the crate itself or from `hookwire_outbox`), so every other path here is written out.

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// An outbox with `endpoints` endpoints (nothing listens) and `messages` messages published to
/// all of them, queued: no worker runs.
async fn queued(url: &str, endpoints: usize, messages: u64) -> (Outbox, Vec<String>) {
    let outbox = Outbox::open(url).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..endpoints {
        let endpoint =
            NewEndpoint::new("http://127.0.0.1:9/", "standard-webhooks", SECRET).allow_private(true);
        ids.push(outbox.add_endpoint(endpoint).await.unwrap().id);
    }
    for id in 0..messages {
        outbox.publish(Publish::event("order.created", serde_json::json!({ "id": id }))).await.unwrap();
    }
    (outbox, ids)
}

/// Waits until `n` backends wait for a lock (the test's own clients wait on none).
async fn until_waiting(client: &tokio_postgres::Client, n: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = client
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'", &[])
            .await
            .unwrap()
            .get(0);
        if waiting == n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} backends wait for a lock, not {n}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
