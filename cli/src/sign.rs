//! `hookwire sign`: the headers a sender attaches to a body, as `Name: value` lines, one JSON
//! object, or a curl command that sends the signed request.

use clap::Args as ClapArgs;
use hookwire::{new_message_id, unix_now, Scheme};

use crate::exit::{Failure, Outcome};
use crate::input::Data;
use crate::secrets::{self, SecretArgs};

const EXAMPLES: &str = "\
Examples:
  # The headers, one per line (the secret from the environment, out of shell history):
  export HOOKWIRE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  hookwire sign --scheme standard-webhooks --data '{\"type\":\"order.created\"}'

  # A fixed id and timestamp, the body from a file, JSON out:
  hookwire sign --scheme github --secret-file secret.txt --id d1 --timestamp 1700000000 \\
      --data @payload.json --json

  # A ready curl command against a local `hookwire listen`:
  hookwire sign --scheme stripe --data @payload.json --curl http://127.0.0.1:8765/webhooks | sh

  # Headers a later `hookwire verify --header @headers.txt` reads:
  hookwire sign --scheme slack --data @payload.json > headers.txt";

/// `hookwire sign`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The signature scheme: hookwire, standard-webhooks, svix, github, stripe, shopify,
    /// slack, device-service, ops-center, webnet, homechef, auraconnect (see `hookwire schemes`).
    #[arg(long, value_name = "SCHEME")]
    scheme: String,
    #[command(flatten)]
    secrets: SecretArgs,
    /// The message id (default: a new random msg_…); sent where the scheme has an id header.
    #[arg(long)]
    id: Option<String>,
    /// The timestamp, in unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    timestamp: Option<i64>,
    /// The event type, sent in the scheme's event header where it has one (X-Webhook-Event,
    /// X-GitHub-Event, X-Shopify-Topic, X-AuraConnect-Event).
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// The body: JSON text, @FILE, or - for standard input. Signed byte for byte.
    #[arg(long, value_name = "JSON|@FILE|-")]
    data: String,
    /// Print the headers as one JSON object (names in lower case, as on the wire).
    #[arg(long, conflicts_with = "curl")]
    json: bool,
    /// Print a curl command that POSTs the body with these headers to URL.
    #[arg(long, value_name = "URL")]
    curl: Option<String>,
}

/// Signs and prints.
pub fn run(args: Args) -> Outcome {
    let secrets = args.secrets.load(&["sign"])?;
    let signer = secrets::signer(Scheme::from_name(&args.scheme)?, secrets)?;
    let data = Data::read(&args.data)?;
    let id = args.id.clone().unwrap_or_else(new_message_id);
    // The wire's unix seconds: the flag's, or the clock's.
    let timestamp = args.timestamp.unwrap_or_else(|| unix_now().as_secs());
    let signed = match &args.event_type {
        Some(event_type) => signer.sign_event(&id, timestamp, event_type, data.bytes())?,
        None => signer.sign(&id, timestamp, data.bytes())?,
    };
    let headers: Vec<(&str, String)> = signed
        .iter()
        .map(|(name, value)| (name.as_str(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    if args.json {
        let object: serde_json::Map<String, serde_json::Value> =
            headers.iter().map(|(name, value)| ((*name).to_owned(), value.clone().into())).collect();
        println!("{}", serde_json::Value::Object(object));
    } else if let Some(url) = &args.curl {
        println!("{}", curl(url, &spelled(signer.scheme(), &headers), &data)?);
    } else {
        for (name, value) in spelled(signer.scheme(), &headers) {
            println!("{name}: {value}");
        }
    }
    Ok(true)
}

/// Header names as the scheme spells them (`X-Hub-Signature-256`), for people; the wire
/// ignores case.
fn spelled<'a>(scheme: &'a Scheme, headers: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    let known = scheme.read_headers();
    headers
        .iter()
        .map(|(name, value)| {
            let spelling = known.iter().flatten().find(|display| display.eq_ignore_ascii_case(name)).copied();
            (spelling.unwrap_or(name), value.as_str())
        })
        .collect()
}

/// `curl -sS URL -H … --data-binary …`: a file is named (curl reads its exact bytes), other
/// bodies are quoted for a POSIX shell.
fn curl(url: &str, headers: &[(&str, &str)], data: &Data) -> Result<String, Failure> {
    let mut words = vec!["curl".to_owned(), "-sS".to_owned(), quote(url)];
    words.push("-H".to_owned());
    words.push(quote("Content-Type: application/json"));
    for (name, value) in headers {
        words.push("-H".to_owned());
        words.push(quote(&format!("{name}: {value}")));
    }
    words.push("--data-binary".to_owned());
    match data {
        Data::File { path, .. } => words.push(quote(&format!("@{path}"))),
        Data::Inline(bytes) | Data::Stdin(bytes) => {
            let text =
                std::str::from_utf8(bytes).ok().filter(|text| !text.contains('\0')).ok_or_else(|| {
                    Failure::argument("the body is not text a shell can quote; give it as --data @FILE")
                })?;
            words.push(quote(text));
        }
    }
    Ok(words.join(" "))
}

/// One shell word: single quotes, each `'` written as `'\''`.
fn quote(text: &str) -> String {
    let safe =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
    if safe {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_makes_one_shell_word_of_anything() {
        let cases = [
            ("http://127.0.0.1:8765/webhooks", "http://127.0.0.1:8765/webhooks"),
            ("", "''"),
            ("a b", "'a b'"),
            ("it's", r"'it'\''s'"),
            (r#"{"a":"$HOME `x`"}"#, r#"'{"a":"$HOME `x`"}'"#),
        ];
        for (text, quoted) in cases {
            assert_eq!(quote(text), quoted, "{text}");
        }
    }

    #[test]
    fn header_names_are_spelled_as_the_scheme_does() {
        let scheme = Scheme::github();
        let headers = [("x-hub-signature-256", "sha256=ab".to_owned()), ("x-other", "1".to_owned())];
        assert_eq!(spelled(&scheme, &headers), [("X-Hub-Signature-256", "sha256=ab"), ("x-other", "1")]);
    }
}
