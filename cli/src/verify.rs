//! `hookwire verify`: checks a received request (headers and raw body) as a receiver would.
//! Exit 0 with `ok …`; exit 1 with the error's stable code and what to do about it.

use std::time::Duration;

use clap::Args as ClapArgs;
use hookwire::{Scheme, Verified};
use serde_json::json;

use crate::exit::Outcome;
use crate::input::{self, Data, HeaderArg};
use crate::parse;
use crate::secrets::{self, SecretArgs};

const EXAMPLES: &str = "\
Examples:
  # A request as received (the headers one by one, the raw body from a file):
  hookwire verify --scheme standard-webhooks --secret-file secret.txt \\
      -H 'webhook-id: msg_1' -H 'webhook-timestamp: 1700000000' \\
      -H 'webhook-signature: v1,K5oZfz…' --data @body.json --now 1700000010

  # Headers saved by `hookwire sign` (or copied from a log), the body on standard input:
  hookwire verify --scheme github --header @headers.txt --data - < body.json

  # Several secrets (a rotation): any may match; --json for scripts:
  HOOKWIRE_SECRET=old-secret hookwire verify --scheme slack --secret-file new-and-old.txt \\
      --header @headers.txt --data @body.json --json

Exit status: 0 verified, 1 refused (the code is printed: invalid_signature, missing_header,
malformed_header, timestamp_too_old, timestamp_too_new, payload_too_large, ...), 2 usage.";

/// `hookwire verify`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The signature scheme the sender uses (see `hookwire schemes`).
    #[arg(long, value_name = "SCHEME")]
    scheme: String,
    #[command(flatten)]
    secrets: SecretArgs,
    /// A request header as received, 'Name: value'; repeatable. @FILE reads one header per line
    /// (what `hookwire sign` prints).
    #[arg(
        short = 'H',
        long = "header",
        value_name = "'NAME: VALUE'|@FILE",
        value_parser = input::header_arg,
        required = true
    )]
    headers: Vec<HeaderArg>,
    /// The raw body as received: @FILE, or - for standard input (JSON text works too, if it
    /// is byte for byte what was sent).
    #[arg(long, value_name = "@FILE|-|JSON")]
    data: String,
    /// Check the timestamp as if now were this time, in unix seconds (default: the clock).
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
    /// How far the timestamp may be from now, either way (default 300s): 300, 5m, 0.
    #[arg(long, value_name = "SECS", value_parser = parse::duration)]
    tolerance: Option<Duration>,
    /// One JSON object on standard output: {"ok": true, "id", "timestamp", ...} or
    /// {"ok": false, "code", "message", "status"}.
    #[arg(long)]
    json: bool,
}

/// Verifies and prints the verdict.
pub fn run(args: Args) -> Outcome {
    let secrets = args.secrets.load(&["verify"])?;
    let scheme = Scheme::from_name(&args.scheme)?;
    let mut verifier = secrets::verifier(scheme, secrets)?;
    if let Some(tolerance) = args.tolerance {
        verifier = verifier.tolerance(tolerance);
    }
    let headers = input::headers(&args.headers)?;
    let data = Data::read(&args.data)?;
    let verdict = match args.now {
        Some(now) => verifier.verify_at(&headers, data.bytes(), now),
        None => verifier.verify(&headers, data.bytes()),
    };
    match verdict {
        Ok(message) => {
            ok(verifier.scheme().name(), &message, args.json);
            Ok(true)
        }
        Err(err) => {
            if args.json {
                let refused = json!({
                    "ok": false,
                    "code": err.code(),
                    "message": err.to_string(),
                    "status": err.response_status(),
                });
                println!("{refused}");
            }
            Err(err.into())
        }
    }
}

fn ok(scheme: &str, message: &Verified<'_>, json: bool) {
    if json {
        let verified = json!({
            "ok": true,
            "scheme": scheme,
            "id": message.id(),
            "timestamp": message.timestamp(),
            "timestamp_signed": message.timestamp_signed(),
            "event_type": message.event_type(),
            "secret_index": message.secret_index(),
        });
        println!("{verified}");
        return;
    }
    let mut line = format!("ok {scheme}");
    if let Some(id) = message.id() {
        line.push_str(&format!(" id={id}"));
    }
    if let Some(timestamp) = message.timestamp() {
        let signed = if message.timestamp_signed() { "" } else { " (not signed)" };
        line.push_str(&format!(" timestamp={timestamp}{signed}"));
    }
    if let Some(event_type) = message.event_type() {
        line.push_str(&format!(" type={event_type}"));
    }
    line.push_str(&format!(" secret #{}", message.secret_index() + 1));
    println!("{line}");
}
