// The durable outbox: endpoints, messages and every attempt in a database, and a worker that
// sends, retries and survives crashes. Run: cargo run -p hookwire-outbox --example readme
use std::time::Duration;

use hookwire_outbox::{NewEndpoint, Outbox, Publish, RetrySpec};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let outbox = Outbox::open("sqlite://webhooks.db").await?; // or postgres://user@host/db
    outbox
        .add_endpoint(
            NewEndpoint::new(
                "https://hooks.example.com/in",
                "standard-webhooks",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            )
            .events(["order.*"])
            .retry(RetrySpec::preset("ops-center")),
        )
        .await?;
    let published = outbox.publish(Publish::event("order.created", json!({"id": 1001}))).await?;
    println!("published {published:?}");

    let worker = outbox.worker().concurrency(32).spawn(&tokio::runtime::Handle::current())?;
    // On Ctrl-C: stop claiming, let requests in flight finish for 10 s, give the rest back.
    tokio::signal::ctrl_c().await?;
    worker.stop(Duration::from_secs(10)).await;
    Ok(())
}
