//! What the CLI's process tests share: the binary, a signature-checking receiver, a database
//! of either engine.
#![allow(dead_code)]

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hookwire::{Scheme, Secret, Verifier};

pub mod listen;
#[path = "../../../outbox/tests/support/receiver.rs"]
pub mod receiver;
use receiver::{Receiver, Reply};

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `hookwire` with `args`.
pub fn hookwire(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookwire"));
    // The tests say where secrets come from; a developer's own settings must not leak in.
    command.args(args).env_remove("HOOKWIRE_SECRET").env_remove("NO_COLOR");
    command
}

/// Runs `hookwire` and returns its output.
pub fn run(args: &[&str]) -> Output {
    hookwire(args).output().expect("run hookwire")
}

/// Runs `hookwire` with `stdin` as its standard input.
pub fn run_with_input(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = hookwire(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run hookwire");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait for hookwire")
}

/// Standard output and standard error, as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `hookwire`, expects exit 0 and returns its standard output, trimmed.
pub fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "hookwire {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// What the verifying receiver saw.
#[derive(Default)]
pub struct Tally {
    /// Successful (2xx) receipts per webhook id.
    pub accepted: HashMap<String, usize>,
    /// Requests whose signature did not verify.
    pub invalid: usize,
    /// Requests answered 503.
    pub throttled: usize,
}

/// A receiver that verifies every request (standard-webhooks, [`SECRET`]) and answers 503 to
/// every `nth` request (0: never).
pub async fn verifying_receiver(nth: usize) -> (Receiver, Arc<Mutex<Tally>>) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let verifier = Verifier::new(Scheme::standard_webhooks(), [Secret::parse(SECRET).unwrap()]);
    let requests = AtomicUsize::new(0);
    let receiver = Receiver::start({
        let tally = Arc::clone(&tally);
        move |seen| {
            let mut tally = tally.lock().unwrap();
            let Ok(message) = verifier.verify(&seen.headers, &seen.body) else {
                tally.invalid += 1;
                return Reply::status(401);
            };
            if nth > 0 && requests.fetch_add(1, Ordering::SeqCst) % nth == nth - 1 {
                tally.throttled += 1;
                return Reply::status(503);
            }
            *tally.accepted.entry(message.id().unwrap_or_default().to_owned()).or_default() += 1;
            Reply::status(200)
        }
    })
    .await;
    (receiver, tally)
}

/// Parses `deliveries --json` output.
pub fn deliveries(db: &str) -> Vec<serde_json::Value> {
    ok(&["outbox", "deliveries", "--db", db, "--json"])
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}
