//! `hookwire schemes`: the twelve signature schemes, their headers and what they sign.

use clap::Args as ClapArgs;
use hookwire::{Part, Scheme, TimestampKind};
use serde_json::json;

use crate::exit::Outcome;
use crate::output::out;

const EXAMPLES: &str = "\
Examples:
  hookwire schemes          # a table: signature header, id and timestamp headers, signed bytes
  hookwire schemes --json   # one JSON object per scheme";

/// `hookwire schemes`
#[derive(Debug, ClapArgs)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// One JSON object per scheme: name, signature_header, id_header, timestamp_header,
    /// timestamp (signed, unsigned or null), event_header, signed_content.
    #[arg(long)]
    json: bool,
}

/// The signed bytes as a pattern: `{id}.{timestamp}.{body}`.
fn signed_content(scheme: &Scheme) -> String {
    scheme
        .content()
        .iter()
        .map(|part| match part {
            Part::Id => "{id}".to_owned(),
            Part::Timestamp => "{timestamp}".to_owned(),
            Part::Body => "{body}".to_owned(),
            Part::Literal(text) => text.to_string(),
            _ => "?".to_owned(),
        })
        .collect()
}

/// Where the timestamp is, for people: a header, inside the signature header, or nowhere.
fn timestamp(scheme: &Scheme) -> String {
    let place = match (scheme.timestamp(), scheme.timestamp_header()) {
        (None, _) => return "-".to_owned(),
        (Some(_), Some(header)) => header.to_owned(),
        (Some(_), None) => format!("in {}", scheme.signature_header()),
    };
    match scheme.timestamp() {
        Some(TimestampKind::Unsigned) => format!("{place} (not signed)"),
        _ => place,
    }
}

/// Prints every scheme.
pub fn run(args: Args) -> Outcome {
    let mut schemes = Vec::new();
    for name in Scheme::names() {
        schemes.push(Scheme::from_name(name)?);
    }
    if args.json {
        for scheme in &schemes {
            let kind = scheme.timestamp().map(|kind| match kind {
                TimestampKind::Signed => "signed",
                TimestampKind::Unsigned => "unsigned",
            });
            out!(
                "{}",
                json!({
                    "name": scheme.name(),
                    "signature_header": scheme.signature_header(),
                    "id_header": scheme.id_header(),
                    "timestamp_header": scheme.timestamp_header(),
                    "timestamp": kind,
                    "event_header": scheme.event_header(),
                    "signed_content": signed_content(scheme),
                })
            );
        }
        return Ok(true);
    }
    let rows: Vec<[String; 5]> = schemes
        .iter()
        .map(|scheme| {
            [
                scheme.name().to_owned(),
                scheme.signature_header().to_owned(),
                scheme.id_header().unwrap_or("-").to_owned(),
                timestamp(scheme),
                signed_content(scheme),
            ]
        })
        .collect();
    let header = ["SCHEME", "SIGNATURE HEADER", "ID HEADER", "TIMESTAMP", "SIGNED BYTES"].map(str::to_owned);
    let widths: Vec<usize> =
        (0..5).map(|i| rows.iter().chain([&header]).map(|row| row[i].len()).max().unwrap_or(0)).collect();
    for row in [&header].into_iter().chain(&rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out!("{}", cells.join("  ").trim_end());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_content_and_timestamp_read_like_the_design_table() {
        let cases = [
            ("hookwire", "{id}.{timestamp}.{body}", "X-Webhook-Timestamp"),
            ("stripe", "{timestamp}.{body}", "in Stripe-Signature"),
            ("slack", "v0:{timestamp}:{body}", "X-Slack-Request-Timestamp"),
            ("github", "{body}", "-"),
            ("auraconnect", "{body}", "X-AuraConnect-Timestamp (not signed)"),
        ];
        for (name, content, stamp) in cases {
            let scheme = Scheme::from_name(name).unwrap();
            assert_eq!(
                (signed_content(&scheme).as_str(), timestamp(&scheme).as_str()),
                (content, stamp),
                "{name}"
            );
        }
    }
}
