//! The outbox's error: the core's [`hookwire::Error`] where one of its codes fits, and the few
//! failures only an outbox has, each with its own stable code.

use std::borrow::Cow;
use std::time::Duration;

/// Everything that can go wrong in the outbox. Like the core's error, every variant has a
/// stable [`code`](Error::code) for programs (and the bindings) and a `Display` text for
/// people that never contains a secret.
///
/// ```
/// use hookwire_outbox::Error;
///
/// let err = Error::NotFound { kind: "delivery", id: "dlv_1".into() };
/// assert_eq!(err.code(), "not_found");
/// let err = Error::from(hookwire::Error::InvalidSignature);
/// assert_eq!(err.code(), "invalid_signature");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error with one of the core's codes: `invalid_argument`, `blocked_url`,
    /// `invalid_state`, `invalid_secret`, `unknown_scheme`, `payload_too_large`, ...
    #[error(transparent)]
    Core(#[from] hookwire::Error),

    /// The outbox's database could not answer (unreachable, locked, a statement or a migration
    /// refused). Its code is the core's `store_error`; its text names the outbox's store, not
    /// the core's replay store (whose advice to answer 503 is a receiver's).
    #[error("outbox store error: {reason}")]
    Store {
        /// What the database said (never a URL or a password).
        reason: Cow<'static, str>,
    },

    /// No endpoint, message or delivery has this id.
    #[error("{kind} `{id}` not found")]
    NotFound {
        /// `endpoint`, `message` or `delivery`.
        kind: &'static str,
        /// The id that was asked for.
        id: String,
    },

    /// A worker's lease on a delivery expired (or the delivery was changed by an operator)
    /// before it could record the attempt: another worker owns it now, so nothing was written.
    #[error("lease lost on delivery `{delivery}`: another worker or an operator took it over; nothing was recorded")]
    LeaseLost {
        /// The delivery.
        delivery: String,
    },

    /// The database was made by a newer hookwire: its schema version is past this build's.
    #[error("database schema version {found} is newer than this build's {known}: upgrade hookwire")]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },

    /// Work was still due when the time given to [`run_until_idle`](crate::Outbox::run_until_idle)
    /// ran out.
    #[error("timed out after {waited:?} with {remaining} deliveries not final")]
    Timeout {
        /// How long it waited.
        waited: Duration,
        /// Deliveries still pending or retrying.
        remaining: u64,
    },
}

impl Error {
    /// The stable code: the core's code for [`Error::Core`], otherwise one of
    /// [`Error::CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(err) => err.code(),
            Error::Store { .. } => "store_error",
            Error::NotFound { .. } => "not_found",
            Error::LeaseLost { .. } => "lease_lost",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Timeout { .. } => "timeout",
        }
    }

    /// The codes only the outbox has (the others, `store_error` included, are
    /// [`hookwire::Error::CODES`]).
    pub const CODES: &'static [&'static str] = &["not_found", "lease_lost", "schema_too_new", "timeout"];

    pub(crate) fn store(reason: impl Into<Cow<'static, str>>) -> Error {
        Error::Store { reason: reason.into() }
    }

    pub(crate) fn argument(name: &'static str, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::Core(hookwire::Error::InvalidArgument { argument: name, reason: reason.into() })
    }

    pub(crate) fn state(reason: impl Into<Cow<'static, str>>) -> Error {
        Error::Core(hookwire::Error::InvalidState { reason: reason.into() })
    }

    pub(crate) fn not_found(kind: &'static str, id: &str) -> Error {
        Error::NotFound { kind, id: id.to_owned() }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Error {
        Error::store(format!("sqlite: {err}"))
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(err: tokio_postgres::Error) -> Error {
        Error::store(format!("postgres: {}", postgres_detail(&err)))
    }
}

/// What a PostgreSQL error says: its SQLSTATE and message for a database error (whose Display
/// is only its severity), else its text.
pub(crate) fn postgres_detail(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => err.to_string(),
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(err: deadpool_postgres::PoolError) -> Error {
        match err {
            deadpool_postgres::PoolError::Backend(err) => Error::from(err),
            // A claim connection's `SET` refused (a pooler that does not keep it, say).
            deadpool_postgres::PoolError::PostCreateHook(deadpool_postgres::HookError::Backend(err)) => {
                Error::from(err)
            }
            other => Error::store(format!("postgres pool: {other}")),
        }
    }
}

/// `Result` with the outbox's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_codes_are_listed_once_and_do_not_shadow_core_codes() {
        let own = [
            Error::not_found("delivery", "d"),
            Error::LeaseLost { delivery: "d".into() },
            Error::SchemaTooNew { found: 9, known: 2 },
            Error::Timeout { waited: Duration::ZERO, remaining: 1 },
        ];
        let codes: Vec<_> = own.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
        for code in Error::CODES {
            assert!(!hookwire::Error::CODES.contains(code), "{code} is already a core code");
        }
        assert_eq!(Error::store("down").code(), "store_error");
        // The outbox's store is named as itself, without the replay store's advice to a receiver.
        assert_eq!(Error::store("down").to_string(), "outbox store error: down");
    }
}
