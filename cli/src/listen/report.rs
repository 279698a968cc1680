//! One line per request: JSON for machines, or a readable line (coloured on a terminal).

use std::sync::atomic::{AtomicUsize, Ordering};

use hookwire::UnixTime;
use serde::Serialize;

use crate::output::out;
use crate::terminal::{self, Paint, BAD, DIM, GOOD, WARN};

/// What happened to one request. `--json` prints it as it is.
#[derive(Debug, Serialize)]
pub struct Line {
    /// When it arrived (RFC 3339, UTC).
    pub received_at: String,
    pub method: String,
    pub path: String,
    /// Whether the signature (and the dialect, when one was asked for) checked out.
    pub accepted: bool,
    /// The status answered.
    pub status: u16,
    /// The core's error code of a refusal.
    pub code: Option<&'static str>,
    /// What is wrong (or why the request was not a webhook).
    pub message: Option<String>,
    /// The event type, from the body where it can be read, else the scheme's event header.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// The message id: the scheme's id header, else the event's id.
    pub id: Option<String>,
    /// The body's size.
    pub bytes: usize,
    /// What the application behind `--forward-to` answered.
    pub forward_status: Option<u16>,
    /// Why forwarding failed.
    pub forward_error: Option<String>,
}

impl Line {
    /// A request that arrived now.
    pub fn new(method: &str, path: &str) -> Line {
        Line {
            received_at: UnixTime::now().to_string(),
            method: method.to_owned(),
            path: path.to_owned(),
            accepted: false,
            status: 0,
            code: None,
            message: None,
            event_type: None,
            id: None,
            bytes: 0,
            forward_status: None,
            forward_error: None,
        }
    }

    /// The readable form: `10:00:01  accepted  200  order.created  msg_1  312 bytes`.
    pub fn text(&self, paint: Paint) -> String {
        // `2025-08-08T10:00:01.123Z` → `10:00:01`
        let clock = self.received_at.get(11..19).unwrap_or(&self.received_at);
        let mut text = paint.paint(DIM, clock);
        let (verdict, style) = if self.accepted { ("accepted", GOOD) } else { ("refused ", BAD) };
        text.push_str(&format!("  {}  {}", paint.paint(style, verdict), self.status));
        if self.accepted {
            text.push_str(&format!(
                "  {}  {}  {} bytes",
                self.event_type.as_deref().unwrap_or("-"),
                self.id.as_deref().unwrap_or("-"),
                self.bytes
            ));
            if let Some(status) = self.forward_status {
                text.push_str(&format!("  forwarded: {status}"));
            }
            if let Some(err) = &self.forward_error {
                text.push_str(&format!("  {}", paint.paint(BAD, &format!("forwarding failed: {err}"))));
            }
        } else {
            text.push_str(&format!("  {} {}", self.method, self.path));
            if let Some(code) = self.code {
                text.push_str(&format!("  {}", paint.paint(WARN, code)));
            }
            if let Some(message) = &self.message {
                text.push_str(&format!("  {message}"));
            }
        }
        text
    }
}

/// Prints lines and counts them.
pub struct Report {
    json: bool,
    paint: Paint,
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

impl Report {
    /// JSON lines, or readable ones coloured when standard output is a terminal.
    pub fn new(json: bool) -> Report {
        let paint = Paint::new(!json && terminal::colours(&std::io::stdout()));
        Report { json, paint, accepted: AtomicUsize::new(0), refused: AtomicUsize::new(0) }
    }

    /// Prints one request's line.
    pub fn print(&self, line: &Line) {
        let counter = if line.accepted { &self.accepted } else { &self.refused };
        counter.fetch_add(1, Ordering::Relaxed);
        if self.json {
            match serde_json::to_string(line) {
                Ok(json) => out!("{json}"),
                Err(err) => eprintln!("warning: cannot write the line as JSON: {err}"),
            }
        } else {
            out!("{}", line.text(self.paint));
        }
    }

    /// (accepted, refused) so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.accepted.load(Ordering::Relaxed), self.refused.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(accepted: bool) -> Line {
        let mut line = Line::new("POST", "/webhooks");
        line.received_at = "2025-08-08T10:00:01.123Z".to_owned();
        line.accepted = accepted;
        line.bytes = 312;
        if accepted {
            line.status = 200;
            line.event_type = Some("order.created".to_owned());
            line.id = Some("msg_1".to_owned());
        } else {
            line.status = 401;
            line.code = Some("invalid_signature");
            line.message = Some("signature mismatch".to_owned());
        }
        line
    }

    #[test]
    fn readable_lines_say_the_verdict_status_type_and_id() {
        let cases = [
            (true, "10:00:01  accepted  200  order.created  msg_1  312 bytes"),
            (false, "10:00:01  refused   401  POST /webhooks  invalid_signature  signature mismatch"),
        ];
        for (accepted, expected) in cases {
            assert_eq!(line(accepted).text(Paint::new(false)), expected);
            let coloured = line(accepted).text(Paint::new(true));
            assert!(coloured.contains('\u{1b}'), "coloured on a terminal: {coloured:?}");
        }
    }
}
