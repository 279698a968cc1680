//! Runs the README's axum recipe (`src/main.rs`, the same text as the README block) as a
//! process and sends it real signed HTTP requests: every answer is the core's status.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use axum::http;
use hookwire::{Scheme, Secret, Signer};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ORDER: &[u8] = br#"{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}"#;

/// The recipe's process, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(store: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookwire-example-axum"))
        .env("WEBHOOK_SECRET", SECRET)
        .env("PORT", "0")
        .env("REPLAY_STORE", store)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the example");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    // Keep reading what the handler prints (a closed pipe would fail its `println!`).
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.strip_suffix("/webhooks"))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Server { child, address }
}

/// One HTTP/1.1 request on its own connection; the status and the body of the answer.
fn post(server: &Server, headers: &http::HeaderMap, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).expect("connect");
    let mut request = format!(
        "POST /webhooks HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        server.address,
        body.len()
    )
    .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(format!("{name}: {}\r\n", value.to_str().expect("ascii")).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    stream.write_all(&request).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

fn signed(id: &str, timestamp: i64, body: &[u8]) -> http::HeaderMap {
    Signer::new(Scheme::hookwire(), Secret::parse(SECRET).unwrap()).sign(id, timestamp, body).unwrap()
}

#[test]
fn the_axum_recipe_answers_every_code_with_its_status() {
    let server = start("memory");
    let now = hookwire::unix_now().as_secs();
    let aura = br#"{"id":"evt_2","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1}}}"#;
    let other = br#"{"type":"order.created","data":{"id":1}}"#;
    let big = format!(r#"{{"type":"x","data":"{}"}}"#, "a".repeat(1 << 20));
    // (what, headers, body, status, code in the answer)
    let cases: Vec<(&str, http::HeaderMap, &[u8], u16, &str)> = vec![
        ("valid", signed("msg_1", now, ORDER), ORDER, 204, ""),
        ("the same request again", signed("msg_1", now, ORDER), ORDER, 200, "replayed"),
        (
            "forged: another body under the signature",
            signed("msg_2", now, ORDER),
            other,
            401,
            "invalid_signature",
        ),
        ("stale: signed ten minutes ago", signed("msg_3", now - 600, ORDER), ORDER, 401, "timestamp_too_old"),
        ("oversized", signed("msg_4", now, big.as_bytes()), big.as_bytes(), 413, "payload_too_large"),
        ("no signature", http::HeaderMap::new(), ORDER, 400, "missing_header"),
        ("another system's envelope", signed("msg_5", now, aura), aura, 400, "invalid_payload"),
        // Its handling failed, so it was released: the sender's retry is handled again.
        ("the retry of a released message", signed("msg_5", now, aura), aura, 400, "invalid_payload"),
    ];
    for (what, headers, body, status, code) in cases {
        let (got, answer) = post(&server, &headers, body);
        assert_eq!(got, status, "{what}: {answer}");
        assert!(answer.contains(&format!(r#""error":"{code}""#)) || code.is_empty(), "{what}: {answer}");
    }
}

/// The one line to change for several processes: two of them on one SQLite file accept a
/// message once; the other answers `replayed`.
#[test]
fn two_processes_sharing_a_store_accept_a_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("replay.db").display());
    let (a, b) = (start(&store), start(&store));
    let headers = signed("msg_shared", hookwire::unix_now().as_secs(), ORDER);
    assert_eq!(post(&a, &headers, ORDER).0, 204);
    let (status, answer) = post(&b, &headers, ORDER);
    assert_eq!((status, answer.contains("replayed")), (200, true), "{answer}");
}
