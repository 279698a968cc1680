//! Colour and progress only for people: on a terminal, and never when `NO_COLOR` is set
//! (<https://no-color.org>: any non-empty value). Pipes and files get plain text.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

/// Whether to colour what goes to `stream`.
pub fn colours(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Accepted, delivered.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// Refused, failed.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Retrying; an error code.
pub const WARN: Style = AnsiColor::Yellow.on_default();
/// Times and other context.
pub const DIM: Style = Style::new().dimmed();

/// Writes text in a style, or plain.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colours when `on`.
    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    /// Whether it colours.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in `style`.
    pub fn paint(self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_adds_escape_codes_only_when_on() {
        assert_eq!(Paint::new(false).paint(GOOD, "accepted"), "accepted");
        let on = Paint::new(true).paint(GOOD, "accepted");
        assert!(on.starts_with('\u{1b}') && on.contains("accepted") && on.ends_with('m'), "{on:?}");
    }
}
