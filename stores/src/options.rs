//! [`StoreOptions`]: where a store keeps its entries and how long it may take to answer.

use std::time::Duration;

use hookwire::Error;

/// The default namespace: the SQLite and PostgreSQL table, and the Redis key prefix
/// (`hookwire_replay:`).
pub const DEFAULT_NAMESPACE: &str = "hookwire_replay";

/// How long connecting to a network store may take before the operation fails with
/// `store_error`: 2 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long one operation (claim, commit or release, connecting included) may take before it
/// fails with `store_error`: 3 seconds. SQLite uses it as its busy timeout (how long to wait
/// for another process's write).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// How many connections a PostgreSQL store opens at most: 8.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// Options shared by every store: where it keeps its entries, and how long it may take to
/// answer before the verifier refuses the message with `store_error` (503: the sender retries).
///
/// ```
/// use std::time::Duration;
/// use hookwire_stores::StoreOptions;
///
/// let options = StoreOptions::default()
///     .namespace("shop_webhooks")
///     .timeout(Duration::from_secs(1));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    pub(crate) namespace: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl StoreOptions {
    /// Where entries are kept: the table name (SQLite, PostgreSQL) or the key prefix before `:`
    /// (Redis). Letters, digits and `_`, not starting with a digit, at most 48 characters
    /// (checked when the store opens).
    ///
    /// Replay keys are the senders' message ids: give each sender (endpoint) its own namespace
    /// when two of them could use the same ids.
    pub fn namespace(mut self, name: impl Into<String>) -> StoreOptions {
        self.namespace = name.into();
        self
    }

    /// How long connecting may take (network stores; default 2 s).
    pub fn connect_timeout(mut self, limit: Duration) -> StoreOptions {
        self.connect_timeout = limit;
        self
    }

    /// How long one operation may take, waiting for a connection included (default 3 s).
    pub fn timeout(mut self, limit: Duration) -> StoreOptions {
        self.timeout = limit;
        self
    }

    /// How many connections a PostgreSQL store opens at most (default 8; at least 1).
    pub fn max_connections(mut self, count: usize) -> StoreOptions {
        self.max_connections = count.max(1);
        self
    }

    /// The namespace, checked: it is written into SQL and key names, so only plain identifier
    /// characters are allowed.
    pub(crate) fn checked_namespace(&self) -> Result<&str, Error> {
        let name = self.namespace.as_str();
        let plain = name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        let starts_well = name.bytes().next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
        if plain && starts_well && name.len() <= 48 {
            Ok(name)
        } else {
            Err(Error::InvalidArgument {
                argument: "namespace",
                reason: format!(
                    "{name:?} is not a plain name (letters, digits and `_`, not starting with a digit, at \
                     most 48 characters)"
                )
                .into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_plain_identifiers() {
        for good in ["hookwire_replay", "_x", "Shop2", &"a".repeat(48)] {
            assert!(StoreOptions::default().namespace(good).checked_namespace().is_ok(), "{good}");
        }
        for bad in ["", "2shop", "a-b", "a b", "t; DROP TABLE x", "ä", &"a".repeat(49)] {
            let err = StoreOptions::default().namespace(bad).checked_namespace().unwrap_err();
            assert_eq!(err.code(), "invalid_argument", "{bad}");
        }
    }
}
