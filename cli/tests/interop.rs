//! The providers' own Python libraries judge hookwire's output: `sign` for Standard Webhooks,
//! Stripe and Slack, and `listen --forward-to` passing requests on unchanged to an
//! application that verifies with the Standard Webhooks library.
//!
//! Python comes from `HOOKWIRE_PYTHON` or the project's `.venv` (`make test-cli` makes it and
//! installs standardwebhooks, stripe and slack_sdk).

mod common;

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::listen::Listen;
use common::{ok, run, texts, SECRET};

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("HOOKWIRE_PYTHON") {
        return path.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        venv.exists(),
        "the interop tests need Python with standardwebhooks, stripe and slack_sdk: run `make test-cli` \
         (it makes .venv), or set HOOKWIRE_PYTHON"
    );
    venv
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop").join(name)
}

/// What the provider's library says about `sign --json`'s headers for `body`.
fn library_verdict(scheme: &str, secret: &str, body_file: &Path, headers: &str) -> (bool, String) {
    let mut child = Command::new(python())
        .arg(script("provider_libraries.py"))
        .args([scheme, &body_file.display().to_string()])
        .env("HOOKWIRE_SECRET", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(headers.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(matches!(output.status.code(), Some(0 | 1)), "the check itself failed: {said}");
    (output.status.success(), said)
}

#[test]
fn sign_output_is_accepted_by_the_providers_python_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{\"id\": \"evt_1\", \"type\": \"order.created\", \"note\": \"crème brûlée\"}\n";
    let file = dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, body.replace("evt_1", "evt_2")).unwrap();
    let data = format!("@{}", file.display());
    // (scheme, secret as the provider issues it). Stripe's is a text key: `whsec_test_secret`
    // is the secret of stripe-python's own tests (not base64, so once refused by every scheme).
    let cases = [
        ("standard-webhooks", SECRET),
        ("stripe", "whsec_test_secret"),
        ("slack", "8f742231b10e8888abcd99yyyzzz85a5"),
    ];
    for (scheme, secret) in cases {
        let headers = ok(&["sign", "--scheme", scheme, "--secret", secret, "--data", &data, "--json"]);
        let (accepted, said) = library_verdict(scheme, secret, &file, &headers);
        assert!(accepted, "{scheme}: {said}");
        // The same library refuses what does not match, so the check can fail.
        let (accepted, said) = library_verdict(scheme, secret, &tampered, &headers);
        assert!(!accepted, "{scheme} accepted a tampered body: {said}");
        let (accepted, _) =
            library_verdict(scheme, "whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=", &file, &headers);
        assert!(!accepted, "{scheme} accepted another secret");
    }
}

/// The Python application: its port and its request lines.
struct App {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<serde_json::Value>,
}

impl App {
    fn start() -> App {
        let mut child = Command::new(python())
            .arg(script("receiver.py"))
            .env("HOOKWIRE_SECRET", SECRET)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let port = first.trim().parse().unwrap_or_else(|_| panic!("no port from receiver.py: {first:?}"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                    break;
                }
            }
        });
        App { child, port, lines }
    }

    fn next(&self) -> serde_json::Value {
        self.lines.recv_timeout(Duration::from_secs(20)).expect("a request reached the Python application")
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn listen_forward_to_passes_the_exact_bytes_and_headers_on() {
    let app = App::start();
    let forward = format!("http://127.0.0.1:{}/app/hooks", app.port);
    let listen =
        Listen::start(&["--scheme", "standard-webhooks", "--secret", SECRET, "--forward-to", &forward]);
    let dir = tempfile::tempdir().unwrap();
    // Spacing, key order, escapes and non-ASCII that any re-serialization would change.
    let body = "{\"b\":1,  \"a\" : [1.50, 2e3],\n\t\"s\":\"\\u00e9 é \\\"q\\\"\"}\r\n".as_bytes();
    let file = dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let output = run(&[
        "send",
        &listen.url,
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
        "--allow-private",
        "--data",
        &format!("@{}", file.display()),
        "--id",
        "msg_fwd",
        "--header",
        "X-Tenant: kitchen-7",
    ]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("attempt 1  204 success"), "the application's answer comes back: {stdout}");

    let seen = app.next();
    assert_eq!(seen["verified"], true, "the Python library verified it: {seen}");
    assert_eq!(seen["body_hex"], hex(body), "the bytes are unchanged");
    assert_eq!(seen["path"], "/app/hooks");
    assert_eq!(seen["headers"]["webhook-id"], "msg_fwd");
    assert_eq!(seen["headers"]["x-tenant"], "kitchen-7");
    assert!(seen["headers"]["user-agent"].as_str().unwrap().starts_with("hookwire/"), "{seen}");
    assert_eq!(seen["headers"]["host"], format!("127.0.0.1:{}", app.port));
    let line = listen.next();
    assert_eq!(
        (&line["accepted"], &line["status"], &line["forward_status"], &line["id"]),
        (&true.into(), &204.into(), &204.into(), &"msg_fwd".into()),
        "{line}"
    );

    // A refused request is not passed on.
    let forged = run(&[
        "send",
        &listen.url,
        "--scheme",
        "standard-webhooks",
        "--secret",
        "whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=",
        "--allow-private",
        "--data",
        "{}",
    ]);
    assert_eq!(forged.status.code(), Some(1));
    assert_eq!(listen.next()["code"], "invalid_signature");
    assert!(
        app.lines.recv_timeout(Duration::from_millis(300)).is_err(),
        "the forged request reached the application"
    );

    // The application gone: 502 to the sender, the reason on the line.
    drop(app);
    let output = run(&[
        "send",
        &listen.url,
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
        "--allow-private",
        "--data",
        "{}",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(texts(&output).0.contains("attempt 1  502 throttled"), "{:?}", texts(&output));
    let line = listen.next();
    assert_eq!((&line["accepted"], &line["status"]), (&true.into(), &502.into()), "{line}");
    assert!(line["forward_error"].as_str().unwrap().starts_with("connect"), "{line}");
}
