//! What a replay claim costs, per store, beside a bare round trip of the same client.
//!
//! `cargo bench -p hookwire-stores --bench claims` (or `make bench`). For SQLite (a file in a
//! temporary folder, WAL), PostgreSQL and Redis (throwaway servers on loopback, started by
//! `hookwire-testkit`), each round times a batch of each of these, one new message per step:
//!
//! | row | one iteration |
//! |---|---|
//! | `bare` | the client alone, one round trip: SQLite one `INSERT` (prepared, same table shape, a file of its own with the same settings), PostgreSQL one prepared `INSERT` (same table shape), Redis one `SET NX PX`; the network clients both on the calling thread and on a runtime thread the caller waits for (the path the stores take) |
//! | `claim` | `SeenStore::claim` (blocking API) |
//! | `claim+commit` | `SeenStore::claim` then `SeenStore::commit` |
//! | `async claim+commit` | the same through `AsyncSeenStore`, awaited on a current-thread runtime |
//!
//! The bare clients run on the bench thread (PostgreSQL and Redis on a current-thread runtime
//! driving their connection right there); hookwire's steps cross to the stores' own runtime and
//! back, which is part of what is measured. Rounds interleave the rows (each round starting
//! with another), and each row's figure is its median round, so a noisy neighbour slows every
//! row alike. The table gives
//! microseconds per message (medians) and the ratios, each the median of the per-round ratios:
//! `claim / bare`, and `claim+commit / 2 × bare` (a message needs two steps, each one round
//! trip; the target is ≤ 1.2).

use std::time::{Duration, Instant};

use hookwire::{ClaimRequest, SeenStore, UnixTime};
use hookwire_stores::{AsyncSeenStore, PostgresStore, RedisStore, SqliteStore, Store, StoreOptions};
use hookwire_testkit::{Postgres, Redis};

const ROUNDS: usize = 25;
const BATCH: usize = 200;

/// A bare client doing one insert of a new key per call.
trait Bare {
    fn insert(&mut self, key: &str);
}

struct SqliteBare(rusqlite::Connection);

impl Bare for SqliteBare {
    fn insert(&mut self, key: &str) {
        self.0
            .prepare_cached(
                "INSERT INTO bare (replay_key, token, committed, until_ms) VALUES (?1, ?2, 0, ?3)",
            )
            .and_then(|mut s| s.execute(rusqlite::params![key, TOKEN, 1_700_000_060_000i64]))
            .expect("bare SQLite insert");
    }
}

/// Where a bare network client runs: on the calling thread (a current-thread runtime driving
/// its connection right there), or on a runtime thread of its own that the caller waits for,
/// as the stores' clients do.
enum Place {
    Here(tokio::runtime::Runtime),
    Elsewhere(tokio::runtime::Runtime),
}

impl Place {
    fn run<T: Send + 'static>(&self, work: impl std::future::Future<Output = T> + Send + 'static) -> T {
        match self {
            Place::Here(runtime) => runtime.block_on(work),
            Place::Elsewhere(runtime) => {
                let (answer, receive) = std::sync::mpsc::sync_channel(1);
                runtime.spawn(async move {
                    let _ = answer.send(work.await);
                });
                receive.recv().unwrap()
            }
        }
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        match self {
            Place::Here(runtime) | Place::Elsewhere(runtime) => runtime,
        }
    }
}

fn place(elsewhere: bool) -> Place {
    if elsewhere {
        Place::Elsewhere(
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap(),
        )
    } else {
        Place::Here(current_thread())
    }
}

struct PostgresBare {
    place: Place,
    client: std::sync::Arc<tokio_postgres::Client>,
    insert: tokio_postgres::Statement,
}

impl PostgresBare {
    fn connect(url: &str, elsewhere: bool) -> PostgresBare {
        let place = place(elsewhere);
        let (client, connection) =
            place.runtime().block_on(tokio_postgres::connect(url, tokio_postgres::NoTls)).unwrap();
        place.runtime().spawn(connection);
        let client = std::sync::Arc::new(client);
        let c = client.clone();
        place.run(async move { c.batch_execute(SCHEMA).await }).unwrap();
        let c = client.clone();
        let insert = place
            .run(async move {
                c.prepare(
                    "INSERT INTO bare (replay_key, token, committed, until_ms) VALUES ($1, $2, FALSE, $3)",
                )
                .await
            })
            .unwrap();
        PostgresBare { place, client, insert }
    }
}

impl Bare for PostgresBare {
    fn insert(&mut self, key: &str) {
        let (client, insert, key) = (self.client.clone(), self.insert.clone(), key.to_owned());
        self.place
            .run(async move { client.execute(&insert, &[&key, &TOKEN, &1_700_000_060_000i64]).await })
            .expect("bare PostgreSQL insert");
    }
}

struct RedisBare {
    place: Place,
    connection: redis::aio::MultiplexedConnection,
}

impl RedisBare {
    fn connect(url: &str, elsewhere: bool) -> RedisBare {
        let place = place(elsewhere);
        let client = redis::Client::open(url).unwrap();
        let connection = place.run(async move { client.get_multiplexed_async_connection().await }).unwrap();
        RedisBare { place, connection }
    }
}

impl Bare for RedisBare {
    fn insert(&mut self, key: &str) {
        let (mut connection, key) = (self.connection.clone(), key.to_owned());
        let set: Option<String> = self
            .place
            .run(async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(format!("c 1700000060000 {TOKEN}"))
                    .arg("NX")
                    .arg("PX")
                    .arg(60_000)
                    .query_async(&mut connection)
                    .await
            })
            .expect("bare Redis SET NX");
        assert!(set.is_some(), "a new key");
    }
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

/// The stores' table shape (no index but the key's).
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bare (
    replay_key text PRIMARY KEY NOT NULL, token text NOT NULL, committed boolean NOT NULL, until_ms bigint NOT NULL);";

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Microseconds per iteration of `step` over one batch; `n` numbers the messages.
fn batch(n: &mut u64, mut step: impl FnMut(&str)) -> f64 {
    let keys: Vec<String> = (0..BATCH)
        .map(|_| {
            *n += 1;
            format!("msg_{n}")
        })
        .collect();
    let started = Instant::now();
    for key in &keys {
        step(key);
    }
    started.elapsed().as_secs_f64() * 1e6 / BATCH as f64
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// One row of the table: times a batch, numbering messages from the counter.
type Row<'a> = Box<dyn FnMut(&mut u64) -> f64 + 'a>;

/// Per message: bare here, bare elsewhere (when the store's client runs elsewhere), claim,
/// claim+commit, async claim+commit.
fn measure(name: &str, store: &Store, here: &mut dyn Bare, mut elsewhere: Option<&mut dyn Bare>) -> Figures {
    let runtime = current_thread();
    let now = UnixTime::now();
    let keep = now.saturating_add(Duration::from_secs(301));
    let request = |key: &str| ClaimRequest::new(key, now, Duration::from_secs(60), keep);
    let mut n = 0u64;
    let mut rows: [Vec<f64>; 5] = Default::default();
    let mut steps: [Row<'_>; 5] = [
        Box::new(|n| batch(n, |key| here.insert(key))),
        Box::new(|n| match elsewhere.as_deref_mut() {
            Some(bare) => batch(n, |key| bare.insert(key)),
            None => f64::NAN,
        }),
        Box::new(|n| {
            batch(n, |key| {
                SeenStore::claim(store, &request(key)).expect("claim");
            })
        }),
        Box::new(|n| {
            batch(n, |key| {
                let claim = request(key);
                SeenStore::claim(store, &claim).expect("claim");
                assert!(SeenStore::commit(store, key, claim.token(), keep, now).expect("commit"));
            })
        }),
        Box::new(|n| {
            batch(n, |key| {
                runtime.block_on(async {
                    let claim = request(key);
                    AsyncSeenStore::claim(store, &claim).await.expect("claim");
                    assert!(AsyncSeenStore::commit(store, key, claim.token(), keep, now)
                        .await
                        .expect("commit"));
                })
            })
        }),
    ];
    for round in 0..=ROUNDS {
        // Each round starts with another row, so periodic costs (a WAL checkpoint, a
        // neighbour's burst) fall on every row alike.
        for offset in 0..steps.len() {
            let row = (round + offset) % steps.len();
            let time = steps[row](&mut n);
            // Round 0 warms connections, statement caches and scripts up.
            if round > 0 {
                rows[row].push(time);
            }
        }
    }
    eprintln!("measured {name}");
    // The ratios are taken per round, between rows measured a few milliseconds apart, and their
    // median reported: a neighbour's burst that lasts a while slows a round's rows alike.
    let bare = if rows[1][0].is_nan() { &rows[0] } else { &rows[1] };
    let ratio =
        |row: &Vec<f64>, steps: f64| median(row.iter().zip(bare).map(|(t, b)| t / (steps * b)).collect());
    let ratios = [ratio(&rows[2], 1.0), ratio(&rows[3], 2.0), ratio(&rows[4], 2.0)];
    Figures { micros: rows.clone().map(median), ratios }
}

/// Medians per row (µs per message), and of the per-round ratios to the bare round trip.
struct Figures {
    micros: [f64; 5],
    ratios: [f64; 3],
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions::default();
    let mut results = Vec::new();

    let path = dir.path().join("replay.db");
    let sqlite: Store = SqliteStore::open(&path, &options).unwrap().into();
    // A file of its own: two connections writing one file make each other re-read pages.
    let connection = rusqlite::Connection::open(dir.path().join("bare.db")).unwrap();
    connection.pragma_update(None, "journal_mode", "WAL").unwrap();
    connection.pragma_update(None, "synchronous", "NORMAL").unwrap();
    connection.execute_batch(&SCHEMA.replace(" NOT NULL);", " NOT NULL) WITHOUT ROWID;")).unwrap();
    // The SQLite store runs on the calling thread: its bare insert has no "elsewhere".
    results.push(("SQLite file", measure("SQLite", &sqlite, &mut SqliteBare(connection), None)));

    let pg = Postgres::start().expect("PostgreSQL (make tools-servers)");
    let postgres: Store = PostgresStore::open(&pg.url(), &options).unwrap().into();
    let (mut here, mut elsewhere) =
        (PostgresBare::connect(&pg.url(), false), PostgresBare::connect(&pg.url(), true));
    results.push(("PostgreSQL", measure("PostgreSQL", &postgres, &mut here, Some(&mut elsewhere))));
    drop((here, elsewhere, postgres, pg));

    let server = Redis::start().expect("redis-server (make tools-servers)");
    let redis_store: Store = RedisStore::open(&server.url(), &options).unwrap().into();
    let (mut here, mut elsewhere) =
        (RedisBare::connect(&server.url(), false), RedisBare::connect(&server.url(), true));
    results.push(("Redis", measure("Redis", &redis_store, &mut here, Some(&mut elsewhere))));
    drop((here, elsewhere, redis_store, server));

    println!(
        "\nreplay claims, µs per message (median of {ROUNDS} rounds of {BATCH}); ratios against the bare round \
         trip of the same client on the same path (on the calling thread for SQLite, on a runtime thread for \
         the network stores)\n"
    );
    println!(
        "| store | bare, calling thread | bare, runtime thread | claim | claim+commit | async claim+commit | \
         claim / bare | claim+commit / 2×bare | async / 2×bare |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (
        name,
        Figures { micros: [here, elsewhere, claim, both, both_async], ratios: [one, two, two_async] },
    ) in results
    {
        let elsewhere = if elsewhere.is_nan() { "—".to_owned() } else { format!("{elsewhere:.1}") };
        println!(
            "| {name} | {here:.1} | {elsewhere} | {claim:.1} | {both:.1} | {both_async:.1} | {one:.2}× | {two:.2}× | {two_async:.2}× |"
        );
    }
}
