//! What a person or a script meets first: `--help` for every command (with examples), usage
//! errors that exit 2 with a usage line, completions, the event catalog, the scheme table.

mod common;

use common::{hookwire, ok, run, texts};
use hookwire::Scheme;

#[test]
fn help_lists_every_command_and_every_command_has_complete_help_with_examples() {
    let top = ok(&["--help"]);
    // (command, what its --help must mention)
    let commands: &[(&str, &[&str])] = &[
        (
            "sign",
            &[
                "--scheme",
                "--secret",
                "--secret-file",
                "HOOKWIRE_SECRET",
                "--id",
                "--timestamp",
                "--data",
                "--json",
                "--curl",
                "--type",
            ],
        ),
        (
            "verify",
            &["--scheme", "--secret", "--header", "--data", "--now", "--tolerance", "--json", "Exit status"],
        ),
        (
            "listen",
            &[
                "--port",
                "--path",
                "--scheme",
                "--secret",
                "--dialect",
                "--forward-to",
                "--json",
                "--reject-replays",
                "Ctrl-C",
            ],
        ),
        (
            "send",
            &[
                "--scheme",
                "--secret",
                "--type",
                "--data",
                "--retry",
                "--retry-delays",
                "--allow-private",
                "--count",
                "--concurrency",
                "--json",
                "Exit status",
            ],
        ),
        ("events", &["[TYPE]", "--json", "--dialect"]),
        ("schemes", &["--json"]),
        ("completions", &["bash", "zsh", "fish"]),
        ("outbox", &["init", "endpoint", "publish", "worker", "deliveries", "retry", "stats"]),
    ];
    for (command, mentions) in commands {
        assert!(top.contains(&format!("  {command} ")), "{command} missing from hookwire --help:\n{top}");
        let help = ok(&[command, "--help"]);
        if *command != "outbox" {
            assert!(help.contains("Examples:\n  "), "{command} --help has no examples:\n{help}");
        }
        for mention in *mentions {
            assert!(help.contains(mention), "{command} --help does not mention {mention}:\n{help}");
        }
        assert!(ok(&["help", command]).contains("Usage: hookwire "), "hookwire help {command}");
    }
    assert!(
        top.contains("Examples:") && top.contains("Exit status: 0 success, 1 refused or failed"),
        "{top}"
    );
    assert!(ok(&["--version"]).starts_with("hookwire "));
}

#[test]
fn bad_arguments_exit_2_with_a_usage_line() {
    let sign = ["sign", "--scheme", "github", "--secret", "s"];
    // (arguments, what the error names)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["bogus"], "unrecognized subcommand"),
        (vec!["sign", "--secret", "s", "--data", "{}"], "--scheme"),
        (sign.to_vec(), "--data"),
        (vec!["sign", "--scheme", "github", "--data", "{}"], "a secret is required"),
        (
            [&sign[..], &["--data", "{}", "--json", "--curl", "http://x.example/"]].concat(),
            "cannot be used with",
        ),
        ([&sign[..], &["--data", "{}", "--timestamp", "soon"]].concat(), "--timestamp"),
        (vec!["verify", "--scheme", "github", "--secret", "s", "--data", "{}"], "--header"),
        (
            vec!["verify", "--scheme", "github", "--secret", "s", "--data", "{}", "-H", "no colon"],
            "is not a header",
        ),
        (
            vec![
                "verify",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "-H",
                "a: b",
                "--tolerance",
                "a while",
            ],
            "not a duration",
        ),
        (vec!["verify", "--scheme", "github", "-H", "a: b", "--data", "{}"], "a secret is required"),
        (vec!["listen", "--scheme", "github", "--secret", "s", "--port", "http"], "--port"),
        (vec!["listen", "--scheme", "github", "--secret", "s", "--path", "webhooks"], "not a path"),
        (vec!["listen", "--secret", "s"], "--scheme"),
        (vec!["send", "--scheme", "github", "--secret", "s", "--data", "{}"], "<URL>"),
        (vec!["send", "http://x.example/", "--scheme", "github", "--secret", "s"], "--type"),
        (
            vec![
                "send",
                "http://x.example/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "--count",
                "0",
            ],
            "--count",
        ),
        (
            vec![
                "send",
                "http://x.example/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "--retry",
                "svix",
                "--retry-delays",
                "1s",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "send",
                "http://x.example/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--data",
                "{}",
                "--dialect",
                "webnet",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "send",
                "http://x.example/",
                "--scheme",
                "github",
                "--secret",
                "s",
                "--type",
                "order.created",
                "--id",
                "a",
                "--count",
                "2",
            ],
            "--id names one message",
        ),
        (vec!["events", "--dialect", "webnet"], "TYPE"),
        (vec!["completions", "tcsh"], "invalid value"),
        (vec!["completions"], "<SHELL>"),
    ];
    for (args, names) in &cases {
        let output = run(args);
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains("Usage: hookwire"), "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{args:?} should name {names}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn completion_scripts_come_for_bash_zsh_and_fish() {
    let cases = [("bash", "complete -F"), ("zsh", "#compdef hookwire"), ("fish", "complete -c hookwire")];
    for (shell, marker) in cases {
        let script = ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}");
        for command in ["sign", "verify", "listen", "send", "events", "schemes", "outbox"] {
            assert!(script.contains(command), "{shell} completion lacks {command}");
        }
        assert!(script.contains("forward-to"), "{shell} completion lacks listen's flags");
    }
    let bash = std::process::Command::new("bash")
        .args(["-n", "-c", &ok(&["completions", "bash"])])
        .output()
        .expect("bash");
    assert!(bash.status.success(), "bash reads the script: {}", String::from_utf8_lossy(&bash.stderr));
}

#[test]
fn events_lists_the_catalog_and_prints_a_type_s_sample() {
    let lines: Vec<serde_json::Value> =
        ok(&["events", "--json"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), hookwire::catalog().len());
    for (line, info) in lines.iter().zip(hookwire::catalog()) {
        assert_eq!(
            (line["type"].as_str(), line["description"].as_str()),
            (Some(info.name), Some(info.description))
        );
    }
    let table = ok(&["events"]);
    assert!(
        table.lines().any(|l| l.starts_with("order.created") && l.contains("A new order was placed")),
        "{table}"
    );
    let sample: serde_json::Value = serde_json::from_str(&ok(&["events", "order.created"])).unwrap();
    assert_eq!((sample["type"].as_str(), sample["data"]["id"].as_u64()), (Some("order.created"), Some(1001)));
    let ops: serde_json::Value =
        serde_json::from_str(&ok(&["events", "order.created", "--dialect", "ops-center"])).unwrap();
    assert_eq!(ops["event"], "order.created", "Ops Center's envelope: {ops}");
    let unknown = run(&["events", "order.refunded"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(texts(&unknown).1.starts_with("error: unknown_event_type: "));
    // A reader that stops early is not a crash.
    let head = std::process::Command::new("sh")
        .args(["-c", &format!("{} events | head -1", env!("CARGO_BIN_EXE_hookwire"))])
        .output()
        .unwrap();
    assert!(head.status.success() && head.stderr.is_empty(), "{}", String::from_utf8_lossy(&head.stderr));
}

#[test]
fn schemes_lists_every_scheme_the_core_knows_with_its_headers() {
    let lines: Vec<serde_json::Value> =
        ok(&["schemes", "--json"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, Scheme::names());
    for line in &lines {
        let scheme = Scheme::from_name(line["name"].as_str().unwrap()).unwrap();
        assert_eq!(line["signature_header"], scheme.signature_header());
        assert_eq!(line["id_header"].as_str(), scheme.id_header());
        assert_eq!(line["timestamp_header"].as_str(), scheme.timestamp_header());
    }
    let table = ok(&["schemes"]);
    assert!(
        table.lines().any(|l| l.starts_with("stripe ")
            && l.contains("Stripe-Signature")
            && l.contains("{timestamp}.{body}")),
        "{table}"
    );
    assert_eq!(table.lines().count(), 1 + Scheme::names().len());
}

#[test]
fn help_never_shows_a_secret_from_the_environment() {
    let output = hookwire(&["listen", "--help"])
        .env("HOOKWIRE_SECRET", "whsec_c2VjcmV0IGluIHRoZSBlbnY=")
        .output()
        .unwrap();
    let (stdout, _) = texts(&output);
    assert!(stdout.contains("HOOKWIRE_SECRET") && !stdout.contains("c2VjcmV0IGluIHRoZSBlbnY"), "{stdout}");
}
