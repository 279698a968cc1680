//! `hookwire sign` and `hookwire verify`: every scheme signed and checked by real processes;
//! the exit codes a script relies on (valid, tampered, stale, malformed); where secrets and
//! bodies come from; secrets never printed.

mod common;

use std::process::Output;

use common::{ok, run, run_with_input, texts, SECRET};
use hookwire::Scheme;

const AT: i64 = 1_700_000_000;
const BODY: &str = r#"{"type":"order.created","data":{"id":1001}}"#;

/// `sign --id msg_1 --timestamp AT` of `body`, the header lines.
fn sign(scheme: &str, secret: &str, body: &str) -> Vec<String> {
    let at = AT.to_string();
    ok(&["sign", "--scheme", scheme, "--secret", secret, "--id", "msg_1", "--timestamp", &at, "--data", body])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn verify(scheme: &str, headers: &[String], body: &str, now: i64, extra: &[&str]) -> Output {
    let now = now.to_string();
    let mut args = vec!["verify", "--scheme", scheme, "--secret", SECRET, "--data", body, "--now", &now];
    for header in headers {
        args.extend(["--header", header.as_str()]);
    }
    args.extend_from_slice(extra);
    run(&args)
}

fn signature_header(scheme: &str) -> String {
    Scheme::from_name(scheme).unwrap().signature_header().to_ascii_lowercase()
}

#[test]
fn verify_exits_0_for_a_valid_request_and_1_with_the_code_for_tampered_stale_and_malformed_ones() {
    let timestamped = |scheme: &str| Scheme::from_name(scheme).unwrap().timestamp().is_some();
    for &scheme in Scheme::names() {
        let headers = sign(scheme, SECRET, BODY);
        let sig = signature_header(scheme);
        // Content-Type stands in for the headers a request always has (Stripe has no other).
        let without_signature: Vec<String> = headers
            .iter()
            .filter(|h| !h.to_ascii_lowercase().starts_with(&format!("{sig}:")))
            .cloned()
            .chain(["Content-Type: application/json".to_owned()])
            .collect();
        let malformed = [without_signature.clone(), vec![format!("{sig}: garbage")]].concat();
        // (case, headers, body, now, exit code, what it prints)
        let mut cases = vec![
            ("valid", headers.clone(), BODY, AT + 10, 0, format!("ok {scheme}")),
            (
                "tampered",
                headers.clone(),
                r#"{"type":"order.created","data":{"id":1002}}"#,
                AT,
                1,
                "error: invalid_signature: ".into(),
            ),
            ("malformed", malformed, BODY, AT, 1, "error: malformed_header: ".into()),
            ("no signature", without_signature, BODY, AT, 1, "error: missing_header: ".into()),
        ];
        if timestamped(scheme) {
            cases.push(("stale", headers.clone(), BODY, AT + 301, 1, "error: timestamp_too_old: ".into()));
            cases.push((
                "from the future",
                headers.clone(),
                BODY,
                AT - 301,
                1,
                "error: timestamp_too_new: ".into(),
            ));
        } else {
            cases.push((
                "no timestamp to be stale",
                headers.clone(),
                BODY,
                AT + 86_400,
                0,
                format!("ok {scheme}"),
            ));
        }
        for (case, headers, body, now, code, says) in cases {
            let output = verify(scheme, &headers, body, now, &[]);
            let (stdout, stderr) = texts(&output);
            assert_eq!(output.status.code(), Some(code), "{scheme} {case}: {stdout}{stderr}");
            let shown = if code == 0 { &stdout } else { &stderr };
            assert!(shown.starts_with(&says), "{scheme} {case}: {stdout}{stderr}");
        }
    }
}

#[test]
fn verify_json_says_ok_or_the_code_message_and_status() {
    let headers = sign("standard-webhooks", SECRET, BODY);
    let output = verify("standard-webhooks", &headers, BODY, AT, &["--json"]);
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (&verdict["ok"], &verdict["id"], &verdict["timestamp"], &verdict["secret_index"]),
        (&true.into(), &"msg_1".into(), &AT.into(), &0.into())
    );
    let output = verify("standard-webhooks", &headers, BODY, AT + 301, &["--json", "--tolerance", "5m"]);
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (&verdict["ok"], &verdict["code"], &verdict["status"], output.status.code()),
        (&false.into(), &"timestamp_too_old".into(), &401.into(), Some(1))
    );
    assert!(verdict["message"].as_str().unwrap().contains("tolerance is 300s"));
    // A wider tolerance lets it through.
    assert_eq!(
        verify("standard-webhooks", &headers, BODY, AT + 301, &["--tolerance", "10m"]).status.code(),
        Some(0)
    );
}

#[test]
fn sign_signs_with_every_secret_and_verify_accepts_any() {
    let other = "whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=";
    for &scheme in Scheme::names() {
        let at = AT.to_string();
        let headers: Vec<String> = ok(&[
            "sign",
            "--scheme",
            scheme,
            "--secret",
            other,
            "--secret",
            SECRET,
            "--id",
            "msg_1",
            "--timestamp",
            &at,
            "--data",
            BODY,
        ])
        .lines()
        .map(str::to_owned)
        .collect();
        let output = verify(scheme, &headers, BODY, AT, &[]);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(0), "{scheme}: {stderr}");
        assert!(stdout.ends_with("secret #1\n"), "{scheme}: {stdout}");
    }
}

#[test]
fn sign_output_forms_carry_the_same_headers() {
    let lines = sign("github", "It's a Secret to Everybody", "Hello, World!");
    // GitHub's documented example.
    assert!(
        lines.contains(
            &"X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
                .to_owned()
        ),
        "{lines:?}"
    );
    let at = AT.to_string();
    let json = ok(&[
        "sign",
        "--scheme",
        "github",
        "--secret",
        "It's a Secret to Everybody",
        "--id",
        "msg_1",
        "--timestamp",
        &at,
        "--data",
        "Hello, World!",
        "--type",
        "push",
        "--json",
    ]);
    let headers: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        headers,
        serde_json::json!({
            "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "x-github-delivery": "msg_1",
            "x-github-event": "push",
        })
    );
    let curl = ok(&[
        "sign",
        "--scheme",
        "github",
        "--secret",
        "s",
        "--data",
        "{}",
        "--curl",
        "http://127.0.0.1:1/hook",
    ]);
    assert!(curl.starts_with("curl -sS http://127.0.0.1:1/hook -H 'Content-Type: application/json' -H 'X-Hub-Signature-256: sha256="), "{curl}");
    assert!(curl.ends_with("--data-binary '{}'"), "{curl}");
}

#[test]
fn bodies_are_signed_byte_for_byte_from_a_file_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{\"city\": \"Zürich\",\t\"n\": 1}\n".as_bytes();
    let file = dir.path().join("body.json");
    std::fs::write(&file, body).unwrap();
    let at = AT.to_string();
    let args = ["sign", "--scheme", "slack", "--secret", "s3cret", "--timestamp", &at, "--data", "-"];
    let from_stdin = run_with_input(&args, body);
    assert!(from_stdin.status.success(), "{}", texts(&from_stdin).1);
    let headers = dir.path().join("headers.txt");
    std::fs::write(&headers, &from_stdin.stdout).unwrap();
    let check = |data: &str| {
        run(&[
            "verify",
            "--scheme",
            "slack",
            "--secret",
            "s3cret",
            "--header",
            &format!("@{}", headers.display()),
            "--data",
            data,
            "--now",
            &at,
        ])
    };
    assert_eq!(check(&format!("@{}", file.display())).status.code(), Some(0));
    let trimmed = dir.path().join("trimmed.json");
    std::fs::write(&trimmed, &body[..body.len() - 1]).unwrap();
    let output = check(&format!("@{}", trimmed.display()));
    assert_eq!(output.status.code(), Some(1), "one byte less is another message");
    assert!(texts(&output).1.starts_with("error: invalid_signature: "));
    let missing = check("@/nonexistent/body.json");
    assert!(
        texts(&missing).1.starts_with("error: invalid_argument: cannot read --data file"),
        "{:?}",
        texts(&missing)
    );
}

#[test]
fn secrets_come_from_a_file_or_the_environment_and_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets.txt");
    std::fs::write(&file, format!("whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE=\n{SECRET}\n")).unwrap();
    let file_arg = file.display().to_string();
    let at = AT.to_string();
    let from_env =
        common::hookwire(&["sign", "--scheme", "svix", "--id", "m", "--timestamp", &at, "--data", "{}"])
            .env("HOOKWIRE_SECRET", SECRET)
            .output()
            .unwrap();
    assert!(from_env.status.success());
    let headers: Vec<String> = String::from_utf8_lossy(&from_env.stdout).lines().map(str::to_owned).collect();
    let from_flag = ok(&[
        "sign",
        "--scheme",
        "svix",
        "--secret",
        SECRET,
        "--id",
        "m",
        "--timestamp",
        &at,
        "--data",
        "{}",
    ]);
    assert_eq!(headers, from_flag.lines().collect::<Vec<_>>());
    // The file's second secret matches; the environment is not read when a file is given.
    let mut args =
        vec!["verify", "--scheme", "svix", "--secret-file", &file_arg, "--data", "{}", "--now", &at];
    for header in &headers {
        args.extend(["-H", header.as_str()]);
    }
    let output = common::hookwire(&args).env("HOOKWIRE_SECRET", "whsec_bm90IHRoaXMgb25l").output().unwrap();
    assert_eq!(texts(&output).0, "ok svix id=m timestamp=1700000000 secret #2\n");

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "\n").unwrap();
    let output =
        run(&["sign", "--scheme", "svix", "--secret-file", &empty.display().to_string(), "--data", "{}"]);
    assert!(texts(&output).1.starts_with("error: invalid_secret: "), "{:?}", texts(&output));

    // Whatever happens, the secret text is not in any output.
    let secret = "whsec_c2VjcmV0IHRleHQgdGhhdCBtdXN0IG5vdCBsZWFr";
    let runs: Vec<Output> = vec![
        common::hookwire(&["sign", "--help"]).env("HOOKWIRE_SECRET", secret).output().unwrap(),
        common::hookwire(&["sign", "--scheme", "hookwire", "--data", "{}", "--json"])
            .env("HOOKWIRE_SECRET", secret)
            .output()
            .unwrap(),
        run(&[
            "sign",
            "--scheme",
            "hookwire",
            "--secret",
            secret,
            "--data",
            "{}",
            "--curl",
            "http://127.0.0.1:1/",
        ]),
        run(&[
            "verify",
            "--scheme",
            "hookwire",
            "--secret",
            secret,
            "-H",
            "X-Webhook-Signature: sha256=00",
            "--data",
            "{}",
            "--json",
        ]),
        run(&[
            "verify",
            "--scheme",
            "standard-webhooks",
            "--secret",
            "whsec_not base64!",
            "-H",
            "a: b",
            "--data",
            "{}",
        ]),
        run(&[
            "send",
            "http://127.0.0.1:9/",
            "--scheme",
            "hookwire",
            "--secret",
            secret,
            "--data",
            "{}",
            "--allow-private",
            "--json",
        ]),
        run(&["sign", "--scheme", "hookwire", "--secret", secret, "--secret", "short", "--data", "{}"]),
    ];
    for output in &runs {
        let (stdout, stderr) = texts(output);
        for text in [secret, "c2VjcmV0IHRleHQgdGhhdCBtdXN0IG5vdCBsZWFr", "not base64!"] {
            assert!(!stdout.contains(text) && !stderr.contains(text), "{stdout}{stderr}");
        }
    }
}
