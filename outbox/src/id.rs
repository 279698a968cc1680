//! Random ids and claim tokens.

/// `prefix_` and 24 hex digits (96 random bits), drawn like the core's message ids.
pub(crate) fn new_id(prefix: &str) -> String {
    let message_id = hookwire::new_message_id();
    let random = message_id.strip_prefix("msg_").unwrap_or(&message_id);
    format!("{prefix}_{random}")
}
