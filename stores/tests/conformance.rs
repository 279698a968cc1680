//! One conformance suite for the four stores: the rules of `hookwire::SeenStore` (each through
//! the blocking and the async API), and every replay behaviour of the core's
//! `tests/replay.rs` through `Verifier` and `AsyncVerifier` on each store. Real servers, no
//! mocks; the clock is the tests' (fixed instants), as the contract takes `now` from the
//! verifier.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use hookwire::{ClaimOutcome, ClaimRequest, Scheme, Secret, SeenStore, Signer, UnixTime, Verifier};
use http::{HeaderMap, HeaderValue};
use support::{Accepted, Api, Backing, Driver, Kind, Receiver};

const T: i64 = 1_700_000_000;
const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

/// A claim at `now` for 60 s, kept until T + 301 once committed.
fn request(key: &str, now: i64) -> ClaimRequest {
    ClaimRequest::new(key, at(now), Duration::from_secs(60), at(T + 301))
}

/// What a contract case gets: a store in a namespace of its own, through one API, and a way
/// to open the same entries again (another process would).
struct Case<'a> {
    store: Driver,
    backing: &'a Backing,
    namespace: String,
}

type Rule = fn(&Case<'_>);

/// The rules every store follows (see `SeenStore`'s documentation).
const RULES: &[(&str, Rule)] = &[
    ("a_new_message_is_claimed_and_a_duplicate_is_in_progress", |c| {
        assert_eq!(c.store.claim(&request("m", T)).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(c.store.claim(&request("m", T + 1)).unwrap(), ClaimOutcome::InProgress);
    }),
    ("an_in_progress_answer_changes_nothing", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        let second = request("m", T + 1);
        assert_eq!(c.store.claim(&second).unwrap(), ClaimOutcome::InProgress);
        assert!(!c.store.release("m", second.token()).unwrap(), "the duplicate holds nothing");
        assert!(!c.store.commit("m", second.token(), at(T + 301), at(T + 2)).unwrap());
        assert!(
            c.store.commit("m", first.token(), at(T + 301), at(T + 2)).unwrap(),
            "the first still holds it"
        );
    }),
    ("a_committed_message_is_done_until_its_exclusive_deadline", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        assert!(c.store.commit("m", first.token(), at(T + 301), at(T)).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 1)).unwrap(), ClaimOutcome::Done);
        assert_eq!(c.store.claim(&request("m", T + 300)).unwrap(), ClaimOutcome::Done, "last second");
        assert_eq!(c.store.claim(&request("m", T + 301)).unwrap(), ClaimOutcome::Claimed, "deadline passed");
    }),
    ("a_claim_counts_until_its_exclusive_deadline_then_the_next_claim_takes_it", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        assert_eq!(c.store.claim(&request("m", T + 59)).unwrap(), ClaimOutcome::InProgress);
        let retry = request("m", T + 60);
        assert_eq!(c.store.claim(&retry).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(
            c.store.claim(&request("m", T + 61)).unwrap(),
            ClaimOutcome::InProgress,
            "the retry holds it"
        );
    }),
    ("only_the_token_holder_commits_or_releases", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        let retry = request("m", T + 61);
        assert_eq!(c.store.claim(&retry).unwrap(), ClaimOutcome::Claimed);
        assert!(!c.store.release("m", first.token()).unwrap(), "a late release keeps the retry's claim");
        assert!(!c.store.commit("m", first.token(), at(T + 301), at(T + 62)).unwrap(), "a late commit too");
        assert_eq!(c.store.claim(&request("m", T + 62)).unwrap(), ClaimOutcome::InProgress);
        assert!(c.store.commit("m", retry.token(), at(T + 301), at(T + 62)).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 63)).unwrap(), ClaimOutcome::Done);
    }),
    ("a_lapsed_claim_can_still_be_committed_when_nobody_took_it", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        assert!(c.store.commit("m", first.token(), at(T + 301), at(T + 120)).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 121)).unwrap(), ClaimOutcome::Done);
    }),
    ("a_commit_over_a_lapsed_claim_of_another_token_wins", |c| {
        let crashed = request("m", T);
        c.store.claim(&crashed).unwrap();
        let other = request("m", T);
        assert!(!c.store.commit("m", other.token(), at(T + 301), at(T + 59)).unwrap());
        assert!(
            c.store.commit("m", other.token(), at(T + 301), at(T + 60)).unwrap(),
            "nobody's entry counts"
        );
        assert!(!c.store.release("m", crashed.token()).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 61)).unwrap(), ClaimOutcome::Done);
    }),
    ("a_released_claim_lets_the_next_claim_through_once", |c| {
        let failed = request("m", T);
        c.store.claim(&failed).unwrap();
        assert!(c.store.release("m", failed.token()).unwrap());
        assert!(!c.store.release("m", failed.token()).unwrap(), "released once");
        let retry = request("m", T + 2);
        assert_eq!(c.store.claim(&retry).unwrap(), ClaimOutcome::Claimed);
    }),
    ("a_committed_message_is_never_released", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        assert!(c.store.commit("m", first.token(), at(T + 301), at(T + 1)).unwrap());
        assert!(!c.store.release("m", first.token()).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 2)).unwrap(), ClaimOutcome::Done);
    }),
    ("committing_twice_is_harmless", |c| {
        let first = request("m", T);
        c.store.claim(&first).unwrap();
        assert!(c.store.commit("m", first.token(), at(T + 301), at(T + 1)).unwrap());
        assert!(c.store.commit("m", first.token(), at(T + 301), at(T + 2)).unwrap());
        assert_eq!(c.store.claim(&request("m", T + 3)).unwrap(), ClaimOutcome::Done);
    }),
    ("messages_are_independent", |c| {
        let a = request("a", T);
        assert_eq!(c.store.claim(&a).unwrap(), ClaimOutcome::Claimed);
        assert_eq!(c.store.claim(&request("b", T)).unwrap(), ClaimOutcome::Claimed);
        assert!(c.store.commit("a", a.token(), at(T + 301), at(T)).unwrap());
        assert_eq!(c.store.claim(&request("b", T + 1)).unwrap(), ClaimOutcome::InProgress);
        assert_eq!(c.store.claim(&request("a", T + 1)).unwrap(), ClaimOutcome::Done);
        // Keys are opaque text: the digest keys of unsigned ids, and any id a sender picks.
        for key in ["sha256:00ff", "evt with spaces", "ключ", "a:b:c"] {
            assert_eq!(c.store.claim(&request(key, T)).unwrap(), ClaimOutcome::Claimed, "{key}");
        }
    }),
    ("concurrent_claims_of_one_message_give_exactly_one_claim", |c| {
        // Each contender has its own handle on the entries, as separate processes would.
        const CONTENDERS: usize = 6;
        for round in 0..10 {
            let key = format!("race-{round}");
            let barrier = Arc::new(Barrier::new(CONTENDERS));
            let outcomes: Vec<ClaimOutcome> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..CONTENDERS)
                    .map(|_| {
                        let store = if c.backing.kind == Kind::Memory {
                            c.store.store.clone()
                        } else {
                            c.backing.open(&c.namespace)
                        };
                        let (barrier, key) = (barrier.clone(), key.clone());
                        scope.spawn(move || {
                            barrier.wait();
                            SeenStore::claim(&store, &request(&key, T)).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let claimed = outcomes.iter().filter(|o| **o == ClaimOutcome::Claimed).count();
            assert_eq!(claimed, 1, "round {round}: {outcomes:?}");
            assert!(outcomes.iter().all(|o| *o != ClaimOutcome::Done), "{outcomes:?}");
        }
    }),
];

fn secret(text: &str) -> Secret {
    Secret::parse(text).unwrap()
}

fn signed(scheme: &Scheme, id: &str, body: &[u8]) -> HeaderMap {
    Signer::new(scheme.clone(), secret(OLD)).sign_event(id, T, "order.created", body).unwrap()
}

fn code<T>(result: Result<T, hookwire::Error>) -> &'static str {
    match result {
        Ok(_) => "accepted",
        Err(err) => err.code(),
    }
}

fn commit(accepted: Result<Accepted<'_>, hookwire::Error>, secs: i64) {
    assert!(accepted.expect("accepted").commit_at(secs).unwrap(), "committed");
}

/// What a replay case gets: a fresh store and the API to verify through.
struct Replay<'a> {
    store: hookwire_stores::Store,
    api: Api,
    _backing: &'a Backing,
}

impl Replay<'_> {
    fn receiver(&self, make: impl Fn() -> Verifier) -> Receiver {
        Receiver::new(make, &self.store, self.api)
    }

    fn both_secrets(&self, scheme: Scheme) -> Receiver {
        self.receiver(move || Verifier::new(scheme.clone(), [secret(OLD), secret(NEW)]))
    }
}

type Behaviour = fn(&Replay<'_>);

/// The core's replay behaviours (`tests/replay.rs`), on each store.
const BEHAVIOURS: &[(&str, Behaviour)] = &[
    ("a_duplicate_is_in_progress_while_handled_and_replayed_once_committed", |r| {
        let v = r.both_secrets(Scheme::standard_webhooks());
        let headers = signed(&Scheme::standard_webhooks(), "msg_1", b"{}");
        let first = v.verify_at(&headers, b"{}", T).unwrap();
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 1)), "replay_in_progress");
        assert!(first.commit_at(T + 2).unwrap());
        let err = v.verify_at(&headers, b"{}", T + 3).err().unwrap();
        assert_eq!((err.code(), err.response_status()), ("replayed", 200));
    }),
    ("a_released_claim_lets_the_senders_retry_through", |r| {
        let v = r.both_secrets(Scheme::hookwire());
        let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
        let failed = v.verify_at(&headers, b"{}", T).unwrap();
        assert!(failed.release().unwrap(), "the handler failed: release");
        commit(v.verify_at(&headers, b"{}", T + 30), T + 31);
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 32)), "replayed");
    }),
    ("an_abandoned_claim_lapses_after_the_claim_time_and_not_before", |r| {
        let v = r
            .receiver(|| Verifier::new(Scheme::hookwire(), [secret(OLD)]).claim_ttl(Duration::from_secs(20)));
        let headers = signed(&Scheme::hookwire(), "msg_1", b"{}");
        let crashed = v.verify_at(&headers, b"{}", T).unwrap();
        assert_eq!(crashed.claim_until(), at(T + 20));
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 19)), "replay_in_progress");
        let retry = v.verify_at(&headers, b"{}", T + 20).unwrap();
        assert!(!crashed.release().unwrap(), "the crashed handler's late release keeps the retry's claim");
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 21)), "replay_in_progress");
        assert!(retry.commit_at(T + 22).unwrap());
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 23)), "replayed");
    }),
    ("a_replay_in_the_last_second_of_the_window_is_refused", |r| {
        for tolerance in [300u64, 1, 0] {
            // A message id per tolerance: the cases share one store.
            let id = format!("msg_{tolerance}");
            let v = r.receiver(move || {
                Verifier::new(Scheme::hookwire(), [secret(OLD)]).tolerance(Duration::from_secs(tolerance))
            });
            let headers = signed(&Scheme::hookwire(), &id, b"{}");
            commit(v.verify_at(&headers, b"{}", T), T);
            let last = T + i64::try_from(tolerance).unwrap();
            assert_eq!(code(v.verify_at(&headers, b"{}", last)), "replayed", "tolerance {tolerance}");
            assert_eq!(
                code(v.verify_at(&headers, b"{}", last + 1)),
                "timestamp_too_old",
                "tolerance {tolerance}"
            );
        }
    }),
    ("unsigned_timestamps_are_remembered_for_one_tolerance_after_receipt", |r| {
        let v = r.both_secrets(Scheme::github());
        let headers = signed(&Scheme::github(), "d-1", b"{}");
        commit(v.verify_at(&headers, b"{}", T), T);
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 300)), "replayed");
        assert_eq!(code(v.verify_at(&headers, b"{}", T + 301)), "accepted");
    }),
    ("a_rotation_does_not_open_a_replay_through_the_other_signature", |r| {
        for name in Scheme::names() {
            let scheme = Scheme::from_name(name).unwrap();
            let v = r.both_secrets(scheme.clone());
            // A body per scheme: schemes without ids key on the body, and the cases share a store.
            let body = format!(r#"{{"id":"evt_{name}","type":"order.created"}}"#).into_bytes();
            let signer = Signer::new(scheme.clone(), secret(OLD)).with_secret(secret(NEW));
            let both = signer.sign(&format!("msg_{name}"), T, &body).unwrap();
            commit(v.verify_at(&both, &body, T), T);
            assert_eq!(code(v.verify_at(&both, &body, T + 1)), "replayed", "{name}");
            let only_new =
                Signer::new(scheme.clone(), secret(NEW)).sign(&format!("msg_{name}"), T, &body).unwrap();
            assert_eq!(
                code(v.verify_at(&only_new, &body, T + 2)),
                "replayed",
                "{name}: the new secret's signature alone"
            );
        }
    }),
    ("a_broken_copy_never_reaches_the_store_before_the_real_message", |r| {
        let broken_values: [&[u8]; 2] = [b"", b"caf\xc3\xa9"];
        for name in Scheme::names() {
            let scheme = Scheme::from_name(name).unwrap();
            let read_once: Vec<&str> = [scheme.id_header(), scheme.timestamp_header(), scheme.event_header()]
                .into_iter()
                .flatten()
                .collect();
            for (n, header) in read_once.into_iter().enumerate() {
                for (b, broken) in broken_values.into_iter().enumerate() {
                    let v = r.both_secrets(scheme.clone());
                    let body = format!(r#"{{"id":"evt_{name}_{n}_{b}"}}"#).into_bytes();
                    let genuine = Signer::new(scheme.clone(), secret(OLD))
                        .sign_event(&format!("msg_{name}_{n}_{b}"), T, "order.created", &body)
                        .unwrap();
                    let mut copy = genuine.clone();
                    copy.insert(
                        http::HeaderName::from_bytes(header.as_bytes()).unwrap(),
                        HeaderValue::from_bytes(broken).unwrap(),
                    );
                    assert_ne!(code(v.verify_at(&copy, &body, T)), "accepted", "{name}: {header}={broken:?}");
                    // Had the copy claimed the message, the genuine one would be in progress.
                    assert_eq!(
                        code(v.verify_at(&genuine, &body, T)),
                        "accepted",
                        "{name}: {header}={broken:?}"
                    );
                }
            }
        }
    }),
    ("forged_messages_never_reach_the_replay_store", |r| {
        let v = r.receiver(|| Verifier::new(Scheme::hookwire(), [secret(OLD)]));
        let forged = Signer::new(Scheme::hookwire(), secret(NEW));
        let genuine = Signer::new(Scheme::hookwire(), secret(OLD));
        for i in 0..20 {
            let id = format!("msg_{i}");
            assert_eq!(
                code(v.verify_at(&forged.sign(&id, T, b"{}").unwrap(), b"{}", T)),
                "invalid_signature"
            );
            assert_eq!(
                code(v.verify_at(&genuine.sign(&id, T, b"{}").unwrap(), b"{}", T)),
                "accepted",
                "{id}"
            );
        }
    }),
    ("unsigned_ids_cannot_dodge_replay_protection", |r| {
        let body = br#"{"action":"opened"}"#;
        let v = r.receiver(|| Verifier::new(Scheme::github(), [secret("gh-secret")]));
        let mut headers = Signer::new(Scheme::github(), secret("gh-secret")).sign("d-1", T, body).unwrap();
        commit(v.verify_at(&headers, body, T), T);
        headers.insert("x-github-delivery", HeaderValue::from_static("d-2"));
        assert_eq!(code(v.verify_at(&headers, body, T + 1)), "replayed");
        let other = Signer::new(Scheme::github(), secret("gh-secret")).sign("d-3", T, b"{}").unwrap();
        assert_eq!(
            code(v.verify_at(&other, b"{}", T + 2)),
            "accepted",
            "a different body is a different message"
        );
    }),
];

fn follows_the_contract(kind: Kind) {
    let backing = Backing::start(kind);
    for api in [Api::Blocking, Api::Async] {
        for (name, rule) in RULES {
            eprintln!("{kind:?} {api:?}: {name}");
            let namespace = backing.fresh_namespace();
            rule(&Case { store: Driver::new(backing.open(&namespace), api), backing: &backing, namespace });
        }
        for (name, behaviour) in BEHAVIOURS {
            eprintln!("{kind:?} {api:?}: {name}");
            let store = backing.open(&backing.fresh_namespace());
            behaviour(&Replay { store, api, _backing: &backing });
        }
    }
}

#[test]
fn memory_store_follows_the_contract() {
    follows_the_contract(Kind::Memory);
}

#[test]
fn sqlite_store_follows_the_contract() {
    follows_the_contract(Kind::Sqlite);
}

#[test]
fn postgres_store_follows_the_contract() {
    follows_the_contract(Kind::Postgres);
}

#[test]
fn redis_store_follows_the_contract() {
    follows_the_contract(Kind::Redis);
}

#[test]
fn a_store_is_opened_by_url() {
    let dir = tempfile::tempdir().unwrap();
    let options = support::options("by_url");
    let sqlite = format!("sqlite://{}", dir.path().join("a.db").display());
    for (url, kind) in [
        ("memory", "memory"),
        (sqlite.as_str(), "sqlite"),
        ("postgres://u@127.0.0.1:1/db", "postgres"),
        ("postgresql://u@127.0.0.1:1/db", "postgres"),
        ("redis://127.0.0.1:1/0", "redis"),
    ] {
        assert_eq!(hookwire_stores::Store::open(url, &options).unwrap().kind(), kind, "{url}");
    }
    for bad in ["", "mysql://db/app", "sqlite://", "redis://[::1", "postgres://u@h:notaport/db", "memory://x"]
    {
        let err = hookwire_stores::Store::open(bad, &options).unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{bad}: {err}");
    }
    let bad_namespace = support::options("no-dashes");
    assert_eq!(hookwire_stores::Store::open(&sqlite, &bad_namespace).unwrap_err().code(), "invalid_argument");
}

#[test]
fn the_blocking_api_can_be_called_from_async_handlers() {
    // On a multi-threaded runtime the blocking call moves the worker's other tasks away
    // (`block_in_place`); on a current-thread runtime it stalls that runtime for one step. It
    // must work, and never panic, on both, because the I/O runs on the stores' own runtime.
    for kind in [Kind::Memory, Kind::Sqlite, Kind::Postgres, Kind::Redis] {
        let backing = Backing::start(kind);
        let store = backing.open(&backing.fresh_namespace());
        let runtimes = [
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        ];
        for (n, runtime) in runtimes.iter().enumerate() {
            let store = store.clone();
            let outcome = runtime.block_on(async move {
                // Inside a task, as a handler runs.
                tokio::spawn(async move {
                    let key = format!("m{n}");
                    let first = SeenStore::claim(&store, &request(&key, T)).unwrap();
                    let second = SeenStore::claim(&store, &request(&key, T + 1)).unwrap();
                    (first, second)
                })
                .await
                .unwrap()
            });
            assert_eq!(outcome, (ClaimOutcome::Claimed, ClaimOutcome::InProgress), "{kind:?} runtime {n}");
        }
    }
}
