//! `hookwire-replay-receiver STORE_URL [--namespace NAME] [--claim-ttl-ms MS] [--async]`
//!
//! A receiver without HTTP, for trying a replay store from a shell and for the crate's
//! multi-process tests: it reads one message per line on standard input, verifies it (scheme
//! `hookwire`, secret from `HOOKWIRE_SECRET`), claims it in the store, and does what the line
//! asks of the handler:
//!
//! ```text
//! ACTION ID TIMESTAMP SIGNATURE BODY...      ACTION: commit | release | hold
//! ```
//!
//! `hold` keeps the claim (a handler still running, or about to crash). Each line is answered
//! with `ID accepted`, or `ID CODE` with the error code of the refusal; a commit or release that
//! finds the claim no longer held adds ` lost`, a store error during either ` step_failed CODE`. `--async` verifies through `AsyncVerifier` instead of the blocking
//! `Verifier::verify`. Exit status: 0 at the end of input, 2 on bad usage.

use std::io::{self, BufRead as _, Write as _};
use std::time::Duration;

use hookwire::{Scheme, Secret, Verifier};
use hookwire_stores::{AsyncVerifier, Store, StoreOptions};
use http::{HeaderMap, HeaderValue};

enum Mode {
    Blocking(Box<Verifier>),
    Async(AsyncVerifier),
}

struct Args {
    url: String,
    options: StoreOptions,
    claim_ttl: Option<Duration>,
    asynchronous: bool,
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "hookwire-replay-receiver: {problem}\nusage: hookwire-replay-receiver STORE_URL [--namespace NAME] \
         [--claim-ttl-ms MS] [--async]   (secret in HOOKWIRE_SECRET)"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mut parsed =
        Args { url: String::new(), options: StoreOptions::default(), claim_ttl: None, asynchronous: false };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--namespace" => {
                parsed.options =
                    parsed.options.namespace(args.next().unwrap_or_else(|| usage("--namespace needs a name")))
            }
            "--claim-ttl-ms" => {
                let ms = args
                    .next()
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or_else(|| usage("--claim-ttl-ms needs a number"));
                parsed.claim_ttl = Some(Duration::from_millis(ms));
            }
            "--async" => parsed.asynchronous = true,
            _ if parsed.url.is_empty() && !arg.starts_with("--") => parsed.url = arg,
            _ => usage(&format!("unexpected argument {arg:?}")),
        }
    }
    if parsed.url.is_empty() {
        usage("no store URL");
    }
    parsed
}

/// One input line, as a request: the action and the id, the headers and the body.
fn read_line(line: &str) -> Option<(&str, &str, HeaderMap, &[u8])> {
    let mut parts = line.splitn(5, ' ');
    let (action, id, timestamp, signature, body) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    let mut headers = HeaderMap::new();
    headers.insert("x-webhook-id", HeaderValue::from_str(id).ok()?);
    headers.insert("x-webhook-timestamp", HeaderValue::from_str(timestamp).ok()?);
    headers.insert("x-webhook-signature", HeaderValue::from_str(signature).ok()?);
    Some((action, id, headers, body.as_bytes()))
}

/// What the handler's step answered, as a line suffix: nothing when it went well.
fn step(answer: Result<bool, hookwire::Error>) -> String {
    match answer {
        Ok(true) => String::new(),
        Ok(false) => " lost".to_owned(),
        Err(err) => format!(" step_failed {}", err.code()),
    }
}

fn main() {
    let args = parse_args();
    let secret = std::env::var("HOOKWIRE_SECRET").unwrap_or_else(|_| usage("HOOKWIRE_SECRET is not set"));
    let secret = Secret::parse(&secret).unwrap_or_else(|err| usage(&err.to_string()));
    let store = Store::open(&args.url, &args.options).unwrap_or_else(|err| usage(&err.to_string()));
    let mut verifier = Verifier::new(Scheme::hookwire(), [secret]);
    if let Some(ttl) = args.claim_ttl {
        verifier = verifier.claim_ttl(ttl);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| usage(&format!("cannot start a runtime: {err}")));
    let mode = if args.asynchronous {
        Mode::Async(AsyncVerifier::new(verifier, store))
    } else {
        Mode::Blocking(Box::new(verifier.seen_store(store)))
    };

    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some((action, id, headers, body)) = read_line(&line) else {
            let _ = writeln!(out, "- invalid_argument");
            continue;
        };
        let answer = match &mode {
            Mode::Blocking(verifier) => match verifier.verify(&headers, body) {
                Ok(message) => match action {
                    "commit" => format!("{id} accepted{}", step(message.commit())),
                    "release" => format!("{id} accepted{}", step(message.release())),
                    _ => format!("{id} accepted"),
                },
                Err(err) => format!("{id} {}", err.code()),
            },
            Mode::Async(verifier) => runtime.block_on(async {
                match verifier.verify(&headers, body).await {
                    Ok(message) => match action {
                        "commit" => format!("{id} accepted{}", step(message.commit().await)),
                        "release" => format!("{id} accepted{}", step(message.release().await)),
                        _ => format!("{id} accepted"),
                    },
                    Err(err) => format!("{id} {}", err.code()),
                }
            }),
        };
        if writeln!(out, "{answer}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}
