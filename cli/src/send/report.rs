//! What `send` shows: one line per attempt (JSON with `--json`), or for long runs on a
//! terminal a progress bar with the rate and the failures; a summary on standard error.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hookwire::{Delivery, DeliveryState, Outcome as Verdict, UnixTime};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::output::out;
use crate::terminal::{self, Paint, BAD, GOOD, WARN};

enum Mode {
    Lines { json: bool, paint: Paint },
    Bar { bar: ProgressBar, paint: Paint },
}

/// Counts and shows attempts and finished messages.
pub struct Report {
    mode: Mode,
    delivered: AtomicU64,
    failed: AtomicU64,
    attempts: AtomicU64,
    /// Why messages were given up, by the core's reason name.
    reasons: Mutex<BTreeMap<&'static str, u64>>,
}

impl Report {
    /// A progress bar when several messages go out and standard error is a terminal;
    /// otherwise lines.
    pub fn new(json: bool, count: u64) -> Report {
        let mode = if count > 1 && !json && std::io::stderr().is_terminal() {
            let paint = Paint::new(terminal::colours(&std::io::stderr()));
            let bar_style = if paint.is_on() { "{bar:30.cyan/blue}" } else { "{bar:30}" };
            let template = format!("{bar_style} {{pos}}/{{len}} messages  {{msg}}  {{elapsed}}");
            let style =
                ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar = ProgressBar::new(count).with_style(style).with_message("0/s  0 failed");
            bar.enable_steady_tick(Duration::from_millis(200));
            Mode::Bar { bar, paint }
        } else {
            Mode::Lines { json, paint: Paint::new(!json && terminal::colours(&std::io::stdout())) }
        };
        Report {
            mode,
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
            reasons: Mutex::new(BTreeMap::new()),
        }
    }

    /// An attempt was just recorded in `delivery`.
    pub fn attempt(&self, delivery: &Delivery, verdict: &Verdict, error: Option<&str>, now: UnixTime) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        match &self.mode {
            Mode::Lines { json: true, .. } => out!("{}", attempt_json(delivery, verdict, error, now)),
            Mode::Lines { json: false, paint } => {
                out!("{}", attempt_text(delivery, verdict, error, now, *paint))
            }
            Mode::Bar { bar, paint } => {
                if let DeliveryState::Failed { .. } = delivery.state() {
                    bar.println(attempt_text(delivery, verdict, error, now, *paint));
                }
            }
        }
    }

    /// A message is final.
    pub fn finished(&self, delivery: &Delivery) {
        match delivery.state() {
            DeliveryState::Succeeded { .. } => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
            }
            state => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let reason = match state {
                    DeliveryState::Failed { reason, .. } => reason.name(),
                    other => other.name(),
                };
                if let Ok(mut reasons) = self.reasons.lock() {
                    *reasons.entry(reason).or_default() += 1;
                }
            }
        }
        if let Mode::Bar { bar, .. } = &self.mode {
            bar.inc(1);
            let rate = bar.position() as f64 / bar.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{rate:.0}/s  {} failed", self.failed.load(Ordering::Relaxed)));
        }
    }

    /// Prints the summary on standard error; whether every message was delivered.
    pub fn summary(&self, url: &str, count: u64, elapsed: Duration, interrupted: bool) -> bool {
        if let Mode::Bar { bar, .. } = &self.mode {
            bar.finish_and_clear();
        }
        let (delivered, failed) =
            (self.delivered.load(Ordering::Relaxed), self.failed.load(Ordering::Relaxed));
        let attempts = self.attempts.load(Ordering::Relaxed);
        let rate = (delivered + failed) as f64 / elapsed.as_secs_f64().max(1e-9);
        let messages = if count == 1 { "message" } else { "messages" };
        let tries = if attempts == 1 { "attempt" } else { "attempts" };
        eprintln!(
            "{count} {messages} to {url}: {delivered} delivered, {failed} failed, {attempts} {tries} in {:.2}s ({rate:.1} messages/s)",
            elapsed.as_secs_f64()
        );
        if interrupted {
            let unfinished = count - delivered - failed;
            eprintln!("error: interrupted: stopped with {unfinished} of {count} {messages} not finished");
            return false;
        }
        if failed == 0 {
            return true;
        }
        let reasons = self.reasons.lock().map(|r| r.clone()).unwrap_or_default();
        let code = reasons.iter().max_by_key(|(_, n)| **n).map_or("failed", |(reason, _)| *reason);
        let detail: Vec<String> = reasons.iter().map(|(reason, n)| format!("{reason} {n}")).collect();
        eprintln!("error: {code}: {failed} of {count} {messages} not delivered ({})", detail.join(", "));
        false
    }
}

/// `12ms`, `1.5s`, `5m`, `2.0h`.
fn span(span: Duration) -> String {
    let secs = span.as_secs_f64();
    if secs < 1.0 {
        format!("{}ms", span.as_millis())
    } else if secs < 120.0 {
        format!("{secs:.1}s")
    } else if secs < 7200.0 {
        format!("{:.0}m", secs / 60.0)
    } else {
        format!("{:.1}h", secs / 3600.0)
    }
}

fn retry_in(delivery: &Delivery, now: UnixTime) -> Option<Duration> {
    match delivery.state() {
        DeliveryState::Retrying { next_at } => Some(next_at.duration_since(now)),
        _ => None,
    }
}

fn attempt_json(
    delivery: &Delivery,
    verdict: &Verdict,
    error: Option<&str>,
    now: UnixTime,
) -> serde_json::Value {
    let reason = match delivery.state() {
        DeliveryState::Failed { reason, .. } => Some(reason.name()),
        _ => None,
    };
    json!({
        "id": delivery.id(),
        "attempt": delivery.attempts().len(),
        "status": verdict.status(),
        "failure": verdict.failure().map(|f| f.name()),
        "error": error,
        "class": verdict.class().name(),
        "elapsed_ms": verdict.elapsed().as_millis() as u64,
        "state": delivery.state().name(),
        "retry_in_ms": retry_in(delivery, now).map(|d| d.as_millis() as u64),
        "reason": reason,
    })
}

/// `msg_1  attempt 2  503 throttled  12ms  retry in 60.0s`, and after a transport failure
/// what the client said: `msg_1  attempt 1  connect retryable  0ms  gave up: exhausted  (…)`.
fn attempt_text(
    delivery: &Delivery,
    verdict: &Verdict,
    error: Option<&str>,
    now: UnixTime,
    paint: Paint,
) -> String {
    let answer = match (verdict.status(), verdict.failure()) {
        (Some(status), _) => status.to_string(),
        (None, Some(failure)) => failure.name().to_owned(),
        (None, None) => "-".to_owned(),
    };
    let next = match delivery.state() {
        DeliveryState::Succeeded { .. } => paint.paint(GOOD, "delivered"),
        DeliveryState::Failed { reason, .. } => paint.paint(BAD, &format!("gave up: {}", reason.name())),
        state => match retry_in(delivery, now) {
            Some(wait) => paint.paint(WARN, &format!("retry in {}", span(wait))),
            None => state.name().to_owned(),
        },
    };
    let mut text = format!(
        "{}  attempt {}  {answer} {}  {}  {next}",
        delivery.id(),
        delivery.attempts().len(),
        verdict.class().name(),
        span(verdict.elapsed())
    );
    if let Some(error) = error {
        text.push_str(&format!("  ({error})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_lines_say_the_answer_and_what_comes_next() {
        let policy = hookwire::RetryPolicy::table("t", vec![Duration::ZERO, Duration::from_secs(5)]).unwrap();
        let status = |code| Verdict::from_response(code, &http::HeaderMap::new(), Duration::from_millis(12));
        let t = UnixTime::from_millis;
        let mut delivery = Delivery::new("msg_1", t(0));
        delivery.record(&policy, t(0), &status(500), b"", t(12)).unwrap();
        let plain = Paint::new(false);
        let now = UnixTime::from_millis(12);
        assert_eq!(
            attempt_text(&delivery, &status(500), None, now, plain),
            "msg_1  attempt 1  500 retryable  12ms  retry in 5.0s"
        );
        delivery.record(&policy, t(5_012), &status(200), b"", t(5_024)).unwrap();
        assert_eq!(
            attempt_text(&delivery, &status(200), None, UnixTime::from_millis(5_024), plain),
            "msg_1  attempt 2  200 success  12ms  delivered"
        );
        let refused = Verdict::transport(hookwire::Failure::Connect, Duration::from_millis(1));
        let mut gone = Delivery::new("msg_2", t(0));
        gone.record(&policy.clone().with_max_attempts(1).unwrap(), t(0), &refused, b"", t(1)).unwrap();
        let text = attempt_text(&gone, &refused, Some("connection refused"), UnixTime::from_millis(1), plain);
        assert_eq!(
            text,
            "msg_2  attempt 1  connect retryable  1ms  gave up: exhausted  (connection refused)"
        );
        let json = attempt_json(&gone, &refused, Some("connection refused"), UnixTime::from_millis(1));
        assert_eq!(
            (
                json["state"].as_str(),
                json["reason"].as_str(),
                json["failure"].as_str(),
                json["attempt"].as_u64()
            ),
            (Some("failed"), Some("exhausted"), Some("connect"), Some(1))
        );
    }
}
