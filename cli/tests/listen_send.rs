//! `hookwire listen` and `hookwire send` as real processes: every scheme end to end, refusals
//! and the status answered for them, `sign --curl` run by curl, retries shown attempt by
//! attempt, many messages, a clean stop on SIGTERM.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::listen::Listen;
use common::receiver::{Receiver, Reply};
use common::{hookwire, run, texts, SECRET};
use hookwire::Scheme;

fn send(url: &str, scheme: &str, secret: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["send", url, "--scheme", scheme, "--secret", secret, "--allow-private"];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn listen_accepts_what_send_signs_for_every_scheme() {
    for &scheme in Scheme::names() {
        let listen = Listen::start(&["--scheme", scheme, "--secret", SECRET]);
        let output = send(&listen.url, scheme, SECRET, &["--type", "order.created", "--id", "msg_e2e"]);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(0), "{scheme}: {stdout}{stderr}");
        assert!(stdout.starts_with("msg_e2e  attempt 1  200 success"), "{scheme}: {stdout}");
        let line = listen.next();
        assert_eq!(line["accepted"], true, "{scheme}: {line}");
        assert_eq!(line["status"], 200, "{scheme}");
        assert_eq!(line["code"], serde_json::Value::Null, "{scheme}");
        assert_eq!(line["type"], "order.created", "{scheme}");
        // The scheme's id header where it has one, else the event's id: the same message id.
        assert_eq!(line["id"], "msg_e2e", "{scheme}: {line}");
    }
}

#[test]
fn listen_refuses_a_wrong_secret_with_401_for_every_scheme_and_send_exits_1() {
    for &scheme in Scheme::names() {
        let listen = Listen::start(&["--scheme", scheme, "--secret", SECRET]);
        let output = send(
            &listen.url,
            scheme,
            "whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=",
            &["--data", r#"{"type":"order.created"}"#],
        );
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "{scheme}: {stdout}{stderr}");
        assert!(
            stdout.contains("401 retryable") && stdout.contains("gave up: exhausted"),
            "{scheme}: {stdout}"
        );
        assert!(stderr.contains("error: exhausted: 1 of 1 message not delivered"), "{scheme}: {stderr}");
        let line = listen.next();
        assert_eq!(
            (&line["accepted"], &line["status"], &line["code"]),
            (&false.into(), &401.into(), &"invalid_signature".into()),
            "{scheme}: {line}"
        );
    }
}

#[test]
fn listen_answers_each_refusal_with_the_core_status() {
    let listen = Listen::start(&["--scheme", "standard-webhooks", "--secret", SECRET, "--max-body", "64"]);
    let signed = |timestamp: &str, body: &str| -> Vec<String> {
        let out = common::ok(&[
            "sign",
            "--scheme",
            "standard-webhooks",
            "--secret",
            SECRET,
            "--id",
            "msg_1",
            "--timestamp",
            timestamp,
            "--data",
            body,
        ]);
        out.lines().flat_map(|line| ["-H".to_owned(), line.to_owned()]).collect()
    };
    let now = hookwire::unix_now().as_secs().to_string();
    let stale = (hookwire::unix_now().as_secs() - 600).to_string();
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(100));
    // (what, curl arguments after the URL, status, code)
    let cases: Vec<(&str, Vec<String>, u16, Option<&str>)> = vec![
        ("valid", [signed(&now, "{}"), vec!["--data-binary".into(), "{}".into()]].concat(), 200, None),
        (
            "tampered",
            [signed(&now, "{}"), vec!["--data-binary".into(), "{ }".into()]].concat(),
            401,
            Some("invalid_signature"),
        ),
        (
            "stale",
            [signed(&stale, "{}"), vec!["--data-binary".into(), "{}".into()]].concat(),
            401,
            Some("timestamp_too_old"),
        ),
        ("no signature", vec!["--data-binary".into(), "{}".into()], 400, Some("missing_header")),
        (
            "malformed",
            vec![
                "-H".into(),
                "webhook-id: m".into(),
                "-H".into(),
                format!("webhook-timestamp: {now}"),
                "-H".into(),
                "webhook-signature: nonsense".into(),
                "--data-binary".into(),
                "{}".into(),
            ],
            400,
            Some("malformed_header"),
        ),
        (
            "too large",
            [signed(&now, &big), vec!["--data-binary".into(), big.clone()]].concat(),
            413,
            Some("payload_too_large"),
        ),
        ("not POST", vec!["-X".into(), "GET".into()], 405, None),
    ];
    for (what, args, status, code) in &cases {
        let curl = std::process::Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", &listen.url])
            .args(args)
            .output()
            .expect("curl (make test-cli installs it)");
        assert_eq!(String::from_utf8_lossy(&curl.stdout), status.to_string(), "{what}");
        let line = listen.next();
        assert_eq!(line["status"], *status, "{what}: {line}");
        assert_eq!(line["code"].as_str(), *code, "{what}: {line}");
        assert_eq!(line["accepted"], *status == 200, "{what}: {line}");
    }
    let elsewhere = listen.url.replace("/webhooks", "/elsewhere");
    let curl = std::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", &elsewhere])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "404");
    assert_eq!(listen.next()["path"], "/elsewhere");
}

#[test]
fn sign_curl_output_run_by_curl_is_accepted_by_listen() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.json");
    std::fs::write(&file, "{\"note\": \"it's \\u00e9 — ok\",\n \"n\": 1}\n").unwrap();
    let listen = Listen::start(&["--scheme", "stripe", "--secret", SECRET]);
    let data_file = format!("@{}", file.display());
    let inline = r#"{"quote":"it's","dollar":"$HOME `id`"}"#;
    for data in [data_file.as_str(), inline] {
        let command = common::ok(&[
            "sign",
            "--scheme",
            "stripe",
            "--secret",
            SECRET,
            "--data",
            data,
            "--curl",
            &listen.url,
        ]);
        assert!(command.starts_with("curl "), "{command}");
        let curl = std::process::Command::new("sh").args(["-c", &command]).output().unwrap();
        assert!(curl.status.success(), "{command}: {}", String::from_utf8_lossy(&curl.stderr));
        assert_eq!(String::from_utf8_lossy(&curl.stdout), r#"{"accepted":true}"#, "{data}");
        let line = listen.next();
        assert_eq!((&line["accepted"], &line["status"]), (&true.into(), &200.into()), "{data}: {line}");
    }
}

#[test]
fn send_shows_each_attempt_and_retries_as_the_policy_says() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let receiver = rt.block_on(Receiver::start({
        let calls = std::sync::Arc::clone(&calls);
        move |_| match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Reply::status(503),
            1 => Reply::status(500),
            _ => Reply::status(200),
        }
    }));
    let output = send(
        &receiver.url("/in"),
        "hookwire",
        SECRET,
        &[
            "--type",
            "job.completed",
            "--id",
            "msg_retry",
            "--retry-delays",
            "0,50ms,50ms",
            "--throttle-min",
            "100ms",
        ],
    );
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("msg_retry  attempt 1  503 throttled") && lines[0].contains("retry in 100ms"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("msg_retry  attempt 2  500 retryable") && lines[1].contains("retry in 50ms"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("msg_retry  attempt 3  200 success") && lines[2].ends_with("delivered"),
        "{stdout}"
    );
    assert!(stderr.contains("1 delivered, 0 failed, 3 attempts"), "{stderr}");
    // Each attempt signed afresh with the same id.
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.header("x-webhook-id").as_deref() == Some("msg_retry")));
    assert!(seen.iter().all(|s| s.header("x-webhook-event").as_deref() == Some("job.completed")));

    // 410 gives up at once, whatever the schedule; --json says why.
    let gone = rt.block_on(Receiver::answering(410));
    let output =
        send(&gone.url("/"), "github", "s3cret", &["--data", "{}", "--retry", "standard-webhooks", "--json"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let attempt: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (&attempt["status"], &attempt["class"], &attempt["state"], &attempt["reason"]),
        (&410.into(), &"endpoint_gone".into(), &"failed".into(), &"endpoint_gone".into())
    );
    assert!(stderr.contains("error: endpoint_gone: 1 of 1 message not delivered"), "{stderr}");
    // Nobody listening: a transport failure, named.
    let output = send("http://127.0.0.1:9/", "github", "s3cret", &["--data", "{}", "--json"]);
    let attempt: serde_json::Value = serde_json::from_str(texts(&output).0.trim()).unwrap();
    assert_eq!((attempt["failure"].as_str(), output.status.code()), (Some("connect"), Some(1)));
}

#[test]
fn send_refuses_private_destinations_unless_allowed() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["send", "http://127.0.0.1:9/", "--scheme", "github", "--secret", "s", "--data", "{}"],
            "--allow-private",
        ),
        (
            &[
                "send",
                "http://localhost:9/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "--allow-private",
            ],
            "127.0.0.1",
        ),
        (
            &[
                "send",
                "http://169.254.169.254/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "--allow-private",
            ],
            "169.254",
        ),
    ];
    for (args, hint) in cases {
        let output = run(args);
        let (_, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stderr.starts_with("error: blocked_url: ") && stderr.contains(hint), "{args:?}: {stderr}");
    }
}

#[test]
fn send_count_delivers_distinct_messages_with_a_line_each_when_not_on_a_terminal() {
    let listen = Listen::start(&["--scheme", "svix", "--secret", SECRET]);
    let output =
        send(&listen.url, "svix", SECRET, &["--type", "device.alert", "--count", "40", "--concurrency", "8"]);
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.contains("attempt 1  200 success")).count(), 40, "{stdout}");
    assert!(stderr.contains("40 messages to") && stderr.contains("40 delivered, 0 failed"), "{stderr}");
    let ids: HashSet<String> = (0..40).map(|_| listen.next()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 40, "every message its own id");
}

/// Runs `command` under a pseudo-terminal (util-linux `script`), returning what it showed.
fn on_a_terminal(command: &str, env: &[(&str, &str)]) -> String {
    let output = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script (util-linux)");
    assert!(output.status.success(), "{command}: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn on_a_terminal_send_shows_colour_and_a_progress_bar_but_never_with_no_color() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let receiver = rt.block_on(Receiver::start(|_| Reply::Slow(Duration::from_millis(30), 200)));
    let bin = env!("CARGO_BIN_EXE_hookwire");
    let one =
        format!("{bin} send {} --scheme github --secret s --data {{}} --allow-private", receiver.url("/"));
    let coloured = on_a_terminal(&one, &[]);
    assert!(coloured.contains("\u{1b}[") && coloured.contains("delivered"), "{coloured:?}");
    let plain = on_a_terminal(&one, &[("NO_COLOR", "1")]);
    assert!(!plain.contains("\u{1b}[") && plain.contains("delivered"), "{plain:?}");

    let many = format!(
        "{bin} send {} --scheme github --secret s --data {{}} --allow-private --count 60 --concurrency 4",
        receiver.url("/")
    );
    let shown = on_a_terminal(&many, &[]);
    assert!(
        shown.contains("/60 messages") && shown.contains("/s") && shown.contains("0 failed"),
        "{shown:?}"
    );
    assert!(!shown.contains("attempt 1"), "a bar, not a line per attempt: {shown:?}");
    assert!(shown.contains("60 delivered, 0 failed"), "{shown:?}");
}

#[test]
fn listen_stops_cleanly_on_sigterm_and_says_what_it_saw() {
    let listen = Listen::start(&["--scheme", "slack", "--secret", SECRET]);
    assert_eq!(send(&listen.url, "slack", SECRET, &["--data", "{}"]).status.code(), Some(0));
    assert_eq!(send(&listen.url, "slack", "nope", &["--data", "{}"]).status.code(), Some(1));
    let (status, stderr) = listen.terminate();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped: 1 accepted, 1 refused"), "{stderr}");
}

#[test]
fn listen_dialect_reads_the_event_and_refuses_other_bodies() {
    let listen =
        Listen::start(&["--scheme", "ops-center", "--secret", "oc-secret", "--dialect", "ops-center"]);
    let ok =
        send(&listen.url, "ops-center", "oc-secret", &["--type", "order.created", "--dialect", "ops-center"]);
    assert_eq!(ok.status.code(), Some(0), "{}", texts(&ok).1);
    let line = listen.next();
    assert_eq!((&line["accepted"], &line["type"]), (&true.into(), &"order.created".into()), "{line}");
    let other = send(&listen.url, "ops-center", "oc-secret", &["--data", "[1,2]"]);
    assert_eq!(other.status.code(), Some(1));
    let line = listen.next();
    assert_eq!((&line["status"], &line["code"]), (&400.into(), &"invalid_payload".into()), "{line}");

    // Device Service takes the type from the route.
    let device =
        Listen::start(&["--scheme", "device-service", "--secret", "ds", "--dialect", "device-service"]);
    let url = format!("{}/temperature_update", device.url);
    let body = r#"{"device_id":"d1","probes":[]}"#;
    assert_eq!(send(&url, "device-service", "ds", &["--data", body]).status.code(), Some(0));
    assert_eq!(device.next()["type"], "device.temperature");
}

#[test]
fn listen_reject_replays_answers_a_second_delivery_200_as_replayed() {
    let listen = Listen::start(&["--scheme", "standard-webhooks", "--secret", SECRET, "--reject-replays"]);
    let command = common::ok(&[
        "sign",
        "--scheme",
        "standard-webhooks",
        "--secret",
        SECRET,
        "--data",
        "{}",
        "--curl",
        &listen.url,
    ]);
    for (expected_code, body) in [(None, r#"{"accepted":true}"#), (Some("replayed"), r#"{"duplicate":true}"#)]
    {
        let curl = std::process::Command::new("sh").args(["-c", &command]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&curl.stdout), body);
        let line = listen.next();
        assert_eq!((line["status"].as_u64(), line["code"].as_str()), (Some(200), expected_code), "{line}");
    }
}

#[test]
fn listen_reports_a_busy_port_and_a_bad_secret_before_listening() {
    let listen = Listen::start(&["--scheme", "github", "--secret", "s"]);
    let port = listen.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let cases: &[(&[&str], &str)] = &[
        (
            &["listen", "--port", &port, "--scheme", "github", "--secret", "s"],
            "error: invalid_argument: cannot listen on",
        ),
        (&["listen", "--port", "0", "--scheme", "hookwire", "--secret", "short"], "error: invalid_secret: "),
        (
            &["listen", "--port", "0", "--scheme", "hookwire", "--secret", SECRET, "--dialect", "nope"],
            "error: unknown_dialect: ",
        ),
        (&["listen", "--port", "0", "--scheme", "nope", "--secret", SECRET], "error: unknown_scheme: "),
    ];
    for (args, says) in cases {
        let output = hookwire(args).output().unwrap();
        let (_, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with(says), "{args:?}: {stderr}");
    }
}
