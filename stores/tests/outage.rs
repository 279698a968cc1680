//! A store that goes away mid-run, or hangs: every message is refused with `store_error` (503,
//! the sender retries) within the store's timeouts, none is accepted; when the store is back,
//! service resumes without a restart of the receiver. Both APIs, real servers killed (or
//! frozen with SIGSTOP) for real.

mod support;

use std::time::{Duration, Instant};

use hookwire::{Scheme, Secret, Signer, Verifier};
use support::{Api, Backing, Kind, Receiver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The test stores' timeouts (800 ms to connect, 1.5 s per step) plus slack for a loaded
/// machine: a refusal must come well before a sender's own timeout.
const REFUSED_WITHIN: Duration = Duration::from_secs(5);

/// How long a restarted server may take before messages are accepted again.
const RESUMED_WITHIN: Duration = Duration::from_secs(20);

fn signed(id: &str) -> http::HeaderMap {
    Signer::new(Scheme::hookwire(), Secret::parse(SECRET).unwrap())
        .sign(id, hookwire::unix_now().as_secs(), b"{}")
        .unwrap()
}

fn verdict(receiver: &Receiver, id: &str) -> &'static str {
    let headers = signed(id);
    match receiver.verify_at(&headers, b"{}", hookwire::unix_now().as_secs()) {
        Ok(message) => {
            assert!(message.commit_at(hookwire::unix_now().as_secs()).unwrap(), "{id}: committed");
            "accepted"
        }
        Err(err) => err.code(),
    }
}

fn fails_closed_and_recovers(kind: Kind) {
    let mut backing = Backing::start(kind);
    let store = backing.open(&backing.fresh_namespace());
    let make = || Verifier::new(Scheme::hookwire(), [Secret::parse(SECRET).unwrap()]);
    let receivers = [Receiver::new(make, &store, Api::Blocking), Receiver::new(make, &store, Api::Async)];
    for (n, receiver) in receivers.iter().enumerate() {
        assert_eq!(verdict(receiver, &format!("before_{n}")), "accepted", "{kind:?}");
    }

    backing.kill();
    for (n, receiver) in receivers.iter().enumerate() {
        for attempt in 0..3 {
            let started = Instant::now();
            let id = format!("during_{n}");
            assert_eq!(verdict(receiver, &id), "store_error", "{kind:?} {n}: attempt {attempt}");
            assert!(started.elapsed() < REFUSED_WITHIN, "{kind:?}: refused after {:?}", started.elapsed());
        }
    }

    backing.restart();
    let restarted = Instant::now();
    for (n, receiver) in receivers.iter().enumerate() {
        // The sender's retry of a refused message gets through once the store answers.
        let id = format!("during_{n}");
        let answer = loop {
            let answer = verdict(receiver, &id);
            if answer != "store_error" || restarted.elapsed() > RESUMED_WITHIN {
                break answer;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(answer, "accepted", "{kind:?} {n}: {:?} after the restart", restarted.elapsed());
        assert_eq!(verdict(receiver, &id), "replayed", "{kind:?} {n}");
    }
}

/// A frozen server keeps its connections and answers nothing: only the timeouts can tell.
fn fails_closed_while_hung_and_recovers(kind: Kind) {
    const CLAIM_TTL: Duration = Duration::from_secs(2);
    let mut backing = Backing::start(kind);
    let store = backing.open(&backing.fresh_namespace());
    let make = || Verifier::new(Scheme::hookwire(), [Secret::parse(SECRET).unwrap()]).claim_ttl(CLAIM_TTL);
    let receivers = [Receiver::new(make, &store, Api::Blocking), Receiver::new(make, &store, Api::Async)];
    for (n, receiver) in receivers.iter().enumerate() {
        assert_eq!(verdict(receiver, &format!("before_{n}")), "accepted", "{kind:?}");
    }

    pause(&mut backing);
    for (n, receiver) in receivers.iter().enumerate() {
        let started = Instant::now();
        assert_eq!(verdict(receiver, &format!("hung_{n}")), "store_error", "{kind:?} {n}");
        assert!(started.elapsed() < REFUSED_WITHIN, "{kind:?}: refused after {:?}", started.elapsed());
    }

    resume(&mut backing);
    let resumed = Instant::now();
    for (n, receiver) in receivers.iter().enumerate() {
        assert_eq!(verdict(receiver, &format!("after_{n}")), "accepted", "{kind:?} {n}");
        // The refused claim may have reached the server after all, once it went on: then it
        // holds the message until its claim time, like a crashed handler's; never longer.
        let id = format!("hung_{n}");
        let answer = loop {
            let answer = verdict(receiver, &id);
            if answer != "replay_in_progress" || resumed.elapsed() > CLAIM_TTL + REFUSED_WITHIN {
                break answer;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(answer, "accepted", "{kind:?} {n}: the sender's retry after {:?}", resumed.elapsed());
    }
}

fn pause(backing: &mut Backing) {
    if let Some(pg) = &mut backing.postgres {
        pg.pause().unwrap();
    }
    if let Some(redis) = &backing.redis {
        redis.pause().unwrap();
    }
}

fn resume(backing: &mut Backing) {
    if let Some(pg) = &mut backing.postgres {
        pg.resume().unwrap();
    }
    if let Some(redis) = &backing.redis {
        redis.resume().unwrap();
    }
}

#[test]
fn a_hung_postgres_fails_closed_within_the_timeout_and_service_resumes() {
    fails_closed_while_hung_and_recovers(Kind::Postgres);
}

#[test]
fn a_hung_redis_fails_closed_within_the_timeout_and_service_resumes() {
    fails_closed_while_hung_and_recovers(Kind::Redis);
}

#[test]
fn postgres_killed_mid_run_fails_closed_and_service_resumes() {
    fails_closed_and_recovers(Kind::Postgres);
}

#[test]
fn redis_killed_mid_run_fails_closed_and_service_resumes() {
    fails_closed_and_recovers(Kind::Redis);
}

#[test]
fn a_sqlite_file_locked_by_another_writer_fails_closed_and_service_resumes() {
    let backing = Backing::start(Kind::Sqlite);
    let store = backing.open(&backing.fresh_namespace());
    let make = || Verifier::new(Scheme::hookwire(), [Secret::parse(SECRET).unwrap()]);
    let receivers = [Receiver::new(make, &store, Api::Blocking), Receiver::new(make, &store, Api::Async)];
    // Another process holds the write lock longer than the busy timeout (1.5 s here).
    let other = rusqlite::Connection::open(backing.dir.path().join("replay.db")).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    for (n, receiver) in receivers.iter().enumerate() {
        let started = Instant::now();
        assert_eq!(verdict(receiver, &format!("locked_{n}")), "store_error");
        assert!(started.elapsed() < REFUSED_WITHIN, "refused after {:?}", started.elapsed());
    }
    other.execute_batch("COMMIT").unwrap();
    for (n, receiver) in receivers.iter().enumerate() {
        assert_eq!(verdict(receiver, &format!("locked_{n}")), "accepted");
    }
}
