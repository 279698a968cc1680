//! Receivers as separate processes sharing one store (the SQLite file, PostgreSQL, Redis):
//! every message accepted exactly once; a failed handler's release lets the retry through; a
//! receiver killed with SIGKILL between claim and commit holds the message until its claim
//! time and not longer. The receivers are `hookwire-replay-receiver`, one blocking and one
//! async, on the real clock.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use hookwire::{Scheme, Secret, Signer};
use support::{Backing, Kind, SHARED};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A running `hookwire-replay-receiver`.
struct ReceiverProcess {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl ReceiverProcess {
    fn spawn(url: &str, namespace: &str, claim_ttl: Duration, asynchronous: bool) -> ReceiverProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hookwire-replay-receiver"));
        command
            .arg(url)
            .args(["--namespace", namespace, "--claim-ttl-ms", &claim_ttl.as_millis().to_string()])
            .env("HOOKWIRE_SECRET", SECRET)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if asynchronous {
            command.arg("--async");
        }
        let mut child = command.spawn().expect("the receiver binary");
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        ReceiverProcess { child, input, output }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.input, "{line}").and_then(|()| self.input.flush()).expect("the receiver reads");
    }

    fn answer(&mut self) -> String {
        let mut line = String::new();
        self.output.read_line(&mut line).expect("the receiver answers");
        assert!(!line.is_empty(), "the receiver exited");
        line.trim_end().to_owned()
    }

    fn ask(&mut self, line: &str) -> String {
        self.send(line);
        self.answer()
    }

    /// SIGKILL: no destructor, no commit, no release runs.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ReceiverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed message as a receiver line: `ACTION ID TIMESTAMP SIGNATURE BODY`.
fn line(action: &str, id: &str) -> String {
    let timestamp = hookwire::unix_now().as_secs();
    let body = format!(r#"{{"id":"{id}","type":"order.created"}}"#);
    let headers = Signer::new(Scheme::hookwire(), Secret::parse(SECRET).unwrap())
        .sign(id, timestamp, body.as_bytes())
        .unwrap();
    let signature = headers["x-webhook-signature"].to_str().unwrap();
    format!("{action} {id} {timestamp} {signature} {body}")
}

fn pair(backing: &Backing, claim_ttl: Duration) -> (ReceiverProcess, ReceiverProcess) {
    let namespace = backing.fresh_namespace();
    let url = backing.url();
    (
        ReceiverProcess::spawn(&url, &namespace, claim_ttl, false),
        ReceiverProcess::spawn(&url, &namespace, claim_ttl, true),
    )
}

#[test]
fn two_receiver_processes_accept_each_message_exactly_once() {
    const MESSAGES: usize = 1_000;
    for kind in SHARED {
        let backing = Backing::start(kind);
        let (mut a, mut b) = pair(&backing, Duration::from_secs(60));
        let mut busy = 0;
        for n in 0..MESSAGES {
            let id = format!("msg_{n}");
            let message = line("commit", &id);
            // Both get the message before either is read: they race for it.
            a.send(&message);
            b.send(&message);
            let answers = [a.answer(), b.answer()];
            let accepted = answers.iter().filter(|answer| **answer == format!("{id} accepted")).count();
            assert_eq!(accepted, 1, "{kind:?}: {answers:?}");
            let other = answers.iter().find(|answer| **answer != format!("{id} accepted")).unwrap();
            assert!(
                *other == format!("{id} replay_in_progress") || *other == format!("{id} replayed"),
                "{kind:?}: {answers:?}"
            );
            busy += usize::from(other.ends_with("replay_in_progress"));
        }
        // Afterwards every message is done for both.
        for n in (0..MESSAGES).step_by(97) {
            let id = format!("msg_{n}");
            assert_eq!(a.ask(&line("commit", &id)), format!("{id} replayed"), "{kind:?}");
            assert_eq!(b.ask(&line("commit", &id)), format!("{id} replayed"), "{kind:?}");
        }
        eprintln!("{kind:?}: {busy} of {MESSAGES} duplicates arrived while the first was being handled");
    }
}

#[test]
fn a_failed_handlers_release_lets_the_senders_retry_through_another_process() {
    for kind in SHARED {
        let backing = Backing::start(kind);
        let (mut a, mut b) = pair(&backing, Duration::from_secs(60));
        let first = line("release", "msg_1");
        assert_eq!(a.ask(&first), "msg_1 accepted", "{kind:?}: the handler fails and releases");
        assert_eq!(b.ask(&line("commit", "msg_1")), "msg_1 accepted", "{kind:?}: the retry");
        assert_eq!(a.ask(&line("commit", "msg_1")), "msg_1 replayed", "{kind:?}");
    }
}

#[test]
fn a_receiver_killed_between_claim_and_commit_holds_the_message_for_the_claim_time_only() {
    const CLAIM_TTL: Duration = Duration::from_millis(1_500);
    for kind in SHARED {
        let backing = Backing::start(kind);
        let (mut a, mut b) = pair(&backing, CLAIM_TTL);
        let message = line("hold", "msg_1");
        let sent = Instant::now();
        assert_eq!(a.ask(&message), "msg_1 accepted", "{kind:?}");
        // The claim was made between `sent` and `answered`.
        let answered = Instant::now();
        a.kill_9();
        // Before the claim time: refused, the sender retries later (409).
        let retry = message.replacen("hold", "commit", 1);
        assert_eq!(b.ask(&retry), "msg_1 replay_in_progress", "{kind:?}");
        assert!(sent.elapsed() < CLAIM_TTL, "{kind:?}: the check above must run inside the claim time");
        // After it: accepted.
        std::thread::sleep((CLAIM_TTL + Duration::from_millis(100)).saturating_sub(answered.elapsed()));
        assert_eq!(b.ask(&retry), "msg_1 accepted", "{kind:?}");
        assert_eq!(b.ask(&retry), "msg_1 replayed", "{kind:?}");
    }
}

#[test]
fn the_sqlite_file_keeps_committed_messages_across_restarts() {
    let backing = Backing::start(Kind::Sqlite);
    let namespace = backing.fresh_namespace();
    let mut first = ReceiverProcess::spawn(&backing.url(), &namespace, Duration::from_secs(60), false);
    let message = line("commit", "msg_1");
    assert_eq!(first.ask(&message), "msg_1 accepted");
    first.kill_9();
    let mut restarted = ReceiverProcess::spawn(&backing.url(), &namespace, Duration::from_secs(60), true);
    assert_eq!(restarted.ask(&message), "msg_1 replayed");
}

#[test]
fn receivers_starting_together_on_a_new_sqlite_file_all_open_it() {
    // The first creates the file, switches it to WAL and creates the table; the others wait
    // for it instead of failing.
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        let mut receivers: Vec<_> = (0..6)
            .map(|n| ReceiverProcess::spawn(&url, "fresh", Duration::from_secs(60), n % 2 == 0))
            .collect();
        for (n, receiver) in receivers.iter_mut().enumerate() {
            let id = format!("msg_{n}");
            assert_eq!(receiver.ask(&line("commit", &id)), format!("{id} accepted"), "round {round}");
        }
    }
}
