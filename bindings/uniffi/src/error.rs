//! The one error type of the binding: a variant per stable code of [`hookwire::Error`], and the
//! guard that turns a panic into [`WebhookError::Internal`] instead of unwinding into Kotlin or
//! Swift.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Declares [`WebhookError`] from one list of `Variant = "code"`, so that the variants, their
/// codes and the test against [`hookwire::Error::CODES`] cannot disagree.
macro_rules! webhook_error {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )*) => {
        /// Every failure of hookwire: one variant per stable code (Kotlin: the subclasses of the
        /// sealed `WebhookException`; Swift: the cases of `enum WebhookError`). `reason` is the
        /// human text; [`code`](WebhookError::code) the stable string, identical in every
        /// language.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum WebhookError {
            $( $(#[$doc])* $variant {
                /// What went wrong, for people (never contains secret material).
                reason: String,
            }, )*
        }

        impl WebhookError {
            /// The codes of the variants, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The stable code of this error.
            pub fn code_str(&self) -> &'static str {
                match self {
                    $( WebhookError::$variant { .. } => $code, )*
                }
            }

            /// The human text.
            pub fn reason(&self) -> &str {
                match self {
                    $( WebhookError::$variant { reason } )|* => reason,
                }
            }

            /// The variant of `code`, if it is one.
            pub fn with_code(code: &str, reason: String) -> Option<WebhookError> {
                match code {
                    $( $code => Some(WebhookError::$variant { reason }), )*
                    _ => None,
                }
            }
        }
    };
}

webhook_error! {
    /// No signature matched any configured secret.
    InvalidSignature = "invalid_signature",
    /// A header the scheme requires is absent.
    MissingHeader = "missing_header",
    /// A header is present but unusable.
    MalformedHeader = "malformed_header",
    /// The timestamp is older than the tolerance.
    TimestampTooOld = "timestamp_too_old",
    /// The timestamp is further in the future than the tolerance.
    TimestampTooNew = "timestamp_too_new",
    /// The message id was already accepted.
    Replayed = "replayed",
    /// Another delivery of the message is being handled.
    ReplayInProgress = "replay_in_progress",
    /// The body is larger than the limit.
    PayloadTooLarge = "payload_too_large",
    /// A secret cannot be used.
    InvalidSecret = "invalid_secret",
    /// An argument is not acceptable.
    InvalidArgument = "invalid_argument",
    /// A body is not the JSON asked for.
    InvalidPayload = "invalid_payload",
    /// An unknown scheme name.
    UnknownScheme = "unknown_scheme",
    /// An event type outside the catalog, in strict mode.
    UnknownEventType = "unknown_event_type",
    /// An unknown dialect name.
    UnknownDialect = "unknown_dialect",
    /// A destination refused by the URL guard.
    BlockedUrl = "blocked_url",
    /// An operation that does not fit the current state.
    InvalidState = "invalid_state",
    /// The replay store could not answer.
    Store = "store_error",
    /// A bug in hookwire or this binding (a caught panic). Please report it.
    Internal = "internal",
}

#[uniffi::export]
impl WebhookError {
    /// The stable code (`invalid_signature`, ...), the same string in every language.
    pub fn code(&self) -> String {
        self.code_str().to_owned()
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for WebhookError {}

impl From<hookwire::Error> for WebhookError {
    fn from(error: hookwire::Error) -> Self {
        let code = error.code();
        WebhookError::with_code(code, error.to_string()).unwrap_or_else(|| WebhookError::Internal {
            reason: format!("hookwire error code `{code}` is not known to this binding: {error}"),
        })
    }
}

/// The error of the code `code` with the text `reason`, as the call that fails with it would
/// throw it (for tests and for mapping codes received from elsewhere). An unknown code gives
/// `invalid_argument`.
#[uniffi::export]
pub fn error_from_code(code: String, reason: String) -> WebhookError {
    WebhookError::with_code(&code, reason).unwrap_or_else(|| {
        argument("code", format!("`{code}` is not a hookwire error code; see error_codes()"))
    })
}

/// An `invalid_argument` error about the argument `name`, worded as the core words it.
pub(crate) fn argument(name: &str, reason: impl fmt::Display) -> WebhookError {
    WebhookError::InvalidArgument { reason: format!("invalid argument `{name}`: {reason}") }
}

/// Runs `f`, turning a panic into [`WebhookError::Internal`] so that it never crosses the FFI
/// boundary as uniffi's generic panic error.
pub(crate) fn run<T>(f: impl FnOnce() -> Result<T, WebhookError>) -> Result<T, WebhookError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(WebhookError::Internal {
            reason: format!("internal error: a bug in hookwire (caught panic: {what}); please report it"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_exactly_the_core_codes_in_order() {
        assert_eq!(WebhookError::CODES, hookwire::Error::CODES);
        for code in hookwire::Error::CODES {
            let error = WebhookError::with_code(code, "why".into()).expect(code);
            assert_eq!(error.code(), *code);
            assert_eq!(error.reason(), "why");
        }
    }

    #[test]
    fn core_errors_keep_their_code_and_text() {
        let core = hookwire::Error::UnknownDialect { dialect: "x".into(), known: &["a", "b"] };
        let error = WebhookError::from(core.clone());
        assert!(matches!(error, WebhookError::UnknownDialect { .. }));
        assert_eq!(error.to_string(), core.to_string());
        let core = hookwire::Error::Store { reason: "full".into() };
        assert_eq!(WebhookError::from(core).code(), "store_error");
    }

    #[test]
    fn a_panic_becomes_internal() {
        let error = run::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(error.code(), "internal");
        assert!(error.reason().contains("boom"), "{error}");
    }

    #[test]
    fn unknown_codes_are_invalid_arguments() {
        assert_eq!(error_from_code("nope".into(), "x".into()).code(), "invalid_argument");
        assert_eq!(
            error_from_code("replayed".into(), "x".into()),
            WebhookError::Replayed { reason: "x".into() }
        );
    }
}
