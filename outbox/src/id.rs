//! Random ids and claim tokens.

/// `prefix_` and 24 hex digits (96 random bits), drawn like the core's message ids.
pub(crate) fn new_id(prefix: &str) -> String {
    let message_id = hookwire::new_message_id();
    let random = message_id.strip_prefix("msg_").unwrap_or(&message_id);
    format!("{prefix}_{random}")
}

/// `prefix_`, 12 hex digits of the unix time in milliseconds and 16 random hex digits (64
/// bits): ids that sort by creation time. Delivery ids are keys of the busiest indexes (the
/// deliveries' primary key, attempts by delivery): new entries land on the index's last page
/// instead of a random one, and a batch of completions changes a few index pages rather than
/// one per delivery (less to write for SQLite's WAL and PostgreSQL's, fewer pages to cache).
pub(crate) fn new_ordered_id(prefix: &str, now: hookwire::UnixTime) -> String {
    let message_id = hookwire::new_message_id();
    let random = message_id.strip_prefix("msg_").unwrap_or(&message_id);
    let millis = u64::try_from(now.as_millis()).unwrap_or(0) & 0xffff_ffff_ffff;
    format!("{prefix}_{millis:012x}{}", random.get(..16).unwrap_or(random))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_ids_sort_by_time_and_differ_within_a_millisecond() {
        let (early, late) = (hookwire::UnixTime::from_millis(1_000), hookwire::UnixTime::from_millis(1_001));
        let a = new_ordered_id("dlv", early);
        let b = new_ordered_id("dlv", early);
        let c = new_ordered_id("dlv", late);
        assert_ne!(a, b, "64 random bits tell ids of one millisecond apart");
        assert!(a < c && b < c, "{a} {b} {c}");
        assert_eq!(a.len(), "dlv_".len() + 28, "{a}");
        assert!(a["dlv_".len()..].bytes().all(|b| b.is_ascii_hexdigit()), "{a}");
    }
}
