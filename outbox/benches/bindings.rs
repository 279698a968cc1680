//! `make bench-bindings-outbox`: the outbox from Python and Node beside Rust, in one run, on the
//! same engines and the same receiver. `publish`: the cost of one call (p50 and mean over
//! sequential calls, one endpoint, so each stores a message and a delivery), measured inside
//! each language. Worker: deliveries per second of `run_until_idle` (the Rust worker, started
//! from each language) draining the same pending deliveries. Ratios are against Rust in this run.
//!
//! Each language runs in a child process of its own, the Rust one too (this program, started
//! again with `runner`), beside the same receiver in this process: `publish DB COUNT` and
//! `drain DB CONCURRENCY` print one JSON line, times measured after the outbox is open (Python:
//! `bindings/python/bench/outbox.py`, Node: `bindings/node/bench/outbox.mjs`). HOOKWIRE_PYTHON
//! names the Python with `hookwire` installed.

#[path = "../tests/support/receiver.rs"]
mod receiver;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hookwire_outbox::{NewEndpoint, Outbox, Publish, RetrySpec};
use receiver::Receiver;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CONCURRENCY: usize = 64;

/// Issue 16's goal: a publish from Python or Node costs at most this many times the Rust one.
const PUBLISH_GOAL: f64 = 1.5;

/// The ratios to Rust when issue 16's table was first recorded (the bindings' READMEs): engine,
/// publish p50 (Python, Node), worker deliveries/s (Python, Node).
const FILED: [(&str, f64, f64, f64, f64); 2] =
    [("SQLite", 1.15, 1.69, 0.80, 1.18), ("PostgreSQL", 1.02, 0.85, 1.17, 1.07)];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The same body each language publishes: `{"id": n, "order_number": "ORD-n", …}`.
fn body(n: usize) -> serde_json::Value {
    serde_json::json!({"id": n, "order_number": format!("ORD-{n}"), "total_amount": 45.99, "status": "pending"})
}

/// A fresh outbox with the one endpoint every run uses.
async fn setup(url: &str, receiver: &Receiver) -> Outbox {
    let outbox = Outbox::open(url).await.expect("open");
    outbox
        .add_endpoint(
            NewEndpoint::new(&receiver.url("/in"), "standard-webhooks", SECRET)
                .allow_private(true)
                .max_in_flight(CONCURRENCY as u32)
                .retry(RetrySpec::delays([Duration::ZERO, Duration::from_millis(10)])),
        )
        .await
        .expect("endpoint");
    outbox
}

/// The Rust runner, what the Python and Node ones do: one JSON line.
async fn runner(mode: &str, db: &str, number: usize) -> serde_json::Value {
    let outbox = Outbox::open(db).await.expect("open");
    if mode == "publish" {
        let mut took = Vec::with_capacity(number);
        for n in 0..number {
            let started = Instant::now();
            outbox.publish(Publish::event("order.created", body(n))).await.expect("publish");
            took.push(started.elapsed().as_secs_f64() * 1e6);
        }
        took.sort_by(f64::total_cmp);
        let mean = took.iter().sum::<f64>() / took.len() as f64;
        return serde_json::json!({"p50_us": took[took.len() / 2], "mean_us": mean});
    }
    let pending = outbox.queue_depth().await.expect("depth");
    let started = Instant::now();
    let report = outbox
        .worker()
        .concurrency(number)
        .poll_interval(Duration::from_millis(5))
        .run_until_idle(Duration::from_secs(300))
        .await
        .expect("drain");
    serde_json::json!({"succeeded": report.succeeded, "per_second": pending as f64 / started.elapsed().as_secs_f64()})
}

/// A runner of another language: its JSON answer.
fn run(language: &str, args: &[&str]) -> serde_json::Value {
    let (program, first) = match language {
        "Rust" => (std::env::current_exe().expect("this program"), PathBuf::from("runner")),
        "Python" => (
            std::env::var_os("HOOKWIRE_PYTHON")
                .map(PathBuf::from)
                .unwrap_or_else(|| root().join(".venv/bin/python")),
            root().join("bindings/python/bench/outbox.py"),
        ),
        _ => (PathBuf::from("node"), root().join("bindings/node/bench/outbox.mjs")),
    };
    let output = Command::new(&program).arg(&first).args(args).output().expect("runner");
    assert!(output.status.success(), "{language} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{language}: {e}: {output:?}"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("runner") {
        let answer = runner(&args[2], &args[3], args[4].parse().expect("a number")).await;
        println!("{answer}");
        return;
    }
    let publishes = env_usize("BENCH_PUBLISHES", 2_000);
    let deliveries = env_usize("BENCH_DELIVERIES", 10_000);
    let rounds = env_usize("BENCH_ROUNDS", 3);
    let receiver = Receiver::answering(200).await;
    let dir = tempfile::tempdir().unwrap();
    let pg = hookwire_testkit::Postgres::start().expect("PostgreSQL (make installs it)");
    let mut fresh = 0;
    let mut database = |engine: &str| {
        fresh += 1;
        match engine {
            "SQLite" => format!("sqlite://{}/bench{fresh}.db", dir.path().display()),
            _ => pg.create_database(&format!("bench{fresh}")).expect("database"),
        }
    };
    let languages = ["Rust", "Python", "Node"];

    println!("| engine | measure | Rust | Python | Node | at filing (Python, Node) | goal |");
    println!("|---|---|---|---|---|---|---|");
    for engine in ["SQLite", "PostgreSQL"] {
        // Each round runs every language once, in turn, so that a busy moment of the machine
        // does not fall on one language only; the best round of each is kept.
        let mut p50 = [f64::MAX; 3];
        let mut mean = [f64::MAX; 3];
        let mut rate = [0f64; 3];
        for _ in 0..rounds {
            for (i, language) in languages.iter().enumerate() {
                let url = database(engine);
                let outbox = setup(&url, &receiver).await;
                drop(outbox);
                let answer = run(language, &["publish", &url, &publishes.to_string()]);
                p50[i] = p50[i].min(answer["p50_us"].as_f64().unwrap());
                mean[i] = mean[i].min(answer["mean_us"].as_f64().unwrap());

                // The deliveries to drain, published by Rust (untimed), the same for each.
                let url = database(engine);
                let outbox = setup(&url, &receiver).await;
                for n in 0..deliveries {
                    outbox.publish(Publish::event("order.created", body(n))).await.unwrap();
                }
                drop(outbox);
                let answer = run(language, &["drain", &url, &CONCURRENCY.to_string()]);
                assert_eq!(answer["succeeded"].as_u64().unwrap() as usize, deliveries, "{language}");
                rate[i] = rate[i].max(answer["per_second"].as_f64().unwrap());
            }
        }
        let ratio = |values: &[f64; 3], i: usize| values[i] / values[0];
        let filed = FILED.iter().find(|f| f.0 == engine).expect("a figure at filing per engine");
        let met = |i: usize| if ratio(&p50, i) <= PUBLISH_GOAL { "met" } else { "**not met**" };
        println!(
            "| {engine} | publish p50 | {:.0} µs | {:.0} µs (**{:.2}×**) | {:.0} µs (**{:.2}×**) | {:.2}×, {:.2}× | ≤ {PUBLISH_GOAL}×: Python {}, Node {} |",
            p50[0],
            p50[1],
            ratio(&p50, 1),
            p50[2],
            ratio(&p50, 2),
            filed.1,
            filed.2,
            met(1),
            met(2)
        );
        println!(
            "| {engine} | publish mean | {:.0} µs | {:.0} µs ({:.2}×) | {:.0} µs ({:.2}×) | | |",
            mean[0],
            mean[1],
            ratio(&mean, 1),
            mean[2],
            ratio(&mean, 2)
        );
        println!(
            "| {engine} | worker deliveries/s | {:.0} | {:.0} (**{:.2}×**) | {:.0} (**{:.2}×**) | {:.2}×, {:.2}× | equal |",
            rate[0],
            rate[1],
            ratio(&rate, 1),
            rate[2],
            ratio(&rate, 2),
            filed.3,
            filed.4
        );
    }
    println!(
        "\n{publishes} publishes, {deliveries} deliveries, {CONCURRENCY} in flight, best of {rounds} rounds"
    );
}
